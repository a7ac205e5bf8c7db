"""scikit-learn metadata routing (sklearn.set_config(enable_metadata_routing=True)) with weaksup end models: a
sample_weight routed by a scikit-learn Pipeline reaches fit after set_fit_request, is an error when unset (as for
scikit-learn's own classifiers, instead of an unweighted fit without a word), and Pipeline.score works."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from weaksup.endmodel import LogisticRegression


@pytest.fixture
def routing():
    sklearn.set_config(enable_metadata_routing=True)
    try:
        yield
    finally:
        sklearn.set_config(enable_metadata_routing=False)


def _task():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = (X[:, 0] + rng.normal(size=90) * 0.5 > 0).astype(int)
    w = np.where(y == 1, 20.0, 0.05)  # heavy weights: a weighted fit differs clearly
    return X, y, w


def test_unset_request_is_an_error_not_an_unweighted_fit(routing):
    X, y, w = _task()
    pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=True), LogisticRegression())
    with pytest.raises(UnsetMetadataPassedError, match=r"LogisticRegression\.fit"):
        pipe.fit(X, y, sample_weight=w)


def test_requested_sample_weight_reaches_fit(routing):
    X, y, w = _task()
    Xs = StandardScaler().fit(X, sample_weight=w).transform(X)
    weighted = LogisticRegression().fit(Xs, y, sample_weight=w).predict_proba(Xs)
    model = LogisticRegression().set_fit_request(sample_weight=True)
    pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=True), model).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(pipe.predict_proba(X), weighted)
    # the request survives clone (what cross_val_score / GridSearchCV fit) and pickling
    for copy in (clone(model), pickle.loads(pickle.dumps(model))):
        assert copy.get_metadata_routing().fit.requests["sample_weight"] is True


def test_pipeline_score_and_cross_val_score(routing):
    X, y, _ = _task()
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    assert pipe.score(X, y) == LogisticRegression().fit(StandardScaler().fit_transform(X), y).score(
        StandardScaler().fit_transform(X), y)
    assert cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=3).mean() > 0.7


def test_set_fit_request_checks_names_and_needs_routing(routing):
    with pytest.raises(TypeError):
        LogisticRegression().set_fit_request(no_such_param=True)
    sklearn.set_config(enable_metadata_routing=False)
    with pytest.raises(RuntimeError):
        LogisticRegression().set_fit_request(sample_weight=True)


def test_score_refuses_sample_weight():
    X, y, w = _task()
    with pytest.raises(ValueError, match="sample_weight is not supported"):
        LogisticRegression().fit(X, y).score(X, y, sample_weight=w)
