"""The contract of label models whose votes are *values* (:class:`ValueVotes`), not classes.

A value label model learns from LF outputs that live in a :class:`LabelSpace`
(numbers, vectors, rankings, points of a metric space) and predicts values of
that space.  Its inputs differ from a classification label model's
(:class:`weaksup.labelmodel.base.LabelModel` takes a ``VoteMatrix`` of class
ids), so it has its own base:

* ``fit(votes, *, valid=None, seed=None) -> self`` where ``valid`` is a
  held-out ``(votes_valid, y_valid)`` pair of values;
* ``predict(votes, *, seed=None)`` -> values (array form per space);
* ``predict_proba(votes)`` -> ``n × k`` posterior, only for spaces that have one
  (finite spaces); other spaces raise ``NotImplementedError``;
* ``score(votes, y, *, metric=None)`` with the space's metrics;
* ``save(path)`` / ``load(path)`` through :mod:`weaksup._persist`
  (format tag ``"weaksup.ValueLabelModel"``);
* ``get_params`` / ``set_params`` from :class:`weaksup._params.ParamsMixin`;
  ``fit`` never writes a constructor parameter;
* :class:`weaksup._validation.NotFittedError` before ``fit``.

Subclasses implement ``_fit(V, valid, seed)``, ``_predict_values(V)`` (encoded
values) and ``_state()`` / ``_set_state()`` for persistence.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, TypeVar, overload

import numpy as np

from weaksup._deprecate import warn_deprecated
from weaksup._params import ParamsMixin
from weaksup._persist import (
    check_fitted_state,
    class_path,
    load_class,
    load_npz,
    load_npz_v0,
    model_from_meta,
    save_npz,
)
from weaksup._validation import check_is_fitted, check_seed, warn_silent_lfs
from weaksup.labelmodel.base import align_lfs, placeholder_names, plain_input
from weaksup.universal.spaces import LabelSpace
from weaksup.universal.values import ValueVotes, as_value_votes

__all__ = ["ValueLabelModel", "FORMAT"]

#: Format tag of saved value label models.
FORMAT = "weaksup.ValueLabelModel"

_Self = TypeVar("_Self", bound="ValueLabelModel")


class ValueLabelModel(ParamsMixin):
    """Base class of label models over a :class:`LabelSpace` (see the module docstring).

    Examples
    --------
    >>> from weaksup.universal import RealSpace, UniversalLabelModel, ValueLabelModel, make_synthetic
    >>> votes, y = make_synthetic(RealSpace(), [4.0, 1.0, 0.25], 3000, seed=0)
    >>> lm = UniversalLabelModel(RealSpace()).fit(votes, seed=0)
    >>> isinstance(lm, ValueLabelModel), lm.theta_.round(1).tolist()  # true θ: 4, 1, 0.25
    (True, [4.1, 1.0, 0.3])
    """

    space: LabelSpace
    #: Fewest LF columns ``fit`` accepts.
    min_lfs: ClassVar[int] = 1
    #: Attributes that exist once the model is fitted.
    _fitted_attrs: ClassVar[tuple[str, ...]] = ("n_lfs_", "lf_names_")

    # ------------------------------------------------------------------ fit
    def fit(self: _Self, votes: Any, *, valid: Any = None, seed: int | None = None,
            dev: Any = None, class_balance: Any = None) -> _Self:
        """Fit on unlabelled value votes.

        Parameters
        ----------
        votes : ValueVotes or array-like
            ``n × m`` LF outputs in ``self.space``.
        valid : (votes_valid, y_valid), optional
            Held-out votes with gold values; what a model does with them is
            in its docstring.
        seed : int, optional
            Seeds any random choice made while fitting.
        dev : deprecated
            Old name of ``valid``.
        class_balance : deprecated
            Ignored (value label models have no class prior to fix).

        A fit that raises (a refused ``valid``, too little overlap between LFs, an interrupt)
        leaves the model as it was before the call, fitted or not, as a label model's fit does.
        """
        if dev is not None:
            if valid is not None:
                raise TypeError(f"{type(self).__name__}.fit() got both 'dev' (deprecated) and 'valid'; "
                                f"pass only 'valid'")
            warn_deprecated(f"keyword 'dev' of {type(self).__name__}.fit()", "'valid'")
            valid = dev
        if class_balance is not None:
            warn_deprecated(f"keyword 'class_balance' of {type(self).__name__}.fit() (it was ignored)",
                            "nothing (drop it)")
        self._check_params()
        V = as_value_votes(votes, self.space)
        if V.m < self.min_lfs:
            raise ValueError(f"votes: {type(self).__name__} needs at least {self.min_lfs} LFs, got {V.m}")
        warn_silent_lfs(V.lf_names, (~V.abstain).sum(0), V.n, votes_type="ValueVotes")
        given_valid = valid
        valid = self._check_valid(valid)  # every check before anything changes
        if valid is not None and valid[0] is not None:
            # matched as the label models match them: by whether names were given, a plain array by position
            valid = (align_lfs(valid[0], V.lf_names, "valid votes", placeholder=placeholder_names(V),
                               plain=plain_input(given_valid[0], valid[0])), valid[1])
        # the label models' rule, by their mechanism (it saves and restores the instance dict, nothing else)
        with self._unchanged_on_failure():
            for attr in [a for a in vars(self) if a.endswith("_") and not a.endswith("__")]:
                delattr(self, attr)  # a refit starts from nothing
            self._fit(V, valid=valid, seed=seed)
            self.n_lfs_ = V.m
            self.lf_names_ = list(V.lf_names)
            # whether lf_names_ were made up (votes given no names), as a label model records it: align_lfs
            # matches by that, so a plain array in the fitted order is read by position after a select_lfs fit
            self._lf_names_placeholder_ = placeholder_names(V)
        return self

    def _check_params(self) -> None:
        """Validate hyper-parameters (before touching the data)."""
        if not isinstance(self.space, LabelSpace):
            raise TypeError(f"space must be a LabelSpace, got {type(self.space).__name__}")

    def _check_valid(self, valid: Any) -> tuple[ValueVotes | None, np.ndarray] | None:
        """``valid = (votes, y)`` -> (ValueVotes, encoded y); bare labels are a deprecated form."""
        if valid is None:
            return None
        if isinstance(valid, tuple) and len(valid) == 2:
            V = as_value_votes(valid[0], self.space, what="valid votes")
            y = self.space.encode(valid[1], what="valid labels")
            if len(y) != V.n:
                raise ValueError(f"valid votes have {V.n} rows but valid labels have {len(y)}")
            return V, y
        warn_deprecated(f"{type(self).__name__}.fit(valid=<labels only>)",
                        "valid=(votes_valid, y_valid) (or, for UniversalLabelModel's Gaussian prior from labels "
                        "alone, y_mean=/y_var=)")
        return None, self.space.encode(valid, what="valid labels")

    def _fit(self, V: ValueVotes, *, valid: tuple[ValueVotes | None, np.ndarray] | None,
             seed: int | None) -> None:
        raise NotImplementedError

    # -------------------------------------------------------------- predict
    def _check_predict(self, votes: Any) -> ValueVotes:
        check_is_fitted(self, self._fitted_attrs,
                        msg=f"{type(self).__name__} is not fitted yet; call fit(votes) first")
        V = as_value_votes(votes, self.space)
        # match LF columns by name as the classification label models do: the fitted per-LF parameters were
        # applied by position, so reordered or other LFs silently gave wrong predictions; a plain array is read
        # by position, as there
        return align_lfs(V, self.lf_names_, placeholder=self._lf_names_placeholder(), plain=plain_input(votes, V))

    def _lf_names_placeholder(self) -> bool | None:
        """Whether ``lf_names_`` were made up at fit (:func:`~weaksup.labelmodel.base.placeholder_names`); None for a
        model fitted or saved before weaksup recorded it (:func:`~weaksup.labelmodel.base.align_lfs` then judges by
        the names)."""
        flag = self.__dict__.get("_lf_names_placeholder_")
        return None if flag is None else bool(flag)

    def _predict_values(self, V: ValueVotes) -> np.ndarray:
        """Encoded predictions (the space's internal array form)."""
        raise NotImplementedError

    def predict(self, votes: Any, *, seed: int | None = None) -> np.ndarray:
        """Predicted values, in the array form of ``space.to_output`` (``seed``: for randomised models)."""
        check_seed(seed, f"{type(self).__name__}.predict")
        return self.space.to_output(self._predict_values(self._check_predict(votes)))

    def predict_proba(self, votes: Any) -> np.ndarray:
        """``n × k`` posterior over the points of a finite space; ``NotImplementedError`` elsewhere."""
        raise NotImplementedError(f"predict_proba needs a finite label space; {type(self.space).__name__} "
                                  f"predictions are values: use predict()")

    # one metric name (or None: the default) gives its value, a list of names a dict: overloads say so, else every
    # result types as the union and ``model.score(votes, y) < 0.1`` fails a type checker
    @overload
    def score(self, votes: Any, y: Any, metric: str | None = ...) -> float: ...

    @overload
    def score(self, votes: Any, y: Any, metric: list[str]) -> dict[str, float]: ...

    def score(self, votes: Any, y: Any, metric: str | list[str] | None = None) -> float | dict[str, float]:
        """Score predictions against gold values ``y`` with the space's metrics.

        ``metric``: one name (default ``space.default_metric``) or a list
        (then a dict name -> value); the names are ``space.metrics``.
        """
        V = self._check_predict(votes)
        yy = self.space.encode(y, what="y")
        if len(yy) != V.n:
            raise ValueError(f"votes have {V.n} rows but y has {len(yy)}")
        names = metric if isinstance(metric, list) else [metric or self.space.default_metric]
        for name in names:
            if name not in self.space.metrics:
                raise ValueError(f"unknown metric {name!r} for {type(self.space).__name__}; "
                                 f"choose from {self.space.metrics}")
        pred = self._predict_values(V)
        out = {name: self.space.score(pred, yy, name) for name in names}
        return out if isinstance(metric, list) else out[names[0]]

    # ---------------------------------------------------------- persistence
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Fitted state as (JSON-able meta, arrays); subclasses extend it."""
        meta: dict[str, Any] = {"n_lfs_": self.n_lfs_, "lf_names_": self.lf_names_}
        if self._lf_names_placeholder() is not None:
            meta["lf_names_placeholder_"] = self._lf_names_placeholder()
        return meta, {}

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.n_lfs_ = int(meta["n_lfs_"])
        self.lf_names_ = list(meta["lf_names_"])
        if "lf_names_placeholder_" in meta:  # a file from before it was recorded: align_lfs judges by the names
            self._lf_names_placeholder_ = bool(meta["lf_names_placeholder_"])

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write space, parameters and fitted state to ``path`` (npz + JSON, atomic, no pickle)."""
        check_is_fitted(self, self._fitted_attrs,
                        msg=f"{type(self).__name__} is not fitted yet; fit it before saving")
        params = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                  for k, v in self.get_params().items() if k != "space"}
        state, arrays = self._state()
        meta = {"class": class_path(self), "space": class_path(self.space), "space_config": self.space.config(),
                "params": params, "state": state}
        save_npz(path, FORMAT, meta, arrays)

    @classmethod
    def load(cls: type[_Self], path: str | os.PathLike[str]) -> _Self:
        """Read a model written by :meth:`save` (``cls`` itself or any weaksup subclass of it).

        The file is checked as a label model's is (:func:`weaksup._persist.model_from_meta`): every
        problem (no class or space entry, a parameter this weaksup does not know or whose value ``fit``
        would refuse, a missing fitted array) is a ``ValueError`` naming the file.
        """
        meta, arrays = load_npz(path, FORMAT, legacy=_read_v0)
        try:
            space_cls = load_class(meta["space"], LabelSpace, path=path)
            config = dict(meta["space_config"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a complete weaksup value label-model file (its metadata lacks or "
                             f"garbles {exc})") from exc
        try:
            space = space_cls(**config)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: the saved label space {space_cls.__name__}({config}) is invalid: {exc}") from exc
        model = model_from_meta(meta, cls, path, validate=lambda m: m._check_params(), what="value label-model",
                                args=(space,))
        state = meta.get("state", {})
        if not isinstance(state, dict):
            raise ValueError(f"{path}: not a complete weaksup value label-model file (its metadata garbles 'state': "
                             f"a {type(state).__name__}, not an object)")
        try:
            model._set_state(state, arrays)
        except (KeyError, TypeError, ValueError) as exc:
            missing = [a for a in model._fitted_attrs if a not in arrays and a not in state]
            if missing and isinstance(exc, KeyError):
                raise ValueError(f"{path}: the {type(model).__name__} in this file lacks fitted state {missing} (a "
                                 "damaged file, or one written by another weaksup version); refit the model and "
                                 "save it again") from exc
            raise ValueError(f"{path}: not a complete weaksup value label-model file (its metadata lacks or "
                             f"garbles {exc})") from exc
        check_fitted_state(model, model._fitted_attrs, path)
        return model


def _read_v0(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A UniversalLabelModel file in the 0.1 layout (bare class names, no format tag); read-only, one release."""
    old, arrays = load_npz_v0(path, "__meta__")
    if old.get("class") != "UniversalLabelModel" or not isinstance(old.get("space"), str):
        raise ValueError(f"{path}: not a weaksup value label model file")
    meta = {"class": "weaksup.universal.model.UniversalLabelModel",
            "space": f"weaksup.universal.spaces.{old['space']}", "space_config": old["space_config"],
            "params": old["params"], "state": {"n_lfs_": old["n_lfs_"], "lf_names_": old["lf_names_"]}}
    return meta, arrays
