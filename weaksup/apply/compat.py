"""Drop-in replacements for snorkel's appliers: migrate by changing imports.

>>> import pandas as pd
>>> from weaksup import labeling_function
>>> from weaksup.apply import PandasLFApplier
>>> @labeling_function()
... def is_big_num(x):
...     return 1 if x.num > 42 else 0
>>> PandasLFApplier([is_big_num]).apply(pd.DataFrame(dict(num=[10, 100])), progress_bar=False).tolist()
[[0], [1]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from weaksup.apply.applier import LFApplier

__all__ = ["ApplierMetadata", "PandasLFApplier", "DaskLFApplier"]


class ApplierMetadata(NamedTuple):
    """snorkel's applier metadata (a NamedTuple, as snorkel's): ``faults`` maps LF name to the number of
    rows it failed on."""

    faults: dict[str, int]


class PandasLFApplier:
    """snorkel-compatible ``PandasLFApplier(lfs).apply(df, progress_bar, fault_tolerant, return_meta)``.

    The signature is snorkel's, so ``progress_bar`` is not deprecated here (a
    snorkel script must run unchanged); weaksup's ``progress=`` is accepted too
    and wins when given.

    Returns a dense int64 ``L`` like snorkel.  Runs weaksup's serial engine
    (batched LFs vectorised, row-wise LFs on light rows); ``engine`` and
    ``n_jobs`` pick another engine.  The weaksup :class:`~weaksup.VoteMatrix`
    of the last call is ``applier.votes``.
    """

    _engine = "serial"

    def __init__(self, lfs: Sequence[Any], *, engine: str | None = None, n_jobs: int | None = None) -> None:
        self._lfs = list(lfs)
        self._applier_kwargs = {"engine": engine or self._engine, "n_jobs": n_jobs}
        LFApplier(self._lfs, **self._applier_kwargs)  # validate names now, like snorkel
        self.votes = None

    def apply(self, df: Any, progress_bar: bool = True, fault_tolerant: bool = False, return_meta: bool = False,
              *, progress: bool | None = None) -> np.ndarray | tuple[np.ndarray, ApplierMetadata]:
        show = progress_bar if progress is None else progress
        # _keep_na: a missing nullable cell reaches row-wise LFs as pd.NA, as in snorkel's appliers (not None)
        applier = LFApplier(self._lfs, fault="abstain" if fault_tolerant else "raise", progress=show,
                            cache=False, _keep_na=True, **self._applier_kwargs)
        self.votes = applier.apply(df)
        L = self.votes.to_snorkel()
        if return_meta:
            return L, ApplierMetadata({k: v for k, v in self.votes.report.faults.items() if v})
        return L

    def __repr__(self) -> str:
        return f"{type(self).__name__}, LFs: {[getattr(lf, 'name', lf) for lf in self._lfs]}"


class DaskLFApplier(PandasLFApplier):
    """snorkel-compatible ``DaskLFApplier``: applies to a Dask DataFrame on the active scheduler.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd
    >>> from weaksup import regex_lf
    >>> from weaksup.apply import DaskLFApplier
    >>> df = pd.DataFrame({"text": ["win cash now", "see you", "WIN big"]})
    >>> L = DaskLFApplier([regex_lf("win", 1, name="win")]).apply(dd.from_pandas(df, npartitions=2))
    >>> L.ravel().tolist()
    [1, -1, 1]
    """

    _engine = "dask"
