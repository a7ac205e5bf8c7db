"""``snorkel.labeling``: LFs, appliers, ``LFAnalysis`` and ``filter_unlabeled_dataframe``."""

from weaksup.compat.snorkel.labeling.analysis import LFAnalysis
from weaksup.compat.snorkel.labeling.apply.core import LFApplier
from weaksup.compat.snorkel.labeling.apply.pandas import PandasLFApplier
from weaksup.compat.snorkel.labeling.lf.core import LabelingFunction, labeling_function
from weaksup.compat.snorkel.labeling.utils import filter_unlabeled_dataframe

__all__ = ["LFAnalysis", "LFApplier", "LabelingFunction", "PandasLFApplier", "filter_unlabeled_dataframe",
           "labeling_function"]
