"""Vectorised ``re.search`` over a text column: pyarrow's RE2 where it provably agrees with Python's re.

The one piece of state here is a one-entry cache of the rows RE2 must not
decide (keyed by the immutable arrow buffer being labelled), so that twenty
regex LFs over the same chunk scan it once.  It is an object, not a plain
module-level dict, and it never enters an LF's fingerprint.

>>> import re, pandas as pd
>>> from weaksup.lf import regex_search
>>> regex_search(pd.Series(["Free café", "cafeteria"]), re.compile(r"\\bcaf[eé]\\b", re.I)).tolist()
[True, False]
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["regex_search"]

# Characters on which Python's re and RE2 (pyarrow) disagree for ASCII text:
# Python's \s also matches \x0b and \x1c-\x1f.
_RE2_UNSAFE = "[\x0b\x1c-\x1f]"
_RE2_OK_FLAGS = re.IGNORECASE | re.UNICODE
# Pattern syntax both engines accept with different meanings: ``x{,n}`` (Python: 0..n
# repeats, RE2: literal), POSIX classes ``[[:alpha:]]`` (a plain set in Python) and
# ``[\b]`` (backspace in Python).  Such patterns always run on Python's re.
_RE2_DIVERGENT = re.compile(r"\{,|\[:|\[[^\]]*\\b")


class _UnsafeRowCache:
    """Rows where RE2 may disagree with Python's re, for the one arrow chunk being labelled now."""

    __slots__ = ("_key", "_arr", "_rows")

    def __init__(self) -> None:
        self._key: tuple[int, int, int, bool, bool] | None = None
        self._arr: Any = None  # holding the array keeps its buffer (and address) alive
        self._rows: np.ndarray | None = None

    def rows(self, arr: Any, dollar: bool, empty: bool = False) -> np.ndarray:
        import pyarrow.compute as pc

        key = None
        if arr.num_chunks == 1 and len(arr):
            chunk = arr.chunk(0)
            bufs = chunk.buffers()
            if bufs[2] is not None:
                key = (bufs[2].address, chunk.offset, len(chunk), dollar, empty)
                if key == self._key and self._rows is not None:
                    return self._rows
        unsafe = ~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False).astype(bool)
        unsafe |= pc.match_substring_regex(arr, _RE2_UNSAFE).to_numpy(zero_copy_only=False).astype(bool)
        if dollar:
            unsafe |= pc.match_substring(arr, "\n").to_numpy(zero_copy_only=False).astype(bool)
        if empty:  # RE2 finds a \B in '' where Python's re (3.11) does not
            unsafe |= (pc.binary_length(arr).to_numpy(zero_copy_only=False) == 0)
        if key is not None:
            self._key, self._arr, self._rows = key, arr, unsafe
        return unsafe


_UNSAFE_ROWS = _UnsafeRowCache()


def regex_search(texts: pd.Series, compiled: re.Pattern[str]) -> np.ndarray:
    """Boolean array: ``compiled.search(t) is not None`` for each text, vectorised.

    Uses pyarrow's RE2 engine for the rows where it provably agrees with
    Python's :mod:`re` (pure-ASCII rows without the few control characters
    whose class membership differs, no newline when the pattern uses ``$``,
    and not empty when it uses ``\\B``), and Python's ``re`` for every other
    row, or for all rows when RE2 cannot compile the pattern (back-references,
    look-arounds), the pattern uses flags other than IGNORECASE or a text has no UTF-8 form (a lone
    surrogate).  The result is therefore exactly
    Python's ``re.search``, only faster.

    Examples
    --------
    >>> import re, pandas as pd
    >>> from weaksup.lf import regex_search
    >>> regex_search(pd.Series(["Free café", "cafeteria"]), re.compile(r"\\bcaf[eé]\\b", re.I)).tolist()
    [True, False]
    """
    n = len(texts)

    def python(rows: np.ndarray | None = None) -> np.ndarray:
        values = texts.to_numpy(dtype=object, na_value="")
        src = values if rows is None else values[rows]
        search = compiled.search
        return np.fromiter((search(t) is not None for t in src), dtype=bool, count=len(src))

    if n == 0:
        return np.zeros(0, dtype=bool)
    if compiled.flags & ~_RE2_OK_FLAGS or _RE2_DIVERGENT.search(compiled.pattern) or (
            compiled.flags & re.IGNORECASE and not compiled.pattern.isascii()):
        return python()  # (non-ASCII letters may case-fold onto ASCII ones: ſ ~ s, K ~ k)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow ships with pandas 3
        return python()
    try:
        arr = pa.chunked_array([pa.array(texts, type=pa.large_string(), from_pandas=True)])
        if arr.null_count:
            arr = pc.fill_null(arr, "")
        hits = pc.match_substring_regex(arr, compiled.pattern,
                                        ignore_case=bool(compiled.flags & re.IGNORECASE))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError, UnicodeEncodeError):
        # UnicodeEncodeError: a text holding a lone surrogate ('\ud83d', from JSON) has no UTF-8 form for arrow;
        # Python's re reads it, and gives the RE2 path's result on every other row
        return python()
    out = hits.to_numpy(zero_copy_only=False).astype(bool)
    rows = np.nonzero(_UNSAFE_ROWS.rows(arr, "$" in compiled.pattern, "\\B" in compiled.pattern))[0]
    if rows.size:
        out[rows] = python(rows)
    return out
