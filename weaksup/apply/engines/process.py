"""The process engine: a pool of forked worker processes, one chunk per task.

Fork (not spawn) lets LFs defined in a notebook or test run without pickling:
the data and the LFs are put in :data:`_FORK_STATE` before forking, so workers
inherit them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.engines.base import EngineJob, EngineResult, chunks, row_bar
from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import apply_chunk
from weaksup.lf.core import LabelingFunction

__all__ = ["ProcessEngine", "ENGINE"]

_FORK_STATE: dict[str, Any] = {}


def _process_task(bounds: tuple[int, int]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    start, stop = bounds
    st = _FORK_STATE
    try:
        v, f, s = apply_chunk(st["lfs"], st["data"].iloc[start:stop], st["job"].output, st["job"].fault, start)
    except LFApplyError as err:
        try:  # the LF's exception must survive the trip back to the parent
            pickle.dumps(err.original)
        except Exception:
            err.original = RuntimeError(f"{type(err.original).__name__}: {err.original}")
        raise
    return start, _compact(v), f, s


def _compact(v: np.ndarray) -> np.ndarray:
    """Smallest dtype for shipping a vote block back to the parent process."""
    if v.size and int(v.max()) < 127:
        return v.astype(np.int8)
    return v


class ProcessEngine:
    """Apply LFs in ``job.n_jobs`` forked processes (default: CPU count), ``n / (4·n_jobs)`` rows a task."""

    name = "process"

    def accepts(self, data: object) -> bool:
        return False

    def run(self, data: pd.DataFrame, lfs: Sequence[LabelingFunction], job: EngineJob) -> EngineResult:
        n = len(data)
        n_jobs = job.n_jobs or os.cpu_count() or 1
        size = job.chunk_size or max(1000, -(-n // (4 * n_jobs)))
        res = EngineResult.empty(n, len(lfs))
        res.block = np.empty((n, len(lfs)), dtype=np.int64)
        _FORK_STATE.update(data=data, lfs=list(lfs), job=job)
        try:
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool, \
                    row_bar(n, f"Applying {len(lfs)} LFs ({n_jobs} processes)", job.progress) as bar:
                for start, v, f, s in pool.map(_process_task, chunks(n, size)):
                    res.block[start:start + len(v)] = v
                    res.faults += f
                    res.seconds += s
                    bar.update(len(v))
        except LFApplyError as err:
            raise err from err.original
        finally:
            _FORK_STATE.clear()
        return res


ENGINE = ProcessEngine()
