"""HyperLabelModel refuses Dask votes in predict_proba, predict and score.

It is transductive: every row is labelled in the context of the whole vote matrix.  A model fitted in memory mapped
its ``_predict_proba`` over the partitions, each scored as new rows after the fitted ones, so the same votes got
other probabilities and labels on Dask than in memory (294 of 20,000 hard labels), while docs/scaling.md promises
equal hard labels.  The refusal comes before any partition is read, so no cluster is needed here.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("hyperlm", reason="the hyperlm extra is not installed")
da = pytest.importorskip("dask.array")

from weaksup.dask_votes import DaskVotes  # noqa: E402
from weaksup.labelmodel import HyperLabelModel  # noqa: E402
from weaksup.synthetic import make_votes  # noqa: E402


def _never_read(block: np.ndarray) -> np.ndarray:
    raise AssertionError("a partition of the votes was read")


@pytest.fixture(scope="module")
def fitted():
    L, y, _ = make_votes(600, 5, 3, seed=0)
    return HyperLabelModel().fit(L), L, y


def _dask_copy(L, bare: bool = False):
    arr = da.from_array(L.to_dense(), chunks=(200, L.m)).map_blocks(_never_read, dtype=np.int8)
    return arr if bare else DaskVotes(arr, L.lf_names, L.cardinality)


@pytest.mark.parametrize("bare", [False, True], ids=["DaskVotes", "dask-array"])
@pytest.mark.parametrize("call", ["predict_proba", "predict", "predict-return_probs", "score"])
def test_predict_on_dask_votes_is_refused_before_reading_them(fitted, call, bare):
    m, L, y = fitted
    V = _dask_copy(L, bare)
    run = {"predict_proba": lambda: m.predict_proba(V), "predict": lambda: m.predict(V),
           "predict-return_probs": lambda: m.predict(V, return_probs=True), "score": lambda: m.score(V, y)}[call]
    with pytest.raises(NotImplementedError, match=r"transductive.*DaskVotes\.to_vote_matrix\(\)"):
        run()


def test_in_memory_predictions_unchanged_and_gathered_votes_agree(fitted):
    m, L, y = fitted
    p = m.predict_proba(L)
    np.testing.assert_array_equal(m.predict_proba(L.to_dense()), p)
    np.testing.assert_array_equal(m.predict(L, tie_break="abstain"), m.predict(L.to_dense(), tie_break="abstain"))
    assert m.score(L, y) == m.score(L.to_dense(), y)


def test_unfitted_model_on_dask_votes_says_not_fitted(fitted):
    from weaksup._validation import NotFittedError

    _, L, _ = fitted
    with pytest.raises(NotFittedError):
        HyperLabelModel().predict_proba(_dask_copy(L))


def test_fit_on_dask_votes_still_refused(fitted):
    _, L, _ = fitted
    with pytest.raises(NotImplementedError, match="to_vote_matrix"):
        HyperLabelModel().fit(_dask_copy(L))
