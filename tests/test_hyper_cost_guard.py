"""HyperLabelModel refuses work it cannot finish, before the network runs, naming the cost and what to use.

hyperlm runs one network pass per class over the densified votes: before, 200 classes on 30k rows ran for
minutes without a word, and 2M sparse rows died inside torch's allocator at 5 GiB.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("hyperlm", reason="the hyperlm extra is not installed")

from weaksup.labelmodel.hyper import HyperLabelModel  # noqa: E402
from weaksup.synthetic import make_votes  # noqa: E402
from weaksup.votes import VoteMatrix  # noqa: E402


def test_many_classes_is_refused_before_any_pass(monkeypatch):
    import weaksup.labelmodel.hyper as hyper

    L, _, _ = make_votes(30000, 15, 200, seed=0)
    monkeypatch.setattr(hyper, "_network", lambda *a: pytest.fail("the network ran"))
    with pytest.raises(ValueError, match=r"HyperLabelModel: .* votes x 200 network passes \(200 classes\) = .*"
                                         r"vote-passes, limit 2.5e\+07.*use AbstainDawidSkene"):
        HyperLabelModel().fit(L)


def test_memory_limit_counts_votes_and_dense_cells():
    L = VoteMatrix(np.array([[0, 1, -1], [1, 1, 0], [-1, 0, 0], [1, -1, 1]]))
    model = HyperLabelModel()
    model.max_bytes = 600 * 9 + 40 * 12 - 1  # 9 votes, 4 x 3 cells: one byte short
    with pytest.raises(ValueError, match=r"9 votes on 4 x 3 dense votes need about .* GiB"):
        model.fit(L)
    model.max_bytes += 1
    model.fit(L)


def test_new_rows_are_scored_with_the_fitted_rows_as_context():
    L, _, _ = make_votes(2000, 6, 2, seed=0)
    model = HyperLabelModel().fit(L)
    proba = model.predict_proba(L)  # the fitted rows themselves: no extra context
    new = VoteMatrix(np.asarray(L.to_dense())[:50])
    model.max_bytes = 600.0 * float(new.fired().sum() + L.fired().sum()) + 40.0 * (2050 * 6) - 1
    with pytest.raises(ValueError, match=r"on 2050 x 6 dense votes"):
        model.predict_proba(new)
    model.max_bytes = HyperLabelModel.max_bytes
    assert np.array_equal(model.predict_proba(L), proba)
    assert model.predict_proba(new).shape == (50, 2)


def test_new_rows_of_the_fitted_shape_count_the_fitted_rows_too():
    # Before: 'same rows' was decided by the shape alone, so a test split the size of train (other votes, scored
    # with the fitted rows stacked above it) was counted as half its real size.
    L, _, _ = make_votes(1000, 6, 2, seed=0)
    new, _, _ = make_votes(1000, 6, 2, seed=1)
    model = HyperLabelModel().fit(L)
    votes = max(float(new.fired().sum()), float(L.fired().sum()))
    model.max_bytes = 600.0 * votes + 40.0 * (1000 * 6) + 1  # enough for 1000 rows alone
    with pytest.raises(ValueError, match=r"on 2000 x 6 dense votes"):
        model.predict_proba(new)
    model.predict_proba(L)  # the fitted rows themselves need no context
