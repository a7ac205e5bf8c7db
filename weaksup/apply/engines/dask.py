"""The Dask engine: one kernel task per partition, on whatever scheduler is active.

A ``distributed.Client``, if one exists, runs the tasks on its workers.  A
pandas DataFrame is split into ``n_jobs`` (default: CPU count) partitions,
keeping row order.

:func:`apply_to_shards` is the out-of-core form: each partition's votes are
written by its worker as a sparse shard file (atomically: temporary name, then
rename) and only row counts, fault counts and timings return to the client,
which writes the directory's manifest last.  The result is a
:class:`~weaksup.dask_votes.DaskVotes` that label models fit on Dask.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.engines.base import EngineJob, EngineResult, absorb_counts, counts_since
from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import apply_chunk
from weaksup.lf.core import LabelingFunction

__all__ = ["DaskEngine", "ENGINE", "is_dask_frame", "apply_to_shards"]


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
        from tqdm.auto import tqdm

        ddf = _as_dask_frame(data, job.n_jobs) if isinstance(data, pd.DataFrame) else data
        lengths = ddf.map_partitions(len).compute()
        offsets = np.concatenate([[0], np.cumsum(lengths)])[:-1]
        task = dask.delayed(_counted_chunk, pure=False)
        lfs = list(lfs)
        check_picklable(lfs)
        tasks = [task(lfs, p, job.output, job.fault, int(o)) for p, o in zip(ddf.to_delayed(), offsets)]
        here = [lf.call_counts() for lf in lfs]
        try:
            with tqdm(total=int(np.sum(lengths)), desc=f"Applying {len(lfs)} LFs on Dask", unit="rows",
                      disable=not job.progress) as bar:
                results = _compute_with_progress(tasks, [int(n) for n in lengths], bar)
        except LFApplyError as err:
            raise err from err.original
        _absorb_remote_counts(lfs, here, [r[3] for r in results])
        if not results:
            return EngineResult.empty(0, len(lfs))
        return EngineResult(np.vstack([r[0] for r in results]), np.sum([r[1] for r in results], axis=0),
                            np.sum([r[2] for r in results], axis=0))


ENGINE = DaskEngine()


def _counted_chunk(lfs: list[LabelingFunction], chunk: Any, output: Any, fault: str,
                   offset: int) -> tuple[Any, np.ndarray, np.ndarray, list[Any]]:
    """:func:`apply_chunk` plus what the LFs counted while it ran (see :meth:`LabelingFunction.call_counts`)."""
    before = [lf.call_counts() for lf in lfs]
    block, faults, seconds = apply_chunk(lfs, chunk, output, fault, offset)
    return block, faults, seconds, counts_since(lfs, before)


def _absorb_remote_counts(lfs: list[LabelingFunction], here: list[Any], counts: list[list[Any]]) -> None:
    """Add the workers' counts to the parent's LFs, unless the tasks ran on these very objects (a local
    threaded scheduler), which counted them already."""
    moved = [h is not None and lf.call_counts() != h for lf, h in zip(lfs, here)]  # counted here already
    for part in counts:
        absorb_counts(lfs, [None if m else c for m, c in zip(moved, part)])


def _compute_with_progress(tasks: list[Any], rows: list[int], bar: Any) -> list[Any]:
    """Compute the partition tasks, advancing ``bar`` by each partition's rows as it ends: as futures
    complete on a ``distributed`` client, else through a local-scheduler callback."""
    import dask

    try:
        from distributed import as_completed, default_client

        client = default_client()
    except (ImportError, ValueError):
        client = None
    if client is None:
        from dask.callbacks import Callback

        done = {t.key: n for t, n in zip(tasks, rows)}

        class RowsDone(Callback):  # type: ignore[misc]
            def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
                if key in done:
                    bar.update(done[key])

        with RowsDone():
            return list(dask.compute(*tasks))
    futures = client.compute(tasks)
    order = {f.key: i for i, f in enumerate(futures)}
    out: list[Any] = [None] * len(futures)
    try:
        for fut in as_completed(futures):
            i = order[fut.key]
            out[i] = fut.result()
            bar.update(rows[i])
    except BaseException:
        client.cancel(futures)
        raise
    return out


def check_picklable(lfs: Sequence[LabelingFunction]) -> None:
    """With a ``distributed`` client, the LFs travel to worker processes: name the LF (and the resource)
    that cannot be pickled, instead of Dask's "Could not serialize object of type ..."."""
    try:
        from distributed import default_client

        default_client()
    except (ImportError, ValueError):
        return  # the local schedulers share this process's objects
    import cloudpickle

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
            raise TypeError(f"LF {lf.name!r} cannot be sent to the Dask workers{culprit} ({type(exc).__name__}: "
                            f"{exc}); create such objects inside the LF (or a preprocessor) on the worker, or "
                            f"use engine='serial' / 'process'") from exc


def _apply_shard(lfs: list[LabelingFunction], chunk: Any, output: Any, fault: str, offset: int,
                 directory: str, index: int, names: list[str], k: int) -> tuple[int, np.ndarray, np.ndarray, list]:
    from weaksup.dask_votes import write_shard

    block, faults, seconds, counts = _counted_chunk(lfs, chunk, output, fault, offset)
    return write_shard(directory, index, block, names, k), faults, seconds, counts


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
                    progress: bool = True) -> Any:
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
    overwrite : bool
        Replace an existing shard directory; otherwise one is an error.

    Returns
    -------
    DaskVotes
        Backed by the shards; ``.report`` is the :class:`~weaksup.apply.ApplyReport`.

    A worker lost mid-run has its tasks rerun by Dask (a shard is rewritten
    whole); if the job fails, the manifest is not written and the directory is
    refused by :meth:`DaskVotes.from_shards`.
    """
    import time

    import dask
    from tqdm.auto import tqdm

    from weaksup.apply.report import ApplyReport
    from weaksup.apply.kernel import ClassOutput, check_fault, prepare_lfs, warn_faults
    from weaksup.dask_votes import MANIFEST, DaskVotes, get_client, write_manifest
    from weaksup.lf.core import as_lfs

    t0 = time.perf_counter()
    check_fault(fault)
    if cardinality is None or int(cardinality) < 2:
        raise ValueError(f"apply_to_shards needs cardinality >= 2 (all shards must agree), got {cardinality!r}")
    k = int(cardinality)
    lf_list = prepare_lfs(as_lfs(lfs), fault)
    names = [lf.name for lf in lf_list]
    check_picklable(lf_list)
    out = os.fspath(path)
    os.makedirs(out, exist_ok=True)
    manifest = os.path.join(out, MANIFEST)
    stale = [f for f in os.listdir(out) if f == MANIFEST or (f.startswith("part-") and f.endswith(".npz"))]
    if stale and not overwrite:
        raise FileExistsError(f"{out} already holds vote shards; pass overwrite=True to replace them")
    if os.path.exists(manifest):  # first, so an interrupted rewrite is never read as complete
        os.remove(manifest)
    for f in stale:
        if f != MANIFEST:
            os.remove(os.path.join(out, f))
    ddf = _as_dask_frame(data, npartitions)
    lengths = ddf.map_partitions(len).compute()
    offsets = np.concatenate([[0], np.cumsum(lengths)])[:-1].astype(np.int64)
    task = dask.delayed(_apply_shard, pure=False)
    output = ClassOutput(k)
    tasks = [task(lf_list, p, output, fault, int(o), out, i, names, k)
             for i, (p, o) in enumerate(zip(ddf.to_delayed(), offsets))]
    client = get_client()
    here = [lf.call_counts() for lf in lf_list]
    futures = client.compute(tasks)
    order = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    from distributed import KilledWorker, as_completed

    try:
        with tqdm(total=int(np.sum(lengths)), desc=f"Applying {len(names)} LFs to shards", unit="rows",
                  disable=not progress) as bar:
            for fut in as_completed(futures):
                results[order[fut.key]] = res = fut.result()
                bar.update(res[0])
    except LFApplyError as err:
        client.cancel(futures)
        raise err from err.original
    except KilledWorker as err:
        client.cancel(futures)
        bad = order.get(getattr(err, "task", None))
        where = (f"partition {bad} (rows {offsets[bad]}..{offsets[bad] + lengths.iloc[bad] - 1})"
                 if bad is not None else "a partition")
        raise RuntimeError(f"applying LFs to {where}: the Dask workers running it died each time it was "
                           f"tried ({err}); out of memory or a crashing LF? No manifest was written, so "
                           f"{out} is not read as complete") from err
    _absorb_remote_counts(lf_list, here, [r[3] for r in results])
    rows = [r[0] for r in results]
    if list(rows) != [int(x) for x in lengths]:
        raise RuntimeError(f"shard row counts {rows} differ from the partition lengths {list(lengths)}")
    faults = np.sum([r[1] for r in results], axis=0) if results else np.zeros(len(names), np.int64)
    seconds = np.sum([r[2] for r in results], axis=0) if results else np.zeros(len(names))
    warn_faults(names, faults, fault)
    write_manifest(out, names, k, rows)
    votes = DaskVotes.from_shards(out)
    table = pd.DataFrame({"calls": [int(np.sum(lengths))] * len(names), "faults": faults, "seconds": seconds,
                          "cached": [False] * len(names)}, index=pd.Index(names, name="lf"))
    votes.report = ApplyReport("dask", votes.n, time.perf_counter() - t0, table)
    return votes
