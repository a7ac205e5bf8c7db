"""``snorkel.slicing.utils`` (``add_slice_labels``, ``convert_to_slice_tasks``) is not provided: they need
``snorkel.classification``; importing one raises an ImportError that says so."""

from weaksup.compat.snorkel import _not_provided
from weaksup.compat.snorkel.slicing import CLASSIFICATION_WHY

__all__: list[str] = []

__getattr__ = _not_provided("snorkel.slicing.utils", ("add_slice_labels", "convert_to_slice_tasks"),
                            CLASSIFICATION_WHY)
