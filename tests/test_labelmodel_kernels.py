"""Known answers for the label models' vote kernels (weaksup.labelmodel._stats, WMV, EBCC).

Each fast kernel is checked against the plain definition it replaces, on synthetic votes (sparse
and dense, few and many votes per row) and on WRENCH train votes: exact (``array_equal``) for the
integer statistics and for sums taken in the same order, within 1e-12 where the kernel leaves out
terms it proves negligible.
"""

from __future__ import annotations

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
    from weaksup.data import load_wrench

    return [(name, load_wrench(name).train.votes) for name in ("youtube", "trec")]


CASES = _synthetic() + _wrench()
IDS = [name for name, _ in CASES]


@pytest.mark.parametrize("L", [L for _, L in CASES], ids=IDS)
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


@pytest.mark.parametrize("L", [L for _, L in CASES], ids=IDS)
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


@pytest.mark.parametrize("L", [L for _, L in CASES], ids=IDS)
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


@pytest.mark.parametrize("L", [L for _, L in CASES], ids=IDS)
def test_ebcc_predict_proba_equals_the_e_step(L: VoteMatrix) -> None:
    from weaksup.labelmodel import EBCC

    eb = EBCC(repeat=1, max_iter=30, num_groups=4).fit(L, seed=0)
    ref = _ebcc_reference(eb, L)
    assert np.abs(eb.predict_proba(L) - ref).max() < 1e-12
    eb._predict_block = 13  # many blocks, one of them partial
    assert np.abs(eb.predict_proba(L) - ref).max() < 1e-12
    eb._shift_budget = 0.0  # every row through the exact row-maximum path
    assert np.abs(eb.predict_proba(L) - ref).max() < 1e-12
