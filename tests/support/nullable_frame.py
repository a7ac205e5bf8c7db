"""A frame with a missing cell in every nullable dtype, and LFs that read how a missing cell reaches them.

Shared by the tests that compare weaksup's appliers with snorkel 0.10's on ``pd.NA`` cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DF = pd.DataFrame({"stars": pd.array([5, None, 1, None], dtype="Int64"),
                   "review": pd.array(["great", None, "bad", "ok"], dtype="string"),
                   "score": pd.array([0.5, None, 0.1, 0.2], dtype="Float64"),
                   "verified": pd.array([True, None, False, True], dtype="boolean"),
                   "plain": [1.0, np.nan, 2.0, 3.0]}, index=[10, 11, 12, 13])


def no_review(x):
    return 0 if x.review is pd.NA else -1


def many_stars(x):
    return -1 if x.stars is pd.NA else (1 if x.stars >= 4 else 0)


def na_fields(x):
    """Which fields are pd.NA, None and NaN, coded in one int (checks every dtype at once)."""
    code = 0
    for j, name in enumerate(["stars", "review", "score", "verified", "plain"]):
        v = x[name]
        code += 3 ** j * (1 if v is pd.NA else 2 if v is None else 0)
    return code
