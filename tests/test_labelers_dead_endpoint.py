"""A down endpoint is given up once per apply, not once per chunk.

A server that accepts connections but never replies held fault="abstain"/"warn" for
32 prompts x (max_retries + 1) attempts x timeout / concurrency in EVERY chunk (the
"32 failures in a row" rule restarted per chunk: ~20 min a chunk at OpenAIBackend's
defaults, 3.3 h for 100k rows), with no message; with chunks under 32 rows it never
tripped at all.  The down state now lasts over the chunks (and the LFs) of one apply,
warns once, and the next apply asks again.  While down, each call (chunk) asks one
probe prompt first, so a dead server costs one timeout per chunk and a server that is
back is used again at once.  Only the endpoint's silence counts (connection errors,
timeouts, 429/5xx): a prompt it refuses (HTTP 400, e.g. too long for the context) or a
malformed reply is an answer, and never takes it as down.  Requests are counted on the real
OpenAI-compatible test server on 127.0.0.1 (tests/support/openai_server.py, replies
scripted, no model behind it), at scaled-down settings (timeout 0.2 s, one retry).
"""

from __future__ import annotations

import time
import warnings

import pandas as pd
import pytest

import weaksup as ws
from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate
from weaksup.labelers.backends import OpenAIBackend

from support.scripted_server import ScriptedModel, scripted_server_fixtures

QUESTION = "Is this comment spam?\nComment: {text}\nAnswer yes or no."


# every reply scripted; a prompt with "TOO LONG" in it gets HTTP 400, as one over the context length does
server, clean = scripted_server_fixtures(ScriptedModel("scripted", too_long="TOO LONG"))


def _answer_all(server) -> None:
    server.script_reply("Comment: ", "yes", [("yes", -0.05), ("no", -3.0)])


def _hang(server) -> None:
    """Accept every request and reply only after the client has given up."""
    _answer_all(server)
    server.fail_after(0, "slow", delay=1.0)


def _backend(server, timeout: float = 0.2) -> OpenAIBackend:
    # 0.2 s keeps the hanging-server tests short; where the server always answers, a long timeout keeps a loaded
    # machine's slow reply from counting as the endpoint's silence
    return OpenAIBackend(server.url, model=server.model_name, timeout=timeout, max_retries=1, backoff=0.01)


def _lf(backend, name: str = "llm_spam") -> PromptedLF:
    return PromptedLF(name, PromptTemplate(QUESTION, ["yes", "no"]), LabelMap({"yes": 1, "no": 0}), backend,
                      cache=None, progress=False)


def _down_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if "the endpoint looks down" in str(w.message)]


@pytest.mark.parametrize("rows, chunk_size, tripped, asked", [
    (120, 40, 32, 34),  # 3 chunks: 32 prompts in the first, then one probe a chunk (each chunk asked 32 before)
    (80, 10, 40, 44),   # chunks under 32 rows: it trips in the 4th chunk (before, it never tripped: 80 asked)
])
def test_a_hanging_endpoint_is_given_up_once_per_apply_not_per_chunk(clean, rows, chunk_size, tripped, asked):
    _hang(clean)
    df = pd.DataFrame({"text": [f"c{i}" for i in range(rows)]})
    lf = _lf(_backend(clean))
    before = clean.received
    t0 = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([lf], df, progress=False, fault="abstain", chunk_size=chunk_size)
    elapsed = time.monotonic() - t0
    assert (votes.to_dense() == -1).all() and votes.report.table["faults"].tolist() == [rows]
    assert clean.received - before == 2 * asked  # one retry each: transient failures are still retried
    msgs = _down_warnings(caught)
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith(f"openai-chat backend (scripted at {clean.url}): {tripped} prompts in a row failed, "
                              "the last with BackendTimeout")
    assert "not asked and their rows abstain" in msgs[0] and "asks one probe prompt first" in msgs[0]
    assert "apply again" in msgs[0]
    assert elapsed < 30


def test_two_lfs_on_one_backend_share_the_down_state_and_the_next_apply_asks_again(clean):
    _hang(clean)
    df = pd.DataFrame({"text": [f"c{i}" for i in range(40)]})
    backend = _backend(clean)
    lfs = [_lf(backend, "llm_a"), _lf(backend, "llm_b")]
    before = clean.received
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs(lfs, df, progress=False, fault="warn")
    assert clean.received - before == 2 * 33  # the second LF asks one probe prompt: the endpoint is still down
    assert votes.report.table["faults"].tolist() == [40, 40]
    assert len(_down_warnings(caught)) == 1
    clean.clear_faults()  # the server is back: the next apply asks every prompt again
    clean.wait_idle(30)
    _answer_all(clean)
    before = clean.received
    votes = ws.apply_lfs(lfs, df, progress=False, fault="abstain")
    assert votes.to_dense().tolist() == [[1, 1]] * 40 and votes.report.table["faults"].tolist() == [0, 0]
    assert clean.received - before == 2 * 40


def test_while_down_each_call_asks_one_probe_prompt_first_and_a_recovered_server_is_used_at_once(clean):
    _hang(clean)
    backend = _backend(clean)
    prompts = [f"Comment: c{i}\nAnswer yes or no." for i in range(40)]
    failed: dict[str, BaseException] = {}
    before = clean.received
    with pytest.warns(RuntimeWarning, match="the endpoint looks down"):
        backend.score(prompts, ["yes", "no"], failed=failed)
    assert clean.received - before == 2 * 32 and len(failed) == 40
    assert "not asked, the endpoint looks down (32 prompts in a row failed" in str(failed[prompts[-1]])
    assert "the next call asks one probe prompt first" in str(failed[prompts[-1]])
    for _ in range(2):  # still down: one probe prompt a call, the others given up at once, no new warning
        before = clean.received
        failed.clear()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            backend.score(prompts, ["yes", "no"], failed=failed)
        assert clean.received - before == 2 and len(failed) == 40 and _down_warnings(caught) == []
        assert sum("not asked" in str(e) for e in failed.values()) == 39
    clean.clear_faults()
    clean.wait_idle(30)
    _answer_all(clean)
    failed.clear()
    before = clean.received
    out = backend.score(prompts, ["yes", "no"], failed=failed)  # back: the probe gets a reply, then the rest
    assert failed == {} and clean.received - before == 40 and (out[:, 0] > out[:, 1]).all()


def test_a_short_outage_costs_the_chunks_it_lasts_not_the_rest_of_the_apply(clean):
    """The server answers 500 to its next 66 requests (a restart), then answers again: 32 prompts x 2 attempts
    take it as down in the first chunk, the second chunk's probe (2 attempts) fails, the third's is answered.
    Before, every later chunk was given up for DOWN_SECONDS (300 s): all 300 rows abstained."""
    _answer_all(clean)
    clean.add_fault("500", times=66)
    df = pd.DataFrame({"text": [f"c{i}" for i in range(300)]})
    before = clean.received
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([_lf(_backend(clean, timeout=10))], df, progress=False, fault="abstain", chunk_size=50)
    assert votes.to_dense().ravel().tolist() == [-1] * 100 + [1] * 200
    assert votes.report.table["faults"].tolist() == [100] and len(_down_warnings(caught)) == 1
    assert clean.received - before == 66 + 200


def test_prompts_the_endpoint_refuses_never_take_it_as_down(clean):
    """LF A's prompts all get HTTP 400 (too long for the context), LF B's are answered, on one backend object,
    over 2 chunks: only A abstains. Before, A's 400s took the endpoint as down and B abstained on every row."""
    _answer_all(clean)
    backend = _backend(clean, timeout=10)
    too_long = PromptedLF("llm_long", PromptTemplate("TOO LONG " + QUESTION, ["yes", "no"]),
                          LabelMap({"yes": 1, "no": 0}), backend, cache=None, progress=False)
    df = pd.DataFrame({"text": [f"c{i}" for i in range(100)]})
    before = clean.received
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([too_long, _lf(backend)], df, progress=False, fault="abstain", chunk_size=50)
    assert votes.to_dense().tolist() == [[-1, 1]] * 100 and votes.report.table["faults"].tolist() == [100, 0]
    assert clean.received - before == 200 and _down_warnings(caught) == []  # a 400 is not retried


@pytest.mark.parametrize("fault", ["too long", "malformed"])
def test_a_run_of_refused_or_malformed_replies_abstains_only_on_its_rows(clean, fault):
    """The first 40 of 300 rows get HTTP 400 (too long) or a reply that is not JSON; the other 260 are answered.
    Before, the 40 in a row took the endpoint as down: 290 rows abstained."""
    _answer_all(clean)
    if fault == "malformed":
        clean.fail_prompts("Comment: bad", "malformed")
    first = "TOO LONG" if fault == "too long" else "bad"
    df = pd.DataFrame({"text": [f"{first} {i}" for i in range(40)] + [f"c{i}" for i in range(260)]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([_lf(_backend(clean, timeout=10))], df, progress=False, fault="abstain", chunk_size=50)
    assert votes.to_dense().ravel().tolist() == [-1] * 40 + [1] * 260
    assert votes.report.table["faults"].tolist() == [40] and _down_warnings(caught) == []


def test_failures_with_replies_between_never_take_the_endpoint_as_down(clean):
    """Every other prompt fails (after its retry) over 3 chunks: the others are answered, as before."""
    _answer_all(clean)
    clean.fail_prompts("Comment: bad", "500")
    df = pd.DataFrame({"text": [f"{'bad' if i % 2 else 'good'} {i}" for i in range(120)]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = ws.apply_lfs([_lf(_backend(clean, timeout=10))], df, progress=False, fault="abstain", chunk_size=40)
    assert votes.to_dense().ravel().tolist() == [-1 if i % 2 else 1 for i in range(120)]
    assert votes.report.table["faults"].tolist() == [60] and _down_warnings(caught) == []
