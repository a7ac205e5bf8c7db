"""The one contract every classification label model follows.

``fit(votes, *, class_balance=None, dev=None, seed=None) -> self``,
``predict_proba(votes)``, ``predict(votes, tie_break=...)``,
``score(votes, y, metric=...)``, ``lf_accuracies()``, sklearn-style
``get_params/set_params`` and ``save/load`` (JSON + npz, no pickle).

Votes may be a :class:`~weaksup.votes.VoteMatrix`, a dense int array or a
scipy sparse matrix in VoteMatrix's shifted convention (``vote + 1``).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from weaksup._deprecate import warn_deprecated
from weaksup._params import ParamsMixin
from weaksup._validation import (
    NotFittedError,
    check_class_balance,
    check_fit_votes,
    check_is_fitted,
    check_labels,
    check_valid,
    check_votes,
)
from weaksup.votes import ABSTAIN, VoteMatrix, as_vote_matrix

__all__ = [
    "LabelModel",
    "check_votes",
    "check_dev",
    "check_labels",
    "check_fit_votes",
    "resolve_class_balance",
    "probs_to_preds",
    "softmax_rows",
    "vote_patterns",
    "VotePatterns",
    "iter_row_chunks",
    "cooccurrence_counts",
    "class_counts",
    "mv_winner_table",
    "mv_winner_counts",
    "TIE_BREAKS",
]

TIE_BREAKS = ("random", "abstain", "prior", "true-random")


def check_dev(dev: Any, n_lfs: int, cardinality: int) -> tuple[VoteMatrix, np.ndarray] | None:
    """Deprecated name of :func:`weaksup._validation.check_valid` for ``(votes, y)`` pairs."""
    warn_deprecated("weaksup.labelmodel.base.check_dev", "weaksup._validation.check_valid")
    return check_valid(dev, cardinality, n_lfs=n_lfs, what="dev")


def resolve_class_balance(class_balance: Any, dev: tuple[VoteMatrix, np.ndarray] | None,
                          L: VoteMatrix | None, cardinality: int, source: str = "uniform") -> np.ndarray:
    """Class prior: the argument, else dev-label frequencies, else ``source``.

    ``source`` is ``"uniform"`` or ``"votes"`` (frequency of majority-vote
    winners on covered rows, smoothed by one pseudo-count per class).
    """
    k = cardinality
    if class_balance is not None:
        return check_class_balance(class_balance, k)  # type: ignore[return-value]
    if dev is not None:
        counts = np.bincount(dev[1], minlength=k).astype(np.float64) + 1.0
        return counts / counts.sum()
    if source == "votes" and L is not None and L.n:
        c = mv_winner_counts(L) + 1.0
        return c / c.sum()
    return np.full(k, 1.0 / k)


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for very negative log-scores (no underflow to 0/0)."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def iter_row_chunks(L: VoteMatrix, chunk_rows: int | None):
    """Yield ``(start, L[start:stop])`` row blocks (the whole matrix when ``chunk_rows`` is None)."""
    if chunk_rows is None or L.n <= chunk_rows:
        yield 0, L
        return
    for start in range(0, L.n, chunk_rows):
        yield start, L[start:start + chunk_rows]


def indicator_matrix(L: VoteMatrix) -> Any:
    """Sparse ``n × m·k`` one-hot of the votes (float64 CSR; never dense)."""
    import scipy.sparse as sp

    k = L.cardinality
    if L.is_sparse:
        S = L.to_sparse()
        indptr = S.indptr.astype(np.int64)
        cols = S.indices.astype(np.int64) * k + (S.data.astype(np.int64) - 1)
        return sp.csr_matrix((np.ones(cols.size), cols, indptr), shape=(L.n, L.m * k))
    d = L.to_dense()
    rows, cols = np.nonzero(d != ABSTAIN)
    vals = d[rows, cols].astype(np.int64)
    indptr = np.zeros(L.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=L.n), out=indptr[1:])
    return sp.csr_matrix((np.ones(rows.size), cols.astype(np.int64) * k + vals, indptr), shape=(L.n, L.m * k))


def cooccurrence_counts(ind: Any, max_codes: int = 4_000_000) -> np.ndarray:
    """Dense ``d × d`` float64 ``indᵀ ind`` of a 0/1 CSR one-hot, exact integer counts.

    Rows are grouped by their number of votes ``t`` and every row's ``t²`` index
    pairs are counted with one ``bincount``: about 3× faster than scipy's
    sparse-sparse product and never more than ``max_codes`` pairs in memory.
    """
    d = ind.shape[1]
    indptr = ind.indptr
    indices = ind.indices.astype(np.int64)
    lens = np.diff(indptr)
    out = np.zeros(d * d, dtype=np.int64)
    for t in np.unique(lens):
        if t == 0:
            continue
        rows = np.nonzero(lens == t)[0]
        step = max(1, max_codes // int(t * t))
        for s in range(0, len(rows), step):
            idx = indices[indptr[rows[s:s + step]][:, None] + np.arange(t)]
            out += np.bincount((idx[:, :, None] * d + idx[:, None, :]).ravel(), minlength=d * d)
    return out.reshape(d, d).astype(np.float64)


_HASH_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _hash_keys(d: int) -> tuple[np.ndarray, np.ndarray]:
    if d not in _HASH_CACHE:
        g = np.random.default_rng(0x5EED_0F_ACE)
        _HASH_CACHE[d] = (g.integers(0, 2**63, d, dtype=np.uint64) * 2 + 1,
                          g.integers(0, 2**63, d, dtype=np.uint64) * 2 + 1)
    return _HASH_CACHE[d]


class VotePatterns:
    """Distinct vote rows with their multiplicities (the sufficient statistic of EM-type models).

    ``ind`` is the sparse ``P × m·k`` one-hot of the distinct rows, ``counts``
    how often each occurs, ``first`` the row index of its first occurrence
    (patterns are kept in first-occurrence order, so the order does not depend
    on LF order or class names), ``keys`` a 128-bit hash of each row used to
    merge pattern tables from several chunks (``partial_fit``).
    """

    def __init__(self, ind: Any, counts: np.ndarray, first: np.ndarray, keys: np.ndarray) -> None:
        self.ind = ind
        self.counts = counts
        self.first = first
        self.keys = keys

    @property
    def n_rows(self) -> int:
        return int(self.counts.sum())

    def merge(self, other: VotePatterns) -> VotePatterns:
        import scipy.sparse as sp

        ind = sp.vstack([self.ind, other.ind], format="csr")
        keys = np.concatenate([self.keys, other.keys])
        first = np.concatenate([self.first, other.first])
        counts = np.concatenate([self.counts, other.counts])
        return _dedupe(ind, keys, first, counts)


def _dedupe(ind: Any, keys: np.ndarray, first: np.ndarray, counts: np.ndarray) -> VotePatterns:
    order = np.lexsort((first, keys[:, 1], keys[:, 0]))
    ks = keys[order]
    new = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        new[1:] = (ks[1:, 0] != ks[:-1, 0]) | (ks[1:, 1] != ks[:-1, 1])
    group = np.cumsum(new) - 1
    reps = order[new]  # smallest `first` in each group (lexsort is stable, first is the last key)
    tot = np.bincount(group, weights=counts[order], minlength=reps.size).astype(np.int64)
    # order groups by first occurrence
    ford = np.argsort(first[reps], kind="stable")
    reps = reps[ford]
    return VotePatterns(ind[reps], tot[ford], first[reps], keys[reps])


def vote_patterns(L: VoteMatrix, offset: int = 0) -> VotePatterns:
    """Compress ``L`` to its distinct rows (see :class:`VotePatterns`)."""
    ind = indicator_matrix(L)
    h1, h2 = _hash_keys(ind.shape[1])
    keys = np.empty((L.n, 2), dtype=np.uint64)
    for c, h in enumerate((h1, h2)):
        cs = np.zeros(ind.nnz + 1, dtype=np.uint64)
        np.cumsum(h[ind.indices], dtype=np.uint64, out=cs[1:])
        keys[:, c] = cs[ind.indptr[1:]] - cs[ind.indptr[:-1]]
    first = np.arange(offset, offset + L.n, dtype=np.int64)
    return _dedupe(ind, keys, first, np.ones(L.n, dtype=np.int64))


def class_counts(L: VoteMatrix) -> np.ndarray:
    """``n × k`` int64: how many LFs voted each class on each row (fast for sparse votes)."""
    k = L.cardinality
    if L.is_sparse:
        S = L.to_sparse()
        rows = np.repeat(np.arange(L.n, dtype=np.int64), np.diff(S.indptr))
        flat = np.bincount(rows * k + (S.data.astype(np.int64) - 1), minlength=L.n * k)
        return flat.reshape(L.n, k)
    return L.class_counts()


def mv_winner_table(L: VoteMatrix) -> np.ndarray:
    """Integer ``k × k`` table: ``T[t-1, c]`` = covered rows where class ``c`` is one of ``t``
    tied majority-vote winners (additive over row blocks, exactly)."""
    counts = class_counts(L)
    k = L.cardinality
    c = counts[counts.sum(1) > 0]
    win = c == c.max(1, keepdims=True)
    ties = win.sum(1)
    codes = (np.repeat(ties - 1, k) * k + np.tile(np.arange(k), len(c)))[win.ravel()]
    return np.bincount(codes, minlength=k * k).reshape(k, k).astype(np.int64)


def mv_winner_counts(L: VoteMatrix | np.ndarray) -> np.ndarray:
    """How often each class wins the majority vote on covered rows (ties split evenly).

    Accepts votes or a table from :func:`mv_winner_table`.
    """
    T = L if isinstance(L, np.ndarray) else mv_winner_table(L)
    return (T / np.arange(1, T.shape[0] + 1)[:, None]).sum(0)


def cooccurrence_stats(L: VoteMatrix, chunk_rows: int | None) -> dict[str, Any]:
    """Additive second-moment statistics shared by MatrixCompletion and FlyingSquid.

    ``O``: the ``(m·k) × (m·k)`` co-occurrence counts of the one-hot votes,
    accumulated chunk by chunk from sparse indicators; ``n``: rows seen;
    ``mv_counts``: the majority-vote winner table (for the class prior).
    """
    d = L.m * L.cardinality
    O = np.zeros((d, d))
    mv = np.zeros((L.cardinality, L.cardinality), dtype=np.int64)
    for _, block in iter_row_chunks(L, chunk_rows):
        O += cooccurrence_counts(indicator_matrix(block))
        mv += mv_winner_table(block)
    return {"O": O, "n": np.array(L.n, dtype=np.int64), "mv_counts": mv}


def _sha1_tie(i: int) -> int:
    return int(hashlib.sha1(str(i).encode()).hexdigest(), 16)


def probs_to_preds(probs: np.ndarray, tie_break: str = "random", *, prior: np.ndarray | None = None,
                   tol: float = 1e-5, seed: int | None = None, offset: int = 0) -> np.ndarray:
    """Turn probabilities into hard predictions with an explicit tie-break policy.

    ``"random"`` is snorkel's (and WRENCH's) deterministic rule: among tied
    classes pick index ``sha1(str(i)) % n_ties`` where ``i`` is the row index
    (plus ``offset``).  ``"abstain"`` returns -1 on ties, ``"prior"`` the tied
    class with the largest prior, ``"true-random"`` a seeded random choice.
    """
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}")
    probs = np.asarray(probs, dtype=np.float64)
    n = probs.shape[0]
    preds = probs.argmax(axis=1).astype(np.int64)
    if n == 0:
        return preds
    rmax = probs.max(axis=1, keepdims=True)
    tied = np.abs(probs - rmax) <= tol
    n_ties = tied.sum(axis=1)
    rows = np.nonzero(n_ties > 1)[0]
    rng = np.random.default_rng(seed) if tie_break == "true-random" else None
    for i in rows:
        idx = np.nonzero(tied[i])[0]
        if tie_break == "random":
            preds[i] = idx[_sha1_tie(int(i) + offset) % len(idx)]
        elif tie_break == "abstain":
            preds[i] = ABSTAIN
        elif tie_break == "prior":
            pr = prior if prior is not None else np.ones(probs.shape[1])
            preds[i] = idx[np.argmax(pr[idx])]
        else:
            preds[i] = rng.choice(idx)  # type: ignore[union-attr]
    return preds


class LabelModel(ParamsMixin):
    """Base class: subclasses implement ``_fit`` and ``_predict_proba``.

    Subclasses declare their hyper-parameters as ``__init__`` keyword
    arguments stored under the same attribute names (sklearn convention), and
    their fitted state as attributes ending in ``_`` listed in
    ``_fitted_attrs`` (numpy arrays or JSON-able values) for save/load.
    """

    #: Fewest LF columns the model can work with.
    min_lfs: int = 1
    #: Fitted attributes saved by :meth:`save`.
    _fitted_attrs: tuple[str, ...] = ()

    cardinality: int | None

    # --------------------------------------------------------------- contract
    def fit(self, votes: Any, *, class_balance: Any = None, dev: Any = None,
            seed: int | None = None) -> LabelModel:
        """Fit on an n×m vote matrix; returns self."""
        L = check_votes(votes, getattr(self, "cardinality", None), min_lfs=self.min_lfs)
        k = L.cardinality
        if getattr(self, "cardinality", None) is None:
            self.cardinality = k
        dev_checked = check_dev(dev, L.m, k)
        check_fit_votes(L)
        self.cardinality_ = k
        self.n_lfs_ = L.m
        self.lf_names_ = list(L.lf_names)
        self.__dict__.pop("_stats_", None)
        self.__dict__.pop("n_seen_", None)
        self._fit(L, class_balance=class_balance, dev=dev_checked, seed=seed)
        return self

    def _fit(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        if self._additive:
            self._fit_stats(self._stats(L, 0), class_balance=class_balance, dev=dev, seed=seed)
            return
        raise NotImplementedError

    # ----------------------------------------------------- streaming (additive)
    #: True for models whose fit depends on the votes only through additive statistics.
    _additive: bool = False

    def _stats(self, L: VoteMatrix, offset: int) -> Any:
        """Sufficient statistics of a row block (``offset`` = index of its first row)."""
        raise NotImplementedError

    def _merge_stats(self, a: Any, b: Any) -> Any:
        """Combine the statistics of two row blocks (default: add dict entries)."""
        return {key: a[key] + b[key] for key in a}

    def _fit_stats(self, stats: Any, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        raise NotImplementedError

    def partial_fit(self, votes: Any, *, class_balance: Any = None, dev: Any = None,
                    seed: int | None = None, refit: bool = True) -> LabelModel:
        """Add a block of rows to the model's statistics and refit.

        Streaming the rows in chunks gives the same model as one ``fit`` on all
        of them (the statistics are exact integer counts).  Pass
        ``refit=False`` for all but the last chunk to skip intermediate fits.
        Give ``cardinality`` in the constructor when a chunk may lack classes.

        Examples
        --------
        >>> import numpy as np
        >>> from weaksup.labelmodel import MatrixCompletion
        >>> L = np.array([[0, 0, 1], [1, 1, 1], [0, -1, 0], [1, 1, -1]] * 5)
        >>> mc = MatrixCompletion(cardinality=2)
        >>> _ = mc.partial_fit(L[:10], refit=False).partial_fit(L[10:], seed=0)
        >>> mc.n_seen_
        20
        """
        if not self._additive:
            raise NotImplementedError(f"{type(self).__name__} has no additive statistics; use fit()")
        L = check_votes(votes, getattr(self, "cardinality", None), min_lfs=self.min_lfs)
        if getattr(self, "cardinality", None) is None:
            self.cardinality = L.cardinality
        if "_stats_" in self.__dict__:
            if L.m != self.n_lfs_:
                raise ValueError(f"votes have {L.m} LFs; earlier chunks had {self.n_lfs_}")
            stats = self._merge_stats(self._stats_, self._stats(L, self.n_seen_))
            self.n_seen_ += L.n
        else:
            self.n_lfs_ = L.m
            self.lf_names_ = list(L.lf_names)
            stats = self._stats(L, 0)
            self.n_seen_ = L.n
        self._stats_ = stats
        if refit:
            dev_checked = check_dev(dev, L.m, L.cardinality)
            self._fit_stats(stats, class_balance=class_balance, dev=dev_checked, seed=seed)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_lfs_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(votes) first")

    def _check_predict_votes(self, votes: Any) -> VoteMatrix:
        self._check_fitted()
        L = check_votes(votes, self.cardinality)
        if L.m != self.n_lfs_:
            raise ValueError(f"votes have {L.m} LFs; the model was fitted on {self.n_lfs_}")
        return L

    def predict_proba(self, votes: Any) -> np.ndarray:
        """``n × k`` class probabilities; rows sum to 1."""
        L = self._check_predict_votes(votes)
        if L.n == 0:
            return np.zeros((0, self.cardinality))  # type: ignore[arg-type]
        return self._predict_proba(L)

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        raise NotImplementedError

    def predict(self, votes: Any, tie_break: str = "random", *, return_probs: bool = False,
                seed: int | None = None) -> Any:
        """Hard labels (``-1`` only with ``tie_break="abstain"``)."""
        probs = self.predict_proba(votes)
        preds = probs_to_preds(probs, tie_break, prior=getattr(self, "class_balance_", None), seed=seed)
        return (preds, probs) if return_probs else preds

    def score(self, votes: Any, y: Any, metric: str | list[str] = "accuracy",
              tie_break: str = "random") -> Any:
        """Score against gold labels with :mod:`weaksup.metrics` (one name or a list)."""
        from weaksup.metrics import score as _score

        L = self._check_predict_votes(votes)
        y = check_labels(y, self.cardinality, what="y")  # type: ignore[arg-type]
        if len(y) != L.n:
            raise ValueError(f"votes have {L.n} rows but y has {len(y)}")
        probs = self.predict_proba(L)
        preds = probs_to_preds(probs, tie_break, prior=getattr(self, "class_balance_", None))
        if isinstance(metric, str):
            return _score(metric, y, preds, probs)
        return {m: _score(m, y, preds, probs) for m in metric}

    def lf_accuracies(self) -> np.ndarray:
        """Estimated accuracy of each LF on the rows where it votes."""
        raise NotImplementedError(f"{type(self).__name__} does not estimate LF accuracies")

    # ---------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write parameters and fitted state to ``path`` (npz with JSON metadata; no pickle)."""
        self._check_fitted()
        meta: dict[str, Any] = {
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "params": self.get_params(),
            "n_lfs_": self.n_lfs_,
            "lf_names_": self.lf_names_,
            "json_attrs": {},
        }
        arrays: dict[str, np.ndarray] = {}
        for attr in self._fitted_attrs:
            value = getattr(self, attr)
            if isinstance(value, np.ndarray):
                arrays[attr] = value
            else:
                meta["json_attrs"][attr] = value
        arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LabelModel:
        """Load a model written by :meth:`save` (any LabelModel subclass)."""
        import importlib

        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["__meta__"]).decode())
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
        module, _, qual = meta["class"].rpartition(".")
        if not module.startswith("weaksup."):
            raise ValueError(f"{path}: refusing to load non-weaksup class {meta['class']!r}")
        klass = getattr(importlib.import_module(module), qual)
        if not (isinstance(klass, type) and issubclass(klass, cls)):
            raise ValueError(f"{path} holds a {meta['class']}, not a {cls.__name__}")
        model = klass(**meta["params"])
        model.n_lfs_ = meta["n_lfs_"]
        model.lf_names_ = meta["lf_names_"]
        for k, v in meta["json_attrs"].items():
            setattr(model, k, v)
        for k, v in arrays.items():
            setattr(model, k, v)
        return model
