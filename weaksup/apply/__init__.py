"""Apply labeling functions to data: serial, process-pool and Dask engines.

>>> import pandas as pd
>>> from weaksup import apply_lfs, keyword_lf
>>> df = pd.DataFrame({"text": ["win a prize", "see you soon"]})
>>> votes = apply_lfs([keyword_lf("win", 1, name="win")], df, progress=False)
>>> votes.to_dense().ravel().tolist()
[1, -1]
"""

from weaksup.apply.applier import (
    ApplyReport,
    LFApplier,
    LFApplyError,
    LFOutputError,
    apply_lfs,
)
from weaksup.apply.cache import VoteCache, fingerprint_data
from weaksup.apply.compat import DaskLFApplier, PandasLFApplier

__all__ = [
    "ApplyReport",
    "DaskLFApplier",
    "PandasLFApplier",
    "LFApplier",
    "LFApplyError",
    "LFOutputError",
    "VoteCache",
    "apply_lfs",
    "fingerprint_data",
]
