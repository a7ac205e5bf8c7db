"""LF families: keyword, regex and threshold LFs, and LFs configured from a table.

Each family returns a batched :class:`~weaksup.lf.core.LabelingFunction` with a
single-example twin (``row_f``), so its votes are the same whether it runs on
DataFrame chunks (weaksup's appliers) or on one row (snorkel's appliers).

>>> import pandas as pd
>>> from weaksup import keyword_lf
>>> keyword_lf("win", 1)(pd.DataFrame({"text": ["you win", "hello"]})).tolist()
[1, -1]
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup._validation import lookalike_hint
from weaksup.lf.core import LabelingFunction
from weaksup.lf.regex import regex_search
from weaksup.votes import ABSTAIN

__all__ = ["keyword_lf", "regex_lf", "threshold_lf", "lfs_from_table"]


def _cell_text(v: Any) -> str | None:
    """THE text of one cell, for the batch and the one-row paths alike; None when it is missing.

    Missing: None, NaN, ``pd.NA``, ``NaT``.  Bytes are decoded as UTF-8 (undecodable bytes as U+FFFD),
    any other value is ``str(v)`` (a Timestamp reads ``2020-01-01 00:00:00`` in every row).

    >>> _cell_text(b"free"), _cell_text(pd.NaT), _cell_text(float("nan"))
    ('free', None, None)
    >>> _cell_text(pd.Timestamp("2020-01-01"))
    '2020-01-01 00:00:00'
    """
    if isinstance(v, str):
        return v
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, (float, np.floating)) and v != v):
        return None
    if isinstance(v, (np.datetime64, np.timedelta64)) and np.isnat(v):
        return None
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("utf-8", errors="replace")
    return str(v)


def _text_column(df: pd.DataFrame, field: str, lf_name: str) -> pd.Series:
    """The text of ``field`` as a string Series (``pd.NA`` where missing), cell by cell as :func:`_cell_text`."""
    if field not in df.columns:
        raise KeyError(f"LF {lf_name!r} reads field {field!r}, absent from data columns {list(df.columns)}")
    col = df[field]
    if isinstance(col.dtype, pd.StringDtype) or (
            col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty")):
        return _as_string(col)  # text (and missing cells): the fast path
    return _as_string(pd.Series([_cell_text(v) for v in col.astype(object).tolist()], index=col.index, dtype=object))


def _as_string(col: pd.Series) -> pd.Series:
    """``col`` as a string Series; Python storage when a text has no UTF-8 form (a lone surrogate such as
    ``"\\ud83d"``, half an emoji in scraped JSON), which Arrow strings (pandas 3's default) cannot hold but
    :func:`~weaksup.lf.regex.regex_search` reads with Python's ``re``."""
    try:
        return col.astype("string")
    except UnicodeEncodeError:
        return col.astype(pd.StringDtype("python"))


def _text_series(df: pd.DataFrame, field: str, lf_name: str) -> pd.Series:
    return _text_column(df, field, lf_name).fillna("")


_WORD_CHAR = re.compile(r"\w")

# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, kana, Han): whole_word needs no word
# boundary at a keyword edge in one of them ("好看" is found in "这部电影很好看"), and their letters do not glue a
# neighbouring keyword of another script into a word ("iPhone" is found in "iPhoneが好き").
_NO_SPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF), (0x19E0, 0x19FF),  # Khmer
    (0x3005, 0x3007), (0x3021, 0x3029), (0x3031, 0x3035), (0x303B, 0x303C),  # iteration marks, 〆, 〇
    (0x3040, 0x30FF), (0x31F0, 0x31FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF),  # Han
    (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F),  # Myanmar
    (0xF900, 0xFAFF),  # Han
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x1B000, 0x1B16F),  # Kana
    (0x20000, 0x323AF),  # Han
)
_NO_SPACE_STARTS = [lo for lo, _ in _NO_SPACE_RANGES]
# re's IGNORECASE equates I, i, dotless ı and İ; str.casefold keeps ı apart and makes İ 'i' + U+0307
_DOTTED_I = re.compile("i\u0307|\u0131")


def _match_form(text: str, case_sensitive: bool = False) -> str:
    """The form in which :func:`keyword_lf` and ``gazetteer_span_lf`` compare a keyword and a text.

    Unicode NFC (a decomposed "café", as macOS or some scrapers write it, is the same word as the composed
    one) and, unless ``case_sensitive``, full case folding (``str.casefold``: "STRASSE" is "straße"), with
    I, i, ı and İ one letter (as re's ``IGNORECASE`` has them).  ASCII text is only lower-cased (when
    case does not matter): that is its case folding, and the fast path for ASCII data.

    >>> import unicodedata
    >>> _match_form(unicodedata.normalize("NFD", "Café")), _match_form("STRASSE"), _match_form("Straße")
    ('café', 'strasse', 'strasse')
    >>> _match_form("İstanbul"), _match_form("İstanbul", case_sensitive=True)
    ('istanbul', 'İstanbul')
    """
    if text.isascii():
        return text if case_sensitive else text.lower()
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if case_sensitive:
        return text
    text = text.casefold()
    if "\u0131" in text or "\u0307" in text:  # (a find is cheaper than the substitution's scan)
        text = _DOTTED_I.sub("i", text)
    # casefold can leave a letter decomposed ('ΐ' -> 'ι' U+0308 U+0301): NFC again, so a combining mark is no word break
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


class _LastRowForm:
    """The :func:`_match_form` of the last text one row's keyword LFs read: an applier that runs every LF on a row
    before the next (snorkel's) folds each text once, not once per LF.  Keyed by the text object (held, so
    that its identity stays its own); never part of an LF's fingerprint."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[str, bool, str] = ("", False, "")

    def __call__(self, text: str, case_sensitive: bool) -> str:
        last = self._last  # one read: another thread may replace it
        if last[0] is text and last[1] == case_sensitive:
            return last[2]
        form = _match_form(text, case_sensitive)
        self._last = (text, case_sensitive, form)
        return form


_row_form = _LastRowForm()


def _spaced_word_char(c: str) -> bool:
    """Whether ``c`` is part of a word for ``whole_word`` in non-ASCII text: a letter, digit, ``_`` (re's ``\\w``)
    or combining mark (part of the letter it follows), of a script written with spaces between words.

    Variation selectors (an emoji's U+FE0F) are no part of a word: they modify symbols.

    >>> [_spaced_word_char(c) for c in ("é", "\u0301", "\u093f", "好", "ก", "\ufe0f", "-")]
    [True, True, True, False, False, False, False]
    """
    if c.isascii():
        return c.isalnum() or c == "_"
    if not (c.isalnum() or (unicodedata.category(c) in ("Mn", "Mc")
                            and not ("\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef"))):
        return False
    i = bisect.bisect_right(_NO_SPACE_STARTS, ord(c)) - 1
    return i < 0 or ord(c) > _NO_SPACE_RANGES[i][1]


class _UnicodeKeywords:
    """Finds keywords (in :func:`_match_form`) in non-ASCII text (in :func:`_match_form`): ``re`` finds where one
    starts (a plain alternation, fast), and with ``whole_word`` the ends are checked here, at those places only: a
    keyword end that is :func:`_spaced_word_char` may not touch another such character."""

    __slots__ = ("_plain", "_by_first", "_whole_word")

    def __init__(self, words: tuple[str, ...], whole_word: bool) -> None:
        self._plain = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
        self._whole_word = whole_word
        self._by_first: dict[str, list[tuple[str, bool, bool]]] = {}
        for w in dict.fromkeys(words):
            self._by_first.setdefault(w[0], []).append((w, _spaced_word_char(w[0]), _spaced_word_char(w[-1])))

    def search(self, text: str) -> bool:
        m = self._plain.search(text)
        if not self._whole_word or m is None:
            return m is not None
        while m is not None:
            p = m.start()
            for w, left, right in self._by_first[text[p]]:
                end = p + len(w)
                if (text.startswith(w, p) and not (left and p and _spaced_word_char(text[p - 1]))
                        and not (right and end < len(text) and _spaced_word_char(text[end]))):
                    return True
            m = self._plain.search(text, p + 1)
        return False


@functools.lru_cache(maxsize=4096)
def _unicode_keywords(words: tuple[str, ...], whole_word: bool) -> _UnicodeKeywords:
    """:class:`_UnicodeKeywords`, built on first use (most data, all ASCII, never needs it)."""
    return _UnicodeKeywords(words, whole_word)


class _NonAsciiRows:
    """The non-ASCII rows of the one text chunk being labelled now, the chunk without them, and their
    :func:`_match_form`: found once for all the keyword LFs over that chunk (keyed, as the row cache of
    :mod:`weaksup.lf.regex`, by the immutable Arrow buffer, which the entry holds so that its address stays its own).
    A column not stored by Arrow (object, pandas 2's default strings) has no such buffer: each LF finds them again.

    It never enters an LF's fingerprint (the LF families are fingerprinted by name and weaksup version).
    """

    __slots__ = ("_entry",)

    def __init__(self) -> None:
        # (key, arrow array, non-ASCII positions, ASCII positions, ASCII rows, {case_sensitive: non-ASCII forms})
        self._entry: tuple[Any, ...] | None = None

    def get(self, texts: pd.Series, case_sensitive: bool) -> tuple[np.ndarray, np.ndarray, pd.Series, list[str]]:
        """``(positions of the non-ASCII texts, positions of the others, the others, the non-ASCII texts in
        _match_form)`` for a string Series without missing values; all but the first are empty when it is."""
        key = arr = None
        if isinstance(texts.dtype, pd.StringDtype) and str(texts.dtype.storage).startswith("pyarrow"):
            import pyarrow as pa

            arr = pa.array(texts, type=pa.large_string(), from_pandas=True)
            chunk = arr.chunk(0) if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 1 else arr
            bufs = chunk.buffers() if isinstance(chunk, pa.Array) else [None]
            if len(bufs) > 2 and bufs[2] is not None:
                key = (bufs[2].address, chunk.offset, len(chunk))
        entry = self._entry  # one read: another thread may replace it
        if key is None or entry is None or entry[0] != key:
            if arr is not None:  # (Series.str.isascii is pandas 3 only)
                import pyarrow.compute as pc

                ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False).astype(bool)
            else:
                ascii_ = np.fromiter((t.isascii() for t in texts.tolist()), dtype=bool, count=len(texts))
            rows = np.flatnonzero(~ascii_)
            others = np.flatnonzero(ascii_) if rows.size else rows
            entry = (key, arr, rows, others, texts.iloc[others] if rows.size else texts.iloc[:0], {})
            if key is not None:
                self._entry = entry
        forms = entry[5].get(case_sensitive)
        if forms is None:
            forms = entry[5][case_sensitive] = [_match_form(t, case_sensitive) for t in texts.iloc[entry[2]].tolist()]
        return entry[2], entry[3], entry[4], forms


_NON_ASCII_ROWS = _NonAsciiRows()


def _ascii_keyword_pattern(words: list[str], whole_word: bool) -> str:
    """The keyword pattern for ASCII text (RE2 runs it where it can): ``\\b`` at a keyword's letter or digit ends."""
    body = "|".join(re.escape(w) for w in words)
    if not whole_word:
        return f"(?:{body})"
    if all(_WORD_CHAR.match(w[:1]) and _WORD_CHAR.match(w[-1:]) for w in words):
        return rf"\b(?:{body})\b"
    # \b next to punctuation would demand a letter beside it: bound only the word-character ends
    return "(?:" + "|".join(("(?<!\\w)" if _WORD_CHAR.match(w[:1]) else "") + re.escape(w)
                            + ("(?!\\w)" if _WORD_CHAR.match(w[-1:]) else "") for w in words) + ")"


def keyword_lf(
    keywords: str | Iterable[str],
    label: int,
    *,
    field: str = "text",
    name: str | None = None,
    case_sensitive: bool = False,
    whole_word: bool = True,
) -> LabelingFunction:
    """Batched LF: ``label`` if any keyword occurs in ``field``, else ABSTAIN.

    The default name reads the first three keywords (a set's in sorted order, so the name, and
    the vote cache's and label models' matching by name, are the same in every Python process).
    With ``whole_word``, a keyword's letter or digit at either end may not touch
    another one in the text ("free" is not found in "freedom"); an end that is
    punctuation needs nothing ("$$$", "C++" and "www." are found).  Nor does an end in a script written
    without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar: "好看" is found in "这部电影很好看"), and
    the letters of such a script do not count as touching a keyword of another one ("iPhone" is found in
    "iPhoneが好き").  A combining mark is part of the letter it follows.

    Keywords and text are compared in Unicode NFC (a decomposed "café" is the composed one) and, unless
    ``case_sensitive``, with full case folding (``str.casefold``: "straße" finds "STRASSE"; I, i, ı and
    İ are one letter).  ASCII text is matched as it is (case-insensitively), the fast path.

    Parameters
    ----------
    keywords : str or iterable of str
        One keyword or several (any of them votes); each a non-empty string, matched literally (regex
        characters are escaped).  A set is read in sorted order.
    label : int
        The class voted, ``0..k-1`` (a float equal to an int is accepted).
    field : str
        The column (batched call) or field (one example) whose text is searched; a missing cell abstains.
    name : str, optional
        The LF's name; default ``keyword_<first three keywords, spaces as '-', joined by '_'>_<label>``.
    case_sensitive : bool
        Match case exactly; default False (case-insensitive, full case folding).
    whole_word : bool
        Match whole words only (see above); False finds a keyword anywhere, inside words too.

    Returns
    -------
    LabelingFunction
        A batched LF with a one-example twin (``row_f``): the same votes on DataFrame chunks and on one row.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup import keyword_lf
    >>> lf = keyword_lf(["free", "win"], 1)
    >>> lf(pd.DataFrame({"text": ["Win now", "hello", "freedom"]})).tolist()
    [1, -1, -1]
    >>> keyword_lf(["$$$", "C++"], 1)(pd.DataFrame({"text": ["earn $$$", "I code C++.", "ABC++"]})).tolist()
    [1, 1, -1]
    >>> keyword_lf(["straße", "好看"], 1)(pd.DataFrame({"text": ["STRASSE GESPERRT", "这部电影很好看"]})).tolist()
    [1, 1]
    """
    if not isinstance(keywords, str) and not isinstance(keywords, Iterable):
        raise TypeError(f"keyword_lf{f' {name!r}' if name else ''}: keywords must be a string or an iterable of "
                        f"strings, got {keywords!r} ({type(keywords).__name__})")
    # a set's order follows string hashing, which changes with every process: sorted, the name and pattern do not
    words = [keywords] if isinstance(keywords, str) else (
        sorted(keywords, key=str) if isinstance(keywords, (set, frozenset)) else list(keywords))
    if not words:
        raise ValueError("keyword_lf needs at least one keyword")
    for i, w in enumerate(words):
        if not isinstance(w, str) or not w:
            what = "empty (it would match every text)" if isinstance(w, str) else f"{w!r} ({type(w).__name__})"
            raise ValueError(f"keyword_lf{f' {name!r}' if name else ''}: keyword #{i} is {what}; "
                             f"keywords must be non-empty strings")
    label = _class_label(label, f"keyword_lf{f' {name!r}' if name else ''}")
    lf_name = name or f"keyword_{'_'.join(w.replace(' ', '-') for w in words[:3])}_{label}"
    # ASCII text: the keywords that can occur in it, as given (IGNORECASE folds ASCII case), on RE2 where it can;
    # other text: in _match_form, as are all the keywords
    folded = [_match_form(w, case_sensitive) for w in words]
    ascii_words = [w if w.isascii() else fw for w, fw in zip(words, folded) if fw.isascii()]
    flags = 0 if case_sensitive else re.IGNORECASE
    ascii_re = re.compile(_ascii_keyword_pattern(ascii_words, whole_word), flags) if ascii_words else None
    # the words, not their matcher: it is built on the first non-ASCII text
    unicode_words = (tuple(folded), whole_word)

    def f(df: pd.DataFrame, ascii_re: re.Pattern[str] | None, unicode_words: tuple[tuple[str, ...], bool],
          label: int, case_sensitive: bool) -> np.ndarray:
        texts = _text_series(df, field, lf_name)
        if not len(texts):
            return np.full(0, ABSTAIN)
        rows, others, ascii_texts, forms = _NON_ASCII_ROWS.get(texts, case_sensitive)
        if not rows.size:  # all ASCII (most data): RE2 where it can, as regex_lf
            hits = regex_search(texts, ascii_re) if ascii_re is not None else np.zeros(len(texts), dtype=bool)
        else:
            hits = np.zeros(len(texts), dtype=bool)
            if ascii_re is not None and others.size:
                hits[others] = regex_search(ascii_texts, ascii_re)
            search = _unicode_keywords(*unicode_words).search
            hits[rows] = [search(t) for t in forms]
        return np.where(hits, label, ABSTAIN)

    built: list[Any] = []  # row_f's (unicode_words, _unicode_keywords(*unicode_words)), set on first use

    def row_f(x: Any, ascii_re: re.Pattern[str] | None, unicode_words: tuple[tuple[str, ...], bool], label: int,
              case_sensitive: bool) -> int:
        t = _text_value(x, field, lf_name)
        if t.isascii():
            return label if ascii_re is not None and ascii_re.search(t) else ABSTAIN
        held = built[0] if built else None  # (one read: another thread may set it)
        if held is None or held[0] is not unicode_words:  # (hashing the words for the lru cache costs per row)
            held = (unicode_words, _unicode_keywords(*unicode_words))
            built[:] = [held]
        return label if held[1].search(_row_form(t, case_sensitive)) else ABSTAIN

    return LabelingFunction(lf_name, f, resources={"ascii_re": ascii_re, "unicode_words": unicode_words,
                                                   "label": int(label), "case_sensitive": case_sensitive},
                            batched=True, row_f=row_f)


def regex_lf(
    pattern: str,
    label: int,
    *,
    field: str = "text",
    name: str | None = None,
    case_sensitive: bool = False,
) -> LabelingFunction:
    """Batched LF: ``label`` where ``pattern`` matches ``field`` (re.search), else ABSTAIN.

    An empty pattern matches every text: it is a ValueError (as an empty keyword is for :func:`keyword_lf`).

    Parameters
    ----------
    pattern : str
        A Python regular expression (``re`` syntax), searched anywhere in the text; non-empty.  An invalid
        pattern is an ``re.error`` naming the LF.
    label : int
        The class voted, ``0..k-1`` (a float equal to an int is accepted).
    field : str
        The column (batched call) or field (one example) whose text is searched; a missing cell abstains.
    name : str, optional
        The LF's name; default ``regex_<first 30 characters of pattern>_<label>``.
    case_sensitive : bool
        Match case exactly; default False (``re.IGNORECASE``).

    Returns
    -------
    LabelingFunction
        A batched LF with a one-example twin (``row_f``): the same votes on DataFrame chunks and on one row.

    Examples
    --------
    >>> from weaksup.lf import Row, regex_lf
    >>> lf = regex_lf("check +(out|my)", 1, name="check_out")
    >>> lf(Row(text="Check out my channel")), lf(Row(text="great song"))
    (1, -1)
    """
    if not isinstance(pattern, str):
        raise TypeError(f"regex_lf{f' {name!r}' if name else ''}: pattern must be a string, got {pattern!r} "
                        f"({type(pattern).__name__})")
    if not pattern:
        raise ValueError(f"regex_lf{f' {name!r}' if name else ''}: pattern is empty (it would match every text); "
                         f"give a non-empty pattern")
    label = _class_label(label, f"regex_lf{f' {name!r}' if name else ''}")
    flags = 0 if case_sensitive else re.IGNORECASE
    lf_name = name or f"regex_{pattern[:30]}_{label}"
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:  # name the LF: Python's message gives only the position in the pattern
        raise re.error(f"regex_lf {lf_name!r}: {exc.msg} in pattern {pattern!r}", exc.pattern, exc.pos) from None

    def f(df: pd.DataFrame, compiled: re.Pattern[str], label: int) -> np.ndarray:
        hits = regex_search(_text_series(df, field, lf_name), compiled)
        return np.where(hits, label, ABSTAIN)

    def row_f(x: Any, compiled: re.Pattern[str], label: int) -> int:
        return label if compiled.search(_text_value(x, field, lf_name)) else ABSTAIN

    return LabelingFunction(lf_name, f, resources={"compiled": compiled, "label": int(label)}, batched=True,
                            row_f=row_f)


def _class_label(label: Any, where: str) -> int:
    """``label`` as a class ``0..k-1``: an int, or a float equal to one (a CSV column upcast by a blank cell).

    >>> _class_label(1.0, "keyword_lf")
    1
    >>> _class_label(1.5, "keyword_lf")
    Traceback (most recent call last):
    ...
    ValueError: keyword_lf: label must be a class 0..k-1 (an int), got 1.5
    """
    ok = isinstance(label, (int, np.integer)) or (
        isinstance(label, (float, np.floating)) and np.isfinite(label) and float(label).is_integer())
    if isinstance(label, (bool, np.bool_)) or not ok or label < 0:
        raise ValueError(f"{where}: label must be a class 0..k-1 (an int), got {label!r}")
    return int(label)


def _blank(v: Any) -> bool:
    """Whether a table cell is blank: None, NaN / NA, or text of spaces only."""
    if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and v != v):
        return True
    return isinstance(v, str) and not v.strip()


def _field_value(x: Any, field: Hashable, lf_name: str) -> Any:
    try:
        return x[field]
    except (KeyError, TypeError, IndexError):
        try:
            if isinstance(field, str):  # an attribute (a namedtuple's field); a column named 5 is no attribute
                return getattr(x, field)
        except AttributeError:
            pass
        raise KeyError(f"LF {lf_name!r} reads field {field!r}, absent from the example") from None


def _text_value(x: Any, field: str, lf_name: str) -> str:
    return _cell_text(_field_value(x, field, lf_name)) or ""


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal,
    "==": np.equal, "!=": np.not_equal,
}
_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
}
_EXACT_INT = 2 ** 53  # every int below this size is a float64 exactly; a larger one becomes one of at least it


def _number(threshold: Any) -> int | float:
    """A threshold as a Python int or float (a numpy scalar would round a Python int it meets to float64)."""
    return int(threshold) if isinstance(threshold, (int, np.integer)) else float(threshold)


def _outside(shape: tuple[int, ...], op: str, side: int) -> np.ndarray:
    """``x op t`` for every ``x`` when all of them lie below the threshold (``side=-1``) or above it (``side=1``)."""
    return np.full(shape, {">": side > 0, ">=": side > 0, "<": side < 0, "<=": side < 0,
                           "==": False, "!=": True}[op])


def _int_hits(values: np.ndarray, op: str, t: int | float) -> np.ndarray:
    """``values op t`` exactly for an integer array (a float64 cast rounds ints above 2**53)."""
    if isinstance(t, float):
        if abs(t) == float("inf"):
            return _outside(values.shape, op, -1 if t > 0 else 1)
        if not t.is_integer():  # x > 2.5 is x > 2, x < 2.5 is x <= 2, x == 2.5 never holds
            if op in ("==", "!="):
                return np.full(values.shape, op == "!=")
            op = ">" if op in (">", ">=") else "<="
        t = math.floor(t)
    info = np.iinfo(values.dtype)
    if t > info.max or t < info.min:
        return _outside(values.shape, op, -1 if t > info.max else 1)
    return np.asarray(_OPS[op](values, values.dtype.type(t)))


def _float_hits(values: np.ndarray, op: str, t: int | float) -> np.ndarray:
    """``values op t`` exactly for a float64 array (False where NaN), ``t`` an int that float64 may not hold."""
    with np.errstate(invalid="ignore"):
        return _float_compare(values, op, t) & ~np.isnan(values)


def _float_compare(values: np.ndarray, op: str, t: int | float) -> np.ndarray:
    if isinstance(t, int):
        try:
            tf = float(t)
        except OverflowError:
            tf = float("inf") if t > 0 else float("-inf")
        if abs(tf) == float("inf") or int(tf) != t:  # t lies strictly between the floats lo < t < hi
            lo, hi = (np.nextafter(tf, -np.inf), tf) if tf > t else (tf, np.nextafter(tf, np.inf))
            if op in ("==", "!="):
                return np.full(values.shape, op == "!=")
            return values >= hi if op in (">", ">=") else values <= lo
        t = tf
    return np.asarray(_OPS[op](values, t))


def _threshold_hits(values: pd.Series, op: str, threshold: float) -> np.ndarray:
    """Where a cell of ``values`` is a number (``pd.to_numeric``) with ``value op threshold``; missing is False.

    Integers compare exactly (int64 ids near 9e18, Python ints beyond int64): a float64 cast would call
    ``2**53 + 1 > 2**53`` false.  Floats, and the ints a float64 holds exactly, compare in one numpy call.

    >>> _threshold_hits(pd.Series([2**53 + 1, 2**53, None], dtype="Int64"), ">", 2**53).tolist()
    [True, False, False]
    >>> _threshold_hits(pd.Series([2**70 + 1, "x", 0.5]), ">", 2**70).tolist()
    [True, False, False]
    """
    t = _number(threshold)
    num = pd.to_numeric(values, errors="coerce")  # keeps integer dtypes (numpy and nullable)
    nullable = isinstance(num.dtype, pd.api.extensions.ExtensionDtype)
    if pd.api.types.is_integer_dtype(num.dtype):
        np_dtype = getattr(num.dtype, "numpy_dtype", num.dtype)
        if not nullable:
            return _int_hits(num.to_numpy(), op, t)
        missing = num.isna().to_numpy(dtype=bool)
        return _int_hits(num.to_numpy(dtype=np_dtype, na_value=0), op, t) & ~missing
    arr = num.to_numpy(dtype=float, na_value=np.nan) if nullable else num.to_numpy(dtype=float)
    hit = _float_hits(arr, op, t)
    if values.dtype == object:  # Python ints that float64 rounds (mixed, or beyond uint64): compare them exactly
        for i in np.nonzero(np.abs(arr) >= _EXACT_INT)[0]:
            v = values.iat[i]
            if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
                hit[i] = _PY_OPS[op](int(v), t)
    return hit


def threshold_lf(
    field: Hashable,
    threshold: float,
    label: int,
    *,
    op: str = ">=",
    name: str | None = None,
) -> LabelingFunction:
    """Batched LF: ``label`` where ``field <op> threshold`` (numeric field), else ABSTAIN.

    Cells are read with ``pd.to_numeric`` (a cell that is no number abstains, as do missing values: NaN,
    and a missing text for ``len(col)``).  Integers compare exactly, not through float64: an int64 id
    ``2**53 + 1`` is ``> 2**53``, and so is a Python int beyond int64.  ``field`` may be a
    column name (any hashable, such as the ``5`` of ``pd.DataFrame(array)``; the default name
    reads ``str(field)``) or ``"len(col)"`` for the character length of a text column.

    Parameters
    ----------
    field : hashable
        The column compared, or ``"len(col)"``: the character length of text column ``col``.
    threshold : int or float
        The number compared against (not NaN, not a bool).
    label : int
        The class voted, ``0..k-1`` (a float equal to an int is accepted).
    op : {">=", ">", "<=", "<", "==", "!="}
        The comparison ``cell <op> threshold``; default ``">="``.
    name : str, optional
        The LF's name; default ``threshold_<field>_<op>_<threshold>_<label>`` with spaces removed.

    Returns
    -------
    LabelingFunction
        A batched LF with a one-example twin (``row_f``).

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup import threshold_lf
    >>> lf = threshold_lf("len(text)", 10, 0, op="<")
    >>> lf(pd.DataFrame({"text": ["short", "a much longer text"]})).tolist()
    [0, -1]
    >>> lf = threshold_lf(1, 0.5, 1)
    >>> lf.name, lf(pd.DataFrame([[0.0, 0.2], [0.0, 0.9]])).tolist()
    ('threshold_1_>=_0.5_1', [-1, 1])
    """
    if op not in _OPS:
        raise ValueError(f"op must be one of {list(_OPS)}, got {op!r}")
    label = _class_label(label, f"threshold_lf{f' {name!r}' if name else ''}")
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, (int, float, np.integer, np.floating)) \
            or threshold != threshold:
        raise TypeError(f"threshold_lf{f' {name!r}' if name else ''} on {field!r}: threshold must be a number "
                        f"(not NaN), got {threshold!r} ({type(threshold).__name__})")
    lf_name = name or f"threshold_{field}_{op}_{threshold}_{label}".replace(" ", "")
    length_of = None
    if isinstance(field, str) and field.startswith("len(") and field.endswith(")"):
        length_of = field[4:-1]

    def f(df: pd.DataFrame, threshold: float, label: int, op: str) -> np.ndarray:
        if length_of is not None:
            lengths = _text_column(df, length_of, lf_name).str.len().to_numpy(dtype=float, na_value=np.nan)
            return np.where(_float_hits(lengths, op, _number(threshold)), label, ABSTAIN)  # missing text: NaN
        if field not in df.columns:
            raise KeyError(f"LF {lf_name!r} reads field {field!r}, absent from data columns {list(df.columns)}")
        return np.where(_threshold_hits(df[field], op, threshold), label, ABSTAIN)

    def row_f(x: Any, threshold: float, label: int, op: str) -> int:
        if length_of is not None:
            text = _cell_text(_field_value(x, length_of, lf_name))
            length = np.array([len(text) if text is not None else np.nan], dtype=float)  # missing text abstains
            return label if _float_hits(length, op, _number(threshold))[0] else ABSTAIN
        return label if _threshold_hits(pd.Series([_field_value(x, field, lf_name)]), op, threshold)[0] else ABSTAIN

    return LabelingFunction(lf_name, f, resources={"threshold": threshold, "label": int(label), "op": op},
                            batched=True, row_f=row_f)


def lfs_from_table(
    table: pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    pattern_col: str = "pattern",
    label_col: str = "label",
    name_col: str | None = None,
    kind: str = "keyword",
    field: str = "text",
    case_sensitive: bool = False,
    label_names: Sequence[str] | None = None,
) -> list[LabelingFunction]:
    """Build a family of keyword/regex LFs from a table of (pattern, label) rows.

    Labels may be ints (or floats equal to one) or, with ``label_names``, class names.  Each row
    becomes one batched LF (snorkel#1647: LFs configured from data).  A blank pattern or label
    cell (an empty CSV cell reads as NaN), or a label that is not a class ``0..k-1``, is a
    ValueError naming the table row; a blank name cell gives the default name.  Two rows that make
    the same LF name (a repeated pattern and label, or a repeated name cell) are a ValueError naming
    both rows, as is a class name given twice in ``label_names``.

    Parameters
    ----------
    table : pandas.DataFrame or sequence of mappings
        One row per LF (a DataFrame's rows, or dicts such as ``csv.DictReader`` gives).
    pattern_col : str
        The column holding each row's keyword or regex.
    label_col : str
        The column holding each row's class: an int ``0..k-1`` (a float equal to one), or a class name
        from ``label_names``.
    name_col : str, optional
        The column holding each row's LF name; None (default), or a blank cell, gives the default name of
        :func:`keyword_lf` / :func:`regex_lf`.
    kind : {"keyword", "regex"}
        Whether each pattern becomes a :func:`keyword_lf` (whole words, literal text) or a :func:`regex_lf`.
    field : str
        The text column every LF searches.
    case_sensitive : bool
        Passed to every LF; default False (case-insensitive).
    label_names : sequence of str, optional
        Class names, the class id being the position (``["ham", "spam"]``: ``"spam"`` is 1).

    Returns
    -------
    list of LabelingFunction
        One batched LF per table row, in row order.

    Examples
    --------
    >>> from weaksup import lfs_from_table
    >>> lfs = lfs_from_table([{"pattern": "subscribe", "label": 1},
    ...                       {"pattern": "love this song", "label": 0}])
    >>> [lf.name for lf in lfs]
    ['keyword_subscribe_1', 'keyword_love-this-song_0']
    """
    rows = table.to_dict("records") if isinstance(table, pd.DataFrame) else list(table)
    if kind not in {"keyword", "regex"}:
        raise ValueError(f"kind must be 'keyword' or 'regex', got {kind!r}")
    if label_names is not None:
        label_names = list(label_names)
        for j, c in enumerate(label_names):
            if label_names.index(c) != j:
                raise ValueError(f"lfs_from_table: label_names has {c!r} twice (positions {label_names.index(c)} "
                                 f"and {j}); each class needs its own name: {label_names}")
    lfs = []
    row_of: dict[str, int] = {}
    for i, row in enumerate(rows):
        if pattern_col not in row or label_col not in row:
            raise KeyError(f"LF table row {i} lacks {pattern_col!r} or {label_col!r}: {row}")
        label, pattern = row[label_col], row[pattern_col]
        if _blank(pattern):
            raise ValueError(f"LF table row {i}: the {pattern_col!r} cell is blank ({pattern!r}); "
                             f"each row needs a pattern (drop the row to skip it): {row}")
        if _blank(label):
            raise ValueError(f"LF table row {i}: the {label_col!r} cell is blank ({label!r}): {row}")
        if isinstance(label, str):
            if label_names is None or label not in label_names:
                raise ValueError(f"LF table row {i}: unknown label {label!r} (label_names={label_names})"
                                 + lookalike_hint(label, label_names or []))
            label = label_names.index(label)
        label = _class_label(label, f"LF table row {i} ({label_col!r} column)")
        name = str(row[name_col]) if name_col and not _blank(row[name_col]) else None
        make = keyword_lf if kind == "keyword" else regex_lf
        try:
            lf = make(str(pattern), label, field=field, name=name, case_sensitive=case_sensitive)
        except (ValueError, re.error) as exc:
            raise ValueError(f"LF table row {i} ({pattern_col!r} {pattern!r}): {exc}") from exc
        if lf.name in row_of:  # the appliers and label models match LFs by name: two would clash at apply time
            raise ValueError(f"LF table rows {row_of[lf.name]} and {i} both make an LF named {lf.name!r} "
                             f"(a repeated pattern and label, or a repeated {name_col or 'name'!r} cell); "
                             f"drop or rename one: {row}")
        row_of[lf.name] = i
        lfs.append(lf)
    return lfs
