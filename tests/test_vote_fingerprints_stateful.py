"""LF fingerprints on votes (``VoteMatrix.lf_fingerprints``) of LFs whose state moves as they run, the switch that
turns them off, and the places that said too much or too little about two versions of one LF.

An LF never edited but holding state it changes as it runs (a call counter, a memo dict) got a new fingerprint
on every apply (the fingerprint covers that state and was taken before the run), so ``vstack`` of chunk-wise
applies, streaming ``partial_fit`` and ``predict`` refused or warned as if it had been edited.  Now such an LF
records no fingerprint (its versions cannot be told apart), on that apply and on every later one.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from weaksup import LabelingFunction, LFApplier, VoteMatrix, apply_lfs, labeling_function
from weaksup.labelmodel import DawidSkene, MajorityVote, MatrixCompletion
from weaksup.labelmodel.auto import AutoLabelModel

from support.keyword_versions import text_frame

pytestmark = pytest.mark.timeout(300)


class _Counter:
    """A call counter an LF holds (monitoring): its code is never edited, its count moves on every call."""

    def __init__(self) -> None:
        self.calls = 0


def _count_free(x: Any, stats: _Counter) -> int:
    stats.calls += 1
    return 1 if "free" in x.text else -1


_MEMO: dict[str, int] = {}


def _memo_free(x: Any) -> int:
    # memoizes a lookup in a module dict (a common pattern): the dict grows as the LF runs
    if x.text not in _MEMO:
        _MEMO[x.text] = 1 if "free" in x.text else -1
    return _MEMO[x.text]


def _win(x: Any) -> int:
    return 0 if "win" in x.text else -1


def _bye(x: Any) -> int:
    return 0 if "bye" in x.text or "see" in x.text else -1


def _win_edited(x: Any) -> int:
    return 0 if "win" in x.text or "bye" in x.text else -1


def _stateful(kind: str) -> LabelingFunction:
    if kind == "counter":
        return LabelingFunction("kw_free", _count_free, resources={"stats": _Counter()})
    _MEMO.clear()
    return LabelingFunction("kw_free", _memo_free)


def _applier(lfs: list[Any], engine: str, cache: bool, **kw: Any) -> LFApplier:
    more: dict[str, Any] = {"n_jobs": 2, "chunk_size": 10} if engine == "process" else {}
    return LFApplier(lfs, engine=engine, cache=cache, progress=False, cardinality=2, **more, **kw)


def _version_warnings(f: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f()
    return [str(w.message) for w in caught if "another version" in str(w.message)]


@pytest.mark.parametrize("cache", [False, True])
@pytest.mark.parametrize("engine", ["serial", "process"])
@pytest.mark.parametrize("kind", ["counter", "memo"])
def test_unchanged_stateful_lf_is_not_taken_for_an_edited_one(kind: str, engine: str, cache: bool) -> None:
    lfs = [_stateful(kind), LabelingFunction("kw_win", _win), LabelingFunction("kw_bye", _bye)]
    ap = _applier(lfs, engine, cache)
    chunks = [ap.apply(text_frame(40 * i)) for i in range(3)]  # the same LFs, applied to the rows chunk by chunk
    V = VoteMatrix.vstack(chunks)  # refused as two versions of kw_free before
    assert V.shape == (120, 3)
    # the stateless LF keeps its fingerprint, the same on every chunk
    assert chunks[0].lf_fingerprints[1] is not None
    assert {c.lf_fingerprints[1] for c in chunks} == {chunks[0].lf_fingerprints[1]}
    # a model fitted on the first chunk predicts on the others without a word
    mv = MajorityVote().fit(chunks[0])
    assert _version_warnings(lambda: mv.predict(chunks[2])) == []
    # streaming: each chunk applied as it comes, then partial_fit (refused on chunk 2 before)
    stream_ap = _applier([_stateful(kind), LabelingFunction("kw_win", _win), LabelingFunction("kw_bye", _bye)],
                         engine, cache)
    model = MatrixCompletion()
    for i in range(3):
        model.partial_fit(stream_ap.apply(text_frame(40 * i)))
    assert model.lf_names_ == ["kw_free", "kw_win", "kw_bye"]


def test_stateful_lf_records_none_also_when_served_from_the_cache() -> None:
    lf = _stateful("counter")
    ap = _applier([lf, LabelingFunction("kw_win", _win)], "serial", True)
    first = ap.apply(text_frame(0))  # runs: the counter moves, so no fingerprint
    again = ap.apply(text_frame(0))  # served from the cache (keyed on the state the run left)
    assert list(again.report.table["cached"]) == [True, True]
    assert first.lf_fingerprints[0] is None and again.lf_fingerprints[0] is None
    assert first.lf_fingerprints[1] == again.lf_fingerprints[1] is not None
    VoteMatrix.vstack([first, again, ap.apply(text_frame(3))])


def test_stateful_lf_votes_are_unchanged() -> None:
    """Only the record changes: the votes are those of the LF run with fingerprints off (as before)."""
    on = _applier([_stateful("counter"), LabelingFunction("kw_win", _win)], "serial", False).apply(text_frame(0))
    off = _applier([_stateful("counter"), LabelingFunction("kw_win", _win)], "serial", False,
                   lf_fingerprints=False).apply(text_frame(0))
    assert np.array_equal(on.to_dense(), off.to_dense()) and on.to_dense().dtype == off.to_dense().dtype


@pytest.mark.parametrize("cache", [False, True])
def test_edited_stateless_lf_beside_a_stateful_one_is_still_refused(cache: bool) -> None:
    stateful = _stateful("counter")
    old = _applier([stateful, LabelingFunction("kw_win", _win)], "serial", cache).apply(text_frame(0))
    new = _applier([stateful, LabelingFunction("kw_win", _win_edited)], "serial", cache).apply(text_frame(3))
    with pytest.raises(ValueError, match="another version|different versions") as err:
        VoteMatrix.vstack([old, new])
    assert "'kw_win'" in str(err.value) and "'kw_free'" not in str(err.value)  # only the edited LF is named
    warned = _version_warnings(lambda: MajorityVote().fit(old).predict(new))
    assert len(warned) == 1 and "'kw_win'" in warned[0] and "'kw_free'" not in warned[0]


def test_lf_fingerprints_switch_off_skips_the_fingerprints(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = LabelingFunction.fingerprint

    def counted(self: LabelingFunction) -> str:
        calls.append(self.name)
        return real(self)

    lfs = [LabelingFunction("kw_free", lambda x: 1 if "free" in x.text else -1), LabelingFunction("kw_win", _win)]
    on = apply_lfs(lfs, text_frame(0), progress=False, cardinality=2)
    monkeypatch.setattr(LabelingFunction, "fingerprint", counted)
    off = apply_lfs(lfs, text_frame(0), progress=False, cardinality=2, lf_fingerprints=False)
    assert calls == []  # with cache=False nothing else reads them: no LF hashed
    assert off.lf_fingerprints == (None, None) and all(on.lf_fingerprints)
    assert np.array_equal(on.to_dense(), off.to_dense())
    off2 = LFApplier(lfs, progress=False, cache=False, lf_fingerprints=False).apply(text_frame(0))
    assert calls == [] and off2.lf_fingerprints == (None, None)
    # the snorkel-style appliers return arrays (no fingerprints): they hash no LF either
    from weaksup.apply.compat import PandasLFApplier

    L = PandasLFApplier(lfs).apply(text_frame(0), progress_bar=False)
    assert calls == [] and np.array_equal(L, on.to_dense())


def test_with_column_carries_the_fingerprint_of_a_one_column_vote_matrix() -> None:
    lfs = [LabelingFunction("kw_free", lambda x: 1 if "free" in x.text else -1), LabelingFunction("kw_win", _win)]
    train = _applier(lfs, "serial", False).apply(text_frame(0))
    test = _applier(lfs, "serial", False).apply(text_frame(3))
    one = _applier([LabelingFunction("kw_win", _win_edited)], "serial", False).apply(text_frame(3))
    replaced = test.with_column("kw_win", one)
    assert replaced.lf_fingerprints == (test.lf_fingerprints[0], one.lf_fingerprints[0])
    with pytest.raises(ValueError, match="kw_win"):
        VoteMatrix.vstack([train, replaced])
    assert len(_version_warnings(lambda: MajorityVote().fit(train).predict(replaced))) == 1
    # appended, and from an array (no fingerprint known): as before
    assert test.select_lfs(["kw_free"]).with_column("kw_win", one).lf_fingerprints == replaced.lf_fingerprints
    assert test.with_column("kw_win", one.to_dense()[:, 0]).lf_fingerprints == (test.lf_fingerprints[0], None)


def _spam_lfs(words: list[str]) -> list[Any]:
    @labeling_function(name="kw_spam")
    def kw_spam(x: Any) -> int:
        return 1 if any(w in x.text for w in words) else -1

    @labeling_function()
    def kw_ham(x: Any) -> int:
        return 0 if "see" in x.text or "bye" in x.text else -1

    @labeling_function()
    def kw_hi(x: Any) -> int:
        return 0 if "hello" in x.text else -1

    @labeling_function()
    def kw_cash(x: Any) -> int:
        return 1 if "cash" in x.text else -1

    @labeling_function()
    def kw_song(x: Any) -> int:
        return 0 if "song" in x.text else -1

    return [kw_spam, kw_ham, kw_hi, kw_cash, kw_song]


def _spam_data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    words = ["free", "money", "win", "see", "bye", "hello", "song", "cash"]
    texts = [" ".join(rng.choice(words, 3)) for _ in range(300)]
    return pd.DataFrame({"text": texts}), np.array([1 if ("free" in t or "cash" in t) else 0 for t in texts])


@pytest.mark.parametrize("model", [AutoLabelModel, DawidSkene])
def test_fit_with_valid_votes_of_another_lf_version_warns_once(model: type) -> None:
    df, y = _spam_data()
    ap = lambda lfs, rows: LFApplier(lfs, progress=False, cache=False, cardinality=2).apply(rows)  # noqa: E731
    train = ap(_spam_lfs(["free"]), df[:200])
    valid_other = ap(_spam_lfs(["free", "money"]), df[200:])
    valid_same = ap(_spam_lfs(["free"]), df[200:])
    # AutoLabelModel said it once per candidate, each time asking to refit the model, from inside the fit
    warned = _version_warnings(lambda: model().fit(train, valid=(valid_other, y[200:]), seed=0))
    assert len(warned) == 1, warned
    assert f"{model.__name__}: the valid votes of LF(s) 'kw_spam'" in warned[0] and "Refit" not in warned[0]
    assert _version_warnings(lambda: model().fit(train, valid=(valid_same, y[200:]), seed=0)) == []


def test_flow_score_warns_once() -> None:
    from weaksup.flows import LabelLearningFlow

    old = _applier([LabelingFunction("kw_free", lambda x: 1 if "free" in x.text else -1),
                    LabelingFunction("kw_win", _win)], "serial", False).apply(text_frame(0))
    new = _applier([LabelingFunction("kw_free", lambda x: 1 if "money" in x.text else -1),
                    LabelingFunction("kw_win", _win)], "serial", False).apply(text_frame(3))
    X = np.random.default_rng(0).normal(size=(40, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flow = LabelLearningFlow().fit(old, X, seed=0)
    assert len(_version_warnings(lambda: flow.score(new, X, np.arange(40) % 2))) == 1


def _memo_of_first_words() -> Any:
    seen: dict[str, int] = {}

    def lf_memo(x: Any, seen: dict[str, int] = seen) -> int:  # its state moves only on rows with a new first word
        word = x.text.split()[0]
        if word not in seen:
            seen[word] = len(word) % 2
        return seen[word]

    return lf_memo


#: the memo grows on chunks 0 and 2 only: on chunks 1 and 3 the LF's state does not move as it runs
_CHUNKS = [pd.DataFrame({"text": t}) for t in (["a x", "bb y"], ["a z", "bb q"], ["ccc x", "a y"], ["bb x", "ccc y"])]


@pytest.mark.parametrize("kind", ["function", "snorkel"])
def test_a_users_lf_wrapped_afresh_on_each_apply_keeps_its_moving_mark(kind):
    # apply_lfs wraps a plain function (LabelingFunction) or a snorkel LF (ForeignLF) anew on every call, and the mark
    # sat on the wrapper only: the chunks where the memo did not grow recorded the state it had reached, each another
    # fingerprint, so vstack refused an LF nobody edited (review R4)
    if kind == "function":
        lf = _memo_of_first_words()
    else:
        snorkel_labeling = pytest.importorskip("snorkel.labeling")
        seen: dict[str, int] = {}

        @snorkel_labeling.labeling_function(resources={"seen": seen})
        def lf_memo(x: Any, seen: dict[str, int]) -> int:
            word = x.text.split()[0]
            if word not in seen:
                seen[word] = len(word) % 2
            return seen[word]

        lf = lf_memo
    votes = [apply_lfs([lf], chunk, progress=False) for chunk in _CHUNKS]
    assert [v.lf_fingerprints for v in votes] == [(None,)] * 4
    assert VoteMatrix.vstack(votes).n == 8
