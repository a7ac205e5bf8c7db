"""Synthetic weak-supervision data with known parameters (for tests, demos and benchmarks)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from weaksup.votes import ABSTAIN, VoteMatrix

__all__ = ["make_votes"]


def make_votes(
    n: int,
    m: int,
    k: int = 2,
    *,
    accuracies: Any = None,
    propensities: Any = None,
    class_balance: Any = None,
    seed: int | None = 0,
    sparse: bool = False,
) -> tuple[VoteMatrix, np.ndarray, dict[str, np.ndarray]]:
    """Conditionally independent LFs with known accuracies and propensities.

    Each LF ``j`` fires on a row with probability ``propensities[j]``
    (independently of the class) and, when it fires, votes the true class with
    probability ``accuracies[j]`` and otherwise a uniformly chosen wrong class.

    Returns ``(votes, y, params)`` where ``params`` holds ``accuracies``,
    ``propensities`` and ``class_balance``.  With ``sparse=True`` the votes are
    built and stored sparse (memory proportional to the number of votes).

    Examples
    --------
    >>> L, y, params = make_votes(1000, 5, 3, seed=1)
    >>> L.shape, L.cardinality, y.shape
    ((1000, 5), 3, (1000,))
    """
    rng = np.random.default_rng(seed)
    acc = rng.uniform(0.55, 0.9, m) if accuracies is None else np.broadcast_to(np.asarray(accuracies, float), (m,))
    prop = rng.uniform(0.1, 0.5, m) if propensities is None else np.broadcast_to(np.asarray(propensities, float), (m,))
    p = np.full(k, 1.0 / k) if class_balance is None else np.asarray(class_balance, float) / np.sum(class_balance)
    y = rng.choice(k, size=n, p=p)
    if sparse:
        rows, cols, vals = [], [], []
        for j in range(m):
            r = np.nonzero(rng.random(n) < prop[j])[0]
            correct = rng.random(r.size) < acc[j]
            wrong = (y[r] + rng.integers(1, k, r.size)) % k if k > 1 else y[r]
            rows.append(r)
            cols.append(np.full(r.size, j))
            vals.append(np.where(correct, y[r], wrong) + 1)
        data = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, m)
        )
        L = VoteMatrix(data, None, k)
    else:
        fires = rng.random((n, m)) < prop
        correct = rng.random((n, m)) < acc
        wrong = (y[:, None] + rng.integers(1, max(k, 2), (n, m))) % k
        votes = np.where(correct, y[:, None], wrong)
        votes = np.where(fires, votes, ABSTAIN)
        L = VoteMatrix(votes, None, k)
    return L, y, {"accuracies": np.array(acc), "propensities": np.array(prop), "class_balance": p}
