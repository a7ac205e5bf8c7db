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
