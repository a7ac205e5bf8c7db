"""Bad input to run_pipeline / Pipeline, weaksup.metrics and the snorkel compat helpers: a clear error naming what
and where, raised before any fitting, never a silently wrong number."""

from __future__ import annotations

import numpy as np
import pytest

from weaksup import metrics as M
from weaksup.endmodel import LogisticRegression
from weaksup.labelmodel import MajorityVote
from weaksup.pipeline import Pipeline, run_pipeline
from weaksup.synthetic import make_votes


def _task(n=300, k=2, seed=0):
    L, y, _ = make_votes(n, 5, k, seed=seed)
    X = np.eye(k)[y] * 2 + np.random.default_rng(seed).normal(scale=0.5, size=(n, k))
    return L, X, y


# ---------------------------------------------------------------- run_pipeline: scoring arguments before the fit
def test_run_pipeline_reads_one_metric_name_as_one_metric():
    L, X, y = _task()
    one = run_pipeline(L, X, LogisticRegression(), test=(X[:50], y[:50]), test_votes=L[:50], metrics="accuracy",
                       seed=0)
    many = run_pipeline(L, X, LogisticRegression(), test=(X[:50], y[:50]), test_votes=L[:50],
                        metrics=("accuracy",), seed=0)
    assert one.metrics == many.metrics and list(one.metrics) == ["accuracy"]
    assert one.label_model_metrics == many.label_model_metrics


@pytest.mark.parametrize("case, match", [
    ("metric_typo", r"run_pipeline: unknown metric 'zz'"),
    ("metric_not_a_name", r"run_pipeline: unknown metric 3"),
    ("metrics_none", r"run_pipeline: metrics must be a metric name"),
    ("test_of_one", r"run_pipeline: test must be \(X_test, y_test\), got tuple of length 1"),
    ("short_gold", r"run_pipeline: test's X_test has 300 rows but y_test has 5"),
    ("gold_class_2", r"test's y_test: value 2 at row 0 is outside 0..1"),
    ("gold_unknown", r"test's y_test: value -1 at row 0 is outside 0..1"),
    ("test_votes_rows", r"run_pipeline: test_votes have 40 rows but y_test has 50"),
    ("test_votes_cols", r"run_pipeline: test_votes have 3 LF columns but the training votes have 5"),
    ("test_votes_alone", r"test_votes are scored against test's gold labels, but test is None"),
    ("binary_metric_3_classes", r"metric 'f1_binary' cannot score the test labels \(3 classes\)"),
    ("auc_3_classes", r"metric 'auc' cannot score the test labels \(3 classes\)"),
])
def test_run_pipeline_checks_scoring_arguments_before_fitting(case, match):
    L, X, y = _task()
    L3, _, y3 = _task(k=3)
    args = {"votes": L, "test": (X[:50], y[:50]), "test_votes": None, "metrics": ("accuracy",)}
    args.update({
        "metric_typo": {"metrics": ("zz",)},
        "metric_not_a_name": {"metrics": ("accuracy", 3)},
        "metrics_none": {"metrics": None},
        "test_of_one": {"test": (X,)},
        "short_gold": {"test": (X, y[:5])},
        "gold_class_2": {"test": (X[:50], np.full(50, 2))},
        "gold_unknown": {"test": (X[:50], np.full(50, -1))},
        "test_votes_rows": {"test_votes": L[:40]},
        "test_votes_cols": {"test_votes": L.to_dense()[:50, :3]},
        "test_votes_alone": {"test": None, "test_votes": L[:50]},
        "binary_metric_3_classes": {"votes": L3, "test": (X[:50], y3[:50]), "metrics": ("accuracy", "f1_binary")},
        "auc_3_classes": {"votes": L3, "test": (X[:50], y3[:50]), "metrics": "auc"},
    }[case])
    votes = args.pop("votes")
    # C=-1 fails the end model's fit: the error must be the argument's, raised before the end model is fitted
    with pytest.raises(ValueError, match=match):
        run_pipeline(votes, X, LogisticRegression(C=-1.0), **args)


# ---------------------------------------------------------------- Pipeline: the two steps
@pytest.mark.parametrize("label_model, end_model, exc, match", [
    (MajorityVote, LogisticRegression(), TypeError, r"label_model must be a model instance, got the class "
                                                    r"MajorityVote; pass MajorityVote\(\)"),
    (MajorityVote(), LogisticRegression, TypeError, r"end_model must be a model instance"),
    (LogisticRegression(), LogisticRegression(), TypeError, r"label_model=LogisticRegression\(...\) is not a label "
                                                            r"model"),
    (None, MajorityVote(), TypeError, r"end_model=MajorityVote\(...\) is a label model"),
    ("zzz", LogisticRegression(), ValueError, r"label_model='zzz' is not a registered model name"),
    ("lr", LogisticRegression(), ValueError, r"label_model='lr' names LogisticRegression, a model of family 'end'"),
    (MajorityVote(), "mv", ValueError, r"end_model='mv' names MajorityVote, a model of family 'label'"),
    (MajorityVote(), 3, TypeError, r"end_model must be a model with fit and predict_proba"),
])
def test_pipeline_refuses_a_step_of_the_wrong_kind(label_model, end_model, exc, match):
    L, X, _ = _task()
    with pytest.raises(exc, match=match):
        Pipeline(label_model, end_model).fit(L, X)
    with pytest.raises(exc, match=match):
        run_pipeline(L, X, end_model, label_model)


def test_pipeline_takes_registry_names_for_its_steps():
    L, X, y = _task()
    by_name = Pipeline("mv", "LogisticRegression").fit(L, X, seed=0)
    by_obj = Pipeline(MajorityVote(), LogisticRegression()).fit(L, X, seed=0)
    assert type(by_name.label_model_).__name__ == "MajorityVote"
    np.testing.assert_array_equal(by_name.predict_proba(X), by_obj.predict_proba(X))
    res = run_pipeline(L, X, LogisticRegression(), "wmv", test=(X, y), seed=0)
    assert type(res.pipeline.label_model_).__name__ == "WeightedMajorityVote" and res.metrics["accuracy"] > 0.9
    with pytest.raises(ValueError, match=r"Pipeline\(prefit=True\) needs a fitted label model, got the name 'mv'"):
        Pipeline("mv", LogisticRegression(), prefit=True).fit(L, X)


# ---------------------------------------------------------------- binary metrics
@pytest.mark.parametrize("func", [M.f1_binary, M.precision_binary, M.recall_binary])
@pytest.mark.parametrize("y_true, y_pred, pos_label, match", [
    ([0, 1], [0, 1], 5, r"pos_label must be 0 or 1"),
    ([0, 1], [0, 1], -1, r"pos_label must be 0 or 1"),
    ([0, 1], [0, 1], True, r"pos_label must be 0 or 1"),
    ([0, 1, 2, 2], [0, 1, 0, 0], 1, r"y_true: value 2 at row 2 is outside 0..1 \(\w+ is binary"),
    ([0, 1, 1, 0], [0, 1, 2, 0], 1, r"y_pred: value 2 at row 2 is outside 0..1 \(\w+ is binary"),
])
def test_binary_metrics_refuse_other_classes(func, y_true, y_pred, pos_label, match):
    with pytest.raises(ValueError, match=match):
        func(y_true, y_pred, pos_label=pos_label)


def test_binary_metrics_keep_their_binary_values():
    from sklearn import metrics as skm

    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 200), rng.integers(-1, 2, 200)
    for pos in (0, 1):
        P, R, F, _ = skm.precision_recall_fscore_support(y, p, labels=[0, 1], average=None, zero_division=0)
        assert M.f1_binary(y, p, pos_label=pos) == pytest.approx(F[pos])
        assert M.precision_binary(y, p, pos_label=pos) == pytest.approx(P[pos])
        assert M.recall_binary(y, p, pos_label=pos) == pytest.approx(R[pos])
    assert M.score("f1_binary", y, p, np.full((200, 2), 0.5)) == M.f1_binary(y, p)


@pytest.mark.parametrize("metric", ["f1_binary", "f1", "precision", "recall"])
def test_binary_metric_of_a_three_class_model_is_refused(metric):
    L3, _, y3 = _task(k=3)
    mv = MajorityVote().fit(L3)
    with pytest.raises(ValueError, match=f"metric '{metric}' is binary"):
        mv.score(L3, y3, metric=metric)
    two = y3 < 2  # even where the gold labels hold only classes 0 and 1, the model scores 3 classes
    with pytest.raises(ValueError, match=f"metric '{metric}' is binary"):
        M.score(metric, y3[two], probs=mv.predict_proba(L3)[two])


# ---------------------------------------------------------------- probs_to_preds / tie_split
def test_probs_to_preds_reads_a_list_prior_as_its_array():
    P = np.array([[0.5, 0.5], [0.4, 0.4], [0.2, 0.8]])
    assert M.probs_to_preds(P, "prior", prior=[0.3, 0.7]).tolist() == [1, 1, 1]
    np.testing.assert_array_equal(M.probs_to_preds(P, "prior", prior=[0.7, 0.3]),
                                  M.probs_to_preds(P, "prior", prior=np.array([0.7, 0.3])))
    assert M.probs_to_preds(P, "prior", prior=[0.7, 0.3]).tolist() == [0, 0, 1]
    assert M.probs_to_preds(P, "prior", prior=[0.0, 1.0]).tolist() == [1, 1, 1]  # a zero prior is allowed


@pytest.mark.parametrize("func", ["probs_to_preds", "tie_split"])
@pytest.mark.parametrize("probs, kwargs, match", [
    (np.zeros((3, 0)), {}, r"no class columns"),
    ([0.5, 0.5], {}, r"wants an n × k array .* got shape \(2,\)"),
    ([[0.5, 0.5], [np.nan, 0.5]], {}, r"1 row\(s\) hold NaN or inf, first at row 1"),
    ([[0.5, 0.5]], {"tol": -1}, r"tol must be a finite number >= 0"),
    ([[0.5, 0.5]], {"tol": float("nan")}, r"tol must be a finite number >= 0"),
    ([[0.5, 0.5]], {"tol": "0.1"}, r"tol must be a finite number >= 0"),
])
def test_tie_rules_refuse_bad_probabilities_and_tolerances(func, probs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(M, func)(probs, **kwargs)


@pytest.mark.parametrize("prior, match", [
    ([0.3, 0.3, 0.4], r"prior must have one entry per class column, shape \(2,\)"),
    ([0.3, np.nan], r"prior\[1\] = nan; a class prior must be finite and >= 0"),
    ([-0.1, 1.1], r"prior\[0\] = -0.1"),
    (["a", "b"], r"prior must be 2 numbers"),
])
def test_prior_tie_rule_refuses_a_bad_prior(prior, match):
    with pytest.raises(ValueError, match=match):
        M.probs_to_preds([[0.5, 0.5]], "prior", prior=prior)


def test_tie_rules_keep_their_outputs_on_valid_input():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3), 500).round(1)  # many ties
    P[:5] = 1 / 3
    for tie in M.TIE_BREAKS:
        pred = M.probs_to_preds(P, tie, prior=np.array([0.2, 0.5, 0.3]), seed=1)
        assert pred.shape == (500,) and pred.min() >= (-1 if tie == "abstain" else 0)
    assert M.probs_to_preds(P[:5], "random").tolist() == [M._sha1_tie(i) % 3 for i in range(5)]
    np.testing.assert_array_equal(M.tie_split(P[:5]), np.full((5, 3), 1 / 3))


# ---------------------------------------------------------------- other metrics and the registry
@pytest.mark.parametrize("eps", [-1, 0, 0.5, 1, float("nan"), float("inf"), "1e-15", None, True])
def test_log_loss_refuses_a_bad_eps(eps):
    with pytest.raises(ValueError, match="eps must be a number with 0 < eps < 0.5"):
        M.log_loss([0, 1], [[0.5, 0.5], [0.2, 0.8]], eps=eps)


@pytest.mark.parametrize("labels, match", [
    ([5], r"labels\[0\] = 5 is in neither y_true nor y_pred"),
    ([0, 2], r"labels\[1\] = 2 is in neither"),
    ([], r"labels is empty"),
    ([0, 0, 1], r"names class 0 more than once"),
])
def test_f1_macro_refuses_labels_that_do_not_occur(labels, match):
    with pytest.raises(ValueError, match=match):
        M.f1_macro([0, 1, 1], [0, 1, 0], labels=labels)


def test_f1_macro_labels_average_over_the_named_classes():
    assert M.f1_macro([0, 1, 2], [0, 1, 1], labels=[0, 1]) == pytest.approx((1 + 2 / 3) / 2)


def test_metric_needs_probs_refuses_an_unknown_name():
    with pytest.raises(ValueError, match="unknown metric 'zzz'"):
        M.metric_needs_probs("zzz")


@pytest.mark.parametrize("name, aliases", [("accuracy", ()), ("f1", ()), ("my_acc", ("acc",))])
def test_register_metric_refuses_to_replace_a_builtin(name, aliases):
    with pytest.raises(ValueError, match="is a built-in metric of weaksup.metrics"):
        M.register_metric(name, lambda y, p: 0.0, aliases=aliases)
    assert M.score("accuracy", [0, 1], [0, 1]) == 1.0 and "my_acc" not in M.METRICS
    original = M._REGISTRY["brier"]
    try:
        M.register_metric("brier", lambda y, p: -1.0, needs="probs", overwrite=True)
        assert M.score("brier", [0], probs=[[1.0, 0.0]]) == -1.0
    finally:
        M._REGISTRY["brier"] = original
    assert M.score("brier", [0], probs=[[1.0, 0.0]]) == 0.0


# ---------------------------------------------------------------- snorkel compat
@pytest.mark.parametrize("preds, k, match", [
    (np.array([0, 2]), 2, r"preds: label 2 at position 1 is outside 0..1 \(num_classes=2\)"),
    (np.array([0.0, 1.5]), 2, r"preds: 1.5 at position 1 is not an integer class label"),
    (np.array([0.0, np.nan]), 2, r"preds: nan at position 1"),
    (np.array([0, 1]), 0, r"num_classes must be an int >= 1"),
    (np.array([0, 1]), 2.0, r"num_classes must be an int >= 1"),
    (np.array(["a"]), 2, r"preds must be integer class labels"),
])
def test_compat_preds_to_probs_names_the_bad_value(preds, k, match):
    from weaksup.compat.snorkel.utils import preds_to_probs

    with pytest.raises(ValueError, match=match):
        preds_to_probs(preds, k)


def test_compat_preds_to_probs_keeps_snorkels_values():
    from snorkel.utils import preds_to_probs as s_preds_to_probs

    from weaksup.compat.snorkel.utils import preds_to_probs

    for preds in (np.array([0, 2, 1]), np.array([[1], [0], [2]]), np.array([2])):
        np.testing.assert_array_equal(preds_to_probs(preds, 3), s_preds_to_probs(preds, 3))
    np.testing.assert_array_equal(preds_to_probs(np.array([1.0, 0.0]), 2), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(preds_to_probs(np.array([True, False]), 2), [[0, 1], [1, 0]])


@pytest.mark.parametrize("tol", [0, -1, 0.0, float("nan"), "1e-5"])
def test_compat_probs_to_preds_refuses_a_tolerance_that_ties_nothing(tol):
    from weaksup.compat.snorkel.utils import probs_to_preds

    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        probs_to_preds(np.array([[0.5, 0.5], [0.2, 0.8]]), "abstain", tol=tol)


@pytest.mark.parametrize("golds, preds, probs, match", [
    ([0, 1], [0], None, "golds 2, preds 1"),
    ([0, 1], [0, 1], np.full((3, 2), 0.5), "golds 2, preds 2, probs 3"),
])
def test_compat_scorer_refuses_arrays_of_different_lengths(golds, preds, probs, match):
    from weaksup.compat.snorkel.analysis import Scorer

    with pytest.raises(ValueError, match=f"must have the same number of elements, got {match}"):
        Scorer(metrics=["accuracy"]).score(np.array(golds), np.array(preds), probs)


def test_compat_label_model_score_refuses_short_gold_labels():
    from weaksup.compat.snorkel.labeling.model import LabelModel

    L, _, y = _task(n=100)
    model = LabelModel(cardinality=2)
    model.fit(L.to_dense(), n_epochs=10, progress_bar=False)
    with pytest.raises(ValueError, match="golds 3, preds 100, probs 100"):
        model.score(L.to_dense(), y[:3])
