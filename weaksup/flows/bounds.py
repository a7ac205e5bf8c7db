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

from weaksup._validation import MAX_SEED, check_class_balance, check_labels, check_prob_rows
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

    ``probs`` must be an ``n × k`` label distribution: finite, non-negative,
    each row summing to 1 (within 1e-6); anything else is a ``ValueError``
    naming the first offending row.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.flows import expected_errors
    >>> e, cnt = expected_errors(np.array([[0, 1], [1, -1]]), np.eye(2))
    >>> e.tolist(), cnt.tolist()
    ([[0.0, 0.0], [1.0, 1.0]], [2, 1])
    """
    L = votes if isinstance(votes, VoteMatrix) else check_votes(votes, cardinality)
    k = L.cardinality if cardinality is None else cardinality
    P = check_prob_rows(probs, "probs", shape=(L.n, k))
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

    ``class_balance`` (``k`` positive numbers) is used by the fitted label
    models only; ``"majority"`` and ``"agreement"`` ignore it.  It and ``seed``
    (None or an int in ``[0, 2**32 - 1]``) are checked first, whatever the source: an invalid
    value is a ``ValueError``, never a silent fall-back to ``"majority"``.

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
    check_class_balance(class_balance, L.cardinality)
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
                             or not 0 <= seed <= MAX_SEED):
        # above 2**32 - 1 the label model's ValueError was caught below and "auto" fell back to "majority"
        raise ValueError(f"estimate_error_bounds: seed must be None or an int >= 0 (at most {MAX_SEED}), "
                         f"got {seed!r}")
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


def bounds_from_valid(L_valid: Any, y_valid: Any, prior_bounds: Any, strength: float = 2.0) -> np.ndarray:
    """Empirical errors on gold-labelled rows, shrunk toward ``prior_bounds`` with ``strength`` pseudo-rows.

    Parameters
    ----------
    L_valid : VoteMatrix or array-like (n × m)
        Votes on the gold-labelled rows.
    y_valid : array-like (n,)
        Gold class ids ``0..k-1`` (no ``-1``: every row needs its label).
    prior_bounds : array-like (m × k)
        Bounds in ``[0, 1]`` to shrink toward (e.g. from :func:`estimate_error_bounds`).
    strength : float
        Number of pseudo-rows of the prior, finite and ``>= 0`` (0: the empirical
        errors alone, the prior only for an LF that never votes on the gold rows).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.flows import bounds_from_valid
    >>> from weaksup.votes import VoteMatrix
    >>> L_valid = VoteMatrix(np.array([[0, 1], [1, 1], [0, -1]]))
    >>> bounds_from_valid(L_valid, np.array([0, 1, 0]), np.full((2, 2), 0.5)).round(2).tolist()
    [[0.2, 0.2], [0.5, 0.5]]
    """
    L_valid = check_votes(L_valid, what="L_valid")
    k = L_valid.cardinality
    y_valid = check_labels(y_valid, None, "y_valid")
    if (y_valid == -1).any():
        i = int(np.nonzero(y_valid == -1)[0][0])
        raise ValueError(f"y_valid: -1 (no label) at row {i}; bounds_from_valid needs a gold class 0..{k - 1} on "
                         f"every row: drop the unlabelled rows")
    y_valid = check_labels(y_valid, k, "y_valid")
    if len(y_valid) != L_valid.n:
        raise ValueError(f"L_valid has {L_valid.n} rows but y_valid has {len(y_valid)}")
    try:
        prior = np.asarray(prior_bounds, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"prior_bounds must be a numeric ({L_valid.m}, {k}) array: {exc}") from None
    if prior.shape != (L_valid.m, k):
        raise ValueError(f"prior_bounds has shape {prior.shape}; expected ({L_valid.m}, {k}): one bound per LF "
                         "and class")
    bad = ~np.isfinite(prior) | (prior < 0) | (prior > 1)
    if bad.any():
        i, c = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(f"prior_bounds[{i}, {c}] = {prior[i, c]} (LF {L_valid.lf_names[i]!r}, class {c}) is not "
                         f"an error rate in [0, 1]; {int(bad.sum())} offending value(s) in total")
    if isinstance(strength, (bool, np.bool_)) or not isinstance(strength, (int, float, np.integer, np.floating)) \
            or not np.isfinite(strength) or strength < 0:
        raise ValueError(f"strength must be a finite number >= 0 (pseudo-rows of the prior), got {strength!r}")
    err, cnt = expected_errors(L_valid, np.eye(k)[y_valid], k)
    w = cnt[:, None].astype(np.float64)
    if strength == 0:  # empirical errors only; an LF that never votes on the gold rows keeps its prior
        return np.where(w > 0, err, prior)
    return (w * err + strength * prior) / (w + strength)
