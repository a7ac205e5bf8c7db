"""labelers: prompted language-model labeling functions for weaksup.

A prompted LF is an ordinary :class:`weaksup.LabelingFunction`: it votes
through :func:`weaksup.apply_lfs` into a VoteMatrix and any label model.

>>> from weaksup.labelers import PromptTemplate, LabelMap, PromptedLF, prompted_lf, ResponseCache
"""

from weaksup.labelers.backends.base import Backend, BackendError, CallStats
from weaksup.labelers.cache import ResponseCache
from weaksup.labelers.lf import CONTENT_FREE, PromptedLF, prompted_lf
from weaksup.labelers.template import LabelMap, PromptTemplate

__all__ = ["Backend", "BackendError", "CallStats", "CONTENT_FREE", "LabelMap", "PromptTemplate",
           "PromptedLF", "ResponseCache", "prompted_lf", "stats_table"]


def stats_table(lfs):  # type: ignore[no-untyped-def]
    """Per-LF cost/latency table (pandas DataFrame) for prompted LFs."""
    import pandas as pd

    rows = {lf.name: lf.stats.as_dict() for lf in lfs if hasattr(lf, "stats")}
    return pd.DataFrame.from_dict(rows, orient="index")
