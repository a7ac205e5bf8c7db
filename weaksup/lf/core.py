"""Labeling functions and preprocessors (snorkel-compatible).

A labeling function (LF) maps one example to a class in ``0..k-1`` or to
``ABSTAIN`` (-1).  ``@labeling_function`` follows snorkel's semantics: the
name defaults to the function's name, ``resources`` are passed as keyword
arguments, and ``pre`` preprocessors run (memoised when asked) before the
function.  ``@labeling_function(batched=True)`` marks a vectorised LF that
takes a whole ``pandas.DataFrame`` chunk and returns one vote per row.

Examples
--------
>>> from weaksup import labeling_function, ABSTAIN
>>> @labeling_function()
... def lf_check(x):
...     return 1 if "check out" in x.text.lower() else ABSTAIN
>>> lf_check.name
'lf_check'
>>> @labeling_function(batched=True)
... def lf_short(df):
...     return (df.text.str.len() < 20).astype(int) * 1 - (df.text.str.len() >= 20)
"""

from __future__ import annotations

import hashlib
import inspect
import re
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup.votes import ABSTAIN

__all__ = [
    "Row",
    "Preprocessor",
    "preprocessor",
    "LabelingFunction",
    "labeling_function",
    "keyword_lf",
    "regex_lf",
    "lfs_from_table",
    "threshold_lf",
    "regex_search",
    "fingerprint_callable",
]


class Row(dict):
    """One example as a dict with attribute access (``x.text`` and ``x["text"]``).

    Row-wise LFs receive a Row: it reads like snorkel's pandas Series for the
    common cases (attribute and item access, ``.get``) at a fraction of the cost.
    """

    __slots__ = ()

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"example has no field {key!r}; fields: {list(self)}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def copy(self) -> Row:  # keep the type
        return Row(self)


def _stable_repr(obj: Any, depth: int = 0) -> str:
    """A repr that does not contain memory addresses (for fingerprints)."""
    if depth > 3:
        return type(obj).__name__
    if isinstance(obj, (str, int, float, bool, type(None), bytes)):
        return repr(obj)
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(_stable_repr(o, depth + 1) for o in obj) + "]"
    if isinstance(obj, (set, frozenset)):
        return "{" + ",".join(sorted(_stable_repr(o, depth + 1) for o in obj)) + "}"
    if isinstance(obj, Mapping):
        items = sorted((str(k), _stable_repr(v, depth + 1)) for k, v in obj.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(obj, re.Pattern):
        return f"re({obj.pattern!r},{obj.flags})"
    if isinstance(obj, np.ndarray):
        return "nd" + hashlib.sha1(np.ascontiguousarray(obj).tobytes()).hexdigest()
    fp = getattr(obj, "fingerprint", None)
    if callable(fp):
        try:
            return str(fp())
        except TypeError:
            pass
    if callable(obj):
        return fingerprint_callable(obj, depth + 1)
    return type(obj).__qualname__


def fingerprint_callable(func: Callable[..., Any], depth: int = 0) -> str:
    """Hash of a function's source (or bytecode), constants, defaults and closure values.

    Editing an LF's body in a notebook changes its fingerprint; re-defining it
    unchanged does not.
    """
    h = hashlib.sha1()
    func = inspect.unwrap(func)
    h.update(getattr(func, "__qualname__", type(func).__name__).encode())
    code = getattr(func, "__code__", None)
    try:
        h.update(inspect.getsource(func).encode())
    except (OSError, TypeError):
        if code is not None:
            h.update(code.co_code)
            h.update(repr(code.co_consts).encode())
    if code is not None:
        h.update(repr(code.co_names).encode())
    h.update(_stable_repr(getattr(func, "__defaults__", None), depth).encode())
    closure = getattr(func, "__closure__", None) or ()
    for cell in closure:
        try:
            h.update(_stable_repr(cell.cell_contents, depth).encode())
        except ValueError:  # empty cell
            pass
    if code is not None and depth < 3:
        # Module-level helpers the function calls by name (e.g. a keyword list).
        gl = getattr(func, "__globals__", {})
        for name in code.co_names:
            val = gl.get(name)
            if isinstance(val, (str, int, float, tuple, list, set, frozenset, dict, re.Pattern)):
                h.update(f"{name}={_stable_repr(val, depth + 1)}".encode())
            elif isinstance(val, types.FunctionType) and val is not func and \
                    getattr(val, "__module__", None) == getattr(func, "__module__", None):
                # A helper defined next to the LF: editing it must invalidate the LF too.
                h.update(f"{name}=fn:{fingerprint_callable(val, depth + 1)}".encode())
    return h.hexdigest()


class Preprocessor:
    """Maps an example to a (possibly enriched) example before an LF sees it.

    Parameters
    ----------
    f : callable
        ``f(x, **resources) -> x'``.  Return ``None`` to leave ``x`` unchanged
        after in-place enrichment.
    name : str, optional
    resources : mapping, optional
    memoize : bool
        Cache outputs keyed by ``memoize_key(x)`` (default: the row's values).
    memoize_key : callable, optional
    """

    def __init__(
        self,
        f: Callable[..., Any],
        name: str | None = None,
        resources: Mapping[str, Any] | None = None,
        pre: Sequence[Preprocessor] | None = None,
        memoize: bool = False,
        memoize_key: Callable[[Any], Any] | None = None,
    ) -> None:
        self._f = f
        self.name = name or f.__name__
        self._resources = dict(resources or {})
        self._pre = list(pre or [])
        self.memoize = memoize
        self._memoize_key = memoize_key
        self._cache: dict[Any, Any] = {}

    def reset_cache(self) -> None:
        self._cache.clear()

    def _key(self, x: Any) -> Any:
        if self._memoize_key is not None:
            return self._memoize_key(x)
        if isinstance(x, Mapping):
            return tuple((k, _hashable(v)) for k, v in x.items())
        if isinstance(x, pd.Series):
            return (x.name, tuple(_hashable(v) for v in x.values))
        return _hashable(x)

    def __call__(self, x: Any) -> Any:
        key = None
        if self.memoize:
            key = self._key(x)
            if key in self._cache:
                return self._cache[key]
        for p in self._pre:
            x = p(x)
        if isinstance(x, Row):
            x = x.copy()
        elif isinstance(x, pd.Series):
            x = x.copy()
        out = self._f(x, **self._resources)
        out = x if out is None else out
        if self.memoize:
            self._cache[key] = out
        return out

    def fingerprint(self) -> str:
        parts = [fingerprint_callable(self._f), _stable_repr(self._resources)]
        parts += [p.fingerprint() for p in self._pre]
        return hashlib.sha1("|".join(parts).encode()).hexdigest()

    def __repr__(self) -> str:
        return f"Preprocessor {self.name}"


_NAN_KEY = ("<nan>",)


def _hashable(v: Any) -> Any:
    """A hashable stand-in for ``v`` that compares equal across calls (NaN and NA included)."""
    if isinstance(v, float) and v != v:
        return _NAN_KEY  # hash(nan) is per-object since Python 3.10
    if v is pd.NA or v is pd.NaT:
        return _NAN_KEY
    try:
        hash(v)
        return v
    except TypeError:
        return repr(v)


def preprocessor(
    name: str | None = None,
    pre: Sequence[Preprocessor] | None = None,
    memoize: bool = False,
    memoize_key: Callable[[Any], Any] | None = None,
    resources: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], Preprocessor]:
    """Decorator turning ``f(x) -> x'`` into a :class:`Preprocessor` (snorkel semantics)."""
    if callable(name):  # used bare: @preprocessor
        return Preprocessor(name)  # type: ignore[return-value]

    def deco(f: Callable[..., Any]) -> Preprocessor:
        return Preprocessor(f, name, resources, pre, memoize, memoize_key)

    return deco


class LabelingFunction:
    """A labeling function: ``x -> class in 0..k-1`` or ``ABSTAIN`` (-1).

    Parameters
    ----------
    name : str
        Unique name; becomes the VoteMatrix column name.
    f : callable
        Row-wise: ``f(x, **resources) -> int``.  Batched: ``f(df, **resources)
        -> array of n ints`` where ``df`` is a pandas DataFrame chunk.
    resources : mapping, optional
        Keyword arguments passed to ``f`` on every call.
    pre : sequence of Preprocessor, optional
        Run in order on each example (row-wise LFs) before ``f``.
    batched : bool
        Whether ``f`` is vectorised over DataFrame chunks.
    """

    def __init__(
        self,
        name: str,
        f: Callable[..., Any],
        resources: Mapping[str, Any] | None = None,
        pre: Sequence[Preprocessor] | None = None,
        batched: bool = False,
        *,
        row_f: Callable[..., Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"LF name must be a non-empty string, got {name!r}")
        self.name = name
        self._f = f
        self._resources = dict(resources or {})
        self._pre = list(pre or [])
        self.batched = bool(batched)
        # Optional single-example equivalent of a batched f (same votes), used when
        # a batched LF is called on one row, e.g. by snorkel's PandasLFApplier.
        self._row_f = row_f
        if self.batched and self._pre:
            raise ValueError(f"LF {name!r}: preprocessors apply to row-wise LFs, not batched ones")

    @property
    def func(self) -> Callable[..., Any]:
        return self._f

    def __call__(self, x: Any) -> Any:
        """Apply to one example (row-wise) or one DataFrame chunk (batched).

        A batched LF called with a single example (a pandas Series, as
        snorkel's ``PandasLFApplier`` passes, a :class:`Row` or a dict) runs on
        a one-row frame and returns one int, so weaksup LFs of either kind work
        in snorkel's appliers.
        """
        if self.batched:
            if isinstance(x, pd.DataFrame):
                return self._f(x, **self._resources)
            if self._row_f is not None:
                return self._row_f(x, **self._resources)
            frame = _one_row_frame(x)
            out = np.asarray(self._f(frame, **self._resources)).ravel()
            if out.shape != (1,):
                raise ValueError(f"batched LF {self.name!r} returned {out.shape[0]} votes for one example")
            v = out[0]
            return int(v) if isinstance(v, (np.integer, int)) or (
                isinstance(v, (float, np.floating)) and float(v).is_integer()) else v
        for p in self._pre:
            x = p(x)
        return self._f(x, **self._resources)

    def fingerprint(self) -> str:
        """Identity used by the vote cache: name, code, resources and preprocessors."""
        parts = [
            self.name,
            "batched" if self.batched else "row",
            fingerprint_callable(self._f),
            _stable_repr(self._resources),
        ]
        parts += [p.fingerprint() for p in self._pre]
        return hashlib.sha1("|".join(parts).encode()).hexdigest()

    def __repr__(self) -> str:
        kind = "batched " if self.batched else ""
        pre = f", Preprocessors: {[p.name for p in self._pre]}" if self._pre else ""
        return f"{kind}LabelingFunction {self.name}{pre}"


def _one_row_frame(x: Any) -> pd.DataFrame:
    """A one-row DataFrame from a pandas Series, a Row / mapping, or an object with attributes."""
    if isinstance(x, pd.Series):
        return pd.DataFrame([x.to_dict()], index=[x.name])
    if isinstance(x, Mapping):
        return pd.DataFrame([dict(x)])
    fields = getattr(x, "__dict__", None) or getattr(x, "_asdict", lambda: None)()
    if fields is None:
        raise TypeError(f"cannot make a one-row frame from {type(x).__name__}; pass a DataFrame")
    return pd.DataFrame([dict(fields)])


def labeling_function(
    name: str | None = None,
    resources: Mapping[str, Any] | None = None,
    pre: Sequence[Preprocessor] | None = None,
    batched: bool = False,
) -> Callable[[Callable[..., Any]], LabelingFunction]:
    """Decorator turning a function into a :class:`LabelingFunction`.

    Examples
    --------
    >>> @labeling_function(resources={"words": {"free", "win"}})
    ... def lf_spammy(x, words):
    ...     return 1 if words & set(x.text.lower().split()) else -1
    >>> from weaksup.lf import Row
    >>> lf_spammy(Row(text="Win big"))
    1
    """
    if callable(name):  # used bare: @labeling_function
        f = name
        return LabelingFunction(f.__name__, f)  # type: ignore[return-value]

    def deco(f: Callable[..., Any]) -> LabelingFunction:
        return LabelingFunction(name or f.__name__, f, resources=resources, pre=pre, batched=batched)

    return deco


# --------------------------------------------------------------- LF families
def _text_series(df: pd.DataFrame, field: str, lf_name: str) -> pd.Series:
    if field not in df.columns:
        raise KeyError(f"LF {lf_name!r} reads field {field!r}, absent from data columns {list(df.columns)}")
    return df[field].astype("string").fillna("")


# Characters on which Python's re and RE2 (pyarrow) disagree for ASCII text:
# Python's \s also matches \x0b and \x1c-\x1f.
_RE2_UNSAFE = "[\x0b\x1c-\x1f]"
_RE2_OK_FLAGS = re.IGNORECASE | re.UNICODE
# Pattern syntax both engines accept with different meanings: ``x{,n}`` (Python: 0..n
# repeats, RE2: literal), POSIX classes ``[[:alpha:]]`` (a plain set in Python) and
# ``[\b]`` (backspace in Python).  Such patterns always run on Python's re.
_RE2_DIVERGENT = re.compile(r"\{,|\[:|\[[^\]]*\\b")


_SAFE_CACHE: dict[tuple[int, int, int, bool], tuple[Any, np.ndarray]] = {}


def _re2_unsafe_rows(arr: Any, dollar: bool) -> np.ndarray:
    """Rows where RE2 may disagree with Python's re (cached per immutable arrow buffer)."""
    import pyarrow.compute as pc

    key = None
    if arr.num_chunks == 1 and len(arr):
        chunk = arr.chunk(0)
        bufs = chunk.buffers()
        if bufs[2] is not None:
            key = (bufs[2].address, chunk.offset, len(chunk), dollar)
            hit = _SAFE_CACHE.get(key)
            if hit is not None and hit[0] is not None:
                return hit[1]
    unsafe = ~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False).astype(bool)
    unsafe |= pc.match_substring_regex(arr, _RE2_UNSAFE).to_numpy(zero_copy_only=False).astype(bool)
    if dollar:
        unsafe |= pc.match_substring(arr, "\n").to_numpy(zero_copy_only=False).astype(bool)
    if key is not None:
        _SAFE_CACHE.clear()  # one entry: the chunk being labelled now
        _SAFE_CACHE[key] = (arr, unsafe)  # holding arr keeps its buffer (and address) alive
    return unsafe


def regex_search(texts: pd.Series, compiled: re.Pattern[str]) -> np.ndarray:
    """Boolean array: ``compiled.search(t) is not None`` for each text, vectorised.

    Uses pyarrow's RE2 engine for the rows where it provably agrees with
    Python's :mod:`re` (pure-ASCII rows without the few control characters
    whose class membership differs, and no newline when the pattern uses
    ``$``), and Python's ``re`` for every other row, or for all rows when RE2
    cannot compile the pattern (back-references, look-arounds) or the pattern
    uses flags other than IGNORECASE.  The result is therefore exactly
    Python's ``re.search``, only faster.

    Examples
    --------
    >>> import re, pandas as pd
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
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError):
        return python()
    out = hits.to_numpy(zero_copy_only=False).astype(bool)
    rows = np.nonzero(_re2_unsafe_rows(arr, "$" in compiled.pattern))[0]
    if rows.size:
        out[rows] = python(rows)
    return out


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

    Examples
    --------
    >>> import pandas as pd
    >>> lf = keyword_lf(["free", "win"], 1)
    >>> lf(pd.DataFrame({"text": ["Win now", "hello", "freedom"]})).tolist()
    [1, -1, -1]
    """
    words = [keywords] if isinstance(keywords, str) else list(keywords)
    if not words:
        raise ValueError("keyword_lf needs at least one keyword")
    body = "|".join(re.escape(w) for w in words)
    pattern = rf"\b(?:{body})\b" if whole_word else f"(?:{body})"
    lf_name = name or f"keyword_{'_'.join(w.replace(' ', '-') for w in words[:3])}_{label}"
    return regex_lf(pattern, label, field=field, name=lf_name, case_sensitive=case_sensitive)


def regex_lf(
    pattern: str,
    label: int,
    *,
    field: str = "text",
    name: str | None = None,
    case_sensitive: bool = False,
) -> LabelingFunction:
    """Batched LF: ``label`` where ``pattern`` matches ``field`` (re.search), else ABSTAIN."""
    flags = 0 if case_sensitive else re.IGNORECASE
    compiled = re.compile(pattern, flags)
    lf_name = name or f"regex_{pattern[:30]}_{label}"

    def f(df: pd.DataFrame, compiled: re.Pattern[str], label: int) -> np.ndarray:
        hits = regex_search(_text_series(df, field, lf_name), compiled)
        return np.where(hits, label, ABSTAIN)

    def row_f(x: Any, compiled: re.Pattern[str], label: int) -> int:
        return label if compiled.search(_text_value(x, field, lf_name)) else ABSTAIN

    return LabelingFunction(lf_name, f, resources={"compiled": compiled, "label": int(label)}, batched=True,
                            row_f=row_f)


def _field_value(x: Any, field: str, lf_name: str) -> Any:
    try:
        return x[field]
    except (KeyError, TypeError, IndexError):
        try:
            return getattr(x, field)
        except AttributeError:
            raise KeyError(f"LF {lf_name!r} reads field {field!r}, absent from the example") from None


def _text_value(x: Any, field: str, lf_name: str) -> str:
    v = _field_value(x, field, lf_name)
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    return str(v)


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal,
    "==": np.equal, "!=": np.not_equal,
}


def threshold_lf(
    field: str,
    threshold: float,
    label: int,
    *,
    op: str = ">=",
    name: str | None = None,
) -> LabelingFunction:
    """Batched LF: ``label`` where ``field <op> threshold`` (numeric field), else ABSTAIN.

    Missing values (NaN) abstain.  ``field`` may be a column name or
    ``"len(col)"`` for the character length of a text column.

    Examples
    --------
    >>> import pandas as pd
    >>> lf = threshold_lf("len(text)", 10, 0, op="<")
    >>> lf(pd.DataFrame({"text": ["short", "a much longer text"]})).tolist()
    [0, -1]
    """
    if op not in _OPS:
        raise ValueError(f"op must be one of {list(_OPS)}, got {op!r}")
    lf_name = name or f"threshold_{field}_{op}_{threshold}_{label}".replace(" ", "")
    length_of = field[4:-1] if field.startswith("len(") and field.endswith(")") else None

    def f(df: pd.DataFrame, threshold: float, label: int, op: str) -> np.ndarray:
        if length_of is not None:
            values = _text_series(df, length_of, lf_name).str.len().to_numpy(dtype=float)
        else:
            if field not in df.columns:
                raise KeyError(f"LF {lf_name!r} reads field {field!r}, absent from data columns {list(df.columns)}")
            values = pd.to_numeric(df[field], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            hit = _OPS[op](values, threshold) & ~np.isnan(values)
        return np.where(hit, label, ABSTAIN)

    def row_f(x: Any, threshold: float, label: int, op: str) -> int:
        if length_of is not None:
            value = float(len(_text_value(x, length_of, lf_name)))
        else:
            v = pd.to_numeric(pd.Series([_field_value(x, field, lf_name)]), errors="coerce").iloc[0]
            value = float(v) if v is not None and v is not pd.NA else float("nan")
        return label if value == value and bool(_OPS[op](value, threshold)) else ABSTAIN

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

    Labels may be ints or, with ``label_names``, class names.  Each row
    becomes one batched LF (snorkel#1647: LFs configured from data).

    Examples
    --------
    >>> lfs = lfs_from_table([{"pattern": "subscribe", "label": 1},
    ...                       {"pattern": "love this song", "label": 0}])
    >>> [lf.name for lf in lfs]
    ['keyword_subscribe_1', 'keyword_love-this-song_0']
    """
    rows = table.to_dict("records") if isinstance(table, pd.DataFrame) else list(table)
    if kind not in {"keyword", "regex"}:
        raise ValueError(f"kind must be 'keyword' or 'regex', got {kind!r}")
    lfs = []
    for i, row in enumerate(rows):
        if pattern_col not in row or label_col not in row:
            raise KeyError(f"LF table row {i} lacks {pattern_col!r} or {label_col!r}: {row}")
        label = row[label_col]
        if isinstance(label, str):
            if label_names is None or label not in label_names:
                raise ValueError(f"LF table row {i}: unknown label {label!r} (label_names={label_names})")
            label = list(label_names).index(label)
        name = str(row[name_col]) if name_col else None
        if kind == "keyword":
            lfs.append(keyword_lf(str(row[pattern_col]), int(label), field=field, name=name,
                                  case_sensitive=case_sensitive))
        else:
            lfs.append(regex_lf(str(row[pattern_col]), int(label), field=field, name=name,
                                case_sensitive=case_sensitive))
    return lfs
