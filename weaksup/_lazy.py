"""One lazy-attribute loader for every package ``__init__`` (keeps ``import weaksup`` light)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["attach"]


def attach(package: str, mapping: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a module ``__getattr__`` that imports ``mapping[name]`` on first access, and a ``__dir__``.

    ``mapping[name]`` names the module that defines ``name``; when it is the
    submodule ``package.name`` itself, the submodule is returned.  ``__dir__``
    lists the package's ``__all__`` and lazy names (before they are loaded), its
    submodules already imported and its ``__dunder__`` globals, so ``dir()``,
    ``help()`` and IPython's completion show the public names and not the
    ``__init__``'s helpers (``attach``, ``TYPE_CHECKING``, ``annotations``).

    A package binds ``__getattr__`` under ``if not TYPE_CHECKING:`` and imports the
    lazy names under ``if TYPE_CHECKING:``: type checkers then see each name's real
    type, and a misspelt name is an error rather than ``Any``.

    >>> from weaksup._lazy import attach
    >>> getattr_, dir_ = attach("pkg", {"sqrt": "math"})
    >>> getattr_("sqrt")(4.0)
    2.0
    """

    def __getattr__(name: str) -> Any:
        if name in mapping:
            module = importlib.import_module(mapping[name])
            return module if mapping[name] == f"{package}.{name}" else getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        namespace = vars(sys.modules[package]) if package in sys.modules else {}
        submodules = {name for name, value in namespace.items() if not name.startswith("_")
                      and isinstance(value, ModuleType) and value.__name__ == f"{package}.{name}"}
        dunders = {name for name in namespace if name.startswith("__") and name.endswith("__")}
        return sorted({*namespace.get("__all__", ()), *mapping, *submodules, *dunders})

    return __getattr__, __dir__
