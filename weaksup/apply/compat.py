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
        # _keep_na: a missing nullable cell reaches row-wise LFs as pd.NA, as in snorkel's appliers (not None);
        # snorkel's appliers return an array, which has no LF fingerprints: not taken (they hash every LF)
        applier = LFApplier(self._lfs, fault="abstain" if fault_tolerant else "raise", progress=show,
                            cache=False, _keep_na=True, lf_fingerprints=False, **self._applier_kwargs)
        self.votes = applier.apply(df)
        L = self.votes.to_snorkel()
        if return_meta:
            return L, ApplierMetadata({k: v for k, v in self.votes.report.faults.items() if v})
        return L

    def __repr__(self) -> str:
        return f"{type(self).__name__}, LFs: {[getattr(lf, 'name', lf) for lf in self._lfs]}"


class DaskLFApplier(PandasLFApplier):
    """snorkel-compatible ``DaskLFApplier(lfs).apply(df, scheduler="processes", fault_tolerant=False)``.

    The signature is snorkel 0.10's (as :mod:`weaksup.compat.snorkel`'s): ``scheduler`` is a dask scheduler
    name (``"processes"``, ``"threads"``, ``"synchronous"``, ...) or a ``distributed.Client``, and the
    partitions run there, as in snorkel (a named local scheduler is used even beside a default client).  It is
    handed to this call's compute only, as snorkel does: ``dask.config`` is left alone, so calls in other
    threads keep their own scheduler.
    weaksup's Dask engine runs them, so an LF's error is an
    :class:`~weaksup.apply.errors.LFApplyError` naming the row by its position in ``df``.
    ``progress_bar``, ``return_meta`` and ``progress`` are keyword-only extras, as in
    :meth:`PandasLFApplier.apply`.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd
    >>> from weaksup import regex_lf
    >>> from weaksup.apply import DaskLFApplier
    >>> df = pd.DataFrame({"text": ["win cash now", "see you", "WIN big"]})
    >>> L = DaskLFApplier([regex_lf("win", 1, name="win")]).apply(dd.from_pandas(df, npartitions=2), "threads")
    >>> L.ravel().tolist()
    [1, -1, 1]
    """

    _engine = "dask"

    def apply(self, df: Any, scheduler: Any = "processes", fault_tolerant: bool = False,  # type: ignore[override]
              *, progress_bar: bool = True, return_meta: bool = False,
              progress: bool | None = None) -> np.ndarray | tuple[np.ndarray, ApplierMetadata]:
        if isinstance(scheduler, bool):  # apply(df, False): progress_bar's place in PandasLFApplier.apply
            raise TypeError(f"{type(self).__name__}.apply(df, scheduler, fault_tolerant): scheduler must be a dask "
                            f"scheduler name (e.g. 'processes', 'threads') or a distributed.Client, got "
                            f"{scheduler!r}; pass progress_bar={scheduler!r} by keyword")
        from weaksup.apply.engines.dask import call_scheduler, require_dask

        require_dask(f"{type(self).__name__}.apply")
        # handed to the Dask engine's compute for this call only, as snorkel passes compute(scheduler=...):
        # dask.config is process-wide, so setting it there leaked into concurrent calls and outlived them
        with call_scheduler(scheduler):
            return super().apply(df, progress_bar, fault_tolerant, return_meta, progress=progress)
