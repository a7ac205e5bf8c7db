"""numba-compiled vote loops; import through :mod:`weaksup.labelmodel._kernels` only.

Every function takes the votes as CSR arrays: ``indptr``, ``lfs`` (the LF of
each vote, ascending within a row) and ``cls`` (its class plus ``shift``: the
sparse :class:`~weaksup.votes.VoteMatrix` stores class + 1), so no division or
code array is formed.  ``cache=True``: the machine code
is written next to this file (or to numba's user cache directory when the
package folder is read-only), so only the first process after an install pays
the compile.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def lf_pair_agreement(indptr, lfs, cls, shift, m, k):  # pragma: no cover - compiled; tested through _kernels
    """``(pairs, lf_class)``: ``pairs[(a·m + b)·2 + agree]`` counts rows where LFs ``a`` then ``b`` vote (int32).

    ``lf_class[j·k + c]`` counts LF ``j``'s votes for class ``c``.
    """
    # int32 tables stay in the L2 cache; the caller splits blocks of more than 2**31 - 1 rows.
    # Unsigned offsets: numba then emits no negative-index wraparound test in the pair loop.
    pairs = np.zeros(m * m * 2, dtype=np.int32)
    lf_class = np.zeros(m * k, dtype=np.int64)
    base = np.empty(m, dtype=np.uint64)
    col = np.empty(m, dtype=np.uint64)
    cl = np.empty(m, dtype=np.int64)
    n = indptr.shape[0] - 1
    for r in range(n):
        s = indptr[r]
        t = indptr[r + 1] - s
        for p in range(t):
            j = np.uint64(lfs[s + p])
            c = np.int64(cls[s + p]) - shift
            cl[p] = c
            base[p] = j * np.uint64(2 * m)
            col[p] = j * np.uint64(2)
            lf_class[np.int64(j) * k + c] += 1
        for p in range(t - 1):
            ba = base[p]
            ca = cl[p]
            for q in range(p + 1, t):
                pairs[ba + col[q] + np.uint64(cl[q] == ca)] += 1
    return pairs, lf_class


@numba.njit(cache=True, nogil=True)
def column_counts(indices, m):  # pragma: no cover - compiled; tested through _kernels
    """``bincount(indices, minlength=m)`` without bincount's int64 copy of int32 indices."""
    out = np.zeros(m, dtype=np.int64)
    for i in range(indices.shape[0]):
        out[indices[i]] += 1
    return out


@numba.njit(cache=True, nogil=True)
def weighted_vote_proba(indptr, lfs, cls, shift, W, fill):  # pragma: no cover - compiled; tested through _kernels
    """``n × k``: ``Σ_{votes (j, c) of r} W[j, c]`` (added in vote order from 0.0), each row divided by its
    total (``fill`` where the total is not positive)."""
    n = indptr.shape[0] - 1
    k = W.shape[1]
    out = np.zeros((n, k))
    for r in range(n):
        for p in range(indptr[r], indptr[r + 1]):
            c = np.int64(cls[p]) - shift
            out[r, c] += W[lfs[p], c]
        total = 0.0
        for c in range(k):
            total += out[r, c]
        if total > 0:
            for c in range(k):
                out[r, c] /= total
        else:
            for c in range(k):
                out[r, c] = fill[c]
    return out


@numba.njit(cache=True, nogil=True)
def linear_softmax(indptr, lfs, cls, shift, S, bias):  # pragma: no cover - compiled; tested through _kernels
    """``n × k`` ``softmax(bias + Σ_votes S[j·k + c])`` per row, with the row maximum subtracted."""
    n = indptr.shape[0] - 1
    k = S.shape[1]
    out = np.empty((n, k))
    for r in range(n):
        for c in range(k):
            out[r, c] = bias[c]
        for p in range(indptr[r], indptr[r + 1]):
            row = np.int64(lfs[p]) * k + np.int64(cls[p]) - shift
            for c in range(k):
                out[r, c] += S[row, c]
        top = out[r, 0]
        for c in range(1, k):
            top = max(top, out[r, c])
        total = 0.0
        for c in range(k):
            e = np.exp(out[r, c] - top)
            out[r, c] = e
            total += e
        for c in range(k):
            out[r, c] /= total
    return out


@numba.njit(cache=True, nogil=True)
def grouped_softmax_scores(indptr, lfs, cls, shift, k, M, P, spread, b_prob):  # pragma: no cover - compiled
    """``n × k``: ``Σ_g softmax_{(y,g)}(b + Σ_votes V[j·k + c])`` for ``y·M + g`` columns.

    Works in the probability domain: ``P = exp(V − rowmax V)`` and ``b_prob =
    exp(b − max b)`` (the per-vote and prior constants cancel in the
    normalisation), one product per vote and (class, subtype), no ``exp`` per
    row.  ``spread[code]`` (nats between a row of ``V``'s largest and smallest
    entry) bounds how far a vote can lower the largest product: once the votes
    since the last rescale could have lowered it by 500 nats, the products are
    divided by their maximum (which cancels in the normalisation too).  With
    every spread ≤ 600 nats (the caller checks) the largest product stays above
    ``e^-600``, so an entry that underflows is below ``1e-60`` of it: under rounding.
    """
    n = indptr.shape[0] - 1
    kM = k * M
    out = np.empty((n, k))
    acc = np.empty(kM)
    for r in range(n):
        for i in range(kM):
            acc[i] = b_prob[i]
        budget = 0.0
        for p in range(indptr[r], indptr[r + 1]):
            code = np.int64(lfs[p]) * k + np.int64(cls[p]) - shift
            budget += spread[code]
            if budget > 500.0:
                top = 0.0
                for i in range(kM):
                    top = max(top, acc[i])
                inv = 1.0 / top
                for i in range(kM):
                    acc[i] *= inv
                budget = spread[code]
            row = P[code]
            for i in range(kM):
                acc[i] *= row[i]
        total = 0.0
        for y in range(k):
            z = 0.0
            for g in range(M):
                z += acc[y * M + g]
            out[r, y] = z
            total += z
        for y in range(k):
            out[r, y] /= total
    return out
