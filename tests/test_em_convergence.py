"""DawidSkene's label-swapped mode at a rare class, against the parameters the synthetic votes were drawn from."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning


# ------------------------------------------------------------------ DawidSkene at a 99:1 class balance
def _log_likelihood(model, L):
    from scipy.special import logsumexp

    return float(logsumexp(model._log_scores(L.indicator(), model._params()), axis=1).sum())


def test_dawid_skene_warns_when_it_converges_to_the_label_swapped_mode():
    # 99:1, 8 LFs of accuracy 0.60-0.88 (46 rows of class 1 in 5,000): EM run to convergence (5,753 steps) ends
    # with class_balance_ 0.09/0.91, LF accuracies 0.18-0.44 and class 1 predicted on 99.6% of the rows, and
    # said nothing.  That mode is more likely than the true parameters (a property of the Dawid-Skene
    # likelihood, not of this EM: crowd-kit 1.4.2's DawidSkene stops at another stationary point, prior
    # 0.74/0.26, of lower likelihood), so the fit warns and names it
    from weaksup.labelmodel import DawidSkene
    from weaksup.synthetic import make_votes

    L, y, params = make_votes(5000, 8, 2, class_balance=[0.99, 0.01], seed=1)
    with pytest.warns(UserWarning, match=r"DawidSkene: the fitted model takes the LFs to be worse than random "
                                         r"\(mean LF accuracy 0\.3\d < 1/k = 0\.50.*label-swapped mode"):
        ds = DawidSkene(max_iter=20_000).fit(L)
    assert ds.class_balance_[1] > 0.5 and ds.lf_accuracies().mean() < 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # only its fitted shape is used: the truth goes in
        truth = DawidSkene(max_iter=1).fit(L, class_balance=params["class_balance"])
    acc = params["accuracies"]
    truth.log_conf_ = np.log(np.stack([[[a, 1 - a], [1 - a, a]] for a in acc]))
    assert _log_likelihood(ds, L) > _log_likelihood(truth, L) + 5  # -6,445.0 against -6,457.7

    # what the warning offers: a fixed class balance, or the one-coin model, recover the LFs, quietly
    for model, kw in ((DawidSkene(max_iter=20_000), {"class_balance": params["class_balance"]}),
                      (DawidSkene(max_iter=20_000, confusion="one_coin"), {})):
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*worse than random")
            model.fit(L, **kw)
        assert np.abs(model.lf_accuracies() - acc).max() < 0.08
        assert (model.predict(L) == y).mean() > 0.98


def test_dawid_skene_does_not_warn_of_a_swap_on_lfs_that_beat_random():
    from weaksup.labelmodel import DawidSkene
    from weaksup.synthetic import make_votes

    for k, cb in ((3, None), (2, [0.9, 0.1])):
        L, _, params = make_votes(5000, 8, k, class_balance=cb, seed=0)
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*worse than random")
            ds = DawidSkene(max_iter=5000).fit(L)
        assert np.abs(ds.lf_accuracies() - params["accuracies"]).max() < 0.05
