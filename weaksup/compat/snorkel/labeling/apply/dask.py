"""``snorkel.labeling.apply.dask``: ``DaskLFApplier`` and ``PandasParallelLFApplier``.

Each Dask partition runs :class:`PandasLFApplier` (weaksup's kernel) as one
delayed task on the given scheduler; the blocks are stacked in partition order.
``PandasParallelLFApplier`` cuts the pandas frame into ``n_parallel`` chunks by
position, so L's rows follow the frame's rows (snorkel 0.10 sorts them by index).
An LF's error names the row by its index label; its "(position i)" counts from
the start of the partition, which a note names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.engines.dask import require_dask
from weaksup.compat.snorkel.labeling.apply.core import BaseLFApplier
from weaksup.compat.snorkel.labeling.apply.pandas import _apply_frame

__all__ = ["DaskLFApplier", "PandasParallelLFApplier"]


class DaskLFApplier(BaseLFApplier):
    """``DaskLFApplier(lfs).apply(df, scheduler="processes", fault_tolerant=False)`` on a Dask DataFrame."""

    def apply(self, df: Any, scheduler: Any = "processes", fault_tolerant: bool = False) -> np.ndarray:
        dask = require_dask(f"{type(self).__name__}.apply")
        tasks = [dask.delayed(_apply_frame)(self._lfs, part, fault_tolerant, i)
                 for i, part in enumerate(df.to_delayed())]
        blocks = dask.compute(*tasks, scheduler=scheduler)
        return np.vstack(blocks) if blocks else np.zeros((0, len(self._lfs)), dtype=np.int64)


class PandasParallelLFApplier(DaskLFApplier):
    """``PandasParallelLFApplier(lfs).apply(df, n_parallel=2, scheduler="processes", fault_tolerant=False)``."""

    def apply(self, df: pd.DataFrame, n_parallel: int = 2, scheduler: Any = "processes",  # type: ignore[override]
              fault_tolerant: bool = False) -> np.ndarray:
        if n_parallel < 2:
            raise ValueError("n_parallel should be >= 2. For single process Pandas, use PandasLFApplier.")
        dask = require_dask(f"{type(self).__name__}.apply")
        # Split by position, not with dd.from_pandas: it sorts the partitions by df.index (as snorkel 0.10 does), so
        # the rows of L came back in index order, silently misaligned with df's rows and their labels Y; it also
        # cannot take a MultiIndex. Each chunk keeps df's own index labels for the error messages.
        bounds = np.linspace(0, len(df), min(n_parallel, max(len(df), 1)) + 1).astype(int)
        tasks = [dask.delayed(_apply_frame)(self._lfs, df.iloc[lo:hi], fault_tolerant, i)
                 for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:]))]
        blocks = dask.compute(*tasks, scheduler=scheduler)
        return np.vstack(blocks) if blocks else np.zeros((0, len(self._lfs)), dtype=np.int64)
