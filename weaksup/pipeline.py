"""Votes → label model → soft labels → end model → metrics (composition only).

End models never import label models; this module wires them together.

Example
-------
>>> import numpy as np
>>> from weaksup.pipeline import Pipeline
>>> from weaksup.endmodel import LogisticRegression
>>> votes = np.array([[0, -1], [0, 0], [1, -1], [1, 1], [-1, -1]])
>>> X = np.array([[0.0], [0.1], [1.0], [1.1], [0.5]])
>>> pipe = Pipeline(end_model=LogisticRegression(C=100.0)).fit(votes, X)
>>> pipe.covered_.tolist(), pipe.predict(X[:4]).tolist()
([True, True, True, True, False], [0, 0, 1, 1])
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from weaksup.endmodel.base import n_rows, take_rows

__all__ = ["Pipeline", "PipelineResult", "run_pipeline"]


@dataclass
class PipelineResult:
    """What :func:`run_pipeline` returns."""

    pipeline: Pipeline
    metrics: dict[str, float] = field(default_factory=dict)
    label_model_metrics: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0


class Pipeline:
    """Label model + end model.

    Parameters
    ----------
    label_model : LabelModel, optional
        Any :class:`weaksup.labelmodel.base.LabelModel`; default ``MajorityVote()``.
    end_model : EndModel
        Any :mod:`weaksup.endmodel` model (``Cosine`` included).
    covered_only : bool
        Train the end model on rows where at least one LF voted (WRENCH
        protocol).  Uncovered rows are handed to end models whose ``fit``
        accepts ``unlabeled=`` (COSINE's self-training pool).
    soft : bool
        Train on the label model's probabilities (``True``) or its argmax.
    """

    def __init__(self, label_model: Any = None, end_model: Any = None, covered_only: bool = True,
                 soft: bool = True) -> None:
        self.label_model = label_model
        self.end_model = end_model
        self.covered_only = covered_only
        self.soft = soft

    def fit(self, votes: Any, X: Any, *, valid: Any = None, dev: Any = None, class_balance: Any = None,
            seed: int | None = None) -> Pipeline:
        """Fit the label model on ``votes`` and the end model on ``X`` with its labels.

        ``valid = (X_valid, y_valid)`` early-stops the end model; ``dev =
        (votes_dev, y_dev)`` goes to the label model.
        """
        from weaksup.labelmodel import MajorityVote
        from weaksup.labelmodel.base import check_votes, probs_to_preds

        if self.end_model is None:
            raise ValueError("Pipeline needs an end_model (e.g. weaksup.endmodel.LogisticRegression())")
        L = check_votes(votes)
        if L.n != n_rows(X):
            raise ValueError(f"votes have {L.n} rows but X has {n_rows(X)}")
        covered = np.asarray(L.class_counts().sum(axis=1) > 0).ravel()
        if not covered.any():
            raise ValueError(f"no covered examples: no LF voted on any of the {L.n} training rows, "
                             "so there are no weak labels to train the end model on")
        self.covered_ = covered
        lm = self.label_model if self.label_model is not None else MajorityVote()
        lm.fit(L, class_balance=class_balance, dev=dev, seed=seed)
        self.label_model_ = lm
        probs = lm.predict_proba(L)
        rows = np.nonzero(covered)[0] if self.covered_only else np.arange(L.n)
        y = probs[rows] if self.soft else probs_to_preds(probs[rows], "random")
        self.train_labels_ = y
        kwargs: dict[str, Any] = {"valid": valid, "seed": seed}
        if self.covered_only and not covered.all() and "unlabeled" in inspect.signature(self.end_model.fit).parameters:
            kwargs["unlabeled"] = take_rows(X, np.nonzero(~covered)[0])
        self.end_model.fit(take_rows(X, rows), y, **kwargs)
        self.end_model_ = self.end_model
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.end_model_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        return self.end_model_.predict(X)

    def score(self, X: Any, y: Any, metric: str | list[str] = "accuracy") -> Any:
        return self.end_model_.score(X, y, metric=metric)


def run_pipeline(votes: Any, X: Any, end_model: Any, label_model: Any = None, *, valid: Any = None,
                 test: Any = None, test_votes: Any = None, metrics: tuple[str, ...] = ("accuracy",),
                 covered_only: bool = True, soft: bool = True, dev: Any = None,
                 seed: int | None = None) -> PipelineResult:
    """Fit a :class:`Pipeline` and score it on ``test = (X_test, y_test)``.

    With ``test_votes`` the label model is scored on the test split too.
    """
    t0 = time.process_time()
    pipe = Pipeline(label_model, end_model, covered_only=covered_only, soft=soft)
    pipe.fit(votes, X, valid=valid, dev=dev, seed=seed)
    res = PipelineResult(pipe, fit_seconds=time.process_time() - t0)
    if test is not None:
        Xt, yt = test
        res.metrics = {m: float(pipe.score(Xt, yt, metric=m)) for m in metrics}
        if test_votes is not None:
            res.label_model_metrics = {m: float(pipe.label_model_.score(test_votes, yt, metric=m))
                                       for m in metrics}
    return res
