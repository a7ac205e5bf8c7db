"""Label learning flows: feature-conditioned label models, ``fit(votes, X)``.

:class:`FeatureLabelModel` is the contract (its own base, not a
:class:`~weaksup.labelmodel.base.LabelModel`); :class:`LabelLearningFlow` the
model; :mod:`weaksup.flows.bounds` the torch-free error bounds.  torch loads
only when a flow is fitted.

Examples
--------
>>> from weaksup.flows import BOUND_SOURCES
>>> BOUND_SOURCES  # LabelLearningFlow(bound_source=...), estimate_error_bounds(source=...)
('auto', 'dawid_skene', 'matrix_completion', 'majority', 'agreement')
"""

from weaksup.flows.base import FeatureLabelModel
from weaksup.flows.bounds import BOUND_SOURCES, bounds_from_valid, estimate_error_bounds, expected_errors
from weaksup.flows.model import LabelLearningFlow, check_features, constraint_penalties

__all__ = [
    "FeatureLabelModel",
    "LabelLearningFlow",
    "BOUND_SOURCES",
    "bounds_from_valid",
    "estimate_error_bounds",
    "expected_errors",
    "constraint_penalties",
    "check_features",
]
