"""COSINE: contrastive self-training on weak labels (Yu et al., NAACL 2021), paper-faithful.

Stage 1 trains the end model (an :class:`~weaksup.endmodel.MLP` over
precomputed features, or a :class:`~weaksup.endmodel.TransformerClassifier`)
on the covered, weakly labelled rows with validation early stopping.  Stage 2
self-trains it for ``T2`` steps; every ``T3`` steps the current model becomes
the teacher and, on the self-training pool (covered + uncovered rows):

1. soft pseudo-labels by soft-frequency sharpening (:func:`sharpen`),
   ``ỹ_ij ∝ f_ij² / Σ_i' f_i'j`` with the class frequency taken over the pool;
2. confidence ``ω_i = 1 − H(ỹ_i)/log C`` (:func:`confidence_weights`), keep
   ``ω_i > ξ`` (:func:`select_confident`); ``confidence_on="teacher"`` takes
   the paper's ``ω_i = 1 − H(f_i)/log C`` on the teacher's probabilities ``f``;
3. mini-batches of kept rows minimise
   ``L_c + λ·R1 + λ'·R2`` where ``L_c = mean_i ω_i KL(ỹ_i ‖ p_θ(x_i))``
   (:func:`weighted_kl`), ``R1`` the contrastive regulariser on the
   *student's* features over all pairs of the batch (:func:`contrastive_loss`;
   gradient flows into the student) and ``R2 = mean_i KL(u ‖ p_θ(x_i))``
   (:func:`confidence_regulariser`).

Deliberate differences from the public code (see docs/end_models.md): the
contrastive term uses the student's features (the original's teacher features
give no gradient), ω is normalised by log C (not log batch-size), the weighted
KL is averaged (not summed), targets are not passed through a second softmax,
confident rows are sampled at random (not a fixed dataset prefix), and by default
ω is computed on the sharpened pseudo-labels ``ỹ`` (the paper and the original
code take it on the teacher's probabilities ``f``, before sharpening:
``confidence_on="teacher"``; sharpening makes rows more confident, so more pass ``ξ``).

Example
-------
>>> import numpy as np
>>> from weaksup.endmodel import sharpen
>>> sharpen(np.array([[0.9, 0.1], [0.6, 0.4]])).round(4).tolist()
[[0.9643, 0.0357], [0.4286, 0.5714]]
"""

from __future__ import annotations

import copy
import time
import warnings
from typing import Any, Self

import numpy as np

from weaksup._deprecate import renamed_kwargs
from weaksup._validation import Interval, OneOf, check_params, check_prob_rows, feature_names, user_stacklevel
from weaksup.endmodel.base import (
    EndModel,
    check_kept_weight,
    check_valid,
    check_weighted_classes,
    concat_rows,
    n_rows,
    resolve_seed,
    take_rows,
)

__all__ = [
    "Cosine",
    "sharpen",
    "confidence_weights",
    "select_confident",
    "weighted_kl",
    "contrastive_loss",
    "confidence_regulariser",
]


# ------------------------------------------------------------------ pieces
_SUM_TOL = 1e-4  # a probability row's sum may be off 1 by float32 rounding (a softmax over many classes)


def sharpen(probs: Any, power: float = 2.0, class_frequency: bool = True) -> np.ndarray:
    """Soft-frequency sharpening: ``ỹ_ij = (f_ij^p / F_j) / Σ_j' (f_ij'^p / F_j')``, ``F_j = Σ_i f_ij``.

    Dividing by the class frequency ``F_j`` (over the rows given) keeps the
    sharpened labels from collapsing onto the majority class (the paper's
    choice).  On a skewed pool it also moves rows the teacher gives mostly to
    the majority class over to the minority one (with 87 % / 13 % classes,
    ``f = (0.7, 0.3)`` becomes minority); ``class_frequency=False`` sharpens by
    the power alone, ``ỹ_ij = f_ij^p / Σ_j' f_ij'^p``.

    ``probs`` must be ``n × k`` class probabilities (finite, >= 0, rows summing to 1 within 1e-4) and
    ``power`` a finite number > 0 (0 would make every row uniform, a negative power invert it):
    anything else is a ValueError naming the entry.

    >>> import numpy as np
    >>> from weaksup.endmodel import sharpen
    >>> sharpen(np.array([[0.9, 0.1], [0.6, 0.4]]), class_frequency=False).round(4).tolist()
    [[0.9878, 0.0122], [0.6923, 0.3077]]
    """
    f = check_prob_rows(probs, "sharpen: probs", sum_tol=_SUM_TOL)
    if not Interval(0, None, closed="neither").accepts(power):
        raise ValueError(f"sharpen: power must be a finite number > 0 (0 makes every row uniform, a negative power "
                         f"inverts it), got {power!r}")
    return _sharpen(f, power, class_frequency)


def _sharpen(f: np.ndarray, power: float, class_frequency: bool) -> np.ndarray:
    """:func:`sharpen` on checked rows (``Cosine.fit``'s teacher outputs)."""
    t = f ** power
    if class_frequency:
        t = t / np.maximum(f.sum(axis=0), 1e-12)
    t = t + 1e-12
    return t / t.sum(axis=1, keepdims=True)


def confidence_weights(probs: Any) -> np.ndarray:
    """``ω_i = 1 − H(p_i) / log C`` with ``0·log 0 = 0`` (1 for one-hot, 0 for uniform).

    ``probs`` must be ``n × C`` class probabilities, ``C >= 2`` (finite, >= 0, rows summing to 1 within
    1e-4); anything else is a ValueError naming the entry.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.endmodel import confidence_weights
    >>> confidence_weights(np.array([[1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])).round(3).tolist()
    [1.0, 0.0, 0.531]
    """
    p = check_prob_rows(probs, "confidence_weights: probs", sum_tol=_SUM_TOL)
    if p.shape[1] < 2:
        raise ValueError(f"confidence weights need at least 2 classes, got probs of shape {p.shape}")
    return _confidence_weights(p)


def _confidence_weights(p: np.ndarray) -> np.ndarray:
    """:func:`confidence_weights` on checked rows."""
    ent = -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=1)
    return 1.0 - ent / np.log(p.shape[1])


def select_confident(weights: Any, thresh: float) -> np.ndarray:
    """Indices of rows with ``ω_i > ξ`` (strictly greater, as in the paper).

    ``weights`` must be a 1-D array of finite confidences and ``thresh`` a number in ``[0, 1)`` (as
    ``Cosine(thresh=)``: no ``ω`` exceeds 1): anything else is a ValueError.

    Examples
    --------
    >>> from weaksup.endmodel import select_confident
    >>> select_confident([1.0, 0.0, 0.531, 0.5], 0.5).tolist()
    [0, 2]
    """
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"select_confident: weights must be a 1-D numeric array: {exc}") from None
    if w.ndim != 1:
        raise ValueError(f"select_confident: weights must be 1-D (one confidence per row), got shape {w.shape}")
    bad = ~np.isfinite(w)
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise ValueError(f"select_confident: weights[{i}] = {w[i]} is not finite; {int(bad.sum())} non-finite "
                         f"value(s) in total")
    if not Interval(0, 1, closed="left").accepts(thresh):
        raise ValueError(f"select_confident: thresh must be a number in [0, 1) (no confidence exceeds 1), "
                         f"got {thresh!r}")
    return np.nonzero(w > thresh)[0]


def _as_tensor(a: Any, what: str, where: str) -> Any:
    """``a`` as a torch tensor (a tensor unchanged, a numpy array or list converted)."""
    import torch

    if isinstance(a, torch.Tensor):
        return a
    try:
        return torch.as_tensor(np.asarray(a))
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"{where}: {what} must be a numeric tensor or array: {exc}") from None


def weighted_kl(targets: Any, log_probs: Any, weights: Any) -> Any:
    """``mean_i ω_i · KL(ỹ_i ‖ p_i)`` (torch; averaged over the batch, not summed).

    ``targets`` and ``log_probs`` are ``B × C``, ``weights`` has ``B`` entries (tensors, or arrays converted
    to tensors); other shapes are a ValueError.

    Examples
    --------
    >>> import torch
    >>> from weaksup.endmodel import weighted_kl
    >>> targets = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> log_probs = torch.log(torch.tensor([[0.5, 0.5], [0.25, 0.75]]))
    >>> round(float(weighted_kl(targets, log_probs, torch.ones(2))), 4)  # (log 2 - log 0.75) / 2
    0.4904
    """
    import torch

    t, log_probs, weights = (_as_tensor(a, what, "weighted_kl") for a, what in
                             ((targets, "targets"), (log_probs, "log_probs"), (weights, "weights")))
    if t.ndim != 2 or t.shape != log_probs.shape or weights.shape != t.shape[:1]:
        raise ValueError(f"weighted_kl: targets and log_probs must both be B × C and weights B, got targets "
                         f"{tuple(t.shape)}, log_probs {tuple(log_probs.shape)}, weights {tuple(weights.shape)}")
    logt = torch.where(t > 0, torch.log(t.clamp_min(1e-30)), torch.zeros_like(t))
    kl = (t * (logt - log_probs)).sum(dim=-1)
    return (weights * kl).mean()


def contrastive_loss(features: Any, targets: Any, margin: float = 1.0, distance: str = "l2") -> Any:
    """Contrastive regulariser R1 over all ``B×B`` pairs of a batch (torch).

    ``W_ij = 1[argmax ỹ_i = argmax ỹ_j]``; ``d_ij = ||v_i − v_j||² / dim``
    (``"l2"``, scaled Euclidean) or ``1 − cos(v_i, v_j)`` (``"cos"``);
    ``ℓ_ij = W_ij d_ij² + (1 − W_ij) max(0, γ − d_ij)²`` and
    ``R1 = (1/B²) Σ_ij ℓ_ij``.  ``features`` are the student's, so the
    gradient reaches the student's parameters.  ``features`` is ``B × dim`` and ``targets`` ``B`` class ids
    or ``B × C`` soft labels (tensors, or arrays converted to tensors); other shapes are a ValueError.

    Examples
    --------
    >>> import torch
    >>> from weaksup.endmodel import contrastive_loss
    >>> v = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    >>> float(contrastive_loss(v, torch.tensor([0, 0, 1]), margin=1.0))  # same class: d = 0; other: d = 1 = margin
    0.0
    >>> round(float(contrastive_loss(v, torch.tensor([0, 0, 1]), margin=2.0)), 4)  # 4 cross pairs of (2 - 1)^2, / 9
    0.4444
    """
    import torch
    import torch.nn.functional as F

    v = _as_tensor(features, "features", "contrastive_loss")
    targets = _as_tensor(targets, "targets", "contrastive_loss")
    if v.ndim != 2:
        raise ValueError(f"contrastive_loss: features must be B×dim, got shape {tuple(v.shape)}")
    if targets.ndim not in (1, 2) or targets.shape[0] != v.shape[0]:
        raise ValueError(f"contrastive_loss: targets must be B class ids or B × C soft labels for the B = "
                         f"{v.shape[0]} feature rows, got shape {tuple(targets.shape)}")
    lab = targets.argmax(dim=-1) if targets.ndim == 2 else targets
    W = (lab[:, None] == lab[None, :]).to(v.dtype)
    if distance == "l2":
        diff = v[:, None, :] - v[None, :, :]
        d = (diff * diff).sum(dim=-1) / v.shape[1]
    elif distance == "cos":
        vn = F.normalize(v, dim=-1)
        d = 1.0 - vn @ vn.T
    else:
        raise ValueError(f"distance must be 'l2' or 'cos', got {distance!r}")
    loss = W * d.pow(2) + (1.0 - W) * torch.clamp(margin - d, min=0.0).pow(2)
    return loss.mean()


def confidence_regulariser(log_probs: Any) -> Any:
    """R2 = ``mean_i KL(u ‖ p_i) = mean_i Σ_j (1/C)(log(1/C) − log p_ij)`` (torch).

    Examples
    --------
    >>> import torch
    >>> from weaksup.endmodel import confidence_regulariser
    >>> float(confidence_regulariser(torch.log(torch.tensor([[0.5, 0.5]]))))  # uniform: KL(u || p) = 0
    0.0
    >>> round(float(confidence_regulariser(torch.log(torch.tensor([[0.25, 0.75]])))), 4)
    0.1438
    """
    C = log_probs.shape[-1]
    logu = -float(np.log(C))
    return ((logu - log_probs).sum(dim=-1) / C).mean()


# ------------------------------------------------------------------ model
def _fitted_attrs(model: Any) -> list[str]:
    """The names of ``model``'s fitted attributes (trailing ``_``, not dunder)."""
    return [a for a in vars(model) if a.endswith("_") and not a.endswith("__")]


class Cosine(EndModel):
    """Contrastive self-training around a torch end model.

    Parameters
    ----------
    end_model : MLP or TransformerClassifier, optional
        Template (cloned, never modified); default ``MLP()``.
    self_training_steps : int
        ``T2``, stage-2 optimiser steps (script: 2500).
    teacher_update : int
        ``T3``, steps between teacher refreshes (code default 100).
    thresh : float
        ``ξ``: keep rows with confidence ``ω > ξ`` (script: 0.6).
    margin : float
        ``γ`` of the contrastive term (1).
    contrastive_weight : float
        ``λ`` (1).
    confreg_weight : float
        ``λ'`` of R2 (0.1).
    distance : {"l2", "cos"}
        Feature distance of the contrastive term.
    power : float
        Sharpening power (2).
    class_frequency : bool
        Divide by the pool's soft class frequency when sharpening (paper:
        ``True``).  ``False`` suits skewed classes: on WRENCH SMS (13 % spam)
        frequency sharpening relabels borderline ham as spam and stage 2's
        valid F1 falls from 0.88 to 0.57, while power-only sharpening raises it
        (docs/end_models.md).
    lr, weight_decay : float, optional
        Stage-2 AdamW settings; ``None`` (default) takes the end model's.
    batch_size : int, optional
        Stage-2 mini-batch size: 32 by default (the paper's); ``None`` takes
        the end model's ``batch_size``.
    eval_every : int, optional
        Stage-2 steps between validation checks (default: the end model's).
    patience : int, optional
        Stop stage 2 after this many checks without improvement (None: run T2).
    select_best : bool
        With ``valid``, return the best model on the validation metric among
        the stage-1 model and all stage-2 checks (WRENCH protocol); ``False``
        returns the last stage-2 model.  Either way ``best_step_`` and
        ``best_valid_score_`` describe the model returned (stage-2 step, 0 for
        the stage-1 model, and its validation score).
    self_train_on : {"all", "covered"}
        Pool for stage 2: covered plus uncovered/unlabeled rows, or covered only.
    keep_stage1 : bool
        Keep a copy of the stage-1 model as ``stage1_model_`` (``cpu_seconds_``
        holds each stage's process CPU time).
    metric : str, optional
        Validation metric, passed on to the end model (default: the end model's).
    progress : bool
        Progress bars (``progress_bar``: deprecated alias).
    seed : int, optional
        Default seed of ``fit`` (``random_state``: deprecated alias).
    confidence_on : {"sharpened", "teacher"}
        What the confidence ``ω = 1 − H(·)/log C`` (and so the ``ξ`` filter and the KL weights) is computed on:
        the sharpened pseudo-labels ``ỹ`` (default, weaksup's rule so far) or the teacher's probabilities ``f``
        before sharpening (the paper's and the original code's rule; fewer rows pass ``ξ``).

    Examples
    --------
    >>> from weaksup.endmodel import Cosine, MLP
    >>> cos = Cosine(MLP(max_steps=300), self_training_steps=500)  # doctest: +SKIP
    >>> cos.fit(X_covered, soft_labels, valid=(X_valid, y_valid), unlabeled=X_uncovered)  # doctest: +SKIP
    """

    _parameter_constraints = {
        "self_training_steps": [Interval(0, None, integer=True)],
        "teacher_update": [Interval(1, None, integer=True)],
        "thresh": [Interval(0, 1, closed="left")],
        "margin": [Interval(0, None)],
        "contrastive_weight": [Interval(0, None)],
        "confreg_weight": [Interval(0, None)],
        "distance": [OneOf("l2", "cos")],
        "power": [Interval(0, None, closed="neither")],
        "class_frequency": [bool],
        "lr": [None, Interval(0, None, closed="neither")],
        "weight_decay": [None, Interval(0, None)],
        "batch_size": [None, Interval(1, None, integer=True)],
        "eval_every": [None, Interval(1, None, integer=True)],
        "patience": [None, Interval(0, None, integer=True)],
        "select_best": [bool],
        "self_train_on": [OneOf("all", "covered")],
        "keep_stage1": [bool],
        "metric": [None, str],  # None: its end model's
        **EndModel._progress_and_seed,
        "confidence_on": [OneOf("sharpened", "teacher")],
    }

    #: The default of ``confidence_on`` for a Cosine pickled before the parameter existed (its fits used it).
    confidence_on: str = "sharpened"

    @renamed_kwargs(random_state="seed", progress_bar="progress")
    def __init__(self, end_model: Any = None, self_training_steps: int = 2500, teacher_update: int = 100,
                 thresh: float = 0.6, margin: float = 1.0, contrastive_weight: float = 1.0,
                 confreg_weight: float = 0.1, distance: str = "l2", power: float = 2.0,
                 class_frequency: bool = True,
                 lr: float | None = None, weight_decay: float | None = None, batch_size: int | None = 32,
                 eval_every: int | None = None, patience: int | None = None, select_best: bool = True,
                 self_train_on: str = "all", keep_stage1: bool = True, metric: str | None = None,
                 progress: bool = True, seed: int | None = None, confidence_on: str = "sharpened") -> None:
        self.end_model = end_model
        self.self_training_steps = self_training_steps
        self.teacher_update = teacher_update
        self.thresh = thresh
        self.margin = margin
        self.contrastive_weight = contrastive_weight
        self.confreg_weight = confreg_weight
        self.distance = distance
        self.power = power
        self.class_frequency = class_frequency
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.eval_every = eval_every
        self.patience = patience
        self.select_best = select_best
        self.self_train_on = self_train_on
        self.keep_stage1 = keep_stage1
        self.metric = metric
        self.progress = progress
        self.seed = seed
        self.confidence_on = confidence_on

    # ----------------------------------------------------------- helpers
    def _template(self) -> Any:
        if self.end_model is None:
            from weaksup.endmodel.mlp import MLP

            return MLP()
        return self.end_model

    def _metric(self) -> str:
        return self.metric if self.metric is not None else self._template().metric

    @property
    def cardinality(self) -> int | None:  # type: ignore[override]  # read from the wrapped end model
        return getattr(self._template(), "cardinality", None)

    def _default_cardinality(self, k: int) -> None:
        """Cosine's ``cardinality`` is its end model's: fix it there (a clone of the template; the default
        ``MLP()`` when ``end_model`` is None)."""
        if self.cardinality is None:
            from sklearn.base import clone

            template = clone(self._template())
            template._default_cardinality(k)
            self.end_model = template

    def _clone(self) -> Any:
        from sklearn.base import clone

        em = clone(self._template())
        params = {"metric": self._metric(), "progress": self.progress}
        return em.set_params(**{k: v for k, v in params.items() if k in em.get_params(deep=False)})

    def _check_X(self, X: Any, what: str = "X") -> Any:
        # the kind of input (features or texts) is the end model's: an unfitted clone of the template checks it
        # (a template fitted before on other features sets no width), the width and names are Cosine's own
        self._check_names(X, what)
        X = self._clone()._check_X(X, what)
        n = self.__dict__.get("n_features_in_")
        if n is not None and not isinstance(X, list) and X.shape[1] != n:
            raise ValueError(f"{what} has {X.shape[1]} features; the model was fitted on {n}")
        return X

    def _input_tags(self) -> dict[str, bool]:
        return self._template()._input_tags()

    def _check_params(self) -> None:
        check_params(self)
        if not hasattr(self._template(), "_forward"):
            raise ValueError(f"Cosine needs a torch end model (MLP or TransformerClassifier), "
                             f"got {type(self._template()).__name__}")
        self._clone()._check_params()  # the end model's own hyper-parameters too, before any pass over the data

    # ----------------------------------------------------------- fit
    def fit(self, X: Any, y: Any, *, valid: Any = None, sample_weight: Any = None, seed: int | None = None,
            unlabeled: Any = None) -> Self:
        """Stage 1 on the labelled rows of ``(X, y)``, then stage 2 on those plus ``unlabeled``.

        Rows of hard ``y`` equal to ``-1`` (uncovered) join the unlabeled pool.
        """
        self._check_params()
        self._check_metric()
        seed = resolve_seed(seed, self.seed, "Cosine.fit")  # before the inputs: a bad seed is named at once
        names = feature_names(X)
        with self._fit_inputs():  # a refit refused by a check leaves the fitted model as it was
            X, P, w, keep = self._check_targets(X, y, sample_weight)
            U = None if unlabeled is None else self._check_X(unlabeled, "unlabeled")
        n = n_rows(X)
        if U is not None and not isinstance(X, list) and U.shape[1] != X.shape[1]:
            raise ValueError(f"unlabeled has {U.shape[1]} features but X has {X.shape[1]}; the pool of stage 2 "
                             "needs the same features as X")
        if keep.size != n:
            drop = np.setdiff1d(np.arange(n), keep)
            Xd = take_rows(X, drop)
            U = Xd if U is None else concat_rows(U, Xd)
            X = take_rows(X, keep)
            w = None if w is None else w[keep]
        check_kept_weight(w, n - keep.size)
        check_weighted_classes(P, w)
        k = P.shape[1]
        self._check_metric_classes(k)
        inputs = {} if isinstance(X, list) else {"n_features_in_": int(X.shape[1]), "feature_names_in_": names}
        with self._fit_inputs(**inputs):
            v = check_valid(valid, k, self._check_X)
            if unlabeled is not None:
                self._check_names(unlabeled, "unlabeled")
        # every check passed: the new fit is built on a copy without the last fit's state (all of it:
        # stage1_model_, history_... of a fit with other settings must not survive into this one) and swapped in
        # at the end, so a refit the end model refuses, or one interrupted, leaves the last fit as it was
        new = copy.copy(self)
        for key in _fitted_attrs(new):
            del new.__dict__[key]
        new._set_fit_inputs(**inputs)
        new._fit_stages(X, P, w, U, v, seed)
        for key in _fitted_attrs(self):
            del self.__dict__[key]
        self.__dict__.update({key: vars(new)[key] for key in _fitted_attrs(new)})
        return self

    def _fit_stages(self, X: Any, P: np.ndarray, w: np.ndarray | None, U: Any, v: Any, seed: int) -> None:
        """Stages 1 and 2 on checked inputs (``U``: the extra pool rows of stage 2, or None)."""
        em = self._clone()
        # stage 1: early-stopped noise-aware training on the covered rows
        t0 = time.process_time()
        em.fit(X, P, valid=None if v is None else (v[0], v[1]), sample_weight=w, seed=seed)
        t1 = time.process_time()
        self.model_ = em
        self.classes_ = em.classes_
        self.cardinality_ = P.shape[1]
        self.class_prior_ = em.class_prior_
        self.stage1_valid_score_ = em.best_valid_score_
        if self.keep_stage1:
            self.stage1_model_ = copy.deepcopy(em)
        pool = X if (self.self_train_on == "covered" or U is None) else concat_rows(X, U)
        from weaksup.endmodel._torch import torch_seed  # torch is imported only once a torch model is used

        with torch_seed(seed + 1, em.device), em._thread_limit():  # the caller's torch RNG is left as it was
            self._stage2(em, pool, v, seed, "X" if pool is X else "X and the unlabeled rows")
        self.cpu_seconds_ = {"stage1": t1 - t0, "stage2": time.process_time() - t1}

    def _stage2(self, em: Any, pool: Any, v: Any, seed: int, pool_name: str = "X") -> None:
        import torch

        from weaksup.endmodel._torch import EarlyStopping, diverged_advice, index_stream

        rng = np.random.default_rng(seed + 1)
        module = em.module_
        pdata = em._encode(pool)
        N = n_rows(pool)
        vdata = None if v is None else (em._encode(v[0]), v[1])
        T2, T3 = int(self.self_training_steps), int(self.teacher_update)
        eval_every = int(self.eval_every or em.eval_every)
        bs = int(self.batch_size or em.batch_size)
        lr = float(self.lr if self.lr is not None else em.lr)
        opt, sched = em._optimizer(module, lr, max(T2, 1), weight_decay=self.weight_decay)
        # Stage 1's model is the starting best: stage 2 must beat it on valid.
        stopper = EarlyStopping(self.patience, model="Cosine", metric=self._metric(),
                                y_valid=None if vdata is None else vdata[1])
        if vdata is not None:
            stopper.update(em._valid_score(em._probs(module, vdata[0], len(vdata[1])), vdata[1]), 0, module)
        self.history_: list[dict[str, float]] = []
        self.teacher_history_: list[dict[str, float]] = []
        module.train()
        state: dict[str, Any] = {}

        def batch_loss(step: int) -> tuple[Any, dict[str, float]] | None:
            if (step - 1) % T3 == 0:
                f = em._probs(module, pdata, N)  # teacher = current model, dropout off
                if not np.isfinite(f).all():  # diverged since the last loss check: not "no confident rows"
                    raise ValueError(f"Cosine: the teacher's probabilities are NaN or inf at step {step - 1} (COSINE "
                                     "self-training): training diverged, the weights are NaN or inf; "
                                     f"{diverged_advice(pool, lr, pool_name)}")
                ytil = _sharpen(f, self.power, self.class_frequency)  # check_params checked power and thresh
                # the sharpened labels by default; the paper's rule: the teacher's own probabilities
                omega = _confidence_weights(ytil if self.confidence_on == "sharpened" else f)
                sel = np.nonzero(omega > self.thresh)[0]  # select_confident
                self.teacher_history_.append({"step": step - 1, "n_confident": int(sel.size),
                                              "frac_confident": float(sel.size / max(N, 1))})
                if sel.size < 2:
                    warnings.warn(f"COSINE: only {sel.size} row(s) with confidence > ξ={self.thresh} at "
                                  f"step {step - 1}; stopping self-training", RuntimeWarning,
                                  stacklevel=user_stacklevel())
                    return None
                state.update(sel=sel, stream=index_stream(sel.size, min(bs, sel.size), rng),
                             Yt=torch.as_tensor(ytil[sel], dtype=torch.float32, device=em.device),
                             Wt=torch.as_tensor(omega[sel], dtype=torch.float32, device=em.device))
                module.train()
            b = next(state["stream"])
            logits, feats = em._forward(module, pdata, state["sel"][b])
            logp = torch.log_softmax(logits.float(), dim=-1)
            bt = torch.as_tensor(b, device=state["Yt"].device)
            yb, wb = state["Yt"][bt], state["Wt"][bt]
            lc = weighted_kl(yb, logp, wb)
            r1 = contrastive_loss(feats.float(), yb, self.margin, self.distance)
            r2 = confidence_regulariser(logp)
            loss = lc + self.contrastive_weight * r1 + self.confreg_weight * r2
            return loss, {"l_c": float(lc.item()), "r1": float(r1.item()), "r2": float(r2.item())}

        step = em._train_loop(module, opt, sched, T2, batch_loss, vdata, stopper, eval_every, self.history_,
                              "COSINE self-training", advice=lambda: diverged_advice(pool, lr, pool_name))
        if self.select_best:
            stopper.restore(module)
        module.eval()
        self.n_self_training_steps_ = step
        # best_step_ / best_valid_score_ describe the model returned: the best check with select_best (none
        # finite: the last model), else the last model, scored on valid where its step was not checked
        if vdata is None:
            self.best_step_, self.best_valid_score_ = step, None
        elif self.select_best and stopper.found:
            self.best_step_, self.best_valid_score_ = stopper.best_step, float(stopper.best_score)
        else:
            last = self.history_[-1] if self.history_ and self.history_[-1]["step"] == step else None
            self.best_step_ = step
            self.best_valid_score_ = float(last["valid"] if last is not None else
                                           em._valid_score(em._probs(module, vdata[0], len(vdata[1])), vdata[1]))

    # ----------------------------------------------------------- predict
    def _predict_proba(self, X: Any) -> np.ndarray:
        return self.model_._predict_proba(X)

    def transform(self, X: Any) -> np.ndarray:
        """The end model's penultimate features of ``X`` (checked against Cosine's fitted width and names)."""
        self._check_fitted()
        return self.model_.transform(self._check_X(X))
