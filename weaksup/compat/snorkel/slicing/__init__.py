"""``snorkel.slicing``: slicing functions (SFs), their appliers and ``slice_dataframe``.

An SF is a labeling function that says whether a data point belongs to a
slice (``True``/``False``, stored as 1/0).  The appliers return snorkel's
structure: a numpy record array with one int field per SF name, so
``S.short`` / ``S["short"]`` is that slice's 0/1 column and
``Scorer.score_slices(S, ...)`` takes it as is.

``SliceAwareClassifier``, ``add_slice_labels``, ``convert_to_slice_tasks`` and
``SliceCombinerModule`` (torch models built on ``snorkel.classification``) are
not provided: importing one raises an ImportError that says so.

>>> import pandas as pd
>>> from weaksup.compat.snorkel.slicing import PandasSFApplier, slicing_function
>>> @slicing_function()
... def short(x):
...     return len(x.text) < 5
>>> S = PandasSFApplier([short]).apply(pd.DataFrame({"text": ["hi", "hello there"]}), progress_bar=False)
>>> S.short.tolist()
[1, 0]
"""

from weaksup.compat.snorkel import _not_provided
from weaksup.compat.snorkel.slicing.apply.core import PandasSFApplier, SFApplier
from weaksup.compat.snorkel.slicing.monitor import slice_dataframe
from weaksup.compat.snorkel.slicing.sf.core import SlicingFunction, slicing_function

__all__ = ["PandasSFApplier", "SFApplier", "SlicingFunction", "slice_dataframe", "slicing_function"]

#: why the slice-aware models are left out (shared with the stub modules)
CLASSIFICATION_WHY = ("slice-aware models are torch networks built on snorkel.classification, which the compat layer "
                      "does not provide; the slicing functions, SFApplier/PandasSFApplier, slice_dataframe and "
                      "Scorer.score_slices are provided")

__getattr__ = _not_provided("snorkel.slicing",
                            ("SliceAwareClassifier", "add_slice_labels", "convert_to_slice_tasks",
                             "SliceCombinerModule"), CLASSIFICATION_WHY)
