"""The Dask engine: one kernel task per partition, on whatever scheduler is active.

A ``distributed.Client``, if one exists, runs the tasks on its workers, unless
``dask.config`` names another scheduler (as dask itself does), or the call names
one (:meth:`weaksup.apply.DaskLFApplier.apply`'s ``scheduler``, through
:func:`call_scheduler`, which leaves ``dask.config`` alone).  A
pandas DataFrame is split into ``n_jobs`` (default: CPU count) partitions,
keeping row order.

:func:`apply_to_shards` is the out-of-core form: each partition's votes are
written by its worker as a sparse shard file (atomically: temporary name, then
rename) and only row counts, fault counts (with each LF's first fault) and timings return to the
client, which writes the directory's manifest last.  The result is a
:class:`~weaksup.dask_votes.DaskVotes` that label models fit on Dask.  A run
holds a lock on the directory, so a second run into it at the same time (another
kernel) is refused instead of mixing its shards with the first one's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.cache import _partition_digest, combine_partition_digests
from weaksup.apply.engines.base import (EngineJob, EngineResult, absorb_counts, counts_since, keep_first_faults,
                                       portable_error, start_dtype)
from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import apply_chunk, shift_error
from weaksup.lf.core import LabelingFunction
from weaksup.lf.fingerprint import fingerprint_moves, is_volatile

__all__ = ["DaskEngine", "ENGINE", "is_dask_frame", "apply_to_shards", "call_scheduler", "require_dask"]

#: The scheduler the current call named (:func:`call_scheduler`); None: dask's own choice.  A context variable, not
#: ``dask.config`` (process-wide): two threads applying at once each run on their own scheduler, and neither sees
#: or leaves behind the other's.
_CALL_SCHEDULER: ContextVar[Any] = ContextVar("weaksup_dask_scheduler", default=None)

#: The local schedulers whose tasks run in other processes (the LFs are pickled with cloudpickle to get there).
_PROCESS_SCHEDULERS = ("processes", "multiprocessing")


def require_dask(what: str) -> Any:
    """The ``dask`` module, or an ImportError that says ``what`` needs it and which extra installs it.

    dask is the optional ``dask`` extra; without it the bare ``No module named 'dask'`` named neither.
    """
    try:
        import dask
    except ImportError as exc:
        raise ImportError(f'{what} needs dask ({exc}): pip install "weaksup[dask]"') from exc
    return dask


@contextlib.contextmanager
def call_scheduler(scheduler: Any) -> Iterator[None]:
    """Run the Dask engine on ``scheduler`` within this block, in this thread (or asyncio task) only.

    ``scheduler`` is what ``dask.compute(scheduler=...)`` takes: a name (``"processes"``, ``"threads"``,
    ``"synchronous"``, ...; ``"distributed"`` for the default client), a ``distributed.Client``, or an executor.
    It is handed to each ``compute`` as snorkel's ``DaskLFApplier`` does, so ``dask.config`` is not changed.

    Examples
    --------
    >>> import dask
    >>> from weaksup.apply.engines.dask import call_scheduler
    >>> with call_scheduler("synchronous"):
    ...     dask.config.get("scheduler", None) is None
    True
    """
    token = _CALL_SCHEDULER.set(scheduler)
    try:
        yield
    finally:
        _CALL_SCHEDULER.reset(token)


def is_dask_frame(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame (checked without importing dask)."""
    return type(data).__module__.startswith("dask") and hasattr(data, "npartitions")


class DaskEngine:
    """Apply LFs with one Dask task per partition."""

    name = "dask"

    def accepts(self, data: Any) -> bool:
        return is_dask_frame(data)

    def run(self, data: Any, lfs: Sequence[LabelingFunction], job: EngineJob) -> EngineResult:
        from weaksup._progress import progress_bar

        dask = require_dask('LFApplier(engine="dask")')

        ddf = _as_dask_frame(data, job.n_jobs) if isinstance(data, pd.DataFrame) else data
        digest = job.digest and not isinstance(data, pd.DataFrame)
        task = dask.delayed(_digested_chunk if digest else _counted_chunk, pure=False)
        lfs = list(lfs)
        scheduler = _CALL_SCHEDULER.get()
        chosen = _chosen_scheduler(scheduler)
        client = _active_client(chosen)
        check_picklable(lfs, remote=client is not None, scheduler=chosen)
        parts = ddf.to_delayed()
        tasks = [task(lfs, p, job.output, job.fault, os.getpid(), keep_first=True) for p in parts]
        here = [lf.call_counts() for lf in lfs]
        with progress_bar(total=len(data) if isinstance(data, pd.DataFrame) else None, unit="rows",
                          desc=f"Applying {len(lfs)} LFs on Dask", progress=job.progress) as bar:
            results = _run_partitions(tasks, parts, lambda r: len(r[0]), bar, [lf.name for lf in lfs], client,
                                      scheduler=scheduler)
        _absorb_remote_counts(lfs, here, [r[3] for r in results])
        if not results:
            return EngineResult.empty(0, len(lfs), start_dtype(job.output))
        data_digest = combine_partition_digests([r[5] for r in results]) if digest else None
        first_faults: dict[int, Any] = {}  # each LF's first fault, at its position in the whole data
        offset = 0
        for r in results:
            keep_first_faults(first_faults, {j: (e, msg, row, at + offset)
                                             for j, (e, msg, row, at) in r[4].items()})
            offset += len(r[0])
        faults, seconds = np.sum([r[1] for r in results], axis=0), np.sum([r[2] for r in results], axis=0)
        # the partitions' blocks are copied into one block made once, each let go once copied: np.vstack held
        # every partition's block and the whole copy at once.  Its dtype holds every partition's (with small_blocks
        # and the class count inferred, each partition's is the smallest that holds its votes)
        dtype = start_dtype(job.output)
        for r in results:
            dtype = np.promote_types(dtype, r[0].dtype)
        block = np.empty((offset, len(lfs)), dtype=dtype)
        offset = 0
        for i, r in enumerate(results):
            block[offset:offset + len(r[0])] = r[0]
            offset += len(r[0])
            results[i] = None
        return EngineResult(block, faults, seconds, data_digest, first_faults)


ENGINE = DaskEngine()


class _Failed:
    """What a partition task returns when an LF failed on it: the error (positions from the partition's
    first row), so the client picks the failed partition that comes first on every scheduler."""

    def __init__(self, error: LFApplyError) -> None:
        self.error = error


def _roundtrip(err: LFApplyError) -> Any:
    """Pickle and unpickle ``err`` as it will travel from a worker to the client."""
    try:
        from distributed.protocol import pickle
        from tblib import pickling_support
    except ImportError:  # the local process scheduler: cloudpickle
        import cloudpickle as pickle
    else:
        # as distributed does for a task's exception: an exception whose __init__ takes other arguments than
        # its args (e.g. __init__(self, a, b)) is rebuilt from its attributes
        pickling_support.install(err, *([err.original] if err.original is not None else []))
    with _quiet_pickle_log():
        return pickle.loads(pickle.dumps(err))


class _OtherThreads(logging.Filter):
    """Lets through the records of every thread but the one that made it."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread


@contextlib.contextmanager
def _quiet_pickle_log() -> Iterator[None]:
    """Silence, in this thread, distributed's "Failed to serialize ..." ERROR and its traceback while
    :func:`_roundtrip` tries an error that may not pickle: that failure is expected and handled
    (:func:`~weaksup.apply.engines.base.portable_error` makes a portable copy), and its log named the row by
    its position in the partition, not in the data.  Other threads' records (their tasks' real failures) pass."""
    logger = logging.getLogger("distributed.protocol.pickle")
    quiet = _OtherThreads()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _counted_chunk(lfs: list[LabelingFunction], chunk: Any, output: Any, fault: str,
                   client_pid: int, keep_first: bool = False) -> tuple[Any, ...] | _Failed:
    """:func:`apply_chunk` on one partition (positions from its first row) plus what the LFs counted while
    it ran (see :meth:`LabelingFunction.call_counts`); an LF error comes back as a :class:`_Failed`, made
    to travel when this runs in another process than the client's.

    An empty partition (e.g. after a filter) calls no LF, as the serial and process engines never do: a
    batched LF may refuse 0 rows (scikit-learn's predict does).

    ``keep_first``: a fifth item, each faulted LF's first fault (positions from the partition's first row; see
    :func:`apply_chunk`'s ``first_faults``)."""
    m = len(lfs)
    found: dict[int, Any] = {}
    # the votes travel to the client in the dtype of the kernel's block: the smallest that holds them (int8 for a
    # few classes; int64 while the class count is inferred, unless the output has small_blocks)
    if output.length(chunk) == 0:
        empty = (output.stack([output.all_faulted(lf, chunk) for lf in lfs], chunk),
                 np.zeros(m, np.int64), np.zeros(m), [None] * m)
        return (*empty, found) if keep_first else empty
    before = [lf.call_counts() for lf in lfs]
    try:
        block, faults, seconds = apply_chunk(lfs, chunk, output, fault, 0, first_faults=found)
    except LFApplyError as err:
        return _Failed(err if os.getpid() == client_pid else portable_error(err, _roundtrip))
    if not keep_first:
        return block, faults, seconds, counts_since(lfs, before)
    if os.getpid() != client_pid:  # the first faults travel back; a row label that does not pickle, as its repr
        import cloudpickle

        try:
            cloudpickle.loads(cloudpickle.dumps(found))
        except Exception:
            found = {j: (e, msg, repr(row), at) for j, (e, msg, row, at) in found.items()}
    return block, faults, seconds, counts_since(lfs, before), found


def _digested_chunk(lfs: list[LabelingFunction], chunk: Any, output: Any, fault: str,
                    client_pid: int, keep_first: bool = False) -> tuple[Any, ...] | _Failed:
    """:func:`_counted_chunk` plus the partition's content hash and row count (the vote cache's data key),
    taken in the same task so the partition is read once."""
    res = _counted_chunk(lfs, chunk, output, fault, client_pid, keep_first)
    return res if isinstance(res, _Failed) else (*res, _partition_digest(chunk))


def _absorb_remote_counts(lfs: list[LabelingFunction], here: list[Any], counts: list[list[Any]]) -> None:
    """Add the workers' counts to the parent's LFs, unless the tasks ran on these very objects (a local
    threaded scheduler), which counted them already."""
    moved = [h is not None and lf.call_counts() != h for lf, h in zip(lfs, here)]  # counted here already
    for part in counts:
        absorb_counts(lfs, [None if m else c for m, c in zip(moved, part)])


class _Stop(Exception):
    """Ends a local-scheduler compute once the failed partition to report is known."""


def _chosen_scheduler(scheduler: Any = None) -> Any:
    """The scheduler named for the tasks, by dask's own rule: ``scheduler``, the one the call names
    (:func:`call_scheduler`), else the one set in ``dask.config``; None when neither names one (the default
    client, if any, else dask's default).

    >>> import dask
    >>> with dask.config.set(scheduler="threads"):
    ...     _chosen_scheduler(), _chosen_scheduler("synchronous")
    ('threads', 'synchronous')
    """
    if scheduler is not None:
        return scheduler
    import dask

    return dask.config.get("scheduler", None)


def _active_client(scheduler: Any = None) -> Any:
    """The ``distributed`` client the tasks run on, or None (a local scheduler), by dask's own rule: the
    ``scheduler`` the call names (:func:`call_scheduler`, as snorkel's ``DaskLFApplier.apply(df, scheduler)``
    passes it to ``compute``), else one set in ``dask.config`` (``dask.config.set(scheduler="threads")`` or
    ``scheduler=client``), wins over the default client; ``"distributed"`` / ``"dask.distributed"`` (what a
    default client sets) name the default client."""
    chosen = _chosen_scheduler(scheduler)
    if chosen is not None and not (isinstance(chosen, str) and chosen.lower() in ("distributed", "dask.distributed")):
        try:
            from distributed import Client
        except ImportError:
            return None
        return chosen if isinstance(chosen, Client) else None
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def _run_partitions(tasks: list[Any], parts: list[Any], rows: Callable[[Any], int], bar: Any,
                    names: list[str], client: Any, note: str = "", scheduler: Any = None) -> list[Any]:
    """Compute the partition tasks; their results in partition order.

    The bar advances by each partition's rows (``rows(result)``) as it ends: as futures complete on a
    ``distributed`` ``client``, else (None) through a local-scheduler callback, on ``scheduler`` (a name or
    an executor handed to ``dask.compute``; None: dask's choice).  When partitions fail (an
    :class:`LFApplyError`, or workers that keep dying), the later partitions are cancelled and the earlier
    ones finished (one of them may fail too): the error raised is that of the failed partition that comes
    first, its positions moved to the whole data's (the earlier partitions' rows are known then).
    """
    import dask

    results: list[Any] = [None] * len(tasks)
    failed: dict[int, BaseException] = {}

    def settle(i: int, res: Any) -> bool:
        """Record partition ``i``'s result; whether the error to raise is known."""
        if isinstance(res, _Failed):
            failed[i] = res.error
        elif isinstance(res, BaseException):
            failed[i] = res
        else:
            results[i] = res
            bar.update(rows(res))
        return bool(failed) and all(results[j] is not None for j in range(min(failed)))

    if client is None:
        from dask.callbacks import Callback

        order = {t.key: i for i, t in enumerate(tasks)}

        class Settle(Callback):  # type: ignore[misc]
            def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
                if key in order and settle(order[key], result):
                    raise _Stop

        try:
            with Settle():
                dask.compute(*tasks, scheduler=scheduler)  # per call: dask.config is left alone
        except _Stop:
            pass
    else:
        from distributed import KilledWorker, as_completed

        futures = client.compute(tasks)
        order = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures, loop=client.loop):  # the session cluster is not the default client
                i = order[fut.key]
                if failed and i > min(failed):
                    continue  # cancelled: a partition before it failed
                try:
                    res = fut.result()
                except KilledWorker as err:
                    res = err
                if settle(i, res):
                    break
                if failed:
                    client.cancel([f for f in futures if order[f.key] > min(failed) and not f.done()])
        finally:
            # an error, or interrupted: cancel what has not started (a partition already running runs to its end on its
            # worker; client.restart() stops it)
            if failed or any(r is None for r in results):
                client.cancel(futures)
    if not failed:
        return results
    first = min(failed)
    offset = sum(rows(r) for r in results[:first])
    err = failed[first]
    if isinstance(err, LFApplyError):
        moved = shift_error(err, offset)
        raise moved from moved.original
    length = client.compute(dask.delayed(len)(parts[first]))  # its rows, read again (not its LFs run)
    try:
        n = int(length.result(timeout=60))
        where = f"rows {offset}..{offset + n - 1}"
    except Exception:  # they cannot be read either, or no worker is left
        client.cancel([length])
        where = f"rows from position {offset}"
    raise LFApplyError(
        f"applying LFs {names} to partition {first} ({where}): the Dask workers running it died each time it "
        f"was tried ({err}); out of memory or a crashing LF? Apply these rows with engine='serial' to see "
        f"which LF and row{note}", "", None, offset, err) from err


def check_picklable(lfs: Sequence[LabelingFunction], remote: bool | None = None, scheduler: Any = None) -> None:
    """With a ``distributed`` client or dask's local ``"processes"`` scheduler, the LFs travel to worker
    processes: name the LF (and the resource) that cannot be pickled, instead of Dask's "Could not serialize
    object of type ..." or the bare "cannot pickle '_thread.lock' object".  ``remote``: whether the tasks run on
    a client (None: whether a default client exists); ``scheduler``: the local scheduler they run on otherwise."""
    if remote is None:
        try:
            from distributed import default_client

            default_client()
            remote = True
        except (ImportError, ValueError):
            remote = False
    processes = not remote and _runs_in_processes(scheduler)
    if not (remote or processes):
        return  # the threaded and synchronous schedulers share this process's objects
    import cloudpickle

    where = (f"the worker processes of Dask's {scheduler!r} scheduler" if isinstance(scheduler, str)
             else "the Dask worker processes") if processes else "the Dask workers"
    instead = "run on the 'threads' scheduler, or use" if processes else "use"

    for lf in lfs:
        try:
            cloudpickle.dumps(lf)
        except Exception as exc:
            culprit = ""
            for key, value in dict(getattr(lf, "_resources", None) or {}).items():
                try:
                    cloudpickle.dumps(value)
                except Exception:
                    culprit = f": its resource {key!r} ({type(value).__name__}) cannot be pickled"
                    break
            raise TypeError(f"LF {lf.name!r} cannot be sent to {where}{culprit} ({type(exc).__name__}: "
                            f"{exc}); create such objects inside the LF (or a preprocessor) on the worker, or "
                            f"{instead} engine='serial' / 'process'") from exc


def _runs_in_processes(scheduler: Any) -> bool:
    """Whether the local ``scheduler`` (a name, an executor) runs its tasks in other processes."""
    from concurrent.futures import ProcessPoolExecutor

    if isinstance(scheduler, str):
        return scheduler.lower() in _PROCESS_SCHEDULERS
    return isinstance(scheduler, ProcessPoolExecutor)


def _shard_key_path(directory: str, index: int) -> str:
    """The file beside shard ``index`` that records what made it (``part-00000.key``)."""
    from weaksup.dask_votes import shard_name

    return os.path.join(directory, shard_name(index)[:-len(".npz")] + ".key")


def _apply_shard(lfs: list[LabelingFunction], chunk: Any, output: Any, fault: str, client_pid: int, directory: str,
                 index: int, names: list[str], k: int, lf_keys: list[str | None] | None = None, run_id: str = ""
                 ) -> tuple[int, np.ndarray, np.ndarray, list, list[int], bool, dict[int, Any]] | _Failed:
    """Write partition ``index``'s votes as a shard, and beside it ``part-<index>.key``: the partition's content
    hash and row count, one key per LF column (fingerprint, name, fault, cardinality; None: not kept), and the
    run's id (the client checks that no other run replaced it).  The sixth item of the result: whether the key
    file was written (not for a partition whose content cannot be hashed); the seventh: each faulted LF's first
    fault, by LF position (positions from the partition's first row; see :func:`_counted_chunk`).

    When the key file of a run that failed shows the same partition content, the columns whose LF key is
    the same are taken from the shard there, and only the other LFs run (the fifth item of the result lists
    the columns kept).  A column with faults is not kept (a fault may be transient)."""
    from weaksup.dask_votes import shard_name, write_shard
    from weaksup.votes import VoteMatrix

    m = len(lfs)
    keys = lf_keys if lf_keys is not None else [None] * m
    key_path = _shard_key_path(directory, index)
    shard = os.path.join(directory, shard_name(index))
    digest, rows = _partition_digest(chunk)
    kept: dict[int, np.ndarray] = {}
    try:
        with open(key_path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        old = None
    if old is not None and not is_volatile(digest) and old.get("data") == [digest, rows] and os.path.exists(shard):
        old_keys = old.get("lfs", [])
        take = {j: old_keys.index(key) for j, key in enumerate(keys) if key is not None and key in old_keys}
        if take:
            try:
                votes = VoteMatrix.load(shard).to_dense()
            except Exception:  # damaged: recompute it all
                votes = None
            if votes is not None and votes.shape == (rows, len(old_keys)):
                kept = {j: votes[:, c] for j, c in take.items()}
    if os.path.exists(key_path):  # removed before the shard is replaced: a key never names other votes
        os.remove(key_path)
    run = [j for j in range(m) if j not in kept]
    if run:
        done = _counted_chunk([lfs[j] for j in run], chunk, output, fault, client_pid, keep_first=True)
        if isinstance(done, _Failed):
            return done
        block_run, faults_run, seconds_run, counts_run, found_run = done
    else:
        block_run, faults_run, seconds_run, counts_run, found_run = np.zeros((rows, 0), np.int64), [], [], [], {}
    first = {run[pos]: got for pos, got in found_run.items()}  # by position in ``lfs``, not in ``run``
    block = np.empty((rows, m), dtype=np.int64)
    faults, seconds, counts = np.zeros(m, np.int64), np.zeros(m), [None] * m
    for j, col in kept.items():
        block[:, j] = col
    for pos, j in enumerate(run):
        block[:, j] = block_run[:, pos]
        faults[j], seconds[j], counts[j] = faults_run[pos], seconds_run[pos], counts_run[pos]
    written = write_shard(directory, index, block, names, k)
    if not is_volatile(digest):
        body = {"data": [digest, written], "lfs": [None if faults[j] else keys[j] for j in range(m)], "run": run_id}
        tmp = f"{key_path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(body, f)
        os.replace(tmp, key_path)
    return written, faults, seconds, counts, sorted(kept), not is_volatile(digest), first


@contextlib.contextmanager
def _locked_directory(directory: str) -> Iterator[None]:
    """Hold an exclusive lock on the shard ``directory`` (``flock`` on the folder itself, so no lock file is left
    in it) while a run writes it; another run into it meanwhile is refused, naming it.  On a file system without
    locks (some network mounts), or off POSIX, the run goes on unlocked: the check of every ``part-*.key``
    before the manifest is written (:func:`_check_run_keys`) still refuses a mix."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BlockingIOError(
                f"{directory} is being written by another apply_to_shards run (another kernel or process on this "
                f"machine); wait for it to finish, or write these votes to another directory") from None
        except OSError:  # no locks here (ENOLCK, EBADF on some network file systems): rely on the key check
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


def _check_run_keys(directory: str, run_id: str, results: list[Any]) -> None:
    """Refuse to mark ``directory`` complete unless every ``part-<i>.key`` is this run's: a run that wrote the
    same directory at the same time (unlocked: from another machine) has replaced some shards with its own."""
    for i, res in enumerate(results):
        key_path = _shard_key_path(directory, i)
        try:
            with open(key_path) as f:
                found = json.load(f).get("run")
        except FileNotFoundError:
            found = None
        except (OSError, ValueError, AttributeError):
            found = "unreadable"
        if found != (run_id if res[5] else None):
            raise RuntimeError(
                f"{key_path} was {'removed' if found is None else 'written'} by another apply_to_shards run into "
                f"{directory} while this one ran (two runs into one directory at once, e.g. from two kernels or "
                f"machines), so its shards may mix both runs' votes; no manifest was written: run one of them "
                f"again alone, with overwrite=True")


def _as_dask_frame(data: Any, npartitions: int | None) -> Any:
    import dask.dataframe as dd

    if is_dask_frame(data):
        return data
    if isinstance(data, (str, os.PathLike)):
        return dd.read_parquet(data)
    if isinstance(data, pd.DataFrame):
        import dask

        # keep row order (sort=False) and the cells as they are: dask's default string conversion would
        # hand LFs a token list as its repr and a missing text as None, unlike the other engines
        with dask.config.set({"dataframe.convert-string": False}):
            return dd.from_pandas(data, npartitions=npartitions or os.cpu_count() or 1, sort=False)
    raise TypeError(f"data must be a Dask or pandas DataFrame or a Parquet path, got {type(data).__name__}")


def apply_to_shards(lfs: Sequence[Any], data: Any, path: str | os.PathLike[str], *, cardinality: int,
                    fault: str = "raise", npartitions: int | None = None, overwrite: bool = False,
                    progress: bool = True, lf_fingerprints: bool = True) -> Any:
    """Apply ``lfs`` to partitioned ``data`` on the active Dask cluster, writing votes as on-disk sparse shards.

    Parameters
    ----------
    lfs : sequence of LabelingFunction
        Shipped to the workers with cloudpickle (closures and ``resources=`` travel with them).
    data : Dask DataFrame, Parquet path or pandas DataFrame
        One task per partition (a pandas frame is split into ``npartitions``).
    path : str or path
        Directory for ``part-00000.npz`` ... and ``_manifest.json`` (see :mod:`weaksup.dask_votes`).
    cardinality : int
        Number of classes (every shard must agree on it, so it is not inferred).
    fault : {"raise", "abstain", "warn"}
        As in :class:`~weaksup.apply.LFApplier`.
    npartitions : int, optional
        Number of partitions a pandas ``data`` is split into (default: ``os.cpu_count()``); ignored for a Dask
        DataFrame or a Parquet path, whose own partitions are used.
    overwrite : bool
        Replace an existing shard directory (every partition recomputed).  Without it, a complete directory
        (one with a manifest) is an error; an incomplete one left by a failed run is resumed: a shard whose
        ``part-<i>.key`` shows it was made by the same LFs (fingerprints), ``fault`` and ``cardinality`` from
        a partition of the same content is kept, the other partitions are applied.
    progress : bool
        Show a tqdm bar of the rows applied, advanced as partitions finish (its total is known only for a
        pandas ``data``).
    lf_fingerprints : bool
        Record each LF's fingerprint in the manifest (:attr:`DaskVotes.lf_fingerprints`), as
        :class:`~weaksup.apply.LFApplier` does; ``False`` records none (no fingerprint is hashed for it).

    Returns
    -------
    DaskVotes
        Backed by the shards; ``.report`` is the :class:`~weaksup.apply.ApplyReport`; ``.lf_fingerprints``
        each LF's fingerprint as given (None where volatile), written in the manifest too.

    A worker lost mid-run has its tasks rerun by Dask (a shard is rewritten
    whole); if the job fails, the manifest is not written and the directory is
    refused by :meth:`DaskVotes.from_shards`; the rerun (after the fix) skips
    the shards already finished (see ``overwrite``).
    """
    import time

    from weaksup._progress import progress_bar

    dask = require_dask("apply_to_shards")
    from weaksup.apply.report import ApplyReport
    from weaksup.apply.kernel import ClassOutput, check_fault, describe_fault, prepare_lfs, warn_faults
    from weaksup.dask_votes import MANIFEST, DaskVotes, get_client, write_manifest
    from weaksup.lf.core import as_lfs

    t0 = time.perf_counter()
    check_fault(fault)
    if cardinality is None or int(cardinality) < 2:
        raise ValueError(f"apply_to_shards needs cardinality >= 2 (all shards must agree), got {cardinality!r}")
    k = int(cardinality)
    given = as_lfs(lfs)
    # each LF's fingerprint as given, before prepare() and before any row (as LFApplier.apply takes it, so an LF whose
    # prepare() failed is recorded as itself, not as its stand-in): kept in the manifest (DaskVotes.lf_fingerprints),
    # so vstack refuses these votes beside another version's and a label model warns; a volatile one proves nothing
    # (None for an LF whose fingerprint an earlier apply saw move as it ran, and none at all when switched off)
    lf_fps = ([None if is_volatile(fp) or fingerprint_moves(lf) else fp
               for lf, fp in ((lf, lf.fingerprint()) for lf in given)] if lf_fingerprints else [None] * len(given))
    lf_list = prepare_lfs(given, fault)
    names = [lf.name for lf in lf_list]
    check_picklable(lf_list)
    out = os.fspath(path)
    os.makedirs(out, exist_ok=True)
    with _locked_directory(out):  # from the look at what is there to the manifest: one run at a time
        manifest = os.path.join(out, MANIFEST)
        stale = [f for f in os.listdir(out)
                 if f == MANIFEST or (f.startswith("part-") and (f.endswith(".npz") or f.endswith(".key")))]
        shards = [f for f in stale if f.endswith(".npz")]
        resume = bool(stale) and not overwrite
        if resume and MANIFEST in stale:
            raise FileExistsError(f"{out} already holds a complete set of vote shards (it has {MANIFEST}); pass "
                                  f"overwrite=True to replace them, or write to another directory")
        if resume and any(f[:-len(".npz")] + ".key" not in stale for f in shards):
            unkeyed = sorted(f for f in shards if f[:-len(".npz")] + ".key" not in stale)
            raise FileExistsError(f"{out} holds vote shards without a manifest (a run that failed or was "
                                  f"interrupted), and {unkeyed[0]} has no part-*.key telling which LFs and data made "
                                  f"it, so it cannot be resumed: pass overwrite=True to recompute every partition")
        if os.path.exists(manifest):  # first, so an interrupted rewrite is never read as complete
            os.remove(manifest)
        ddf = _as_dask_frame(data, npartitions)
        parts = ddf.to_delayed()
        for f in stale:
            # a resume keeps the shards of this run's partitions (their keys decide, on the workers)
            number = f[len("part-"):-len(".npz")]
            if f != MANIFEST and not (resume and number.isdigit() and int(number) < len(parts)):
                os.remove(os.path.join(out, f))
        lf_keys = [None if is_volatile(fp) else hashlib.sha1(json.dumps([fp, lf.name, fault, k]).encode(
            "utf-8", "surrogatepass")).hexdigest() for lf, fp in ((lf, lf.fingerprint()) for lf in lf_list)]
        task = dask.delayed(_apply_shard, pure=False)
        output = ClassOutput(k)
        run_id = uuid.uuid4().hex
        tasks = [task(lf_list, p, output, fault, os.getpid(), out, i, names, k, lf_keys, run_id)
                 for i, p in enumerate(parts)]
        client = get_client()  # the workers write the shards
        here = [lf.call_counts() for lf in lf_list]
        with progress_bar(total=len(data) if isinstance(data, pd.DataFrame) else None, unit="rows",
                          desc=f"Applying {len(names)} LFs to shards", progress=progress) as bar:
            results = _run_partitions(tasks, parts, lambda r: r[0], bar, names, client,
                                      note=f". No manifest was written, so {out} is not read as complete")
        _absorb_remote_counts(lf_list, here, [r[3] for r in results])
        rows = [int(r[0]) for r in results]
        faults = np.sum([r[1] for r in results], axis=0) if results else np.zeros(len(names), np.int64)
        seconds = np.sum([r[2] for r in results], axis=0) if results else np.zeros(len(names))
        first_faults: dict[int, Any] = {}  # each LF's first fault, at its position in the whole data
        offset = 0
        for n, r in zip(rows, results):
            keep_first_faults(first_faults, {j: (e, msg, row, at + offset) for j, (e, msg, row, at) in r[6].items()})
            offset += n
        first = [first_faults.get(j) if faults[j] else None for j in range(len(names))]
        warn_faults(names, faults, fault, first=first)
        _check_run_keys(out, run_id, results)
        write_manifest(out, names, k, rows, lf_fingerprints=lf_fps)
        votes = DaskVotes.from_shards(out)
        # columns kept from the shards of a failed run (same LF, same partition content) were not recomputed
        calls = [sum(n for n, r in zip(rows, results) if j not in r[4]) for j in range(len(names))]
        table = pd.DataFrame({"calls": calls, "faults": faults, "seconds": seconds,
                              "cached": [sum(rows) > 0 and c == 0 for c in calls],
                              # as LFApplier.apply's report: the error an LF raised on the first row it faulted on
                              "first_fault": [describe_fault(f) if f is not None
                                              else "(not kept by apply_to_shards)" if faults[j] else ""
                                              for j, f in enumerate(first)]},
                             index=pd.Index(names, name="lf"))
        votes.report = ApplyReport("dask", votes.n, time.perf_counter() - t0, table)
    return votes
