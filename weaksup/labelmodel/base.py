"""The one contract every classification label model follows.

``fit(votes, *, class_balance=None, dev=None, seed=None) -> self``,
``predict_proba(votes)``, ``predict(votes, tie_break=...)``,
``score(votes, y, metric=...)``, ``lf_accuracies()``, sklearn-style
``get_params/set_params`` and ``save/load`` (JSON + npz, no pickle).

Votes may be a :class:`~weaksup.votes.VoteMatrix`, a dense int array or a
scipy sparse matrix in VoteMatrix's shifted convention (``vote + 1``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from weaksup.votes import ABSTAIN, VoteMatrix, as_vote_matrix

__all__ = [
    "LabelModel",
    "check_votes",
    "check_dev",
    "resolve_class_balance",
    "probs_to_preds",
    "TIE_BREAKS",
]

TIE_BREAKS = ("random", "abstain", "prior", "true-random")


def check_votes(votes: Any, cardinality: int | None = None, *, min_lfs: int = 1,
                what: str = "votes") -> VoteMatrix:
    """Validate and coerce votes; errors say what is wrong and where."""
    if votes is None:
        raise ValueError(f"{what} is None; pass an n×m vote matrix")
    try:
        L = as_vote_matrix(votes, cardinality)
    except ValueError as exc:
        raise ValueError(f"invalid {what}: {exc}") from exc
    if L.m < min_lfs:
        raise ValueError(f"{what} has {L.m} LF column(s); this model needs at least {min_lfs}")
    return L


def check_dev(dev: Any, n_lfs: int, cardinality: int) -> tuple[VoteMatrix, np.ndarray] | None:
    """Validate ``dev = (votes, y)``."""
    if dev is None:
        return None
    if not (isinstance(dev, (tuple, list)) and len(dev) == 2):
        raise ValueError("dev must be a (votes, y) pair")
    L_dev = check_votes(dev[0], cardinality, what="dev votes")
    y = check_labels(dev[1], cardinality, what="dev labels")
    if L_dev.n != len(y):
        raise ValueError(f"dev votes have {L_dev.n} rows but dev labels have {len(y)}")
    if L_dev.m != n_lfs:
        raise ValueError(f"dev votes have {L_dev.m} LFs but the training votes have {n_lfs}")
    return L_dev, y


def check_labels(y: Any, cardinality: int, what: str = "labels") -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise ValueError(f"{what} contain NaN at position {int(np.nonzero(np.isnan(arr))[0][0])}")
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{what} must be integer classes")
    elif arr.dtype.kind not in "iu" and len(arr):
        raise ValueError(f"{what} must be integer classes, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    bad = (arr < 0) | (arr >= cardinality)
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise ValueError(f"{what}: value {arr[i]} at position {i} is outside 0..{cardinality - 1}")
    return arr


def resolve_class_balance(class_balance: Any, dev: tuple[VoteMatrix, np.ndarray] | None,
                          L: VoteMatrix | None, cardinality: int, source: str = "uniform") -> np.ndarray:
    """Class prior: the argument, else dev-label frequencies, else ``source``.

    ``source`` is ``"uniform"`` or ``"votes"`` (frequency of majority-vote
    winners on covered rows, smoothed by one pseudo-count per class).
    """
    k = cardinality
    if class_balance is not None:
        p = np.asarray(class_balance, dtype=np.float64)
        if p.shape != (k,):
            raise ValueError(f"class_balance has shape {p.shape}; expected ({k},)")
        if np.any(~np.isfinite(p)) or np.any(p <= 0):
            raise ValueError(f"class_balance must be positive and finite, got {p.tolist()}")
        return p / p.sum()
    if dev is not None:
        counts = np.bincount(dev[1], minlength=k).astype(np.float64) + 1.0
        return counts / counts.sum()
    if source == "votes" and L is not None and L.n:
        counts = L.class_counts()
        covered = counts.sum(1) > 0
        winners = counts[covered].argmax(1)
        c = np.bincount(winners, minlength=k).astype(np.float64) + 1.0
        return c / c.sum()
    return np.full(k, 1.0 / k)


def _sha1_tie(i: int) -> int:
    return int(hashlib.sha1(str(i).encode()).hexdigest(), 16)


def probs_to_preds(probs: np.ndarray, tie_break: str = "random", *, prior: np.ndarray | None = None,
                   tol: float = 1e-5, seed: int | None = None, offset: int = 0) -> np.ndarray:
    """Turn probabilities into hard predictions with an explicit tie-break policy.

    ``"random"`` is snorkel's (and WRENCH's) deterministic rule: among tied
    classes pick index ``sha1(str(i)) % n_ties`` where ``i`` is the row index
    (plus ``offset``).  ``"abstain"`` returns -1 on ties, ``"prior"`` the tied
    class with the largest prior, ``"true-random"`` a seeded random choice.
    """
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}")
    probs = np.asarray(probs, dtype=np.float64)
    n = probs.shape[0]
    preds = probs.argmax(axis=1).astype(np.int64)
    if n == 0:
        return preds
    rmax = probs.max(axis=1, keepdims=True)
    tied = np.abs(probs - rmax) <= tol
    n_ties = tied.sum(axis=1)
    rows = np.nonzero(n_ties > 1)[0]
    rng = np.random.default_rng(seed) if tie_break == "true-random" else None
    for i in rows:
        idx = np.nonzero(tied[i])[0]
        if tie_break == "random":
            preds[i] = idx[_sha1_tie(int(i) + offset) % len(idx)]
        elif tie_break == "abstain":
            preds[i] = ABSTAIN
        elif tie_break == "prior":
            pr = prior if prior is not None else np.ones(probs.shape[1])
            preds[i] = idx[np.argmax(pr[idx])]
        else:
            preds[i] = rng.choice(idx)  # type: ignore[union-attr]
    return preds


class LabelModel:
    """Base class: subclasses implement ``_fit`` and ``_predict_proba``.

    Subclasses declare their hyper-parameters as ``__init__`` keyword
    arguments stored under the same attribute names (sklearn convention), and
    their fitted state as attributes ending in ``_`` listed in
    ``_fitted_attrs`` (numpy arrays or JSON-able values) for save/load.
    """

    #: Fewest LF columns the model can work with.
    min_lfs: int = 1
    #: Fitted attributes saved by :meth:`save`.
    _fitted_attrs: tuple[str, ...] = ()

    cardinality: int | None

    # ---------------------------------------------------------- sklearn API
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> LabelModel:
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; valid: {valid}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # --------------------------------------------------------------- contract
    def fit(self, votes: Any, *, class_balance: Any = None, dev: Any = None,
            seed: int | None = None) -> LabelModel:
        """Fit on an n×m vote matrix; returns self."""
        L = check_votes(votes, getattr(self, "cardinality", None), min_lfs=self.min_lfs)
        k = L.cardinality
        if getattr(self, "cardinality", None) is None:
            self.cardinality = k
        dev_checked = check_dev(dev, L.m, k)
        self.n_lfs_ = L.m
        self.lf_names_ = list(L.lf_names)
        self._fit(L, class_balance=class_balance, dev=dev_checked, seed=seed)
        return self

    def _fit(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_lfs_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(votes) first")

    def _check_predict_votes(self, votes: Any) -> VoteMatrix:
        self._check_fitted()
        L = check_votes(votes, self.cardinality)
        if L.m != self.n_lfs_:
            raise ValueError(f"votes have {L.m} LFs; the model was fitted on {self.n_lfs_}")
        return L

    def predict_proba(self, votes: Any) -> np.ndarray:
        """``n × k`` class probabilities; rows sum to 1."""
        L = self._check_predict_votes(votes)
        if L.n == 0:
            return np.zeros((0, self.cardinality))  # type: ignore[arg-type]
        return self._predict_proba(L)

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        raise NotImplementedError

    def predict(self, votes: Any, tie_break: str = "random", *, return_probs: bool = False,
                seed: int | None = None) -> Any:
        """Hard labels (``-1`` only with ``tie_break="abstain"``)."""
        probs = self.predict_proba(votes)
        preds = probs_to_preds(probs, tie_break, prior=getattr(self, "class_balance_", None), seed=seed)
        return (preds, probs) if return_probs else preds

    def score(self, votes: Any, y: Any, metric: str | list[str] = "accuracy",
              tie_break: str = "random") -> Any:
        """Score against gold labels with :mod:`weaksup.metrics` (one name or a list)."""
        from weaksup.metrics import score as _score

        L = self._check_predict_votes(votes)
        y = check_labels(y, self.cardinality, what="y")  # type: ignore[arg-type]
        if len(y) != L.n:
            raise ValueError(f"votes have {L.n} rows but y has {len(y)}")
        probs = self.predict_proba(L)
        preds = probs_to_preds(probs, tie_break, prior=getattr(self, "class_balance_", None))
        if isinstance(metric, str):
            return _score(metric, y, preds, probs)
        return {m: _score(m, y, preds, probs) for m in metric}

    def lf_accuracies(self) -> np.ndarray:
        """Estimated accuracy of each LF on the rows where it votes."""
        raise NotImplementedError(f"{type(self).__name__} does not estimate LF accuracies")

    # ---------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write parameters and fitted state to ``path`` (npz with JSON metadata; no pickle)."""
        self._check_fitted()
        meta: dict[str, Any] = {
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "params": self.get_params(),
            "n_lfs_": self.n_lfs_,
            "lf_names_": self.lf_names_,
            "json_attrs": {},
        }
        arrays: dict[str, np.ndarray] = {}
        for attr in self._fitted_attrs:
            value = getattr(self, attr)
            if isinstance(value, np.ndarray):
                arrays[attr] = value
            else:
                meta["json_attrs"][attr] = value
        arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LabelModel:
        """Load a model written by :meth:`save` (any LabelModel subclass)."""
        import importlib

        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["__meta__"]).decode())
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
        module, _, qual = meta["class"].rpartition(".")
        if not module.startswith("weaksup."):
            raise ValueError(f"{path}: refusing to load non-weaksup class {meta['class']!r}")
        klass = getattr(importlib.import_module(module), qual)
        if not (isinstance(klass, type) and issubclass(klass, cls)):
            raise ValueError(f"{path} holds a {meta['class']}, not a {cls.__name__}")
        model = klass(**meta["params"])
        model.n_lfs_ = meta["n_lfs_"]
        model.lf_names_ = meta["lf_names_"]
        for k, v in meta["json_attrs"].items():
            setattr(model, k, v)
        for k, v in arrays.items():
            setattr(model, k, v)
        return model
