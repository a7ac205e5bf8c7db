"""Shared torch training loop for end models (imported only when a torch model is used).

A torch end model defines three hooks:

* ``_encode(X)``: turn validated input into a "data" object (tensor, CSR
  matrix or tokenised texts) that ``_batch`` can slice;
* ``_build(data, k)``: create ``self.module_`` (a ``torch.nn.Module``);
* ``_forward(module, data, idx) -> (logits, features)``: logits and the
  penultimate representation (used by COSINE's contrastive regulariser).
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from weaksup._threads import TORCH_RNG_LOCK, torch_threads
from weaksup._validation import Interval, OneOf, TorchDevice, user_stacklevel
from weaksup.endmodel.base import EndModel, scale_advice, torch_missing, warn_nonfinite_valid

try:
    import torch
    import torch.nn.functional as F
except ImportError as exc:  # torch is the optional torch extra: name it, not only "No module named 'torch'"
    raise torch_missing("weaksup's torch end models (MLP, TransformerClassifier, Cosine)", exc) from exc

__all__ = ["TorchEndModel", "soft_cross_entropy", "torch_seed", "index_stream"]


#: Mean noise-aware cross-entropy (nats per row) over a fit's last steps above which the fit warns that its loss
#: exploded: a fit that learns ends far below (it starts near log k; on well-scaled features it ends near 0.01-1),
#: while one feature column scaled by 1e6 leaves it near 1e3 (saturated probabilities, predictions near chance).
LOSS_ALARM = 100.0


def diverged_advice(X: Any, lr: float, what: str = "X") -> str:
    """What a torch fit on ``X`` whose loss is not finite or exploded tells the user to do: scale the features
    (naming the largest-magnitude columns of ``what``, :func:`weaksup.endmodel.base.scale_advice`) or lower
    ``lr``."""
    scale = scale_advice(X, what)
    return f"{scale}; or lower lr (now {lr:g})" if scale else f"lower lr (now {lr:g})"


#: Held for the whole of every seeded torch section (:func:`torch_seed`): weaksup._threads.TORCH_RNG_LOCK, the one
#: lock of every section that seeds torch's process-wide generator.
_SEED_LOCK = TORCH_RNG_LOCK


@contextlib.contextmanager
def torch_seed(seed: int, device: Any = "cpu") -> Iterator[None]:
    """Seed torch's global RNG with ``seed`` for the work inside, then put its state back as it was.

    A fit draws its weight init and dropout masks from torch's global generators (the CPU one and, on
    ``device="cuda:i"`` / ``"mps"``, that device's), seeded as ``torch.manual_seed(seed)`` seeds them; their
    states are saved before and restored after (also when the work raises or is interrupted), so fitting
    does not reset the caller's own torch random stream (``torch.manual_seed`` set by the user keeps
    deciding their later draws).  Other devices' generators are not touched.

    The generators are process-wide, so the whole section holds a module lock (:data:`_SEED_LOCK`): seeded
    fits in several threads run one after another, each the fit it would be alone.  Predicting takes no lock
    (it draws nothing); torch draws of other code in another thread meanwhile still share the generator.
    """
    dev = torch.device(device)
    mod = getattr(torch, dev.type) if dev.type in ("cuda", "mps") else None
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):  # the CPU generator
        if mod is None:
            torch.random.default_generator.manual_seed(seed)  # what torch.manual_seed does on the CPU
            yield
            return
        saved = mod.get_rng_state(dev)
        try:
            torch.random.default_generator.manual_seed(seed)
            if dev.type == "cuda":
                with torch.cuda.device(dev):
                    torch.cuda.manual_seed(seed)
            else:
                torch.mps.manual_seed(seed)
            yield
        finally:
            mod.set_rng_state(saved, dev)


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor,
                       weights: torch.Tensor | None = None) -> torch.Tensor:
    """Noise-aware cross-entropy ``mean_i w_i · (−Σ_j y_ij log p_ij)``."""
    per = -(targets * F.log_softmax(logits, dim=-1)).sum(dim=-1)
    if weights is None:
        return per.mean()
    return (weights * per).mean()


def index_stream(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Endless shuffled mini-batches of ``range(n)`` (reshuffled every epoch)."""
    while True:
        perm = rng.permutation(n)
        for s in range(0, n, batch_size):
            yield perm[s:s + batch_size]


class EarlyStopping:
    """Keeps the best module state seen on valid; says when patience has run out.

    A check scored NaN or inf (a metric undefined on the valid labels) is skipped with a warning (the first
    time): it neither becomes the best nor counts toward ``patience``.  ``found`` says whether any check
    was finite (else there is no best to restore and the last model stands).
    """

    def __init__(self, patience: int | None, best_score: float = -np.inf,
                 best_state: Any = None, best_step: int = 0, model: str = "end model", metric: str = "",
                 y_valid: Any = None) -> None:
        self.patience = patience
        self.best_score = best_score
        self.best_state = best_state
        self.best_step = best_step
        self.since = 0
        self.model, self.metric, self.y_valid = model, metric, y_valid  # y_valid: why a check is undefined
        self.n_nonfinite = 0

    @property
    def found(self) -> bool:
        return self.best_state is not None

    def update(self, score: float, step: int, module: Any) -> bool:
        """Record a validation score; True when training should stop."""
        if not np.isfinite(score):
            if not self.n_nonfinite:
                warn_nonfinite_valid(self.model, self.metric, score, f"step {step}", self.y_valid)
            self.n_nonfinite += 1
            return False
        if score > self.best_score:
            self.best_score, self.best_step, self.since = score, step, 0
            self.best_state = copy.deepcopy(module.state_dict())
            return False
        self.since += 1
        return self.patience is not None and self.since >= self.patience

    def restore(self, module: Any) -> None:
        if self.best_state is not None:
            module.load_state_dict(self.best_state)


class TorchEndModel(EndModel):
    """Mini-batch AdamW training with early stopping on a validation metric."""

    # parameters every subclass declares in __init__
    lr: float
    weight_decay: float
    batch_size: int
    max_steps: int
    eval_every: int
    patience: int | None
    max_grad_norm: float | None
    warmup_ratio: float
    eval_batch_size: int
    scheduler: str
    progress: bool
    n_threads: int | None
    device: str

    _parameter_constraints: dict[str, list[Any]] = {
        "lr": [Interval(0, None, closed="neither")],
        "weight_decay": [Interval(0, None)],
        "batch_size": [Interval(1, None, integer=True)],
        "max_steps": [Interval(1, None, integer=True)],
        "eval_every": [Interval(1, None, integer=True)],
        "patience": [None, Interval(0, None, integer=True)],
        "max_grad_norm": [None, Interval(0, None, closed="neither")],
        "warmup_ratio": [Interval(0, 1)],
        "eval_batch_size": [Interval(1, None, integer=True)],
        "scheduler": [OneOf("constant", "linear")],
        "dropout": [Interval(0, 1, closed="left")],
        **EndModel._progress_and_seed,
        "n_threads": [None, Interval(1, None, integer=True)],
        "device": [TorchDevice()],
    }

    # --------------------------------------------------------------- hooks
    def _encode(self, X: Any) -> Any:
        raise NotImplementedError

    def _build(self, data: Any, k: int) -> None:
        raise NotImplementedError

    def _forward(self, module: torch.nn.Module, data: Any, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    # --------------------------------------------------------------- helpers
    @contextlib.contextmanager
    def _thread_limit(self) -> Iterator[None]:
        """``torch.set_num_threads(n_threads)`` while fitting / predicting, then torch's count as it was
        (the setting is process-wide: other code in the process must not inherit it)."""
        n = getattr(self, "n_threads", None)
        if not n:
            yield
            return
        before = torch.get_num_threads()
        torch.set_num_threads(torch_threads(int(n)))
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def _probs(self, module: torch.nn.Module, data: Any, n: int) -> np.ndarray:
        was = module.training
        module.eval()
        out = []
        with torch.no_grad():
            for s in range(0, n, self.eval_batch_size):
                logits, _ = self._forward(module, data, np.arange(s, min(n, s + self.eval_batch_size)))
                out.append(torch.softmax(logits.double(), dim=-1).cpu().numpy())  # rows sum to 1 in float64
        module.train(was)
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0, self.cardinality_))

    def _features(self, module: torch.nn.Module, data: Any, n: int) -> np.ndarray:
        module.eval()
        out = []
        with torch.no_grad():
            for s in range(0, n, self.eval_batch_size):
                _, feats = self._forward(module, data, np.arange(s, min(n, s + self.eval_batch_size)))
                out.append(feats.float().cpu().numpy())
        return np.concatenate(out)

    def _optimizer(self, module: torch.nn.Module, lr: float, steps: int,
                   weight_decay: float | None = None) -> tuple[Any, Any]:
        """AdamW (no decay on biases / norms; ``weight_decay`` overrides the model's) + the LR schedule."""
        wd = self.weight_decay if weight_decay is None else weight_decay
        decay, no_decay = [], []
        for name, p in module.named_parameters():
            if not p.requires_grad:
                continue
            (no_decay if (p.ndim < 2 or "LayerNorm" in name or "norm" in name.lower()) else decay).append(p)
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                                 {"params": no_decay, "weight_decay": 0.0}], lr=lr)
        warm = int(self.warmup_ratio * steps)

        def lam(step: int) -> float:
            if self.scheduler != "linear":
                return 1.0
            if step < warm:
                return (step + 1) / max(1, warm)
            return max(0.0, (steps - step) / max(1, steps - warm))

        return opt, torch.optim.lr_scheduler.LambdaLR(opt, lam)

    def _bar(self, total: int, desc: str) -> Any:
        if not self.progress:
            return None
        from weaksup._progress import progress_bar

        return progress_bar(total=total, desc=desc, leave=False)

    # --------------------------------------------------------------- fit
    def _fit(self, X: Any, P: np.ndarray, w: np.ndarray | None, valid: Any, seed: int) -> None:
        # the seed's lock first: fits in threads also set and restore torch's process-wide thread count in turn
        with torch_seed(seed, self.device), self._thread_limit():  # the caller's torch RNG is left as it was
            rng = np.random.default_rng(seed)
            data = self._encode(X)
            n, k = P.shape
            self._build(data, k)
            vdata = None if valid is None else (self._encode(valid[0]), valid[1])
            self._train_supervised(data, P, w, vdata, rng, advice=lambda: diverged_advice(X, self.lr))

    def _train_supervised(self, data: Any, P: np.ndarray, w: np.ndarray | None, vdata: Any,
                          rng: np.random.Generator, max_steps: int | None = None, *,
                          advice: Callable[[], str] | None = None) -> None:
        """Noise-aware CE training of ``self.module_`` with early stopping on ``vdata``.

        A loss that is not finite raises (:meth:`_train_loop`); one still above :data:`LOSS_ALARM` over the last
        steps warns (``RuntimeWarning``): the model's probabilities are saturated, its predictions near chance.
        ``advice()`` says what to do (scale which columns, lower ``lr``)."""
        module = self.module_
        module.train()
        n = P.shape[0]
        steps = int(self.max_steps if max_steps is None else max_steps)
        opt, sched = self._optimizer(module, self.lr, steps)
        Pt = torch.as_tensor(P, dtype=torch.float32, device=self.device)
        wt = None if w is None else torch.as_tensor(w / w.mean(), dtype=torch.float32, device=self.device)
        stream = index_stream(n, min(self.batch_size, n), rng)

        def batch_loss(step: int) -> tuple[torch.Tensor, dict[str, float]]:
            idx = next(stream)
            logits, _ = self._forward(module, data, idx)
            return soft_cross_entropy(logits.float(), Pt[idx], None if wt is None else wt[idx]), {}

        stopper = EarlyStopping(self.patience, model=type(self).__name__, metric=self._metric(),
                                y_valid=None if vdata is None else vdata[1])
        self.history_: list[dict[str, float]] = []
        losses: list[float] = []
        step = self._train_loop(module, opt, sched, steps, batch_loss, vdata, stopper, self.eval_every,
                                self.history_, f"{type(self).__name__} training", advice=advice, losses=losses)
        if losses and losses[-1] > LOSS_ALARM:
            k = P.shape[1]
            warnings.warn(f"{type(self).__name__}: the training loss is still {losses[-1]:.3g} after {step} steps "
                          f"(mean over the last steps; a fit starts near log k = {np.log(k):.2f} and one that "
                          "learns ends below it): the logits are huge, the probabilities saturated at 0 and 1 and "
                          f"the predictions unreliable; {advice() if advice else 'lower lr'}", RuntimeWarning,
                          stacklevel=user_stacklevel())
        stopper.restore(module)
        self.n_steps_ = step
        # no finite check: the last model stands, and its score is unknown
        self.best_step_ = stopper.best_step if vdata is not None and stopper.found else step
        self.best_valid_score_ = None if vdata is None else float(stopper.best_score) if stopper.found else np.nan
        module.eval()

    def _train_loop(self, module: torch.nn.Module, opt: Any, sched: Any, steps: int,
                    batch_loss: Callable[[int], tuple[torch.Tensor, dict[str, float]] | None], vdata: Any,
                    stopper: EarlyStopping, eval_every: int, history: list[dict[str, float]], desc: str, *,
                    advice: Callable[[], str] | None = None, losses: list[float] | None = None) -> int:
        """THE optimisation loop of every torch end model (supervised ``fit`` and COSINE stage 2).

        Each step calls ``batch_loss(step) -> (loss, logs)`` (``None`` stops
        training before the step, which is then not counted), then zero-grad, backward, gradient
        clipping (``max_grad_norm``), optimiser and scheduler step.  Every
        ``eval_every`` steps (and at the last) the validation metric on
        ``vdata = (encoded X_valid, y_valid)`` is recorded in ``history``
        (``{"step", "loss", **logs, "valid"}``) and fed to ``stopper``.
        Returns the number of optimiser steps taken.

        The losses are summed on their device and read every ``eval_every`` steps (and at the end); their mean
        over those steps is appended to ``losses``.  A mean that is not finite, or weights that are not finite
        at the end, raise a ValueError that says what to do (``advice()``): training diverged, and the fit is
        refused even where early stopping holds a finite checkpoint from before the divergence.
        """
        bar = self._bar(steps, desc)
        step = 0
        total: Any = None  # the losses since the last read, summed where they are (no device sync per step)
        since = 0
        for step in range(1, steps + 1):
            out = batch_loss(step)
            if out is None:
                step -= 1  # stopped before this step: the model is the one after the step before
                break
            loss, logs = out
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if self.max_grad_norm:
                torch.nn.utils.clip_grad_norm_(module.parameters(), self.max_grad_norm)
            opt.step()
            sched.step()
            total = loss.detach() if total is None else total + loss.detach()
            since += 1
            if bar is not None:
                bar.update(1)  # drawn at most every mininterval (0.1 s), not once per step
            if step % eval_every == 0 or step == steps:  # before validation: a diverged model is not scored
                mean = self._read_losses(total, since, step, desc, advice, losses)
                total, since = None, 0
                if bar is not None:
                    # the mean loss read here (no loss.item() per step: a device sync each); refresh=False: shown
                    # with the bar's next redraw, not drawn on its own
                    bar.set_postfix(loss=f"{mean:.4f}", refresh=False)
            if vdata is not None and (step % eval_every == 0 or step == steps):
                s = self._valid_score(self._probs(module, vdata[0], len(vdata[1])), vdata[1])
                history.append({"step": step, "loss": float(loss.item()), **logs, "valid": float(s)})
                if stopper.update(s, step, module):
                    break
        if bar is not None:
            bar.close()
        if total is not None:
            self._read_losses(total, since, step, desc, advice, losses)
        params = list(module.parameters())
        if step and params and not bool(torch.stack([torch.isfinite(p).all() for p in params]).all()):
            # the last steps' update (after their losses were computed) may be the one that diverged
            raise ValueError(f"{type(self).__name__}: the weights are NaN or inf after {step} steps ({desc}): "
                             "training diverged and the fit is refused (no checkpoint is kept); "
                             f"{advice() if advice else 'lower lr'}")
        return step

    def _read_losses(self, total: Any, since: int, step: int, desc: str, advice: Callable[[], str] | None,
                     losses: list[float] | None) -> float:
        """The mean of the ``since`` losses summed in ``total`` (the steps up to ``step``): appended to
        ``losses`` and returned; not finite, a ValueError (see :meth:`_train_loop`)."""
        mean = float(total.item()) / since
        if not np.isfinite(mean):
            raise ValueError(f"{type(self).__name__}: the training loss is {mean} at steps {step - since + 1}-{step} "
                             f"({desc}): training diverged and the fit is refused (the weights are NaN or inf; "
                             f"an earlier checkpoint is not kept); {advice() if advice else 'lower lr'}")
        if losses is not None:
            losses.append(mean)
        return mean

    def _predict_proba(self, X: Any) -> np.ndarray:
        from weaksup.endmodel.base import n_rows

        with self._thread_limit():
            return self._probs(self.module_, self._encode(X), n_rows(X))

    def transform(self, X: Any) -> np.ndarray:
        """Penultimate features (what COSINE's contrastive term acts on)."""
        self._check_fitted()
        X = self._check_X(X)
        from weaksup.endmodel.base import n_rows

        with self._thread_limit():
            return self._features(self.module_, self._encode(X), n_rows(X))
