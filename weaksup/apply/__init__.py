"""Apply labeling functions to data: the vote cache, THE kernel and its engines.

* :mod:`~weaksup.apply.applier` — :class:`LFApplier` / :func:`apply_lfs` (cache + report);
* :mod:`~weaksup.apply.kernel` — the one per-chunk LF loop and the class-vote adapter;
* :mod:`~weaksup.apply.engines` — serial, process-pool and Dask engines (a new engine is a new module);
* :mod:`~weaksup.apply.errors` — :class:`LFApplyError`, the base of every LF application error;
* :mod:`~weaksup.apply.compat` — snorkel's ``PandasLFApplier`` / ``DaskLFApplier``.

>>> import pandas as pd
>>> from weaksup import apply_lfs, keyword_lf
>>> df = pd.DataFrame({"text": ["win a prize", "see you soon"]})
>>> votes = apply_lfs([keyword_lf("win", 1, name="win")], df, progress=False)
>>> votes.to_dense().ravel().tolist()
[1, -1]
"""

from weaksup.apply.applier import ApplyReport, LFApplier, apply_lfs
from weaksup.apply.cache import VoteCache, fingerprint_data
from weaksup.apply.compat import DaskLFApplier, PandasLFApplier
from weaksup.apply.engines import available_engines
from weaksup.apply.errors import LFApplyError, LFOutputError

__all__ = [
    "ApplyReport",
    "DaskLFApplier",
    "PandasLFApplier",
    "LFApplier",
    "LFApplyError",
    "LFOutputError",
    "VoteCache",
    "apply_lfs",
    "available_engines",
    "fingerprint_data",
]
