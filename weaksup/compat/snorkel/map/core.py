"""snorkel's mappers (``snorkel.map``) as weaksup :class:`~weaksup.lf.Preprocessor` objects.

A mapper receives a deep copy of the data point (:func:`weaksup.lf.core.copy_example`),
so in-place edits never reach the caller's data; ``memoize=True`` caches the
output keyed by :func:`get_hashable` (or ``memoize_key``).  Because each
mapper is a weaksup ``Preprocessor``, weaksup's appliers and vote cache
(fingerprints) accept it too.

>>> from types import SimpleNamespace
>>> from weaksup.compat.snorkel.map import lambda_mapper
>>> @lambda_mapper()
... def double(x):
...     x.num = 2 * x.num
...     return x
>>> x = SimpleNamespace(num=3)
>>> double(x).num, x.num
(6, 3)
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Hashable, Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from weaksup.lf.core import Preprocessor as _Preprocessor
from weaksup.lf.core import copy_example
from weaksup.lf.fingerprint import fingerprint_callable, stable_repr

__all__ = ["BaseMapper", "Mapper", "LambdaMapper", "lambda_mapper", "get_hashable", "is_hashable",
           "get_parameters"]


def get_parameters(f: Callable[..., Any], allow_args: bool = False, allow_kwargs: bool = False) -> list[str]:
    """Parameter names of ``f``; ``*args`` / ``**kwargs`` raise ValueError unless allowed."""
    spec = inspect.getfullargspec(f)
    if spec.varargs is not None and not allow_args:
        raise ValueError(f"Function {f.__name__} should not have *args")
    if spec.varkw is not None and not allow_kwargs:
        raise ValueError(f"Function {f.__name__} should not have **kwargs")
    return list(spec.args)


def is_hashable(obj: Any) -> bool:
    """Whether ``hash(obj)`` succeeds (pandas objects raise their own error types)."""
    try:
        hash(obj)
    except Exception:
        return False
    return True


def get_hashable(obj: Any) -> Hashable:
    """A hashable proxy of a data point's values (the default memoisation key).

    SimpleNamespace, dict and pandas Series become a frozenset of
    ``(field, value)`` pairs (a Series' name is not part of it), lists and
    tuples a tuple, numpy arrays their bytes; values recurse.

    >>> from types import SimpleNamespace
    >>> from weaksup.compat.snorkel.map import get_hashable
    >>> get_hashable(SimpleNamespace(a=[1, 2])) == get_hashable({"a": (1, 2)})
    True
    """
    if is_hashable(obj):
        return obj
    if isinstance(obj, SimpleNamespace):
        obj = vars(obj)
    if isinstance(obj, (dict, pd.Series)):
        return frozenset((key, get_hashable(value)) for key, value in obj.items())
    if isinstance(obj, (list, tuple)):
        return tuple(get_hashable(value) for value in obj)
    if isinstance(obj, np.ndarray):
        return obj.data.tobytes()
    raise ValueError(f"Object {obj} has no hashing proxy.")


class BaseMapper(_Preprocessor):
    """Nesting (``pre``), memoisation and copy-before-map shared by every mapper.

    Subclasses implement ``_generate_mapped_data_point(x)``; ``None`` means
    the data point was filtered out (an LF then raises ValueError).
    """

    def __init__(self, name: str, pre: list[BaseMapper] | None = None, memoize: bool = False,
                 memoize_key: Callable[[Any], Hashable] | None = None) -> None:
        super().__init__(self._generate_mapped_data_point, name=name, pre=pre, memoize=memoize,
                         memoize_key=memoize_key or get_hashable)

    def _generate_mapped_data_point(self, x: Any) -> Any:
        raise NotImplementedError

    def _key(self, x: Any) -> Any:
        assert self._memoize_key is not None
        return self._memoize_key(x)

    def __call__(self, x: Any) -> Any:
        if self.memoize:
            key = self._key(x)
            if key in self._cache:
                return self._cache[key]
        x = copy_example(x)
        for mapper in self._pre:
            x = mapper(x)
        out = self._generate_mapped_data_point(x)
        if self.memoize:
            self._cache[key] = out
        return out

    def _code(self) -> Callable[..., Any]:
        return self._generate_mapped_data_point

    def fingerprint(self) -> str:
        parts = [type(self).__qualname__, fingerprint_callable(self._code()), stable_repr(self._resources)]
        parts += [p.fingerprint() for p in self._pre]
        return hashlib.sha1("|".join(parts).encode()).hexdigest()

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.name}, Pre: {self._pre}"


class Mapper(BaseMapper):
    """A mapper defined by a ``run(**fields) -> dict of new fields`` method.

    ``field_names`` maps ``run``'s argument names to the data point's fields
    (default: ``run``'s parameter names); ``mapped_field_names`` renames the
    returned keys before they are set on the data point.  ``run`` returning
    ``None`` filters the data point out.
    """

    def __init__(self, name: str, field_names: Mapping[str, str] | None = None,
                 mapped_field_names: Mapping[str, str] | None = None, pre: list[BaseMapper] | None = None,
                 memoize: bool = False, memoize_key: Callable[[Any], Hashable] | None = None) -> None:
        if field_names is None:
            field_names = {arg: arg for arg in get_parameters(self.run)[1:]}
        self.field_names = dict(field_names)
        self.mapped_field_names = mapped_field_names
        super().__init__(name, pre, memoize, memoize_key)

    def run(self, **kwargs: Any) -> Mapping[str, Any] | None:
        raise NotImplementedError

    def _code(self) -> Callable[..., Any]:
        return self.run

    def _generate_mapped_data_point(self, x: Any) -> Any:
        fields = self.run(**{arg: getattr(x, field) for arg, field in self.field_names.items()})
        if fields is None:
            return None
        if self.mapped_field_names is not None:
            fields = {new: fields[old] for old, new in self.mapped_field_names.items()}
        for key, value in fields.items():
            setattr(x, key, value)
        return x


class LambdaMapper(BaseMapper):
    """A mapper from a function ``f(x) -> x'`` (in-place edits of ``x`` are safe: it is a copy)."""

    def __init__(self, name: str, f: Callable[[Any], Any], pre: list[BaseMapper] | None = None,
                 memoize: bool = False, memoize_key: Callable[[Any], Hashable] | None = None) -> None:
        self._map_f = f
        super().__init__(name, pre, memoize, memoize_key)

    def _generate_mapped_data_point(self, x: Any) -> Any:
        return self._map_f(x)

    def _code(self) -> Callable[..., Any]:
        return self._map_f


class lambda_mapper:  # noqa: N801 - snorkel's name
    """Decorator: ``@lambda_mapper(name=None, pre=None, memoize=False, memoize_key=None)``."""

    _made: type[LambdaMapper] = LambdaMapper

    def __init__(self, name: str | None = None, pre: list[BaseMapper] | None = None, memoize: bool = False,
                 memoize_key: Callable[[Any], Hashable] | None = None) -> None:
        if callable(name):
            raise ValueError("Looks like this decorator is missing parentheses!")
        self.name = name
        self.pre = pre
        self.memoize = memoize
        self.memoize_key = memoize_key

    def __call__(self, f: Callable[[Any], Any]) -> LambdaMapper:
        return self._made(name=self.name or f.__name__, f=f, pre=self.pre, memoize=self.memoize,
                          memoize_key=self.memoize_key)
