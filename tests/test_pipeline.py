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
    import torch  # noqa: F401  (test extra)
    from weaksup.endmodel import MLP, Cosine

    L, X, y = _task(n=300)
    cos = Cosine(MLP(hidden_sizes=(8,), lr=1e-2, max_steps=50, progress=False), self_training_steps=10,
                 teacher_update=10, progress=False, self_train_on="all")
    pipe = Pipeline(MajorityVote(), cos).fit(L, X, seed=0)
    n_cov = int(pipe.covered_.sum())
    assert n_cov < 300
    fitted = pipe.end_model_
    assert fitted is not cos and not hasattr(cos, "teacher_history_")  # the template is cloned, not fitted
    # the self-training pool holds all 300 rows, not only the covered ones
    assert fitted.teacher_history_[0]["frac_confident"] == pytest.approx(fitted.teacher_history_[0]["n_confident"] / 300)


def test_pipeline_errors():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="no covered examples"):
        Pipeline(end_model=LogisticRegression()).fit(np.full((3, 2), -1), X)
    with pytest.raises(ValueError, match="votes have 3 rows but X has 2"):
        Pipeline(end_model=LogisticRegression()).fit(np.zeros((3, 2), int), X[:2])
    with pytest.raises(ValueError, match="needs an end_model"):
        Pipeline().fit(np.zeros((3, 2), int), X)


def test_pipeline_is_an_estimator():
    """Nested get/set_params, clone, steps cloned in fit (the caller's objects stay unfitted)."""
    from sklearn.base import clone

    from weaksup.labelmodel import DawidSkene

    lm, em = DawidSkene(), LogisticRegression(C=2.0)
    pipe = Pipeline(lm, em, soft=False)
    params = pipe.get_params()
    assert params["end_model__C"] == 2.0 and params["soft"] is False and params["label_model"] is lm
    assert "label_model__max_iter" in params or any(k.startswith("label_model__") for k in params)
    assert set(pipe.get_params(deep=False)) == {"label_model", "end_model", "covered_only", "soft", "tie_break",
                                                "prefit"}
    pipe.set_params(end_model__C=5.0, covered_only=True)
    assert em.C == 5.0
    with pytest.raises(ValueError, match="invalid parameter 'nope'"):
        pipe.set_params(nope=1)
    twin = clone(pipe)
    assert twin.end_model is not em and twin.end_model.C == 5.0
    L, X, y = _task()
    pipe.fit(L, X, seed=0)
    assert pipe.label_model_ is not lm and pipe.end_model_ is not em
    assert not hasattr(em, "coef_") and not hasattr(lm, "n_lfs_")
    assert pipe.get_params(deep=False)["end_model"] is em  # fit leaves constructor params alone
    again = clone(pipe).fit(L, X, seed=0)
    np.testing.assert_array_equal(again.predict(X), pipe.predict(X))


def test_pipeline_valid_triple_prefit_and_not_fitted():
    from weaksup._validation import NotFittedError

    L, X, y = _task()
    Lv, Xv, yv = _task(seed=2, n=200)
    with pytest.raises(NotFittedError):
        Pipeline(end_model=LogisticRegression()).predict(X)
    # (votes_valid, X_valid, y_valid): the label model gets (votes_valid, y_valid) too
    pipe = Pipeline(MajorityVote(), LogisticRegression()).fit(L, X, valid=(Lv, Xv, yv))
    assert pipe.end_model_.best_valid_score_ is not None
    with pytest.warns(DeprecationWarning, match="'dev'"):
        old = Pipeline(MajorityVote(), LogisticRegression()).fit(L, X, valid=(Xv, yv), dev=(Lv, yv))
    np.testing.assert_array_equal(old.predict(X), pipe.predict(X))
    with pytest.raises(ValueError, match="valid must be"):
        Pipeline(end_model=LogisticRegression()).fit(L, X, valid=(Xv,))
    # prefit: a fitted label model is used as it is, for several end models
    lm = MajorityVote().fit(L)
    pre = Pipeline(lm, LogisticRegression(), prefit=True).fit(L, X)
    assert pre.label_model_ is lm
    np.testing.assert_allclose(pre.train_labels_, lm.predict_proba(L)[pre.covered_])
    with pytest.raises(NotFittedError, match=r"prefit=True\) needs a fitted label model"):
        Pipeline(MajorityVote(), LogisticRegression(), prefit=True).fit(L, X)
    # score and predict use the pipeline's tie-break rule, as the label models do
    assert pipe.score(Xv, yv) == pytest.approx(float((pipe.predict(Xv) == yv).mean()))


def test_nested_params_errors_and_accepts_param():
    from weaksup._params import accepts_param

    pipe = Pipeline(MajorityVote(), LogisticRegression())
    with pytest.raises(ValueError, match="invalid parameter 'gamma' for LogisticRegression"):
        pipe.set_params(end_model__gamma=1)
    with pytest.raises(ValueError, match="soft is True, not an estimator"):
        pipe.set_params(soft__x=1)
    assert accepts_param(LogisticRegression, "C") and not accepts_param(LogisticRegression, "gamma")
    assert accepts_param(pipe, "valid", "fit") and not accepts_param(pipe, "x", "no_such_method")


# ------------------------------------------------------------------ pandas inputs, gold labels, prefit
def test_texts_in_a_shuffled_series_are_paired_with_their_own_votes():
    """take_rows read Series[i] by index label: after a shuffle only 56% of (text, weak label) pairs matched."""
    import pandas as pd

    from weaksup.endmodel.base import take_rows

    seen = {}

    class SpamWordLR(LogisticRegression):  # one feature: does the text say "spam"; records what fit saw
        def fit(self, X, y, **kw):
            seen["X"], seen["y"] = list(X), np.asarray(y)
            return super().fit(np.array([[float("spam" in t)] for t in X]), y, **kw)

    texts = pd.Series(["spam spam"] * 50 + ["ham"] * 50)
    votes = np.repeat(np.r_[np.ones(50, int), np.zeros(50, int)][:, None], 2, axis=1)
    perm = np.random.default_rng(0).permutation(100)
    shuffled = texts.iloc[perm]  # index is perm, not 0..99
    assert take_rows(shuffled, np.array([0, 1, 2])) == shuffled.iloc[:3].tolist()
    Pipeline(end_model=SpamWordLR()).fit(votes[perm], shuffled, seed=0)
    assert [("spam" in t) for t in seen["X"]] == (seen["y"].argmax(axis=1) == 1).tolist()


@pytest.mark.parametrize("index", ["shuffled", "offset", "default"])
def test_feature_dataframe_is_read_by_rows(index):
    """A DataFrame of features failed with a bare KeyError: 0 (a column lookup)."""
    import pandas as pd

    L, X, y = _task()
    order = {"shuffled": np.random.default_rng(1).permutation(len(y)), "offset": np.arange(len(y)),
             "default": np.arange(len(y))}[index]
    labels = order if index == "shuffled" else np.arange(len(y)) + (1000 if index == "offset" else 0)
    frame = pd.DataFrame(X[order], columns=["f0", "f1"], index=labels)
    pipe = Pipeline(end_model=LogisticRegression()).fit(L[order], frame, seed=0)
    ref = Pipeline(end_model=LogisticRegression()).fit(L[order], X[order], seed=0)
    np.testing.assert_allclose(pipe.predict_proba(frame), ref.predict_proba(X[order]))
    assert pipe.score(frame, y[order]) == ref.score(X[order], y[order])


def test_score_refuses_gold_labels_that_are_not_classes():
    """Pipeline/end-model score averaged gold -1 as a class (f1_macro 0.62 instead of 0.99) and scored y=5 on a
    binary model; LabelModel.score refuses both with this message."""
    L, X, y = _task()
    pipe = Pipeline(end_model=LogisticRegression()).fit(L, X, seed=0)
    unknown = y.copy()
    unknown[[3, 7]] = -1
    for metric in ("accuracy", "f1_macro", "logloss", "brier"):
        with pytest.raises(ValueError, match=r"y: value -1 at row 3 is outside 0\.\.1"):
            pipe.score(X, unknown, metric=metric)
    with pytest.raises(ValueError, match=r"y: value 5 at row 599 is outside 0\.\.1"):
        pipe.score(X, np.r_[y[:-1], 5])
    with pytest.raises(ValueError, match=r"y: value -1 at row 3 is outside 0\.\.1"):
        pipe.end_model_.score(X, unknown)
    with pytest.raises(ValueError, match="y: inf at row 1"):
        pipe.score(X[:2], [0, np.inf])
    assert pipe.score(X, np.eye(2)[y]) == pipe.score(X, y)  # soft labels: scored as their hard labels (ea8b93a)
    with pytest.raises(ValueError, match=r"y must be gold hard labels \(n,\) or an n×k soft-label matrix"):
        pipe.score(X, np.eye(2)[y][:, :, None])
    known = unknown >= 0
    assert pipe.score(X[known], y[known], "f1_macro") > 0.85
    with pytest.raises(ValueError, match=r"y: value -1 at row 3 is outside 0\.\.1"):
        MajorityVote().fit(L).score(L, unknown)  # the same words as the label models


def test_prefit_without_a_label_model_says_so():
    """It said 'MajorityVote is not fitted', naming a model the user never passed."""
    L, X, _ = _task()
    with pytest.raises(ValueError, match=r"prefit=True\) needs a fitted label_model, but label_model is None"):
        Pipeline(None, LogisticRegression(), prefit=True).fit(L, X)


# ------------------------------------------------------------------ weaksup.synthetic (the pipeline's test data)
@pytest.mark.parametrize("kwargs, match", [
    (dict(accuracies=1.5), r"make_votes: accuracies are probabilities in \[0, 1\]; LF 0 has 1\.5"),
    (dict(accuracies=[0.7, 0.8, 0.9]), r"make_votes: accuracies has shape \(3,\); expected a number or 2 numbers"),
    (dict(propensities=-0.1), r"make_votes: propensities are probabilities in \[0, 1\]; LF 0 has -0\.1"),
    (dict(propensities=[0.2, np.nan]), r"propensities are probabilities in \[0, 1\]; LF 1 has nan"),
    (dict(class_balance=[0.2, 0.3, 0.5]), r"make_votes: class_balance has shape \(3,\); expected \(2,\)"),
    (dict(class_balance=[-0.2, 1.2]), r"make_votes: class_balance must be positive and finite"),
    (dict(accuracies="high"), r"make_votes: accuracies must be a number in \[0, 1\] or 2 of them"),
])
def test_make_votes_refuses_parameters_that_are_not_probabilities(kwargs, match):
    """accuracies=1.5 was accepted (and reported back as 1.5); wrong lengths gave raw numpy broadcast errors."""
    with pytest.raises(ValueError, match=match):
        make_votes(10, 2, **kwargs)


def test_make_one_sided_votes_and_sizes_are_checked():
    from weaksup.synthetic import make_one_sided_votes

    with pytest.raises(ValueError, match=r"make_one_sided_votes: targets are classes 0\.\.1; LF 1 has 5"):
        make_one_sided_votes(10, 2, 2, targets=[0, 5])  # was an IndexError
    with pytest.raises(ValueError, match=r"targets has shape \(3,\); expected a class or 2 classes"):
        make_one_sided_votes(10, 2, 2, targets=[0, 1, 1])
    with pytest.raises(ValueError, match=r"hit_rates are probabilities in \[0, 1\]; LF 0 has 2\.0"):
        make_one_sided_votes(10, 2, 2, hit_rates=2.0)
    with pytest.raises(ValueError, match="make_votes: k must be an int >= 1, got 0"):
        make_votes(10, 2, 0)
    with pytest.raises(ValueError, match="make_votes: n must be an int >= 0, got 2.5"):
        make_votes(2.5, 2)
    L, _, params = make_votes(50, 3, accuracies=0.8, propensities=[0.1, 0.2, 0.3], seed=0)
    assert params["accuracies"].tolist() == [0.8] * 3 and params["propensities"].tolist() == [0.1, 0.2, 0.3]


def test_hard_labels_keep_every_class_of_the_label_model():
    """soft=False: a class the label model never predicts on the training rows stays a class of the end model
    (it was dropped: k inferred from the hard labels, so valid / score labels of that class were refused)."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    X = np.eye(3)[y] * 2 + rng.normal(scale=0.5, size=(200, 3))
    L = np.full((200, 3), -1)
    L[:, 0] = L[:, 1] = np.where(y == 2, 1, y)
    L[:5, 2] = 2  # class 2 is voted, never the majority
    pipe = Pipeline(MajorityVote(), LogisticRegression(), soft=False).fit(L, X, valid=(X, y), seed=0)
    assert pipe.end_model_.cardinality_ == 3 and pipe.predict_proba(X).shape == (200, 3)
    assert 0.0 <= pipe.score(X, y) <= 1.0


def test_hard_labels_are_the_label_models_own_predictions():
    """soft=False took probs_to_preds(probs[covered rows], tie_break): the prior ('prior') and the seed
    ('true-random') were ignored and 'random' broke ties by position among the covered rows, so train_labels_
    differed from label_model_.predict(votes)[covered] (43 of 358 rows here)."""
    rng = np.random.default_rng(0)
    votes = rng.integers(-1, 2, size=(400, 2))  # many 0-vs-1 ties and uncovered rows
    X = rng.normal(size=(400, 3))
    covered = (votes >= 0).any(axis=1)
    lm = MajorityVote(cardinality=2)
    for rule, kwargs in (("random", {}), ("prior", {"class_balance": np.array([0.2, 0.8])}), ("true-random", {})):
        pipe = Pipeline(lm, LogisticRegression(), soft=False, tie_break=rule).fit(votes, X, seed=3, **kwargs)
        expected = pipe.label_model_.predict(votes, tie_break=rule, seed=3)
        np.testing.assert_array_equal(pipe.train_labels_, expected[covered])
        every = Pipeline(lm, LogisticRegression(), soft=False, tie_break=rule, covered_only=False).fit(
            votes, X, seed=3, **kwargs)
        np.testing.assert_array_equal(every.train_labels_, expected)
    tied = np.isclose(pipe.label_model_.predict_proba(votes)[covered].max(axis=1), 0.5)
    prior = Pipeline(lm, LogisticRegression(), soft=False, tie_break="prior").fit(
        votes, X, class_balance=np.array([0.2, 0.8]))
    assert tied.sum() > 50 and (prior.train_labels_[tied] == 1).all()  # the prior's class on every tie
    again = Pipeline(lm, LogisticRegression(), soft=False, tie_break="true-random").fit(votes, X, seed=3)
    np.testing.assert_array_equal(again.train_labels_, pipe.train_labels_)  # the same seed, the same labels


def test_hard_labels_keep_every_class_of_the_label_model_under_cosine():
    """The k of soft=False reached end models with a cardinality parameter only; Cosine (whose cardinality is its
    end model's) still took k = max(label) + 1, so a valid label of the unpredicted class was refused."""
    from weaksup.endmodel import MLP, Cosine

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    X = np.c_[y + rng.normal(0, 0.3, 60), rng.normal(size=60)]
    votes = np.c_[y, y]  # the LFs vote classes 0 and 1; the task has 3
    Xv, yv = np.r_[X[:5], [[5.0, 0.0]]], np.r_[y[:5], 2]
    template = MLP(max_steps=20, progress=False)
    cos = Cosine(template, self_training_steps=2, thresh=0.0, progress=False)
    pipe = Pipeline(MajorityVote(cardinality=3), cos, soft=False).fit(votes, X, valid=(Xv, yv), seed=0)
    assert pipe.end_model_.cardinality_ == 3 and pipe.predict_proba(X[:2]).shape == (2, 3)
    assert 0.0 <= pipe.score(Xv, yv) <= 1.0
    assert cos.end_model is template and template.cardinality is None  # the Pipeline's own is left as it was
    default = Cosine()  # end_model=None: the default MLP() gets the k
    default._default_cardinality(3)
    assert isinstance(default.end_model, MLP) and default.cardinality == default.end_model.cardinality == 3


def test_fit_checks_x_and_the_tie_rule_before_fitting():
    """Pipeline.fit(votes, None) failed with a bare TypeError from len(); tie_break='randon' was accepted by fit
    (soft=True never reads it) and failed only at predict."""
    votes = np.array([[0, -1], [1, 1], [0, 0], [1, -1]])
    for X, what in ((None, r"X is None; pass the end model's features \(or texts\), one row per row of the votes "
                           r"\(4 rows\)"), (5, r"X must be the end model's features .* got a int")):
        with pytest.raises(ValueError, match=f"^Pipeline.fit: {what}"):
            Pipeline(end_model=LogisticRegression()).fit(votes, X)
    with pytest.raises(ValueError, match=r"^Pipeline: parameter 'tie_break' must be one of \['random', 'abstain', "
                                         r"'prior', 'true-random'\]; got 'randon'"):
        Pipeline(end_model=LogisticRegression(), tie_break="randon").fit(votes, np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"^Pipeline: parameter 'soft' must be a bool; got 'no'"):
        Pipeline(end_model=LogisticRegression(), soft="no").fit(votes, np.zeros((4, 1)))


class _NoFitMV(MajorityVote):
    """A label model that must not be fitted: the checks under test come first."""

    def fit(self, *a, **k):
        raise AssertionError("the label model was fitted before the check")


@pytest.mark.parametrize("end_model, valid, match", [
    (LogisticRegression(C=-1.0), None, r"LogisticRegression: parameter 'C'"),
    (LogisticRegression(metric="acuracy"), None, r"metric 'acuracy' is not one of"),
    (LogisticRegression(), "short_X", r"^Pipeline.fit: valid's X_valid has 10 rows but y_valid has 200$"),
    (LogisticRegression(), "narrow_X", r"^Pipeline.fit: valid's X_valid has 1 features but X has 2; "),
    (LogisticRegression(), "short_votes", r"^Pipeline.fit: valid's votes_valid has 10 rows but y_valid has 200$"),
])
def test_fit_checks_the_end_model_and_valid_before_the_label_model(end_model, valid, match):
    """Pipeline.fit fitted the label model first, then the end model refused its hyper-parameters or valid=
    ('X_valid has 5 features; the model was fitted on 6980', of a model not fitted yet)."""
    L, X, _ = _task()
    Lv, Xv, yv = _task(seed=2, n=200)
    valid = {None: None, "short_X": (Xv[:10], yv), "narrow_X": (Xv[:, :1], yv),
             "short_votes": (Lv[:10], Xv, yv)}[valid]
    with pytest.raises(ValueError, match=match):
        Pipeline(_NoFitMV(), end_model).fit(L, X, valid=valid)
    with pytest.raises(ValueError, match=match):
        run_pipeline(L, X, end_model, _NoFitMV(), valid=valid)


def test_valid_triple_in_another_order_is_named():
    """valid=(X_valid, votes_valid, y_valid) said 'invalid valid votes: sparse votes must hold integers'."""
    import scipy.sparse as sp

    L, X, _ = _task()
    Lv, Xv, yv = _task(seed=2, n=200)
    with pytest.raises(ValueError, match=r"^Pipeline.fit: valid is \(votes_valid, X_valid, y_valid\), votes first, "
                                         r"but valid\[0\] is no vote matrix \(.*\); it is a csr_matrix of shape "
                                         r"\(200, 2\) \(float64\): pass the validation votes first"):
        Pipeline(_NoFitMV(), LogisticRegression()).fit(L, X, valid=(sp.csr_matrix(Xv), Lv, yv))
    with pytest.raises(ValueError, match=r"^Pipeline.fit: valid is \(votes_valid, X_valid, y_valid\), votes first, "
                                         r"but valid\[0\] has 3 LF columns and the training votes 6 \(ndarray of "
                                         r"shape \(200, 3\) \(int64\)\)"):
        Pipeline(_NoFitMV(), LogisticRegression()).fit(L, X, valid=(np.zeros((200, 3), int), Xv, yv))
