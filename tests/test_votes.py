"""VoteMatrix: construction, validation, slicing, stacking, dense/sparse, persistence, snorkel L."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from weaksup import VoteMatrix
from weaksup.synthetic import make_votes
from weaksup.votes import as_vote_matrix

L3 = np.array([[0, -1, 2], [1, 1, -1], [-1, -1, -1], [2, 0, 0]])


def test_construction_dtype_names_and_cardinality():
    V = VoteMatrix(L3)
    assert V.shape == (4, 3) and V.n == 4 and V.m == 3 and len(V) == 4
    assert V.cardinality == 3
    assert V.lf_names == ["lf_0", "lf_1", "lf_2"]
    assert V.dtype == np.int8
    assert VoteMatrix(np.array([[-1, -1]])).cardinality == 2  # at least binary
    assert VoteMatrix(L3, cardinality=300).dtype == np.int16
    np.testing.assert_allclose(V.coverage(), [0.75, 0.5, 0.5])
    assert V.total_coverage() == 0.75
    assert V.class_counts().tolist() == [[1, 0, 1], [0, 2, 0], [0, 0, 0], [2, 0, 1]]


def test_float_votes_with_integer_values_are_accepted():
    V = VoteMatrix(L3.astype(float))
    assert np.array_equal(V.to_dense(), L3)


@pytest.mark.parametrize(
    "data, kwargs, match",
    [
        (np.array([[0, 5]]), {"cardinality": 2}, r"vote 5 out of range .* LF 'b' \(column 1\) at row 0"),
        (np.array([[0, -2]]), {}, r"vote -2 out of range .* LF 'b'"),
        (np.array([[0.0, np.nan]]), {}, r"NaN \(LF 'b', row 0\)"),
        (np.array([[0.5, 1.0]]), {}, r"LF 'a', row 0 has 0.5"),
        (np.array([[True, False]]), {}, "boolean"),
        (np.zeros((2, 2, 2)), {}, "2-D"),
        (np.array([["x", "y"]]), {}, "integers"),
    ],
)
def test_bad_votes_raise_naming_lf_and_row(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        VoteMatrix(data, ["a", "b"], **kwargs)


def test_bad_names():
    with pytest.raises(ValueError, match=r"duplicate LF names: \['a'\]"):
        VoteMatrix(L3, ["a", "b", "a"])
    with pytest.raises(ValueError, match="2 LF names given for 3 vote columns"):
        VoteMatrix(L3, ["a", "b"])


def test_sparse_out_of_range_names_lf():
    bad = sp.csr_matrix(np.array([[0, 4]]))  # shifted: 4 -> vote 3
    with pytest.raises(ValueError, match=r"vote 3 out of range \(-1..1\) from LF 'b'"):
        VoteMatrix(bad, ["a", "b"], cardinality=2)


def test_row_slicing_dense_and_sparse():
    for V in (VoteMatrix(L3, list("abc")), VoteMatrix(L3, list("abc")).as_sparse()):
        assert np.array_equal(V[1:3].to_dense(), L3[1:3])
        mask = np.array([True, False, False, True])
        assert np.array_equal(V[mask].to_dense(), L3[mask])
        assert np.array_equal(V[[3, 0]].to_dense(), L3[[3, 0]])
        assert V[2].shape == (1, 3)
        assert V[1:3].lf_names == ["a", "b", "c"] and V[1:3].cardinality == 3
        assert V[1:3].is_sparse == V.is_sparse
    with pytest.raises(TypeError, match="select_lfs"):
        VoteMatrix(L3)[0, 1]


def test_select_lfs_and_column():
    V = VoteMatrix(L3, list("abc"))
    S = V.select_lfs(["c", 0])
    assert S.lf_names == ["c", "a"]
    assert np.array_equal(S.to_dense(), L3[:, [2, 0]])
    assert V.column("b").tolist() == [-1, 1, -1, 0]
    with pytest.raises(KeyError, match="no LF named 'z'"):
        V.select_lfs(["z"])


def test_hstack_with_column_vstack():
    V = VoteMatrix(L3, list("abc"))
    W = V.hstack(np.array([[1], [0], [-1], [-1]]), lf_names=["d"])
    assert W.lf_names == list("abcd") and W.shape == (4, 4)
    assert W.column("d").tolist() == [1, 0, -1, -1]
    with pytest.raises(ValueError, match="duplicate LF names"):
        V.hstack(V)
    with pytest.raises(ValueError, match="cannot add LF columns for 2 rows to 4 rows"):
        V.hstack(VoteMatrix(np.zeros((2, 1), int), ["z"]))
    # replace a column, dense and sparse; the others are untouched
    for base in (V, V.as_sparse()):
        R = base.with_column("b", [2, 2, 2, 2])
        assert R.lf_names == ["a", "b", "c"] and R.is_sparse == base.is_sparse
        assert R.column("b").tolist() == [2, 2, 2, 2]
        assert np.array_equal(R.to_dense()[:, [0, 2]], L3[:, [0, 2]])
    assert V.with_column("new", [0, 0, 0, 0]).lf_names == ["a", "b", "c", "new"]
    with pytest.raises(ValueError, match="LF 'b': 3 votes given for 4 rows"):
        V.with_column("b", [0, 0, 0])
    with pytest.raises(ValueError, match="out of range"):
        V.with_column("b", [0, 0, 0, 3])
    stacked = VoteMatrix.vstack([V[:2], V[2:]])
    assert stacked == V
    with pytest.raises(ValueError, match="LF names differ"):
        VoteMatrix.vstack([V, VoteMatrix(L3)])
    mixed = VoteMatrix.vstack([V[:2].as_sparse(), V[2:]])
    assert mixed.is_sparse and np.array_equal(mixed.to_dense(), L3)


def test_dense_sparse_round_trip_and_shift_convention():
    V = VoteMatrix(L3, list("abc"))
    S = V.as_sparse()
    assert S.is_sparse and not V.is_sparse
    assert S.to_sparse().toarray().tolist() == (L3 + 1).tolist()
    assert S.to_sparse().nnz == int((L3 != -1).sum())  # abstains are not stored
    assert S.as_dense() == V and S == V
    assert np.array_equal(S.class_counts(), V.class_counts())
    np.testing.assert_allclose(S.coverage(), V.coverage())
    assert S.total_coverage() == V.total_coverage()
    ind = V.indicator().toarray()
    assert ind.shape == (4, 9)
    assert ind[0].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 1]
    # raw (unshifted) sparse input with explicit zeros
    raw = sp.csr_matrix((np.array([0, 1]), (np.array([0, 1]), np.array([0, 0]))), shape=(2, 1))
    R = VoteMatrix(raw, shifted=False)
    assert R.to_dense().ravel().tolist() == [0, 1]


def test_large_sparse_stays_sparse():
    V, y, _ = make_votes(200_000, 30, 3, seed=0, sparse=True, propensities=0.02)
    assert V.is_sparse and V.to_sparse().nnz < 0.05 * V.n * V.m
    sub = V[np.arange(0, V.n, 2)]
    assert sub.is_sparse and sub.n == 100_000
    col = np.where(y == 0, 0, -1)
    R = V.with_column("lf_3", col)
    assert R.is_sparse and np.array_equal(R.column("lf_3"), col)
    assert (R.select_lfs([0, 1, 2, 4]).to_sparse() != V.select_lfs([0, 1, 2, 4]).to_sparse()).nnz == 0


@pytest.mark.parametrize("sparse", [False, True])
def test_save_load_round_trip(tmp_path, sparse):
    V, _, _ = make_votes(500, 7, 4, seed=2, sparse=sparse)
    V = VoteMatrix(V, [f"lf {j}" for j in range(7)])
    path = tmp_path / "votes.npz"
    V.save(path)
    W = VoteMatrix.load(path)
    assert W == V and W.is_sparse == sparse and W.dtype == V.dtype and W.cardinality == 4
    assert not list(tmp_path.glob("*.tmp*"))  # written atomically


def test_load_rejects_foreign_file(tmp_path):
    p = tmp_path / "other.npz"
    np.savez(p, x=np.arange(3))
    with pytest.raises(ValueError, match="not a weaksup VoteMatrix file"):
        VoteMatrix.load(p)


def test_snorkel_round_trip():
    V, _, _ = make_votes(300, 5, 3, seed=4)
    L = V.to_snorkel()
    assert L.dtype == np.int64 and np.array_equal(L, V.to_dense())
    W = VoteMatrix.from_snorkel(L, V.lf_names, cardinality=3)
    assert W == V
    np.testing.assert_allclose((L != -1).mean(axis=0), V.coverage())
    assert np.asarray(V).shape == (300, 5)  # __array__


def test_empty_and_coercion():
    E = VoteMatrix(np.zeros((0, 3), dtype=int), list("abc"))
    assert E.shape == (0, 3) and E.coverage().tolist() == [0, 0, 0] and E.total_coverage() == 0.0
    assert as_vote_matrix(L3).cardinality == 3
    V = VoteMatrix(L3)
    assert as_vote_matrix(V) is V
    assert as_vote_matrix(V, 5).cardinality == 5
    with pytest.raises(ValueError, match="out of range"):
        as_vote_matrix(V, 2)
    assert "VoteMatrix(n=4, m=3" in repr(V)


def test_load_reads_0_1_files(tmp_path):
    import json

    V = VoteMatrix(np.array([[0, -1], [1, 1]]), ["a", "b"])
    meta = {"format": "weaksup.VoteMatrix", "version": 1, "lf_names": ["a", "b"], "cardinality": 2,
            "sparse": False, "shape": [2, 2]}
    p = tmp_path / "old.npz"
    np.savez(p, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), dense=V.to_dense())
    assert VoteMatrix.load(p) == V


def test_covered_and_indicator_one_implementation():
    from weaksup.labelmodel._stats import class_counts, indicator_matrix

    V, _, _ = make_votes(300, 5, 3, seed=6)
    for W in (V, V.as_sparse()):
        assert (indicator_matrix(W) != V.indicator()).nnz == 0
        np.testing.assert_array_equal(class_counts(W), V.class_counts())
        np.testing.assert_array_equal(W.covered(), V.class_counts().sum(1) > 0)


@pytest.mark.parametrize("sparse", [False, True])
def test_to_dense_is_read_only_and_edits_go_to_a_copy(sparse):
    V = VoteMatrix(np.array([[1, 0], [0, -1]]), ["a", "b"])
    V = V.as_sparse() if sparse else V
    L = V.to_dense()
    with pytest.raises(ValueError, match="read-only"):
        L[L == 0] = -1  # snorkel-style cleaning must not change the VoteMatrix
    with pytest.raises(ValueError, match="read-only"):
        L[0, 0] = 7  # nor slip an out-of-range vote past the checks
    edited = V.to_dense().copy()
    edited[edited == 0] = -1
    assert V.to_dense().tolist() == [[1, 0], [0, -1]] and edited.tolist() == [[1, -1], [-1, -1]]
    assert not np.asarray(V).flags.writeable and np.array(V).flags.writeable  # np.array copies
    for derived in (V[[1, 0]], V[0:1], V.select_lfs(["b"]), V.hstack(np.array([[1], [0]]), ["c"]),
                    VoteMatrix.vstack([V, V]), V.with_column("b", [1, 1]), V.as_dense()):
        assert not derived.to_dense().flags.writeable


def test_edits_to_a_sparse_matrix_given_or_returned_never_reach_the_votes():
    S = sp.csr_matrix(np.array([[1, 0], [2, 1]]))  # shifted: class 0 / abstain, class 1 / class 0
    V = VoteMatrix(S, ["a", "b"])
    S.data[:] = 9  # the caller's matrix after the fact
    out = V.to_sparse()
    out.data[:] = 2  # the returned matrix
    assert V.to_dense().tolist() == [[0, -1], [1, 0]] and V.cardinality == 2
    assert V.to_sparse().toarray().tolist() == [[1, 0], [2, 1]]


@pytest.mark.parametrize("src", [np.array([[0, 1]], dtype=np.int8), np.array([[0, 1]], dtype=np.int64)])
def test_constructor_does_not_alias_a_writable_caller_array(src):
    V = VoteMatrix(src)
    src[0, 0] = 5  # the caller's array: the VoteMatrix keeps its own validated copy
    assert V.to_dense().tolist() == [[0, 1]] and V.cardinality == 2
    frame = pd.DataFrame({"a": np.array([0, 1], dtype=np.int8), "b": np.array([1, 1], dtype=np.int8)})
    W = VoteMatrix(frame)
    frame.iloc[0, 0] = 1
    assert W.to_dense().tolist() == [[0, 1], [1, 1]]


def test_constructor_shares_read_only_arrays_and_other_vote_matrices():
    ro = np.array([[0, 1], [1, -1]], dtype=np.int8)
    ro.flags.writeable = False
    V = VoteMatrix(ro)
    assert np.shares_memory(V.to_dense(), ro)  # nobody can write to it: no copy needed
    assert np.shares_memory(VoteMatrix(V, ["x", "y"]).to_dense(), V.to_dense())


def test_lf_names_as_a_bare_string_is_refused():
    with pytest.raises(TypeError, match=r"lf_names must be a sequence of names.*\['abc'\]"):
        VoteMatrix(L3, "abc")


def test_load_of_a_non_npz_file_says_so(tmp_path):
    p = tmp_path / "summary.csv"
    p.write_text("lf,Coverage\na,0.5\n")
    with pytest.raises(ValueError, match=r"summary\.csv: not a \.npz votes file") as info:
        VoteMatrix.load(p)
    assert "pickle" not in str(info.value)


def test_unsigned_votes_holding_the_dtype_max_are_refused_without_cardinality():
    """-1 cast to uint8 is 255: read as a class, it made a 256-class matrix."""
    wrapped = np.array([[0, 1, -1], [1, -1, 0]]).astype(np.uint8)
    with pytest.raises(ValueError, match=r"votes of dtype uint8 hold 255, its largest value: -1 \(abstain\) cast"):
        VoteMatrix(wrapped)
    assert VoteMatrix(wrapped, cardinality=256).cardinality == 256  # said explicitly: 256 classes
    assert VoteMatrix(np.array([[0, 1], [1, 0]], dtype=np.uint8)).cardinality == 2


def test_integer_frame_columns_are_lf_positions_so_a_reordered_frame_is_matched_by_name():
    from weaksup.labelmodel import DawidSkene

    V, _, _ = make_votes(2000, 5, 3, seed=4)
    frame = pd.DataFrame(V.to_dense())  # columns 0..4, as a frame built from an array has
    assert VoteMatrix(frame).lf_names == [f"lf_{j}" for j in range(5)]
    assert VoteMatrix(frame[[4, 3, 2, 1, 0]]).lf_names == ["lf_4", "lf_3", "lf_2", "lf_1", "lf_0"]
    model = DawidSkene().fit(frame, seed=0)
    np.testing.assert_array_equal(model.predict_proba(frame[[4, 3, 2, 1, 0]]), model.predict_proba(frame))
    assert VoteMatrix(pd.DataFrame(V.to_dense()[:, :2], columns=["x", 7])).lf_names == ["x", "lf_7"]


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copied_or_unpickled_matrix_stays_read_only(how):
    import copy
    import pickle

    V = VoteMatrix(np.array([[0, -1], [1, 1]]), ["a", "b"])
    W = pickle.loads(pickle.dumps(V)) if how == "pickle" else copy.deepcopy(V)
    assert W == V
    with pytest.raises(ValueError, match="read-only"):
        W.to_dense()[0, 0] = 5  # would slip an out-of-range vote past the checks


def test_stacking_arrays_names_columns_and_blocks_clearly():
    V = VoteMatrix(np.array([[0, -1], [1, 1]]))
    assert V.hstack(np.array([[1, 0], [-1, 0]])).lf_names == ["lf_0", "lf_1", "lf_2", "lf_3"]
    S = VoteMatrix.vstack([np.array([[0, 1]]), np.array([[1, -1]])])
    assert S.to_dense().tolist() == [[0, 1], [1, -1]]
    A = VoteMatrix(np.array([[0, 1]]), ["a", "b"])
    with pytest.raises(ValueError, match=r"block 1's LF names differ.*missing \['b'\], unknown \['c'\]"):
        VoteMatrix.vstack([A, VoteMatrix(np.array([[0, 1]]), ["a", "c"])])
    with pytest.raises(ValueError, match="another order"):
        VoteMatrix.vstack([A, A.select_lfs(["b", "a"])])


def test_a_boolean_sparse_matrix_is_refused_not_read_as_class_0_votes():
    with pytest.raises(ValueError, match="boolean sparse"):
        VoteMatrix(sp.csr_matrix(np.array([[True, False], [False, True]])))


@pytest.mark.parametrize("sparse", [False, True])
def test_lf_names_select_named_columns_by_name_never_rename_by_position(sparse):
    """VoteMatrix(frame, lf_names=...) renamed a frame's LF-named columns by position: with columns lf_url,
    lf_short and lf_names=['lf_short', 'lf_url'] each LF silently got the other's votes.  The same names in
    another order now select the columns by name; other names are refused, listing both.  The same holds for a
    VoteMatrix with its own names; default names (lf_0..) are still renamed as given."""
    frame = pd.DataFrame({"lf_url": [1, 1, -1], "lf_short": [0, -1, 0]})
    V = VoteMatrix(frame, lf_names=["lf_short", "lf_url"])
    assert V.lf_names == ["lf_short", "lf_url"]
    assert V.column("lf_url").tolist() == [1, 1, -1] and V.column("lf_short").tolist() == [0, -1, 0]
    assert VoteMatrix(frame, lf_names=["lf_url", "lf_short"]) == VoteMatrix(frame)
    with pytest.raises(ValueError, match=r"lf_names=\['a', 'b'\] do not match .* DataFrame .*\['lf_url', 'lf_short'\]"):
        VoteMatrix(frame, lf_names=["a", "b"])
    with pytest.raises(ValueError, match="do not match"):
        VoteMatrix(frame, lf_names=["lf_url"])
    # integer column labels are positions: named as given, as before
    assert VoteMatrix(pd.DataFrame(frame.to_numpy()), lf_names=["a", "b"]).column("a").tolist() == [1, 1, -1]

    W = VoteMatrix(frame)
    W = W.as_sparse() if sparse else W
    R = VoteMatrix(W, lf_names=["lf_short", "lf_url"])
    assert R.lf_names == ["lf_short", "lf_url"] and R.is_sparse == sparse
    assert R.column("lf_url").tolist() == [1, 1, -1] and R.column("lf_short").tolist() == [0, -1, 0]
    with pytest.raises(ValueError, match=r"do not match the LF names the VoteMatrix already holds"):
        VoteMatrix(W, lf_names=["a", "b"])
    D = VoteMatrix(frame.to_numpy())  # default names lf_0, lf_1: renamed, sharing the data
    assert VoteMatrix(D, ["x", "y"]).column("x").tolist() == [1, 1, -1]
    assert np.shares_memory(VoteMatrix(D, ["x", "y"]).to_dense(), D.to_dense())
