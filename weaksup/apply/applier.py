"""LF application engines.

Three engines share one per-chunk kernel (:func:`_apply_chunk`), so they give
identical votes by construction:

* ``serial``  – in this process, chunk by chunk.
* ``process`` – a pool of forked worker processes, one chunk per task.  Fork
  (not spawn) lets LFs defined in a notebook or test run without pickling.
* ``dask``    – one task per partition of a Dask DataFrame, on whatever Dask
  scheduler is active (a ``distributed.Client`` if one exists).

Row-wise LFs receive a :class:`~weaksup.lf.Row` (dict with attribute access);
batched LFs receive the pandas DataFrame chunk.
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import os
import pickle
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.cache import VoteCache, fingerprint_data
from weaksup.lf import LabelingFunction, Row, fingerprint_callable
from weaksup.votes import ABSTAIN, VoteMatrix, smallest_int_dtype

__all__ = ["ApplyReport", "LFApplier", "LFApplyError", "LFOutputError", "apply_lfs"]

ENGINES = ("serial", "process", "dask")


class LFApplyError(RuntimeError):
    """An LF raised while being applied (``fault="raise"``).

    Attributes ``lf_name``, ``row_index`` (the data's index label), ``position``
    (0-based row) and ``original`` (the exception the LF raised, also chained
    as ``__cause__``).
    """

    def __init__(self, message: str, lf_name: str = "", row_index: Any = None,
                 position: int | None = None, original: BaseException | None = None) -> None:
        super().__init__(message)
        self.lf_name = lf_name
        self.row_index = row_index
        self.position = position
        self.original = original

    def __reduce__(self) -> Any:  # survive the trip back from a worker process
        return (type(self), (self.args[0], self.lf_name, self.row_index, self.position, self.original))


class LFOutputError(ValueError):
    """An LF returned something that is not a vote in ``{-1, 0..k-1}``."""


@dataclass
class ApplyReport:
    """What an application run did, per LF.

    ``table`` has one row per LF: ``calls`` (rows evaluated now; 0 when the
    column came from the cache), ``faults`` (rows where the LF raised and
    abstained instead), ``seconds`` and ``cached``.
    """

    engine: str
    n_rows: int
    seconds: float
    table: pd.DataFrame = field(repr=False)

    @property
    def faults(self) -> dict[str, int]:
        return dict(zip(self.table.index, self.table["faults"].astype(int)))

    @property
    def recomputed(self) -> list[str]:
        return [name for name, c in zip(self.table.index, self.table["cached"]) if not c]


# ----------------------------------------------------------------- the kernel
def _check_vote(lf: LabelingFunction, value: Any, cardinality: int | None, row_index: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise LFOutputError(
            f"LF {lf.name!r} returned {value!r} ({type(value).__name__}) on row {row_index!r}; "
            f"an LF must return an int class or ABSTAIN (-1)"
        )
    v = int(value)
    if v < ABSTAIN or (cardinality is not None and v >= cardinality):
        bound = f"-1..{cardinality - 1}" if cardinality is not None else ">= -1"
        raise LFOutputError(f"LF {lf.name!r} returned {v} on row {row_index!r}: outside {bound}")
    return v


def _check_batch(lf: LabelingFunction, out: Any, chunk: pd.DataFrame, cardinality: int | None) -> np.ndarray:
    arr = np.asarray(out)
    if arr.shape != (len(chunk),):
        raise LFOutputError(
            f"batched LF {lf.name!r} returned shape {arr.shape} for a chunk of {len(chunk)} rows "
            f"(rows {chunk.index[0]!r}..{chunk.index[-1]!r}); it must return one vote per row"
        )
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and len(arr) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        elif len(arr) == 0:
            arr = arr.astype(np.int64)
        else:
            bad = 0
            if arr.dtype.kind == "f":
                bad = int(np.nonzero(~np.isfinite(arr) | (arr != np.round(arr)))[0][0])
            raise LFOutputError(
                f"batched LF {lf.name!r} returned dtype {arr.dtype} (e.g. {arr[bad].item()!r} on row "
                f"{chunk.index[bad]!r}); it must return integer votes"
            )
    bad_mask = arr < ABSTAIN
    if cardinality is not None:
        bad_mask |= arr >= cardinality
    if bad_mask.any():
        i = int(np.nonzero(bad_mask)[0][0])
        bound = f"-1..{cardinality - 1}" if cardinality is not None else ">= -1"
        raise LFOutputError(f"LF {lf.name!r} returned {int(arr[i])} on row {chunk.index[i]!r}: outside {bound}")
    return arr


def _fast_call(lf: LabelingFunction) -> Any:
    """The cheapest callable equivalent to ``lf(x)`` for a row-wise LF."""
    if type(lf).__call__ is LabelingFunction.__call__ and not lf._pre and not lf.batched:
        if not lf._resources:
            return lf._f
        return functools.partial(lf._f, **lf._resources)
    return lf


_INT_TYPES = frozenset({int, np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64})


def _check_row_votes(lf: LabelingFunction, out: list[Any], cardinality: int | None, index: pd.Index) -> np.ndarray:
    """Validate one LF's row-wise outputs and return them as an int64 array."""
    if not out:
        return np.zeros(0, dtype=np.int64)
    if not set(map(type, out)) <= _INT_TYPES:
        for i, v in enumerate(out):
            if type(v) not in _INT_TYPES:
                _check_vote(lf, v, cardinality, index[i])
    try:
        arr = np.array(out, dtype=np.int64)
    except OverflowError:
        i = next(i for i, v in enumerate(out) if not -(2**63) <= int(v) < 2**63)
        _check_vote(lf, out[i], cardinality, index[i])
        raise
    bad = arr < ABSTAIN
    if cardinality is not None:
        bad |= arr >= cardinality
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        _check_vote(lf, int(arr[i]), cardinality, index[i])
    return arr


def _apply_chunk(
    lfs: Sequence[LabelingFunction], chunk: pd.DataFrame, cardinality: int | None, fault: str, offset: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Votes (len(chunk) × len(lfs)), per-LF fault counts and seconds for one chunk."""
    n = len(chunk)
    votes = np.full((n, len(lfs)), ABSTAIN, dtype=np.int64)
    faults = np.zeros(len(lfs), dtype=np.int64)
    seconds = np.zeros(len(lfs))
    records: list[Row] | None = None
    index = chunk.index
    for j, lf in enumerate(lfs):
        t0 = time.perf_counter()
        if lf.batched:
            try:
                out = lf(chunk)
            except Exception as exc:
                if fault == "raise":
                    raise LFApplyError(
                        f"batched LF {lf.name!r} raised {type(exc).__name__}: {exc} on the chunk of rows "
                        f"{index[0]!r}..{index[-1]!r} (positions {offset}..{offset + n - 1})",
                        lf.name, index[0], offset, exc,
                    ) from exc
                faults[j] += n
            else:
                votes[:, j] = _check_batch(lf, out, chunk, cardinality)
        else:
            if records is None:
                records = [Row(r) for r in chunk.to_dict("records")]
            call = _fast_call(lf)
            out: list[Any] = []
            append = out.append
            for i, x in enumerate(records):
                try:
                    append(call(x))
                except Exception as exc:
                    if fault == "raise":
                        raise LFApplyError(
                            f"LF {lf.name!r} raised {type(exc).__name__}: {exc} on row {index[i]!r} "
                            f"(position {offset + i})",
                            lf.name, index[i], offset + i, exc,
                        ) from exc
                    faults[j] += 1
                    append(ABSTAIN)
            votes[:, j] = _check_row_votes(lf, out, cardinality, index)
        seconds[j] = time.perf_counter() - t0
    return votes, faults, seconds


# Process engine: data and LFs are put here before forking so workers inherit
# them instead of receiving pickles.
_FORK_STATE: dict[str, Any] = {}


def _process_task(bounds: tuple[int, int]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    start, stop = bounds
    st = _FORK_STATE
    chunk = st["data"].iloc[start:stop]
    try:
        v, f, s = _apply_chunk(st["lfs"], chunk, st["cardinality"], st["fault"], start)
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


def _dask_task(lfs: Sequence[LabelingFunction], part: pd.DataFrame, cardinality: int | None,
               fault: str, offset: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _apply_chunk(lfs, part, cardinality, fault, offset)


def _is_dask_frame(data: Any) -> bool:
    mod = type(data).__module__
    return mod.startswith("dask") and hasattr(data, "npartitions")


# ------------------------------------------------------------------ applier
class LFApplier:
    """Apply a list of LFs to data and return a :class:`~weaksup.votes.VoteMatrix`.

    Parameters
    ----------
    lfs : sequence of LabelingFunction
        Names must be unique.  snorkel ``LabelingFunction`` objects work too.
    engine : {"serial", "process", "dask"}
    n_jobs : int, optional
        Worker processes for ``engine="process"`` (default: CPU count).
    chunk_size : int, optional
        Rows per chunk (default 10,000 for serial, n / (4·n_jobs) for process).
    fault : {"raise", "abstain"}
        On an LF exception: raise :class:`LFApplyError` naming the LF and row,
        or record ABSTAIN and count the fault in the report.
    cardinality : int, optional
        Number of classes; votes ``>= cardinality`` are rejected.
    cache : bool or VoteCache
        ``True`` (default) keeps this applier's own in-memory cache, so
        re-applying after editing one LF re-runs only that LF.
    progress : bool
        Show a tqdm progress bar.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup import LFApplier, keyword_lf
    >>> applier = LFApplier([keyword_lf("free", 1, name="free")], progress=False)
    >>> applier.apply(pd.DataFrame({"text": ["free stuff", "hi"]})).to_dense().ravel().tolist()
    [1, -1]
    >>> applier.last_report.table["calls"].tolist()
    [2]
    """

    def __init__(
        self,
        lfs: Sequence[Any],
        *,
        engine: str = "serial",
        n_jobs: int | None = None,
        chunk_size: int | None = None,
        fault: str = "raise",
        cardinality: int | None = None,
        cache: bool | VoteCache | None = True,
        progress: bool = True,
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        if fault not in ("raise", "abstain"):
            raise ValueError(f"fault must be 'raise' or 'abstain', got {fault!r}")
        self.lfs = self._check_lfs(lfs)
        self.engine = engine
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.fault = fault
        self.cardinality = cardinality
        self.cache: VoteCache | None = (
            VoteCache() if cache is True else cache if isinstance(cache, VoteCache) else None
        )
        self.progress = progress
        self.last_report: ApplyReport | None = None

    @staticmethod
    def _check_lfs(lfs: Sequence[Any]) -> list[LabelingFunction]:
        out: list[LabelingFunction] = []
        for i, lf in enumerate(lfs):
            if not isinstance(lf, LabelingFunction):
                lf = _wrap_foreign_lf(lf, i)
            out.append(lf)
        names = [lf.name for lf in out]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate LF names: {dup}; each LF needs a unique name")
        return out

    def apply(self, data: Any, lfs: Sequence[Any] | None = None) -> VoteMatrix:
        """Apply the LFs (or ``lfs``, replacing them) to ``data``.

        ``data`` is a pandas DataFrame, a list of records (dicts), or a Dask
        DataFrame (``engine="dask"`` is then implied).
        """
        if lfs is not None:
            self.lfs = self._check_lfs(lfs)
        t_start = time.perf_counter()
        engine = self.engine
        if _is_dask_frame(data):
            engine = "dask"
            df = data
            n = None
        else:
            df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data))
            n = len(df)
        m = len(self.lfs)
        names = [lf.name for lf in self.lfs]

        # Cached columns first; only the rest are computed.
        columns: dict[int, np.ndarray] = {}
        faults = np.zeros(m, dtype=np.int64)
        seconds = np.zeros(m)
        keys: list[str | None] = [None] * m
        if self.cache is not None and engine != "dask" and n:
            data_fp = fingerprint_data(df)
            for j, lf in enumerate(self.lfs):
                keys[j] = VoteCache.key(f"{lf.fingerprint()}|fault={self.fault}", data_fp, self.cardinality)
                hit = self.cache.get(keys[j])  # type: ignore[arg-type]
                if hit is not None:
                    columns[j], faults[j] = hit
        todo = [j for j in range(m) if j not in columns]
        todo_lfs = [self.lfs[j] for j in todo]

        if todo and engine == "dask":
            block, f, s, n = self._run_dask(df, todo_lfs)
        elif todo and n:
            runner = self._run_process if engine == "process" else self._run_serial
            block, f, s = runner(df, todo_lfs, keys=[keys[j] for j in todo])
        else:
            n = n or 0
            block, f, s = np.zeros((n, len(todo)), np.int64), np.zeros(len(todo), np.int64), np.zeros(len(todo))
        for pos, j in enumerate(todo):
            columns[j] = block[:, pos]
            faults[j], seconds[j] = f[pos], s[pos]
            if self.cache is not None and keys[j] is not None:
                self.cache.put(keys[j], columns[j], int(faults[j]))  # type: ignore[arg-type]

        k = self.cardinality
        observed_max = max((int(c.max()) for c in columns.values() if len(c)), default=-1)
        k_final = k if k is not None else max(2, observed_max + 1)
        dtype = smallest_int_dtype(k_final)
        mat = np.empty((n, m), dtype=dtype)
        for j in range(m):
            mat[:, j] = columns[j]
        votes = VoteMatrix(mat, names, k_final)
        table = pd.DataFrame(
            {
                "calls": [0 if j not in todo else n for j in range(m)],
                "faults": faults,
                "seconds": seconds,
                "cached": [j not in todo for j in range(m)],
            },
            index=pd.Index(names, name="lf"),
        )
        self.last_report = ApplyReport(engine, int(n), time.perf_counter() - t_start, table)
        votes.report = self.last_report
        return votes

    # ------------------------------------------------------------- engines
    def _chunks(self, n: int, size: int) -> list[tuple[int, int]]:
        return [(s, min(n, s + size)) for s in range(0, n, size)]

    def _bar(self, total: int, desc: str) -> Any:
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, disable=not self.progress, unit="rows")

    def _run_serial(self, df: pd.DataFrame, lfs: list[LabelingFunction], keys: list[str | None]):
        n = len(df)
        size = self.chunk_size or 10_000
        block = np.empty((n, len(lfs)), dtype=np.int64)
        faults = np.zeros(len(lfs), dtype=np.int64)
        seconds = np.zeros(len(lfs))
        with self._bar(n, f"Applying {len(lfs)} LFs") as bar:
            for start, stop in self._chunks(n, size):
                v, f, s = _apply_chunk(lfs, df.iloc[start:stop], self.cardinality, self.fault, start)
                block[start:stop] = v
                faults += f
                seconds += s
                bar.update(stop - start)
        return block, faults, seconds

    def _run_process(self, df: pd.DataFrame, lfs: list[LabelingFunction], keys: list[str | None]):
        n = len(df)
        n_jobs = self.n_jobs or os.cpu_count() or 1
        size = self.chunk_size or max(1000, -(-n // (4 * n_jobs)))
        block = np.empty((n, len(lfs)), dtype=np.int64)
        faults = np.zeros(len(lfs), dtype=np.int64)
        seconds = np.zeros(len(lfs))
        _FORK_STATE.update(data=df, lfs=lfs, cardinality=self.cardinality, fault=self.fault)
        try:
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool, \
                    self._bar(n, f"Applying {len(lfs)} LFs ({n_jobs} processes)") as bar:
                for start, v, f, s in pool.map(_process_task, self._chunks(n, size)):
                    block[start:start + len(v)] = v
                    faults += f
                    seconds += s
                    bar.update(len(v))
        except LFApplyError as err:
            raise err from err.original
        finally:
            _FORK_STATE.clear()
        return block, faults, seconds

    def _run_dask(self, ddf: Any, lfs: list[LabelingFunction]):
        import dask

        if isinstance(ddf, pd.DataFrame):
            import dask.dataframe as dd

            n_parts = self.n_jobs or os.cpu_count() or 1
            ddf = dd.from_pandas(ddf, npartitions=n_parts, sort=False)  # keep row order
        lengths = ddf.map_partitions(len).compute()
        offsets = np.concatenate([[0], np.cumsum(lengths)])[:-1]
        parts = ddf.to_delayed()
        task = dask.delayed(_dask_task, pure=False)
        tasks = [task(lfs, p, self.cardinality, self.fault, int(o)) for p, o in zip(parts, offsets)]
        try:
            results = dask.compute(*tasks)
        except LFApplyError as err:
            raise err from err.original
        block = np.vstack([r[0] for r in results]) if results else np.zeros((0, len(lfs)), np.int64)
        faults = np.sum([r[1] for r in results], axis=0) if results else np.zeros(len(lfs), np.int64)
        seconds = np.sum([r[2] for r in results], axis=0) if results else np.zeros(len(lfs))
        return block, faults, seconds, int(block.shape[0])


def _wrap_foreign_lf(lf: Any, i: int) -> LabelingFunction:
    """Run a snorkel ``LabelingFunction`` (or any named callable) in weaksup's applier."""
    name = getattr(lf, "name", None) or getattr(lf, "__name__", None)
    if not callable(lf) or not name:
        raise TypeError(f"LF #{i} ({lf!r}) is not a LabelingFunction or a named callable")
    if type(lf).__module__.startswith("snorkel"):
        # snorkel LFs expect attribute access on a pandas Series-like row; a Row
        # supports that, and snorkel's own preprocessors copy before mutating.
        def call_snorkel(x: Row, _lf: Any = lf) -> Any:
            return _lf(pd.Series(x))

        wrapped = LabelingFunction(name, call_snorkel)
        inner = getattr(lf, "_f", None)
        fp = fingerprint_callable(inner) if inner is not None else name
        wrapped.fingerprint = lambda fp=fp, name=name: f"snorkel:{name}:{fp}"  # type: ignore[method-assign]
        return wrapped
    return LabelingFunction(str(name), lf)


def apply_lfs(
    lfs: Sequence[Any],
    data: Any,
    *,
    engine: str = "serial",
    n_jobs: int | None = None,
    chunk_size: int | None = None,
    fault: str = "raise",
    cardinality: int | None = None,
    cache: VoteCache | bool | None = None,
    progress: bool = True,
) -> VoteMatrix:
    """Apply ``lfs`` to ``data`` and return a VoteMatrix (see :class:`LFApplier`).

    Pass a :class:`~weaksup.apply.VoteCache` as ``cache`` to reuse unchanged LF
    columns across calls (the notebook development loop).  The run's
    :class:`ApplyReport` is ``votes.report``.
    """
    applier = LFApplier(lfs, engine=engine, n_jobs=n_jobs, chunk_size=chunk_size, fault=fault,
                        cardinality=cardinality, cache=cache if cache is not None else False,
                        progress=progress)
    return applier.apply(data)
