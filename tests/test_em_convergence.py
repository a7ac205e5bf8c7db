"""EM convergence of AbstainDawidSkene (the gold-free default's model) and DawidSkene's label-swapped mode.

Known answers: AbstainDawidSkene's fit is compared with plain EM run to a much tighter tolerance (the
converged fit of the same model), and DawidSkene's with the parameters the synthetic votes were drawn from.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from tests.conftest import needs_wrench
from weaksup.labelmodel import AbstainDawidSkene, AutoLabelModel
from weaksup.synthetic import make_one_sided_votes


class _PlainEM(AbstainDawidSkene):
    """The same model fitted by plain EM (one E- and M-step an iteration, no extrapolation)."""

    _accelerate = False


def _converged(L, **params):
    """The reference: plain EM run until a step gains under 1e-12 log-likelihood per row."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return _PlainEM(max_iter=100_000, tol=1e-12, **params).fit(L)


def _ties(P):
    """Per row, the classes within 1e-5 of the top probability (what the tie rule then decides)."""
    return [tuple(np.flatnonzero(p >= p.max() - 1e-5)) for p in P]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_abstain_ds_reaches_the_converged_fit_on_weak_one_sided_votes(seed):
    # 4 weak one-sided LFs (fire on 30% of their class, 10% of the other): plain EM needs 2,690-4,356 steps;
    # the old stop (a step gaining < 1e-6 per row, at most 200 steps) came after 16-157 steps with LF accuracies
    # 0.08-0.11 away from the converged fit, and said nothing
    L, _, _ = make_one_sided_votes(5000, 4, 2, hit_rates=0.3, false_rates=0.1, seed=seed)
    ref = _converged(L)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ads = AbstainDawidSkene().fit(L)
    assert ads.n_iter_ < 200
    assert np.abs(ads.lf_accuracies() - ref.lf_accuracies()).max() < 0.01
    assert np.abs(ads.class_balance_ - ref.class_balance_).max() < 0.01


def test_abstain_ds_warns_when_it_stops_at_max_iter():
    L, _, _ = make_one_sided_votes(5000, 4, 2, hit_rates=0.3, false_rates=0.1, seed=0)
    with pytest.warns(ConvergenceWarning, match=r"AbstainDawidSkene: EM stopped at max_iter \(n_iter_=5\).*"
                                                r"log-likelihood gain per row"):
        ads = AbstainDawidSkene(max_iter=5).fit(L)
    assert ads.n_iter_ == 5
    with pytest.warns(ConvergenceWarning, match=r"_PlainEM: EM stopped at max_iter \(n_iter_=5\)"):
        _PlainEM(max_iter=5).fit(L)


def test_squarem_keeps_the_recovery_of_known_parameters():
    # the docstring's recovery case: the accelerated fit is the plain one's, and both recover the truth
    L, _, params = make_one_sided_votes(20000, 8, 2, class_balance=[0.7, 0.3], seed=0)
    ads, ref = AbstainDawidSkene().fit(L), _converged(L)
    assert np.abs(ads.lf_accuracies() - ref.lf_accuracies()).max() < 1e-4
    assert np.abs(ads.lf_accuracies() - params["accuracies"]).max() < 0.05
    assert np.abs(ads.class_balance_ - params["class_balance"]).max() < 0.02


@needs_wrench
def test_goldfree_default_converges_quietly_on_wrench_yelp():
    # yelp's train votes: the old stop (step gain < 1e-6 per row) ended plain EM after 149 steps, where the
    # classes tied under majority vote on 32 valid rows were still ordered differently from the converged fit
    from weaksup.data import load_wrench

    ds = load_wrench("yelp")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        auto = AutoLabelModel().fit(ds.train.votes, seed=0)
    ref = _converged(ds.train.votes, decide="majority", init="mv2")
    assert auto.model_.n_iter_ < 200
    assert _ties(auto.predict_proba(ds.valid.votes)) == _ties(ref.predict_proba(ds.valid.votes))


@needs_wrench
def test_auto_label_model_with_valid_labels_converges_on_wrench_semeval():
    # with the class balance fixed from the valid labels the GoldFree candidate needs 619 steps on SemEval;
    # at max_iter=500 the README's recommended call warned (and seeds 1-2 of the WRENCH table chose that fit)
    from weaksup.data import load_wrench

    ds = load_wrench("semeval")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        AutoLabelModel().fit(ds.train.votes, valid=(ds.valid.votes, ds.valid.labels), seed=0)
        gold_free = AbstainDawidSkene(decide="majority", init="mv2").fit(
            ds.train.votes, valid=(ds.valid.votes, ds.valid.labels), seed=0)
    assert 500 < gold_free.n_iter_ < 1000


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


def test_dawid_skene_fit_with_valid_labels_leaves_no_scratch_state():
    # the per-LF class counts the swap check reads are this fit's only: a fit whose valid labels skip the check
    # used to keep them in the model (they would travel with it, e.g. to Dask workers, and meet the next fit)
    from weaksup.labelmodel import DawidSkene
    from weaksup.synthetic import make_votes

    L, y, _ = make_votes(2000, 6, 2, seed=0)
    ds = DawidSkene().fit(L, valid=(L[:200], y[:200]))
    assert not [name for name in vars(ds) if name.startswith("_lf_classes")]
