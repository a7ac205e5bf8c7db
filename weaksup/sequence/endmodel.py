"""A CPU end model for tagging: linear-chain CRF over sparse token features (numpy/scipy).

:class:`CRFTagger` learns emission weights for hand-made token features
(word, lowercase, prefixes/suffixes, shape, neighbouring words, ...) plus a
BIO-constrained transition matrix, by maximising the CRF log-likelihood of the
tags given by a label model on the training sentences.  Decoding is Viterbi,
so predictions are always valid IOB2.

Examples
--------
>>> from weaksup.sequence import CRFTagger
>>> sents = [["aspirin", "helps"], ["take", "aspirin"], ["nothing", "here"]] * 10
>>> tags = [["B-Chem", "O"], ["O", "B-Chem"], ["O", "O"]] * 10
>>> crf = CRFTagger(c2=0.1).fit(sents, tags)
>>> crf.predict([["aspirin", "now"]])
[['B-Chem', 'O']]
>>> crf.predict_proba([["aspirin", "now"]]).shape  # tokens x tags (O, B-Chem, I-Chem)
(2, 3)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Self, overload

import numpy as np

from weaksup._params import ParamsMixin
from weaksup._validation import Interval, check_is_fitted, check_params, check_sample_weight, check_seed
from weaksup.sequence.inference import bio_start_mask, bio_transition_mask, forward_backward, viterbi
from weaksup.sequence.tags import bio_tag_names, check_entity_types, entity_types_from_tags, repair_bio

__all__ = ["CRFTagger", "token_features"]


def _shape(w: str) -> str:
    s = re.sub("[A-Z]", "X", w)
    s = re.sub("[a-z]", "x", s)
    s = re.sub("[0-9]", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


def token_features(tokens: Sequence[str], window: int = 2, *, where: str = "") -> list[list[str]]:
    """Feature strings for every token of a sentence (simple, language-agnostic).

    ``tokens`` is a list of strings (a bare string, or a token that is no string, is a TypeError naming
    its position; ``where`` adds to it, such as ``" in sentence 3"``).

    Examples
    --------
    >>> from weaksup.sequence import token_features
    >>> token_features(["Paris", "is", "big"])[0][:5]
    ['b', 'w=paris', 's=Xxx', 'p3=par', 'x3=ris']
    """
    if isinstance(tokens, (str, bytes)) or not hasattr(tokens, "__iter__"):
        raise TypeError(f"token_features: tokens{where} must be a list of token strings, got "
                        f"{type(tokens).__name__} {tokens!r}"[:300])
    tokens = list(tokens)
    for i, t in enumerate(tokens):
        if not isinstance(t, str):
            raise TypeError(f"token_features: token {i}{where} is {t!r} ({type(t).__name__}); tokens must be strings")
    low = [t.lower() for t in tokens]
    n = len(tokens)
    out = []
    for i, w in enumerate(tokens):
        lw = low[i]
        f = ["b", "w=" + lw, "s=" + _shape(w), "p3=" + lw[:3], "x3=" + lw[-3:], "x4=" + lw[-4:], "x2=" + lw[-2:],
             "p4=" + lw[:4]]
        if w[:1].isupper():
            f.append("title")
        if w.isupper() and len(w) > 1:
            f.append("upper")
        if any(c.isdigit() for c in w):
            f.append("digit")
        if "-" in w:
            f.append("hyph")
        if len(w) <= 2:
            f.append("short")
        for d in range(1, window + 1):
            j = i - d
            f.append(f"w-{d}=" + (low[j] if j >= 0 else "<s>"))
            j = i + d
            f.append(f"w+{d}=" + (low[j] if j < n else "</s>"))
        if i > 0:
            f.append("x3-1=" + low[i - 1][-3:])
            f.append("bg-=" + low[i - 1] + "|" + lw)
        if i + 1 < n:
            f.append("x3+1=" + low[i + 1][-3:])
            f.append("bg+=" + lw + "|" + low[i + 1])
        out.append(f)
    return out


class CRFTagger(ParamsMixin):
    """Linear-chain CRF over sparse binary token features, fitted by L-BFGS (numpy/scipy).

    The negative log-likelihood of the given tags plus ``c2/2 · ||W||²`` is
    minimised with exact gradients: emission gradients are ``X.T @ (marginals
    - targets)`` and transition gradients expected minus observed transition
    counts, both from the batched forward–backward of
    :func:`weaksup.sequence.inference.forward_backward`.  Disallowed BIO
    transitions and ``I-`` starts are fixed at probability 0.

    Parameters
    ----------
    c2 : float
        L2 penalty on the feature weights.
    max_iter : int
        L-BFGS iterations; stopping there before L-BFGS converges warns (scikit-learn's
        ``ConvergenceWarning``).
    min_count : int
        Keep features seen at least this often in training.
    window : int
        Neighbouring words used as features on each side.
    verbose : bool
        After the fit, print one line: the L-BFGS iterations, the final objective and L-BFGS's stop message.
    progress : bool
        Show a tqdm bar over L-BFGS iterations (up to ``max_iter``; a fit on NCBI-Disease's training set
        takes 30-45 s on a CPU).
    """

    _parameter_constraints = {
        "c2": [Interval(0, None)],
        "max_iter": [Interval(1, None, integer=True)],
        "min_count": [Interval(1, None, integer=True)],
        "window": [Interval(0, None, integer=True)],
        "verbose": [bool],
        "progress": [bool],
    }

    #: The ``progress`` of a CRFTagger pickled before the parameter existed: its fits showed no bar.
    progress: bool = False

    def __init__(self, c2: float = 1.0, max_iter: int = 100, min_count: int = 1, window: int = 2,
                 verbose: bool = False, progress: bool = True) -> None:
        self.c2 = c2
        self.max_iter = max_iter
        self.min_count = min_count
        self.window = window
        self.verbose = verbose
        self.progress = progress

    # ------------------------------------------------------------ features
    def _design(self, sentences: Sequence[Sequence[str]],
                vocab: dict[str, int] | None = None) -> tuple[Any, dict[str, int]]:
        """Sparse binary design matrix and its feature vocabulary (built from ``sentences`` when ``vocab`` is
        None, as :meth:`fit` does; the fitted ``vocab_`` otherwise).  Nothing is stored on ``self``: a refit
        refused later must leave the old fit whole."""
        import scipy.sparse as sp

        feats = [f for s in sentences for f in token_features(s, self.window)]  # _check_sentences checked them
        if vocab is None:
            counts: dict[str, int] = {}
            for tf in feats:
                for f in tf:
                    counts[f] = counts.get(f, 0) + 1
            kept = sorted(k for k, c in counts.items() if c >= self.min_count)
            vocab = {f: i for i, f in enumerate(kept)}
        indptr = [0]
        indices: list[int] = []
        for tf in feats:
            ids = {vocab[f] for f in tf if f in vocab}
            indices.extend(sorted(ids))
            indptr.append(len(indices))
        data = np.ones(len(indices))
        return sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                             shape=(len(feats), len(vocab))), vocab

    @staticmethod
    def _unpack(theta: np.ndarray, F: int, K: int,
                masks: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        W = theta[:F * K].reshape(F, K)
        tmask, smask = masks
        nt = int(tmask.sum())
        trans = np.full((K, K), -np.inf)
        trans[tmask] = theta[F * K:F * K + nt]
        start = np.full(K, -np.inf)
        start[smask] = theta[F * K + nt:]
        return W, trans, start

    def _with_dense(self, X: Any, dense: Any, lengths: np.ndarray, build: bool,
                    sent_ids: np.ndarray | None = None) -> tuple[Any, dict[str, Any]]:
        """Append standardised dense per-token features (e.g. token embeddings) to the design matrix.

        Returns the matrix and the standardisation (``{"dense_dim_": d, "dense_mean_": ..., "dense_std_": ...}``,
        only ``dense_dim_: 0`` without dense features): computed on these tokens when ``build`` (``fit`` stores
        it once everything has passed), the fitted one otherwise.
        ``sent_ids`` maps the position of each sentence in ``lengths`` to the caller's sentence index
        (for error messages when empty sentences were dropped).
        """
        import scipy.sparse as sp

        if dense is None:
            if not build and getattr(self, "dense_dim_", 0):
                raise ValueError(f"this CRF was fitted with {self.dense_dim_} dense features; pass dense=")
            return X, {"dense_dim_": 0}
        D = np.concatenate([np.asarray(d, dtype=np.float64).reshape(-1, np.shape(d)[-1]) for d in dense]) \
            if isinstance(dense, (list, tuple)) else np.asarray(dense, dtype=np.float64)
        if D.shape[0] != int(lengths.sum()):
            raise ValueError(f"dense features have {D.shape[0]} rows for {int(lengths.sum())} tokens")
        bad = ~np.isfinite(D)
        if bad.any():
            # NaN/inf would silently stop L-BFGS at zero weights (fit) or give NaN scores (predict)
            r, c = (int(v[0]) for v in np.nonzero(bad))
            k = int(np.searchsorted(np.cumsum(lengths), r, side="right"))
            tok = r - int(np.sum(lengths[:k]))
            sent = int(sent_ids[k]) if sent_ids is not None else k
            raise ValueError(f"dense features contain a non-finite value ({float(D[r, c])!r}) at sentence {sent}, "
                             f"token {tok}, column {c}; {int(bad.sum())} non-finite value(s) in total")
        if build:
            stats = {"dense_dim_": D.shape[1], "dense_mean_": D.mean(0), "dense_std_": D.std(0) + 1e-8}
        elif D.shape[1] != getattr(self, "dense_dim_", 0):
            raise ValueError(f"dense features have {D.shape[1]} columns; fitted with {getattr(self, 'dense_dim_', 0)}")
        else:
            stats = {k: getattr(self, k) for k in ("dense_dim_", "dense_mean_", "dense_std_")}
        D = (D - stats["dense_mean_"]) / stats["dense_std_"]
        return sp.hstack([X, sp.csr_matrix(D)], format="csr"), stats

    def fit(self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], *,
            entity_types: Sequence[str] | None = None, sample_weight: Any = None,
            dense: Any = None, seed: int | None = None) -> Self:
        """Fit on tokenised sentences and (weak) BIO tags (stray ``I-`` repaired to ``B-``).

        ``seed`` is accepted for the common end-model contract; the fit is
        deterministic (L-BFGS from zeros).  It is still checked first, as an end model's is: None or an
        int in ``[0, 2**32 - 1]`` (:func:`weaksup._validation.check_seed`), else a ``TypeError`` /
        ``ValueError`` naming ``CRFTagger.fit``.

        ``entity_types`` fixes the tag columns (``tag_names_``): a list of distinct type names
        (default: the types in ``tags``, sorted).
        ``sample_weight`` (one per sentence) scales each sentence's log-likelihood.
        ``dense`` optionally adds real-valued per-token features (one ``(len_i, d)``
        array per sentence, or one flat ``(n_tokens, d)`` array), standardised
        on the training tokens; :meth:`predict` then needs them too.
        """
        check_seed(seed, f"{type(self).__name__}.fit")
        from scipy.optimize import minimize

        check_params(self)
        _check_sentences(sentences, "sentences")
        if isinstance(tags, str) or not hasattr(tags, "__len__"):
            raise TypeError(f"tags must be a list of tag sequences, got {type(tags).__name__}")
        if len(sentences) != len(tags):
            raise ValueError(f"{len(sentences)} sentences but {len(tags)} tag sequences")
        for i, (s, t) in enumerate(zip(sentences, tags)):
            if isinstance(t, str) or not hasattr(t, "__len__"):
                raise TypeError(f"tags[{i}] must be a list of BIO tag strings, got {type(t).__name__}")
            if len(s) != len(t):
                raise ValueError(f"sentence {i}: {len(s)} tokens but {len(t)} tags")
            bad = next((j for j, tag in enumerate(t) if not isinstance(tag, str)), None)
            if bad is not None:
                hint = " (soft labels / probability arrays are not supported: pass hard BIO tags, e.g. " \
                       "a label model's predict())" if isinstance(t[bad], (np.ndarray, list, tuple)) else ""
                raise TypeError(f"tags[{i}][{bad}] must be a BIO tag string, got {type(t[bad]).__name__}{hint}")
        w_all = _check_sentence_weight(sample_weight, len(sentences))
        keep = [i for i, s in enumerate(sentences) if len(s) > 0]
        if not keep:  # nothing to learn from (used to fail deep in numpy with a dtype-cast TypeError)
            raise ValueError(f"CRFTagger.fit needs at least one non-empty sentence; got {len(sentences)} "
                             f"sentence(s){', all empty' if len(sentences) else ''}")
        # everything below is built in locals and stored at the end: a refit refused by a later check (a tag
        # outside entity_types, weights summing to 0, dense shape) or interrupted in L-BFGS keeps the old fit
        if dense is not None and isinstance(dense, (list, tuple)):
            dense = [dense[i] for i in keep]
        sentences = [sentences[i] for i in keep]
        tags = [repair_bio(tags[i], where=f" of sentence {i}") for i in keep]
        # a bare string was split into letters and duplicates gave two columns per tag: check as SequenceVotes does
        entity_types_ = check_entity_types(entity_types) if entity_types is not None \
            else entity_types_from_tags(tags)
        tag_names_ = bio_tag_names(entity_types_)
        t2i = {t: i for i, t in enumerate(tag_names_)}
        try:
            y = np.array([t2i[t] for ts in tags for t in ts], dtype=np.int64)
        except KeyError as exc:
            raise ValueError(f"tag {exc.args[0]!r} is not one of {tag_names_}") from None
        w_sent = np.ones(len(sentences)) if w_all is None else w_all[keep]
        if w_all is not None and w_sent.sum() <= 0:
            raise ValueError("sample_weight sums to 0 over the non-empty sentences (empty ones are dropped)")
        lengths = np.array([len(s) for s in sentences])
        w_tok = np.repeat(w_sent, lengths)
        X, vocab_ = self._design(sentences)
        X, dense_stats = self._with_dense(X, dense, lengths, build=True, sent_ids=np.asarray(keep, dtype=np.int64))
        F, K = X.shape[1], len(tag_names_)
        E = len(entity_types_)
        tmask, smask = bio_transition_mask(E), bio_start_mask(E)
        masks = (tmask, smask)
        Y = np.zeros((len(y), K))
        Y[np.arange(len(y)), y] = 1.0
        Yw = Y * w_tok[:, None]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        first = offsets[:-1]
        same = np.ones(len(y), dtype=bool)
        same[first] = False
        emp_trans = np.zeros((K, K))
        idx = np.nonzero(same)[0]
        np.add.at(emp_trans, (y[idx - 1], y[idx]), w_tok[idx])
        emp_start = np.zeros(K)
        np.add.at(emp_start, y[first], w_sent)
        emp_W = X.T @ Yw
        n_tok = float(w_tok.sum())
        XT = X.T.tocsr()

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            W, trans, start = self._unpack(theta, F, K, masks)
            le = X @ W
            if sample_weight is None:
                gamma, xi, logz = forward_backward(le, lengths, np.exp(start), np.exp(trans))
                gstart = gamma[first].sum(0)
            else:
                logz, xi, gstart, gamma = _weighted_fb(le, lengths, start, trans, w_sent)
            score = float((le * Yw).sum() + (emp_trans[tmask] * trans[tmask]).sum()
                          + (emp_start[smask] * start[smask]).sum())
            nll = logz - score
            gW = XT @ (gamma * w_tok[:, None]) - emp_W
            g_tr = (xi - emp_trans)[tmask]
            g_st = (gstart - emp_start)[smask]
            f = nll / n_tok + 0.5 * self.c2 * float((W ** 2).sum()) / n_tok
            g = np.concatenate([(gW + self.c2 * W).ravel(), g_tr, g_st]) / n_tok
            return f, g

        theta0 = np.zeros(F * K + int(tmask.sum()) + int(smask.sum()))
        bar = None
        if self.progress:
            from weaksup._progress import progress_bar

            bar = progress_bar(total=self.max_iter, desc="CRFTagger (L-BFGS)", leave=False)

        def callback(intermediate_result: Any) -> None:  # once per L-BFGS iteration; reads nothing
            if bar is not None:
                bar.update(1)

        try:
            res = minimize(objective, theta0, jac=True, method="L-BFGS-B", callback=callback,
                           options={"maxiter": self.max_iter})
        finally:
            if bar is not None:
                bar.close()
        if self.verbose:
            print(f"CRFTagger: {res.nit} L-BFGS iterations, objective {res.fun:.5f} ({res.message})")
        if res.status == 1:  # L-BFGS-B hit maxiter (or its evaluation budget) before its convergence tests held
            import warnings

            from sklearn.exceptions import ConvergenceWarning

            from weaksup._validation import user_stacklevel

            warnings.warn(f"CRFTagger: L-BFGS stopped at max_iter={self.max_iter} before converging ({res.nit} "
                          f"iterations, objective {float(res.fun):.5g}: {res.message!s}); the weights may still be "
                          "moving: raise max_iter", ConvergenceWarning, stacklevel=user_stacklevel())
        self.entity_types_, self.tag_names_, self.vocab_, self._masks = entity_types_, tag_names_, vocab_, masks
        for name, value in dense_stats.items():  # dense_dim_ (0 without dense features), dense_mean_, dense_std_
            setattr(self, name, value)
        self.W_, self.trans_, self.start_ = self._unpack(res.x, F, K, masks)
        self.n_iter_ = int(res.nit)
        return self

    def _log_emit(self, sentences: Sequence[Sequence[str]], dense: Any) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "W_", msg="CRFTagger is not fitted yet; call fit(sentences, tags) first")
        _check_sentences(sentences, "sentences")
        lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        if lengths.sum() == 0:
            return np.zeros((0, len(self.tag_names_))), lengths
        X, _ = self._with_dense(self._design(sentences, self.vocab_)[0], dense, lengths, build=False)
        return X @ self.W_, lengths

    def predict(self, sentences: Sequence[Sequence[str]], *, dense: Any = None) -> list[list[str]]:
        """Viterbi BIO tags per sentence (``dense`` as in :meth:`fit` when it was used there)."""
        le, lengths = self._log_emit(sentences, dense)
        if lengths.sum() == 0:
            return [[] for _ in sentences]
        ids = viterbi(le, lengths, np.exp(self.start_), np.exp(self.trans_))
        names = self.tag_names_
        offs = np.concatenate([[0], np.cumsum(lengths)])
        return [[names[k] for k in ids[a:b]] for a, b in zip(offs[:-1], offs[1:])]

    def predict_proba(self, sentences: Sequence[Sequence[str]], *, dense: Any = None) -> np.ndarray:
        """Per-token tag marginals ``P(tag_t | sentence)``: ``n_tokens × n_tags`` (columns ``tag_names_``),
        sentences concatenated; rows sum to 1."""
        le, lengths = self._log_emit(sentences, dense)
        gamma, _, _ = forward_backward(le, lengths, np.exp(self.start_), np.exp(self.trans_), need_xi=False)
        return gamma

    # one metric name gives its value, a list of names a dict of values (as LabelModel.score)
    @overload
    def score(self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], metric: str = ..., *,
              dense: Any = ...) -> float: ...

    @overload
    def score(self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], metric: list[str], *,
              dense: Any = ...) -> dict[str, float]: ...

    def score(self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]],
              metric: str | list[str] = "span_f1", *, dense: Any = None) -> float | dict[str, float]:
        """Strict span ``span_f1`` (default), ``precision`` or ``recall`` against gold tags.

        ``metric`` is one name, or a list of names for a dict ``{name: value}`` (as a label model's
        ``score``).
        """
        from weaksup.sequence.labelmodel import span_score

        return span_score(tags, self.predict(sentences, dense=dense), metric)


def _check_sentences(sentences: Any, what: str) -> None:
    if isinstance(sentences, str) or not hasattr(sentences, "__len__"):
        raise TypeError(f"{what} must be a list of token lists, got {type(sentences).__name__}")
    for i, s in enumerate(sentences):
        if isinstance(s, str) or not hasattr(s, "__len__"):
            raise TypeError(f"{what}[{i}] must be a list of tokens, got {type(s).__name__}")
        # features are string shapes/affixes: an int token would fail deep inside with "no attribute 'lower'"
        bad = next((j for j, tok in enumerate(s) if not isinstance(tok, str)), None)
        if bad is not None:
            raise TypeError(f"{what}[{i}][{bad}] must be a str token, got {type(s[bad]).__name__} {s[bad]!r}")


def _check_sentence_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    """One finite, non-negative weight per sentence, not all zero (``None`` passes through)."""
    return check_sample_weight(sample_weight, n, unit="sentence", match="the sentences")


def _weighted_fb(le: np.ndarray, lengths: np.ndarray, start: np.ndarray, trans: np.ndarray,
                 w_sent: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Sentence-weighted logZ, expected transitions, start marginals and token marginals."""
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    K = le.shape[1]
    logz = 0.0
    xi = np.zeros((K, K))
    gamma = np.zeros_like(le)
    gstart = np.zeros(K)
    for w in np.unique(w_sent):
        sel = np.nonzero(w_sent == w)[0]
        rows = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in sel])
        g, x, lz = forward_backward(le[rows], lengths[sel], np.exp(start), np.exp(trans))
        gamma[rows] = g
        xi += w * x
        logz += w * lz
        gstart += w * g[np.concatenate([[0], np.cumsum(lengths[sel])[:-1]])].sum(0)
    return logz, xi, gstart, gamma
