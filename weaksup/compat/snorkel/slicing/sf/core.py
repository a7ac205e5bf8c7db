"""``snorkel.slicing.sf.core``: ``SlicingFunction`` and ``slicing_function``.

An SF is a compat :class:`~weaksup.compat.snorkel.labeling.lf.core.LabelingFunction`
(``resources``, ``pre``): calling it returns what ``f`` returns (``True``/``False``
usually); the appliers store ``True``/``False`` as 1/0 and any int as is.

>>> from types import SimpleNamespace
>>> from weaksup.compat.snorkel.slicing import slicing_function
>>> @slicing_function()
... def big(x):
...     return x.a > 42
>>> big(SimpleNamespace(a=90)), big
(True, SlicingFunction big, Preprocessors: [])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from weaksup.compat.snorkel.labeling.lf.core import LabelingFunction, labeling_function

__all__ = ["SlicingFunction", "slicing_function"]


class SlicingFunction(LabelingFunction):
    """``SlicingFunction(name, f, resources=None, pre=None)``: ``f(x, **resources)``, whether ``x`` is in the slice."""

    def row_caller(self) -> Callable[[Any], Any]:
        # the LF kernel refuses bool votes (an LF returning True is a bug); here True/False is the point: 1/0
        def call(x: Any) -> Any:
            out = self(x)
            return int(out) if isinstance(out, (bool, np.bool_)) else out
        return call


class slicing_function(labeling_function):  # noqa: N801 - snorkel's name
    """Decorator: ``@slicing_function(name=None, resources=None, pre=None)`` (parentheses required)."""

    function_class = SlicingFunction

    def __call__(self, f: Callable[..., Any]) -> SlicingFunction:
        # the same build as labeling_function's, typed as the SF it is (slice_dataframe and the SF appliers take one)
        return cast(SlicingFunction, super().__call__(f))
