"""MatrixCompletion / the compat LabelModel against snorkel 0.10's LabelModel on the nine WRENCH classification sets.

Enforces docs/label_models.md's claim at its stated tolerance: with the same
seed and options, μ agrees to float32 rounding (≤ 3e-7 measured; checked at
1e-6), the probabilities to ≤ 2e-6 (checked at 5e-6) and the predictions are
identical under both of snorkel's tie-breaks (``random`` and ``abstain``) on
every row.  The uniform prior is snorkel's default; the Y_dev prior is
snorkel's (raw valid-label frequencies), passed to MatrixCompletion as
``class_balance``.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import needs_wrench

NINE = ["youtube", "sms", "trec", "semeval", "imdb", "yelp", "tennis", "basketball", "commercial"]


@needs_wrench
@pytest.mark.wrench
@pytest.mark.slow
@pytest.mark.parametrize("name", NINE)
def test_same_mu_probs_and_predictions_as_snorkel(name, wrench_dir, one_torch_thread):
    pytest.importorskip("snorkel.labeling")  # the peer, from the test extra
    from snorkel.labeling.model import LabelModel as SnorkelLabelModel

    from weaksup.compat.snorkel.labeling.model import LabelModel as CompatLabelModel
    from weaksup.compat.snorkel.utils import probs_to_preds
    from weaksup.data import load_wrench
    from weaksup.labelmodel import MatrixCompletion

    ds = load_wrench(name, wrench_dir)
    V = ds.train.votes
    L = V.to_snorkel()
    k = ds.cardinality
    prior = {"uniform": {}, "Y_dev": {"Y_dev": ds.valid.labels}}["Y_dev" if name in ("youtube", "trec") else "uniform"]
    s = SnorkelLabelModel(cardinality=k, verbose=False)
    s.fit(L, seed=1, progress_bar=False, **prior)
    mc = MatrixCompletion(cardinality=k).fit(V, seed=1, class_balance=s.p)  # s.p: uniform, or Y_dev frequencies
    compat = CompatLabelModel(cardinality=k, verbose=False)
    compat.fit(L, seed=1, progress_bar=False, **prior)
    theirs_mu, theirs_p = s.mu.detach().numpy(), s.predict_proba(L)
    assert np.isfinite(theirs_p).all()
    for ours_mu, ours_p in ((mc.mu_, mc.predict_proba(V)), (compat.mu, compat.predict_proba(L))):
        np.testing.assert_allclose(ours_mu, theirs_mu, atol=1e-6, rtol=0)
        np.testing.assert_allclose(ours_p, theirs_p, atol=5e-6, rtol=0)
        for policy in ("random", "abstain"):
            np.testing.assert_array_equal(probs_to_preds(ours_p, policy), s.predict(L, tie_break_policy=policy))
