"""A prompted LF whose replies name no answer: counted in lf.stats.no_answer, and a warning when most do.

A reasoning model (Qwen3, DeepSeek-R1 behind vLLM) starts every reply with "<think>": each reply names no
answer, so the LF abstains on every row.  That gave coverage 0.00 with no word, in both modes.  The replies
come from the real OpenAI-compatible test server on 127.0.0.1 (tests/support/openai_server.py), scripted,
with no model behind it.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import weaksup as ws
from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate
from weaksup.labelers.backends import OpenAIBackend

from support.scripted_server import ScriptedModel, scripted_server_fixtures

QUESTION = "Is this comment spam?\nComment: {text}\nAnswer yes or no."
THINK = ("<think>\nOkay, the user", [("<think>", -0.0001), ("Okay", -9.5)])


server, clean = scripted_server_fixtures(ScriptedModel("Qwen3-8B"))


def _lf(server, mode: str, name: str = "llm_spam") -> PromptedLF:
    backend = OpenAIBackend(server.url, model=server.model_name, timeout=60, backoff=0.01)
    return PromptedLF(name, PromptTemplate(QUESTION, ["yes", "no"]), LabelMap({"yes": 1, "no": 0}), backend,
                      cache=None, mode=mode, progress=False)


def _script(server, n: int, thinking: set[int]) -> pd.DataFrame:
    """``n`` comments; those in ``thinking`` get a reasoning model's reply, the others "yes" or "no"."""
    for i in range(n):
        if i in thinking:
            server.script_reply(f"Comment: c{i}\n", *THINK)
        else:
            word = "yes" if i % 2 else "no"
            server.script_reply(f"Comment: c{i}\n", word, [(word, -0.05), ("maybe", -3.0)])
    return pd.DataFrame({"text": [f"c{i}" for i in range(n)]})


def _no_answer_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if "named none of the answers" in str(w.message)]


@pytest.mark.parametrize("mode", ["score", "generate"])
def test_an_lf_whose_every_reply_names_no_answer_warns_once_with_an_example(clean, mode):
    df = _script(clean, 40, set(range(40)))
    lf = _lf(clean, mode)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([lf], df, cardinality=2, progress=False, chunk_size=10)  # 4 chunks, one warning
    assert (votes.to_dense() == -1).all()
    msgs = _no_answer_warnings(caught)
    assert len(msgs) == 1, msgs
    msg = msgs[0]
    # it warns as soon as the share is reached (after the second chunk of 10): a long apply need not end first
    assert msg.startswith("LF 'llm_spam': 20 of the 20 distinct prompts it has asked in this apply so far got a "
                          "reply that "
                          "named none of the answers ['yes', 'no'], so the LF abstained on those rows")
    assert "'Is this comment spam?\\nComment: c0" in msg and "<think>" in msg  # one prompt and its reply
    assert "enable_thinking" in msg and "system_prompt" in msg and "chat template" in msg  # what to change
    assert ("max_tokens=4" in msg) == (mode == "generate")
    assert lf.stats.no_answer == 40 and lf.backend.stats.no_answer == 40
    # the next apply counts afresh and warns again, once
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ws.apply_lfs([lf], df, cardinality=2, progress=False)
    assert len(_no_answer_warnings(caught)) == 1
    assert lf.stats.no_answer == 80


@pytest.mark.parametrize("n, thinking, warns", [
    (40, 35, False),   # 87.5% named no answer: under 90%, counted, no warning
    (40, 36, True),    # 90%
    (19, 19, False),   # all of them, but fewer than 20 prompts
    (20, 20, True),
])
def test_the_warning_needs_most_of_at_least_20_replies(clean, n, thinking, warns):
    df = _script(clean, n, set(range(thinking)))
    lf = _lf(clean, "score")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([lf], df, cardinality=2, progress=False)
    assert len(_no_answer_warnings(caught)) == int(warns)
    assert lf.stats.no_answer == thinking
    dense = votes.to_dense().ravel()
    assert (dense[:thinking] == -1).all()
    assert dense[thinking:].tolist() == [i % 2 for i in range(thinking, n)]  # the answered rows vote as before


@pytest.mark.parametrize("silent, answered, repeats, warns", [
    (1, 100, "silent", False),  # 900 rows of one empty-ish text, rightly unanswered, 100 answered: 1 of 101
    (20, 1, "answered", True),  # 20 distinct prompts unanswered, 200 rows of one answered prompt: 20 of 21
])
def test_the_share_is_of_distinct_prompts_not_rows(clean, silent, answered, repeats, warns):
    """Before, rows were counted: 900 rows that repeat one prompt (e.g. an empty text) whose reply rightly names
    no answer warned that the LF's replies name none, and 20 of 21 distinct prompts unanswered did not warn."""
    df = _script(clean, silent + answered, set(range(silent)))
    rep = df.iloc[[0 if repeats == "silent" else silent]]
    df = pd.concat([rep] * 900 + [df.iloc[1:]] if repeats == "silent" else [df] + [rep] * 199, ignore_index=True)
    lf = _lf(clean, "score")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([lf], df, cardinality=2, progress=False)
    msgs = _no_answer_warnings(caught)
    assert len(msgs) == int(warns), msgs
    if warns:
        assert msgs[0].startswith("LF 'llm_spam': 20 of the 21 distinct prompts it has asked in this apply so far")
    dense = votes.to_dense().ravel()
    assert lf.stats.no_answer == int((dense == -1).sum()) == (900 if repeats == "silent" else 20)  # rows, as before


def test_replies_that_answer_are_not_counted(clean):
    df = _script(clean, 30, set())
    lf = _lf(clean, "generate")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([lf], df, cardinality=2, progress=False)
    assert _no_answer_warnings(caught) == [] and lf.stats.no_answer == 0
    assert votes.to_dense().ravel().tolist() == [i % 2 for i in range(30)]


def test_worker_processes_count_and_the_parent_warns_once(clean):
    df = _script(clean, 40, set(range(40)))
    lf = _lf(clean, "score")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([lf], df, cardinality=2, progress=False, engine="process", n_jobs=2, chunk_size=10)
    assert (votes.to_dense() == -1).all()
    msgs = _no_answer_warnings(caught)
    assert len(msgs) == 1 and msgs[0].startswith("LF 'llm_spam': "), msgs
    assert lf.stats.no_answer == 40
