"""SequenceVotes checks its LF names and input forms as VoteMatrix does: a bare string or a non-str name is
refused, a frame's string columns are its LF names (a model fitted on one frame refuses a frame with other
columns), a nullable column's pd.NA is named by LF and token, and masked cells are refused, never read as the
value hidden under the mask.  Whether the names were given or made up (placeholder_names) is kept by every
operation, and sequence label models match LF columns by it as label models do (align_lfs)."""

import pickle

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix
from weaksup.labelmodel import DawidSkene
from weaksup.sequence import HMM, SequenceVotes, TokenDawidSkene, TokenLabelModel, TokenMajorityVote

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


# ---------------------------------------------------------------- placeholder_names, carried; models match by name
# SequenceVotes record whether their LF names were given or made up (lf_0 .. of an array) as VoteMatrix does, and
# every operation keeps it (before, only the constructor knew: a sentence slice or select_lfs of unnamed votes
# counted as named, so a model fitted on one refused a named frame of the same LFs that the model fitted on the
# whole votes read by position).  Sequence label models match LF columns as label models do (align_lfs): real names
# in another order are reordered (they were refused), with the fitted order's results.

NAMES = ["gazetteer", "noisy_regex", "gaz2"]


def _corpus():
    rng = np.random.default_rng(0)
    good = rng.choice([0, 1, 2], size=400, p=[0.6, 0.2, 0.2])
    data = np.column_stack([good, rng.choice([0, 1, 2], size=400), np.where(rng.random(400) < 0.9, good, -1)])
    return data, np.arange(0, 401, 4)


def _operations(V):
    """Every SequenceVotes operation that keeps the LFs."""
    io = V.to_io()
    yield from (V[:10], V[[0, 3]], V[np.arange(V.n_sentences) % 2 == 0], V.select_lfs([2, 0]),
                V.select_lfs(V.lf_names[::-1]), io, io.to_bio(), V.wrench_abstain(), V.o_as_abstain(),
                SequenceVotes.concat([V[:5], V[5:]]), pickle.loads(pickle.dumps(V)))


@pytest.mark.parametrize("names", [None, ["lf_0", "lf_1", "lf_2"]], ids=["made_up", "given_lf_0"])
def test_placeholder_names_is_carried_by_every_operation_save_and_load(names, tmp_path):
    data, off = _corpus()
    V = SequenceVotes(data, off, ["X"], lf_names=names)
    made_up = names is None
    assert V.placeholder_names is made_up and V.lf_names == ["lf_0", "lf_1", "lf_2"]
    for out in _operations(V):
        assert out.placeholder_names is made_up
    assert V.to_vote_matrix().placeholder_names is made_up
    V.save(tmp_path / "v.npz")
    assert SequenceVotes.load(tmp_path / "v.npz").placeholder_names is made_up


def test_builders_and_frames_say_whether_names_were_given():
    assert SequenceVotes(pd.DataFrame(DATA), OFF, ["X"]).placeholder_names  # integer labels: positions
    assert not SequenceVotes(pd.DataFrame(DATA, columns=["a", "b", "c"]), OFF, ["X"]).placeholder_names
    tags = [[["B-X", "O"]], [["O", "O"]]]
    assert SequenceVotes.from_tag_lists(tags, ["X"]).placeholder_names
    assert not SequenceVotes.from_tag_lists(tags, ["X"], lf_names=["lf_0", "lf_1"]).placeholder_names
    per_lf = [[["B-X"], ["O"]], [["O"], ["O"]]]
    assert SequenceVotes.from_lf_tags(per_lf, ["X"]).placeholder_names
    assert not SequenceVotes.from_lf_tags(per_lf, ["X"], lf_names=["lf_0", "lf_1"]).placeholder_names


def test_votes_pickled_or_saved_before_the_record_keep_the_old_pattern_rule(tmp_path):
    from weaksup._persist import load_npz, save_npz

    data, off = _corpus()
    old = SequenceVotes(data, off, ["X"], lf_names=["lf_0", "lf_1", "lf_2"])
    del old.__dict__["_names_made_up"]  # votes that hold no record (built without __init__)
    assert old.placeholder_names
    old.save(tmp_path / "v.npz")
    meta, arrays = load_npz(tmp_path / "v.npz", "weaksup.SequenceVotes")
    del meta["placeholder_names"]  # a file from before the record
    save_npz(tmp_path / "old.npz", "weaksup.SequenceVotes", meta, arrays)
    assert SequenceVotes.load(tmp_path / "old.npz").placeholder_names
    named = SequenceVotes(data, off, ["X"], lf_names=NAMES)
    del named.__dict__["_names_made_up"]
    assert not named.placeholder_names


MODELS = [lambda: HMM(n_iter=3), TokenDawidSkene, TokenMajorityVote, lambda: TokenLabelModel(DawidSkene())]
IDS = ["HMM", "TokenDawidSkene", "TokenMajorityVote", "TokenLabelModel(DawidSkene)"]


@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_real_lf_names_in_another_order_are_reordered_with_the_fitted_order_results(make, tmp_path):
    data, off = _corpus()
    V = SequenceVotes(data, off, ["X"], lf_names=NAMES)
    model = make().fit(V, seed=0)
    ref, ref_tags = model.predict_proba(V), model.predict(V)
    model.save(tmp_path / "m.npz")
    for m in (model, type(model).load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(model))):
        for order in ([2, 0, 1], [1, 0, 2]):
            R = V.select_lfs(order)
            assert np.array_equal(m.predict_proba(R), ref)
            assert np.array_equal(m.predict_ids(R), m.predict_ids(V))
            assert m.predict(R) == ref_tags
            assert m.score(R, ref_tags[::-1]) == m.score(V, ref_tags[::-1])
            assert np.array_equal(m.predict_proba(R.to_io()), m.predict_proba(V.to_io()))
        framed = SequenceVotes(pd.DataFrame(data, columns=NAMES)[["gaz2", "gazetteer", "noisy_regex"]], off, ["X"])
        assert np.array_equal(m.predict_proba(framed), ref)


@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_what_label_models_refuse_is_still_refused(make):
    data, off = _corpus()
    model = make().fit(SequenceVotes(data, off, ["X"], lf_names=NAMES), seed=0)
    with pytest.raises(ValueError, match=r"votes have LFs \['gazetteer', 'noisy_regex', 'other'\]; the model was "
                                         r"fitted on .*missing \['gaz2'\], unknown \['other'\]"):
        model.predict(SequenceVotes(data, off, ["X"], lf_names=["gazetteer", "noisy_regex", "other"]))
    with pytest.raises(ValueError, match=r"missing \['gaz2'\], unknown \[\]"):
        model.predict(SequenceVotes(data[:, :2], off, ["X"], lf_names=NAMES[:2]))
    # unnamed votes of another LF count, against a model fitted on unnamed votes
    unnamed = make().fit(SequenceVotes(data, off, ["X"]), seed=0)
    with pytest.raises(ValueError, match="votes have 2 LFs; the model was fitted on 3"):
        unnamed.predict(SequenceVotes(data[:, :2], off, ["X"]))


def test_a_model_fitted_on_a_slice_of_unnamed_votes_reads_named_votes_by_position():
    # a slice (or select_lfs) of unnamed votes keeps its names made up: the model fitted on it reads a named frame
    # of as many LFs by position, as the model fitted on the whole votes does (it refused it: "votes have LFs")
    data, off = _corpus()
    V = SequenceVotes(data, off, ["X"])
    frame = SequenceVotes(pd.DataFrame(data, columns=NAMES), off, ["X"])
    for fitted_on in (V[:60], V.select_lfs([0, 1, 2]), V.to_io()):
        model = TokenMajorityVote().fit(fitted_on)
        assert model._lf_names_made_up_ is True
        assert np.array_equal(model.predict_proba(frame), model.predict_proba(V))


def test_made_up_names_reordered_by_name_are_matched_by_name_not_by_position():
    # a model fitted on unnamed votes given votes whose columns are named lf_1, lf_0, lf_2: matched by those names
    # (as label models match them), never read by position
    # (TokenDawidSkene and HMM weigh each LF by its own accuracy, so reading the swapped columns by position would
    # change the result; TokenMajorityVote, symmetric in LFs, could not tell)
    data, off = _corpus()
    unnamed = SequenceVotes(data, off, ["X"])
    for model in (TokenDawidSkene().fit(unnamed, seed=0), HMM(n_iter=3).fit(unnamed, seed=0)):
        ref = model.predict_proba(unnamed)
        by_position = model.predict_proba(SequenceVotes(data[:, [1, 0, 2]], off, ["X"]))  # unnamed: not reordered
        assert not np.allclose(by_position, ref)
        swapped = SequenceVotes(data[:, [1, 0, 2]], off, ["X"], lf_names=["lf_1", "lf_0", "lf_2"])
        assert np.array_equal(model.predict_proba(swapped), ref)
        assert np.array_equal(model.predict_proba(unnamed.select_lfs([2, 0, 1])), ref)
