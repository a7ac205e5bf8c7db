"""A feature-conditioned label model (LabelLearningFlow, FeatureLabelModel) records a frame's feature names at fit
and checks them at predict and on X_valid as the end models do: the same columns in another order were read by
position (other probabilities, no error).  Old files and pickles without the names still load and predict; a
masked feature array with masked cells is refused, never read as its hidden values."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from weaksup.endmodel import LogisticRegression
from weaksup.flows import FeatureLabelModel, LabelLearningFlow

pytest.importorskip("torch")


def _data(n=200):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    L = np.stack([np.where(rng.random(n) < .85, y, 1 - y) for _ in range(3)], 1)
    X = pd.DataFrame({"signal": y * 2 + rng.normal(size=n), "noise": rng.normal(size=n) * 5})
    return L, y, X


class Centroid(FeatureLabelModel):
    """A user's own feature label model: class centroids of X under the majority vote."""

    def __init__(self, cardinality=None):
        self.cardinality = cardinality

    def _fit(self, L, X, *, class_balance, valid, seed):
        mv = L.class_counts().argmax(1)
        self.centroids_ = np.stack([X[mv == c].mean(0) for c in range(self.cardinality_)])

    def _predict_proba(self, L, X):
        d = -((X[:, None, :] - self.centroids_) ** 2).sum(-1)
        e = np.exp(d - d.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)


@pytest.fixture(scope="module")
def flow():
    L, y, X = _data()
    return LabelLearningFlow(n_epochs=2).fit(L, X, seed=0)


def test_names_are_recorded_and_reordered_columns_refused_as_end_models_refuse_them(flow):
    L, y, X = _data()
    assert flow.feature_names_in_.tolist() == ["signal", "noise"]
    reordered = X[["noise", "signal"]]
    with pytest.raises(ValueError) as got:
        flow.predict_proba(L, reordered)
    lr = LogisticRegression().fit(X, y, seed=0)
    with pytest.raises(ValueError) as end:
        lr.predict_proba(reordered)
    assert str(got.value) == str(end.value)  # the same rule and wording
    for call in (lambda: flow.predict(L, reordered), lambda: flow.score(L, reordered, y)):
        with pytest.raises(ValueError, match="same names in another order"):
            call()
    with pytest.raises(ValueError, match="feature names unseen at fit time"):
        flow.predict_proba(L, X.set_axis(["a", "b"], axis=1))


def test_the_fitted_frame_and_its_array_give_the_same_probabilities(flow):
    L, y, X = _data()
    p = flow.predict_proba(L, X)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but LabelLearningFlow"):
        q = flow.predict_proba(L, X.to_numpy())
    assert np.array_equal(p, q)


def test_x_valid_is_checked_against_the_training_names():
    L, y, X = _data()
    with pytest.raises(ValueError, match="valid features: the feature names should match"):
        Centroid().fit(L, X, valid=(L, y, X[["noise", "signal"]]))
    Centroid().fit(L, X, valid=(L, y, X))  # the same columns: accepted


def test_a_model_fitted_on_an_array_records_no_names_and_warns_on_a_frame():
    L, y, X = _data()
    model = Centroid().fit(L, X.to_numpy())
    assert not hasattr(model, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but Centroid was fitted without feature names"):
        model.predict_proba(L, X)


def test_names_survive_save_load_and_pickle(flow, tmp_path):
    L, y, X = _data()
    flow.save(tmp_path / "flow.npz")
    for loaded in (LabelLearningFlow.load(tmp_path / "flow.npz"), pickle.loads(pickle.dumps(flow))):
        assert loaded.feature_names_in_.tolist() == ["signal", "noise"]
        assert np.array_equal(loaded.predict_proba(L, X), flow.predict_proba(L, X))
        with pytest.raises(ValueError, match="same names in another order"):
            loaded.predict_proba(L, X[["noise", "signal"]])


def test_a_model_saved_before_the_names_loads_and_predicts_unchecked(flow, tmp_path):
    L, y, X = _data()
    old = pickle.loads(pickle.dumps(flow))
    del old.feature_names_in_, old._names_recorded  # as a flow pickled by the previous weaksup
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.array_equal(old.predict_proba(L, X), flow.predict_proba(L, X))
        old.predict_proba(L, X[["noise", "signal"]])  # unknown names: read by position, as before
    old.save(tmp_path / "old.npz")
    assert not hasattr(LabelLearningFlow.load(tmp_path / "old.npz"), "feature_names_in_")


def test_masked_features_are_refused_unless_nothing_is_masked():
    L, y, X = _data()
    Xa = X.to_numpy()
    masked = np.ma.masked_array(Xa, mask=np.zeros_like(Xa, dtype=bool))
    masked[3, 1] = np.ma.masked
    with pytest.raises(ValueError, match=r"X is a numpy masked array with 1 masked value\(s\) \(first: row 3, "
                                         r"column 1\)"):
        Centroid().fit(L, masked)
    model = Centroid().fit(L, np.ma.masked_array(Xa))  # nothing masked: its data
    assert np.array_equal(model.centroids_, Centroid().fit(L, Xa).centroids_)
    with pytest.raises(ValueError, match="X is a numpy masked array"):
        model.predict_proba(L, masked)
    with pytest.raises(ValueError, match="valid features is a numpy masked array"):
        Centroid().fit(L, Xa, valid=(L, y, masked))
