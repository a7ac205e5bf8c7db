"""weaksup.metrics against scikit-learn on random inputs, plus hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from weaksup import metrics as M


def _random(rng, n, k, abstain=0.0):
    y = rng.integers(0, k, n)
    p = rng.integers(0, k, n)
    if abstain:
        p[rng.random(n) < abstain] = -1
    probs = rng.dirichlet(np.ones(k), n)
    return y, p, probs


@pytest.mark.parametrize("seed", range(20))
def test_label_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    n = int(rng.integers(1, 200))
    y, p, _ = _random(rng, n, k)
    assert M.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))
    assert M.f1_macro(y, p) == pytest.approx(skm.f1_score(y, p, average="macro", zero_division=0))
    assert M.f1_micro(y, p) == pytest.approx(skm.f1_score(y, p, average="micro", zero_division=0))
    two = (y < 2) & (p < 2)  # the binary metrics score the classes 0 and 1 only (a third class is refused)
    y2, p2 = y[two], p[two]
    for pos in (1, 0):
        kw = dict(labels=[0, 1], average=None, zero_division=0)
        P, R, F, _ = skm.precision_recall_fscore_support(y2, p2, **kw)
        assert M.f1_binary(y2, p2, pos_label=pos) == pytest.approx(F[pos])
        assert M.precision_binary(y2, p2, pos_label=pos) == pytest.approx(P[pos])
        assert M.recall_binary(y2, p2, pos_label=pos) == pytest.approx(R[pos])


@pytest.mark.parametrize("seed", range(10))
def test_abstain_counts_as_wrong(seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 5))
    y, p, _ = _random(rng, 150, k, abstain=0.3)
    labels = list(range(k))
    assert M.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))
    assert M.f1_micro(y, p) == pytest.approx(skm.f1_score(y, p, labels=labels, average="micro", zero_division=0))
    present = sorted(set(y) | set(p[p >= 0]))
    assert M.f1_macro(y, p) == pytest.approx(skm.f1_score(y, p, labels=present, average="macro", zero_division=0))
    two = (y < 2) & (p < 2)  # f1_binary: classes 0 and 1 (and -1 predictions) only
    assert M.f1_binary(y[two], p[two]) == pytest.approx(
        skm.f1_score(y[two], p[two], labels=[0, 1], average=None, zero_division=0)[1])


@pytest.mark.parametrize("seed", range(20))
def test_probability_metrics_match_sklearn(seed):
    rng = np.random.default_rng(200 + seed)
    k = int(rng.integers(2, 6))
    n = int(rng.integers(5, 300))
    y, _, probs = _random(rng, n, k)
    y[:k] = np.arange(k)  # every class present
    assert M.log_loss(y, probs) == pytest.approx(skm.log_loss(y, probs, labels=list(range(k))))
    onehot = np.eye(k)[y]
    assert M.brier(y, probs) == pytest.approx(np.mean(np.sum((probs - onehot) ** 2, axis=1)))
    yb = (y == 1).astype(int)
    s = probs[:, 1].round(1)  # many ties
    assert M.roc_auc(yb, s) == pytest.approx(skm.roc_auc_score(yb, s))
    if k == 2:
        assert M.brier(y, probs) == pytest.approx(2 * skm.brier_score_loss(y, probs[:, 1]))
        assert M.roc_auc(y, probs) == pytest.approx(skm.roc_auc_score(y, probs[:, 1]))


def test_hand_computed():
    y = [1, 1, 0, 0, 1]
    p = [1, 0, 1, 0, -1]
    # tp=1, fp=1, fn=2 -> P=1/2, R=1/3, F=0.4
    assert M.precision_binary(y, p) == 0.5
    assert M.recall_binary(y, p) == pytest.approx(1 / 3)
    assert M.f1_binary(y, p) == pytest.approx(0.4)
    assert M.accuracy(y, p) == pytest.approx(0.4)
    assert M.log_loss([0], [[0.25, 0.75]]) == pytest.approx(np.log(4))
    assert M.brier([0], [[0.25, 0.75]]) == pytest.approx(0.75**2 * 2)
    assert M.roc_auc([0, 1], [0.3, 0.3]) == 0.5
    assert np.isnan(M.roc_auc([1, 1], [0.1, 0.2]))


def test_score_dispatch_and_errors():
    y = [0, 1, 1]
    probs = np.array([[0.8, 0.2], [0.4, 0.6], [0.7, 0.3]])
    assert M.score("accuracy", y, probs=probs) == pytest.approx(2 / 3)
    assert M.score("acc", y, [0, 1, 1]) == 1.0
    assert M.score("f1", y, [0, 1, 0]) == pytest.approx(2 / 3)
    assert M.score("auc", y, probs=probs) == pytest.approx(skm.roc_auc_score(y, probs[:, 1]))
    with pytest.raises(ValueError, match="needs probabilities"):
        M.score("logloss", y, [0, 1, 1])
    with pytest.raises(ValueError, match="unknown metric"):
        M.score("bleu", y, [0, 1, 1])
    with pytest.raises(ValueError, match="3 entries but y_pred has 2"):
        M.accuracy(y, [0, 1])
    assert M.score("f1", y, [0, 1, 0]) == M.score("f1_binary", y, [0, 1, 0])  # "f1" is binary F1


def test_span_f1_registered_by_sequence():
    from weaksup.sequence.metrics import span_f1

    assert "span_f1" in M.METRICS
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-ORG"]]
    # gold spans: PER(0,2), LOC(3,4), ORG; pred: PER, ORG(3,4), ORG -> tp=2, fp=1, fn=1
    assert M.score("span_f1", gold, pred) == pytest.approx(2 / 3) == span_f1(gold, pred)
    with pytest.warns(DeprecationWarning, match="weaksup.sequence.metrics.span_f1"):
        assert M.span_f1(gold, pred) == span_f1(gold, pred)
    with pytest.raises(ValueError, match="needs predicted tag sequences"):
        M.score("span_f1", gold)


def test_register_metric():
    M.register_metric("test_error_rate", lambda y, p: 1.0 - M.accuracy(y, p), aliases=("test_err",))
    try:
        assert "test_err" in M.METRICS and M.score("test_err", [0, 1], probs=[[0.9, 0.1], [0.9, 0.1]]) == 0.5
    finally:
        for key in ("test_error_rate", "test_err"):
            M._REGISTRY.pop(key)
    with pytest.raises(ValueError, match="needs must be one of"):
        M.register_metric("x", M.accuracy, needs="tokens")
    with pytest.raises(TypeError, match="must be callable"):
        M.register_metric("x", 3)


# ------------------------------------------------------------------ bad input is refused, as scikit-learn refuses it
Y4 = np.array([0, 1, 1, 0])
P4 = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3]])


@pytest.mark.parametrize("func", [M.accuracy, M.f1_binary, M.f1_macro, M.f1_micro, M.precision_binary,
                                  M.recall_binary])
def test_probabilities_passed_as_predictions_are_refused(func):
    """Positive-class probabilities are not class ids: they were truncated to 0 and scored (accuracy 0.5)."""
    with pytest.raises(ValueError, match=r"y_pred: value 0\.1 at row 0 is not an integer class id.*probs="):
        func(Y4, P4[:, 1])
    with pytest.raises(ValueError):
        skm.accuracy_score(Y4, P4[:, 1])  # scikit-learn refuses them too


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_labels_are_refused(bad):
    with pytest.raises(ValueError, match=r"y_pred: value (nan|inf|-inf) at row 0 is not a class id"):
        M.accuracy([0, 1], [bad, 1])
    with pytest.raises(ValueError, match=r"y_true: value (nan|inf|-inf) at row 1 is not a class id"):
        M.f1_macro([0, bad], [0, 1])


@pytest.mark.parametrize("func", [M.log_loss, M.brier, M.roc_auc])
def test_probability_metrics_refuse_a_length_mismatch(func):
    """y shorter than probs: only its first rows were scored."""
    with pytest.raises(ValueError, match="y_true has 1 entries but probs has 4 rows"):
        func([0], P4)
    with pytest.raises(ValueError, match="y_true has 5 entries but probs has 4 rows"):
        func([0, 1, 1, 0, 1], P4)


@pytest.mark.parametrize("func", [M.accuracy, M.f1_binary, M.f1_macro, M.f1_micro])
def test_gold_minus_one_is_refused_by_label_metrics(func):
    """Gold -1 (unknown) was averaged as a class by f1_macro (0.33 where every labelled row is wrong) and changed
    f1_micro; gold labels are class ids, as LabelModel.score requires."""
    with pytest.raises(ValueError, match=r"y_true: value -1 at row 2 is not a class id.*0\.\.k-1"):
        func([0, 1, -1, -1], [1, 0, -1, -1])


@pytest.mark.parametrize("func", [M.log_loss, M.brier, M.roc_auc])
def test_probability_metrics_refuse_labels_outside_the_columns(func):
    """log_loss read gold -1 as the last column; a class beyond the columns raised IndexError."""
    with pytest.raises(ValueError, match=r"y_true: value -1 at row 1 is not a class id"):
        func([0, -1], P4[:2])
    with pytest.raises(ValueError, match=r"y_true: value 2 at row 1 is outside 0\.\.1"):
        func([0, 2], P4[:2])


def test_predictions_other_than_classes_and_abstain_are_refused():
    with pytest.raises(ValueError, match=r"y_pred: value -2 at row 1 is not one of the class ids 0\.\.k-1 or -1"):
        M.accuracy([0, 1], [0, -2])
    with pytest.raises(ValueError, match=r"y_pred must be a 1-D array .* got shape \(4, 2\) \(pass probabilities"):
        M.accuracy(Y4, P4)
    assert M.accuracy(Y4[:, None], Y4) == 1.0  # an n × 1 column is one label per row


def test_roc_auc_refuses_nan_scores_and_more_than_two_classes():
    with pytest.raises(ValueError, match="probs contains nan at row 1"):
        M.roc_auc([0, 1, 0, 1], [0.1, np.nan, 0.8, 0.7])
    with pytest.raises(ValueError, match=r"y_true: value 2 at row 2 is outside 0\.\.1 \(roc_auc is binary"):
        M.roc_auc([0, 1, 2, 1], [0.1, 0.9, 0.8, 0.7])
    with pytest.raises(ValueError, match=r"roc_auc is binary: probs must have 2 columns"):
        M.roc_auc([0, 1, 2], np.eye(3))
    with pytest.raises(ValueError, match="pos_label must be 0 or 1"):
        M.roc_auc([0, 1], [0.1, 0.9], pos_label=2)


def test_probability_matrices_are_checked():
    with pytest.raises(ValueError, match=r"probs must be an n × k matrix .* got shape \(2,\)"):
        M.log_loss([0, 1], [0.2, 0.8])
    with pytest.raises(ValueError, match=r"probs: 1\.5 at row 0, column 0 is not a probability"):
        M.brier([0], [[1.5, -0.5]])
    with pytest.raises(ValueError, match="probs contains inf at row 0, column 1"):
        M.log_loss([0], [[0.5, np.inf]])


def test_word_labels_are_refused_with_what_to_do():
    with pytest.raises(ValueError, match=r"y_true must hold class ids 0\.\.k-1 \(integers\), got 'spam' at row 0; "
                                         "map label names to class ids"):
        M.accuracy(["spam", "ham"], [0, 1])
    with pytest.raises(ValueError, match=r"y_pred must hold class ids .* got 'ham' at row 1"):
        M.f1_macro([0, 1], np.array([0, "ham"], dtype=object))


def test_probs_to_preds_wants_a_matrix():
    with pytest.raises(ValueError, match=r"probs_to_preds wants an n × k array .* got shape \(2,\)"):
        M.probs_to_preds([0.2, 0.8])


def test_probs_to_preds_refuses_nan_rows_naming_the_row():
    """argmax read an all-NaN row as class 0 (snorkel raises ZeroDivisionError on one)."""
    probs = np.array([[0.2, 0.8], [np.nan, np.nan], [0.5, np.inf]])
    with pytest.raises(ValueError, match=r"2 row\(s\) hold NaN or inf, first at row 1: \[nan, nan\]"):
        M.probs_to_preds(probs)
    with pytest.raises(ValueError, match=r"first at row 11"):  # a block's rows are named as in the whole
        M.probs_to_preds(probs, offset=10)


def test_score_from_probs_breaks_ties_by_the_documented_rule():
    """score(probs=...) took a plain argmax (class 0 on every tie) instead of probs_to_preds' rule."""
    probs, y = np.full((6, 2), 0.5), np.ones(6, dtype=int)
    expected = M.accuracy(y, M.probs_to_preds(probs))
    assert 0 < expected < 1  # the rule splits the tied rows between the classes
    assert M.score("accuracy", y, probs=probs) == expected
    assert M.score("f1_macro", y, probs=probs) == M.f1_macro(y, M.probs_to_preds(probs))


def test_valid_input_still_matches_sklearn_with_pandas_objects_and_booleans():
    import pandas as pd

    y = pd.Series([0, 1, 1, 0], index=[7, 3, 5, 1])  # the index is not read
    assert M.accuracy(y, [0, 1, 0, 0]) == skm.accuracy_score(y.to_numpy(), [0, 1, 0, 0])
    assert M.accuracy(np.array([True, False]), [1, 0]) == 1.0
    assert M.log_loss(y, P4) == pytest.approx(skm.log_loss(y, P4))
    assert M.roc_auc(y, P4) == pytest.approx(skm.roc_auc_score(y, P4[:, 1]))
