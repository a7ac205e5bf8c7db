"""labelers: prompted language-model labeling functions for weaksup.

A prompted LF is an ordinary :class:`weaksup.LabelingFunction`: it votes
through :func:`weaksup.apply_lfs` into a VoteMatrix and any label model.

Examples
--------
>>> from weaksup.labelers import PromptTemplate, LabelMap, PromptedLF, prompted_lf, ResponseCache
>>> from weaksup.labelers import CONTENT_FREE
>>> CONTENT_FREE  # the inputs contextual calibration asks about (PromptedLF(content_free=...))
('N/A', '', '[MASK]')
"""

from weaksup.labelers.backends.base import Backend, BackendError, CallStats
from weaksup.labelers.cache import ResponseCache
from weaksup.labelers.lf import CONTENT_FREE, PromptedLF, prompted_lf
from weaksup.labelers.template import LabelMap, PromptTemplate

__all__ = ["Backend", "BackendError", "CallStats", "CONTENT_FREE", "LabelMap", "PromptTemplate",
           "PromptedLF", "ResponseCache", "prompted_lf", "stats_table"]


def stats_table(lfs):  # type: ignore[no-untyped-def]
    """Per-LF cost/latency table (pandas DataFrame) for prompted LFs.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup import apply_lfs
    >>> from weaksup.labelers import Backend, LabelMap, PromptedLF, PromptTemplate, stats_table
    >>> class Constant(Backend):
    ...     kind, model = "constant", "always-yes"
    ...     def _score_batch(self, prompts, choices):
    ...         return [{"logprobs": [0.0 if c == "yes" else -5.0 for c in choices]} for _ in prompts]
    >>> lf = PromptedLF("yes_lf", PromptTemplate("Spam? {text}", ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
    ...                 Constant(), cache=None, calibrate=False)
    >>> _ = apply_lfs([lf], pd.DataFrame({"text": ["a", "b", "c"]}), progress=False)
    >>> stats_table([lf])[["prompts", "calls", "cache_hits"]]
            prompts  calls  cache_hits
    yes_lf        3      3           0
    """
    import pandas as pd

    rows = {lf.name: lf.stats.as_dict() for lf in lfs if hasattr(lf, "stats")}
    return pd.DataFrame.from_dict(rows, orient="index")
