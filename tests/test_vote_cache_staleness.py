"""The vote cache never serves the votes of an LF, or of data, that changed since they were computed.

One case per staleness path found by probing the cache: module-level builtin values (numbers, strings,
containers, edited in place or rebound, read by the LF, by a helper next to it or by a snorkel LF), a config
class's attributes, a module-level bound method, a name read only inside a doubly nested comprehension, the
code that runs versus the file on disk (no reload; a disk cache read by a restarted process), two lambdas on
one line, and data that prints alike (long arrays, floats, ``1`` vs ``"1"``, lists vs their text, bool vs
int).  Everything goes through the public path: :class:`LFApplier` re-apply, and a disk :class:`VoteCache`
read by a fresh process (run with another ``PYTHONHASHSEED``).  Each case also checks that the unchanged
LF *is* served from the cache, so none passes by re-running everything.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, LabelingFunction, VoteCache, apply_lfs, labeling_function
from weaksup.apply import fingerprint_data

pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parent.parent
THIS = sys.modules[__name__]


@pytest.fixture
def frame() -> pd.DataFrame:
    texts = ["free money", "win big now", "see you", "free win", "win win win", "hello there"]
    return pd.DataFrame({"text": texts, "n": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]})


def _votes(V: Any) -> list[int]:
    return V.to_dense().ravel().tolist()


def _assert_edit_reruns(lf: Any, frame: pd.DataFrame, edit: Callable[[], None]) -> None:
    """Unchanged, the LF is served from the cache; after ``edit`` it is re-run and its votes are fresh."""
    applier = LFApplier([lf], progress=False)
    before = _votes(applier.apply(frame))
    again = applier.apply(frame)
    assert again.report.recomputed == [] and _votes(again) == before, "the unchanged LF must be a cache hit"
    edit()
    fresh = _votes(LFApplier([lf], progress=False, cache=False).apply(frame))
    assert fresh != before, "the edit must change the votes (test sanity)"
    V = applier.apply(frame)
    assert V.report.recomputed == [V.report.table.index[0]], "a stale column was served from the cache"
    assert _votes(V) == fresh


# ------------------------------------------------------------------ module-level state the LFs read
SPAM_WORDS = {"free"}
MIN_HITS = 1
KEYWORDS = ["free"]
RULES = {"spam": {"words": ["free"]}}
PREFIX = "free"
CUT = 1.0
STRICT = True
PAIR = ("free", 1)
HELPER_WORDS = ["free"]
NESTED_PREFIX = "free"
SNORKEL_WORDS = ["free"]
CONTAINS_WORDS = {"free"}
WORD_LABELS = {"free": 1}
DEEP: list[Any] = []
BIG = list(range(50))
_MISSING = object()
_LOG = logging.getLogger(__name__)
CALLS = [0]


class Cfg:
    word = "free"
    limits = {"min": 1}


class KeywordModel:
    def __init__(self, word: str) -> None:
        self.word = word

    def predict(self, text: str) -> int:
        return 1 if self.word in text else 0


model = KeywordModel("free")
predict = model.predict
is_spam_word = CONTAINS_WORDS.__contains__  # a method-wrapper bound to the set
lookup = WORD_LABELS.get  # a builtin method bound to the dict


def _has_helper_word(text: str) -> bool:
    return any(w in text for w in HELPER_WORDS)


@labeling_function()
def lf_set_and_int(x):
    return 1 if len(set(x.text.split()) & SPAM_WORDS) >= MIN_HITS else 0


@labeling_function()
def lf_list(x):
    return 1 if any(k in x.text for k in KEYWORDS) else 0


@labeling_function()
def lf_nested_dict(x):
    return 1 if any(w in x.text for w in RULES["spam"]["words"]) else 0


@labeling_function()
def lf_str(x):
    return 1 if x.text.startswith(PREFIX) else 0


@labeling_function()
def lf_float(x):
    return 1 if x.n > CUT else 0


@labeling_function()
def lf_bool(x):
    return 1 if ("free" in x.text) == STRICT else 0


@labeling_function()
def lf_tuple(x):
    return PAIR[1] if PAIR[0] in x.text else 0


@labeling_function()
def lf_helper(x):
    return 1 if _has_helper_word(x.text) else 0


@labeling_function()
def lf_doubly_nested(x):
    return 1 if any(any(t.startswith(NESTED_PREFIX) for _ in (0,)) for t in [x.text]) else 0


@labeling_function()
def lf_class_attr(x):
    return 1 if Cfg.word in x.text and len(x.text.split()) >= Cfg.limits["min"] else 0


@labeling_function()
def lf_bound_method(x):
    return predict(x.text)


@labeling_function()
def lf_method_wrapper(x):
    return 1 if any(is_spam_word(w) for w in x.text.split()) else 0


@labeling_function()
def lf_builtin_method(x):
    return max(lookup(w, 0) for w in x.text.split())


@labeling_function()
def lf_deep(x):
    return 1 if DEEP and "free" in x.text else 0


@labeling_function()
def lf_big(x):
    return 1 if len(BIG) > 50 and "free" in x.text else 0


@labeling_function()
def lf_sentinel_logger_counter(x):
    CALLS[0] += 1  # state the LF changes as it runs: the column is keyed on the state the run left
    if x.get("missing", _MISSING) is _MISSING:
        _LOG.debug("row without 'missing'")
    return 1 if "free" in x.text else 0


def _setter(name: str, value: Any) -> Callable[[pytest.MonkeyPatch], Callable[[], None]]:
    return lambda mp: (lambda: mp.setattr(THIS, name, value))


def _in_place(name: str, mutate: Callable[[Any], None]) -> Callable[[pytest.MonkeyPatch], Callable[[], None]]:
    """Edit a module-level value in place (a private copy of it, so monkeypatch restores the original)."""
    def prepare(mp: pytest.MonkeyPatch) -> Callable[[], None]:
        mp.setattr(THIS, name, copy.deepcopy(getattr(THIS, name)))
        return lambda: mutate(getattr(THIS, name))

    return prepare


def _rebind_bound_method(mp: pytest.MonkeyPatch) -> Callable[[], None]:
    m = KeywordModel("free")
    mp.setattr(THIS, "model", m)
    mp.setattr(THIS, "predict", m.predict)
    return lambda: setattr(m, "word", "win")


def _container_method(name: str, container: str, method: str, mutate: Callable[[Any], None]):
    def prepare(mp: pytest.MonkeyPatch) -> Callable[[], None]:
        c = copy.deepcopy(getattr(THIS, container))
        mp.setattr(THIS, container, c)
        mp.setattr(THIS, name, getattr(c, method))
        return lambda: mutate(c)

    return prepare


GLOBAL_EDITS = {
    "int rebound": (lf_set_and_int, _setter("MIN_HITS", 2)),
    "set rebound": (lf_set_and_int, _setter("SPAM_WORDS", {"win"})),
    "set edited in place": (lf_set_and_int, _in_place("SPAM_WORDS", lambda s: s.add("win"))),
    "list edited in place": (lf_list, _in_place("KEYWORDS", lambda v: v.append("win"))),
    "nested dict edited in place": (lf_nested_dict, _in_place("RULES", lambda r: r["spam"]["words"].append("see"))),
    "str rebound": (lf_str, _setter("PREFIX", "win")),
    "float rebound": (lf_float, _setter("CUT", 3.0)),
    "bool rebound": (lf_bool, _setter("STRICT", False)),
    "tuple rebound": (lf_tuple, _setter("PAIR", ("win", 1))),
    "global read by a same-module helper": (lf_helper, _in_place("HELPER_WORDS", lambda v: v.append("see"))),
    "global read in a doubly nested comprehension": (lf_doubly_nested, _setter("NESTED_PREFIX", "win")),
    "config class attribute": (lf_class_attr, lambda mp: (lambda: mp.setattr(Cfg, "word", "win"))),
    "config class attribute edited in place": (
        lf_class_attr, lambda mp: (mp.setattr(Cfg, "limits", {"min": 1}), lambda: Cfg.limits.update(min=3))[1]),
    "bound method's object state": (lf_bound_method, _rebind_bound_method),
    "set.__contains__ bound to a global set": (
        lf_method_wrapper, _container_method("is_spam_word", "CONTAINS_WORDS", "__contains__", lambda s: s.add("win"))),
    "dict.get bound to a global dict": (
        lf_builtin_method, _container_method("lookup", "WORD_LABELS", "get", lambda d: d.update(see=1))),
}


@pytest.mark.parametrize("case", list(GLOBAL_EDITS))
def test_editing_module_level_state_reruns_the_lf(frame, monkeypatch, case):
    lf, prepare = GLOBAL_EDITS[case]
    edit = prepare(monkeypatch)
    _assert_edit_reruns(lf, frame, edit)


def test_snorkel_lf_reading_a_module_level_list(frame, monkeypatch):
    from snorkel.labeling import labeling_function as snorkel_lf

    @snorkel_lf()
    def lf_snorkel_words(x):
        return 1 if any(w in x.text for w in SNORKEL_WORDS) else 0

    monkeypatch.setattr(THIS, "SNORKEL_WORDS", ["free"])
    _assert_edit_reruns(lf_snorkel_words, frame, lambda: SNORKEL_WORDS.append("see"))


def test_state_too_deep_or_too_large_to_hash_makes_the_lf_volatile(frame, monkeypatch):
    """What the fingerprint cannot hash is never ignored: the LF is re-run on every apply."""
    from weaksup.lf import fingerprint as fpmod

    deep: list[Any] = ["leaf"]
    for _ in range(60):
        deep = [deep]
    monkeypatch.setattr(THIS, "DEEP", deep)
    applier = LFApplier([lf_deep], progress=False)
    applier.apply(frame)
    assert applier.apply(frame).report.recomputed == ["lf_deep"]

    monkeypatch.setattr(fpmod, "_MAX_ITEMS", 10)  # a container past the size budget
    applier = LFApplier([lf_big], progress=False)
    applier.apply(frame)
    assert applier.apply(frame).report.recomputed == ["lf_big"]


def test_sentinels_loggers_and_run_state_keep_the_lf_cached(frame, monkeypatch):
    """An ``object()`` sentinel, a logger and a call counter the LF updates do not defeat the cache."""
    monkeypatch.setattr(THIS, "CALLS", [0])
    applier = LFApplier([lf_sentinel_logger_counter], progress=False)
    V1 = applier.apply(frame)
    V2 = applier.apply(frame)
    assert V2.report.recomputed == [] and V2 == V1 and CALLS[0] == len(frame)


def test_two_lambdas_on_one_line_do_not_share_a_column(frame):
    applier = LFApplier([], progress=False)
    fs = (lambda x: int("free" in x.text)), (lambda x: int("win" in x.text))  # one line: one getsource text
    lfs = [LabelingFunction("lf_kw", f) for f in fs]
    V1 = applier.apply(frame, lfs=[lfs[0]])
    V2 = applier.apply(frame, lfs=[lfs[1]])
    assert V2.report.recomputed == ["lf_kw"]
    assert _votes(V2) == [0, 1, 0, 1, 1, 0] != _votes(V1)
    assert applier.apply(frame, lfs=[lfs[0]]) == V1


# ------------------------------------------------------------------ the code that runs, not the file on disk
_V1 = ("from weaksup import labeling_function\n\n"
       "@labeling_function()\ndef lf_kw(x):\n    return 1 if 'free' in x.text else 0\n")
_V2 = _V1.replace("'free'", "'win big'")


def test_module_edited_on_disk_without_reload_then_reloaded(frame, tmp_path, monkeypatch):
    """Votes of the old code (file edited, module not reloaded) are not served to the reloaded LF."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    (tmp_path / "stale_lfs_mod.py").write_text(_V1)
    mod = importlib.import_module("stale_lfs_mod")
    try:
        applier = LFApplier([mod.lf_kw], progress=False)
        (tmp_path / "stale_lfs_mod.py").write_text(_V2)  # edited in the editor; the kernel still runs _V1
        assert _votes(applier.apply(frame)) == [1, 0, 0, 1, 0, 0]
        importlib.reload(mod)
        V = applier.apply(frame, lfs=[mod.lf_kw])
        assert V.report.recomputed == ["lf_kw"] and _votes(V) == [0, 1, 0, 0, 0, 0]
    finally:
        sys.modules.pop("stale_lfs_mod", None)


_MODEL_V1 = textwrap.dedent("""
    from weaksup import labeling_function


    class Model:
        def __init__(self, word):
            self.word = word

        def predict(self, text):
            return 1 if self.word in text else 0


    model = Model("free")


    @labeling_function()
    def lf_model(x):
        return model.predict(x.text)
""")


def test_editing_a_model_class_next_to_the_lf_reruns_it(frame, tmp_path, monkeypatch):
    """The notebook flow: edit a method of the model class, re-run the class and the instance; the instance's
    state is the same, its class's code is not."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    (tmp_path / "stale_model_mod.py").write_text(_MODEL_V1)
    mod = importlib.import_module("stale_model_mod")
    try:
        applier = LFApplier([mod.lf_model], progress=False)
        assert _votes(applier.apply(frame)) == [1, 0, 0, 1, 0, 0]
        assert applier.apply(frame).report.recomputed == []
        (tmp_path / "stale_model_mod.py").write_text(_MODEL_V1.replace("self.word in text", "text.endswith('now')"))
        importlib.reload(mod)
        V = applier.apply(frame, lfs=[mod.lf_model])
        assert V.report.recomputed == ["lf_model"] and _votes(V) == [0, 1, 0, 0, 0, 0]
    finally:
        sys.modules.pop("stale_model_mod", None)


# One "kernel": imports lfs_mod from the folder, optionally rewrites the file after the import (the user edits
# the file and does not restart), applies with the disk cache and prints the votes and what was recomputed.
_KERNEL = textwrap.dedent("""
    import json, sys
    import numpy as np, pandas as pd
    folder, rewrite = sys.argv[1], sys.argv[2]
    sys.path.insert(0, folder)
    from weaksup import LFApplier, VoteCache
    import lfs_mod
    if rewrite != "-":
        open(folder + "/lfs_mod.py", "w").write(open(rewrite).read())
    df = pd.DataFrame({"text": ["free money", "win big now", "see you"],
                       "tags": [["a", "b"], ["x", "y", "z"], ("c", 1)],
                       "emb": [np.arange(3.0), np.zeros(2), np.ones(4)]})
    V = LFApplier(lfs_mod.LFS, cache=VoteCache(folder + "/cache"), progress=False).apply(df)
    print(json.dumps({"votes": V.to_dense().T.tolist(), "recomputed": V.report.recomputed}))
""")

_MODULE = textwrap.dedent("""
    from weaksup import labeling_function

    WORDS = {WORDS}
    RULES = {{"spam": ["now", "money"], "ham": ["see", "you"]}}


    class Cfg:
        sep = " "


    def _tokens(text):
        return [t for t in text.split(Cfg.sep) if t]


    @labeling_function()
    def lf_words(x):
        return 1 if set(_tokens(x.text)) & WORDS else 0


    @labeling_function()
    def lf_code(x):
        return 1 if {CODE} in x.text else 0


    @labeling_function()
    def lf_stable(x):
        toks = _tokens(x.text)
        return 1 if any(w in toks for w in RULES["spam"]) and x.text[:1] in {{"f", "w", "s"}} else 0


    LFS = [lf_words, lf_code, lf_stable]
""")


def _kernel(folder: Path, seed: int, rewrite: Path | None = None) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", _KERNEL, str(folder), str(rewrite) if rewrite else "-"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_disk_cache_across_processes_sees_module_level_edits_and_only_them(tmp_path):
    """A restarted process is served exactly the columns whose LF (code, module-level values) is unchanged,
    whatever its hash seed."""
    mod = tmp_path / "lfs_mod.py"
    mod.write_text(_MODULE.format(WORDS='{"free"}', CODE='"free"'))
    first = _kernel(tmp_path, seed=1)
    assert first == {"votes": [[1, 0, 0], [1, 0, 0], [1, 1, 0]], "recomputed": ["lf_words", "lf_code", "lf_stable"]}
    # a restart with nothing changed: everything from the disk cache (fingerprints do not depend on the seed)
    assert _kernel(tmp_path, seed=2) == {**first, "recomputed": []}
    # the user edits a module-level set in the file and restarts: that LF (and only it) re-runs
    mod.write_text(_MODULE.format(WORDS='{"win"}', CODE='"free"'))
    assert _kernel(tmp_path, seed=3) == {"votes": [[0, 1, 0], [1, 0, 0], [1, 1, 0]], "recomputed": ["lf_words"]}


def test_disk_cache_never_serves_the_old_codes_votes_to_the_new_code(tmp_path):
    """The file is edited while the old module is loaded: the old code's votes, computed then, are not served
    to the new code after a restart (the fingerprint is of the code that runs, not only of the file)."""
    mod = tmp_path / "lfs_mod.py"
    mod.write_text(_MODULE.format(WORDS='{"free"}', CODE='"free"'))
    edited = tmp_path / "edited.txt"
    edited.write_text(_MODULE.format(WORDS='{"free"}', CODE='"see"'))
    stale = _kernel(tmp_path, seed=1, rewrite=edited)  # imports the old module, then the file is rewritten
    assert stale["votes"][1] == [1, 0, 0]  # the old code ran
    assert _kernel(tmp_path, seed=2) == {"votes": [[1, 0, 0], [0, 0, 1], [1, 1, 0]], "recomputed": ["lf_code"]}


# ------------------------------------------------------------------ the data fingerprint
_rng = np.random.default_rng(0)
_EMB = [_rng.normal(size=2000) for _ in range(3)]
_EMB_EDITED = [np.where(np.arange(2000) == 1000, 50.0, v) for v in _EMB]  # differs in the elided middle

LOOK_ALIKE_DATA = {
    "long embedding arrays": ({"emb": _EMB}, {"emb": _EMB_EDITED}),
    "floats past 8 printed digits": ({"emb": [np.array([0.5, 0.1])]}, {"emb": [np.array([0.5 + 1e-12, 0.1])]}),
    "python floats past 8 digits": ({"x": pd.Series([0.5 + 1e-12, "a"], dtype=object)},
                                    {"x": pd.Series([0.5, "a"], dtype=object)}),
    "1 vs '1'": ({"x": pd.Series([1, "a"], dtype=object)}, {"x": pd.Series(["1", "a"], dtype=object)}),
    "None vs 'None'": ({"x": pd.Series([None, "a"], dtype=object)}, {"x": pd.Series(["None", "a"], dtype=object)}),
    "bytes vs str": ({"x": pd.Series([b"a", "a"], dtype=object)}, {"x": pd.Series(["a", "a"], dtype=object)}),
    "tuple vs its text": ({"x": pd.Series([("a", 1), "b"], dtype=object)},
                          {"x": pd.Series(["('a', 1)", "b"], dtype=object)}),
    "token list vs its text": ({"tokens": [["free", "money"]]}, {"tokens": ["['free', 'money']"]}),
    "bool vs int column": ({"f": [True, False]}, {"f": [1, 0]}),
    "int vs float zeros": ({"f": np.zeros(3, np.int64)}, {"f": np.zeros(3, np.float64)}),
    "column label 1 vs '1'": ({1: ["a"]}, {"1": ["a"]}),
}


@pytest.mark.parametrize("case", list(LOOK_ALIKE_DATA))
def test_data_that_prints_alike_is_not_served_the_other_datas_votes(case):
    a, b = (pd.DataFrame(d) for d in LOOK_ALIKE_DATA[case])
    assert fingerprint_data(a) != fingerprint_data(b)
    assert fingerprint_data(a) == fingerprint_data(a.copy(deep=True))

    @labeling_function()
    def lf_repr(x):  # votes on the exact content of the row (type and every value)
        return len(repr(dict(x))) % 2

    cache = VoteCache()
    apply_lfs([lf_repr], a, cache=cache, progress=False)
    assert apply_lfs([lf_repr], a.copy(deep=True), cache=cache, progress=False).report.recomputed == []
    assert apply_lfs([lf_repr], b, cache=cache, progress=False).report.recomputed == ["lf_repr"]


def test_unpaired_surrogate_in_an_object_text_column_does_not_crash(frame):
    texts = json.loads('["nice song \\ud83d", "check out my channel", "free"]')  # a broken emoji from JSON
    df = pd.DataFrame({"text": texts}, dtype=object)

    @labeling_function()
    def lf_check(x):
        return 1 if "check" in x.text else 0

    applier = LFApplier([lf_check], progress=False)
    assert _votes(applier.apply(df)) == [0, 1, 0]
    assert applier.apply(df).report.recomputed == []
    texts[0] = "nice song \udc00"
    other = pd.DataFrame({"text": texts}, dtype=object)
    assert fingerprint_data(other) != fingerprint_data(df)
    assert applier.apply(other).report.recomputed == ["lf_check"]


_DATA_KERNEL = textwrap.dedent("""
    import numpy as np, pandas as pd
    from weaksup.apply import fingerprint_data
    df = pd.DataFrame({"text": pd.Series(["a \\ud83d", "b", None], dtype=object),
                       "tags": [{"x", "y", "z"}, frozenset({"u", "v"}), {"w"}],
                       "meta": [{"b": 1, "a": [2.5, None]}, {}, {"c": (1, "1")}],
                       "emb": [np.arange(3.0), np.zeros(2, np.float32), np.array(["p", "q"], dtype=object)],
                       "mixed": pd.Series([1, "1", 1.0], dtype=object),
                       "n": [1.5, np.nan, -0.0]}, index=["r0", "r1", "r2"])
    print(fingerprint_data(df))
""")


def test_data_fingerprint_is_the_same_in_every_process():
    """Cells whose text form depends on the hash seed (sets) and surrogates give one fingerprint everywhere."""
    fps = set()
    for seed in (1, 2, 3):
        env = {**os.environ, "PYTHONHASHSEED": str(seed), "OMP_NUM_THREADS": "1"}
        proc = subprocess.run([sys.executable, "-c", _DATA_KERNEL], capture_output=True, text=True, env=env,
                              cwd=REPO, timeout=240)
        assert proc.returncode == 0, proc.stderr[-3000:]
        fps.add(proc.stdout.strip())
    assert len(fps) == 1


def test_data_whose_cells_cannot_be_read_is_never_served_from_the_cache(tmp_path):
    """A cell holding an object with unreadable (C-level) state: the data cannot be proven unchanged."""
    import random

    df = pd.DataFrame({"rng": [random.Random(i) for i in range(3)]})

    @labeling_function()
    def lf_draw(x):
        return int(x.rng.random() > 0.5)

    cache = VoteCache(tmp_path / "votes")
    apply_lfs([lf_draw], df, cache=cache, progress=False)
    assert apply_lfs([lf_draw], df, cache=cache, progress=False).report.recomputed == ["lf_draw"]
    assert len(cache) == 0 and not list((tmp_path / "votes").glob("*.npz"))


def test_cache_that_cannot_be_written_keeps_the_computed_votes(tmp_path, monkeypatch):
    """A disk VoteCache that could not be written (disk full, quota, read-only) failed the whole apply after
    every LF had run; the votes are now returned and a warning names the file."""
    import weaksup.apply.cache as cache_mod
    from weaksup import keyword_lf

    def full(path, *args, **kwargs):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(cache_mod, "save_npz", full)
    df = pd.DataFrame({"text": ["win", "hello"]})
    with pytest.warns(RuntimeWarning, match=r"could not write .*\.npz .*No space left on device"):
        votes = LFApplier([keyword_lf("win", 1, name="kw")], cache=VoteCache(tmp_path), progress=False).apply(df)
    assert votes.to_dense().ravel().tolist() == [1, -1]


def test_threads_sharing_a_disk_cache_write_their_own_temp_files(tmp_path):
    """save_npz named its temp file by pid only: threads writing one column shared it, and one thread's
    os.replace took the other's file away (a bare FileNotFoundError after the votes were computed)."""
    import threading

    from weaksup._persist import load_npz, save_npz

    errors: list[str] = []
    path = tmp_path / "col.npz"
    start = threading.Barrier(4)

    def work():
        start.wait()
        for _ in range(40):
            try:
                save_npz(path, "weaksup.Test", {"faults": 0}, {"votes": np.arange(20000)})
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert load_npz(path, "weaksup.Test")[1]["votes"].tolist() == list(range(20000))
    assert [p.name for p in tmp_path.iterdir()] == ["col.npz"]  # no temp file left behind


@pytest.mark.parametrize("bad", [7, -5])
def test_cache_file_with_votes_out_of_range_is_a_damaged_miss(tmp_path, bad):
    """VoteCache.get checked a file's shape and dtype but not that it held votes: a column of 7s was served
    (the VoteMatrix got 8 classes) and one of -5s ended in an error blaming the LF, which never ran."""
    from weaksup import keyword_lf
    from weaksup._persist import save_npz

    df = pd.DataFrame({"text": ["win", "hello"] * 5})
    lfs = [keyword_lf("win", 1, name="kw_win")]
    LFApplier(lfs, cache=VoteCache(tmp_path), progress=False).apply(df)
    path = next(tmp_path.glob("*.npz"))
    meta = {"faults": 0, "votes_range": [-1, 1]}
    save_npz(path, "weaksup.VoteCacheColumn", meta, {"votes": np.full(len(df), bad, dtype=np.int64)})
    with pytest.warns(RuntimeWarning, match=rf"{path.name} is damaged .*holds votes {bad}\.\.{bad}"):
        v = LFApplier(lfs, cache=VoteCache(tmp_path), progress=False).apply(df)
    assert v.to_dense().ravel().tolist() == [1, -1] * 5 and v.cardinality == 2
    assert v.report.table["cached"].tolist() == [False]
    # the column was rewritten: the next apply is served from the file again
    again = LFApplier(lfs, cache=VoteCache(tmp_path), progress=False).apply(df)
    assert again.report.table["cached"].tolist() == [True]
    # with cardinality=, votes past it are refused too, whatever the file records
    save_npz(path, "weaksup.VoteCacheColumn", {"faults": 0, "votes_range": [3, 3]},
             {"votes": np.full(len(df), 3, dtype=np.int64)})
    assert VoteCache(tmp_path).get(path.stem, len(df), 4) is not None
    with pytest.warns(RuntimeWarning, match="outside -1..1"):
        assert VoteCache(tmp_path).get(path.stem, len(df), 2) is None
