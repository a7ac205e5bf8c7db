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
    "LabelLearningFlow": "weaksup.labelmodel.flows",
}

__all__ = ["LabelModel", "MajorityVote", "probs_to_preds", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'weaksup.labelmodel' has no attribute {name!r}")
