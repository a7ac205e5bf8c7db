"""Gold and hard labels are read the same way by every check (weaksup._validation.label_array): metrics,
LabelModel.score, LFAnalysis, LFGenerator and the end models.

* a masked array: a masked label is a missing one, -1 where -1 means unlabelled (LFAnalysis, LFGenerator, end-model
  training, predictions), refused naming the row where it does not (gold labels scored by metrics,
  LabelModel.score, EndModel.score); the mask was dropped and the hidden values read as labels;
* a label too large for int64 (1e20) is reported as the value passed, not as -9223372036854775808;
* bool labels, object-dtype ints and an n x 1 column: accepted by metrics and by LabelModel.score alike (they were
  refused by LabelModel.score only), giving the same score as the plain int labels;
* a None cell is named as a missing label, not with the "label names?" hint;
* soft labels as a nullable Float64 frame and as a scipy sparse matrix train as the float64 array does.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from weaksup import metrics
from weaksup.analysis import LFAnalysis
from weaksup.endmodel import LogisticRegression
from weaksup.labelmodel import MajorityVote
from weaksup.lfgen import LFGenerator

L = np.array([[0, 0], [1, 1], [1, -1], [0, -1]])
Y = np.array([0, 1, 1, 0])


def _mv() -> MajorityVote:
    return MajorityVote().fit(L)


# ------------------------------------------------------------------ masked labels
def test_masked_gold_labels_are_refused_where_every_row_needs_a_label():
    y = np.ma.masked_array([0, 1, 1, 0], mask=[False, False, True, False])
    with pytest.raises(ValueError, match=r"y_true: the label at row 2 is masked"):
        metrics.accuracy(y, [0, 1, 0, 0])
    with pytest.raises(ValueError, match=r"y: the label at row 2 is masked.*drop the rows"):
        _mv().score(L, y, seed=0)
    X = np.arange(4.0).reshape(-1, 1)
    model = LogisticRegression().fit(X, Y)
    with pytest.raises(ValueError, match=r"y: the label at row 2 is masked"):
        model.score(X, y)
    with pytest.raises(ValueError, match=r"y_valid: the label at row 2 is masked"):
        LogisticRegression().fit(X, Y, valid=(X, y))


def test_masked_labels_are_unlabelled_where_minus_one_means_unlabelled():
    mask = [False, False, True, False]
    y = np.ma.masked_array([0, 1, 0, 0], mask=mask)   # the hidden value of row 2 is a wrong label
    same = np.array([0, 1, -1, 0])
    # predictions: a masked prediction is an abstain (counted wrong), not its hidden value
    assert metrics.accuracy(Y, y) == metrics.accuracy(Y, same) == 0.75
    # LFAnalysis: -1 = unknown gold label
    lfa = LFAnalysis(L)
    np.testing.assert_array_equal(lfa.lf_empirical_accuracies(y), lfa.lf_empirical_accuracies(same))
    # end-model training: -1 = abstain, dropped
    X = np.array([[0.0], [3.0], [2.0], [0.5]])
    np.testing.assert_array_equal(LogisticRegression().fit(X, y).predict_proba(X),
                                  LogisticRegression().fit(X, same).predict_proba(X))
    # a masked bool array: -1 fits no bool, the labels are read as 0/1 first
    yb = np.ma.masked_array([False, True, False, False], mask=mask)
    np.testing.assert_array_equal(lfa.lf_empirical_accuracies(yb), lfa.lf_empirical_accuracies(same))


def test_lfgenerator_counts_a_masked_label_as_unlabelled():
    texts = ["good great", "bad awful", "good fine", "bad poor"] * 5
    y = np.ma.masked_array([1, 0, 1, 0] * 5, mask=[True] + [False] * 19)
    assert LFGenerator(families=("keyword",)).fit(texts, y).n_labeled_ == 19


def test_masked_soft_labels_are_refused_naming_the_cell():
    X = np.arange(4.0).reshape(-1, 1)
    P = np.ma.masked_array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.1, 0.9]])
    P[2, 1] = np.ma.masked
    with pytest.raises(ValueError, match=r"soft labels y: the entry at row 2, column 1 is masked"):
        LogisticRegression().fit(X, P)


# ------------------------------------------------------------------ labels too large for int64
@pytest.mark.parametrize("call", [
    lambda y: metrics.accuracy(y, [0, 1, 1]),
    lambda y: MajorityVote().fit(np.array([[0, 1], [1, 1], [1, 0]])).score(np.array([[0, 1], [1, 1], [1, 0]]), y),
    lambda y: LFAnalysis(np.array([[0, 1], [1, 1], [1, 0]])).lf_empirical_accuracies(y),
    lambda y: LogisticRegression().fit(np.arange(3.0).reshape(-1, 1), y),
])
def test_a_huge_label_is_reported_as_given(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "invalid value encountered in cast"
        with pytest.raises(ValueError, match=r"value 1e\+20 at (row|position) 2") as info:
            call(np.array([0.0, 1.0, 1e20]))
    assert "9223372036854775808" not in str(info.value)


# ------------------------------------------------------------------ the same gold labels everywhere
@pytest.mark.parametrize("y", [
    np.array([False, True, True, False]),
    np.array([0, 1, 1, 0], dtype=object),
    np.array([[0], [1], [1], [0]]),
    pd.Series([0, 1, 1, 0], dtype=object),
], ids=["bool", "object-ints", "column", "object-series"])
def test_metrics_and_label_model_score_accept_the_same_gold_labels(y):
    mv = _mv()
    preds = mv.predict(L, seed=0)
    for metric in ("accuracy", "f1_binary", "logloss"):
        expected = mv.score(L, Y, metric=metric, seed=0)
        assert mv.score(L, y, metric=metric, seed=0) == expected
        assert metrics.score(metric, y, preds, mv.predict_proba(L)) == expected


def test_end_models_read_bool_labels_as_zero_and_one():
    X = np.array([[0.0], [3.0], [2.0], [0.5]])
    yb = Y.astype(bool)
    model = LogisticRegression().fit(X, yb)
    np.testing.assert_array_equal(model.predict_proba(X), LogisticRegression().fit(X, Y).predict_proba(X))
    assert model.score(X, yb) == model.score(X, Y)


def test_a_missing_label_is_named_as_missing_not_as_a_label_name():
    y = np.array([0, None, 1, 0], dtype=object)
    with pytest.raises(ValueError, match=re.escape("got None at row 1; map label names to class ids and drop "
                                                   "the rows whose label is missing (None, NA) first")):
        _mv().score(L, y, seed=0)
    with pytest.raises(ValueError, match=r"got None at row 1; .*missing labels \(None, NA\) to -1"):
        LogisticRegression().fit(np.arange(4.0).reshape(-1, 1), y)
    with pytest.raises(ValueError, match=r"got <NA> at row 1; .*drop the rows whose label is missing"):
        metrics.accuracy(pd.array([0, None, 1, 0], dtype="Int64").astype(object), [0, 1, 1, 0])
    with pytest.raises(ValueError, match=r"got 'spam' at row 0; map label names to class ids first"):
        _mv().score(L, np.array(["spam", "ham", "ham", "spam"], dtype=object), seed=0)


# ------------------------------------------------------------------ soft-label forms of end models
def _soft():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    P = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.1, 0.9]])
    return X, P


@pytest.mark.parametrize("form", [
    lambda P: pd.DataFrame(P).astype("Float64"),
    lambda P: pd.DataFrame(P).convert_dtypes(),
    lambda P: sp.csr_matrix(P),
], ids=["Float64", "convert_dtypes", "csr"])
def test_soft_labels_as_nullable_frames_and_sparse_train_as_the_array(form):
    X, P = _soft()
    expected = LogisticRegression().fit(X, P).predict_proba(X)
    np.testing.assert_array_equal(LogisticRegression().fit(X, form(P)).predict_proba(X), expected)


def test_a_missing_soft_label_is_named_by_row_and_column():
    X, P = _soft()
    frame = pd.DataFrame(P).astype("Float64")
    frame.iloc[2, 1] = pd.NA
    with pytest.raises(ValueError, match=r"soft labels y contain NaN or inf at row 2, column 1 \(a missing value, "
                                         r"pd\.NA, reads as NaN\)"):
        LogisticRegression().fit(X, frame)
