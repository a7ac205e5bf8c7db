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
