"""Dawid–Skene EM (Dawid & Skene, 1979), vectorised over distinct vote patterns.

Each LF ``j`` has a confusion matrix ``E[j, y, l] = P(λ_j = l | Y = y, λ_j fires)``;
the class prior ``π`` is learned (or fixed by ``class_balance`` / dev labels).
EM maximises the (Dirichlet-smoothed) likelihood of the votes.  Abstains are
missing data by default; ``abstain_as_class=True`` instead models abstaining as
a (k+1)-th output (WRENCH's choice, kept for reproduction).

The E- and M-steps run on the distinct rows of the vote matrix weighted by
their counts (:func:`weaksup.labelmodel._stats.vote_patterns`) as sparse products,
so a step costs ``O(nnz · k)`` and identical rows are computed once.  The
pattern table is an additive statistic: ``partial_fit`` over chunks equals
``fit`` on all rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup._deprecate import renamed_kwargs
from weaksup._validation import Interval, OneOf
from weaksup.labelmodel._kernels import linear_softmax
from weaksup.labelmodel._stats import (
    VotePatterns,
    em_counts,
    indicator_matrix,
    iter_row_chunks,
    one_coin_table,
    softmax_rows,
    vote_class_counts,
    vote_patterns,
    warn_one_sided,
)
from weaksup.labelmodel.base import LabelModel, resolve_class_balance
from weaksup.votes import VoteMatrix

__all__ = ["DawidSkene"]


class DawidSkene(LabelModel):
    """Dawid–Skene confusion-matrix model fitted by EM.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes (inferred from the votes when omitted).
    alpha : float
        Dirichlet pseudo-count added to every confusion-matrix cell (and to
        the class counts): keeps zeros from locking in.
    alpha_diag : float
        Extra pseudo-count on the diagonal (``l = y``): a mild "LFs beat
        random" prior that also fixes the label-switching symmetry.
    max_iter, tol : int, float
        EM stops when the largest change of any parameter is below ``tol``.
    abstain_as_class : bool
        Model abstention as a class-dependent output (WRENCH) instead of as
        missing data.
    init : {"mv", "uniform"}
        Initial posteriors: soft majority vote (default) or uniform.
    confusion : {"auto", "full", "one_coin"}
        ``"full"``: a ``k × k`` confusion matrix per LF.  ``"one_coin"``: one
        accuracy per LF, wrong votes spread evenly over the other classes.
        ``"auto"`` (default): one-coin when the votes are fewer than the
        full matrices' cells (``m·k²``), e.g. hundreds of classes, where full
        matrices overfit (k = 1000, n = 2000, 5 LFs: accuracy 0.46 full,
        majority vote 0.70); ``one_coin_`` says which was used.

    Notes
    -----
    Class balance: ``class_balance`` argument, else dev-label frequencies
    (both fixed during EM), else learned by EM.

    Examples
    --------
    >>> from weaksup.synthetic import make_votes
    >>> L, y, params = make_votes(20000, 6, 3, seed=0)
    >>> ds = DawidSkene().fit(L)
    >>> bool(abs(ds.lf_accuracies() - params["accuracies"]).max() < 0.05)
    True
    """

    _additive = True
    _fitted_attrs = ("log_conf_", "log_abstain_", "class_balance_", "n_iter_", "prior_fixed_", "one_coin_")
    _parameter_constraints = {
        "confusion": [OneOf("auto", "full", "one_coin")],
        "alpha": [Interval(0, None)],
        "alpha_diag": [Interval(0, None)],
        "max_iter": [Interval(1, None, integer=True)],
        "tol": [Interval(0, None)],
        "abstain_as_class": [bool],
        "init": [OneOf("mv", "uniform")],
        "use_valid_labels": [bool],
        "learn_prior": [None, bool],
        "chunk_rows": [None, Interval(1, None, integer=True)],
    }

    _renamed = {"use_dev_labels": "use_valid_labels"}

    @renamed_kwargs(use_dev_labels="use_valid_labels")
    def __init__(self, cardinality: int | None = None, alpha: float = 0.01, alpha_diag: float = 0.0,
                 max_iter: int = 300, tol: float = 1e-6, abstain_as_class: bool = False,
                 init: str = "mv", use_valid_labels: bool = True, learn_prior: bool | None = None,
                 chunk_rows: int = 500_000, confusion: str = "auto") -> None:
        self.cardinality = cardinality
        self.confusion = confusion
        self.alpha = alpha
        self.alpha_diag = alpha_diag
        self.max_iter = max_iter
        self.tol = tol
        self.abstain_as_class = abstain_as_class
        self.init = init
        self.use_valid_labels = use_valid_labels
        self.learn_prior = learn_prior
        self.chunk_rows = chunk_rows

    # ------------------------------------------------------------ statistics
    def _stats(self, L: VoteMatrix, offset: int) -> VotePatterns:
        pats: VotePatterns | None = None
        for start, block in iter_row_chunks(L, self.chunk_rows):
            vp = vote_patterns(block, offset + start)
            pats = vp if pats is None else pats.merge(vp)
        assert pats is not None
        return pats

    def _merge_stats(self, a: VotePatterns, b: VotePatterns) -> VotePatterns:
        return a.merge(b)

    # -------------------------------------------------------------- fitting
    def _fit_stats(self, pats: VotePatterns, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        k = self.cardinality_
        ind = pats.ind
        w = pats.counts.astype(np.float64)
        prior = self._em_prior(class_balance, dev)
        if not self.abstain_as_class:
            warn_one_sided(np.asarray(ind.T @ w), self.lf_names_, "DawidSkene",
                           "Use AbstainDawidSkene, DawidSkene(abstain_as_class=True) or AutoLabelModel.")
        indT = ind.T.tocsr()

        def counts(params: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
            T = self._initial_posteriors(ind, prior, k) if params is None else self._posterior(ind, *params)
            return em_counts(ind, T, w, indT)

        self._em(counts, class_balance, dev, prior)

    def _em_prior(self, class_balance: Any, dev: Any) -> np.ndarray:
        """The prior EM starts from (fixed during EM when ``prior_fixed_``)."""
        k = self.cardinality_
        fixed = class_balance is not None or (dev is not None and not self.use_valid_labels)
        if self.learn_prior is not None:
            fixed = class_balance is not None or not self.learn_prior
        self.prior_fixed_ = bool(fixed)
        return resolve_class_balance(class_balance, dev, None, k) if (fixed or dev is not None) else np.full(k, 1.0 / k)

    def _initial_posteriors(self, ind: Any, prior: np.ndarray, k: int) -> np.ndarray:
        """Posteriors before the first M-step: soft majority vote (``init="mv"``) or the prior."""
        if self.init != "mv":
            return np.tile(prior, (ind.shape[0], 1))
        counts = vote_class_counts(ind, k)
        T = counts + 1e-9
        T /= T.sum(1, keepdims=True)
        T[counts.sum(1) == 0] = prior
        return T

    def _em(self, counts: Any, class_balance: Any, dev: Any, prior: np.ndarray) -> None:
        """EM over any source of M-step counts.

        ``counts(params)`` returns ``(Ny, Cr)``: the posterior class totals and the
        ``(m·k) × k`` vote-by-class counts under the E-step of ``params =
        (log_conf, log_abstain, prior)`` (``None``: the initial posteriors).  In
        memory it is one pass over the pattern table; on Dask a map-reduce over
        the partitions (:mod:`weaksup.labelmodel._dask`).
        """
        k = self.cardinality_
        m = self.n_lfs_
        fixed = self.prior_fixed_
        dev_C = dev_N = None
        if dev is not None and self.use_valid_labels:
            Yd = np.eye(k)[dev[1]]
            dev_C = np.asarray(indicator_matrix(dev[0]).T @ Yd)  # (m·k, k) labelled vote counts
            dev_N = Yd.sum(0)
        pi = prior
        log_conf = log_abs = None
        params = None
        one_coin = None
        self.n_iter_ = 0
        for it in range(self.max_iter):
            Ny, Cr = counts(params)
            if one_coin is None:  # first pass: the data's size decides the model's (see ``confusion``)
                one_coin = self.confusion == "one_coin" or (self.confusion == "auto" and Cr.sum() < m * k * k)
                self.one_coin_ = bool(one_coin)
                if not fixed and dev is None and self.learn_prior is None and Ny.sum() < 10 * k:
                    fixed = self.prior_fixed_ = True  # under 10 rows a class: keep the uniform prior
            # M-step
            if dev_C is not None:
                Ny = Ny + dev_N
                Cr = Cr + dev_C
            if not fixed:
                pi = (Ny + self.alpha) / (Ny.sum() + k * self.alpha)
            C = Cr.reshape(m, k, k)  # [j, l, y]
            if one_coin:  # one accuracy per LF, wrong votes spread evenly; per-class vote totals kept
                raw = C.transpose(0, 2, 1)
                acc = (np.einsum("jyy->j", raw) + self.alpha + self.alpha_diag) / (
                    raw.sum((1, 2)) + 2 * self.alpha + self.alpha_diag)
                C = (raw.sum(2, keepdims=True) + self.alpha) * one_coin_table(acc, k)
                C = np.maximum(C, 1e-300)
            else:
                C = C.transpose(0, 2, 1) + self.alpha + self.alpha_diag * np.eye(k)  # [j, y, l]
            if self.abstain_as_class:
                fired = Cr.reshape(m, k, k).sum(1) if one_coin else C.sum(2) - k * self.alpha - self.alpha_diag
                abst = np.maximum(Ny[None, :] - fired, 0) + self.alpha
                tot = C.sum(2) + abst
                new_conf = np.log(C) - np.log(tot)[:, :, None]
                new_abs = np.log(abst) - np.log(tot)
            else:
                new_conf = np.log(C) - np.log(C.sum(2, keepdims=True))
                new_abs = np.zeros((m, k))
            delta = np.inf if log_conf is None else max(
                np.abs(np.exp(new_conf) - np.exp(log_conf)).max(), np.abs(pi - last_pi).max())
            log_conf, log_abs, last_pi = new_conf, new_abs, pi.copy()
            params = (log_conf, log_abs, pi)
            self.n_iter_ = it + 1
            if delta < self.tol:
                break
        self.log_conf_ = log_conf
        self.log_abstain_ = log_abs
        self.class_balance_ = np.asarray(pi, dtype=np.float64)

    def _score_matrix(self, log_conf: np.ndarray, log_abs: np.ndarray) -> np.ndarray:
        m, k, _ = log_conf.shape
        # rows j·k + l: log E[j, y, l] − log E[j, y, abstain]
        return (log_conf - log_abs[:, :, None]).transpose(0, 2, 1).reshape(m * k, k)

    def _posterior(self, ind: Any, log_conf: np.ndarray, log_abs: np.ndarray, pi: np.ndarray) -> np.ndarray:
        S = self._score_matrix(log_conf, log_abs)
        scores = np.asarray(ind @ S) + (np.log(pi) + log_abs.sum(0))
        return softmax_rows(scores)

    # ----------------------------------------------------------- prediction
    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        fast = linear_softmax(L, self._score_matrix(self.log_conf_, self.log_abstain_),
                              np.log(self.class_balance_) + self.log_abstain_.sum(0))
        if fast is not None:  # compiled one-pass kernel (numba installed, many votes)
            return fast
        out = np.empty((L.n, L.cardinality))
        for start, block in iter_row_chunks(L, self.chunk_rows):
            out[start:start + block.n] = self._posterior(indicator_matrix(block), self.log_conf_,
                                                          self.log_abstain_, self.class_balance_)
        return out

    def confusion_matrices(self) -> np.ndarray:
        """``(m, k, k)`` array ``P(λ_j = l | Y = y, λ_j votes)`` indexed ``[j, y, l]``."""
        self._check_fitted()
        E = np.exp(self.log_conf_)
        return E / E.sum(2, keepdims=True)

    def lf_accuracies(self) -> np.ndarray:
        """``P(λ_j = Y | λ_j votes)`` under the fitted model."""
        self._check_fitted()
        E = np.exp(self.log_conf_)
        pi = self.class_balance_
        if self.abstain_as_class:
            fire = E.sum(2)  # P(vote | y)
            return np.einsum("jyy,y->j", E, pi) / (fire @ pi)
        return np.einsum("jyy,y->j", E, pi)
