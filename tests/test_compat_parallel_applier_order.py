"""The snorkel compat ``PandasParallelLFApplier.apply(df)`` returns L's rows in df's row order.

It built its Dask frame with ``dd.from_pandas(df, npartitions=n_parallel)``, which sorts the rows by
``df.index`` (as snorkel 0.10 does): on a shuffled split (index [30, 10, 20, 40]) row i of L was not df's row i,
silently misaligned with the labels Y, and a MultiIndex raised NotImplementedError. It now cuts df into
``n_parallel`` chunks by position. ``DaskLFApplier`` on a Dask frame the user built keeps that frame's
partition order (from_pandas' default sorts by index).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")

from weaksup.compat.snorkel.labeling import LabelingFunction, PandasLFApplier  # noqa: E402
from weaksup.compat.snorkel.labeling.apply.dask import DaskLFApplier, PandasParallelLFApplier  # noqa: E402


def _is_spam(x):
    return 1 if x.text == "spam" else 0


def _by_length(x):
    return len(x.text) % 3 - 1  # -1 (abstain), 0 or 1


LFS = [LabelingFunction("is_spam", f=_is_spam), LabelingFunction("by_length", f=_by_length)]
TEXTS = ["spam", "ham", "eggs", "spam", "toast", "ham", "spam!", "beans"]
INDEXES = {
    "shuffled": [30, 10, 20, 40, 5, 70, 60, 50],
    "duplicated": [3, 1, 3, 2, 1, 0, 2, 3],
    "strings": list("hgfedcba"),
    "range": pd.RangeIndex(8),
    "range_offset": pd.RangeIndex(100, 116, 2),
    "multi": pd.MultiIndex.from_tuples([(2, "a"), (1, "b"), (1, "a"), (0, "z"), (3, "c"), (0, "a"), (9, "x"),
                                        (4, "q")]),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
@pytest.mark.parametrize("n_parallel", [2, 3, 8, 20])
def test_rows_follow_the_frames_row_order(name, n_parallel):
    df = pd.DataFrame({"text": TEXTS}, index=INDEXES[name])
    expected = PandasLFApplier(LFS).apply(df, progress_bar=False)
    got = PandasParallelLFApplier(LFS).apply(df, n_parallel=n_parallel, scheduler="synchronous")
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got[:, 0], [1 if t == "spam" else 0 for t in TEXTS])


def test_the_probe_case_a_shuffled_split():
    df = pd.DataFrame({"text": ["spam", "ham", "ham", "ham"]}, index=[30, 10, 20, 40])
    got = PandasParallelLFApplier(LFS[:1]).apply(df, n_parallel=2, scheduler="threads")
    np.testing.assert_array_equal(got.ravel(), [1, 0, 0, 0])


def test_an_lf_error_still_names_the_row_and_its_chunk():
    def boom(x):
        if x.text == "toast":
            raise ValueError("no toast")
        return 0

    df = pd.DataFrame({"text": TEXTS}, index=INDEXES["shuffled"])
    with pytest.raises(ValueError, match="no toast") as err:
        PandasParallelLFApplier([LabelingFunction("boom", f=boom)]).apply(df, n_parallel=2, scheduler="synchronous")
    note = " ".join(getattr(err.value, "__notes__", []))
    assert "row 5 (position 0)" in note and "Dask partition 1" in note


def test_an_empty_frame_gives_no_rows():
    df = pd.DataFrame({"text": pd.Series([], dtype=object)})
    got = PandasParallelLFApplier(LFS).apply(df, n_parallel=2, scheduler="synchronous")
    assert got.shape == (0, len(LFS))


def test_dask_applier_keeps_the_users_partition_order():
    dd = pytest.importorskip("dask.dataframe")
    df = pd.DataFrame({"text": TEXTS}, index=INDEXES["shuffled"])
    by_index = dd.from_pandas(df, npartitions=3)  # dask's default sorts by index: L follows that order
    np.testing.assert_array_equal(DaskLFApplier(LFS).apply(by_index, scheduler="synchronous"),
                                  PandasLFApplier(LFS).apply(df.sort_index(), progress_bar=False))
    as_given = dd.from_pandas(df, npartitions=3, sort=False)
    np.testing.assert_array_equal(DaskLFApplier(LFS).apply(as_given, scheduler="synchronous"),
                                  PandasLFApplier(LFS).apply(df, progress_bar=False))
