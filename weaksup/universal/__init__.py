"""Universal weak supervision: label models for regression, rankings, hyperbolic
and finite metric label spaces (Shin et al., ICLR 2022).

>>> from weaksup.universal import UniversalLabelModel, RankingSpace
>>> lm = UniversalLabelModel(RankingSpace(["a", "b", "c"]))

See ``docs/universal.md``.
"""

from weaksup.universal.model import UniversalLabelModel, make_synthetic
from weaksup.universal.spaces import (
    FiniteMetricSpace,
    HyperbolicSpace,
    LabelSpace,
    RankingSpace,
    RealSpace,
    ValueOutputError,
    check_metric,
    mallows_expected_distance,
    mallows_log_partition,
    mallows_pair_inversion_probs,
    mallows_theta_from_distance,
    pseudo_euclidean_embedding,
)
from weaksup.universal.values import ValueLFError, ValueVotes, apply_value_lfs, as_value_votes

__all__ = [
    "FiniteMetricSpace",
    "HyperbolicSpace",
    "LabelSpace",
    "RankingSpace",
    "RealSpace",
    "UniversalLabelModel",
    "ValueLFError",
    "ValueOutputError",
    "ValueVotes",
    "apply_value_lfs",
    "as_value_votes",
    "check_metric",
    "make_synthetic",
    "mallows_expected_distance",
    "mallows_log_partition",
    "mallows_pair_inversion_probs",
    "mallows_theta_from_distance",
    "pseudo_euclidean_embedding",
]
