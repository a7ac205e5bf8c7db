"""Classification label models sharing one contract (see :mod:`weaksup.labelmodel.base`).

Every model: ``fit(votes, *, class_balance=None, dev=None, seed=None)``,
``predict_proba``, ``predict(tie_break=...)``, ``score``, ``lf_accuracies``,
``get_params/set_params``, ``save/load``.  Models are imported lazily so that
``import weaksup.labelmodel`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from weaksup.labelmodel.base import LabelModel, probs_to_preds
from weaksup.labelmodel.voting import MajorityVote

# name -> module that defines it; filled in as models are added.
_LAZY = {
    "WeightedMajorityVote": "weaksup.labelmodel.voting",
    "DawidSkene": "weaksup.labelmodel.dawid_skene",
    "MatrixCompletion": "weaksup.labelmodel.matrix_completion",
    "FlyingSquid": "weaksup.labelmodel.triplet",
    "EBCC": "weaksup.labelmodel.ebcc",
    "AutoLabelModel": "weaksup.labelmodel.auto",
    "LabelLearningFlow": "weaksup.flows.model",
}

#: Classification label models that :func:`available_models` returns (flows are owned elsewhere
#: and added when importable).
_CORE_MODELS = ("MajorityVote", "WeightedMajorityVote", "DawidSkene", "MatrixCompletion",
                "FlyingSquid", "EBCC", "AutoLabelModel")

#: The recommended default label model (see docs/label_models.md for why).
DEFAULT_MODEL = "AutoLabelModel"

__all__ = ["LabelModel", "MajorityVote", "probs_to_preds", "available_models", "DEFAULT_MODEL", *_LAZY]


def available_models() -> dict[str, type]:
    """Name -> class of every classification label model that imports here.

    Examples
    --------
    >>> models = available_models()
    >>> sorted(models)[:3]
    ['DawidSkene', 'EBCC', 'FlyingSquid']
    """
    out: dict[str, type] = {"MajorityVote": MajorityVote}
    for name in (*_CORE_MODELS[1:], *(n for n in _LAZY if n not in _CORE_MODELS)):
        try:
            out[name] = getattr(importlib.import_module(_LAZY[name]), name)
        except (ImportError, AttributeError):
            continue
    return out


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'weaksup.labelmodel' has no attribute {name!r}")
