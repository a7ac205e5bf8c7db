"""``snorkel.synthetic.synthetic_data.generate_simple_label_matrix``: votes of conditionally independent LFs.

Draws from numpy's global generator in snorkel's order (one ``rand`` table per
LF, ``np.random.choice`` for the classes, then one uniform per vote, row by
row), so the same ``np.random.seed`` gives snorkel's ``P``, ``Y`` and ``L``
exactly; the votes are drawn vectorised rather than one ``np.random.choice``
call per entry.
"""

from __future__ import annotations

import numpy as np

__all__ = ["generate_simple_label_matrix"]


def generate_simple_label_matrix(n: int, m: int, cardinality: int,
                                 abstain_multiplier: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(P, Y, L)``: ``P[j, 1+l, y] = P(λ_j = l | Y = y)`` and ``P[j, 0, y]`` its abstain rate,
    ``Y`` uniform classes, ``L`` the ``n × m`` votes.

    Each LF's table is uniform noise plus ``cardinality − 1`` on the correct
    label, with the abstain row multiplied by ``abstain_multiplier``, normalised per class.

    Parameters
    ----------
    n, m : int
        Rows and LFs.
    cardinality : int
        Number of classes.
    abstain_multiplier : float
        Factor on the abstain row before normalising (0: LFs never abstain).

    Returns
    -------
    tuple of np.ndarray
        ``P`` (``m × (k+1) × k``), ``Y`` (``n``) and ``L`` (``n × m``, ``-1`` = abstain).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.compat.snorkel.synthetic.synthetic_data import generate_simple_label_matrix
    >>> np.random.seed(0)
    >>> P, Y, L = generate_simple_label_matrix(100, 4, 2)
    >>> P.shape, L.shape, bool(np.allclose(P.sum(axis=1), 1))
    ((4, 3, 2), (100, 4), True)
    """
    k = cardinality
    if not abstain_multiplier >= 0:  # snorkel's np.random.choice refuses the negative abstain probabilities
        raise ValueError("probabilities are not non-negative")
    P = np.empty((m, k + 1, k))
    for i in range(m):  # snorkel's loop: one rand table per LF, the same numbers in the same order
        p = np.random.rand(k + 1, k)
        p[1:, :] += (k - 1) * np.eye(k)  # bias the LFs towards being right
        p[0, :] *= abstain_multiplier
        P[i] = p @ np.diag(1 / p.sum(axis=0))
    Y = np.random.choice(k, n)
    # np.random.choice(k + 1, p=P[j, :, y]) draws one uniform u and returns searchsorted(cdf, u, "right"),
    # cdf = cumsum(p) / its last entry; the n·m uniforms come in snorkel's loop order (row by row)
    u = np.random.random_sample((n, m))
    L = np.empty((n, m), dtype=int)
    for j in range(m):
        cdf = np.cumsum(P[j], axis=0)
        cdf /= cdf[-1]
        L[:, j] = (cdf[:, Y].T <= u[:, j, None]).sum(axis=1) - 1
    return P, Y, L
