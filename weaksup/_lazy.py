"""One lazy-attribute loader for every package ``__init__`` (keeps ``import weaksup`` light)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(package: str, mapping: Mapping[str, str]) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that imports ``mapping[name]`` on first access.

    ``mapping[name]`` names the module that defines ``name``; when it is the
    submodule ``package.name`` itself, the submodule is returned.

    >>> from weaksup._lazy import attach
    >>> getattr_ = attach("pkg", {"sqrt": "math"})
    >>> getattr_("sqrt")(4.0)
    2.0
    """

    def __getattr__(name: str) -> Any:
        if name in mapping:
            module = importlib.import_module(mapping[name])
            return module if mapping[name] == f"{package}.{name}" else getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
