"""Known answers for the label models' vote kernels (weaksup.labelmodel._stats, WMV, EBCC).

Each fast kernel is checked against the plain definition it replaces, on synthetic votes (sparse
and dense, few and many votes per row) and on WRENCH train votes: exact (``array_equal``) for the
integer statistics and for sums taken in the same order, within 1e-12 where the kernel leaves out
terms it proves negligible.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

from weaksup.labelmodel import WeightedMajorityVote
from weaksup.labelmodel._stats import cooccurrence_counts, pair_counts, vote_codes, weighted_class_counts
from weaksup.synthetic import make_votes
from weaksup.votes import VoteMatrix


def _synthetic() -> list[tuple[str, VoteMatrix]]:
    out = []
    for n, m, k, sparse, prop, seed in [(3000, 12, 2, True, 0.3, 0), (2000, 9, 3, False, 0.5, 1),
                                        (1500, 30, 6, True, 0.2, 2), (400, 90, 4, True, 0.95, 3)]:
        L, _, _ = make_votes(n, m, k, propensities=prop, seed=seed, sparse=sparse)
        out.append((f"synthetic n={n} m={m} k={k} sparse={sparse}", L))
    return out


def _wrench() -> list[tuple[str, VoteMatrix]]:
    from conftest import WRENCH

    from weaksup.data import load_wrench

    if WRENCH is None:  # the WRENCH cases are skipped (with the reason) by the marks below
        return [(name, None) for name in ("youtube", "trec")]
    return [(name, load_wrench(name, data_dir=WRENCH).train.votes) for name in ("youtube", "trec")]


def _cases() -> list:
    from conftest import needs_wrench

    syn = [pytest.param(L, id=name) for name, L in _synthetic()]
    return syn + [pytest.param(L, id=name, marks=needs_wrench) for name, L in _wrench()]


CASES_PARAMS = _cases()


@pytest.mark.parametrize("L", CASES_PARAMS)
def test_pair_counts_equal_the_one_hot_gram_matrix(L: VoteMatrix) -> None:
    ind = L.indicator()
    ref = (ind.T @ ind).toarray()  # the definition: O = indᵀ ind
    d = L.m * L.cardinality
    assert np.array_equal(pair_counts(*vote_codes(L), d), ref.astype(np.int64))
    assert np.array_equal(cooccurrence_counts(ind), ref)
    # the rows of 90 votes (> 64) take the gathered-pairs branch; a tiny buffer splits groups into 1-row chunks
    assert np.array_equal(pair_counts(*vote_codes(L), d, max_codes=7), ref.astype(np.int64))


def test_pair_counts_hand_computed() -> None:
    # rows {0, 2, 3}, {2, 3}, {} and {1}: pairs (0,2), (0,3), (2,3) twice
    got = pair_counts(np.array([0, 3, 5, 5, 6]), np.array([0, 2, 3, 2, 3, 1]), 4)
    assert got.tolist() == [[1, 0, 1, 1], [0, 1, 0, 0], [1, 0, 2, 2], [1, 0, 2, 2]]


@pytest.mark.parametrize("L", CASES_PARAMS)
def test_weighted_class_counts_bit_identical_to_the_sparse_product(L: VoteMatrix) -> None:
    k, m = L.cardinality, L.m
    rng = np.random.default_rng(0)
    ind = L.indicator()
    for W in (np.repeat(rng.uniform(0, 3, m)[:, None], k, axis=1),  # per LF (WMV accuracy weights)
              np.tile(rng.dirichlet(np.ones(k)), (m, 1)),  # per class (WMV class_prior)
              rng.normal(size=(m, k))):  # general
        ref = np.asarray(ind @ (np.tile(np.eye(k), (m, 1)) * W.reshape(-1)[:, None]))  # row j·k + c: W[j, c] e_c
        for chunk in (None, 97):
            assert np.array_equal(weighted_class_counts(L, W, chunk), ref)


@pytest.mark.parametrize("L", CASES_PARAMS)
@pytest.mark.parametrize("params", [{}, {"weights": "class_prior"}, {"uncovered": "prior"}])
def test_wmv_equals_its_definition(L: VoteMatrix, params: dict) -> None:
    """WMV weights from the triplet estimate on indᵀind, probabilities = normalised weighted votes."""
    from weaksup.labelmodel.triplet import triplet_accuracies

    wmv = WeightedMajorityVote(**params).fit(L, seed=0)
    k, m = L.cardinality, L.m
    ind = L.indicator()
    O4 = (ind.T @ ind).toarray().reshape(m, k, m, k)
    acc, _ = triplet_accuracies(O4.sum(axis=(1, 3)), np.einsum("iljl->ij", O4), k)
    acc = np.clip(acc, 1e-3, 1 - 1e-3)
    assert np.array_equal(wmv.accuracies_, acc)
    if params.get("weights") == "class_prior":
        W = np.tile(np.diag(wmv.class_balance_), (m, 1))
    else:
        assert np.array_equal(wmv.weights_, np.maximum(np.log((k - 1) * acc / (1 - acc)), 0.0))
        W = np.kron(wmv.weights_[:, None], np.eye(k))
    counts = np.asarray(ind @ W)
    total = counts.sum(1, keepdims=True)
    fill = wmv.class_balance_ if params.get("uncovered") == "prior" else np.full(k, 1.0 / k)
    ref = np.divide(counts, total, out=np.tile(fill, (L.n, 1)), where=total > 0)
    assert np.array_equal(wmv.predict_proba(L), ref)


def _ebcc_reference(eb, L: VoteMatrix) -> np.ndarray:
    """EBCC's E-step as written in the paper: softmax over (class, subtype) of the full scores, summed over subtypes."""
    from scipy.special import digamma

    e_log_pi = digamma(eb.eta_) - digamma(eb.eta_.sum(-1, keepdims=True))
    e_log_v = digamma(eb.mu_) - digamma(eb.mu_.sum(-1, keepdims=True))  # [j, y, g, l]
    m, k, M, _ = e_log_v.shape
    D = L.to_dense()
    scores = np.broadcast_to(e_log_pi + np.asarray(eb.log_tau_)[:, None], (L.n, k, M)).copy()
    for j in range(m):
        fired = D[:, j] >= 0
        scores[fired] += e_log_v[j][:, :, D[fired, j]].transpose(2, 0, 1)
    flat = scores.reshape(L.n, -1)
    p = np.exp(flat - flat.max(1, keepdims=True))
    return (p / p.sum(1, keepdims=True)).reshape(L.n, k, M).sum(-1)


@pytest.mark.parametrize("L", CASES_PARAMS)
def test_ebcc_predict_proba_equals_the_e_step(L: VoteMatrix) -> None:
    from weaksup.labelmodel import EBCC

    eb = EBCC(repeat=1, max_iter=30, num_groups=4).fit(L, seed=0)
    ref = _ebcc_reference(eb, L)
    assert np.abs(eb.predict_proba(L) - ref).max() < 1e-12
    eb._predict_block = 13  # many blocks, one of them partial
    assert np.abs(eb.predict_proba(L) - ref).max() < 1e-12
    eb._shift_budget = 0.0  # every row through the exact row-maximum path
    assert np.abs(eb.predict_proba(L) - ref).max() < 1e-12


# ------------------------------------------------------------------ compiled (numba) kernels
# weaksup[fast] installs numba; the models take these kernels at >= _kernels.MIN_VOTES stored votes.
# Each is checked against the numpy kernel it stands in for, on the same votes.
needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None,
                                 reason="numba is not installed (pip install weaksup[fast]); the numpy kernels are tested above")


@pytest.fixture(params=["numpy", "compiled"])
def kernel_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a model's kernels on the numpy path or force the compiled one on small inputs."""
    from weaksup.labelmodel import _kernels

    monkeypatch.setattr(_kernels, "MIN_VOTES", 0 if request.param == "compiled" else 10**18)
    return request.param


def _pair_reference(L: VoteMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(co, agree, lf_class)`` read off the one-hot's Gram matrix (the definition)."""
    k, m = L.cardinality, L.m
    ind = L.indicator()
    O4 = (ind.T @ ind).toarray().astype(np.int64).reshape(m, k, m, k)
    return O4.sum(axis=(1, 3)), np.einsum("iljl->ij", O4), np.einsum("ilil->il", O4)


@pytest.mark.parametrize("L", CASES_PARAMS)
def test_pair_agreement_without_the_full_table_equals_it(L: VoteMatrix, monkeypatch) -> None:
    """Above ``_PAIR_TABLE_CELLS`` the numpy path counts m × m tables by row and by (row, class): the same."""
    from weaksup.labelmodel import _kernels

    ref = _pair_reference(L)
    monkeypatch.setattr(_kernels, "_PAIR_TABLE_CELLS", 0)
    got = _kernels.lf_pair_agreement(L, compiled=False)
    assert all(np.array_equal(g, r) and g.dtype == np.int64 for g, r in zip(got, ref))


def test_weighted_majority_vote_at_1200_lfs_and_56_classes() -> None:
    """snorkel#1656's shape (1,200 LFs x 56 classes): the (m·k)² pair table would take 34 GiB; WMV's
    fit counts m × m tables (traced numpy allocations stay under 200 MB) and beats random by far."""
    import tracemalloc

    L, y, _ = make_votes(3000, 1200, 56, propensities=0.01, sparse=True, seed=0)
    tracemalloc.start()
    try:
        wmv = WeightedMajorityVote().fit(L)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200e6, f"WeightedMajorityVote peaked at {peak / 1e6:.0f} MB"
    assert (wmv.predict(L) == y).mean() > 0.9


@needs_numba
@pytest.mark.parametrize("L", CASES_PARAMS)
def test_compiled_pair_agreement_equals_the_co_occurrence_table(L: VoteMatrix, monkeypatch) -> None:
    from weaksup.labelmodel import _kernels

    k = L.cardinality
    ref = _pair_reference(L)
    for compiled in (False, True):
        got = _kernels.lf_pair_agreement(L, compiled=compiled)
        assert all(np.array_equal(g, r) and g.dtype == np.int64 for g, r in zip(got, ref))
    dense = VoteMatrix(L.to_dense(), cardinality=k)
    assert all(np.array_equal(g, r) for g, r in zip(_kernels.lf_pair_agreement(dense, compiled=True), ref))
    monkeypatch.setattr(_kernels, "_PAIR_BLOCK_ROWS", 97)  # blocks of rows summed, one of them partial
    assert all(np.array_equal(g, r) for g, r in zip(_kernels.lf_pair_agreement(L, compiled=True), ref))


@needs_numba
@pytest.mark.parametrize("L", CASES_PARAMS)
def test_compiled_weighted_vote_proba_equals_the_numpy_kernel(L: VoteMatrix) -> None:
    from weaksup.labelmodel import _kernels

    k, m = L.cardinality, L.m
    rng = np.random.default_rng(1)
    for W in (np.repeat(rng.uniform(0, 3, m)[:, None], k, axis=1), rng.normal(size=(m, k))):
        ref = weighted_class_counts(L, W)
        fill = rng.dirichlet(np.ones(k))
        total = ref.sum(1, keepdims=True)
        want = np.divide(ref, total, out=np.tile(fill, (L.n, 1)), where=total > 0)
        assert np.allclose(_kernels.weighted_vote_proba(L, W, fill, compiled=True), want, rtol=1e-15, atol=0)
        assert np.array_equal(_kernels.weighted_vote_proba(L, W, fill, compiled=False), want)


@needs_numba
@pytest.mark.parametrize("L", CASES_PARAMS)
@pytest.mark.parametrize("params", [{}, {"weights": "class_prior"}, {"uncovered": "prior"}])
def test_wmv_equal_on_both_kernel_paths(L: VoteMatrix, params: dict, monkeypatch) -> None:
    from weaksup.labelmodel import _kernels

    monkeypatch.setattr(_kernels, "MIN_VOTES", 10**18)
    ref = WeightedMajorityVote(**params).fit(L, seed=0)
    monkeypatch.setattr(_kernels, "MIN_VOTES", 0)
    got = WeightedMajorityVote(**params).fit(L, seed=0)
    assert np.array_equal(got.accuracies_, ref.accuracies_) and np.array_equal(got.weights_, ref.weights_)
    assert np.allclose(got.predict_proba(L), ref.predict_proba(L), rtol=1e-15, atol=0)
    assert np.array_equal(got.predict(L), ref.predict(L))


@needs_numba
@pytest.mark.parametrize("L", CASES_PARAMS)
def test_ebcc_compiled_predict_proba_equals_the_e_step(L: VoteMatrix, kernel_path: str) -> None:
    from weaksup.labelmodel import EBCC

    eb = EBCC(repeat=1, max_iter=30, num_groups=4).fit(L, seed=0)
    assert np.abs(eb.predict_proba(L) - _ebcc_reference(eb, L)).max() < 1e-12


@needs_numba
def test_grouped_softmax_rows_whose_products_would_underflow() -> None:
    """Products that would fall below 1e-280 are rescaled on the way (or redone in the log domain): exact."""
    from weaksup.labelmodel import _kernels

    k, M, m = 2, 3, 40
    rng = np.random.default_rng(0)
    V = rng.uniform(-60.0, 0.0, size=(m * k, k * M))  # up to 40 votes x 60 nats: products reach e^-1000
    b = rng.normal(size=k * M)
    coverage = np.repeat([0.9, 0.2], 25)[:, None]  # rows with many votes underflow, rows with few do not
    D = np.where(rng.random((50, m)) < coverage, rng.integers(0, k, (50, m)), -1)
    L = VoteMatrix(D, cardinality=k)
    scores = b + np.stack([V[np.arange(m) * k + D[r]][D[r] >= 0].sum(0) for r in range(len(D))])
    p = np.exp(scores - scores.max(1, keepdims=True))
    ref = (p / p.sum(1, keepdims=True)).reshape(-1, k, M).sum(-1)
    P = V - V.max(1, keepdims=True)
    underflows = [np.exp(b - b.max() + P[np.arange(m) * k + D[r]][D[r] >= 0].sum(0)).max() < 1e-280
                  for r in range(len(D))]
    assert 0 < sum(underflows) < len(D)  # rows that would underflow without the kernel's rescaling, and rows that not
    assert np.abs(_kernels.grouped_softmax(L, k, M, V, b, compiled=True) - ref).max() < 1e-12
    assert _kernels.grouped_softmax(L, k, M, V * 11, b, compiled=True) is None  # spread > 600 nats: numpy path
    assert _kernels.grouped_softmax(L, k, M, V, b, compiled=False) is None


@needs_numba
def test_compiled_kernels_switch_off(monkeypatch) -> None:
    from weaksup.labelmodel import _kernels

    assert _kernels.available() and _kernels.compile_all() >= 0.0
    assert _kernels.use_compiled(_kernels.MIN_VOTES) and not _kernels.use_compiled(_kernels.MIN_VOTES - 1)
    monkeypatch.setenv("WEAKSUP_NUMBA", "0")
    _kernels._module.cache_clear()
    try:
        assert not _kernels.available() and not _kernels.use_compiled(10**12)
    finally:
        monkeypatch.delenv("WEAKSUP_NUMBA")
        _kernels._module.cache_clear()
    assert _kernels.available()


@needs_numba
@pytest.mark.parametrize("L", CASES_PARAMS)
@pytest.mark.parametrize("model", ["DawidSkene", "MatrixCompletion", "FlyingSquid"])
def test_log_linear_predict_proba_equal_on_both_kernel_paths(L: VoteMatrix, model: str, monkeypatch) -> None:
    """The compiled one-pass softmax equals the numpy block path (sparse product + softmax_rows) within rounding."""
    import weaksup.labelmodel as lm
    from weaksup.labelmodel import _kernels

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # one-sided WRENCH LFs: the models say so; not tested here
        fitted = getattr(lm, model)().fit(L, seed=0)
    monkeypatch.setattr(_kernels, "MIN_VOTES", 10**18)
    ref = fitted.predict_proba(L)
    monkeypatch.setattr(_kernels, "MIN_VOTES", 0)
    got = fitted.predict_proba(L)
    assert np.abs(got - ref).max() < 1e-12


@needs_numba
@pytest.mark.parametrize("L", CASES_PARAMS)
@pytest.mark.parametrize("params", [{}, {"uncovered": "prior"}, {"soft": False}])
def test_majority_vote_bit_identical_on_both_kernel_paths(L: VoteMatrix, params: dict, monkeypatch) -> None:
    from weaksup.labelmodel import MajorityVote, _kernels

    monkeypatch.setattr(_kernels, "MIN_VOTES", 10**18)
    ref = MajorityVote(**params).fit(L).predict_proba(L)
    monkeypatch.setattr(_kernels, "MIN_VOTES", 0)
    assert np.array_equal(MajorityVote(**params).fit(L).predict_proba(L), ref)



@needs_numba
@pytest.mark.parametrize("L", CASES_PARAMS)
def test_compiled_lf_vote_counts(L: VoteMatrix, monkeypatch) -> None:
    from weaksup.labelmodel import _kernels

    monkeypatch.setattr(_kernels, "MIN_VOTES", 10**18)
    assert _kernels.lf_vote_counts(L) is None  # few votes: check_fit_votes counts with numpy
    monkeypatch.setattr(_kernels, "MIN_VOTES", 0)
    got = _kernels.lf_vote_counts(L.as_sparse())
    assert got.dtype == np.int64 and np.array_equal(got, (L.to_dense() != -1).sum(0))
    assert _kernels.lf_vote_counts(L.as_dense()) is None  # dense votes: counted by numpy
