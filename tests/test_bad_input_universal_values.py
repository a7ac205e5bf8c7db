"""Value inputs of the universal label spaces (labels, votes, LF outputs, synthetic parameters): bad ones are
refused with an error saying what and where, never a silent misread or a bare numpy error."""

import numpy as np
import pytest

from weaksup.universal import (
    FiniteMetricSpace,
    HyperbolicSpace,
    RankingSpace,
    RealSpace,
    UniversalLabelModel,
    ValueOutputError,
    ValueVotes,
    as_value_votes,
    make_synthetic,
)

D3 = [[0, 1, 2], [1, 0, 1], [2, 1, 0]]


def test_nested_ranking_outputs_with_abstains_or_partial_rankings_are_read():
    # the flat-list check built an array of the row (np.ndim), which is ragged here
    rs = RankingSpace(["a", "b", "c"])
    votes = ValueVotes.from_outputs([[["a", "b", "c"], None], [["b", "a"], ["a", "b", "c"]]], rs)
    assert votes.abstain.tolist() == [[False, True], [False, False]]
    assert votes.column(0) == [["a", "b", "c"], ["b", "a"]]
    with pytest.raises(TypeError, match="row 0 is"):
        ValueVotes.from_outputs([np.array(1.0)], RealSpace())


def test_poincare_vote_array_shape_error_says_arrays_hold_lorentz_coordinates():
    hp = HyperbolicSpace(2, model="poincare")
    votes, _ = make_synthetic(hp, [2.0, 1.0, 0.5], 50, seed=0)
    poincare = HyperbolicSpace.lorentz_to_poincare(votes.values)
    with pytest.raises(ValueError, match=r"Lorentz coordinates \(n, m, 3\).*poincare_to_lorentz"):
        UniversalLabelModel(hp).fit(poincare)
    back = ValueVotes.from_array(HyperbolicSpace.poincare_to_lorentz(poincare), hp)
    np.testing.assert_allclose(back.values, votes.values)


# ------------------------------------------------------------------ votes from another space
def test_votes_from_another_ranking_space_are_refused():
    abc, cba = RankingSpace(["a", "b", "c"]), RankingSpace(["c", "b", "a"])
    votes = ValueVotes.from_outputs([[["a", "b", "c"], ["a", "b", "c"], ["a", "c", "b"]]] * 30, abc)
    with pytest.raises(ValueError, match=r"items \['a', 'b', 'c'\] vs \['c', 'b', 'a'\]"):
        UniversalLabelModel(cba).fit(votes)  # was fitted, every prediction reversed
    # an equal space (another object), or one that differs only in inference settings, reads them the same
    pred = UniversalLabelModel(abc).fit(votes).predict(votes)
    for same in (RankingSpace(["a", "b", "c"]), RankingSpace(["a", "b", "c"], exact_max_items=5)):
        np.testing.assert_array_equal(UniversalLabelModel(same).fit(votes).predict(votes), pred)
    partial = ValueVotes.from_outputs([[["a", "b"], ["a", "b", "c"], ["b", "a", "c"]]] * 10, abc)
    with pytest.raises(ValueOutputError, match="partial ranking found but allow_partial=False"):
        UniversalLabelModel(RankingSpace(["a", "b", "c"], allow_partial=False)).fit(partial)


@pytest.mark.parametrize("other, what", [
    (FiniteMetricSpace([[0, 5, 1], [5, 0, 5], [1, 5, 0]], labels=["x", "y", "z"]), "D "),
    (FiniteMetricSpace(D3, labels=["p", "q", "r"]), "labels "),
    (FiniteMetricSpace(D3), "labels "),
    (RealSpace(), "another space"),
])
def test_votes_from_another_finite_space_are_refused(other, what):
    votes = ValueVotes.from_outputs([["x", "y", "z"]] * 30, FiniteMetricSpace(D3, labels=["x", "y", "z"]))
    with pytest.raises(ValueError, match=rf"votes are in FiniteMetricSpace.*the model uses .*\({what}"):
        as_value_votes(votes, other)
    same = FiniteMetricSpace(D3, labels=["x", "y", "z"])
    assert as_value_votes(votes, same) is votes


def test_hyperbolic_votes_read_across_coordinate_models():
    # encoded hyperbolic votes are Lorentz points whatever the model (or Newton settings) of the space
    votes, _ = make_synthetic(HyperbolicSpace(2), [2.0, 1.0, 0.5], 50, seed=0)
    assert as_value_votes(votes, HyperbolicSpace(2, model="poincare", steps=50)) is votes
    with pytest.raises(ValueError, match="dim 2 vs 3"):
        as_value_votes(votes, HyperbolicSpace(3))


# ------------------------------------------------------------------ make_synthetic's prior
@pytest.mark.parametrize("prior", [[.5, .6], [1.0], [-.5, 1.5], [np.nan, 1.0], "ab", [[.5, .5]]])
def test_make_synthetic_checks_the_prior(prior):
    fs = FiniteMetricSpace([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"make_synthetic: prior must be 2 probabilities"):
        make_synthetic(fs, [1, 1, 1], 10, prior=prior)


def test_make_synthetic_valid_prior_unchanged():
    fs = FiniteMetricSpace([[0, 1], [1, 0]])
    votes, y = make_synthetic(fs, [1, 1, 1], 200, prior=[0.25, 0.75], seed=3)
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(y, rng.choice(2, size=200, p=[0.25, 0.75]))
