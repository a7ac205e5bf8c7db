"""A near-random LF must not cost the good LFs their triplet estimates (FlyingSquid, WeightedMajorityVote).

A triplet (i, j, l) estimates LF i from C_ij C_il / C_jl and is dropped when |C_jl| < min_corr; with a
near-random LF r every triplet of another LF that has r in it is dropped.  The LFs kept 1 usable triplet of 3,
were counted as "not estimated" (as if sparse) and got the 0.7 fill: 4 LFs of accuracy 0.95/0.65/0.65/0.53
were fitted as 0.7/0.7/0.7/0.53 (predictions 0.856 correct instead of 0.949), with a warning blaming sparse LFs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.labelmodel import FlyingSquid, WeightedMajorityVote
from weaksup.labelmodel.triplet import estimated, overlap_triplets, triplet_accuracies


def _lfs(accs, n=50_000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    L = np.stack([np.where(rng.random(n) < a, y, 1 - y) for a in accs], axis=1)
    return L, y


@pytest.mark.parametrize("model", [FlyingSquid, WeightedMajorityVote])
@pytest.mark.parametrize("accs", [(0.95, 0.65, 0.65, 0.53), (0.9, 0.85, 0.8, 0.5, 0.5)])
def test_near_random_lf_keeps_the_good_estimates(model, accs) -> None:
    L, y = _lfs(accs)
    true = (L == y[:, None]).mean(0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*usable triplets")  # every LF is estimated: no fill warning
        m = model().fit(L)
    np.testing.assert_allclose(m.lf_accuracies(), true, atol=0.015)  # was 0.7 for the good LFs
    good = model().fit(L[:, :3])  # the same LFs without the near-random one(s): the same predictions
    assert (m.predict(L) == y).mean() == pytest.approx((good.predict(L[:, :3]) == y).mean(), abs=1e-3)


def test_counts() -> None:
    L, _ = _lfs((0.95, 0.65, 0.65, 0.53))
    fs = FlyingSquid().fit(L)
    co = np.full((4, 4), float(len(L)))
    assert overlap_triplets(co).tolist() == [3, 3, 3, 3]  # every LF co-votes every row with every other
    assert fs.n_triplets_.tolist()[0] < 3 and estimated(fs.n_triplets_, co).all()


def test_sparse_lfs_still_filled() -> None:
    """An LF short of triplets because it shares too few rows is still filled: overlaps, not min_corr."""
    co = np.full((5, 5), 100.0)  # LFs of accuracy 0.9, 0.8, 0.7, 0.6 and 0.95 (exact agreement counts)
    agree = np.array([[100, 74, 66, 58, 86], [74, 100, 62, 56, 77], [66, 62, 100, 54, 60], [58, 56, 54, 100, 55],
                      [86, 77, 60, 55, 100]], dtype=float)
    co[4, 2:4] = co[2:4, 4] = 2.0  # LF 4 shares 2 rows with LFs 2 and 3: one triplet (0, 1) of the 3 needed
    agree[4, 2:4] = agree[2:4, 4] = 1.0
    acc, used = triplet_accuracies(co, agree, 2)
    assert overlap_triplets(co).tolist() == used.tolist() == [4, 4, 3, 3, 1]
    np.testing.assert_allclose(acc[:4], [0.9, 0.8, 0.7, 0.6], atol=1e-9)
    assert acc[4] == pytest.approx(0.75)  # the fill (median of the 4 estimated), not its own estimate 0.95


def test_warning_names_the_near_random_lfs_as_the_cause() -> None:
    """A good LF all of whose triplets have near-random other LFs is filled; the warning says why."""
    L, _ = _lfs((0.9, 0.5, 0.5, 0.5))
    with pytest.warns(UserWarning, match="usable triplets") as rec:
        FlyingSquid().fit(L)
    msg = next(str(w.message) for w in rec if "usable triplets" in str(w.message))
    assert "near random" in msg and "'lf_0'" in msg, msg
    assert "share too few voted rows" not in msg, msg


def test_warning_for_sparse_lfs_says_sparse() -> None:
    rng = np.random.default_rng(0)
    L, _ = _lfs((0.9, 0.85, 0.8, 0.75), n=3000)
    L[rng.random(3000) < 0.999, 3] = -1  # LF 3 votes on ~3 rows: it shares too few rows with any other LF
    with pytest.warns(UserWarning, match="usable triplets") as rec:
        WeightedMajorityVote().fit(L)
    msg = next(str(w.message) for w in rec if "usable triplets" in str(w.message))
    assert "sparse LFs cause this" in msg and "near random" not in msg, msg
