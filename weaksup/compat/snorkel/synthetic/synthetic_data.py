"""``snorkel.synthetic.synthetic_data.generate_simple_label_matrix``: votes of conditionally independent LFs.

Draws from numpy's global generator (seed it with ``np.random.seed``); the
random stream is weaksup's own, so the matrices differ from snorkel's for the
same seed, the distribution does not.
"""

from __future__ import annotations

import numpy as np

__all__ = ["generate_simple_label_matrix"]


def generate_simple_label_matrix(n: int, m: int, cardinality: int,
                                 abstain_multiplier: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(P, Y, L)``: ``P[j, 1+l, y] = P(λ_j = l | Y = y)`` and ``P[j, 0, y]`` its abstain rate,
    ``Y`` uniform classes, ``L`` the ``n × m`` votes.

    Each LF's table is uniform noise plus ``cardinality − 1`` on the correct
    label and ``abstain_multiplier`` on abstain, normalised per class.

    >>> np.random.seed(0)
    >>> P, Y, L = generate_simple_label_matrix(100, 4, 2)
    >>> P.shape, L.shape, bool(np.allclose(P.sum(axis=1), 1))
    ((4, 3, 2), (100, 4), True)
    """
    k = cardinality
    P = np.random.rand(m, k + 1, k)
    P[:, 1:, :] += (k - 1) * np.eye(k)[None]
    P[:, 0, :] += abstain_multiplier
    P /= P.sum(axis=1, keepdims=True)
    Y = np.random.randint(0, k, size=n)
    cdf = np.cumsum(P[:, :, Y], axis=1)  # (m, k+1, n)
    u = np.random.rand(m, 1, n)
    L = ((u > cdf).sum(axis=1) - 1).T.astype(np.int64)
    return P, Y, L
