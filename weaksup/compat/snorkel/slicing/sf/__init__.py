"""``snorkel.slicing.sf``."""

from weaksup.compat.snorkel.slicing.sf.core import SlicingFunction, slicing_function

__all__ = ["SlicingFunction", "slicing_function"]
