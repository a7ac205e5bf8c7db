"""Label Learning Flows (LLF): a conditional normalizing flow over the label simplex.

Lu, Song, Arachie & Huang, "Weakly Supervised Label Learning Flows"
(arXiv 2302.09649, Neural Networks 2025).  Instead of estimating one label per
example, LLF learns a distribution ``p(y | x)`` over the ``k``-class simplex
with a conditional flow ``y = g_θ(z; x)``, ``z ~ N(0, I_k)``, trained
*inversely*: sample ``z``, push it to ``y``, and minimise the flow negative
log-likelihood of those samples plus squared-hinge penalties that keep ``y``
inside the constraint set

``Ω(x) = {y in the simplex : for every weak signal i and class c,
mean_{rows covered by i}[(1 - y_c) q_ic + y_c (1 - q_ic)] <= b_ic}``,

where ``q_i`` is the one-hot vote of LF ``i`` (abstains masked out) and
``b_ic`` an upper bound on LF ``i``'s expected error for class ``c``.
Prediction draws ``n_samples`` (10) samples per example, clips them to
``[0, 1]``, averages, and (for :meth:`predict`) takes the argmax.

Differences from the (binary-only, Fashion-MNIST) reference code, all documented
in ``docs/label_learning_flows.md``: any ``k >= 2`` (RealNVP-style couplings
with complementary masks chosen from the bits of the class index, so every
pair of coordinates is split by some coupling); one feature encoder shared by
all couplings, FiLM-conditioned (the reference has one encoder per coupling
and BatchNorm); features standardised on the training rows; error bounds
estimated from votes or a dev set instead of hand-set.

torch is imported only inside the functions/classes that need it, so
``import weaksup.labelmodel`` stays light.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from weaksup.labelmodel.base import (
    LabelModel,
    check_dev,
    check_labels,
    check_votes,
    probs_to_preds,
    resolve_class_balance,
)
from weaksup.votes import VoteMatrix

__all__ = [
    "LabelLearningFlow",
    "expected_errors",
    "estimate_error_bounds",
    "constraint_penalties",
    "check_features",
]

BOUND_SOURCES = ("auto", "dawid_skene", "matrix_completion", "majority", "agreement")


# ---------------------------------------------------------------- validation
def check_features(X: Any, n_rows: int, *, what: str = "X", n_features: int | None = None) -> np.ndarray:
    """Validate features: a finite 2-D ``n_rows × d`` array (scipy sparse is densified).

    Errors name the problem and the first offending row/column.
    """
    if X is None:
        raise ValueError(
            f"LabelLearningFlow needs features: pass {what} as an n×d array aligned with the votes "
            f"({n_rows} rows); the flow models p(y | x)"
        )
    try:
        import scipy.sparse as sp

        if sp.issparse(X):
            X = X.toarray()
    except ImportError:  # pragma: no cover
        pass
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a numeric n×d array: {exc}") from exc
    if arr.ndim != 2:
        raise ValueError(f"{what} must be 2-D (n×d), got shape {arr.shape}")
    if arr.shape[0] != n_rows:
        raise ValueError(f"{what} has {arr.shape[0]} rows but the votes have {n_rows}; they must be aligned row for row")
    if arr.shape[1] == 0:
        raise ValueError(f"{what} has no feature columns")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{what} has {arr.shape[1]} feature columns; the model was fitted on {n_features}")
    bad = ~np.isfinite(arr)
    if bad.any():
        r, c = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(
            f"{what} contains a non-finite value ({arr[r, c]!r}) at row {r}, column {c}; "
            f"{int(bad.sum())} non-finite value(s) in total"
        )
    return arr


# --------------------------------------------------------------- error bounds
def expected_errors(votes: Any, probs: np.ndarray, cardinality: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Expected error of each LF, per class, under label distribution ``probs``.

    For LF ``i`` and class ``c``, with ``q_ic = [vote_i = c]``, this is
    ``mean over rows where i votes of (1 - π_c) q_ic + π_c (1 - q_ic)``, the
    quantity LLF's constraints bound (``π`` one-hot gives the empirical error
    against gold labels).  Returns ``(errors (m×k), counts (m,))``; rows of
    LFs that never vote are 0 with count 0.

    Examples
    --------
    >>> import numpy as np
    >>> e, cnt = expected_errors(np.array([[0, 1], [1, -1]]), np.eye(2))
    >>> e.tolist(), cnt.tolist()
    ([[0.0, 0.0], [1.0, 1.0]], [2, 1])
    """
    L = votes if isinstance(votes, VoteMatrix) else VoteMatrix(votes, None, cardinality)
    k = L.cardinality if cardinality is None else cardinality
    P = np.asarray(probs, dtype=np.float64)
    if P.shape != (L.n, k):
        raise ValueError(f"probs have shape {P.shape}; expected ({L.n}, {k})")
    V = L.to_dense()
    fired = (V >= 0).astype(np.float64)
    counts = fired.sum(0)
    # sum_n fired * pi_c  +  sum_n q_c * (1 - 2 pi_c)
    num = fired.T @ P
    for c in range(k):
        num[:, c] += (V == c).astype(np.float64).T @ (1.0 - 2.0 * P[:, c])
    err = np.divide(num, counts[:, None], out=np.zeros_like(num), where=counts[:, None] > 0)
    return np.clip(err, 0.0, 1.0), counts.astype(np.int64)


def _loo_majority_probs(L: VoteMatrix, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Soft majority vote of all LFs except ``j``; also the rows where it is defined."""
    counts = L.class_counts().astype(np.float64)
    col = L.column(j)
    fired = col >= 0
    counts[np.nonzero(fired)[0], col[fired]] -= 1.0
    tot = counts.sum(1)
    ok = tot > 0
    probs = np.divide(counts, tot[:, None], out=np.zeros_like(counts), where=ok[:, None])
    return probs, ok


def _majority_bounds(L: VoteMatrix) -> np.ndarray:
    """Per-LF, per-class expected error against the leave-one-out soft majority vote."""
    k = L.cardinality
    out = np.ones((L.m, k))
    for j in range(L.m):
        probs, ok = _loo_majority_probs(L, j)
        if not ok.any():
            continue  # no other LF to compare with: vacuous bound 1
        sub = L[np.nonzero(ok)[0]].select_lfs([j])
        err, cnt = expected_errors(sub, probs[ok], k)
        if cnt[0] > 0:
            out[j] = err[0]
    return out


def _agreement_bounds(L: VoteMatrix, strength: float = 10.0, prior_accuracy: float = 0.7) -> np.ndarray:
    """Per-class bounds from one accuracy per LF (agreement with the leave-one-out majority).

    ``a_i`` = mean LOO soft-MV probability of LF ``i``'s vote on the rows where
    another LF also votes, shrunk toward the pooled agreement of all LFs with
    ``strength`` pseudo-rows (``prior_accuracy`` when no two LFs ever co-vote).
    With ``v_ic`` the fraction of LF ``i``'s votes that are ``c`` and errors
    spread evenly over the other classes:
    ``b_ic = (1 - a_i) (v_ic + (1 - v_ic) / (k - 1))``.  Unlike ``"majority"``,
    an LF that rarely co-votes still gets an informative bound.
    """
    k, m = L.cardinality, L.m
    agree = np.zeros(m)
    n_co = np.zeros(m)
    vote_frac = np.zeros((m, k))
    for j in range(m):
        col = L.column(j)
        fired = col >= 0
        if fired.any():
            vote_frac[j] = np.bincount(col[fired], minlength=k)[:k] / fired.sum()
        probs, ok = _loo_majority_probs(L, j)
        rows = np.nonzero(ok & fired)[0]
        n_co[j] = rows.size
        if rows.size:
            agree[j] = probs[rows, col[rows]].sum()
    pooled = agree.sum() / n_co.sum() if n_co.sum() > 0 else prior_accuracy
    acc = (agree + strength * pooled) / (n_co + strength)
    return (1.0 - acc)[:, None] * (vote_frac + (1.0 - vote_frac) / (k - 1))


def estimate_error_bounds(votes: Any, *, source: str = "auto", seed: int | None = 0,
                          class_balance: Any = None) -> tuple[np.ndarray, str]:
    """Estimate per-LF, per-class expected-error bounds ``b`` (m×k) from the votes alone.

    ``source``:

    * ``"dawid_skene"`` / ``"matrix_completion"``: fit that label model from
      :mod:`weaksup.labelmodel` and take each LF's expected error under its
      posterior ``π`` (:func:`expected_errors`);
    * ``"majority"``: the same against the *leave-one-out* soft majority vote of
      the other LFs (an LF cannot agree with itself); an LF that never
      co-votes with another gets the vacuous bound 1;
    * ``"agreement"``: one accuracy per LF from its agreement with the
      leave-one-out majority (shrunk toward the pooled agreement), spread over
      classes with the LF's own vote distribution (:func:`_agreement_bounds`);
      informative even when LFs rarely overlap;
    * ``"auto"``: ``"dawid_skene"`` when it is importable and fits, else
      ``"majority"``.

    Returns ``(bounds, source_used)``.
    """
    if source not in BOUND_SOURCES:
        raise ValueError(f"bound_source must be one of {BOUND_SOURCES}, got {source!r}")
    L = votes if isinstance(votes, VoteMatrix) else check_votes(votes)
    if source in ("auto", "dawid_skene", "matrix_completion"):
        names = ["DawidSkene"] if source in ("auto", "dawid_skene") else ["MatrixCompletion"]
        for name in names:
            try:
                import weaksup.labelmodel as lm

                model = getattr(lm, name)(cardinality=L.cardinality)
                model.fit(L, seed=seed, class_balance=class_balance)
                probs = np.asarray(model.predict_proba(L), dtype=np.float64)
                if not np.all(np.isfinite(probs)):
                    raise ValueError(f"{name} returned non-finite probabilities")
                err, _ = expected_errors(L, probs, L.cardinality)
                return err, name
            except (ImportError, AttributeError, ModuleNotFoundError) as exc:
                if source != "auto":
                    raise ImportError(f"bound_source={source!r} needs weaksup.labelmodel.{name}: {exc}") from exc
            except (ValueError, RuntimeError, np.linalg.LinAlgError):
                if source != "auto":
                    raise
    if source == "agreement":
        return _agreement_bounds(L), "agreement"
    return _majority_bounds(L), "majority"


def _bounds_from_dev(L_dev: VoteMatrix, y_dev: np.ndarray, prior_bounds: np.ndarray,
                     strength: float = 2.0) -> np.ndarray:
    """Empirical dev-set errors, shrunk toward ``prior_bounds`` with ``strength`` pseudo-rows."""
    k = L_dev.cardinality
    err, cnt = expected_errors(L_dev, np.eye(k)[y_dev], k)
    w = cnt[:, None].astype(np.float64)
    return (w * err + strength * prior_bounds) / (w + strength)


# ------------------------------------------------------------------- torch
_CLASSES: dict[str, Any] = {}


def _torch_classes() -> dict[str, Any]:
    """Build (once) the torch modules; torch is imported here, not at module import."""
    if _CLASSES:
        return _CLASSES
    import torch
    from torch import nn

    class _Coupling(nn.Module):
        """Affine coupling: warp the ``warp`` coordinates given the others and the x-encoding."""

        def __init__(self, k: int, hidden: int, warp: list[int], scale_max: float) -> None:
            super().__init__()
            keep = [d for d in range(k) if d not in warp]
            self.scale_max = scale_max
            sel = torch.zeros(k, len(keep))
            sel[keep, range(len(keep))] = 1.0
            put = torch.zeros(len(warp), k)
            put[range(len(warp)), warp] = 1.0
            self.register_buffer("sel", sel, persistent=False)
            self.register_buffer("put", put, persistent=False)
            self.y_in = nn.Sequential(nn.Linear(len(keep), hidden), nn.SiLU(), nn.Linear(hidden, hidden))
            self.film = nn.Linear(hidden, 2 * hidden)
            self.out = nn.Linear(hidden, 2 * len(warp))
            with torch.no_grad():  # start near the identity map
                for lin in (self.film, self.out):
                    lin.weight.normal_(std=0.01)
                    lin.bias.zero_()

        def forward(self, h: Any, y: Any) -> tuple[Any, Any]:
            u = self.y_in(y @ self.sel)
            gamma, beta = self.film(h).chunk(2, dim=-1)
            v = torch.nn.functional.silu(u * (1.0 + gamma) + beta)
            raw_s, b = self.out(v).chunk(2, dim=-1)
            log_s = self.scale_max * torch.tanh(raw_s / self.scale_max)
            y = y * torch.exp(log_s @ self.put) + b @ self.put
            return y, log_s.sum(-1)

    class _ConditionalFlow(nn.Module):
        """``y = g(z; x)``: shared x-encoder, ``n_flows`` steps of two complementary couplings."""

        def __init__(self, k: int, d: int, hidden: int, n_flows: int, scale_max: float = 0.5) -> None:
            super().__init__()
            self.k = k
            self.enc = nn.Sequential(nn.Linear(d, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())
            nbits = max(1, math.ceil(math.log2(k)))
            layers = []
            for t in range(n_flows):
                bit = t % nbits
                a = [c for c in range(k) if not (c >> bit) & 1]
                b = [c for c in range(k) if (c >> bit) & 1]
                if t % 2:
                    a, b = b, a
                layers += [_Coupling(k, hidden, a, scale_max), _Coupling(k, hidden, b, scale_max)]
            self.couplings = nn.ModuleList(layers)

        def forward(self, x: Any, z: Any) -> tuple[Any, Any]:
            h = self.enc(x)
            y, logdet = z, torch.zeros(z.shape[0], dtype=z.dtype)
            for layer in self.couplings:
                y, ld = layer(h, y)
                logdet = logdet + ld
            return y, logdet

        def nll(self, z: Any, logdet: Any) -> Any:
            """``-log2 p(y) / k`` per sample (bits per dimension), ``log p(y) = log N(z) - log|det|``."""
            log_pz = -0.5 * (z ** 2 + math.log(2 * math.pi)).sum(-1)
            return -(log_pz - logdet) / (self.k * math.log(2.0))

    def penalties(y: Any, q: Any, mask: Any, bounds: Any) -> dict[str, Any]:
        zero = torch.zeros((), dtype=y.dtype)
        neg = torch.clamp(-y, min=0).pow(2).sum(-1).mean() if y.shape[0] else zero
        over = torch.clamp(y - 1, min=0).pow(2).sum(-1).mean() if y.shape[0] else zero
        sm = (y.sum(-1) - 1).pow(2).mean() if y.shape[0] else zero
        # expected error of signal i on class c over the rows it covers in this batch
        yi = y.unsqueeze(1)  # n×1×k
        err = ((1 - yi) * q + yi * (1 - q)) * mask.unsqueeze(-1)
        cnt = mask.sum(0).unsqueeze(-1)  # m×1
        c_hat = err.sum(0) / (cnt + 1e-8)
        ws = torch.clamp(c_hat - bounds, min=0).pow(2) * (cnt > 0)
        return {"neg": neg, "over": over, "sum": sm, "ws": ws.sum()}

    _CLASSES.update(torch=torch, Flow=_ConditionalFlow, penalties=penalties)
    return _CLASSES


def _signals(votes: np.ndarray, k: int, torch: Any) -> tuple[Any, Any]:
    """One-hot weak signals ``q`` (n×m×k) and coverage mask (n×m) from dense votes."""
    v = torch.as_tensor(votes, dtype=torch.long)
    mask = (v >= 0).to(torch.float32)
    q = torch.nn.functional.one_hot(v.clamp(min=0), k).to(torch.float32) * mask.unsqueeze(-1)
    return q, mask


def constraint_penalties(y: Any, votes: Any, bounds: Any, cardinality: int | None = None) -> dict[str, float]:
    """LLF's four penalty terms for candidate labels ``y`` (n×k), as floats.

    ``neg = mean_n Σ_c max(-y,0)²``, ``over = mean_n Σ_c max(y-1,0)²``,
    ``sum = mean_n (Σ_c y_c - 1)²`` and ``ws = Σ_{i,c} max(ĉ_ic - b_ic, 0)²``
    with ``ĉ_ic`` LF ``i``'s expected error on class ``c`` over the rows it
    votes on.  All four are 0 exactly when ``y`` lies in the constraint set.

    Examples
    --------
    >>> import numpy as np
    >>> p = constraint_penalties(np.eye(2), np.array([[0], [1]]), np.zeros((1, 2)))
    >>> sorted(p.items())
    [('neg', 0.0), ('over', 0.0), ('sum', 0.0), ('ws', 0.0)]
    """
    T = _torch_classes()
    torch = T["torch"]
    L = votes if isinstance(votes, VoteMatrix) else VoteMatrix(votes, None, cardinality)
    k = L.cardinality if cardinality is None else cardinality
    yt = torch.as_tensor(np.asarray(y, dtype=np.float32))
    if tuple(yt.shape) != (L.n, k):
        raise ValueError(f"y has shape {tuple(yt.shape)}; expected ({L.n}, {k})")
    b = np.array(np.broadcast_to(np.asarray(bounds, dtype=np.float32), (L.m, k)))
    q, mask = _signals(L.to_dense(), k, torch)
    with torch.no_grad():
        out = T["penalties"](yt, q, mask, torch.as_tensor(b))
    return {name: float(val) for name, val in out.items()}


# ------------------------------------------------------------------- model
class LabelLearningFlow(LabelModel):
    """Weakly supervised label learning flow (Lu et al.), multi-class, conditioned on features.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes ``k >= 2`` (inferred from the votes when omitted).
    n_flows : int
        Flow steps; each is two affine couplings with complementary masks (8).
    hidden : int
        Width of the feature encoder and coupling networks (64).
    n_epochs, batch_size : int
        Training length (passes over the rows) and minibatch size.  The
        constraint estimates ``ĉ`` are batch averages, so batches should hold
        enough votes of each LF (a few hundred rows).
    lr, lr_decay, max_grad_norm : float
        Adam learning rate, per-epoch exponential decay, gradient-norm clip
        (paper: 1e-3, 0.996, 1000).
    lambda_neg, lambda_over, lambda_sum, lambda_ws : float
        Penalty weights for ``y < 0``, ``y > 1``, ``Σy ≠ 1`` and the weak-signal
        error bounds (paper: all 10).
    n_samples : int
        Samples per example at prediction (10).
    bound_source : {"auto", "dawid_skene", "matrix_completion", "majority", "agreement"}
        How to estimate error bounds when neither ``error_bounds`` nor ``dev``
        is passed to :meth:`fit` (see :func:`estimate_error_bounds`).
    bound_slack : float
        Added to every estimated bound (looser constraints); clipped to [0, 1].
    dev_strength : float
        Pseudo-rows of the vote-based estimate mixed into each LF's dev-set
        error (an LF that never fires on dev keeps the vote estimate).
    n_threads : int
        torch CPU threads used inside fit/predict (restored afterwards).
    progress : bool
        Show a tqdm bar over epochs.

    Fitted attributes: ``error_bounds_`` (m×k), ``bound_source_`` (where the
    bounds came from), ``class_balance_``, ``lf_accuracies_`` (each LF's
    agreement with the flow's predictions on the training rows),
    ``final_penalties_``, ``flow_params_`` (flat float32 parameter vector).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.synthetic import make_votes
    >>> L, y, _ = make_votes(300, 4, 3, seed=0)
    >>> X = np.eye(3)[y] * 3 + np.random.default_rng(0).normal(size=(300, 3))
    >>> llf = LabelLearningFlow(n_epochs=5).fit(L, X, seed=0)
    >>> llf.predict_proba(L, X).shape
    (300, 3)
    """

    min_lfs = 1
    _fitted_attrs = ("class_balance_", "error_bounds_", "bound_source_", "x_mean_", "x_scale_",
                     "n_features_", "seed_", "flow_params_", "lf_accuracies_", "final_penalties_")

    def __init__(self, cardinality: int | None = None, *, n_flows: int = 8, hidden: int = 64,
                 n_epochs: int = 100, batch_size: int = 256, lr: float = 1e-3, lr_decay: float = 0.996,
                 max_grad_norm: float = 1000.0, lambda_neg: float = 10.0, lambda_over: float = 10.0,
                 lambda_sum: float = 10.0, lambda_ws: float = 10.0, n_samples: int = 10,
                 bound_source: str = "auto", bound_slack: float = 0.0, dev_strength: float = 2.0,
                 n_threads: int = 1, progress: bool = False) -> None:
        self.cardinality = cardinality
        self.n_flows = n_flows
        self.hidden = hidden
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_decay = lr_decay
        self.max_grad_norm = max_grad_norm
        self.lambda_neg = lambda_neg
        self.lambda_over = lambda_over
        self.lambda_sum = lambda_sum
        self.lambda_ws = lambda_ws
        self.n_samples = n_samples
        self.bound_source = bound_source
        self.bound_slack = bound_slack
        self.dev_strength = dev_strength
        self.n_threads = n_threads
        self.progress = progress

    # ------------------------------------------------------------ helpers
    def _check_hparams(self) -> None:
        for name in ("n_flows", "hidden", "n_epochs", "batch_size", "n_samples", "n_threads"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        for name in ("lr", "lr_decay"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("lambda_neg", "lambda_over", "lambda_sum", "lambda_ws", "dev_strength"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        if self.bound_source not in BOUND_SOURCES:
            raise ValueError(f"bound_source must be one of {BOUND_SOURCES}, got {self.bound_source!r}")

    def _standardize(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.x_mean_) / self.x_scale_).astype(np.float32)

    def _net(self) -> Any:
        """The torch flow, rebuilt from ``flow_params_`` when needed (after load)."""
        net = self.__dict__.get("_flow_net")
        if net is None:
            T = _torch_classes()
            torch = T["torch"]
            net = T["Flow"](int(self.cardinality), int(self.n_features_), int(self.hidden), int(self.n_flows))
            torch.nn.utils.vector_to_parameters(torch.as_tensor(np.asarray(self.flow_params_, np.float32)),
                                                net.parameters())
            net.eval()
            self.__dict__["_flow_net"] = net
        return net

    def _resolve_bounds(self, L: VoteMatrix, error_bounds: Any, dev: Any, class_balance: Any,
                        seed: int) -> tuple[np.ndarray, str]:
        k, m = L.cardinality, L.m
        if error_bounds is not None:
            b = np.asarray(error_bounds, dtype=np.float64)
            if b.ndim == 1 and b.shape == (m,):
                b = b[:, None]  # one bound per LF, same for every class
            try:
                b = np.broadcast_to(b, (m, k)).copy()
            except ValueError:
                raise ValueError(
                    f"error_bounds has shape {b.shape}; expected a scalar, (m,) = ({m},) per LF, or (m, k) = ({m}, {k})"
                ) from None
            if not np.all(np.isfinite(b)) or np.any(b < 0) or np.any(b > 1):
                raise ValueError("error_bounds must be finite and within [0, 1]")
            return b, "given"
        est, src = estimate_error_bounds(L, source=self.bound_source, seed=seed, class_balance=class_balance)
        if dev is not None:
            est = _bounds_from_dev(dev[0], dev[1], est, float(self.dev_strength))
            src = f"dev+{src}"
        return np.clip(est + float(self.bound_slack), 0.0, 1.0), src

    # ------------------------------------------------------------ contract
    def fit(self, votes: Any, X: Any = None, *, class_balance: Any = None, dev: Any = None,
            seed: int | None = None, error_bounds: Any = None) -> LabelLearningFlow:
        """Fit the flow on votes (n×m) and features ``X`` (n×d); returns self.

        Parameters
        ----------
        votes : VoteMatrix or array-like
            Training votes.
        X : array-like (n×d)
            Features aligned with the vote rows (required).
        class_balance : array-like (k,), optional
            Only used by the ``"prior"`` tie-break and the bound estimator.
        dev : (votes, y) or (votes, y, X), optional
            A small labelled set.  Its empirical per-LF, per-class errors
            (shrunk toward the vote-based estimate) become the error bounds.
            With features, its rows also join training with their gold label
            as an extra weak signal of error bound 0.
        seed : int, optional
            Seeds weight init, minibatch order and z samples (``None`` = 0);
            the same seed gives the same model and predictions.
        error_bounds : float, (m,) or (m, k) array, optional
            Upper bounds on each LF's expected error per class; overrides the
            estimate.
        """
        self._check_hparams()
        L = check_votes(votes, self.cardinality, min_lfs=self.min_lfs)
        k = L.cardinality
        if k < 2:
            raise ValueError(f"LabelLearningFlow needs at least 2 classes; got cardinality {k}")
        Xa = check_features(X, L.n)
        if L.n < 2:
            raise ValueError(f"LabelLearningFlow needs at least 2 training rows, got {L.n}")
        dev_X = None
        if dev is not None and isinstance(dev, (tuple, list)) and len(dev) == 3:
            dev_X = dev[2]
            dev = (dev[0], dev[1])
        dev_checked = check_dev(dev, L.m, k)
        if dev_X is not None:
            dev_X = check_features(dev_X, dev_checked[0].n, what="dev features", n_features=Xa.shape[1])  # type: ignore[index]
        if self.cardinality is None:
            self.cardinality = k
        seed = 0 if seed is None else int(seed)
        self.__dict__.pop("_flow_net", None)
        self.n_lfs_ = L.m
        self.lf_names_ = list(L.lf_names)
        self.seed_ = seed
        self.n_features_ = int(Xa.shape[1])
        self.class_balance_ = resolve_class_balance(class_balance, dev_checked, L, k, "votes")
        bounds, src = self._resolve_bounds(L, error_bounds, dev_checked, class_balance, seed)
        self.error_bounds_ = bounds
        self.bound_source_ = src

        V = L.to_dense().astype(np.int64)
        Xfit = Xa
        if dev_X is not None:
            L_dev, y_dev = dev_checked  # type: ignore[misc]
            gold = np.concatenate([np.full(L.n, -1), y_dev])[:, None]
            V = np.hstack([np.vstack([V, L_dev.to_dense().astype(np.int64)]), gold])
            bounds = np.vstack([bounds, np.zeros((1, k))])
            Xfit = np.vstack([Xa, dev_X])
        self.x_mean_ = Xfit.mean(0)
        scale = Xfit.std(0)
        self.x_scale_ = np.where(scale > 1e-8, scale, 1.0)
        self._train(self._standardize(Xfit), V, bounds, k, seed)

        probs = self._predict_proba_X(Xa)
        preds = probs.argmax(1)
        Vtr = L.to_dense()
        fired = Vtr >= 0
        agree = (Vtr == preds[:, None]) & fired
        cnt = fired.sum(0)
        self.lf_accuracies_ = np.divide(agree.sum(0), cnt, out=np.full(L.m, np.nan), where=cnt > 0)
        return self

    def _train(self, Xs: np.ndarray, V: np.ndarray, bounds: np.ndarray, k: int, seed: int) -> None:
        T = _torch_classes()
        torch = T["torch"]
        old_threads = torch.get_num_threads()
        torch.set_num_threads(int(self.n_threads))
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                net = T["Flow"](k, Xs.shape[1], int(self.hidden), int(self.n_flows))
            gen = torch.Generator().manual_seed(seed)
            rng = np.random.default_rng(seed)
            opt = torch.optim.Adam(net.parameters(), lr=float(self.lr))
            sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=float(self.lr_decay))
            Xt = torch.as_tensor(Xs)
            q_all, mask_all = _signals(V, k, torch)
            bt = torch.as_tensor(bounds, dtype=torch.float32)
            n = Xs.shape[0]
            bs = min(int(self.batch_size), n)
            lam = (float(self.lambda_neg), float(self.lambda_over), float(self.lambda_sum), float(self.lambda_ws))
            epochs = range(int(self.n_epochs))
            if self.progress:
                from tqdm.auto import tqdm

                epochs = tqdm(epochs, desc="LLF", unit="epoch")
            last: dict[str, float] = {}
            net.train()
            for _ in epochs:
                order = rng.permutation(n)
                sums = {"loss": 0.0, "nll": 0.0, "neg": 0.0, "over": 0.0, "sum": 0.0, "ws": 0.0}
                nb = 0
                # drop a too-small trailing batch (noisy constraint estimates)
                for start in range(0, n - bs + 1 if n >= bs else 1, bs):
                    idx = torch.as_tensor(order[start:start + bs])
                    z = torch.randn(len(idx), k, generator=gen)
                    y, logdet = net(Xt[idx], z)
                    nll = net.nll(z, logdet).mean()
                    pen = T["penalties"](y, q_all[idx], mask_all[idx], bt)
                    loss = (nll + lam[0] * pen["neg"] + lam[1] * pen["over"] + lam[2] * pen["sum"]
                            + lam[3] * pen["ws"])
                    opt.zero_grad()
                    loss.backward()
                    gn = torch.nn.utils.clip_grad_norm_(net.parameters(), float(self.max_grad_norm))
                    if not torch.isfinite(gn):
                        continue
                    opt.step()
                    nb += 1
                    sums["loss"] += loss.item()
                    sums["nll"] += nll.item()
                    for key in ("neg", "over", "sum", "ws"):
                        sums[key] += pen[key].item()
                sched.step()
                last = {key: v / max(nb, 1) for key, v in sums.items()}
                if self.progress:
                    epochs.set_postfix(loss=f"{last['loss']:.3f}", ws=f"{last['ws']:.4f}")  # type: ignore[union-attr]
            if not last or not math.isfinite(last["loss"]):
                raise RuntimeError("LabelLearningFlow training diverged (non-finite loss); lower lr")
            net.eval()
            self.final_penalties_ = last
            self.flow_params_ = torch.nn.utils.parameters_to_vector(net.parameters()).detach().numpy().copy()
            self.__dict__["_flow_net"] = net
        finally:
            torch.set_num_threads(old_threads)

    def sample(self, X: Any, n_samples: int | None = None, *, seed: int | None = None) -> np.ndarray:
        """Raw flow samples ``y`` of shape (n_samples, n, k) for features ``X`` (not clipped)."""
        self._check_fitted()
        n = int(np.shape(X)[0]) if X is not None and np.ndim(X) == 2 else -1
        Xa = check_features(X, n, n_features=self.n_features_)
        return self._samples(self._standardize(Xa), int(n_samples or self.n_samples),
                             self.seed_ if seed is None else seed)

    def _samples(self, Xs: np.ndarray, n_samples: int, seed: int, chunk: int = 8192) -> np.ndarray:
        T = _torch_classes()
        torch = T["torch"]
        net = self._net()
        k = int(self.cardinality)  # type: ignore[arg-type]
        gen = torch.Generator().manual_seed(int(seed) + 1_000_003)
        out = np.empty((n_samples, Xs.shape[0], k), dtype=np.float32)
        old_threads = torch.get_num_threads()
        torch.set_num_threads(int(self.n_threads))
        try:
            with torch.no_grad():
                for s in range(n_samples):
                    for start in range(0, Xs.shape[0], chunk):
                        xb = torch.as_tensor(Xs[start:start + chunk])
                        z = torch.randn(xb.shape[0], k, generator=gen)
                        out[s, start:start + chunk] = net(xb, z)[0].numpy()
        finally:
            torch.set_num_threads(old_threads)
        return out

    def _predict_proba_X(self, Xa: np.ndarray) -> np.ndarray:
        samples = self._samples(self._standardize(Xa), int(self.n_samples), int(self.seed_))
        avg = np.clip(samples, 0.0, 1.0).mean(0).astype(np.float64)
        tot = avg.sum(1, keepdims=True)
        k = avg.shape[1]
        return np.where(tot > 1e-12, avg / np.where(tot > 1e-12, tot, 1.0), 1.0 / k)

    def predict_proba(self, votes: Any, X: Any = None) -> np.ndarray:  # type: ignore[override]
        """``n × k`` probabilities: mean of ``n_samples`` flow samples clipped to [0, 1], renormalised.

        The flow depends on ``X`` only; ``votes`` are validated (LF count, rows
        aligned with ``X``).  Deterministic: sampling is seeded by the fit seed.
        """
        L = self._check_predict_votes(votes)
        Xa = check_features(X, L.n, n_features=self.n_features_)
        if L.n == 0:
            return np.zeros((0, int(self.cardinality)))  # type: ignore[arg-type]
        return self._predict_proba_X(Xa)

    def predict(self, votes: Any, X: Any = None, tie_break: str = "random", *,  # type: ignore[override]
                return_probs: bool = False, seed: int | None = None) -> Any:
        """Hard labels: argmax of :meth:`predict_proba` with the given tie-break."""
        if isinstance(X, str):
            raise TypeError("LabelLearningFlow.predict(votes, X, tie_break=...): X must be features, got a string")
        probs = self.predict_proba(votes, X)
        preds = probs_to_preds(probs, tie_break, prior=getattr(self, "class_balance_", None), seed=seed)
        return (preds, probs) if return_probs else preds

    def score(self, votes: Any, y: Any, metric: str | list[str] = "accuracy",  # type: ignore[override]
              tie_break: str = "random", *, X: Any = None) -> Any:
        """Score against gold labels (features passed as ``X=``)."""
        from weaksup.metrics import score as _score

        L = self._check_predict_votes(votes)
        y = check_labels(y, self.cardinality, what="y")  # type: ignore[arg-type]
        if len(y) != L.n:
            raise ValueError(f"votes have {L.n} rows but y has {len(y)}")
        probs = self.predict_proba(L, X)
        preds = probs_to_preds(probs, tie_break, prior=getattr(self, "class_balance_", None))
        if isinstance(metric, str):
            return _score(metric, y, preds, probs)
        return {m: _score(m, y, preds, probs) for m in metric}

    def lf_accuracies(self) -> np.ndarray:
        """Each LF's agreement with the flow's predictions on the training rows it votes on."""
        self._check_fitted()
        return np.asarray(self.lf_accuracies_)

    def _fit(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:  # pragma: no cover
        raise TypeError("LabelLearningFlow needs features: call fit(votes, X)")
