"""Prompted labeling functions: a prompt, a model and a label map, as a weaksup LF.

A :class:`PromptedLF` *is* a :class:`weaksup.LabelingFunction` (batched: the
applier hands it DataFrame chunks, and it sends the model batches of
prompts), so it goes through :func:`weaksup.apply_lfs` into a
:class:`~weaksup.VoteMatrix` and any label model, beside ordinary LFs.

Voting: the backend scores every answer's verbalizers; the answer
probabilities (softmax over answers, optionally contextually calibrated) give
the chosen answer (a tie between the two most probable answers abstains), and the
label map turns it into a class or ABSTAIN.

Contextual calibration (Zhao et al., 2021): the prompt is asked about
content-free inputs ("N/A", "", "[MASK]"); their mean answer distribution
``p_cf`` gives ``W = diag(p_cf)^-1`` and calibrated probabilities
``q ∝ W p``.  ``W`` is computed when the LF is applied (:meth:`PromptedLF.prepare`,
run by the applier) or first used, and stored on the LF (``lf.calibration``).
The fingerprint never calls the model: it holds the content-free inputs (``W``
is a function of them, the template and the backend) or, when ``W`` was set
by hand or loaded with :meth:`PromptedLF.from_dict`, ``W`` itself, so vote
caches see a recalibrated LF as a new one.

Examples
--------
>>> from weaksup.labelers import PromptedLF, PromptTemplate, LabelMap
>>> from weaksup.labelers.backends import HFBackend
>>> backend = HFBackend.smollm2()  # doctest: +SKIP
>>> lf = PromptedLF("llm_spam",
...                 PromptTemplate("Is this YouTube comment spam?\\n{text}\\nAnswer yes or no.", ["yes", "no"]),
...                 LabelMap.unipolar("yes", 1), backend, calibrate=True)  # doctest: +SKIP
>>> import weaksup as ws
>>> votes = ws.apply_lfs([lf], df)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup._validation import Interval
from weaksup.apply.errors import RowsFailed, fault_policy
from weaksup.labelers.backends.base import Backend, CallStats
from weaksup.labelers.backends.openai import NO_LOGPROB
from weaksup.labelers.cache import ResponseCache
from weaksup.labelers.template import LabelMap, PromptTemplate, starts_with_answer
from weaksup.lf import LabelingFunction, Row
from weaksup.votes import ABSTAIN

__all__ = ["PromptedLF", "prompted_lf", "CONTENT_FREE"]

CONTENT_FREE = ("N/A", "", "[MASK]")

_DEFAULT_CACHE = object()


def _as_frame(data: Any) -> tuple[pd.DataFrame, bool]:
    """DataFrame for a chunk, a Row/dict (single example) or a list of records."""
    if isinstance(data, pd.DataFrame):
        return data, False
    if isinstance(data, (Row, Mapping)):
        return pd.DataFrame([dict(data)]), True
    if isinstance(data, pd.Series):
        return pd.DataFrame([data.to_dict()]), True
    return pd.DataFrame(list(data)), False


class PromptedLF(LabelingFunction):
    """A labeling function that asks a language model a question about each example.

    Parameters
    ----------
    name : str
    template : PromptTemplate
    label_map : LabelMap or mapping answer -> class
    backend : Backend
        :class:`~weaksup.labelers.backends.HFBackend`, :class:`~weaksup.labelers.backends.OpenAIBackend`, ...
    cache : ResponseCache, path, None or False
        Where responses persist (default: the shared file under
        ``~/.cache/weaksup/labelers``; where that cannot be created, one warning and an in-memory cache).
        ``False``/``None``: no cache.
    calibrate : bool
        Apply contextual calibration (computed on first use, 3 extra prompts,
        cached like any other).
    content_free : sequence of str
        Content-free inputs for calibration.
    min_confidence : float, optional
        Abstain when the chosen answer's (calibrated) probability is below this.
    mode : {"score", "generate"}
        ``"score"`` ranks the answer choices by log-probability (enables
        calibration and soft votes); ``"generate"`` asks for free text and
        takes the first answer whose verbalizer the reply starts with
        (abstaining otherwise).
    max_tokens : int
        Reply length for ``mode="generate"``.
    progress : bool or None
        Progress bar (tqdm) over the prompts the model is asked, moved after each model batch.  ``None``
        (default): shown when a call has more prompts than one model batch (``backend.batch_size``) and some of
        them are not in the cache, so a long chunk of the applier (whose own bar moves only when the chunk is
        done) shows progress; never in a worker process of the applier.  ``True``/``False``: always / never.

    Attributes
    ----------
    stats : CallStats
        Calls, cache hits, seconds and tokens spent by this LF, and the replies that named no
        answer (``no_answer``, one per row).  When at least ``NO_ANSWER_SHARE`` of the distinct
        prompts an apply asks (and at least ``NO_ANSWER_MIN`` of them) get a reply that names none
        of the answers, the LF warns once, with an example reply and what to change (rows that
        repeat a prompt, such as many empty texts, count once; with worker processes, where the
        prompts stay in the workers, rows are counted).
    calibration : ndarray or None
        The diagonal of ``W`` (one weight per answer) once computed.
    """

    #: the share of an apply's prompts whose replies name no answer from which the LF warns ...
    NO_ANSWER_SHARE = 0.9
    #: ... once the apply has asked at least this many
    NO_ANSWER_MIN = 20
    _no_answer_from: CallStats | None = None  # stats when the apply began (None: when the LF was made)
    _no_answer_warned = False
    _no_answer_example: tuple[str, str] | None = None  # (prompt, reply) of a reply that named no answer
    # hashes of the distinct prompts this process asked in the apply, and of those whose reply named no answer
    # (None: none yet, or the apply has warned): the share is of distinct prompts, as 900 rows of one empty text
    # are one prompt and one reply
    _no_answer_asked: set[int] | None = None
    _no_answer_silent: set[int] | None = None

    def __init__(
        self,
        name: str,
        template: PromptTemplate,
        label_map: LabelMap | Mapping[str, int],
        backend: Backend,
        *,
        cache: ResponseCache | str | None | bool | object = _DEFAULT_CACHE,
        calibrate: bool = False,
        content_free: Sequence[str] = CONTENT_FREE,
        min_confidence: float | None = None,
        mode: str = "score",
        max_tokens: int = 4,
        progress: bool | None = None,
    ) -> None:
        super().__init__(name, self._vote_chunk, batched=True)
        if not isinstance(template, PromptTemplate):
            raise TypeError(f"LF {name!r}: template must be a PromptTemplate, got {type(template).__name__}")
        if not isinstance(label_map, LabelMap):
            label_map = LabelMap(label_map)
        label_map.check_answers(template.answers, where=f" of LF {name!r}")
        if not isinstance(backend, Backend):
            raise TypeError(f"LF {name!r}: backend must be a labelers Backend, got {type(backend).__name__}")
        if mode not in ("score", "generate"):
            raise ValueError(f"LF {name!r}: mode must be 'score' or 'generate', got {mode!r}")
        if calibrate and mode != "score":
            raise ValueError(f"LF {name!r}: calibration needs answer scores (mode='score')")
        if min_confidence is not None and not Interval(0, 1).accepts(min_confidence):
            raise ValueError(f"LF {name!r}: min_confidence must be None or {Interval(0, 1)}, got {min_confidence!r}")
        if not Interval(1, None, integer=True).accepts(max_tokens):
            raise ValueError(f"LF {name!r}: max_tokens must be {Interval(1, None, integer=True)}, got {max_tokens!r}")
        self.template = template
        self.label_map = label_map
        self.backend = backend
        if cache is _DEFAULT_CACHE:
            cache = ResponseCache()
        elif isinstance(cache, (str, bytes)) or hasattr(cache, "__fspath__"):
            cache = ResponseCache(cache)  # type: ignore[arg-type]
        self.cache: ResponseCache | None = cache if isinstance(cache, ResponseCache) else None
        self.calibrate = bool(calibrate)
        self.content_free = tuple(content_free)
        self.min_confidence = min_confidence
        self.mode = mode
        self.max_tokens = int(max_tokens)
        self.progress = progress
        self._calibration: np.ndarray | None = None
        self._calibration_given = False  # True when W was set by hand / loaded, not computed here
        self.stats = CallStats()
        self._forms = template.surface_forms()
        self._groups = [[self._forms.index(s) for s in template.verbalizers[a]] for a in template.answers]

    # ---------------------------------------------------------------- scoring
    def prompts(self, data: Any) -> list[str]:
        df, _ = _as_frame(data)
        return [self.template.render(r) for r in df.to_dict("records")]

    def answer_logprobs(self, data: Any) -> np.ndarray:
        """``n × n_answers`` log-scores (log-sum-exp over each answer's verbalizers)."""
        return self._answer_logprobs(self._form_scores(data))

    def _form_scores(self, data: Any, failed: dict[str, BaseException] | None = None,
                     replies: list[Any] | None = None, prompts: list[str] | None = None) -> np.ndarray:
        """``n × n_forms`` scores of every verbalizer, as the backend returns them
        (``failed``, ``replies``: see :meth:`Backend.score`; a failed prompt's row is NaN; ``prompts``:
        ``self.prompts(data)`` when already rendered)."""
        prompts = self.prompts(data) if prompts is None else prompts
        if not prompts:
            return np.zeros((0, len(self._forms)))
        return self.backend.score(prompts, self._forms, cache=self.cache, stats=self.stats,
                                  progress=self._show_progress(len(prompts)), failed=failed, replies=replies)

    def _show_progress(self, n_prompts: int) -> bool:
        """Whether the backend shows a bar over ``n_prompts`` prompts (``progress=None``: see the class)."""
        if self.progress is not None:
            return bool(self.progress)
        import multiprocessing

        # more than one model batch: the applier's bar (one step per chunk) would sit still meanwhile;
        # a worker process's bar would interleave with the other workers' and the parent's
        return n_prompts > max(1, int(self.backend.batch_size)) and multiprocessing.parent_process() is None

    @staticmethod
    def _no_evidence(raw: np.ndarray) -> np.ndarray:
        """Rows whose verbalizers all scored alike: the reply named no answer (an endpoint's
        reply text or top tokens matched none), so ranking the answers would only pick the
        first listed.  The LF abstains there and its soft vote is 0."""
        return raw.max(axis=1, initial=-np.inf) == raw.min(axis=1, initial=np.inf)

    @staticmethod
    def _tied(p: np.ndarray, rtol: float = 1e-9) -> np.ndarray:
        """Rows whose two most probable answers are equal up to rounding (``rtol``, relative): the
        argmax would pick the answer listed first, so the LF abstains there (a calibrated row
        answered like the content-free inputs, with scores read from reply text, lands here)."""
        if p.shape[1] < 2:
            return np.zeros(p.shape[0], dtype=bool)
        top2 = np.sort(p, axis=1)[:, -2:]
        return top2[:, 1] - top2[:, 0] <= rtol * top2[:, 1]

    def _answer_logprobs(self, raw: np.ndarray) -> np.ndarray:
        out = np.empty((raw.shape[0], len(self._groups)))
        for j, g in enumerate(self._groups):
            sub = raw[:, g]
            m = sub.max(axis=1, keepdims=True)
            m = np.where(np.isfinite(m), m, 0.0)
            with np.errstate(divide="ignore"):
                out[:, j] = (m + np.log(np.exp(sub - m).sum(axis=1, keepdims=True)))[:, 0]
        return out

    @staticmethod
    def _softmax(lp: np.ndarray) -> np.ndarray:
        m = lp.max(axis=1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        e = np.exp(lp - m)
        s = e.sum(axis=1, keepdims=True)
        return np.divide(e, s, out=np.full_like(e, 1.0 / e.shape[1]), where=s > 0)

    @property
    def calibration(self) -> np.ndarray | None:
        """The diagonal of ``W`` (one weight per answer), or None until computed or set."""
        return self._calibration

    @calibration.setter
    def calibration(self, weights: Any) -> None:
        self._calibration = None if weights is None else np.asarray(weights, dtype=np.float64)
        self._calibration_given = weights is not None

    def fit_calibration(self) -> np.ndarray:
        """Compute ``W = diag(p_cf)^-1`` from the content-free inputs; returns its diagonal."""
        rows = [self.template.content_free(t) for t in self.content_free]
        raw = self._form_scores(pd.DataFrame(rows))
        if raw.size and np.isin(raw, (0.0, NO_LOGPROB)).all():
            warnings.warn(f"LF {self.name!r}: calibrate=True, but the backend's replies to the content-free inputs "
                          f"carry no log-probabilities (scored from the reply text: 0 or {NO_LOGPROB:g}); "
                          f"calibration then only reweights near-certain answers, and a row answered like the "
                          f"content-free inputs is a tie, where the LF abstains", UserWarning, stacklevel=2)
        p = self._softmax(self._answer_logprobs(raw))
        p_cf = np.clip(p.mean(axis=0), 1e-12, None)
        p_cf = p_cf / p_cf.sum()
        self._calibration, self._calibration_given = 1.0 / p_cf, False
        return self._calibration

    def prepare(self) -> None:
        """Compute the contextual calibration before voting (run once per apply by the applier).

        Each apply also starts afresh: the backend asks every prompt again (an endpoint that looked
        down in the last apply is tried again, :meth:`Backend.forget_failures`), and the share of
        replies that name no answer is counted from here.
        """
        self.backend.forget_failures()
        if self.calibrate and self._calibration is None and self.mode == "score":
            self.fit_calibration()
        self._no_answer_from = dataclasses.replace(self.stats)
        self._no_answer_warned = False
        self._no_answer_example = None
        self._no_answer_asked, self._no_answer_silent = set(), set()

    def answer_probs(self, data: Any, calibrated: bool | None = None) -> np.ndarray:
        """``n × n_answers`` answer probabilities, calibrated when the LF calibrates
        (or when ``calibrated=True``)."""
        if self.mode != "score":
            raise ValueError(f"LF {self.name!r}: answer probabilities need mode='score'")
        return self._probs(self._form_scores(data), calibrated)

    def _probs(self, raw: np.ndarray, calibrated: bool | None = None) -> np.ndarray:
        p = self._softmax(self._answer_logprobs(raw))
        use = self.calibrate if calibrated is None else calibrated
        if use:
            w = self.calibration if self.calibration is not None else self.fit_calibration()
            q = p * w[None, :]
            p = q / q.sum(axis=1, keepdims=True)
        return p

    def soft_votes(self, data: Any) -> np.ndarray:
        """``n × k`` soft votes: each class gets the probability of the answers mapped to it.

        Answers mapped to ABSTAIN contribute nothing, so a row sums to the
        probability that the LF votes at all (1 for a full multi-class map,
        ``p(yes)`` for a unipolar one); a row whose reply named no answer is all 0.
        """
        if self.mode != "score":
            raise ValueError(f"LF {self.name!r}: soft votes need mode='score'")
        raw = self._form_scores(data)
        p = self._probs(raw)
        p[self._no_evidence(raw)] = 0.0
        k = self._cardinality_hint()
        out = np.zeros((p.shape[0], k))
        for j, a in enumerate(self.template.answers):
            c = self.label_map(a)
            if c != ABSTAIN:
                out[:, c] += p[:, j]
        return out

    def _cardinality_hint(self) -> int:
        if self.label_map.label_names is not None:
            return len(self.label_map.label_names)
        return max(2, max(self.label_map.classes(), default=0) + 1)

    def answers(self, data: Any) -> list[str | None]:
        """The chosen answer per example (``None`` where nothing was chosen)."""
        return self._answers(data)

    def _answers(self, data: Any, failed: dict[str, BaseException] | None = None) -> list[str | None]:
        if self.mode == "generate":
            prompts = self.prompts(data)
            texts = self.backend.generate(prompts, max_tokens=self.max_tokens, cache=self.cache, stats=self.stats,
                                          progress=self._show_progress(len(prompts)), failed=failed)
            parsed = [None if t is None else self._parse(t) for t in texts]
            silent = [i for i, (t, a) in enumerate(zip(texts, parsed)) if t is not None and a is None]
            self._count_no_answer(silent, lambda i: (prompts[i], f"the reply {texts[i][:120]!r}"), prompts)
            return parsed
        replies: list[Any] = []
        prompts = self.prompts(data)
        raw = self._form_scores(data, failed, replies, prompts)
        lost = np.isnan(raw).any(axis=1)
        raw[lost] = 0.0
        p = self._probs(raw)
        best = p.argmax(axis=1)
        out: list[str | None] = [self.template.answers[b] for b in best]
        no_evidence = self._no_evidence(raw)
        self._count_no_answer(np.flatnonzero(no_evidence & ~lost).tolist(),
                              lambda i: (prompts[i], self._describe(replies[i] if i < len(replies) else None)),
                              prompts)
        keep = ~no_evidence & ~lost & ~self._tied(p)
        if self.min_confidence is not None:
            keep &= p[np.arange(len(best)), best] >= self.min_confidence
        return [a if ok else None for a, ok in zip(out, keep)]

    @staticmethod
    def _describe(reply: Any) -> str:
        """A score reply in words, for a message: its text, or its first token's top log-probabilities."""
        if isinstance(reply, Mapping):
            if isinstance(reply.get("top"), list) and reply["top"]:
                tops = ", ".join(f"{t!r} ({float(lp):.4g})" for t, lp in reply["top"][:5])
                return f"the first reply token's top log-probabilities {tops}"
            if isinstance(reply.get("text"), str):
                return f"the reply text {reply['text'][:120]!r}"
            if "logprobs" in reply:
                return f"the same score for every answer {reply['logprobs']!r}"
        return "a reply that named no answer"

    def _count_no_answer(self, rows: Sequence[int], example: Callable[[int], tuple[str, str]],
                         prompts: Sequence[str]) -> None:
        """Count the ``rows`` whose reply named no answer (the LF abstains there) and warn when most of the
        distinct ``prompts`` asked in this apply did."""
        import multiprocessing

        if rows:
            self.stats.no_answer += len(rows)
            self.backend.stats.no_answer += len(rows)
            if self._no_answer_example is None:
                self._no_answer_example = example(rows[0])
        if not self._no_answer_warned and multiprocessing.parent_process() is None:  # a worker: its parent warns
            if self._no_answer_asked is None or self._no_answer_silent is None:
                self._no_answer_asked, self._no_answer_silent = set(), set()
            self._no_answer_asked.update(hash(p) for p in prompts)
            self._no_answer_silent.update(hash(prompts[i]) for i in rows)
        self._warn_no_answer()

    def _warn_no_answer(self) -> None:
        """Warn once per apply when at least ``NO_ANSWER_SHARE`` of its prompts (at least ``NO_ANSWER_MIN``)
        got a reply that named no answer: the LF abstains on them, and its coverage alone would not say why."""
        import multiprocessing

        if self._no_answer_warned or multiprocessing.parent_process() is not None:  # a worker: its parent warns
            return
        since = self.stats if self._no_answer_from is None else self.stats.minus(self._no_answer_from)
        if self._no_answer_asked and self._no_answer_silent is not None:  # asked here: each prompt counts once
            asked, silent, what = len(self._no_answer_asked), len(self._no_answer_silent), "distinct prompts"
        else:  # the replies of worker processes: only their counts come back, one per row
            asked, silent, what = since.prompts, since.no_answer, "prompts"
        if asked < self.NO_ANSWER_MIN or silent < self.NO_ANSWER_SHARE * asked:
            return
        self._no_answer_warned = True
        self._no_answer_asked = self._no_answer_silent = None  # counted no further in this apply
        if self._no_answer_example is not None:
            prompt, reply = self._no_answer_example
            eg = f"e.g. prompt {prompt[:80]!r} got {reply}"
        else:
            eg = "the replies came back from worker processes: lf.answers(df.head()) shows some"
        fix = ("a reasoning model (Qwen3, DeepSeek-R1) begins with '<think>': turn thinking off (vLLM: "
               "OpenAIBackend(..., extra_body={'chat_template_kwargs': {'enable_thinking': False}})) or use a "
               "model without it; check the chat template the model is served with; a system prompt "
               "(OpenAIBackend(system_prompt=...)) or a prompt that ends by naming the answers asks for the "
               "answer word alone; the answer choices must be words the model says")
        if self.mode == "generate":
            fix += (f"; the reply is read from its start, within max_tokens={self.max_tokens} tokens (raise it when "
                    f"the reply is cut before the answer)")
        else:
            fix += "; mode='score' reads the first reply token only"
        warnings.warn(f"LF {self.name!r}: {silent} of the {asked} {what} it has asked in this apply "
                      f"so far got a reply that named none of the answers {list(self.template.answers)}, so the LF "
                      f"abstained on those rows (counted in lf.stats.no_answer); {eg}. What to change: {fix}",
                      UserWarning, stacklevel=3)

    def _parse(self, text: str) -> str | None:
        """The answer a generated reply starts with, as a whole word (the longest verbalizer
        wins: "not spam" over "not"); None when it names none ("Nope", "Maybe")."""
        t = text.strip().lstrip("\"'*:-( ").strip()
        best: tuple[int, str] | None = None
        for a in self.template.answers:
            for s in self.template.verbalizers[a]:
                s2 = s.strip()
                if starts_with_answer(t, s2) and (best is None or len(s2) > best[0]):
                    best = (len(s2), a)
        return best[1] if best else None

    def votes(self, data: Any) -> np.ndarray:
        """Votes (class or ABSTAIN) for a DataFrame / records."""
        return self._votes(data)

    def _votes(self, data: Any, failed: dict[str, BaseException] | None = None) -> np.ndarray:
        return np.array([self.label_map(a) if a is not None else ABSTAIN for a in self._answers(data, failed)],
                        dtype=np.int64)

    def _vote_chunk(self, chunk: pd.DataFrame) -> np.ndarray:
        """The applier's call: a prompt that fails is blamed on its rows (:class:`RowsFailed`);
        unless the apply's fault policy is ``"raise"`` the other prompts are still asked and
        only the failed rows abstain."""
        policy = fault_policy()
        if policy is None:  # called outside an apply: the backend's error as it is
            return self._votes(chunk)
        if policy == "raise":
            try:
                return self._votes(chunk)
            except Exception as exc:
                prompt = getattr(exc, "prompt", None)
                if prompt is None:
                    raise
                prompts = self.prompts(chunk)
                raise RowsFailed([i for i, p in enumerate(prompts) if p == prompt], None, exc,
                                 f", prompt {prompt[:80]!r}") from exc
        failed: dict[str, BaseException] = {}
        votes = self._votes(chunk, failed)
        if not failed:
            return votes
        prompts = self.prompts(chunk)
        rows = [i for i, p in enumerate(prompts) if p in failed]
        first = failed[prompts[rows[0]]]
        raise RowsFailed(rows, votes, first, f" ({len(failed)} prompt(s)), first prompt {prompts[rows[0]][:80]!r}")

    def __call__(self, x: Any) -> Any:
        df, single = _as_frame(x)
        return int(self.votes(df)[0]) if single else self._vote_chunk(df)

    # -------------------------------------------------------- accounting
    def call_counts(self) -> CallStats:
        return dataclasses.replace(self.stats)

    def absorb_counts(self, delta: CallStats) -> None:
        self.stats.add(delta)
        self.backend.stats.add(delta)
        self._warn_no_answer()  # the replies of worker processes: they leave the warning to this process

    # ----------------------------------------------------------- identity
    def fingerprint(self) -> str:
        """Identity for the vote cache, from configuration only (never calls the model)."""
        calibration: Any = None
        if self.calibrate:
            calibration = ([round(float(w), 10) for w in self._calibration]
                           if self._calibration_given and self._calibration is not None
                           else {"content_free": list(self.content_free)})
        parts = {
            "name": self.name, "template": self.template.to_dict(), "label_map": self.label_map.to_dict(),
            "backend": self.backend.identity(), "mode": self.mode, "max_tokens": self.max_tokens,
            "calibration": calibration, "min_confidence": self.min_confidence,
        }
        return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """Everything but the backend and cache (JSON-serialisable)."""
        return {"name": self.name, "template": self.template.to_dict(), "label_map": self.label_map.to_dict(),
                "calibrate": self.calibrate, "content_free": list(self.content_free),
                "calibration": None if self.calibration is None else self.calibration.tolist(),
                "min_confidence": self.min_confidence, "mode": self.mode, "max_tokens": self.max_tokens}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], backend: Backend, **kwargs: Any) -> PromptedLF:
        lf = cls(d["name"], PromptTemplate.from_dict(d["template"]), LabelMap.from_dict(d["label_map"]), backend,
                 calibrate=d.get("calibrate", False), content_free=d.get("content_free", CONTENT_FREE),
                 min_confidence=d.get("min_confidence"), mode=d.get("mode", "score"),
                 max_tokens=d.get("max_tokens", 4), **kwargs)
        if d.get("calibration") is not None:
            lf.calibration = np.asarray(d["calibration"], dtype=np.float64)
        return lf

    def __repr__(self) -> str:
        cal = ", calibrated" if self.calibrate else ""
        return f"PromptedLF {self.name} ({self.backend.kind}:{self.backend.model}{cal})"


def prompted_lf(
    backend: Backend,
    answer_choices: Sequence[str] | Mapping[str, Sequence[str]],
    label_map: LabelMap | Mapping[str, int | str],
    *,
    name: str | None = None,
    label_names: Sequence[str] | None = None,
    **kwargs: Any,
) -> Callable[[Callable[[], str]], PromptedLF]:
    """Decorator: the function's docstring (or return value) is the prompt template.

    Examples
    --------
    A real backend is :class:`~weaksup.labelers.backends.HFBackend` (e.g. ``HFBackend.smollm2()``) or
    :class:`~weaksup.labelers.backends.OpenAIBackend`; here a stand-in that says "yes" to "free":

    >>> import math
    >>> from weaksup.labelers import Backend
    >>> from weaksup.lf import Row
    >>> from weaksup.labelers import prompted_lf
    >>> class KeywordBackend(Backend):
    ...     kind, model = "keyword", "free-means-yes"
    ...     def _score_batch(self, prompts, choices):
    ...         p_yes = [0.9 if "free" in p.lower() else 0.2 for p in prompts]
    ...         return [{"logprobs": [math.log(p if c == "yes" else 1 - p) for c in choices]} for p in p_yes]
    >>> backend = KeywordBackend()
    >>> @prompted_lf(backend, ["yes", "no"], {"yes": "SPAM"}, label_names=["HAM", "SPAM"], cache=None,
    ...              calibrate=False)
    ... def llm_spam():
    ...     "Is this YouTube comment spam?\\n{text}\\nAnswer yes or no."
    >>> llm_spam.name, llm_spam(Row(text="free gift card")), llm_spam(Row(text="great song"))  # "no" abstains
    ('llm_spam', 1, -1)
    """
    def deco(f: Callable[[], str]) -> PromptedLF:
        # cleandoc: a docstring's source indentation is not part of the prompt (Python < 3.13 keeps it)
        text = inspect.cleandoc(f.__doc__) if f.__doc__ and f.__doc__.strip() else f()
        if not isinstance(text, str):
            if f.__doc__ is None and text is None and sys.flags.optimize >= 2:
                # python -OO / PYTHONOPTIMIZE=2 drops every docstring, so a docstring prompt arrives as None
                raise TypeError(
                    f"@prompted_lf function {f.__name__!r} has no docstring: python -OO (PYTHONOPTIMIZE=2) strips "
                    "docstrings, so a prompt written as the docstring is lost. Have the function return the template "
                    f"text (def {f.__name__}(): return \"...{{text}}...\"), or build PromptedLF(name, "
                    "PromptTemplate(text, answer_choices), label_map, backend) directly, or run without -OO.")
            raise TypeError(f"@prompted_lf function {f.__name__!r} must have a docstring or return the template text")
        lm = label_map if isinstance(label_map, LabelMap) else LabelMap(label_map, label_names)
        tmpl_kw = {k: kwargs.pop(k) for k in ("max_field_chars",) if k in kwargs}
        return PromptedLF(name or f.__name__, PromptTemplate(text.strip("\n"), answer_choices, name=f.__name__,
                                                             **tmpl_kw), lm, backend, **kwargs)

    return deco
