"""Dawid–Skene with abstention modelled per class: sound on one-sided LFs and sparse coverage.

WRENCH-style LFs are mostly *one-sided* (unipolar): each votes one class or
abstains.  A model that treats abstentions as missing data sees such an LF
agree with itself on every row it fires on, so it cannot tell its accuracy
(Dawid–Skene, EBCC, FlyingSquid: LF accuracies off by 0.2-0.6 on synthetic
one-sided votes; see ``tests/test_goldfree.py``).  The evidence of a one-sided
LF is *how often it fires under each class*, so here abstaining is an output
like any vote:

``θ[j, y, l] = P(λ_j = l | Y = y)`` for ``l = 0..k-1`` and
``P(λ_j abstains | Y = y) = 1 - Σ_l θ[j, y, l]``.

EM with a MAP M-step whose Dirichlet prior is centred on "the LF ignores Y":
``θ[j, y, l] = (C[j, l, y] + a·r[j, l]) / (N_y + a)``, with ``r[j, l]`` the
LF's overall rate of voting ``l`` (abstain included) and ``a`` (``alpha``)
pseudo-rows.  Flat pseudo-counts instead let a small class absorb the
abstention patterns of many LFs on sparse sets.  EM starts from the soft
majority vote (``init="mv"``), or only on rows with at least two votes and
uniform on the others (``init="mv2"``: a lone vote carries no cross-LF
evidence; seeding it lets one broad inaccurate LF define its class).  The class prior is learned
(``class_balance_``) unless ``class_balance`` or valid labels fix it (uniform under 10 rows a class).

Rows without any vote get uniform probabilities (the tie-break rule decides), or the learned
class prior with ``uncovered="prior"``.
``decide="majority"`` makes the majority vote decide and the model only order
the classes tied under it (see :class:`~weaksup.labelmodel.AutoLabelModel`'s
gold-free default and docs/label_models.md for the measurements behind it).

Sparse coverage needs some overlap: when no row carries the votes of two LFs, LF accuracies and the
class prior are not identified (any split of the rows into classes explains the votes equally well),
so ``fit`` warns and stops at the M-step from majority vote's posterior (whatever ``init``): every
covered row then follows its one vote, as under majority vote.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup._validation import Interval, OneOf
from weaksup.labelmodel._stats import (
    VotePatterns,
    class_counts,
    coin_em_counts,
    iter_row_chunks,
    log_coin_table,
    softmax_rows,
    vote_class_counts,
)
from weaksup.labelmodel.base import resolve_class_balance
from weaksup.labelmodel.dawid_skene import CoinParams, DawidSkene, warn_not_converged
from weaksup.votes import VoteMatrix

__all__ = ["AbstainDawidSkene", "em_class_balance"]

#: ``decide="majority"``: the model's posterior orders the classes tied under majority vote, with weight
#: ``_TIE_EPS`` per vote (at least ``_TIE_EPS_MIN``, at most ``_TIE_EPS_MAX``).  Per vote, so that two tied
#: classes whose posteriors differ by more than ``_TIE_MIN_GAP`` stay further apart than ``probs_to_preds``'
#: 1e-5 tie tolerance on rows with up to 1,000 votes (a fixed weight let ties on rows with a few dozen votes
#: fall to the tie rule); closer ones stay a tie and the tie rule decides, as a two-vote tie always did.  The
#: floor keeps one- and two-vote rows as they were; the cap (reached at 1,000 votes) never outweighs one vote
#: of difference, so past it the gap needed grows as 2e-5 × votes.
_TIE_MIN_GAP = 0.02
_TIE_EPS = 1e-5 / (_TIE_MIN_GAP - 1e-5)
_TIE_EPS_MIN = 1e-3
_TIE_EPS_MAX = 0.5


class AbstainDawidSkene(DawidSkene):
    """Dawid–Skene EM with per-class abstention and a marginal-rate prior (sound on one-sided LFs).

    Parameters
    ----------
    cardinality : int, optional
        Number of classes (inferred from the votes when omitted).
    alpha : float
        Strength (pseudo-rows) of the Dirichlet prior centred on each LF's
        marginal vote rates; also smooths the learned class prior.
    max_iter, tol : int, float
        EM stops when an EM step gains less than ``tol`` log-likelihood per row; ``max_iter`` caps the
        EM steps (E- and M-step pairs), and stopping there instead warns (``ConvergenceWarning``).
        EM is accelerated by SQUAREM (Varadhan & Roland, 2008): after two EM steps it extrapolates
        along them and keeps the extrapolation where one EM step from it beats the plain steps'
        likelihood.  Plain EM crawls on the WRENCH votes (sms, semeval, yelp, imdb: 200 steps were
        not enough; run to ``tol=1e-10`` imdb took 8,292) and a gain-based stop at ``tol=1e-6``
        stopped early on yelp, where the ties of 32 valid rows were still ordered differently from
        the converged fit.  Accelerated, the gold-free fits converge on every WRENCH set's votes in at
        most 319 steps (imdb train, ``init="mv2"``); with the class balance fixed from SemEval's valid
        labels ``init="mv2"`` takes 619, hence the cap of 1,000 (at 500 it stopped there and warned,
        its valid probabilities within 2e-4 of the converged ones).
        When no row carries the votes of two LFs, ``fit`` warns and runs one M-step from majority vote's
        posterior, not EM (``n_iter_ == 1``): nothing in such votes identifies the LF accuracies, and EM
        drifted to near chance (3 LFs 80% accurate, one vote a row: 0.475 against majority vote's 0.78).
    init : {"mv", "mv2"}
        EM starts from the soft majority vote on covered rows (``"mv"``) or
        only on rows with at least two votes, uniform elsewhere (``"mv2"``:
        keeps one broad inaccurate LF from defining its class; used to order
        MV ties, where it measured best on the WRENCH valid splits).
    decide : {"posterior", "majority"}
        ``"posterior"``: the model's posterior.  ``"majority"``: majority
        vote decides; the model's likelihood ratio (uniform prior) only orders
        the classes tied under it, where their posteriors differ by more than
        0.02 on rows with up to 1,000 votes (closer ones stay tied and the tie
        rule decides; past 1,000 votes the gap must exceed 2e-5 × votes).
        With ``"posterior"``, ``fit`` warns (``UserWarning``) when the LFs'
        full tables have more cells (``m·k²``) than there are votes (WRENCH
        SemEval): the posterior then falls far below majority vote;
        ``"majority"`` does not warn.
    chunk_rows : int
        Rows per block when building the pattern table.
    uncovered : {"uniform", "prior"}
        Probabilities for rows on which no LF votes: uniform (default; WRENCH's tie rule then
        decides them, as for majority vote) or ``class_balance_``.
    confusion : {"auto", "full", "one_coin"}
        ``"full"``: a ``k × (k + 1)`` table (votes and abstention) per LF.
        ``"one_coin"``: one firing rate and one accuracy per LF, wrong votes
        spread evenly over the other classes (abstention then says nothing
        about the class: DawidSkene's one-coin model).  ``"auto"`` (default):
        one-coin when the rows are fewer than one LF's full table has cells
        (``n < k²``; every row is one observation of each LF, abstention
        included), e.g. hundreds of classes, where the full tables and
        per-class firing rates overfit (k = 1000, n = 2000, 5 LFs, accuracy on
        300 new rows: 0.27 full, 0.58 one-coin with per-class firing rates,
        0.66 one-coin, majority vote 0.65); ``one_coin_`` says which was used.

    Attributes
    ----------
    log_conf_, log_abstain_ : ndarray
        ``log P(λ_j = l | Y = y)`` indexed ``[j, y, l]`` and ``log P(λ_j abstains | Y = y)``.
        A one-coin fit stores ``log_fire_`` (m × k) and ``log_coin_`` (m × 2) instead of the
        ``m·k²`` table and builds ``log_conf_`` from them on access.
    class_balance_ : ndarray
        Learned (or given) class prior.

    Examples
    --------
    >>> from weaksup.labelmodel import AbstainDawidSkene
    >>> from weaksup.synthetic import make_one_sided_votes
    >>> L, y, params = make_one_sided_votes(20000, 8, 2, class_balance=[0.7, 0.3], seed=0)
    >>> ads = AbstainDawidSkene().fit(L)
    >>> bool(abs(ads.lf_accuracies() - params["accuracies"]).max() < 0.05)
    True
    >>> bool(abs(ads.class_balance_ - params["class_balance"]).max() < 0.02)
    True
    """

    # fixed structure (class attributes read by DawidSkene's prediction code)
    abstain_as_class = True
    alpha_diag = 0.0
    use_valid_labels = False
    learn_prior = None

    _parameter_constraints = {
        "alpha": [Interval(0, None, closed="neither")],
        "max_iter": [Interval(1, None, integer=True)],
        "tol": [Interval(0, None)],
        "decide": [OneOf("posterior", "majority")],
        "init": [OneOf("mv", "mv2")],
        "confusion": [OneOf("auto", "full", "one_coin")],
        "chunk_rows": [None, Interval(1, None, integer=True)],
        "uncovered": [OneOf("uniform", "prior")],
    }
    _renamed: dict[str, str] = {}

    def __init__(self, cardinality: int | None = None, alpha: float = 0.1, max_iter: int = 1000,
                 tol: float = 1e-8, decide: str = "posterior", init: str = "mv",
                 chunk_rows: int = 500_000, confusion: str = "auto", uncovered: str = "uniform") -> None:
        self.cardinality = cardinality
        self.confusion = confusion
        self.init = init
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.decide = decide
        self.chunk_rows = chunk_rows
        self.uncovered = uncovered

    #: On Dask votes: its EM (per-class abstention, the marginal-rate prior) runs on the client over the
    #: distinct-row table reduced across partitions, not as DawidSkene's per-iteration map-reduce.
    _em_map_reduce = False

    #: EM accelerated by SQUAREM (see ``max_iter``); False: plain EM, one E- and M-step an iteration.
    _accelerate = True

    #: ``fit`` warns when no row carries two votes (:func:`warn_no_overlap`); False inside :func:`em_class_balance`.
    _warn_no_overlap = True

    def _validate_params(self) -> None:
        from weaksup._validation import check_params

        check_params(self, {"cardinality": [None, Interval(2, None, integer=True)], **self._parameter_constraints})

    # -------------------------------------------------------------- fitting
    def _fit_stats(self, pats: VotePatterns, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        k, m, a = self.cardinality_, self.n_lfs_, float(self.alpha)
        ind = pats.ind
        w = pats.counts.astype(np.float64)
        n = float(w.sum())
        # under 10 rows a class the learned prior is noise: keep the uniform one (as DawidSkene)
        fixed = class_balance is not None or dev is not None or n < 10 * k
        self.prior_fixed_ = bool(fixed)
        pi = resolve_class_balance(class_balance, dev, None, k)
        votes = vote_class_counts(ind, k)  # P × k per-class vote counts
        n_votes = votes.sum(1)
        # rows where two LFs vote are the only evidence of an LF's accuracy; with none, any split of the rows
        # into classes explains the votes equally well, EM drifts to one of them (on 3 LFs 80% accurate, one
        # vote a row: accuracy 0.475 against majority vote's 0.78), so the fit stops at majority vote's posterior
        self._no_overlap = not bool((w[n_votes >= 2] > 0).any())
        self._n_covered = int(w @ (n_votes > 0))
        T = votes / np.maximum(n_votes[:, None], 1.0)
        T[n_votes < (2 if self.init == "mv2" and not self._no_overlap else 1)] = 1.0 / k
        indT = ind.T.tocsr()
        r = np.asarray(indT @ w).reshape(m, k) / n  # marginal vote rates [j, l]
        r_abs = np.clip(1.0 - r.sum(1), 0.0, 1.0)  # [j]
        one_coin = self.confusion == "one_coin" or (self.confusion == "auto" and n < k * k)
        self.one_coin_ = bool(one_coin)
        log_fire = np.broadcast_to(np.log(np.maximum(1.0 - r_abs, 1e-300))[:, None], (m, k))  # one-coin: per LF
        log_no_fire = np.broadcast_to(np.log(np.maximum(r_abs, 1e-300))[:, None], (m, k))
        tol_ll = float(self.tol) * n

        def em_step(T: np.ndarray) -> tuple[np.ndarray, float, Any]:
            """One M-step from the posteriors ``T`` and the E-step after it: the new posteriors, the
            log-likelihood of the votes under the M-step's parameters, and those parameters."""
            params: Any
            if one_coin:  # one firing rate and one accuracy per LF: DawidSkene's one-coin model
                Ny, agree, fired = coin_em_counts(ind, T, w, k)
                acc = (agree + a / k) / (fired.sum(1) + a)
                log_coin = log_coin_table(acc, k)
                params = CoinParams(log_fire, log_coin, log_no_fire, pi if fixed else (Ny + a) / (n + k * a))
            else:
                WT = T * w[:, None]
                Ny = WT.sum(0)
                C = np.asarray(indT @ WT).reshape(m, k, k).transpose(0, 2, 1)  # [j, y, l]
                den = (Ny + a)[None, :]
                theta = (C + a * r[:, None, :]) / den[:, :, None]
                abst = (np.maximum(Ny[None, :] - C.sum(2), 0.0) + a * r_abs[:, None]) / den
                params = (np.log(np.maximum(theta, 1e-300)), np.log(np.maximum(abst, 1e-300)),
                          pi if fixed else (Ny + a) / (n + k * a))
            scores = self._log_scores(ind, params)
            mx = scores.max(1, keepdims=True)
            ll = float(w @ (mx[:, 0] + np.log(np.exp(scores - mx).sum(1))))
            return softmax_rows(scores), ll, params

        max_iter = 1 if self._no_overlap else int(self.max_iter)
        self.n_iter_ = 0
        ll_old, gain, converged = -np.inf, np.inf, False
        params: Any = None
        while self.n_iter_ < max_iter and not converged:
            T_prev = T
            T, ll, params = em_step(T)
            self.n_iter_ += 1
            gain, ll_old = abs(ll - ll_old), ll
            converged = gain < tol_ll or self._no_overlap  # no overlap: one M-step from majority vote's posterior
            if converged or not self._accelerate or self.n_iter_ + 2 > max_iter:
                continue
            # SQUAREM (Varadhan & Roland 2008, steplength S3) on the posteriors: a second EM step, an
            # extrapolation along the two, one EM step from there; kept where it beats the plain step's likelihood
            T2, ll2, p2 = em_step(T)
            self.n_iter_ += 1
            # in place (rows × k arrays: at hundreds of classes each is as large as a one-coin fit's statistics)
            d1 = np.subtract(T, T_prev, out=T_prev)  # r = T1 − T0
            dd = np.subtract(T2, T, out=T)
            dd -= d1  # v = T2 − 2·T1 + T0
            s1, s2 = float(np.einsum("ij,ij,i->", d1, d1, w)), float(np.einsum("ij,ij,i->", dd, dd, w))
            if s2 > 0 and s1 > 0:
                step = min(-np.sqrt(s1 / s2), -1.0)  # -1: the plain EM step (T2)
                # T0 − 2·step·r + step²·v = T2 − 2·(1 + step)·r + (step² − 1)·v
                Tx = dd
                Tx *= step * step - 1.0
                d1 *= -2.0 * (1.0 + step)
                Tx += d1
                Tx += T2
                np.clip(Tx, 0.0, None, out=Tx)
                tot = Tx.sum(1)
                bad = tot <= 0
                Tx /= np.where(bad, 1.0, tot)[:, None]
                Tx[bad] = T2[bad]
                T3, ll3, p3 = em_step(Tx)
                self.n_iter_ += 1
                if ll3 >= ll2:
                    T2, ll2, p2 = T3, ll3, p3
            T, params, ll_old = T2, p2, ll2
        if not converged:
            warn_not_converged(type(self).__name__, "EM", self.n_iter_, float(self.tol), gain / n,
                               "log-likelihood gain per row")
        self._set_params(params)
        if self._no_overlap and self._warn_no_overlap and not (dev is None and m < self.min_identifiable_lfs):
            warn_no_overlap(type(self).__name__, m, self._n_covered)  # under 3 LFs: _warn_few_lfs said it
        if not one_coin and self.decide == "posterior":
            self._warn_tables_outnumber_votes(float(w @ n_votes))

    def _warn_tables_outnumber_votes(self, n_votes: float) -> None:
        """Warn when the per-LF tables have more vote cells (``m·k²``) than there are votes: DawidSkene's
        ``confusion="auto"`` rule, where it turns to one-coin.  Here the fit explains which LFs fire on a
        row more than what they vote, and its posterior can fall far below majority vote (WRENCH SemEval,
        3,198 votes for 13,284 cells, fitted on all splits' votes: valid accuracy 45.5 against majority
        vote's 75.3; one-coin 56.2).  ``decide="majority"`` is spared: majority vote decides there."""
        m, k = self.n_lfs_, self.cardinality_
        if n_votes >= m * k * k:
            return
        import warnings

        from weaksup._validation import user_stacklevel

        warnings.warn(
            f"{type(self).__name__}: its {m} LFs' vote tables have {m * k * k:,} cells (m·k² for {m} LFs and "
            f"{k} classes) but the votes number only {int(n_votes):,}: the fit explains which LFs fire on a row "
            "more than what they vote, and its posterior can fall far below majority vote (on WRENCH SemEval, "
            "3,198 votes for 13,284 cells: valid accuracy 45.5 against majority vote's 75.3). Use "
            "AutoLabelModel() (the gold-free default: majority vote decides and this model orders its ties), "
            "AbstainDawidSkene(decide='majority') or MajorityVote.",
            UserWarning, stacklevel=user_stacklevel())

    # ----------------------------------------------------------- prediction
    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        k = L.cardinality
        out = np.empty((L.n, k))
        uniform = np.full(k, 1.0 / k)
        prior = uniform if self.decide == "majority" else self.class_balance_
        for start, block in iter_row_chunks(L, self.chunk_rows):
            P = self._posterior(block.indicator(), self._params(prior))
            C = class_counts(block).astype(np.float64)
            if self.decide == "majority":
                votes = C.sum(1, keepdims=True)
                P = C + np.clip(_TIE_EPS * votes, _TIE_EPS_MIN, _TIE_EPS_MAX) * P
                P /= P.sum(1, keepdims=True)
            P[C.sum(1) == 0] = self.class_balance_ if self.uncovered == "prior" else uniform
            out[start:start + block.n] = P
        return out


def em_class_balance(patterns: VotePatterns, cardinality: int, n_lfs: int) -> np.ndarray:
    """The class balance :class:`AbstainDawidSkene` learns from a vote-pattern table (no labels)."""
    ads = AbstainDawidSkene(cardinality=cardinality, decide="majority")  # decide only acts at predict time
    ads.cardinality_, ads.n_lfs_ = int(cardinality), int(n_lfs)
    ads._warn_no_overlap = False  # the calling model's prior: its own fit warns about what it estimates
    ads._fit_stats(patterns, class_balance=None, dev=None, seed=None)
    return np.asarray(ads.class_balance_)


def warn_no_overlap(model: str, n_lfs: int, n_covered: int) -> None:
    """Warn that no row carries the votes of two LFs, so LF accuracies and the class balance are not identified
    (:class:`AbstainDawidSkene` then stops at majority vote's posterior; :class:`AutoLabelModel` says it for its
    gold-free default)."""
    import warnings

    from weaksup._validation import user_stacklevel

    warnings.warn(
        f"{model}: {n_lfs} LFs but no row carries the votes of two of them (each of the {n_covered:,} covered rows "
        "has one vote): LF accuracies and the class balance cannot be identified from votes that never overlap "
        "(an LF's votes are compared with nothing but themselves), so lf_accuracies() (near 1: each LF judged "
        "by its own votes) and class_balance_ (the vote shares, unless given) are guesses; the fit stops at "
        "majority vote's posterior (one M-step from it, no EM), and every covered row follows its one vote. "
        "Write LFs that overlap, pass valid labels to an AutoLabelModel, or use MajorityVote, which estimates "
        "nothing.",
        UserWarning, stacklevel=user_stacklevel())
