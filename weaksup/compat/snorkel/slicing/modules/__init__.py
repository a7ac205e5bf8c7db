"""``snorkel.slicing.modules`` is not provided (its ``SliceCombinerModule`` is a torch module of
``snorkel.classification``); importing it raises an ImportError that says so."""

from weaksup.compat.snorkel import _not_provided
from weaksup.compat.snorkel.slicing import CLASSIFICATION_WHY

__all__: list[str] = []

__getattr__ = _not_provided("snorkel.slicing.modules", ("SliceCombinerModule",), CLASSIFICATION_WHY)
