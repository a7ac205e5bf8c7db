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
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.engines.base import (EngineJob, EngineResult, absorb_counts, chunks, counts_since,
                                       row_bar)
from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import apply_chunk
from weaksup.lf.core import LabelingFunction

__all__ = ["ProcessEngine", "ENGINE"]

_FORK_STATE: dict[str, Any] = {}


def _process_task(bounds: tuple[int, int]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, list[Any]]:
    start, stop = bounds
    st = _FORK_STATE
    job = st["job"]
    before = [lf.call_counts() for lf in st["lfs"]]
    try:
        v, f, s = apply_chunk(st["lfs"], st["data"].iloc[start:stop], job.output, job.fault, start,
                              timeout=job.timeout)
    except LFApplyError as err:
        # the error and the LF's exception must survive the trip back to the parent (both ways), with the
        # pickler the pool uses (its reducer table was copied at import: it can differ from pickle's)
        try:
            pickle.loads(ForkingPickler.dumps(err))
        except Exception:
            orig = err.original
            err.original = RuntimeError(f"{type(orig).__name__}: {orig}" if orig is not None else "")
            # reducers that carry the cause chain (tblib's, installed by distributed) must not meet it either
            err.__cause__ = err.__context__ = err.__traceback__ = None
            try:
                pickle.loads(ForkingPickler.dumps(err))
            except Exception:  # an index label that does not pickle: keep the message and the position
                err = LFApplyError(str(err), err.lf_name, repr(err.row_index), err.position, err.original)
            err.__suppress_context__ = True
            raise err from None
        raise
    return start, _compact(v), f, s, counts_since(st["lfs"], before)


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
        bounds = chunks(n, size)
        try:
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool, \
                    row_bar(n, f"Applying {len(lfs)} LFs ({n_jobs} processes)", job.progress) as bar:
                futures = [pool.submit(_process_task, b) for b in bounds]
                for (lo, hi), fut in zip(bounds, futures):
                    try:
                        start, v, f, s, counts = fut.result()
                    except BrokenProcessPool as exc:
                        for other in futures:
                            other.cancel()
                        raise LFApplyError(
                            f"a worker process died while applying LFs {[lf.name for lf in lfs]} to rows "
                            f"{data.index[lo]!r}..{data.index[hi - 1]!r} (positions {lo}..{hi - 1}); an LF "
                            f"crashed the interpreter or used too much memory. Apply these rows with "
                            f"engine='serial' to see which LF and row", "", data.index[lo], lo, exc) from exc
                    absorb_counts(lfs, counts)  # the forked copies' calls, counted on the parent's LFs
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
