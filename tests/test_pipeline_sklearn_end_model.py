"""weaksup Pipeline with a scikit-learn classifier (or a scikit-learn Pipeline around a weaksup end model) as
end_model: it is fitted on (X, labels) alone, without weaksup's valid= / seed= keywords it does not take."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLR
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from weaksup.endmodel import LogisticRegression
from weaksup.labelmodel import DawidSkene
from weaksup.pipeline import Pipeline
from weaksup.synthetic import make_votes


def _task():
    L, y, _ = make_votes(400, 5, 2, seed=0)
    X = np.eye(2)[y] * 2 + np.random.default_rng(0).normal(scale=0.8, size=(400, 2))
    return L, X, y


@pytest.mark.parametrize("soft", [True, False])
def test_sklearn_pipeline_around_weaksup_model_as_end_model(soft):
    L, X, y = _task()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = Pipeline(label_model=DawidSkene(), end_model=make_pipeline(StandardScaler(), LogisticRegression()),
                        soft=soft).fit(L, X)
        lm = DawidSkene().fit(L)
    covered = pipe.covered_
    labels = lm.predict_proba(L) if soft else lm.predict(L)
    want = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[covered], labels[covered])
    np.testing.assert_allclose(pipe.predict_proba(X), want.predict_proba(X))


def test_sklearn_classifier_as_end_model_on_hard_labels():
    L, X, y = _task()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = Pipeline(end_model=SkLR(), soft=False).fit(L, X)
    assert (pipe.predict(X) == y).mean() > 0.9


def test_end_model_valid_refused_before_the_label_model_is_fitted():
    L, X, y = _task()
    fits = []

    class CountingDS(DawidSkene):
        def _fit(self, *a, **k):
            fits.append(1)
            return super()._fit(*a, **k)

    with pytest.raises(ValueError, match=r"SkLR|LogisticRegression\.fit takes no valid="):
        Pipeline(label_model=CountingDS(), end_model=SkLR(), soft=False).fit(L, X, valid=(X[:50], y[:50]))
    assert fits == []
