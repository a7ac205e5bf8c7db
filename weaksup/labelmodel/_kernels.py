"""Compiled vote kernels, used when numba is installed (``pip install weaksup[fast]``) and the votes are many.

Loops that numpy can only write as several passes over the votes (or
over the pairs of votes on a row) run here as one compiled pass:

* :func:`lf_pair_agreement`: for every pair of LFs, the rows where both vote
  and the rows where they agree (WeightedMajorityVote's triplet statistic) —
  one increment per pair of votes on a row, no ``(m·k)²`` count table;
* :func:`weighted_vote_proba`: ``n × k`` sums of a per-(LF, class) weight,
  normalised per row (weighted and plain majority vote), the sums bit-identical
  to the numpy kernel :func:`weaksup.labelmodel._stats.weighted_class_counts`;
* :func:`linear_softmax`: the ``predict_proba`` of the log-linear models
  (DawidSkene, MatrixCompletion, FlyingSquid): scores and softmax in one pass,
  no ``n × k`` temporaries;
* :func:`grouped_softmax`: EBCC's ``predict_proba`` (a softmax over
  (class, subtype) scores summed over subtypes) in the probability domain,
  rescaled on the way so no product underflows.

Each has a numpy twin in the model that calls it; :func:`use_compiled` picks
the compiled one when numba imports, ``WEAKSUP_NUMBA`` is not ``0``, and the
votes number at least :data:`MIN_VOTES` (below that the numpy kernels take
milliseconds, less than loading the compiled code the first time in a process).
The results are equal: integer counts exactly, sums bit for bit, the
softmax probabilities within rounding (1e-12; ``tests/test_labelmodel_kernels.py``).

>>> import numpy as np
>>> from weaksup.votes import VoteMatrix
>>> from weaksup.labelmodel._kernels import lf_pair_agreement
>>> L = VoteMatrix(np.array([[0, 0, 1], [1, -1, 1]]))
>>> co, agree, _ = lf_pair_agreement(L)
>>> co.tolist(), agree.tolist()
([[2, 1, 2], [1, 1, 1], [2, 1, 2]], [[2, 1, 1], [1, 1, 0], [1, 0, 2]])
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from types import ModuleType

import numpy as np

from weaksup.votes import VoteMatrix

__all__ = ["MIN_VOTES", "available", "use_compiled", "compile_all", "stored_votes", "lf_vote_counts", "lf_pair_agreement",
           "pair_tables", "weighted_vote_proba", "linear_softmax", "grouped_softmax"]

#: Fewest stored votes for which the models switch to the compiled kernels.
MIN_VOTES = 1_000_000
#: Rows per call of the pair kernel (its int32 counts cannot overflow within one call).
_PAIR_BLOCK_ROWS = 2**31 - 1


@lru_cache(maxsize=None)
def _module() -> ModuleType | None:
    if os.environ.get("WEAKSUP_NUMBA", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    try:
        from weaksup.labelmodel import _numba_kernels
    except ImportError:  # numba not installed (or not importable on this platform): the numpy kernels run
        return None
    return _numba_kernels


def available() -> bool:
    """Whether numba imports and ``WEAKSUP_NUMBA`` does not turn the compiled kernels off."""
    return _module() is not None


def use_compiled(n_votes: int) -> bool:
    """Whether a kernel over ``n_votes`` stored votes should take the compiled path."""
    return n_votes >= MIN_VOTES and available()


def compile_all() -> float:
    """Compile (or load from numba's cache) every kernel; returns the CPU seconds it took.

    Benchmarks call it before timing a fit, as they exclude imports; a user's
    first large fit in a process pays it once (tens of milliseconds from the
    cache, a few seconds the first time after an install).
    """
    mod = _module()
    if mod is None:
        return 0.0
    c0 = time.process_time()
    L = VoteMatrix(np.array([[0, 1, -1], [1, 1, 0]]))
    lf_pair_agreement(L, compiled=True)
    mod.column_counts(L._csr().indices, 3)
    weighted_vote_proba(L, np.ones((3, 2)), np.full(2, 0.5), compiled=True)
    linear_softmax(L, np.zeros((6, 2)), np.zeros(2), compiled=True)
    V = np.zeros((6, 4))
    grouped_softmax(L, 2, 2, V, np.zeros(4), compiled=True)
    return time.process_time() - c0


def _csr(L: VoteMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(indptr, lfs, cls, shift)`` of the stored votes (the sparse form stores class + 1: shift 1)."""
    S = L._csr()
    return S.indptr, S.indices, S.data, 1


def stored_votes(L: VoteMatrix) -> int:
    """The stored votes of a sparse matrix, ``n · m`` cells of a dense one (an upper bound, no pass)."""
    return int(L._csr().nnz) if L.is_sparse else L.n * L.m


def lf_vote_counts(L: VoteMatrix) -> np.ndarray | None:
    """Votes cast by each LF (``m`` int64) in one compiled pass, or None: then the caller counts with numpy.

    Compiled for many sparse votes only (``np.bincount`` copies int32 indices to int64 first);
    :func:`weaksup._validation.check_fit_votes` counts when it gets None.
    """
    if L.is_sparse:
        S = L._csr()
        if use_compiled(int(S.nnz)):
            return _module().column_counts(S.indices, L.m)  # type: ignore[union-attr]
    return None


#: Largest (m·k)² co-occurrence table the numpy path of :func:`lf_pair_agreement` forms (128 MiB as int64);
#: above it counts m × m tables directly.
_PAIR_TABLE_CELLS = 2**24


def pair_tables(O4: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(co, agree, lf_class)`` of an ``(m, k, m, k)`` co-occurrence table: its sums over the classes,
    over equal classes, and its diagonal."""
    return O4.sum(axis=(1, 3)), np.einsum("iljl->ij", O4), np.einsum("ilil->il", O4)


def lf_pair_agreement(L: VoteMatrix, compiled: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(co, agree, lf_class)``: rows where LFs ``i`` and ``j`` both vote / agree, and votes per (LF, class).

    ``co`` and ``agree`` are ``m × m`` int64 with each LF's number of votes on
    the diagonal; ``lf_class`` is ``m × k`` int64.  Equal to
    ``O.reshape(m, k, m, k).sum((1, 3))``, ``einsum("iljl->ij", O)`` and
    ``einsum("ilil->il", O)`` of the full co-occurrence table
    ``O = pair_counts(...)``, without forming it on the compiled path or when
    it would have over ``_PAIR_TABLE_CELLS`` cells.  ``compiled=None`` decides by
    :func:`use_compiled`.
    """
    m, k = L.m, L.cardinality
    if compiled is None:
        compiled = use_compiled(stored_votes(L))
    if compiled and available():
        E = np.zeros((m, m, 2), dtype=np.int64)
        lf_class = np.zeros(m * k, dtype=np.int64)
        step = _PAIR_BLOCK_ROWS  # the kernel's int32 pair counts hold one block of rows
        for start in range(0, L.n, step):
            pairs, lfc = _module().lf_pair_agreement(  # type: ignore[union-attr]
                *_csr(L.row_block(start, start + step) if L.n > step else L), m, k)
            E += pairs.reshape(m, m, 2)
            lf_class += lfc
        co, agree = E[:, :, 0] + E[:, :, 1], E[:, :, 1]
        co, agree = co + co.T, agree + agree.T  # pairs were counted for LF a < LF b
        lf_class = lf_class.reshape(m, k)
        co[np.diag_indices(m)] = agree[np.diag_indices(m)] = lf_class.sum(1)
        return co, agree, lf_class
    from weaksup.labelmodel._stats import pair_counts, vote_codes

    indptr, codes = vote_codes(L)
    if (m * k) ** 2 <= _PAIR_TABLE_CELLS:
        return pair_tables(pair_counts(indptr, codes, m * k).reshape(m, k, m, k))
    # the (m·k)² table would be too big (1200 LFs x 56 classes: 34 GiB): count LF pairs within each row
    # (co) and within each row's votes for one class (agree), m × m tables only
    lfs, cls = np.divmod(codes, k)
    key = np.repeat(np.arange(L.n, dtype=np.int64), np.diff(indptr)) * k + cls
    order = np.argsort(key, kind="stable")  # by (row, class); LFs stay ascending within a group
    key = key[order]
    groups = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
    return (pair_counts(indptr, lfs, m), pair_counts(groups, lfs[order], m),
            np.bincount(codes, minlength=m * k).reshape(m, k).astype(np.int64, copy=False))


def weighted_vote_proba(L: VoteMatrix, weights: np.ndarray, fill: np.ndarray,
                        chunk_rows: int | None = None, compiled: bool | None = None) -> np.ndarray:
    """``n × k`` sums of ``weights[j, c]`` over each row's votes (LF ``j`` for class ``c``), divided by the row's total.

    ``fill`` stands for rows with no positive total.  The sums are added in
    ascending LF order from 0.0 on both paths: bit for bit those of
    :func:`weaksup.labelmodel._stats.weighted_class_counts` (the numpy path, with ``chunk_rows``).
    """
    from weaksup.labelmodel._stats import weighted_class_counts

    W = np.ascontiguousarray(weights, dtype=np.float64).reshape(L.m, L.cardinality)
    fill = np.ascontiguousarray(fill, dtype=np.float64)
    if compiled is None:
        compiled = use_compiled(stored_votes(L))
    if compiled and available():
        return _module().weighted_vote_proba(*_csr(L), W, fill)  # type: ignore[union-attr]
    counts = weighted_class_counts(L, W, chunk_rows)
    total = counts.sum(1, keepdims=True)
    empty = total[:, 0] <= 0
    np.divide(counts, total, out=counts, where=~empty[:, None])
    counts[empty] = fill
    return counts


def linear_softmax(L: VoteMatrix, S: np.ndarray, bias: np.ndarray, compiled: bool | None = None) -> np.ndarray | None:
    """``n × k`` ``softmax(bias + indicator(L) @ S)`` per row (``S``: ``m·k × k``), or None.

    The ``predict_proba`` of the log-linear models (DawidSkene, MatrixCompletion,
    FlyingSquid) as one pass over the votes.  None means "use the numpy
    kernel": numba is off, the votes are few (with ``compiled=None``), or
    ``S`` or ``bias`` hold a non-finite score.
    """
    if compiled is None:
        compiled = use_compiled(stored_votes(L))
    if not (compiled and available()):
        return None
    S = np.ascontiguousarray(S, dtype=np.float64)
    bias = np.ascontiguousarray(bias, dtype=np.float64).reshape(-1)
    if not (np.isfinite(S).all() and np.isfinite(bias).all()):
        return None
    return _module().linear_softmax(*_csr(L), S, bias)  # type: ignore[union-attr]


def grouped_softmax(L: VoteMatrix, k: int, M: int, V: np.ndarray, b: np.ndarray,
                    compiled: bool | None = None) -> np.ndarray | None:
    """``n × k`` ``Σ_g softmax_{(y,g)}(b + Σ_votes V[j·k + c])`` over columns ``y·M + g``, or None.

    None means "use the numpy kernel": numba is off, the votes are few (with
    ``compiled=None``), or a score spread (of ``b`` or of a row of ``V``)
    exceeds 600 nats, where the probability-domain tables themselves would underflow.
    """
    if compiled is None:
        compiled = use_compiled(stored_votes(L))
    if not (compiled and available()):
        return None
    V = np.ascontiguousarray(V, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    if not (np.isfinite(V).all() and np.isfinite(b).all()):
        return None
    spread = np.ascontiguousarray(V.max(1) - V.min(1))  # nats a vote can move a row's largest product
    if float(b.max() - b.min()) > 600 or (spread.size and float(spread.max()) > 600):
        return None
    P = np.exp(V - V.max(1, keepdims=True))
    b_prob = np.exp(b - b.max())
    return _module().grouped_softmax_scores(*_csr(L), k, M, P, spread, b_prob)  # type: ignore[union-attr]
