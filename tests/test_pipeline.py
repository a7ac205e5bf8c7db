"""votes → label model → soft labels → end model → metrics."""

from __future__ import annotations

import numpy as np
import pytest

from weaksup.endmodel import LogisticRegression
from weaksup.labelmodel import MajorityVote
from weaksup.pipeline import Pipeline, run_pipeline
from weaksup.synthetic import make_votes


def _task(seed=0, n=600):
    L, y, _ = make_votes(n, 6, 2, accuracies=0.75, propensities=0.3, seed=seed)
    rng = np.random.default_rng(seed)
    X = np.c_[y * 2.0 - 1.0, np.zeros(n)] + rng.normal(0, 0.8, (n, 2))
    return L, X, y


def test_pipeline_trains_on_covered_soft_labels():
    L, X, y = _task()
    pipe = Pipeline(MajorityVote(), LogisticRegression()).fit(L, X)
    covered = L.to_dense().max(axis=1) >= 0
    np.testing.assert_array_equal(pipe.covered_, covered)
    probs = MajorityVote().fit(L).predict_proba(L)
    np.testing.assert_allclose(pipe.train_labels_, probs[covered])
    manual = LogisticRegression().fit(X[covered], probs[covered])
    np.testing.assert_allclose(pipe.predict_proba(X), manual.predict_proba(X), atol=1e-10)
    # the end model generalises beyond the label model's coverage
    assert pipe.score(X[~covered], y[~covered]) > 0.85


def test_run_pipeline_metrics_and_options():
    L, X, y = _task()
    Lt, Xt, yt = _task(seed=1)
    res = run_pipeline(L, X, LogisticRegression(), test=(Xt, yt), test_votes=Lt,
                       metrics=("accuracy", "f1_binary"))
    assert set(res.metrics) == {"accuracy", "f1_binary"}
    assert res.metrics["accuracy"] == pytest.approx(res.pipeline.score(Xt, yt))
    assert res.metrics["accuracy"] > res.label_model_metrics["accuracy"]  # end model covers all rows
    hard_all = Pipeline(end_model=LogisticRegression(), covered_only=False, soft=False).fit(L, X)
    assert hard_all.train_labels_.shape == (len(y),) and set(np.unique(hard_all.train_labels_)) <= {0, 1}


def test_pipeline_passes_uncovered_rows_to_cosine():
    pytest.importorskip("torch")
    from weaksup.endmodel import MLP, Cosine

    L, X, y = _task(n=300)
    cos = Cosine(MLP(hidden_sizes=(8,), lr=1e-2, max_steps=50, progress_bar=False), self_training_steps=10,
                 teacher_update=10, progress_bar=False, self_train_on="all")
    pipe = Pipeline(MajorityVote(), cos).fit(L, X, seed=0)
    n_cov = int(pipe.covered_.sum())
    assert n_cov < 300
    # the self-training pool holds all 300 rows, not only the covered ones
    assert cos.teacher_history_[0]["frac_confident"] == pytest.approx(cos.teacher_history_[0]["n_confident"] / 300)


def test_pipeline_errors():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="no covered examples"):
        Pipeline(end_model=LogisticRegression()).fit(np.full((3, 2), -1), X)
    with pytest.raises(ValueError, match="votes have 3 rows but X has 2"):
        Pipeline(end_model=LogisticRegression()).fit(np.zeros((3, 2), int), X[:2])
    with pytest.raises(ValueError, match="needs an end_model"):
        Pipeline().fit(np.zeros((3, 2), int), X)
