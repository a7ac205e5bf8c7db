"""``snorkel.labeling.model.base_labeler.BaseLabeler``: predict / score with snorkel's abstain semantics."""

from __future__ import annotations

import logging
from typing import Any, Literal, overload

import numpy as np

from weaksup._persist import load_npz, save_npz
from weaksup.compat.snorkel.analysis.scorer import Scorer
from weaksup.compat.snorkel.utils import probs_to_preds

__all__ = ["BaseLabeler"]

SAVE_FORMAT = "weaksup.compat.snorkel.BaseLabeler"


class BaseLabeler:
    """``predict(L, return_probs=False, tie_break_policy="abstain")`` and
    ``score(L, Y, metrics=["accuracy"], tie_break_policy="abstain") -> dict``.

    Ties return ``-1`` by default; ``score`` leaves abstained rows (and gold
    ``-1``) out of every metric except ``coverage``.
    """

    def __init__(self, cardinality: int = 2, **kwargs: Any) -> None:
        self.cardinality = cardinality

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # overloads: a type checker sees the predictions (not a union to unpack) unless return_probs=True asks for the pair
    @overload
    def predict(self, L: np.ndarray, return_probs: Literal[False] | None = False,
                tie_break_policy: str = "abstain") -> np.ndarray: ...

    @overload
    def predict(self, L: np.ndarray, return_probs: Literal[True],
                tie_break_policy: str = "abstain") -> tuple[np.ndarray, np.ndarray]: ...

    @overload
    def predict(self, L: np.ndarray, return_probs: bool | None = False,
                tie_break_policy: str = "abstain") -> np.ndarray | tuple[np.ndarray, np.ndarray]: ...

    def predict(self, L: np.ndarray, return_probs: bool | None = False,
                tie_break_policy: str = "abstain") -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        probs = self.predict_proba(L)
        preds = probs_to_preds(probs, tie_break_policy)
        return (preds, probs) if return_probs else preds

    def score(self, L: np.ndarray, Y: np.ndarray,
              metrics: list[str] | None = ["accuracy"],  # noqa: B006 - snorkel's default
              tie_break_policy: str = "abstain") -> dict[str, float]:
        if tie_break_policy == "abstain":  # abstained (tied) rows are the ones left out, as snorkel warns
            logging.warning("Metrics calculated over data points with non-abstain labels only")
        preds, probs = self.predict(L, return_probs=True, tie_break_policy=tie_break_policy)
        return Scorer(metrics=metrics).score(np.asarray(Y), preds, probs)

    def save(self, destination: str) -> None:
        """Write this labeler's attributes to ``destination`` (weaksup's npz + JSON format; snorkel pickles them).

        Arrays are stored as arrays, everything else (``cardinality``) as JSON.
        """
        state = dict(vars(self))
        arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        attrs = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in state.items() if k not in arrays}
        save_npz(destination, SAVE_FORMAT, {"class": type(self).__name__, "attrs": attrs}, arrays)

    def load(self, source: str) -> None:
        """Replace this labeler's attributes with those :meth:`save` wrote to ``source`` (same class)."""
        try:
            meta, arrays = load_npz(source, SAVE_FORMAT)
        except ValueError as err:
            raise ValueError(f"{source}: not a baseline labeler file written by weaksup.compat.snorkel ({err}); "
                             "a file pickled by snorkel itself cannot be read (no pickle here)") from err
        if meta["class"] != type(self).__name__:
            raise ValueError(f"{source} holds a {meta['class']}, not a {type(self).__name__}")
        self.__dict__.update(meta["attrs"])
        self.__dict__.update(arrays)
