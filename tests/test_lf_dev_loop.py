"""The LF development loop keeps its promise (issue 21, acceptance 2).

Twenty LFs of mixed kinds (row-wise, ``keyword_lf``, ``regex_lf``, ``threshold_lf``, preprocessor-based,
and a prompted LF served over HTTP by the fault-injecting OpenAI-compatible server on 127.0.0.1) are
applied to WRENCH youtube; re-applying them unchanged recomputes nothing; editing one LF of each kind
recomputes exactly that LF; and the votes always equal a fresh apply with no cache.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup import ABSTAIN, LFApplier, keyword_lf, labeling_function, regex_lf, threshold_lf
from weaksup.lf import preprocessor

HAM, SPAM = 0, 1
SPAM_Q = "Is this YouTube comment spam?\nComment: {text}\nAnswer yes or no."


@pytest.fixture(scope="module")
def prompted_server():
    pytest.importorskip("transformers")
    from support.openai_server import ModelServer
    from support.smollm2 import smollm2_backend

    from weaksup.labelers import ResponseCache

    with smollm2_backend(batch_size=16) as backend:
        srv = ModelServer(backend).start()
        srv.response_cache = ResponseCache(":memory:")
        yield srv
        srv.stop()


def _youtube(split: str, rows: int | None = None) -> pd.DataFrame:
    from weaksup.data import load_wrench

    ds = load_wrench("youtube")  # $WEAKSUP_DATA, the cache, or the bundled copy
    df = ds.splits[split].data.iloc[:rows].copy()
    df["n_words"] = df["text"].str.split().str.len()
    df["n_exclaim"] = df["text"].str.count("!")
    return df


@preprocessor()
def lower_text(x):
    x.lower = x.text.lower()
    return x


@preprocessor()
def strip_links(x):
    x.nolink = " ".join(w for w in x.text.split() if "http" not in w)
    return x


def _row_lfs(short: int = 5) -> list:
    @labeling_function()
    def lf_short(x):
        return HAM if len(x.text.split()) < short else ABSTAIN

    @labeling_function()
    def lf_caps(x):
        return SPAM if sum(c.isupper() for c in x.text) > 20 else ABSTAIN

    @labeling_function()
    def lf_views(x):
        t = x.text.lower()
        return HAM if "views" in t and "http" not in t else ABSTAIN

    @labeling_function()
    def lf_digits(x):
        return SPAM if sum(c.isdigit() for c in x.text) > 8 else ABSTAIN

    return [lf_short, lf_caps, lf_views, lf_digits]


def _pre_lfs(word: str = "free") -> list:
    @labeling_function(pre=[lower_text])
    def pre_free(x):
        return SPAM if word in x.lower else ABSTAIN

    @labeling_function(pre=[strip_links])
    def pre_long_nolink(x):
        return HAM if len(x.nolink.split()) > 25 else ABSTAIN

    return [pre_free, pre_long_nolink]


def _prompted(server, question: str = SPAM_Q):
    from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate
    from weaksup.labelers.backends import OpenAIBackend

    backend = OpenAIBackend(server.url, model=server.model_name, timeout=300, backoff=0.05)
    # the model's replies are cached per prompt (server.response_cache, shared by every version of the LF, so
    # the model scores each prompt once); the VOTE cache under test is the applier's
    return PromptedLF("llm_spam", PromptTemplate(question, ["yes", "no"]),
                      LabelMap({"yes": "SPAM", "no": "HAM"}, label_names=["HAM", "SPAM"]), backend,
                      cache=server.response_cache)


def _exclaims(bang: int):
    return labeling_function(name="lf_exclaims")(lambda x: SPAM if x.text.count("!") > bang else ABSTAIN)


def _lfs(server, **edit) -> list:
    lfs = [
        *_row_lfs(edit.get("short", 5)),
        keyword_lf(["subscribe", "subscribers"], SPAM, name="kw_subscribe"),
        keyword_lf(["please", "plz", "pls"], SPAM, name="kw_please"),
        keyword_lf(edit.get("song", ["song", "love"]), HAM, name="kw_song"),
        keyword_lf(["my"], SPAM, name="kw_my"),
        regex_lf(r"https?://", SPAM, name="re_link"),
        regex_lf(edit.get("check", r"check\s+(?:it\s+|this\s+)?out"), SPAM, name="re_check_out"),
        regex_lf(r"\bchannel\b", SPAM, name="re_channel"),
        regex_lf(r"\b(?:beautiful|amazing|awesome)\b", HAM, name="re_praise"),
        threshold_lf("n_exclaim", edit.get("exclaim", 3), SPAM, name="thr_exclaim"),
        threshold_lf("n_words", 4, HAM, op="<=", name="thr_short"),
        threshold_lf("n_words", 40, SPAM, name="thr_long"),
        *_pre_lfs(edit.get("word", "free")),
        _prompted(server, edit.get("question", SPAM_Q)) if server is not None else
        _exclaims(edit.get("bang", 2)),
    ]
    # 4 row-wise + 4 keyword + 4 regex + 3 threshold + 2 preprocessor + 1 prompted = 18; two more row-wise:
    lfs.insert(4, labeling_function(name="lf_question")(lambda x: HAM if x.text.strip().endswith("?") else ABSTAIN))
    lfs.insert(5, labeling_function(name="lf_www")(lambda x: SPAM if "www" in x.text else ABSTAIN))
    assert len(lfs) == 20 and len({lf.name for lf in lfs}) == 20
    return lfs


EDITS = {  # one LF of each kind, edited (its code, a parameter, its prompt), and the LF that must re-run
    "row-wise": ({"short": 4}, "lf_short"),
    "keyword_lf": ({"song": ["song", "love", "music"]}, "kw_song"),
    "regex_lf": ({"check": r"check\s+(?:it\s+|this\s+|me\s+)?out"}, "re_check_out"),
    "threshold_lf": ({"exclaim": 2}, "thr_exclaim"),
    "preprocessor": ({"word": "win"}, "pre_free"),
    "prompted": ({"question": SPAM_Q.replace("YouTube comment", "comment")}, "llm_spam"),
    "row-wise (lambda, closure value)": ({"bang": 3}, "lf_exclaims"),
}


def _loop(df: pd.DataFrame, server) -> None:
    applier = LFApplier(_lfs(server), cardinality=2, progress=False)
    first = applier.apply(df)
    assert sorted(applier.last_report.recomputed) == sorted(lf.name for lf in applier.lfs)
    # unchanged LFs, rebuilt from scratch (new objects, same code and parameters): nothing re-runs
    again = applier.apply(df, _lfs(server))
    assert applier.last_report.recomputed == []
    assert np.array_equal(again.to_dense(), first.to_dense())
    names = {lf.name for lf in applier.lfs}
    for kind, (edit, name) in EDITS.items():
        if name not in names:
            continue
        received = server.received if server is not None else 0
        votes = applier.apply(df, _lfs(server, **edit))
        assert applier.last_report.recomputed == [name], kind
        if server is not None:  # only the prompted LF asked the model
            assert (server.received > received) == (kind == "prompted"), kind
        fresh = LFApplier(_lfs(server, **edit), cardinality=2, cache=False, progress=False).apply(df)
        assert votes.lf_names == fresh.lf_names
        assert np.array_equal(votes.to_dense(), fresh.to_dense()), kind
        # the edit changed something, and going back to the original LF is a cache hit again
        applier.apply(df, _lfs(server))
        assert applier.last_report.recomputed == [], kind


def test_edit_one_lf_only_it_reruns_on_youtube_train():
    """20 LFs (row-wise incl. a lambda, keyword, regex, threshold, preprocessor) on all 1,686 train rows."""
    _loop(_youtube("train"), None)


@pytest.mark.slow
def test_edit_one_lf_only_it_reruns_with_a_prompted_lf(prompted_server):
    """The same loop with a prompted LF served over HTTP (SmolLM2 behind tests/support/openai_server.py).

    On 8 youtube rows: a 135M model on 2 busy shared CPU cores scores a prompt in 0.1-20 s; the prompted LF
    scores each row once per prompt version (16 prompts in all).
    """
    df = _youtube("valid", 8)
    _loop(df, prompted_server)
    votes = LFApplier(_lfs(prompted_server), cardinality=2, progress=False).apply(df)
    assert (votes.column("llm_spam") != ABSTAIN).mean() > 0.5  # the prompted LF really voted
