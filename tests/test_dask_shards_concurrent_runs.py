"""Two ``apply_to_shards`` runs into one directory at once (the same cell run in two kernels after an edit of
the LF) never leave a directory that reads as complete with shards of both runs.

A second kernel is a real subprocess; a run on another machine (where this machine's lock is not seen) is
played by replacing one ``part-*.key`` before the manifest is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from test_dask import client  # noqa: E402,F401  (the module's LocalCluster fixture)

from weaksup import LabelingFunction  # noqa: E402
from weaksup.apply.engines.dask import apply_to_shards  # noqa: E402
from weaksup.dask_votes import MANIFEST, DaskVotes  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parent.parent

OTHER_KERNEL = """
import sys, time, pathlib
import numpy as np, pandas as pd, dask.dataframe as dd
from distributed import Client, LocalCluster
from weaksup import LabelingFunction
from weaksup.apply.engines.dask import apply_to_shards
out, started = sys.argv[1], pathlib.Path(sys.argv[2])
def big(x):
    if x.i % 100 == 0:  # once per partition: the run lasts a while
        started.touch()
        time.sleep(1.0)
    return int(x.n > 2)
df = pd.DataFrame({"n": np.arange(400) % 10, "i": np.arange(400)})
with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cl, Client(cl):
    apply_to_shards([LabelingFunction("big", big)], dd.from_pandas(df, npartitions=4, sort=False), out,
                    cardinality=2, progress=False)
print("finished")
"""


def _big(th):
    return LabelingFunction("big", lambda x: int(x.n > th))


def _frame():
    return pd.DataFrame({"n": np.arange(400) % 10})


def test_second_shard_run_into_a_folder_being_written_is_refused(client, tmp_path):
    out, started = tmp_path / "votes", tmp_path / "started"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    other = subprocess.Popen([sys.executable, "-c", textwrap.dedent(OTHER_KERNEL), str(out), str(started)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        while not started.exists():
            assert other.poll() is None, other.communicate()
            time.sleep(0.05)
        for overwrite in (False, True):
            with pytest.raises(BlockingIOError, match=f"{out}.*another apply_to_shards run"):
                apply_to_shards([_big(6)], dd.from_pandas(_frame(), npartitions=4, sort=False), out, cardinality=2,
                                progress=False, overwrite=overwrite)
        stdout, stderr = other.communicate(timeout=120)
    finally:
        other.kill()
    assert other.returncode == 0 and "finished" in stdout, stderr
    got = DaskVotes.from_shards(out).to_vote_matrix().to_dense().ravel()
    assert np.array_equal(got, (_frame().n > 2).astype(int).to_numpy())  # the first run's votes, whole
    # once it has finished, the folder is free again
    V = apply_to_shards([_big(6)], dd.from_pandas(_frame(), npartitions=4, sort=False), out, cardinality=2,
                        progress=False, overwrite=True)
    assert np.array_equal(V.to_vote_matrix().to_dense().ravel(), (_frame().n > 6).astype(int).to_numpy())


def test_shard_replaced_by_an_unlocked_run_is_not_marked_complete(client, tmp_path, monkeypatch):
    """A run on another machine (the lock is per machine) replaced a shard and its key: no manifest."""
    import weaksup.apply.kernel as kernel

    out = tmp_path / "votes"
    warn_faults = kernel.warn_faults

    def other_run_meanwhile(*args, **kwargs):  # runs on the client just before the manifest would be written
        key = out / "part-00001.key"
        body = json.loads(key.read_text())
        key.write_text(json.dumps({**body, "run": "0" * 32}))
        return warn_faults(*args, **kwargs)

    monkeypatch.setattr(kernel, "warn_faults", other_run_meanwhile)
    with pytest.raises(RuntimeError, match=r"part-00001.key was written by another apply_to_shards run.*overwrite"):
        apply_to_shards([_big(2)], dd.from_pandas(_frame(), npartitions=4, sort=False), out, cardinality=2,
                        progress=False)
    assert MANIFEST not in os.listdir(out)
