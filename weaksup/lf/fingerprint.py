"""LF fingerprints: what the vote cache keys a labeling function's column on.

A fingerprint must change when, and only when, something that determines the
LF's votes changes: its code, its parameters (resources, closure values,
defaults) and the module-level state it reads by name (a keyword list, a
threshold, a config class, a helper defined next to it).  The code is taken
twice: the source text (``inspect.getsource``, the file as it is now) and the
compiled code object that actually runs (bytecode, constants and names, nested
functions and comprehensions included), so a module edited on disk but not
reloaded is not confused with the reloaded one.  Library code is pinned by the
installed weaksup version, so functions of the ``weaksup`` package are
fingerprinted by name and version, never by walking into their internals
(module-level caches live there, e.g. the RE2 row cache of
:mod:`weaksup.lf.regex`, and change on every call).

Fingerprints are the same in every process (no ``id()``, no ``hash()`` of a
string, sets in sorted order), so a disk cache is found again after a restart.
State that cannot be proven (an object whose state cannot be read, or a value
past the walk's depth or size budget) is never ignored: the fingerprint is
then :data:`VOLATILE` and the LF is always re-run.

>>> from weaksup.lf import fingerprint_callable
>>> def lf(x):
...     return 1 if "free" in x.text else -1
>>> fingerprint_callable(lf) == fingerprint_callable(lf)
True
"""

from __future__ import annotations

import collections
import datetime
import decimal
import dis
import fractions
import functools
import hashlib
import inspect
import pathlib
import re
import sys
import threading
import types
import uuid
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["fingerprint_callable", "home_module", "stable_repr"]

#: Nesting (containers, objects, helper functions) past which state is not proven: the LF is volatile.
_MAX_DEPTH = 10

#: Marks a fingerprint that cannot prove the LF's state (an object whose state
#: cannot be read); the vote cache never serves such an LF and re-runs it.
VOLATILE = "volatile:"

_ATOMS = (str, int, float, bool, complex, type(None), bytes)
#: Exact types whose repr is their value (and seed-independent): containers of only these are hashed fast.
_ATOM_TYPES = frozenset({str, int, float, bool, complex, type(None), bytes})
#: Value types whose repr is exact and address-free (they have C-level state, so they are named here).
_VALUE_TYPES = (datetime.date, datetime.time, datetime.timedelta, datetime.tzinfo, decimal.Decimal,
                fractions.Fraction, uuid.UUID, pathlib.PurePath, range, slice)
#: C-level descriptors a class body gets from the machinery (slots, namedtuple fields): no state of their own.
_STATELESS_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType, types.WrapperDescriptorType,
                          types.MethodDescriptorType, types.ClassMethodDescriptorType, types.BuiltinFunctionType)


def _has_c_state(cls: type) -> bool:
    """Whether instances of ``cls`` hold C-level state beyond their attributes and slots
    (a random generator, a connection): the instance layout grows by more than the
    slots, ``__dict__`` and ``__weakref__`` pointers along the class hierarchy."""
    for k in cls.__mro__[:-1]:
        base = k.__base__ or object
        slots = vars(k).get("__slots__", ())
        n_slots = 1 if isinstance(slots, str) else len(tuple(slots))
        if k.__basicsize__ - base.__basicsize__ - 8 * n_slots > 16:
            return True
    return False


def is_volatile(fingerprint: str | None) -> bool:
    """Whether a fingerprint cannot prove what the LF reads (then the LF must be re-run).

    >>> from weaksup.lf.fingerprint import VOLATILE, is_volatile
    >>> is_volatile(VOLATILE + "abc"), is_volatile("abc")
    (True, False)
    """
    return fingerprint is None or VOLATILE in fingerprint


def _marked_objects(lf: Any) -> list[Any]:
    """``lf`` and the user's object behind it: a snorkel LF (``ForeignLF.wrapped``) or the callable (``_f``) the
    appliers wrap afresh on every apply, so a mark survives the wrapper."""
    return [o for o in (lf, getattr(lf, "wrapped", None), getattr(lf, "_f", None)) if o is not None]


def fingerprint_moves(lf: Any) -> bool:
    """Whether an apply saw ``lf``'s fingerprint move as it ran (see :func:`mark_fingerprint_moves`); such an LF's
    votes carry no fingerprint (:attr:`~weaksup.votes.VoteMatrix.lf_fingerprints`): its versions cannot be told
    apart."""
    return any(getattr(o, "_weaksup_fingerprint_moves", False) for o in _marked_objects(lf))


def mark_fingerprint_moves(lf: Any) -> None:
    """Remember on ``lf`` (and on the user's snorkel LF or function behind it) that running it changes its
    fingerprint (state it holds moves: a call counter, a memo), so its later applies record no fingerprint for it;
    an object that takes no attribute is left as it is."""
    for o in _marked_objects(lf):
        try:
            o._weaksup_fingerprint_moves = True
        except (AttributeError, TypeError):
            pass


def _library_ref(func: Any) -> str | None:
    """``"lib:<module>.<qualname>@<version>"`` for a function of the weaksup package, else None."""
    module = getattr(func, "__module__", None) or ""
    if module != "weaksup" and not module.startswith("weaksup."):
        return None
    version = getattr(sys.modules.get("weaksup"), "__version__", "?")
    return f"lib:{module}.{getattr(func, '__qualname__', type(func).__name__)}@{version}"


def _encode(text: str) -> bytes:
    """UTF-8 bytes of any str (an unpaired surrogate, e.g. from scraped JSON, is kept, not an error)."""
    return text.encode("utf-8", "surrogatepass")


def _const_repr(const: Any) -> str:
    """A code object's constant: nested code by content, frozensets sorted (their order follows the hash seed)."""
    if isinstance(const, types.CodeType):
        return "code:" + _code_digest(const)
    if isinstance(const, tuple):
        return "t(" + ",".join(map(_const_repr, const)) + ")"
    if isinstance(const, frozenset):
        return "fs(" + ",".join(sorted(map(_const_repr, const))) + ")"
    return repr(const)


def _code_digest(code: types.CodeType) -> str:
    """Hash of what a code object runs: bytecode, constants (nested code recursively), names and signature.

    File name and line numbers are left out, so moving an LF in its file does not re-run it.
    """
    h = hashlib.sha1(code.co_code)
    h.update(_encode(repr((code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags,
                           code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars))))
    h.update(_encode(",".join(map(_const_repr, code.co_consts))))
    return h.hexdigest()


#: Opcodes that name a module-level value (attribute names, also in ``co_names``, are not read from globals).
_GLOBAL_OPS = frozenset({"LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME"})
_names_read: weakref.WeakKeyDictionary[types.CodeType, frozenset[str]] = weakref.WeakKeyDictionary()


def _global_names(code: types.CodeType) -> frozenset[str]:
    """Module-level names a code object reads, its nested functions and comprehensions (at any depth) included.

    Only the names its bytecode loads from globals: ``x.text`` does not make a notebook variable
    ``text`` part of the LF.  Cached per code object (code is immutable; disassembling is the slow part).
    """
    names = _names_read.get(code)
    if names is None:
        try:
            found = {i.argval for i in dis.get_instructions(code) if i.opname in _GLOBAL_OPS}
        except Exception:  # an unexpected bytecode: every name it holds (a superset)
            found = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found |= _global_names(const)
        names = _names_read[code] = frozenset(found)
    return names


def _array_repr(arr: np.ndarray, depth: int) -> str:
    """dtype, shape and content of an array (object arrays element by element)."""
    head = f"nd<{arr.dtype.str}{arr.shape}>"
    if arr.dtype.kind == "O":  # the bytes of an object array are pointers: hash the elements
        if not _charge(arr.size):
            return f"<{VOLATILE}too many items>"
        return head + "[" + ",".join(stable_repr(v, depth + 1) for v in arr.ravel().tolist()) + "]"
    return head + hashlib.sha1(np.ascontiguousarray(arr).tobytes()).hexdigest()


def _cell_repr(value: Any, depth: int) -> str:
    """One cell of an object column, tagged with its type (``1`` and ``"1"``, a list and its text differ)."""
    t = type(value)
    if t in _ATOM_TYPES:  # floats by repr: exact (shortest round-trip), unlike str() of an array
        return f"{t.__name__}:{value!r}"
    if t.__name__ == "NAType":  # pd.NA
        return "NA"
    if (t is list or t is tuple) and all(type(v) in _ATOM_TYPES for v in value):  # token lists: the fast path
        return f"{t.__name__}:[" + ",".join(map(repr, value)) + "]"
    return f"{t.__module__}.{t.__qualname__}:{stable_repr(value, depth)}"


def _hash_values(h: Any, values: Any, depth: int) -> bool:
    """Feed a pandas Series/Index's dtype and exact content to ``h``; True when some cell cannot be proven.

    Numbers, bools and datetimes by their bytes, categoricals by codes and categories, all-string columns
    by their UTF-8 bytes (an unpaired surrogate is kept, not an error), any other cell by its type and
    :func:`stable_repr` (arrays by dtype, shape and bytes) -- never by a text form in which ``1`` and
    ``"1"``, a token list and its text, or floats equal to 8 printed digits would collide.
    """
    import pandas as pd

    dtype = values.dtype
    h.update(_encode(f"<{type(values).__name__}:{dtype}:{len(values)}>"))
    if isinstance(values, pd.RangeIndex):
        h.update(_encode(f"range({values.start},{values.stop},{values.step})"))
        return False
    if isinstance(dtype, np.dtype) and dtype.kind != "O":
        h.update(np.ascontiguousarray(values.to_numpy()).tobytes())
        return False
    if isinstance(dtype, pd.CategoricalDtype):
        cat = values.array
        h.update(_encode(f"ordered={dtype.ordered}"))
        h.update(np.ascontiguousarray(cat.codes).tobytes())
        return _hash_values(h, cat.categories, depth)
    if isinstance(dtype, (pd.DatetimeTZDtype, pd.PeriodDtype)):
        h.update(np.ascontiguousarray(values.array.asi8).tobytes())
        return False
    if isinstance(dtype, pd.IntervalDtype):
        arr = values.array
        h.update(_encode(f"closed={arr.closed}"))
        return _hash_values(h, arr.left, depth) | _hash_values(h, arr.right, depth)
    cells = values.to_numpy(dtype=object)  # object, strings, nullable numbers (pd.NA), arrow-backed
    strings = pd.api.types.infer_dtype(cells, skipna=False) == "string"
    if strings:
        texts = cells.tolist()  # the common text column: lengths, then the text (C-speed join)
    else:
        outer = getattr(_walk, "count", 0), getattr(_walk, "items", 0)
        texts = []
        for v in cells.tolist():
            _walk.count = _walk.items = 0  # a budget per cell: hashing data costs in proportion to the data
            texts.append(_cell_repr(v, depth))
        _walk.count, _walk.items = outer
    h.update(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)).tobytes())
    joined = "".join(texts)
    h.update(_encode(joined))
    return not strings and VOLATILE in joined


def pandas_digest(obj: Any, depth: int = 0) -> str:
    """Content hash of a pandas DataFrame, Series or Index: labels, dtypes, index and values, exactly.

    Starts with :data:`VOLATILE` when a cell holds an object whose state cannot be read.
    It is the same in every process (the vote cache's data key, see :func:`weaksup.apply.fingerprint_data`).

    >>> import pandas as pd
    >>> from weaksup.lf.fingerprint import pandas_digest
    >>> pandas_digest(pd.Series([1, "a"], dtype=object)) == pandas_digest(pd.Series(["1", "a"], dtype=object))
    False
    """
    import pandas as pd

    if depth == 0:
        _reset_walk()
    h = hashlib.sha1(_encode(type(obj).__name__))
    volatile = False
    if isinstance(obj, pd.DataFrame):
        h.update(_encode(repr([stable_repr(c, depth + 1) for c in obj.columns]) + str(obj.shape)))
        for j in range(obj.shape[1]):  # by position: duplicate column labels are fine
            volatile |= _hash_values(h, obj.iloc[:, j], depth + 1)
    elif isinstance(obj, pd.Series):
        h.update(_encode(stable_repr(obj.name, depth + 1)))
        volatile |= _hash_values(h, obj, depth + 1)
    elif isinstance(obj, pd.Index):
        return _pandas_index_digest(obj, depth)
    else:  # an extension array (Categorical, IntegerArray, ...): its values
        volatile |= _hash_values(h, pd.Series(obj, copy=False), depth + 1)
        return (VOLATILE if volatile else "") + h.hexdigest()
    index = _pandas_index_digest(obj.index, depth)
    h.update(_encode(index))
    return (VOLATILE if volatile or is_volatile(index) else "") + h.hexdigest()


def _pandas_index_digest(index: Any, depth: int) -> str:
    h = hashlib.sha1(_encode(stable_repr(list(index.names), depth + 1)))
    volatile = _hash_values(h, index, depth + 1)
    return (VOLATILE if volatile else "") + h.hexdigest()


def _pandas_repr(obj: Any, depth: int) -> str:
    """Index, columns, dtypes and values of a pandas Series/DataFrame/Index."""
    return f"pd:{pandas_digest(obj, depth)}"


#: Most objects walked for one fingerprint; past it (a large object graph, e.g. an NLP pipeline)
#: the state is not proven and the LF is re-run instead.
_MAX_OBJECTS = 5000
#: Most container items (list/set/dict entries, object-array cells) hashed for one fingerprint (about
#: 0.1-0.2 s); past it (a million-entry vocabulary) hashing would cost more than re-running, so the LF is
#: volatile instead.
_MAX_ITEMS = 250_000
_walk = threading.local()


def _reset_walk() -> None:
    _walk.count = 0
    _walk.items = 0
    _walk.classes = {}  # class id -> its repr, once per walk (a list of a thousand instances of one class)


def _charge(n_items: int) -> bool:
    """Count container items against the walk's budget; False once it is spent."""
    _walk.items = getattr(_walk, "items", 0) + n_items
    return _walk.items <= _MAX_ITEMS


def _enter(obj: Any) -> bool:
    """Mark ``obj`` as being walked; False if it already is (a cycle: its state is hashed further up).

    ``id`` only names what is on the walk's stack; it never enters a fingerprint.
    """
    path: set[int] = _walk.__dict__.setdefault("path", set())
    if id(obj) in path:
        return False
    path.add(id(obj))
    return True


def _leave(obj: Any) -> None:
    _walk.__dict__.setdefault("path", set()).discard(id(obj))


def _object_repr(obj: Any, depth: int) -> str:
    """An instance by its class and the state it holds (attributes, slots); volatile when unreadable.

    The class of an instance defined in the module of the function being fingerprinted (a model class
    next to the LF) also contributes its code and class attributes (see :func:`_class_repr`).
    """
    cls = type(obj)
    _walk.count = getattr(_walk, "count", 0) + 1
    if _walk.count > _MAX_OBJECTS:
        return f"<{VOLATILE}too many objects>"
    if _has_c_state(cls):
        # a C-level base holds state Python cannot read (a random generator, a tensor, a connection)
        return f"<{VOLATILE}{cls.__qualname__}>"
    if not _enter(obj):  # a back-reference (parent <-> child): its state is being walked already
        return f"<cycle {cls.__qualname__}>"
    try:
        text = _object_state(obj, cls, depth)
        if cls.__module__ == getattr(_walk, "module", None):
            text += "cls=" + _class_repr(cls, depth + 1)
        return text
    finally:
        _leave(obj)


def _object_state(obj: Any, cls: type, depth: int) -> str:
    state: dict[str, Any] = {}
    d = getattr(obj, "__dict__", None)
    if isinstance(d, Mapping):
        state.update(d)
    for klass in cls.__mro__:
        slots = vars(klass).get("__slots__", ())
        for slot in slots if isinstance(slots, (tuple, list)) else ():
            if slot not in ("__dict__", "__weakref__") and hasattr(obj, slot):
                state[slot] = getattr(obj, slot)
    if not state and d is None and not any(vars(k).get("__slots__") for k in cls.__mro__):
        # no readable state: only trust objects with a value-based repr (no memory address)
        text = repr(obj)
        if " at 0x" in text or text.startswith("<"):
            return f"<{VOLATILE}{cls.__qualname__}>"
        return f"{cls.__module__}.{cls.__qualname__}({text})"
    return f"{cls.__module__}.{cls.__qualname__}" + stable_repr(state, depth + 1)


def _class_repr(cls: type, depth: int) -> str:
    """A class defined next to the LF, by content: its methods' code and its class attributes.

    Bases from the same module are walked too; bases from other modules are named only.  A config class
    (``class Cfg: word = "free"``) whose attribute is edited, or a model class whose method is edited and
    re-run in a notebook, changes the fingerprint.
    """
    if depth > _MAX_DEPTH:
        return f"<{VOLATILE}too deep:{cls.__qualname__}>"
    memo: dict[int, str] = _walk.__dict__.setdefault("classes", {})
    if id(cls) in memo:
        return memo[id(cls)]
    if not _enter(cls):  # a method that names its own class
        return f"<cycle {cls.__qualname__}>"
    _walk.count = getattr(_walk, "count", 0) + 1
    try:
        parts = [f"class {cls.__module__}.{cls.__qualname__}"]
        for k in cls.__mro__:
            if k is object or k.__module__ != cls.__module__:
                parts.append(f"base {k.__module__}.{k.__qualname__}")
                continue
            for name, val in list(vars(k).items()):
                text = _class_attr_repr(name, val, cls.__module__, depth)
                if text is not None:
                    parts.append(f"{k.__qualname__}.{name}={text}")
        joined = "|".join(parts)
        memo[id(cls)] = text = (VOLATILE if VOLATILE in joined else "") + hashlib.sha1(_encode(joined)).hexdigest()
        return text
    finally:
        _leave(cls)


def _class_attr_repr(name: str, val: Any, module: str, depth: int) -> str | None:
    """One entry of a class body; None for what holds no state (dunder data, slot/field descriptors)."""
    if isinstance(val, (staticmethod, classmethod)):
        val = val.__func__
    if isinstance(val, property):
        return "property:" + ",".join(fingerprint_callable(f, depth + 1) if f is not None else "-"
                                      for f in (val.fget, val.fset, val.fdel))
    if isinstance(val, functools.cached_property):
        val = val.func
    if isinstance(val, types.FunctionType):
        return fingerprint_callable(val, depth + 1)
    if name.startswith("__") and name.endswith("__"):  # __module__, __doc__, __slots__, __annotations__, ...
        return None
    if name.startswith("_abc_"):  # abc.ABC's registry (a C object, no repr): the class's methods are its code
        return None
    if isinstance(val, _STATELESS_DESCRIPTORS) or type(val).__name__ == "_tuplegetter":  # namedtuple fields
        return None
    return _value_repr(val, module, depth)


def _sequence_repr(obj: Any, depth: int, tag: str) -> str:
    if all(type(o) in _ATOM_TYPES for o in obj):  # the common case (keyword lists): C-speed repr
        return tag + "[" + ",".join(map(repr, obj)) + "]"
    return tag + "[" + ",".join(stable_repr(o, depth + 1) for o in obj) + "]"


def _container_repr(obj: Any, depth: int) -> str:
    """Lists, tuples, sets and mappings by content, item by item (dicts in their order: an LF may rely on it)."""
    t = type(obj)
    if not _charge(len(obj)):
        return f"<{VOLATILE}too many items:{t.__name__}>"
    plain = t in (list, tuple, set, frozenset, dict)
    tag = "" if plain else f"{t.__module__}.{t.__qualname__}"
    if isinstance(obj, Mapping):
        pairs = list(obj.items())
        if all(type(k) in _ATOM_TYPES and type(v) in _ATOM_TYPES for k, v in pairs):
            body = ",".join(f"{k!r}:{v!r}" for k, v in pairs)
        else:
            body = ",".join(f"{stable_repr(k, depth + 1)}:{stable_repr(v, depth + 1)}" for k, v in pairs)
        factory = getattr(obj, "default_factory", None)  # defaultdict: what a missing key gives
        return tag + (stable_repr(factory, depth + 1) if factory is not None else "") + "{" + body + "}"
    if isinstance(obj, (set, frozenset)):  # sorted: set order follows the (per-process) hash seed
        if all(type(o) in _ATOM_TYPES for o in obj):
            return tag + "{" + ",".join(sorted(map(repr, obj))) + "}"
        return tag + "{" + ",".join(sorted(stable_repr(o, depth + 1) for o in obj)) + "}"
    return _sequence_repr(obj, depth, tag + ("t" if isinstance(obj, tuple) else "l"))


def stable_repr(obj: Any, depth: int = 0, *, module: str | None = None) -> str:
    """A repr without memory addresses that changes with the object's content, for fingerprints.

    Containers (item by item), arrays (dtype, shape and bytes), pandas objects (index, dtypes
    and values) and plain objects (their attributes) are walked; an object whose state cannot be
    read, or that nests deeper or holds more items than the walk goes, gives a :data:`VOLATILE`
    part, so the LF that reads it is always re-run.  The result is the same in every process.
    With ``module`` (the module of the LF that reads ``obj``, see :func:`home_module`), classes
    defined in that module, and those of the instances met, are taken by content too (their
    methods' code and class attributes, see :func:`_class_repr`): an LF's ``resources=``.

    >>> import numpy as np
    >>> from weaksup.lf.fingerprint import stable_repr
    >>> stable_repr(np.zeros(2, np.int8)) == stable_repr(np.zeros(1, np.int16))
    False
    >>> stable_repr({"b", "a"}), stable_repr([1, "1", 1.0, True])
    ("{'a','b'}", "l[1,'1',1.0,True]")
    """
    if module is not None:
        prev = getattr(_walk, "module", None)
        _walk.module = module
        try:
            return stable_repr(obj, depth)
        finally:
            _walk.module = prev
    if depth == 0:
        _reset_walk()
    t = type(obj)
    if t in _ATOM_TYPES or isinstance(obj, _ATOMS):  # subclasses too: IntEnum, np.float64, np.str_
        return repr(obj)
    if depth > _MAX_DEPTH:
        return f"<{VOLATILE}too deep:{t.__name__}>"
    if isinstance(obj, (list, tuple, set, frozenset, Mapping, collections.deque)):
        return _container_repr(obj, depth)
    if isinstance(obj, re.Pattern):
        return f"re({obj.pattern!r},{obj.flags})"
    if isinstance(obj, np.ufunc):  # np.less: fixed code (pinned by the numpy version)
        return f"np.ufunc:{obj.__name__}"
    if isinstance(obj, np.ndarray):
        return _array_repr(obj, depth)
    if isinstance(obj, np.generic):
        return f"np.{obj.dtype.str}({obj.item()!r})"
    if isinstance(obj, _VALUE_TYPES):  # dates, decimals, paths, ranges: C-level, but an exact value repr
        return f"{t.__module__}.{t.__qualname__}({obj!r})"
    if t is object:  # a sentinel (``_MISSING = object()``): no state
        return "object()"
    if isinstance(obj, (bytearray, memoryview)):
        return f"{t.__name__}:" + hashlib.sha1(bytes(obj)).hexdigest()
    if t.__module__.startswith("pandas") and hasattr(obj, "shape") and (
            hasattr(obj, "dtypes") or hasattr(obj, "dtype")):  # DataFrame, Series, Index
        return _pandas_repr(obj, depth)
    if hasattr(obj, "__array__") and not isinstance(obj, type):  # tensors, array-likes
        try:
            return _array_repr(np.asarray(obj), depth)
        except Exception:
            return f"<{VOLATILE}{t.__name__}>"
    fp = getattr(obj, "fingerprint", None)
    if callable(fp) and not isinstance(obj, type):
        try:
            return str(fp())
        except TypeError:
            pass
    if isinstance(obj, type) and obj.__module__ == getattr(_walk, "module", None):
        return _class_repr(obj, depth + 1)  # a class defined next to the LF (e.g. in its closure)
    if isinstance(obj, (types.ModuleType, type)):
        return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}"
    if callable(obj) and (isinstance(obj, (types.FunctionType, types.MethodType, types.BuiltinFunctionType,
                                           types.MethodWrapperType, functools.partial))
                          or hasattr(obj, "__wrapped__")):
        return fingerprint_callable(obj, depth + 1)  # functools.lru_cache / wraps: the wrapped function
    if callable(obj) and not hasattr(obj, "__dict__"):
        return fingerprint_callable(obj, depth + 1)
    return _object_repr(obj, depth)


def _value_repr(val: Any, module: str, depth: int) -> str | None:
    """How a value an LF reads by name (a module-level name, a class attribute) enters its fingerprint.

    None for what holds no LF state: modules, classes and functions of other modules (named by their own
    import), builtin functions (``len``, ``math.sqrt``), library singletons (loggers, locks, typing).
    """
    if isinstance(val, types.ModuleType):
        return None
    if isinstance(val, type):
        return _class_repr(val, depth + 1) if val.__module__ == module else None
    if callable(val) and _library_ref(type(val)) is not None:
        fp = getattr(val, "fingerprint", None)  # another LF or preprocessor the LF calls
        if not callable(fp):
            return None
        try:
            return str(fp())
        except Exception:
            return f"<{VOLATILE}{type(val).__qualname__}>"
    if not isinstance(val, types.FunctionType) and callable(val) and hasattr(val, "__wrapped__"):
        val = inspect.unwrap(val)  # a C-level wrapper (lru_cache, a numpy dispatcher): the wrapped function
    if isinstance(val, types.FunctionType):
        lib = _library_ref(val)
        if lib is not None:
            return lib
        return "fn:" + fingerprint_callable(val, depth + 1) if val.__module__ == module else None
    if isinstance(val, (types.MethodType, types.BuiltinFunctionType, types.MethodWrapperType)):
        owner = getattr(val, "__self__", None)
        if owner is None or isinstance(owner, types.ModuleType):
            return None  # a builtin function (len, math.sqrt): fixed code
        if isinstance(val, types.MethodType) and val.__func__.__module__ == module:
            return "bound:" + fingerprint_callable(val, depth + 1)  # the object's state and the method's code
        # ``predict = model.predict``, ``lookup = WORDS.get``: the state of the object it is bound to
        return f"bound:{getattr(val, '__qualname__', '?')}:{stable_repr(owner, depth + 1)}"
    if getattr(type(val), "__module__", "").split(".")[0] in _LIBRARY_STATE_MODULES:
        return None  # library singletons (typing, logging, locks, ...) hold no LF state
    return stable_repr(val, depth + 1)


def home_module(func: Any) -> str | None:
    """The module whose classes a fingerprint of ``func``'s state takes by content: where its code lives.

    A function's or bound method's module, a callable object's class's module (a partial: its function's).
    None for weaksup's own code, which its version pins (see :func:`_library_ref`), and for objects that
    name no module.

    >>> from weaksup.lf.fingerprint import home_module
    >>> home_module(home_module), home_module(print)
    (None, None)
    """
    while isinstance(func, functools.partial):
        func = func.func
    if isinstance(func, types.MethodType):
        func = func.__func__
    if isinstance(func, (types.FunctionType, type)):
        module = func.__module__
    elif isinstance(func, (types.BuiltinFunctionType, types.MethodWrapperType)):
        return None  # C code: fixed
    else:
        module = type(func).__module__
    if not isinstance(module, str) or module == "builtins" or module == "weaksup" or module.startswith("weaksup."):
        return None
    return module


def fingerprint_callable(func: Callable[..., Any], depth: int = 0) -> str:
    """Hash of a function's source and code, defaults, closure values and the state it reads.

    Editing an LF's body in a notebook changes its fingerprint; re-defining it
    unchanged does not.  Both the source text and the code object that runs
    (bytecode, constants, names, nested functions and comprehensions) are
    hashed, so an edited-but-not-reloaded module, or two lambdas on one line,
    are told apart.  Module-level values the function (or a comprehension or
    nested function in it) reads by name are part of it, by content: numbers,
    strings, containers (also when edited in place), compiled patterns, numpy
    arrays, pandas objects, the attributes of objects such as a config
    instance, the object a module-level bound method is bound to, classes
    defined in the same module (their class attributes and methods) and
    helper functions defined in the same module (recursively, with what they
    read).  weaksup's own functions are represented by name and package
    version.  A bound method includes its object's state, a callable object
    its attributes, both with their class by content (methods and class
    attributes, as for a class defined next to the LF; a callable object of
    a weaksup class by its attributes only).  When some of that state cannot
    be read, or is past the walk's depth or size budget, the result starts
    with :data:`VOLATILE` (see :func:`is_volatile`): the vote cache then
    re-runs the LF.

    Not seen: functions and classes imported from *other* modules (a helper
    in another file of the project is named, not walked), and state reached
    only through an attribute of a module (``mymod.WORDS``).
    """
    if depth == 0:
        _reset_walk()
    h = hashlib.sha1()
    volatile = False

    def add(text: str) -> None:
        nonlocal volatile
        volatile = volatile or VOLATILE in text
        h.update(_encode(text))

    def result() -> str:
        return (VOLATILE if volatile else "") + h.hexdigest()

    name = getattr(func, "__qualname__", type(func).__qualname__)
    if depth > _MAX_DEPTH:
        return f"{VOLATILE}too deep:{name}"
    if isinstance(func, functools.partial):
        add("partial:" + fingerprint_callable(func.func, depth + 1))
        add(stable_repr(list(func.args), depth + 1) + stable_repr(dict(func.keywords), depth + 1))
        return result()
    if not isinstance(func, types.FunctionType) and hasattr(func, "__wrapped__"):
        func = inspect.unwrap(func)  # a C-level wrapper (lru_cache): the wrapped function
    self_obj = getattr(func, "__self__", None)
    if isinstance(func, types.MethodType):
        if isinstance(self_obj, type):  # a classmethod: its class (by content when defined next to it)
            cls_module = self_obj.__module__
            add("cls=" + (_class_repr(self_obj, depth + 1) if cls_module == func.__func__.__module__
                          else f"{cls_module}.{self_obj.__qualname__}"))
        elif self_obj is not None:
            prev = getattr(_walk, "module", None)
            _walk.module = func.__func__.__module__
            try:
                add("self=" + _object_repr(self_obj, depth + 1))
            finally:
                _walk.module = prev
        func = func.__func__
    elif isinstance(func, (types.BuiltinFunctionType, types.MethodWrapperType)):
        if self_obj is not None and not isinstance(self_obj, types.ModuleType):
            add("self=" + stable_repr(self_obj, depth + 1))  # ``WORDS.__contains__``: the set's content
        add(f"builtin:{getattr(func, '__module__', None)}.{name}")
        return result()
    elif not isinstance(func, (types.FunctionType, type)) and callable(func) and hasattr(func, "__dict__"):
        # a callable object: its class's __call__, its attributes and, as for a bound method, its class by
        # content (the methods __call__ calls, the class constants it reads through self)
        prev = getattr(_walk, "module", None)
        _walk.module = home_module(func) or prev  # weaksup's own classes: pinned by version, not walked
        try:
            add("obj=" + _object_repr(func, depth + 1))
        finally:
            _walk.module = prev
        call = getattr(type(func), "__call__", None)
        if isinstance(call, types.FunctionType):
            add("call=" + fingerprint_callable(call, depth + 1))
        return result()
    if not isinstance(func, types.FunctionType):  # a class (its source) or a C-level callable (its repr)
        add(name)
        if isinstance(func, type):
            try:
                add(inspect.getsource(func))
            except (OSError, TypeError):
                pass
        else:  # operator.itemgetter('a') vs ('b'): the repr holds the state, unless it is an address
            text = repr(func)
            add(f"<{VOLATILE}{name}>" if " at 0x" in text else text)
        return result()
    if not _enter(func):  # recursion (f calls g calls f): f's state is hashed further up
        return f"<recursion {name}>"
    prev = getattr(_walk, "module", None)
    _walk.module = func.__module__
    try:
        _fingerprint_function(func, depth, add)
    finally:
        _walk.module = prev
        _leave(func)
    return result()


def _fingerprint_function(func: types.FunctionType, depth: int, add: Callable[[str], None]) -> None:
    """The parts of a Python function: name, source, code, defaults, closure, wrapped function, globals read."""
    add(func.__qualname__)
    code = func.__code__
    try:
        add(inspect.getsource(func))  # the file now (comments too) ...
    except (OSError, TypeError):
        pass
    add(_code_digest(code))  # ... and the code that runs (a file edited but not reloaded runs the old code)
    add(stable_repr(func.__defaults__, depth + 1))
    add(stable_repr(func.__kwdefaults__, depth + 1))
    for cell in func.__closure__ or ():
        try:
            add(stable_repr(cell.cell_contents, depth + 1))
        except ValueError:  # empty cell
            pass
    wrapped = func.__dict__.get("__wrapped__")
    if wrapped is not None:  # functools.wraps: the wrapper's own code above, the decorated function here
        add("wrapped=" + fingerprint_callable(wrapped, depth + 1))
    lib = _library_ref(func)
    if lib is not None:  # weaksup's code and module state are pinned by its version (its caches change)
        add(lib)
        return
    # Module-level values, classes and helpers the function reads by name (a keyword list, a config class,
    # an array): editing any of them must invalidate the LF too.
    gl = func.__globals__
    for name in sorted(_global_names(code)):
        if name in gl:
            text = _value_repr(gl[name], func.__module__, depth)
            if text is not None:
                add(f"{name}={text}")


#: Modules whose module-level objects an LF may name without them being LF state (``builtins`` is not one:
#: numbers, strings and containers are the state an LF reads most).
_LIBRARY_STATE_MODULES = frozenset({"typing", "logging", "warnings", "_io", "io", "abc", "enum",
                                    "threading", "_thread"})
