"""probs_to_preds and tie_split match a probability frame's columns to classes by label, as the other metrics
do (class_frame_array): they read it by position, so a frame with its columns in another order predicted
another class.  The snorkel compat probs_to_preds reads its input as an array (snorkel's positional rule)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup.compat.snorkel.utils import probs_to_preds as snorkel_probs_to_preds
from weaksup.metrics import probs_to_preds, tie_split

P = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])


def test_probs_to_preds_matches_frame_columns_by_label():
    frame = pd.DataFrame(P).loc[:, [1, 0]]
    np.testing.assert_array_equal(probs_to_preds(frame), probs_to_preds(P))
    np.testing.assert_array_equal(probs_to_preds(pd.DataFrame(P)), probs_to_preds(P))  # in order: as before


def test_tie_split_matches_frame_columns_by_label():
    frame = pd.DataFrame({"p1": P[:, 1], "p0": P[:, 0]})
    np.testing.assert_array_equal(tie_split(frame), tie_split(P))


def test_frame_with_other_column_labels_is_refused():
    with pytest.raises(ValueError, match=r"probs_to_preds probs: a frame's columns .*\['a', 'b'\]"):
        probs_to_preds(pd.DataFrame(P, columns=["a", "b"]))


def test_snorkel_compat_reads_a_frame_by_position():
    frame = pd.DataFrame(P, columns=["a", "b"])
    np.testing.assert_array_equal(snorkel_probs_to_preds(frame, tie_break_policy="abstain"), [0, 1, -1])
