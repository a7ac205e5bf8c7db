"""keyword_lf / regex_lf on a text column holding a lone UTF-16 surrogate (half an emoji from scraped JSON).

Arrow strings (pandas 3's default) cannot hold such a text, so turning the column into strings failed and took
the whole chunk with it (an LFApplyError, or every row abstaining under ``fault="abstain"``). Only that row's text is
odd; every row must vote as ``re.search`` decides.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, keyword_lf, regex_lf


@pytest.mark.parametrize("fault", ["raise", "abstain"])
def test_lone_surrogate_row_does_not_cost_the_chunk_its_votes(fault: str) -> None:
    texts = [f"row {i} is fine" if i % 3 else f"row {i} other" for i in range(300)]
    texts[137] = "broken \ud83d emoji fine"
    texts[138] = 12345  # a non-text cell takes the cell-by-cell path; it must not hide the surrogate either
    df = pd.DataFrame({"text": pd.Series(texts, dtype=object)})
    lfs = [keyword_lf(["fine"], 1, name="fine"), regex_lf(r"oth\w+", 0, name="other")]
    votes = LFApplier(lfs, cardinality=2, fault=fault, cache=False).apply(df).to_dense()
    expect_fine = [1 if isinstance(t, str) and "fine" in t else -1 for t in texts]
    expect_other = [0 if isinstance(t, str) and re.search(r"oth\w+", t) else -1 for t in texts]
    np.testing.assert_array_equal(votes[:, 0], expect_fine)
    np.testing.assert_array_equal(votes[:, 1], expect_other)
