"""Majority-vote label models."""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup.labelmodel.base import LabelModel, resolve_class_balance
from weaksup.votes import VoteMatrix

__all__ = ["MajorityVote"]


class MajorityVote(LabelModel):
    """Majority vote over non-abstaining LFs.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes (inferred from the votes when omitted).
    soft : bool
        ``True`` (WRENCH ``MajorityVoting``): probabilities are normalised
        vote counts.  ``False`` (snorkel ``MajorityLabelVoter``): probability
        1 on the winner, split evenly among tied winners.
    uncovered : {"uniform", "prior"}
        Probabilities for rows on which no LF votes.

    With the default ``predict(tie_break="random")`` (snorkel's deterministic
    sha1 rule) this reproduces WRENCH's published MV numbers exactly.

    Examples
    --------
    >>> import numpy as np
    >>> mv = MajorityVote().fit(np.array([[0, 0, 1], [1, -1, 1], [-1, -1, -1]]))
    >>> mv.predict_proba(np.array([[0, 0, 1]])).round(3).tolist()
    [[0.667, 0.333]]
    """

    def __init__(self, cardinality: int | None = None, soft: bool = True, uncovered: str = "uniform") -> None:
        self.cardinality = cardinality
        self.soft = soft
        self.uncovered = uncovered

    _fitted_attrs = ("class_balance_",)

    def _fit(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        if self.uncovered not in ("uniform", "prior"):
            raise ValueError(f"uncovered must be 'uniform' or 'prior', got {self.uncovered!r}")
        self.class_balance_ = resolve_class_balance(class_balance, dev, L, L.cardinality, "uniform")

    def partial_fit(self, votes: Any, **kwargs: Any) -> MajorityVote:
        """Majority vote has no statistics to accumulate: same as fit."""
        return self.fit(votes, **kwargs) if not hasattr(self, "n_lfs_") else self

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        counts = L.class_counts().astype(np.float64)
        total = counts.sum(axis=1, keepdims=True)
        if self.soft:
            probs = np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)
        else:
            winners = (counts == counts.max(axis=1, keepdims=True)) & (total > 0)
            probs = winners / np.maximum(winners.sum(axis=1, keepdims=True), 1)
        empty = total[:, 0] == 0
        fill = self.class_balance_ if self.uncovered == "prior" else np.full(L.cardinality, 1.0 / L.cardinality)
        probs[empty] = fill
        return probs

    def lf_accuracies(self) -> np.ndarray:
        raise NotImplementedError("MajorityVote weighs LFs equally and estimates no accuracies")
