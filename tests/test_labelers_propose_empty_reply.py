"""propose_lfs records an empty reply with its reason.

A reasoning model behind vLLM (--reasoning-parser) spends max_tokens thinking: the reply's
content is null (the text is in reasoning_content) and finish_reason is "length".  That gave
ProposalResult(0 kept, 0 rejected) and an empty table, although failures are "recorded in the
result's table with the reason".  The server is the real OpenAI-compatible test server on
127.0.0.1 (tests/support/openai_server.py), its chat route overridden here to answer so.
"""

from __future__ import annotations

import pytest

from weaksup.labelers import Backend
from weaksup.labelers.backends import OpenAIBackend
from weaksup.labelers.propose import propose_lfs

TASK = "Is a YouTube comment spam?"
LABELS = ["ham", "spam"]


class _NoModel:
    model = "Qwen3-8B"

    @staticmethod
    def render_messages(messages):
        return "\n".join(m["content"] for m in messages)


@pytest.fixture
def server():
    from support.openai_server import ModelServer

    class Thinking(ModelServer):
        """Answers the "spam" prompt with keywords; every other prompt as a reasoning model out of tokens."""

        def _chat(self, req):
            prompt = req["messages"][-1]["content"]
            if 'labelled "spam"' in prompt:
                content, finish, reasoning = "free\nsubscribe", "stop", None
            else:
                content, finish, reasoning = None, "length", "Okay, the user wants keywords. Let me think"
            return {"id": "chatcmpl-1", "object": "chat.completion", "model": self.model_name,
                    "choices": [{"index": 0, "finish_reason": finish,
                                 "message": {"role": "assistant", "content": content,
                                             "reasoning_content": reasoning}}],
                    "usage": {"prompt_tokens": 30, "completion_tokens": req.get("max_tokens", 16)}}

    srv = Thinking(_NoModel()).start()
    yield srv
    srv.stop()


def test_an_empty_reply_is_a_row_with_its_reason(server):
    backend = OpenAIBackend(server.url, model=server.model_name, timeout=30)
    res = propose_lfs(backend, TASK, LABELS)
    assert res.replies == ["", "free\nsubscribe"]
    assert [lf.name for lf in res.lfs] == ["llm_keyword_free_1", "llm_keyword_subscribe_1"]  # as before
    empty = res.table[res.table["kind"] == "backend"]
    assert empty["label"].tolist() == ["ham"] and empty["status"].tolist() == ["rejected"]
    reason = empty["reason"].iloc[0]
    assert reason.startswith("empty reply (finish_reason 'length')") and "max_tokens=120" in reason
    assert "raise max_tokens" in reason  # the HTTP backend passes the server's finish_reason on
    assert repr(res) == "ProposalResult(2 kept, 1 rejected)"


def test_the_reason_names_finish_reason_length_when_the_backend_reports_it():
    class OutOfTokens(Backend):
        kind, model = "thinking", "out-of-tokens"

        def _generate_batch(self, prompts, max_tokens, stop):
            return [{"text": "", "finish_reason": "length"} for _ in prompts]

    res = propose_lfs(OutOfTokens(), TASK, LABELS, max_tokens=64)
    assert res.table["kind"].tolist() == ["backend", "backend"] and res.table["label"].tolist() == LABELS
    assert res.table["reason"].tolist() == [
        "empty reply (finish_reason 'length'): the model used all max_tokens=64 tokens before writing any text "
        "(a reasoning model spends them thinking): raise max_tokens, or turn thinking off"] * 2


class _Replies(Backend):
    """Answers the proposal prompt for label i with ``replies[i]`` (and ``finish``)."""

    kind, model = "scripted", "reasoning-model"

    def __init__(self, replies, finish):
        super().__init__()
        self.replies, self.finish = replies, finish

    def _generate_batch(self, prompts, max_tokens, stop):
        return [{"text": self.replies[int('labelled "spam"' in p)], "finish_reason": self.finish} for p in prompts]


THINKING = "<think>\nOkay, the user wants keyword rules for spam. Let me think about which words"


def test_a_reply_that_is_all_thinking_is_empty_not_parsed_as_proposals():
    """A reasoning model served without a reasoning parser, cut off by max_tokens: its thinking was read as
    keywords ("Okay", "the user wants ...") and rejected with reasons about those, not about max_tokens."""
    res = propose_lfs(_Replies([THINKING, THINKING], "length"), TASK, LABELS, max_tokens=64)
    assert res.table["kind"].tolist() == ["backend", "backend"] and res.table["label"].tolist() == LABELS
    assert res.table["reason"].tolist() == [
        "empty reply (finish_reason 'length'): the model used all max_tokens=64 tokens before writing any text "
        "(a reasoning model spends them thinking): raise max_tokens, or turn thinking off (the reply is a "
        "reasoning model's <think> thinking, with no answer after it)"] * 2
    assert res.replies == [THINKING, THINKING] and res.lfs == []


def test_a_reply_after_its_thinking_is_read_from_the_text_after_think():
    done = "<think>\nOkay, spam says free. Or maybe cash\n</think>\n\nfree\nsubscribe"
    res = propose_lfs(_Replies([THINKING + "\n</think>\n", done], "stop"), TASK, LABELS)
    assert [lf.name for lf in res.lfs] == ["llm_keyword_free_1", "llm_keyword_subscribe_1"]
    assert res.table["pattern"].tolist() == ["free", "subscribe", ""]
    assert res.table["reason"].iloc[-1].startswith("empty reply (finish_reason 'stop')")
    assert res.table["reason"].iloc[-1].endswith("(the reply is a reasoning model's <think> thinking, with no "
                                                 "answer after it)")
