"""Inference kernels for linear chains over BIO tags: transition masks, forward–backward, Viterbi.

Shared by the HMM label model (:mod:`weaksup.sequence.hmm`) and the CRF end
model (:mod:`weaksup.sequence.endmodel`); numpy only.  Both kernels run many
sentences at once (sorted by length, no padding computed) in memory-bounded
blocks of sentences.

>>> import numpy as np
>>> from weaksup.sequence import viterbi
>>> from weaksup.sequence.inference import bio_transition_mask
>>> bio_transition_mask(1).astype(int).tolist()  # O, B-X, I-X: I-X only after B-X / I-X
[[1, 1, 0], [1, 1, 1], [1, 1, 1]]
>>> le = np.log(np.array([[0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]))
>>> viterbi(le, np.array([2]), np.full(3, 1 / 3), np.full((3, 3), 1 / 3)).tolist()
[1, 2]
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["bio_transition_mask", "bio_start_mask", "forward_backward", "viterbi"]


def bio_transition_mask(n_types: int) -> np.ndarray:
    """``K × K`` boolean mask of allowed BIO transitions (``I-t`` only after ``B-t``/``I-t``)."""
    K = 2 * n_types + 1
    mask = np.ones((K, K), dtype=bool)
    for t in range(n_types):
        i_t = 2 * t + 2
        mask[:, i_t] = False
        mask[2 * t + 1, i_t] = True
        mask[i_t, i_t] = True
    return mask


def bio_start_mask(n_types: int) -> np.ndarray:
    """States a sentence may start in (no ``I-``)."""
    K = 2 * n_types + 1
    mask = np.ones(K, dtype=bool)
    mask[2::2] = False
    return mask


_CHUNK_CELLS = 4_000_000  # sentences x max length x states held at once by forward-backward / Viterbi


def _chunks(lengths: np.ndarray, K: int) -> list[tuple[int, int]]:
    """Contiguous sentence ranges whose (count x max length x K) stays under the memory budget."""
    out, a, longest = [], 0, 0
    for i, n in enumerate(lengths.tolist()):
        longest_i = max(longest, n)
        if i > a and (i - a + 1) * longest_i * K > _CHUNK_CELLS:
            out.append((a, i))
            a, longest_i = i, n
        longest = longest_i
    out.append((a, len(lengths)))
    return out


def _check_chain(log_emit: np.ndarray, lengths: Any, start: np.ndarray, trans: np.ndarray,
                 where: str) -> tuple[np.ndarray, np.ndarray]:
    """``log_emit`` (n × K) and ``lengths`` (int64, each >= 0, summing to n) checked against ``start`` (K,)
    and ``trans`` (K, K); one vectorised pass over each array.

    ``log_emit`` may hold ``-inf`` (a state a token cannot emit), never NaN or ``+inf``; ``start`` and
    ``trans`` are finite, non-negative weights.

    >>> _check_chain(np.zeros((4, 3)), [2, 1], np.ones(3), np.ones((3, 3)), "viterbi")
    Traceback (most recent call last):
    ...
    ValueError: viterbi: lengths sum to 3 but log_emit has 4 rows (one per token of the sentences concatenated)
    """
    log_emit = np.asarray(log_emit)
    if log_emit.ndim != 2 or log_emit.dtype.kind not in "fiu":
        raise ValueError(f"{where}: log_emit must be a numeric n_tokens × K array, got {log_emit.dtype} of shape "
                         f"{log_emit.shape}")
    n, K = log_emit.shape
    lens = np.asarray(lengths)
    integral = lens.dtype.kind in "iu" or lens.size == 0 or (
        lens.dtype.kind == "f" and bool(np.isfinite(lens).all()) and np.array_equal(lens, np.round(lens)))
    if lens.ndim != 1 or not integral:
        raise ValueError(f"{where}: lengths must be a 1-D array of sentence lengths (ints), got {lens.dtype} of "
                         f"shape {lens.shape}")
    lens = lens.astype(np.int64)
    if lens.size and lens.min() < 0:
        i = int(np.argmin(lens))
        raise ValueError(f"{where}: lengths[{i}] = {int(lens[i])} is negative; a sentence has >= 0 tokens")
    if int(lens.sum()) != n:
        raise ValueError(f"{where}: lengths sum to {int(lens.sum())} but log_emit has {n} rows (one per token of "
                         f"the sentences concatenated)")
    start, trans = np.asarray(start), np.asarray(trans)
    if start.shape != (K,) or trans.shape != (K, K):
        raise ValueError(f"{where}: log_emit has K = {K} states, so start must have shape ({K},) and trans "
                         f"({K}, {K}); got start {start.shape} and trans {trans.shape}")
    if not (log_emit < np.inf).all():  # False at NaN and +inf; -inf (a forbidden state) passes
        r, c = (int(v[0]) for v in np.nonzero(~(log_emit < np.inf)))
        raise ValueError(f"{where}: log_emit[{r}, {c}] = {log_emit[r, c]}; log emissions may be -inf, never NaN "
                         f"or +inf")
    for what, a in (("start", start), ("trans", trans)):
        if not ((a >= 0) & (a < np.inf)).all():
            i = tuple(int(v[0]) for v in np.nonzero(~((a >= 0) & (a < np.inf))))
            raise ValueError(f"{where}: {what}{list(i)} = {a[i]}; {what} holds finite, non-negative probabilities")
    return log_emit, lens


def forward_backward(log_emit: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray,
                     need_xi: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """Scaled forward–backward over many sentences at once (see :func:`_forward_backward`).

    Large inputs are processed in contiguous blocks of sentences to bound memory.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.sequence import forward_backward
    >>> start, trans = np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> log_emit = np.log(np.array([[0.9, 0.1], [0.5, 0.5]]))  # one sentence, 2 tokens; token 2 says nothing
    >>> gamma, xi, loglik = forward_backward(log_emit, np.array([2]), start, trans)
    >>> gamma.round(2).tolist()  # token 2: 0.9 * 0.9 + 0.1 * 0.1 = 0.82
    [[0.9, 0.1], [0.82, 0.18]]
    >>> round(loglik, 4) == round(float(np.log(0.25)), 4)  # p(x) = 0.5 * 0.9 * 0.5 + 0.5 * 0.1 * 0.5
    True

    ``lengths`` must sum to the rows of ``log_emit``, ``start`` be ``(K,)`` and ``trans`` ``(K, K)``, all finite
    (``log_emit`` may hold ``-inf``): anything else is a ValueError.
    """
    log_emit, lengths = _check_chain(log_emit, lengths, start, trans, "forward_backward")
    K = log_emit.shape[1]
    blocks = _chunks(lengths, K) if len(lengths) else [(0, 0)]
    if len(blocks) == 1:
        return _forward_backward(log_emit, lengths, start, trans, need_xi)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    gamma = np.zeros(log_emit.shape)
    xi = np.zeros((K, K))
    ll = 0.0
    for a, b in blocks:
        r0, r1 = offsets[a], offsets[b]
        g, x, lz = _forward_backward(log_emit[r0:r1], lengths[a:b], start, trans, need_xi)
        gamma[r0:r1] = g
        xi += x
        ll += lz
    return gamma, xi, ll


def _forward_backward(log_emit: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray,
                      need_xi: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """Scaled forward–backward over many sentences at once.

    Parameters
    ----------
    log_emit : (n_tokens, K) log emission likelihoods, sentences concatenated.
    lengths : (n_sentences,) sentence lengths (sum = n_tokens).
    start : (K,) initial-state probabilities.  trans : (K, K) transition matrix.

    Returns
    -------
    gamma : (n_tokens, K) posterior state marginals.
    xi : (K, K) expected transition counts summed over all sentences.
    loglik : total log-likelihood ``sum_s log p(x_s)``.

    Sentences are sorted by length (longest first) so step ``t`` updates only
    the sentences still running: no padding is ever computed.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    T, K = log_emit.shape
    n = len(lengths)
    gamma = np.zeros((T, K))
    xi = np.zeros((K, K))
    if n == 0 or T == 0:
        return gamma, xi, 0.0
    shift = log_emit.max(axis=1, keepdims=True)
    emit = np.exp(log_emit - shift)
    loglik = float(shift.sum())
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    order = np.argsort(-lengths, kind="stable")
    ls = lengths[order]
    L = int(ls[0])
    # row index of (rank r, position t) in the flat arrays: starts[order][r] + t
    starts = offsets[:-1][order]
    n_active = np.array([(ls > t).sum() for t in range(L)])  # ls sorted desc
    alpha = np.zeros((n, L, K))
    scale = np.ones((n, L))
    nz = n_active[0]
    a = start[None, :] * emit[starts[:nz]]
    c = a.sum(1)
    if np.any(c <= 0):
        bad = int(order[np.nonzero(c <= 0)[0][0]])
        raise FloatingPointError(f"sentence {bad}: zero likelihood at token 0 (no allowed state)")
    alpha[:nz, 0] = a / c[:, None]
    scale[:nz, 0] = c
    for t in range(1, L):
        na = n_active[t]
        a = (alpha[:na, t - 1] @ trans) * emit[starts[:na] + t]
        c = a.sum(1)
        if np.any(c <= 0):
            bad = int(order[np.nonzero(c <= 0)[0][0]])
            raise FloatingPointError(f"sentence {bad}: zero likelihood at token {t} (no allowed state path)")
        alpha[:na, t] = a / c[:, None]
        scale[:na, t] = c
    loglik += float(np.log(scale).sum())
    beta = np.ones((n, L, K))
    for t in range(L - 2, -1, -1):
        na = n_active[t + 1]
        eb = emit[starts[:na] + t + 1] * beta[:na, t + 1] / scale[:na, t + 1, None]
        beta[:na, t] = eb @ trans.T
        if need_xi:
            xi += alpha[:na, t].T @ eb
    if need_xi:
        xi *= trans
    g = alpha * beta
    for t in range(L):
        na = n_active[t]
        rows = starts[:na] + t
        gamma[rows] = g[:na, t]
    gamma /= gamma.sum(axis=1, keepdims=True)
    return gamma, xi, loglik


def viterbi(log_emit: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """Most likely state path per sentence (flat ids), batched like :func:`forward_backward`.

    The arguments are checked as :func:`forward_backward` checks them.
    """
    log_emit, lengths = _check_chain(log_emit, lengths, start, trans, "viterbi")
    blocks = _chunks(lengths, log_emit.shape[1]) if len(lengths) else [(0, 0)]
    if len(blocks) == 1:
        return _viterbi(log_emit, lengths, start, trans)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return np.concatenate([_viterbi(log_emit[offsets[a]:offsets[b]], lengths[a:b], start, trans)
                           for a, b in blocks])


def _viterbi(log_emit: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray) -> np.ndarray:
    lengths = np.asarray(lengths, dtype=np.int64)
    T, K = log_emit.shape
    out = np.zeros(T, dtype=np.int64)
    n = len(lengths)
    if n == 0 or T == 0:
        return out
    with np.errstate(divide="ignore"):
        ls_, lt = np.log(start), np.log(trans)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    order = np.argsort(-lengths, kind="stable")
    # empty sentences have no tokens to decode, and their start offset may equal T (a trailing empty sentence):
    # drop them before indexing ``log_emit[starts]``
    order = order[lengths[order] > 0]
    n = len(order)
    ls = lengths[order]
    L = int(ls[0])
    starts = offsets[:-1][order]
    n_active = np.array([(ls > t).sum() for t in range(L)])
    back = np.zeros((n, L, K), dtype=np.int8 if K < 127 else np.int32)
    delta = ls_[None, :] + log_emit[starts]
    final = np.zeros((n, K))
    done = ls == 1
    final[done] = delta[done]
    for t in range(1, L):
        na = n_active[t]
        cand = delta[:na, :, None] + lt[None, :, :]  # (na, from, to)
        back[:na, t] = cand.argmax(1)
        delta = cand.max(1) + log_emit[starts[:na] + t]
        ending = ls[:na] == t + 1
        final[:na][ending] = delta[ending]
    final_state = final.argmax(1)
    state = np.zeros(n, dtype=np.int64)
    for t in range(L - 1, -1, -1):
        na = n_active[t]
        ending = ls[:na] == t + 1
        state[:na][ending] = final_state[:na][ending]
        out[starts[:na] + t] = state[:na]
        if t > 0:
            state[:na] = back[np.arange(na), t, state[:na]]
    return out
