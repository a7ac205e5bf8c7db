"""weaksup.lf.families: LFs over columns whose names are not strings."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from weaksup.apply import apply_lfs
from weaksup.lf import Row, threshold_lf
from weaksup.lfgen import lfs_to_source, load_lfs, threshold_lf as threshold_lf_with_source


def test_threshold_lf_reads_a_column_named_by_an_int():
    """threshold_lf(5, ...) failed with AttributeError: 'int' object has no attribute 'startswith': a column
    name may be any hashable (pd.DataFrame(array) names its columns 0, 1, ...); the LF is named with str(5)."""
    df = pd.DataFrame({5: [1.0, 3.0, np.nan], "5": [9.0, 9.0, 9.0], "text": ["a", "b", "c"]})
    lf = threshold_lf(5, 2, 1)
    assert lf.name == "threshold_5_>=_2_1"
    assert lf(df).tolist() == [-1, 1, -1]  # the int column, not the str column "5"; NaN abstains
    assert threshold_lf("5", 2, 1)(df).tolist() == [1, 1, 1]
    assert lf.fingerprint() != threshold_lf("5", 2, 1).fingerprint()
    # one row at a time (snorkel's appliers): a dict-like row, a pandas row
    assert [lf(Row({5: 3.0})), lf(df.iloc[0]), lf(df.iloc[1])] == [1, -1, 1]
    with pytest.raises(KeyError, match=r"LF 'threshold_5_>=_2_1' reads field 5, absent from data columns \['a'\]"):
        lf(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(KeyError, match=r"LF 'threshold_5_>=_2_1' reads field 5, absent from the example"):
        lf(Row(a=1.0))
    # with a source (weaksup.lfgen): the source reads the int column back
    lfs = [threshold_lf_with_source(5, 2, 1, op="<", name="small_5")]
    assert lfs[0].source == "threshold_lf(5, 2, 1, op='<', name='small_5')"
    np.testing.assert_array_equal(apply_lfs(load_lfs(lfs_to_source(lfs)), df, progress=False).to_dense(),
                                  [[1], [-1], [-1]])


def test_keyword_lf_from_a_set_has_the_same_name_in_every_process():
    """keyword_lf named the LF from a set's first keywords in hash order, which changes with PYTHONHASHSEED:
    a saved label model refused the next session's votes and a disk VoteCache never hit after a restart."""
    import subprocess
    import sys

    code = ("from weaksup import keyword_lf; lf = keyword_lf({'free', 'win', 'cash', 'prize', 'bonus'}, 1); "
            "print(lf.name, lf.fingerprint())")
    outs = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                           capture_output=True, text=True, check=True).stdout for seed in ("1", "2", "3", "4")}
    assert len(outs) == 1 and outs.pop().startswith("keyword_bonus_cash_free_1 ")


def test_lfs_from_table_and_keyword_lf_refuse_blank_patterns_and_bad_labels():
    """A blank CSV pattern cell (NaN) became the keyword 'nan', an empty pattern an LF firing on every row,
    a label 1.5 silently class 1, and a blank label a bare 'cannot convert float NaN to integer'."""
    import io

    from weaksup import keyword_lf, lfs_from_table, regex_lf

    rules = pd.read_csv(io.StringIO("pattern,label\nsubscribe,1\n,0\nlove this song,0\n"))
    with pytest.raises(ValueError, match=r"LF table row 1: the 'pattern' cell is blank"):
        lfs_from_table(rules)
    with pytest.raises(ValueError, match=r"LF table row 1: the 'label' cell is blank"):
        lfs_from_table(pd.read_csv(io.StringIO("pattern,label\nsubscribe,1\nlove,\n")))
    with pytest.raises(ValueError, match=r"LF table row 0 \('label' column\): label must be a class .* got 1.5"):
        lfs_from_table([{"pattern": "a", "label": 1.5}])
    with pytest.raises(ValueError, match=r"LF table row 0: the 'pattern' cell is blank"):
        lfs_from_table([{"pattern": "", "label": 1}], kind="regex")
    with pytest.raises(ValueError, match=r"keyword #1 is empty"):
        keyword_lf(["win", ""], 1)
    with pytest.raises(ValueError, match=r"keyword #0 is nan"):
        keyword_lf([float("nan")], 1)
    with pytest.raises(ValueError, match="label must be a class"):
        regex_lf("a", True)
    # a label column upcast to float by a blank cell elsewhere still reads 1.0 as class 1
    lfs = lfs_from_table(pd.DataFrame({"pattern": ["win", "love"], "label": [1.0, 0.0], "name": ["w", np.nan]}),
                         name_col="name")
    assert [lf.name for lf in lfs] == ["w", "keyword_love_0"]
    assert apply_lfs(lfs, pd.DataFrame({"text": ["win", "love", "nan"]}), progress=False).to_dense().tolist() \
        == [[1, -1], [-1, 0], [-1, -1]]


def test_families_vote_alike_on_a_row_and_on_a_chunk_for_bytes_and_missing_dates():
    """The batch read a column with astype('string') (bytes decoded, NaT missing), the one-row path with
    str(cell) (b'...' repr, 'NaT'): keyword_lf('b') fired on every bytes row of one path only, a regex on a
    missing date matched 'NaT'; undecodable bytes failed the batch."""
    from snorkel.labeling import PandasLFApplier

    from weaksup import keyword_lf, regex_lf

    df = pd.DataFrame({"text": [b"free money", b"hello", b"\xff b"],
                       "sent": pd.to_datetime(["2020-01-01", None, "2020-01-02 12:00"], format="ISO8601")})
    lfs = [regex_lf(r"^free", 1, name="starts_free"), keyword_lf("b", 1, name="kw_b"),
           regex_lf(r"\d|NaT", 1, field="sent", name="has_date"), regex_lf(r"00:00:00", 1, field="sent", name="mid")]
    batch = apply_lfs(lfs, df, progress=False).to_dense().tolist()
    assert batch == [[1, -1, 1, 1], [-1, -1, -1, -1], [-1, 1, 1, -1]]
    assert PandasLFApplier(lfs).apply(df, progress_bar=False).tolist() == batch
    assert [[lf(Row(r)) for lf in lfs] for r in df.to_dict("records")] == batch


def test_threshold_len_of_a_missing_text_abstains():
    """threshold_lf('len(text)') measured a missing text as '' (length 0): a 'short text' rule voted on every
    row without text, though missing values abstain."""
    lf = threshold_lf("len(text)", 20, 0, op="<", name="short")
    df = pd.DataFrame({"text": ["ok", None, np.nan, "a long enough comment here"]})
    assert lf(df).tolist() == [0, -1, -1, -1]
    assert apply_lfs([lf], df, progress=False).to_dense().ravel().tolist() == [0, -1, -1, -1]
    assert [lf(Row(text=t)) for t in ["ok", None, np.nan, pd.NA]] == [0, -1, -1, -1]


def test_regex_lf_with_a_bad_pattern_names_the_lf():
    """A pattern Python's re cannot compile was a bare re.error ('bad escape \\p at position 0') naming no LF."""
    import re

    from weaksup import lfs_from_table, regex_lf

    with pytest.raises(re.error, match=r"regex_lf 'pL': bad escape \\p in pattern"):
        regex_lf(r"\p{L}", 1, name="pL")
    with pytest.raises(ValueError, match=r"LF table row 0 \('pattern' '\(unclosed'\): regex_lf 'regex_\(unclosed_1'"):
        lfs_from_table([{"pattern": "(unclosed", "label": 1}], kind="regex")


def test_threshold_lf_refuses_a_threshold_that_is_not_a_number():
    """threshold_lf('x', '3', ...) was accepted and failed on every row with a bare UFuncTypeError naming no LF;
    a NaN threshold made '!=' vote on every row."""
    for bad in ("3", None, float("nan"), True):
        with pytest.raises(TypeError, match=r"threshold_lf 'lf' on 'x': threshold must be a number"):
            threshold_lf("x", bad, 1, name="lf")
    assert threshold_lf("x", np.float32(0.5), 1)(pd.DataFrame({"x": [0.2, 0.9]})).tolist() == [-1, 1]
