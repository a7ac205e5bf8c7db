"""A masked gold label is -1 (unknown) in the analysis functions (41152b4), whatever value its mask hides.

``_refuse_inf`` read a masked array with ``np.asarray``, so a masked cell hiding ``inf`` was refused as
"not a class label" though the cell is unknown, not infinite.
"""

from __future__ import annotations

import numpy as np
import pytest

from weaksup.analysis import LFAnalysis, get_label_buckets

L = np.array([[0, 1], [1, 1], [0, -1], [1, 0]])


def test_masked_inf_label_is_unknown_in_lf_analysis():
    y = np.ma.array([0.0, 1.0, np.inf, 1.0], mask=[False, False, True, False])
    got = LFAnalysis(L).lf_empirical_accuracies(y)
    np.testing.assert_array_equal(got, LFAnalysis(L).lf_empirical_accuracies(np.array([0, 1, -1, 1])))


def test_masked_inf_label_is_unknown_in_label_buckets():
    y = np.ma.array([0.0, 1.0, np.inf, 1.0], mask=[False, False, True, False])
    got = get_label_buckets(y, np.array([0, 1, 0, 1]))
    want = get_label_buckets(np.array([0, 1, -1, 1]), np.array([0, 1, 0, 1]))
    assert {k: v.tolist() for k, v in got.items()} == {k: v.tolist() for k, v in want.items()}


def test_unmasked_inf_label_is_still_refused():
    y = np.ma.array([0.0, 1.0, np.inf, 1.0], mask=[False, False, False, False])
    with pytest.raises(ValueError, match="y: value inf at row 2"):
        LFAnalysis(L).lf_empirical_accuracies(y)
