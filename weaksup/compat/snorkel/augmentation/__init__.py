"""``snorkel.augmentation``: transformation functions (TFs), augmentation policies and TF appliers.

A TF is a mapper (:mod:`weaksup.compat.snorkel.map`): it works on a deep copy
of the data point, and returning ``None`` means "this transformation failed"
(the applier skips it).  A policy says which TFs run on each data point, in
which order; the applier keeps each original first (``keep_original=True``),
then its transformed copies.

>>> from types import SimpleNamespace
>>> from weaksup.compat.snorkel.augmentation import ApplyOnePolicy, TFApplier, transformation_function
>>> @transformation_function()
... def square(x):
...     x.num = x.num ** 2
...     return x
>>> out = TFApplier([square], ApplyOnePolicy()).apply([SimpleNamespace(num=3)], progress_bar=False)
>>> [x.num for x in out]
[3, 9]
"""

from weaksup.compat.snorkel.augmentation.apply.core import BaseTFApplier, TFApplier
from weaksup.compat.snorkel.augmentation.apply.pandas import PandasTFApplier
from weaksup.compat.snorkel.augmentation.policy.core import ApplyAllPolicy, ApplyEachPolicy, ApplyOnePolicy, Policy
from weaksup.compat.snorkel.augmentation.policy.sampling import MeanFieldPolicy, RandomPolicy
from weaksup.compat.snorkel.augmentation.tf import (
    BaseTransformationFunction,
    LambdaTransformationFunction,
    TransformationFunction,
    transformation_function,
)

__all__ = ["ApplyAllPolicy", "ApplyEachPolicy", "ApplyOnePolicy", "BaseTFApplier", "BaseTransformationFunction",
           "LambdaTransformationFunction", "MeanFieldPolicy", "PandasTFApplier", "Policy", "RandomPolicy",
           "TFApplier", "TransformationFunction", "transformation_function"]
