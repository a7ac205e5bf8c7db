"""Label spaces for universal weak supervision (UWS, Shin et al., ICLR 2022).

A :class:`LabelSpace` knows how to

* validate and encode LF outputs and gold labels into arrays (``encode``),
* measure the distance ``d(u, v)`` that defines the label model
  ``p(λ_a | y) ∝ exp(-θ_a d(λ_a, y))``,
* embed values where an isometric (or pseudo-Euclidean) embedding exists,
* compute the pairwise statistic between two LFs that the triplet method of
  moments uses, turn a triplet of such statistics into accuracy parameters θ,
  and (where the closed form is not exact) predict that statistic from θ so
  the triplet solution can be refined by exact moment matching,
* solve the weighted Fréchet mean ``argmin_y Σ_a θ_a d(λ_a, y)`` (inference),
* sample LF outputs with known θ (synthetic data with known answers).

Spaces
------
:class:`RealSpace`
    ``R^d`` with squared Euclidean distance (Gaussian LFs).  Closed forms.
:class:`RankingSpace`
    Full or partial rankings of a fixed item set with Kendall τ (Mallows LFs).
:class:`HyperbolicSpace`
    Hyperbolic space ``H^d`` (Lorentz or Poincaré coordinates) with squared
    geodesic distance (wrapped-normal LFs); Riemannian gradient descent.
:class:`FiniteMetricSpace`
    ``k`` points with a user distance matrix; pseudo-Euclidean embedding.

Examples
--------
>>> import numpy as np
>>> from weaksup.universal import RankingSpace, RealSpace
>>> sp = RealSpace(1)
>>> float(sp.distance(np.array([1.0]), np.array([3.0])))
4.0
>>> rs = RankingSpace(["a", "b", "c"])
>>> int(rs.distance(rs.encode_one(["a", "b", "c"]), rs.encode_one(["c", "b", "a"])))
3
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (used by the doctests above)

from weaksup.universal.spaces.base import LabelSpace, ValueOutputError
from weaksup.universal.spaces.finite import FiniteMetricSpace, check_metric, pseudo_euclidean_embedding
from weaksup.universal.spaces.hyperbolic import HyperbolicSpace
from weaksup.universal.spaces.ranking import (
    RankingSpace,
    mallows_expected_distance,
    mallows_log_partition,
    mallows_pair_inversion_probs,
    mallows_theta_from_distance,
)
from weaksup.universal.spaces.real import RealSpace

__all__ = [
    "LabelSpace",
    "RealSpace",
    "RankingSpace",
    "HyperbolicSpace",
    "FiniteMetricSpace",
    "ValueOutputError",
    "mallows_log_partition",
    "mallows_expected_distance",
    "mallows_theta_from_distance",
    "mallows_pair_inversion_probs",
    "pseudo_euclidean_embedding",
    "check_metric",
]
