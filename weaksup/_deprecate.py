"""Deprecation helpers: renamed keywords, renamed names and moved modules.

Every public name or keyword renamed in 0.2 keeps working until 0.3 with a
:class:`DeprecationWarning` that says what to write instead.

>>> import warnings
>>> from weaksup._deprecate import renamed_kwargs
>>> @renamed_kwargs(n_classes="cardinality")
... def f(*, cardinality=None):
...     return cardinality
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     f(n_classes=3), w[0].category.__name__
(3, 'DeprecationWarning')
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.util
import os
import sys
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

__all__ = ["warn_deprecated", "renamed_kwargs", "alias_module", "REMOVED_IN"]

#: The release in which deprecated names stop working.
REMOVED_IN = "0.3"

_F = TypeVar("_F", bound=Callable[..., Any])

# The folders of weaksup and of the deprecated top-level ``labelers`` shim: a deprecation warning points past them.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_OURS = tuple(os.path.join(_ROOT, name) + os.sep for name in ("weaksup", "labelers"))
# importlib's own file: importlib.import_module (and reload) lie between a deprecated module and the user's call.
_IMPORTLIB = os.path.abspath(importlib.__file__) if getattr(importlib, "__file__", None) else None


def _is_import_machinery(frame: FrameType) -> bool:
    # the test warnings.warn applies to skip importlib's frames when it counts stacklevel
    filename = frame.f_code.co_filename
    return "importlib" in filename and "_bootstrap" in filename


def _steps_past(frame: FrameType) -> bool:
    # weaksup's frames, and importlib.import_module's: warnings.warn counts the latter (only the _bootstrap
    # frames are skipped), so a module imported with import_module("weaksup....") would warn from importlib
    filename = os.path.abspath(frame.f_code.co_filename)
    return filename.startswith(_OURS) or filename == _IMPORTLIB


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning issued by the caller at the first frame outside weaksup.

    Counted as :func:`warnings.warn` counts (it skips importlib's ``_bootstrap`` frames), so a warning raised
    while a deprecated module is imported points at the user's ``import`` line, or at the user's
    ``importlib.import_module(...)`` call: Python's default filters show a DeprecationWarning only when it is
    attributed to ``__main__``, i.e. to the user's script.
    """
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and _steps_past(frame):
        frame = frame.f_back
        while frame is not None and _is_import_machinery(frame):
            frame = frame.f_back
        level += 1
    return level


def warn_deprecated(old: str, new: str, *, stacklevel: int | None = None) -> None:
    """Warn that ``old`` is deprecated in favour of ``new``.

    The warning points at the first frame outside weaksup (the user's call or ``import``), however
    many weaksup frames lie between; an explicit ``stacklevel`` goes to :func:`warnings.warn` as it is
    (1 is this function, 2 its caller).
    """
    level = _user_stacklevel() if stacklevel is None else stacklevel
    warnings.warn(f"{old} is deprecated and will be removed in weaksup {REMOVED_IN}; use {new}",
                  DeprecationWarning, stacklevel=level)


def renamed_kwargs(**old_to_new: str) -> Callable[[_F], _F]:
    """Decorator: accept each old keyword as an alias of its new name, with a warning.

    Passing both the old and the new name is a ``TypeError``.
    """

    def decorate(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__qualname__}() got both {old!r} (deprecated) "
                                        f"and {new!r}; pass only {new!r}")
                    warn_deprecated(f"keyword {old!r} of {func.__qualname__}()", f"{new!r}")
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serve ``old.x.y`` as the already-importable module ``new.x.y``."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.old and not fullname.startswith(self.old + "."):
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: Any) -> Any:
        target = self.new + spec.name[len(self.old):]
        warn_deprecated(f"module {spec.name!r}", f"{target!r}")  # points past importlib at the user's import
        return importlib.import_module(target)

    def exec_module(self, module: Any) -> None:  # the target module is already executed
        return None


def alias_module(old: str, new: str) -> None:
    """Make ``import old.sub`` return ``new.sub`` (with a DeprecationWarning) for every submodule."""
    if not any(isinstance(f, _AliasFinder) and f.old == old for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder(old, new))
