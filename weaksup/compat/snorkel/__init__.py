"""snorkel 0.10's labeling, augmentation and slicing API on weaksup's engines: change ``snorkel`` to
``weaksup.compat.snorkel`` in imports.

Names, signatures, defaults, return types and abstain semantics follow
snorkel 0.10 (``snorkel.labeling``, ``snorkel.labeling.model``,
``snorkel.augmentation``, ``snorkel.slicing`` without its torch models,
``snorkel.preprocess``, ``snorkel.map``, ``snorkel.utils``,
``snorkel.analysis``, ``snorkel.synthetic``, ``snorkel.types``); the work is
done by weaksup's LF kernel (:mod:`weaksup.apply.kernel`), :class:`weaksup.analysis.LFAnalysis`
and :class:`weaksup.labelmodel.MatrixCompletion`.  docs/from_snorkel.md lists
every remaining difference.

>>> from weaksup.compat.snorkel.labeling import LFApplier, labeling_function
>>> @labeling_function()
... def big(x):
...     return 1 if x > 10 else -1
>>> LFApplier([big]).apply([3, 30], progress_bar=False).tolist()
[[-1], [1]]
"""

from collections.abc import Callable

__version__ = "0.10.0"


def _not_provided(module: str, names: tuple[str, ...], why: str) -> Callable[[str], object]:
    """A module ``__getattr__`` for snorkel names the compat layer leaves out: importing one raises ImportError.

    ``from <module> import <name>`` then says what is missing, why, and where the
    differences are listed (a bare ModuleNotFoundError or AttributeError would not).

    >>> getattr_ = _not_provided("snorkel.x", ("Thing",), "it needs torch")
    >>> getattr_("Thing")
    Traceback (most recent call last):
    ...
    ImportError: snorkel.x.Thing is not provided by weaksup.compat.snorkel: it needs torch. \
See docs/from_snorkel.md ('Every remaining difference').
    """
    def __getattr__(name: str) -> object:
        if name in names:
            raise ImportError(f"{module}.{name} is not provided by weaksup.compat.snorkel: {why}. "
                              "See docs/from_snorkel.md ('Every remaining difference').")
        raise AttributeError(f"module 'weaksup.compat.{module}' has no attribute {name!r}")
    return __getattr__
