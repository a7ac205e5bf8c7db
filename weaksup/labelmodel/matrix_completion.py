"""MeTaL / snorkel ``LabelModel`` objective, own sparse-friendly implementation.

Objective (Ratner et al., AAAI 2019; snorkel 0.9-0.10 ``LabelModel``) for
conditionally independent LFs: with ``O = L_indᵀ L_ind / n`` (``d × d``,
``d = m·k``, ``L_ind`` the one-hot of the votes) and ``P = diag(p)`` the class
prior, learn ``μ ∈ [0,1]^{d×k}`` (``μ[j·k+l, y] = P(λ_j = l | Y = y)``) by
minimising

    ‖(O − μPμᵀ)_Ω‖²_F + ‖μP·1 − diag(O)‖² + ‖l2·(μ − μ_init)‖²_F

where Ω masks out each LF's own ``k × k`` block.  ``O`` is accumulated from
sparse indicator counts chunk by chunk, so memory is ``O(d² + nnz)``, never
``n × d`` dense.  The optimiser (SGD with momentum 0.9 / Adam / Adamax, same
learning-rate schedules), ``prec_init`` initialisation, the random scalar
(``np.random.RandomState(seed).random_sample()``, as snorkel's seeded global
draw), the ``mu_eps`` clamp and Munkres (Hungarian) symmetry breaking follow
snorkel, so with the same ``seed`` the two agree (see tests).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup._validation import Interval, NumberOrVector, OneOf
from weaksup.labelmodel._kernels import linear_softmax
from weaksup.labelmodel._stats import (
    cooccurrence_stats,
    indicator_matrix,
    iter_row_chunks,
    softmax_rows,
    vote_patterns,
)
from weaksup.labelmodel.base import LabelModel, resolve_class_balance
from weaksup.votes import VoteMatrix

__all__ = ["MatrixCompletion"]

_OPTIMIZERS = ("sgd", "adam", "adamax")
_SCHEDULERS = ("constant", "linear", "exponential", "step")


def _adam_betas(value: Any) -> bool:
    """a pair of numbers in [0, 1) (Adam/Adamax betas)"""
    return (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(b, (int, float, np.integer, np.floating)) and not isinstance(b, bool)
                    and 0 <= b < 1 for b in value))


# the parameter check's message (a docstring would vanish under python -OO)
_adam_betas.description = "a pair of numbers in [0, 1) (Adam/Adamax betas)"  # type: ignore[attr-defined]


class MatrixCompletion(LabelModel):
    """Snorkel's LabelModel objective (MeTaL matrix completion), sparse and numpy-only.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes (inferred from the votes when omitted).
    n_epochs, lr, l2, optimizer, lr_scheduler, prec_init, mu_eps :
        As in snorkel's ``TrainConfig`` (defaults 100, 0.01, 0.0, ``"sgd"``,
        ``"constant"``, 0.7, ``None`` = ``min(0.01, 10^-ceil(log10 n))``).
    momentum : float
        SGD momentum (snorkel: 0.9).
    betas : tuple
        Adam/Adamax betas.
    eps : float
        Adam/Adamax term added to the denominator (torch's default 1e-8; snorkel's
        ``adamax_config.eps``).
    gamma, step_size, warmup_steps, min_lr :
        Learning-rate schedule settings (snorkel's defaults), stepped as snorkel's
        torch schedulers are: see :meth:`_lr_schedule`.
    class_balance_source : {"uniform", "em", "votes"}
        Prior used when neither ``class_balance`` nor ``valid`` is given:
        uniform (snorkel's default), ``"em"``: the class balance
        :class:`~weaksup.labelmodel.AbstainDawidSkene` learns from the votes
        (abstention modelled per class; within 0.01 of the truth on synthetic
        one-sided votes at n = 100k, where uniform misestimates LF accuracies
        under imbalance), or ``"votes"``: majority-vote winner frequencies.
        The default stays uniform: on the WRENCH sets a learned prior lowers
        the minority-class F1 the benchmark scores (sms 24.6 -> 2.7; see
        docs/label_models.md).
    chunk_rows : int
        Rows per block when accumulating ``O`` (bounds memory).

    Notes
    -----
    Seed: the only random step is ``μ``'s initial scale, ``RandomState(seed).random_sample()``.  With
    ``seed=None`` the seed is drawn from numpy's global generator (``np.random.randint(1e6)``, as the
    snorkel shim draws ``train_config.seed``), so two unseeded fits differ unless ``np.random.seed`` is
    set first.  The seed used is ``seed_``: ``fit(L, seed=mc.seed_)`` repeats a fit exactly.

    Examples
    --------
    >>> from weaksup import MatrixCompletion
    >>> from weaksup.synthetic import make_votes
    >>> L, y, params = make_votes(20000, 6, 2, seed=0)
    >>> mc = MatrixCompletion(n_epochs=500).fit(L, seed=1)  # snorkel's default 100 epochs stop short here
    >>> bool(abs(mc.lf_accuracies() - params["accuracies"]).max() < 0.05)
    True
    """

    min_lfs = 3
    _additive = True
    _fitted_attrs = ("mu_", "class_balance_", "coverage_", "n_train_", "seed_")
    _parameter_constraints = {
        "n_epochs": [Interval(0, None, integer=True)],
        "lr": [Interval(0, None)],
        "l2": [Interval(0, None)],
        "optimizer": [OneOf(*_OPTIMIZERS)],
        "momentum": [Interval(0, 1)],
        "lr_scheduler": [OneOf(*_SCHEDULERS)],
        "gamma": [Interval(0, None)],
        "step_size": [Interval(1, None, integer=True)],
        "warmup_steps": [Interval(0, None, integer=True)],
        "min_lr": [Interval(0, None)],
        "mu_eps": [None, Interval(0, 1)],
        "class_balance_source": [OneOf("uniform", "votes", "em")],
        "chunk_rows": [None, Interval(1, None, integer=True)],
        "betas": [_adam_betas],
        "eps": [Interval(0, None)],
        "prec_init": [NumberOrVector(Interval(0, 1), "one per LF: initial LF precisions")],
    }

    def __init__(self, cardinality: int | None = None, n_epochs: int = 100, lr: float = 0.01,
                 l2: float = 0.0, optimizer: str = "sgd", momentum: float = 0.9,
                 betas: tuple[float, float] = (0.9, 0.999), lr_scheduler: str = "constant",
                 gamma: float = 0.9, step_size: int = 5, warmup_steps: int = 0, min_lr: float = 0.0,
                 prec_init: Any = 0.7, mu_eps: float | None = None,
                 class_balance_source: str = "uniform", chunk_rows: int = 200_000, eps: float = 1e-8) -> None:
        self.cardinality = cardinality
        self.n_epochs = n_epochs
        self.lr = lr
        self.l2 = l2
        self.optimizer = optimizer
        self.momentum = momentum
        self.betas = betas
        self.lr_scheduler = lr_scheduler
        self.gamma = gamma
        self.step_size = step_size
        self.warmup_steps = warmup_steps
        self.min_lr = min_lr
        self.prec_init = prec_init
        self.mu_eps = mu_eps
        self.class_balance_source = class_balance_source
        self.chunk_rows = chunk_rows
        self.eps = eps

    #: Most multiply-adds the dense optimisation may take (``(m·k)²·k`` per epoch); above: fail fast.
    max_cost: float = 5e10

    def _unsupported(self, L: VoteMatrix) -> str | None:
        """Why fitting ``L`` would take too long (None when it will not)."""
        d, k = L.m * L.cardinality, L.cardinality
        cost = float(d) * d * k * max(int(self.n_epochs), 1)
        if cost <= self.max_cost:
            return None
        return (f"{k} classes x {L.m} LFs: the dense objective costs (m·k)²·k = {cost / max(self.n_epochs, 1):.1e} "
                f"multiply-adds per epoch ({self.n_epochs} epochs, limit {self.max_cost:.0e} in all); "
                "use DawidSkene (one-coin at many classes), AbstainDawidSkene or MajorityVote")

    def _restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any) -> None:
        # a file written before ``seed_`` was recorded loads with seed_ = None: that fit's seed is unknown
        if "seed_" not in meta["json_attrs"]:
            self.seed_ = None

    # ------------------------------------------------------------ statistics
    def _stats(self, L: VoteMatrix, offset: int) -> dict[str, Any]:
        reason = self._unsupported(L)
        if reason is not None:
            raise ValueError(f"MatrixCompletion: {reason}")
        stats = cooccurrence_stats(L, self.chunk_rows)
        if self.class_balance_source == "em":
            stats["patterns"] = vote_patterns(L, offset)
        return stats

    def _merge_stats(self, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        out = {key: a[key] + b[key] for key in a if key != "patterns"}
        if "patterns" in a:
            out["patterns"] = a["patterns"].merge(b["patterns"])
        return out

    # ------------------------------------------------------------- fitting
    def _fit_stats(self, stats: dict[str, Any], *, class_balance: Any, dev: Any, seed: int | None) -> None:
        k = self.cardinality_
        m = self.n_lfs_
        n = int(stats["n"])
        if self.class_balance_source == "em" and class_balance is None and dev is None:
            from weaksup.labelmodel.abstain_ds import em_class_balance

            class_balance = em_class_balance(stats["patterns"], k, m)
        source = "uniform" if self.class_balance_source == "em" else self.class_balance_source
        p = resolve_class_balance(class_balance, dev, stats["mv_counts"], k, source)
        O = stats["O"] / n
        d = m * k
        diagO = np.diag(O).copy()
        self.coverage_ = diagO.reshape(m, k).sum(1)
        self.n_train_ = n

        prec = np.asarray(self.prec_init, dtype=np.float64)
        if prec.ndim == 1 and prec.size != m:
            raise ValueError(f"MatrixCompletion: prec_init has {prec.size} values; the votes have {m} LFs")
        prec = np.broadcast_to(prec, (m,))
        mu_init = np.zeros((d, k))
        for y in range(k):
            idx = np.arange(m) * k + y
            mu_init[idx, y] = np.clip(diagO[idx] * prec / p[y], 0, 1)
        if seed is None:  # drawn from numpy's global generator (np.random.seed repeats it), as the snorkel shim does
            seed = int(np.random.randint(1e6))
        self.seed_ = int(seed)  # fit(L, seed=seed_) repeats this fit
        scale = np.random.RandomState(seed).random_sample()
        mu = mu_init * scale

        try:  # small dense algebra: BLAS threads only add contention (10-50x slower on a busy box)
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1):
                mu = self._optimise(mu, mu_init, O, diagO, p, m)
        except ImportError:  # pragma: no cover
            mu = self._optimise(mu, mu_init, O, diagO, p, m)

        eps = self.mu_eps if self.mu_eps is not None else min(0.01, 1 / 10 ** np.ceil(np.log10(n)))
        mu = np.clip(mu, eps, 1 - eps)
        self.mu_ = self._break_symmetry(mu, p, m, k)
        self.class_balance_ = p

    def _optimise(self, mu: np.ndarray, mu_init: np.ndarray, O: np.ndarray, diagO: np.ndarray,
                  p: np.ndarray, m: int) -> np.ndarray:
        # a diverging fit overflows (numpy's 'overflow encountered in matmul' warnings) before the
        # gradient turns non-finite, where the FloatingPointError below says what happened: silence them
        with np.errstate(over="ignore", invalid="ignore"):
            return self._optimise_steps(mu, mu_init, O, diagO, p, m)

    def _optimise_steps(self, mu: np.ndarray, mu_init: np.ndarray, O: np.ndarray, diagO: np.ndarray,
                        p: np.ndarray, m: int) -> np.ndarray:
        l2 = float(self.l2)
        b1, b2 = self.betas
        eps = float(self.eps)
        buf = np.zeros_like(mu)
        v = np.zeros_like(mu)
        lrs = self._lr_schedule()
        k = mu.shape[1]
        O_blocks = np.stack([O[j * k:(j + 1) * k, j * k:(j + 1) * k] for j in range(m)])  # (m, k, k)
        for epoch, lr in enumerate(lrs):
            # gradient of ‖(μPμᵀ − O)_Ω‖² = 4·R μP with R the masked residual, computed
            # without forming the d×d residual: full product minus each LF's own block.
            muP = mu * p
            full = mu @ (muP.T @ muP) - O @ muP
            mb = mu.reshape(m, k, k)
            mbP = muP.reshape(m, k, k)
            Rb = mbP @ mb.transpose(0, 2, 1) - O_blocks
            full -= (Rb @ mbP).reshape(m * k, k)
            r = mu @ p - diagO
            grad = 4.0 * full + 2.0 * np.outer(r, p)
            if l2:
                grad += 2.0 * l2 * l2 * (mu - mu_init) + l2 * mu  # loss term + optimiser weight decay
            if not np.all(np.isfinite(grad)):
                raise FloatingPointError(
                    f"MatrixCompletion: loss diverged (NaN); reduce lr (the gradient overflowed at epoch {epoch + 1} "
                    f"of {len(lrs)}, lr={lr:g}, optimizer={self.optimizer!r})")
            t = epoch + 1
            if self.optimizer == "sgd":
                buf = grad if epoch == 0 else self.momentum * buf + grad
                mu = mu - lr * buf
            elif self.optimizer == "adam":
                buf = b1 * buf + (1 - b1) * grad
                v = b2 * v + (1 - b2) * grad * grad
                denom = np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps
                mu = mu - (lr / (1 - b1 ** t)) * buf / denom
            else:  # adamax
                buf = b1 * buf + (1 - b1) * grad
                v = np.maximum(b2 * v, np.abs(grad) + eps)
                mu = mu - (lr / (1 - b1 ** t)) * buf / v
        return mu

    def _lr_schedule(self) -> list[float]:
        """Learning rate of each epoch, as snorkel's torch schedulers set it.

        snorkel builds the warm-up ``LambdaLR`` (``x / warmup_steps``) and then
        the main scheduler on the same optimizer; each one sets the lr when it is
        built.  So the first epoch runs at 0 under a warm-up, except with
        ``"linear"``, whose ``LambdaLR`` puts the full lr back (torch traces
        ``[lr, lr/w, 2·lr/w, ...]``).  After each epoch the warm-up steps while
        ``epoch < warmup_steps``, then the main scheduler, and ``min_lr`` is a
        floor only after the main scheduler's steps (never during the warm-up,
        never for ``"constant"``).  The arithmetic is torch's, so the traces are equal.
        """
        base = float(self.lr)
        total = int(self.n_epochs)
        warm = int(self.warmup_steps)
        sched = self.lr_scheduler
        lr = base if not warm or sched == "linear" else base * (0 / warm)
        out: list[float] = []
        for epoch in range(total):
            out.append(lr)
            if warm and epoch < warm:
                lr = base * ((epoch + 1) / warm)  # the warm-up LambdaLR's step
                continue
            if sched == "constant":
                continue
            x = epoch + 1 - warm  # the main scheduler's step count (torch's last_epoch)
            if sched == "linear":
                lr = base * ((total - warm - x) / (total - warm))
            elif sched == "exponential":
                lr = lr * self.gamma
            elif x % self.step_size == 0:  # step
                lr = lr * self.gamma
            if self.min_lr and lr < self.min_lr:
                lr = float(self.min_lr)
        return out

    @staticmethod
    def _break_symmetry(mu: np.ndarray, p: np.ndarray, m: int, k: int) -> np.ndarray:
        """Column permutation (within equal-prior groups) that trusts the LFs most (Munkres)."""
        from scipy.optimize import linear_sum_assignment

        probs_sum = mu.reshape(m, k, k).sum(0) * p  # [l, y] summed over LFs, times P
        Z = np.zeros((k, k))
        groups: dict[float, list[int]] = {}
        for i, f in enumerate(p):
            groups.setdefault(float(np.around(f, 3)), []).append(i)
        for group in groups.values():
            if len(group) == 1:
                Z[group[0], group[0]] = 1.0
                continue
            sub = probs_sum[np.ix_(group, group)]
            rows, cols = linear_sum_assignment(-sub.T)
            for i, j in zip(rows, cols):
                Z[group[i], group[j]] = 1.0
        return mu @ Z

    # ----------------------------------------------------------- prediction
    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        log_mu = np.log(self.mu_)
        log_p = np.log(self.class_balance_)
        fast = linear_softmax(L, log_mu, log_p)  # compiled one-pass kernel (numba installed, many votes)
        if fast is not None:
            return fast
        out = np.empty((L.n, L.cardinality))
        for start, block in iter_row_chunks(L, self.chunk_rows):
            scores = indicator_matrix(block) @ log_mu + log_p
            out[start:start + block.n] = softmax_rows(np.asarray(scores))
        return out

    def get_conditional_probs(self) -> np.ndarray:
        """``(m, k+1, k)`` table: row 0 = P(abstain | Y), rows 1.. = P(λ = l | Y) (snorkel layout)."""
        self._check_fitted()
        m, k = self.n_lfs_, self.cardinality_
        mu = self.mu_.reshape(m, k, k)
        return np.concatenate([np.clip(1 - mu.sum(1, keepdims=True), 0, 1), mu], axis=1)

    def lf_accuracies(self) -> np.ndarray:
        """``Σ_y P(λ_j = y, Y = y) / coverage_j`` (snorkel's ``get_weights``).

        An LF that never votes (``coverage_j = 0``) gets ``1 / k``, chance: nothing measures it, and its
        abstentions move no prediction.  DawidSkene gives such an LF the same (its table stays uniform);
        the ratio's ``0 / 0`` used to be clipped to ``1e-6``, which reads as an LF that is always wrong.
        """
        self._check_fitted()
        m, k = self.n_lfs_, self.cardinality_
        mu = self.mu_.reshape(m, k, k)
        acc = np.einsum("jyy,y->j", mu, self.class_balance_)
        cov = np.asarray(self.coverage_, dtype=np.float64)
        out = np.clip(np.divide(acc, cov, out=np.zeros(m), where=cov > 0), 1e-6, 1.0)
        out[cov <= 0] = 1.0 / k
        return out
