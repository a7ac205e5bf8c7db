"""Apply LFs to a DataFrame: the vote cache, the engine hand-off and the report.

:class:`LFApplier` looks each LF's column up in the :class:`VoteCache`,
hands the rest to an engine (:mod:`weaksup.apply.engines`: ``serial``,
``process``, ``dask``), which runs THE kernel
(:func:`weaksup.apply.kernel.apply_chunk`) on each chunk, so every engine
gives identical votes by construction; it then builds the
:class:`~weaksup.votes.VoteMatrix` and an :class:`ApplyReport`.

Row-wise LFs receive a :class:`~weaksup.lf.Row` (dict with attribute access);
batched LFs receive the pandas DataFrame chunk.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from weaksup._deprecate import renamed_kwargs
from weaksup.apply.cache import VoteCache, fingerprint_dask_data, fingerprint_data
from weaksup.apply.engines.base import Engine, EngineJob, EngineResult, block_dtype, get_engine, row_bar
from weaksup.apply.errors import LFApplyError, LFOutputError
from weaksup.apply.kernel import (_POSITIONS, ClassOutput, Fault, check_fault, check_timeout, describe_fault,
                                  prepare_lfs, warn_faults)
from weaksup.apply.report import ApplyReport
from weaksup.lf.core import LabelingFunction, as_lfs
from weaksup.lf.fingerprint import fingerprint_moves, is_volatile, mark_fingerprint_moves
from weaksup.votes import MAX_INFERRED_CARDINALITY, VoteMatrix, check_cardinality, smallest_int_dtype

__all__ = ["ApplyReport", "LFApplier", "LFApplyError", "LFOutputError", "apply_lfs"]


class LFApplier:
    """Apply a list of LFs to data and return a :class:`~weaksup.votes.VoteMatrix`.

    Parameters
    ----------
    lfs : sequence of LabelingFunction
        Names must be unique.  snorkel ``LabelingFunction`` objects work too
        (run as :class:`~weaksup.lf.ForeignLF`).
    engine : {"serial", "process", "dask"} or Engine
        A name from :func:`~weaksup.apply.engines.available_engines` or an
        engine object (see :mod:`weaksup.apply.engines.base`).
    n_jobs : int, optional
        Workers for ``engine="process"`` / partitions for ``"dask"`` (default: CPU count).
    chunk_size : int, optional
        Rows per chunk (default 10,000 for serial, n / (4·n_jobs) for process).
    fault : {"raise", "abstain", "warn"}
        On an LF exception: raise :class:`LFApplyError` naming the LF and row;
        or record ABSTAIN and count the fault in the report (``"warn"`` also
        warns once per apply).
    cardinality : int, optional
        Number of classes; votes ``>= cardinality`` are rejected.
    cache : bool or VoteCache
        ``True`` (default) keeps this applier's own in-memory cache, so
        re-applying after editing one LF re-runs only that LF.
    progress : bool
        Show a tqdm progress bar (``progress_bar`` is a deprecated alias).
    timeout : float, optional
        Seconds one LF call may take (one row of a row-wise LF, one chunk of a
        batched one).  A call past it is a fault like an exception: with
        ``fault="raise"`` an :class:`LFApplyError` naming the LF, the row and
        the limit; with ``"abstain"``/``"warn"`` an ABSTAIN counted in the
        report (never cached).  Enforced with ``SIGALRM`` in the process that
        runs the LF (serial engine from the main thread, process engine); the
        Dask engine refuses it.
    lf_fingerprints : bool
        ``True`` (default) records each LF's fingerprint on the votes
        (:attr:`VoteMatrix.lf_fingerprints`), so ``vstack``, ``partial_fit`` and
        label models tell votes of an edited LF from the old ones.  It costs one
        fingerprint of each LF before and one after the run (hashing its code and
        resources: a large resource, e.g. an embedding table, is hashed whole),
        also with ``cache=False``.  ``False`` skips that where nothing reads the
        fingerprints (votes turned into arrays at once, many small applies): the
        votes then carry none and an edited LF's votes are not told apart.

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

    @renamed_kwargs(progress_bar="progress")
    def __init__(
        self,
        lfs: Sequence[Any],
        *,
        engine: str | Engine = "serial",
        n_jobs: int | None = None,
        chunk_size: int | None = None,
        fault: str = "raise",
        cardinality: int | None = None,
        cache: bool | VoteCache | None = True,
        progress: bool = True,
        timeout: float | None = None,
        lf_fingerprints: bool = True,
        _keep_na: bool = False,
    ) -> None:
        get_engine(engine)  # fail on an unknown engine now, not at apply time
        check_fault(fault)
        self.timeout = check_timeout(timeout)
        _check_sizes(n_jobs, chunk_size, cardinality)
        self.lfs = as_lfs(lfs)
        self.engine = engine
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.fault = fault
        self.cardinality = cardinality
        self.cache: VoteCache | None = (
            VoteCache() if cache is True else cache if isinstance(cache, VoteCache) else None
        )
        self.progress = progress
        self.lf_fingerprints = bool(lf_fingerprints)
        # row-wise LFs get pd.NA in a missing nullable cell, as snorkel's PandasLFApplier hands it (the drop-in
        # weaksup.apply.PandasLFApplier); weaksup's own rows hold None there
        self._keep_na = _keep_na
        self._last_report: ApplyReport | None = None

    @property
    def last_report(self) -> ApplyReport:
        """The :class:`ApplyReport` of the last :meth:`apply` (or :meth:`apply_to_shards`).

        Raises an error (a RuntimeError, also an AttributeError, so ``getattr(applier, "last_report", None)``
        gives None) before anything was applied.
        """
        if self._last_report is None:
            raise _NothingAppliedError(
                f"{type(self).__name__}.last_report: nothing applied yet; call .apply(data) first "
                f"(last_report is the report of the last apply)")
        return self._last_report

    @last_report.setter
    def last_report(self, report: ApplyReport | None) -> None:
        self._last_report = report

    def __setstate__(self, state: dict[str, Any]) -> None:
        # an applier pickled while last_report was a plain attribute holds it under that name
        state = dict(state)
        if "last_report" in state:
            state.setdefault("_last_report", state.pop("last_report"))
        state.setdefault("lf_fingerprints", True)  # an applier pickled before the switch recorded them
        self.__dict__.update(state)

    def apply(self, data: Any, lfs: Sequence[Any] | None = None) -> VoteMatrix:
        """Apply the LFs (or ``lfs``, replacing them) to ``data``.

        ``data`` is a pandas DataFrame, a list of records (dicts), or a Dask
        DataFrame (``engine="dask"`` is then implied).
        """
        if lfs is not None:
            self.lfs = as_lfs(lfs)
        check_fault(self.fault)
        _check_sizes(self.n_jobs, self.chunk_size, self.cardinality)
        t_start = time.perf_counter()
        engine = get_engine(self.engine)
        dask_engine = get_engine("dask")
        if dask_engine.accepts(data):
            engine, df, n = dask_engine, data, None
        else:
            df = as_frame(data)
            n = len(df)
        check_columns(df)
        m = len(self.lfs)
        names = [lf.name for lf in self.lfs]

        # Cached columns first; only the rest are computed.
        columns: dict[int, np.ndarray] = {}
        faults = np.zeros(m, dtype=np.int64)
        first: list[Fault | None] = [None] * m  # each LF's first fault (fault="abstain"/"warn"), for the report
        seconds = np.zeros(m)
        keys: list[str | None] = [None] * m
        data_fp = ""
        hash_in_run = False  # a Dask DataFrame hashed by the engine as it applies the LFs (read once)
        hashed_before = False  # a Dask DataFrame hashed in a pass of its own: the run hashes it again to compare
        if self.cache is not None and n is None:
            hash_in_run = True
            if self.cache.may_hold():
                # a column could be served: hash the partitions first, on the workers, to look the columns up
                data_fp, rows = fingerprint_dask_data(df)
                n = rows if rows else None  # no rows: nothing to cache, the engine gives the empty result
                hashed_before = bool(rows)
        elif self.cache is not None and n:
            data_fp = fingerprint_data(df)
        given_fps: dict[int, str] = {}  # each LF's fingerprint as given to this apply (see lf_fps below)
        if self.cache is not None and n:
            for j, lf in enumerate(self.lfs):
                fp = given_fps[j] = lf.fingerprint()
                if is_volatile(fp):  # the LF reads state its fingerprint cannot prove: always re-run
                    continue
                keys[j] = key = self._cache_key(fp, data_fp)
                hit = self.cache.get(key, n, self.cardinality)
                if hit is not None:
                    columns[j], faults[j] = hit
        # kept on the votes (VoteMatrix.lf_fingerprints), taken before the LFs run (the LF as the user gave it, as the
        # cache looks it up): vstack then refuses votes of an edited LF, and a label model warns when it predicts on
        # them; a volatile fingerprint proves nothing, so it is unknown, and so is that of an LF whose fingerprint
        # moved as it ran (see below): a call counter or memo it holds makes every apply look like another version
        record = getattr(self, "lf_fingerprints", True)
        lf_fps: list[str | None] = [None] * m
        if record:
            for j, lf in enumerate(self.lfs):
                if not fingerprint_moves(lf):
                    fp = given_fps[j] if j in given_fps else lf.fingerprint()
                    lf_fps[j] = None if is_volatile(fp) else fp
        todo = [j for j in range(m) if j not in columns]
        todo_lfs = prepare_lfs([self.lfs[j] for j in todo], self.fault)
        # an apply that stopped (Ctrl-C, an LF error) left partial columns: when every LF to run has one and they
        # lack the same rows, the engine runs on those rows (``rows``) and the partial columns give the others;
        # else each LF runs on the rows it lacks, every row for one without a partial column, one engine run per
        # set of rows (``_run_split``): an LF is never asked again for a row it answered
        resumable = bool(self.cache is not None and n and isinstance(df, pd.DataFrame)
                         and engine.name in ("serial", "process"))
        partials: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        rows: np.ndarray | None = None
        calls_run: np.ndarray | None = None  # the rows each LF ran on, when the LFs ran on different rows
        if resumable and todo:
            for j in todo:
                key = keys[j]
                hit = None if key is None else self.cache.get_partial(key, n, self.cardinality)  # type: ignore
                if hit is not None:
                    partials[j] = hit
            if len(partials) == len(todo) and all(np.array_equal(partials[j][1], partials[todo[0]][1])
                                                  for j in todo[1:]):
                rows = np.flatnonzero(~partials[todo[0]][1])
                if len(rows) == n:
                    rows = None

        timeout = check_timeout(self.timeout)
        if timeout is not None and engine.name not in ("serial", "process"):
            raise ValueError(f"timeout= is enforced by the serial and process engines, not by {engine.name!r}")
        if todo and (n is None or n) and (rows is None or len(rows)):
            output = ClassOutput(self.cardinality, keep_na=self._keep_na, small_blocks=True)
            job = EngineJob(output, self.fault, self.chunk_size, self.n_jobs, self.progress, timeout,
                            digest=hash_in_run)
            if partials and rows is None:  # the LFs lack different rows
                res, calls_run = self._run_split(engine, df, todo, todo_lfs, job, keys, data_fp, partials, n)
            else:
                keep = _Resume(partials, rows, n) if resumable else None  # type: ignore[arg-type]
                try:
                    res = engine.run(df if rows is None else df.iloc[rows], todo_lfs, job)
                except LFApplyError as err:
                    # the columns found whole, and the rows of the chunks finished, are kept; keeping them must never
                    # turn the error into another one
                    with contextlib.suppress(Exception):
                        self._keep_finished(err, todo, keys, data_fp, keep)
                    err.__dict__.pop("partial", None)
                    if rows is not None:
                        _at_rows(err, rows)  # the engine ran on data.iloc[rows]: the positions in the data
                    raise
                except KeyboardInterrupt as interrupt:
                    # Ctrl-C: the columns the engine found whole (the serial engine's LFs that ran on every row) and
                    # the rows of the chunks finished are kept as on an LF error; keeping them must never turn the
                    # interrupt into another error
                    with contextlib.suppress(Exception):
                        self._keep_finished(interrupt, todo, keys, data_fp, keep)
                    for attached in ("finished", "partial"):  # the interrupt goes up as it came
                        interrupt.__dict__.pop(attached, None)
                    raise
            if rows is not None:  # the engine ran on data.iloc[rows]: the positions in the data
                res.first_faults = {p: (e, msg, row, int(rows[at]))
                                    for p, (e, msg, row, at) in res.first_faults.items()}
            if hashed_before and (res.block.shape[0] != n or res.data_digest not in (None, data_fp)):
                # read again for the LFs, the frame's source (files) changed since it was hashed: the cached
                # columns and the new ones would be of different data
                raise RuntimeError(f"the Dask DataFrame changed between the vote cache's hash pass and the LFs' "
                                   f"run ({n} rows hashed, {res.block.shape[0]} applied, or other content): its "
                                   f"source was modified during the apply (apply again), or its partitions differ "
                                   f"from one read to the next (random sampling): apply it with cache=False")
            if hash_in_run and not hashed_before and res.data_digest is not None and res.block.shape[0]:
                data_fp = res.data_digest
                keys = [None if is_volatile(lf.fingerprint()) else data_fp for lf in self.lfs]  # put below
            n = res.block.shape[0] if rows is None else n
        else:
            n = n or 0
            res = EngineResult.empty(n if rows is None else 0, len(todo))
        if calls_run is None:  # the rows each LF ran on
            calls_run = np.full(len(todo), n if rows is None else len(rows), dtype=np.int64)
        calls_of = {j: int(c) for j, c in zip(todo, calls_run)}
        for lf in todo_lfs:
            lf.settle()
        for pos, j in enumerate(todo):
            if rows is None:
                columns[j] = res.block[:, pos]
            else:  # the rows the stopped apply did, and those run now
                # the engine's block may be narrower than a kept partial column (inferred k: small blocks)
                columns[j] = partials[j][0].astype(np.promote_types(partials[j][0].dtype, res.block.dtype), copy=True)
                columns[j][rows] = res.block[:, pos]
            faults[j], seconds[j] = res.faults[pos], res.seconds[pos]
            first[j] = res.first_faults.get(pos) if faults[j] else None
            to_cache = self.cache is not None and keys[j] is not None and not faults[j]
            # the state the LF left behind (an LF may update objects it holds, e.g. a call counter or a memo)
            after = self.lfs[j].fingerprint() if to_cache or lf_fps[j] is not None else None
            if lf_fps[j] is not None and after != lf_fps[j]:
                # its fingerprint moved as it ran: the fingerprint cannot tell its versions apart (the next apply
                # would find another one for the same code), so none is recorded, now and on its later applies
                # (cache hits included: served under the state a run left, they agree with one another anyway)
                lf_fps[j] = None
                mark_fingerprint_moves(self.lfs[j])
            # A column in which the LF raised is never cached: the fault (an outage, a timeout)
            # may be transient, and its ABSTAINs are not votes; the next apply re-runs the LF.
            if to_cache:
                # keyed on the state the LF left behind, so an unchanged LF is found on the next apply
                if after is not None and not is_volatile(after):
                    self.cache.put(self._cache_key(after, data_fp), columns[j], 0)
                    if j in partials:  # whole now (a column with faults keeps its fault-free rows)
                        self.cache.drop_partial(keys[j])
        warn_faults(names, faults, self.fault, first=first)

        k = self.cardinality
        observed_max = max((int(c.max()) for c in columns.values() if len(c)), default=-1)
        if k is None and observed_max + 1 > MAX_INFERRED_CARDINALITY:  # a stray vote, not a class count
            j = next(j for j in range(m) if len(columns[j]) and int(columns[j].max()) == observed_max)
            i = int(np.argmax(columns[j]))
            where = df.index[i] if isinstance(df, pd.DataFrame) else i
            raise LFOutputError(f"LF {names[j]!r} returned {observed_max} on row {where!r} (position {i}), which "
                                f"would make {observed_max + 1} classes; votes are class ids 0..k-1 or -1. Pass "
                                f"cardinality= if {observed_max + 1} classes are intended", names[j], where, i)
        k_final = k if k is not None else max(2, observed_max + 1)
        mat = np.empty((n, m), dtype=smallest_int_dtype(k_final))
        for j in range(m):
            mat[:, j] = columns[j]
        votes = VoteMatrix(mat, names, k_final).with_lf_fingerprints(lf_fps)
        table = pd.DataFrame(
            {
                "calls": [calls_of.get(j, 0) for j in range(m)],
                "faults": faults,
                "seconds": seconds,
                "cached": [j not in todo for j in range(m)],
                # the error an LF raised on the first row it faulted on, and where: why it abstained there
                "first_fault": [describe_fault(f) if f is not None
                                else f"(not kept by the {engine.name} engine)" if faults[j] else ""
                                for j, f in enumerate(first)],
            },
            index=pd.Index(names, name="lf"),
        )
        self._last_report = ApplyReport(engine.name, int(n), time.perf_counter() - t_start, table)
        votes.report = self._last_report
        return votes

    def _cache_key(self, fp: str, data_fp: str) -> str:
        """The vote cache's key of an LF column: the LF's fingerprint ``fp``, ``fault``, the data and cardinality
        (and the drop-in's ``pd.NA`` rows, which an LF may vote on differently than on ``None``)."""
        lf_key = f"{fp}|fault={self.fault}" + ("|keep_na" if self._keep_na else "")
        return VoteCache.key(lf_key, data_fp, self.cardinality)

    def _run_split(self, engine: Engine, df: pd.DataFrame, todo: list[int], todo_lfs: list[LabelingFunction],
                   job: EngineJob, keys: list[str | None], data_fp: str,
                   partials: dict[int, tuple[np.ndarray, np.ndarray]], n: int) -> tuple[EngineResult, np.ndarray]:
        """Run each LF to run on the rows it lacks: every row for those without a partial column, the rows not
        done for the others, one engine run per set of rows; ``(result on every row, calls per LF)``, as one
        engine run over every row would give them.

        The error raised is the one at the lowest position (ties: the first LF in list order), as one run
        raises it: after a failure at position ``p`` the later runs cover the rows up to ``p`` only.  What
        the runs computed is kept in the cache when the apply stops (an error, Ctrl-C).  One progress bar
        covers every run (engines that take ``job.bar``)."""
        res = EngineResult.empty(n, len(todo), block_dtype(job.output))  # as one engine run makes it
        calls = np.zeros(len(todo), dtype=np.int64)
        groups: dict[bytes, tuple[list[int], np.ndarray | None]] = {}  # LFs by the rows they lack
        for p, j in enumerate(todo):
            if j not in partials:
                groups.setdefault(b"", ([], None))[0].append(p)
            else:
                lack = ~partials[j][1]
                groups.setdefault(np.packbits(lack).tobytes(), ([], np.flatnonzero(lack)))[0].append(p)
        runs = sorted(groups.values(), key=lambda g: (g[1] is not None, g[0][0]))  # every row first: as before
        resumed = sum(len(group) for group, rows in runs if rows is not None)
        total = sum(n if rows is None else len(rows) for _, rows in runs)
        ran: list[tuple[list[int], EngineResult, _Resume, bool]] = []  # runs that ended: LFs, result, rows, whole
        first: LFApplyError | None = None
        with row_bar(total, f"Applying {len(todo)} LFs ({resumed} resumed on the rows they lack)",
                     job.progress) as bar:
            job = dataclasses.replace(job, bar=bar)
            for group, rows in runs:
                js = [todo[p] for p in group]
                whole = first is None
                planned = n if rows is None else len(rows)
                if first is not None:  # rows after the error cannot hold the error raised
                    at = first.position if first.position is not None else n - 1
                    rows = np.arange(at + 1) if rows is None else rows[rows <= at]
                    bar.total -= planned - len(rows)  # the bar ends where the runs end
                    bar.refresh()
                if rows is not None and not len(rows):
                    for p in group:  # every row done (nothing run): the partial column is the column
                        res.block[:, p] = partials[todo[p]][0]
                    continue
                resume = _Resume({j: partials[j] for j in js if j in partials}, rows, n)
                try:
                    got = engine.run(df if rows is None else df.iloc[rows], [todo_lfs[p] for p in group], job)
                except LFApplyError as err:
                    with contextlib.suppress(Exception):
                        self._keep_finished(err, js, keys, data_fp, resume)
                    err.__dict__.pop("partial", None)
                    if rows is not None:
                        _at_rows(err, rows)
                    if first is None or _earlier(err, first, [lf.name for lf in self.lfs]):
                        first = err
                    continue
                except KeyboardInterrupt as interrupt:
                    with contextlib.suppress(Exception):
                        self._keep_finished(interrupt, js, keys, data_fp, resume)
                    with contextlib.suppress(Exception):
                        self._keep_runs(ran, keys, data_fp)
                    for attached in ("finished", "partial"):
                        interrupt.__dict__.pop(attached, None)
                    raise
                ran.append((js, got, resume, whole))
                for k, p in enumerate(group):
                    if rows is None:
                        res.block[:, p] = got.block[:, k]
                    else:
                        res.block[:, p] = partials[todo[p]][0]
                        res.block[rows, p] = got.block[:, k]
                    res.faults[p], res.seconds[p], calls[p] = got.faults[k], got.seconds[k], got.block.shape[0]
                    if k in got.first_faults:  # positions in the data, as one run over every row gives them
                        e, msg, row, at = got.first_faults[k]
                        res.first_faults[p] = (e, msg, row, at if rows is None else int(rows[at]))
        if first is not None:
            with contextlib.suppress(Exception):
                self._keep_runs(ran, keys, data_fp)
            raise first
        return res, calls

    def _keep_runs(self, ran: list[tuple[list[int], EngineResult, _Resume, bool]], keys: list[str | None],
                   data_fp: str) -> None:
        """Cache what the engine runs that ended before the apply stopped computed: whole columns (a run over
        every row the LFs lacked) or partial ones (a run cut short at an error), fault-free LFs only."""
        for js, got, resume, whole in ran:
            done = SimpleNamespace()
            if whole:
                done.finished = {k: got.block[:, k] for k in range(len(js)) if not got.faults[k]}
            else:
                done.partial = (got.block, [(0, got.block.shape[0], got.faults)])
            self._keep_finished(done, js, keys, data_fp, resume)  # type: ignore[arg-type]

    def _keep_finished(self, err: BaseException, todo: list[int], keys: list[str | None], data_fp: str,
                       resume: _Resume | None = None) -> None:
        """Cache what an apply that stopped (``fault="raise"`` and an LF error, a worker's death, Ctrl-C) had
        computed, so the next apply does not compute it again: the columns of the LFs that had run on every row
        (``err.finished``), and for the others the rows of the chunks that finished without a fault of theirs
        (``err.partial``, see :func:`~weaksup.apply.engines.base.keep_partial`) as partial columns, merged with
        those the apply started from.  Volatile LFs keep nothing.  The error goes up unchanged."""
        if self.cache is None:
            return
        whole = getattr(err, "finished", None) or {}
        for pos, column in whole.items():
            j = todo[pos]
            if keys[j] is None:
                continue
            if resume is not None and resume.rows is not None:  # the engine ran on some rows: add the others
                full = resume.partials[todo[pos]][0].astype(np.int64, copy=True)
                full[resume.rows] = column
                column = full
            fp = self.lfs[j].fingerprint()  # the state the LF left, as for a column computed without error
            if not is_volatile(fp):
                self.cache.put(self._cache_key(fp, data_fp), column, 0)
                if resume is not None and j in resume.partials:
                    self.cache.drop_partial(keys[j])  # type: ignore[arg-type]
        if resume is None:
            return
        block, finished = getattr(err, "partial", None) or (None, [])
        n_run = resume.n if resume.rows is None else len(resume.rows)
        for pos, j in enumerate(todo):
            if pos in whole or keys[j] is None:
                continue
            ran = np.zeros(n_run, dtype=bool)  # the rows run now that this LF did without a fault
            for start, stop, faults in finished:
                if not faults[pos]:
                    ran[start:stop] = True
            if j in resume.partials:
                column = resume.partials[j][0].astype(np.int64, copy=True)
                done = resume.partials[j][1].copy()
            elif ran.any():
                column, done = np.full(resume.n, -1, dtype=np.int64), np.zeros(resume.n, dtype=bool)
            else:
                continue
            if ran.any():
                at = np.flatnonzero(ran) if resume.rows is None else resume.rows[ran]
                column[at] = block[ran, pos]  # type: ignore[index]
                done[at] = True
            column[~done] = -1  # not votes: ABSTAIN, so the entry holds nothing but its votes
            fp = self.lfs[j].fingerprint()
            if is_volatile(fp):
                continue
            key = self._cache_key(fp, data_fp)
            if key != keys[j]:  # the LF's state moved on: its partial column moves with it
                self.cache.drop_partial(keys[j])  # type: ignore[arg-type]
            self.cache.put_partial(key, column, done)

    def apply_to_shards(self, data: Any, path: str | os.PathLike[str], *, overwrite: bool = False) -> Any:
        """Apply the LFs on the active Dask cluster, writing the votes as sparse shards under ``path``.

        The vote matrix never reaches this process: each partition's votes are
        written by its worker (``part-00000.npz`` ..., then ``_manifest.json``
        last), and a :class:`~weaksup.dask_votes.DaskVotes` backed by the
        shards is returned, ready for a label model's ``fit`` and
        ``predict_proba`` on the cluster.  Uses this applier's LFs, ``fault``,
        ``progress`` and ``n_jobs`` (partitions of a pandas ``data``); needs
        ``cardinality`` (every shard must agree on it).  The in-memory vote
        cache is not used: the shards are the stored votes.  See
        :func:`weaksup.apply.engines.dask.apply_to_shards`.

        Parameters
        ----------
        data : Dask DataFrame, Parquet path or pandas DataFrame
            One task per partition.
        path : str or path
            Directory for the shards; a complete one needs ``overwrite=True``; an incomplete one (a
            failed run) is resumed, keeping the shards the same LFs made from the same partitions.
        overwrite : bool
            Replace an existing shard directory, recomputing every partition (a complete directory, one with a
            manifest, is otherwise an error).

        Returns
        -------
        DaskVotes
            Its ``.report`` (also :attr:`last_report`) counts calls and faults per LF.
        """
        from weaksup.apply.engines.dask import apply_to_shards

        if self.cardinality is None:
            raise ValueError("LFApplier.apply_to_shards needs cardinality= (LFApplier(lfs, cardinality=k)): "
                             "every shard must agree on the number of classes, so it is not inferred")
        if self.timeout is not None:
            raise ValueError("timeout= is enforced by the serial and process engines, not by apply_to_shards")
        check_columns(data)
        votes = apply_to_shards(self.lfs, data, path, cardinality=self.cardinality, fault=self.fault,
                                npartitions=self.n_jobs, overwrite=overwrite, progress=self.progress,
                                lf_fingerprints=getattr(self, "lf_fingerprints", True))
        self._last_report = votes.report
        return votes


class _NothingAppliedError(RuntimeError, AttributeError):
    """:attr:`LFApplier.last_report` read before anything was applied (an AttributeError too, so that
    ``getattr(applier, "last_report", None)`` still gives None there, as when the attribute held None)."""


class _Resume(NamedTuple):
    """What an apply started from, for keeping what it computed if it stops: the LFs' partial columns (``(votes,
    done)`` by LF position), the rows the engine runs on (None: every row) and the data's row count."""

    partials: dict[int, tuple[np.ndarray, np.ndarray]]
    rows: np.ndarray | None
    n: int


def _at_rows(err: LFApplyError, rows: np.ndarray) -> None:
    """Make ``err``, raised by an engine that ran on ``data.iloc[rows]``, name the positions in ``data``: its
    ``position`` and the positions in its message (the kernel's ``(position p)`` / ``(positions a..b)``)."""
    p = err.position
    if not isinstance(p, (int, np.integer)) or not 0 <= p < len(rows):
        return
    if err.args and isinstance(err.args[0], str):
        message = err.args[0]
        for found in _POSITIONS.finditer(message):
            if int(found.group(1)) == p:  # the kernel's own text, not a row label that looks like it
                hi = found.group(2)
                moved = (f"({_positions(rows[p:min(int(hi), len(rows) - 1) + 1])}" if hi is not None
                         else f"(position {rows[p]}")
                message = message[:found.start()] + moved + message[found.end():]
                break
        err.args = (message, *err.args[1:])
    err.position = int(rows[p])


def _positions(at: np.ndarray, shown: int = 4) -> str:
    """The positions ``at`` (increasing) as a message gives them: ``positions 450..799`` when they follow each
    other, else exactly, e.g. ``150 rows: positions 450..499 and 700..799`` (a resumed run's chunk may span rows
    done before; the first ``shown`` pieces, then how many more)."""
    if not len(at) or int(at[-1]) - int(at[0]) == len(at) - 1:
        return f"positions {at[0]}..{at[-1]}" if len(at) else "positions"
    cuts = np.flatnonzero(np.diff(at) != 1) + 1
    pieces = [f"{s[0]}..{s[-1]}" if len(s) > 1 else f"{s[0]}" for s in np.split(at, cuts)]
    if len(pieces) > shown:
        listed = ", ".join(pieces[:shown - 1]) + f", ... ({len(pieces) - shown} more pieces) and {pieces[-1]}"
    else:
        listed = ", ".join(pieces[:-1]) + f" and {pieces[-1]}"
    return f"{len(at)} rows: positions {listed}"


def _earlier(err: LFApplyError, than: LFApplyError, names: list[str]) -> bool:
    """Whether ``err`` comes before ``than``: at a lower position, or at the same one from an earlier LF."""
    if err.position is None or than.position is None:
        return False
    if err.position != than.position:
        return err.position < than.position
    order = {name: i for i, name in enumerate(names)}
    return order.get(err.lf_name, len(names)) < order.get(than.lf_name, len(names))


def as_frame(data: Any) -> pd.DataFrame:
    """``data`` as a DataFrame: a DataFrame as is, or a list of records (dicts); anything else is a TypeError.

    >>> from weaksup.apply.applier import as_frame
    >>> as_frame([{"text": "a"}, {"text": "b"}]).shape
    (2, 1)
    """
    if isinstance(data, pd.DataFrame):
        return data
    library = type(data).__module__.split(".")[0]
    if library in ("polars", "pyarrow"):
        # iterating a polars frame gives its columns, which were then refused as "record 0 is a Series"
        raise TypeError(f"data is a {library} {type(data).__name__}; LFs run on a pandas DataFrame (or records): "
                        f"pass data.to_pandas()")
    if data is None or isinstance(data, (str, bytes, dict, pd.Series, np.ndarray)) or not hasattr(data, "__iter__"):
        raise TypeError(f"data must be a pandas DataFrame, a list of records (dicts) or a Dask DataFrame, "
                        f"got {type(data).__name__}")
    records = list(data)
    bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)
    if bad is not None:
        raise TypeError(f"data must be a list of records (dicts); record {bad} is a {type(records[bad]).__name__}: "
                        f"{records[bad]!r:.60}")
    return pd.DataFrame(records)


def check_columns(df: Any) -> Any:
    """``df`` (a pandas or Dask DataFrame), or a ValueError naming duplicated column names or MultiIndex columns.

    LFs read a column by its name (``x.text``, ``df["text"]``): with two columns of that name a row-wise LF
    would see one of them (pandas warns and drops the other) and a batched one a DataFrame instead of a column.

    >>> import pandas as pd
    >>> from weaksup.apply.applier import check_columns
    >>> check_columns(pd.DataFrame([["a", "b"]], columns=["text", "text"]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: data has duplicate column names ['text']: LFs read a column by its name, ...
    """
    columns = getattr(df, "columns", None)
    if columns is None:
        return df
    if isinstance(columns, pd.MultiIndex):
        raise ValueError(f"data has MultiIndex columns ({list(columns[:3])}...): LFs read a column by one name; "
                         "flatten them first (e.g. data.columns = ['_'.join(map(str, c)) for c in data.columns])")
    dup = pd.Index(columns)[pd.Index(columns).duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"data has duplicate column names {dup}: LFs read a column by its name, so each name "
                         "must be one column's; drop or rename the copies "
                         "(e.g. data.loc[:, ~data.columns.duplicated()])")
    return df


def _check_sizes(n_jobs: Any, chunk_size: Any, cardinality: Any) -> None:
    """``n_jobs`` and ``chunk_size``: None or an int >= 1; ``cardinality``: None or an int >= 1."""
    for name, value in (("n_jobs", n_jobs), ("chunk_size", chunk_size), ("cardinality", cardinality)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be None or an integer >= 1, got {value!r}")
    if cardinality is not None:
        check_cardinality(cardinality)  # more classes than a VoteMatrix holds: refused before any LF runs


@renamed_kwargs(progress_bar="progress")
def apply_lfs(
    lfs: Sequence[Any],
    data: Any,
    *,
    engine: str | Engine = "serial",
    n_jobs: int | None = None,
    chunk_size: int | None = None,
    fault: str = "raise",
    cardinality: int | None = None,
    cache: VoteCache | bool | None = None,
    progress: bool = True,
    timeout: float | None = None,
    lf_fingerprints: bool = True,
) -> VoteMatrix:
    """Apply ``lfs`` to ``data`` and return a VoteMatrix (see :class:`LFApplier`).

    Pass a :class:`~weaksup.apply.VoteCache` as ``cache`` to reuse unchanged LF
    columns across calls (the notebook development loop).  The run's
    :class:`ApplyReport` is ``votes.report``.

    Parameters
    ----------
    lfs : sequence of LabelingFunction
        The LFs, one column each in this order; names must be unique.  snorkel ``LabelingFunction`` objects
        work too (run as :class:`~weaksup.lf.ForeignLF`).
    data : pandas.DataFrame, list of dict or dask.dataframe.DataFrame
        The rows: a DataFrame, a list of records (dicts), or a Dask DataFrame (the ``"dask"`` engine is then
        used whatever ``engine`` says).
    engine : {"serial", "process", "dask"} or Engine
        Where the LFs run: a name from :func:`~weaksup.apply.engines.available_engines` or an engine object
        (see :mod:`weaksup.apply.engines.base`); default ``"serial"`` (this process).  An unknown name is a
        ValueError before any LF runs.
    n_jobs : int, optional
        Worker processes for ``engine="process"`` / partitions of a pandas DataFrame for ``"dask"``; default
        (None) the CPU count.  The serial engine ignores it.
    chunk_size : int, optional
        Rows per chunk handed to the LFs; default (None) 10,000 for the serial engine and
        ``max(1000, n / (4·n_jobs))`` for the process engine (the Dask engine runs one chunk per partition).
    fault : {"raise", "abstain", "warn"}
        On an LF exception (or timeout): ``"raise"`` (default) raises :class:`LFApplyError` naming the LF and
        row; ``"abstain"`` records ABSTAIN and counts the fault in ``votes.report``; ``"warn"`` does the same
        and warns once per call.
    cardinality : int, optional
        Number of classes ``k``: a vote outside ``-1..k-1`` is an :class:`LFOutputError` naming the LF and
        row.  Default (None): inferred as the largest vote + 1 (at least 2); a vote that would make more than
        ``MAX_INFERRED_CARDINALITY`` (65,536) classes is an LFOutputError asking for ``cardinality=``.
    cache : VoteCache or bool, optional
        A :class:`~weaksup.apply.VoteCache` serves the columns of unchanged LFs on the same data and stores the
        new ones (columns with a fault are not stored).  Default (None) and False: no cache; True: a new
        in-memory cache for this call only (nothing to reuse later, use an :class:`LFApplier` or a VoteCache).
    progress : bool
        Show a tqdm progress bar over rows; default True.  ``progress_bar`` is a deprecated alias.
    timeout : float, optional
        Seconds one LF call may take (one row of a row-wise LF, one chunk of a batched one); a call past it is
        a fault like an exception (see ``fault``; never cached).  Default (None): no limit.  Enforced with
        ``SIGALRM`` by the serial engine (main thread) and the process engine; the Dask engine refuses it
        (ValueError).
    lf_fingerprints : bool
        Record each LF's fingerprint on the votes (default True; see :class:`LFApplier`): it costs hashing each
        LF (code and resources) before and after the run; False skips it, and the votes carry no fingerprints.

    Returns
    -------
    VoteMatrix
        ``n × len(lfs)`` votes, with the run's :class:`ApplyReport` as ``votes.report``.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup import apply_lfs, regex_lf
    >>> df = pd.DataFrame({"text": ["win cash now", "see you", "WIN big"]})
    >>> votes = apply_lfs([regex_lf("win", 1, name="win")], df, progress=False)
    >>> votes.to_dense().ravel().tolist()
    [1, -1, 1]
    """
    applier = LFApplier(lfs, engine=engine, n_jobs=n_jobs, chunk_size=chunk_size, fault=fault,
                        cardinality=cardinality, cache=cache if cache is not None else False,
                        progress=progress, timeout=timeout, lf_fingerprints=lf_fingerprints)
    return applier.apply(data)
