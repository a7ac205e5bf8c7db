"""``snorkel.labeling.model.baselines``: ``RandomVoter``, ``MajorityClassVoter``, ``MajorityLabelVoter``.

>>> import numpy as np
>>> from weaksup.compat.snorkel.labeling.model import MajorityLabelVoter
>>> MajorityLabelVoter().predict(np.array([[0, 0, 1], [0, 1, -1]])).tolist()
[0, -1]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup.compat.snorkel.labeling.model.base_labeler import BaseLabeler
from weaksup.compat.snorkel.labeling.model.label_model import _fit_unchecked
from weaksup.labelmodel.voting import MajorityVote

__all__ = ["RandomVoter", "MajorityClassVoter", "MajorityLabelVoter"]


class RandomVoter(BaseLabeler):
    """Random probabilities for every row (numpy's global generator, as snorkel)."""

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        Y_p = np.random.rand(np.shape(L)[0], self.cardinality)
        return Y_p / Y_p.sum(axis=1, keepdims=True)


class MajorityClassVoter(BaseLabeler):
    """Predicts the most frequent class of ``fit(balance)`` for every row (ties split evenly)."""

    def fit(self, balance: np.ndarray, *args: Any, **kwargs: Any) -> None:
        self.prior = np.asarray(balance, dtype=np.float64)

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        top = (self.prior == self.prior.max()).astype(np.float64)
        return np.tile(top / top.sum(), (np.shape(L)[0], 1))


class MajorityLabelVoter(BaseLabeler):
    """Majority vote of the non-abstaining LFs: probability split evenly among the tied winners,
    uniform on rows without votes (weaksup's ``MajorityVote(soft=False)``)."""

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        model = _fit_unchecked(MajorityVote(cardinality=self.cardinality, soft=False), np.asarray(L))
        return model.predict_proba(L)
