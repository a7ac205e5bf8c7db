"""``snorkel.slicing.sf.core``: ``SlicingFunction`` and ``slicing_function``.

An SF is a compat :class:`~weaksup.compat.snorkel.labeling.lf.core.LabelingFunction`
(``resources``, ``pre``): calling it returns what ``f`` returns (``True``/``False``
usually); the appliers store ``True``/``False`` as 1/0 and any int as is.

>>> from types import SimpleNamespace
>>> @slicing_function()
... def big(x):
...     return x.a > 42
>>> big(SimpleNamespace(a=90)), big
(True, SlicingFunction big, Preprocessors: [])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from weaksup.compat.snorkel.labeling.lf.core import LabelingFunction

__all__ = ["SlicingFunction", "slicing_function"]


class SlicingFunction(LabelingFunction):
    """``SlicingFunction(name, f, resources=None, pre=None)``: ``f(x, **resources)``, whether ``x`` is in the slice."""

    def row_caller(self) -> Callable[[Any], Any]:
        # the LF kernel refuses bool votes (an LF returning True is a bug); here True/False is the point: 1/0
        def call(x: Any) -> Any:
            out = self(x)
            return int(out) if isinstance(out, (bool, np.bool_)) else out
        return call


class slicing_function:  # noqa: N801 - snorkel's name
    """Decorator: ``@slicing_function(name=None, resources=None, pre=None)`` (parentheses required)."""

    def __init__(self, name: str | None = None, resources: Mapping[str, Any] | None = None,
                 pre: list[Any] | None = None) -> None:
        if callable(name):
            raise ValueError("Looks like this decorator is missing parentheses!")
        self.name = name
        self.resources = resources
        self.pre = pre

    def __call__(self, f: Callable[..., Any]) -> SlicingFunction:
        return SlicingFunction(name=self.name or f.__name__, f=f, resources=self.resources, pre=self.pre)
