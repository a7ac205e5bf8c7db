"""``snorkel.labeling.model.label_model``: ``LabelModel`` on :class:`~weaksup.labelmodel.MatrixCompletion`.

``LabelModel(cardinality=2, verbose=True, device="cpu")`` and
``fit(L_train, Y_dev=None, class_balance=None, progress_bar=True, **train_config)``
with snorkel's ``TrainConfig`` options (``n_epochs``, ``lr``, ``l2``,
``optimizer`` + ``optimizer_config``, ``lr_scheduler`` + ``lr_scheduler_config``
incl. warm-up, ``prec_init``, ``seed``, ``log_freq``, ``mu_eps``).  The
objective, optimiser, seeded initialisation, clamp and symmetry breaking are
MatrixCompletion's (numpy, sparse statistics: no ``n × m·k`` dense matrix), so
with the same seed ``μ``, probabilities and predictions match snorkel's
(tests/test_compat_snorkel.py).  ``save``/``load`` use weaksup's npz + JSON
format (no pickle).

>>> import numpy as np
>>> from weaksup.compat.snorkel.labeling.model import LabelModel
>>> L = np.array([[0, 0, -1], [1, 1, 1], [0, -1, 0], [1, 0, 1]] * 25)
>>> lm = LabelModel(cardinality=2, verbose=False)
>>> lm.fit(L, n_epochs=200, seed=123, progress_bar=False)
>>> lm.predict(np.array([[1, 1, 1], [-1, -1, -1]])).tolist()
[1, -1]
"""

from __future__ import annotations

import random
import warnings
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from weaksup._persist import load_npz, save_npz
from weaksup.compat.snorkel.labeling.model.base_labeler import BaseLabeler
from weaksup.compat.snorkel.utils.config_utils import merge_config
from weaksup.compat.snorkel.utils.lr_schedulers import LRSchedulerConfig
from weaksup.compat.snorkel.utils.optimizers import OptimizerConfig
from weaksup.labelmodel.base import LabelModel as _NativeLabelModel
from weaksup.labelmodel.matrix_completion import MatrixCompletion
from weaksup.votes import check_votes

__all__ = ["LabelModel", "TrainConfig", "LabelModelConfig"]

SAVE_FORMAT = "weaksup.compat.snorkel.LabelModel"


def _fit_unchecked(model: _NativeLabelModel, L: Any, *, class_balance: Any = None,
                   seed: int | None = None) -> Any:
    """Fit a weaksup model as snorkel would: votes of a single class and LFs that never fire are accepted.

    weaksup's own ``fit`` rejects one-class votes and warns on silent LFs
    (:func:`weaksup._validation.check_fit_votes`); snorkel fits both silently.
    Everything else (vote range, parameters, class balance) is checked.
    """
    model._validate_params()
    votes = check_votes(L, model.cardinality, min_lfs=model.min_lfs)
    model._reset()
    model._set_shape(votes)
    model._fit(votes, class_balance=class_balance, dev=None, seed=seed)
    return model


@dataclass(frozen=True)
class TrainConfig:
    """snorkel's ``fit`` options (same names and defaults; ``seed`` None = a random draw, as snorkel)."""

    n_epochs: int = 100
    lr: float = 0.01
    l2: float = 0.0
    optimizer: str = "sgd"
    optimizer_config: OptimizerConfig = field(default_factory=OptimizerConfig)
    lr_scheduler: str = "constant"
    lr_scheduler_config: LRSchedulerConfig = field(default_factory=LRSchedulerConfig)
    prec_init: Any = 0.7
    seed: int | None = None
    log_freq: int = 10
    mu_eps: float | None = None


@dataclass(frozen=True)
class LabelModelConfig:
    verbose: bool = True
    device: str = "cpu"


class LabelModel(BaseLabeler):
    """snorkel's ``LabelModel`` (conditionally independent LFs), fitted by :class:`MatrixCompletion`.

    After ``fit``: ``mu`` (``m·k × k``), ``get_conditional_probs()``,
    ``get_weights()``, ``predict_proba``, ``predict`` / ``score`` (ties
    abstain by default), ``n``, ``m``, ``p`` (class balance), ``coverage``,
    ``warmup_steps``.  The fitted weaksup model is ``model_``.
    """

    def __init__(self, cardinality: int = 2, **kwargs: Any) -> None:
        super().__init__(cardinality)
        self.config = merge_config(LabelModelConfig(), kwargs)
        self.train_config = TrainConfig()

    # ------------------------------------------------------------------ fit
    def fit(self, L_train: np.ndarray, Y_dev: np.ndarray | None = None, class_balance: Any = None,
            progress_bar: bool = True, **kwargs: Any) -> None:
        cfg = merge_config(TrainConfig(), kwargs)
        if cfg.optimizer not in ("sgd", "adam", "adamax"):
            raise ValueError(f"Unrecognized optimizer option '{cfg.optimizer}'")
        if cfg.lr_scheduler not in ("constant", "linear", "exponential", "step"):
            raise ValueError(f"Unrecognized lr scheduler option '{cfg.lr_scheduler}'")
        if cfg.optimizer == "adam" and cfg.optimizer_config.adam_config.amsgrad:
            raise ValueError("LabelModel on weaksup does not implement amsgrad=True (see docs/from_snorkel.md)")
        L = np.asarray(L_train)
        if L.ndim != 2:
            raise ValueError(f"L_train must be a 2-D label matrix, got shape {L.shape}")
        # int() first: on an unsigned matrix max() + 1 wraps (uint8 255 + 1 == 0) with a numpy overflow warning
        if L.size and int(L.max()) + 1 > self.cardinality:
            raise ValueError(f"L_train has cardinality {int(L.max()) + 1}, cardinality={self.cardinality} passed in.")
        self.n, self.m = L.shape
        if self.m < 3:
            raise ValueError("L_train should have at least 3 labeling functions")
        self._check_prec_init(cfg.prec_init)
        self.p = self._class_balance(class_balance, Y_dev)
        self.warmup_steps = self._warmup_steps(cfg)
        seed = cfg.seed if cfg.seed is not None else np.random.randint(1e6)
        self.train_config = replace(cfg, seed=seed)
        random.seed(seed)  # snorkel seeds the global generators on every fit; kept so scripts behave the same
        np.random.seed(seed)
        # snorkel's μ init takes its random scale from the global generator (MatrixCompletion draws the same number
        # from RandomState(seed)): take it here too, so numpy's global state after fit is snorkel's
        np.random.random_sample()
        opt = cfg.optimizer_config
        sched = cfg.lr_scheduler_config
        model = MatrixCompletion(
            cardinality=self.cardinality, n_epochs=cfg.n_epochs, lr=cfg.lr, l2=cfg.l2, optimizer=cfg.optimizer,
            momentum=opt.sgd_config.momentum,
            betas=tuple(opt.adamax_config.betas if cfg.optimizer == "adamax" else opt.adam_config.betas),
            eps=opt.adamax_config.eps if cfg.optimizer == "adamax" else 1e-8,  # snorkel's Adam: torch's eps
            lr_scheduler=cfg.lr_scheduler,
            gamma=(sched.step_config.gamma if cfg.lr_scheduler == "step" else sched.exponential_config.gamma),
            step_size=sched.step_config.step_size, warmup_steps=self.warmup_steps, min_lr=sched.min_lr,
            prec_init=cfg.prec_init, mu_eps=cfg.mu_eps,
        )
        try:
            _fit_unchecked(model, L, class_balance=self.p, seed=seed)
        except FloatingPointError as err:
            raise FloatingPointError("Loss is NaN. Consider reducing learning rate.") from err
        self.model_ = model
        self.optimizer = cfg.optimizer
        self.lr_scheduler = None if cfg.lr_scheduler == "constant" else cfg.lr_scheduler

    def _class_balance(self, class_balance: Any, Y_dev: Any) -> np.ndarray:
        k = self.cardinality
        if class_balance is not None:
            p = np.asarray(class_balance, dtype=np.float64)
            if len(p) != k:
                raise ValueError(f"class_balance has {len(p)} entries. Does not match LabelModel cardinality {k}.")
        elif Y_dev is not None:
            classes, counts = np.unique(np.asarray(Y_dev), return_counts=True)
            p = counts / counts.sum()
            if len(p) != k:
                raise ValueError(f"Y_dev has {len(p)} class(es). Does not match LabelModel cardinality {k}.")
        else:
            p = np.full(k, 1.0 / k)
        if np.any(p == 0):
            raise ValueError(f"Class balance prior is 0 for class(es) {np.where(p == 0)[0]}.")
        if class_balance is not None and not np.isclose(p.sum(), 1.0):
            # snorkel uses the values as given (P = diag(class_balance)); MatrixCompletion needs a distribution
            warnings.warn(f"class_balance sums to {p.sum():g}, not 1: it is normalised to {(p / p.sum()).round(4)} "
                          "(snorkel would use it unnormalised; see docs/from_snorkel.md)", UserWarning, stacklevel=3)
        return p

    def _check_prec_init(self, prec_init: Any) -> None:
        if isinstance(prec_init, (int, float)) and not isinstance(prec_init, bool):
            return
        if not isinstance(prec_init, (list, np.ndarray)):
            raise TypeError(f"prec_init is of type {type(prec_init)} which is not supported currently.")
        if np.shape(prec_init) != (self.m,):
            raise ValueError(f"prec_init must have shape {self.m}.")

    @staticmethod
    def _warmup_steps(cfg: TrainConfig) -> int:
        sched = cfg.lr_scheduler_config
        if sched.warmup_steps:
            if sched.warmup_steps < 0:
                raise ValueError("warmup_steps much greater or equal than 0.")
            if sched.warmup_unit != "epochs":
                raise ValueError("LabelModel does not support any warmup_unit other than 'epochs'.")
            return int(sched.warmup_steps)
        if sched.warmup_percentage:
            return int(sched.warmup_percentage * cfg.n_epochs)
        return 0

    # ---------------------------------------------------------- fitted state
    def _fitted(self) -> MatrixCompletion:
        model = self.__dict__.get("model_")
        if model is None:
            raise RuntimeError("This LabelModel is not fitted yet; call fit(L_train) first")
        return model

    @property
    def mu(self) -> np.ndarray:
        """``P(λ_j = l | Y = y)`` as snorkel's ``(m·k) × k`` parameter (a numpy array here)."""
        return self._fitted().mu_

    @property
    def coverage(self) -> np.ndarray:
        return np.asarray(self._fitted().coverage_)

    def get_conditional_probs(self) -> np.ndarray:
        """``(m, k+1, k)``: ``[j, 0, y] = P(λ_j abstains | Y=y)``, ``[j, 1+l, y] = P(λ_j = l | Y=y)``.

        As snorkel: row 0 is ``1 - Σ_l P(λ_j = l | Y=y)`` unclipped, so each column sums to 1 and can hold a
        negative abstain probability where the fitted ``mu`` overshoots (the native
        ``MatrixCompletion.get_conditional_probs`` clips it to 0).
        """
        model = self._fitted()
        m, k = model.n_lfs_, model.cardinality_
        mu = np.asarray(model.mu_).reshape(m, k, k)
        return np.concatenate([1 - mu.sum(1, keepdims=True), mu], axis=1)

    def get_weights(self) -> np.ndarray:
        """Estimated accuracy of each LF where it votes: snorkel's ``Σ_y P(λ_j = y | Y=y) P(Y=y) / coverage_j``.

        As snorkel, clipped to ``[1e-6, 1]``; an LF that never votes divides by a coverage of 0 and so gets
        1.0 (or nan where its ``mu`` diagonal is 0), not the native ``lf_accuracies()``'s chance ``1/k``.
        """
        model = self._fitted()
        m, k = model.n_lfs_, model.cardinality_
        mu = np.asarray(model.mu_).reshape(m, k, k)
        acc = np.einsum("jyy,y->j", mu, np.asarray(model.class_balance_))
        with np.errstate(divide="ignore", invalid="ignore"):  # snorkel divides by a zero coverage as numpy does
            return np.clip(acc / np.asarray(model.coverage_, dtype=np.float64), 1e-6, 1.0)

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        return self._fitted().predict_proba(np.asarray(L))

    # ---------------------------------------------------------- persistence
    def save(self, destination: str) -> None:
        """Write the fitted model to ``destination`` (weaksup's npz + JSON format; no pickle)."""
        meta, arrays = self._fitted()._state()
        extra = {"cardinality": self.cardinality, "n": self.n, "m": self.m, "p": self.p.tolist(),
                 "warmup_steps": self.warmup_steps, "config": asdict(self.config),
                 "train_config": {k: v for k, v in asdict(self.train_config).items()
                                  if k in ("n_epochs", "lr", "l2", "optimizer", "lr_scheduler", "seed", "log_freq",
                                           "mu_eps")}}
        save_npz(destination, SAVE_FORMAT, {"model": meta, "snorkel": extra}, arrays)

    def load(self, source: str) -> None:
        """Replace this model's state with the one saved at ``source``."""
        try:
            meta, arrays = load_npz(source, SAVE_FORMAT)
        except ValueError as err:
            raise ValueError(f"{source}: not a LabelModel file written by weaksup.compat.snorkel ({err}); a model "
                             "pickled by snorkel itself cannot be read: refit it here and save again") from err
        model = MatrixCompletion._from_state(meta["model"], arrays, source)
        extra = meta["snorkel"]
        self.cardinality = int(extra["cardinality"])
        self.n, self.m, self.warmup_steps = int(extra["n"]), int(extra["m"]), int(extra["warmup_steps"])
        self.p = np.asarray(extra["p"])
        self.config = LabelModelConfig(**extra["config"])
        self.train_config = merge_config(TrainConfig(), extra["train_config"])
        self.model_ = model
