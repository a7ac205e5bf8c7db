"""``snorkel.labeling.apply``."""

from weaksup.compat.snorkel.labeling.apply.core import ApplierMetadata, BaseLFApplier, LFApplier
from weaksup.compat.snorkel.labeling.apply.pandas import PandasLFApplier

__all__ = ["ApplierMetadata", "BaseLFApplier", "LFApplier", "PandasLFApplier"]
