"""Label models for sequence tagging: token majority vote, token Dawid–Skene, HMM.

All models take :class:`~weaksup.sequence.votes.SequenceVotes` in BIO (IO is
converted), return per-token BIO marginals from :meth:`predict_proba`
(``n_tokens × n_bio_tags``, WRENCH tag-id order) and per-sentence BIO tag lists
from :meth:`predict`; :meth:`score` gives strict span F1 against gold tags.

WRENCH ``SeqLabelModelWrapper`` semantics (token models)
--------------------------------------------------------
:class:`TokenMajorityVote` and :class:`TokenDawidSkene` (with the default
``wrench_abstain=True, io=True``) follow WRENCH's wrapper exactly:

1. On every token where some LF votes a non-``O`` tag, the LFs voting ``O``
   are turned into abstains; on tokens where all LFs vote ``O`` the ``O``
   votes stay (:meth:`SequenceVotes.wrench_abstain`).
2. BIO ids become IO ids (``B-t``/``I-t`` -> ``t``), so a token-level
   classifier over ``1 + n_types`` classes sees the flattened tokens.
3. The token classifier predicts; ties are broken with snorkel's
   deterministic ``sha1(str(i)) % n_ties`` rule, ``i`` being the token's flat
   index within the predicted split (MV: soft vote counts; tokens with no vote
   at all are uniform).
4. IO predictions go back to BIO per sentence: the first token of each run of
   one type is ``B-`` (so adjacent same-type entities merge).

:class:`HMM` works on BIO states directly (see its docstring).
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from weaksup._params import ParamsMixin
from weaksup.sequence.tags import bio_to_spans, io_ids_to_bio_ids
from weaksup.sequence.votes import SequenceVotes

__all__ = [
    "SequenceLabelModel",
    "TokenMajorityVote",
    "TokenDawidSkene",
    "TokenLabelModel",
    "HMM",
    "forward_backward",
    "bio_transition_mask",
    "bio_start_mask",
]


def _sha1_tie_preds(probs: np.ndarray, tol: float = 1e-5) -> np.ndarray:
    from weaksup.labelmodel.base import probs_to_preds

    return probs_to_preds(probs, "random", tol=tol)


def check_sequence_votes(votes: Any, what: str = "votes") -> SequenceVotes:
    if not isinstance(votes, SequenceVotes):
        raise TypeError(f"{what} must be a SequenceVotes, got {type(votes).__name__}")
    return votes.to_bio()


class SequenceLabelModel(ParamsMixin):
    """Base class: ``fit(votes) -> self``, ``predict_proba``, ``predict``, ``score``."""

    _fitted_attrs: tuple[str, ...] = ()

    def fit(self, votes: SequenceVotes, *, seed: int | None = None) -> SequenceLabelModel:
        V = check_sequence_votes(votes)
        if V.m < 1:
            raise ValueError("votes have no LF columns")
        self.lf_names_ = list(V.lf_names)
        self.entity_types_ = list(V.entity_types)
        self._fit(V, seed=seed)
        return self

    def _fit(self, V: SequenceVotes, *, seed: int | None) -> None:
        raise NotImplementedError

    def _check_predict(self, votes: SequenceVotes) -> SequenceVotes:
        if not hasattr(self, "lf_names_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(votes) first")
        V = check_sequence_votes(votes)
        if V.lf_names != self.lf_names_:
            raise ValueError(f"votes have LFs {V.lf_names}; the model was fitted on {self.lf_names_}")
        if V.entity_types != self.entity_types_:
            raise ValueError(f"votes have entity types {V.entity_types}; fitted on {self.entity_types_}")
        return V

    def predict_proba(self, votes: SequenceVotes) -> np.ndarray:
        """``n_tokens × n_bio_tags`` per-token marginals (rows sum to 1)."""
        return self._predict_proba(self._check_predict(votes))

    def _predict_proba(self, V: SequenceVotes) -> np.ndarray:
        raise NotImplementedError

    def predict_ids(self, votes: SequenceVotes) -> np.ndarray:
        """Flat BIO tag ids, one per token."""
        return self._predict_ids(self._check_predict(votes))

    def _predict_ids(self, V: SequenceVotes) -> np.ndarray:
        return self._predict_proba(V).argmax(axis=1)

    def predict(self, votes: SequenceVotes) -> list[list[str]]:
        """BIO tag sequences, one list per sentence."""
        V = self._check_predict(votes)
        ids = self._predict_ids(V)
        names = V.tag_names
        flat = [names[i] for i in ids.tolist()]
        return [flat[a:b] for a, b in zip(V.offsets[:-1].tolist(), V.offsets[1:].tolist())]

    def score(self, votes: SequenceVotes, y_true: Any, metric: str = "f1") -> float:
        """Strict span-level ``f1`` (default), ``precision`` or ``recall`` against gold BIO tags."""
        from weaksup.sequence.metrics import span_prf

        idx = {"precision": 0, "recall": 1, "f1": 2}
        if metric not in idx:
            raise ValueError(f"metric must be 'f1', 'precision' or 'recall', got {metric!r}")
        return span_prf(y_true, self.predict(votes))[idx[metric]]

    # --------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Parameters (JSON) and fitted arrays (npz) in one ``.npz`` file; no pickle."""
        if not hasattr(self, "lf_names_"):
            raise RuntimeError("fit the model before saving it")
        meta = {"class": type(self).__name__, "params": self.get_params(), "lf_names": self.lf_names_,
                "entity_types": self.entity_types_}
        arrays = {a: np.asarray(getattr(self, a)) for a in self._fitted_attrs}
        np.savez_compressed(Path(path), meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SequenceLabelModel:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta["class"] != cls.__name__:
                raise ValueError(f"{path} holds a {meta['class']}, not a {cls.__name__}")
            obj = cls(**meta["params"])
            for a in cls._fitted_attrs:
                setattr(obj, a, z[a])
        obj.lf_names_ = meta["lf_names"]
        obj.entity_types_ = meta["entity_types"]
        return obj


# ====================================================================== token models
class TokenLabelModel(SequenceLabelModel):
    """WRENCH ``SeqLabelModelWrapper``: any token-level classifier over flattened votes.

    Parameters
    ----------
    label_model : object with ``fit(VoteMatrix)`` and ``predict_proba(VoteMatrix)``
        For example :class:`weaksup.labelmodel.MajorityVote`.  ``None`` means
        WRENCH's soft majority vote.
    wrench_abstain : bool
        Turn ``O`` votes into abstains on tokens where some LF votes an entity.
    io : bool
        Fit the token model on IO classes (``1 + n_types``) and convert back.
    """

    def __init__(self, label_model: Any = None, wrench_abstain: bool = True, io: bool = True) -> None:
        self.label_model = label_model
        self.wrench_abstain = wrench_abstain
        self.io = io

    def _prepare(self, V: SequenceVotes) -> SequenceVotes:
        if self.wrench_abstain:
            V = V.wrench_abstain()
        return V.to_io() if self.io else V

    def _token_fit(self, W: SequenceVotes, seed: int | None) -> None:
        if self.label_model is not None:
            kw = {"seed": seed} if "seed" in inspect.signature(self.label_model.fit).parameters else {}
            self.label_model.fit(W.to_vote_matrix(), **kw)

    def _token_proba(self, W: SequenceVotes) -> np.ndarray:
        if self.label_model is not None:
            return np.asarray(self.label_model.predict_proba(W.to_vote_matrix()), dtype=np.float64)
        return _soft_vote_counts(W.data, W.n_tags)

    def _fit(self, V: SequenceVotes, *, seed: int | None) -> None:
        self._token_fit(self._prepare(V), seed)

    def _predict_proba(self, V: SequenceVotes) -> np.ndarray:
        W = self._prepare(V)
        p = self._token_proba(W)
        if not self.io:
            return p
        # spread each IO type's probability over B/I by position in the predicted run
        pred = self._predict_ids(V)
        out = np.zeros((V.n_tokens, V.n_tags))
        out[:, 0] = p[:, 0]
        for t in range(1, W.n_tags):
            is_b = pred == 2 * t - 1
            out[:, 2 * t - 1] = np.where(is_b, p[:, t], 0.0)
            out[:, 2 * t] = np.where(is_b, 0.0, p[:, t])
        return out

    def _predict_ids(self, V: SequenceVotes) -> np.ndarray:
        W = self._prepare(V)
        preds = _sha1_tie_preds(self._token_proba(W))
        return io_ids_to_bio_ids(preds, V.offsets) if self.io else preds


def _soft_vote_counts(data: np.ndarray, k: int) -> np.ndarray:
    """WRENCH MajorityVoting: normalised vote counts; uniform where no LF votes."""
    counts = np.zeros((data.shape[0], k))
    d = data.astype(np.int64)
    for c in range(k):
        counts[:, c] = (d == c).sum(axis=1)
    tot = counts.sum(axis=1, keepdims=True)
    counts[tot[:, 0] == 0] = 1.0
    return counts / counts.sum(axis=1, keepdims=True)


class TokenMajorityVote(TokenLabelModel):
    """Token majority vote with WRENCH ``SeqLabelModelWrapper(MajorityVoting)`` semantics.

    See the module docstring for the exact rule.  On WRENCH's recovered
    BC5CDR / NCBI-Disease / LaptopReview files with the ``lf_rec`` LFs it gives
    test span F1 83.46 / 78.44 / 73.27.

    Examples
    --------
    >>> v = SequenceVotes.from_tag_lists([[["B-X", "O", "O"], ["I-X", "I-X", "O"], ["O", "O", "O"]]], ["X"])
    >>> TokenMajorityVote().fit(v).predict(v)
    [['B-X', 'I-X', 'O']]
    """

    def __init__(self, wrench_abstain: bool = True, io: bool = True) -> None:
        super().__init__(None, wrench_abstain, io)


class TokenDawidSkene(TokenLabelModel):
    """Dawid–Skene EM on flattened tokens, inside the WRENCH wrapper (see module docstring).

    ``abstain_as_class=True`` (default, WRENCH's ``DawidSkene``) models an
    abstain as one more output of each LF, with its own class-conditional
    probability; ``False`` treats abstains as missing (classic DS).  Under the
    WRENCH wrapper rule the missing-data version is unstable with several
    entity types: an LF for type A votes on a type-B token only when it is
    wrong, so "given that it votes" it looks uninformative (BC5CDR: 38 F1
    instead of 83).  Confusion rows and the class prior get Dirichlet
    pseudo-counts ``smoothing`` (so no zero locks in); EM starts from soft
    majority vote and stops when the largest parameter change is below ``tol``.

    Examples
    --------
    >>> v = SequenceVotes.from_tag_lists([[["B-X", "B-X", "O"], ["O", "O", "O"]]], ["X"])
    >>> TokenDawidSkene().fit(v).predict(v)
    [['B-X', 'O']]
    """

    _fitted_attrs = ("prior_", "confusion_")

    def __init__(self, wrench_abstain: bool = True, io: bool = True, n_iter: int = 100,
                 tol: float = 1e-5, smoothing: float = 1.0, abstain_as_class: bool = True) -> None:
        super().__init__(None, wrench_abstain, io)
        self.n_iter = n_iter
        self.tol = tol
        self.smoothing = smoothing
        self.abstain_as_class = abstain_as_class

    def _codes(self, W: SequenceVotes) -> tuple[np.ndarray, int]:
        d = W.data.astype(np.int64)
        k = W.n_tags
        if self.abstain_as_class:
            return np.where(d < 0, k, d), k + 1
        return d, k

    def _token_fit(self, W: SequenceVotes, seed: int | None) -> None:
        k = W.n_tags
        d, n_out = self._codes(W)
        q = _soft_vote_counts(W.data, k)
        onehots = [(d == c).astype(np.float64) for c in range(n_out)]  # each (T, m)
        prior = conf = None
        for _ in range(max(1, self.n_iter)):
            new_prior = q.sum(0) + self.smoothing
            new_prior /= new_prior.sum()
            new_conf = np.empty((W.m, k, n_out))
            for c in range(n_out):
                new_conf[:, :, c] = (q.T @ onehots[c]).T + self.smoothing  # [j, y] for output c
            new_conf = new_conf / new_conf.sum(axis=2, keepdims=True)
            delta = np.inf if conf is None else max(np.abs(new_prior - prior).max(), np.abs(new_conf - conf).max())
            prior, conf = new_prior, new_conf
            q = self._posterior(d, prior, conf)
            if delta < self.tol:
                break
        self.prior_, self.confusion_ = prior, conf

    @staticmethod
    def _posterior(d: np.ndarray, prior: np.ndarray, conf: np.ndarray) -> np.ndarray:
        T, m = d.shape
        logp = np.tile(np.log(prior), (T, 1))
        logc = np.log(conf)
        for j in range(m):
            v = d[:, j]
            ok = v >= 0
            logp[ok] += logc[j][:, v[ok]].T
        logp -= logp.max(axis=1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(axis=1, keepdims=True)

    def _token_proba(self, W: SequenceVotes) -> np.ndarray:
        return self._posterior(self._codes(W)[0], self.prior_, self.confusion_)


# ============================================================================ HMM
def bio_transition_mask(n_types: int) -> np.ndarray:
    """``K × K`` boolean mask of allowed BIO transitions (``I-t`` only after ``B-t``/``I-t``)."""
    K = 2 * n_types + 1
    mask = np.ones((K, K), dtype=bool)
    for t in range(n_types):
        i_t = 2 * t + 2
        mask[:, i_t] = False
        mask[2 * t + 1, i_t] = True
        mask[i_t, i_t] = True
    return mask


def bio_start_mask(n_types: int) -> np.ndarray:
    """States a sentence may start in (no ``I-``)."""
    K = 2 * n_types + 1
    mask = np.ones(K, dtype=bool)
    mask[2::2] = False
    return mask


_CHUNK_CELLS = 4_000_000  # sentences x max length x states held at once by forward-backward / Viterbi


def _chunks(lengths: np.ndarray, K: int) -> list[tuple[int, int]]:
    """Contiguous sentence ranges whose (count x max length x K) stays under the memory budget."""
    out, a, longest = [], 0, 0
    for i, n in enumerate(lengths.tolist()):
        longest_i = max(longest, n)
        if i > a and (i - a + 1) * longest_i * K > _CHUNK_CELLS:
            out.append((a, i))
            a, longest_i = i, n
        longest = longest_i
    out.append((a, len(lengths)))
    return out


def forward_backward(log_emit: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray,
                     need_xi: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """Scaled forward–backward over many sentences at once (see :func:`_forward_backward`).

    Large inputs are processed in contiguous blocks of sentences to bound memory.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    K = log_emit.shape[1]
    blocks = _chunks(lengths, K) if len(lengths) else [(0, 0)]
    if len(blocks) == 1:
        return _forward_backward(log_emit, lengths, start, trans, need_xi)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    gamma = np.zeros(log_emit.shape)
    xi = np.zeros((K, K))
    ll = 0.0
    for a, b in blocks:
        r0, r1 = offsets[a], offsets[b]
        g, x, lz = _forward_backward(log_emit[r0:r1], lengths[a:b], start, trans, need_xi)
        gamma[r0:r1] = g
        xi += x
        ll += lz
    return gamma, xi, ll


def _forward_backward(log_emit: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray,
                      need_xi: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """Scaled forward–backward over many sentences at once.

    Parameters
    ----------
    log_emit : (n_tokens, K) log emission likelihoods, sentences concatenated.
    lengths : (n_sentences,) sentence lengths (sum = n_tokens).
    start : (K,) initial-state probabilities.  trans : (K, K) transition matrix.

    Returns
    -------
    gamma : (n_tokens, K) posterior state marginals.
    xi : (K, K) expected transition counts summed over all sentences.
    loglik : total log-likelihood ``sum_s log p(x_s)``.

    Sentences are sorted by length (longest first) so step ``t`` updates only
    the sentences still running: no padding is ever computed.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    T, K = log_emit.shape
    n = len(lengths)
    gamma = np.zeros((T, K))
    xi = np.zeros((K, K))
    if n == 0 or T == 0:
        return gamma, xi, 0.0
    shift = log_emit.max(axis=1, keepdims=True)
    emit = np.exp(log_emit - shift)
    loglik = float(shift.sum())
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    order = np.argsort(-lengths, kind="stable")
    ls = lengths[order]
    L = int(ls[0])
    # row index of (rank r, position t) in the flat arrays: starts[order][r] + t
    starts = offsets[:-1][order]
    n_active = np.array([(ls > t).sum() for t in range(L)])  # ls sorted desc
    alpha = np.zeros((n, L, K))
    scale = np.ones((n, L))
    nz = n_active[0]
    a = start[None, :] * emit[starts[:nz]]
    c = a.sum(1)
    if np.any(c <= 0):
        bad = int(order[np.nonzero(c <= 0)[0][0]])
        raise FloatingPointError(f"sentence {bad}: zero likelihood at token 0 (no allowed state)")
    alpha[:nz, 0] = a / c[:, None]
    scale[:nz, 0] = c
    for t in range(1, L):
        na = n_active[t]
        a = (alpha[:na, t - 1] @ trans) * emit[starts[:na] + t]
        c = a.sum(1)
        if np.any(c <= 0):
            bad = int(order[np.nonzero(c <= 0)[0][0]])
            raise FloatingPointError(f"sentence {bad}: zero likelihood at token {t} (no allowed state path)")
        alpha[:na, t] = a / c[:, None]
        scale[:na, t] = c
    loglik += float(np.log(scale).sum())
    beta = np.ones((n, L, K))
    for t in range(L - 2, -1, -1):
        na = n_active[t + 1]
        eb = emit[starts[:na] + t + 1] * beta[:na, t + 1] / scale[:na, t + 1, None]
        beta[:na, t] = eb @ trans.T
        if need_xi:
            xi += alpha[:na, t].T @ eb
    if need_xi:
        xi *= trans
    g = alpha * beta
    for t in range(L):
        na = n_active[t]
        rows = starts[:na] + t
        gamma[rows] = g[:na, t]
    gamma /= gamma.sum(axis=1, keepdims=True)
    return gamma, xi, loglik


def viterbi(log_emit: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """Most likely state path per sentence (flat ids), batched like :func:`forward_backward`."""
    lengths = np.asarray(lengths, dtype=np.int64)
    blocks = _chunks(lengths, log_emit.shape[1]) if len(lengths) else [(0, 0)]
    if len(blocks) == 1:
        return _viterbi(log_emit, lengths, start, trans)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return np.concatenate([_viterbi(log_emit[offsets[a]:offsets[b]], lengths[a:b], start, trans)
                           for a, b in blocks])


def _viterbi(log_emit: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray) -> np.ndarray:
    lengths = np.asarray(lengths, dtype=np.int64)
    T, K = log_emit.shape
    out = np.zeros(T, dtype=np.int64)
    n = len(lengths)
    if n == 0 or T == 0:
        return out
    with np.errstate(divide="ignore"):
        ls_, lt = np.log(start), np.log(trans)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    order = np.argsort(-lengths, kind="stable")
    ls = lengths[order]
    L = int(ls[0])
    starts = offsets[:-1][order]
    n_active = np.array([(ls > t).sum() for t in range(L)])
    back = np.zeros((n, L, K), dtype=np.int8 if K < 127 else np.int32)
    delta = ls_[None, :] + log_emit[starts]
    final = np.zeros((n, K))
    done = ls == 1
    final[done] = delta[done]
    for t in range(1, L):
        na = n_active[t]
        cand = delta[:na, :, None] + lt[None, :, :]  # (na, from, to)
        back[:na, t] = cand.argmax(1)
        delta = cand.max(1) + log_emit[starts[:na] + t]
        ending = ls[:na] == t + 1
        final[:na][ending] = delta[ending]
    final_state = final.argmax(1)
    state = np.zeros(n, dtype=np.int64)
    for t in range(L - 1, -1, -1):
        na = n_active[t]
        ending = ls[:na] == t + 1
        state[:na][ending] = final_state[:na][ending]
        out[starts[:na] + t] = state[:na]
        if t > 0:
            state[:na] = back[np.arange(na), t, state[:na]]
    return out


class HMM(SequenceLabelModel):
    """Hidden Markov model label model over BIO states (Baum–Welch with Dirichlet priors).

    Hidden states are the ``2E + 1`` BIO tags.  At each token, LF ``j``'s tag
    is an observation drawn from a per-LF emission table
    ``B_j[state, tag]``; LFs are conditionally independent given the state and
    abstains contribute likelihood 1.  Transitions follow a first-order chain
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
        is an abstain.
    prior_strength : float
        Dirichlet pseudo-counts per emission row.
    fp_prior, fn_prior : float
        Prior mean probability that an LF tags an ``O`` token as an entity
        (split over entity tags), and that it tags an entity token ``O``.
    boundary_prior : float
        Prior probability that an LF gives the right type with the wrong
        ``B-``/``I-`` prefix.
    transition_prior : float
        Pseudo-counts added to every allowed transition and start state.
    init : {"mv", "prior"}
        Start EM from counts under WRENCH token MV labels, or from the priors.
    decode : {"viterbi", "posterior"}
        Most likely path (always valid BIO) or per-token argmax of the
        marginals (repaired to valid BIO).
    restrict_to_votes : bool
        An entity state of type ``t`` is allowed at a token only if some LF
        votes type ``t`` there (skweak's rule).
    tol : float
        Stop when the log-likelihood gain per token falls below this.
    verbose : bool
        tqdm bar over EM iterations.

    The defaults (``o_votes="wrench"``, ``restrict_to_votes=True``,
    ``fn_prior=0.8``) suit high-precision, low-recall LFs such as WRENCH's
    dictionaries, where an LF's silence says little; use ``o_votes="keep"``
    with ``restrict_to_votes=False`` when an LF's ``O`` is informative.

    Examples
    --------
    >>> v = SequenceVotes.from_tag_lists(
    ...     [[["B-X", "B-X"], ["I-X", "O"], ["O", "O"]]] * 20, ["X"])
    >>> HMM(n_iter=5).fit(v).predict(v[:1])
    [['B-X', 'I-X', 'O']]
    """

    _fitted_attrs = ("start_", "trans_", "emit_")

    def __init__(self, n_iter: int = 10, o_votes: str = "wrench", prior_strength: float = 10.0,
                 fp_prior: float = 0.01, fn_prior: float = 0.8, boundary_prior: float = 0.1,
                 transition_prior: float = 1.0, init: str = "mv", decode: str = "viterbi",
                 restrict_to_votes: bool = True, tol: float = 1e-6, verbose: bool = False) -> None:
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
        self.verbose = verbose

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
        other = 0.01 if E > 1 else 0.0
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
        if self.init not in ("mv", "prior"):
            raise ValueError(f"init must be 'mv' or 'prior', got {self.init!r}")
        if self.decode not in ("viterbi", "posterior"):
            raise ValueError(f"decode must be 'viterbi' or 'posterior', got {self.decode!r}")
        E = len(V.entity_types)
        K = 2 * E + 1
        obs = self._obs(V)
        lengths = V.lengths
        first = V.offsets[:-1][lengths > 0]
        if self.init == "mv":
            ids = TokenMajorityVote().fit(V)._predict_ids(V)
            gamma = np.eye(K)[ids]
            xi = _transition_counts(ids, V.offsets, K)
            self._m_step(self._emission_counts(obs, gamma, K), xi, gamma[first].sum(0), E)
        else:
            self._m_step(np.zeros((V.m, K, K)), np.zeros((K, K)), np.zeros(K), E)
        allowed = self._allowed(obs, E)
        self.loglik_history_ = []
        prev = -np.inf
        from tqdm.auto import tqdm

        for _ in tqdm(range(self.n_iter), desc="HMM EM", disable=not self.verbose):
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
        return np.einsum("jkk->jk", self.emit_).mean(1)


def _transition_counts(ids: np.ndarray, offsets: np.ndarray, K: int) -> np.ndarray:
    xi = np.zeros((K, K))
    if len(ids) < 2:
        return xi
    same = np.ones(len(ids) - 1, dtype=bool)
    inner = offsets[1:-1]
    inner = inner[(inner > 0) & (inner < len(ids))]
    same[inner - 1] = False
    np.add.at(xi, (ids[:-1][same], ids[1:][same]), 1.0)
    return xi
