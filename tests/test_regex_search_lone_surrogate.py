"""regex_search on texts holding a lone UTF-16 surrogate (scraped JSON read with json.load): arrow cannot encode
such a text, so the chunk runs on Python's re, with the RE2 path's result on every other row."""
import re

import numpy as np
import pandas as pd
import pytest

from weaksup.lf.regex import regex_search

PATTERNS = [r"fine", r"\bhalf\b", r"(?i)EMOJI", r"\d+$", r"t\s+t"]


@pytest.mark.parametrize("dtype", [object, pd.StringDtype("python")], ids=["object", "string[python]"])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_lone_surrogate_row_falls_back_to_python_re(pattern, dtype):
    texts = ["fine text", "half an emoji \ud83d here", "1 2 3", "", "t   t", "café fine"] * 50
    compiled = re.compile(pattern)
    got = regex_search(pd.Series(texts, dtype=dtype), compiled)
    want = np.array([compiled.search(t) is not None for t in texts])
    np.testing.assert_array_equal(got, want)
    # the other rows get the votes the RE2 path gives them without the surrogate row
    clean = [t for t in texts if "\ud83d" not in t]
    keep = np.array(["\ud83d" not in t for t in texts])
    np.testing.assert_array_equal(got[keep], regex_search(pd.Series(clean, dtype=dtype), compiled))
