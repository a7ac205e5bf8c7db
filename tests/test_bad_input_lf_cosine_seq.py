"""Bad input of probe round 15 in LF families, Cosine's public helpers and the sequence tag/inference helpers:
each is refused with an error naming what and where, instead of being silently misread."""

from __future__ import annotations

import pandas as pd
import pytest

from weaksup.lf import keyword_lf, lfs_from_table, regex_lf

NAN = float("nan")


# ------------------------------------------------------------------ LF families
def test_regex_lf_refuses_the_empty_pattern():
    """regex_lf('', 1) was accepted and voted 1 on every row (keyword_lf refuses an empty keyword)."""
    with pytest.raises(ValueError, match="regex_lf 'every': pattern is empty"):
        regex_lf("", 1, name="every")
    assert regex_lf("a", 1)(pd.DataFrame({"text": ["a", "b"]})).tolist() == [1, -1]


@pytest.mark.parametrize("rows, kwargs, match", [
    # the same pattern and label twice: two LFs named keyword_good_1 (the clash surfaced only at apply time)
    ([{"pattern": "good", "label": 1}, {"pattern": "good", "label": 1}], {},
     r"rows 0 and 1 both make an LF named 'keyword_good_1'"),
    # a repeated name cell
    ([{"pattern": "a", "label": 1, "n": "z"}, {"pattern": "x", "label": 0}, {"pattern": "b", "label": 0, "n": "z"}],
     {"name_col": "n"}, r"rows 0 and 2 both make an LF named 'z'"),
    # label_names ['x', 'x']: 'x' silently meant class 0
    ([{"pattern": "a", "label": "x"}], {"label_names": ["x", "x"]}, r"label_names has 'x' twice \(positions 0 and 1\)"),
])
def test_lfs_from_table_refuses_duplicates_naming_the_rows(rows, kwargs, match):
    rows = [{"n": None, **r} for r in rows] if "name_col" in kwargs else rows
    with pytest.raises(ValueError, match=match):
        lfs_from_table(rows, **kwargs)


def test_lfs_from_table_keeps_distinct_rows():
    lfs = lfs_from_table([{"pattern": "good", "label": "pos"}, {"pattern": "good", "label": "neg"}],
                         label_names=["neg", "pos"])
    assert [lf.name for lf in lfs] == ["keyword_good_1", "keyword_good_0"]


@pytest.mark.parametrize("keywords", [None, 5])
def test_keyword_lf_refuses_keywords_that_are_no_iterable(keywords):
    """keyword_lf(None, 1) failed with "'NoneType' object is not iterable", naming neither LF nor argument."""
    with pytest.raises(TypeError, match=r"keyword_lf 'k': keywords must be a string or an iterable of strings"):
        keyword_lf(keywords, 1, name="k")
