"""A sequence label model fitted on votes without LF names (a plain array, or a DataFrame before SequenceVotes read
a frame's column names: both stored lf_0 .. lf_{m-1}) reads a named frame of as many LFs by position, as label
models do (align_lfs), also after save/load and pickling; real names that differ are still refused."""

import pickle

import numpy as np
import pandas as pd
import pytest

from weaksup.sequence import HMM, SequenceVotes, TokenDawidSkene, TokenMajorityVote

NAMES = ["gazetteer", "noisy_regex", "gaz2"]


def _votes():
    rng = np.random.default_rng(0)
    good = rng.choice([0, 1, 2], size=400, p=[0.6, 0.2, 0.2])
    data = np.column_stack([good, rng.choice([0, 1, 2], size=400), np.where(rng.random(400) < 0.9, good, -1)])
    return data, np.arange(0, 401, 4)


@pytest.mark.parametrize("make", [lambda: HMM(n_iter=3), TokenDawidSkene, TokenMajorityVote],
                         ids=["HMM", "TokenDawidSkene", "TokenMajorityVote"])
def test_a_model_fitted_without_names_reads_a_named_frame_by_position(make, tmp_path):
    data, off = _votes()
    model = make().fit(SequenceVotes(data, off, ["X"]), seed=0)
    assert model.lf_names_ == ["lf_0", "lf_1", "lf_2"]
    frame = SequenceVotes(pd.DataFrame(data, columns=NAMES), off, ["X"])
    ref = model.predict_proba(SequenceVotes(data, off, ["X"]))
    model.save(tmp_path / "m.npz")
    for m in (model, type(model).load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(model))):
        assert np.array_equal(m.predict_proba(frame), ref)
        assert m.predict(frame) == m.predict(SequenceVotes(data, off, ["X"]))


def test_made_up_names_are_matched_by_name_and_another_lf_count_is_refused():
    data, off = _votes()
    unnamed = SequenceVotes(data, off, ["X"])
    # lf_0 .. in another order: matched by name (as label models match them), not read by position.  The models
    # weigh each LF by its own accuracy, so the swapped columns read by position give another result (a model
    # symmetric in LFs, as TokenMajorityVote, could not tell the two apart)
    for fitted in (TokenDawidSkene().fit(unnamed, seed=0), HMM(n_iter=3).fit(unnamed, seed=0)):
        ref = fitted.predict_proba(unnamed)
        assert not np.allclose(fitted.predict_proba(SequenceVotes(data[:, [1, 0, 2]], off, ["X"])), ref)
        swapped = SequenceVotes(data[:, [1, 0, 2]], off, ["X"], lf_names=["lf_1", "lf_0", "lf_2"])
        assert np.array_equal(fitted.predict_proba(swapped), ref)
    model = TokenMajorityVote().fit(unnamed)
    with pytest.raises(ValueError, match="the model was fitted on"):
        model.predict(SequenceVotes(pd.DataFrame(data[:, :2], columns=NAMES[:2]), off, ["X"]))


def test_real_names_that_differ_are_still_refused():
    data, off = _votes()
    model = TokenMajorityVote().fit(SequenceVotes(pd.DataFrame(data, columns=NAMES), off, ["X"]))
    with pytest.raises(ValueError, match=r"votes have LFs \['x', 'y', 'z'\]; the model was fitted on"):
        model.predict(SequenceVotes(pd.DataFrame(data, columns=["x", "y", "z"]), off, ["X"]))


def test_lfs_really_named_lf_0_are_not_taken_for_made_up_names(tmp_path):
    # the position rule is decided by whether the names were made up when the model was fitted (recorded at fit,
    # saved and pickled), not by their spelling: LFs given the names lf_0 .. are real names
    data, off = _votes()
    model = TokenMajorityVote().fit(SequenceVotes(data, off, ["X"], lf_names=["lf_0", "lf_1", "lf_2"]))
    other = SequenceVotes(data[:, [2, 1, 0]], off, ["X"], lf_names=["x", "y", "z"])
    model.save(tmp_path / "m.npz")
    for m in (model, type(model).load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(model))):
        with pytest.raises(ValueError, match="the model was fitted on"):
            m.predict(other)


def test_a_model_without_the_record_reads_the_lf_0_pattern(tmp_path):
    # models fitted, saved or pickled before the record: the lf_0 .. pattern decides, as before
    data, off = _votes()
    model = TokenMajorityVote().fit(SequenceVotes(data, off, ["X"]))
    del model._lf_names_made_up_
    frame = SequenceVotes(pd.DataFrame(data, columns=NAMES), off, ["X"])
    assert model.predict(frame) == model.predict(SequenceVotes(data, off, ["X"]))
