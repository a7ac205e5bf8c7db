"""weaksup.metrics reads a probability DataFrame as end models read a soft-label frame
(weaksup._validation.class_frame_array): column 'j' / 'pj' holds P(class j), whatever the column order. The metrics
read it by position, so columns ['p1', 'p0'] scored the swapped classes (log_loss 1.855 instead of 0.198,
roc_auc 0.0 instead of 1.0)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup import metrics
from weaksup.endmodel.base import soft_frame_array

Y = np.array([0, 1, 1, 0])
P = np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.7, 0.3]])


@pytest.mark.parametrize("columns", [["p1", "p0"], [1, 0], ["1", "0"]])
@pytest.mark.parametrize("metric", ["logloss", "brier", "auc", "accuracy"])
def test_a_probability_frame_is_read_by_column_label(columns, metric):
    frame = pd.DataFrame({columns[0]: P[:, 1], columns[1]: P[:, 0]})
    np.testing.assert_array_equal(soft_frame_array(frame), P)  # the end models' reading
    assert metrics.score(metric, Y, probs=frame) == metrics.score(metric, Y, probs=P)


def test_the_metric_functions_read_it_by_label_too():
    frame = pd.DataFrame({"p1": P[:, 1], "p0": P[:, 0]})
    assert metrics.log_loss(Y, frame) == metrics.log_loss(Y, P)
    assert metrics.brier(Y, frame) == metrics.brier(Y, P)
    assert metrics.roc_auc(Y, frame) == metrics.roc_auc(Y, P) == 1.0
    assert metrics.roc_auc(Y, frame, pos_label=0) == metrics.roc_auc(Y, P, pos_label=0)


def test_a_frame_in_class_order_and_a_nullable_frame_score_as_the_array():
    for frame in (pd.DataFrame(P), pd.DataFrame(P, columns=["p0", "p1"]), pd.DataFrame(P).convert_dtypes()):
        assert metrics.log_loss(Y, frame) == metrics.log_loss(Y, P)
        assert metrics.roc_auc(Y, frame) == metrics.roc_auc(Y, P)


def test_a_frame_whose_columns_name_no_class_is_refused_with_what_to_do():
    frame = pd.DataFrame(P, columns=["ham", "spam"])
    with pytest.raises(ValueError, match=r"probs: a frame's columns are matched to classes by label.*"
                                         r"\['ham', 'spam'\].*to_numpy"):
        metrics.log_loss(Y, frame)
    with pytest.raises(ValueError, match=r"probs: a frame's columns are matched to classes by label"):
        metrics.roc_auc(Y, frame)
    assert metrics.log_loss(Y, frame.to_numpy()) == metrics.log_loss(Y, P)  # by position, as asked


def test_positive_class_scores_as_a_series_are_unchanged():
    s = pd.Series(P[:, 1], name="p1")
    assert metrics.roc_auc(Y, s) == metrics.roc_auc(Y, P[:, 1])
