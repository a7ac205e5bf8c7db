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

from typing import Any, NamedTuple

import numpy as np

from weaksup._deprecate import renamed_kwargs
from weaksup._validation import Interval, OneOf
from weaksup.labelmodel._kernels import linear_softmax
from weaksup.labelmodel._stats import (
    VotePatterns,
    coin_em_counts,
    coin_scores,
    em_counts,
    indicator_matrix,
    iter_row_chunks,
    log_coin_table,
    softmax_rows,
    vote_class_counts,
    vote_patterns,
    warn_one_sided,
)
from weaksup.labelmodel.base import LabelModel, resolve_class_balance
from weaksup.votes import VoteMatrix

__all__ = ["DawidSkene", "warn_not_converged"]


def warn_not_converged(model: str, method: str, n_iter: int, tol: float, delta: float, what: str) -> None:
    """scikit-learn's ``ConvergenceWarning``: ``model``'s ``method`` stopped at ``max_iter`` (``n_iter``) with its
    last step's ``what`` (``delta``) still above ``tol``."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from weaksup._validation import user_stacklevel

    warnings.warn(
        f"{model}: {method} stopped at max_iter (n_iter_={n_iter}) before converging: the last iteration's {what} "
        f"was {delta:.3g}, above tol={tol:g}. The estimates may still be moving; raise max_iter (and compare the "
        f"fits) or loosen tol.", ConvergenceWarning, stacklevel=user_stacklevel())


class CoinParams(NamedTuple):
    """One-coin EM parameters: ``log P(λ_j = l | Y = y) = log_fire[j, y] + log_coin[j, l ≠ y]``.

    ``log_coin[j]`` holds the log-probabilities of a right vote and of one
    particular wrong vote given that LF ``j`` votes; ``log_fire[j, y]`` the log
    of ``P(λ_j votes | Y = y)`` (0 where abstention is missing data).  ``m·k``
    numbers in place of the full table's ``m·k²``.
    """

    log_fire: np.ndarray
    log_coin: np.ndarray
    log_abstain: np.ndarray
    prior: np.ndarray



def _abstain_counts(Ny: np.ndarray, fired: np.ndarray, silent: np.ndarray, snap: bool = False) -> np.ndarray:
    """``m × k`` expected abstentions per LF and class: the class total minus the LF's votes.

    An LF that never votes (``silent``) abstains under every class alike: its count is the mean
    class total, so its smoothed abstention rate is the same for every class and it moves no
    posterior (with the class totals, it would tilt every row towards the larger classes by
    ``(N_y + α) / (N_y + (k + 1) α)``).  ``snap`` (no smoothing, where a zero count is a zero
    probability): a count within rounding (``1e-9`` of the class total) of zero is zero, so an LF
    that votes on every row has abstention probability 0, not a rounding residue.
    """
    abst = np.maximum(Ny[None, :] - fired, 0.0)
    if snap:
        abst[abst <= 1e-9 * np.maximum(Ny, 1.0)[None, :]] = 0.0
    abst[silent] = Ny.mean()
    return abst

def _finite_log_abstain(log_abs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log P(abstain | y)`` with its ``−inf`` (probability 0: ``alpha=0``, an LF that always votes) set to 0,
    and where they were."""
    zero = np.isneginf(log_abs)
    return np.where(zero, 0.0, log_abs), zero


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
        EM stops when the largest change of any parameter is below ``tol``;
        stopping at ``max_iter`` instead warns (``ConvergenceWarning``).
    abstain_as_class : bool
        Model abstention as a class-dependent output (WRENCH) instead of as
        missing data.
    init : {"mv", "uniform"}
        Initial posteriors: soft majority vote (default), or ``"uniform"``:
        the class prior, tilted by 0.1% towards the soft majority vote.  The
        exact prior is a fixed point of EM (every LF's confusion matrix comes
        out the same under every class, so every posterior stays the prior:
        accuracy 1/k); the tilt is the smallest nudge that lets EM leave it.
    confusion : {"auto", "full", "one_coin"}
        ``"full"``: a ``k × k`` confusion matrix per LF.  ``"one_coin"``: one
        accuracy per LF, wrong votes spread evenly over the other classes.
        ``"auto"`` (default): one-coin when the votes are fewer than the
        full matrices' cells (``m·k²``), e.g. hundreds of classes, where full
        matrices overfit (k = 1000, n = 2000, 5 LFs: accuracy 0.46 full,
        majority vote 0.70); ``one_coin_`` says which was used.
    use_valid_labels : bool
        With ``fit(..., valid=(votes, y))``: the labelled rows join EM with
        their gold label as their posterior, in every M-step (default); False:
        the valid labels give only the class prior (fixed during EM).
    learn_prior : bool, optional
        Whether EM learns the class prior.  None (default): learned, except
        when ``class_balance`` is given, when the valid labels are used only
        for the prior (``use_valid_labels=False``), or when there are no valid
        labels and fewer than 10 rows a class (the uniform prior is kept).
        True: learned unless ``class_balance`` is given.  False: fixed at
        ``class_balance``, else the valid-label frequencies, else uniform.
    chunk_rows : int, optional
        Rows per block when counting the vote patterns.

    Notes
    -----
    Class balance (``class_balance_``; ``prior_fixed_`` says whether EM kept
    it fixed): the ``class_balance`` argument, fixed during EM.  Else with
    valid labels under the defaults (``use_valid_labels=True``,
    ``learn_prior=None``) EM starts from the valid-label frequencies and learns
    the prior from the unlabelled and labelled rows, so ``class_balance_`` is
    not those frequencies; with ``use_valid_labels=False`` the valid-label
    frequencies, fixed.  Else learned by EM from the uniform prior.

    Examples
    --------
    >>> from weaksup import DawidSkene
    >>> from weaksup.synthetic import make_votes
    >>> L, y, params = make_votes(20000, 6, 3, seed=0)
    >>> ds = DawidSkene().fit(L)
    >>> bool(abs(ds.lf_accuracies() - params["accuracies"]).max() < 0.05)
    True
    """

    min_identifiable_lfs = 3
    _additive = True
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
        self._warn_one_sided(np.asarray(ind.T @ w))

        def counts(params: Any, one_coin: bool) -> tuple[np.ndarray, Any]:
            return self._em_counts(ind, w, params, prior, one_coin)

        self._em(counts, class_balance, dev, prior, n_votes=float(w @ np.diff(ind.indptr)))

    def _warn_one_sided(self, lf_class_counts: np.ndarray) -> None:
        """Warn about LFs that vote one class only (from the ``m × k`` votes per LF and class; in memory and
        on Dask alike): abstentions as missing data cannot tell their accuracy."""
        self._lf_classes_voted = (np.asarray(lf_class_counts).reshape(self.n_lfs_, -1) > 0).sum(1)
        if not self.abstain_as_class:
            warn_one_sided(lf_class_counts, self.lf_names_, "DawidSkene",
                           "Use AbstainDawidSkene, DawidSkene(abstain_as_class=True) or AutoLabelModel.")

    #: Most cells (``m·k²``) of the full table a first EM pass counts before the model is decided (on
    #: Dask); above it the pass counts the one-coin statistics, and a full-table fit counts again.
    _first_pass_cells = 2**24

    def _em_counts(self, ind: Any, w: np.ndarray, params: Any, prior: np.ndarray,
                   one_coin: bool | None) -> tuple[np.ndarray, Any]:
        """One E-step on the one-hot ``ind`` (rows weighted by ``w``) and its M-step counts.

        ``params`` None: the initial posteriors.  Full model: ``(Ny, Cr)`` of
        :func:`em_counts`; one-coin: ``(Ny, (agree, fired))`` of :func:`coin_em_counts`;
        ``one_coin=None`` (model not decided yet): the full table unless it would have
        over ``_first_pass_cells`` cells.
        """
        k = self.cardinality_
        if one_coin is None:
            one_coin = self.n_lfs_ * k * k > self._first_pass_cells
        T = self._initial_posteriors(ind, prior, k) if params is None else self._posterior(ind, params)
        if one_coin:
            Ny, agree, fired = coin_em_counts(ind, T, w, k)
            return Ny, (agree, fired)
        return em_counts(ind, T, w)

    def _em_prior(self, class_balance: Any, dev: Any) -> np.ndarray:
        """The prior EM starts from (fixed during EM when ``prior_fixed_``)."""
        k = self.cardinality_
        fixed = class_balance is not None or (dev is not None and not self.use_valid_labels)
        if self.learn_prior is not None:
            fixed = class_balance is not None or not self.learn_prior
        self.prior_fixed_ = bool(fixed)
        return resolve_class_balance(class_balance, dev, None, k) if (fixed or dev is not None) else np.full(k, 1.0 / k)

    #: ``init="uniform"``: weight of the soft majority vote in the first posteriors (the rest is the prior).
    _uniform_tilt = 1e-3

    def _initial_posteriors(self, ind: Any, prior: np.ndarray, k: int) -> np.ndarray:
        """Posteriors before the first M-step: soft majority vote (``init="mv"``) or the prior tilted by
        ``_uniform_tilt`` towards it (``init="uniform"``: the exact prior is a fixed point of EM)."""
        counts = vote_class_counts(ind, k)
        T = counts + 1e-9
        T /= T.sum(1, keepdims=True)
        T[counts.sum(1) == 0] = prior
        if self.init != "mv":
            T = (1 - self._uniform_tilt) * prior[None, :] + self._uniform_tilt * T
        return T

    def _em(self, counts: Any, class_balance: Any, dev: Any, prior: np.ndarray, n_votes: float | None = None) -> None:
        """EM over any source of M-step counts.

        ``counts(params, one_coin)`` returns the posterior class totals ``Ny`` and
        the vote counts under the E-step of ``params`` (``None``: the initial
        posteriors): the ``(m·k) × k`` vote-by-class table of :func:`em_counts`, or
        the one-coin statistics of :func:`coin_em_counts`.  In memory it is one
        pass over the pattern table; on Dask a map-reduce over the partitions
        (:mod:`weaksup.labelmodel._dask`).  ``n_votes`` (the number of votes)
        decides the model before the first pass; without it (Dask) the first pass
        gets ``one_coin=None`` and the model is decided from its vote total.
        """
        k = self.cardinality_
        m = self.n_lfs_
        fixed = self.prior_fixed_
        one_coin = None if n_votes is None else self._one_coin(n_votes)
        pi = prior
        params = last = dev_stats = None
        self.n_iter_ = 0
        delta = np.inf
        for it in range(self.max_iter):
            Ny, stats = counts(params, one_coin)
            if one_coin is None:  # first pass on Dask: the data's size decides the model's (see ``confusion``)
                counted_coin = isinstance(stats, tuple)
                one_coin = self._one_coin(float(stats[1].sum() if counted_coin else stats.sum()))
                if one_coin and not counted_coin:
                    C = stats.reshape(m, k, k)  # [j, l, y]
                    stats = (np.einsum("jyy->j", C), C.sum(1))
                elif counted_coin and not one_coin:  # a full-table fit after all: count its table
                    Ny, stats = counts(params, False)
            if it == 0:
                self.one_coin_ = bool(one_coin)
                if not fixed and dev is None and self.learn_prior is None and Ny.sum() < 10 * k:
                    fixed = self.prior_fixed_ = True  # under 10 rows a class: keep the uniform prior
                if dev is not None and self.use_valid_labels:  # labelled rows: their label is their posterior
                    Yd, ind_d = np.eye(k)[dev[1]], indicator_matrix(dev[0])
                    dev_stats = (coin_em_counts(ind_d, Yd, np.ones(len(Yd)), k) if one_coin
                                 else em_counts(ind_d, Yd, np.ones(len(Yd))))
            if dev_stats is not None:
                Ny = Ny + dev_stats[0]
                stats = (stats[0] + dev_stats[1], stats[1] + dev_stats[2]) if one_coin else stats + dev_stats[1]
            # M-step
            if not fixed:
                pi = (Ny + self.alpha) / (Ny.sum() + k * self.alpha)
            params = self._m_step_coin(Ny, *stats, pi) if one_coin else self._m_step_full(Ny, stats, pi)
            table = self._table_entries(params)
            delta = np.inf if last is None else max(
                max(float(np.abs(t - u).max()) for t, u in zip(table, last)), float(np.abs(pi - last_pi).max()))
            last, last_pi = table, pi.copy()
            self.n_iter_ = it + 1
            if delta < self.tol:
                break
        else:
            warn_not_converged(type(self).__name__, "EM", self.n_iter_, self.tol, delta,
                               "largest change of a confusion-table entry or of the class prior")
        self._set_params(params)
        classes_voted = self.__dict__.pop("_lf_classes_voted", None)  # set by _warn_one_sided for this fit
        if not (dev is not None and self.use_valid_labels):  # labelled rows in the M-step pin the classes
            self._warn_below_random(classes_voted)

    def _warn_below_random(self, classes_voted: np.ndarray | None = None) -> None:
        """Warn when the fit takes the LFs to be worse than random on average: the label-swapped mode.

        The Dawid–Skene likelihood is symmetric under relabelling the classes, and with a rare class it can
        be *higher* where the classes are swapped or the majority class is split in two than at LFs that beat
        random (99:1, 8 LFs of accuracy 0.60-0.88, n = 5,000: log-likelihood −6,445.0 there, −6,457.7 at the
        true parameters), so EM run to convergence can end there.
        """
        import warnings

        from weaksup._validation import user_stacklevel

        k = self.cardinality_
        acc = self.lf_accuracies()
        # LFs that vote one class only (``classes_voted``: classes each LF votes): with abstentions as missing data
        # their accuracy is not identified (their own warning says so); they say nothing about a swap
        if classes_voted is not None and len(classes_voted) == len(acc):
            acc = acc[classes_voted >= 2]
        if not acc.size or (mean := float(np.mean(acc))) >= 1.0 / k:
            return
        cb = ", ".join(f"{v:.3f}" for v in self.class_balance_)
        warnings.warn(
            f"{type(self).__name__}: the fitted model takes the LFs to be worse than random (mean LF accuracy "
            f"{mean:.2f} < 1/k = {1.0 / k:.2f}; class_balance_ [{cb}]). Unless the LFs really are, EM ended in the "
            f"label-swapped mode of the Dawid–Skene likelihood, which with a rare class can be more likely than "
            f"LFs that beat random, so more iterations make it worse. Pass class_balance= or valid labels, use "
            f"confusion='one_coin', or a strong alpha_diag (a prior that LFs beat random: 10 pseudo-votes, not 1, "
            f"kept a 99:1 fit out of this mode).",
            UserWarning, stacklevel=user_stacklevel())

    def _one_coin(self, n_votes: float) -> bool:
        """Whether the fit uses one accuracy per LF (see ``confusion``)."""
        k, m = self.cardinality_, self.n_lfs_
        return self.confusion == "one_coin" or (self.confusion == "auto" and n_votes < m * k * k)

    def _m_step_full(self, Ny: np.ndarray, Cr: np.ndarray, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with np.errstate(divide="ignore"):  # alpha=0: a zero count is a zero probability, log 0 = -inf
            return self._m_step_full_logs(Ny, Cr, pi)

    def _m_step_full_logs(self, Ny: np.ndarray, Cr: np.ndarray, pi: np.ndarray) -> tuple[np.ndarray, ...]:
        m, k = self.n_lfs_, self.cardinality_
        C = Cr.reshape(m, k, k).transpose(0, 2, 1) + self.alpha + self.alpha_diag * np.eye(k)  # [j, y, l]
        if self.abstain_as_class:
            fired = C.sum(2) - k * self.alpha - self.alpha_diag
            abst = _abstain_counts(Ny, fired, Cr.reshape(m, -1).sum(1) == 0, self.alpha == 0) + self.alpha
            tot = C.sum(2) + abst
            return np.log(C) - np.log(tot)[:, :, None], np.log(abst) - np.log(tot), pi
        return np.log(C) - np.log(C.sum(2, keepdims=True)), np.zeros((m, k)), pi

    def _m_step_coin(self, Ny: np.ndarray, agree: np.ndarray, fired: np.ndarray, pi: np.ndarray) -> CoinParams:
        """One accuracy per LF, wrong votes spread evenly; with ``abstain_as_class`` a firing rate per class."""
        with np.errstate(divide="ignore"):  # alpha=0: a zero count is a zero probability, log 0 = -inf
            return self._m_step_coin_logs(Ny, agree, fired, pi)

    def _m_step_coin_logs(self, Ny: np.ndarray, agree: np.ndarray, fired: np.ndarray, pi: np.ndarray) -> CoinParams:
        m, k = self.n_lfs_, self.cardinality_
        acc = (agree + self.alpha + self.alpha_diag) / (fired.sum(1) + 2 * self.alpha + self.alpha_diag)
        log_coin = log_coin_table(acc, k)
        if self.abstain_as_class:
            votes = fired + self.alpha
            abst = _abstain_counts(Ny, fired, fired.sum(1) == 0, self.alpha == 0) + self.alpha
            log_tot = np.log(votes + abst)
            return CoinParams(np.log(votes) - log_tot, log_coin, np.log(abst) - log_tot, pi)
        return CoinParams(np.zeros((m, k)), log_coin, np.zeros((m, k)), pi)

    @staticmethod
    def _table_entries(params: Any) -> tuple[np.ndarray, ...]:
        """The distinct entries of ``P(λ_j = l | Y = y)`` (EM's convergence test compares them)."""
        if isinstance(params, CoinParams):
            fire = np.exp(params.log_fire)
            return fire * np.exp(params.log_coin[:, :1]), fire * np.exp(params.log_coin[:, 1:])
        return (np.exp(params[0]),)

    def _set_params(self, params: Any) -> None:
        """Store EM's parameters as the fitted attributes (one-coin: ``log_fire_``, ``log_coin_``)."""
        if isinstance(params, CoinParams):
            self.log_fire_, self.log_coin_ = params.log_fire, params.log_coin
        else:
            self.log_conf_ = params[0]
        self.log_abstain_ = params[-2]
        self.class_balance_ = np.asarray(params[-1], dtype=np.float64)

    def _params(self, prior: np.ndarray | None = None) -> Any:
        """The fitted parameters in the form the E-step takes (``prior`` replaces the class balance)."""
        pi = self.class_balance_ if prior is None else prior
        if self._coin_fit():
            return CoinParams(self.log_fire_, self.log_coin_, self.log_abstain_, pi)
        return self.log_conf_, self.log_abstain_, pi

    def _coin_fit(self) -> bool:
        """Whether the fitted state is the one-coin form (``log_fire_``, ``log_coin_``)."""
        return self.__dict__.get("log_coin_") is not None

    @property
    def _fitted_attrs(self) -> tuple[str, ...]:  # type: ignore[override]
        table = ("log_fire_", "log_coin_") if self._coin_fit() else ("log_conf_",)
        return (*table, "log_abstain_", "class_balance_", "n_iter_", "prior_fixed_", "one_coin_")

    @property
    def log_conf_(self) -> np.ndarray:
        """``(m, k, k)`` ``log P(λ_j = l | Y = y)`` indexed ``[j, y, l]`` (with ``abstain_as_class``: of
        every output, abstention in ``log_abstain_``; else given that the LF votes).  A one-coin fit keeps
        ``log_fire_`` (m × k) and ``log_coin_`` (m × 2: a right vote, one particular wrong vote) and builds
        this table on access."""
        table = self.__dict__.get("_log_conf_table_")
        if table is not None:
            return table
        if not self._coin_fit():
            raise AttributeError(f"{type(self).__name__} is not fitted: no log_conf_")
        k = self.log_fire_.shape[1]
        right = np.eye(k, dtype=bool)
        coin = self.log_coin_[:, None, None]
        return self.log_fire_[:, :, None] + np.where(right, coin[..., 0], coin[..., 1])

    @log_conf_.setter
    def log_conf_(self, value: np.ndarray) -> None:
        self.__dict__["_log_conf_table_"] = value
        self.__dict__.pop("log_coin_", None)

    def _score_matrix(self, log_conf: np.ndarray, log_abs: np.ndarray) -> np.ndarray:
        m, k, _ = log_conf.shape
        # rows j·k + l: log E[j, y, l] − log E[j, y, abstain]
        return (log_conf - log_abs[:, :, None]).transpose(0, 2, 1).reshape(m * k, k)

    def _log_scores(self, ind: Any, params: Any) -> np.ndarray:
        """``n × k`` unnormalised log-posteriors of the one-hot rows ``ind`` under ``params``.

        The abstentions' terms are added as ``Σ_j log A[j, y] − Σ_{j votes} log A[j, y]``; a zero
        ``A[j, y] = P(λ_j abstains | Y = y)`` (``alpha=0`` and an LF that votes on every row) would make
        that ``−inf + inf``, so zeros are counted apart (:meth:`_rule_out`).
        """
        with np.errstate(divide="ignore"):
            log_pi = np.log(params[-1])
        log_abs, zero = _finite_log_abstain(params[-2])
        if isinstance(params, CoinParams):
            per_lf = params.log_fire + params.log_coin[:, 1:] - log_abs  # any vote, right or wrong
            scores = coin_scores(ind, self.cardinality_, per_lf, params.log_coin[:, 0] - params.log_coin[:, 1])
            scores += log_pi + log_abs.sum(0)
        else:
            scores = np.asarray(ind @ self._score_matrix(params[0], log_abs)) + (log_pi + log_abs.sum(0))
        return self._rule_out(ind, scores, zero) if zero.any() else scores

    @staticmethod
    def _rule_out(ind: Any, scores: np.ndarray, zero: np.ndarray) -> np.ndarray:
        """``scores`` with ``−inf`` for the classes under which more LFs that abstain on the row could not
        abstain (``zero[j, y]``: ``P(λ_j abstains | Y = y) = 0``) than under the row's best class.  On the
        fitted rows the best class has none; a new row on which such an LF abstains under every class
        keeps the other LFs' evidence instead of turning into NaN."""
        m, k = zero.shape
        voting = np.asarray(ind @ np.repeat(zero.astype(np.float64), k, axis=0))  # [r, y]: voting LFs with a zero
        n_zero = zero.sum(0)[None, :] - voting  # abstaining LFs that cannot abstain under y
        return np.where(n_zero > n_zero.min(1, keepdims=True) + 0.5, -np.inf, scores)

    def _posterior(self, ind: Any, params: Any) -> np.ndarray:
        return softmax_rows(self._log_scores(ind, params))

    # ----------------------------------------------------------- prediction
    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        params = self._params()
        if not isinstance(params, CoinParams) and np.isfinite(self.log_abstain_).all():
            fast = linear_softmax(L, self._score_matrix(self.log_conf_, self.log_abstain_),
                                  np.log(self.class_balance_) + self.log_abstain_.sum(0))
            if fast is not None:  # compiled one-pass kernel (numba installed, many votes)
                return fast
        out = np.empty((L.n, L.cardinality))
        for start, block in iter_row_chunks(L, self.chunk_rows):
            out[start:start + block.n] = self._posterior(indicator_matrix(block), params)
        return out

    def confusion_matrices(self) -> np.ndarray:
        """``(m, k, k)`` array ``P(λ_j = l | Y = y, λ_j votes)`` indexed ``[j, y, l]``."""
        self._check_fitted()
        E = np.exp(self.log_conf_)
        return E / E.sum(2, keepdims=True)

    def lf_accuracies(self) -> np.ndarray:
        """``P(λ_j = Y | λ_j votes)`` under the fitted model."""
        self._check_fitted()
        if self._coin_fit():  # one-coin: the same under every class
            return np.exp(self.log_coin_[:, 0])
        E = np.exp(self.log_conf_)
        pi = self.class_balance_
        if self.abstain_as_class:
            fire = E.sum(2)  # P(vote | y)
            return np.einsum("jyy,y->j", E, pi) / (fire @ pi)
        return np.einsum("jyy,y->j", E, pi)
