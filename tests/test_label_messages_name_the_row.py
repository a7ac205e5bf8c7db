"""A bad gold label is named by its row (its 0-based index) wherever labels are read.

check_labels (label models' ``valid=`` and ``score``, an end model's ``valid=`` and ``score``) said "at position
3" where the end models' own readers and the metrics said "row 3" for the same label; every reader now says row.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup import metrics
from weaksup.endmodel import LogisticRegression
from weaksup.labelmodel import AbstainDawidSkene, MajorityVote

L = np.array([[0, 1, -1], [1, 1, 0], [0, 0, -1], [1, -1, 1], [0, 0, 0], [1, 1, 1]])
X = np.random.default_rng(0).normal(size=(6, 3))

#: row 3 of each is the bad label
LABELS = {"nan": np.array([0, 1, 0, np.nan, 0, 1]), "fraction": np.array([0, 1, 0, 0.5, 0, 1]),
          "masked": np.ma.masked_array([0, 1, 0, 1, 0, 1], mask=[0, 0, 0, 1, 0, 0]),
          "outside": np.array([0, 1, 0, 2, 0, 1]), "none": np.array([0, 1, 0, None, 0, 1], dtype=object)}

READERS = {"label model valid=": lambda y: AbstainDawidSkene().fit(L, valid=(L, y)),
           "LabelModel.score": lambda y: MajorityVote().fit(L).score(L, y),
           "metrics.score": lambda y: metrics.score("accuracy", y, np.zeros(6, int)),
           "end model fit": lambda y: LogisticRegression().fit(X, y),
           "end model valid=": lambda y: LogisticRegression().fit(X, [0, 1] * 3, valid=(X, y)),
           "EndModel.score": lambda y: LogisticRegression().fit(X, [0, 1] * 3).score(X, y)}

#: not refused there: a masked label is -1 (abstain) for an end model's fit, which also learns any class id;
#: metrics.score reads its classes from the labels
ACCEPTED = {("masked", "end model fit"), ("outside", "end model fit"), ("outside", "metrics.score")}


@pytest.mark.parametrize(("case", "reader"), [(c, r) for c in LABELS for r in READERS if (c, r) not in ACCEPTED])
def test_a_bad_label_is_named_by_its_row(case, reader):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError) as err:
            READERS[reader](LABELS[case])
    msg = str(err.value)
    assert "row 3" in msg and "position" not in msg, msg


@pytest.mark.parametrize("bad", ["none"])  # (LFAnalysis reads a masked label as unlabelled)
def test_a_one_by_n_row_of_labels_names_the_bad_labels_column(bad):
    # LFAnalysis (check_labels with ravel_column=True) accepts a 1 x n row: the bad label is the 4th, "row 3", where
    # the message used to take its index along the first axis ("row 0")
    from weaksup import LFAnalysis

    y = LABELS[bad].reshape(1, -1)
    with warnings.catch_warnings(), pytest.raises(ValueError, match=r"\brow 3\b"):
        warnings.simplefilter("ignore")
        LFAnalysis(L).lf_summary(y)


def test_a_universal_models_none_label_is_named_by_its_row():
    from weaksup.universal import FiniteMetricSpace, ValueOutputError

    space = FiniteMetricSpace(np.array([[0.0, 1, 2], [1, 0, 1], [2, 1, 0]]))
    with pytest.raises(ValueOutputError, match=r"y: value at row 3 is None"):
        space.encode([0, 1, 2, None, 0], "y")


@pytest.mark.parametrize(("case", "reader"), sorted(ACCEPTED))
def test_the_labels_a_reader_takes_are_accepted(case, reader):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        READERS[reader](LABELS[case])  # no error: not a bad label there
