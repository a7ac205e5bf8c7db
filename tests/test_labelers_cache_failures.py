"""The response cache only saves model calls, so a failing disk never costs the model's replies.

A full or read-only disk (simulated with RLIMIT_FSIZE in a child process, which binds root too), a file
damaged mid-way, a cache folder deleted while open, and ``clear()`` that must give the space back.  Every
test points the cache root at a tmp folder.
"""

from __future__ import annotations

import math
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from weaksup.labelers import Backend, ResponseCache

ROOT = Path(__file__).resolve().parents[1]


class CountingBackend(Backend):
    """A stand-in model: yes (p = 0.9) when the prompt says "free", else no; counts the prompts it is asked."""

    kind, model = "keyword", "free-means-yes"
    batch_size = 8

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def _score_batch(self, prompts, choices):
        self.asked += len(prompts)
        p_yes = [0.9 if "free" in p.lower() else 0.2 for p in prompts]
        return [{"logprobs": [math.log(p if c == "yes" else 1 - p) for c in choices]} for p in p_yes]


@pytest.fixture(autouse=True)
def _own_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("WEAKSUP_CACHE", str(tmp_path / "ws-cache"))


def _cache_warnings(caught, path):
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning) and str(path) in str(w.message)]


def test_full_disk_returns_the_replies_with_one_warning_naming_the_file(tmp_path):
    # Before: put_many let sqlite3.OperationalError ("disk I/O error") out of score(): the replies were lost.
    path = tmp_path / "labelers" / "responses.sqlite"
    code = textwrap.dedent(f"""
        import math, os, resource, signal, sys, warnings
        sys.path.insert(0, {str(ROOT)!r})
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_labelers_cache_failures import CountingBackend
        from weaksup.labelers import ResponseCache
        cache = ResponseCache({str(path)!r})
        b = CountingBackend()
        b.score(["Spam? kept before the disk filled"], ["yes", "no"], cache=cache)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
        size = max(os.path.getsize(p) for p in [{str(path)!r}, {str(path)!r} + "-wal"] if os.path.exists(p))
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        prompts = [f"Spam? free gift number {{i}} " + "x" * 2000 for i in range(50)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = b.score(prompts, ["yes", "no"], cache=cache)
            old = b.score(["Spam? kept before the disk filled"], ["yes", "no"], cache=cache)
        print("shape", out.shape, "asked", b.asked, "finite", bool((out == out).all()))
        print("old-reply-from-cache", b.asked == 51 and abs(old[0, 0] - math.log(0.2)) < 1e-12)
        for w in caught:
            print("WARNING", w.category.__name__, w.message)
    """)
    env = dict(os.environ, WEAKSUP_CACHE=str(tmp_path / "ws-cache"))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "shape (50, 2) asked 51 finite True" in res.stdout, res.stdout + res.stderr[-2000:]
    assert "old-reply-from-cache True" in res.stdout
    warned = [line for line in res.stdout.splitlines() if line.startswith("WARNING")]
    assert len(warned) == 1, warned  # one warning for the 7 batches that could not be stored
    assert str(path) in warned[0] and "cannot be written" in warned[0] and "disk I/O error" in warned[0]


def test_damage_found_mid_file_sets_it_aside_and_keeps_the_new_replies(tmp_path):
    # Before: get_many warned, then put_many raised "database disk image is malformed": the replies were lost.
    path = tmp_path / "responses.sqlite"
    c = ResponseCache(path)
    c.put_many([(ResponseCache.key({"kind": "x"}, "score", f"old {i}", {}), {"logprobs": [0.0, -1.0], "pad": "z" * 300})
                for i in range(3000)])
    c.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    raw = bytearray(path.read_bytes())
    for off in range(8192, len(raw), 4096):  # a few bytes damaged in every page after the second
        raw[off + 100: off + 140] = b"\xff" * 40
    path.write_bytes(bytes(raw))
    b = CountingBackend()
    prompts = [f"Spam? free {i}" for i in range(40)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = b.score(prompts, ["yes", "no"], cache=ResponseCache(path))
    assert out.shape == (40, 2) and b.asked == 40
    msgs = _cache_warnings(caught, path)
    assert msgs and all("is damaged" in m and ".corrupt-" in m for m in msgs), msgs
    assert list(tmp_path.glob("responses.sqlite.corrupt-*")), "the damaged file is kept for inspection"
    again = CountingBackend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fresh file is sound
        assert (again.score(prompts, ["yes", "no"], cache=ResponseCache(path)) == out).all()
    assert again.asked == 0, "the replies paid for after the damage are in the fresh file"


def test_cache_folder_deleted_while_open_is_started_afresh_with_one_warning(tmp_path):
    # Before: the open connection committed into the unlinked file; the next session asked all again.
    folder = tmp_path / "ws-cache" / "labelers"
    cache = ResponseCache(folder / "responses.sqlite")
    b = CountingBackend()
    b.score(["Spam? a"], ["yes", "no"], cache=cache)
    shutil.rmtree(folder.parent)  # `rm -rf ~/.cache/weaksup` from a terminal
    prompts = [f"Spam? free {i}" for i in range(20)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b.score(prompts[:10], ["yes", "no"], cache=cache)
        b.score(prompts[10:], ["yes", "no"], cache=cache)
    msgs = _cache_warnings(caught, cache.path)
    assert len(msgs) == 1 and "deleted while open" in msgs[0], msgs
    assert os.path.exists(cache.path) and len(cache) == 20
    nxt = CountingBackend()
    nxt.score(prompts, ["yes", "no"], cache=ResponseCache(cache.path))  # the next session
    assert nxt.asked == 0


def test_clear_gives_the_disk_space_back(tmp_path):
    # Before: DELETE without VACUUM left a 45 MiB file at 39 MiB after clearing 10,000 rows.
    path = tmp_path / "responses.sqlite"
    c = ResponseCache(path)
    for b in range(4):
        c.put_many([(ResponseCache.key({"kind": "x"}, "generate", f"p{b}-{i}", {}), {"text": "y" * 2000})
                    for i in range(500)])

    def on_disk() -> int:
        return sum(p.stat().st_size for p in tmp_path.glob("responses.sqlite*"))

    assert on_disk() > 4_000_000
    c.clear()
    assert len(c) == 0
    assert on_disk() < 100_000, on_disk()
    k = ResponseCache.key({"kind": "x"}, "generate", "after", {})
    c.put_many([(k, {"text": "still works"})])
    assert ResponseCache(path).get_many([k])[k] == {"text": "still works"}


def test_relative_path_keeps_its_file_after_a_change_of_directory(tmp_path, monkeypatch):
    # Before: the path stayed relative, so after a notebook's %cd the deleted-file check looked at another path,
    # warned 'deleted while open' and started a second, empty cache there (the replies were paid for again).
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    cache, b = ResponseCache("rc.sqlite"), CountingBackend()
    prompts = ["free prize", "hello"]
    b.score(prompts, ["yes", "no"], cache=cache)
    monkeypatch.chdir(tmp_path / "b")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b.score(prompts, ["yes", "no"], cache=cache)
    assert b.asked == 2 and cache.path == str(tmp_path / "a" / "rc.sqlite")
    assert not (tmp_path / "b" / "rc.sqlite").exists()
