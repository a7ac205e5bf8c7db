"""run_pipeline checks test_votes' LFs against the training votes' before anything is fitted.

Renamed or replaced LFs (the same column count) used to pass the check, the label and end models were fitted,
and scoring then raised, losing the fit.  The names are now matched as the fitted label model matches them
(``align_lfs``), before the fit; the same LFs in another order still score as in the training order.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup import VoteMatrix
from weaksup.endmodel import LogisticRegression
from weaksup.pipeline import Pipeline, run_pipeline
from weaksup.synthetic import make_votes

NAMES = ["kw_free", "kw_win", "regex_url"]


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    L, y, _ = make_votes(600, 3, 2, seed=0)
    X = np.eye(2)[y] * 2 + np.random.default_rng(0).normal(scale=0.5, size=(600, 2))
    return L, y, X


def test_renamed_test_votes_are_refused_before_the_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    L, y, X = _data()

    def no_fit(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pipeline was fitted before test_votes were checked")

    monkeypatch.setattr(Pipeline, "fit", no_fit)
    test_votes = VoteMatrix(L[500:], ["kw_free", "kw_win", "regex_http"])  # one LF replaced
    with pytest.raises(ValueError, match=r"run_pipeline: test_votes .*missing \['regex_url'\], "
                                         r"unknown \['regex_http'\]"):
        run_pipeline(VoteMatrix(L[:500], NAMES), X[:500], LogisticRegression(), label_model="DawidSkene",
                     test=(X[500:], y[500:]), test_votes=test_votes, seed=0)


def test_reordered_test_votes_score_as_in_the_training_order() -> None:
    L, y, X = _data()
    train = VoteMatrix(L[:500], NAMES)
    results = []
    for order in ([0, 1, 2], [2, 0, 1]):
        test_votes = VoteMatrix(L[500:], NAMES).select_lfs(order)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run_pipeline(train, X[:500], LogisticRegression(), label_model="DawidSkene",
                               test=(X[500:], y[500:]), test_votes=test_votes, seed=0)
        results.append(res.label_model_metrics)
    assert results[0] == results[1]
