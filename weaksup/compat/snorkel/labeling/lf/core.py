"""``snorkel.labeling.lf.core``: ``LabelingFunction`` and ``labeling_function`` with snorkel's call semantics.

The LF receives the data point as the applier has it (a pandas Series with
its index label as ``name`` from ``PandasLFApplier``, the element itself from
``LFApplier``); each preprocessor in ``pre`` maps it first, and one returning
``None`` is an error.  The class is a weaksup
:class:`~weaksup.lf.LabelingFunction`, so weaksup's appliers, vote cache and
``LFAnalysis`` accept it as is.

>>> from types import SimpleNamespace
>>> from weaksup.compat.snorkel.labeling import LabelingFunction
>>> lf = LabelingFunction("big", lambda x: 0 if x.num > 42 else -1)
>>> lf(SimpleNamespace(num=43)), lf(SimpleNamespace(num=1))
(0, -1)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from weaksup.lf.core import LabelingFunction as _LabelingFunction

__all__ = ["LabelingFunction", "labeling_function"]


class LabelingFunction(_LabelingFunction):
    """``LabelingFunction(name, f, resources=None, pre=None)``: ``f(x, **resources) -> int``."""

    def __init__(self, name: str, f: Callable[..., int], resources: Mapping[str, Any] | None = None,
                 pre: list[Any] | None = None) -> None:
        super().__init__(name, f, resources=resources)
        self._pre = list(pre or [])

    def _preprocess_data_point(self, x: Any) -> Any:
        for pre in self._pre:
            x = pre(x)
            if x is None:
                raise ValueError(f"Preprocessor {getattr(pre, 'name', pre)!r} of LF {self.name!r} returned None")
        return x

    def __call__(self, x: Any) -> int:
        return self._f(self._preprocess_data_point(x), **self._resources)

    def row_caller(self) -> Callable[[Any], Any]:
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.name}, Preprocessors: {self._pre}"


class labeling_function:  # noqa: N801 - snorkel's name
    """Decorator: ``@labeling_function(name=None, resources=None, pre=None)`` (parentheses required)."""

    def __init__(self, name: str | None = None, resources: Mapping[str, Any] | None = None,
                 pre: list[Any] | None = None) -> None:
        if callable(name):
            raise ValueError("Looks like this decorator is missing parentheses!")
        self.name = name
        self.resources = resources
        self.pre = pre

    #: the class the decorator builds (``slicing_function`` builds SFs with the same arguments)
    function_class: type[LabelingFunction] = LabelingFunction

    def __call__(self, f: Callable[..., int]) -> LabelingFunction:
        return self.function_class(name=self.name or f.__name__, f=f, resources=self.resources, pre=self.pre)
