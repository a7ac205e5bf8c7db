"""A disk :class:`VoteCache` folder shared with other processes, or changed under a running kernel.

Real subprocesses: one writes columns while this one clears the folder; one is killed (SIGKILL) in the middle
of a write; the folder is removed (``rm -rf``) while a kernel holds the cache.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaksup import LabelingFunction, LFApplier, VoteCache

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parent.parent


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _temp_files(d: Path) -> list[Path]:
    return sorted(p for p in d.iterdir() if p.name.startswith("."))


def test_clear_while_another_process_writes(tmp_path):
    """clear() neither raises on the writer's temporary files (they matched *.npz) nor breaks its writes."""
    writer = _python("""
        import sys, warnings, numpy as np
        from weaksup.apply import VoteCache
        c = VoteCache(sys.argv[1])
        col = np.zeros(200_000, dtype=np.int64)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for i in range(150):
                c.put(f"{i:040x}", col, 0)
        print(len(w), *[str(x.message)[:200] for x in w[:1]])
    """, str(tmp_path))
    cache, cleared = VoteCache(tmp_path), 0
    while writer.poll() is None:
        cache.clear()
        cleared += 1
    out, err = writer.communicate()
    assert writer.returncode == 0, err
    assert out.split()[0] == "0", f"the writer warned: {out}"
    assert cleared > 10
    cache.clear()
    assert not any(tmp_path.iterdir())


def test_leftovers_of_a_killed_write_are_removed_and_never_count(tmp_path):
    """A write killed between its temporary file and the rename leaves the file behind: it is removed once its
    writer is gone (and it is a minute old) or it is an hour old, and may_hold() ignores it meanwhile."""
    writer = _python("""
        import sys, time, numpy as np
        real = np.savez
        def stuck(file, **arrays):  # the column is on disk under its temporary name: now the process dies
            real(file, **arrays)
            print("written", flush=True)
            time.sleep(600)
        np.savez = stuck
        from weaksup.apply import VoteCache
        VoteCache(sys.argv[1]).put("a" * 40, np.zeros(1000, dtype=np.int64), 0)
    """, str(tmp_path))
    assert writer.stdout.readline().strip() == "written"
    writer.send_signal(signal.SIGKILL)
    writer.communicate()
    [left] = _temp_files(tmp_path)
    assert not VoteCache(tmp_path).may_hold()  # a lookup could not hit: no pass of its own to hash a Dask frame
    assert left.exists()  # just killed: kept for a minute, its pid could still be a live writer elsewhere
    # another process's live write (this pid), and one untouched for over an hour (a pid in use since)
    live = tmp_path / f".{'b' * 40}.npz.{os.getpid()}.1.0123456789ab.tmp.npz"
    old = tmp_path / f".{'c' * 40}.npz.{os.getpid()}.1.0123456789ac.tmp.npz"
    live.write_bytes(b"x")
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 2 * 3600,) * 2)
    os.utime(left, (time.time() - 120,) * 2)
    cache = VoteCache(tmp_path)  # opening sweeps
    assert _temp_files(tmp_path) == [live]
    cache.put("d" * 40, np.zeros(3, dtype=np.int64), 0)
    cache.clear()  # leaves the live write alone
    assert _temp_files(tmp_path) == [live] and not VoteCache(tmp_path).may_hold()


def test_folder_removed_while_the_kernel_runs(tmp_path):
    """rm -rf of the cache folder: the next puts make it again and persist; a write that keeps failing for one
    cause warns once, not once per column."""
    d = tmp_path / "votes"
    df = pd.DataFrame({"n": np.arange(300) % 3})
    applier = LFApplier([LabelingFunction("f", lambda x: int(x.n % 2)), LabelingFunction("g", lambda x: 1)],
                        cardinality=3, progress=False, cache=VoteCache(d))
    applier.apply(df)
    shutil.rmtree(d)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        applier.apply(df.assign(n=df.n + 1))
    assert len(list(d.glob("*.npz"))) == 2
    again = LFApplier(applier.lfs, cardinality=3, progress=False, cache=VoteCache(d))
    again.apply(df.assign(n=df.n + 1))
    assert again.last_report.recomputed == []  # served from the files written after the removal
    shutil.rmtree(d)
    d.write_text("not a folder")  # now every write fails, for the same reason
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for i in range(3):
            applier.apply(df.assign(n=df.n + 2 + i))
    msgs = [str(x.message) for x in w if "could not write" in str(x.message)]
    assert len(msgs) == 1 and str(d) in msgs[0], msgs
