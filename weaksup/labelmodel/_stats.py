"""Vote statistics shared by the label models (the contract is in :mod:`weaksup.labelmodel.base`).

Every statistic is additive over row blocks (exact integer counts), which is
what makes ``partial_fit`` over chunks equal ``fit`` on all rows:

* :func:`indicator_matrix` / :func:`class_counts`: the one-hot and per-class
  counts of :class:`~weaksup.votes.VoteMatrix` (one implementation, on the container);
* :func:`vote_codes`: the one-hot's column codes without its data;
* :func:`pair_counts`, :func:`cooccurrence_counts`, :func:`cooccurrence_stats`: second moments
  (MatrixCompletion, FlyingSquid, WeightedMajorityVote);
* :func:`weighted_class_counts`: per-class sums of per-(LF, class) weights (weighted votes);
* :class:`VotePatterns`, :func:`vote_patterns`: distinct rows with counts (EM models);
* :func:`mv_winner_table`, :func:`mv_winner_counts`: majority-vote winners (class priors);
* :func:`em_counts`, :func:`coin_em_counts`, :func:`coin_scores`: EM counts and one-coin E-step scores;
* :func:`softmax_rows`, :func:`iter_row_chunks`: small numeric helpers.

>>> import numpy as np
>>> from weaksup.votes import VoteMatrix
>>> from weaksup.labelmodel._stats import mv_winner_counts, vote_patterns
>>> L = VoteMatrix(np.array([[0, 0, -1], [1, 0, 1], [0, 0, -1]]))
>>> vote_patterns(L).counts.tolist()
[2, 1]
>>> mv_winner_counts(L).tolist()
[2.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from weaksup._validation import user_stacklevel
from weaksup.votes import VoteMatrix

__all__ = [
    "softmax_rows",
    "iter_row_chunks",
    "indicator_matrix",
    "class_counts",
    "cooccurrence_counts",
    "cooccurrence_stats",
    "pair_counts",
    "vote_codes",
    "weighted_class_counts",
    "VotePatterns",
    "vote_patterns",
    "mv_winner_table",
    "mv_winner_counts",
    "vote_class_counts",
    "em_counts",
    "log_coin_table",
    "coin_em_counts",
    "coin_scores",
]


def indicator_matrix(L: VoteMatrix) -> Any:
    """Sparse ``n × m·k`` one-hot of the votes: :meth:`VoteMatrix.indicator`."""
    return L.indicator()


def class_counts(L: VoteMatrix) -> np.ndarray:
    """``n × k`` int64 per-class vote counts: :meth:`VoteMatrix.class_counts`."""
    return L.class_counts()


def log_coin_table(acc: np.ndarray, k: int) -> np.ndarray:
    """``(m, 2)`` one-coin confusion in logs: ``log acc[j]`` (a right vote) and ``log((1 − acc[j]) / (k − 1))``
    (one particular wrong vote), floored at ``log 1e-300``: the ``m·k²`` table's two distinct values."""
    return np.log(np.maximum(np.stack([acc, (1 - acc) / (k - 1)], 1), 1e-300))


def vote_class_counts(ind: Any, k: int) -> np.ndarray:
    """``rows × k`` float64 per-class vote counts of a one-hot (column ``j·k + c`` counts for class ``c``)."""
    n = ind.shape[0]
    codes = _vote_rows(ind) * k + ind.indices.astype(np.intp) % k
    return np.bincount(codes, weights=ind.data, minlength=n * k).reshape(n, k)


def em_counts(ind: Any, T: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M-step counts of a Dawid–Skene-type EM: ``Ny = Σ_r w_r T_r`` and ``Cr = indᵀ (w ∘ T)``.

    ``ind`` is the one-hot of (distinct) rows, ``T`` their posteriors, ``w``
    their multiplicities.  Additive over row blocks, so a distributed EM sums
    the blocks' counts.  ``Cr`` is computed as the CSC product ``ind.T @ WT``,
    which walks ``WT`` in row order (about 8× faster at 1M × 600 than the CSR
    transpose, whose row gathers miss the cache) and adds each cell's terms in
    the same ascending-row order, so the bits are the same.
    """
    WT = T * w[:, None]
    return WT.sum(0), np.asarray(ind.T @ WT)


def _vote_rows(ind: Any) -> np.ndarray:
    """Row index of every stored entry of a CSR matrix."""
    return np.repeat(np.arange(ind.shape[0], dtype=np.intp), np.diff(ind.indptr))


def _coin_votes(ind: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    """A one-hot's votes as ``(rows, lfs, classes, fired)``: ``fired`` is the ``n × m`` CSR of which LFs vote."""
    from scipy import sparse

    n, mk = ind.shape
    lfs, cls = np.divmod(ind.indices.astype(np.intp), k)
    return _vote_rows(ind), lfs, cls, sparse.csr_matrix((ind.data, lfs, ind.indptr), shape=(n, mk // k))


def coin_em_counts(ind: Any, T: np.ndarray, w: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """M-step counts of a one-coin Dawid–Skene EM in ``O(votes · k)`` time and ``O(m · k)`` memory.

    Returns ``Ny = Σ_r w_r T_r`` (k), ``agree[j] = Σ_r w_r T_r[λ_j(r)]`` (m: the
    posterior mass of LF ``j``'s votes being right) and ``fired[j, y] = Σ_r w_r
    T_r[y] 1[λ_j(r) votes]`` (m × k).  These are the one-coin model's sufficient
    statistics: :func:`em_counts`' ``(m·k) × k`` table ``Cr`` gives the same
    numbers as its ``[j, l, l]`` diagonal summed over ``l`` and its sum over ``l``,
    without forming it (it has ``m·k²`` cells: 800 MB at 100 LFs × 1000 classes).
    Additive over row blocks, like :func:`em_counts`.

    >>> from scipy import sparse
    >>> import numpy as np
    >>> from weaksup.labelmodel._stats import coin_em_counts
    >>> ind = sparse.csr_matrix(np.array([[1., 0, 0, 1], [0, 1, 0, 0]]))  # 2 LFs, 2 classes
    >>> Ny, agree, fired = coin_em_counts(ind, np.array([[0.75, 0.25], [0.5, 0.5]]), np.ones(2), 2)
    >>> agree.tolist(), fired.tolist()
    ([1.25, 0.25], [[1.25, 0.75], [0.75, 0.25]])
    """
    WT = T * w[:, None]
    rows, lfs, cls, fired = _coin_votes(ind, k)
    agree = np.bincount(lfs, weights=ind.data * WT[rows, cls], minlength=fired.shape[1])
    return WT.sum(0), agree, np.asarray(fired.T @ WT)


def coin_scores(ind: Any, k: int, per_lf: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``n × k`` E-step log-scores of a one-coin model: ``Σ_j fires per_lf[j, y] + Σ_j votes y right[j]``.

    ``per_lf`` (m × k) is what LF ``j`` firing adds to class ``y`` whatever it
    voted; ``right`` (m) what its vote adds to the class it names.  Equal to the
    one-hot times the ``(m·k) × k`` score matrix of the one-coin confusion,
    in ``O(votes · k)`` without that matrix.
    """
    n = ind.shape[0]
    rows, lfs, cls, fired = _coin_votes(ind, k)
    out = np.asarray(fired @ per_lf, dtype=np.float64)
    out += np.bincount(rows * k + cls, weights=ind.data * right[lfs], minlength=n * k).reshape(n, k)
    return out


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for very negative log-scores (no underflow to 0/0).

    For up to 7 classes it is computed column by column on the transposed ``k × n`` copy: with few
    classes, numpy's reductions along a short inner axis cost more than the
    exponentials, and the per-column loops give bit-identical results (the same
    max, and the same left-to-right sum) about 2× faster.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or logits.shape[1] > 7:  # numpy sums 8+ elements pairwise: keep its order
        z = logits - logits.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z
    Z = np.array(logits.T, order="C")  # k × n
    top = Z[0].copy()
    for row in Z[1:]:
        np.maximum(top, row, out=top)
    Z -= top
    np.exp(Z, out=Z)
    total = Z[0].copy()
    for row in Z[1:]:
        total += row
    Z /= total
    return np.ascontiguousarray(Z.T)


def iter_row_chunks(L: VoteMatrix, chunk_rows: int | None) -> Iterator[tuple[int, VoteMatrix]]:
    """Yield ``(start, L[start:stop])`` row blocks (the whole matrix when ``chunk_rows`` is None)."""
    if chunk_rows is None or L.n <= chunk_rows:
        yield 0, L
        return
    for start in range(0, L.n, chunk_rows):
        yield start, L.row_block(start, start + chunk_rows)


def vote_codes(L: VoteMatrix) -> tuple[np.ndarray, np.ndarray]:
    """``(indptr, codes)``: the one-hot's CSR structure without its data.

    ``codes`` holds column ``j·k + c`` of every vote (LF ``j`` voted class ``c``)
    in row order, ascending in ``j`` within a row — the column indices of
    :meth:`VoteMatrix.indicator` — as ``intp`` (what ``bincount`` and fancy
    indexing take without a conversion pass), with no float ``data`` array.
    """
    k = L.cardinality
    if L.is_sparse:
        S = L._csr()
        codes = S.indices.astype(np.intp)
        codes *= k
        codes += S.data
        codes -= 1
        return S.indptr, codes
    ind = L.indicator()
    return ind.indptr, ind.indices.astype(np.intp, copy=False)


def cooccurrence_counts(ind: Any, max_codes: int = 500_000) -> np.ndarray:
    """Dense ``d × d`` float64 ``indᵀ ind`` of a 0/1 CSR one-hot, exact integer counts.

    ``ind`` is a CSR one-hot without repeated columns in a row (as
    :meth:`VoteMatrix.indicator`); its ``data`` is not read.  See
    :func:`pair_counts` for the kernel.
    """
    return pair_counts(ind.indptr, ind.indices, ind.shape[1], max_codes).astype(np.float64)


def pair_counts(indptr: np.ndarray, codes: np.ndarray, d: int, max_codes: int = 500_000) -> np.ndarray:
    """``d × d`` int64 co-occurrence counts of the codes of each CSR row: ``Σ_rows 1[a ∈ row] 1[b ∈ row]``.

    Each unordered pair of a row's entries is counted once (``t(t−1)/2`` pairs for
    a row of ``t`` entries, not ``t²``) and the result is folded to the symmetric
    matrix, the diagonal being each code's count.  Rows are grouped by length
    with one radix sort; a group of rows with ``t`` entries is gathered as a
    ``t × rows`` array, and its pair codes are written ``t − 1`` contiguous
    broadcast adds at a time into a buffer of ``max_codes`` entries that one
    ``bincount`` counts (no ``(rows, t, t)`` temporary, no per-pair fancy
    index).  About 2.5× faster than counting all ``t²`` ordered pairs, exact.
    Rows must not repeat a code.

    >>> import numpy as np
    >>> from weaksup.labelmodel._stats import pair_counts
    >>> pair_counts(np.array([0, 3, 5]), np.array([0, 2, 3, 2, 3]), 4).tolist()
    [[1, 0, 1, 1], [0, 0, 0, 0], [1, 0, 2, 2], [1, 0, 2, 2]]
    """
    dd = d * d
    codes = np.asarray(codes).astype(np.intp, copy=False)  # bincount's index type: no per-call conversion
    lens = np.diff(indptr)
    out = np.bincount(codes, minlength=d).astype(np.int64, copy=False)
    U = np.zeros(dd, dtype=np.int64)
    tmax = int(lens.max(initial=0))
    if tmax >= 2:
        order = np.argsort(lens.astype(np.uint16 if tmax < 2**16 else np.int64), kind="stable")  # radix sort
        bounds = np.zeros(tmax + 2, dtype=np.int64)
        np.cumsum(np.bincount(lens, minlength=tmax + 1), out=bounds[1:])  # rows of length t: bounds[t]:bounds[t+1]
        starts = np.asarray(indptr[:-1], dtype=np.int64)
        buf = np.empty(max(max_codes, tmax * (tmax - 1) // 2), dtype=codes.dtype)
        for t in range(2, tmax + 1):
            rows = order[bounds[t]:bounds[t + 1]]
            if rows.size == 0:
                continue
            P = t * (t - 1) // 2
            step = max(1, max_codes // P)
            A, B = np.triu_indices(t, 1) if t > 64 else (None, None)
            for s in range(0, rows.size, step):
                st = starts[rows[s:s + step]]
                idx = codes[st[None, :] + np.arange(t)[:, None]]  # t × R: entry a of each row
                pairs = buf[:P * st.size].reshape(P, st.size)
                if A is None:  # pairs (a, b > a): t − 1 contiguous broadcast adds
                    lead = idx * d
                    off = 0
                    for a in range(t - 1):
                        np.add(lead[a], idx[a + 1:], out=pairs[off:off + t - 1 - a])
                        off += t - 1 - a
                else:
                    np.add(idx[A] * d, idx[B], out=pairs)
                U += np.bincount(pairs.ravel(), minlength=dd)
    U = U.reshape(d, d)
    O = U + U.T
    O[np.diag_indices(d)] += out
    return O


def weighted_class_counts(L: VoteMatrix, weights: np.ndarray, chunk_rows: int | None = None) -> np.ndarray:
    """``n × k`` float64 ``Σ_j weights[j, c] · 1[λ_j = c]``: the one-hot times a per-(LF, class) weight.

    One weighted ``bincount`` over the votes (in chunks of ``chunk_rows`` rows),
    adding each row's terms in ascending LF order from 0.0 — the same sums, bit
    for bit, as the sparse product ``indicator() @ W`` with ``W[j·k + c, c] =
    weights[j, c]`` and zeros elsewhere, without the ``k``-wide row updates.
    A weight that depends on the LF only (or on the class only) is gathered by
    LF (by class), without forming each vote's one-hot column.

    >>> from weaksup.votes import VoteMatrix
    >>> import numpy as np
    >>> from weaksup.labelmodel._stats import weighted_class_counts
    >>> weighted_class_counts(VoteMatrix(np.array([[0, 1], [1, -1]])), np.array([[1., 2.], [3., 4.]])).tolist()
    [[1.0, 4.0], [0.0, 2.0]]
    """
    k, n = L.cardinality, L.n
    W = np.asarray(weights, dtype=np.float64).reshape(L.m, k)
    if L.is_sparse:
        S = L._csr()
        indptr, lfs, cls = S.indptr, S.indices, S.data  # class + 1
        shift = 1
    else:
        ind = L.indicator()
        indptr, lfs = ind.indptr, ind.indices // k
        cls, shift = ind.indices % k, 0
    by_lf, by_class = bool((W == W[:, :1]).all()), bool((W == W[:1]).all())
    out = np.empty((n, k))
    step = n if chunk_rows is None else max(1, int(chunk_rows))
    for s in range(0, n, step):
        e = min(n, s + step)
        a, b = int(indptr[s]), int(indptr[e])
        codes = np.repeat(np.arange(-shift, (e - s) * k - shift, k, dtype=np.int64), np.diff(indptr[s:e + 1]))
        codes += cls[a:b]
        if by_lf:
            w = W[:, 0][lfs[a:b]]
        elif by_class:
            w = W[0][cls[a:b] - shift]
        else:
            w = W[lfs[a:b], cls[a:b] - shift]
        out[s:e] = np.bincount(codes, weights=w, minlength=(e - s) * k).reshape(e - s, k)
    return out


_HASH_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _hash_keys(d: int) -> tuple[np.ndarray, np.ndarray]:
    if d not in _HASH_CACHE:
        g = np.random.default_rng(0x5EED_0F_ACE)
        _HASH_CACHE[d] = (g.integers(0, 2**63, d, dtype=np.uint64) * 2 + 1,
                          g.integers(0, 2**63, d, dtype=np.uint64) * 2 + 1)
    return _HASH_CACHE[d]


class VotePatterns:
    """Distinct vote rows with their multiplicities (the sufficient statistic of EM-type models).

    ``ind`` is the sparse ``P × m·k`` one-hot of the distinct rows, ``counts``
    how often each occurs, ``first`` the row index of its first occurrence
    (patterns are kept in first-occurrence order, so the order does not depend
    on LF order or class names), ``keys`` a 128-bit hash of each row used to
    merge pattern tables from several chunks (``partial_fit``).
    """

    def __init__(self, ind: Any, counts: np.ndarray, first: np.ndarray, keys: np.ndarray) -> None:
        self.ind = ind
        self.counts = counts
        self.first = first
        self.keys = keys

    @property
    def n_rows(self) -> int:
        return int(self.counts.sum())

    def merge(self, other: VotePatterns) -> VotePatterns:
        import scipy.sparse as sp

        ind = sp.vstack([self.ind, other.ind], format="csr")
        keys = np.concatenate([self.keys, other.keys])
        first = np.concatenate([self.first, other.first])
        counts = np.concatenate([self.counts, other.counts])
        return _dedupe(ind, keys, first, counts)


def _dedupe(ind: Any, keys: np.ndarray, first: np.ndarray, counts: np.ndarray) -> VotePatterns:
    fast = _dedupe_ordered(ind, keys, first, counts)
    if fast is not None:
        return fast
    order = np.lexsort((first, keys[:, 1], keys[:, 0]))
    ks = keys[order]
    new = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        new[1:] = (ks[1:, 0] != ks[:-1, 0]) | (ks[1:, 1] != ks[:-1, 1])
    group = np.cumsum(new) - 1
    reps = order[new]  # smallest `first` in each group (lexsort is stable, first is the last key)
    tot = np.bincount(group, weights=counts[order], minlength=reps.size).astype(np.int64)
    # order groups by first occurrence
    ford = np.argsort(first[reps], kind="stable")
    reps = reps[ford]
    if reps.size == ind.shape[0] and np.array_equal(reps, np.arange(reps.size)):
        return VotePatterns(ind, tot[ford], first, keys)  # nothing merged, order kept: no row gather
    return VotePatterns(ind[reps], tot[ford], first[reps], keys[reps])


def _dedupe_ordered(ind: Any, keys: np.ndarray, first: np.ndarray, counts: np.ndarray) -> VotePatterns | None:
    """:func:`_dedupe` for rows already in first-occurrence order (every table built here is): one
    stable sort on the first hash word instead of a three-key lexsort and a re-sort, no row gather
    when nothing merged.  Same table, same order.  ``None`` (use the general path) when the rows are
    not ordered, or when two distinct rows share the first hash word (so equal rows might not be
    adjacent after the sort)."""
    n = len(first)
    if n < 2 or not bool(np.all(first[1:] > first[:-1])):
        return None
    order = np.argsort(keys[:, 0], kind="stable")
    k0 = keys[order, 0]
    same = k0[1:] == k0[:-1]
    if same.any():
        k1 = keys[order, 1]
        if bool(np.any(same & (k1[1:] != k1[:-1]))):
            return None
    new = np.ones(n, dtype=bool)
    new[1:] = ~same
    group = np.cumsum(new) - 1
    tot = np.bincount(group, weights=counts[order], minlength=int(group[-1]) + 1).astype(np.int64)
    if bool(new.all()):  # nothing merged: the table itself, in its order
        return VotePatterns(ind, tot[np.argsort(order)], first, keys)
    is_rep = np.zeros(n, dtype=bool)
    is_rep[order[new]] = True  # stable sort: a group's first row is its earliest occurrence
    reps = np.nonzero(is_rep)[0]
    gid = np.empty(n, dtype=np.int64)
    gid[order] = group
    return VotePatterns(ind[reps], tot[gid[reps]], first[reps], keys[reps])


def vote_patterns(L: VoteMatrix, offset: int = 0) -> VotePatterns:
    """Compress ``L`` to its distinct rows (see :class:`VotePatterns`)."""
    ind = indicator_matrix(L)
    h1, h2 = _hash_keys(ind.shape[1])
    keys = np.empty((L.n, 2), dtype=np.uint64)
    for c, h in enumerate((h1, h2)):
        cs = np.zeros(ind.nnz + 1, dtype=np.uint64)
        np.cumsum(h[ind.indices], dtype=np.uint64, out=cs[1:])
        keys[:, c] = cs[ind.indptr[1:]] - cs[ind.indptr[:-1]]
    first = np.arange(offset, offset + L.n, dtype=np.int64)
    return _dedupe(ind, keys, first, np.ones(L.n, dtype=np.int64))


def mv_winner_table(L: VoteMatrix) -> np.ndarray:
    """Integer ``k × k`` table: ``T[t-1, c]`` = covered rows where class ``c`` is one of ``t``
    tied majority-vote winners (additive over row blocks, exactly)."""
    counts = class_counts(L)
    k = L.cardinality
    c = counts[counts.sum(1) > 0]
    win = c == c.max(1, keepdims=True)
    ties = win.sum(1)
    codes = (np.repeat(ties - 1, k) * k + np.tile(np.arange(k), len(c)))[win.ravel()]
    return np.bincount(codes, minlength=k * k).reshape(k, k).astype(np.int64)


def mv_winner_counts(L: VoteMatrix | np.ndarray) -> np.ndarray:
    """How often each class wins the majority vote on covered rows (ties split evenly).

    Accepts votes or a table from :func:`mv_winner_table`.
    """
    T = L if isinstance(L, np.ndarray) else mv_winner_table(L)
    return (T / np.arange(1, T.shape[0] + 1)[:, None]).sum(0)


def cooccurrence_stats(L: VoteMatrix, chunk_rows: int | None) -> dict[str, Any]:
    """Additive second-moment statistics shared by MatrixCompletion and FlyingSquid.

    ``O``: the ``(m·k) × (m·k)`` co-occurrence counts of the one-hot votes,
    accumulated chunk by chunk from sparse indicators; ``n``: rows seen;
    ``mv_counts``: the majority-vote winner table (for the class prior).
    """
    d = L.m * L.cardinality
    O = np.zeros((d, d))
    mv = np.zeros((L.cardinality, L.cardinality), dtype=np.int64)
    for _, block in iter_row_chunks(L, chunk_rows):
        O += pair_counts(*vote_codes(block), d)
        mv += mv_winner_table(block)
    return {"O": O, "n": np.array(L.n, dtype=np.int64), "mv_counts": mv}


def warn_one_sided(lf_class_counts: np.ndarray, lf_names: list[str], model: str, fix: str) -> np.ndarray:
    """Warn that LFs voting only one class defeat a model that treats abstentions as missing.

    ``lf_class_counts`` is the ``m × k`` count of each LF's votes per class.  Such
    an LF agrees with itself wherever it fires, so a model that only looks at
    the rows where an LF fires cannot tell its accuracy; its evidence is how
    often it fires under each class.  Returns the indices of the one-sided LFs.
    """
    counts = np.asarray(lf_class_counts).reshape(len(lf_names), -1)
    idx = np.nonzero((counts > 0).sum(1) == 1)[0]
    if idx.size:
        import warnings

        names = [lf_names[j] for j in idx[:5]]
        warnings.warn(
            f"{model}: {idx.size} of {len(lf_names)} LFs vote only one class ({names}"
            f"{'...' if idx.size > 5 else ''}); the model treats abstentions as missing data, so it sees each "
            "of them agree with itself and cannot estimate its accuracy: its LF accuracies and probabilities "
            f"can be far off (on WRENCH below 0.8 x majority vote). {fix}", UserWarning,
            stacklevel=user_stacklevel())
    return idx
