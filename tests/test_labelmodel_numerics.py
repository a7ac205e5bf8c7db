"""Numerical corner cases of the label models: sparse LFs for the triplet estimator, EM's fixed points,
zero counts, convergence and overflow."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.labelmodel import FlyingSquid, MajorityVote, WeightedMajorityVote
from weaksup.labelmodel.triplet import BEATS_RANDOM_S, triplet_accuracies
from weaksup.synthetic import make_votes


def _fit_recording(model, L, **kw):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        model.fit(L, **kw)
    return model, [x for x in w if issubclass(x.category, UserWarning)]


# ------------------------------------------------------------------- A: LFs without usable triplets
def test_sparse_lfs_without_triplets_are_not_silenced() -> None:
    """500 LFs each voting on 2% of 3,000 rows: 429 share no triplet.  They used to get the median of the few
    (noisy, clipped-to-random) estimates, accuracy 1/k and weight 0: WMV 0.63 and FlyingSquid 0.62 against
    majority vote's 0.93, silently."""
    L, y, _ = make_votes(3000, 500, 2, propensities=0.02, seed=2)
    y = np.asarray(y)
    mv = (MajorityVote().fit(L).predict(L) == y).mean()
    for model in (WeightedMajorityVote(), FlyingSquid()):
        model, caught = _fit_recording(model, L)
        name = type(model).__name__
        acc = (model.predict(L) == y).mean()
        assert acc > mv - 0.01, (name, acc, mv)
        msgs = [str(x.message) for x in caught if "usable triplets" in str(x.message)]
        assert len(msgs) == 1 and msgs[0].startswith(f"{name}: 499 of 500 LFs"), (name, msgs)
        assert "429 have none" in msgs[0], msgs[0]
    # an LF without a triplet is assumed to beat random (0.7 at k = 2, too few LFs are well estimated for a
    # median), not to be random
    no_triplet = model.n_triplets_ == 0
    assert no_triplet.sum() == 429
    assert np.allclose(model.lf_accuracies()[no_triplet], (1 + BEATS_RANDOM_S) / 2)


def test_triplet_fill_is_the_median_of_well_estimated_lfs() -> None:
    """Three LFs estimated from many triplets and a fourth that overlaps none: the fourth gets their median."""
    a = np.array([0.9, 0.8, 0.7, 0.6, 0.75])
    s = 2 * a - 1
    co = np.full((5, 5), 1000.0)
    co[4, :] = co[:, 4] = 0.0  # LF 4 shares no row with any other
    agree = co * (1 + np.outer(s, s)) / 2
    acc, used = triplet_accuracies(co, agree, 2)
    assert used.tolist() == [3, 3, 3, 3, 0]
    np.testing.assert_allclose(acc[:4], a[:4], atol=1e-9)
    assert acc[4] == pytest.approx((1 + np.median(s[:4])) / 2)
    # under three well-estimated LFs: the "beats random" value, at k = 2 accuracy 0.7
    acc, used = triplet_accuracies(co[:3, :3] * 0, agree[:3, :3] * 0, 2)
    assert used.tolist() == [0, 0, 0] and np.allclose(acc, 0.7)
    acc, _ = triplet_accuracies(np.zeros((3, 3)), np.zeros((3, 3)), 4)
    assert np.allclose(acc, (1 + 3 * BEATS_RANDOM_S) / 4)


def test_well_overlapping_lfs_do_not_warn_about_triplets() -> None:
    L, _, params = make_votes(5000, 6, 2, seed=0)
    for model in (WeightedMajorityVote(), FlyingSquid()):
        _, caught = _fit_recording(model, L)
        assert not [x for x in caught if "triplet" in str(x.message)]


# ------------------------------------------------------------------- B: DawidSkene(init="uniform")
@pytest.mark.parametrize("kw", [{}, {"abstain_as_class": True}, {"confusion": "one_coin"}],
                         ids=["full", "abstain_as_class", "one_coin"])
def test_dawid_skene_uniform_init_leaves_the_uniform_fixed_point(kw) -> None:
    """From exactly uniform posteriors every LF's confusion matrix is the same under every class, so EM stayed
    there: uniform probabilities, accuracy 1/k, n_iter_ 2, silently.  The start is now tilted by 0.1% towards
    the majority vote and EM reaches the init="mv" solution."""
    from weaksup.labelmodel import DawidSkene

    L, y, _ = make_votes(5000, 8, 3, seed=0)
    y = np.asarray(y)
    ds = DawidSkene(init="uniform", **kw).fit(L)
    P = ds.predict_proba(L)
    assert np.abs(P - 1 / 3).max() > 0.5
    ref = DawidSkene(**kw).fit(L)
    assert (ds.predict(L) == y).mean() == pytest.approx((ref.predict(L) == y).mean(), abs=0.005)
    np.testing.assert_allclose(ds.lf_accuracies(), ref.lf_accuracies(), atol=0.01)


# ------------------------------------------------------------------- C: DawidSkene(alpha=0), zero abstentions
def _hand_posterior(ds, D: np.ndarray, skip_zero: bool = False) -> np.ndarray:
    """``P(y | row) ∝ π_y Π_j P(λ_j = l | y)`` (``P(abstain | y)`` where the LF abstains), in probability space;
    ``skip_zero``: leave out the abstention of an LF whose abstention probability is 0 under every class."""
    E, A, pi = np.exp(ds.log_conf_), np.exp(ds.log_abstain_), ds.class_balance_
    out = np.tile(pi, (len(D), 1))
    for j in range(D.shape[1]):
        votes = D[:, j] >= 0
        out[votes] *= E[j][:, D[votes, j]].T
        if not (skip_zero and (A[j] == 0).all()):
            out[~votes] *= A[j]
    return out / out.sum(1, keepdims=True)


@pytest.mark.parametrize("confusion", ["full", "one_coin"])
def test_dawid_skene_without_smoothing_and_an_lf_that_always_votes(confusion) -> None:
    """alpha=0, abstain_as_class=True: an LF that votes on every row has abstention probability 0, and
    log 0 - log 0 made every probability NaN (fit returned normally, numpy warned 'divide by zero').
    Now finite and equal to the naive-Bayes posterior of the fitted parameters, computed by hand."""
    from weaksup.labelmodel import DawidSkene

    L, y, _ = make_votes(2000, 5, 2, propensities=[1.0, 0.4, 0.4, 0.4, 0.4], seed=0)
    D, y = L.to_dense(), np.asarray(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ds = DawidSkene(alpha=0.0, abstain_as_class=True, confusion=confusion, max_iter=2000).fit(L)
    assert (np.exp(ds.log_abstain_[0]) == 0).all()  # LF 0 never abstains: probability 0, not a rounding residue
    P = ds.predict_proba(L)
    assert np.isfinite(P).all()
    np.testing.assert_allclose(P, _hand_posterior(ds, D), atol=1e-9)
    smoothed = DawidSkene(alpha=0.01, abstain_as_class=True, confusion=confusion, max_iter=2000).fit(L)
    assert (ds.predict(L) == y).mean() == pytest.approx((smoothed.predict(L) == y).mean(), abs=0.005)
    # a new row on which LF 0 abstains is impossible under every class alike: the other LFs decide
    new = np.array([[-1, 1, 1, -1, 0], [-1, -1, -1, -1, -1]])
    Pn = ds.predict_proba(new)
    assert np.isfinite(Pn).all()
    np.testing.assert_allclose(Pn, _hand_posterior(ds, new, skip_zero=True), atol=1e-9)


# ------------------------------------------------------------------- D: EM stopped at max_iter
def _convergence_warnings(model, L, **kw):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        model.fit(L, **kw)
    return [str(x.message) for x in w if issubclass(x.category, ConvergenceWarning)]


@pytest.mark.parametrize("kw", [{}, {"confusion": "one_coin"}, {"abstain_as_class": True}],
                         ids=["full", "one_coin", "abstain_as_class"])
def test_dawid_skene_warns_when_em_stops_at_max_iter(kw) -> None:
    """At 99:1 imbalance EM is still moving after 300 iterations (class_balance_ 0.675 there, 0.20 after 3000):
    it stopped at max_iter without a word."""
    from weaksup.labelmodel import DawidSkene

    L, _, _ = make_votes(5000, 8, 2, class_balance=[0.99, 0.01], seed=1)
    msgs = _convergence_warnings(DawidSkene(max_iter=5, **kw), L)
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith("DawidSkene: EM stopped at max_iter (n_iter_=5)") and "tol=1e-06" in msgs[0], msgs
    easy, _, _ = make_votes(5000, 8, 3, seed=0)
    ds = DawidSkene(**kw)
    assert _convergence_warnings(ds, easy) == [] and ds.n_iter_ < ds.max_iter


def test_ebcc_warns_when_variational_bayes_stops_at_max_iter() -> None:
    from weaksup.labelmodel import EBCC

    L, _, _ = make_votes(3000, 6, 3, seed=0)
    msgs = _convergence_warnings(EBCC(repeat=2, max_iter=2), L, seed=0)
    assert len(msgs) == 1 and msgs[0].startswith("EBCC: variational Bayes") and "n_iter_=2" in msgs[0], msgs
    assert "tol=0.001" in msgs[0]
    eb = EBCC(repeat=2)
    assert _convergence_warnings(eb, L, seed=0) == [] and eb.n_iter_ < eb.max_iter


# ------------------------------------------------------------------- E: EBCC's estimates are prior-pulled (documented)
def test_ebcc_lf_accuracies_at_many_classes_are_pulled_by_b_v_as_documented() -> None:
    """docs/label_models.md and EBCC's docstring quote these numbers (k = 20: lf_accuracies 0.31-0.44 against true
    0.55-0.88, DawidSkene 0.52-0.87); the defaults stay WRENCH's, so the documented bias must stay true."""
    from weaksup.labelmodel import EBCC, DawidSkene

    L, y, _ = make_votes(2000, 8, 20, propensities=0.2, seed=0)
    D, y = L.to_dense(), np.asarray(y)
    true = np.array([((D[:, j] == y)[D[:, j] >= 0]).mean() for j in range(8)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        eb = EBCC().fit(L, seed=0)
    assert (true.min().round(2), true.max().round(2)) == (0.55, 0.88)
    assert (eb.lf_accuracies().min().round(2), eb.lf_accuracies().max().round(2)) == (0.31, 0.44)
    ds = DawidSkene().fit(L).lf_accuracies()
    assert (ds.min().round(2), ds.max().round(2)) == (0.52, 0.87)


# ------------------------------------------------------------------- F: MatrixCompletion's divergence
def test_matrix_completion_divergence_raises_only_its_own_error() -> None:
    """450 dense LFs at snorkel's lr=0.01: the fit diverges.  numpy printed 'overflow encountered in matmul' and
    'invalid value encountered in subtract' RuntimeWarnings before the FloatingPointError that says it."""
    from weaksup.labelmodel import MatrixCompletion

    L, _, _ = make_votes(1000, 450, 2, propensities=0.5, seed=3)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with pytest.raises(FloatingPointError, match=r"MatrixCompletion: loss diverged \(NaN\); reduce lr") as err:
            MatrixCompletion().fit(L, seed=0)
    assert [str(x.message) for x in w if issubclass(x.category, RuntimeWarning)] == []
    assert "gradient overflowed at epoch" in str(err.value) and "of 100, lr=0.01" in str(err.value), str(err.value)


def test_three_lfs_are_estimated_from_their_one_triplet_each():
    """7c0178f asked every LF for 3 triplets, but 3 LFs give each exactly one (FlyingSquid's closed form): WMV and
    FlyingSquid on 3 LFs filled every accuracy with 0.7, warned, and voted as majority vote."""
    from weaksup.labelmodel import FlyingSquid, WeightedMajorityVote

    L, y, _ = make_votes(20000, 3, 2, accuracies=[0.9, 0.75, 0.6], propensities=1.0, seed=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*usable triplets")
        fs = FlyingSquid().fit(L, seed=0)
        wmv = WeightedMajorityVote().fit(L, seed=0)
    np.testing.assert_allclose(fs.lf_accuracies(), [0.9, 0.75, 0.6], atol=0.02)
    np.testing.assert_allclose(wmv.accuracies_, [0.9, 0.75, 0.6], atol=0.02)
