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

import copy
import functools
import hashlib
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from weaksup.lf.fingerprint import VOLATILE, fingerprint_callable, home_module, stable_repr
from weaksup.votes import ABSTAIN

__all__ = [
    "Row",
    "Preprocessor",
    "preprocessor",
    "LabelingFunction",
    "labeling_function",
    "ForeignLF",
    "as_lfs",
    "copy_example",
]


class _Field:
    """A dict method of :class:`Row` that gives way to a field of the same name on attribute access.

    ``x.items`` is the field ``items`` when the row has one (a column, or what a preprocessor set with
    ``x.items = ...``), as on snorkel's pandas Series; otherwise the dict method.  ``Row.items(x)``
    and ``dict.items(x)`` are always the method.
    """

    __slots__ = ("name", "method")

    def __init__(self, name: str, method: Any) -> None:
        self.name = name
        self.method = method

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self.method if not hasattr(self.method, "__get__") else self.method.__get__(None, owner)
        if dict.__contains__(obj, self.name):
            return dict.__getitem__(obj, self.name)
        return self.method.__get__(obj, owner)


class Row(dict):
    """One example as a dict with attribute access (``x.text`` and ``x["text"]``).

    Row-wise LFs receive a Row: it reads like snorkel's pandas Series for the
    common cases (attribute and item access, ``.get``) at a fraction of the cost.
    A field named like a dict method (``items``, ``values``, ``keys``, ``get``...)
    reads back as the field (``x.items``), as on a Series to which a preprocessor
    set it; the method is then ``dict.items(x)``.  The appliers also give each
    row its index label, which a snorkel LF reads as ``x.name`` (see
    :class:`ForeignLF`).

    Examples
    --------
    >>> from weaksup.lf import Row
    >>> x = Row(text="win cash", stars=5)
    >>> x.text, x["stars"], x.get("missing", 0)
    ('win cash', 5, 0)
    >>> x.items = ["cash"]; x.items
    ['cash']
    """

    __slots__ = ("_label",)

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"example has no field {key!r}; fields: {list(self)}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __delattr__(self, key: str) -> None:
        try:
            del self[key]
        except KeyError:
            raise AttributeError(f"example has no field {key!r}; fields: {list(self)}") from None

    def copy(self) -> Row:  # keep the type and the row's label
        out = Row(self)
        _LABEL.__set__(out, row_label(self))
        return out

    def __reduce__(self) -> tuple[Any, ...]:  # a field named 'items' must not break pickling (it iterates x.items())
        return _make_row, (dict(self), row_label(self))


for _name in ("clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"):
    setattr(Row, _name, _Field(_name, Row.__dict__.get(_name) or dict.__dict__[_name]))
del _name

_LABEL = Row.__dict__["_label"]  # the slot descriptor: the row's index label in its frame


def row_label(x: Any) -> Any:
    """The index label an applier gave a :class:`Row` (None for a Row made by hand).

    >>> from weaksup.lf import Row
    >>> from weaksup.lf.core import row_label
    >>> row_label(Row(text="a")) is None
    True
    """
    try:
        return _LABEL.__get__(x, Row)
    except AttributeError:
        return None


def _make_row(fields: dict[str, Any], label: Any = None) -> Row:
    row = Row(fields)
    if label is not None:
        _LABEL.__set__(row, label)
    return row


def copy_example(x: Any) -> Any:
    """A deep copy of one example, so a preprocessor never changes the caller's data.

    A pickle round trip (what snorkel does): unlike ``copy.deepcopy`` it also
    copies the nested objects a pandas Series holds.  Examples that cannot be
    pickled fall back to ``copy.deepcopy``.

    >>> from weaksup.lf import Row
    >>> from weaksup.lf.core import copy_example
    >>> x = Row(tags=["a"])
    >>> y = copy_example(x)
    >>> y.tags.append("b"); x.tags
    ['a']
    """
    if type(x) is Row and all(type(v) in _ATOMIC for v in dict.values(x)):
        return Row.copy(x)  # values that cannot change in place: the shallow copy is already a deep one (~10x cheaper)
    try:
        return pickle.loads(pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return copy.deepcopy(x)


#: Value types that cannot change in place (a Row holding only these needs no deep copy).
_ATOMIC = frozenset({str, int, float, bool, bytes, complex, type(None), np.int64, np.int32, np.float64, np.float32,
                     np.bool_, pd.Timestamp})


class Preprocessor:
    """Maps an example to a (possibly enriched) example before an LF sees it.

    The function receives a deep copy of the example (:func:`copy_example`),
    so enriching it in place, nested fields included, never changes the
    caller's data.

    Parameters
    ----------
    f : callable
        ``f(x, **resources) -> x'``.  Return ``None`` to leave ``x`` unchanged
        after in-place enrichment.
    name : str, optional
        The preprocessor's name; default ``f.__name__``.
    resources : mapping, optional
        Keyword arguments passed to ``f`` on every call.
    pre : sequence of Preprocessor, optional
        Preprocessors (a plain function ``f(x) -> x`` is wrapped in one) run in order on the example
        before ``f``; a memoised preprocessor answers from its memo before running them.
    memoize : bool
        Cache outputs keyed by ``memoize_key(x)`` (default: the row's values).  An example holding a
        cell whose content cannot be read into a key runs every time.
    memoize_key : callable, optional
        ``memoize_key(x) -> hashable``: the memo key of an example, in place of its values.

    Examples
    --------
    >>> from weaksup.lf import LabelingFunction, Preprocessor, Row
    >>> def lower(x):
    ...     x.text = x.text.lower()
    ...     return x
    >>> pre = Preprocessor(lower, name="lower")
    >>> lf = LabelingFunction("win", lambda x: 1 if "win" in x.text else -1, pre=[pre])
    >>> x = Row(text="WIN NOW")
    >>> lf(x), x.text  # the LF saw a lower-cased copy; the caller's row is unchanged
    (1, 'WIN NOW')
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
        if not callable(f):
            raise TypeError(f"preprocessor {name!r}: f must be a function (x -> x), got {type(f).__name__} {f!r:.60}")
        self._f = f
        self.name = name or f.__name__
        self._resources = _check_resources(resources, f"preprocessor {self.name!r}")
        self._pre = _check_pre(pre, f"preprocessor {self.name!r}")
        self.memoize = memoize
        self._memoize_key = memoize_key
        self._cache: dict[Any, Any] = {}

    def reset_cache(self) -> None:
        """Empty the memo (and those of the preprocessors this one runs first)."""
        self._cache.clear()
        for p in self._pre:
            p.reset_cache()

    def settle_cache(self) -> None:
        """Record the fingerprint the memo now answers for (see :meth:`refresh_cache`)."""
        if self.memoize or self._pre:
            self._cache_fp = self.fingerprint()

    def refresh_cache(self) -> None:
        """Empty the memo if this preprocessor's fingerprint changed since it was filled."""
        if not self.memoize and not self._pre:
            return
        fp = self.fingerprint()
        if getattr(self, "_cache_fp", None) != fp or VOLATILE in fp:  # volatile: cannot prove it unchanged
            self.reset_cache()
            self._cache_fp = fp

    def _key(self, x: Any) -> Any:
        if self._memoize_key is not None:
            return self._memoize_key(x)
        try:
            if isinstance(x, dict):
                return tuple((k, _hashable(v)) for k, v in dict.items(x))
            if isinstance(x, Mapping):
                return tuple((k, _hashable(v)) for k, v in x.items())
            if isinstance(x, pd.Series):
                return (x.name, tuple(_hashable(v) for v in x.values))
            return _hashable(x)
        except _Unkeyable:
            return _NO_KEY

    def __call__(self, x: Any) -> Any:
        key = None
        if self.memoize:
            key = self._key(x)
            if key is _NO_KEY:  # a cell whose content cannot be proven equal to another's: run, do not memoise
                pass
            elif key in self._cache:
                return self._cache[key]
        for p in self._pre:
            x = p(x)
        x = copy_example(x)
        out = self._f(x, **self._resources)
        out = x if out is None else out
        if self.memoize and key is not _NO_KEY:
            self._cache[key] = out
        return out

    def fingerprint(self) -> str:
        # resources with the module of the code that reads them: an instance of a class defined next to it
        # brings its class's code too (editing a method of a resource object re-runs the LF)
        parts = [fingerprint_callable(self._f), stable_repr(self._resources, module=home_module(self._f))]
        parts += [p.fingerprint() for p in self._pre]
        return _combine(parts)

    def __repr__(self) -> str:
        return f"Preprocessor {self.name}"


def _combine(parts: list[str]) -> str:
    """One fingerprint from several; volatile (see :func:`weaksup.lf.fingerprint.is_volatile`) if any part is."""
    joined = "|".join(parts)
    return (VOLATILE if VOLATILE in joined else "") + hashlib.sha1(joined.encode()).hexdigest()


_NAN_KEY = ("<nan>",)
_NO_KEY = object()  # the example holds a cell that no key can stand for: it is not memoised


class _Unkeyable(Exception):
    """A cell's content cannot be read into a memo key (see :func:`_hashable`)."""


def _hashable(v: Any) -> Any:
    """A hashable stand-in for ``v`` that compares equal across calls (NaN and NA included).

    An unhashable cell (an array, a list, a dict) stands for its exact content: its type and
    :func:`~weaksup.lf.fingerprint.stable_repr` (arrays by dtype, shape and bytes, as the vote cache's
    data fingerprint), never its ``repr``, which numpy shortens ('...' past 1000 elements) and rounds
    (``np.set_printoptions``).  A cell whose state cannot be read raises :class:`_Unkeyable`.

    >>> import numpy as np
    >>> a = np.zeros(2000); b = a.copy(); b[1000] = 1.0
    >>> repr(a) == repr(b), _hashable(a) == _hashable(b)
    (True, False)
    """
    if isinstance(v, float) and v != v:
        return _NAN_KEY  # hash(nan) is per-object since Python 3.10
    if v is pd.NA or v is pd.NaT:
        return _NAN_KEY
    try:
        hash(v)
        return v
    except TypeError:
        pass
    t = type(v)
    content = stable_repr(v)
    if VOLATILE in content:
        raise _Unkeyable(t.__name__)
    return ("<unhashable>", f"{t.__module__}.{t.__qualname__}", content)


def _check_resources(resources: Any, owner: str) -> dict[str, Any]:
    """``resources=`` as a dict of keyword arguments (``{name: value}``); anything else is a TypeError naming ``owner``.

    >>> _check_resources({"words": ["win"]}, "LF 'a'")
    {'words': ['win']}
    >>> _check_resources([1], "LF 'a'")
    Traceback (most recent call last):
    ...
    TypeError: LF 'a': resources must be a mapping of keyword arguments ({name: value}), got list [1]
    """
    if resources is None:
        return {}
    if not isinstance(resources, Mapping):
        raise TypeError(f"{owner}: resources must be a mapping of keyword arguments ({{name: value}}), got "
                        f"{type(resources).__name__} {resources!r:.60}")
    bad = [key for key in resources if not isinstance(key, str)]
    if bad:
        raise TypeError(f"{owner}: resources keys are the function's keyword arguments, so each must be a str; "
                        f"got {bad[:5]!r}")
    return dict(resources)


def _check_pre(pre: Any, owner: str) -> list[Preprocessor]:
    """``pre=`` as a list of :class:`Preprocessor`: a plain function ``f(x) -> x`` is wrapped in one; a snorkel
    preprocessor (it expects pandas Series rows, and its memo is not emptied when it changes) is refused.

    >>> _check_pre([str.lower], "LF 'a'")
    [Preprocessor lower]
    """
    if pre is None:
        return []
    if isinstance(pre, Preprocessor) or not isinstance(pre, (list, tuple)):
        pre = [pre] if isinstance(pre, Preprocessor) or callable(pre) else pre
    out: list[Preprocessor] = []
    for i, p in enumerate(pre):
        if isinstance(p, Preprocessor):
            out.append(p)
        elif type(p).__module__.split(".")[0] == "snorkel":
            raise TypeError(f"{owner}: pre[{i}] is a snorkel preprocessor ({getattr(p, 'name', p)!r}); a weaksup LF "
                            f"needs weaksup's: import preprocessor from weaksup (the code stays the same), or keep "
                            f"both the LF and its preprocessors snorkel's (weaksup's appliers run snorkel LFs)")
        elif callable(p):
            out.append(Preprocessor(p, name=getattr(p, "__name__", None) or f"pre_{i}"))
        else:
            raise TypeError(f"{owner}: pre[{i}] is {p!r} ({type(p).__name__}), not a preprocessor or a function")
    return out


@overload
def preprocessor(name: Callable[..., Any], /) -> Preprocessor: ...  # bare: @preprocessor


@overload
def preprocessor(
    name: str | None = None,
    pre: Sequence[Preprocessor] | None = None,
    memoize: bool = False,
    memoize_key: Callable[[Any], Any] | None = None,
    resources: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], Preprocessor]: ...


def preprocessor(
    name: str | Callable[..., Any] | None = None,
    pre: Sequence[Preprocessor] | None = None,
    memoize: bool = False,
    memoize_key: Callable[[Any], Any] | None = None,
    resources: Mapping[str, Any] | None = None,
) -> Preprocessor | Callable[[Callable[..., Any]], Preprocessor]:
    """Decorator turning ``f(x) -> x'`` into a :class:`Preprocessor` (snorkel semantics).

    Also used bare: ``@preprocessor`` names it after the function.

    Parameters
    ----------
    name : str, optional
        The preprocessor's name; default the function's ``__name__``.
    pre : sequence of Preprocessor, optional
        Preprocessors run in order on the example before this one.
    memoize : bool
        Cache outputs keyed by ``memoize_key(x)`` (default: the example's values).
    memoize_key : callable, optional
        ``memoize_key(x) -> hashable``: the memo key of an example, in place of its values.
    resources : mapping, optional
        Keyword arguments passed to the function on every call.

    Returns
    -------
    callable
        A decorator that turns the function into a :class:`Preprocessor`.

    Examples
    --------
    >>> from weaksup.lf import LabelingFunction, Row, preprocessor
    >>> @preprocessor(name="n_words")
    ... def n_words(x):
    ...     x.n_words = len(x.text.split())
    ...     return x
    >>> lf = LabelingFunction("short", lambda x: 0 if x.n_words < 3 else -1, pre=[n_words])
    >>> lf(Row(text="hi there")), lf(Row(text="check out my channel"))
    (0, -1)
    """
    if callable(name):  # used bare: @preprocessor
        return Preprocessor(name)

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
        Run in order on each example (row-wise LFs) before ``f``; a plain function ``f(x) -> x`` is
        wrapped in a :class:`Preprocessor`.  A batched LF takes none (ValueError).
    batched : bool
        Whether ``f`` is vectorised over DataFrame chunks.
    row_f : callable, optional
        Keyword only, batched LFs: ``row_f(x, **resources) -> int``, the same vote as ``f`` for one
        example (a pandas Series, :class:`Row` or dict), used when the LF is called on one example (as
        snorkel's ``PandasLFApplier`` calls it).  Without it such a call runs ``f`` on a one-row DataFrame.

    Attributes
    ----------
    source : str or None
        One Python expression that rebuilds the LF: set by :mod:`weaksup.lfgen` on the LFs it
        builds (``print(lf.source)``; :func:`~weaksup.lfgen.lfs_to_source` writes many), None on
        the others.  Not part of the :meth:`fingerprint`.

    Examples
    --------
    >>> from weaksup.lf import LabelingFunction, Row
    >>> lf = LabelingFunction("has_link", lambda x, token: 1 if token in x.text else -1,
    ...                       resources={"token": "http"})
    >>> lf(Row(text="see http://spam.example")), lf(Row(text="nice song"))
    (1, -1)
    >>> lf.name
    'has_link'
    """

    # declared on the class (default None) so that every LF has it and ``gen.lfs_[0].source`` type-checks in
    # user code; weaksup.lfgen sets it on the instance
    source: str | None = None

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
        if not callable(f):
            raise TypeError(f"LF {name!r}: f must be a function (x -> class or ABSTAIN), got {type(f).__name__} "
                            f"{f!r:.60}")
        self.name = name
        self._f = f
        self._resources = _check_resources(resources, f"LF {name!r}")
        self._pre = _check_pre(pre, f"LF {name!r}")
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

    def row_caller(self) -> Callable[[Any], Any]:
        """The cheapest callable equivalent to ``self(x)`` on one example (used by the apply kernel)."""
        if type(self).__call__ is LabelingFunction.__call__ and not self._pre and not self.batched:
            if not self._resources:
                return self._f
            return functools.partial(self._f, **self._resources)
        return self

    def prepare(self) -> None:
        """Compute state the LF needs before it votes (hook run once per apply, in the main process).

        The default empties the memo of a preprocessor whose fingerprint changed since the memo
        was filled (an edited preprocessor, or state it reads, never answers from an earlier
        apply; an unchanged one keeps serving it, as snorkel's does).
        :class:`~weaksup.labelers.PromptedLF` computes its contextual calibration here.
        """
        for pre in self._pre:
            pre.refresh_cache()

    def call_counts(self) -> Any:
        """A snapshot of the LF's own accounting, or None (it keeps none).

        Engines that run the LF in other processes send back what the copies counted
        there (the difference of two snapshots) to :meth:`absorb_counts`, so the counts
        (a prompted LF's calls and cache hits) read the same after any engine.
        """
        return None

    def absorb_counts(self, delta: Any) -> None:
        """Add what copies of this LF counted in worker processes (see :meth:`call_counts`)."""

    def settle(self) -> None:
        """Hook run by the applier after the LF voted: its memos are now keyed on the state the
        preprocessors left behind (one that counts its calls has not changed for the next apply)."""
        for pre in self._pre:
            pre.settle_cache()

    def fingerprint(self) -> str:
        """Identity used by the vote cache: name, code, resources and preprocessors."""
        parts = [
            self.name,
            "batched" if self.batched else "row",
            fingerprint_callable(self._f),
            stable_repr(self._resources, module=home_module(self._f)),  # see Preprocessor.fingerprint
        ]
        parts += [p.fingerprint() for p in self._pre]
        return _combine(parts)

    def __repr__(self) -> str:
        kind = "batched " if self.batched else ""
        pre = f", Preprocessors: {[p.name for p in self._pre]}" if self._pre else ""
        return f"{kind}LabelingFunction {self.name}{pre}"


class ForeignLF(LabelingFunction):
    """A snorkel ``LabelingFunction`` run by weaksup's appliers.

    Each example reaches the wrapped LF as a pandas Series (what snorkel's
    LFs and preprocessors expect) named by the row's index label (``x.name``,
    as snorkel's ``PandasLFApplier`` passes it).  The fingerprint is the wrapped function's
    code, so the vote cache treats it like a native LF.

    Parameters
    ----------
    lf : snorkel LabelingFunction or callable
        The LF to run; it is called with one pandas Series per example.
    name : str, optional
        The LF's name; default ``lf.name``, else ``lf.__name__``.

    Examples
    --------
    >>> from snorkel.labeling import labeling_function
    >>> from weaksup.lf import ForeignLF, Row
    >>> @labeling_function()
    ... def lf_win(x):
    ...     return 1 if "win" in x.text else -1
    >>> lf = ForeignLF(lf_win)
    >>> lf.name, lf(Row(text="win a prize"))
    ('lf_win', 1)
    """

    def __init__(self, lf: Any, name: str | None = None) -> None:
        self.wrapped = lf
        super().__init__(name or getattr(lf, "name", None) or getattr(lf, "__name__", ""), self._call_foreign)

    def _call_foreign(self, x: Any) -> Any:
        if isinstance(x, pd.Series):
            return self.wrapped(x)
        if isinstance(x, dict):  # a Row: its index label is the Series' name, as in snorkel's PandasLFApplier
            cells = dict(x)
            # a missing nullable cell is pd.NA in snorkel's row; a Series inferred from the other cells would
            # turn it into nan (pandas 3 reads a row of strings as dtype str), so such a row is held as object
            na = any(v is pd.NA for v in cells.values())
            return self.wrapped(pd.Series(cells, name=row_label(x), dtype=object if na else None))
        return self.wrapped(pd.Series(x))

    def _snorkel_pre(self) -> list[Any]:
        return [p for p in getattr(self.wrapped, "_pre", None) or () if callable(getattr(p, "reset_cache", None))]

    def prepare(self) -> None:
        """Empty the wrapped LF's snorkel preprocessor memos when the fingerprint changed, as for native ones."""
        fp = self.fingerprint()
        if self.__dict__.get("_memo_fp") != fp or VOLATILE in fp:
            for pre in self._snorkel_pre():
                pre.reset_cache()
            self._memo_fp = fp

    def settle(self) -> None:
        self._memo_fp = self.fingerprint()

    def __getstate__(self) -> dict[str, Any]:
        # A snorkel memo holds pandas Series with attributes set on them, which pickling drops: a memo
        # shipped to a worker process (Dask) would answer with Series that lack them.  Workers start empty.
        state = self.__dict__.copy()
        pres = self._snorkel_pre()
        if any(getattr(p, "_cache", None) for p in pres):
            wrapped = copy.copy(self.wrapped)
            wrapped._pre = [copy.copy(p) for p in wrapped._pre]
            for p in wrapped._pre:
                if callable(getattr(p, "reset_cache", None)):
                    p.reset_cache()
            state["wrapped"] = wrapped
        return state

    def fingerprint(self) -> str:
        """The wrapped LF's code, resources and preprocessors (read now, so editing them re-runs the LF)."""
        lf = self.wrapped
        inner = getattr(lf, "_f", None)
        code = inner if inner is not None else lf
        # the marker names what a missing nullable cell is in the LF's row: pd.NA, as in snorkel's row (None before
        # 20fd6dc; nan beside text cells before 6e1fd7c). Changing it keeps votes cached under the old rows unread.
        parts = ["snorkel", "na:pd.NA-object", self.name, fingerprint_callable(code),
                 stable_repr(dict(getattr(lf, "_resources", None) or {}), module=home_module(code))]
        for p in getattr(lf, "_pre", None) or ():
            parts += _snorkel_pre_parts(p)
        return _combine(parts)

    def __repr__(self) -> str:
        return f"ForeignLF {self.name} ({type(self.wrapped).__module__}.{type(self.wrapped).__qualname__})"


#: A snorkel mapper's attributes that are not its code or parameters: the memo (filled as it runs, emptied by
#: ``prepare`` when the fingerprint changes) and the preprocessors it runs first (fingerprinted one by one).
_SNORKEL_MAPPER_SKIP = frozenset({"_cache", "_pre"})


def _snorkel_pre_parts(p: Any, depth: int = 0) -> list[str]:
    """Fingerprint parts of one preprocessor of a snorkel LF and of the preprocessors it runs first (``pre=``).

    A function-based one (``@preprocessor``, ``LambdaMapper``) by its function and resources; a class-based
    one (a ``Mapper`` subclass, whose ``run`` holds the code) by its attributes and, unless snorkel's own
    class, its class by content (methods and class attributes), as for a callable-object LF.
    """
    if depth > 10:  # a pre chain that nests past the fingerprint walk's depth: cannot be proven unchanged
        return [f"{VOLATILE}too deep:{getattr(p, 'name', type(p).__qualname__)}"]
    f = getattr(p, "_f", None)
    if f is not None:
        parts = [fingerprint_callable(f),
                 stable_repr(dict(getattr(p, "_resources", None) or {}), module=home_module(f))]
    else:
        cls = type(p)
        module = home_module(p)
        state = getattr(p, "__dict__", None)
        if module is None or module == "snorkel" or module.startswith("snorkel.") or not isinstance(state, dict):
            parts = [stable_repr(p)]  # snorkel's own mappers (the installed snorkel's code): as before
        else:
            state = {k: v for k, v in state.items() if k not in _SNORKEL_MAPPER_SKIP}
            parts = [f"mapper:{module}.{cls.__qualname__}", stable_repr(cls, module=module),
                     stable_repr(state, module=module)]
    for q in getattr(p, "_pre", None) or ():  # nothing is added for the usual mapper without pre=
        parts += _snorkel_pre_parts(q, depth + 1)
    return parts


def as_lfs(lfs: Sequence[Any], *, kind: type[LabelingFunction] | None = None) -> list[LabelingFunction]:
    """Check a list of LFs: wrap snorkel LFs and named callables, and reject duplicate names.

    THE check every applier runs (class, value, span and prompted LFs).

    Parameters
    ----------
    lfs : sequence
        :class:`LabelingFunction` objects, snorkel LFs (wrapped in :class:`ForeignLF`) or named
        callables ``f(x)`` (wrapped in a row-wise :class:`LabelingFunction` named ``f.name`` or
        ``f.__name__``).  A single LF, not in a list, is a TypeError.
    kind : type, optional
        A :class:`LabelingFunction` subclass every LF must be an instance of (e.g. span LFs); no
        wrapping then.

    Returns
    -------
    list of LabelingFunction
        The LFs in the given order, with unique names.

    Examples
    --------
    >>> from weaksup.lf import as_lfs
    >>> [lf.name for lf in as_lfs([len])]
    ['len']
    >>> as_lfs([len, len])
    Traceback (most recent call last):
    ...
    ValueError: duplicate LF names: ['len']; each LF needs a unique name
    """
    if lfs is None or isinstance(lfs, (str, bytes, Mapping)) or not isinstance(lfs, Iterable):
        one = isinstance(lfs, LabelingFunction) or callable(lfs)
        raise TypeError(f"LFs must be a list of labeling functions, got {type(lfs).__name__} {lfs!r:.60}"
                        + (" (wrap a single LF in a list: [lf])" if one else ""))
    out: list[LabelingFunction] = []
    for i, lf in enumerate(lfs):
        if kind is not None and not isinstance(lf, kind):
            raise TypeError(f"LF #{i} ({lf!r}) is not a {kind.__name__}")
        if not isinstance(lf, LabelingFunction):
            name = getattr(lf, "name", None) or getattr(lf, "__name__", None)
            if not callable(lf) or not name:
                raise TypeError(f"LF #{i} ({lf!r}) is not a LabelingFunction or a named callable")
            lf = ForeignLF(lf) if type(lf).__module__.startswith("snorkel") else LabelingFunction(str(name), lf)
        out.append(lf)
    names = [lf.name for lf in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"duplicate LF names: {dup}; each LF needs a unique name")
    return out


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


@overload
def labeling_function(name: Callable[..., Any], /) -> LabelingFunction: ...  # bare: @labeling_function


@overload
def labeling_function(
    name: str | None = None,
    resources: Mapping[str, Any] | None = None,
    pre: Sequence[Preprocessor] | None = None,
    batched: bool = False,
) -> Callable[[Callable[..., Any]], LabelingFunction]: ...


def labeling_function(
    name: str | Callable[..., Any] | None = None,
    resources: Mapping[str, Any] | None = None,
    pre: Sequence[Preprocessor] | None = None,
    batched: bool = False,
) -> LabelingFunction | Callable[[Callable[..., Any]], LabelingFunction]:
    """Decorator turning a function into a :class:`LabelingFunction`.

    Also used bare: ``@labeling_function`` names the LF after the function.

    Parameters
    ----------
    name : str, optional
        The LF's name (its vote matrix column); default the function's ``__name__``.
    resources : mapping, optional
        Keyword arguments passed to the function on every call; a mapping with str keys, checked here.
    pre : sequence of Preprocessor, optional
        Row-wise LFs only: preprocessors (or plain functions ``f(x) -> x``) run in order on each example
        before the function.
    batched : bool
        The function takes a pandas DataFrame chunk and returns one vote per row (no ``pre``).

    Returns
    -------
    callable
        A decorator that turns the function into a :class:`LabelingFunction`.

    Examples
    --------
    >>> from weaksup import labeling_function
    >>> @labeling_function(resources={"words": {"free", "win"}})
    ... def lf_spammy(x, words):
    ...     return 1 if words & set(x.text.lower().split()) else -1
    >>> from weaksup.lf import Row
    >>> lf_spammy(Row(text="Win big"))
    1
    """
    if callable(name):  # used bare: @labeling_function
        f = name
        return LabelingFunction(f.__name__, f)

    _check_resources(resources, f"labeling_function(name={name!r})")  # refused at the decorator, not at first use

    def deco(f: Callable[..., Any]) -> LabelingFunction:
        return LabelingFunction(name or f.__name__, f, resources=resources, pre=pre, batched=batched)

    return deco
