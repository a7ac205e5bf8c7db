"""The one small interface every language-model backend implements.

A backend does two things, on batches of prompts:

* ``score(prompts, choices)`` -> ``n × len(choices)`` log-probabilities of each
  answer string as the model's reply to each prompt;
* ``generate(prompts, max_tokens=...)`` -> the model's greedy reply text.

Subclasses implement ``_score_batch`` and ``_generate_batch``; this base class
adds the response cache (look-up first, one committed transaction per batch),
de-duplication of repeated prompts, and call accounting.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from weaksup.labelers.cache import ResponseCache

__all__ = ["Backend", "CallStats", "BackendError", "BatchError"]


def check_settings(owner: str, **settings: tuple[Any, Any]) -> None:
    """Refuse a backend setting outside its range, naming it: ``name=(value, Interval)``.

    >>> from weaksup._validation import Interval
    >>> from weaksup.labelers.backends.base import check_settings
    >>> check_settings("OpenAIBackend", timeout=(0, Interval(0, None, closed="neither")))
    Traceback (most recent call last):
    ...
    ValueError: OpenAIBackend: timeout must be a number in (0, inf), got 0
    """
    for name, (value, interval) in settings.items():
        if not interval.accepts(value):
            raise ValueError(f"{owner}: {name} must be {interval}, got {value!r}")


class BackendError(RuntimeError):
    """A backend could not produce a response (after any retries).

    Examples
    --------
    >>> from weaksup.labelers import Backend, BackendError
    >>> class Unreachable(Backend):
    ...     def _score_batch(self, prompts, choices):
    ...         raise BackendError("model server at 127.0.0.1:9 unreachable")
    >>> try:
    ...     Unreachable().score(["Spam? free gift"], ["yes", "no"])
    ... except BackendError as err:
    ...     print(err)
    model server at 127.0.0.1:9 unreachable
    """


class BackendConnectionError(BackendError):
    """No connection: refused, unknown host, or the URL is wrong (the endpoint did not answer at all)."""


class BackendTimeout(BackendError):
    """No reply within ``timeout`` seconds, on every attempt."""


class BatchError(BackendError):
    """Part of a batch failed; ``partial`` holds the responses that did finish.

    The base class stores ``partial`` in the cache before re-raising ``cause``,
    so finished work survives the failure.
    """

    def __init__(self, cause: BaseException, partial: Mapping[int, dict[str, Any]],
                 errors: Mapping[int, BaseException] | None = None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.partial = dict(partial)
        #: the failed prompts' positions in the batch, each with its error (at least the cause's)
        self.errors = dict(errors or {})


def _name_prompt(exc: BaseException, prompt: str | None) -> BaseException:
    """``exc`` with the failed prompt as its ``prompt`` attribute and in its notes (None: unknown)."""
    if prompt is not None and getattr(exc, "prompt", None) is None:
        try:
            exc.prompt = prompt  # type: ignore[attr-defined]
        except AttributeError:  # an exception type with __slots__
            pass
        exc.add_note(f"prompt: {prompt[:200]!r}")
    return exc


@dataclass
class CallStats:
    """Cost and latency accounting (per LF, or per backend).

    ``prompts``: prompts asked for; ``calls``: prompts actually sent to the
    model (cache misses); ``cache_hits``: answered from the cache (or repeats
    within the request); ``seconds``: wall time in model calls;
    ``prompt_tokens`` / ``completion_tokens``: where the backend reports them;
    ``requests``: backend requests (HTTP requests, or model batches);
    ``no_answer``: prompts whose reply named none of the answers (a prompted LF
    abstains there; counted by the LF, cached replies included).

    Examples
    --------
    >>> from weaksup.labelers import CallStats
    >>> stats = CallStats(prompts=4, calls=3, cache_hits=1)
    >>> stats.hit_rate
    0.25
    >>> stats.add(CallStats(prompts=4, cache_hits=4))
    >>> stats.prompts, stats.hit_rate
    (8, 0.625)
    """

    prompts: int = 0
    calls: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    no_answer: int = 0

    @property
    def hit_rate(self) -> float:
        return self.cache_hits / self.prompts if self.prompts else 0.0

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds > 0 else float("nan")

    def add(self, other: CallStats) -> None:
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)

    def minus(self, other: CallStats) -> CallStats:
        """What was counted since the snapshot ``other`` (a copy taken earlier)."""
        return CallStats(**{k: v - getattr(other, k) for k, v in asdict(self).items()})

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hit_rate"] = self.hit_rate
        return d


class Backend:
    """Base class: cache, batching, accounting around ``_score_batch``/``_generate_batch``.

    Attributes
    ----------
    kind : str
        Backend family (``"hf-causal"``, ``"openai-chat"``, ...); part of the cache key.
    model : str
        Model identifier; part of the cache key.
    batch_size : int
        Prompts per model call (local) or per group of concurrent requests (HTTP).
    stats : CallStats
        Everything this backend object has done.

    Examples
    --------
    >>> import math
    >>> import pandas as pd
    >>> from weaksup import apply_lfs
    >>> from weaksup.labelers import Backend, LabelMap, PromptedLF, PromptTemplate
    >>> class KeywordBackend(Backend):
    ...     # a stand-in "model": answers yes (p = 0.9) when the prompt says "free", else no (p = 0.8)
    ...     kind, model = "keyword", "free-means-yes"
    ...     def _score_batch(self, prompts, choices):
    ...         p_yes = [0.9 if "free" in p.lower() else 0.2 for p in prompts]
    ...         return [{"logprobs": [math.log(p if c == "yes" else 1 - p) for c in choices]} for p in p_yes]
    >>> backend = KeywordBackend()
    >>> backend.score(["Spam? free gift"], ["yes", "no"]).round(3).tolist()
    [[-0.105, -2.303]]
    >>> lf = PromptedLF("kw_spam", PromptTemplate("Spam? {text}", ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
    ...                 backend, cache=None, calibrate=False)
    >>> apply_lfs([lf], pd.DataFrame({"text": ["free gift", "hi mom"]}), progress=False).to_dense().ravel().tolist()
    [1, 0]
    """

    kind = "base"
    model = ""
    batch_size = 16
    #: with ``failed=``, prompts in a row whose endpoint did not answer (over this backend's calls, with no reply
    #: between; see :meth:`_endpoint_failed`) before the endpoint is taken as down: the rest of the call are given
    #: up without being asked, and each later call asks one probe prompt first and the rest only if it is answered
    MAX_CONSECUTIVE_FAILURES = 32

    def __init__(self) -> None:
        self.stats = CallStats()

    def forget_failures(self) -> None:
        """Forget failed prompts and a down endpoint: the next call asks every prompt again.

        Run by each apply of a :class:`~weaksup.labelers.PromptedLF` before its first row, so an endpoint
        that looked down stays down over one apply (every chunk, every LF on this backend: each call asks
        one probe prompt first) and is asked every prompt again by the next.
        """
        self.__dict__.pop("_failing", None)
        self.__dict__.pop("_down", None)

    # ------------------------------------------------------------ subclass API
    def identity(self) -> dict[str, Any]:
        """What identifies this backend's answers in the cache key."""
        return {"kind": self.kind, "model": self.model}

    def _score_batch(self, prompts: list[str], choices: list[str]) -> list[dict[str, Any]]:
        """``[{"logprobs": [...one per choice...], "usage": {...}}, ...]``."""
        raise NotImplementedError

    def _generate_batch(self, prompts: list[str], max_tokens: int, stop: list[str] | None) -> list[dict[str, Any]]:
        """``[{"text": str, "usage": {...}}, ...]``."""
        raise NotImplementedError

    # -------------------------------------------------------------- public API
    def score(self, prompts: Sequence[str], choices: Sequence[str], *, cache: ResponseCache | None = None,
              stats: CallStats | None = None, progress: bool = False,
              failed: dict[str, BaseException] | None = None, replies: list[Any] | None = None) -> np.ndarray:
        """Log-probability of each choice as the reply to each prompt (``n × len(choices)``).

        A prompt that fails (after the backend's retries) raises its error, with the
        prompt in the error's notes and as its ``prompt`` attribute; replies already
        received stay in the cache.  With a dict as ``failed``, the other prompts are
        still asked: each failed prompt is recorded there with its error and its row is
        NaN.  After ``MAX_CONSECUTIVE_FAILURES`` prompts in a row whose endpoint did not
        answer (connection refused or dropped, timeout, HTTP 429/5xx after the retries: see
        :meth:`_endpoint_failed`; counted over this backend's calls, so over the chunks of an
        apply; any reply, an HTTP 4xx or a malformed one included, starts the count again) the
        endpoint looks down: one ``RuntimeWarning`` says so and the rest are recorded as
        failed without being asked.  While it looks down, each later call asks one probe
        prompt first: if the endpoint does not answer it either, the call's other prompts
        are recorded as failed at once; if it does, the endpoint is up again and the call
        goes on.  :meth:`forget_failures` clears this (each apply of a prompted LF does).

        ``replies``: a list the full replies are appended to, one per prompt (the backend's
        dict, e.g. an HTTP reply's text or top tokens; None where the prompt failed).

        Examples
        --------
        >>> backend.score(["Is 'win cash now' spam? Answer yes or no."], ["Yes", "No"])  # doctest: +SKIP
        array([[-0.9, -0.6]])
        """
        choices = [str(c) for c in choices]
        if not choices:
            raise ValueError("score() needs at least one answer choice")
        out = self._run("score", prompts, {"choices": choices}, lambda b: self._score_batch(b, choices),
                        cache, stats, progress, failed)
        if replies is not None:
            replies.extend(out)
        nan = [math.nan] * len(choices)
        arr = np.array([nan if r is None else self._score_logprobs(r, choices) for r in out], dtype=np.float64)
        return arr.reshape(len(out), len(choices))

    def generate(self, prompts: Sequence[str], *, max_tokens: int = 16, stop: Sequence[str] | None = None,
                 cache: ResponseCache | None = None, stats: CallStats | None = None,
                 progress: bool = False, failed: dict[str, BaseException] | None = None,
                 replies: list[Any] | None = None) -> list[str | None]:
        """Greedy reply text for each prompt (``failed``, ``replies``: as in :meth:`score`; a failed prompt's text
        is None)."""
        stop_l = list(stop) if stop else None
        out = self._run("generate", prompts, {"max_tokens": int(max_tokens), "stop": stop_l},
                        lambda b: self._generate_batch(b, int(max_tokens), stop_l), cache, stats, progress, failed)
        if replies is not None:
            replies.extend(out)
        return [None if r is None else r["text"] for r in out]

    # --------------------------------------------------------------- machinery
    def _score_logprobs(self, response: dict[str, Any], choices: list[str]) -> list[float]:
        """The log-probabilities of a (validated, possibly cached) score reply."""
        return response["logprobs"]

    def _deliver(self, i: int, response: dict[str, Any]) -> None:
        """Hand over the reply to prompt ``i`` of the running batch as soon as it is back.

        Backends that answer prompts one by one (HTTP) call this for each reply,
        so it is validated and committed to the cache at once: a run killed
        mid-batch keeps every reply already received.  A no-op outside a batch.
        """
        sink = getattr(self._sink, "fn", None)
        if sink is not None:
            sink(i, response)

    def __getstate__(self) -> dict[str, Any]:
        # what an LF needs in a worker process (Dask): the configuration, not this process's thread state
        state = self.__dict__.copy()
        state.pop("_sink_local", None)
        state.pop("_down", None)  # this process's view of the endpoint, not the worker's
        state.pop("_failing", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def _sink(self) -> threading.local:
        local = self.__dict__.get("_sink_local")
        if local is None:
            local = self.__dict__["_sink_local"] = threading.local()
        return local

    def check_response(self, kind: str, response: Any, params: Mapping[str, Any], prompt: str) -> None:
        """Reject a reply that is not a valid answer (the backend boundary): ``BackendError`` naming the prompt.

        A score reply needs one log-probability per choice, each a number that is
        not NaN or +inf (``-inf``, log 0, is allowed); a generate reply needs text.
        """
        where = f"{self.kind} backend ({self.model}) reply to prompt {prompt[:60]!r}"
        if not isinstance(response, Mapping):
            raise BackendError(f"{where} is {type(response).__name__}, not an object")
        if kind == "score":
            lps = response.get("logprobs")
            n = len(params["choices"])
            if not isinstance(lps, (list, tuple)) or len(lps) != n:
                raise BackendError(f"{where}: expected {n} log-probabilities (one per choice), got {lps!r}")
            for c, v in zip(params["choices"], lps):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) or v == math.inf:
                    raise BackendError(f"{where}: log-probability of choice {c!r} is {v!r}; it must be a "
                                       f"number <= 0 (NaN and +inf are rejected, never turned into votes)")
        elif not isinstance(response.get("text"), str):
            raise BackendError(f"{where}: no reply text ({str(response)[:100]})")

    @property
    def _collecting(self) -> bool:
        """Whether the running batch goes on past a failed prompt (``failed=`` was given)."""
        return bool(getattr(self._sink, "collect", False))

    def _run(self, kind: str, prompts: Sequence[str], params: dict[str, Any],
             fn: Callable[[list[str]], list[dict[str, Any]]], cache: ResponseCache | None,
             stats: CallStats | None, progress: bool,
             failed: dict[str, BaseException] | None = None) -> list[dict[str, Any] | None]:
        prompts = [str(p) for p in prompts]
        ident = self.identity()
        keys = [ResponseCache.key(ident, kind, p, params) for p in prompts]
        found: dict[str, dict[str, Any]] = cache.get_many(keys) if cache is not None and keys else {}
        bad_cached = []
        for k, p in zip(keys, prompts):  # a cached reply is trusted only if it is still a valid answer
            if k in found:
                try:
                    self.check_response(kind, found[k], params, p)
                except BackendError as exc:
                    del found[k]
                    bad_cached.append(str(exc))
        if bad_cached:
            warnings.warn(f"response cache {getattr(cache, 'path', cache)}: {len(bad_cached)} cached repl(ies) "
                          f"invalid, asked again (first: {bad_cached[0]})", RuntimeWarning, stacklevel=3)
        todo: dict[str, str] = {}
        for k, p in zip(keys, prompts):
            if k not in found and k not in todo:
                todo[k] = p
        local = CallStats(prompts=len(prompts), cache_hits=len(prompts) - len(todo))
        meta = {"backend": ident.get("kind", self.kind), "model": ident.get("model", self.model), "kind": kind}
        # Similar lengths batch together: less padding for local models.
        items = sorted(todo.items(), key=lambda kp: len(kp[1]))
        bar = None
        if progress and items:
            from weaksup._progress import progress_bar

            # under the applier's bar
            bar = progress_bar(total=len(items), desc=f"{self.kind} {kind}", unit="prompt", leave=False)
        lost: dict[str, BaseException] = {}  # key -> error, with failed=
        # failures in a row are counted over this backend's calls (the chunks of an apply) where the others go on:
        # counted per call, a dead endpoint cost every chunk MAX_CONSECUTIVE_FAILURES prompts' timeouts again
        watch = failed is not None
        in_a_row = int(self.__dict__.get("_failing", 0)) if watch else 0  # failed prompts since the last reply
        # down since an earlier call: one probe prompt is asked first, the rest only if the endpoint answers it
        probe = watch and self.__dict__.get("_down") is not None
        size = max(1, int(self.batch_size))
        head = 1 if probe else size
        batches = ([items[:head]] + [items[s:s + size] for s in range(head, len(items), size)]) if items else []
        try:
            for bi, batch in enumerate(batches):
                delivered: dict[int, dict[str, Any]] = {}
                probing = probe and bi == 0
                if watch and not probing and self.__dict__.get("_down") is not None:
                    stop = BackendError(f"{self.kind} backend ({self.model}): not asked, the endpoint looks down "
                                        f"({self._down}); the next call asks one probe prompt first and goes on if "
                                        f"it is answered, the next apply asks every prompt again")
                    lost.update({key: stop for key, _ in batch})
                    if bar is not None:
                        bar.update(len(batch))
                    continue

                def keep(i: int, r: dict[str, Any], batch: list[tuple[str, str]] = batch,
                         delivered: dict[int, dict[str, Any]] = delivered) -> None:
                    """Validate one reply and commit it now (one transaction per reply)."""
                    if i in delivered:
                        return
                    self.check_response(kind, r, params, batch[i][1])
                    delivered[i] = r
                    found[batch[i][0]] = r
                    if cache is not None:
                        cache.put_many([(batch[i][0], r, batch[i][1])], meta)

                t0 = time.perf_counter()
                self._sink.fn, self._sink.collect = keep, failed is not None
                try:
                    res = fn([p for _, p in batch])
                except BatchError as err:
                    errors: dict[int, BaseException] = dict(err.errors)
                    for i, r in err.partial.items():
                        try:
                            keep(i, r)
                        except BackendError as exc:
                            errors[i] = exc  # an invalid reply is never stored
                    self._record(local, delivered.values(), time.perf_counter() - t0)
                    if failed is None:
                        first = min(errors, default=None)
                        raise _name_prompt(err.cause, None if first is None else batch[first][1]) from err
                    lost.update({batch[i][0]: errors.get(i, err.cause)
                                 for i in range(len(batch)) if i not in delivered})
                    # a prompt refused by the endpoint (HTTP 4xx, a malformed reply) is an answer: it is up
                    replied = bool(delivered) or not all(self._endpoint_failed(errors.get(i, err.cause))
                                                         for i in range(len(batch)))
                    in_a_row = 0 if replied else in_a_row + len(batch)
                    self._track_down(replied, in_a_row, err.cause, probing)
                    if bar is not None:
                        bar.update(len(batch))
                    continue
                except Exception as exc:
                    self._record(local, delivered.values(), time.perf_counter() - t0)
                    if failed is None:
                        raise _name_prompt(exc, batch[0][1] if len(batch) == 1 else None)
                    lost.update({batch[i][0]: exc for i in range(len(batch)) if i not in delivered})
                    replied = bool(delivered) or not self._endpoint_failed(exc)
                    in_a_row = 0 if replied else in_a_row + len(batch)
                    self._track_down(replied, in_a_row, exc, probing)
                    if bar is not None:
                        bar.update(len(batch))
                    continue
                except BaseException:
                    self._record(local, delivered.values(), time.perf_counter() - t0)
                    raise
                finally:
                    self._sink.fn, self._sink.collect = None, False
                if len(res) != len(batch):
                    raise BackendError(f"{self.kind} backend returned {len(res)} responses for {len(batch)} prompts")
                undelivered, invalid = [], {}
                for i, r in enumerate(res):
                    if i not in delivered:
                        try:
                            self.check_response(kind, r, params, batch[i][1])
                        except BackendError as exc:
                            invalid[i] = exc
                        else:
                            undelivered.append((batch[i][0], r, batch[i][1]))
                self._record(local, [r for r in res if isinstance(r, Mapping)], time.perf_counter() - t0)
                if cache is not None and undelivered:
                    cache.put_many(undelivered, meta)  # the valid replies of the batch are kept
                if invalid and failed is None:
                    raise next(iter(invalid.values()))
                found.update({k: r for i, ((k, _), r) in enumerate(zip(batch, res)) if i not in invalid})
                lost.update({batch[i][0]: exc for i, exc in invalid.items()})
                in_a_row = 0  # every prompt got a reply, invalid ones too: the endpoint answers
                if watch:
                    self._track_down(True, in_a_row, None, probing)
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if watch:
                self._failing = in_a_row
            if bar is not None:
                bar.close()
            self.stats.add(local)
            if stats is not None:
                stats.add(local)
        if failed is not None:
            failed.update({todo[k]: exc for k, exc in lost.items()})
        return [found.get(k) for k in keys]

    def _endpoint_failed(self, error: BaseException) -> bool:
        """Whether a failed prompt's ``error`` says the endpoint did not answer at all, so the endpoint may be down.

        Connection refused, dropped or unresolved, a timeout, and HTTP 429/5xx (after the backend's retries) are;
        an HTTP 4xx (e.g. 400: this prompt exceeds the context length) or a malformed reply is the endpoint's
        answer to that one prompt, and never makes it look down.  A backend of one's own raises
        :class:`ConnectionError` or :class:`TimeoutError` (or an error with ``status`` 429/5xx) for the former.
        """
        if isinstance(error, (BackendConnectionError, BackendTimeout, ConnectionError, TimeoutError)):
            return True
        status = getattr(error, "status", None)
        return isinstance(status, int) and not isinstance(status, bool) and (status == 429 or status >= 500)

    def _track_down(self, replied: bool, in_a_row: int, error: BaseException | None, probing: bool) -> None:
        """After a batch asked with ``failed=``: an answer clears a down endpoint; ``MAX_CONSECUTIVE_FAILURES``
        prompts in a row the endpoint did not answer take it as down (one warning); a failed probe keeps it down."""
        if replied:
            self.__dict__.pop("_down", None)
            return
        was_down = self.__dict__.get("_down") is not None
        if not probing and (was_down or in_a_row < self.MAX_CONSECUTIVE_FAILURES):
            return
        last = "" if error is None else f", the last with {type(error).__name__}: {str(error)[:200]}"
        self._down = f"{in_a_row} prompts in a row failed{last}"
        if was_down:  # a failed probe: warned when it went down
            return
        where = getattr(self, "base_url", None)
        warnings.warn(f"{self.kind} backend ({self.model}{f' at {where}' if where else ''}): {self._down}; the "
                      f"endpoint looks down, so the rest of this call's prompts to it are not asked and their rows "
                      f"abstain (faults); each later call (chunk, LF) of this apply asks one probe prompt first and "
                      f"the rest only if it is answered. Check that the server answers, then apply again: it asks "
                      f"them again (with a response cache, only the prompts not answered yet)",
                      RuntimeWarning, stacklevel=4)

    @staticmethod
    def _record(local: CallStats, responses: Any, seconds: float) -> None:
        responses = list(responses)
        local.calls += len(responses)
        local.seconds += seconds
        for r in responses:
            u = r.get("usage") or {}
            local.prompt_tokens += int(u.get("prompt_tokens", 0) or 0)
            local.completion_tokens += int(u.get("completion_tokens", 0) or 0)
            local.requests += int(r.get("requests", 1) or 0)
