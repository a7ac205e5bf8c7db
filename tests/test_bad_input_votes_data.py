"""Bad input to VoteMatrix, the validation helpers, the WRENCH loader, persistence, the applier and LFs gets a
clear error naming what and where; nothing is silently misread.  Each case failed (or misread) before the fix:
the old behaviour is quoted in the test's docstring or the case's comment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from weaksup import ABSTAIN, apply_lfs, keyword_lf, labeling_function
from weaksup.apply import LFApplier
from weaksup.lf.core import LabelingFunction, Preprocessor, as_lfs
from weaksup.votes import VoteMatrix, smallest_int_dtype


@pytest.fixture(params=["dense", "sparse"])
def votes(request) -> VoteMatrix:
    V = VoteMatrix(np.array([[0, 1, -1], [1, -1, 0], [0, 0, 1], [1, 1, 1]]), ["a", "b", "c"])
    return V if request.param == "dense" else V.as_sparse()


# ------------------------------------------------------------------ 1. boolean LF masks
@pytest.mark.parametrize("mask", [
    [True, False, True],                       # read as positions 1, 0, 1 before (a duplicate-name error or worse)
    np.array([True, False, True]),             # KeyError: no LF named np.True_
    pd.Series([True, False, True]),
])
def test_select_lfs_reads_a_full_length_boolean_mask_like_numpy(votes, mask):
    got = votes.select_lfs(mask)
    assert got.lf_names == ["a", "c"]
    np.testing.assert_array_equal(got.to_dense(), votes.to_dense()[:, np.asarray(mask, dtype=bool)])


def test_select_lfs_by_coverage_mask_keeps_column_order(votes):
    mask = votes.coverage() > 0.5
    assert votes.select_lfs(mask).lf_names == [n for n, keep in zip(votes.lf_names, mask) if keep]


@pytest.mark.parametrize("mask, error, message", [
    ([True, False], IndexError, r"boolean LF mask has 2 entries for 3 LFs"),   # returned ['b', 'a'] silently
    (np.array([True]), IndexError, r"boolean LF mask has 1 entries for 3 LFs"),
    ([True, "a"], TypeError, r"mixes booleans with names or positions \(entry 0 is True\)"),
    ("ab", TypeError, r"got the string 'ab' \(write \['ab'\] for one LF\)"),   # read as ['a', 'b']
])
def test_select_lfs_refuses_short_masks_mixed_entries_and_bare_strings(votes, mask, error, message):
    with pytest.raises(error, match=message):
        votes.select_lfs(mask)


# ------------------------------------------------------------------ 2. out-of-range positions
@pytest.mark.parametrize("call, message", [
    (lambda V: V.select_lfs([5]), r"no LF at position 5: there are 3 LFs \(0\.\.2\)"),
    (lambda V: V.select_lfs([-4]), r"no LF at position -4: there are 3 LFs"),
    (lambda V: V.column(7), r"no LF at position 7: there are 3 LFs"),
    (lambda V: V[[0, 9]], r"row position 9 \(entry 1\) is out of range for 4 rows"),
    (lambda V: V[-5], r"row position -5 \(entry 0\) is out of range for 4 rows"),
    (lambda V: V[np.array([True, False])], r"boolean row mask has shape \(2,\) for 4 rows"),
    (lambda V: V[[0.0, 1.0]], r"rows must be integer positions, a boolean mask or a slice, got float64"),
    (lambda V: V[True], r"a single boolean is not a row index of these 4 rows"),
])
def test_out_of_range_positions_name_the_lf_or_row_count(votes, call, message):
    """Were numpy's bare "index 5 is out of bounds for axis 1 with size 3" (or another numpy IndexError)."""
    with pytest.raises(IndexError, match=message):
        call(votes)


def test_valid_positions_keep_numpy_semantics(votes):
    dense = votes.to_dense()
    np.testing.assert_array_equal(votes[-1].to_dense(), dense[[-1]])
    np.testing.assert_array_equal(votes[[3, -4, 1]].to_dense(), dense[[3, -4, 1]])
    np.testing.assert_array_equal(votes[np.array([True, False, True, True])].to_dense(), dense[[0, 2, 3]])
    np.testing.assert_array_equal(votes[np.int64(2)].to_dense(), dense[[2]])
    assert votes[[]].shape == (0, 3) and votes[1:3].shape == (2, 3)
    assert votes.select_lfs([-1, "a"]).lf_names == ["c", "a"]
    np.testing.assert_array_equal(votes.column(-1), dense[:, 2])


@pytest.mark.parametrize("start, stop", [(-2, 4), (3, 1), (5, 6)])
def test_row_block_refuses_negative_reversed_or_past_the_end_starts(votes, start, stop):
    """row_block(-2, 4) returned rows 2..3, row_block(3, 1) an empty block, silently."""
    with pytest.raises(ValueError, match=rf"row_block\({start}, {stop}\) of 4 rows: needs 0 <= start <= 4"):
        votes.row_block(start, stop)


def test_row_block_ends_a_last_chunk_at_the_last_row(votes):
    blocks = [votes.row_block(s, s + 3) for s in range(0, votes.n, 3)]
    assert [b.n for b in blocks] == [3, 1]
    np.testing.assert_array_equal(np.vstack([b.to_dense() for b in blocks]), votes.to_dense())
    with pytest.raises(TypeError, match=r"row_block start must be an int row position, got 1.0"):
        votes.row_block(1.0, 2)


# ------------------------------------------------------------------ 3. object-dtype votes
@pytest.mark.parametrize("cell, shown", [
    ("1", r"the str '1'"),           # was read as vote 1, while np.array([['0', '1']]) is refused
    (" 1 ", r"the str ' 1 '"),       # was read as vote 1
    (b"1", r"the bytes b'1'"),       # was read as vote 1
    ("pos", r"the str 'pos'"),       # was "could not convert string to float: 'pos'", no LF, no row
    (True, r"the boolean True"),     # was read as vote 1, while a bool array is refused
    ([1], r"a list \(\[1\]\)"),
])
def test_text_and_other_objects_in_object_votes_are_refused_by_lf_and_row(cell, shown):
    arr = np.array([[0, 1], [1, 0]], dtype=object)
    arr[1, 1] = cell
    with pytest.raises(ValueError, match=rf"votes must be integers in \{{-1, 0\.\.k-1\}}: LF 'q', row 1 holds {shown}"):
        VoteMatrix(arr, ["p", "q"])


@pytest.mark.parametrize("make", [
    lambda: pd.DataFrame({"p": [0, 1], "q": pd.array([1, None], dtype="Int64")}),   # "float() argument ... NAType"
    lambda: pd.DataFrame({"p": [0, 1], "q": pd.array([1, None], dtype="Float64")}),
    lambda: pd.DataFrame({"p": [0, 1], "q": pd.array([1, None], dtype="Int64"), "r": ["a", "b"]})[["p", "q"]],
    lambda: pd.DataFrame({"p": [0, 1], "q": pd.array([1, pd.NA], dtype=object)}),
    lambda: pd.DataFrame({"p": [0, 1], "q": [1, None]}, dtype=object),
])
def test_missing_votes_get_the_nan_message_with_lf_and_row(make):
    with pytest.raises(ValueError, match=r"votes contain NaN \(LF 'q', row 1\); use -1 for abstain"):
        VoteMatrix(make())


def test_numeric_object_and_nullable_votes_are_read_as_before():
    expected = np.array([[0, 1], [ABSTAIN, 2]])
    frame = pd.DataFrame({"p": pd.array([0, -1], dtype="Int64"), "q": pd.array([1, 2], dtype="Int8")})
    V = VoteMatrix(frame)
    assert V.lf_names == ["p", "q"] and V.cardinality == 3
    np.testing.assert_array_equal(V.to_dense(), expected)
    mixed = np.array([[np.int8(0), 1.0], [-1, np.int64(2)]], dtype=object)
    np.testing.assert_array_equal(VoteMatrix(mixed).to_dense(), expected)
    with pytest.raises(ValueError, match=r"votes must be integers: LF 'column 1', row 0 has 1.5"):
        VoteMatrix(np.array([[0, 1.5]], dtype=object))


# ------------------------------------------------------------------ 4. dtype helper, names, cardinality
def test_smallest_int_dtype_names_a_non_int_cardinality():
    """Was "TypeError: can only concatenate str (not "int") to str"."""
    with pytest.raises(TypeError, match=r"smallest_int_dtype needs an int cardinality .* got the str '3'"):
        smallest_int_dtype("3")
    with pytest.raises(ValueError, match=r"smallest_int_dtype needs a cardinality >= 0, got -2"):
        smallest_int_dtype(-2)
    assert smallest_int_dtype(np.int64(200)) == np.int16


@pytest.mark.parametrize("names, message", [
    ([["a"], None, "c"], r"lf_names\[0\] is \['a'\] \(list\); LF names are str"),   # became "['a']", 'None'
    (["a", None, "c"], r"lf_names\[1\] is None \(NoneType\)"),
    (["a", "b", 3], r"lf_names\[2\] is 3 \(int\)"),
    (3, r"lf_names must be a sequence of str, one per LF column, got int"),
])
def test_non_str_lf_names_are_refused_by_position(names, message):
    with pytest.raises(TypeError, match=message):
        VoteMatrix(np.zeros((2, 3), int), names)


def test_str_like_names_and_integer_frame_columns_still_work():
    assert VoteMatrix(np.zeros((2, 2), int), np.array(["x", "y"])).lf_names == ["x", "y"]
    assert type(VoteMatrix(np.zeros((2, 2), int), np.array(["x", "y"])).lf_names[0]) is str
    assert VoteMatrix(pd.DataFrame(np.zeros((2, 2), int))).lf_names == ["lf_0", "lf_1"]


def test_a_cardinality_no_vote_matrix_can_hold_is_refused():
    """cardinality=10**12 was accepted (int64 votes); a label model then failed with "MemoryError ... 7.28 TiB"."""
    with pytest.raises(ValueError, match=r"cardinality=1000000000000 is more classes than a VoteMatrix holds "
                                         r"\(at most 2,147,483,646"):
        VoteMatrix(np.zeros((2, 3), int), cardinality=10**12)
    frame = pd.DataFrame({"text": ["a", "b"]})
    with pytest.raises(ValueError, match=r"cardinality=1000000000000 is more classes"):
        apply_lfs([keyword_lf("a", 1)], frame, cardinality=10**12, progress=False)
    big = VoteMatrix(np.array([[0, 70_000]]), cardinality=2**31 - 2)
    assert big.dtype == np.int32 and big.cardinality == 2**31 - 2


# ------------------------------------------------------------------ 5. counts given as strings
@pytest.mark.parametrize("kwargs, message", [
    ({"n_rows": "300"}, r"n_rows must be an int >= 0 \(a count\), got the str '300'"),
    ({"n_rows": 300.0}, r"n_rows must be an int >= 0 \(a count\), got the float 300.0"),
    ({"n_features": "2"}, r"n_features must be an int >= 0 \(a count\), got the str '2'"),
])
def test_check_features_needs_int_counts(kwargs, message):
    """check_features(X, n_rows='300') said "X has 300 rows but the votes have 300"."""
    from weaksup._validation import check_features

    with pytest.raises(TypeError, match=message):
        check_features(np.zeros((300, 2)), **kwargs)
    assert check_features(np.zeros((3, 2)), n_rows=np.int64(3), n_features=np.int32(2)).shape == (3, 2)


def test_check_count_splits_type_and_range_errors_as_scikit_learn():
    """A negative count was a TypeError here and a ValueError in LFAnalysis (and 2.5 the other way round): one
    helper now answers both, TypeError for what is not an int, ValueError for an int out of range."""
    from weaksup._validation import check_features

    with pytest.raises(ValueError, match=r"^n_rows must be an int >= 0 \(a count\), got -3$"):
        check_features(np.zeros((3, 2)), n_rows=-3)


def test_check_sample_weight_needs_an_int_count():
    from weaksup._validation import check_sample_weight

    with pytest.raises(TypeError, match=r"n must be an int >= 0 \(a count\), got the str '2'"):
        check_sample_weight([1, 1], "2")


# ------------------------------------------------------------------ 6. loader and save paths
@pytest.mark.parametrize("args, message", [
    ((None,), r"load_wrench: name must be a WRENCH dataset name \(a str such as 'youtube'\), got None"),
    ((3,), r"load_wrench: name must be a WRENCH dataset name .* got 3"),
    (("youtube", 3), r"load_wrench: data_dir must be a folder path \(str or pathlib.Path\) or None, got int 3"),
])
def test_load_wrench_names_a_bad_argument(args, message, monkeypatch, tmp_path):
    """load_wrench(None) said "unsupported operand type(s) for /: 'PosixPath' and 'NoneType'"."""
    from weaksup.data import load_wrench

    monkeypatch.setenv("WEAKSUP_DATA", str(tmp_path))
    with pytest.raises(TypeError, match=message):
        load_wrench(*args)


def test_load_wrench_folder_names_a_missing_folder_argument():
    from weaksup.data import load_wrench_folder

    with pytest.raises(TypeError, match=r"load_wrench_folder: folder must be a folder path .* got NoneType None"):
        load_wrench_folder(None)


def test_saving_onto_a_directory_names_the_directory(votes, tmp_path):
    """vm.save('/tmp') raised IsADirectoryError quoting a temp file name in '/'."""
    with pytest.raises(IsADirectoryError, match=rf"{tmp_path}: cannot save there, it is a directory"):
        votes.save(tmp_path)
    assert list(tmp_path.iterdir()) == [] and not any(p.name.endswith(".tmp.npz") for p in tmp_path.parent.iterdir())
    votes.save(tmp_path / "v.npz")
    assert VoteMatrix.load(tmp_path / "v.npz") == votes


# ------------------------------------------------------------------ 7. frame columns
@labeling_function()
def reads_text(x):
    return 1 if "a" in x.text else ABSTAIN


@pytest.mark.parametrize("lf", [reads_text, keyword_lf("a", 1)], ids=["row-wise", "batched"])
@pytest.mark.parametrize("engine", ["serial", "process"])
def test_duplicate_and_multiindex_columns_are_named(lf, engine):
    """Duplicate 'text' columns: a row-wise LF silently read one (pandas warned), a batched one raised
    "'DataFrame' object has no attribute 'dtype'"; MultiIndex columns: the same AttributeError."""
    dup = pd.DataFrame([["a", "b"], ["c", "d"]], columns=["text", "text"])
    with pytest.raises(ValueError, match=r"data has duplicate column names \['text'\]"):
        apply_lfs([lf], dup, engine=engine, n_jobs=1, progress=False)
    multi = pd.DataFrame([["a", "b"]], columns=pd.MultiIndex.from_tuples([("text", "x"), ("o", "y")]))
    with pytest.raises(ValueError, match=r"data has MultiIndex columns \(\[\('text', 'x'\), \('o', 'y'\)\]"):
        LFApplier([lf], engine=engine, n_jobs=1, progress=False).apply(multi)


# ------------------------------------------------------------------ 8. LF construction
@pytest.mark.parametrize("make, error, message", [
    (lambda: labeling_function(resources=[1]), TypeError,      # "cannot convert dictionary update sequence ..."
     r"resources must be a mapping of keyword arguments \(\{name: value\}\), got list \[1\]"),
    (lambda: LabelingFunction("a", len, resources={1: 2}), TypeError, r"LF 'a': resources keys .* must be a str"),
    (lambda: LabelingFunction("a", None), TypeError,            # was accepted, failing only when applied
     r"LF 'a': f must be a function \(x -> class or ABSTAIN\), got NoneType None"),
    (lambda: Preprocessor("not callable"), TypeError, r"preprocessor None: f must be a function"),
    (lambda: as_lfs(None), TypeError,                           # "'NoneType' object is not iterable"
     r"LFs must be a list of labeling functions, got NoneType None"),
    (lambda: LFApplier(None), TypeError, r"LFs must be a list of labeling functions, got NoneType None"),
    (lambda: as_lfs(reads_text), TypeError, r"got LabelingFunction .*wrap a single LF in a list: \[lf\]"),
    (lambda: as_lfs({"a": reads_text}), TypeError, r"LFs must be a list of labeling functions, got dict"),
])
def test_bad_lf_arguments_are_refused_at_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_valid_lf_arguments_still_work():
    lf = LabelingFunction("has", lambda x, word: 1 if word in x.text else -1, resources={"word": "a"})
    assert [f.name for f in as_lfs((f for f in [lf, len]))] == ["has", "len"]
    assert lf(pd.Series({"text": "cat"})) == 1
    votes = apply_lfs([lf], pd.DataFrame({"text": ["cat", "dog"]}), progress=False)
    assert votes.to_dense().ravel().tolist() == [1, -1]
