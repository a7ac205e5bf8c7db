"""UniversalLabelModel: a near-random LF (θ ≈ 0) must not spoil the refined θ of the good LFs.

With a θ = 0 LF c in triplet (a, b, c), two of the three moment equations are flat in θ_a and θ_b, so the
refinement's least squares stopped anywhere along the one equation left and the median over b's triplets
picked such a value: true θ [1.5, 0.8, 0.5, 0.0] on 6-item rankings was estimated as [1.518, 23.95, 0.447,
0.001] (Kendall τ 0.596 instead of 0.829 without the useless LF).  Those triplets' solutions for the other
two LFs are now left out.
"""

from __future__ import annotations

import numpy as np
import pytest

from weaksup.universal import FiniteMetricSpace, RankingSpace, UniversalLabelModel, make_synthetic

GRAPH_D = np.array([[0, 1, 1, 2, 1], [1, 0, 1, 2, 2], [1, 1, 0, 1, 2], [2, 2, 1, 0, 1], [1, 2, 2, 1, 0]], float)


@pytest.mark.parametrize("make, theta", [(lambda: RankingSpace(6), [1.5, 0.8, 0.5, 0.0]),
                                         (lambda: FiniteMetricSpace(GRAPH_D), [3.0, 1.5, 1.0, 0.0])])
def test_near_random_lf_leaves_the_good_thetas(make, theta) -> None:
    V, _ = make_synthetic(make(), theta, 20000, seed=1)
    Vt, yt = make_synthetic(make(), theta, 5000, seed=2)
    lm4 = UniversalLabelModel(make()).fit(V)
    lm3 = UniversalLabelModel(make()).fit(V.select_lfs([0, 1, 2]))
    np.testing.assert_allclose(lm4.theta_[:3], theta[:3], rtol=0.05)  # was 23.95 / 2.616 for θ = 0.8 / 1.5
    np.testing.assert_allclose(lm4.theta_[:3], lm3.theta_, rtol=1e-3)  # as if the near-random LF were not there
    assert lm4.theta_[3] < 0.01
    assert lm4.score(Vt, yt) == pytest.approx(lm3.score(Vt.select_lfs([0, 1, 2]), yt), abs=2e-3)


def test_two_near_random_lfs() -> None:
    theta = [1.5, 0.0, 0.8, 0.0, 0.5]
    V, _ = make_synthetic(RankingSpace(6), theta, 20000, seed=3)
    lm = UniversalLabelModel(RankingSpace(6)).fit(V)
    np.testing.assert_allclose(lm.theta_[[0, 2, 4]], [1.5, 0.8, 0.5], rtol=0.05)
    assert (lm.theta_[[1, 3]] < 0.01).all()


def test_only_near_random_partners_keeps_the_old_estimate() -> None:
    """An LF whose every triplet has a near-random partner has nothing better: its solutions are all kept."""
    V, _ = make_synthetic(RankingSpace(5), [1.0, 0.8, 0.0], 5000, seed=0)
    lm = UniversalLabelModel(RankingSpace(5)).fit(V)
    assert np.isfinite(lm.theta_).all()


def test_informative_lfs_are_not_near_random() -> None:
    """The uws-recovery benchmark's LFs (θ ≥ 0.25) are never taken as near random, so their θ is unchanged."""
    for make, theta, kw in [(lambda: RankingSpace(6), [1.5, 1.0, 0.6, 0.4, 0.25], {"keep": 0.7}),
                            (lambda: FiniteMetricSpace(GRAPH_D), [3.0, 2.0, 1.2, 0.8, 0.5], {})]:
        for seed in (1000, 1001):
            V, _ = make_synthetic(make(), theta, 300, seed=seed, abstain=0.2, **kw)
            lm = UniversalLabelModel(make()).fit(V)
            assert not lm._near_random(lm.pair_stats_, lm.aux_).any()
