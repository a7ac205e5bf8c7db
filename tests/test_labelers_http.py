"""OpenAIBackend against scripted HTTP servers on 127.0.0.1 (python's http.server, no model).

Each server answers with a handler the test writes, so replies the model server in
tests/support/openai_server.py cannot produce (redirects, dripping bodies, chosen
top_logprobs) are exercised here.
"""

from __future__ import annotations

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import pandas as pd
import pytest

from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate
from weaksup.labelers.backends import BackendHTTPError, BackendTimeout, OpenAIBackend
from weaksup.labelers.backends.openai import match_top_logprobs, text_logprobs


class Scripted:
    """A threaded HTTP/1.1 server on 127.0.0.1 whose every request goes to ``behave(handler, body)``."""

    def __init__(self, behave: Callable[[Any, Any], None]) -> None:
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []  # (method, path, headers, body)
        srv = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def _handle(self, method: str) -> None:
                n = int(self.headers.get("Content-Length", 0) or 0)
                body = json.loads(self.rfile.read(n) or b"null")
                srv.requests.append((method, self.path, dict(self.headers), body))
                behave(self, body)

            def do_POST(self) -> None:
                self._handle("POST")

            def do_GET(self) -> None:
                self._handle("GET")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.httpd.stopping = threading.Event()  # type: ignore[attr-defined]  # set at close: drips stop
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.stopping.set()  # type: ignore[attr-defined]
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    made: list[Scripted] = []

    def make(behave: Callable[[Any, Any], None]) -> Scripted:
        made.append(Scripted(behave))
        return made[-1]

    yield make
    for s in made:
        s.close()


def send_json(h: Any, obj: Any, status: int = 200) -> None:
    raw = json.dumps(obj).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(raw)))
    h.end_headers()
    h.wfile.write(raw)


def chat_reply(text: str, top: list[tuple[str, float]] | None = None) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    if top is not None:
        choice["logprobs"] = {"content": [{"token": top[0][0], "logprob": top[0][1],
                                           "top_logprobs": [{"token": t, "logprob": lp} for t, lp in top]}]}
    return {"id": "x", "object": "chat.completion", "choices": [choice],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1}}


YES = chat_reply("Yes", [("Yes", -0.1), ("No", -2.4)])


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_a_redirect_is_refused_and_the_api_key_never_leaves(serve, code):
    other = serve(lambda h, body: send_json(h, YES))
    target = other.url.replace("127.0.0.1", "localhost") + "/chat/completions"  # another origin

    def redirect(h, body):
        h.send_response(code)
        h.send_header("Location", target)
        h.send_header("Content-Length", "0")
        h.end_headers()

    api = serve(redirect)
    b = OpenAIBackend(api.url, model="m", api_key="sk-SECRET-123", max_retries=0)
    with pytest.raises(BackendHTTPError, match=f"HTTP {code}.*redirects to '{target}'") as info:
        b.score(["Is it spam?"], ["Yes", "No"])
    assert info.value.status == code
    assert len(api.requests) == 1 and other.requests == []  # nothing (no key, no GET) reached the other host


def test_one_top_token_counts_for_one_surface_form_only(serve):
    # the model's first token: Yes 0.45, No 0.40, yes 0.10, Maybe 0.05 (no lower-case "no" listed)
    top = [("Yes", math.log(0.45)), ("No", math.log(0.40)), ("yes", math.log(0.10)), ("Maybe", math.log(0.05))]
    lp = match_top_logprobs(top, ["yes", "Yes", "no", "No"])
    floor = math.log(0.05) - 1.0
    assert lp == pytest.approx([math.log(0.10), math.log(0.45), floor, math.log(0.40)])  # "No" is not also "no"
    srv = serve(lambda h, body: send_json(h, chat_reply("Yes", top)))
    lf = PromptedLF("spam", PromptTemplate("Spam? {text}", ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                    OpenAIBackend(srv.url, model="m", max_retries=0), cache=None)
    df = pd.DataFrame({"text": ["x"]})
    p_no = 0.40 + math.exp(floor)  # the unlisted "no" adds only the floor
    assert lf.answer_probs(df)[0] == pytest.approx([0.55 / (0.55 + p_no), p_no / (0.55 + p_no)])
    assert lf.votes(df).tolist() == [1]


@pytest.mark.parametrize("answers", [["yes", "no", "not sure"], ["yes", "not sure", "no"]])
@pytest.mark.parametrize("logprobs", [True, False])
def test_an_answer_never_takes_another_answers_token_whatever_the_order(serve, answers, logprobs):
    top = [("no", math.log(0.90)), ("yes", math.log(0.06)), ("maybe", math.log(0.02))] if logprobs else None
    srv = serve(lambda h, body: send_json(h, chat_reply("no", top)))
    lf = PromptedLF("spam", PromptTemplate("Spam? {text} Answer yes, no or not sure.", answers, case_variants=False),
                    LabelMap({"yes": 1, "no": 0}), OpenAIBackend(srv.url, model="m", max_retries=0), cache=None)
    df = pd.DataFrame({"text": ["great song"]})
    p = dict(zip(answers, lf.answer_probs(df)[0]))
    assert p["no"] > 0.9 and p["not sure"] < 0.05
    assert lf.votes(df).tolist() == [0]
    assert text_logprobs("no", answers)[answers.index("no")] == 0.0
    assert text_logprobs("not", answers) == [0.0 if a == "not sure" else -20.0 for a in answers]
    assert text_logprobs("n", answers) == [-20.0] * 3  # the start of two answers names neither


def dripping(pause: float) -> Callable[[Any, Any], None]:
    """A handler sending a valid reply (with Content-Length) 8 bytes at a time, ``pause`` s apart."""

    def drip(h: Any, body: Any) -> None:
        raw = json.dumps(YES).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        try:
            for i in range(0, len(raw), 8):  # every socket read waits less than the client's timeout
                if h.server.stopping.is_set():  # the test is over: cut the reply (the client's worker ends)
                    h.close_connection = True
                    return
                h.wfile.write(raw[i:i + 8])
                h.wfile.flush()
                time.sleep(pause)
        except OSError:  # the client gave up
            pass

    return drip


def test_timeout_bounds_the_whole_reply_not_each_socket_read(serve):
    srv = serve(dripping(0.4))  # the whole reply would take ~15 s
    b = OpenAIBackend(srv.url, model="m", timeout=1.0, max_retries=0)
    t0 = time.monotonic()
    with pytest.raises(BackendTimeout, match="no reply within 1 s"):
        b.score(["Is it spam?"], ["Yes", "No"])
    assert time.monotonic() - t0 < 8.0  # ~1 s; a loaded machine's slack, still far below the ~15 s of the reply


def test_apply_lfs_timeout_does_not_wait_for_requests_in_flight(serve):
    from weaksup import apply_lfs

    srv = serve(dripping(0.3))  # ~12 s for the whole reply, within the backend's own timeout
    lf = PromptedLF("spam", PromptTemplate("Spam? {text}", ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                    OpenAIBackend(srv.url, model="m", timeout=20.0, max_retries=0), cache=None)
    t0 = time.monotonic()
    votes = apply_lfs([lf], pd.DataFrame({"text": ["a"]}), timeout=1, fault="abstain", progress=False)
    assert time.monotonic() - t0 < 8.0  # ~1 s (2 s beside two busy loops on 2 cores); waiting for the reply: ~12 s
    assert votes.to_dense().ravel().tolist() == [-1]


@pytest.mark.parametrize("answers", [["yes", "no"], ["no", "yes"]])
def test_a_calibrated_tie_abstains_and_text_only_replies_warn(serve, answers):
    from weaksup import apply_lfs

    # no logprobs in the replies; the model says Yes only to 'free money', like to none of the content-free inputs
    srv = serve(lambda h, body: send_json(h, chat_reply("Yes" if "free money" in body["messages"][-1]["content"]
                                                        else "No")))
    df = pd.DataFrame({"text": ["free money", "great song", "see you at lunch"]})
    lf = PromptedLF("spam", PromptTemplate("Spam? {text}", answers, case_variants=False),
                    LabelMap({"yes": 1, "no": 0}), OpenAIBackend(srv.url, model="m", max_retries=0), cache=None,
                    calibrate=True)
    with pytest.warns(UserWarning, match="LF 'spam': calibrate=True, but .* carry no log-probabilities"):
        votes = apply_lfs([lf], df, progress=False).to_dense().ravel().tolist()
    assert votes == [1, -1, -1]  # 'No' like the content-free inputs: a calibrated tie, whatever the order


def test_a_server_refusing_a_lone_surrogate_is_told_apart(serve):
    """A prompt holding half an emoji (a lone UTF-16 surrogate, as scraped JSON has) goes out as a ``\\ud83d``
    escape, which strict servers refuse with a 400: the error names the surrogate and where it is."""

    def strict(h, body):
        texts = json.dumps(body, ensure_ascii=False, default=str)
        if any("\ud800" <= c <= "\udfff" for c in texts):
            send_json(h, {"error": {"message": "invalid JSON: lone surrogate"}}, status=400)
        else:
            send_json(h, YES)

    api = serve(strict)
    b = OpenAIBackend(api.url, model="m", max_retries=0)
    assert len(b.score(["Spam? nice video"], ["Yes", "No"])) == 1  # whole text: answered
    with pytest.raises(BackendHTTPError, match=r"HTTP 400.*lone UTF-16 surrogate '\\ud83d' at character 11") as info:
        b.score(["Spam? nice \ud83d video"], ["Yes", "No"])
    assert info.value.status == 400
    other = serve(lambda h, body: send_json(h, {"error": {"message": "bad request"}}, status=400))
    with pytest.raises(BackendHTTPError) as plain:  # any other 400 says nothing of surrogates
        OpenAIBackend(other.url, model="m", max_retries=0).score(["Spam? nice video"], ["Yes", "No"])
    assert "surrogate" not in str(plain.value)
