"""How the engines fail: which error is raised, how soon, and what is left behind.

* The rule every engine follows with ``fault="raise"``: the error raised is the one at the lowest row
  position (ties: the first LF in list order).  The serial engine stops at the first chunk that fails; the
  kernel reports the lowest failing position across the chunk's LFs; the process and Dask engines finish
  the chunks before the first failed one and cancel the rest.
* The process engine stops its workers at once on an error or Ctrl-C (no chunk queued behind it runs, no
  worker is left); the Dask engine calls no LF on an empty partition, reads each input partition once,
  carries an LF exception that does not pickle as an ``LFApplyError``, and names the partition (and its
  rows) whose workers keep dying.

Real process pools and a real multi-process Dask ``LocalCluster``.  The tests on Dask's local schedulers
come first in this module: the cluster's client, once started, is the default for the rest of it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from weaksup import LFApplier
from weaksup.apply import apply_lfs
from weaksup.apply.errors import LFApplyError, LFOutputError
from weaksup.apply.kernel import ClassOutput, apply_chunk, shift_error
from weaksup.lf import labeling_function

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

REPO = Path(__file__).resolve().parent.parent


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"i": np.arange(n)}, index=pd.Index([f"r{i}" for i in range(n)]))


def _failing_at(name: str, row: int, exc: type[Exception] = ValueError) -> object:
    @labeling_function(name=name)
    def lf(x):
        if x.i == row:
            raise exc(f"{name} failed")
        return x.i % 2

    return lf


@labeling_function()
def ok(x):
    return x.i % 2


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def _dask_frame(df: pd.DataFrame, npartitions: int) -> object:
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(df, npartitions=npartitions, sort=False)


# --------------------------------------------------------------------------------- the kernel, one chunk
def test_kernel_reports_the_lowest_failing_position_across_lfs():
    calls = []

    @labeling_function()
    def counted(x):
        calls.append(x.i)
        return 0

    lfs = [_failing_at("late", 7), _failing_at("early", 2, KeyError), counted]
    with pytest.raises(LFApplyError, match=r"LF 'early' raised KeyError on row 'r2' \(position 12\)") as err:
        apply_chunk(lfs, _frame(10), ClassOutput(2), "raise", 10)
    assert (err.value.lf_name, err.value.row_index, err.value.position) == ("early", "r2", 12)
    assert isinstance(err.value.__cause__, KeyError)
    assert calls == [0, 1]  # after a failure at row 2, later LFs only look for one before it

    # a tie goes to the first LF in list order; a failure at the chunk's first row ends the search
    with pytest.raises(LFApplyError, match="LF 'a' raised") as err:
        apply_chunk([_failing_at("a", 4), _failing_at("b", 4), counted], _frame(10), ClassOutput(2), "raise", 0)
    assert calls == [0, 1, 0, 1, 2, 3]
    with pytest.raises(LFApplyError, match="LF 'first_row' raised"):
        apply_chunk([_failing_at("first_row", 0), counted], _frame(10), ClassOutput(2), "raise", 0)
    assert len(calls) == 6


def test_kernel_batched_failure_on_the_whole_chunk_is_its_first_row():
    @labeling_function(batched=True)
    def model(d):
        raise RuntimeError("model down")

    with pytest.raises(LFApplyError, match=r"batched LF 'model' raised RuntimeError on the chunk of rows "
                                           r"'r0'..'r9' \(positions 0..9\)") as err:
        apply_chunk([_failing_at("row_lf", 5), model], _frame(10), ClassOutput(2), "raise", 0)
    assert err.value.position == 0 and err.value.row_index == "r0"


def test_kernel_errors_on_an_empty_chunk_name_the_lf():
    @labeling_function(batched=True)
    def refuses_empty(d):
        raise ValueError("Found array with 0 sample(s)")

    @labeling_function(batched=True)
    def three_votes(d):
        return np.zeros(3, int)

    empty = _frame(0)
    with pytest.raises(LFApplyError, match=r"batched LF 'refuses_empty' raised ValueError on an empty chunk "
                                           r"\(no rows, at position 40\)") as err:
        apply_chunk([refuses_empty], empty, ClassOutput(2), "raise", 40)
    assert err.value.lf_name == "refuses_empty" and err.value.row_index is None
    with pytest.raises(LFOutputError, match=r"batched LF 'three_votes' returned shape \(3,\) for a chunk of 0 rows;"):
        apply_chunk([three_votes], empty, ClassOutput(2), "raise", 0)


def test_shift_error_moves_positions_and_keeps_the_error_class():
    err = LFOutputError("batched LF 'b' raised X on the chunk of rows 'a'..'z' (positions 0..25): no", "b", "a", 0)
    moved = shift_error(err, 100)
    assert type(moved) is LFOutputError and moved.position == 100 and moved.row_index == "a"
    assert str(moved) == "batched LF 'b' raised X on the chunk of rows 'a'..'z' (positions 100..125): no"
    # a row label that reads like a position is not rewritten; the kernel's own text is
    tricky = LFApplyError("LF 'c' raised E on row '(position 9)' (position 3): e", "c", "(position 9)", 3)
    assert str(shift_error(tricky, 10)) == "LF 'c' raised E on row '(position 9)' (position 13): e"


# -------------------------------------------------------------------------------------- the process engine
def test_process_engine_stops_at_the_first_error(tmp_path):
    """An LF error at row 5 surfaced only after all 40 chunks had run (the pool was left with
    shutdown(wait=True) and nothing cancelled); now the queued chunks never start."""
    started = tmp_path / "started"
    started.mkdir()

    @labeling_function(batched=True)
    def slow(d):
        (started / str(d.i.iloc[0])).touch()
        time.sleep(0.3)
        return np.zeros(len(d), int)

    before = _children()
    with pytest.raises(LFApplyError, match=r"LF 'fails' raised ValueError on row 'r5' \(position 5\)") as err:
        apply_lfs([slow, _failing_at("fails", 5)], _frame(4000), engine="process", n_jobs=2, chunk_size=100,
                  progress=False)
    assert err.value.lf_name == "fails" and isinstance(err.value.__cause__, ValueError)
    assert len(list(started.iterdir())) <= 6  # of 40 chunks: those already handed to the two workers
    assert not _children() - before  # every worker stopped and joined: no orphan, no zombie


def test_process_engine_reports_the_first_failed_chunk():
    """Chunk 3 fails at once, chunk 1 after a while: the error is chunk 1's, as in the serial engine."""
    @labeling_function()
    def slow_then_fails(x):
        if x.i == 150:
            time.sleep(1.0)
            raise ValueError("chunk 1")
        if x.i == 350:
            raise ValueError("chunk 3")
        return 0

    with pytest.raises(LFApplyError, match=r"row 'r150' \(position 150\): chunk 1"):
        apply_lfs([slow_then_fails], _frame(600), engine="process", n_jobs=3, chunk_size=100, progress=False)


CHILD = """
import signal, sys, time
import numpy as np, pandas as pd
# a child started with SIGINT ignored (a job launched with '&' from a non-interactive shell) would never see
# Ctrl-C: Python installs its KeyboardInterrupt handler only where SIGINT is not ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
from weaksup.apply import apply_lfs
from weaksup.lf import labeling_function

@labeling_function(batched=True)
def slow(d):
    time.sleep(0.5)
    return np.zeros(len(d), int)

t = time.perf_counter()
try:
    apply_lfs([slow], pd.DataFrame({"i": np.arange(20000)}), engine="process", n_jobs=2, chunk_size=100,
              progress=False)  # 200 chunks: about 50 s
    print("finished", flush=True)
except KeyboardInterrupt:
    print(f"interrupted after {time.perf_counter() - t:.1f} s", flush=True)
"""


@pytest.mark.parametrize("to", ["parent", "group"])
def test_process_engine_ctrl_c_stops_the_workers_at_once(tmp_path, to):
    """Ctrl-C (SIGINT to the process, or to its whole group as a terminal sends it) was honoured only
    after every queued chunk had run; now at once, and the workers are gone."""
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        workers: list[psutil.Process] = []
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2, proc.communicate()[0]
        time.sleep(1.0)  # mid-job
        t0 = time.monotonic()
        if to == "parent":
            os.kill(proc.pid, signal.SIGINT)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        assert time.monotonic() - t0 < 10, out
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert "interrupted after" in out and "Traceback" not in out, out
    for w in workers:
        assert not w.is_running() or w.status() != psutil.STATUS_ZOMBIE, w


TORCH_CHILD = """
import sys
import numpy as np, pandas as pd, torch
from weaksup.apply import apply_lfs
from weaksup.lf import labeling_function
from weaksup.lfgen import centroid_lf
from weaksup.lfgen.families import embed_texts

tag = sys.argv[1]
torch.set_num_threads(2)
embed_texts([f"parent text {tag} {i}" for i in range(8)])  # the parent runs MiniLM, as LFGenerator.fit does
(torch.ones(256, 256) @ torch.ones(256, 256)).sum()

@labeling_function(batched=True)
def torch_op(d):
    return ((torch.ones(len(d), 256) @ torch.ones(256, 256)).sum(1) > 0).long().numpy() * 0

lfs = [centroid_lf(["subscribe to my channel", "check out my video"], 1, 0.3, name="near"), torch_op]
new = pd.DataFrame({"text": [f"subscribe to my channel {tag} {i}" for i in range(20)]})
serial = apply_lfs(lfs, new, progress=False).to_dense()
forked = apply_lfs(lfs, new, engine="process", n_jobs=2, chunk_size=10, progress=False).to_dense()
print("same votes" if np.array_equal(serial, forked) else f"votes differ: {serial.tolist()} {forked.tolist()}",
      flush=True)
"""


@pytest.mark.slow
def test_process_workers_run_torch_after_the_parent_did(tmp_path):
    """A worker forked from a parent that had run torch (MiniLM embeddings) hung forever in its first parallel
    torch op: torch's thread pool does not survive a fork.  Workers now run torch on one thread."""
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(TORCH_CHILD))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    try:
        out = subprocess.run([sys.executable, str(script), tmp_path.name], capture_output=True, text=True,
                             env=env, timeout=240).stdout
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the process engine hung running torch in forked workers: {exc.stdout!r}")
    assert "same votes" in out, out


# ---------------------------------------------------- one rule for every engine (Dask: its local schedulers)
ENGINES = [("serial", {}), ("serial", {"chunk_size": 1000}), ("process", {"n_jobs": 2, "chunk_size": 500}),
           ("process", {"n_jobs": 2}), ("dask", {"n_jobs": 4})]


@pytest.mark.parametrize("engine,kw", ENGINES, ids=[f"{e}-{'-'.join(map(str, k.values()))}" for e, k in ENGINES])
def test_every_engine_reports_the_lowest_failing_row(engine, kw):
    """Serial reported bad_late (row 3500, the first failing LF of its one chunk), process bad_early
    (row 600), Dask whichever partition failed first."""
    lfs = [ok, _failing_at("bad_late", 3500), _failing_at("bad_early", 600, KeyError)]
    with pytest.raises(LFApplyError, match=r"LF 'bad_early' raised KeyError on row 'r600' \(position 600\)") as err:
        LFApplier(lfs, engine=engine, cardinality=2, progress=False, cache=False, **kw).apply(_frame(4000))
    assert (err.value.lf_name, err.value.row_index, err.value.position) == ("bad_early", "r600", 600)
    with pytest.raises(LFApplyError, match=r"LF 'tie_a' raised .* \(position 600\)"):
        LFApplier([ok, _failing_at("tie_a", 600), _failing_at("tie_b", 600)], engine=engine, cardinality=2,
                  progress=False, cache=False, **kw).apply(_frame(4000))


@labeling_function()
def partition_0_late(x):
    if x.i == 50:
        time.sleep(1.5)
        raise ValueError("partition 0")
    if x.i == 250:
        raise ValueError("partition 2")
    return 0


def test_dask_local_scheduler_reports_the_first_failed_partition():
    with pytest.raises(LFApplyError, match=r"row 'r50' \(position 50\): partition 0"):
        LFApplier([partition_0_late], engine="dask", n_jobs=4, cardinality=2, progress=False).apply(_frame(400))


@labeling_function(batched=True)
def refuses_empty(d):
    if len(d) == 0:
        raise ValueError("Found array with 0 sample(s) (shape=(0, 1)) while a minimum of 1 is required.")
    return (d.i % 2).to_numpy()


def _filtered() -> tuple[object, pd.DataFrame]:
    df = _frame(100)
    ddf = _dask_frame(df, 4)
    return ddf[ddf.i >= 50], df[df.i >= 50]  # partitions 0 and 1 become empty


def test_dask_local_scheduler_calls_no_lf_on_an_empty_partition():
    filtered, kept = _filtered()
    V = LFApplier([refuses_empty], cardinality=2, progress=False).apply(filtered)
    assert V == LFApplier([refuses_empty], cardinality=2, progress=False).apply(kept)
    assert V.report.table["faults"].tolist() == [0]


def test_dask_local_scheduler_reads_each_partition_once():
    runs = []

    def expensive(p):
        runs.append(len(p))
        return p

    ddf = _dask_frame(_frame(800), 8)
    ddf = ddf.map_partitions(expensive, meta=ddf._meta)
    with dask.config.set(scheduler="threads"):
        LFApplier([ok], cardinality=2, progress=False).apply(ddf)
    assert len(runs) == 8


# ------------------------------------------------------------------ a real multi-process Dask cluster
@pytest.fixture(scope="module")
def cluster_client():
    # one retry: a task whose worker dies twice fails the job (KilledWorker), tested last
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.CRITICAL)
        client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


class ServiceError(Exception):
    """An SDK error that keeps its connection: it does not pickle."""

    def __init__(self, msg):
        super().__init__(msg)
        self.conn = threading.Lock()


@labeling_function()
def remote_lf(x):
    if x.i == 1234:
        raise ServiceError("backend refused row")
    return x.i % 2


@pytest.mark.parametrize("how", ["apply", "apply_to_shards"])
def test_dask_unpicklable_lf_exception_is_an_lf_apply_error(cluster_client, tmp_path, how):
    """It came back as a bare builtins.Exception('LFApplyError(...)'), missed by `except LFApplyError`."""
    applier = LFApplier([remote_lf], engine="dask", n_jobs=4, cardinality=2, progress=False)
    with pytest.raises(LFApplyError, match=r"LF 'remote_lf' raised ServiceError on row 'r1234' \(position 1234\): "
                                           r"backend refused row") as err:
        applier.apply(_frame(4000)) if how == "apply" else applier.apply_to_shards(_frame(4000), tmp_path / "v")
    assert (err.value.lf_name, err.value.row_index, err.value.position) == ("remote_lf", "r1234", 1234)
    assert repr(err.value.original) == "RuntimeError('ServiceError: backend refused row')"
    assert err.value.__cause__ is err.value.original


@pytest.mark.parametrize("how", ["apply", "apply_to_shards"])
def test_dask_cluster_calls_no_lf_on_an_empty_partition(cluster_client, tmp_path, how):
    """A batched LF refusing 0 rows failed with IndexError('index 0 is out of bounds') and no LF name."""
    filtered, kept = _filtered()
    applier = LFApplier([refuses_empty], cardinality=2, progress=False)
    V = applier.apply(filtered) if how == "apply" else applier.apply_to_shards(filtered, tmp_path / "v")
    V = V if how == "apply" else V.to_vote_matrix()
    assert V == LFApplier([refuses_empty], cardinality=2, progress=False).apply(kept)


@pytest.mark.parametrize("how", ["apply", "apply_to_shards"])
def test_dask_cluster_reports_the_first_failed_partition(cluster_client, tmp_path, how):
    """Dask reported the partition that failed first in time (partition 2), not the first in the data."""
    applier = LFApplier([partition_0_late], engine="dask", n_jobs=4, cardinality=2, progress=False)
    with pytest.raises(LFApplyError, match=r"row 'r50' \(position 50\): partition 0") as err:
        applier.apply(_frame(400)) if how == "apply" else applier.apply_to_shards(_frame(400), tmp_path / "v")
    assert err.value.lf_name == "partition_0_late" and err.value.position == 50


def test_dask_cluster_error_positions_count_from_the_whole_data(cluster_client):
    @labeling_function(batched=True)
    def model(d):
        if d.i.iloc[0] == 200:
            raise RuntimeError("model down")
        return np.zeros(len(d), int)

    data = _dask_frame(_frame(400), 4)
    with pytest.raises(LFApplyError, match=r"LF 'fails' raised ValueError on row 'r333' \(position 333\)"):
        LFApplier([ok, _failing_at("fails", 333)], cardinality=2, progress=False).apply(data)
    with pytest.raises(LFApplyError, match=r"on the chunk of rows 'r200'..'r299' \(positions 200..299\)") as err:
        LFApplier([model], cardinality=2, progress=False).apply(data)
    assert err.value.position == 200 and err.value.row_index == "r200"


@pytest.mark.parametrize("how", ["apply", "apply_to_shards"])
def test_dask_cluster_reads_each_partition_once(cluster_client, tmp_path, how):
    """Each input partition was computed twice: once for its length, once for the LFs."""
    runs = tmp_path / "runs"
    runs.mkdir()

    def expensive(p):
        (runs / f"{os.getpid()}-{time.time_ns()}").touch()
        return p.assign(j=p.i * 2)

    ddf = _dask_frame(_frame(800), 8)
    ddf = ddf.map_partitions(expensive, meta=ddf._meta.assign(j=ddf._meta.i))
    applier = LFApplier([ok], cardinality=2, progress=False)
    V = applier.apply(ddf) if how == "apply" else applier.apply_to_shards(ddf, tmp_path / "v")
    assert V.report.n_rows == 800 and V.shape == (800, 1)
    assert len(list(runs.iterdir())) == 8


@pytest.mark.slow
def test_dask_apply_names_the_partition_whose_workers_keep_dying(cluster_client):
    """Plain apply raised distributed's KilledWorker, naming only a task key."""
    @labeling_function(batched=True)
    def killer(frame):
        if frame.index[0] == "r200":
            os.kill(os.getpid(), signal.SIGKILL)
        return np.full(len(frame), -1)

    try:
        with pytest.raises(LFApplyError, match=r"applying LFs \['killer'\] to partition 2 \(rows 200\.\.299\): the "
                                               r"Dask workers running it died") as err:
            LFApplier([killer], engine="dask", n_jobs=4, cardinality=2, progress=False).apply(_frame(400))
        assert isinstance(err.value, RuntimeError) and err.value.position == 200
        assert type(err.value.__cause__).__name__ == "KilledWorker"
    finally:
        cluster_client.wait_for_workers(2, timeout=60)  # the nannies restart the killed workers


# --------------------------------------------------------------------------------- benchmarks/scale.py
def test_scale_report_names_the_command_run_and_skips_the_memory_table():
    """The "Command:" line added --write-docs and dropped other flags; --skip-memory printed an empty table."""
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks import scale
    finally:
        sys.path.remove(str(REPO))
    a = argparse.Namespace(sizes=[20_000], partition_rows=5_000, epochs=5, max_wall_s=600.0, skip_memory=True,
                           argv=["--sizes", "20000", "--skip-memory", "--max-wall-s", "600"], niceness=0, plan={},
                           load0=(1.0, 1.0, 1.0), load1=(1.0, 1.0, 1.0))
    text = scale.report([], [], a)
    assert "Command: `python benchmarks/scale.py --sizes 20000 --skip-memory --max-wall-s 600` (rows: 20,000;" in text
    assert "--write-docs" not in text and "flock" not in text
    assert "| library |" not in text and "**In memory, one process**: not run (`--skip-memory`)." in text
