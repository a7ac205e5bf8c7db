"""Votes given as a polars DataFrame or a pyarrow Table keep their column names as LF names (as a pandas frame
does), and votes given as records are refused with what to pass instead."""
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from weaksup import VoteMatrix
from weaksup.analysis import LFAnalysis
from weaksup.labelmodel import DawidSkene


def _votes(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    acc = np.array([0.95, 0.9, 0.6, 0.55])
    fires = rng.random((n, 4)) < 0.7
    right = rng.random((n, 4)) < acc
    return pd.DataFrame(np.where(fires, np.where(right, y[:, None], 1 - y[:, None]), -1), columns=list("abcd"))


def _arrow(df):
    return pa.Table.from_pandas(df, preserve_index=False)


def _polars(df):
    pl = pytest.importorskip("polars")
    return pl.from_pandas(df)


@pytest.mark.parametrize("convert", [_arrow, lambda df: _arrow(df).to_batches()[0], _polars],
                         ids=["arrow_table", "arrow_batch", "polars"])
def test_columnar_votes_are_named_and_aligned_like_pandas(convert):
    df = _votes()
    L = VoteMatrix(convert(df))
    assert L.lf_names == list("abcd")
    assert np.array_equal(L.to_dense(), VoteMatrix(df).to_dense())
    # lf_names= selects the columns by name, as for pandas; other names are refused, as for pandas
    swapped = VoteMatrix(convert(df[["d", "c", "b", "a"]]), lf_names=list("abcd"))
    assert swapped == VoteMatrix(df)
    with pytest.raises(ValueError, match="do not match the LF names"):
        VoteMatrix(convert(df), lf_names=list("wxyz"))
    # a model fitted on the frame predicts the same on reordered columns (matched by LF name)
    model = DawidSkene().fit(convert(df))
    assert model.lf_names_ == list("abcd")
    P = model.predict_proba(df)
    np.testing.assert_allclose(model.predict_proba(convert(df[["d", "c", "b", "a"]])), P)
    np.testing.assert_array_equal(model.predict_proba(convert(df)), P)


@pytest.mark.parametrize("convert", [_arrow, _polars], ids=["arrow", "polars"])
def test_columnar_votes_with_nulls_name_the_lf_and_row(convert):
    df = _votes().astype("Int64")
    df.loc[7, "c"] = pd.NA
    with pytest.raises(ValueError, match=r"LF 'c', row 7"):
        VoteMatrix(convert(df))


@pytest.mark.parametrize("convert", [_arrow, _polars], ids=["arrow", "polars"])
def test_lf_analysis_matches_columnar_votes_to_lfs_by_name(convert):
    from weaksup import apply_lfs, keyword_lf

    lfs = [keyword_lf(["win"], 1, name="kw_win"), keyword_lf(["hi"], 0, name="kw_hi")]
    V = apply_lfs(lfs, pd.DataFrame({"text": ["win cash", "hi there", "nothing", "win"]}), progress=False)
    frame = pd.DataFrame(V.to_dense(), columns=V.lf_names)[["kw_hi", "kw_win"]]
    want = LFAnalysis(frame, lfs=lfs).lf_summary()["Polarity"].to_dict()
    assert want == {"kw_win": [1], "kw_hi": [0]}
    assert LFAnalysis(convert(frame), lfs=lfs).lf_summary()["Polarity"].to_dict() == want


def test_records_are_refused_with_what_to_pass():
    df = _votes()
    records = df.to_dict("records")
    with pytest.raises(ValueError, match=r"records .*300 \{LF name: vote\} dicts.*pd\.DataFrame\(records\)"):
        DawidSkene().fit(records)
    with pytest.raises(ValueError, match=r"records .*pd\.DataFrame\(records\)"):
        VoteMatrix(records)
    assert DawidSkene().fit(pd.DataFrame(records)).lf_names_ == list("abcd")


def test_hugging_face_dataset_is_refused_with_to_pandas():
    # a stand-in with the module and interface of datasets.Dataset (the package is optional)
    class Dataset:
        __module__ = "datasets.arrow_dataset"

        def __init__(self, records):
            self._records = records

        def __len__(self):
            return len(self._records)

        def __iter__(self):
            return iter(self._records)

        def __getitem__(self, i):
            return self._records[i]

        def to_pandas(self):
            return pd.DataFrame(self._records)

    ds = Dataset(_votes().to_dict("records"))
    with pytest.raises(ValueError, match=r"datasets\.Dataset of 300 rows.*dataset\.to_pandas\(\)"):
        DawidSkene().fit(ds)
