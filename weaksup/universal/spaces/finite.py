"""``k`` points with a user distance matrix: metric checks, pseudo-Euclidean embedding, the space."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from weaksup._deprecate import renamed_kwargs
from weaksup.universal.spaces.base import LabelSpace, ValueOutputError, _check_names_vs_indices, _where

__all__ = ["FiniteMetricSpace", "check_metric", "pseudo_euclidean_embedding"]


def check_metric(D: Any, *, tol: float = 1e-9, name: str = "distance matrix") -> np.ndarray:
    """Validate a ``k × k`` metric: finite, symmetric, zero diagonal, positive off
    the diagonal, triangle inequality.  Raises ValueError naming the violation.

    Examples
    --------
    >>> from weaksup.universal import check_metric
    >>> check_metric([[0, 1, 2], [1, 0, 1], [2, 1, 0]]).shape
    (3, 3)
    >>> check_metric([[0, 1, 3], [1, 0, 1], [3, 1, 0]])
    Traceback (most recent call last):
    ...
    ValueError: distance matrix violates the triangle inequality: D[0, 2] = 3 > D[0, 1] + D[1, 2] = 2
    """
    _check_tol(tol, "check_metric")
    D = _square(D, name)
    k = D.shape[0]
    if k < 2:
        raise ValueError(f"{name} needs at least 2 points")
    _check_hollow_symmetric(D, name, "D", "distance", diag_tol=tol, sym_tol=tol * max(1.0, np.abs(D).max()))
    off = D + np.eye(k) * 1.0
    if np.any(off[~np.eye(k, dtype=bool)] <= 0):
        i, j = np.argwhere((D <= 0) & ~np.eye(k, dtype=bool))[0]
        raise ValueError(f"{name}[{i}, {j}] = {D[i, j]}: distinct points must be at positive distance")
    # triangle inequality: D[i,j] <= D[i,l] + D[l,j]
    via = (D[:, :, None] + D[None, :, :]).min(1)  # min_l D[i,l] + D[l,j]
    viol = D - via
    if np.any(viol > tol * max(1.0, D.max())):
        i, j = np.unravel_index(int(np.argmax(viol)), D.shape)
        l_ = int(np.argmin(D[i, :] + D[:, j]))
        raise ValueError(f"{name} violates the triangle inequality: D[{i}, {j}] = {D[i, j]:.6g} > "
                         f"D[{i}, {l_}] + D[{l_}, {j}] = {D[i, l_] + D[l_, j]:.6g}")
    return D


def _check_tol(tol: Any, where: str) -> None:
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float, np.integer, np.floating)) \
            or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"{where}: tol must be a finite number >= 0, got {tol!r}")


def _square(D: Any, name: str) -> np.ndarray:
    """``D`` as a float64 square matrix (a ValueError naming ``name`` otherwise)."""
    try:
        D = np.asarray(D, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric k × k matrix: {exc}") from None
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"{name} must be square, got shape {D.shape}")
    return D


def _check_hollow_symmetric(M: np.ndarray, name: str, letter: str, noun: str, *, diag_tol: float,
                            sym_tol: float) -> None:
    """``M`` finite, with a zero diagonal (within ``diag_tol``) and symmetric (within ``sym_tol``), or a
    ValueError naming the entry (``check_metric``'s distances, ``pseudo_euclidean_embedding``'s dissimilarities)."""
    if not np.all(np.isfinite(M)):
        i, j = np.argwhere(~np.isfinite(M))[0]
        raise ValueError(f"{name}[{i}, {j}] = {M[i, j]} is not finite")
    if np.any(np.abs(np.diag(M)) > diag_tol):
        i = int(np.argmax(np.abs(np.diag(M))))
        raise ValueError(f"{name}[{i}, {i}] = {M[i, i]}: the {noun} of a point to itself must be 0")
    asym = np.abs(M - M.T)
    if np.any(asym > sym_tol):
        i, j = np.unravel_index(int(np.argmax(asym)), M.shape)
        raise ValueError(f"{name} is not symmetric: {letter}[{i}, {j}] = {M[i, j]} but {letter}[{j}, {i}] = {M[j, i]}")


def pseudo_euclidean_embedding(S: Any, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Embed ``k`` points whose *squared* dissimilarities are ``S`` (k × k).

    Returns ``(X, signs)`` with ``X = V |Λ|^{1/2}`` over the non-null
    eigen-directions of ``G_ij = ½(S_0i + S_0j − S_ij)`` and ``signs = ±1``
    per column, so that ``S_ij = Σ_c signs_c (X_ic − X_jc)²`` exactly
    (``‖u₊ − v₊‖² − ‖u₋ − v₋‖²``).  A Euclidean-embeddable ``S`` gives no
    negative directions.

    ``S`` must be a finite, symmetric ``k × k`` matrix (``k >= 1``) with a
    zero diagonal, and ``tol`` (relative eigenvalue cut-off) a finite number
    ``>= 0``; anything else is a ``ValueError`` naming the entry.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.universal import pseudo_euclidean_embedding
    >>> S = np.array([[0, 1, 4], [1, 0, 1], [4, 1, 0]], float)  # 3 points on a line
    >>> X, s = pseudo_euclidean_embedding(S)
    >>> s.tolist(), round(float(np.sum(s * (X[0] - X[2]) ** 2)), 6)
    ([1.0], 4.0)
    """
    _check_tol(tol, "pseudo_euclidean_embedding")
    name = "squared dissimilarities S"
    S = _square(S, name)
    k = S.shape[0]
    if k < 1:
        raise ValueError(f"{name} has no points (shape {S.shape})")
    finite = np.isfinite(S)
    scale = max(1.0, float(np.abs(S[finite]).max())) if finite.any() else 1.0
    _check_hollow_symmetric(S, name, "S", "dissimilarity", diag_tol=1e-9 * scale, sym_tol=1e-9 * scale)
    G = 0.5 * (S[0][None, :] + S[0][:, None] - S)
    lam, V = np.linalg.eigh(G)
    keep = np.abs(lam) > tol * max(1.0, np.abs(lam).max())
    lam, V = lam[keep], V[:, keep]
    order = np.argsort(-lam)
    lam, V = lam[order], V[:, order]
    return V * np.sqrt(np.abs(lam)), np.sign(lam)


class FiniteMetricSpace(LabelSpace):
    """``k`` labelled points with a distance matrix ``D`` (e.g. graph distances).

    LF model ``P(λ_a = j | y = i) = exp(−θ_a D_ij) / Z_i(θ_a)`` with a prior π
    over points.  The points are embedded pseudo-Euclidean
    (:func:`pseudo_euclidean_embedding` of ``D`` read as squared
    dissimilarities, so ``D_ij = ‖g(i) − g(j)‖²_pe``); the UWS additive
    triplet identity in that embedding gives a first θ by moment matching of
    ``E_θ[D(λ, y)] = −∂ log Z/∂θ``.  Because finite-space LFs are not unbiased
    in the embedding, θ is refined by solving the exact triplet equations
    ``E[D(λ_a, λ_b)] = Σ_i π_i (P_a D P_bᵀ)_ii``, alternating with π
    estimated from the LFs' marginals (non-negative least squares).

    Inference: weighted Fréchet median ``argmin_i Σ_a θ_a D(λ_a, i)`` (ties
    broken by π); ``predict`` returns point indices ``0..k-1``.
    :meth:`posterior` gives the exact posterior over points (used by the
    model's ``predict_proba``).  ``labels`` optionally names the points; LF
    outputs may then be names or indices (a list is read name first, an
    integer array as indices, the form ``predict`` returns).  Integer names
    that equal the index of another point (``labels=[2, 0, 1]``) are refused:
    the same value would mean two points.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.universal import FiniteMetricSpace
    >>> D = np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0]], float)
    >>> sp = FiniteMetricSpace(D)
    >>> sp.frechet_mean(np.array([[0, 2, 2]]), np.array([[3.0, 1.0, 1.0]])).tolist()
    [0]
    """

    name = "finite"
    dtype = np.int64
    fill = -1
    closed_form_exact = False
    default_metric = "mean_distance"
    metrics = ("mean_distance", "accuracy")

    def __init__(self, D: Any, labels: Sequence[Hashable] | None = None, *, check: bool = True) -> None:
        self.D = check_metric(D) if check else np.asarray(D, dtype=np.float64)
        self.k = self.D.shape[0]
        if labels is not None:
            labels = list(labels)
            for i, lab in enumerate(labels):
                # None is an abstain and NaN a missing value: no LF output or label could name the point
                if lab is None or (isinstance(lab, (float, np.floating)) and math.isnan(lab)):
                    raise ValueError(f"labels[{i}] is {lab!r} (a missing value: no LF output could name that "
                                     f"point); give every point a name")
                try:
                    hash(lab)
                except TypeError:
                    raise ValueError(f"labels[{i}] = {lab!r} is not hashable; point names must be hashable "
                                     f"(str, int, tuple)") from None
            if len(labels) != self.k or len(set(labels)) != self.k:
                raise ValueError(f"labels must be {self.k} distinct names, got {labels}")
        self.labels = labels
        self._index = {lab: i for i, lab in enumerate(labels)} if labels else None
        if self._index is not None:
            _check_names_vs_indices(self._index, "labels", labels)
        self.value_shape = ()
        self.embedding_, self.signature_ = pseudo_euclidean_embedding(self.D)
        dmin = float(self.D[~np.eye(self.k, dtype=bool)].min())
        self.theta_bounds = (1e-3 / dmin, 50.0 / dmin)

    def config(self) -> dict[str, Any]:
        return {"D": self.D.tolist(), "labels": self.labels}

    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        if self._index is not None:
            try:
                if value in self._index:
                    return np.asarray(self._index[value], dtype=np.int64)
            except TypeError:
                pass
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            if isinstance(value, float) and math.isnan(value):
                raise ValueOutputError(f"NaN{_where(lf, row)}; return None to abstain")
            raise ValueOutputError(f"{value!r}{_where(lf, row)} is not a point of the space "
                                   f"(an index 0..{self.k - 1}{' or a label name' if self.labels else ''})")
        if not 0 <= int(value) < self.k:
            raise ValueOutputError(f"point index {int(value)}{_where(lf, row)} is outside 0..{self.k - 1}")
        return np.asarray(int(value), dtype=np.int64)

    def encode(self, values: Any, what: str = "labels") -> np.ndarray:
        """Points → indices.  ``values`` is a sequence of names or indices (a list: a name first, else an
        index), an integer array of indices (what ``predict`` returns), a float array of whole indices
        (read back from CSV or pandas), or a string/object array of names (read as the list is)."""
        arr = np.asarray(values) if not isinstance(values, list) else None
        if arr is not None and arr.dtype.kind == "f" and arr.ndim == 1:
            bad = ~np.isfinite(arr) | (arr != np.round(arr))  # astype(int) would truncate 1.7 to point 1
            if bad.any():
                i = int(np.nonzero(bad)[0][0])
                hint = "; pass label names as a list" if self.labels else ""
                raise ValueOutputError(f"{what}: a numeric array holds point indices 0..{self.k - 1}, but position "
                                       f"{i} is {arr[i]!r}{hint}")
            arr = arr.astype(np.int64)
        if arr is not None and arr.dtype.kind in "iu" and arr.ndim == 1:
            self._check_array(arr, what)
            return arr.astype(np.int64)
        return super().encode(values, what)

    def _check_array(self, arr: np.ndarray, what: str, mask: np.ndarray | None = None) -> None:
        bad = (arr < 0) | (arr >= self.k)
        if mask is not None:
            bad &= ~mask
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            hint = " (an integer array holds point indices; pass label names as a list)" if self.labels else ""
            raise ValueOutputError(f"{what}: point index {arr[idx]} at {idx} is outside 0..{self.k - 1}{hint}")

    def to_output(self, arr: np.ndarray) -> np.ndarray:
        return np.asarray(arr)

    def decode(self, arr: np.ndarray) -> Any:
        if self.labels is None:
            return arr
        return [self.labels[i] if i >= 0 else None for i in arr]

    def distance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.D[np.asarray(u), np.asarray(v)]

    def embed(self, values: np.ndarray) -> np.ndarray:
        """Pseudo-Euclidean coordinates (see ``signature_`` for the sign of each column)."""
        return self.embedding_[np.asarray(values)]

    def frechet_mean(self, values: np.ndarray, weights: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
        values = np.asarray(values)
        w = np.asarray(weights, dtype=np.float64)
        n = values.shape[0]
        W = np.zeros((n, self.k))
        np.add.at(W, (np.repeat(np.arange(n), values.shape[1]), np.where(w > 0, values, 0).ravel()), w.ravel())
        cost = W @ self.D
        if prior is not None:
            cost = cost - 1e-9 * np.log(np.maximum(prior, 1e-300))
        out = np.argmin(cost, axis=1)
        out[w.sum(1) <= 0] = -1
        return out

    # ------------------------------------------------------------ learning
    def conditional(self, theta: float) -> np.ndarray:
        """``P[i, j] = P(λ = j | y = i)``."""
        logits = -theta * self.D
        logits -= logits.max(1, keepdims=True)
        P = np.exp(logits)
        return P / P.sum(1, keepdims=True)

    @renamed_kwargs(prior="aux")
    def posterior(self, values: np.ndarray, abstain: np.ndarray, theta: np.ndarray,
                  aux: Any = None) -> np.ndarray:
        """``n × k`` posterior ``P(y | λ)`` under the fitted model (``aux``: the prior π, or None)."""
        prior = aux
        n, m = values.shape
        logp = np.zeros((n, self.k)) + (np.log(prior) if prior is not None else 0.0)
        for a in range(m):
            logP = np.log(self.conditional(float(theta[a])))  # i, j
            on = ~abstain[:, a]
            logp[on] += logP[:, values[on, a]].T
        logp -= logp.max(1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(1, keepdims=True)

    def prior_value(self, values: np.ndarray, weights: np.ndarray, aux: Any = None) -> np.ndarray:
        """The most probable point under the fitted prior π (``aux``), else the Fréchet mean."""
        if aux is not None:
            return np.asarray(int(np.argmax(aux)))
        return super().prior_value(values, weights, aux)

    def expected_distance(self, theta: float, aux: Any = None) -> float:
        pi = np.full(self.k, 1.0 / self.k) if aux is None else aux
        return float(pi @ np.sum(self.conditional(theta) * self.D, axis=1))

    def theta_from_expected(self, e: float, aux: Any = None) -> float:
        from scipy.optimize import brentq

        lo, hi = self.theta_bounds
        f = lambda t: self.expected_distance(t, aux) - e  # noqa: E731
        if f(hi) >= 0:
            return hi
        if f(lo) <= 0:
            return lo
        return float(brentq(f, lo, hi, xtol=1e-10 * hi))

    def pair_moment(self, theta_a: float, theta_b: float, aux: Any = None) -> float:
        pi = np.full(self.k, 1.0 / self.k) if aux is None else aux
        Pa, Pb = self.conditional(theta_a), self.conditional(theta_b)
        return float(pi @ np.einsum("ij,jl,il->i", Pa, self.D, Pb))

    def estimate_aux(self, values: np.ndarray, abstain: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Prior π from the LF marginals: ``P(λ_a = j) = Σ_i π_i P_a(j | i)`` (NNLS)."""
        from scipy.optimize import nnls

        rows, rhs = [], []
        for a in range(values.shape[1]):
            on = ~abstain[:, a]
            if not on.any():
                continue
            p = np.bincount(values[on, a], minlength=self.k) / on.sum()
            rows.append(self.conditional(float(theta[a])).T)  # j × i
            rhs.append(p)
        A = np.vstack(rows + [np.full((1, self.k), 10.0)])
        b = np.concatenate(rhs + [np.array([10.0])])
        pi, _ = nnls(A, b)
        pi = np.maximum(pi, 1e-6)
        return pi / pi.sum()

    # ------------------------------------------------------------ synthetic
    def sample_truth(self, n: int, rng: np.random.Generator, prior: np.ndarray | None = None) -> np.ndarray:
        return rng.choice(self.k, size=n, p=prior)

    def sample_lf(self, y: np.ndarray, theta: float, rng: np.random.Generator) -> np.ndarray:
        P = self.conditional(theta)[y]
        u = rng.random((len(y), 1))
        return np.minimum((P.cumsum(1) < u).sum(1), self.k - 1)

    def score(self, pred: np.ndarray, y: np.ndarray, metric: str) -> float:
        if metric == "accuracy":
            return float(np.mean(np.asarray(pred) == np.asarray(y)))
        return super().score(pred, y, metric)
