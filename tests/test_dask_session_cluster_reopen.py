"""The session LocalCluster of ``get_client()`` is shut down before another one starts in its place.

When the user closed the client ``get_client()`` had returned (as they would their own), the next call started
a new LocalCluster but left the old one's worker processes running and registered one more exit hook: over four
get-then-close cycles the process went from 3 to 9 child processes (threads 10 -> 31, fds 39 -> 129).  Run in
a fresh process (no other test's client is the default there) with a one-worker cluster to stay small.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_closing_the_session_client_does_not_leave_clusters_behind(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import atexit, functools, logging, time, warnings
        import psutil, distributed
        warnings.filterwarnings("ignore")
        logging.getLogger("distributed").setLevel(logging.ERROR)
        distributed.LocalCluster = functools.partial(distributed.LocalCluster, n_workers=1, threads_per_worker=1)
        hooks = []
        register = atexit.register
        atexit.register = lambda f, *a, **k: (hooks.append(f.__name__), register(f, *a, **k))[1]
        from weaksup.dask_votes import get_client

        def children():
            return sum(1 for c in psutil.Process().children(recursive=True)
                       if c.is_running() and c.status() != psutil.STATUS_ZOMBIE)

        if __name__ == "__main__":
            counts = []
            for _ in range(4):
                client = get_client()
                assert client.status == "running", client.status
                counts.append(children())
                client.close()
                time.sleep(0.5)
            print(counts, hooks.count("_close_default"))
    """)
    script = tmp_path / "run.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    counts, hooks = done.stdout.strip().splitlines()[-1].rsplit(" ", 1)
    counts = ast.literal_eval(counts)
    assert counts == [counts[0]] * 4, f"child processes per get_client() cycle: {counts}"
    assert int(hooks) == 1, f"{hooks} exit hooks registered for 4 session clusters"
