"""Universal weak supervision: label models for regression, rankings, hyperbolic
and finite metric label spaces (Shin et al., ICLR 2022).

Layout: ``spaces/`` (one module per :class:`LabelSpace`; a new space is a new
file), ``values.py`` (:class:`ValueVotes`, the votes container, and
:func:`apply_value_lfs`), ``base.py`` (:class:`ValueLabelModel`, the contract of
value label models) and ``model.py`` (:class:`UniversalLabelModel`).

>>> from weaksup.universal import UniversalLabelModel, RankingSpace
>>> lm = UniversalLabelModel(RankingSpace(["a", "b", "c"]))

See ``docs/universal.md``.
"""

from typing import TYPE_CHECKING

from weaksup._lazy import attach

_SPACES = "weaksup.universal.spaces"
_LAZY = {
    "UniversalLabelModel": "weaksup.universal.model",
    "make_synthetic": "weaksup.universal.model",
    "ValueLabelModel": "weaksup.universal.base",
    "ValueLFError": "weaksup.universal.values",
    "ValueVotes": "weaksup.universal.values",
    "apply_value_lfs": "weaksup.universal.values",
    "as_value_votes": "weaksup.universal.values",
    **{name: _SPACES for name in (
        "FiniteMetricSpace", "HyperbolicSpace", "LabelSpace", "RankingSpace", "RealSpace", "ValueOutputError",
        "check_metric", "mallows_expected_distance", "mallows_log_partition", "mallows_pair_inversion_probs",
        "mallows_theta_from_distance", "pseudo_euclidean_embedding")},
}

if TYPE_CHECKING:  # the lazy names' real types for type checkers and IDEs; tests/test_typing_surface.py keeps
    # this block equal to _LAZY
    from weaksup.universal.base import ValueLabelModel
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

__all__ = sorted(_LAZY)

_getattr, __dir__ = attach(__name__, _LAZY)

if not TYPE_CHECKING:  # a module __getattr__ would make every misspelt name Any to type checkers
    __getattr__ = _getattr
