"""Bad input to the flow error-bound helpers and the universal (value) spaces: a clear error naming what and
where, never a silent fall-back, a NaN result or a bare numpy/scipy error (probe 15)."""

import math

import numpy as np
import pytest

from weaksup.flows import bounds_from_valid, constraint_penalties, estimate_error_bounds, expected_errors
from weaksup.universal import (
    FiniteMetricSpace,
    HyperbolicSpace,
    RankingSpace,
    RealSpace,
    as_value_votes,
    check_metric,
    make_synthetic,
    mallows_expected_distance,
    mallows_log_partition,
    mallows_pair_inversion_probs,
    mallows_theta_from_distance,
    pseudo_euclidean_embedding,
)
from weaksup.votes import VoteMatrix

RNG = np.random.default_rng(0)
N, M = 300, 5
Y = RNG.integers(0, 2, N)
L = np.where(RNG.random((N, M)) < .6, np.where(RNG.random((N, M)) < .8, Y[:, None], 1 - Y[:, None]), -1)
P = np.eye(2)[Y]
PRIOR = np.full((M, 2), 0.3)


# ------------------------------------------------------------------ estimate_error_bounds
@pytest.mark.parametrize("source", ["auto", "majority", "agreement"])
@pytest.mark.parametrize("balance, match", [([0.5, 0.6, 0.1], r"class_balance has shape \(3,\); expected \(2,\)"),
                                            ([np.nan, 1], "class_balance must be positive and finite"),
                                            ([-1, 2], "class_balance must be positive and finite")])
def test_estimate_error_bounds_checks_class_balance_before_falling_back(source, balance, match):
    # before: "auto" caught DawidSkene's ValueError and silently used "majority"; "majority" ignored it
    with pytest.raises(ValueError, match=match):
        estimate_error_bounds(L, source=source, class_balance=balance)


@pytest.mark.parametrize("seed", ["x", -1, 1.5, True])
def test_estimate_error_bounds_checks_the_seed(seed):
    with pytest.raises(ValueError, match="seed must be None or an int >= 0"):
        estimate_error_bounds(L, seed=seed)


def test_estimate_error_bounds_valid_input_unchanged():
    est, src = estimate_error_bounds(L, seed=0, class_balance=[0.5, 0.5])
    assert src == "DawidSkene" and est.shape == (M, 2)
    assert estimate_error_bounds(L, source="majority", class_balance=[0.5, 0.5])[1] == "majority"


# ------------------------------------------------------------------ bounds_from_valid
@pytest.mark.parametrize("y, match", [
    (np.where(Y == 0, -1, Y), r"y_valid: -1 \(no label\) at row 3"),
    (np.where(Y == 0, 2, Y), r"y_valid: value 2 at row 3 is outside 0..1"),
    (Y + 0.5, "y_valid must be integer labels"),
    (Y.astype(str), "y_valid must hold integer labels"),
    (Y[:-1], "L_valid has 300 rows but y_valid has 299"),
])
def test_bounds_from_valid_checks_the_labels(y, match):
    with pytest.raises(ValueError, match=match):
        bounds_from_valid(VoteMatrix(L), y, PRIOR)


@pytest.mark.parametrize("prior, match", [
    (np.full((1, 2), 0.3), r"prior_bounds has shape \(1, 2\); expected \(5, 2\)"),
    (np.full((M,), 0.3), r"prior_bounds has shape \(5,\); expected \(5, 2\)"),
    (np.full((M, 2), np.nan), r"prior_bounds\[0, 0\] = nan \(LF 'lf_0', class 0\) is not an error rate"),
    (np.full((M, 2), 2.0), r"prior_bounds\[0, 0\] = 2.0 .* is not an error rate in \[0, 1\]"),
])
def test_bounds_from_valid_checks_the_prior(prior, match):
    with pytest.raises(ValueError, match=match):
        bounds_from_valid(VoteMatrix(L), Y, prior)


@pytest.mark.parametrize("strength", [np.nan, -1, math.inf, "2"])
def test_bounds_from_valid_checks_the_strength(strength):
    with pytest.raises(ValueError, match="strength must be a finite number >= 0"):
        bounds_from_valid(VoteMatrix(L), Y, PRIOR, strength)


def test_bounds_from_valid_takes_a_plain_array_and_keeps_the_prior_of_a_silent_lf():
    # before: AttributeError "'numpy.ndarray' object has no attribute 'cardinality'"
    np.testing.assert_array_equal(bounds_from_valid(L, Y, PRIOR), bounds_from_valid(VoteMatrix(L), Y, PRIOR))
    V = np.array([[0, -1], [1, -1], [0, -1]])  # LF 1 never votes: strength 0 keeps its prior (before: NaN)
    out = bounds_from_valid(V, np.array([0, 1, 1]), np.full((2, 2), 0.4), strength=0)
    np.testing.assert_allclose(out, [[1 / 3, 1 / 3], [0.4, 0.4]])


# ------------------------------------------------------------------ expected_errors
@pytest.mark.parametrize("probs, match", [
    (np.where(P == 1, np.nan, P), r"probs\[0, 1\] = nan is not finite"),
    (P * 3, "probs: row 0 sums to 3.0, not 1"),
    (P * 2 - 0.5, r"probs\[0, 0\] = -0.5 is negative"),
])
def test_expected_errors_needs_label_distributions(probs, match):
    with pytest.raises(ValueError, match=match):
        expected_errors(L, probs)


# ------------------------------------------------------------------ constraint_penalties
@pytest.mark.parametrize("y, bounds, match", [
    (P, np.full((M,), 0.3), r"bounds has shape \(5,\); expected a number, \(k,\) = \(2,\) per class"),
    (P, np.full((2, 2), 0.3), r"bounds has shape \(2, 2\)"),
    (np.where(P == 1, np.nan, P), 0.3, r"y\[0, 1\] = nan is not finite"),
    (P, np.nan, r"bounds for LF 'lf_0' \(row 0\), class 0 is nan"),
    (P, -0.5, r"bounds for LF 'lf_0' \(row 0\), class 0 is -0.5; error bounds must be finite and within"),
])
def test_constraint_penalties_checks_labels_and_bounds(y, bounds, match):
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match=match):
        constraint_penalties(y, L, bounds)


# ------------------------------------------------------------------ Mallows helpers
@pytest.mark.parametrize("fn", [mallows_expected_distance, mallows_pair_inversion_probs, mallows_log_partition])
@pytest.mark.parametrize("theta, k, match", [(-1, 3, "theta must be a number >= 0"),
                                             (np.nan, 3, "theta must be a number >= 0"),
                                             (1.0, 0, r"k \(the number of items\) must be an int >= 1"),
                                             (1.0, -1, r"k \(the number of items\) must be an int >= 1"),
                                             (1.0, 1.5, r"k \(the number of items\) must be an int >= 1")])
def test_mallows_helpers_check_theta_and_k(fn, theta, k, match):
    with pytest.raises(ValueError, match=f"{fn.__name__}: {match}"):
        fn(theta, k)


@pytest.mark.parametrize("e, bounds, match", [(-1, (1e-3, 1e3), r"e \(an expected Kendall distance\) must be in "
                                                                  r"\[0, 3\]"),
                                              (100, (1e-3, 1e3), r"must be in \[0, 3\]"),
                                              (np.nan, (1e-3, 1e3), r"must be in \[0, 3\]"),
                                              (1.0, (10, 1), "bounds must satisfy 0 <= low < high")])
def test_mallows_theta_from_distance_refuses_impossible_distances(e, bounds, match):
    with pytest.raises(ValueError, match=match):
        mallows_theta_from_distance(e, 3, bounds)


def test_mallows_theta_from_distance_clips_worse_than_random_and_perfect():
    # E_θ[d] runs from k(k-1)/4 = 1.5 (θ = 0) down to 0: beyond it the θ bounds are returned, as documented
    assert mallows_theta_from_distance(2.5, 3) == 1e-3
    assert mallows_theta_from_distance(0.0, 3) == 1e3
    assert mallows_expected_distance(math.inf, 3) == 0.0


# ------------------------------------------------------------------ finite spaces
@pytest.mark.parametrize("S, match", [
    (np.zeros((2, 3)), r"must be square, got shape \(2, 3\)"),
    (np.full((2, 2), np.nan), r"S\[0, 0\] = nan is not finite"),
    (np.array([[0, 1.0], [2, 0]]), r"not symmetric: S\[0, 1\] = 1.0 but S\[1, 0\] = 2.0"),
    (np.array([[1.0, 1], [1, 0]]), r"S\[0, 0\] = 1.0: the dissimilarity of a point to itself must be 0"),
    (np.zeros((0, 0)), "has no points"),
])
def test_pseudo_euclidean_embedding_checks_the_matrix(S, match):
    with pytest.raises(ValueError, match=match):
        pseudo_euclidean_embedding(S)


@pytest.mark.parametrize("call", [lambda: check_metric([[0, 1], [1, 0.0]], tol=-1),
                                  lambda: pseudo_euclidean_embedding(np.array([[0, 1], [1, 0.0]]), tol=np.nan)])
def test_metric_tolerances_must_be_non_negative(call):
    with pytest.raises(ValueError, match="tol must be a finite number >= 0"):
        call()


def test_finite_space_labels_must_be_hashable():
    with pytest.raises(ValueError, match=r"labels\[0\] = \['a'\] is not hashable"):
        FiniteMetricSpace(np.array([[0, 1.0], [1, 0]]), labels=[["a"], "b"])


# ------------------------------------------------------------------ make_synthetic
@pytest.mark.parametrize("space, theta, kw, match", [
    (RealSpace(1), [-1, 2], {}, r"theta\[0\] = -1.0 \(LF 'lf_0'\) must be finite and > 0 for RealSpace"),
    (RealSpace(1), [np.nan, 2], {}, r"theta\[0\] = nan"),
    (RealSpace(1), [1, 0], {}, r"theta\[1\] = 0.0 \(LF 'lf_1'\) must be finite and > 0"),
    (RankingSpace(3), [1, -1], {}, r"theta\[1\] = -1.0 .* must be finite and >= 0 for RankingSpace"),
    (RealSpace(1), [1, 2], {"n": -1}, r"n \(the number of rows\) must be an int >= 0, got -1"),
    (RealSpace(1), [1, 2], {"abstain": 2.0}, r"abstain probability 2.0 for LF 'lf_0' is not in \[0, 1\]"),
    (RealSpace(1), [1, 2], {"abstain": [0.1, np.nan]}, r"abstain probability nan for LF 'lf_1'"),
    (RealSpace(1), [1, 2], {"abstain": [0.1, 0.2, 0.3]}, "abstain must be a probability or a sequence of 2"),
    (RankingSpace(3), [1, 2], {"keep": 1.5}, r"keep .* must be in \(0, 1\]"),
    (RankingSpace(3), [1, 2], {"keep": np.nan}, r"keep .* must be in \(0, 1\]"),
])
def test_make_synthetic_checks_its_arguments(space, theta, kw, match):
    kw = {"n": 10, **kw}
    with pytest.raises(ValueError, match=match):
        make_synthetic(space, theta, **kw)


def test_make_synthetic_refuses_keep_zero():
    # keep=0 looped for ever (redrawing until >= 2 items were kept); not run against the old code
    with pytest.raises(ValueError, match=r"keep .* must be in \(0, 1\]"):
        make_synthetic(RankingSpace(3), [1, 2], 10, keep=0)


def test_make_synthetic_valid_input_unchanged():
    v, y = make_synthetic(RankingSpace(3), [0.0, 2.0], 50, seed=3, abstain=[0.0, 0.5], keep=0.8)
    assert v.n == 50 and v.m == 2 and 0 < v.coverage()[1] < 1


# ------------------------------------------------------------------ spaces and value votes
def test_flat_list_of_values_names_the_row():
    # before: TypeError "object of type 'float' has no len()"
    with pytest.raises(TypeError, match=r"votes must be n × m .* row 0 is 1.0 \(float\)"):
        as_value_votes([1.0, 2.0], RealSpace(1))
    assert as_value_votes([[1.0], [2.0]], RealSpace(1)).m == 1


@pytest.mark.parametrize("make, match", [
    (lambda: RealSpace(1.5), r"RealSpace dim must be >= 1 \(an int\), got 1.5"),
    (lambda: HyperbolicSpace(1.5), "dim must be an int >= 1"),
    (lambda: HyperbolicSpace(steps=0), r"steps \(Newton steps of the Fréchet mean\) must be an int >= 1"),
    (lambda: HyperbolicSpace(steps=2.5), "steps .* must be an int >= 1"),
    (lambda: HyperbolicSpace(lr=np.nan), r"lr \(the first Newton step size\) must be a finite number > 0"),
    (lambda: HyperbolicSpace(lr=0), "lr .* must be a finite number > 0"),
    (lambda: HyperbolicSpace(tol=-1), "tol must be a finite number >= 0"),
])
def test_space_parameters_are_checked(make, match):
    with pytest.raises(ValueError, match=match):
        make()
