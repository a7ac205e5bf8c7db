"""``snorkel.slicing.apply``."""

from weaksup.compat.snorkel.slicing.apply.core import PandasSFApplier, SFApplier

__all__ = ["PandasSFApplier", "SFApplier"]
