"""EBCC: enhanced Bayesian classifier combination (Li, Rubinstein & Cohn, ICML 2019).

Generative model: class ``Y ~ Cat(τ)``, ``τ ~ Dir(α)``; within class ``y`` a
latent subtype ``g ~ Cat(π_y)``, ``π_y ~ Dir(a_π/M)``; each LF ``j`` votes
``λ_j ~ Cat(v_{j,y,g})`` with ``v_{j,y,g} ~ Dir(β_y)`` (``β_yy = a_v``,
``β_yl = b_v``).  Subtypes let groups of correlated LFs be explained jointly.
Abstains are missing.  Mean-field variational Bayes over ``q(Y, g)`` and the
Dirichlet posteriors; ``repeat`` random restarts, the one with the largest
ELBO is kept.  A restart's random subtype weights of a vote row are drawn in
the order of a key of which named LFs vote together in that row, so the fit
does not depend on the order of the rows or the LF columns, or on the class
names.

Vectorised: the VB updates run on the distinct vote rows weighted by their
counts as sparse products (``O(nnz · k · M)`` per iteration).  Prediction is
one E-step under the fitted posteriors (WRENCH's ``eval`` mode).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import digamma, gammaln

from weaksup._validation import Interval
from weaksup.labelmodel._kernels import grouped_softmax
from weaksup.labelmodel._stats import (
    indicator_matrix,
    _vote_rows,
    iter_row_chunks,
    softmax_rows,
    vote_codes,
    vote_patterns,
    warn_one_sided,
)
from weaksup.labelmodel.base import LabelModel, fit_progress_enabled, resolve_class_balance
from weaksup.labelmodel.dawid_skene import warn_not_converged
from weaksup.votes import VoteMatrix

__all__ = ["EBCC"]


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, elementwise on ``uint64`` (wrapping): a bijective 64-bit mix."""
    z = np.asarray(x, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _partition_keys(ind: Any, lf_names: list[str], k: int) -> np.ndarray:
    """A 64-bit key per vote row that depends only on which named LFs vote together.

    Per class, the set of LFs voting it is hashed (a sum of 32-bit per-name
    hashes, exact in float64 below 2²¹ LFs); the classes' set hashes are mixed
    and summed.  So the key does not change when rows, LF columns (names move
    with them) or class labels are permuted, or when an LF that never votes is
    added.
    """
    import hashlib

    h = np.array([int.from_bytes(hashlib.blake2b(n.encode(), digest_size=4).digest(), "little")
                  for n in lf_names], dtype=np.float64)
    P = ind.shape[0]
    codes = _vote_rows(ind) * k + ind.indices.astype(np.intp) % k
    sets = np.bincount(codes, weights=h[ind.indices.astype(np.intp) // k], minlength=P * k).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = np.where(sets != 0, _splitmix64(sets), np.uint64(0)).reshape(P, k)
        return mixed.sum(1, dtype=np.uint64)


def _dirichlet_entropy(a: np.ndarray) -> np.ndarray:
    """Entropy of Dirichlet(a) along the last axis."""
    a0 = a.sum(-1)
    K = a.shape[-1]
    log_b = gammaln(a).sum(-1) - gammaln(a0)
    return log_b + (a0 - K) * digamma(a0) - ((a - 1) * digamma(a)).sum(-1)


class EBCC(LabelModel):
    """Enhanced Bayesian classifier combination (variational Bayes with class subtypes).

    Parameters
    ----------
    cardinality : int, optional
        Number of classes.
    num_groups : int
        Subtypes per class ``M`` (10).
    a_pi : float
        Concentration of the subtype weights (``Dir(a_pi / M)``).
    alpha : float
        Class-prior concentration when ``empirical_prior=False``.
    a_v, b_v : float
        Dirichlet prior of each confusion row: ``a_v`` on the diagonal, ``b_v`` off it.
    empirical_prior : bool
        Use the soft majority-vote class counts as ``α`` (WRENCH default).
    repeat : int
        Random restarts; the fit with the largest ELBO is kept.
    max_iter, tol : int, float
        VB stops when no posterior class probability moves more than ``tol``;
        when the restart kept stopped at ``max_iter`` instead, the fit warns
        (``ConvergenceWarning``). A fit that runs past 5 s shows a tqdm bar of its
        restarts and iterations.
    chunk_rows : int or None
        Rows per block when ``fit`` collects the distinct vote patterns (bounds memory; None: all rows
        at once).  The fit does not depend on it.

    Notes
    -----
    Seed: the restarts' random subtype weights come from ``np.random.default_rng(seed)``; with
    ``seed=None`` the seed is fresh OS entropy (numpy's global generator is not used), so two unseeded
    fits differ.  The seed used is ``seed_``: ``fit(L, seed=eb.seed_)`` repeats a fit exactly.

    Class balance: ``class_balance`` argument or dev labels fix ``E[log τ]`` to
    ``log p``; otherwise ``τ`` is inferred.  ``class_balance_`` is the
    posterior of an all-abstain row.

    ``class_balance_`` and :meth:`lf_accuracies` are posterior summaries under
    WRENCH's priors, not calibrated estimates; two priors pull them (measured on
    synthetic votes that meet the model's assumptions, conditionally independent
    LFs of accuracy 0.55-0.9; the defaults stay WRENCH's):

    * ``empirical_prior=True`` makes ``α`` the soft majority-vote class counts,
      worth ``n`` pseudo-rows, so the posterior of ``τ`` sits about halfway
      between the fit and the soft-MV frequencies, which noisy LFs flatten.
      20,000 rows, 10 LFs, true prior 0.85/0.10/0.04/0.01: ``class_balance_``
      0.646/0.145/0.113/0.095 (``empirical_prior=False``: 0.856/0.095/0.038/0.011;
      DawidSkene 0.852/0.097/0.038/0.012).  Not a matter of stopping short:
      these fits reach ``max_iter`` (500) and warn, and converged (1,340
      iterations) the first gives 0.647/0.145/0.113/0.095.
    * ``b_v = 1`` pseudo-vote per wrong class against ``a_v = 4`` on the right
      one: at many classes the ``k - 1`` wrong-class pseudo-votes outweigh the
      few real votes in each (class, subtype) cell.  k = 20, 2,000 rows, 8 LFs
      voting on 20% of them, true accuracies 0.55-0.88: ``lf_accuracies()``
      0.31-0.44 (DawidSkene 0.52-0.87).

    Examples
    --------
    >>> from weaksup import EBCC
    >>> from weaksup.synthetic import make_votes
    >>> L, y, params = make_votes(5000, 6, 3, seed=0)
    >>> eb = EBCC(repeat=1).fit(L, seed=0)
    >>> bool((eb.predict(L) == y).mean() > 0.7)  # majority vote: 0.70
    True
    """

    min_identifiable_lfs = 3
    _fitted_attrs = ("eta_", "nu_", "mu_", "log_tau_", "class_balance_", "elbo_", "n_iter_", "seed_")
    _parameter_constraints = {
        "num_groups": [Interval(1, None, integer=True)],
        "a_pi": [Interval(0, None, closed="neither")],
        "alpha": [Interval(0, None, closed="neither")],
        "a_v": [Interval(0, None, closed="neither")],
        "b_v": [Interval(0, None, closed="neither")],
        "empirical_prior": [bool],
        "repeat": [Interval(1, None, integer=True)],
        "max_iter": [Interval(1, None, integer=True)],
        "tol": [Interval(0, None)],
        "chunk_rows": [None, Interval(1, None, integer=True)],
    }

    def __init__(self, cardinality: int | None = None, num_groups: int = 10, a_pi: float = 0.1,
                 alpha: float = 1.0, a_v: float = 4.0, b_v: float = 1.0, empirical_prior: bool = True,
                 repeat: int = 5, max_iter: int = 500, tol: float = 1e-3, chunk_rows: int = 500_000) -> None:
        self.cardinality = cardinality
        self.num_groups = num_groups
        self.a_pi = a_pi
        self.alpha = alpha
        self.a_v = a_v
        self.b_v = b_v
        self.empirical_prior = empirical_prior
        self.repeat = repeat
        self.max_iter = max_iter
        self.tol = tol
        self.chunk_rows = chunk_rows

    #: Most multiply-adds all restarts may take (``m·k²·M`` per iteration); above: fail fast.
    max_cost: float = 2e10
    #: Seconds a fit runs before its progress bar appears (``TQDM_DISABLE=1`` hides it).
    _progress_delay: float = 5.0

    def _unsupported(self, L: VoteMatrix) -> str | None:
        """Why fitting ``L`` would take too long (None when it will not)."""
        k, M = L.cardinality, int(self.num_groups)
        per_iter = float(L.m) * k * k * M
        cost = per_iter * int(self.max_iter) * int(self.repeat)
        if cost <= self.max_cost:
            return None
        return (f"{k} classes x {L.m} LFs x {M} subtypes: the variational posteriors cost m·k²·M = {per_iter:.1e} "
                f"per iteration (up to {self.max_iter} iterations x {self.repeat} restarts, limit "
                f"{self.max_cost:.0e} in all); use DawidSkene (one-coin at many classes) or MajorityVote")

    def _restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any) -> None:
        # a file written before ``seed_`` was recorded loads with seed_ = None: that fit's seed is unknown
        if "seed_" not in meta["json_attrs"]:
            self.seed_ = None

    def _fit(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        reason = self._unsupported(L)
        if reason is not None:
            raise ValueError(f"EBCC: {reason}")
        k, m, M = L.cardinality, L.m, int(self.num_groups)
        pats = None
        for start, block in iter_row_chunks(L, self.chunk_rows):
            vp = vote_patterns(block, start)
            pats = vp if pats is None else pats.merge(vp)
        assert pats is not None
        ind, w = pats.ind, pats.counts.astype(np.float64)
        warn_one_sided(np.asarray(ind.T @ w), list(L.lf_names), "EBCC",
                       "Use AbstainDawidSkene or AutoLabelModel.")
        P = ind.shape[0]
        indT = ind.T.tocsr()
        fixed = class_balance is not None or dev is not None
        log_tau_fixed = np.log(resolve_class_balance(class_balance, dev, None, k)) if fixed else None

        counts = np.asarray(ind @ np.tile(np.eye(k), (m, 1))) + 1e-8
        z0 = counts / counts.sum(1, keepdims=True)
        alpha = (z0 * w[:, None]).sum(0) if self.empirical_prior else np.full(k, float(self.alpha))
        beta = np.eye(k) * (self.a_v - self.b_v) + self.b_v  # [y, l]
        if seed is None:  # fresh OS entropy, kept so that fit(L, seed=seed_) repeats this fit
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self.seed_ = int(seed)
        rng = np.random.default_rng(seed)
        # one random start per distinct key, drawn in key order: rows with one key share it, and no
        # row's start depends on where the row sits, its LF columns or the class names
        distinct, key_of_row = np.unique(_partition_keys(ind, list(L.lf_names), k), return_inverse=True)
        best = None
        from weaksup._progress import progress_bar

        # shown only once a fit has run for _progress_delay seconds: most fits end long before (the slow
        # ones are many LFs or rows whose variational Bayes runs to max_iter in every restart)
        with progress_bar(total=int(self.repeat) * int(self.max_iter), desc="EBCC restart 1/" + str(int(self.repeat)),
                          unit="it", leave=False, delay=self._progress_delay, progress=fit_progress_enabled()) as bar:
            for restart in range(int(self.repeat)):
                if restart:
                    bar.set_description(f"EBCC restart {restart + 1}/{int(self.repeat)}", refresh=False)
                g = rng.dirichlet(np.ones(M), distinct.size)[key_of_row.ravel()]  # shared across classes
                zg = z0[:, :, None] * g[:, None, :]
                z = z0
                converged, delta = False, np.inf
                for it in range(int(self.max_iter)):
                    wzg = zg * w[:, None, None]
                    eta = self.a_pi / M + wzg.sum(0)  # (k, M)
                    nu = alpha + wzg.sum((0, 2))  # (k,)
                    mu = np.asarray(indT @ wzg.reshape(P, k * M)).reshape(m, k, k, M)  # [j, l, y, g]
                    mu = mu.transpose(0, 2, 3, 1) + beta[None, :, None, :]  # [j, y, g, l]
                    e_log_pi = digamma(eta) - digamma(eta.sum(-1, keepdims=True))
                    e_log_tau = log_tau_fixed if fixed else digamma(nu) - digamma(nu.sum())
                    e_log_v = digamma(mu) - digamma(mu.sum(-1, keepdims=True))
                    zg = self._e_step(ind, e_log_pi, e_log_tau, e_log_v)
                    last, z = z, zg.sum(-1)
                    delta = float(np.abs(last - z).max())
                    bar.update(1)
                    if delta < self.tol:
                        converged = True
                        bar.update(int(self.max_iter) - it - 1)  # a converged restart skips its unused iterations
                        break
                elbo = float(((eta - 1) * e_log_pi).sum() + ((mu - 1) * e_log_v).sum()
                             + _dirichlet_entropy(eta).sum() + _dirichlet_entropy(mu).sum())
                if not fixed:
                    elbo += float(((nu - 1) * e_log_tau).sum() + _dirichlet_entropy(nu))
                zf = zg.reshape(P, -1)
                elbo -= float((w * (zf * np.log(np.maximum(zf, 1e-300))).sum(1)).sum())
                if best is None or elbo > best[0]:
                    best = (elbo, eta, nu, mu, e_log_tau, it + 1, converged, delta)
        assert best is not None
        self.elbo_, self.eta_, self.nu_, self.mu_, self.log_tau_, self.n_iter_ = best[:6]
        if not best[6]:  # the kept restart stopped at max_iter
            warn_not_converged("EBCC", "variational Bayes (the restart kept, largest ELBO)", self.n_iter_, self.tol,
                               best[7], "largest change of a row's class posterior")
        e_log_pi = digamma(self.eta_) - digamma(self.eta_.sum(-1, keepdims=True))
        prior_scores = np.logaddexp.reduce(e_log_pi + np.asarray(self.log_tau_)[:, None], axis=1)
        self.class_balance_ = softmax_rows(prior_scores[None, :])[0]

    @staticmethod
    def _e_step(ind: Any, e_log_pi: np.ndarray, e_log_tau: np.ndarray, e_log_v: np.ndarray) -> np.ndarray:
        m, k, M, _ = e_log_v.shape
        V = e_log_v.transpose(0, 3, 1, 2).reshape(m * k, k * M)  # rows j·k + l, cols y·M + g
        scores = np.asarray(ind @ V) + (e_log_pi + e_log_tau[:, None]).reshape(1, k * M)
        return softmax_rows(scores).reshape(-1, k, M)

    #: Rows per block of :meth:`_predict_proba` (its ``rows × k·M`` scores stay in the CPU cache).
    _predict_block: int = 4096
    #: Largest log-ratio between two terms of a row that :meth:`_predict_proba` lets its shift reach.
    _shift_budget: float = 600.0

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        """One E-step under the fitted posteriors: ``P(y | λ) = Σ_g softmax_{(y,g)}(s)``.

        ``s[r, (y,g)] = b[y,g] + Σ_j V[(j, λ_rj), (y,g)]`` (``b = E log τ_y + E log π_yg``,
        ``V = E log v``).  Computed block by block as one sparse product of the
        vote one-hot with ``V − V[:, :1]`` (every score already shifted by its
        row's first score, so no row maximum is taken), one ``exp`` and one
        small GEMM with the class-grouping matrix scaled by ``exp(b − b₀)``
        (whose last column gives the row total).  The shift keeps every term in
        ``[e^-B, e^B]`` with ``B = t_r · max spread(V rows) + spread(b)``; rows
        where ``B`` could exceed 600 (``_shift_budget``: overflow) take the
        row-maximum softmax instead.  Equal to the softmax of the scores within rounding (~1e-15).
        """
        e_log_pi = digamma(self.eta_) - digamma(self.eta_.sum(-1, keepdims=True))
        e_log_v = digamma(self.mu_) - digamma(self.mu_.sum(-1, keepdims=True))
        log_tau = np.asarray(self.log_tau_)
        m, k, M, _ = e_log_v.shape
        V = e_log_v.transpose(0, 3, 1, 2).reshape(m * k, k * M)  # rows j·k + l, cols y·M + g
        b = (e_log_pi + log_tau[:, None]).reshape(k * M)
        fast = grouped_softmax(L, k, M, V, b)  # compiled, probability domain (many votes, numba installed)
        if fast is not None:
            return fast
        Vs = V - V[:, :1]
        G = np.zeros((k * M, k + 1))
        G[np.arange(k * M), np.arange(k * M) // M] = 1.0
        G[:, k] = 1.0
        G *= np.exp(b - b[0])[:, None]
        GT = np.ascontiguousarray(G.T)
        spread_v = float((Vs.max(1) - Vs.min(1)).max())
        budget = (self._shift_budget - float(b.max() - b.min())) / max(spread_v, 1e-300)
        indptr, codes = vote_codes(L)
        if indptr[-1] < np.iinfo(codes.dtype).max:
            indptr = indptr.astype(codes.dtype)  # same index dtype: scipy does not copy the indices
        n, step = L.n, int(self._predict_block)
        out = np.empty((n, k))
        ones = np.ones(int(np.diff(indptr).max(initial=0)) * min(n, step))
        for s in range(0, n, step):
            e = min(n, s + step)
            a, z = int(indptr[s]), int(indptr[e])
            ind = sp.csr_matrix((ones[:z - a], codes[a:z], indptr[s:e + 1] - a), shape=(e - s, m * k))
            E = ind @ Vs  # scores minus the row's first score
            np.exp(E, out=E)
            Zt = GT @ E.T  # (k + 1) × rows: per-class sums and the total
            Zt[:k] /= Zt[k]
            out[s:e] = Zt[:k].T
        over = np.nonzero(np.diff(indptr) > budget)[0]
        if over.size:  # scores that could overflow e^600 after the first-score shift: exact row maximum
            zg = self._e_step(indicator_matrix(L[over]), e_log_pi, log_tau, e_log_v)
            out[over] = zg.sum(-1)
        return out

    def lf_accuracies(self) -> np.ndarray:
        """Posterior-mean ``P(λ_j = Y | λ_j votes)``: ``Σ_{y,g} τ̄_y π̄_{yg} v̄_{j,y,g,y}``."""
        self._check_fitted()
        tau = np.exp(self.log_tau_) if np.ndim(self.log_tau_) else None
        tau = self.nu_ / self.nu_.sum() if tau is None else tau / tau.sum()
        pi = self.eta_ / self.eta_.sum(-1, keepdims=True)
        v = self.mu_ / self.mu_.sum(-1, keepdims=True)  # [j, y, g, l]
        diag = np.einsum("jygy->jyg", v)
        return np.einsum("jyg,y,yg->j", diag, tau, pi)
