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

import hashlib
import inspect
import re
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["fingerprint_callable", "stable_repr"]

_MAX_DEPTH = 3


def _library_ref(func: Any) -> str | None:
    """``"lib:<module>.<qualname>@<version>"`` for a function of the weaksup package, else None."""
    module = getattr(func, "__module__", None) or ""
    if module != "weaksup" and not module.startswith("weaksup."):
        return None
    version = getattr(sys.modules.get("weaksup"), "__version__", "?")
    return f"lib:{module}.{getattr(func, '__qualname__', type(func).__name__)}@{version}"


def stable_repr(obj: Any, depth: int = 0) -> str:
    """A repr without memory addresses, for fingerprints (containers are walked 3 levels deep)."""
    if depth > _MAX_DEPTH:
        return type(obj).__name__
    if isinstance(obj, (str, int, float, bool, type(None), bytes)):
        return repr(obj)
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(stable_repr(o, depth + 1) for o in obj) + "]"
    if isinstance(obj, (set, frozenset)):
        return "{" + ",".join(sorted(stable_repr(o, depth + 1) for o in obj)) + "}"
    if isinstance(obj, Mapping):
        items = sorted((str(k), stable_repr(v, depth + 1)) for k, v in obj.items())
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
    unchanged does not.  Module-level values the function reads by name
    (numbers, strings, containers, compiled patterns) and helper functions
    defined in the same module are part of it; weaksup's own functions are
    represented by name and package version.
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
    h.update(stable_repr(getattr(func, "__defaults__", None), depth).encode())
    closure = getattr(func, "__closure__", None) or ()
    for cell in closure:
        try:
            h.update(stable_repr(cell.cell_contents, depth).encode())
        except ValueError:  # empty cell
            pass
    if code is not None and depth < _MAX_DEPTH:
        # Module-level values and helpers the function calls by name (e.g. a keyword list).
        gl = getattr(func, "__globals__", {})
        for name in code.co_names:
            val = gl.get(name)
            if isinstance(val, (str, int, float, tuple, list, set, frozenset, dict, re.Pattern)):
                h.update(f"{name}={stable_repr(val, depth + 1)}".encode())
            elif isinstance(val, types.FunctionType) and val is not func:
                lib = _library_ref(val)
                if lib is not None:
                    h.update(f"{name}={lib}".encode())
                elif getattr(val, "__module__", None) == getattr(func, "__module__", None):
                    # A helper defined next to the LF: editing it must invalidate the LF too.
                    h.update(f"{name}=fn:{fingerprint_callable(val, depth + 1)}".encode())
    return h.hexdigest()
