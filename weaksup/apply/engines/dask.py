"""The Dask engine: one kernel task per partition, on whatever scheduler is active.

A ``distributed.Client``, if one exists, runs the tasks on its workers.  A
pandas DataFrame is split into ``n_jobs`` (default: CPU count) partitions,
keeping row order.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.engines.base import EngineJob, EngineResult
from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import apply_chunk
from weaksup.lf.core import LabelingFunction

__all__ = ["DaskEngine", "ENGINE", "is_dask_frame"]


def is_dask_frame(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame (checked without importing dask)."""
    return type(data).__module__.startswith("dask") and hasattr(data, "npartitions")


class DaskEngine:
    """Apply LFs with one Dask task per partition."""

    name = "dask"

    def accepts(self, data: Any) -> bool:
        return is_dask_frame(data)

    def run(self, data: Any, lfs: Sequence[LabelingFunction], job: EngineJob) -> EngineResult:
        import dask

        ddf = data
        if isinstance(ddf, pd.DataFrame):
            import dask.dataframe as dd

            ddf = dd.from_pandas(ddf, npartitions=job.n_jobs or os.cpu_count() or 1, sort=False)  # keep row order
        lengths = ddf.map_partitions(len).compute()
        offsets = np.concatenate([[0], np.cumsum(lengths)])[:-1]
        task = dask.delayed(apply_chunk, pure=False)
        lfs = list(lfs)
        tasks = [task(lfs, p, job.output, job.fault, int(o)) for p, o in zip(ddf.to_delayed(), offsets)]
        try:
            results = dask.compute(*tasks)
        except LFApplyError as err:
            raise err from err.original
        if not results:
            return EngineResult.empty(0, len(lfs))
        return EngineResult(np.vstack([r[0] for r in results]), np.sum([r[1] for r in results], axis=0),
                            np.sum([r[2] for r in results], axis=0))


ENGINE = DaskEngine()
