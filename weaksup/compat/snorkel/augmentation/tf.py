"""``snorkel.augmentation.tf``: transformation functions are mappers (:mod:`weaksup.compat.snorkel.map`).

So a TF gets a deep copy of the data point (in-place edits never reach the
caller's data), runs its ``pre`` preprocessors first, can memoise, and returns
``None`` when the transformation does not apply.

>>> from types import SimpleNamespace
>>> from weaksup.compat.snorkel.augmentation import transformation_function
>>> @transformation_function()
... def square(x):
...     x.num = x.num ** 2
...     return x
>>> x = SimpleNamespace(num=2)
>>> square(x).num, x.num
(4, 2)
"""

from weaksup.compat.snorkel.map.core import BaseMapper, LambdaMapper, Mapper, lambda_mapper

__all__ = ["BaseTransformationFunction", "LambdaTransformationFunction", "TransformationFunction",
           "transformation_function"]

BaseTransformationFunction = BaseMapper


class TransformationFunction(Mapper):
    """A TF defined by a ``run(**fields) -> dict of new fields`` method.

    See :class:`~weaksup.compat.snorkel.map.Mapper` (``field_names``, ``mapped_field_names``, ``pre``, ``memoize``).
    """


class LambdaTransformationFunction(LambdaMapper):
    """A TF from a function ``f(x) -> x'`` (``None``: the transformation failed)."""


class transformation_function(lambda_mapper):  # noqa: N801 - snorkel's name
    """Decorator: ``@transformation_function(name=None, pre=None, memoize=False, memoize_key=None)``."""

    _made = LambdaTransformationFunction
