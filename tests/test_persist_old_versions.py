"""Models and files written by an older weaksup: refused or warned about where this one would use them wrongly,
read exactly as before where it uses them as they were."""

from __future__ import annotations

import base64
import copy
import json
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from weaksup.flows import LabelLearningFlow
from weaksup.labelmodel import DawidSkene, LabelModel, MajorityVote
from weaksup.synthetic import make_votes

#: pickle.dumps(MajorityVote().fit(make_votes(60, 3, 2, seed=0)[0]), protocol=4) by weaksup 82681f2 (2026-12-01):
#: no cardinality_ then (fit wrote the class count into cardinality)
OLD_MAJORITY_VOTE = (
    "gASVPQEAAAAAAACMGXdlYWtzdXAubGFiZWxtb2RlbC52b3RpbmeUjAxNYWpvcml0eVZvdGWUk5QpgZR9lCiMC2NhcmRpbmFsaXR5lEsCjARzb2Z0"
    "lIiMCXVuY292ZXJlZJSMB3VuaWZvcm2UjAZuX2xmc1+USwOMCWxmX25hbWVzX5RdlCiMBGxmXzCUjARsZl8xlIwEbGZfMpRljA5jbGFzc19iYWxh"
    "bmNlX5SMFm51bXB5Ll9jb3JlLm11bHRpYXJyYXmUjAxfcmVjb25zdHJ1Y3SUk5SMBW51bXB5lIwHbmRhcnJheZSTlEsAhZRDAWKUh5RSlChLAUsC"
    "hZRoE4wFZHR5cGWUk5SMAmY4lImIh5RSlChLA4wBPJROTk5K/////0r/////SwB0lGKJQxAAAAAAAADgPwAAAAAAAOA/lHSUYnViLg=="
)


@pytest.fixture(scope="module")
def votes():
    L, y, _ = make_votes(200, 5, 3, seed=0)
    X = (np.eye(3)[y] * 2 + np.random.default_rng(0).normal(size=(200, 3))).astype(np.float32)
    return L, y, X


@pytest.fixture(scope="module")
def flow(votes):
    L, _, X = votes
    return LabelLearningFlow(n_epochs=2, n_flows=2, hidden=16).fit(L, X, seed=0)


def _old_pickle(model, *keys, **extra):
    """The pickle an older weaksup would have written: ``model``'s state less ``keys``, plus ``extra``."""
    state = {k: v for k, v in model.__getstate__().items() if k not in keys}
    state.update(extra)
    old = type(model).__new__(type(model))
    old.__dict__.update(state)  # not through __setstate__: what the older weaksup held
    return pickle.dumps(old)


class FirstVote(LabelModel):  # a user's own model, its own fitted attribute
    _fitted_attrs = ("uniform_",)

    def __init__(self, cardinality=None, weight=1.0):
        self.cardinality = cardinality
        self.weight = weight

    def _fit(self, L, *, class_balance, dev, seed):
        self.uniform_ = True

    def _predict_proba(self, L):
        return np.full((L.n, self.cardinality_), 1.0 / self.cardinality_)


# ------------------------------------------------------------ load_npz: the version field
@pytest.mark.parametrize("version", ["1.0", None, "2.x", [1], True])
def test_a_version_field_that_is_not_an_integer_is_a_value_error_naming_the_file(version, votes, tmp_path):
    L, _, _ = votes
    path = tmp_path / "mv.npz"
    MajorityVote().fit(L).save(path)
    arrays = dict(np.load(path))
    meta = json.loads(bytes(arrays["__meta__"]))
    meta["version"] = version
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match=rf"{bad}: corrupt weaksup file \(its format version is .*not an integer"):
        MajorityVote.load(bad)


def test_an_integer_version_field_reads_as_before(votes, tmp_path):
    L, _, _ = votes
    model = MajorityVote().fit(L)
    path = tmp_path / "mv.npz"
    model.save(path)
    np.testing.assert_array_equal(MajorityVote.load(path).predict_proba(L), model.predict_proba(L))
    arrays = dict(np.load(path))
    meta = json.loads(bytes(arrays["__meta__"]))
    meta["version"] = 2
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="written by a newer weaksup"):
        MajorityVote.load(path)


# ------------------------------------------------------------ pickles of an older weaksup
def test_a_majority_vote_pickled_by_an_older_weaksup_is_refused_naming_what_it_lacks():
    # it used to load and fail at predict_proba with "'MajorityVote' object has no attribute 'cardinality_'"
    with pytest.raises(pickle.UnpicklingError,
                       match=r"MajorityVote was pickled by an older weaksup \(missing: cardinality_\): refit it, or "
                             r"load it with the weaksup it was saved with"):
        pickle.loads(base64.b64decode(OLD_MAJORITY_VOTE))


def test_a_pickle_without_a_parameter_or_a_fitted_attribute_is_refused(votes):
    L, _, _ = votes
    model = DawidSkene(max_iter=20).fit(L, seed=0)
    with pytest.raises(pickle.UnpicklingError, match=r"DawidSkene .*\(missing: tol\)"):
        pickle.loads(_old_pickle(model, "tol"))
    with pytest.raises(pickle.UnpicklingError, match=r"DawidSkene .*\(missing: tol, cardinality_\)"):
        pickle.loads(_old_pickle(model, "cardinality_", "tol"))


def test_a_renamed_parameter_in_an_old_pickle_is_read_under_its_new_name(votes):
    L, _, _ = votes
    model = DawidSkene(max_iter=20).fit(L, seed=0)
    back = pickle.loads(_old_pickle(model, "use_valid_labels", use_dev_labels=False))
    assert back.get_params()["use_valid_labels"] is False  # was: AttributeError 'use_valid_labels'
    assert "use_dev_labels" not in vars(back)
    np.testing.assert_array_equal(back.predict_proba(L), model.predict_proba(L))
    assert clone(back).get_params()["use_valid_labels"] is False


def test_a_parameter_the_class_gives_a_default_may_be_missing():
    from weaksup.endmodel import Cosine

    model = Cosine()
    assert "confidence_on" in vars(model)
    back = pickle.loads(_old_pickle(model, "confidence_on"))  # pickled before confidence_on existed (95e78c5)
    assert back.get_params()["confidence_on"] == "sharpened"


def test_an_unfitted_model_and_a_users_own_subclass_pickle_as_before(votes):
    L, _, _ = votes
    for model in (MajorityVote(), DawidSkene(max_iter=5), LabelLearningFlow(n_epochs=1)):
        assert pickle.loads(pickle.dumps(model)).get_params() == model.get_params()

    model = FirstVote().fit(L)
    for back in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(back.predict_proba(L), model.predict_proba(L))


def test_current_pickles_load_bit_identically(votes):
    from weaksup.endmodel import LogisticRegression
    from weaksup.pipeline import Pipeline
    from weaksup.universal import RealSpace, UniversalLabelModel, make_synthetic

    L, y, X = votes
    Xd = np.asarray(X, np.float64)
    for model in (MajorityVote().fit(L), DawidSkene(max_iter=20).fit(L, seed=0)):
        for back in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
            np.testing.assert_array_equal(back.predict_proba(L), model.predict_proba(L))
            assert back.get_params() == model.get_params()
    lr = LogisticRegression().fit(Xd, y)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(lr)).predict_proba(Xd), lr.predict_proba(Xd))
    pipe = Pipeline(end_model=LogisticRegression()).fit(L, Xd, seed=0)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(pipe)).predict_proba(Xd), pipe.predict_proba(Xd))
    uv, _ = make_synthetic(RealSpace(1), [2.0, 1.0, 0.5], n=200, seed=0)
    uni = UniversalLabelModel(RealSpace(1)).fit(uv, seed=0)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(uni)).predict(uv), uni.predict(uv))


# ------------------------------------------------------------ flows: the prediction rule of c142dd0
def test_a_flow_records_its_prediction_rule_in_files_and_pickles(flow, votes, tmp_path):
    L, _, X = votes
    path = tmp_path / "flow.npz"
    flow.save(path)
    meta = json.loads(bytes(np.load(path)["__meta__"]))
    assert meta["predict_rule"] == "shared-z"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a recorded rule: no warning
        back = LabelLearningFlow.load(path)
        unpickled = pickle.loads(pickle.dumps(flow))
    for other in (back, unpickled):
        np.testing.assert_array_equal(other.predict_proba(L, X), flow.predict_proba(L, X))


def test_a_flow_file_without_the_rule_warns_that_one_from_before_c142dd0_predicts_otherwise(flow, votes, tmp_path):
    L, _, X = votes
    path = tmp_path / "flow.npz"
    flow.save(path)
    arrays = dict(np.load(path))
    meta = json.loads(bytes(arrays["__meta__"]))
    del meta["predict_rule"]  # as every weaksup before 2026-12-03 wrote it
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    with pytest.warns(UserWarning, match=rf"{old} does not record its prediction rule .*before 2026-12-02 17:07 UTC, "
                                         r"commit c142dd0.*refit it.*A flow fitted since predicts exactly as it did"):
        back = LabelLearningFlow.load(old)
    np.testing.assert_array_equal(back.predict_proba(L, X), flow.predict_proba(L, X))  # the rule of now, as before
    again = tmp_path / "again.npz"
    back.save(again)  # saved again unrefitted: still not known
    assert "predict_rule" not in json.loads(bytes(np.load(again)["__meta__"]))
    with pytest.warns(UserWarning, match=rf"{again} does not record its prediction rule"):
        LabelLearningFlow.load(again)
    back.fit(L, X, seed=0)  # a refit records the rule
    assert back._predict_rule == "shared-z"
    back.save(again)
    assert json.loads(bytes(np.load(again)["__meta__"]))["predict_rule"] == "shared-z"

    meta["predict_rule"] = "some-later-rule"
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(old, **arrays)
    with pytest.raises(ValueError, match=rf"{old} predicts by rule 'some-later-rule', this weaksup by 'shared-z'"):
        LabelLearningFlow.load(old)


def test_a_flow_pickle_without_the_rule_warns_and_one_of_another_rule_is_refused(flow, votes):
    L, _, X = votes
    with pytest.warns(UserWarning, match=r"this unpickled LabelLearningFlow does not record its prediction rule"):
        back = pickle.loads(_old_pickle(flow, "_predict_rule"))
    np.testing.assert_array_equal(back.predict_proba(L, X), flow.predict_proba(L, X))
    with pytest.raises(pickle.UnpicklingError, match="predicts by rule 'x'"):
        pickle.loads(_old_pickle(flow, _predict_rule="x"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unfitted flow has no rule to record
        pickle.loads(_old_pickle(LabelLearningFlow(), "_predict_rule"))
