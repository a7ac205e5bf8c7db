"""``snorkel.slicing.modules.slice_combiner.SliceCombinerModule`` is not provided (a torch module of
``snorkel.classification``); importing it raises an ImportError that says so."""

from weaksup.compat.snorkel import _not_provided
from weaksup.compat.snorkel.slicing import CLASSIFICATION_WHY

__all__: list[str] = []

__getattr__ = _not_provided("snorkel.slicing.modules.slice_combiner",
                            ("SliceCombinerModule", "collect_flow_outputs_by_suffix"), CLASSIFICATION_WHY)
