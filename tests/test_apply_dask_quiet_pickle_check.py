"""The Dask engine checks quietly whether an LF's error pickles.

An LF exception that does not pickle (it holds a lock, a connection) is made portable on the worker
(:func:`~weaksup.apply.engines.base.portable_error`).  The check went through
``distributed.protocol.pickle.dumps``, which logs ``Failed to serialize ...`` at ERROR with a ~40-line
traceback before raising; that log named the row by its position in the partition ("position 0" for a row
at 15000).  The final ``LFApplyError`` was right, and must stay so.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from weaksup.apply.engines.base import portable_error
from weaksup.apply.engines.dask import _quiet_pickle_log, _roundtrip
from weaksup.apply.errors import LFApplyError

pytest.importorskip("distributed")

REPO = Path(__file__).resolve().parent.parent


class HoldsLock(Exception):
    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.lock = threading.Lock()


def test_unpicklable_lf_error_is_made_portable_without_an_error_log(caplog: pytest.LogCaptureFixture) -> None:
    err = LFApplyError("LF 'lk' raised HoldsLock on row 'r5' (position 0): locked out", "lk", "r5", 0,
                       HoldsLock("locked out"))
    with caplog.at_level(logging.DEBUG, logger="distributed"):
        out = portable_error(err, _roundtrip)
    assert [r.getMessage()[:60] for r in caplog.records] == []
    assert (out.lf_name, out.row_index, out.position) == ("lk", "r5", 0)
    assert repr(out.original) == "RuntimeError('HoldsLock: locked out')"


def test_other_threads_pickle_errors_are_still_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Only the thread checking its own LF error is silenced: another task's real serialisation failure,
    logged meanwhile, still shows."""
    logger = logging.getLogger("distributed.protocol.pickle")
    with caplog.at_level(logging.DEBUG, logger="distributed"), _quiet_pickle_log():
        logger.error("dropped: this thread")
        other = threading.Thread(target=logger.error, args=("kept: another thread",))
        other.start()
        other.join()
    assert [r.getMessage() for r in caplog.records] == ["kept: another thread"]
    assert not logger.filters  # removed again


def test_cluster_worker_logs_nothing_and_the_error_names_the_global_row(tmp_path: Path) -> None:
    """End to end on a real multi-process LocalCluster: the worker's stderr carried the ERROR log."""
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent("""
        import threading
        import pandas as pd
        import dask.dataframe as dd
        from distributed import Client, LocalCluster
        from weaksup import LFApplier
        from weaksup.lf import labeling_function

        class HoldsLock(Exception):
            def __init__(self, msg):
                super().__init__(msg)
                self.lock = threading.Lock()

        @labeling_function()
        def lk(x):
            if x.text == "t30":
                raise HoldsLock("locked out")
            return 0

        if __name__ == "__main__":
            df = pd.DataFrame({"text": [f"t{i}" for i in range(40)]}, index=[f"r{i}" for i in range(40)])
            with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \\
                    Client(cl):
                try:
                    LFApplier([lk], cardinality=2, progress=False).apply(dd.from_pandas(df, npartitions=2, sort=False))
                except Exception as e:
                    print("FINAL", type(e).__name__, e)
    """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180, env=env,
                          cwd=tmp_path)
    assert "FINAL LFApplyError LF 'lk' raised HoldsLock on row 'r30' (position 30): locked out" in proc.stdout, \
        proc.stdout + proc.stderr
    assert "Failed to serialize" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
