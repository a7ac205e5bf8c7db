"""LabelLearningFlow (issue #8): synthetic accuracy vs MV, penalties, simplex, determinism, bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from weaksup.labelmodel import MajorityVote
from weaksup.flows import (
    LabelLearningFlow,
    constraint_penalties,
    estimate_error_bounds,
    expected_errors,
)
from weaksup._validation import NotFittedError
from weaksup.synthetic import make_votes

K = 3
ACC = np.array([0.85, 0.8, 0.75, 0.7, 0.65, 0.6])


def true_bounds(acc: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Exact expected error of make_votes' LFs: P(vote=c, y≠c | fired) + P(vote≠c, y=c | fired)."""
    k = len(p)
    return (1 - acc)[:, None] * (p[None, :] + (1 - p[None, :]) / (k - 1))


def blobs(y: np.ndarray, d: int = 8, sep: float = 2.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(int(y.max()) + 1, d)) * sep
    return centers[y] + rng.normal(size=(len(y), d))


@pytest.fixture(scope="module")
def task():
    L, y, params = make_votes(900, len(ACC), K, accuracies=ACC, propensities=0.3, seed=0)
    return L, y, blobs(y), params


@pytest.fixture(scope="module")
def fitted(task):
    L, y, X, params = task
    b = true_bounds(ACC, params["class_balance"])
    return LabelLearningFlow(n_epochs=40).fit(L, X, seed=0, error_bounds=b)


# ------------------------------------------------------------------ accuracy
def test_beats_majority_vote_with_known_bounds(task, fitted):
    L, y, X, _ = task
    mv = float((MajorityVote().fit(L).predict(L) == y).mean())
    llf = float((fitted.predict(L, X) == y).mean())
    assert mv < 0.8  # the task is hard for MV: 30% propensity leaves many ties/uncovered rows
    assert llf > mv + 0.1, (llf, mv)
    assert fitted.score(L, X, y) == pytest.approx(llf)
    assert fitted.bound_source_ == "given"


def test_beats_majority_vote_with_estimated_bounds(task):
    L, y, X, _ = task
    mv = float((MajorityVote().fit(L).predict(L) == y).mean())
    m = LabelLearningFlow(n_epochs=30, bound_source="majority").fit(L, X, seed=1)
    assert m.bound_source_ == "majority"
    assert float((m.predict(L, X) == y).mean()) > mv + 0.05


def test_lf_accuracies_track_true_accuracies(fitted):
    est = fitted.lf_accuracies()
    assert est.shape == ACC.shape
    # LLF's labels are ~right, so each LF's agreement with them is near its true accuracy
    assert np.abs(est - ACC).max() < 0.1
    assert np.argsort(est)[-1] == 0 and np.argsort(est)[0] == len(ACC) - 1


# ----------------------------------------------------------------- penalties
VOTES = np.array([[0, 1], [1, -1], [2, 1], [0, 0]])
GOLD = np.array([0, 1, 2, 0])


def test_expected_errors_hand_computed():
    err, cnt = expected_errors(VOTES, np.eye(3)[GOLD], 3)
    assert cnt.tolist() == [4, 3]
    # LF0 always right -> 0 everywhere. LF1 votes 1,1,0 on gold 0,2,0:
    #   class 0: rows (q=0,y=1),(q=0,y=0),(q=1,y=1) -> 1/3; class 1: (1,0),(1,0),(0,0) -> 2/3;
    #   class 2: (0,0),(0,1),(0,0) -> 1/3
    np.testing.assert_allclose(err[0], 0.0)
    np.testing.assert_allclose(err[1], [1 / 3, 2 / 3, 1 / 3])
    # soft labels: uniform posterior gives (1-1/3)*q + 1/3*(1-q) averaged
    err_u, _ = expected_errors(VOTES, np.full((4, 3), 1 / 3), 3)
    np.testing.assert_allclose(err_u[0], [(2 / 3 * 2 + 1 / 3 * 2) / 4, (2 / 3 + 1 / 3 * 3) / 4, (2 / 3 + 1 / 3 * 3) / 4])


def test_penalties_zero_when_constraints_hold():
    y = np.eye(3)[GOLD]
    bounds = np.array([[0.0, 0.0, 0.0], [1 / 3, 2 / 3, 1 / 3]]) + 1e-6
    pen = constraint_penalties(y, VOTES, bounds, 3)
    assert pen == {"neg": 0.0, "over": 0.0, "sum": 0.0, "ws": 0.0}
    # soft labels inside the simplex and loose bounds: still all zero
    pen = constraint_penalties(np.full((4, 3), 1 / 3), VOTES, 1.0, 3)
    assert max(pen.values()) == pytest.approx(0.0, abs=1e-7)


def test_penalties_on_read_only_votes_raise_no_torch_warning():
    # VoteMatrix arrays are read-only; torch warns (once per process, hence the subprocess) when it wraps one
    code = ("import warnings, numpy as np; warnings.simplefilter('error')\n"
            "from weaksup.votes import VoteMatrix\nfrom weaksup.flows import constraint_penalties\n"
            "L = VoteMatrix(np.array([[0, 1], [1, -1]], dtype=np.int64))\n"
            "print(constraint_penalties(np.eye(2), L, 1.0)['neg'])")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "0.0"


def test_penalties_hand_computed_when_violated():
    y = np.eye(3)[GOLD].astype(float)
    y[0] = [1.5, -0.5, 0.0]  # over by .5, under by .5, sums to 1
    y[1] = [0.0, 0.5, 0.0]  # sums to .5
    pen = constraint_penalties(y, VOTES, np.zeros((2, 3)), 3)
    assert pen["neg"] == pytest.approx(0.25 / 4)
    assert pen["over"] == pytest.approx(0.25 / 4)
    assert pen["sum"] == pytest.approx(0.25 / 4)
    # ws: each LF's mean error over the rows it covers, hinge against bound 0, squared, summed
    q0 = np.eye(3)[VOTES[:, 0]]
    c0 = ((1 - y) * q0 + y * (1 - q0)).mean(0)
    rows = VOTES[:, 1] >= 0
    q1 = np.eye(3)[VOTES[rows, 1]]
    c1 = ((1 - y[rows]) * q1 + y[rows] * (1 - q1)).mean(0)
    want = (np.clip(c0, 0, None) ** 2).sum() + (np.clip(c1, 0, None) ** 2).sum()
    assert pen["ws"] == pytest.approx(want, rel=1e-5)
    assert pen["ws"] > 0


# ---------------------------------------------------------- simplex/sampling
def test_samples_in_simplex_after_clipping(task, fitted):
    _, _, X, _ = task
    s = fitted.sample(X[:200], 10)
    assert s.shape == (10, 200, K)
    c = np.clip(s, 0, 1)
    assert c.min() >= 0 and c.max() <= 1
    # the (soft) simplex penalties pull the raw samples towards the simplex
    assert np.abs(c.sum(-1) - 1).mean() < 0.1
    assert np.abs(s.sum(-1) - 1).mean() < 0.1
    L, _, _, params = task
    untrained = LabelLearningFlow(n_epochs=1, lr=1e-9).fit(L, X, seed=0, error_bounds=0.5)
    u = untrained.sample(X[:200], 10)
    votes = np.full((200, len(ACC)), -1)
    simplex = lambda p: p["neg"] + p["over"] + p["sum"]  # noqa: E731
    trained_pen = np.mean([simplex(constraint_penalties(s[i], votes, 1.0, K)) for i in range(10)])
    untrained_pen = np.mean([simplex(constraint_penalties(u[i], votes, 1.0, K)) for i in range(10)])
    assert trained_pen < 0.1 * untrained_pen, (trained_pen, untrained_pen)
    P = fitted.predict_proba(np.full((200, len(ACC)), -1), X[:200])
    assert P.min() >= 0 and P.max() <= 1
    np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-9)


def test_seeded_determinism(task, fitted):
    L, _, X, params = task
    b = true_bounds(ACC, params["class_balance"])
    again = LabelLearningFlow(n_epochs=40).fit(L, X, seed=0, error_bounds=b)
    np.testing.assert_array_equal(again.flow_params_, fitted.flow_params_)
    np.testing.assert_array_equal(again.predict_proba(L, X), fitted.predict_proba(L, X))
    np.testing.assert_array_equal(fitted.predict_proba(L, X), fitted.predict_proba(L, X))
    other = LabelLearningFlow(n_epochs=2).fit(L, X, seed=1, error_bounds=b)
    short = LabelLearningFlow(n_epochs=2).fit(L, X, seed=0, error_bounds=b)
    assert not np.array_equal(other.flow_params_, short.flow_params_)


def test_predictions_do_not_depend_on_row_order_or_batch(task, fitted):
    # z used to be drawn sequentially over the batch, so a row's samples depended on its position in X and on
    # the other rows (shuffled rows: |dP| up to 0.086, 22 of 1500 classes changed)
    L, _, X, _ = task
    P = fitted.predict_proba(L, X)
    perm = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_allclose(fitted.predict_proba(L[perm], X[perm]), P[perm], atol=1e-6)
    one = np.vstack([fitted.predict_proba(L[i:i + 1], X[i:i + 1]) for i in range(30)])
    np.testing.assert_allclose(one, P[:30], atol=1e-6)
    np.testing.assert_allclose(fitted.sample(X[perm][:50]), fitted.sample(X)[:, perm[:50]], atol=1e-6)
    np.testing.assert_array_equal(fitted.predict(L[perm], X[perm], tie_break="abstain"),
                                  fitted.predict(L, X, tie_break="abstain")[perm])


def test_save_load_roundtrip(task, fitted, tmp_path):
    L, _, X, _ = task
    path = tmp_path / "llf.npz"
    fitted.save(path)
    loaded = LabelLearningFlow.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(L, X), fitted.predict_proba(L, X))
    assert loaded.get_params() == fitted.get_params()
    np.testing.assert_array_equal(loaded.error_bounds_, fitted.error_bounds_)


# ---------------------------------------------------------------- error bounds
def test_valid_bounds_near_truth_and_valid_features(task):
    L, y, X, params = task
    Ld, yd, _ = make_votes(400, len(ACC), K, accuracies=ACC, propensities=0.3, seed=7)
    truth = true_bounds(ACC, params["class_balance"])
    m = LabelLearningFlow(n_epochs=1)
    b, src = m._resolve_bounds(L, None, (Ld, yd), None, 0)
    assert src.startswith("valid+")  # named after the fit parameter valid= (was "dev+")
    assert np.abs(b - truth).max() < 0.1
    # valid with features: rows join training with a gold signal of bound 0
    Xd = blobs(np.concatenate([y, yd]))[len(y):]
    m = LabelLearningFlow(n_epochs=2).fit(L, X, valid=(Ld, yd, Xd), seed=0)
    assert m.error_bounds_.shape == (len(ACC), K)


def test_estimated_bounds_are_upper_bounds_on_average(task):
    L, _, _, params = task
    truth = true_bounds(ACC, params["class_balance"])
    est, src = estimate_error_bounds(L, source="majority")
    assert src == "majority" and est.shape == truth.shape
    assert np.all((est >= 0) & (est <= 1))
    # leave-one-out MV is itself noisy, so the estimates sit above the true errors
    assert (est - truth).mean() > 0
    # and they order the LFs roughly by true error (Spearman correlation)
    from scipy.stats import spearmanr

    assert spearmanr(est.mean(1), truth.mean(1)).statistic > 0.7
    # "agreement": one accuracy per LF spread over classes by the LF's vote distribution
    agr, src = estimate_error_bounds(L, source="agreement")
    assert src == "agreement" and np.all((agr >= 0) & (agr <= 1))
    assert spearmanr(agr.mean(1), truth.mean(1)).statistic > 0.7
    assert (agr - truth).mean() > 0


def test_agreement_bounds_hand_built():
    # LFs never co-vote: pooled agreement undefined -> prior accuracy 0.7
    agr, _ = estimate_error_bounds(np.array([[0, -1], [-1, 1], [0, -1]]), source="agreement")
    np.testing.assert_allclose(agr, 0.3)  # k=2: (1-a) * (v_c + (1-v_c)/1) = 0.3
    # LF0 and LF1 always agree, LF2 always disagrees with them (k=3)
    V = np.array([[0, 0, 1], [1, 1, 2], [2, 2, 0], [0, 0, 2]])
    agr, _ = estimate_error_bounds(V, source="agreement")
    # LF0: the LOO-MV of LF1, LF2 puts 0.5 on LF0's vote on every row (LF2 never agrees)
    agree = np.array([0.5, 0.5, 0.0])
    pooled = agree.sum() / 3
    acc = (4 * agree + 10 * pooled) / 14
    frac = np.array([[0.5, 0.25, 0.25], [0.5, 0.25, 0.25], [0.25, 0.25, 0.5]])
    np.testing.assert_allclose(agr, (1 - acc)[:, None] * (frac + (1 - frac) / 2))


def test_error_bounds_broadcast():
    L, _, _ = make_votes(50, 3, 2, seed=0)
    m = LabelLearningFlow()
    assert m._resolve_bounds(L, 0.2, None, None, 0)[0].shape == (3, 2)
    np.testing.assert_allclose(m._resolve_bounds(L, [0.1, 0.2, 0.3], None, None, 0)[0][:, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="error_bounds has shape"):
        m._resolve_bounds(L, np.zeros((4, 2)), None, None, 0)
    # a 1-d vector of length k (!= m) used to be broadcast per class, but per LF when m == k: refused now
    with pytest.raises(ValueError, match="1-d vector of length 2; .* must have length m = 3"):
        m._resolve_bounds(L, [0.1, 0.2], None, None, 0)
    L5, _, _ = make_votes(50, 5, 3, seed=0)
    with pytest.raises(ValueError, match="error_bounds is a 1-d vector of length 3"):
        m._resolve_bounds(L5, [0.1, 0.2, 0.3], None, None, 0)
    np.testing.assert_allclose(m._resolve_bounds(L5, [[0.1, 0.2, 0.3]], None, None, 0)[0], [[0.1, 0.2, 0.3]] * 5)
    with pytest.raises(ValueError, match="within \\[0, 1\\]"):
        m._resolve_bounds(L, 1.5, None, None, 0)


# ------------------------------------------------------------------ bad input
def test_bad_input_clear_errors(task, fitted):
    L, y, X, _ = task
    with pytest.raises(ValueError, match="X has 899 rows but the votes have 900"):
        LabelLearningFlow(n_epochs=1).fit(L, X[:-1])
    Xn = X.copy()
    Xn[17, 3] = np.nan
    with pytest.raises(ValueError, match="non-finite value .* at row 17, column 3"):
        LabelLearningFlow(n_epochs=1).fit(L, Xn)
    with pytest.raises(ValueError, match="needs features"):
        LabelLearningFlow(n_epochs=1).fit(L, None)
    with pytest.raises(TypeError, match="'X'"):  # features are a required argument of the contract
        LabelLearningFlow(n_epochs=1).fit(L)
    with pytest.raises(ValueError, match="parameter 'cardinality' must be None or an int in \\[2"):
        LabelLearningFlow(cardinality=1, n_epochs=1).fit(np.zeros((10, 2), int), np.ones((10, 2)))
    with pytest.raises(ValueError, match="needs features"):
        fitted.predict_proba(L, None)
    with pytest.raises(TypeError, match="'X'"):
        fitted.predict_proba(L)
    with pytest.raises(ValueError, match="X has 899 rows"):
        fitted.predict(L, X[:-1])
    with pytest.raises(ValueError, match="fitted on 8"):
        fitted.predict_proba(L, X[:, :5])
    with pytest.raises(ValueError, match="LFs; the model was fitted on 6"):
        fitted.predict_proba(L.to_dense()[:, :5], X)
    with pytest.raises(ValueError, match="valid votes have 5 LFs"):
        LabelLearningFlow(n_epochs=1).fit(L, X, valid=(L.to_dense()[:10, :5], y[:10]))
    with pytest.raises(ValueError, match="valid features has 9 rows"):
        LabelLearningFlow(n_epochs=1).fit(L, X, valid=(L[:10], y[:10], X[:9]))
    with pytest.raises(ValueError, match="parameter 'n_epochs' must be an int in \\[1"):
        LabelLearningFlow(n_epochs=0).fit(L, X)
    with pytest.raises(ValueError, match="bound_source"):
        LabelLearningFlow(bound_source="oracle").fit(L, X)
    with pytest.raises(NotFittedError, match="not fitted; call fit\\(votes, X\\)"):
        LabelLearningFlow().predict_proba(L, X)


def test_contract_is_its_own_family(task, fitted):
    from weaksup.flows import FeatureLabelModel
    from weaksup.labelmodel import LabelModel, available_models

    assert isinstance(fitted, FeatureLabelModel) and not isinstance(fitted, LabelModel)
    assert "LabelLearningFlow" not in available_models()
    assert "LabelLearningFlow" in available_models("feature_label")
    assert fitted.cardinality is None and fitted.cardinality_ == K
    L, y, X, _ = task
    with pytest.warns(DeprecationWarning, match="weaksup.flows.LabelLearningFlow"):
        from weaksup.labelmodel import LabelLearningFlow as Old
    assert Old is LabelLearningFlow
    with pytest.raises(ValueError, match="expected weaksup.LabelModel"):
        import tempfile, os

        path = os.path.join(tempfile.mkdtemp(), "llf.npz")
        fitted.save(path)
        LabelModel.load(path)


def test_import_stays_light():
    code = "import sys, weaksup.labelmodel, weaksup.flows; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_old_score_call_still_works(task, fitted):
    L, y, X, _ = task
    with pytest.warns(DeprecationWarning, match=r"score\(votes, X, y, metric\)"):
        old = fitted.score(L, y, "accuracy", X=X)
    assert old == fitted.score(L, X, y, "accuracy")


def test_sample_count_and_bound_slack_are_validated(task, fitted):
    """sample(X, 0) gave the default 10 samples; bound_slack=NaN was accepted (NaN bounds)."""
    L, y, X, _ = task
    k = fitted.cardinality_
    assert fitted.sample(X[:5], 0).shape == (0, 5, k)
    assert fitted.sample(X[:5]).shape == (fitted.n_samples, 5, k)
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="n_samples must be an int >= 0"):
            fitted.sample(X[:5], bad)
    for slack in (float("nan"), float("inf"), 1.5):
        with pytest.raises(ValueError, match="bound_slack"):
            LabelLearningFlow(bound_slack=slack, n_epochs=1).fit(L[:50], X[:50])
