"""HMM label model for sequence tagging: Baum–Welch over BIO states with Dirichlet priors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from weaksup._deprecate import renamed_kwargs
from weaksup._validation import Interval, OneOf
from weaksup.metrics import tie_split
from weaksup.sequence.inference import bio_start_mask, bio_transition_mask, forward_backward, viterbi
from weaksup.sequence.labelmodel import SequenceLabelModel, _soft_vote_counts
from weaksup.sequence.tags import bio_to_spans, io_to_bio_marginals
from weaksup.sequence.votes import SequenceVotes, _carried

__all__ = ["HMM"]


class HMM(SequenceLabelModel):
    """Hidden Markov model label model over BIO states (Baum–Welch with Dirichlet priors).

    Hidden states are the ``2E + 1`` BIO tags.  At each token, LF ``j``'s tag
    is an observation drawn from a per-LF emission table
    ``B_j[state, tag]``; LFs are conditionally independent given the state and
    abstains contribute likelihood 1, except on a token where every LF abstains:
    there every LF votes ``O`` (the token models' rule: a token no LF votes on is
    ``O``), so ``apply_span_lfs(outside="abstain")`` and ``outside="O"`` votes give
    the same fit under ``o_votes="wrench"``.  Transitions follow a first-order chain
    with the BIO constraints (no ``I-t`` at the start or after anything but
    ``B-t``/``I-t``), which are re-imposed at every M-step.

    Parameters
    ----------
    n_iter : int
        Baum–Welch iterations (EM stops early when the log-likelihood gain per
        token is below ``tol``).
    o_votes : {"keep", "wrench", "abstain"}
        ``"keep"``: an ``O`` vote is an observation ("not an entity");
        ``"wrench"``: ``O`` votes are abstains on tokens where another LF
        votes an entity (the WRENCH wrapper rule); ``"abstain"``: every ``O``
        is an abstain.  ``"abstain"`` differs from ``"wrench"`` only on the tokens
        where no LF votes an entity, and those are the only observations of the
        ``O`` state: without them EM fits the ``O`` state on tokens some LF tags,
        lets it emit the entity votes, and recall collapses.  Valid span F1 on
        WRENCH (``lf_rec`` LFs, other settings default), ``"wrench"`` against
        ``"abstain"``: LaptopReview 75.17 / 0.00, NCBI-Disease 83.45 / 0.00,
        BC5CDR 84.73 / 7.23 (recall 78.4 / 3.8); on synthetic votes of known
        recall (tests/test_threshold_cosine_hmm_edges.py) recall 0.93 / 0.60.  It is kept for
        comparison; an LF whose silence says nothing is better left to ``"wrench"``.
    prior_strength : float
        Dirichlet pseudo-counts per emission row (> 0: a state no token visits keeps the prior mean row).
    fp_prior, fn_prior : float
        Prior mean probability that an LF tags an ``O`` token as an entity
        (split over entity tags), and that it tags an entity token ``O``
        (in [0, 1]; with two or more entity types 0.01 of an entity row goes
        to the other types' tags, capped at ``1 - fn_prior``).
    boundary_prior : float
        Prior probability that an LF gives the right type with the wrong
        ``B-``/``I-`` prefix.
    transition_prior : float
        Pseudo-counts added to every allowed transition and start state (> 0, so an unvisited state's row is
        defined).
    init : {"mv", "prior"}
        Start EM from counts under WRENCH token MV labels (a tie between tags
        splits the token's count evenly, so the fit does not depend on the
        order of the sentences), or from the priors.
    decode : {"viterbi", "posterior"}
        Most likely path (always valid BIO) or per-token argmax of the
        marginals (repaired to valid BIO).
    restrict_to_votes : bool
        An entity state of type ``t`` is allowed at a token only if some LF
        votes type ``t`` there (skweak's rule).
    tol : float
        Stop when the log-likelihood gain per token falls below this.
    progress : bool
        tqdm bar over EM iterations (``verbose=`` is a deprecated alias).

    Attributes
    ----------
    start_, trans_, emit_ : ndarray
        Start-state and transition probabilities, per-LF emission tables (``m × K × K``).
    loglik_history_ : list of float
        Data log-likelihood at each EM iteration; saved by :meth:`save` (a model loaded from a file
        written before it was saved has no such attribute).

    Notes
    -----
    The defaults (``o_votes="wrench"``, ``restrict_to_votes=True``,
    ``fn_prior=0.8``) suit high-precision, low-recall LFs such as WRENCH's
    dictionaries, where an LF's silence says little; use ``o_votes="keep"``
    with ``restrict_to_votes=False`` when an LF's ``O`` is informative.

    Examples
    --------
    >>> from weaksup.sequence import HMM, SequenceVotes
    >>> v = SequenceVotes.from_tag_lists(
    ...     [[["B-X", "B-X"], ["I-X", "O"], ["O", "O"]]] * 20, ["X"])
    >>> HMM(n_iter=5).fit(v).predict(v[:1])
    [['B-X', 'I-X', 'O']]
    """

    _fitted_attrs = ("start_", "trans_", "emit_")

    _parameter_constraints = {
        "n_iter": [Interval(1, None, integer=True)],
        "o_votes": [OneOf("keep", "wrench", "abstain")],
        # Dirichlet pseudo-counts must be positive: with 0 a state (or row) that no token visits has no counts
        # and its MLE is 0/0 (NaN parameters that silently tag everything O)
        "prior_strength": [Interval(0, None, closed="neither")],
        "fp_prior": [Interval(0, 1)],
        "fn_prior": [Interval(0, 1)],
        "boundary_prior": [Interval(0, 1)],
        "transition_prior": [Interval(0, None, closed="neither")],
        "init": [OneOf("mv", "prior")],
        "decode": [OneOf("viterbi", "posterior")],
        "restrict_to_votes": [bool],
        "tol": [Interval(0, None)],
        "progress": [bool],
    }

    @renamed_kwargs(verbose="progress")
    def __init__(self, n_iter: int = 10, o_votes: str = "wrench", prior_strength: float = 10.0,
                 fp_prior: float = 0.01, fn_prior: float = 0.8, boundary_prior: float = 0.1,
                 transition_prior: float = 1.0, init: str = "mv", decode: str = "viterbi",
                 restrict_to_votes: bool = True, tol: float = 1e-6, progress: bool = False) -> None:
        self.n_iter = n_iter
        self.o_votes = o_votes
        self.prior_strength = prior_strength
        self.fp_prior = fp_prior
        self.fn_prior = fn_prior
        self.boundary_prior = boundary_prior
        self.transition_prior = transition_prior
        self.init = init
        self.decode = decode
        self.restrict_to_votes = restrict_to_votes
        self.tol = tol
        self.progress = progress

    # ---------------------------------------------------------- helpers
    def _obs(self, V: SequenceVotes) -> np.ndarray:
        if self.o_votes == "keep":
            return V.data.astype(np.int64)
        if self.o_votes == "wrench":
            return V.wrench_abstain().data.astype(np.int64)
        if self.o_votes == "abstain":
            return V.o_as_abstain().data.astype(np.int64)
        raise ValueError(f"o_votes must be 'keep', 'wrench' or 'abstain', got {self.o_votes!r}")

    def _prior_mean(self, E: int) -> np.ndarray:
        """``K × K`` prior mean emission row per state."""
        K = 2 * E + 1
        P = np.zeros((K, K))
        if E:
            P[0, 1:] = self.fp_prior / (K - 1)
        P[0, 0] = 1 - self.fp_prior
        # mass on wrong-type entity tags: 0.01, capped by what fn_prior leaves (fn_prior > 0.99 made `rest`
        # negative: negative pseudo-counts, NaN emissions, every token tagged O)
        other = min(0.01, 1.0 - self.fn_prior) if E > 1 else 0.0
        for t in range(E):
            for s, same, flip in ((2 * t + 1, 2 * t + 1, 2 * t + 2), (2 * t + 2, 2 * t + 2, 2 * t + 1)):
                P[s, 0] = self.fn_prior
                rest = 1 - self.fn_prior - other
                P[s, same] = rest * (1 - self.boundary_prior)
                P[s, flip] = rest * self.boundary_prior
                if other:
                    others = [c for c in range(1, K) if (c + 1) // 2 != t + 1]
                    P[s, others] = other / len(others)
        return P / P.sum(1, keepdims=True)

    def _log_emit(self, obs: np.ndarray, K: int, emit: np.ndarray) -> np.ndarray:
        T, m = obs.shape
        out = np.zeros((T, K))
        with np.errstate(divide="ignore"):
            logB = np.log(emit)  # (m, K, K)
        for j in range(m):
            o = obs[:, j]
            ok = o >= 0
            out[ok] += logB[j][:, o[ok]].T
        return out

    def _allowed(self, obs: np.ndarray, E: int) -> np.ndarray | None:
        if not self.restrict_to_votes:
            return None
        T = obs.shape[0]
        allowed = np.ones((T, 2 * E + 1), dtype=bool)
        for t in range(E):
            voted = ((obs == 2 * t + 1) | (obs == 2 * t + 2)).any(axis=1)
            allowed[:, 2 * t + 1] = voted
            allowed[:, 2 * t + 2] = voted
        return allowed

    def _emission_counts(self, obs: np.ndarray, gamma: np.ndarray, K: int) -> np.ndarray:
        m = obs.shape[1]
        counts = np.zeros((m, K, K))
        for j in range(m):
            o = obs[:, j]
            for v in range(K):
                sel = o == v
                if sel.any():
                    counts[j, :, v] = gamma[sel].sum(0)
        return counts

    def _m_step(self, counts: np.ndarray, xi: np.ndarray, start_counts: np.ndarray, E: int) -> None:
        K = 2 * E + 1
        prior = self._prior_mean(E) * self.prior_strength
        emit = counts + prior[None]
        self.emit_ = emit / emit.sum(2, keepdims=True)
        tmask = bio_transition_mask(E)
        tr = (xi + self.transition_prior) * tmask
        self.trans_ = tr / tr.sum(1, keepdims=True)
        smask = bio_start_mask(E)
        st = (start_counts + self.transition_prior) * smask
        self.start_ = st / st.sum()
        assert self.trans_.shape == (K, K)

    # ---------------------------------------------------------- fit/predict
    def _fit(self, V: SequenceVotes, *, seed: int | None) -> None:
        V = _silent_tokens_as_o(V)
        E = len(V.entity_types)
        K = 2 * E + 1
        obs = self._obs(V)
        lengths = V.lengths
        first = V.offsets[:-1][lengths > 0]
        if self.init == "mv":
            gamma = _tied_mv_marginals(V)
            xi = _pair_counts(gamma, V.offsets)
            self._m_step(self._emission_counts(obs, gamma, K), xi, gamma[first].sum(0), E)
        else:
            self._m_step(np.zeros((V.m, K, K)), np.zeros((K, K)), np.zeros(K), E)
        allowed = self._allowed(obs, E)
        self.loglik_history_ = []
        prev = -np.inf
        from weaksup._progress import progress_bar

        for _ in progress_bar(range(self.n_iter), desc="HMM EM", progress=self.progress):
            le = self._log_emit(obs, K, self.emit_)
            if allowed is not None:
                le = np.where(allowed, le, -np.inf)
            gamma, xi, ll = forward_backward(le, lengths, self.start_, self.trans_)
            # Dirichlet log-prior is constant w.r.t. the stopping rule's purpose; track data loglik
            self.loglik_history_.append(ll)
            self._m_step(self._emission_counts(obs, gamma, K), xi, gamma[first].sum(0), E)
            if V.n_tokens and (ll - prev) / V.n_tokens < self.tol:
                break
            prev = ll

    def _log_emit_for(self, V: SequenceVotes) -> np.ndarray:
        V = _silent_tokens_as_o(V)
        E = len(V.entity_types)
        obs = self._obs(V)
        le = self._log_emit(obs, 2 * E + 1, self.emit_)
        allowed = self._allowed(obs, E)
        if allowed is not None:
            le = np.where(allowed, le, -np.inf)
        return le

    def _predict_proba(self, V: SequenceVotes) -> np.ndarray:
        gamma, _, _ = forward_backward(self._log_emit_for(V), V.lengths, self.start_, self.trans_, need_xi=False)
        return gamma

    def _predict_ids(self, V: SequenceVotes) -> np.ndarray:
        if self.decode == "viterbi":
            return viterbi(self._log_emit_for(V), V.lengths, self.start_, self.trans_)
        g = self._predict_proba(V)
        ids = g.argmax(1)
        # repair stray I- to B- per sentence
        names = V.tag_names
        out = ids.copy()
        for a, b in zip(V.offsets[:-1], V.offsets[1:]):
            tags = [names[i] for i in ids[a:b]]
            for s, e, typ in bio_to_spans(tags, "repair"):
                out[a + s] = names.index(f"B-{typ}")
        return out

    def lf_accuracies(self) -> np.ndarray:
        """Per LF, the emission probability of voting exactly the true state, averaged over states."""
        self._check_fitted()
        return np.einsum("jkk->jk", self.emit_).mean(1)

    # ---------------------------------------------------------- persistence
    def _state(self, path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``loglik_history_`` (the data log-likelihood per EM iteration) goes with the fitted arrays."""
        if "loglik_history_" not in self.__dict__:  # loaded from a file saved before it was kept
            return {}, {}
        return {"loglik_history_": [float(v) for v in self.loglik_history_]}, {}

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        if "loglik_history_" not in meta:  # a file saved before it was kept: the model loads without it
            return
        history = meta["loglik_history_"]
        if not (isinstance(history, list) and all(isinstance(v, (int, float)) for v in history)):
            raise ValueError(f"{path}: garbled HMM state: loglik_history_ must be a list of numbers, "
                             f"got {history!r:.80}")
        self.loglik_history_ = [float(v) for v in history]


def _silent_tokens_as_o(V: SequenceVotes) -> SequenceVotes:
    """``V`` with every LF voting ``O`` on the tokens where all LFs abstain (the rule of the token models: a
    token no LF votes on is ``O``).

    These tokens are the O state's observations: without them (``apply_span_lfs(outside="abstain")`` votes)
    the O state is fitted only on tokens where some LF votes an entity, EM lets it emit the entity votes,
    and recall collapses (LaptopReview valid span F1 0.00 instead of 75.17).  With them, the votes of
    ``outside="abstain"`` and ``outside="O"`` give the same observations under ``o_votes="wrench"``.

    >>> v = SequenceVotes(np.array([[-1, -1], [1, -1], [0, -1]]), [0, 3], ["X"])
    >>> _silent_tokens_as_o(v).data.tolist()
    [[0, 0], [1, -1], [0, -1]]
    """
    silent = (V.data < 0).all(axis=1)
    if not silent.any() or V.m == 0:
        return V
    data = V.data.astype(np.int64)
    data[silent] = 0
    return _carried(SequenceVotes(data, V.offsets, V.entity_types, V.lf_names, V.scheme), V.placeholder_names)


def _tied_mv_marginals(V: SequenceVotes) -> np.ndarray:
    """BIO marginals of WRENCH's token majority vote with each tie split evenly over the tied tags
    (not broken by token index, so they do not depend on the order of the sentences)."""
    W = V.wrench_abstain().to_io()
    q = tie_split(_soft_vote_counts(W.data, W.n_tags))
    return io_to_bio_marginals(q, q, V.offsets)


def _pair_counts(gamma: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``K × K`` expected transition counts of per-token marginals taken as independent, within
    sentences (for one-hot rows: the transition counts of the tag sequence)."""
    T, K = gamma.shape
    if T < 2:
        return np.zeros((K, K))
    same = np.ones(T - 1, dtype=bool)
    inner = offsets[1:-1]
    inner = inner[(inner > 0) & (inner < T)]
    same[inner - 1] = False
    return gamma[:-1][same].T @ gamma[1:][same]
