"""A PromptedLF's response cache where the cache location cannot be written.

A PromptedLF with the default cache could not even be built when the cache root was a file, a read-only
$HOME / XDG_CACHE_HOME, or an existing cache file sat on a read-only mount ("cannot create the folder of the
response cache ..."), although docs/prompted_labelers.md promises one RuntimeWarning and the replies.  Now:
the default cache that cannot be opened or created warns once (path and cause) and keeps the replies in
memory; an existing file that cannot be written is opened read-only, so its stored replies are still served;
a path given explicitly that cannot be created stays an error (the user asked for that file).
"""

from __future__ import annotations

import math
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest

import weaksup
from weaksup import apply_lfs
from weaksup.labelers import Backend, LabelMap, PromptedLF, PromptTemplate, ResponseCache
from weaksup.labelers import cache as cache_mod

ROOT = str(Path(weaksup.__file__).resolve().parent.parent)
DF = pd.DataFrame({"text": ["free stuff", "nice song"]})


class KB(Backend):
    kind, model = "keyword", "kw"

    def _score_batch(self, prompts, choices):
        return [{"logprobs": [math.log(0.9 if (c == "yes") == ("free" in p) else 0.1) for c in choices]}
                for p in prompts]


def _lf(**kw) -> PromptedLF:
    return PromptedLF("llm_spam", PromptTemplate("Spam? {text} yes or no", ["yes", "no"]),
                      LabelMap({"yes": "SPAM", "no": "HAM"}, label_names=["HAM", "SPAM"]), KB(), calibrate=False,
                      **kw)


@pytest.fixture
def fresh_warnings(monkeypatch):
    # one warning per path per process: forget those of other tests
    monkeypatch.setattr(cache_mod, "_FALLBACK_WARNED", set(), raising=False)
    monkeypatch.setattr(cache_mod, "_READ_ONLY_WARNED", set(), raising=False)


def test_default_cache_under_a_file_falls_back_to_memory_with_one_warning(tmp_path, monkeypatch, fresh_warnings):
    root = tmp_path / "not_a_folder"
    root.write_text("")
    monkeypatch.setenv("WEAKSUP_CACHE", str(root))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lf = _lf()
        votes = apply_lfs([lf], DF, progress=False).to_dense().ravel().tolist()
        lf2 = _lf()  # a second LF on the same default: no second warning
        votes2 = apply_lfs([lf2], DF, progress=False).to_dense().ravel().tolist()
    assert votes == votes2 == [1, 0]
    msgs = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(msgs) == 1, msgs
    wanted = str(root / "labelers" / "responses.sqlite")
    assert wanted in msgs[0] and "Not a directory" in msgs[0] and "in memory" in msgs[0]
    assert "WEAKSUP_CACHE" in msgs[0] and "cache=None" in msgs[0]
    assert caught[0].filename == __file__  # points at the user's line
    assert lf.cache.memory and lf.cache.fallback_from == wanted
    lf.cache.put_many([("k", {"a": 1})])
    assert lf.cache.get_many(["k"]) == {"k": {"a": 1}}  # the memory cache works as one
    # it travels to another process (Dask, spawn) as an empty memory cache, not as an error
    back = pickle.loads(pickle.dumps(lf.cache))
    assert back.memory and back.fallback_from == wanted and back.get_many(["k"]) == {}
    with pytest.raises(TypeError, match="cannot be pickled"):  # a plain ':memory:' still refuses
        pickle.dumps(ResponseCache(":memory:"))


def test_explicit_path_that_cannot_be_created_is_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError, match=r"cannot create the folder of the response cache .*file.*Not a directory"):
        ResponseCache(blocker / "labelers" / "responses.sqlite")
    with pytest.raises(OSError, match=r"cannot open the response cache .*file.r\.sqlite"):
        _lf(cache=str(blocker / "r.sqlite"))


def _filled(path: Path) -> None:
    c = ResponseCache(path)
    lf = _lf(cache=c)
    apply_lfs([lf], DF, progress=False)
    assert lf.stats.calls > 0
    c.close()


def test_existing_file_that_cannot_be_written_opens_read_only(tmp_path, monkeypatch, fresh_warnings):
    """Simulated: sqlite opens the file read-only, as it does for a file it cannot write (tests run as root,
    where chmod changes nothing); the real read-only mount is the next test."""
    path = tmp_path / "r.sqlite"
    _filled(path)
    # in rollback-journal mode, so that switching it to WAL is a write a read-only connection refuses
    sqlite3.connect(path).execute("PRAGMA journal_mode=DELETE").fetchall()
    real_connect = sqlite3.connect

    def connect(database, *args, **kw):
        if kw.get("uri"):
            return real_connect(database, *args, **kw)
        return real_connect(Path(database).as_uri() + "?mode=ro", *args, uri=True, **kw)

    monkeypatch.setattr(cache_mod.sqlite3, "connect", connect)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lf = _lf(cache=str(path))
        votes = apply_lfs([lf], DF, progress=False).to_dense().ravel().tolist()
        lf.cache.put_many([("new", {"a": 1})])  # no second warning for the writes
    assert votes == [1, 0] and lf.stats.calls == 0 and lf.cache.hits == 2  # served from the file
    assert lf.cache.read_only
    msgs = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(msgs) == 1 and str(path) in msgs[0] and "opened it read-only" in msgs[0], msgs
    assert "WEAKSUP_CACHE" in msgs[0]


_ON_MOUNT = """
    import math, os, warnings
    warnings.simplefilter("always")
    import pandas as pd
    from weaksup import apply_lfs
    from weaksup.labelers import Backend, PromptTemplate, LabelMap, PromptedLF
    class KB(Backend):
        kind, model = "keyword", "kw"
        def _score_batch(self, prompts, choices):
            return [{"logprobs": [math.log(0.9 if (c == "yes") == ("free" in p) else 0.1) for c in choices]}
                    for p in prompts]
    lf = PromptedLF("llm_spam", PromptTemplate("Spam? {text} yes or no", ["yes", "no"]),
                    LabelMap({"yes": "SPAM", "no": "HAM"}, label_names=["HAM", "SPAM"]), KB(), calibrate=False)
    votes = apply_lfs([lf], pd.DataFrame({"text": ["free stuff", "nice song"]}), progress=False)
    print("votes", votes.to_dense().ravel().tolist(), "calls", lf.stats.calls, "read_only", lf.cache.read_only)
"""


def test_default_cache_file_on_a_read_only_mount_serves_its_replies(tmp_path):
    """A real read-only bind mount, in a mount namespace of its own (skipped where unshare/mount are not allowed)."""
    if shutil.which("unshare") is None or sys.platform != "linux":
        pytest.skip("needs util-linux unshare (Linux)")
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount --bind -o ro {tmp_path} {tmp_path}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"read-only bind mounts are not allowed here: {probe.stderr.decode()[:200]}")
    root = tmp_path / "root"
    _filled(root / "labelers" / "responses.sqlite")  # the default path under WEAKSUP_CACHE=root
    script = tmp_path / "s.py"
    script.write_text(textwrap.dedent(_ON_MOUNT))
    env = {**os.environ, "WEAKSUP_CACHE": str(root),
           "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(["unshare", "-rm", "sh", "-c",
                          f"mount --bind -o ro {root} {root} && exec {sys.executable} {script}"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "votes [1, 0] calls 0 read_only True" in out.stdout
    assert out.stderr.count("RuntimeWarning") == 1 and "read-only file system" in out.stderr, out.stderr
    assert not (root / "labelers" / "responses.sqlite-wal").exists()


# A read-only cache whose file sqlite cannot read live (``mode=ro`` needs to create the WAL's -shm file beside it:
# a folder this user may not write, a read-only mount of a folder written through another path) used to keep an
# ``immutable=1`` connection open.  That connection takes no locks and ignores the WAL, so once the owner rewrote
# the file it read torn pages ("malformed"), took the owner's file for damaged, tried to rename it to
# .corrupt-<time> and answered every look-up as a miss.  Now the file is copied into memory once and the copy
# serves; a read-only cache never moves the file.

def _seed(path: Path, n: int = 3000) -> list[str]:
    """An owner's WAL cache of ``n`` replies ``{"v": i}`` (several MB, so a rewrite moves many pages); the keys."""
    keys = [ResponseCache.key({"b": "d"}, "score", f"p{i}", {}) for i in range(n)]
    owner = ResponseCache(path)
    owner.put_many([(k, {"v": i, "pad": "x" * 1000}) for i, k in enumerate(keys)])
    owner.close()
    return keys


def _rewrite(path: Path) -> None:
    """The owner empties its cache and stores other replies, checkpointed into the main file."""
    owner = ResponseCache(path)
    owner.clear()
    owner.put_many([(ResponseCache.key({"b": "d"}, "score", f"q{i}", {}), {"v": -i, "pad": "z" * 3000})
                    for i in range(1500)])
    owner._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    owner.close()


class _NoWal(sqlite3.Connection):
    """A connection to a file this user may not write: switching it to WAL fails, as sqlite's does there."""

    def execute(self, sql, *args):  # type: ignore[override]
        if sql.strip().upper().startswith("PRAGMA JOURNAL_MODE=WAL"):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return super().execute(sql, *args)


def test_reader_without_shm_serves_a_copy_and_never_moves_the_owners_file(tmp_path, monkeypatch, fresh_warnings):
    """Simulated (runs everywhere): ``mode=ro`` fails as it does where the -shm file cannot be created."""
    path = tmp_path / "r.sqlite"
    keys = _seed(path)
    inode = os.stat(path).st_ino
    real_connect = sqlite3.connect

    def connect(database, *args, **kw):
        if str(database) == str(path):  # the reader's own open: cannot switch to WAL
            return real_connect(database, *args, factory=_NoWal, **kw)
        if kw.get("uri") and str(database).endswith("?mode=ro"):  # cannot create the -shm file
            raise sqlite3.OperationalError("unable to open database file")
        return real_connect(database, *args, **kw)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with monkeypatch.context() as m:
            m.setattr(cache_mod.sqlite3, "connect", connect)
            reader = ResponseCache(path)
            assert len(reader.get_many(keys[:50])) == 50
        _rewrite(path)  # the owner goes on writing its file
        got = reader.get_many(keys)
    msgs = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert os.stat(path).st_ino == inode and not list(tmp_path.glob("*.corrupt-*"))  # the owner's file, untouched
    assert len(got) == len(keys) and all(got[k]["v"] == i for i, k in enumerate(keys)), msgs  # the replies it had
    assert len(msgs) == 1 and str(path) in msgs[0] and "copied it into memory" in msgs[0], msgs
    assert reader.read_only and reader.snapshot
    reader.put_many([("new", {"a": 1})])  # kept in memory for this process, not in the owner's file
    assert reader.get_many(["new"]) == {"new": {"a": 1}}
    assert ResponseCache(path).get_many(["new"]) == {}
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # as a live read-only connection would
        reader.clear()
    # sent to another process, it reads the file again there (here: live, as nothing fails any more)
    back = pickle.loads(pickle.dumps(reader))
    assert back.read_only and not back.snapshot and len(back.get_many(keys)) == 0


_READER = """
    import sys, warnings
    warnings.simplefilter("always")
    from weaksup.labelers import ResponseCache
    keys = [ResponseCache.key({"b": "d"}, "score", f"p{i}", {}) for i in range(3000)]
    r = ResponseCache(sys.argv[1])
    print("before", len(r.get_many(keys[:50])), r.read_only, flush=True)
    sys.stdin.readline()  # the owner rewrites its file meanwhile
    got = r.get_many(keys)
    print("after", len(got), sum(1 for i, k in enumerate(keys) if k in got and got[k]["v"] != i), flush=True)
"""


def test_user_who_may_not_write_a_shared_cache_keeps_its_replies(tmp_path):
    """A real reader that may read but not write a shared cache on a normal file system: in a user namespace
    (``unshare -U``) root's process has no rights over files of an unmapped user beyond their 'other' bits."""
    if shutil.which("unshare") is None or sys.platform != "linux":
        pytest.skip("needs util-linux unshare (Linux)")
    if os.geteuid() != 0:
        pytest.skip("needs root, to give the shared folder to another user")
    probe = subprocess.run(["unshare", "-U", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces are not allowed here: {probe.stderr.decode()[:200]}")
    shared = tmp_path / "shared"
    shared.mkdir()
    path = shared / "responses.sqlite"
    _seed(path)
    for p in (shared, path):
        os.chown(p, 1234, 1234)
    os.chmod(tmp_path, 0o755)
    script = tmp_path / "reader.py"
    script.write_text(textwrap.dedent(_READER))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    reader = subprocess.Popen(["unshare", "-U", sys.executable, str(script), str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = reader.stdout.readline()
        assert first.split() == ["before", "50", "True"], (first, reader.stderr.read() if reader.poll() else "")
        _rewrite(path)  # the owner (root here) goes on writing
        out, err = reader.communicate("go\n", timeout=300)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert out.split() == ["after", "3000", "0"], (out, err)
    assert err.count("RuntimeWarning") == 1 and "permission denied" in err, err  # the one at open, no damage
    assert sorted(os.listdir(shared)) == ["responses.sqlite"]  # nothing renamed or created beside it


def test_read_error_in_a_live_read_only_cache_never_moves_the_file(tmp_path, monkeypatch, fresh_warnings):
    """Simulated: a live ``mode=ro`` connection that finds the owner's file unreadable ("malformed") says the
    file was changed by another process and goes on in memory; it does not set the file aside (not its own)."""
    path = tmp_path / "r.sqlite"
    keys = _seed(path, n=10)
    broken = {"now": False}

    class Torn(sqlite3.Connection):
        def execute(self, sql, *args):  # type: ignore[override]
            if broken["now"] and "WHERE key IN" in sql:
                raise sqlite3.DatabaseError("database disk image is malformed")
            return super().execute(sql, *args)

    real_connect = sqlite3.connect

    def connect(database, *args, **kw):
        if str(database) == str(path):
            return real_connect(database, *args, factory=_NoWal, **kw)
        if kw.get("uri") and str(database).endswith("?mode=ro"):
            return real_connect(database, *args, factory=Torn, **kw)
        return real_connect(database, *args, **kw)

    monkeypatch.setattr(cache_mod.sqlite3, "connect", connect)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = ResponseCache(path)
        assert reader.read_only and len(reader.get_many(keys)) == 10  # a live read-only connection
        inode = os.stat(path).st_ino
        broken["now"] = True
        assert reader.get_many(keys) == {} and reader.get_many(keys) == {}
        assert os.stat(path).st_ino == inode and not list(tmp_path.glob("*.corrupt-*"))  # not moved aside
        reader.put_many([("new", {"a": 1})])
        assert reader.get_many(["new"]) == {"new": {"a": 1}}  # in memory from now on
    msgs = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(msgs) == 2 and "opened it read-only" in msgs[0], msgs  # one at open, one for the change
    assert "changed by another process" in msgs[1] and str(path) in msgs[1] and "left it as it is" in msgs[1]
