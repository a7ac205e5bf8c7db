"""Error bounds for label learning flows: how wrong each LF may be, per class (torch-free).

LLF constrains its label distribution so that every LF's expected error on
class ``c`` stays below a bound ``b_ic``.  This module estimates those bounds
from the votes alone (:func:`estimate_error_bounds`) or from gold-labelled
rows (:func:`bounds_from_valid`), and computes the expected error of each LF
under any label distribution (:func:`expected_errors`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup.labelmodel.registry import get_model
from weaksup.votes import VoteMatrix, check_votes

__all__ = ["BOUND_SOURCES", "expected_errors", "estimate_error_bounds", "bounds_from_valid"]

BOUND_SOURCES = ("auto", "dawid_skene", "matrix_completion", "majority", "agreement")


def expected_errors(votes: Any, probs: np.ndarray, cardinality: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Expected error of each LF, per class, under label distribution ``probs``.

    For LF ``i`` and class ``c``, with ``q_ic = [vote_i = c]``, this is
    ``mean over rows where i votes of (1 - π_c) q_ic + π_c (1 - q_ic)``, the
    quantity LLF's constraints bound (``π`` one-hot gives the empirical error
    against gold labels).  Returns ``(errors (m×k), counts (m,))``; rows of
    LFs that never vote are 0 with count 0.

    Examples
    --------
    >>> import numpy as np
    >>> e, cnt = expected_errors(np.array([[0, 1], [1, -1]]), np.eye(2))
    >>> e.tolist(), cnt.tolist()
    ([[0.0, 0.0], [1.0, 1.0]], [2, 1])
    """
    L = votes if isinstance(votes, VoteMatrix) else VoteMatrix(votes, None, cardinality)
    k = L.cardinality if cardinality is None else cardinality
    P = np.asarray(probs, dtype=np.float64)
    if P.shape != (L.n, k):
        raise ValueError(f"probs have shape {P.shape}; expected ({L.n}, {k})")
    V = L.to_dense()
    fired = (V >= 0).astype(np.float64)
    counts = fired.sum(0)
    # sum_n fired * pi_c  +  sum_n q_c * (1 - 2 pi_c)
    num = fired.T @ P
    for c in range(k):
        num[:, c] += (V == c).astype(np.float64).T @ (1.0 - 2.0 * P[:, c])
    err = np.divide(num, counts[:, None], out=np.zeros_like(num), where=counts[:, None] > 0)
    return np.clip(err, 0.0, 1.0), counts.astype(np.int64)


def _loo_majority_probs(L: VoteMatrix, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Soft majority vote of all LFs except ``j``; also the rows where it is defined."""
    counts = L.class_counts().astype(np.float64)
    col = L.column(j)
    fired = col >= 0
    counts[np.nonzero(fired)[0], col[fired]] -= 1.0
    tot = counts.sum(1)
    ok = tot > 0
    probs = np.divide(counts, tot[:, None], out=np.zeros_like(counts), where=ok[:, None])
    return probs, ok


def _majority_bounds(L: VoteMatrix) -> np.ndarray:
    """Per-LF, per-class expected error against the leave-one-out soft majority vote."""
    k = L.cardinality
    out = np.ones((L.m, k))
    for j in range(L.m):
        probs, ok = _loo_majority_probs(L, j)
        if not ok.any():
            continue  # no other LF to compare with: vacuous bound 1
        sub = L[np.nonzero(ok)[0]].select_lfs([j])
        err, cnt = expected_errors(sub, probs[ok], k)
        if cnt[0] > 0:
            out[j] = err[0]
    return out


def _agreement_bounds(L: VoteMatrix, strength: float = 10.0, prior_accuracy: float = 0.7) -> np.ndarray:
    """Per-class bounds from one accuracy per LF (agreement with the leave-one-out majority).

    ``a_i`` = mean LOO soft-MV probability of LF ``i``'s vote on the rows where
    another LF also votes, shrunk toward the pooled agreement of all LFs with
    ``strength`` pseudo-rows (``prior_accuracy`` when no two LFs ever co-vote).
    With ``v_ic`` the fraction of LF ``i``'s votes that are ``c`` and errors
    spread evenly over the other classes:
    ``b_ic = (1 - a_i) (v_ic + (1 - v_ic) / (k - 1))``.  Unlike ``"majority"``,
    an LF that rarely co-votes still gets an informative bound.
    """
    k, m = L.cardinality, L.m
    agree = np.zeros(m)
    n_co = np.zeros(m)
    vote_frac = np.zeros((m, k))
    for j in range(m):
        col = L.column(j)
        fired = col >= 0
        if fired.any():
            vote_frac[j] = np.bincount(col[fired], minlength=k)[:k] / fired.sum()
        probs, ok = _loo_majority_probs(L, j)
        rows = np.nonzero(ok & fired)[0]
        n_co[j] = rows.size
        if rows.size:
            agree[j] = probs[rows, col[rows]].sum()
    pooled = agree.sum() / n_co.sum() if n_co.sum() > 0 else prior_accuracy
    acc = (agree + strength * pooled) / (n_co + strength)
    return (1.0 - acc)[:, None] * (vote_frac + (1.0 - vote_frac) / (k - 1))


def estimate_error_bounds(votes: Any, *, source: str = "auto", seed: int | None = 0,
                          class_balance: Any = None) -> tuple[np.ndarray, str]:
    """Estimate per-LF, per-class expected-error bounds ``b`` (m×k) from the votes alone.

    ``source``:

    * ``"dawid_skene"`` / ``"matrix_completion"``: fit that label model from
      :mod:`weaksup.labelmodel` and take each LF's expected error under its
      posterior ``π`` (:func:`expected_errors`);
    * ``"majority"``: the same against the *leave-one-out* soft majority vote of
      the other LFs (an LF cannot agree with itself); an LF that never
      co-votes with another gets the vacuous bound 1;
    * ``"agreement"``: one accuracy per LF from its agreement with the
      leave-one-out majority (shrunk toward the pooled agreement), spread over
      classes with the LF's own vote distribution (:func:`_agreement_bounds`);
      informative even when LFs rarely overlap;
    * ``"auto"``: ``"dawid_skene"`` when it fits, else ``"majority"``.

    Returns ``(bounds, source_used)``.

    Examples
    --------
    >>> from weaksup.flows import BOUND_SOURCES, estimate_error_bounds
    >>> from weaksup.synthetic import make_votes
    >>> L, y, _ = make_votes(2000, 5, 2, seed=0)
    >>> bounds, used = estimate_error_bounds(L, seed=0)
    >>> bounds.shape, used
    ((5, 2), 'DawidSkene')
    >>> BOUND_SOURCES
    ('auto', 'dawid_skene', 'matrix_completion', 'majority', 'agreement')
    """
    if source not in BOUND_SOURCES:
        raise ValueError(f"bound_source must be one of {BOUND_SOURCES}, got {source!r}")
    L = votes if isinstance(votes, VoteMatrix) else check_votes(votes)
    if source in ("auto", "dawid_skene", "matrix_completion"):
        name = "MatrixCompletion" if source == "matrix_completion" else "DawidSkene"
        try:
            model = get_model(name)(cardinality=L.cardinality)
            model.fit(L, seed=seed, class_balance=class_balance)
            probs = np.asarray(model.predict_proba(L), dtype=np.float64)
            if not np.all(np.isfinite(probs)):
                raise ValueError(f"{name} returned non-finite probabilities")
            err, _ = expected_errors(L, probs, L.cardinality)
            return err, name
        except (ValueError, RuntimeError, np.linalg.LinAlgError):
            if source != "auto":
                raise
    if source == "agreement":
        return _agreement_bounds(L), "agreement"
    return _majority_bounds(L), "majority"


def bounds_from_valid(L_valid: VoteMatrix, y_valid: np.ndarray, prior_bounds: np.ndarray,
                      strength: float = 2.0) -> np.ndarray:
    """Empirical errors on gold-labelled rows, shrunk toward ``prior_bounds`` with ``strength`` pseudo-rows.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.flows import bounds_from_valid
    >>> from weaksup.votes import VoteMatrix
    >>> L_valid = VoteMatrix(np.array([[0, 1], [1, 1], [0, -1]]))
    >>> bounds_from_valid(L_valid, np.array([0, 1, 0]), np.full((2, 2), 0.5)).round(2).tolist()
    [[0.2, 0.2], [0.5, 0.5]]
    """
    k = L_valid.cardinality
    err, cnt = expected_errors(L_valid, np.eye(k)[y_valid], k)
    w = cnt[:, None].astype(np.float64)
    return (w * err + strength * prior_bounds) / (w + strength)
