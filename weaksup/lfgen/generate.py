"""Generate labeling functions from a small labelled set (Snuba-style mining and selection).

:class:`LFGenerator` mines candidate LFs from 50–200 labelled rows — keywords and
word n-grams, first words and question head nouns, surface regexes, decision
stumps on numeric columns and text length, the words between the two entities
of a relation example, centroid, nearest-centroid and k-NN LFs on MiniLM
embeddings — scores each on the labelled rows and keeps a diverse, accurate set.

Guarding against overfitting the few labels:

* an LF is kept only when the **Wilson lower bound** of its precision (at
  ``confidence``) beats the prior of the class it votes for: 3 of 3 correct is
  weaker evidence than 12 of 13;
* a centroid LF is scored with **leave-one-out** centroids: a labelled row's
  similarity is measured to the centroid of the *other* examples of its class
  (a k-NN LF: a labelled row is not its own neighbour);
* ``min_precision`` adds an absolute floor on that bound (many classes: small priors);
* selection is per class in turn (every class gets LFs) and penalises overlap
  with the LFs already chosen for that class (Jaccard of the rows they cover).

Only the labelled rows are read: rows whose label is ``-1`` (ABSTAIN) are
dropped before anything else looks at the data.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from weaksup.lfgen import LFGenerator
>>> texts = ["subscribe to my channel", "check out my channel", "subscribe for free stuff",
...          "great song", "love this song", "this song is great"] * 3
>>> y = np.array([1, 1, 1, 0, 0, 0] * 3)
>>> gen = LFGenerator(families=("keyword",), min_coverage=3).fit(pd.DataFrame({"text": texts}), y)
>>> [lf.name for lf in gen.lfs_][:4]
['keyword_song_0', 'keyword_channel_1', 'keyword_great_0', 'keyword_subscribe_1']
>>> print(gen.lfs_[0].source)
keyword_lf('song', 0, name='keyword_song_0')
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
import re
import unicodedata
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd

from weaksup._params import ParamsMixin
from weaksup._validation import Interval, check_is_fitted, check_labels, check_params, user_stacklevel
from weaksup.lf import LabelingFunction
from weaksup.lf.families import _NO_SPACE_RANGES, _NO_SPACE_STARTS, _as_string, _match_form
from weaksup.lfgen.families import (
    BETWEEN_POSITIONS,
    between_lf,
    centroid_lf,
    embed_texts,
    keyword_lf,
    knn_lf,
    knn_vote,
    nearest_centroid_lf,
    regex_lf,
    threshold_lf,
)
from weaksup.votes import ABSTAIN

__all__ = ["LFGenerator", "generate_lfs", "wilson_lower_bound", "score_votes", "as_frame", "FAMILIES"]

FAMILIES = ("keyword", "ngram", "prefix", "regex", "stump", "between", "centroid", "nearest", "knn")
_KIND_ORDER = {k: i for i, k in enumerate(FAMILIES)}
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
#: Longest word (in characters) mined as a keyword or as a word of an n-gram, first-words or head-noun LF: a longer
#: "word" is a base64 blob, a URL's path or a clause of a script written without spaces, not a word to vote on.
MAX_WORD_CHARS = 40
#: A generated LF's name keeps its words when they take at most this many characters; longer, it keeps the first
#: 30 and a hash of the rest (as regex_lf's default name keeps 30 characters of its pattern), so names stay unique.
MAX_NAME_WORDS_CHARS = 40


def _capitals() -> str:
    """The capital letters ``allcaps`` reads: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and Armenian."""
    extended_a = "".join(chr(c) for c in range(0x100, 0x180) if unicodedata.category(chr(c)) == "Lu")
    return "A-Z\u00c0-\u00d6\u00d8-\u00de" + extended_a + "\u0386\u0388-\u038f\u0391-\u03ab\u0400-\u042f\u0531-\u0556"


#: Surface patterns tried on every text (name, regex, case sensitive).  ``allcaps``: a word of 3+ capitals of the
#: alphabets of :func:`_capitals` (GRÖSSE, БЕСПЛАТНО, ΔΩΡΕΑΝ); ``exclaim`` and ``question`` read full-width
#: (！, ？) and Arabic (؟) marks too.
SURFACE_REGEXES: tuple[tuple[str, str, bool], ...] = (
    ("url", r"https?://|www\.|\.com\b", False),
    ("digits", r"\d{3,}", False),
    ("number", r"\d", False),
    ("money", r"[$£€]\s?\d|\d\s?(?:dollars|usd|pounds)\b", False),
    ("allcaps", rf"\b[{_capitals()}]{{3,}}\b", True),
    ("exclaim", r"[!！]{2,}", False),
    ("question", r"[?？؟﹖]\s*$", False),
    ("emoticon", r"[:;]-?[)(DP]", True),
)
#: Question words whose head noun the ``prefix`` family reads ("what city ...", "which year ...").
_WH = frozenset("what which who whom whose where when why how name".split())
#: Words skipped between a question word and its head noun (the head LF's regex skips these).
_AUX = frozenset("is are was were be been the a an does do did of 's kind kinds type types sort".split())
#: ``(k, min_votes)`` settings of the mined k-NN LFs.
KNN_SETTINGS = ((3, 2), (3, 3), (5, 3), (5, 4), (7, 5), (9, 6))
_STOP = frozenset("a an the and or of to in on at is it i you he she we they this that for with my your be "
                  "are was were as by from".split())


def _skipped(word: re.Match[str]) -> bool:
    """Whether a word (a :data:`_WORD` match) is skipped on the way to a question's head noun.

    ``_WORD`` never starts a word with an apostrophe, so the ``'s`` of :data:`_AUX` is an ``s``
    right after one ("what 's the capital": head noun ``capital``, not ``s``).

    >>> [w.group() for w in _WORD.finditer("what 's the s of x") if not _skipped(w)]
    ['what', 's', 'x']
    """
    w = word.group()
    return w in _AUX or (f"'{w}" in _AUX and word.string[word.start() - 1:word.start()] == "'")


@functools.cache
def _unicode_word() -> re.Pattern[str]:
    """:data:`_WORD` for non-ASCII text: a combining mark (Mn, Mc, Me: a Devanagari vowel sign, a Thai tone mark, an
    accent left decomposed) is part of the word it follows, not a break ("हिन्दी" is one word, not ह, न, द).

    Built on first use (ASCII data never needs it); the marks of the BMP's scripts written today are scanned.
    """
    marks = [c for lo, hi in ((0x300, 0x3100), (0xA600, 0xAC00), (0xFB1E, 0xFE30))
             for c in range(lo, hi) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")
             and not 0xFE00 <= c <= 0xFE0F]  # variation selectors modify symbols, they are no part of a word
    ranges: list[list[int]] = []
    for c in marks:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    m = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    part = rf"[^\W_](?:[^\W_]|[{m}])*"
    return re.compile(rf"{part}(?:'{part})?")


def _no_space(c: str) -> bool:
    """Whether ``c`` is a letter of a script written without spaces (Han, kana, Thai, ...), as keyword_lf reads it."""
    i = bisect.bisect_right(_NO_SPACE_STARTS, ord(c)) - 1
    return i >= 0 and ord(c) <= _NO_SPACE_RANGES[i][1]


def _char_grams(word: str) -> list[str]:
    """The keyword candidates of one word: the word, or where it holds a run of a script written without spaces
    ("这部电影很好看", "iphoneが好き"), the 2- and 3-character grams of each such run (a letter with its combining
    marks is one character) and the word's other parts.

    >>> _char_grams("很好看"), _char_grams("iphoneが好き")
    (['很好', '好看', '很好看'], ['iphone', 'が好', '好き', 'が好き'])
    """
    if not any(_no_space(c) for c in word):
        return [word]
    units: list[str] = []  # letters with their marks
    for c in word:
        if units and unicodedata.category(c) in ("Mn", "Mc", "Me"):
            units[-1] += c
        else:
            units.append(c)
    out: list[str] = []
    run: list[str] = []
    other: list[str] = []
    for u in units + [""]:
        if u and _no_space(u[0]):
            if other:
                out.append("".join(other))
                other = []
            run.append(u)
            continue
        if run:
            out += ["".join(run[s:s + n]) for n in (2, 3) for s in range(len(run) - n + 1)]
            run = []
        if u:
            other.append(u)
    if other:
        out.append("".join(other))
    return out


def _regex_form(text: str) -> str:
    """The form whose words the n-gram, first-words and head-noun LFs write in their patterns (matched on the text
    with ``re.IGNORECASE``): lower case, and for non-ASCII text Unicode NFC (a decomposed "café" is one word), with
    İ's lower case ``i`` + U+0307 read as ``i`` (which IGNORECASE equates with İ).

    >>> _regex_form("İstanbul Straße"), _regex_form(unicodedata.normalize("NFD", "café"))
    ('istanbul straße', 'café')
    """
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFC", text).lower().replace("i\u0307", "i")
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _words(text: str) -> list[re.Match[str]]:
    """The words of ``text`` (already in :func:`_regex_form` or :func:`~weaksup.lf.families._match_form`)."""
    return list((_WORD if text.isascii() else _unicode_word()).finditer(text))


def _keyword_words(text: str) -> list[str]:
    """The keyword candidates of a raw text: the words of its keyword_lf form (NFC, case folded), a run of a script
    written without spaces as its 2- and 3-character grams (:func:`_char_grams`)."""
    if text.isascii():
        return [w.group() for w in _WORD.finditer(text.lower())]
    return [g for w in _words(_match_form(text)) for g in _char_grams(w.group())]


def _slug(words: Sequence[str]) -> str:
    """``words`` joined by ``_`` for an LF name; past :data:`MAX_NAME_WORDS_CHARS` characters, the first 30 and a
    hash of the whole (names stay short and distinct).

    >>> _slug(["check", "out"]), _slug(["a" * 30, "b" * 30])
    ('check_out', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_77ce0b9a')
    """
    slug = "_".join(words)
    if len(slug) <= MAX_NAME_WORDS_CHARS:
        return slug
    return f"{slug[:30]}_{hashlib.sha1(slug.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def _word_re(word: str) -> str:
    """A word (in :func:`_regex_form`) in a pattern: escaped, and where it has accents, in composed or decomposed form
    (the pattern is searched in the text as it is; a decomposed "café" is the same word).

    >>> _word_re("out"), _word_re("thé") == "(?:th\u00e9|the\u0301)"
    ('out', True)
    """
    if word.isascii():
        return re.escape(word)
    nfd = unicodedata.normalize("NFD", word)
    return re.escape(word) if nfd == word else f"(?:{re.escape(word)}|{re.escape(nfd)})"


def _word_end(word: str) -> str:
    """The end of a word (in :func:`_regex_form`) in a pattern: ``\\b`` after an ASCII word; after another,
    ``(?!\\w)``, which is the same after a letter or digit but also holds after a combining mark (its last
    character, or in decomposed text the accent of its last letter), which ``\\b`` would not."""
    return r"\b" if word.isascii() else r"(?!\w)"


def wilson_lower_bound(successes: Any, n: Any, z: float = 1.2816) -> np.ndarray:
    """Wilson score interval lower bound of a proportion (0 where ``n == 0``).

    >>> from weaksup.lfgen import wilson_lower_bound
    >>> wilson_lower_bound(3, 3).round(3).tolist()
    0.646
    >>> float(wilson_lower_bound(12, 13).round(3)) > 0.646
    True
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = s / n
        denom = 1 + z * z / n
        centre = p + z * z / (2 * n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        out = (centre - half) / denom
    return np.where(n > 0, out, 0.0)


def score_votes(votes: np.ndarray, y: np.ndarray, labels: Sequence[int], prior: np.ndarray,
                z: float = 1.2816) -> pd.DataFrame:
    """Coverage, correct votes, precision, Wilson bound and gain over the class prior of each column.

    ``votes`` is ``n × m`` (ABSTAIN = -1) on labelled rows ``y``; ``labels[j]`` the
    class LF ``j`` votes for, or -1 for an LF that votes several classes (its
    precision is then compared with the largest class prior).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.lfgen import score_votes
    >>> votes = np.array([[1, -1], [1, 0], [1, 0], [-1, 1]])  # LF 0 votes class 1, LF 1 votes either class
    >>> table = score_votes(votes, np.array([1, 1, 0, 0]), labels=[1, -1], prior=np.array([0.5, 0.5]))
    >>> table[["coverage", "correct", "precision"]].values.tolist()
    [[3.0, 2.0, 0.6666666666666666], [3.0, 1.0, 0.3333333333333333]]
    """
    votes = np.asarray(votes)
    fired = votes != ABSTAIN
    cov = fired.sum(axis=0)
    correct = ((votes == y[:, None]) & fired).sum(axis=0)
    lb = wilson_lower_bound(correct, cov, z)
    labels = np.asarray(labels, dtype=int)
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(cov > 0, correct / np.maximum(cov, 1), 0.0)
    base = np.where(labels >= 0, prior[np.maximum(labels, 0)], prior.max())
    return pd.DataFrame({"label": labels, "coverage": cov, "correct": correct, "precision": prec,
                         "wilson_lb": lb, "gain": lb - base})


def frame_and_labels(data: Any, y: Any, field: str) -> tuple[pd.DataFrame, np.ndarray]:
    """``data`` as a frame (:func:`as_frame`) and ``y`` checked: one class or -1 (unlabelled) per row.

    The frame's columns are checked as the applier checks them (:func:`weaksup.apply.applier.check_columns`):
    duplicate column names or MultiIndex columns are a ValueError here, before any candidate LF is mined.
    """
    from weaksup.apply.applier import check_columns

    df = check_columns(as_frame(data, field))
    y_all = check_labels(y, what="y")
    if len(y_all) != len(df):
        raise ValueError(f"y has {len(y_all)} labels but data has {len(df)} rows")
    if (y_all < ABSTAIN).any():
        i = int(np.nonzero(y_all < ABSTAIN)[0][0])
        raise ValueError(f"y: value {y_all[i]} at row {i} is neither a class nor -1 (unlabelled)")
    return df, y_all


def _is_missing(value: Any) -> bool:
    """``None``, NaN, ``pd.NA`` or ``pd.NaT``: a missing text, read as ``""`` as in a DataFrame column."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def as_frame(data: Any, field: str = "text") -> pd.DataFrame:
    """A DataFrame from a DataFrame, a list of dicts or a list of strings (put in column ``field``).

    A list (array, Series) of texts may hold missing texts (``None``, NaN, ``pd.NA``), kept as in a DataFrame
    column (the text families read them as ``""``); any other item in a list of texts is a TypeError naming its
    position and type.
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame(field)
    rows = list(data)
    if rows and all(isinstance(r, str) or _is_missing(r) for r in rows):
        try:
            return pd.DataFrame({field: rows})
        except UnicodeEncodeError:  # a lone surrogate (half an emoji in scraped JSON): no Arrow string can hold it,
            return pd.DataFrame({field: pd.Series(rows, dtype=object)})  # Python strings can (as in keyword_lf)
    if any(isinstance(r, str) for r in rows):
        i, r = next((i, r) for i, r in enumerate(rows) if not (isinstance(r, str) or _is_missing(r)))
        raise TypeError(f"data is a list of texts, but item {i} ({r!r:.60}) has type {type(r).__name__}, not str "
                        "or a missing value (None, NaN, pd.NA): pass texts only, or a DataFrame / list of dicts")
    return pd.DataFrame(rows)


@dataclass
class _Candidate:
    kind: str
    label: int
    build: Callable[..., LabelingFunction]  # build(name=None)
    key: str  # unique, readable identity (sort key for ties)
    votes: np.ndarray | None = None  # on the labelled rows, when not computed by applying the LF


class LFGenerator(ParamsMixin):
    """Mine and select labeling functions from a few labelled rows.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes (default: ``max(y) + 1``).
    field : str
        Text column the keyword, n-gram, prefix and regex LFs read.
    embed_field : str, optional
        Text column embedded for centroid and k-NN LFs (default ``field``).
    entity_field : str, optional
        Entity-marked text column (``<e1>…</e1> … <e2>…</e2>``) the ``between``
        family reads (default ``field``); rows without markers give no candidates.
    families : sequence of str, or str
        Candidate families, a subset of :data:`FAMILIES` (a single name is one family): ``"keyword"`` (single
        words), ``"ngram"`` (2..``max_ngram`` word phrases), ``"prefix"`` (the
        first one or two words), ``"regex"`` (:data:`SURFACE_REGEXES`),
        ``"stump"`` (thresholds on numeric columns and text length),
        ``"between"`` (words between the two entity markers of a relation
        example — any n-gram, the first/last words, the exact phrase, with and
        without entity order; reads ``entity_field``),
        ``"centroid"`` (cosine to one class's MiniLM centroid above a threshold),
        ``"nearest"`` (the nearest class centroid when it leads the runner-up by a
        margin) and ``"knn"`` (the majority class of the k nearest labelled
        examples, when it has enough of them; at most one ``nearest`` and one
        ``knn`` LF are kept).  The last three need the ``embed`` extra.
        The ``prefix`` family also reads a question's head noun (``what city``,
        ``how many``: the first word after a question word, skipping ``is``,
        ``the``, ...).
    numeric_fields : sequence of column names, or one name, optional
        Columns for stumps (default: every numeric, non-boolean column; a name may be a str
        or another hashable, such as the ``5`` of ``pd.DataFrame(array)``).  A named column is read
        with ``pd.to_numeric``: values it cannot read (``"1,200"``, ``"high"``) are a UserWarning naming
        the column, their count and an example (the stumps see them as missing), or a ValueError when
        no value of the column can be read.
    max_lfs : int, optional
        Most LFs kept (default ``max(10, 6 * cardinality)``).
    min_coverage : int
        Least labelled rows an LF must vote on.
    max_ngram : int
        Longest word n-gram.
    confidence : float
        One-sided confidence of the Wilson lower bound on precision (0.9: z = 1.28).
    min_precision : float
        The Wilson lower bound must also reach this (0: beating the class prior
        is enough; useful with many classes, where priors are small).
    max_overlap : float
        Drop a candidate whose Jaccard overlap with an LF already kept for the same
        class exceeds this.
    centroid_examples : int
        Most example texts per centroid LF (sampled with ``seed`` when a class has more, from the
        rows in the order of their texts, so the order of the labelled rows does not matter).
    seed : int
        Makes the output deterministic (centroid example sampling, tie order).
    progress : bool
        Progress bar while candidates are applied to the labelled rows.

    Attributes
    ----------
    lfs_ : list of LabelingFunction
        The chosen LFs, each with ``.source``; empty, with a UserWarning saying why (no candidate mined,
        one class labelled, none beats its class prior or reaches ``min_precision``), when none qualifies.
    table_ : pandas.DataFrame
        One row per chosen LF: kind, label, coverage, correct, precision,
        Wilson bound and gain on the labelled rows, and its source.
    candidates_ : pandas.DataFrame
        The same statistics for every candidate mined.
    n_labeled_ : int
    """

    _parameter_constraints = {
        "cardinality": [None, Interval(2, None, integer=True)],
        "field": [str],
        "max_lfs": [None, Interval(1, None, integer=True)],
        "min_coverage": [Interval(1, None, integer=True)],
        "max_ngram": [Interval(1, None, integer=True)],
        "confidence": [Interval(0.5, 1.0, closed="left")],
        "min_precision": [Interval(0.0, 1.0, closed="left")],
        "max_overlap": [Interval(0.0, 1.0)],
        "centroid_examples": [Interval(2, None, integer=True)],
        "seed": [Interval(0, None, integer=True)],
    }

    def __init__(self, *, cardinality: int | None = None, field: str = "text", embed_field: str | None = None,
                 entity_field: str | None = None, families: Sequence[str] = FAMILIES,
                 numeric_fields: Sequence[str] | None = None, max_lfs: int | None = None, min_coverage: int = 3,
                 max_ngram: int = 2, confidence: float = 0.9, min_precision: float = 0.0,
                 max_overlap: float = 0.8, centroid_examples: int = 20, seed: int = 0,
                 progress: bool = False) -> None:
        self.cardinality = cardinality
        self.field = field
        self.embed_field = embed_field
        self.entity_field = entity_field
        self.families = families
        self.numeric_fields = numeric_fields
        self.max_lfs = max_lfs
        self.min_coverage = min_coverage
        self.max_ngram = max_ngram
        self.confidence = confidence
        self.min_precision = min_precision
        self.max_overlap = max_overlap
        self.centroid_examples = centroid_examples
        self.seed = seed
        self.progress = progress

    # ------------------------------------------------------------------ fit
    def _check(self) -> None:
        check_params(self)
        bad = [f for f in self._families() if f not in FAMILIES]
        if bad:
            raise ValueError(f"unknown LF families {bad}; choose from {list(FAMILIES)}")

    def _families(self) -> tuple[str, ...]:
        """``families`` as a tuple: a single string is one family (``"keyword"``, not its letters)."""
        return (self.families,) if isinstance(self.families, str) else tuple(self.families)

    def fit(self, data: Any, y: Any) -> Self:
        """Mine candidates on the labelled rows of ``data`` and keep a diverse, accurate set.

        Parameters
        ----------
        data : DataFrame, list of dicts or list of str
            Examples; a list of strings becomes column ``field`` (a missing text, ``None`` or NaN, is read as
            ``""``, as in a DataFrame).  Column names must be unique.
        y : array-like of int
            Gold class of each row, or -1 (ABSTAIN) for an unlabelled row; unlabelled
            rows are dropped before anything reads them.
        """
        from scipy.stats import norm

        self._check()
        df, y_all = frame_and_labels(data, y, self.field)
        keep = np.flatnonzero(y_all != ABSTAIN)
        if len(keep) < 2:
            raise ValueError(f"LFGenerator needs at least 2 labelled rows, got {len(keep)}")
        y_l = y_all[keep]
        k = int(self.cardinality) if self.cardinality is not None else int(y_l.max()) + 1
        # checked on the whole y (unlabelled rows as class 0), so an error names the position in the y passed
        check_labels(np.where(y_all == ABSTAIN, 0, y_all), k, what="y")
        df = df.iloc[keep].reset_index(drop=True)  # from here on only labelled rows exist
        if k < 2:
            raise ValueError(f"y: every labelled row is class {int(y_l[0])}; LFGenerator needs labelled rows of "
                             "at least 2 classes (or cardinality= for the number of classes)")
        absent = sorted(set(range(k)) - set(np.unique(y_l).tolist()))
        if absent and self.cardinality is None:
            warnings.warn(f"LFGenerator: classes {absent} have no labelled row, but the number of classes "
                          f"({k}) was read from the largest label {int(y_l.max())}: a typo in y? Pass "
                          "cardinality= to say how many classes there are", UserWarning, stacklevel=2)
        for col in self._text_families_fields():
            if col not in df.columns:
                raise KeyError(f"LFGenerator: text field {col!r} is not a column of data ({list(df.columns)})")
        self.cardinality_ = k
        self.n_labeled_ = len(y_l)
        prior = np.bincount(y_l, minlength=k) / len(y_l)
        z = float(norm.ppf(self.confidence))
        cands = self._mine(df, y_l, k)
        votes = self._candidate_votes(cands, df)
        stats = score_votes(votes, y_l, [c.label for c in cands], prior, z)
        stats.insert(0, "kind", [c.kind for c in cands])
        stats.insert(0, "candidate", [c.key for c in cands])
        chosen = self._select(votes, stats, k)
        if not chosen:
            warnings.warn(self._why_no_lfs(stats, y_l), UserWarning, stacklevel=user_stacklevel())
        lfs = [cands[j].build() for j in chosen]
        reserved = {lf.name for lf in lfs}
        used: set[str] = set()
        for i, lf in enumerate(lfs):  # names are readable, not injective (a column name cut to [0-9A-Za-z_])
            name = _unique_name(lf.name, used, reserved)
            if name != lf.name:
                lfs[i] = cands[chosen[i]].build(name=name)
        table = stats.iloc[chosen].reset_index(drop=True)
        table.insert(0, "name", [lf.name for lf in lfs])
        table["source"] = [lf.source for lf in lfs]
        self.candidates_ = stats
        self.table_ = table.drop(columns="candidate")
        self.lfs_ = lfs
        return self

    def _why_no_lfs(self, stats: pd.DataFrame, y: np.ndarray) -> str:
        """Why no candidate was kept (``lfs_`` is empty): none mined, one class labelled, or none good enough."""
        head = f"LFGenerator: no LF kept (lfs_ is empty) from the {len(y)} labelled rows"
        classes = np.unique(y)
        if len(stats) == 0:
            return (f"{head}: no candidate was mined, as no word, phrase, pattern or numeric value of families "
                    f"{list(self._families())} occurs on min_coverage={self.min_coverage} labelled rows. Check that "
                    f"column {self.field!r} holds the texts, label more rows or lower min_coverage")
        if len(classes) == 1:
            return (f"{head}: every labelled row is class {int(classes[0])}, so each of the {len(stats)} candidates "
                    "votes it and none can beat its class prior of 1.0; label rows of at least 2 classes")
        covered = stats["coverage"].to_numpy() >= self.min_coverage
        beat = covered & (stats["gain"].to_numpy() > 0)
        counts = (f"{head}: of the {len(stats)} candidates mined, {int(covered.sum())} vote on min_coverage="
                  f"{self.min_coverage} labelled rows and {int(beat.sum())} of those beat the prior of the class they "
                  f"vote for (Wilson lower bound of precision at confidence={self.confidence})")
        if beat.any():
            return f"{counts}, but none reaches min_precision={self.min_precision}; lower min_precision"
        return f"{counts}; label more rows, or lower confidence or min_coverage"

    def _text_families_fields(self) -> list[str]:
        fields = []
        fam = set(self._families())
        if fam & {"keyword", "ngram", "prefix", "regex"}:
            fields.append(self.field)
        if fam & {"centroid", "nearest", "knn"}:
            fields.append(self.embed_field or self.field)
        if "between" in fam:
            fields.append(self.entity_field or self.field)
        return sorted(set(fields))

    # --------------------------------------------------------------- mining
    def _mine(self, df: pd.DataFrame, y: np.ndarray, k: int) -> list[_Candidate]:
        fam = set(self._families())
        out: list[_Candidate] = []
        field = self.field
        fkw = {} if field == "text" else {"field": field}
        texts = _as_string(df[field]).fillna("").tolist() if field in df.columns else []
        # words as the LFs match them: keywords in keyword_lf's form (NFC, case folded; Han, kana, Thai runs as
        # character grams), the words of n-gram / first-words / head-noun patterns lower-cased in NFC (ASCII text:
        # both are t.lower()); a combining mark stays in its word
        words = [_words(_regex_form(t)) for t in texts]
        tokens = [[w.group() for w in ws] for ws in words]
        keywords = ([toks if t.isascii() else _keyword_words(t) for t, toks in zip(texts, tokens)]
                    if "keyword" in fam else [])

        def majority(rows: list[int]) -> int:
            c = Counter(int(y[i]) for i in rows)
            return min(c, key=lambda lab: (-c[lab], lab))

        grams: dict[tuple[str, ...], set[int]] = defaultdict(set)
        firsts: dict[tuple[str, ...], set[int]] = defaultdict(set)
        heads: dict[tuple[str, str], set[int]] = defaultdict(set)
        for i, toks in enumerate(tokens):
            if "keyword" in fam:
                for w in keywords[i]:
                    if w not in _STOP and 2 <= len(w) <= MAX_WORD_CHARS:
                        grams[(w,)].add(i)
            for n in range(2, self.max_ngram + 1) if "ngram" in fam else ():
                for s in range(len(toks) - n + 1):
                    g = tuple(toks[s:s + n])
                    if all(w in _STOP for w in g) or any(len(w) > MAX_WORD_CHARS for w in g):
                        continue
                    grams[g].add(i)
            if "prefix" in fam:
                for n in (1, 2, 3):
                    if len(toks) >= n and all(len(w) <= MAX_WORD_CHARS for w in toks[:n]):
                        firsts[tuple(toks[:n])].add(i)
                if toks and toks[0] in _WH:
                    head = next((w.group() for w in words[i][1:] if not _skipped(w)), None)
                    if head is not None and len(head) <= MAX_WORD_CHARS:
                        heads[(toks[0], head)].add(i)
        for g in sorted(grams):
            rows = sorted(grams[g])
            if len(rows) < self.min_coverage:
                continue
            label = majority(rows)
            if len(g) == 1:
                out.append(_Candidate("keyword", label, _bind(keyword_lf, g[0], label, **fkw), f"keyword:{g[0]}"))
            else:
                pattern = r"\b" + r"\W+".join(_word_re(w) for w in g) + _word_end(g[-1])
                name = f"ngram_{_slug(g)}_{label}"
                out.append(_Candidate("ngram", label, _bind(regex_lf, pattern, label, name=name, **fkw),
                                      f"ngram:{' '.join(g)}"))
        for g in sorted(firsts):
            rows = sorted(firsts[g])
            if len(rows) < self.min_coverage:
                continue
            label = majority(rows)
            pattern = r"^\W*" + r"\W+".join(_word_re(w) for w in g) + _word_end(g[-1])
            name = f"starts_{_slug(g)}_{label}"
            out.append(_Candidate("prefix", label, _bind(regex_lf, pattern, label, name=name, **fkw),
                                  f"prefix:{' '.join(g)}"))
        skip = "|".join(re.escape(w) for w in sorted(_AUX))
        for (wh, head) in sorted(heads):
            rows = sorted(heads[(wh, head)])
            if len(rows) < self.min_coverage:
                continue
            label = majority(rows)
            pattern = rf"^\W*{re.escape(wh)}\W+(?:(?:{skip})\W+)*{_word_re(head)}{_word_end(head)}"
            name = f"head_{wh}_{head}_{label}"
            out.append(_Candidate("prefix", label, _bind(regex_lf, pattern, label, name=name, **fkw),
                                  f"head:{wh} {head}"))
        if "between" in fam:
            out += self._between(df, majority)
        if "regex" in fam and texts:
            for rname, pattern, case in SURFACE_REGEXES:
                rx = re.compile(pattern, 0 if case else re.IGNORECASE)
                rows = [i for i, t in enumerate(texts) if rx.search(t)]
                if len(rows) >= self.min_coverage:
                    label = majority(rows)
                    kw = dict(fkw, name=f"regex_{rname}_{label}", **({"case_sensitive": True} if case else {}))
                    out.append(_Candidate("regex", label, _bind(regex_lf, pattern, label, **kw), f"regex:{rname}"))
        if "stump" in fam:
            out += self._stumps(df, y, k, majority)
        if fam & {"centroid", "nearest", "knn"}:
            out += self._centroids(df, y, k)
        return out

    def _between(self, df: pd.DataFrame, majority: Callable[[list[int]], int]) -> list[_Candidate]:
        col = self.entity_field or self.field
        kw = {} if col == "text" else {"field": col}
        tagged = re.compile(r"</(e[12])>((?:(?!</?e[12]>).)*?)<(e[12])>", re.DOTALL)
        found: dict[tuple[str, str, str | None], set[int]] = defaultdict(set)
        for i, text in enumerate(_as_string(df[col]).fillna("").tolist()):
            m = tagged.search(text)
            if m is None or m.group(1) == m.group(3)[:2]:
                continue
            order = "12" if m.group(1) == "e1" else "21"
            words = _WORD.findall(m.group(2).lower())
            keys: set[tuple[str, str, str | None]] = set()
            if words and len(words) <= 4:
                keys.add(("exact", " ".join(words), None))
                keys.add(("exact", " ".join(words), order))
            for n in range(1, min(self.max_ngram + 1, len(words)) + 1):
                keys.add(("first", " ".join(words[:n]), None))
                keys.add(("last", " ".join(words[-n:]), None))
                for s in range(len(words) - n + 1):
                    g = words[s:s + n]
                    if n == 1 and len(g[0]) < 2:
                        continue
                    keys.add(("any", " ".join(g), None))
            for key in keys:
                found[key].add(i)
        out = []
        for position, phrase, order in sorted(found, key=lambda t: (BETWEEN_POSITIONS.index(t[0]), t[1],
                                                                       t[2] or "")):
            rows = sorted(found[(position, phrase, order)])
            if len(rows) < self.min_coverage:
                continue
            label = majority(rows)
            okw = dict(kw, position=position, **({"order": order} if order else {}))
            out.append(_Candidate("between", label, _bind(between_lf, phrase, label, **okw),
                                  f"between:{position}:{order or ''}:{phrase}"))
        return out

    def _stumps(self, df: pd.DataFrame, y: np.ndarray, k: int, majority: Callable[[list[int]], int]
                ) -> list[_Candidate]:
        if self.numeric_fields is not None:
            nf = self.numeric_fields  # one column name (a str, or another scalar such as 5), or several
            cols = [nf] if isinstance(nf, str) or not isinstance(nf, Iterable) else list(nf)
            for c in cols:
                if c not in df.columns:
                    raise KeyError(f"LFGenerator: numeric field {c!r} is not a column of data ({list(df.columns)})")
        else:
            cols = [c for c in df.columns
                    if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
        fields: list[tuple[Any, np.ndarray]] = [(c, pd.to_numeric(df[c], errors="coerce").to_numpy(float))
                                                for c in cols]
        if self.numeric_fields is not None:  # a named column is read as numbers: say what did not parse
            for c, v in fields:
                _check_parsed(c, df[c], v)
        if self.numeric_fields is None:  # a column found by its dtype that equals the labels is the labels
            leaks = [c for c, v in fields if np.array_equal(v, y)]
            if leaks:
                warnings.warn(f"LFGenerator: numeric column(s) {leaks} equal the labels y on every labelled row: "
                              "left out of the stump family (a copy of the labels votes perfectly here and "
                              "nowhere else); name the columns to mine with numeric_fields=", UserWarning,
                              stacklevel=4)
                fields = [(c, v) for c, v in fields if c not in leaks]
        if self.field in df.columns:
            fields.append((f"len({self.field})",
                           _as_string(df[self.field]).fillna("").str.len().to_numpy(float)))
        out = []
        for fname, values in fields:
            finite = values[~np.isnan(values)]
            if len(finite) < self.min_coverage:
                continue
            qs = sorted({float(q) for q in np.quantile(finite, [0.1, 0.25, 0.5, 0.75, 0.9])})
            for t in qs:
                t = float(np.round(t, 6))
                for op in (">=", "<"):
                    with np.errstate(invalid="ignore"):
                        hit = values >= t if op == ">=" else values < t
                    rows = list(np.flatnonzero(hit & ~np.isnan(values)))
                    if len(rows) < self.min_coverage or len(rows) == len(values):
                        continue
                    label = majority(rows)
                    tag = "ge" if op == ">=" else "lt"
                    name = f"stump_{re.sub(r'[^0-9A-Za-z]+', '_', str(fname)).strip('_')}_{tag}_{t:.15g}_{label}"
                    shown = fname if isinstance(fname, str) else f"{fname!r} ({type(fname).__name__})"
                    out.append(_Candidate("stump", label, _bind(threshold_lf, fname, t, label, op=op, name=name),
                                          f"stump:{shown}{op}{t!r}"))
        return out

    def _centroids(self, df: pd.DataFrame, y: np.ndarray, k: int) -> list[_Candidate]:
        col = self.embed_field or self.field
        kw = {} if col == "text" else {"field": col}
        texts = _as_string(df[col]).fillna("").tolist()
        E = embed_texts(texts).astype(np.float64)
        n = len(texts)
        rng = np.random.default_rng(self.seed)
        ex: dict[int, np.ndarray] = {}
        text_of = np.array(texts, dtype=object)

        def by_text(rows: np.ndarray) -> np.ndarray:
            # the labelled rows in the order of their texts, not their positions, wherever an order shows
            # (which examples are sampled, their order in an LF's source, k-NN ties): the same labelled
            # rows in another order give the same LFs (rows with one text are interchangeable)
            return rows[np.argsort(text_of[rows], kind="stable")]

        for c in range(k):
            members = by_text(np.flatnonzero(y == c))
            if len(members) < max(2, self.min_coverage):
                continue
            if len(members) > self.centroid_examples:
                members = by_text(rng.choice(members, self.centroid_examples, replace=False))
            ex[c] = members
        if not ex:
            return []
        classes = sorted(ex)
        totals = np.stack([E[ex[c]].sum(axis=0) for c in classes])
        dots = E @ totals.T
        self_dot = np.einsum("ij,ij->i", E, E)
        norms2 = (totals ** 2).sum(axis=1)
        S = dots / np.sqrt(np.maximum(norms2, 1e-24))
        # leave-one-out: a row against the centroid of the examples whose text is not its own: with duplicated
        # texts (WRENCH youtube/sms hold repeats) leaving out only the row itself would let its copies vote for
        # it. Same text, same embedding: m copies among the examples take m * E[r] out of the sum.
        codes = pd.factorize(text_of)[0]
        for j, c in enumerate(classes):
            m = np.bincount(codes[ex[c]], minlength=codes.max() + 1)[codes].astype(np.float64)
            left = m > 0
            num = dots[left, j] - m[left] * self_dot[left]
            den2 = norms2[j] - 2 * m[left] * dots[left, j] + m[left] ** 2 * self_dot[left]
            S[left, j] = np.where(m[left] < len(ex[c]), num / np.sqrt(np.maximum(den2, 1e-24)), 0.0)
        out = []
        fam = set(self._families())
        if "centroid" in fam:
            for j, c in enumerate(classes):
                own = S[y == c, j]
                examples = [texts[i] for i in ex[c]]
                for q in (0.25, 0.5, 0.75):
                    t = float(np.round(np.quantile(own, q), 4))
                    out.append(_Candidate("centroid", c, _bind(centroid_lf, examples, c, t,
                                                               name=f"centroid_{c}_q{int(q * 100)}", **kw),
                                          f"centroid:{c}:{q}", votes=np.where(S[:, j] >= t, c, ABSTAIN)))
        if "knn" in fam and len(classes) >= 2:
            members = np.flatnonzero(np.isin(y, classes))
            ordered = np.concatenate([by_text(members[y[members] == c]) for c in classes])  # knn_lf's example order
            by_class = {c: [texts[i] for i in ordered if y[i] == c] for c in classes}
            Sk = E @ E[ordered].T
            Sk[codes[:, None] == codes[ordered][None, :]] = -np.inf  # leave-one-out: no row (nor a copy of
            # its text) is its own neighbour
            for kk, mv in KNN_SETTINGS:
                if kk > len(ordered) - 1:
                    continue
                out.append(_Candidate("knn", -1, _bind(knn_lf, by_class, kk, mv, name=f"knn_k{kk}_m{mv}", **kw),
                                      f"knn:{kk}:{mv}", votes=knn_vote(Sk, y[ordered], kk, mv, k)))
        if "nearest" in fam and len(classes) >= 2:
            order = np.argsort(-S, axis=1, kind="stable")
            lead = S[np.arange(n), order[:, 0]] - S[np.arange(n), order[:, 1]]
            pred = np.asarray(classes)[order[:, 0]]
            examples_by = {c: [texts[i] for i in ex[c]] for c in classes}
            for q in (0.0, 0.25, 0.5):
                t = 0.0 if q == 0 else float(np.round(np.quantile(lead, q), 4))
                out.append(_Candidate("nearest", -1, _bind(nearest_centroid_lf, examples_by, t,
                                                           name=f"nearest_centroid_q{int(q * 100)}", **kw),
                                      f"nearest:{q}", votes=np.where(lead >= t, pred, ABSTAIN)))
        return out

    def _candidate_votes(self, cands: list[_Candidate], df: pd.DataFrame) -> np.ndarray:
        from weaksup.apply import apply_lfs

        cols: list[np.ndarray | None] = [c.votes for c in cands]
        todo = [j for j, c in enumerate(cands) if c.votes is None]
        if todo:
            lfs = [cands[j].build() for j in todo]
            seen: dict[str, int] = {}
            for lf in lfs:  # two candidates may share a name (same pattern): make names unique for the applier
                if lf.name in seen:
                    seen[lf.name] += 1
                    lf.name = f"{lf.name}__{seen[lf.name]}"
                else:
                    seen[lf.name] = 0
            V = apply_lfs(lfs, df, progress=self.progress, lf_fingerprints=False).to_dense()
            for jj, j in enumerate(todo):
                cols[j] = V[:, jj]
        if not cols:
            return np.zeros((len(df), 0), dtype=int)
        return np.column_stack([np.asarray(c, dtype=int) for c in cols])

    # ------------------------------------------------------------- selection
    def _select(self, votes: np.ndarray, stats: pd.DataFrame, k: int) -> list[int]:
        max_lfs = self.max_lfs if self.max_lfs is not None else max(10, 6 * k)
        fired = votes != ABSTAIN
        cov = stats["coverage"].to_numpy()
        gain = stats["gain"].to_numpy()
        ok = (cov >= self.min_coverage) & (gain > 0) & (stats["wilson_lb"].to_numpy() >= self.min_precision)
        # identical vote columns: keep the simplest family, then the first key
        order = sorted(np.flatnonzero(ok), key=lambda j: (_KIND_ORDER[stats["kind"].iat[j]],
                                                           stats["candidate"].iat[j]))
        seen: set[bytes] = set()
        pool: dict[int, list[int]] = defaultdict(list)
        for j in order:
            sig = votes[:, j].tobytes()
            if sig in seen:
                continue
            seen.add(sig)
            label = int(stats["label"].iat[j])  # multi-class LFs: one pool (and at most one LF) per family
            pool[label if label >= 0 else -1 - _KIND_ORDER[stats["kind"].iat[j]]].append(j)
        base = gain * np.sqrt(cov)
        chosen: list[int] = []
        by_label: dict[int, list[int]] = defaultdict(list)
        labels = sorted(pool)
        while len(chosen) < max_lfs:
            picked_any = False
            for c in labels:
                if len(chosen) >= max_lfs:
                    break
                best, best_u = -1, 0.0
                for j in pool[c]:
                    if by_label[c]:
                        inter = (fired[:, by_label[c]] & fired[:, [j]]).sum(axis=0)
                        union = (fired[:, by_label[c]] | fired[:, [j]]).sum(axis=0)
                        overlap = float(np.max(inter / np.maximum(union, 1)))
                    else:
                        overlap = 0.0
                    if overlap > self.max_overlap:
                        continue
                    u = base[j] * (1.0 - overlap)
                    if u > best_u + 1e-12:
                        best, best_u = j, u
                if best >= 0:
                    chosen.append(best)
                    by_label[c].append(best)
                    pool[c] = [] if c < 0 else [j for j in pool[c] if j != best]  # one multi-class LF at most
                    picked_any = True
            if not picked_any:
                break
        return chosen

    def transform(self, data: Any) -> Any:
        """Votes of the generated LFs on ``data`` (a :class:`~weaksup.votes.VoteMatrix`)."""
        from weaksup.apply import apply_lfs

        check_is_fitted(self, "lfs_")
        # apply_lfs refuses duplicate column names and MultiIndex columns (check_columns)
        return apply_lfs(self.lfs_, as_frame(data, self.field), cardinality=self.cardinality_, progress=self.progress)


def _check_parsed(column: Any, raw: pd.Series, values: np.ndarray) -> None:
    """Say which values of numeric field ``column`` (``raw``, labelled rows) ``pd.to_numeric`` could not read.

    A coerced value is NaN, which no stump fires on: a text column silently gave no stumps, and a column such as
    ``"1,200"`` / ``"15"`` silently lost every row written with a separator.  No value read (and some given):
    ValueError; some values unread: UserWarning (the stumps see those rows as missing).
    """
    bad = np.isnan(values) & ~raw.isna().to_numpy(bool)
    n_bad = int(bad.sum())
    if not n_bad:
        return
    example = f"{raw.iloc[int(np.flatnonzero(bad)[0])]!r:.60}"
    n_read = int((~np.isnan(values)).sum())
    if n_read == 0:
        raise ValueError(f"LFGenerator: numeric field {column!r} holds no number on the labelled rows: pd.to_numeric "
                         f"cannot read any of its {n_bad} values there (e.g. {example}), so no stump can be mined "
                         "from it. Convert the column to numbers first (drop thousands separators or units, map "
                         "categories to codes), or leave it out of numeric_fields")
    warnings.warn(f"LFGenerator: numeric field {column!r}: {n_bad} of its {len(values)} values on the labelled rows "
                  f"are not numbers (pd.to_numeric cannot read them, e.g. {example}): the stumps read those rows as "
                  f"missing (an LF on it abstains there) and learn from the {n_read} that parse. Convert the column "
                  "to numbers first (drop thousands separators or units) to use every row", UserWarning,
                  stacklevel=user_stacklevel())


def _unique_name(name: str, used: set[str], reserved: Collection[str] = ()) -> str:
    """``name``, or the first of ``name_2``, ``name_3``, ... in neither ``used`` nor ``reserved``; added to ``used``.

    LF names are readable, not injective (two patterns can read the same); giving each
    LF its name in a fixed order through this keeps them unique and deterministic.

    >>> used = set()
    >>> [_unique_name(n, used, reserved={"a_2"}) for n in ["a", "b", "a", "a"]]
    ['a', 'b', 'a_3', 'a_4']
    """
    if name in used:
        n = 2
        while f"{name}_{n}" in used or f"{name}_{n}" in reserved:
            n += 1
        name = f"{name}_{n}"
    used.add(name)
    return name


def _bind(fn: Callable[..., LabelingFunction], *args: Any, **kwargs: Any) -> Callable[..., LabelingFunction]:
    """The candidate's builder; ``name=`` overrides the LF's name (to keep the kept LFs' names unique)."""
    return lambda name=None: fn(*args, **kwargs) if name is None else fn(*args, **{**kwargs, "name": name})


def generate_lfs(data: Any, y: Any, **params: Any) -> list[LabelingFunction]:
    """The LFs :class:`LFGenerator` (``**params``) keeps for labelled ``data``/``y`` (``-1`` = unlabelled).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.lfgen import generate_lfs
    >>> texts = ["win cash now", "win a prize", "cash prize inside", "see you at lunch",
    ...          "lunch at noon?", "see you soon"] * 2
    >>> lfs = generate_lfs(texts, np.array([1, 1, 1, 0, 0, 0] * 2), families=("keyword",), min_coverage=2)
    >>> [lf.name for lf in lfs][:2]
    ['keyword_lunch_0', 'keyword_cash_1']
    """
    return LFGenerator(**params).fit(data, y).lfs_
