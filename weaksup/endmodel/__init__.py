"""End models trained on weak (soft) labels, and COSINE self-training.

All share one contract (:mod:`weaksup.endmodel.base`): ``fit(X, y, *,
valid=None, sample_weight=None, seed=None)`` with hard labels or an ``n × k``
soft-label matrix, ``predict_proba``, ``predict``, ``score``,
``get_params/set_params``.  Torch and transformers load only when a torch
model is used: ``import weaksup.endmodel`` stays light.

>>> from weaksup.endmodel import LogisticRegression
>>> LogisticRegression().get_params()["C"]
1.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from weaksup._lazy import attach
from weaksup.endmodel.base import EndModel, check_targets
from weaksup.endmodel.linear import LogisticRegression

_LAZY = {
    "MLP": "weaksup.endmodel.mlp",
    "TransformerClassifier": "weaksup.endmodel.transformer",
    "Cosine": "weaksup.endmodel.cosine",
    "sharpen": "weaksup.endmodel.cosine",
    "confidence_weights": "weaksup.endmodel.cosine",
    "select_confident": "weaksup.endmodel.cosine",
    "weighted_kl": "weaksup.endmodel.cosine",
    "contrastive_loss": "weaksup.endmodel.cosine",
    "confidence_regulariser": "weaksup.endmodel.cosine",
}

if TYPE_CHECKING:  # the lazy names' real types for type checkers and IDEs; tests/test_typing_surface.py keeps
    # this block equal to _LAZY
    from weaksup.endmodel.cosine import (
        Cosine,
        confidence_regulariser,
        confidence_weights,
        contrastive_loss,
        select_confident,
        sharpen,
        weighted_kl,
    )
    from weaksup.endmodel.mlp import MLP
    from weaksup.endmodel.transformer import TransformerClassifier

__all__ = ["EndModel", "LogisticRegression", "check_targets", *_LAZY]

_getattr, __dir__ = attach(__name__, _LAZY)

if not TYPE_CHECKING:  # a module __getattr__ would make every misspelt name Any to type checkers
    __getattr__ = _getattr
