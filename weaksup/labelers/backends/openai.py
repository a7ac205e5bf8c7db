"""OpenAI-compatible HTTP endpoints (vLLM, llama.cpp server, Ollama, hosted APIs).

Uses only the standard library (``urllib``); no client package is needed.
``/chat/completions`` (default) or ``/completions``; answer choices are scored
from the first reply token's ``top_logprobs`` when the endpoint offers them,
and from the generated text otherwise (the choice the reply starts with gets
log-probability 0, the others ``-20``; ``stats`` then counts the fallback).

Requests run ``concurrency`` at a time.  429 and 5xx replies and timeouts are
retried with exponential backoff (``Retry-After`` is honoured); bad URLs,
refused connections, failed authentication, redirects (never followed: they
would send the API key to another address) and malformed replies raise a
:class:`BackendError` subclass that says what happened and where.  Environment
proxies (``http_proxy``, ``https_proxy``, ``no_proxy``) are used as urllib uses
them, except that loopback hosts are always reached directly; an error met
through a proxy names it.

Examples
--------
>>> b = OpenAIBackend("http://127.0.0.1:8000/v1", model="SmolLM2-135M-Instruct")  # doctest: +SKIP
>>> b.score(["Is 'WIN A PRIZE' spam? Answer yes or no."], ["Yes", "No"])  # doctest: +SKIP
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import json
import math
import os
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from weaksup._validation import Interval
from weaksup.labelers.backends.base import (Backend, BackendConnectionError, BackendError, BackendTimeout, BatchError,
                                            check_settings)
from weaksup.labelers.template import _unspaced, starts_with_answer

__all__ = ["OpenAIBackend", "BackendHTTPError", "BackendAuthError", "BackendConnectionError",
           "BackendTimeout", "BackendResponseError"]

NO_LOGPROB = -20.0


def _lone_surrogate_note(payload: Any) -> str:
    """A note for a refused request whose JSON holds a lone UTF-16 surrogate (``json.dumps`` writes it as a
    ``\\udXXX`` escape, valid JSON that strict servers refuse); ``""`` when it holds none."""
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, str):
            at = next((i for i, c in enumerate(item) if "\ud800" <= c <= "\udfff"), None)
            if at is not None:
                return (f"; the prompt holds a lone UTF-16 surrogate {item[at]!r} at character {at} (half an emoji, "
                        f"e.g. from scraped JSON), which this server's JSON parser may refuse: fix or drop it in "
                        f"the data")
    return ""


class BackendHTTPError(BackendError):
    """The endpoint answered with an HTTP error status (after retries for 429/5xx) or a redirect (not followed)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BackendAuthError(BackendHTTPError):
    """401/403: missing or wrong API key."""


class BackendResponseError(BackendError):
    """The reply was not the JSON an OpenAI-compatible endpoint returns."""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Follow no redirect: urllib's default would resend the API key to the new host, as a body-less GET.

    Returning None makes urllib raise the 3xx as an :class:`urllib.error.HTTPError`, which
    :meth:`OpenAIBackend.post` turns into a :class:`BackendHTTPError` naming the ``Location``.
    """

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


_OPENERS: dict[tuple[str, str] | None, urllib.request.OpenerDirector] = {
    None: urllib.request.build_opener(urllib.request.ProxyHandler({}), _RefuseRedirects)}


def _is_loopback(host: str | None) -> bool:
    """``localhost`` (and ``*.localhost``), 127.0.0.0/8, ``::1``, or the unspecified 0.0.0.0 / ``::`` (which
    servers print as their address, and which connects to this machine): never worth sending to a proxy."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def _proxy_for(url: str) -> tuple[str, str] | None:
    """``(scheme, proxy URL)`` of the environment proxy a request to ``url`` goes through, else None.

    The environment is read at each request, as urllib does (``http_proxy``/``https_proxy``, ``no_proxy``);
    loopback hosts are always reached directly, as curl and requests do.
    """
    parsed = urllib.parse.urlparse(url)
    if _is_loopback(parsed.hostname):
        return None
    proxy = urllib.request.getproxies().get(parsed.scheme)
    if not proxy or urllib.request.proxy_bypass(parsed.netloc.rpartition("@")[2]):
        return None
    return parsed.scheme, proxy


def _opener(proxy: tuple[str, str] | None) -> urllib.request.OpenerDirector:
    op = _OPENERS.get(proxy)
    if op is None:  # a race builds two alike openers; either serves
        op = _OPENERS[proxy] = urllib.request.build_opener(urllib.request.ProxyHandler({proxy[0]: proxy[1]}),
                                                          _RefuseRedirects)
    return op


def _shown_proxy(proxy: str) -> str:
    """The proxy URL with its password (``user:password@``) masked, for messages."""
    return re.sub(r"^((?:[a-z][a-z0-9+.-]*://)?[^/@:]*:)[^/@]*@", r"\1***@", proxy, flags=re.I)


def _read_body(resp: Any, deadline: float) -> bytes:
    """The reply body, read in pieces; :class:`TimeoutError` once ``time.monotonic()`` passes ``deadline``.

    ``urlopen``'s timeout bounds each socket read, so a server that sends a byte
    now and then would never time out; here the socket waits at most until the
    deadline, and the deadline is checked after every piece.  A body shorter than
    its ``Content-Length`` raises :class:`http.client.IncompleteRead` (retried).
    """
    sock = getattr(getattr(resp.fp, "raw", None), "_sock", None)  # best effort: shrink each wait to what is left
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("reply body not complete by the deadline")
        if sock is not None:
            try:
                sock.settimeout(left)
            except OSError:
                sock = None
        piece = resp.read1(65536)
        if not piece:
            break
        chunks.append(piece)
        if resp.length == 0:
            break
    raw = b"".join(chunks)
    if resp.length:
        raise http.client.IncompleteRead(raw, resp.length)
    return raw


def _logsumexp(xs: list[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


# a first token that is only part of a character: OpenAI names it "bytes:\xe6\x98" (and sends `bytes`),
# llama.cpp "byte: \xe6", sentencepiece vocabularies "<0xE6>"
_BYTE_ESCAPE = re.compile(r"\s*bytes?:\s*((?:\\x[0-9a-fA-F]{2})+)\s*")
_BYTE_PIECE = re.compile(r"<0x([0-9a-fA-F]{2})>")


def _token_bytes(raw: Any) -> bytes | None:
    """A reply's ``bytes`` field as bytes; None when absent or not a list of byte values (then it is ignored)."""
    if not isinstance(raw, list) or not raw:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 256 for v in raw):
        return None
    return bytes(raw)


def _partial_utf8(b: bytes | None) -> bytes | None:
    """``b`` when it is not complete UTF-8 (a character cut after its first bytes), else None."""
    if b is None:
        return None
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return b
    return None


def _byte_name(b: bytes) -> str:
    """OpenAI's name for a token that is only part of a character: ``bytes:\\xe6\\x98``."""
    return "bytes:" + "".join(f"\\x{v:02x}" for v in b)


def _read_token(tok: str) -> tuple[str, str | bytes | None]:
    """How a top token is compared with the choices: ``("text", str)``, ``("bytes", bytes)`` for the first
    bytes of a character (matched by UTF-8 byte prefix), or ``("unknown", None)`` for a token shown with a
    replacement character and no bytes (it may be the start of any choice with a non-ASCII character there)."""
    raw = None
    m = _BYTE_ESCAPE.fullmatch(tok)
    if m:
        raw = bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-fA-F]{2})", m.group(1)))
    elif _BYTE_PIECE.fullmatch(tok):
        raw = bytes([int(tok[3:5], 16)])
    if raw is not None:
        try:
            return "text", raw.decode("utf-8")
        except UnicodeDecodeError:
            return "bytes", raw
    if "\ufffd" in tok:
        return "unknown", None
    return "text", tok


def match_top_logprobs(top: list[tuple[str, float]], choices: list[str]) -> list[float]:
    """Log-probability of each choice from a first-token top-k list.

    Every listed token counts toward at most one choice (tokens and choices are
    compared with surrounding whitespace removed):

    1. a token equal to a choice goes to that choice;
    2. a token left over that equals a choice ignoring case ("YES" for "yes") goes
       to the first such choice;
    3. a choice that got nothing so far takes the leftover tokens that are a
       prefix of it ("abb" for "abbreviation"), except a token that equals
       another choice ignoring case ("no" is the answer "no", not the start of
       "not sure") and a token that is a prefix of several such choices (it
       names none of them).  A token that is the first bytes of a character
       (named ``bytes:\\xe6\\x98`` as OpenAI does, ``byte: \\xe6`` or
       ``<0xE6>``; replies' ``bytes`` fields are read into such names) is a
       prefix of the choices whose UTF-8 text starts with those bytes ("是"
       takes the first two of its three bytes);
    4. a token left over that is a choice written in a script without spaces (Han, kana, Thai...) going on
       in that script ("是的" for "是", "正面的" for "正面") goes to the longest such choice, as
       :func:`~weaksup.labelers.template.starts_with_answer` reads a reply's text.

    Several tokens of one choice are summed (log-sum-exp).  A choice with no
    token gets a floor one nat below the smallest listed log-probability (its
    true value is lower than all), so when no choice matches, all get the same
    floor: no evidence, and the LF abstains.  A token that cannot be read (a
    replacement character and no bytes) might be the start of any choice with
    a non-ASCII character there: when it is probable enough that it could make
    such a choice the most probable one, every choice gets the floor too.

    >>> from weaksup.labelers.backends.openai import match_top_logprobs
    >>> match_top_logprobs([("YES", -0.1), ("Maybe", -2.5)], ["yes", "no"])
    [-0.1, -3.5]
    >>> [round(v, 2) for v in match_top_logprobs([("no", -0.1), ("yes", -2.8)], ["yes", "no", "not sure"])]
    [-2.8, -0.1, -3.8]
    >>> match_top_logprobs([("bytes:\\\\xe6\\\\x98", -0.05), ("否", -3.2)], ["是", "否"])
    [-0.05, -3.2]
    >>> match_top_logprobs([("\\ufffd", -0.05), ("否", -3.2)], ["是", "否"])
    [-4.2, -4.2]
    >>> match_top_logprobs([("是的", -0.1), ("否", -2.0)], ["是", "否"])
    [-0.1, -2.0]
    """
    if not top:
        raise ValueError("empty top_logprobs")
    floor = min(lp for _, lp in top) - 1.0
    read = [_read_token(t) for t, _ in top]
    toks = [((v.strip() if kind == "text" else v.lstrip() if kind == "bytes" else None), lp)
            for (kind, v), (_, lp) in zip(read, top)]
    cs = [c.strip() for c in choices]
    folded = [c.casefold() for c in cs]
    encoded = [c.encode("utf-8") for c in cs]
    owner: list[int | None] = [None] * len(toks)
    for k, (t, _) in enumerate(toks):
        if not t or not isinstance(t, str):
            continue
        if t in cs:
            owner[k] = cs.index(t)
        elif t.casefold() in folded:
            owner[k] = folded.index(t.casefold())
    taken = {i for i in owner if i is not None}
    for k, (t, _) in enumerate(toks):
        if owner[k] is not None or not t:
            continue
        if isinstance(t, bytes):
            fits = [i for i, c in enumerate(encoded) if i not in taken and c.startswith(t)]
        elif t.casefold() in folded:
            continue
        else:
            fits = [i for i, c in enumerate(cs) if i not in taken and c.startswith(t)]
        if len(fits) == 1:
            owner[k] = fits[0]
    for k, (t, _) in enumerate(toks):  # 4. "是的" is the answer "是" going on in a script without spaces
        if owner[k] is None and isinstance(t, str) and t:
            longer = [i for i, c in enumerate(cs) if c and len(t) > len(c) and t.startswith(c)
                      and _unspaced(c[-1]) and _unspaced(t[len(c)])]
            if longer:
                best = max(len(cs[i]) for i in longer)
                if sum(len(cs[i]) == best for i in longer) == 1:  # the longest answer that fits ("正面" over "正")
                    owner[k] = next(i for i in longer if len(cs[i]) == best)
    out = []
    for i in range(len(choices)):
        mine = [lp for (_, lp), o in zip(toks, owner) if o == i]
        out.append(_logsumexp(mine) if mine else floor)
    if _unreadable_could_flip(top, read, cs, owner):
        return [floor] * len(choices)
    return out


def _unreadable_could_flip(top: list[tuple[str, float]], read: list[tuple[str, Any]], cs: list[str],
                           owner: list[int | None]) -> bool:
    """Whether the tokens that cannot be read carry enough probability to make another choice the most probable.

    Such a token (e.g. "\\ufffd", no bytes) is the start of a character it does not show, so it may
    belong to any choice whose text goes on with a non-ASCII character after the token's readable
    start.  Choices equal ignoring case count as one ("Yes" and "yes" are one answer's forms).
    """
    cands: set[int] = set()
    unread = 0.0
    for (kind, _), (tok, lp) in zip(read, top):
        if kind != "unknown":
            continue
        head = tok.split("\ufffd", 1)[0].lstrip()
        mine = {i for i, c in enumerate(cs)
                if c.startswith(head) and len(c) > len(head) and not c[len(head)].isascii()}
        if mine:
            cands |= mine
            unread += math.exp(lp)
    if not cands:
        return False
    mass: dict[str, float] = {}
    for i, c in enumerate(cs):
        got = sum(math.exp(lp) for (_, lp), o in zip(top, owner) if o == i)
        mass[c.casefold()] = mass.get(c.casefold(), 0.0) + got
    best = max(mass, key=lambda g: mass[g])
    return any(mass[cs[i].casefold()] + unread >= mass[best] for i in cands if cs[i].casefold() != best)


def text_logprobs(text: str, choices: list[str]) -> list[float]:
    """Scores from a reply's text, for an endpoint that returns no log-probabilities.

    The choice the reply names as a whole word, ignoring case ("Yes, spam" for
    "yes"; "Nope" names no choice; the longest such choice wins: "not sure" over
    "not"), gets 0 and every other choice ``NO_LOGPROB``.  Failing that, a reply
    cut short that only one choice begins with ("Pos" for "positive"; choices
    that differ only in case count as one) picks that choice.  A reply that names
    none, or is the start of several choices, gives every choice ``NO_LOGPROB``:
    no evidence, and the LF abstains.  The order the choices are listed in never
    matters.

    >>> from weaksup.labelers.backends.openai import text_logprobs
    >>> text_logprobs("YES.", ["yes", "no"]), text_logprobs("Maybe", ["yes", "no"])
    ([0.0, -20.0], [-20.0, -20.0])
    >>> text_logprobs("no", ["yes", "not sure", "no"])
    [-20.0, -20.0, 0.0]
    """
    whole = [c for c in choices if starts_with_answer(text, c)]
    if whole:
        longest = max(len(c.strip()) for c in whole)
        hit = [c for c in whole if len(c.strip()) == longest]
    else:
        t = text.strip().casefold()
        hit = [c for c in choices if t and c.strip().casefold().startswith(t)]
    if len({c.strip().casefold() for c in hit}) != 1:
        hit = []
    return [0.0 if c in hit else NO_LOGPROB for c in choices]


class OpenAIBackend(Backend):
    """An OpenAI-compatible endpoint behind the backend interface.

    Parameters
    ----------
    base_url : str
        E.g. ``"http://127.0.0.1:8000/v1"`` (the ``/chat/completions`` or
        ``/completions`` path is appended).
    model : str
        Model name sent in each request; part of the cache key.
    api : {"chat", "completions"}
    api_key : str, optional
        Bearer token (default: the environment variable ``api_key_env``).
    api_key_env : str, default "OPENAI_API_KEY"
        Name of the environment variable read, once when the backend is made, for the token when ``api_key``
        is not given; if it is unset (or empty) requests are sent without an ``Authorization`` header.
    timeout : float
        Seconds to wait for each reply.
    max_retries : int
        Retries after a 429, a 5xx, a timeout or a dropped connection.
    backoff : float
        First retry delay in seconds (doubles each time, with jitter) unless
        the reply's ``Retry-After`` says otherwise.
    max_wait : float
        Cap on any single delay.
    concurrency : int
        Requests in flight at once.
    top_logprobs : int
        How many first-token alternatives to ask for (OpenAI allows 20 for
        chat, 5 for legacy completions).
    system_prompt : str, optional
    batch_size : int, optional
        Prompts per committed batch (default ``4 * concurrency``).
    extra_body : dict, optional
        Added to every request (e.g. ``{"seed": 0}``); part of the cache key.
    """

    def __init__(self, base_url: str, model: str, *, api: str = "chat", api_key: str | None = None,
                 api_key_env: str = "OPENAI_API_KEY", timeout: float = 30.0, max_retries: int = 4,
                 backoff: float = 0.5, max_wait: float = 60.0, concurrency: int = 4, top_logprobs: int = 20,
                 system_prompt: str | None = None, batch_size: int | None = None,
                 extra_body: dict[str, Any] | None = None) -> None:
        super().__init__()
        parsed = urllib.parse.urlparse(base_url or "")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"base_url {base_url!r} is not an http(s) URL with a host, "
                             f"e.g. 'http://127.0.0.1:8000/v1'")
        if api not in ("chat", "completions"):
            raise ValueError(f"api must be 'chat' or 'completions', got {api!r}")
        pos, nonneg, count = Interval(0, None, closed="neither"), Interval(0, None), Interval(0, None, integer=True)
        check_settings("OpenAIBackend", timeout=(timeout, pos), max_retries=(max_retries, count),
                       backoff=(backoff, nonneg), max_wait=(max_wait, nonneg),
                       concurrency=(concurrency, Interval(1, None, integer=True)), top_logprobs=(top_logprobs, count))
        if batch_size is not None:
            check_settings("OpenAIBackend", batch_size=(batch_size, Interval(1, None, integer=True)))
        self.base_url = base_url.rstrip("/")
        self.model = str(model)
        self.api = api
        self.kind = f"openai-{api}"
        self.api_key = api_key if api_key is not None else os.environ.get(api_key_env)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_wait = float(max_wait)
        self.concurrency = int(concurrency)
        self.top_logprobs = int(top_logprobs)
        self.system_prompt = system_prompt
        self.batch_size = int(batch_size) if batch_size is not None else 4 * self.concurrency
        self.extra_body = dict(extra_body or {})
        self.retries = 0
        self.logprob_fallbacks = 0
        self._count_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_count_lock", None)  # locks do not travel; each process gets its own
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._count_lock = threading.Lock()

    def identity(self) -> dict[str, Any]:
        return {"kind": self.kind, "model": self.model, "system": self.system_prompt,
                "top_logprobs": self.top_logprobs, "extra": self.extra_body}

    # ------------------------------------------------------------------ HTTP
    def _delay(self, attempt: int, retry_after: str | None) -> float:
        ra = _retry_after(retry_after)
        if ra is not None:
            return min(self.max_wait, ra)
        return min(self.max_wait, self.backoff * (2 ** attempt)) * (1.0 + 0.25 * random.random())

    def _retry(self, attempt: int, retry_after: str | None = None) -> bool:
        if attempt >= self.max_retries:
            return False
        with self._count_lock:
            self.retries += 1
        time.sleep(self._delay(attempt, retry_after))
        return True

    def _hint(self, status: int, path: str, text: str) -> str:
        """What a 404 (or a proxy's 407) most likely means: a 404 that names the model, or from a base URL that
        already ends in /v1, is about the model name far more often than about the URL."""
        if status == 407:
            return " (the proxy wants credentials: put them in its URL, http://user:password@host:port)"
        if status != 404:
            return ""
        models = f"GET {self.base_url}/models lists the models it serves"
        if (self.model and self.model in text) or "model" in text.casefold():
            return f" (is model={self.model!r} a model this server serves? {models})"
        if urllib.parse.urlparse(self.base_url).path.endswith("/v1"):
            return (f" (the base URL ends in /v1: is model={self.model!r} a model this server serves ({models}), "
                    f"and does it offer {path}?)")
        return " (is the base URL right? it usually ends in /v1)"

    def post(self, path: str, payload: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """POST JSON to ``base_url + path``; returns ``(reply, attempts)``."""
        url = self.base_url + path
        body = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        proxy = _proxy_for(url)
        opener = _opener(proxy)
        # an error met through a proxy may be the proxy's: say which one, and how to go around it
        at = url if proxy is None else (
            f"{url} (through the proxy {_shown_proxy(proxy[1])} from the {proxy[0]}_proxy environment variable; "
            f"if the endpoint can be reached directly, add {urllib.parse.urlparse(url).hostname!r} to no_proxy)")
        attempt = 0
        while True:
            req = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                deadline = time.monotonic() + self.timeout  # for the whole attempt, not each socket read
                with opener.open(req, timeout=self.timeout) as resp:
                    raw = _read_body(resp, deadline)
                    # without a length or chunking the body ends where the connection closes: a cut is invisible
                    delimited = resp.headers.get("Content-Length") is not None or \
                        "chunked" in resp.headers.get("Transfer-Encoding", "").lower()
            except urllib.error.HTTPError as err:
                status = err.code
                try:
                    text = err.read()[:300].decode("utf-8", "replace")
                except Exception:
                    text = ""
                if status in (401, 403):
                    who = "" if proxy is None else " at the proxy or the endpoint"
                    raise BackendAuthError(
                        f"{at}: HTTP {status} ({err.reason}): authentication failed{who}; set api_key= or the "
                        f"OPENAI_API_KEY environment variable. Server said: {text}", status) from None
                if 300 <= status < 400:
                    where = err.headers.get("Location") if err.headers else None
                    raise BackendHTTPError(
                        f"{at}: HTTP {status} ({err.reason}) redirects to {where!r}; redirects are not followed "
                        f"(they would send the API key to another address and turn the POST into a GET): "
                        f"set base_url to the address the endpoint really answers at", status) from None
                if status == 429 or status >= 500:
                    if self._retry(attempt, err.headers.get("Retry-After") if err.headers else None):
                        attempt += 1
                        continue
                    raise BackendHTTPError(f"{at}: HTTP {status} ({err.reason}) on all {attempt + 1} attempts; "
                                           f"last reply: {text}", status) from None
                raise BackendHTTPError(f"{at}: HTTP {status} ({err.reason}){self._hint(status, path, text)}: {text}"
                                       + _lone_surrogate_note(payload), status) from None
            except urllib.error.URLError as err:
                reason = err.reason
                if isinstance(reason, ConnectionRefusedError):
                    if proxy is not None:
                        raise BackendConnectionError(f"{at}: connection refused by the proxy's address") from None
                    raise BackendConnectionError(f"{url}: connection refused: nothing listens there "
                                                 f"(is the server running on that port?)") from None
                if isinstance(reason, socket.gaierror):
                    raise BackendConnectionError(f"{at}: cannot resolve host {urllib.parse.urlparse(url).hostname!r}: "
                                                 f"{reason}") from None
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    if self._retry(attempt):
                        attempt += 1
                        continue
                    raise BackendTimeout(f"{at}: no reply within {self.timeout:g} s on all {attempt + 1} attempts "
                                         f"(raise timeout= for slow models)") from None
                if isinstance(reason, (ConnectionResetError, ConnectionAbortedError)):
                    if self._retry(attempt):
                        attempt += 1
                        continue
                raise BackendConnectionError(f"{at}: {reason}") from None
            except (TimeoutError, socket.timeout):
                if self._retry(attempt):
                    attempt += 1
                    continue
                raise BackendTimeout(f"{at}: no reply within {self.timeout:g} s on all {attempt + 1} attempts "
                                     f"(raise timeout= for slow models)") from None
            except (ConnectionResetError, http.client.RemoteDisconnected, http.client.IncompleteRead) as err:
                if self._retry(attempt):
                    attempt += 1
                    continue
                raise BackendConnectionError(f"{at}: connection dropped on all {attempt + 1} attempts: "
                                             f"{err}") from None
            try:
                data = json.loads(raw)
            except ValueError as err:
                # JSON that stops short in a body with no length is a reply cut off in transit (the server
                # closed the connection mid-reply): retry it like a dropped connection
                text = raw.decode("utf-8", "replace")
                if not delimited and isinstance(err, json.JSONDecodeError) and text.strip() \
                        and err.pos >= len(text.rstrip()) and self._retry(attempt):
                    attempt += 1
                    continue
                raise BackendResponseError(f"{url}: reply is not valid JSON: {raw[:200]!r}") from None
            if not isinstance(data, dict):
                raise BackendResponseError(f"{url}: reply is JSON but not an object: {raw[:200]!r}")
            return data, attempt + 1

    def _payload(self, prompt: str, max_tokens: int, logprobs: bool, stop: list[str] | None = None) -> tuple[str, dict]:
        p: dict[str, Any] = {"model": self.model, "max_tokens": max_tokens, "temperature": 0.0}
        if self.api == "chat":
            msgs = ([{"role": "system", "content": self.system_prompt}] if self.system_prompt else [])
            msgs.append({"role": "user", "content": prompt})
            p["messages"] = msgs
            if logprobs:
                p["logprobs"] = True
                p["top_logprobs"] = self.top_logprobs
            path = "/chat/completions"
        else:
            p["prompt"] = prompt
            if logprobs:
                p["logprobs"] = self.top_logprobs
            path = "/completions"
        if stop:
            p["stop"] = stop
        p.update(self.extra_body)
        return path, p

    def _first_choice(self, data: dict[str, Any], url: str) -> dict[str, Any]:
        if "error" in data and "choices" not in data:
            raise BackendResponseError(f"{url}: endpoint returned an error object: {str(data['error'])[:200]}")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise BackendResponseError(f"{url}: reply has no 'choices' list: {json.dumps(data)[:200]}")
        return choices[0]

    def _text(self, choice: dict[str, Any], url: str) -> str:
        if self.api == "chat":
            msg = choice.get("message")
            if not isinstance(msg, dict) or not isinstance(msg.get("content", ""), (str, type(None))):
                raise BackendResponseError(f"{url}: choice has no message.content: {json.dumps(choice)[:200]}")
            return msg.get("content") or ""
        if not isinstance(choice.get("text", None), str):
            raise BackendResponseError(f"{url}: choice has no 'text': {json.dumps(choice)[:200]}")
        return choice["text"]

    def _top(self, choice: dict[str, Any]) -> list[tuple[str, float]] | None:
        """The first reply token's alternatives as ``(token, logprob)``; a token whose ``bytes`` are only the
        first bytes of a character (its text then shows "\\ufffd" or nothing useful) is named by its bytes,
        ``bytes:\\xe6\\x98``, the name OpenAI gives it, so that it can be matched and kept in the cache.

        Both layouts are read on both routes: chat's ``{"content": [{token, logprob, bytes, top_logprobs}]}``
        (llama.cpp's ``/completions`` uses it too) and legacy completions' ``{"tokens", "top_logprobs": [dict]}``;
        the route's own layout is tried first.
        """
        lp = choice.get("logprobs")
        if not isinstance(lp, dict):
            return None
        readers = (self._top_chat, self._top_legacy)
        try:
            for read in (readers if self.api == "chat" else readers[::-1]):
                top = read(lp)
                if top:
                    return top
            return None
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BackendResponseError(f"malformed logprobs in reply: {json.dumps(lp)[:200]}") from None

    @staticmethod
    def _top_chat(lp: dict[str, Any]) -> list[tuple[str, float]] | None:
        content = lp.get("content") or []
        if not content:
            return None
        out: list[tuple[str, float]] = []
        for d in content[0].get("top_logprobs") or []:
            tok, v = str(d["token"]), float(d["logprob"])
            raw = _token_bytes(d.get("bytes"))
            part = _partial_utf8(raw)
            if part is not None:
                tok = _byte_name(part)
            elif raw is not None and "\ufffd" in tok and "\ufffd" not in raw.decode("utf-8"):
                tok = raw.decode("utf-8")  # the text was mangled on the way; the bytes are whole
            out.append((tok, v))
        return out or None

    @staticmethod
    def _top_legacy(lp: dict[str, Any]) -> list[tuple[str, float]] | None:
        tops = lp.get("top_logprobs") or []
        if not tops or not isinstance(tops[0], dict):
            return None
        return [(str(t), float(v)) for t, v in tops[0].items()] or None

    def _checked_top(self, choice: dict[str, Any], url: str) -> list[tuple[str, float]] | None:
        """:meth:`_top` with every log-probability a finite number (NaN/inf are a malformed reply)."""
        top = self._top(choice)
        for tok, v in top or ():
            if not math.isfinite(v):
                raise BackendResponseError(f"{url}: top_logprobs give token {tok!r} the log-probability {v!r}; "
                                           "an OpenAI-compatible reply must hold finite numbers")
        return top

    def _one_score(self, prompt: str, choices: list[str]) -> dict[str, Any]:
        path, payload = self._payload(prompt, 1, True)
        data, attempts = self.post(path, payload)
        url = self.base_url + path
        choice = self._first_choice(data, url)
        top = self._checked_top(choice, url)
        if top is None:
            text = self._text(choice, url).strip()
            with self._count_lock:
                self.logprob_fallbacks += 1
            return {"logprobs": text_logprobs(text, choices), "usage": data.get("usage") or {},
                    "requests": attempts, "text": text, "logprobs_missing": True}
        return {"logprobs": match_top_logprobs(top, choices), "usage": data.get("usage") or {},
                "requests": attempts, "top": [[t, lp] for t, lp in top]}

    def _score_logprobs(self, response: dict[str, Any], choices: list[str]) -> list[float]:
        # a reply is read by today's rules, cached or not: from its text when it had no log-probabilities,
        # from its top tokens when they were kept (older cached replies keep their stored scores)
        if response.get("logprobs_missing") and isinstance(response.get("text"), str):
            return text_logprobs(response["text"], choices)
        top = response.get("top")
        if isinstance(top, list) and top and all(isinstance(x, list) and len(x) == 2 for x in top):
            try:
                pairs = [(str(t), float(lp)) for t, lp in top]
            except (TypeError, ValueError):
                pairs = []
            if pairs and all(math.isfinite(lp) for _, lp in pairs):
                return match_top_logprobs(pairs, choices)
        return super()._score_logprobs(response, choices)

    def _one_generate(self, prompt: str, max_tokens: int, stop: list[str] | None) -> dict[str, Any]:
        path, payload = self._payload(prompt, max_tokens, False, stop)
        data, attempts = self.post(path, payload)
        choice = self._first_choice(data, self.base_url + path)
        text = self._text(choice, self.base_url + path)
        # why a reply ended ("length": max_tokens spent, e.g. on a reasoning model's thinking), for propose's reasons
        finish = choice.get("finish_reason") if isinstance(choice, dict) else None
        return {"text": text, "usage": data.get("usage") or {}, "requests": attempts, "finish_reason": finish}

    def _concurrent(self, fn: Any, prompts: list[str]) -> list[dict[str, Any]]:
        results: dict[int, dict[str, Any]] = {}
        errors: dict[int, BaseException] = {}
        collect = self._collecting  # go on past a failed prompt (score/generate got failed=)
        pool = ThreadPoolExecutor(max_workers=min(self.concurrency, len(prompts)))
        done = False
        try:
            futs = {pool.submit(fn, p): i for i, p in enumerate(prompts)}
            for fut in as_completed(futs):
                if fut.cancelled():
                    continue
                try:
                    results[futs[fut]] = fut.result()
                    self._deliver(futs[fut], results[futs[fut]])  # committed now, before the batch ends
                except BaseException as exc:  # keep the others: they are stored before re-raising
                    if not errors and not collect:
                        for f in futs:
                            f.cancel()  # not-yet-started requests are skipped
                    errors[futs[fut]] = exc
            done = True
        finally:
            # interrupted (apply_lfs' timeout, Ctrl-C): return at once; requests in flight end on their own
            # deadline and queued ones are dropped
            pool.shutdown(wait=done, cancel_futures=not done)
        if errors:
            first = min(errors)
            raise BatchError(errors[first], results, errors)
        return [results[i] for i in range(len(prompts))]

    def _score_batch(self, prompts: list[str], choices: list[str]) -> list[dict[str, Any]]:
        return self._concurrent(lambda p: self._one_score(p, choices), prompts)

    def _generate_batch(self, prompts: list[str], max_tokens: int, stop: list[str] | None) -> list[dict[str, Any]]:
        return self._concurrent(lambda p: self._one_generate(p, max_tokens, stop), prompts)

    def __repr__(self) -> str:
        return f"OpenAIBackend({self.base_url!r}, model={self.model!r}, api={self.api!r})"
