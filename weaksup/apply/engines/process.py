"""The process engine: a pool of forked worker processes, one chunk per task.

Fork (not spawn) lets LFs defined in a notebook or test run without pickling:
the data and the LFs are put in :data:`_FORK_STATE` before forking, so workers
inherit them.

When a chunk fails (``fault="raise"``, or a worker dies) the chunks after it
are cancelled at once; the chunks before it, which started first, are waited
for, since one of them may fail too: the error raised is that of the failed
chunk that comes first, as in the serial engine.  Then the pool's processes
are stopped (running chunks are not waited for) and joined; so is it on
Ctrl-C, which the workers leave to this process.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import pickle
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.engines.base import (EngineJob, EngineResult, absorb_counts, chunks, counts_since, keep_finished,
                                       keep_first_faults, keep_partial, portable_error, row_bar, start_dtype, widen)
from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import apply_chunk
from weaksup.lf.core import LabelingFunction

__all__ = ["ProcessEngine", "ENGINE"]

_FORK_STATE: dict[str, Any] = {}


def _roundtrip(obj: Any) -> Any:
    # with the pickler the pool uses (its reducer table was copied at import: it can differ from pickle's)
    return pickle.loads(ForkingPickler.dumps(obj))


def _process_task(bounds: tuple[int, int]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, list[Any],
                                                   dict[int, Any]]:
    start, stop = bounds
    st = _FORK_STATE
    job = st["job"]
    before = [lf.call_counts() for lf in st["lfs"]]
    try:
        found: dict[int, Any] = {}
        v, f, s = apply_chunk(st["lfs"], st["data"].iloc[start:stop], job.output, job.fault, start,
                              timeout=job.timeout, first_faults=found)
    except LFApplyError as err:
        # the error and the LF's exception must survive the trip back to the parent (both ways)
        original = err.original
        portable = portable_error(err, _roundtrip)
        # the columns of the LFs that ran on the whole chunk travel beside it (an error pickles its args only)
        done = getattr(err, "chunk_done", None)
        if done is not None:
            portable = _ChunkFailed(portable, [_compact(np.asarray(c)) for c in done[0]])
        if portable is err and err.original is original:
            raise
        raise portable from None
    try:  # the first faults travel back to the parent; a row label that does not pickle is sent as its repr
        _roundtrip(found)
    except Exception:
        found = {j: (e, msg, repr(row), pos) for j, (e, msg, row, pos) in found.items()}
    return start, _compact(v), f, s, counts_since(st["lfs"], before), found


class _ChunkFailed(Exception):
    """An LF's error from a worker, with the columns of the LFs that had run on all of the chunk."""

    def __init__(self, error: LFApplyError, columns: list[np.ndarray]) -> None:
        super().__init__(error, columns)
        self.error, self.columns = error, columns


def _init_worker() -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback from each worker).

    A forked worker of a parent that has run torch inherits torch's intra-op thread pool in a
    state it cannot use: its first parallel op (an embedding LF's model) waits forever.  With one
    thread torch never enters that pool, and one thread per worker is what n_jobs workers want.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _compact(v: np.ndarray) -> np.ndarray:
    """Smallest dtype for shipping a vote block back to the parent process."""
    if v.size and int(v.max()) < 127:
        return v.astype(np.int8)
    return v


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the pool's queued chunks, stop its processes without waiting for the running ones, and join
    them (no orphan or zombie workers)."""
    kill = getattr(pool, "kill_workers", None)  # Python >= 3.14
    procs = list((getattr(pool, "_processes", None) or {}).values())
    if kill is not None:
        kill()
    else:
        for p in procs:
            if p.is_alive():
                p.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for p in procs:
        p.join()


def _fork_context() -> Any:
    """The ``fork`` start method's context, or ``ValueError`` saying what to use where there is none (Windows):
    Python's own "cannot find context for 'fork'" names neither the engine nor the way out."""
    methods = mp.get_all_start_methods()
    detail = f"its start methods are {methods}"
    if "fork" in methods:
        try:
            return mp.get_context("fork")
        except ValueError as exc:
            detail = str(exc)
    raise ValueError(f"engine='process' needs the fork start method (POSIX), which this Python does not offer "
                     f"({detail}); use engine='serial' or engine='dask'")


class ProcessEngine:
    """Apply LFs in ``job.n_jobs`` forked processes (default: CPU count), ``n / (4·n_jobs)`` rows a task."""

    name = "process"

    def accepts(self, data: object) -> bool:
        return False

    def run(self, data: pd.DataFrame, lfs: Sequence[LabelingFunction], job: EngineJob) -> EngineResult:
        context = _fork_context()
        n = len(data)
        n_jobs = job.n_jobs or os.cpu_count() or 1
        size = job.chunk_size or max(1000, -(-n // (4 * n_jobs)))
        res = EngineResult.empty(0, len(lfs))
        # the smallest dtype that holds the votes (int8 for a few classes; with small_blocks and the class count
        # inferred, int8 widened as larger votes come): the chunks' votes are copied in
        res.block = np.empty((n, len(lfs)), dtype=start_dtype(job.output))
        _FORK_STATE.update(data=data, lfs=list(lfs), job=job)
        bounds = chunks(n, size)
        pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=context,
                                   initializer=_init_worker)
        failed: dict[int, BaseException] = {}
        rows_done = np.zeros(n, dtype=bool)  # rows of the chunks finished
        finished: list[tuple[int, int, np.ndarray]] = []  # the chunks finished, with their faults: kept if it stops
        try:
            with (row_bar(n, f"Applying {len(lfs)} LFs ({n_jobs} processes)", job.progress) if job.bar is None
                  else contextlib.nullcontext(job.bar)) as bar:  # the applier's bar over several runs: left open
                futures: dict[Future[Any], int] = {}
                for i, b in enumerate(bounds):
                    try:
                        futures[pool.submit(_process_task, b)] = i
                    except BrokenProcessPool:  # a worker died already: the chunks submitted say where
                        break
                unfinished = np.zeros(len(bounds), dtype=bool)  # chunks submitted and not yet seen to end
                unfinished[:len(futures)] = True
                # each chunk as it ends, so the bar moves; one waiter on every future for the whole run
                # (wait(FIRST_COMPLETED) in a loop installed one per pending future at each completion: quadratic)
                for fut in as_completed(futures):
                    unfinished[futures[fut]] = False
                    if fut.cancelled():
                        continue
                    exc = fut.exception()
                    if exc is None:
                        start, v, f, s, counts, found = fut.result()
                        keep_first_faults(res.first_faults, found)
                        absorb_counts(lfs, counts)  # the forked copies' calls, counted on the parent's LFs
                        res.block = widen(res.block, v.dtype)
                        res.block[start:start + len(v)] = v
                        rows_done[start:start + len(v)] = True
                        res.faults += f
                        res.seconds += s
                        finished.append((start, start + len(v), f))
                        bar.update(len(v))
                    elif isinstance(exc, _ChunkFailed):
                        exc.error.chunk_done = (exc.columns,)
                        failed[futures[fut]] = exc.error
                    elif isinstance(exc, (LFApplyError, BrokenProcessPool)):
                        failed[futures[fut]] = exc
                    else:
                        raise exc
                    if failed:  # wait only for the chunks before the first failed one
                        first = min(failed)
                        if futures[fut] in failed:
                            for later, i in futures.items():
                                if i > first:
                                    later.cancel()
                        if not unfinished[:first].any():
                            break
        except BaseException as stop:  # Ctrl-C, or an error that is not an LF's: stop everything now
            _stop(pool)
            if isinstance(stop, KeyboardInterrupt):  # the chunks finished are kept by the applier (``partial``)
                keep_partial(stop, res.block, finished)
            raise
        else:
            if failed:
                _stop(pool)  # the chunks after the first failed one may still be running: not waited for
            else:
                pool.shutdown(wait=True)
        finally:
            _FORK_STATE.clear()
        if not failed:
            return res
        first = min(failed)
        exc = failed[first]
        if isinstance(exc, LFApplyError):
            keep_finished(exc, res.block, rows_done, bounds[first])  # the LFs' columns that are whole, for the cache
            keep_partial(exc, res.block, finished)  # and every LF's rows of the chunks finished
            raise exc from exc.original
        lo, hi = bounds[first]
        died = LFApplyError(
            f"a worker process died while applying LFs {[lf.name for lf in lfs]} to rows "
            f"{data.index[lo]!r}..{data.index[hi - 1]!r} (positions {lo}..{hi - 1}), the first chunk left "
            f"unfinished; an LF crashed the interpreter or used too much memory (on these rows, or on a chunk "
            f"running beside them). Apply these rows with engine='serial' to see which LF and row", "",
            data.index[lo], lo, exc)
        keep_partial(died, res.block, finished)
        raise died from exc


ENGINE = ProcessEngine()
