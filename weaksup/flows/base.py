"""The contract of feature-conditioned label models: ``fit(votes, X)``.

A :class:`FeatureLabelModel` learns ``p(y | x)`` from LF votes *and* the
examples' features, so every call takes both:

``fit(votes, X, *, class_balance=None, valid=None, seed=None) -> self``,
``predict_proba(votes, X)``, ``predict(votes, X, *, tie_break=...)``,
``score(votes, X, y, metric=...)``, ``lf_accuracies()``, sklearn-style
``get_params/set_params`` and ``save/load`` (:mod:`weaksup._persist`).

It shares parameter checking, the fitted shape (``cardinality_``, ``n_lfs_``,
``lf_names_``, plus ``n_features_`` and, fitted on a frame with string column names,
``feature_names_in_``, checked at predict as the end models check it), the not-fitted error and persistence
with :class:`~weaksup.labelmodel.base.LabelModel` through
:class:`~weaksup.labelmodel.base.BaseVoteModel`, but it is *not* a
``LabelModel``: code that only has votes never picks it up by mistake.
``valid`` is ``(votes, y)`` or ``(votes, y, X)``.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Self, TypeVar, cast, overload

import numpy as np

from weaksup._deprecate import renamed_kwargs, warn_deprecated
from weaksup._validation import (check_class_balance, check_feature_names, check_features, check_fit_votes,
                                  check_seed, checked_probs, feature_names)
from weaksup.labelmodel._kernels import lf_vote_counts
from weaksup.labelmodel.base import (_LF_VERSIONS_CHECKED, BaseVoteModel, check_valid_votes, lf_fingerprints,
                                     placeholder_names, probs_to_preds, score_probs)
from weaksup.votes import VoteMatrix, check_votes

__all__ = ["FeatureLabelModel", "SAVE_FORMAT"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _accept_old_score_call(func: _F) -> _F:
    """Keep the 0.1 call ``score(votes, y, metric, tie_break, X=X)`` working, with a DeprecationWarning."""

    @functools.wraps(func)
    def wrapper(self: Any, votes: Any, *args: Any, **kwargs: Any) -> Any:
        if "X" in kwargs and args and "y" not in kwargs:
            warn_deprecated(f"{type(self).__name__}.score(votes, y, metric, X=X)",
                            f"{type(self).__name__}.score(votes, X, y, metric)")
            X = kwargs.pop("X")
            y, *rest = args
            if len(rest) > 1:
                kwargs["tie_break"] = rest.pop(1)
            return func(self, votes, X, y, *rest, **kwargs)
        return func(self, votes, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


#: Format tag of feature-conditioned label-model files.
SAVE_FORMAT = "weaksup.FeatureLabelModel"


class FeatureLabelModel(BaseVoteModel, ABC):
    """Base class of label models conditioned on features (``fit(votes, X)``).

    Subclasses implement ``_fit(L, X, *, class_balance, valid, seed, **fit_params)``
    (``X`` a checked dense float array aligned with ``L``; ``valid`` None or
    ``(votes, y, X_valid or None)``) and ``_predict_proba(L, X)``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.flows import FeatureLabelModel
    >>> from weaksup.synthetic import make_votes
    >>> class NearestCentroid(FeatureLabelModel):
    ...     # class centroids of X under the majority vote; the nearest centroid predicts
    ...     def __init__(self, cardinality=None):
    ...         self.cardinality = cardinality
    ...     def _fit(self, L, X, *, class_balance, valid, seed):
    ...         mv = L.class_counts().argmax(1)
    ...         self.centroids_ = np.stack([X[mv == c].mean(0) for c in range(self.cardinality_)])
    ...     def _predict_proba(self, L, X):
    ...         d = -((X[:, None, :] - self.centroids_) ** 2).sum(-1)
    ...         e = np.exp(d - d.max(1, keepdims=True))
    ...         return e / e.sum(1, keepdims=True)
    >>> L, y, _ = make_votes(2000, 5, 2, seed=0)
    >>> X = np.eye(2)[y] + np.random.default_rng(0).normal(scale=0.3, size=(2000, 2))
    >>> model = NearestCentroid().fit(L, X)
    >>> bool((model.predict(L, X) == y).mean() > 0.95)
    True
    """

    _save_format: ClassVar[str] = SAVE_FORMAT
    _fit_call: ClassVar[str] = "fit(votes, X)"

    @renamed_kwargs(dev="valid")
    def fit(self, votes: Any, X: Any, *, class_balance: Any = None, valid: Any = None,
            seed: int | None = None, **fit_params: Any) -> Self:
        """Fit on votes (n×m) and features ``X`` (n×d); returns self.

        ``valid`` is ``(votes, y)`` or ``(votes, y, X)`` with gold labels
        (``dev=`` is a deprecated alias); its LF columns are matched to the
        training LFs by name, as :meth:`LabelModel.fit <weaksup.labelmodel.base.LabelModel.fit>`
        matches them (an unknown or missing LF is an error naming it).  The training votes get the
        label models' checks (:func:`weaksup._validation.check_fit_votes`): votes of fewer than two
        classes are refused, an LF that never fires and a class no LF votes are warned about.
        Constructor parameters are never changed.  A fit that raises leaves the model as it was
        before the call (fitted or not), as a label model's does.  ``seed``: None or an int in
        ``[0, 2**32 - 1]`` (:func:`weaksup._validation.check_seed`), checked first: anything else is a
        ``TypeError`` / ``ValueError`` naming ``<Model>.fit``.
        """
        seed = check_seed(seed, f"{type(self).__name__}.fit")
        self._validate_params()
        L = check_votes(votes, self.cardinality, min_lfs=self.min_lfs)
        names = feature_names(X)  # a frame's column names, checked at predict as the end models check them
        Xa = _features(X, "X", n_rows=L.n)
        k = L.cardinality
        valid_X = None
        if isinstance(valid, (tuple, list)) and len(valid) == 3:
            valid, valid_X = (valid[0], valid[1]), valid[2]
        # the valid votes' columns are matched to the training LFs exactly as label models match them: by whether
        # their names were given (placeholder_names), so LFs really named lf_0 .. are matched by name
        valid_checked = check_valid_votes(valid, k, L.m, lf_names=L.lf_names, placeholder=placeholder_names(L),
                                          train_fingerprints=lf_fingerprints(L), owner=type(self).__name__)
        if valid_checked is not None and valid_X is not None:
            check_feature_names(valid_X, names, "valid features", type(self).__name__)
            valid_X = _features(valid_X, "valid features", Xa.shape[1], n_rows=valid_checked[0].n)
        check_class_balance(class_balance, k)
        # the training-vote checks every label model runs: no rows / votes of fewer than two classes are
        # refused, an LF that never fires and a class no LF votes are warned about, naming them
        check_fit_votes(L, fired=lf_vote_counts(L))
        v = None if valid_checked is None else (valid_checked[0], valid_checked[1], valid_X)
        with self._unchanged_on_failure():  # a fit that raises leaves the model as it was, fitted or not
            self._reset()
            self._set_shape(L)
            self.n_features_ = int(Xa.shape[1])
            if names is not None:
                self.feature_names_in_ = names
            self._names_recorded = True  # a model pickled before feature_names_in_ existed is not checked
            self._fit(L, Xa, class_balance=class_balance, valid=v, seed=seed, **fit_params)
        return self

    @abstractmethod
    def _fit(self, L: VoteMatrix, X: np.ndarray, *, class_balance: Any,
             valid: tuple[VoteMatrix, np.ndarray, np.ndarray | None] | None, seed: int | None,
             **fit_params: Any) -> None:
        """Learn from checked votes and features."""

    def _check_predict_inputs(self, votes: Any, X: Any) -> tuple[VoteMatrix, np.ndarray]:
        L = self._check_predict_votes(votes)
        return L, self._check_X(X, "X", n_rows=L.n)

    def _check_X(self, X: Any, what: str = "X", n_rows: int | None = None) -> np.ndarray:
        """Features for the fitted model: a frame's columns against ``feature_names_in_`` by the end models' rule
        (:func:`weaksup._validation.check_feature_names`: other names or another order is a ``ValueError``, names
        on one side only warn), then :func:`weaksup._validation.check_features` with the fitted width."""
        self._check_fitted()
        if self.__dict__.get("_names_recorded"):
            check_feature_names(X, self.__dict__.get("feature_names_in_"), what, type(self).__name__)
        return _features(X, what, self.n_features_, n_rows=n_rows)

    def predict_proba(self, votes: Any, X: Any) -> np.ndarray:
        """``n × k`` class probabilities for votes and aligned features; rows sum to 1."""
        L, Xa = self._check_predict_inputs(votes, X)
        if L.n == 0:
            return np.zeros((0, self.cardinality_))
        return checked_probs(self._predict_proba(L, Xa), L.n, self.cardinality_, type(self).__name__)

    @abstractmethod
    def _predict_proba(self, L: VoteMatrix, X: np.ndarray) -> np.ndarray:
        """Probabilities for checked votes and features with at least one row."""

    def predict(self, votes: Any, X: Any, *, tie_break: str = "random", return_probs: bool = False,
                seed: int | None = None) -> Any:
        """Hard labels: argmax of :meth:`predict_proba` with the given tie-break."""
        seed = check_seed(seed, f"{type(self).__name__}.predict")
        probs = self.predict_proba(votes, X)
        preds = probs_to_preds(probs, tie_break, prior=getattr(self, "class_balance_", None), seed=seed)
        return (preds, probs) if return_probs else preds

    # one metric name gives its value, a list of names a dict of values: overloads say so, else every result
    # types as the union and ``flow.score(L, X, y) > 0.5`` fails a type checker
    @overload
    def score(self, votes: Any, X: Any, y: Any, metric: str = ..., *, tie_break: str = ...,
              seed: int | None = ...) -> float: ...

    @overload
    def score(self, votes: Any, X: Any, y: Any, metric: list[str], *, tie_break: str = ...,
              seed: int | None = ...) -> dict[str, float]: ...

    @_accept_old_score_call
    def score(self, votes: Any, X: Any, y: Any, metric: str | list[str] = "accuracy", *,
              tie_break: str = "random", seed: int | None = None) -> float | dict[str, float]:
        """Score against gold labels ``y`` with :mod:`weaksup.metrics` (one name or a list).

        The hard labels are :meth:`predict`'s with the same ``tie_break`` and ``seed`` (``seed`` fixes
        ``tie_break="true-random"``, which otherwise draws afresh on every call), as on a label model.
        """
        seed = check_seed(seed, f"{type(self).__name__}.score")
        L, _ = self._check_predict_inputs(votes, X)
        token = _LF_VERSIONS_CHECKED.set(True)  # said by the check above if at all: not again by predict_proba
        try:
            probs = self.predict_proba(votes, X)
        finally:
            _LF_VERSIONS_CHECKED.reset(token)
        return score_probs(probs, y, metric, tie_break, n=L.n,
                           cardinality=self.cardinality_, prior=getattr(self, "class_balance_", None), seed=seed)

    # ---------------------------------------------------------- persistence
    def _state(self, stream: bool = True) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """:meth:`LabelModel._state <weaksup.labelmodel.base.BaseVoteModel._state>` plus the feature names
        (None: fitted on an array), so a loaded model checks a frame's columns as the saved one did."""
        meta, arrays = super()._state(stream)
        if self.__dict__.get("_names_recorded"):
            names = self.__dict__.get("feature_names_in_")
            meta["feature_names_in_"] = None if names is None else [str(c) for c in names]
        return meta, arrays

    @classmethod
    def _from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any = "<state>") -> Any:
        model = super()._from_state(meta, arrays, path)
        if "feature_names_in_" in meta:  # a file written before has none: its model's columns go unchecked
            names = meta["feature_names_in_"]
            if names is not None:
                model.feature_names_in_ = np.asarray(names, dtype=object)
            model._names_recorded = True
        return model


def _features(X: Any, what: str, n_features: int | None = None, *, n_rows: int | None = None) -> np.ndarray:
    """:func:`~weaksup._validation.check_features` (dense) after refusing a masked array with masked cells:
    ``np.asarray`` would read the values hidden under the mask as features."""
    if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
        mask = np.ma.getmaskarray(X)
        first = tuple(int(v[0]) for v in np.nonzero(mask))
        at = f" (first: row {first[0]}, column {first[1]})" if len(first) == 2 else ""
        raise ValueError(f"{what} is a numpy masked array with {int(mask.sum())} masked value(s){at}, which would be "
                         f"read as the values hidden under the mask: fill them (np.ma.filled(X, value)) or "
                         f"drop those rows, and pass a plain array")
    return cast(np.ndarray, check_features(X, what, n_features, n_rows=n_rows, dense=True))
