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
from typing import Any, Self, overload

import numpy as np

from weaksup._deprecate import warn_deprecated
from weaksup._params import ParamsMixin, accepts_param
from weaksup._validation import OneOf, check_is_fitted, check_params
from weaksup.endmodel.base import EndModel, n_rows, take_rows
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
    label_model : LabelModel or str, optional
        Any :class:`weaksup.labelmodel.base.LabelModel` instance, or a label-model name or alias of
        :mod:`weaksup.labelmodel.registry` (``"DawidSkene"``, ``"mv"``: fitted with its defaults);
        default ``MajorityVote()``.  A class (``MajorityVote`` without ``()``) or an end model is refused.
    end_model : EndModel or str
        Any :mod:`weaksup.endmodel` model (``Cosine`` included), or an end-model registry name.
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
        if isinstance(self.label_model, str):
            if self.prefit:
                raise ValueError(f"Pipeline(prefit=True) needs a fitted label model, got the name "
                                 f"{self.label_model!r}; pass the fitted model itself")
            return _registry_model(self.label_model, "label", "label_model")()
        if self.prefit:
            check_is_fitted(self.label_model, msg=f"Pipeline(prefit=True) needs a fitted label model; "
                                                  f"{self.label_model!r} is not fitted")
            return self.label_model
        return clone(self.label_model)

    def fit(self, votes: Any, X: Any, *, valid: Any = None, class_balance: Any = None, seed: int | None = None,
            dev: Any = None) -> Self:
        """Fit the label model on ``votes`` and the end model on ``X`` with its labels.

        Parameters
        ----------
        votes : VoteMatrix or n×m int array
            Training votes.
        X : features, texts or sparse matrix, aligned with ``votes``
            Row ``i`` of ``X`` goes with row ``i`` of ``votes``: a pandas ``Series`` of texts or a
            ``DataFrame`` of features is read by position, whatever its index says (polars frames and
            pyarrow tables by row position too).
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
        _check_steps(self.label_model, self.end_model)
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
        _check_valid_shapes(valid, L, X)
        covered = L.covered()
        if not covered.any():
            raise ValueError(f"no covered examples: no LF voted on any of the {L.n} training rows, "
                             "so there are no weak labels to train the end model on")
        em = (_registry_model(self.end_model, "end", "end_model")() if isinstance(self.end_model, str)
              else clone(self.end_model))
        # the end model's hyper-parameters before the label model is fitted, not after
        if hasattr(em, "_check_params"):
            em._check_params()
        if hasattr(em, "_check_metric"):
            em._check_metric()
        # valid= and seed= go to an end model whose fit takes them (weaksup's); another classifier (a scikit-learn
        # one, or a scikit-learn Pipeline around a weaksup model) is fitted on (X, y) alone, and an end-model
        # valid it cannot take is refused now, before the label model is fitted
        # (a weaksup end model always takes them, also when its fit is wrapped by a decorator that hides them)
        own = isinstance(em, EndModel)
        takes_valid = own or accepts_param(em, "valid", "fit")
        takes_seed = own or accepts_param(em, "seed", "fit")
        if em_valid is not None and not takes_valid:
            raise ValueError(f"Pipeline.fit: valid=(X_valid, y_valid) is for the end model, but "
                             f"{type(em).__name__}.fit takes no valid= (no early stopping on held-out rows); "
                             "fit without valid, or use a weaksup end model")
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
        if not self.soft:
            # hard labels alone would give k = max(label) + 1: a class the label model never predicts on
            # these rows would drop out of the end model (and valid / score labels of it be refused)
            if hasattr(em, "_default_cardinality"):  # weaksup's end models; Cosine's k is its end model's
                em._default_cardinality(probs.shape[1])
            elif em.get_params().get("cardinality", 0) is None:
                em.set_params(cardinality=probs.shape[1])
        kwargs: dict[str, Any] = {"valid": em_valid} if takes_valid else {}
        if takes_seed:
            kwargs["seed"] = seed
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

    # one metric name gives its value, a list of names a dict of values (as EndModel.score): overloads say so,
    # else ``pipe.score(X, y) > 0.5`` is unchecked
    @overload
    def score(self, X: Any, y: Any, metric: str = ...) -> float: ...

    @overload
    def score(self, X: Any, y: Any, metric: list[str]) -> dict[str, float]: ...

    def score(self, X: Any, y: Any, metric: str | list[str] = "accuracy") -> float | dict[str, float]:
        """The end model's score against gold labels (one metric name or a list).

        ``y`` holds a gold class ``0..k-1`` for every row of ``X``; a ``-1`` (unknown) is refused, as
        ``LabelModel.score`` refuses it: score the labelled rows only.  An ``n × k`` soft-label ``y`` is
        scored as its hard labels (ties by ``tie_break``; :meth:`weaksup.endmodel.EndModel.score`).
        """
        return self._fitted().score(X, y, metric=metric, tie_break=self.tie_break)


def _describe(a: Any) -> str:
    """``a`` in a few words for an error message: its type, and its shape and dtype where it has them."""
    shape, dtype = getattr(a, "shape", None), getattr(a, "dtype", None)
    return type(a).__name__ + (f" of shape {tuple(shape)}" if shape is not None else "") + (
        f" ({dtype})" if dtype is not None else "")


def _check_valid_shapes(valid: Any, L: Any, X: Any) -> None:
    """``Pipeline.fit``'s ``valid`` (a 2- or 3-tuple, as ``_split_valid`` checked) against the training votes ``L``
    and features ``X``, before anything is fitted: the votes of a 3-tuple come first and have ``L``'s LF
    columns, ``X_valid`` and ``y_valid`` have as many rows, and ``X_valid`` as many features as ``X``."""
    if valid is None:
        return
    form = "(votes_valid, X_valid, y_valid)" if len(valid) == 3 else "(X_valid, y_valid)"
    Xv, yv = valid[-2], valid[-1]
    try:
        ny = len(yv)
    except TypeError:
        raise ValueError(f"Pipeline.fit: valid={form}: y_valid must be gold labels, one per row, got "
                         f"{_describe(yv)}") from None
    if len(valid) == 3:
        try:
            Lv = check_votes(valid[0], what="valid votes")
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Pipeline.fit: valid is (votes_valid, X_valid, y_valid), votes first, but valid[0] "
                             f"is no vote matrix ({exc}); it is a {_describe(valid[0])}: pass the validation "
                             "votes first, then the features and gold labels") from None
        if Lv.m != L.m:
            raise ValueError(f"Pipeline.fit: valid is (votes_valid, X_valid, y_valid), votes first, but valid[0] has "
                             f"{Lv.m} LF columns and the training votes {L.m} ({_describe(valid[0])}); pass the "
                             "validation votes of the same LFs first, then the features and gold labels")
        if Lv.n != ny:
            raise ValueError(f"Pipeline.fit: valid's votes_valid has {Lv.n} rows but y_valid has {ny}")
    try:
        nx = n_rows(Xv)
    except TypeError:
        raise ValueError(f"Pipeline.fit: valid={form}: X_valid must be the end model's features (or texts), one row "
                         f"per gold label, got {_describe(Xv)}") from None
    if nx != ny:
        raise ValueError(f"Pipeline.fit: valid's X_valid has {nx} rows but y_valid has {ny}")
    if getattr(X, "ndim", None) == 2 and getattr(Xv, "ndim", None) == 2 and Xv.shape[1] != X.shape[1]:
        raise ValueError(f"Pipeline.fit: valid's X_valid has {Xv.shape[1]} features but X has {X.shape[1]}; "
                         "pass the validation rows' features built as X's were")


def _registry_model(name: str, family: str, what: str) -> type:
    """The model class a registry name or alias (``"mv"``, ``"DawidSkene"``) names, of ``family``."""
    from weaksup.labelmodel.registry import model_names, spec

    try:
        sp = spec(name)
    except KeyError:
        raise ValueError(f"Pipeline: {what}={name!r} is not a registered model name; pass a model instance or one "
                         f"of {model_names(family)}") from None
    if sp.family != family:
        raise ValueError(f"Pipeline: {what}={name!r} names {sp.name}, a model of family {sp.family!r}, not {family!r}; "
                         f"pass one of {model_names(family)}")
    return sp.load()


def _check_steps(label_model: Any, end_model: Any) -> None:
    """Each step is a model of its kind (an instance, or a registry name), before anything is fitted."""
    from weaksup.labelmodel.base import LabelModel

    for what, model, example in (("label_model", label_model, "MajorityVote()"),
                                 ("end_model", end_model, "LogisticRegression()")):
        if isinstance(model, type):
            raise TypeError(f"Pipeline: {what} must be a model instance, got the class {model.__name__}; "
                            f"pass {model.__name__}() (with its parameters), e.g. {what}={example}")
        if model is None:
            continue
        if isinstance(model, str):
            _registry_model(model, what.split("_")[0], what)
            continue
        if not (hasattr(model, "fit") and hasattr(model, "predict_proba")):
            raise TypeError(f"Pipeline: {what} must be a model with fit and predict_proba (e.g. {example}), "
                            f"got a {type(model).__name__}")
    if label_model is not None and not isinstance(label_model, str) \
            and not (isinstance(label_model, LabelModel) or accepts_param(label_model, "class_balance", "fit")):
        raise TypeError(f"Pipeline: label_model={type(label_model).__name__}(...) is not a label model (its fit "
                        "takes no votes / class_balance); is it an end model? Pass it as end_model, and a label "
                        "model such as MajorityVote() as label_model")
    if isinstance(end_model, LabelModel):
        raise TypeError(f"Pipeline: end_model={type(end_model).__name__}(...) is a label model (it fits votes, not "
                        "features); pass it as label_model, and an end model such as LogisticRegression() as "
                        "end_model")


def _check_test(votes: Any, label_model: Any, test: Any, test_votes: Any,
                metrics: Any) -> tuple[str, ...]:
    """``run_pipeline``'s scoring arguments checked before anything is fitted: the metric names (one name or a
    sequence of names) and ``test`` / ``test_votes`` (shapes, gold labels, vote columns).  Returns the metric names
    as a tuple."""
    from weaksup.metrics import METRICS, _entry, score

    if isinstance(metrics, str):
        metrics = (metrics,)
    try:
        metrics = tuple(metrics)
    except TypeError:
        raise ValueError(f"run_pipeline: metrics must be a metric name or a sequence of names from "
                         f"{tuple(METRICS)}, got {metrics!r}") from None
    for m in metrics:
        if not isinstance(m, str) or m not in METRICS:
            raise ValueError(f"run_pipeline: unknown metric {m!r} in metrics; choose from {tuple(METRICS)}")
    if test is None:
        if test_votes is not None:
            raise ValueError("run_pipeline: test_votes are scored against test's gold labels, but test is None; "
                             "pass test=(X_test, y_test) too")
        return metrics
    if not isinstance(test, (tuple, list)) or len(test) != 2:
        raise ValueError("run_pipeline: test must be (X_test, y_test), got "
                         + type(test).__name__ + (f" of length {len(test)}" if isinstance(test, (tuple, list)) else ""))
    Xt, yt = test
    L = check_votes(votes)
    k = L.cardinality
    params = label_model.get_params(deep=False) if hasattr(label_model, "get_params") else {}
    if isinstance(params.get("cardinality"), (int, np.integer)) and not isinstance(params["cardinality"], bool):
        k = int(params["cardinality"])
    from weaksup._validation import check_labels

    try:
        y = check_labels(yt, k, what="test's y_test", ravel_column=True)
    except ValueError as exc:
        raise ValueError(f"run_pipeline: {exc} (gold class ids of the {k} classes)") from None
    try:
        nx = n_rows(Xt)
    except TypeError:
        raise ValueError(f"run_pipeline: test's X_test must be features (or texts), one row per gold label, got a "
                         f"{type(Xt).__name__}") from None
    if nx != len(y):
        raise ValueError(f"run_pipeline: test's X_test has {nx} rows but y_test has {len(y)}")
    from weaksup.dask_votes import is_dask_votes

    if test_votes is not None and not is_dask_votes(test_votes):  # scored as given; checked here, not converted
        Lt = check_votes(test_votes, k, what="test_votes")
        if Lt.n != len(y):
            raise ValueError(f"run_pipeline: test_votes have {Lt.n} rows but y_test has {len(y)}")
        if Lt.m != L.m:
            raise ValueError(f"run_pipeline: test_votes have {Lt.m} LF columns but the training votes have {L.m}")
        from weaksup.labelmodel.base import align_lfs, placeholder_names, plain_input

        try:  # the LFs matched as the fitted label model will match them in scoring (by name where both are named)
            align_lfs(Lt, L.lf_names, what="test_votes", placeholder=placeholder_names(L),
                      plain=plain_input(test_votes, Lt))
        except ValueError as exc:
            raise ValueError(f"run_pipeline: {exc} (the training votes' LFs: {list(L.lf_names)})") from None
    onehot = np.eye(k)[y]
    for m in metrics:  # a dry run on the gold labels: e.g. a binary metric of 3 classes fails here, not after fit
        if _entry(m).needs == "sequences":
            raise ValueError(f"run_pipeline: metric {m!r} scores tag sequences; a Pipeline predicts class labels")
        try:
            score(m, y, y, onehot)
        except ValueError as exc:
            raise ValueError(f"run_pipeline: metric {m!r} cannot score the test labels ({k} classes): {exc}") from None
    return metrics


def run_pipeline(votes: Any, X: Any, end_model: Any, label_model: Any = None, *, valid: Any = None,
                 test: Any = None, test_votes: Any = None, metrics: str | tuple[str, ...] = ("accuracy",),
                 covered_only: bool = True, soft: bool = True, dev: Any = None,
                 seed: int | None = None) -> PipelineResult:
    """Fit a :class:`Pipeline` and score it on ``test = (X_test, y_test)``.

    With ``test_votes`` the label model is scored on the test split too.  ``metrics`` is one metric name or a
    sequence of names.  The metric names, ``test`` (rows of ``X_test`` against ``y_test``, gold class ids of the
    label model's classes) and ``test_votes`` (rows, LF columns) are checked before anything is fitted, so a bad
    one never costs the fit; so are the two steps (``label_model`` / ``end_model``: a model instance, or a
    registry name such as ``"DawidSkene"``).

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
    _check_steps(label_model, end_model)
    metrics = _check_test(votes, label_model, test, test_votes, metrics)  # before the fit, not after it
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
