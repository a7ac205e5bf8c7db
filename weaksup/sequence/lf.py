"""Span labeling functions: ``@span_labeling_function``, gazetteer and regex builders, and the applier.

A span LF looks at one tokenised sentence and returns the entity spans it
believes in, as ``(start, end, type)`` triples over token positions (``end``
exclusive).  Tokens outside its spans get the tag ``"O"`` (or ``ABSTAIN`` with
``outside="abstain"`` in :func:`apply_span_lfs`).  An LF may instead return one
tag per token (``output="tags"``).

The sentence an LF receives is a :class:`weaksup.lf.Row` with at least
``tokens`` (and ``text`` = the tokens joined by spaces, ``index``); pass dicts
with more fields to :func:`apply_span_lfs` and they are passed along.

Examples
--------
>>> from weaksup.sequence import apply_span_lfs, gazetteer_span_lf, span_labeling_function
>>> @span_labeling_function(entity_type="Disease")
... def lf_itis(x):
...     return [(i, i + 1) for i, t in enumerate(x.tokens) if t.endswith("itis")]
>>> lf_itis(["severe", "hepatitis", "."])
[(1, 2, 'Disease')]
>>> gaz = gazetteer_span_lf("gaz", {"Chemical": ["aspirin", "nitric oxide"]})
>>> gaz(["Nitric", "oxide", "and", "aspirin"])
[(0, 2, 'Chemical'), (3, 4, 'Chemical')]
>>> votes = apply_span_lfs([["severe", "hepatitis"], ["aspirin"]], [lf_itis, gaz],
...                        entity_types=["Chemical", "Disease"])
>>> votes.sentence(0).tolist()   # O, B-Chemical, I-Chemical, B-Disease, I-Disease
[[0, 0], [3, 0]]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from weaksup.apply.errors import LFOutputError
from weaksup.apply.kernel import apply_chunk, check_fault, warn_faults
from weaksup.lf.core import LabelingFunction, Row, _combine, as_lfs
from weaksup.lf.families import _match_form
from weaksup.sequence.tags import (
    SpanError,
    TagSequenceError,
    _bio_to_spans,
    bio_tag_names,
    check_entity_types,
    check_spans,
    spans_to_bio,
)
from weaksup.sequence.votes import SequenceVotes
from weaksup.votes import ABSTAIN

__all__ = [
    "SpanLabelingFunction",
    "SpanLFOutputError",
    "span_labeling_function",
    "gazetteer_span_lf",
    "regex_span_lf",
    "apply_span_lfs",
    "as_sentence",
]


class SpanLFOutputError(LFOutputError):
    """A span LF raised or returned something invalid; the message names the LF and the sentence.

    A :class:`~weaksup.apply.LFOutputError`, so ``except LFApplyError`` and
    ``except ValueError`` both catch it.

    Examples
    --------
    >>> from weaksup.sequence import SpanLabelingFunction, SpanLFOutputError, apply_span_lfs
    >>> bad = SpanLabelingFunction("bad", lambda x: [(0, 9, "LOC")])
    >>> try:
    ...     apply_span_lfs(["a b"], [bad], progress=False)
    ... except SpanLFOutputError as err:
    ...     print(str(err).split(" for a ")[0])
    span (0, 9, 'LOC') from LF 'bad' on sentence 0 is out of bounds
    """


def _check_tokens(toks: Any, index: int, what: str) -> list[str]:
    """``toks`` as a list of token strings; anything else is refused naming the sentence (and token)."""
    if isinstance(toks, str):
        raise TypeError(f"sentence {index}: {what} is a string ({toks[:40]!r}); give a list of token "
                        "strings (its characters would be read as tokens)")
    if isinstance(toks, np.ndarray) and toks.ndim == 1:
        toks = toks.tolist()
    if not isinstance(toks, (list, tuple)):
        raise TypeError(f"sentence {index}: {what} must be a list of token strings, got {type(toks).__name__}")
    bad = next((k for k, t in enumerate(toks) if not isinstance(t, str)), None)
    if bad is not None:
        raise ValueError(f"sentence {index}: tokens must be strings; token {bad} is "
                         f"{type(toks[bad]).__name__} {toks[bad]!r}")
    return list(toks)


def as_sentence(x: Any, index: int = 0) -> Row:
    """Coerce a token list, a whitespace string, or a dict with ``tokens`` into a Row.

    A dict's ``tokens`` is checked as a token list is: a list (or tuple, or 1-D array) of
    strings; a string there is refused rather than read as its characters.
    """
    if isinstance(x, Row) and "tokens" in x:
        return x
    if isinstance(x, str):
        toks = x.split()
        return Row(tokens=toks, text=" ".join(toks), index=index)
    if isinstance(x, Mapping):
        if "tokens" not in x:
            raise ValueError(f"sentence {index}: a dict sentence needs a 'tokens' field, got keys {list(x)}")
        r = Row(x)
        r["tokens"] = _check_tokens(r["tokens"], index, "'tokens'")
        r.setdefault("text", " ".join(r["tokens"]))
        r.setdefault("index", index)
        return r
    if isinstance(x, (list, tuple)):
        toks = _check_tokens(x, index, "the token list")
        return Row(tokens=toks, text=" ".join(toks), index=index)
    raise TypeError(f"sentence {index}: expected a token list, a string or a dict with 'tokens', got "
                    f"{type(x).__name__}")


def _sentence_items(sentences: Any) -> list[Any]:
    """The sentences of ``apply_span_lfs``'s input, one item each.

    A DataFrame gives one dict per row (iterating it would give its column names); a string or a
    single dict in place of the list is refused (its characters / keys would become sentences).
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(sentences, pd.DataFrame):
        if "tokens" not in sentences.columns:
            raise ValueError("sentences is a DataFrame without a 'tokens' column (one token list per row); "
                             f"it has columns {list(sentences.columns)}")
        return sentences.to_dict("records")
    if isinstance(sentences, (str, bytes, Mapping)):
        raise TypeError(f"sentences must be a list of sentences (token lists, strings or dicts), got one "
                        f"{type(sentences).__name__}; wrap a single sentence in a list")
    return list(sentences)


class SpanLabelingFunction(LabelingFunction):
    """A labeling function that returns entity spans over a sentence's tokens.

    A row-wise :class:`~weaksup.lf.LabelingFunction` whose example is a
    sentence (a :class:`~weaksup.lf.Row` with ``tokens``); it runs through the
    same LF kernel as class and value LFs (:func:`apply_span_lfs`).

    Parameters
    ----------
    name : str
    f : callable
        ``f(x, **resources)`` with ``x`` a Row holding ``tokens``; returns a
        list of ``(start, end, type)`` spans, ``(start, end)`` pairs when
        ``entity_type`` is set, or a list of BIO tags when ``output="tags"``.
    entity_type : str, optional
        Type given to ``(start, end)`` pairs.
    resources : dict, optional
        Keyword arguments passed to ``f``.
    output : {"spans", "tags"}
        ``"tags"``: ``f`` returns one tag per token, valid IOB2 (a stray ``I-X`` raises
        :class:`SpanLFOutputError`; :func:`weaksup.sequence.repair_bio` in ``f`` reads it as ``B-X``).
    allow_overlap : bool
        Whether the LF may return overlapping spans (they are then resolved
        by :func:`apply_span_lfs`'s ``on_overlap``); otherwise overlaps raise.
    identity : str, optional
        What determines the LF's spans when ``f`` is built from data (a
        gazetteer's trie, a pattern); the fingerprint is then made from it
        instead of ``f``'s code and closure.

    Examples
    --------
    >>> from weaksup.sequence import SpanLabelingFunction, apply_span_lfs
    >>> cities = SpanLabelingFunction(
    ...     "cities", lambda x: [(i, i + 1) for i, t in enumerate(x.tokens) if t in {"Paris", "Rome"}],
    ...     entity_type="LOC")
    >>> cities({"tokens": ["from", "Paris", "to", "Rome"]})
    [(1, 2, 'LOC'), (3, 4, 'LOC')]
    """

    def __init__(self, name: str, f: Callable[..., Any], entity_type: str | None = None,
                 resources: Mapping[str, Any] | None = None, output: str = "spans",
                 allow_overlap: bool = False, *, identity: str | None = None) -> None:
        if output not in ("spans", "tags"):
            raise ValueError(f"output must be 'spans' or 'tags', got {output!r}")
        super().__init__(name, f, resources=resources)
        self.entity_type = entity_type
        self.output = output
        self.allow_overlap = allow_overlap
        self._identity = identity

    @property
    def f(self) -> Callable[..., Any]:
        return self._f

    @property
    def resources(self) -> dict[str, Any]:
        return self._resources

    def __repr__(self) -> str:
        return f"SpanLabelingFunction({self.name!r}, output={self.output!r})"

    def fingerprint(self) -> str:
        how = repr((self.entity_type, self.output, self.allow_overlap))
        code = self._identity if self._identity is not None else super().fingerprint()
        return _combine([f"span|{self.name}|{how}", code])  # keeps a volatile code fingerprint volatile

    def row_caller(self) -> Callable[[Any], Any]:
        """The raw ``f`` on one sentence Row (the kernel validates outputs with the sentence's index)."""
        f, resources = self._f, self._resources
        return lambda x: f(x, **resources)

    def raw(self, x: Any, index: int = 0) -> Any:
        return self.f(as_sentence(x, index), **self.resources)

    def __call__(self, x: Any, index: int = 0) -> list[tuple[int, int, str]]:
        """Validated spans for one sentence (tag outputs are converted to spans)."""
        row = as_sentence(x, index)
        return self._spans(self.f(row, **self.resources), len(row["tokens"]), index)

    def _spans(self, out: Any, n: int, index: int) -> list[tuple[int, int, str]]:
        where = f" from LF {self.name!r} on sentence {index}"
        if out is None:
            return []
        if self.output == "tags":
            tags = list(out)
            if len(tags) != n:
                raise SpanLFOutputError(f"LF {self.name!r} returned {len(tags)} tags for sentence {index} "
                                        f"of {n} tokens (one tag per token expected)")
            try:
                # no invalid= on this path (the LF's tags are its own output): say what the LF can do
                return _bio_to_spans(tags, "error", where, "return valid IOB2 tags from the LF, or repair them "
                                     "there with weaksup.sequence.repair_bio(tags), which reads a stray I-X as B-X")
            except TagSequenceError as exc:
                raise SpanLFOutputError(str(exc)) from None
        if not isinstance(out, (list, tuple)):
            raise SpanLFOutputError(f"LF {self.name!r} returned {type(out).__name__} for sentence {index}; "
                                    "expected a list of (start, end, type) spans")
        spans = []
        for sp in out:
            if self.entity_type is not None and isinstance(sp, (tuple, list)) and len(sp) == 2:
                sp = (sp[0], sp[1], self.entity_type)
            spans.append(sp)
        try:
            return check_spans(spans, n, allow_overlap=self.allow_overlap, where=where)
        except SpanError as exc:
            raise SpanLFOutputError(str(exc)) from None


def span_labeling_function(name: str | None = None, *, entity_type: str | None = None,
                           resources: Mapping[str, Any] | None = None, output: str = "spans",
                           allow_overlap: bool = False) -> Callable[[Callable[..., Any]], SpanLabelingFunction]:
    """Decorator making a :class:`SpanLabelingFunction` (name defaults to the function's)."""
    if callable(name):
        raise TypeError("use @span_labeling_function() with parentheses")

    def wrap(f: Callable[..., Any]) -> SpanLabelingFunction:
        return SpanLabelingFunction(name or f.__name__, f, entity_type, resources, output, allow_overlap)

    return wrap


def _phrase_tokens(p: Any) -> tuple[str, ...]:
    return tuple(p) if isinstance(p, (list, tuple)) else tuple(str(p).split())


def gazetteer_span_lf(name: str, phrases: Mapping[str, Iterable[Any]] | Iterable[Any],
                      entity_type: str | None = None, *, case_sensitive: bool = False,
                      longest_match: bool = True) -> SpanLabelingFunction:
    """An LF matching dictionary phrases (token sequences) in each sentence.

    ``phrases`` is ``{type: [phrase, ...]}`` or a list of phrases with
    ``entity_type``.  A phrase is a whitespace-separated string or a token
    tuple (a bare string in place of the list is one phrase).  Matching is
    greedy left to right; with ``longest_match`` the longest phrase starting
    at a position wins; matches never overlap.  Tokens and phrases are compared as
    :func:`~weaksup.lf.keyword_lf` compares text: in Unicode NFC (a decomposed "München" is the composed
    one) and, unless ``case_sensitive``, with full case folding (``str.casefold``: "STRASSE" is "Straße";
    I, i, ı and İ are one letter); spans index the sentence's own tokens.  A phrase listed under two
    types (after that folding) is refused with a ``ValueError`` naming both.
    """
    if not isinstance(phrases, Mapping):
        if entity_type is None:
            raise ValueError("give entity_type= when phrases is a list")
        phrases = {entity_type: phrases}
    trie: dict[Any, Any] = {}
    first: dict[tuple[str, ...], Any] = {}  # matched token tuple -> the phrase as given, for the error below
    max_len = 0
    for typ, plist in phrases.items():
        if isinstance(plist, str):  # {"Chem": "aspirin"}: one phrase, not its characters
            plist = [plist]
        for p in plist:
            toks = _phrase_tokens(p)
            if not toks:
                continue
            toks = tuple(_match_form(t, case_sensitive) if isinstance(t, str) else t for t in toks)
            node = trie
            for t in toks:
                node = node.setdefault(t, {})
            if None in node and node[None] != str(typ):  # the later type used to replace the earlier silently
                a, b = first[toks], p
                if str(a) != str(b) and _match_form(str(a), True) == _match_form(str(b), True):
                    a, b = ascii(a), ascii(b)  # they differ in Unicode form only: printed, they would look the same
                else:
                    a, b = repr(a), repr(b)
                same = (f"phrase {p!r} is listed under two types" if _phrase_tokens(first[toks]) == _phrase_tokens(p)
                        else f"phrases {a} and {b} match the same tokens"
                        + (" (matching is in Unicode NFC)" if case_sensitive else " (matching ignores case)")
                        + " but have two types")
                raise ValueError(f"gazetteer {name!r}: {same}, {node[None]!r} and {str(typ)!r}; give each phrase "
                                 "one type")
            node[None] = str(typ)
            first.setdefault(toks, p)
            max_len = max(max_len, len(toks))

    def gazetteer(x: Row) -> list[tuple[int, int, str]]:
        # compared in the form above (its ASCII fast path inlined: most tokens); the spans are positions, so they
        # index the tokens as given
        if case_sensitive:
            toks = [t if t.isascii() else _match_form(t, True) for t in x["tokens"]]
        else:
            toks = [t.lower() if t.isascii() else _match_form(t) for t in x["tokens"]]
        out = []
        i, n = 0, len(toks)
        while i < n:
            node, best = trie, None
            for j in range(i, min(n, i + max_len)):
                node = node.get(toks[j])
                if node is None:
                    break
                if None in node:
                    best = (j + 1, node[None])
                    if not longest_match:
                        break
            if best:
                out.append((i, best[0], best[1]))
                i = best[0]
            else:
                i += 1
        return out

    gazetteer.__qualname__ = f"gazetteer_{name}"
    return SpanLabelingFunction(name, gazetteer,
                                identity=f"gazetteer:{case_sensitive}:{longest_match}:{_trie_repr(trie)}")


def _trie_repr(node: dict[Any, Any]) -> str:
    return "{" + ",".join(f"{k!r}:{_trie_repr(v) if isinstance(v, dict) else repr(v)}"
                          for k, v in sorted(node.items(), key=lambda kv: repr(kv[0]))) + "}"


def regex_span_lf(name: str, pattern: str | re.Pattern[str], entity_type: str, *, flags: int = 0,
                  align: str = "expand", group: int | str = 0) -> SpanLabelingFunction:
    """An LF tagging regex matches over the space-joined tokens.

    Character matches are mapped to tokens: ``align="expand"`` covers every
    token the match touches; ``"strict"`` keeps only matches that start and
    end on token boundaries.  Empty matches are ignored.  ``flags`` apply to a pattern string;
    with a compiled pattern they are refused (as :func:`re.compile` refuses them).

    Examples
    --------
    >>> from weaksup.sequence import regex_span_lf
    >>> person = regex_span_lf("two_caps", "[A-Z][a-z]+ [A-Z][a-z]+", "PER")
    >>> person({"tokens": ["yesterday", "Ada", "Lovelace", "wrote"]})
    [(1, 3, 'PER')]
    """
    if align not in ("expand", "strict"):
        raise ValueError(f"align must be 'expand' or 'strict', got {align!r}")
    if isinstance(pattern, re.Pattern) and flags:  # they used to be dropped silently
        raise ValueError(f"regex_span_lf {name!r}: flags={flags!r} cannot be applied to an already compiled pattern "
                         "(re.compile refuses it too); compile the pattern with those flags or pass it as a string")
    rx = re.compile(pattern, flags)

    def regex(x: Row) -> list[tuple[int, int, str]]:
        toks = x["tokens"]
        text = " ".join(toks)
        starts, pos = [], 0
        for t in toks:
            starts.append(pos)
            pos += len(t) + 1
        ends = [s + len(t) for s, t in zip(starts, toks)]
        out: list[tuple[int, int, str]] = []
        last_end = 0
        for mt in rx.finditer(text):
            a, b = mt.span(group)
            if b <= a:
                continue
            ti = int(np.searchsorted(ends, a, side="right"))  # first token ending after a
            tj = int(np.searchsorted(starts, b, side="left"))  # tokens starting before b
            if ti >= tj:
                continue
            if align == "strict" and (starts[ti] != a or ends[tj - 1] != b):
                continue
            if ti < last_end:
                continue
            out.append((ti, tj, entity_type))
            last_end = tj
        return out

    regex.__qualname__ = f"regex_{name}"
    return SpanLabelingFunction(name, regex, identity=f"regex:{rx.pattern}:{rx.flags}:{entity_type}:{align}:{group}")


_FAULTED = object()  # the kernel's record of a sentence on which a span LF raised (fault="abstain")


class SpanOutput:
    """Kernel adapter for span LFs: a chunk is a list of sentence Rows; a column is one span list per sentence.

    A sentence on which the LF raised (``fault="abstain"``) is ``None``: all
    its tokens abstain.
    """

    unit = "sentence"
    raised = SpanLFOutputError
    faulted = _FAULTED

    def length(self, chunk: Sequence[Row]) -> int:
        return len(chunk)

    def index(self, chunk: Sequence[Row]) -> range:
        return range(len(chunk))

    def records(self, chunk: Sequence[Row]) -> Sequence[Row]:
        return chunk

    def from_rows(self, lf: LabelingFunction, outs: list[Any], chunk: Sequence[Row],
                  records: Sequence[Any]) -> list[list[tuple[int, int, str]] | None]:
        if not isinstance(lf, SpanLabelingFunction):
            raise TypeError(f"LF {lf.name!r} is not a SpanLabelingFunction")
        spans_of = lf._spans
        return [None if out is _FAULTED else spans_of(out, len(row["tokens"]), i)
                for i, (out, row) in enumerate(zip(outs, chunk))]

    def from_batch(self, lf: LabelingFunction, out: Any, chunk: Sequence[Row]) -> Any:
        raise TypeError(f"LF {lf.name!r} is batched; span LFs are row-wise")

    def all_faulted(self, lf: LabelingFunction, chunk: Sequence[Row]) -> list[None]:
        return [None] * len(chunk)

    def stack(self, columns: list[Any], chunk: Sequence[Row]) -> list[Any]:
        return columns


def apply_span_lfs(sentences: Sequence[Any], lfs: Sequence[SpanLabelingFunction],
                   entity_types: Sequence[str] | None = None, *, scheme: str = "BIO",
                   outside: str = "O", on_overlap: str = "first", fault: str = "raise",
                   progress: bool = False) -> SequenceVotes:
    """Run span LFs on every sentence and collect a :class:`SequenceVotes`.

    The LFs run through weaksup's one LF kernel
    (:func:`weaksup.apply.kernel.apply_chunk`) with a span adapter.

    Parameters
    ----------
    sentences : token lists, whitespace strings or dicts with ``tokens``, or a pandas DataFrame
        with a ``tokens`` column (one sentence per row; its other columns are passed along as fields).
    lfs : span labeling functions (unique names).
    entity_types : the entity types; inferred (sorted) from the LF outputs when omitted.
        A span of a type not listed raises :class:`SpanLFOutputError`.
    scheme : ``"BIO"`` or ``"IO"`` tags in the result.
    outside : ``"O"`` (tokens outside an LF's spans are ``O`` votes, WRENCH's
        convention) or ``"abstain"`` (they are abstains; the token label models tag a token
        that no LF covers ``O``).
    on_overlap : {"first", "longest", "error"}
        How overlapping spans of one LF that allowed them (``allow_overlap=True``) are
        resolved (see :func:`~weaksup.sequence.tags.spans_to_bio`); ``"error"`` raises
        :class:`SpanLFOutputError` naming the LF, the sentence and the two spans.
    fault : {"raise", "abstain", "warn"}
        When an LF raises: raise :class:`SpanLFOutputError` naming the LF and
        sentence, or let every token of that sentence abstain for that LF
        (``"warn"``: and warn once).
    progress : show a tqdm bar over LFs.
    """
    if outside not in ("O", "abstain"):
        raise ValueError(f"outside must be 'O' or 'abstain', got {outside!r}")
    if on_overlap not in ("first", "longest", "error"):  # was checked only once an LF returned spans
        raise ValueError(f"on_overlap must be 'first', 'longest' or 'error', got {on_overlap!r}")
    if scheme not in ("BIO", "IO"):  # anything else used to give BIO silently
        raise ValueError(f"scheme must be 'BIO' or 'IO', got {scheme!r}")
    check_fault(fault)
    checked = as_lfs(lfs, kind=SpanLabelingFunction)
    names = [lf.name for lf in checked]
    from weaksup._progress import progress_bar

    rows = [as_sentence(s, i) for i, s in enumerate(_sentence_items(sentences))]
    lengths = [len(r["tokens"]) for r in rows]
    with progress_bar(total=len(checked), desc="span LFs", progress=progress) as bar:
        columns, faults, _ = apply_chunk(checked, rows, SpanOutput(), fault, 0, tick=lambda: bar.update(1))
    warn_faults(names, faults, fault, "sentence")
    if entity_types is None:
        entity_types = sorted({sp[2] for col in columns for spans in col if spans for sp in spans})
    types = check_entity_types(entity_types)
    tset = set(types)
    vocab = bio_tag_names(types)
    t2i = {t: k for k, t in enumerate(vocab)}
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    data = np.full((int(offsets[-1]), len(checked)), 0 if outside == "O" else ABSTAIN, dtype=np.int64)
    for i in range(len(rows)):  # sentence by sentence, so the first bad span in reading order is reported
        for j, col in enumerate(columns):
            spans = col[i]
            seg = data[offsets[i]:offsets[i + 1], j]
            if spans is None:  # the LF raised on this sentence (fault="abstain")
                seg[:] = ABSTAIN
                continue
            if not spans:
                continue
            for sp in spans:
                if sp[2] not in tset:
                    raise SpanLFOutputError(f"LF {names[j]!r} returned type {sp[2]!r} on sentence {i}; "
                                            f"entity types are {types}", names[j], i, i)
            try:
                tags = spans_to_bio(spans, lengths[i], on_overlap=on_overlap, where=f" from LF {names[j]!r} on "
                                    f"sentence {i}")
            except SpanError as exc:  # on_overlap="error" and an LF that allowed overlaps returned some
                raise SpanLFOutputError(str(exc), names[j], i, i) from None
            for k, t in enumerate(tags):
                v = t2i[t]
                if v > 0:
                    seg[k] = v
    votes = SequenceVotes(data, offsets, types, names, "BIO")
    return votes.to_io() if scheme == "IO" else votes
