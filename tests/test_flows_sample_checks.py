"""LabelLearningFlow.sample checks its features as predict does, and a flow's valid= votes are matched to the
training LFs by whether their names were given, as a label model's are.

Before, ``sample`` checked only the width of ``X``: a frame with its columns reordered was read by position (other
samples, no error) and a masked array was read as the values hidden under its mask.  And the flows' fit matched
``valid=`` votes by the old ``lf_0 ..`` pattern rule: LFs really named ``lf_0 .. lf_2`` were taken for made-up names,
so valid votes with ``lf_1`` dropped and ``lf_3`` appended were read by position instead of refused.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix
from weaksup.flows import LabelLearningFlow

pytest.importorskip("torch")

NAMES = ["lf_0", "lf_1", "lf_2"]  # given names that happen to look like the made-up ones
OTHER = ["lf_0", "lf_2", "lf_3"]  # lf_1 dropped, lf_3 appended


def _data(n: int = 200) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    L = np.stack([np.where(rng.random(n) < .85, y, 1 - y) for _ in range(3)], 1)
    X = pd.DataFrame({"signal": y * 2 + rng.normal(size=n), "noise": rng.normal(size=n) * 5})
    return L, y, X


@pytest.fixture(scope="module")
def flow() -> LabelLearningFlow:
    L, _, X = _data()
    return LabelLearningFlow(n_epochs=2).fit(L, X, seed=0)


def test_sample_refuses_reordered_feature_columns_as_predict_does(flow) -> None:
    _, _, X = _data()
    reordered = X[["noise", "signal"]]
    with pytest.raises(ValueError, match="same names in another order"):
        flow.sample(reordered, 2, seed=0)
    # the frame as fitted and its plain array give the same samples as before
    np.testing.assert_array_equal(flow.sample(X[:20], 2, seed=0), flow.sample(X.to_numpy()[:20], 2, seed=0))


def test_sample_refuses_masked_feature_cells(flow) -> None:
    _, _, X = _data()
    masked = np.ma.masked_array(X.to_numpy()[:10], mask=np.zeros((10, 2), bool))
    masked.mask[3, 1] = True
    with pytest.raises(ValueError, match=r"masked value\(s\) \(first: row 3, column 1\)"):
        flow.sample(masked, 2, seed=0)


def test_valid_votes_of_lfs_really_named_lf_j_are_matched_by_name() -> None:
    L, y, X = _data()
    with pytest.raises(ValueError, match=r"missing \['lf_1'\], unknown \['lf_3'\]"):
        LabelLearningFlow(n_epochs=1).fit(VoteMatrix(L, NAMES), X, valid=(VoteMatrix(L[:50], OTHER), y[:50]), seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = LabelLearningFlow(n_epochs=1).fit(VoteMatrix(L, NAMES), X, seed=0,
                                               valid=(VoteMatrix(L[:50, [2, 0, 1]], ["lf_2", "lf_0", "lf_1"]), y[:50]))
        plain = LabelLearningFlow(n_epochs=1).fit(L, X, valid=(L[:50], y[:50]), seed=0)  # unnamed: by position
    assert ok.n_lfs_ == plain.n_lfs_ == 3
