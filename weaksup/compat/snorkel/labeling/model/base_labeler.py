"""``snorkel.labeling.model.base_labeler.BaseLabeler``: predict / score with snorkel's abstain semantics."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from weaksup.compat.snorkel.analysis import Scorer
from weaksup.compat.snorkel.utils import probs_to_preds

__all__ = ["BaseLabeler"]


class BaseLabeler:
    """``predict(L, return_probs=False, tie_break_policy="abstain")`` and
    ``score(L, Y, metrics=["accuracy"], tie_break_policy="abstain") -> dict``.

    Ties return ``-1`` by default; ``score`` leaves abstained rows (and gold
    ``-1``) out of every metric except ``coverage``.
    """

    def __init__(self, cardinality: int = 2, **kwargs: Any) -> None:
        self.cardinality = cardinality

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict(self, L: np.ndarray, return_probs: bool | None = False,
                tie_break_policy: str = "abstain") -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        probs = self.predict_proba(L)
        preds = probs_to_preds(probs, tie_break_policy)
        return (preds, probs) if return_probs else preds

    def score(self, L: np.ndarray, Y: np.ndarray, metrics: list[str] | None = ["accuracy"],  # noqa: B006 - snorkel's default
              tie_break_policy: str = "abstain") -> dict[str, float]:
        if tie_break_policy == "random":
            logging.warning("Metrics calculated over data points with non-abstain labels only")
        preds, probs = self.predict(L, return_probs=True, tie_break_policy=tie_break_policy)
        return Scorer(metrics=metrics).score(np.asarray(Y), preds, probs)

    def save(self, destination: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no state to save")

    def load(self, source: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no state to load")
