"""``snorkel.augmentation.apply.core``: ``TFApplier`` augments a list of data points with TFs and a policy.

For each data point the policy gives sequences of TF indices; each sequence
runs its TFs in order on the data point (each TF works on a copy).  A TF
returning ``None`` is skipped (the sequence goes on from the last result); a
sequence in which every TF returned ``None`` adds nothing, while the empty
sequence (``keep_original``) adds the original.  The output keeps, per data
point, the original first and then its transformed copies.

A TF that raises propagates its own exception (type unchanged) with a note
naming the TF and the row, as the LF appliers do.

>>> from types import SimpleNamespace
>>> from weaksup.compat.snorkel.augmentation import ApplyAllPolicy, transformation_function
>>> from weaksup.compat.snorkel.augmentation import TFApplier
>>> @transformation_function()
... def plus_one(x):
...     x.num += 1
...     return x
>>> out = TFApplier([plus_one], ApplyAllPolicy(1, keep_original=False)).apply([SimpleNamespace(num=1)],
...                                                                           progress_bar=False)
>>> [x.num for x in out]
[2]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from weaksup.compat.snorkel.augmentation.policy.core import Policy
from weaksup.compat.snorkel.map.core import BaseMapper

__all__ = ["BaseTFApplier", "TFApplier"]


class BaseTFApplier:
    """``BaseTFApplier(tfs, policy)``: holds the TFs (unique names) and runs the policy on one data point."""

    def __init__(self, tfs: Sequence[BaseMapper], policy: Policy) -> None:
        self._tfs = list(tfs)
        self._tf_names = [tf.name for tf in self._tfs]
        dup = sorted(name for name, count in Counter(self._tf_names).items() if count > 1)
        if dup:
            raise ValueError(f"duplicate TF names: {dup}; each TF needs a unique name")
        self._policy = policy

    def _apply_policy_to_data_point(self, x: Any, row: Any = None, position: int | None = None) -> list[Any]:
        """The augmented data points of ``x`` (``row``/``position`` name it in a TF's error)."""
        out = []
        for seq in self._policy.generate_for_example():
            x_t = x
            applied = not seq  # the empty sequence is the original, kept as is
            for i in seq:
                tf = self._tfs[i]
                try:
                    result = tf(x_t)
                except Exception as err:
                    where = f"row {row!r}" + ("" if position is None else f" (position {position})")
                    err.add_note(f"TF {tf.name!r} raised {type(err).__name__} on {where}")
                    raise
                if result is not None:  # None: this TF failed on x_t; the sequence goes on without it
                    applied = True
                    x_t = result
            if applied:
                out.append(x_t)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}, Policy: {type(self._policy).__name__}, TFs: {self._tf_names}"


class TFApplier(BaseTFApplier):
    """``TFApplier(tfs, policy)``: ``apply(data_points, progress_bar=True)`` and ``apply_generator``."""

    def apply_generator(self, data_points: Sequence[Any], batch_size: int) -> Iterator[list[Any]]:
        """Yield the augmented data points of each ``batch_size`` consecutive inputs, batch by batch."""
        for start in range(0, len(data_points), batch_size):
            batch: list[Any] = []
            for i, x in enumerate(data_points[start:start + batch_size], start):
                batch.extend(self._apply_policy_to_data_point(x, i, i))
            yield batch

    def apply(self, data_points: Sequence[Any], progress_bar: bool = True) -> list[Any]:
        """The augmented data set: per data point, the original (``keep_original``) then its copies."""
        from tqdm.auto import tqdm

        out: list[Any] = []
        for i, x in enumerate(tqdm(data_points, disable=not progress_bar)):
            out.extend(self._apply_policy_to_data_point(x, i, i))
        return out
