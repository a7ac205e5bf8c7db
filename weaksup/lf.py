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


def _hashable(v: Any) -> Any:
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
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"LF name must be a non-empty string, got {name!r}")
        self.name = name
        self._f = f
        self._resources = dict(resources or {})
        self._pre = list(pre or [])
        self.batched = bool(batched)
        if self.batched and self._pre:
            raise ValueError(f"LF {name!r}: preprocessors apply to row-wise LFs, not batched ones")

    @property
    def func(self) -> Callable[..., Any]:
        return self._f

    def __call__(self, x: Any) -> Any:
        """Apply to one example (row-wise) or one DataFrame chunk (batched)."""
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
        hits = _text_series(df, field, lf_name).str.contains(compiled, regex=True)
        return np.where(hits.to_numpy(dtype=bool), label, ABSTAIN)

    return LabelingFunction(lf_name, f, resources={"compiled": compiled, "label": int(label)}, batched=True)


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
