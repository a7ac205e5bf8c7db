"""A near-random LF must not cost the good LFs their triplet estimates (FlyingSquid, WeightedMajorityVote).

A triplet (i, j, l) estimates LF i from C_ij C_il / C_jl and is dropped when |C_jl| < min_corr; with a
near-random LF r every triplet of another LF that has r in it is dropped, and the count of triplets needed (3)
counted row overlap only.  With 4 LFs of accuracy 0.95/0.65/0.65/0.53 the good LFs kept 1 or 2 triplets and got
the 0.7 fill (0.7/0.7/0.7/0.53, predictions 0.856 correct instead of 0.949), with a warning blaming sparse LFs.
An LF whose every pair correlation is confidently (3 standard errors) under 2·min_corr is now judged near
random (``near_random_lfs``) and is no other LF's partner; the others need what the rest can give.  762f177
waived the fill whenever min_corr had dropped triplets and was reverted (8794865) because that also waived it
where the drops were sampling noise: those LFs must keep the fill (``test_sparse_noise_keeps_the_fill``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.labelmodel import FlyingSquid, WeightedMajorityVote
from weaksup.labelmodel._kernels import lf_pair_agreement
from weaksup.labelmodel.triplet import needed_triplets, near_random_lfs, triplet_accuracies
from weaksup.synthetic import make_votes
from weaksup.votes import VoteMatrix

CASES = [(2, (0.95, 0.65, 0.65, 0.53)), (3, (0.95, 0.65, 0.65, 0.36)), (2, (0.9, 0.85, 0.8, 0.5, 0.5)),
         (3, (0.9, 0.7, 0.6, 0.34, 0.34))]


def _votes(k, accs, n=50_000, seed=0):
    return make_votes(n, len(accs), k, accuracies=list(accs), propensities=1.0, seed=seed)


def _tables(L):
    co, agree, _ = lf_pair_agreement(L)
    return co.astype(np.float64), agree.astype(np.float64)


def _fit_quiet(model, L):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*usable triplets")  # every LF is estimated: no fill warning
        return model.fit(L)


@pytest.mark.parametrize("model", [FlyingSquid, WeightedMajorityVote])
@pytest.mark.parametrize(("k", "accs"), CASES)
def test_near_random_lf_keeps_the_good_estimates(model, k, accs) -> None:
    L, y, _ = _votes(k, accs)
    true = (L.to_dense() == y[:, None]).mean(0)
    m = _fit_quiet(model(), L)
    est = m.lf_accuracies() if isinstance(m, FlyingSquid) else m.accuracies_
    np.testing.assert_allclose(est, true, atol=0.03)  # the good LFs were 0.7 (k = 2) / 0.6 (k = 3), the fill
    good = [j for j, a in enumerate(accs) if a > 1 / k + 0.1]
    alone = model().fit(L.select_lfs(good))  # the same LFs without the near-random one(s): as good predictions
    assert (m.predict(L) == y).mean() == pytest.approx((alone.predict(L.select_lfs(good)) == y).mean(), abs=0.005)


def test_near_random_judgement() -> None:
    co, agree = _tables(_votes(2, (0.95, 0.65, 0.65, 0.53))[0])
    assert near_random_lfs(co, agree, 2).tolist() == [False, False, False, True]
    assert not near_random_lfs(co, agree, 2, min_corr=0.0).any()  # min_corr 0 drops nothing
    acc, used = triplet_accuracies(co, agree, 2)
    assert used.tolist() == [1, 1, 1, 3] and used.estimated.all() and used.near_random.tolist() == [0, 0, 0, 1]
    # 500 rows: C = 0.058 could be noise (SE 0.045), so not judged, and the good LFs keep today's fill
    small, _, _ = _votes(2, (0.95, 0.65, 0.65, 0.53), n=500)
    assert not near_random_lfs(*_tables(small), 2).any()
    # one good LF among random ones looks random too: nothing stands out, nothing is judged
    assert not near_random_lfs(*_tables(_votes(2, (0.9, 0.5, 0.5, 0.5))[0]), 2).any()
    # an accuracy-0.6 LF is a weak LF, not a near-random one (C = 0.18 with the 0.95 LF) ...
    assert not near_random_lfs(*_tables(_votes(2, (0.95, 0.65, 0.65, 0.6))[0]), 2).any()
    # ... also among weak LFs, where all its pairs are small (C 0.04 to 0.06): its own estimate is s = 0.2
    assert not near_random_lfs(*_tables(_votes(2, (0.65, 0.65, 0.6, 0.6))[0]), 2).any()


def test_two_good_lfs_and_random_ones() -> None:
    """Two good LFs cannot be estimated (no triplet without a random LF) and get "beats random", 0.7, not the
    median of the random LFs' estimates; the random LFs keep their own estimates (they were filled with 0.7
    too, and outvoted the good LFs: predictions 0.776 correct, now 0.873)."""
    L, y, _ = _votes(2, (0.9, 0.85, 0.5, 0.5, 0.5))
    co, agree = _tables(L)
    assert near_random_lfs(co, agree, 2).tolist() == [False, False, True, True, True]
    for model in (FlyingSquid(), WeightedMajorityVote()):
        with pytest.warns(UserWarning, match="usable triplets"):
            model.fit(L)
        est = model.lf_accuracies() if isinstance(model, FlyingSquid) else model.accuracies_
        np.testing.assert_allclose(est[:2], 0.7)
        np.testing.assert_allclose(est[2:], 0.5, atol=0.01)
        assert (model.predict(L) == y).mean() > 0.86


def test_sparse_noise_keeps_the_fill() -> None:
    """The reviewer's check of 762f177, smaller: random sparse configurations, where triplets are dropped by
    sampling noise, keep today's rule (no LF near random, estimated = at least ``needed_triplets``)."""
    rng = np.random.default_rng(2026)
    dropped = 0
    for _ in range(8):
        n, m, k = int(rng.integers(500, 20_000)), int(rng.integers(4, 40)), int(rng.choice([2, 3]))
        accs = rng.uniform(1 / k + 0.02, 0.95, m)
        props = np.clip(rng.uniform(0.3, 1.7, m) * rng.uniform(0.01, 0.08), 0.002, 1.0)
        L, _, _ = make_votes(n, m, k, accuracies=accs, propensities=props, seed=int(rng.integers(1e6)))
        co, agree = _tables(L)
        with np.errstate(all="ignore"):
            _, used = triplet_accuracies(co, agree, k)
            _, overlap = triplet_accuracies(co, agree, k, min_corr=0.0)  # the triplets before min_corr drops any
        assert not used.near_random.any()
        need = needed_triplets(co)
        np.testing.assert_array_equal(used.estimated, np.asarray(used) >= need)
        dropped += int(((np.asarray(used) < need) & (np.asarray(overlap) >= need)).sum())
    assert dropped > 0  # LFs short of triplets only because min_corr dropped some (noise): they stayed filled


def _message(model, L) -> str:
    with pytest.warns(UserWarning, match="usable triplets") as rec:
        model.fit(L)
    return next(str(w.message) for w in rec if "usable triplets" in str(w.message))


@pytest.mark.parametrize("model", [FlyingSquid, WeightedMajorityVote])
def test_warning_names_sparse_and_near_random_lfs(model) -> None:
    """A sparse LF is filled and named as sparse; the near-random LF is named as such; the good LFs are not
    filled (they were, named as sparse)."""
    L, _, _ = _votes(2, (0.95, 0.65, 0.65, 0.53, 0.9))
    D = L.to_dense().copy()
    D[3:, 4] = -1  # 'lf_4' votes on 3 rows: it shares too few with any other LF
    msg = _message(model(), VoteMatrix(D, L.lf_names, 2))
    assert msg.startswith(f"{model.__name__}: 1 of 5 LFs have fewer than 1 usable triplets"), msg
    assert "LFs: 'lf_4'." in msg and "Sparse LFs cause this: they share too few" in msg, msg
    assert "Judged near random" in msg and msg.endswith("so in no other LF's triplets): 'lf_3'."), msg


def test_warning_for_chance_level_partners_does_not_blame_sparsity() -> None:
    """0.9/0.5/0.5/0.5: no LF stands out as near random, every triplet is dropped by min_corr; the LFs share
    every row, so the warning says the other LFs agree at chance level, not that they are sparse."""
    msg = _message(FlyingSquid(), _votes(2, (0.9, 0.5, 0.5, 0.5))[0])
    assert "agree at chance level" in msg and "'lf_0'" in msg, msg
    assert "Sparse LFs" not in msg and "Judged near random" not in msg, msg


def test_warning_for_sparse_lfs_says_sparse() -> None:
    L, _, _ = make_votes(3000, 200, 2, propensities=0.02, seed=1)
    msg = _message(WeightedMajorityVote(), L)
    assert "Sparse LFs cause this" in msg and "near random" not in msg, msg


def test_one_vs_rest_and_fitted_counts() -> None:
    """FlyingSquid's one-vs-rest binary models re-code the votes; n_triplets_ stays a plain array."""
    L, y, _ = _votes(3, (0.95, 0.65, 0.65, 0.36))
    fs = _fit_quiet(FlyingSquid(), L)
    assert type(fs.n_triplets_) is np.ndarray and fs.n_triplets_.tolist() == [1, 1, 1, 3]
    ovr = _fit_quiet(FlyingSquid(multiclass="ovr"), L)
    assert type(ovr.n_triplets_) is np.ndarray
