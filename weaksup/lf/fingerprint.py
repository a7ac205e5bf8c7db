"""LF fingerprints: what the vote cache keys a labeling function's column on.

A fingerprint must change when, and only when, something that determines the
LF's votes changes: its code, its parameters (resources, closure values,
defaults) and the module-level state it reads by name (a keyword list, a helper
defined next to it).  Library code is pinned by the installed weaksup version,
so functions of the ``weaksup`` package are fingerprinted by name and version,
never by walking into their internals (module-level caches live there, e.g.
the RE2 row cache of :mod:`weaksup.lf.regex`, and change on every call).

>>> def lf(x):
...     return 1 if "free" in x.text else -1
>>> fingerprint_callable(lf) == fingerprint_callable(lf)
True
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
import sys
import threading
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["fingerprint_callable", "stable_repr"]

_MAX_DEPTH = 6

#: Marks a fingerprint that cannot prove the LF's state (an object whose state
#: cannot be read); the vote cache never serves such an LF and re-runs it.
VOLATILE = "volatile:"

_ATOMS = (str, int, float, bool, complex, type(None), bytes)


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

    >>> is_volatile(VOLATILE + "abc"), is_volatile("abc")
    (True, False)
    """
    return fingerprint is None or VOLATILE in fingerprint


def _library_ref(func: Any) -> str | None:
    """``"lib:<module>.<qualname>@<version>"`` for a function of the weaksup package, else None."""
    module = getattr(func, "__module__", None) or ""
    if module != "weaksup" and not module.startswith("weaksup."):
        return None
    version = getattr(sys.modules.get("weaksup"), "__version__", "?")
    return f"lib:{module}.{getattr(func, '__qualname__', type(func).__name__)}@{version}"


def _array_repr(arr: np.ndarray, depth: int) -> str:
    """dtype, shape and content of an array (object arrays element by element)."""
    head = f"nd<{arr.dtype.str}{arr.shape}>"
    if arr.dtype.kind == "O":  # the bytes of an object array are pointers: hash the elements
        return head + "[" + ",".join(stable_repr(v, depth + 1) for v in arr.ravel().tolist()) + "]"
    return head + hashlib.sha1(np.ascontiguousarray(arr).tobytes()).hexdigest()


def _pandas_repr(obj: Any, depth: int) -> str:
    """Index, columns, dtypes and values of a pandas Series/DataFrame/Index."""
    import pandas as pd

    h = hashlib.sha1()
    h.update(type(obj).__name__.encode())
    if isinstance(obj, pd.DataFrame):
        h.update(repr([(str(c), str(t)) for c, t in obj.dtypes.items()]).encode())
    else:
        h.update(f"{obj.dtype}|{getattr(obj, 'name', None)!r}".encode())
    h.update(str(obj.shape).encode())
    try:
        h.update(pd.util.hash_pandas_object(obj, index=not isinstance(obj, pd.Index)).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): their text form
        h.update(stable_repr(obj.to_dict() if not isinstance(obj, pd.Index) else obj.tolist(), depth + 1).encode())
    if not isinstance(obj, pd.Index):
        h.update(_pandas_repr(obj.index, depth).encode() if depth <= _MAX_DEPTH else b"")
    return f"pd:{h.hexdigest()}"


#: Most objects walked for one fingerprint; past it (a large object graph, e.g. an NLP pipeline)
#: the state is not proven and the LF is re-run instead.
_MAX_OBJECTS = 5000
_walk = threading.local()


def _object_repr(obj: Any, depth: int) -> str:
    """An instance by its class and the state it holds (attributes, slots); volatile when unreadable."""
    cls = type(obj)
    _walk.count = getattr(_walk, "count", 0) + 1
    if _walk.count > _MAX_OBJECTS:
        return f"<{VOLATILE}too many objects>"
    if _has_c_state(cls):
        # a C-level base holds state Python cannot read (a random generator, a tensor, a connection)
        return f"<{VOLATILE}{cls.__qualname__}>"
    path: set[int] = _walk.__dict__.setdefault("path", set())
    if id(obj) in path:  # a back-reference (parent <-> child): its state is being walked already
        return f"<cycle {cls.__qualname__}>"
    path.add(id(obj))
    try:
        return _object_state(obj, cls, depth)
    finally:
        path.discard(id(obj))


def _object_state(obj: Any, cls: type, depth: int) -> str:
    state: dict[str, Any] = {}
    d = getattr(obj, "__dict__", None)
    if isinstance(d, Mapping):
        state.update(d)
    for klass in cls.__mro__:
        for slot in vars(klass).get("__slots__", ()) if isinstance(vars(klass).get("__slots__", ()), (tuple, list)) else ():
            if slot not in ("__dict__", "__weakref__") and hasattr(obj, slot):
                state[slot] = getattr(obj, slot)
    if not state and d is None and not any(vars(k).get("__slots__") for k in cls.__mro__):
        # no readable state: only trust objects with a value-based repr (no memory address)
        text = repr(obj)
        if " at 0x" in text or text.startswith("<"):
            return f"<{VOLATILE}{cls.__qualname__}>"
        return f"{cls.__module__}.{cls.__qualname__}({text})"
    return f"{cls.__module__}.{cls.__qualname__}" + stable_repr(state, depth + 1)


def stable_repr(obj: Any, depth: int = 0) -> str:
    """A repr without memory addresses that changes with the object's content, for fingerprints.

    Containers, arrays (dtype, shape and bytes), pandas objects (index, dtypes
    and values) and plain objects (their attributes) are walked; an object
    whose state cannot be read, or that nests deeper than the walk goes, gives
    a :data:`VOLATILE` part, so the LF that reads it is always re-run.

    >>> import numpy as np
    >>> stable_repr(np.zeros(2, np.int8)) == stable_repr(np.zeros(1, np.int16))
    False
    """
    if depth == 0:
        _walk.count = 0
    if depth > _MAX_DEPTH:
        return f"<{VOLATILE}{type(obj).__name__}>"
    if isinstance(obj, _ATOMS):
        return repr(obj)
    if isinstance(obj, (list, tuple)):
        return type(obj).__name__[0] + "[" + ",".join(stable_repr(o, depth + 1) for o in obj) + "]"
    if isinstance(obj, (set, frozenset)):
        return "{" + ",".join(sorted(stable_repr(o, depth + 1) for o in obj)) + "}"
    if isinstance(obj, Mapping):
        items = sorted((stable_repr(k, depth + 1), stable_repr(v, depth + 1)) for k, v in obj.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(obj, re.Pattern):
        return f"re({obj.pattern!r},{obj.flags})"
    if isinstance(obj, np.ndarray):
        return _array_repr(obj, depth)
    if isinstance(obj, np.generic):
        return f"np.{obj.dtype.str}({obj.item()!r})"
    if type(obj).__module__.startswith("pandas") and hasattr(obj, "shape") and (
            hasattr(obj, "dtypes") or hasattr(obj, "dtype")):  # DataFrame, Series, Index
        return _pandas_repr(obj, depth)
    if hasattr(obj, "__array__") and not isinstance(obj, type):  # tensors, array-likes
        try:
            return _array_repr(np.asarray(obj), depth)
        except Exception:
            return f"<{VOLATILE}{type(obj).__name__}>"
    fp = getattr(obj, "fingerprint", None)
    if callable(fp) and not isinstance(obj, type):
        try:
            return str(fp())
        except TypeError:
            pass
    if isinstance(obj, (types.ModuleType, type)):
        return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}"
    if callable(obj) and (isinstance(obj, (types.FunctionType, types.MethodType, types.BuiltinFunctionType,
                                           functools.partial)) or hasattr(obj, "__wrapped__")):
        return fingerprint_callable(obj, depth + 1)  # functools.lru_cache / wraps: the wrapped function
    if callable(obj) and not hasattr(obj, "__dict__"):
        return fingerprint_callable(obj, depth + 1)
    return _object_repr(obj, depth)


def fingerprint_callable(func: Callable[..., Any], depth: int = 0) -> str:
    """Hash of a function's source (or bytecode), constants, defaults, closure values and the state it reads.

    Editing an LF's body in a notebook changes its fingerprint; re-defining it
    unchanged does not.  Module-level values the function reads by name
    (numbers, strings, containers, compiled patterns, numpy arrays, pandas
    objects, and the attributes of objects such as a config instance) and
    helper functions defined in the same module are part of it; weaksup's own
    functions are represented by name and package version.  A bound method
    includes its object's state, a callable object its attributes.  When some
    of that state cannot be read the result starts with :data:`VOLATILE`
    (see :func:`is_volatile`): the vote cache then re-runs the LF.
    """
    if depth == 0:
        _walk.count = 0
    h = hashlib.sha1()
    volatile = False

    def add(text: str) -> None:
        nonlocal volatile
        volatile = volatile or VOLATILE in text
        h.update(text.encode())

    if isinstance(func, functools.partial):
        add("partial:" + fingerprint_callable(func.func, depth + 1))
        add(stable_repr(list(func.args), depth + 1) + stable_repr(dict(func.keywords), depth + 1))
        return (VOLATILE if volatile else "") + h.hexdigest()
    func = inspect.unwrap(func)
    self_obj = getattr(func, "__self__", None)
    if isinstance(func, types.MethodType) and self_obj is not None and not isinstance(self_obj, type):
        add("self=" + _object_repr(self_obj, depth + 1))
        func = func.__func__
    elif not isinstance(func, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)) \
            and callable(func) and hasattr(func, "__dict__"):
        # a callable object: its class's __call__ and its attributes
        add("obj=" + _object_repr(func, depth + 1))
        call = getattr(type(func), "__call__", None)
        if isinstance(call, types.FunctionType):
            add("call=" + fingerprint_callable(call, depth + 1))
        return (VOLATILE if volatile else "") + h.hexdigest()
    add(getattr(func, "__qualname__", type(func).__name__))
    code = getattr(func, "__code__", None)
    try:
        add(inspect.getsource(func))
    except (OSError, TypeError):
        if code is not None:
            h.update(code.co_code)
            add(repr(code.co_consts))
    if code is not None:
        add(repr(code.co_names))
    add(stable_repr(getattr(func, "__defaults__", None), depth))
    add(stable_repr(getattr(func, "__kwdefaults__", None), depth))
    closure = getattr(func, "__closure__", None) or ()
    for cell in closure:
        try:
            add(stable_repr(cell.cell_contents, depth))
        except ValueError:  # empty cell
            pass
    if code is not None and depth < _MAX_DEPTH:
        # Module-level values and helpers the function reads by name (a keyword list, a
        # config object, an array): editing any of them must invalidate the LF too.
        gl = getattr(func, "__globals__", {})
        names = set(code.co_names)
        for const in code.co_consts:  # names read by nested functions / comprehensions
            if isinstance(const, types.CodeType):
                names.update(const.co_names)
        for name in sorted(names):
            if name not in gl:
                continue
            val = gl[name]
            if isinstance(val, (types.ModuleType, type)) or val is func:
                continue
            if callable(val) and hasattr(val, "__wrapped__"):  # a decorated helper (lru_cache, wraps)
                val = inspect.unwrap(val)
            if isinstance(val, types.FunctionType):
                lib = _library_ref(val)
                if lib is not None:
                    add(f"{name}={lib}")
                elif getattr(val, "__module__", None) == getattr(func, "__module__", None):
                    add(f"{name}=fn:{fingerprint_callable(val, depth + 1)}")
                continue
            if isinstance(val, (types.BuiltinFunctionType, types.MethodType)) or (
                    callable(val) and _library_ref(type(val)) is not None):
                continue
            if getattr(type(val), "__module__", "").split(".")[0] in _LIBRARY_STATE_MODULES:
                continue  # library singletons (typing, logging, ...) hold no LF state
            add(f"{name}={stable_repr(val, depth + 1)}")
    return (VOLATILE if volatile else "") + h.hexdigest()


#: Modules whose module-level objects an LF may name without them being LF state.
_LIBRARY_STATE_MODULES = frozenset({"typing", "logging", "warnings", "builtins", "_io", "io", "abc", "enum",
                                    "threading", "_thread"})
