"""Votes → label model → soft labels → end model → metrics: the one place the two are composed.

End models never import label models, and label models never import end
models; :class:`Pipeline` wires them together.  It is a scikit-learn style
estimator: ``get_params``/``set_params`` with nested ``label_model__x`` /
``end_model__x`` keys, and ``fit`` clones both steps (``sklearn.base.clone``)
so the objects passed in are never modified; the fitted copies are
``label_model_`` and ``end_model_``.

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
>>> pipe.set_params(end_model__C=1.0).get_params()["end_model__C"]
1.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from weaksup._deprecate import warn_deprecated
from weaksup._params import ParamsMixin, accepts_param
from weaksup._validation import OneOf, check_is_fitted, check_params
from weaksup.endmodel.base import n_rows, take_rows
from weaksup.metrics import TIE_BREAKS, probs_to_preds
from weaksup.votes import check_votes

__all__ = ["Pipeline", "PipelineResult", "run_pipeline"]


@dataclass
class PipelineResult:
    """What :func:`run_pipeline` returns.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.endmodel import LogisticRegression
    >>> from weaksup.pipeline import PipelineResult, run_pipeline
    >>> from weaksup.synthetic import make_votes
    >>> L, y, _ = make_votes(600, 5, 2, seed=0)
    >>> X = np.eye(2)[y] * 2 + np.random.default_rng(0).normal(scale=0.5, size=(600, 2))
    >>> res = run_pipeline(L[:500], X[:500], LogisticRegression(), test=(X[500:], y[500:]), seed=0)
    >>> isinstance(res, PipelineResult), type(res.pipeline.label_model_).__name__, sorted(res.metrics)
    (True, 'MajorityVote', ['accuracy'])
    """

    pipeline: Pipeline
    metrics: dict[str, float] = field(default_factory=dict)
    label_model_metrics: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0


class Pipeline(ParamsMixin):
    """Label model + end model, fitted as one estimator.

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
        Train on the label model's probabilities (``True``) or its hard
        labels (``False``): the labels ``label_model_.predict(votes, tie_break, seed=seed)``
        gives the training rows, ties broken by the label model's rule on the whole vote matrix
        (its class balance for ``"prior"``, ``fit``'s ``seed`` for ``"true-random"``, the row of the
        votes for ``"random"``).
    tie_break : str
        Tie rule for hard labels and predictions (``"random"``: snorkel's and
        WRENCH's deterministic rule; see :func:`weaksup.metrics.probs_to_preds`).
    prefit : bool
        ``label_model`` is already fitted: use it as it is (not cloned, not
        refitted), e.g. to train several end models on one label model's labels.
        ``label_model`` must then be given (the default MajorityVote is never prefit).

    Attributes
    ----------
    label_model_, end_model_ : the fitted steps.
    covered_ : bool array, the training rows with at least one vote.
    train_labels_ : the labels the end model was trained on.
    """

    #: Checked when ``fit`` starts (:func:`weaksup._validation.check_params`), before the label model is fitted.
    _parameter_constraints: dict[str, list[Any]] = {
        "covered_only": [bool],
        "soft": [bool],
        "tie_break": [OneOf(*TIE_BREAKS)],
        "prefit": [bool],
    }

    def __init__(self, label_model: Any = None, end_model: Any = None, covered_only: bool = True,
                 soft: bool = True, tie_break: str = "random", prefit: bool = False) -> None:
        self.label_model = label_model
        self.end_model = end_model
        self.covered_only = covered_only
        self.soft = soft
        self.tie_break = tie_break
        self.prefit = prefit

    # ------------------------------------------------------------------ fit
    def _label_model(self) -> Any:
        from sklearn.base import clone

        if self.label_model is None:
            if self.prefit:
                raise ValueError("Pipeline(prefit=True) needs a fitted label_model, but label_model is None; pass "
                                 "the fitted label model, or prefit=False to fit the default MajorityVote()")
            from weaksup.labelmodel import MajorityVote

            return MajorityVote()
        if self.prefit:
            check_is_fitted(self.label_model, msg=f"Pipeline(prefit=True) needs a fitted label model; "
                                                  f"{self.label_model!r} is not fitted")
            return self.label_model
        return clone(self.label_model)

    def fit(self, votes: Any, X: Any, *, valid: Any = None, class_balance: Any = None, seed: int | None = None,
            dev: Any = None) -> Pipeline:
        """Fit the label model on ``votes`` and the end model on ``X`` with its labels.

        Parameters
        ----------
        votes : VoteMatrix or n×m int array
            Training votes.
        X : features, texts or sparse matrix, aligned with ``votes``
            Row ``i`` of ``X`` goes with row ``i`` of ``votes``: a pandas ``Series`` of texts or a
            ``DataFrame`` of features is read by position, whatever its index says.
        valid : tuple, optional
            ``(X_valid, y_valid)``: the end model early-stops / selects on it;
            ``(votes_valid, X_valid, y_valid)``: the label model also gets
            ``valid=(votes_valid, y_valid)``.
        class_balance : array, optional
            Class prior for the label model.
        seed : int, optional
        dev : deprecated
            Old name of the label model's ``(votes_valid, y_valid)``.
        """
        check_params(self)
        if self.end_model is None:
            raise ValueError("Pipeline needs an end_model (e.g. weaksup.endmodel.LogisticRegression())")
        from sklearn.base import clone

        L = check_votes(votes)
        if X is None:
            raise ValueError(f"Pipeline.fit: X is None; pass the end model's features (or texts), one row per row "
                             f"of the votes ({L.n} rows)")
        try:
            nx = n_rows(X)
        except TypeError:
            raise ValueError(f"Pipeline.fit: X must be the end model's features (or texts), one row per row of the "
                             f"votes ({L.n} rows), got a {type(X).__name__}") from None
        if L.n != nx:
            raise ValueError(f"votes have {L.n} rows but X has {nx}")
        lm_valid, em_valid = self._split_valid(valid, dev)
        covered = L.covered()
        if not covered.any():
            raise ValueError(f"no covered examples: no LF voted on any of the {L.n} training rows, "
                             "so there are no weak labels to train the end model on")
        lm = self._label_model()
        if not self.prefit:
            lm.fit(L, class_balance=class_balance, valid=lm_valid, seed=seed)
        rows = np.nonzero(covered)[0] if self.covered_only else np.arange(L.n)
        if self.soft:
            probs = lm.predict_proba(L)
            y = probs[rows]
        else:  # the label model's own labels: its prior ("prior"), fit's seed ("true-random"), the vote row ("random")
            preds, probs = lm.predict(L, self.tie_break, return_probs=True, seed=seed)
            y = preds[rows]
        em = clone(self.end_model)
        if not self.soft:
            # hard labels alone would give k = max(label) + 1: a class the label model never predicts on
            # these rows would drop out of the end model (and valid / score labels of it be refused)
            if hasattr(em, "_default_cardinality"):  # weaksup's end models; Cosine's k is its end model's
                em._default_cardinality(probs.shape[1])
            elif em.get_params().get("cardinality", 0) is None:
                em.set_params(cardinality=probs.shape[1])
        kwargs: dict[str, Any] = {"valid": em_valid, "seed": seed}
        if self.covered_only and not covered.all() and accepts_param(em, "unlabeled", "fit"):
            kwargs["unlabeled"] = take_rows(X, np.nonzero(~covered)[0])
        em.fit(take_rows(X, rows), y, **kwargs)
        self.covered_ = covered
        self.train_labels_ = y
        self.label_model_ = lm
        self.end_model_ = em
        return self

    @staticmethod
    def _split_valid(valid: Any, dev: Any) -> tuple[Any, Any]:
        """``(label-model valid, end-model valid)`` from the ``valid`` / ``dev`` arguments."""
        lm_valid = None
        if dev is not None:
            warn_deprecated("keyword 'dev' of Pipeline.fit()", "valid=(votes_valid, X_valid, y_valid)", stacklevel=4)
            lm_valid = dev
        if valid is None:
            return lm_valid, None
        if not isinstance(valid, (tuple, list)) or len(valid) not in (2, 3):
            raise ValueError("valid must be (X_valid, y_valid) or (votes_valid, X_valid, y_valid), "
                             f"got {type(valid).__name__}" + (f" of length {len(valid)}"
                                                              if isinstance(valid, (tuple, list)) else ""))
        if len(valid) == 3:
            if lm_valid is not None:
                raise TypeError("Pipeline.fit() got both dev (deprecated) and a (votes, X, y) valid; pass only valid")
            return (valid[0], valid[2]), (valid[1], valid[2])
        return lm_valid, tuple(valid)

    # ------------------------------------------------------------------ predict
    def _fitted(self) -> Any:
        check_is_fitted(self, "end_model_")
        return self.end_model_

    def predict_proba(self, X: Any) -> np.ndarray:
        """The end model's ``n × k`` class probabilities."""
        return self._fitted().predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """The end model's hard predictions (``tie_break`` decides ties)."""
        return probs_to_preds(self.predict_proba(X), self.tie_break)

    def score(self, X: Any, y: Any, metric: str | list[str] = "accuracy") -> Any:
        """The end model's score against gold labels (one metric name or a list).

        ``y`` holds a gold class ``0..k-1`` for every row of ``X``; a ``-1`` (unknown) is refused, as
        ``LabelModel.score`` refuses it: score the labelled rows only.  An ``n × k`` soft-label ``y`` is
        scored as its hard labels (ties by ``tie_break``; :meth:`weaksup.endmodel.EndModel.score`).
        """
        return self._fitted().score(X, y, metric=metric, tie_break=self.tie_break)


def run_pipeline(votes: Any, X: Any, end_model: Any, label_model: Any = None, *, valid: Any = None,
                 test: Any = None, test_votes: Any = None, metrics: tuple[str, ...] = ("accuracy",),
                 covered_only: bool = True, soft: bool = True, dev: Any = None,
                 seed: int | None = None) -> PipelineResult:
    """Fit a :class:`Pipeline` and score it on ``test = (X_test, y_test)``.

    With ``test_votes`` the label model is scored on the test split too.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.endmodel import LogisticRegression
    >>> from weaksup.pipeline import run_pipeline
    >>> from weaksup.synthetic import make_votes
    >>> L, y, _ = make_votes(600, 5, 2, seed=0)
    >>> X = np.eye(2)[y] * 2 + np.random.default_rng(0).normal(scale=0.5, size=(600, 2))
    >>> res = run_pipeline(L[:500], X[:500], LogisticRegression(), test=(X[500:], y[500:]),
    ...                    test_votes=L[500:], seed=0)
    >>> res.label_model_metrics, res.metrics  # the end model generalises past its noisy labels
    ({'accuracy': 0.73}, {'accuracy': 0.98})
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
