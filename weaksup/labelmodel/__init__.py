"""Classification label models sharing one contract (see :mod:`weaksup.labelmodel.base`).

Every model: ``fit(votes, *, class_balance=None, valid=None, seed=None)``,
``predict_proba``, ``predict(tie_break=...)``, ``score``, ``lf_accuracies``,
``get_params/set_params``, ``save/load``.  Which models exist is written once,
in :mod:`weaksup.labelmodel.registry`.  Models are imported lazily so that
``import weaksup.labelmodel`` stays light.

Examples
--------
>>> from weaksup.labelmodel import DEFAULT_MODEL, available_models
>>> DEFAULT_MODEL, DEFAULT_MODEL in available_models()
('AutoLabelModel', True)
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from weaksup._deprecate import warn_deprecated
from weaksup._lazy import attach
from weaksup.labelmodel import registry
from weaksup.labelmodel.base import LabelModel, probs_to_preds
from weaksup.labelmodel.voting import MajorityVote

_LAZY = {
    "WeightedMajorityVote": "weaksup.labelmodel.voting",
    "DawidSkene": "weaksup.labelmodel.dawid_skene",
    "AbstainDawidSkene": "weaksup.labelmodel.abstain_ds",
    "MatrixCompletion": "weaksup.labelmodel.matrix_completion",
    "FlyingSquid": "weaksup.labelmodel.triplet",
    "EBCC": "weaksup.labelmodel.ebcc",
    "AutoLabelModel": "weaksup.labelmodel.auto",
    "HyperLabelModel": "weaksup.labelmodel.hyper",
}

if TYPE_CHECKING:  # the lazy names' real types for type checkers and IDEs; tests/test_typing_surface.py keeps
    # this block equal to _LAZY
    from weaksup.labelmodel.abstain_ds import AbstainDawidSkene
    from weaksup.labelmodel.auto import AutoLabelModel
    from weaksup.labelmodel.dawid_skene import DawidSkene
    from weaksup.labelmodel.ebcc import EBCC
    from weaksup.labelmodel.hyper import HyperLabelModel
    from weaksup.labelmodel.matrix_completion import MatrixCompletion
    from weaksup.labelmodel.triplet import FlyingSquid
    from weaksup.labelmodel.voting import WeightedMajorityVote

#: The recommended default label model (see docs/label_models.md for why).
DEFAULT_MODEL = "AutoLabelModel"

__all__ = ["LabelModel", "MajorityVote", "probs_to_preds", "available_models", "DEFAULT_MODEL",
           "registry", *_LAZY]

_getattr, __dir__ = attach(__name__, _LAZY)


def available_models(family: str | None = "label") -> dict[str, type]:
    """Name -> class of every registered model of ``family`` (default: classification label models).

    Reads :mod:`weaksup.labelmodel.registry`; ``family=None`` lists every family.

    Examples
    --------
    >>> from weaksup.labelmodel import available_models
    >>> models = available_models()
    >>> sorted(models)[:3]
    ['AbstainDawidSkene', 'AutoLabelModel', 'DawidSkene']
    >>> "LabelLearningFlow" in models
    False
    """
    return registry.available_models(family)


if not TYPE_CHECKING:  # a module __getattr__ would make every misspelt name Any to type checkers
    def __getattr__(name: str) -> Any:
        if name == "LabelLearningFlow":  # a feature-conditioned model: lives in weaksup.flows
            warn_deprecated("weaksup.labelmodel.LabelLearningFlow", "weaksup.flows.LabelLearningFlow")
            from weaksup.flows import LabelLearningFlow

            return LabelLearningFlow
        return _getattr(name)
