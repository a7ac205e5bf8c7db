"""Vote input forms that VoteMatrix / DaskVotes used to misread silently (or refuse with a bare numpy error).

Masked arrays, frames mixing int and str column labels, odd sparse matrices, ragged rows and generators,
read-only views of writable arrays, Dask DataFrames, votes too large for int64, integral float Dask votes,
boolean Series masks indexed by LF name, a CSV's written index column, and hstack of a named frame.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from weaksup import VoteMatrix


# ----------------------------------------------------------------- masked arrays
def test_masked_cells_are_refused_naming_lf_and_row():
    votes = np.ma.masked_array([[0, 1, 1], [1, 0, 0]], mask=[[False, True, True], [False, False, False]])
    with pytest.raises(ValueError, match=r"masked array with 2 masked cell\(s\) \(first: LF 'b', row 0\).*"
                                         r"np\.ma\.filled\(votes, -1\)"):
        VoteMatrix(votes, ["a", "b", "c"])


def test_masked_array_without_masked_cells_reads_as_its_data():
    votes = np.ma.masked_array([[0, 1], [1, -1]], mask=False)
    assert VoteMatrix(votes).to_dense().tolist() == [[0, 1], [1, -1]]
    filled = np.ma.filled(np.ma.masked_array([[0, 1]], mask=[[False, True]]), -1)
    assert VoteMatrix(filled).to_dense().tolist() == [[0, -1]]


# ----------------------------------------------------------------- mixed frame labels
def test_frame_mixing_int_and_str_labels_is_matched_by_name():
    df = pd.DataFrame({0: [0, 0, 0], "kw_good": [1, 1, 1]})
    with pytest.raises(ValueError, match=r"do not match the LF names the DataFrame already holds, "
                                         r"\['lf_0', 'kw_good'\]"):
        VoteMatrix(df, lf_names=["kw_good", "kw_other"])
    L = VoteMatrix(df, lf_names=["kw_good", "lf_0"])  # the frame's names in another order: selected by name
    assert L.column("kw_good").tolist() == [1, 1, 1]
    assert VoteMatrix(df).lf_names == ["lf_0", "kw_good"]


def test_integer_labelled_frame_is_still_renamed_by_position():
    df = pd.DataFrame(np.array([[0, 1], [1, -1]]))
    assert VoteMatrix(df, ["a", "b"]).column("b").tolist() == [1, -1]


# ----------------------------------------------------------------- sparse forms
def test_sparse_inf_names_lf_and_row():
    S = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, np.inf]]))
    with pytest.raises(ValueError, match=r"LF 'b', row 1 holds inf"):
        VoteMatrix(S, ["a", "b"])


def test_sparse_non_integral_names_lf_and_row():
    with pytest.raises(ValueError, match=r"LF 'column 1', row 0 holds 1.5"):
        VoteMatrix(sp.csr_matrix(np.array([[1.0, 1.5]])))


def test_one_dimensional_sparse_is_refused_as_not_2d():
    with pytest.raises(ValueError, match=r"2-D n×m matrix, got a 1-D sparse coo_array of shape \(3,\)"):
        VoteMatrix(sp.coo_array(np.array([1, 2, 0])))


def test_complex_sparse_is_refused_as_dense_complex_is():
    with pytest.raises(ValueError, match="sparse matrix of dtype complex128"):
        VoteMatrix(sp.csr_matrix(np.array([[1 + 5j, 1], [1, 2]])))
    with pytest.raises(ValueError, match="complex128"):
        VoteMatrix(np.array([[1 + 5j, 1], [1, 2]]))


def test_uint8_wrapped_sparse_is_refused_as_dense_is():
    raw = np.array([[0, 1, -1], [1, -1, 1]])
    with pytest.raises(ValueError, match="uint8 hold 255"):
        VoteMatrix(raw.astype(np.uint8))
    with pytest.raises(ValueError, match="sparse votes of dtype uint8 hold 255"):
        VoteMatrix(sp.csr_matrix(raw.astype(np.uint8)))
    with pytest.raises(ValueError, match="sparse votes of dtype uint8 hold 255"):
        VoteMatrix(sp.csr_matrix(raw.astype(np.uint8)), shifted=False)
    # with cardinality= the range check decides, as for dense votes
    shifted = sp.csr_matrix(np.array([[255, 1]], dtype=np.uint8))
    assert VoteMatrix(shifted, cardinality=255).to_dense().tolist() == [[254, 0]]


def test_valid_sparse_forms_are_unchanged():
    S = sp.csr_matrix(np.array([[1.0, 0.0], [2.0, 3.0]]))
    assert VoteMatrix(S).to_dense().tolist() == [[0, -1], [1, 2]]
    raw = sp.csr_matrix((np.array([0, 1, 126], dtype=np.int8), np.array([0, 0, 1]), np.array([0, 1, 3])),
                        shape=(2, 2))
    assert VoteMatrix(raw, shifted=False, cardinality=127).to_dense().tolist() == [[0, -1], [1, 126]]


def test_raw_int8_sparse_127_is_not_wrapped_by_the_shift():
    raw = sp.csr_matrix((np.array([127], dtype=np.int8), np.array([0]), np.array([0, 1])), shape=(1, 1))
    assert VoteMatrix(raw, shifted=False, cardinality=128).to_dense().tolist() == [[127]]


# ----------------------------------------------------------------- ragged rows, generators
def test_ragged_rows_name_the_row_and_lengths():
    with pytest.raises(ValueError, match=r"votes row 2 has 1 entries, row 0 has 2"):
        VoteMatrix([[0, 1], [1, 1], [0]])


def test_generator_of_rows_is_read_as_its_rows():
    assert VoteMatrix([0, 1] for _ in range(3)).to_dense().tolist() == [[0, 1]] * 3
    assert VoteMatrix(iter([[0, -1], [1, 1]])).to_dense().tolist() == [[0, -1], [1, 1]]


# ----------------------------------------------------------------- immutability of read-only views
def test_read_only_view_of_writable_array_is_copied():
    base = np.array([[0, 1], [1, 0], [1, 1]], dtype=np.int8)
    view = base[:]
    view.flags.writeable = False
    L = VoteMatrix(view)
    base[0, 0] = 77
    assert L.to_dense().tolist() == [[0, 1], [1, 0], [1, 1]]


def test_owned_read_only_array_and_read_only_memmap_stay_zero_copy(tmp_path):
    own = np.array([[0, 1], [1, -1]], dtype=np.int8)
    own.flags.writeable = False
    assert np.shares_memory(VoteMatrix(own).to_dense(), own)
    np.save(tmp_path / "v.npy", own)
    mm = np.load(tmp_path / "v.npy", mmap_mode="r")
    assert np.shares_memory(VoteMatrix(mm).to_dense(), mm)
    writable_mm = np.load(tmp_path / "v.npy", mmap_mode="r+")
    writable_mm.flags.writeable = False  # the file is still open for writing through another handle
    assert not np.shares_memory(VoteMatrix(writable_mm).to_dense(), writable_mm)
    L = VoteMatrix(own)
    assert np.shares_memory(L[0:1].to_dense(), own) and np.shares_memory(L.row_block(0, 1).to_dense(), own)


def test_loaded_dense_votes_are_not_copied_again(tmp_path):
    VoteMatrix(np.array([[0, 1], [1, -1]], dtype=np.int8), ["a", "b"]).save(tmp_path / "v.npz")
    L = VoteMatrix.load(tmp_path / "v.npz")
    assert L.to_dense().tolist() == [[0, 1], [1, -1]] and not L.to_dense().flags.writeable


# ----------------------------------------------------------------- huge float votes
def test_float_vote_too_large_for_int64_is_reported_as_given():
    with pytest.raises(ValueError, match=r"vote 1e\+20 from column 1 at row 1 is out of range"):
        VoteMatrix(np.array([[0.0, 1.0], [1.0, 1e20]]))
    with pytest.raises(ValueError, match=r"vote -1e\+20 from LF 'b' \(column 1\) at row 0"):
        VoteMatrix(pd.DataFrame({"a": [0.0], "b": [-1e20]}))


# ----------------------------------------------------------------- boolean Series masks
def test_select_lfs_aligns_a_boolean_series_by_lf_name():
    V = VoteMatrix(np.array([[0, -1, -1], [1, -1, -1], [0, 1, -1], [1, -1, 0]]), ["often", "sometimes", "rarely"])
    keep = pd.Series({"rarely": False, "sometimes": False, "often": True})
    assert V.select_lfs(keep).lf_names == ["often"]
    assert V.select_lfs(pd.Series([False, True, True])).lf_names == ["sometimes", "rarely"]  # positions
    with pytest.raises(KeyError, match=r"unknown LFs \['never'\]; missing LFs \['rarely'\]"):
        V.select_lfs(pd.Series({"often": True, "sometimes": True, "never": False}))


# ----------------------------------------------------------------- to_csv index column, implausible k
def test_unnamed_index_column_from_to_csv_is_refused():
    df = pd.DataFrame({"kw_free": [0, 1, -1], "kw_win": [1, 1, 0]})
    buf = io.StringIO()
    df.to_csv(buf)
    buf.seek(0)
    back = pd.read_csv(buf)
    with pytest.raises(ValueError, match=r"column 'Unnamed: 0' is pandas' name for a column without a header.*"
                                         r"index_col=0"):
        VoteMatrix(back)
    buf.seek(0)
    assert VoteMatrix(pd.read_csv(buf, index_col=0)).lf_names == ["kw_free", "kw_win"]


def test_implausibly_large_inferred_cardinality_warns_naming_the_lf():
    n = 300
    votes = np.stack([np.arange(n), np.zeros(n, dtype=int)], axis=1)
    with pytest.warns(UserWarning, match=r"cardinality inferred as 300 from vote 299 of LF 'row_id'"):
        VoteMatrix(votes, ["row_id", "kw"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        VoteMatrix(votes, ["row_id", "kw"], cardinality=300)  # given: no warning
        VoteMatrix(np.array([[150, 0]] * 400))  # 151 classes on 400 rows: plausible


# ----------------------------------------------------------------- hstack of a named frame
def test_hstack_keeps_a_frames_own_names():
    V = VoteMatrix(np.array([[0, 1], [1, -1]]), ["a", "b"])
    assert V.hstack(pd.DataFrame({"kw_new": [1, 0]})).lf_names == ["a", "b", "kw_new"]
    assert V.hstack(pd.DataFrame(np.array([[1], [0]]))).lf_names == ["a", "b", "lf_2"]
    assert V.hstack(np.array([[1], [0]])).lf_names == ["a", "b", "lf_2"]


# ----------------------------------------------------------------- Dask
def test_dask_dataframe_keeps_its_column_names():
    dd = pytest.importorskip("dask.dataframe")
    import dask

    from weaksup.dask_votes import DaskVotes

    df = pd.DataFrame({"pos_kw": [0, 1, -1, 1], "neg_kw": [1, 1, 0, -1]})
    with dask.config.set(scheduler="synchronous"):
        assert VoteMatrix(dd.from_pandas(df, npartitions=2)).lf_names == ["pos_kw", "neg_kw"]
        V = DaskVotes(dd.from_pandas(df, npartitions=2))
        assert V.lf_names == ["pos_kw", "neg_kw"] and not V.placeholder_names
        assert V.to_vote_matrix().to_dense().tolist() == df.to_numpy().tolist()
        W = DaskVotes(dd.from_pandas(df, npartitions=2), ["neg_kw", "pos_kw"])
        assert W.to_vote_matrix().to_dense().tolist() == df[["neg_kw", "pos_kw"]].to_numpy().tolist()
        with pytest.raises(ValueError, match="do not match the LF names the DataFrame already holds"):
            DaskVotes(dd.from_pandas(df, npartitions=2), ["x", "pos_kw"])


def test_dask_accepts_integral_float_votes_as_vote_matrix_does():
    da = pytest.importorskip("dask.array")
    import dask

    from weaksup.dask_votes import DaskVotes

    L = np.array([[0, 1, -1], [1, 1, 0], [0, 0, 0], [1, -1, 1]], dtype=float)
    with dask.config.set(scheduler="synchronous"):
        V = DaskVotes(da.from_array(L, chunks=(2, 3)))
        assert V.cardinality == 2 and V.to_vote_matrix() == VoteMatrix(L)
        bad = L.copy()
        bad[3, 1] = 0.5
        with pytest.raises(ValueError, match=r"partition starting at row 2: votes must be integers: LF 'lf_1', "
                                             r"row 1 has 0.5"):
            DaskVotes(da.from_array(bad, chunks=(2, 3)))
        with pytest.raises(ValueError, match=r"votes must be integers: LF 'b', row 1 has 0.5"):
            DaskVotes(da.from_array(bad, chunks=(2, 3)), ["a", "b", "c"], cardinality=2).to_vote_matrix()


def test_dask_inferred_cardinality_of_unsigned_votes_neither_warns_nor_misses_the_wrap():
    da = pytest.importorskip("dask.array")
    import dask

    from weaksup.dask_votes import DaskVotes

    votes = np.tile(np.arange(151, dtype=np.uint8), 2).reshape(-1, 1)  # 151 classes, 302 rows: plausible
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert DaskVotes(da.from_array(votes, chunks=(100, 1))).cardinality == 151
        with pytest.raises(ValueError, match="uint8 hold 255"):
            DaskVotes(da.from_array(np.array([[0], [255]], dtype=np.uint8), chunks=(1, 1)))
