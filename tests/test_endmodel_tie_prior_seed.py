"""End models break ties as label models do: ``"prior"`` by the training labels' class frequencies
(``class_prior_``), ``"true-random"`` fixed by ``seed=`` in ``predict`` and ``score``.

Before, ``EndModel.predict`` called ``probs_to_preds`` with neither: ``"prior"`` fell back to the lowest class
(a model trained on 80% class 1 predicted 0 on a tie) and ``"true-random"`` could not be repeated.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from weaksup.endmodel import LogisticRegression

X_TIE = np.zeros((10, 1))  # no feature signal and no intercept: every row is an exact [0.5, 0.5] tie
Y_80 = np.array([1] * 8 + [0] * 2)


def _tied_model(**kw) -> LogisticRegression:
    model = LogisticRegression(fit_intercept=False).fit(X_TIE, Y_80, seed=0, **kw)
    np.testing.assert_allclose(model.predict_proba(X_TIE[:1]), [[0.5, 0.5]])
    return model


def test_prior_ties_follow_the_training_class_frequencies() -> None:
    model = _tied_model()
    np.testing.assert_allclose(model.class_prior_, [0.2, 0.8])
    assert model.predict(X_TIE, tie_break="prior").tolist() == [1] * 10  # was [0] * 10
    assert model.score(X_TIE, Y_80, tie_break="prior") == pytest.approx(0.8)


def test_prior_is_weighted_by_sample_weight() -> None:
    w = np.array([1.0] * 8 + [10.0] * 2)  # class 0 now carries 20 of 28
    model = _tied_model(sample_weight=w)
    np.testing.assert_allclose(model.class_prior_, [20 / 28, 8 / 28])
    assert model.predict(X_TIE, tie_break="prior").tolist() == [0] * 10


def test_true_random_ties_are_seeded() -> None:
    model = _tied_model()
    Xb = np.zeros((64, 1))
    a = model.predict(Xb, tie_break="true-random", seed=3)
    np.testing.assert_array_equal(a, model.predict(Xb, tie_break="true-random", seed=3))
    assert 0 < a.sum() < 64
    assert not np.array_equal(a, model.predict(Xb, tie_break="true-random", seed=4))
    yb = np.ones(64, dtype=int)
    assert model.score(Xb, yb, tie_break="true-random", seed=3) == pytest.approx(a.mean())


def test_bad_seed_is_named() -> None:
    with pytest.raises((TypeError, ValueError), match="seed"):
        _tied_model().predict(X_TIE, tie_break="true-random", seed="a")


def test_a_model_pickled_without_class_prior_keeps_the_old_rule() -> None:
    model = _tied_model()
    old = pickle.loads(pickle.dumps(model))
    old.__dict__.pop("class_prior_")
    assert old.predict(X_TIE, tie_break="prior").tolist() == [0] * 10  # as before class_prior_ existed


def test_cosine_takes_its_stage_one_models_prior() -> None:
    from weaksup.endmodel import MLP, Cosine

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.array([1] * 45 + [0] * 15)
    mlp = MLP(max_steps=20, hidden_sizes=(8,), n_threads=1, progress=False)
    model = Cosine(end_model=mlp, self_training_steps=4, teacher_update=2, progress=False).fit(X, y, seed=0)
    np.testing.assert_allclose(model.class_prior_, [0.25, 0.75])
    np.testing.assert_array_equal(model.class_prior_, model.model_.class_prior_)
