"""OpenAIBackend reading replies as real servers send them, over HTTP on 127.0.0.1.

A first token that is only the first bytes of a character (OpenAI's ``bytes`` field and
``bytes:\\xe6\\x98`` names, llama.cpp's ``byte: \\xe6``, a bare replacement character),
llama.cpp's ``/completions`` sending the chat logprobs layout, environment proxies, and the
hint on a 404 that is about the model name.  The server is tests/support/openai_server.py's
ModelServer with its replies scripted by the test (no model is loaded).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

import weaksup
from support.openai_server import ModelServer
from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate, ResponseCache
from weaksup.labelers.backends import BackendAuthError, BackendHTTPError, OpenAIBackend
from weaksup.labelers.backends.openai import match_top_logprobs

Reply = Callable[[str, dict[str, Any]], tuple[int, Any]]


class ReplyServer(ModelServer):
    """ModelServer whose every POST is answered by ``reply(path, request) -> (status, body)``; ``seen`` keeps
    ``(path, headers, request)``.  A body that is ``bytes`` is sent as it is (a proxy's HTML page)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(None, model_name="m")
        self.reply = reply
        self.seen: list[tuple[str, dict[str, str], Any]] = []

    def _handler_class(self) -> type:
        base = super()._handler_class()
        server = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def _post(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                req = json.loads(self.rfile.read(n) or b"null")
                server.seen.append((self.path, dict(self.headers), req))
                status, body = server.reply(self.path, req)
                if isinstance(body, bytes):
                    self._send(status, body)
                else:
                    self._json(status, body)

        return Handler


@pytest.fixture
def serve():
    made: list[ReplyServer] = []

    def make(reply: Reply) -> ReplyServer:
        made.append(ReplyServer(reply).start())
        return made[-1]

    yield make
    for s in made:
        s.stop()


def entry(token: str, logprob: float, raw: Any = "utf-8") -> dict[str, Any]:
    """One top_logprobs entry; ``raw="utf-8"``: the token's own bytes, as OpenAI sends them."""
    return {"token": token, "logprob": logprob, "bytes": list(token.encode()) if raw == "utf-8" else raw}


def chat(text: str, top: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "length",
                         "logprobs": {"content": [dict(top[0], top_logprobs=top)]}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1}}


def lf_for(url: str, answers: list[str], *, api: str = "chat", **kw: Any) -> PromptedLF:
    template = PromptTemplate("Q: {text}", answers, case_variants=False)
    return PromptedLF("llm", template, LabelMap({answers[0]: 1, answers[1]: 0}),
                      OpenAIBackend(url, "m", api=api, max_retries=0), cache=kw.pop("cache", None), progress=False,
                      **kw)


ROW = pd.DataFrame({"text": ["免费领取iPhone，点击链接！"]})
SHI = list("是".encode())  # [230, 152, 175]


# --------------------------------------------------- 1. first tokens that are part of a character
@pytest.mark.parametrize("token, raw", [
    ("bytes:\\xe6\\x98", SHI[:2]),  # OpenAI: the token named by its bytes, and the bytes field
    ("\ufffd\ufffd", SHI[:2]),  # llama.cpp: replacement characters, and the bytes field
    ("bytes:\\xe6\\x98", None),  # the name alone
    ("byte: \\xe6", None),  # llama.cpp's one-byte name alone
    ("<0xE6>", None),  # a sentencepiece byte piece
])
def test_a_first_token_that_is_the_start_of_a_cjk_answer_counts_for_it(serve, token, raw):
    srv = serve(lambda path, req: (200, chat("是", [entry(token, -0.05, raw), entry("否", -3.2)])))
    lf = lf_for(srv.url, ["是", "否"])
    p = lf.answer_probs(ROW)[0]
    want = np.exp([-0.05, -3.2]) / np.exp([-0.05, -3.2]).sum()
    np.testing.assert_allclose(p, want, rtol=1e-9)  # the server's p=0.95 is read as 是, not lost to 否
    assert lf.votes(ROW).tolist() == [1]


def test_an_unreadable_first_token_abstains_rather_than_favour_the_other_answer(serve):
    # "\ufffd" and no bytes: it may be the start of 是 or of 否, and it carries p=0.95
    srv = serve(lambda path, req: (200, chat("是", [entry("\ufffd", -0.05, None), entry("否", -3.2)])))
    lf = lf_for(srv.url, ["是", "否"])
    assert lf.votes(ROW).tolist() == [-1]
    assert lf.soft_votes(ROW).sum() == 0.0


def test_an_unreadable_token_too_improbable_to_change_the_answer_leaves_the_vote(serve):
    top = [entry("否", -0.1), entry("是", -2.5), entry("\ufffd", -6.0, None)]  # p 0.90 / 0.08 / 0.0025
    srv = serve(lambda path, req: (200, chat("否", top)))
    lf = lf_for(srv.url, ["是", "否"])
    p = lf.answer_probs(ROW)[0]
    np.testing.assert_allclose(p, np.exp([-2.5, -0.1]) / np.exp([-2.5, -0.1]).sum(), rtol=1e-9)
    assert lf.votes(ROW).tolist() == [0]


def test_an_unreadable_token_cannot_be_an_ascii_answer():
    # a replacement character is part of a non-ASCII character: "yes"/"no" keep their scores
    assert match_top_logprobs([("\ufffd", -0.05), ("no", -3.2)], ["yes", "no"]) == [-4.2, -3.2]


@pytest.mark.parametrize("answers, raw, vote", [
    (["✅", "❌"], list("✅".encode())[:2], 1),  # E2 9C | E2 9D: two bytes tell them apart
    (["❌", "✅"], list("✅".encode())[:2], 0),
    (["👍", "👎"], list("👍".encode())[:3], -1),  # F0 9F 91 starts both: no evidence, abstain
])
def test_emoji_answers_by_utf8_byte_prefix(serve, answers, raw, vote):
    srv = serve(lambda path, req: (200, chat("", [entry("\ufffd", -0.1, raw), entry("?", -2.5)])))
    assert lf_for(srv.url, answers).votes(ROW).tolist() == [vote]


def test_complete_tokens_with_their_bytes_score_as_without_them(serve):
    top = [(" Yes", -0.3), ("No", -1.6), ("yes", -2.2), ("Maybe", -4.0)]
    with_bytes = serve(lambda path, req: (200, chat("Yes", [entry(t, v) for t, v in top])))
    without = serve(lambda path, req: (200, chat("Yes", [entry(t, v, None) for t, v in top])))
    a = lf_for(with_bytes.url, ["yes", "no"]).answer_probs(pd.DataFrame({"text": ["a"]}))
    b = lf_for(without.url, ["yes", "no"]).answer_probs(pd.DataFrame({"text": ["a"]}))
    assert a.tolist() == b.tolist()
    yes = math.log(math.exp(-0.3) + math.exp(-2.2))
    np.testing.assert_allclose(a[0], np.exp([yes, -1.6]) / np.exp([yes, -1.6]).sum(), rtol=1e-12)


def test_the_bytes_of_a_partial_token_survive_the_response_cache(serve, tmp_path):
    srv = serve(lambda path, req: (200, chat("是", [entry("\ufffd\ufffd", -0.05, SHI[:2]), entry("否", -3.2)])))
    cache = ResponseCache(tmp_path / "r.sqlite")
    first = lf_for(srv.url, ["是", "否"], cache=cache).answer_probs(ROW)
    n = len(srv.seen)
    again = lf_for(srv.url, ["是", "否"], cache=ResponseCache(tmp_path / "r.sqlite")).answer_probs(ROW)
    assert len(srv.seen) == n  # read from the cache, not asked again
    assert again.tolist() == first.tolist() and first[0, 0] > 0.9


# ------------------------------------------- 2. both logprobs layouts on both routes
def llamacpp_completion(path: str, req: dict[str, Any]) -> tuple[int, Any]:
    top = [{"token": " yes", "logprob": -0.69, "bytes": list(b" yes")},
           {"token": " no", "logprob": -0.71, "bytes": list(b" no")}]
    return 200, {"object": "text_completion", "model": "m",
                 "choices": [{"index": 0, "text": " yes", "finish_reason": "length",
                              "logprobs": {"content": [dict(top[0], id=4754, top_logprobs=top)]}}]}


def test_completions_route_reads_llamacpp_chat_layout_logprobs(serve):
    srv = serve(llamacpp_completion)
    lf = lf_for(srv.url, ["yes", "no"], api="completions", min_confidence=0.6)
    p = lf.answer_probs(ROW)[0]
    np.testing.assert_allclose(p, np.exp([-0.69, -0.71]) / np.exp([-0.69, -0.71]).sum(), rtol=1e-9)
    assert lf.votes(ROW).tolist() == [-1]  # the model is unsure (0.505): min_confidence holds it back
    assert lf.backend.logprob_fallbacks == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no false "carry no log-probabilities" warning
        lf_for(srv.url, ["yes", "no"], api="completions", calibrate=True).votes(ROW)


def test_chat_route_reads_the_legacy_layout(serve):
    def legacy(path, req):
        return 200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": "no"},
                                  "logprobs": {"tokens": ["no"], "top_logprobs": [{"no": -0.4, "yes": -1.1}]}}]}

    srv = serve(legacy)
    p = lf_for(srv.url, ["yes", "no"]).answer_probs(ROW)[0]
    np.testing.assert_allclose(p, np.exp([-1.1, -0.4]) / np.exp([-1.1, -0.4]).sum(), rtol=1e-9)


# ------------------------------------------------------------------------- 3. proxies
def squid(status: int = 403) -> Reply:
    page = (b"<html><title>ERROR: The requested URL could not be retrieved</title>"
            b"Access Denied (ERR_ACCESS_DENIED) Squid/5.7</html>")
    return lambda path, req: (status, page)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_endpoints_never_go_through_the_environment_proxy(serve, host):
    # a fresh process with the proxy set before weaksup is imported, as in a cluster shell
    proxy = serve(squid())
    api = serve(lambda path, req: (200, chat("yes", [entry("yes", -0.1), entry("no", -2.4)])))
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "http_proxy")}
    env.update(http_proxy=f"http://127.0.0.1:{proxy.port}", HTTP_PROXY=f"http://127.0.0.1:{proxy.port}",
               PYTHONPATH=os.pathsep.join([str(Path(weaksup.__file__).resolve().parents[1]),
                                           env.get("PYTHONPATH", "")]))
    code = ("from weaksup.labelers.backends import OpenAIBackend\n"
            f"b = OpenAIBackend('http://{host}:{api.port}/v1', 'm', api_key='sk-SECRET', max_retries=0)\n"
            "print(b.score(['Q: spam?'], ['yes', 'no'])[0].tolist())\n")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[-0.1, -2.4]"
    assert proxy.seen == []  # neither the request nor the API key reached the proxy
    assert api.seen[0][1]["Authorization"] == "Bearer sk-SECRET"


def test_an_error_through_a_proxy_names_the_proxy_and_no_proxy(serve, monkeypatch):
    proxy = serve(squid())
    monkeypatch.setenv("http_proxy", f"http://alice:pw123@127.0.0.1:{proxy.port}")
    for var in ("HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)
    b = OpenAIBackend("http://llm.cluster.example:8000/v1", "m", max_retries=0)
    with pytest.raises(BackendAuthError) as info:
        b.score(["Q: spam?"], ["yes", "no"])
    msg = str(info.value)
    assert f"through the proxy http://alice:***@127.0.0.1:{proxy.port}" in msg
    assert "http_proxy" in msg and "add 'llm.cluster.example' to no_proxy" in msg
    assert "at the proxy or the endpoint" in msg and "ERR_ACCESS_DENIED" in msg
    assert "pw123" not in msg
    assert proxy.seen[0][0] == "http://llm.cluster.example:8000/v1/chat/completions"


def test_a_proxy_asking_for_credentials_says_so(serve, monkeypatch):
    proxy = serve(squid(407))
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
    for var in ("HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(BackendHTTPError, match=r"through the proxy .*HTTP 407.*proxy wants credentials") as info:
        OpenAIBackend("http://llm.cluster.example:8000/v1", "m", max_retries=0).score(["Q"], ["yes", "no"])
    assert info.value.status == 407


def test_no_proxy_is_honoured_and_loopback_is_never_proxied(monkeypatch):
    from weaksup.labelers.backends.openai import _proxy_for

    monkeypatch.setenv("http_proxy", "http://proxy.site:3128")
    monkeypatch.setenv("no_proxy", "internal.site")
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert _proxy_for("http://api.example.com/v1/chat/completions") == ("http", "http://proxy.site:3128")
    assert _proxy_for("http://llm.internal.site:8000/v1/chat/completions") is None
    for url in ("http://127.0.0.1:8000/v1", "http://127.5.0.1/v1", "http://localhost:1/v1", "http://[::1]:80/v1",
                "http://0.0.0.0:8000/v1", "http://LOCALHOST./v1"):
        assert _proxy_for(url) is None, url


# ------------------------------------------------------------- 4. a 404 about the model
def test_a_404_that_names_the_model_hints_at_the_model_not_the_url(serve):
    srv = serve(lambda path, req: (404, {"object": "error", "message": f"The model `{req['model']}` does not exist.",
                                         "type": "NotFoundError", "code": 404}))
    with pytest.raises(BackendHTTPError) as info:
        OpenAIBackend(srv.url, "llama3-8b", max_retries=0).score(["Q"], ["yes", "no"])
    msg = str(info.value)
    assert info.value.status == 404
    assert "is model='llama3-8b' a model this server serves?" in msg and f"GET {srv.url}/models" in msg
    assert "usually ends in /v1" not in msg


def test_a_404_from_a_v1_url_hints_at_the_model_and_the_route(serve):
    srv = serve(lambda path, req: (404, b"Not Found"))
    with pytest.raises(BackendHTTPError, match=r"ends in /v1: is model='m' a model this server serves .*"
                                               r"does it offer /completions\?") as info:
        OpenAIBackend(srv.url, "m", api="completions", max_retries=0).score(["Q"], ["yes", "no"])
    assert "usually ends in /v1" not in str(info.value)


def test_a_404_elsewhere_still_asks_about_the_base_url(serve):
    srv = serve(lambda path, req: (404, b"Not Found"))
    with pytest.raises(BackendHTTPError, match=r"HTTP 404 .*is the base URL right\? it usually ends in /v1"):
        OpenAIBackend(srv.url[:-len("/v1")], "m", max_retries=0).score(["Q"], ["yes", "no"])
