"""SequenceVotes checks its LF names and input forms as VoteMatrix does: a bare string or a non-str name is
refused, a frame's string columns are its LF names (a model fitted on one frame refuses a frame with other
columns), a nullable column's pd.NA is named by LF and token, and masked cells are refused, never read as the
value hidden under the mask."""

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix
from weaksup.sequence import SequenceVotes, TokenDawidSkene

DATA = np.array([[1, 0, -1], [2, 0, 0], [0, 1, 0]])
OFF = [0, 2, 3]


@pytest.mark.parametrize("names", ["kw_", b"abc"])
def test_a_string_of_names_is_refused_not_split_into_letters(names):
    with pytest.raises(TypeError, match="got the string"):
        SequenceVotes(DATA, OFF, ["X"], lf_names=names)


@pytest.mark.parametrize("names", [[None, "b", "c"], ["a", 1, "c"], ["a", "b", ("c",)]])
def test_non_str_names_are_refused_as_vote_matrix_refuses_them(names):
    with pytest.raises(TypeError, match=r"lf_names\[\d\] is") as seq:
        SequenceVotes(DATA, OFF, ["X"], lf_names=names)
    with pytest.raises(TypeError) as flat:
        VoteMatrix(DATA, lf_names=names)
    assert str(seq.value) == str(flat.value)


def test_str_names_and_numpy_str_names_are_kept():
    assert SequenceVotes(DATA, OFF, ["X"], lf_names=["a", "b", "c"]).lf_names == ["a", "b", "c"]
    names = SequenceVotes(DATA, OFF, ["X"], lf_names=np.array(["a", "b", "c"])).lf_names
    assert names == ["a", "b", "c"] and all(type(n) is str for n in names)


def test_a_frame_names_the_lfs_by_its_columns():
    df = pd.DataFrame(DATA, columns=["gaz", "regex", "gaz2"])
    v = SequenceVotes(df, OFF, ["X"])
    assert v.lf_names == ["gaz", "regex", "gaz2"] == VoteMatrix(df).lf_names
    assert v.data.tolist() == DATA.tolist()
    # lf_names= picks the frame's columns by name, never renames them by position
    picked = SequenceVotes(df, OFF, ["X"], lf_names=["regex", "gaz", "gaz2"])
    assert picked.lf_names == ["regex", "gaz", "gaz2"]
    assert picked.data.tolist() == DATA[:, [1, 0, 2]].tolist()
    with pytest.raises(ValueError, match="do not match the LF names the DataFrame already holds"):
        SequenceVotes(df, OFF, ["X"], lf_names=["x", "y", "z"])
    # integer column labels are positions, as for a plain array
    assert SequenceVotes(pd.DataFrame(DATA), OFF, ["X"]).lf_names == ["lf_0", "lf_1", "lf_2"]


def test_a_frame_mixing_int_and_str_labels_is_matched_by_name_as_vote_matrix_does():
    # an int label is a position (lf_<c>), a str label an LF name: lf_names= picks the columns by name, it never
    # renames them by position ('kw_good' got column 0's votes, ['a', 'b'] silently renamed both)
    df = pd.DataFrame({0: DATA[:, 0], "kw_good": DATA[:, 1]})
    assert SequenceVotes(df, OFF, ["X"]).lf_names == ["lf_0", "kw_good"] == VoteMatrix(df).lf_names
    picked = SequenceVotes(df, OFF, ["X"], lf_names=["kw_good", "lf_0"])
    assert picked.lf_names == ["kw_good", "lf_0"]
    assert picked.data.tolist() == DATA[:, [1, 0]].tolist()
    assert picked.data.tolist() == VoteMatrix(df, lf_names=["kw_good", "lf_0"]).to_dense().tolist()
    with pytest.raises(ValueError, match="do not match the LF names the DataFrame already holds"):
        SequenceVotes(df, OFF, ["X"], lf_names=["a", "b"])


def test_a_model_fitted_on_a_frame_refuses_a_frame_of_other_columns():
    rng = np.random.default_rng(0)
    good = rng.choice([0, 1, 2], size=400, p=[0.6, 0.2, 0.2])
    df = pd.DataFrame({"gazetteer": good, "noisy_regex": rng.choice([0, 1, 2], size=400),
                       "gaz2": np.where(rng.random(400) < 0.9, good, -1)})
    off = np.arange(0, 401, 4)
    model = TokenDawidSkene().fit(SequenceVotes(df, off, ["X"]))
    renamed = df.set_axis(["x", "y", "z"], axis=1)
    with pytest.raises(ValueError, match=r"votes have LFs \['x', 'y', 'z'\]; the model was fitted on"):
        model.predict_proba(SequenceVotes(renamed, off, ["X"]))
    # the fitting frame itself: the probabilities of its array with the same names
    same = model.predict_proba(SequenceVotes(df, off, ["X"]))
    ref = model.predict_proba(SequenceVotes(df.to_numpy(), off, ["X"], lf_names=list(df.columns)))
    assert all(np.array_equal(a, b) for a, b in zip(same, ref))


def test_a_nullable_column_with_a_missing_vote_is_named_by_lf_and_token():
    df = pd.DataFrame(DATA, columns=["a", "b", "c"]).astype("Int64")
    assert SequenceVotes(df, OFF, ["X"]).data.tolist() == DATA.tolist()  # no pd.NA: the tag ids
    df.iloc[1, 2] = pd.NA
    with pytest.raises(ValueError, match=r"LF 'c' at sentence 0, token 1 .*use -1 for abstain"):
        SequenceVotes(df, OFF, ["X"])


def test_an_object_cell_that_is_not_a_tag_id_is_named():
    obj = DATA.astype(object)
    assert SequenceVotes(obj, OFF, ["X"]).data.tolist() == DATA.tolist()
    obj[2, 1] = "1"
    with pytest.raises(ValueError, match=r"LF 'lf_1' at sentence 1, token 0 .*'1' \(str\)"):
        SequenceVotes(obj, OFF, ["X"])


def test_masked_votes_and_offsets_are_refused_not_read_as_hidden_values():
    masked = np.ma.masked_array(DATA, mask=DATA == 2)  # row 1, LF 'a': a masked cell hiding the tag id 2
    with pytest.raises(ValueError, match=r"masked array with 1 masked cell\(s\) \(first: LF 'a', row 1\).*"
                                         r"np\.ma\.filled\(votes, -1\)"):
        SequenceVotes(masked, OFF, ["X"], lf_names=["a", "b", "c"])
    # nothing masked: read as its data
    assert SequenceVotes(np.ma.masked_array(DATA), OFF, ["X"]).data.tolist() == DATA.tolist()
    with pytest.raises(ValueError, match="masked boundary"):
        SequenceVotes(DATA, np.ma.masked_array(OFF, mask=[False, True, False]), ["X"])
