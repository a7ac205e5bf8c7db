"""``snorkel.augmentation.apply``."""

from weaksup.compat.snorkel.augmentation.apply.core import BaseTFApplier, TFApplier
from weaksup.compat.snorkel.augmentation.apply.pandas import PandasTFApplier

__all__ = ["BaseTFApplier", "PandasTFApplier", "TFApplier"]
