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
pair of coordinates is split by some coupling when ``n_flows >= ceil(log2 k)``,
as with the default 8 flows for ``k <= 256``; fewer flows cannot separate every
pair); one feature encoder shared by
all couplings, FiLM-conditioned (the reference has one encoder per coupling
and BatchNorm); features standardised on the training rows; error bounds
estimated from votes or a labelled valid set instead of hand-set.

Layout: the model and its contract here (:class:`~weaksup.flows.base.FeatureLabelModel`),
error bounds in :mod:`weaksup.flows.bounds` (torch-free), the torch networks in
:mod:`weaksup.flows._nets` (built on first use, so ``import weaksup.flows`` stays light).
"""

from __future__ import annotations

import math
import pickle
import warnings
from typing import Any, Self

import numpy as np

from weaksup._threads import TORCH_RNG_LOCK, torch_threads
from weaksup._deprecate import renamed_kwargs, warn_deprecated
from weaksup._validation import Interval, OneOf, check_seed, user_stacklevel
from weaksup._validation import check_features as _check_features
from weaksup.flows._nets import constraint_penalties, signals, torch_classes
from weaksup.flows.base import FeatureLabelModel
from weaksup.flows.bounds import BOUND_SOURCES, bounds_from_valid, estimate_error_bounds, expected_errors
from weaksup.labelmodel.base import resolve_class_balance
from weaksup.votes import ABSTAIN, VoteMatrix

__all__ = [
    "LabelLearningFlow",
    "FeatureLabelModel",
    "expected_errors",
    "estimate_error_bounds",
    "constraint_penalties",
    "check_features",
    "BOUND_SOURCES",
]


def check_features(X: Any, n_rows: int, *, what: str = "X", n_features: int | None = None) -> np.ndarray:
    """Deprecated: use :func:`weaksup._validation.check_features` (``n_rows=``, ``dense=True``).

    Examples
    --------
    >>> import warnings
    >>> from weaksup.flows import check_features
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     X = check_features([[1, 2], [3, 4]], 2)
    >>> X.shape, caught[0].category.__name__
    ((2, 2), 'DeprecationWarning')
    """
    warn_deprecated("weaksup.flows.check_features(X, n_rows)",
                    "weaksup._validation.check_features(X, what, n_features, n_rows=n_rows, dense=True)")
    return np.asarray(_check_features(X, what, n_features, n_rows=n_rows, dense=True))


#: How :meth:`LabelLearningFlow._samples` draws its base samples, recorded in every fit (saved as the file's
#: ``predict_rule``, kept in pickles): ``"shared-z"``, one seeded ``z_s`` per sample index pushed through the flow
#: for every row (since c142dd0, 2026-12-02 17:07 UTC).  Before, ``z`` was drawn row after row, so a flow fitted
#: then predicts otherwise here; such fits recorded no rule.  A new rule gets a new value.
PREDICT_RULE = "shared-z"
_C142DD0 = "2026-12-02 17:07 UTC, commit c142dd0"


def _unrecorded_rule(where: str) -> str:
    """The warning for a fitted flow without a recorded prediction rule (``where``: the file, or the pickle)."""
    return (f"{where} does not record its prediction rule (weaksup records it since 2026-12-03). A flow fitted by a "
            f"weaksup from before {_C142DD0} drew its own z for every row, and this weaksup's predictions of it "
            "differ from the ones it gave (in a test: up to 0.58 per class, 264 of 400 argmaxes): refit it (and "
            "save it again) if it may be that old. A flow fitted since predicts exactly as it did.")


# ------------------------------------------------------------------- model
class LabelLearningFlow(FeatureLabelModel):
    """Weakly supervised label learning flow (Lu et al.), multi-class, conditioned on features.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes ``k >= 2`` (inferred from the votes when omitted).
    n_flows : int
        Flow steps; each is two affine couplings with complementary masks (8).
        Step ``t`` splits the classes by bit ``t mod ceil(log2 k)`` of their
        index, so every pair of classes is split by some step only when
        ``n_flows >= ceil(log2 k)``.
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
        How to estimate error bounds when neither ``error_bounds`` nor ``valid``
        is passed to :meth:`fit` (see :func:`~weaksup.flows.bounds.estimate_error_bounds`).
    bound_slack : float
        Added to every estimated bound (looser constraints), in [-1, 1]; the bounds are clipped to [0, 1].
    valid_strength : float
        Pseudo-rows of the vote-based estimate mixed into each LF's error on
        the ``valid`` rows (an LF that never fires there keeps the vote estimate).
    n_threads : int
        torch CPU threads used inside fit/predict (restored afterwards).
    progress : bool
        Show a tqdm bar over epochs.

    Notes
    -----
    Fitted attributes: ``error_bounds_`` (m×k), ``bound_source_`` (where the
    bounds came from: ``"given"``, the ``bound_source`` used, or
    ``"valid+<source>"`` with a ``valid`` set; models saved before the
    rename report ``"dev+<source>"``), ``class_balance_``, ``lf_accuracies_`` (each LF's
    agreement with the flow's predictions on the training rows),
    ``final_penalties_``, ``flow_params_`` (flat float32 parameter vector).

    A fit records how its predictions draw ``z`` (:data:`PREDICT_RULE`) in saved files and pickles; a
    fitted flow without that record (saved or pickled before 2026-12-03) loads with a warning, since one
    fitted before c142dd0 (2026-12-02) predicts otherwise here.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.synthetic import make_votes
    >>> from weaksup import LabelLearningFlow
    >>> L, y, _ = make_votes(300, 4, 3, seed=0)
    >>> X = np.eye(3)[y] * 3 + np.random.default_rng(0).normal(size=(300, 3))
    >>> llf = LabelLearningFlow(n_epochs=5).fit(L, X, seed=0)
    >>> llf.predict_proba(L, X).shape
    (300, 3)
    """

    min_lfs = 1
    _parameter_constraints = {
        **{name: [Interval(1, None, integer=True)]
           for name in ("n_flows", "hidden", "n_epochs", "batch_size", "n_samples", "n_threads")},
        "lr": [Interval(0, None, closed="neither")],
        "lr_decay": [Interval(0, None, closed="neither")],
        "max_grad_norm": [Interval(0, None, closed="neither")],
        **{name: [Interval(0, None)]
           for name in ("lambda_neg", "lambda_over", "lambda_sum", "lambda_ws", "valid_strength")},
        "bound_source": [OneOf(*BOUND_SOURCES)],
        # finite (NaN would make every bound NaN); beyond ±1 the clip to [0, 1] makes it meaningless
        "bound_slack": [Interval(-1, 1)],
        "progress": [bool],
    }
    _fitted_attrs = ("class_balance_", "error_bounds_", "bound_source_", "x_mean_", "x_scale_",
                     "n_features_", "seed_", "flow_params_", "lf_accuracies_", "final_penalties_")

    _renamed = {"dev_strength": "valid_strength"}

    @renamed_kwargs(dev_strength="valid_strength")
    def __init__(self, cardinality: int | None = None, *, n_flows: int = 8, hidden: int = 64,
                 n_epochs: int = 100, batch_size: int = 256, lr: float = 1e-3, lr_decay: float = 0.996,
                 max_grad_norm: float = 1000.0, lambda_neg: float = 10.0, lambda_over: float = 10.0,
                 lambda_sum: float = 10.0, lambda_ws: float = 10.0, n_samples: int = 10,
                 bound_source: str = "auto", bound_slack: float = 0.0, valid_strength: float = 2.0,
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
        self.valid_strength = valid_strength
        self.n_threads = n_threads
        self.progress = progress

    # ------------------------------------------------------------ helpers
    def __getstate__(self) -> dict[str, Any]:
        """Pickle / deepcopy state without the cached torch network: its class is built inside
        :func:`~weaksup.flows._nets.torch_classes` and cannot be pickled; :meth:`_net` rebuilds it from
        ``flow_params_`` on first use, giving the same predictions."""
        state = self.__dict__.copy()
        state.pop("_flow_net", None)
        return state

    def __setstate__(self, state: Any) -> None:
        """Unpickle, checking the state as every weaksup model does, and the flow's prediction rule: a fitted
        flow pickled without one (before 2026-12-03) is warned about, one of another rule refused."""
        super().__setstate__(state)
        if "flow_params_" in self.__dict__:
            self._check_predict_rule(self.__dict__.get("_predict_rule"), "this unpickled LabelLearningFlow",
                                     pickle.UnpicklingError)

    @staticmethod
    def _check_predict_rule(rule: Any, where: str, error: type[Exception]) -> None:
        """Warn when a fitted flow's recorded prediction ``rule`` is missing; ``error`` when it is another."""
        if rule is None:
            warnings.warn(_unrecorded_rule(where), UserWarning, stacklevel=user_stacklevel())
        elif rule != PREDICT_RULE:
            raise error(f"{where} predicts by rule {rule!r}, this weaksup by {PREDICT_RULE!r} (it was written by "
                        "another weaksup): load it with that weaksup, or refit it")

    def _state(self, stream: bool = True) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = super()._state(stream)
        rule = self.__dict__.get("_predict_rule")
        if rule is not None:  # a model loaded from a file without it stays without it: the rule is not known
            meta["predict_rule"] = rule
        return meta, arrays

    def _restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any) -> None:
        rule = meta.get("predict_rule")
        self._check_predict_rule(rule, str(path), ValueError)
        if rule is not None:
            self._predict_rule = rule

    def _standardize(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.x_mean_) / self.x_scale_).astype(np.float32)

    def _net(self) -> Any:
        """The torch flow, rebuilt from ``flow_params_`` when needed (after load)."""
        net = self.__dict__.get("_flow_net")
        if net is None:
            T = torch_classes()
            torch = T["torch"]
            net = T["Flow"](int(self.cardinality_), int(self.n_features_), int(self.hidden), int(self.n_flows))
            torch.nn.utils.vector_to_parameters(torch.as_tensor(np.asarray(self.flow_params_, np.float32)),
                                                net.parameters())
            net.eval()
            self.__dict__["_flow_net"] = net
        return net

    def _resolve_bounds(self, L: VoteMatrix, error_bounds: Any, valid: Any, class_balance: Any,
                        seed: int) -> tuple[np.ndarray, str]:
        k, m = L.cardinality, L.m
        if error_bounds is not None:
            b = np.asarray(error_bounds, dtype=np.float64)
            if b.ndim == 1:
                # a 1-d vector is one bound per LF; one of length k would read per class when m != k but
                # per LF when m == k, so it is refused rather than guessed
                if b.shape != (m,):
                    raise ValueError(
                        f"error_bounds is a 1-d vector of length {b.size}; a 1-d vector gives one bound per LF "
                        f"and must have length m = {m} (for per-class bounds pass an (m, k) = ({m}, {k}) array, "
                        f"or (1, {k}) for the same per-class bounds on every LF)")
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
        with warnings.catch_warnings():
            # fit already warned about these (check_fit_votes); the bound estimator's label model would repeat it
            for said in (r"votes: LF .* never fires", r"votes: no LF votes class"):
                warnings.filterwarnings("ignore", message=said, category=UserWarning)
            est, src = estimate_error_bounds(L, source=self.bound_source, seed=seed, class_balance=class_balance)
        if valid is not None:
            est = bounds_from_valid(valid[0], valid[1], est, float(self.valid_strength))
            src = f"valid+{src}"  # "dev+..." before the parameter was renamed valid
        return np.clip(est + float(self.bound_slack), 0.0, 1.0), src

    # ------------------------------------------------------------ contract
    @renamed_kwargs(dev="valid")
    def fit(self, votes: Any, X: Any, *, class_balance: Any = None, valid: Any = None,
            seed: int | None = None, error_bounds: Any = None, **fit_params: Any) -> Self:
        """Fit the flow on votes (n×m) and features ``X`` (n×d); returns self.

        Parameters
        ----------
        votes : VoteMatrix or array-like
            Training votes.
        X : array-like (n×d)
            Features aligned with the vote rows.
        class_balance : array-like (k,), optional
            Only used by the ``"prior"`` tie-break and the bound estimator.
        valid : (votes, y) or (votes, y, X), optional
            A small labelled set (``dev=`` is a deprecated alias).  Its
            empirical per-LF, per-class errors (shrunk toward the vote-based
            estimate) become the error bounds.  With features, its rows also
            join training with their gold label as an extra weak signal of
            error bound 0.
        seed : int, optional
            Seeds weight init, minibatch order and z samples (``None`` = 0);
            the same seed gives the same model and predictions.  An int in
            ``[0, 2**32 - 1]`` (numpy ints too), checked before anything else: a
            str, float or bool is a ``TypeError``, an int out of range a
            ``ValueError``, both naming ``LabelLearningFlow.fit``.
        error_bounds : float, (m,) or (m, k) array, optional
            Upper bounds on each LF's expected error per class; overrides the
            estimate.  A 1-d vector must have length m (one bound per LF);
            ``(1, k)`` gives every LF the same per-class bounds.
        """
        super().fit(votes, X, class_balance=class_balance, valid=valid, seed=seed, error_bounds=error_bounds,
                    **fit_params)
        return self

    def _fit(self, L: VoteMatrix, X: np.ndarray, *, class_balance: Any,
             valid: tuple[VoteMatrix, np.ndarray, np.ndarray | None] | None, seed: int | None,
             **fit_params: Any) -> None:
        error_bounds = fit_params.pop("error_bounds", None)
        if fit_params:
            raise TypeError(f"LabelLearningFlow.fit() got unexpected keyword argument(s) {sorted(fit_params)}")
        k = L.cardinality
        if L.n < 2:
            raise ValueError(f"LabelLearningFlow needs at least 2 training rows, got {L.n}")
        Xa = X
        valid_pair = None if valid is None else (valid[0], valid[1])
        valid_X = None if valid is None else valid[2]
        seed = 0 if seed is None else int(seed)
        self.__dict__.pop("_flow_net", None)
        self._predict_rule = PREDICT_RULE  # how _samples draws z: saved and pickled with the fit
        self.seed_ = seed
        self.class_balance_ = resolve_class_balance(class_balance, valid_pair, L, k, "votes")
        bounds, src = self._resolve_bounds(L, error_bounds, valid_pair, class_balance, seed)
        self.error_bounds_ = bounds
        self.bound_source_ = src

        V = L.to_dense().astype(np.int64)
        Xfit = Xa
        if valid is not None and valid_X is not None:
            L_valid, y_valid = valid[0], valid[1]
            gold = np.concatenate([np.full(L.n, ABSTAIN), y_valid])[:, None]
            V = np.hstack([np.vstack([V, L_valid.to_dense().astype(np.int64)]), gold])
            bounds = np.vstack([bounds, np.zeros((1, k))])
            Xfit = np.vstack([Xa, valid_X])
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

    def _train(self, Xs: np.ndarray, V: np.ndarray, bounds: np.ndarray, k: int, seed: int) -> None:
        T = torch_classes()
        torch = T["torch"]
        old_threads = torch.get_num_threads()
        torch.set_num_threads(torch_threads(int(self.n_threads)))
        try:
            with TORCH_RNG_LOCK, torch.random.fork_rng(devices=[]):  # the generator is the process's: one at a time
                torch.manual_seed(seed)
                net = T["Flow"](k, Xs.shape[1], int(self.hidden), int(self.n_flows))
            gen = torch.Generator().manual_seed(seed)
            rng = np.random.default_rng(seed)
            opt = torch.optim.Adam(net.parameters(), lr=float(self.lr))
            sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=float(self.lr_decay))
            Xt = torch.as_tensor(Xs)
            q_all, mask_all = signals(V, k, torch)
            bt = torch.as_tensor(bounds, dtype=torch.float32)
            n = Xs.shape[0]
            bs = min(int(self.batch_size), n)
            lam = (float(self.lambda_neg), float(self.lambda_over), float(self.lambda_sum), float(self.lambda_ws))
            epochs: Any = range(int(self.n_epochs))
            if self.progress:
                from weaksup._progress import progress_bar

                epochs = bar = progress_bar(epochs, desc="LLF", unit="epoch")
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
                    bar.set_postfix(loss=f"{last['loss']:.3f}", ws=f"{last['ws']:.4f}")
            if not last or not math.isfinite(last["loss"]):
                raise RuntimeError("LabelLearningFlow training diverged (non-finite loss); lower lr")
            net.eval()
            self.final_penalties_ = last
            self.flow_params_ = torch.nn.utils.parameters_to_vector(net.parameters()).detach().numpy().copy()
            self.__dict__["_flow_net"] = net
        finally:
            torch.set_num_threads(old_threads)

    def sample(self, X: Any, n_samples: int | None = None, *, seed: int | None = None) -> np.ndarray:
        """Raw flow samples ``y`` of shape (n_samples, n, k) for features ``X`` (not clipped).

        ``n_samples`` defaults to the ``n_samples`` parameter; 0 gives an empty ``(0, n, k)`` array.
        Sample ``s`` pushes the same base draw ``z_s`` (from ``seed``, default the fit seed) through the
        flow for every row, so a row's samples depend on its features and the seed only, not on the
        other rows of ``X`` or its position there.  ``seed``: None or an int in ``[0, 2**32 - 1]``
        (:func:`weaksup._validation.check_seed`), checked first.
        """
        seed = check_seed(seed, f"{type(self).__name__}.sample")
        self._check_fitted()
        if n_samples is None:
            n_samples = self.n_samples
        elif not Interval(0, None, integer=True).accepts(n_samples):  # 0 used to mean "the default"
            raise ValueError(f"n_samples must be an int >= 0, got {n_samples!r}")
        # the checks predict runs: a frame's feature names against the fitted ones, masked cells refused
        Xa = self._check_X(X, "X")
        return self._samples(self._standardize(Xa), int(n_samples), self.seed_ if seed is None else seed)

    def _samples(self, Xs: np.ndarray, n_samples: int, seed: int, chunk: int = 8192) -> np.ndarray:
        T = torch_classes()
        torch = T["torch"]
        net = self._net()
        k = int(self.cardinality_)
        gen = torch.Generator().manual_seed(int(seed) + 1_000_003)
        # one z per sample index, shared by every row: a row's samples depend on its features and the seed
        # only, never on its position in X or on the other rows of the batch
        zs = torch.randn(n_samples, k, generator=gen)
        out = np.empty((n_samples, Xs.shape[0], k), dtype=np.float32)
        old_threads = torch.get_num_threads()
        torch.set_num_threads(torch_threads(int(self.n_threads)))
        try:
            with torch.no_grad():
                for s in range(n_samples):
                    for start in range(0, Xs.shape[0], chunk):
                        xb = torch.as_tensor(Xs[start:start + chunk])
                        z = zs[s].expand(xb.shape[0], k)
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

    def _predict_proba(self, L: VoteMatrix, X: np.ndarray) -> np.ndarray:
        """Mean of ``n_samples`` flow samples clipped to [0, 1], renormalised.

        The flow depends on ``X`` only; the votes are validated (LF count, rows
        aligned with ``X``).  Deterministic: sampling is seeded by the fit seed,
        with the same ``n_samples`` base draws for every row, so a row's
        probabilities do not depend on the other rows or on its position.
        """
        return self._predict_proba_X(X)

    def lf_accuracies(self) -> np.ndarray:
        """Each LF's agreement with the flow's predictions on the training rows it votes on."""
        self._check_fitted()
        return np.asarray(self.lf_accuracies_)
