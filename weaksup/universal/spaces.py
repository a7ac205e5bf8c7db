"""Label spaces for universal weak supervision (UWS, Shin et al., ICLR 2022).

A :class:`LabelSpace` knows how to

* validate and encode LF outputs and gold labels into arrays (``encode``),
* measure the distance ``d(u, v)`` that defines the label model
  ``p(λ_a | y) ∝ exp(-θ_a d(λ_a, y))``,
* embed values where an isometric (or pseudo-Euclidean) embedding exists,
* compute the pairwise statistic between two LFs that the triplet method of
  moments uses, turn a triplet of such statistics into accuracy parameters θ,
  and (where the closed form is not exact) predict that statistic from θ so
  the triplet solution can be refined by exact moment matching,
* solve the weighted Fréchet mean ``argmin_y Σ_a θ_a d(λ_a, y)`` (inference),
* sample LF outputs with known θ (synthetic data with known answers).

Spaces
------
:class:`RealSpace`
    ``R^d`` with squared Euclidean distance (Gaussian LFs).  Closed forms.
:class:`RankingSpace`
    Full or partial rankings of a fixed item set with Kendall τ (Mallows LFs).
:class:`HyperbolicSpace`
    Hyperbolic space ``H^d`` (Lorentz or Poincaré coordinates) with squared
    geodesic distance (wrapped-normal LFs); Riemannian gradient descent.
:class:`FiniteMetricSpace`
    ``k`` points with a user distance matrix; pseudo-Euclidean embedding.

Examples
--------
>>> import numpy as np
>>> sp = RealSpace(1)
>>> float(sp.distance(np.array([1.0]), np.array([3.0])))
4.0
>>> rs = RankingSpace(["a", "b", "c"])
>>> int(rs.distance(rs.encode_one(["a", "b", "c"]), rs.encode_one(["c", "b", "a"])))
3
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "LabelSpace",
    "RealSpace",
    "RankingSpace",
    "HyperbolicSpace",
    "FiniteMetricSpace",
    "ValueOutputError",
    "mallows_log_partition",
    "mallows_expected_distance",
    "mallows_theta_from_distance",
    "mallows_pair_inversion_probs",
    "pseudo_euclidean_embedding",
    "check_metric",
]


class ValueOutputError(ValueError):
    """An LF output or a label is not a valid value of the label space."""


def _where(lf: str | None, row: Any) -> str:
    parts = []
    if lf is not None:
        parts.append(f"LF {lf!r}")
    if row is not None:
        parts.append(f"row {row!r}")
    return (" from " + " on ".join(parts)) if parts else ""


# ===================================================================== base
class LabelSpace:
    """Base class of label spaces (see the module docstring for the contract).

    Subclasses set ``value_shape`` (the per-value array shape), ``dtype`` and
    ``fill`` (the array filler used for abstains), and implement the methods
    below.  ``theta_bounds`` clips estimated θ.
    """

    name: str = "space"
    value_shape: tuple[int, ...] = ()
    dtype: Any = np.float64
    fill: Any = np.nan
    #: Whether :meth:`triplet_init` is already the exact method-of-moments solution.
    closed_form_exact: bool = True
    default_metric: str = "mean_distance"
    metrics: tuple[str, ...] = ("mean_distance",)
    theta_bounds: tuple[float, float] = (1e-3, 1e3)

    # ---------------------------------------------------------- encoding
    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        """Validate one value and return its array encoding (raises ValueOutputError)."""
        raise NotImplementedError

    def encode(self, values: Any, what: str = "labels") -> np.ndarray:
        """Encode a sequence of ``n`` values (gold labels or predictions) to an array."""
        if isinstance(values, np.ndarray) and values.dtype != object and values.shape[1:] == self.value_shape \
                and values.ndim == 1 + len(self.value_shape):
            arr = values.astype(self.dtype, copy=False)
            self._check_array(arr, what)
            return arr
        out = np.empty((len(values), *self.value_shape), dtype=self.dtype)
        for i, v in enumerate(values):
            if v is None:
                raise ValueOutputError(f"{what}: value at position {i} is None")
            out[i] = self.encode_one(v, lf=None, row=i)
        return out

    def _check_array(self, arr: np.ndarray, what: str, mask: np.ndarray | None = None) -> None:
        """Validate an already-encoded array (``mask``: entries to ignore)."""

    def decode(self, arr: np.ndarray) -> Any:
        """Turn encoded predictions into user-facing values (identity by default)."""
        return arr

    def to_output(self, arr: np.ndarray) -> np.ndarray:
        """Encoded values → the array form ``predict`` returns (``encode`` reads it back)."""
        return self.decode(arr)

    # ---------------------------------------------------------- geometry
    def distance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Distance of the exponential family, broadcast over leading axes."""
        raise NotImplementedError

    def embed(self, values: np.ndarray) -> np.ndarray:
        """Embedding ``g`` with ``d(u, v) = ‖g(u) − g(v)‖²`` (pseudo-Euclidean for finite spaces)."""
        raise NotImplementedError(f"{type(self).__name__} has no Euclidean embedding")

    def frechet_mean(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Row-wise ``argmin_y Σ_a w_a d(λ_a, y)``; ``values`` n × m × ..., ``weights`` n × m (0 = abstain)."""
        raise NotImplementedError

    # ---------------------------------------------------------- learning
    def prepare(self, column: np.ndarray) -> np.ndarray:
        """Per-LF precomputation for :meth:`pair_statistic` (identity by default)."""
        return column

    def pair_statistic(self, va: np.ndarray, vb: np.ndarray, both: np.ndarray) -> tuple[float, float]:
        """``(sum, count)`` of the pairwise statistic over rows where both LFs vote
        (``va``, ``vb``: the LFs' columns after :meth:`prepare`)."""
        d = self.distance(va[both], vb[both])
        return float(d.sum()), float(both.sum())

    def triplet_init(self, dab: float, dac: float, dbc: float) -> float:
        """θ_a from the three pairwise statistics of triplet (a, b, c) (closed form)."""
        e = 0.5 * (dab + dac - dbc)
        return self.theta_from_expected(e)

    def pair_moment(self, theta_a: float, theta_b: float, aux: Any = None) -> float:
        """Model value of the pairwise statistic for LFs with accuracies θ_a, θ_b."""
        raise NotImplementedError

    def estimate_aux(self, values: np.ndarray, abstain: np.ndarray, theta: np.ndarray) -> Any:
        """Extra parameters needed by :meth:`pair_moment` (e.g. a class prior); None by default."""
        return None

    def expected_distance(self, theta: float, aux: Any = None) -> float:
        """``E_θ[d(λ, y)]`` for one LF."""
        raise NotImplementedError

    def theta_from_expected(self, e: float, aux: Any = None) -> float:
        """Invert :meth:`expected_distance` (moment matching), clipped to ``theta_bounds``."""
        raise NotImplementedError

    # ---------------------------------------------------------- synthetic
    def sample_truth(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def sample_lf(self, y: np.ndarray, theta: float, rng: np.random.Generator) -> np.ndarray:
        """One LF's outputs for every row of ``y`` under ``p(λ | y) ∝ exp(-θ d(λ, y))``."""
        raise NotImplementedError

    # ---------------------------------------------------------- scoring
    def score(self, pred: np.ndarray, y: np.ndarray, metric: str) -> float:
        if metric == "mean_distance":
            return float(np.mean(self.distance(pred, y)))
        raise ValueError(f"unknown metric {metric!r} for {type(self).__name__}; choose from {self.metrics}")

    def config(self) -> dict[str, Any]:
        """JSON-able constructor arguments (for save/load)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if not isinstance(v, list) or len(v) < 12)
        return f"{type(self).__name__}({args})"


def _clip(theta: float, bounds: tuple[float, float]) -> float:
    if not np.isfinite(theta):
        return bounds[1]
    return float(min(max(theta, bounds[0]), bounds[1]))


# ================================================================ real vectors
class RealSpace(LabelSpace):
    """``R^d`` with ``d(u, v) = ‖u − v‖²``: Gaussian LFs ``λ_a ~ N(y, I/(2θ_a))``.

    Values are floats (``dim=1``) or length-``dim`` vectors.  The triplet
    identity ``E‖λ_a−λ_b‖² = E_a + E_b`` is exact for unbiased Gaussian LFs,
    ``θ_a = dim / (2 E_a)``, and the Fréchet mean is the θ-weighted average
    (the Gaussian posterior mean under a flat prior).  ``predict`` returns
    an ``n``-vector for ``dim=1`` and ``n × dim`` otherwise.

    Examples
    --------
    >>> sp = RealSpace(1)
    >>> v = np.array([[[1.0], [3.0]]])
    >>> sp.frechet_mean(v, np.array([[3.0, 1.0]])).tolist()
    [[1.5]]
    """

    name = "real"
    default_metric = "mse"
    metrics = ("mse", "rmse", "mae", "r2", "mean_distance")
    #: θ has units 1/value²: the bounds are wide so that any data scale works.
    theta_bounds = (1e-12, 1e12)

    def __init__(self, dim: int = 1) -> None:
        if int(dim) < 1:
            raise ValueError(f"RealSpace dim must be >= 1, got {dim}")
        self.dim = int(dim)
        self.value_shape = (self.dim,)

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim}

    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        try:
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueOutputError(
                f"{value!r} ({type(value).__name__}){_where(lf, row)} is not a number/vector of {self.dim} floats"
            ) from None
        if arr.shape != (self.dim,):
            raise ValueOutputError(f"value{_where(lf, row)} has {arr.size} component(s); RealSpace(dim={self.dim}) "
                                   f"expects {self.dim}")
        if not np.all(np.isfinite(arr)):
            raise ValueOutputError(f"non-finite value {value!r}{_where(lf, row)}; return None to abstain")
        return arr

    def encode(self, values: Any, what: str = "labels") -> np.ndarray:
        arr = np.asarray(values, dtype=np.float64) if not isinstance(values, list) or self.dim == 1 else None
        if arr is not None and self.dim == 1 and arr.ndim == 1:
            arr = arr[:, None]
        if arr is not None and arr.ndim == 2 and arr.shape[1] == self.dim:
            self._check_array(arr, what)
            return arr
        return super().encode(values, what)

    def _check_array(self, arr: np.ndarray, what: str, mask: np.ndarray | None = None) -> None:
        bad = ~np.isfinite(arr).reshape(arr.shape[: arr.ndim - 1] + (-1,)).all(-1)
        if mask is not None:
            bad &= ~mask
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueOutputError(f"{what}: non-finite value at index {idx}")

    def decode(self, arr: np.ndarray) -> np.ndarray:
        return arr[:, 0] if self.dim == 1 else arr

    def distance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.sum((np.asarray(u) - np.asarray(v)) ** 2, axis=-1)

    def embed(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    def frechet_mean(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        w = np.asarray(weights, dtype=np.float64)
        v = np.where(w[..., None] > 0, values, 0.0)
        tot = w.sum(1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (w[..., None] * v).sum(1) / tot

    def expected_distance(self, theta: float, aux: Any = None) -> float:
        return self.dim / (2.0 * theta)

    def theta_from_expected(self, e: float, aux: Any = None) -> float:
        return _clip(self.dim / (2.0 * e) if e > 0 else np.inf, self.theta_bounds)

    # ------------------------------------------------- Gaussian closed form
    def gaussian_fit(self, values: np.ndarray, abstain: np.ndarray, y_mean: Any = None, y_var: Any = None,
                     expected: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Fit the Gaussian factor model ``λ_a = μ_a + a_a (Y − μ_Y) + N(0, ν_a)`` per coordinate.

        Loadings ``s_a = a_a sd(Y)`` come from the covariance triplets
        ``|s_a| = sqrt(C_ab C_ac / C_bc)`` (median over triplets, signs
        assumed positive); ``ν_a = C_aa − s_a²``.  ``y_mean`` / ``y_var``
        (the prior of Y, e.g. from a few labels) default to the LFs' mean
        and ``median_a(Var λ_a − E_a)`` (the unbiased-LF model).
        """
        n, m, d = values.shape
        on = ~abstain
        mu = np.zeros((d, m))
        s = np.zeros((d, m))
        nu = np.zeros((d, m))
        for a in range(m):
            mu[:, a] = values[on[:, a], a].mean(0) if on[:, a].any() else 0.0
        C = np.full((d, m, m), np.nan)
        for a in range(m):
            for b in range(a, m):
                both = on[:, a] & on[:, b]
                if both.sum() < 3:
                    continue
                c = np.mean((values[both, a] - mu[:, a]) * (values[both, b] - mu[:, b]), axis=0)
                C[:, a, b] = C[:, b, a] = c
        for k in range(d):
            for a in range(m):
                est = []
                others = [x for x in range(m) if x != a]
                for b, c in itertools.combinations(others, 2):
                    cab, cac, cbc = C[k, a, b], C[k, a, c], C[k, b, c]
                    if np.isfinite([cab, cac, cbc]).all() and abs(cbc) > 0:
                        est.append(math.sqrt(abs(cab * cac / cbc)))
                s[k, a] = np.median(est) if est else 0.0
                nu[k, a] = max(C[k, a, a] - s[k, a] ** 2, 1e-6 * max(C[k, a, a], 1e-300))
        if y_mean is None:
            y_mean = mu.mean(1)
        if y_var is None:
            e = np.full(m, np.nan) if expected is None else np.asarray(expected) / d
            y_var = np.array([np.nanmedian(np.diagonal(C[k]) - e) for k in range(d)])
            y_var = np.where(np.isfinite(y_var) & (y_var > 0), y_var, np.nanmean(np.diagonal(C, axis1=1, axis2=2), 1))
        y_mean = np.broadcast_to(np.asarray(y_mean, dtype=np.float64), (d,)).copy()
        y_sd = np.sqrt(np.broadcast_to(np.asarray(y_var, dtype=np.float64), (d,)))
        return {"mu": mu, "loading": s, "noise": nu, "y_mean": y_mean, "y_sd": y_sd}

    @staticmethod
    def gaussian_predict(values: np.ndarray, abstain: np.ndarray, g: dict[str, np.ndarray]) -> np.ndarray:
        """Posterior mean ``E[Y | λ_A] = μ_Y + sd(Y) Σ_a s_a(λ_a − μ_a)/ν_a / (1 + Σ_a s_a²/ν_a)``
        over the LFs ``A`` that vote (Woodbury form of ``Σ_Yλ Σ_λλ⁻¹ (λ − μ)``)."""
        on = (~abstain)[:, :, None]  # n × m × 1
        s, nu, mu = g["loading"].T[None], g["noise"].T[None], g["mu"].T[None]  # 1 × m × d
        lam = np.where(on, values, mu)
        num = np.sum(on * s * (lam - mu) / nu, axis=1)
        q = np.sum(on * s * s / nu, axis=1)
        return g["y_mean"][None] + g["y_sd"][None] * num / (1.0 + q)

    def sample_truth(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(0.0, 1.0, size=(n, self.dim))

    def sample_lf(self, y: np.ndarray, theta: float, rng: np.random.Generator) -> np.ndarray:
        return y + rng.normal(0.0, math.sqrt(1.0 / (2.0 * theta)), size=y.shape)

    def score(self, pred: np.ndarray, y: np.ndarray, metric: str) -> float:
        pred = np.asarray(pred, dtype=np.float64).reshape(len(y), -1)
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if metric == "mse":
            return float(np.mean((pred - y) ** 2))
        if metric == "rmse":
            return float(np.sqrt(np.mean((pred - y) ** 2)))
        if metric == "mae":
            return float(np.mean(np.abs(pred - y)))
        if metric == "r2":
            return float(1.0 - np.sum((pred - y) ** 2) / np.sum((y - y.mean(0)) ** 2))
        return super().score(pred, y, metric)


# ==================================================================== Mallows
def mallows_log_partition(theta: float, k: int) -> float:
    """``log Z(θ) = Σ_{j=1}^{k-1} log((1 − e^{−(j+1)θ}) / (1 − e^{−θ}))`` for Mallows on ``k`` items."""
    if theta <= 0:
        return float(math.lgamma(k + 1))
    q = math.exp(-theta)
    return float(sum(math.log1p(-q ** (j + 1)) - math.log1p(-q) for j in range(1, k)))


def mallows_expected_distance(theta: float, k: int) -> float:
    """``E_θ[d_τ(σ, center)] = −d log Z / dθ`` (sum of truncated-geometric means)."""
    if theta <= 1e-12:
        return k * (k - 1) / 4.0
    q = math.exp(-theta)
    total = 0.0
    for j in range(2, k + 1):  # insertion of the j-th item: V ∈ {0..j-1}, P ∝ q^V
        total += q / (1 - q) - j * q ** j / (1 - q ** j)
    return float(total)


def mallows_theta_from_distance(e: float, k: int, bounds: tuple[float, float] = (1e-3, 1e3)) -> float:
    """Moment matching: the θ with ``E_θ[d] = e`` (clipped to ``bounds``)."""
    from scipy.optimize import brentq

    if k < 2:
        return bounds[1]
    if e <= mallows_expected_distance(bounds[1], k):
        return bounds[1]
    if e >= mallows_expected_distance(bounds[0], k):
        return bounds[0]
    return float(brentq(lambda t: mallows_expected_distance(t, k) - e, bounds[0], bounds[1], xtol=1e-10))


def mallows_pair_inversion_probs(theta: float, k: int) -> np.ndarray:
    """``Q[r, s]`` = P(the items at center positions r < s appear inverted) under Mallows(θ).

    Exact, by a dynamic programme over the repeated insertion model: item
    ``t`` is inserted with ``V_t ∈ {0..t}`` earlier items after it,
    ``P(V_t = v) ∝ e^{−θ v}``; item ``s`` lands before item ``r`` iff ``V_s``
    exceeds the number of items currently after ``r``.  ``O(k³)``.
    """
    q = math.exp(-theta)
    Q = np.zeros((k, k))
    J = np.arange(k + 1)
    cum = (1 - q ** (J + 1)) / (1 - q) if q < 1 else (J + 1.0)  # Σ_{v<=J} q^v
    P = np.zeros((k, k + 1))  # row r: distribution of J (items after r), rows r < t active
    for t in range(k):
        zt = cum[t]  # Σ_{v<=t} q^v
        if t > 0:
            p_le = np.minimum(cum / zt, 1.0)  # P(V_t <= J)
            act = P[:t]
            Q[:t, t] = act @ (1 - p_le)
            new = act * (1 - p_le)
            new[:, 1:] += (act * p_le)[:, :-1]
            P[:t] = new
        w = q ** np.arange(t + 1)
        P[t, : t + 1] = w / w.sum()
    return Q


# ==================================================================== rankings
class RankingSpace(LabelSpace):
    """Rankings of a fixed set of ``k`` items, with Kendall τ distance (Mallows LFs).

    A value is a sequence of distinct items, best first.  A *partial* ranking
    lists a subset of the items (``allow_partial=True``): it is read as the
    restriction of a full ranking to those items, and distances count only
    the pairs both rankings order.  Values are encoded as length-``k``
    position vectors (``-1`` = not ranked).

    Learning: the statistic between two LFs is their rate of discordant pairs
    over co-ranked pairs.  The UWS additive identity (Kendall τ is ¼ of the
    squared distance of the ±1 pairwise embedding) gives a first θ through
    Mallows moment matching with ``log Z(θ)``; because Mallows LFs are not
    unbiased in that embedding, θ is then refined by solving the exact
    triplet equations ``rate_ab = mean_{r<s} (1 − μ_rs(θ_a) μ_rs(θ_b)) / 2``
    with ``μ = 1 − 2 Q`` from :func:`mallows_pair_inversion_probs` (exact
    for full rankings and for partial rankings whose item subsets are chosen
    independently of the true order).

    Inference: weighted Kemeny ``argmin_π Σ_a θ_a d_τ(λ_a, π)``, exact by
    dynamic programming over item subsets for ``k <= exact_max_items``;
    beyond that, weighted Borda (position estimation) followed by
    adjacent-swap local search on the weighted Kemeny objective (an
    approximation).  ``predict`` returns ``n × k`` arrays of item *indices*
    (best first); :meth:`decode` maps them back to items.

    Examples
    --------
    >>> sp = RankingSpace(["a", "b", "c"])
    >>> pos = np.stack([sp.encode_one(r) for r in (["a","b","c"], ["b","a","c"], ["a","c","b"])])
    >>> sp.decode(sp.frechet_mean(pos[None], np.array([[1.0, 0.6, 0.6]])))
    [['a', 'b', 'c']]
    """

    name = "ranking"
    dtype = np.int16
    fill = -1
    closed_form_exact = False
    default_metric = "kendall_tau"
    metrics = ("kendall_tau", "mean_distance", "top1")

    def __init__(self, items: Sequence[Hashable] | int, *, allow_partial: bool = True,
                 exact_max_items: int = 8) -> None:
        if isinstance(items, (int, np.integer)):
            items = list(range(int(items)))
        items = list(items)
        if len(items) < 2:
            raise ValueError("RankingSpace needs at least 2 items")
        index: dict[Any, int] = {}
        for i, it in enumerate(items):
            try:
                if it in index:
                    raise ValueError(f"RankingSpace items contain {it!r} twice (positions {index[it]} and {i})")
            except TypeError:
                raise ValueError(f"RankingSpace item {it!r} is not hashable") from None
            index[it] = i
        self.items = items
        self.k = len(items)
        self._index = index
        self.allow_partial = bool(allow_partial)
        self.exact_max_items = int(exact_max_items)
        self.value_shape = (self.k,)
        iu = np.triu_indices(self.k, 1)
        self._pi, self._pj = iu
        self.n_pairs = len(iu[0])
        self._mu_cache: dict[float, np.ndarray] = {}

    def config(self) -> dict[str, Any]:
        return {"items": list(self.items), "allow_partial": self.allow_partial,
                "exact_max_items": self.exact_max_items}

    # ------------------------------------------------------------ encoding
    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ValueOutputError(f"ranking{_where(lf, row)} must be a sequence of items (best first), "
                                   f"got {value!r}")
        seq = list(value)
        pos = np.full(self.k, -1, dtype=np.int16)
        for r, it in enumerate(seq):
            if isinstance(it, float) and math.isnan(it):
                raise ValueOutputError(f"ranking{_where(lf, row)} contains NaN at rank {r}; return None to abstain")
            try:
                i = self._index.get(it.item() if isinstance(it, np.generic) else it)
            except TypeError:
                i = None
            if i is None:
                raise ValueOutputError(f"ranking{_where(lf, row)} contains unknown item {it!r} at rank {r}; "
                                       f"known items: {self.items[:10]}{'...' if self.k > 10 else ''}")
            if pos[i] >= 0:
                raise ValueOutputError(f"ranking{_where(lf, row)} contains item {it!r} twice (ranks {pos[i]} and {r})")
            pos[i] = r
        if len(seq) < self.k and not self.allow_partial:
            missing = [self.items[i] for i in np.nonzero(pos < 0)[0][:5]]
            raise ValueOutputError(f"ranking{_where(lf, row)} is partial (missing {missing}); "
                                   f"use RankingSpace(..., allow_partial=True)")
        if len(seq) < 2:
            raise ValueOutputError(f"ranking{_where(lf, row)} orders {len(seq)} item(s); it needs at least 2 "
                                   f"(return None to abstain)")
        return pos

    def _check_array(self, arr: np.ndarray, what: str, mask: np.ndarray | None = None) -> None:
        flat = arr.reshape(-1, self.k)
        keep = np.ones(len(flat), bool) if mask is None else ~mask.reshape(-1)
        flat = flat[keep]
        if flat.size == 0:
            return
        if (flat < -1).any() or (flat >= self.k).any():
            raise ValueOutputError(f"{what}: position vectors must hold -1 or 0..{self.k - 1}")
        ranked = flat >= 0
        cnt = ranked.sum(1)
        # positions of ranked items must be exactly 0..cnt-1 (no duplicates)
        srt = np.sort(np.where(ranked, flat, self.k + 1), axis=1)
        ok = np.all((srt == np.arange(self.k)) | (np.arange(self.k) >= cnt[:, None]), axis=1)
        if not ok.all():
            raise ValueOutputError(f"{what}: position vector {int(np.nonzero(~ok)[0][0])} repeats or skips a rank")
        if not self.allow_partial and (cnt < self.k).any():
            raise ValueOutputError(f"{what}: partial ranking found but allow_partial=False")

    def encode(self, values: Any, what: str = "labels") -> np.ndarray:
        """Rankings → position vectors.  ``values`` is a sequence of item sequences
        (best first) or an ``n × k`` integer array of item *indices* best first
        (what ``predict`` returns; ``-1`` pads partial rankings)."""
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
            if values.ndim != 2 or values.shape[1] != self.k:
                raise ValueOutputError(f"{what}: an integer array of orders must be n × {self.k}, got {values.shape}")
            if (values < -1).any() or (values >= self.k).any():
                raise ValueOutputError(f"{what}: item index outside 0..{self.k - 1} (-1 pads partial rankings)")
            full = (values >= 0).all(1)
            srt = np.sort(values[full], axis=1)
            okperm = np.all(srt == np.arange(self.k), axis=1)
            if not okperm.all():
                i = int(np.nonzero(full)[0][np.nonzero(~okperm)[0][0]])
                raise ValueOutputError(f"{what}: order at position {i} repeats an item: {values[i].tolist()}")
            out = np.full(values.shape, -1, dtype=np.int16)
            rows = np.nonzero(full)[0]
            out[rows[:, None], values[full]] = np.arange(self.k)
            for i in np.nonzero(~full)[0]:
                out[i] = self.encode_one([self.items[j] for j in values[i] if j >= 0], row=int(i))
            return out
        return super().encode(values, what)

    def order(self, pos: np.ndarray) -> np.ndarray:
        """Position vectors → item indices best first (unranked items last, as -1)."""
        key = np.where(pos >= 0, pos, self.k + 1)
        o = np.argsort(key, axis=-1, kind="stable")
        ranked = np.sort(key, axis=-1) <= self.k
        return np.where(ranked, o, -1)

    def to_output(self, arr: np.ndarray) -> np.ndarray:
        return self.order(arr)

    def decode(self, arr: np.ndarray) -> list[list[Any]]:
        """``n × k`` item-index orders → lists of items."""
        return [[self.items[i] for i in row if i >= 0] for row in np.asarray(arr)]

    # ------------------------------------------------------------ geometry
    def pair_signs(self, pos: np.ndarray) -> np.ndarray:
        """±1 pairwise-order embedding (``+1``: item i above item j, i < j); 0 where undefined."""
        pos = np.asarray(pos)
        a, b = pos[..., self._pi], pos[..., self._pj]
        s = np.sign(b.astype(np.int32) - a.astype(np.int32)).astype(np.int8)
        s[(a < 0) | (b < 0)] = 0
        return s

    def distance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Kendall τ distance: number of co-ranked pairs ordered differently."""
        su, sv = self.pair_signs(u), self.pair_signs(v)
        return np.sum((su.astype(np.int32) * sv) < 0, axis=-1)

    def embed(self, values: np.ndarray) -> np.ndarray:
        """±1 pairwise embedding; ``d_τ = ¼‖g(u) − g(v)‖²`` for full rankings."""
        return self.pair_signs(values).astype(np.float64)

    def pair_weights(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """``C[n, i, j]`` = Σ_a w_a [λ_a ranks item i above item j]."""
        pos = np.asarray(values)
        w = np.asarray(weights, dtype=np.float64)
        ranked = pos >= 0
        above = (pos[:, :, :, None] < pos[:, :, None, :]) & ranked[:, :, :, None] & ranked[:, :, None, :]
        return np.einsum("nm,nmij->nij", w, above.astype(np.float64))

    def borda(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weighted position estimation: mean normalised rank, weighted by w (0 = first)."""
        pos = np.asarray(values).astype(np.float64)
        ranked = pos >= 0
        length = ranked.sum(-1, keepdims=True)
        norm = np.where(ranked, pos / np.maximum(length - 1, 1), 0.0)
        w = np.asarray(weights, dtype=np.float64)[..., None] * ranked
        tot = w.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(tot > 0, (w * norm).sum(1) / tot, 0.5)
        return score

    def kemeny(self, C: np.ndarray, init_order: np.ndarray | None = None) -> np.ndarray:
        """Orders (item indices, best first) minimising ``Σ_{i before j} C[j, i]``.

        Exact DP over subsets when ``k <= exact_max_items``; otherwise local
        search (adjacent swaps) from ``init_order`` (default: by net wins).
        """
        n, k = C.shape[0], self.k
        if k <= self.exact_max_items:
            return self._kemeny_dp(C)
        if init_order is None:
            init_order = np.argsort(-(C.sum(2) - C.sum(1)), axis=1, kind="stable")
        return self._local_search(C, init_order)

    def _kemeny_dp(self, C: np.ndarray, chunk: int = 4096) -> np.ndarray:
        n, k = C.shape[0], self.k
        out = np.empty((n, k), dtype=np.int64)
        full = (1 << k) - 1
        members = [[j for j in range(k) if (s >> j) & 1] for s in range(1 << k)]
        for start in range(0, n, chunk):
            Cc = C[start:start + chunk]
            nc = len(Cc)
            colsum = Cc.sum(1)  # Σ_j C[j, i]
            f = np.full((nc, 1 << k), np.inf)
            f[:, 0] = 0.0
            choice = np.zeros((nc, 1 << k), dtype=np.int8)
            for s in range(1 << k):
                fs = f[:, s]
                ms = members[s]
                inS = Cc[:, ms, :].sum(1) if ms else 0.0  # Σ_{j∈S} C[j, i]
                # placing i next puts it before every j not in S: violations Σ_{j∉S, j≠i} C[j, i]
                cost = colsum - inS
                for i in range(k):
                    if (s >> i) & 1:
                        continue
                    t = s | (1 << i)
                    cand = fs + cost[:, i]
                    better = cand < f[:, t]
                    f[better, t] = cand[better]
                    choice[better, t] = i
            mask = np.full(nc, full, dtype=np.int64)
            rows = np.arange(nc)
            for p in range(k - 1, -1, -1):
                it = choice[rows, mask].astype(np.int64)
                out[start + rows, p] = it
                mask = mask & ~(1 << it)
        return out

    def _local_search(self, C: np.ndarray, order: np.ndarray, max_passes: int | None = None) -> np.ndarray:
        order = order.copy()
        rows = np.arange(len(order))
        for _ in range(max_passes or 2 * self.k):
            changed = False
            for p in range(self.k - 1):
                u, v = order[:, p], order[:, p + 1]
                swap = C[rows, u, v] < C[rows, v, u]  # keeping u first violates C[v,u]
                if swap.any():
                    changed = True
                    order[swap, p], order[swap, p + 1] = v[swap], u[swap]
            if not changed:
                break
        return order

    def frechet_mean(self, values: np.ndarray, weights: np.ndarray, method: str = "kemeny") -> np.ndarray:
        """Weighted Kemeny (``method="kemeny"``) or weighted Borda (``"borda"``); returns position vectors."""
        values = np.asarray(values)
        weights = np.asarray(weights, dtype=np.float64)
        out = np.empty((values.shape[0], self.k), dtype=np.int16)
        step = 20000
        for s in range(0, len(values), step):
            v, w = values[s:s + step], weights[s:s + step]
            b = self.borda(v, w)
            border = np.argsort(b, axis=1, kind="stable")
            if method == "borda":
                order = border
            elif method == "kemeny":
                C = self.pair_weights(v, w)
                order = self._kemeny_dp(C) if self.k <= self.exact_max_items else self._local_search(C, border)
            else:
                raise ValueError(f"method must be 'kemeny' or 'borda', got {method!r}")
            pos = np.empty_like(order)
            pos[np.arange(len(order))[:, None], order] = np.arange(self.k)
            out[s:s + step] = pos
        return out

    # ------------------------------------------------------------ learning
    def prepare(self, column: np.ndarray) -> np.ndarray:
        return self.pair_signs(column)

    def pair_statistic(self, va: np.ndarray, vb: np.ndarray, both: np.ndarray) -> tuple[float, float]:
        prod = va[both] * vb[both]
        return float((prod < 0).sum()), float((prod != 0).sum())

    def expected_distance(self, theta: float, aux: Any = None) -> float:
        """Expected discordant-pair *rate* ``E_θ[d_τ] / (k choose 2)``."""
        return mallows_expected_distance(theta, self.k) / self.n_pairs

    def theta_from_expected(self, e: float, aux: Any = None) -> float:
        return mallows_theta_from_distance(e * self.n_pairs, self.k, self.theta_bounds)

    def _mu(self, theta: float) -> np.ndarray:
        key = round(float(theta), 12)
        mu = self._mu_cache.get(key)
        if mu is None:
            Q = mallows_pair_inversion_probs(theta, self.k)
            mu = 1.0 - 2.0 * Q[self._pi, self._pj]
            if len(self._mu_cache) > 4096:
                self._mu_cache.clear()
            self._mu_cache[key] = mu
        return mu

    def pair_moment(self, theta_a: float, theta_b: float, aux: Any = None) -> float:
        return float(np.mean((1.0 - self._mu(theta_a) * self._mu(theta_b)) / 2.0))

    # ------------------------------------------------------------ synthetic
    def sample_mallows(self, n: int, theta: float, rng: np.random.Generator) -> np.ndarray:
        """``n`` identity-centred Mallows permutations as position vectors (repeated insertion)."""
        q = math.exp(-theta)
        from_right = np.zeros((n, self.k), dtype=np.int64)
        for t in range(self.k):
            w = q ** np.arange(t + 1)
            v = rng.choice(t + 1, size=n, p=w / w.sum())
            from_right[:, :t] += from_right[:, :t] >= v[:, None]
            from_right[:, t] = v
        return (self.k - 1 - from_right).astype(np.int16)

    def sample_truth(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.argsort(rng.random((n, self.k)), axis=1).astype(np.int16)

    def sample_lf(self, y: np.ndarray, theta: float, rng: np.random.Generator,
                  keep: float | None = None) -> np.ndarray:
        """Mallows(θ) around each row of ``y``; with ``keep`` (0-1), each item is dropped
        independently with probability 1-keep (partial rankings, >= 2 items kept)."""
        tau = self.sample_mallows(len(y), theta, rng)
        pos = np.take_along_axis(tau, y.astype(np.int64), axis=1).astype(np.int16)
        if keep is not None and keep < 1:
            kept = rng.random(pos.shape) < keep
            few = kept.sum(1) < 2
            while few.any():
                kept[few] = rng.random((few.sum(), self.k)) < keep
                few = kept.sum(1) < 2
            key = np.where(kept, pos, self.k + 1)
            rank = np.argsort(np.argsort(key, axis=1, kind="stable"), axis=1)
            pos = np.where(kept, rank, -1).astype(np.int16)
        return pos

    def score(self, pred: np.ndarray, y: np.ndarray, metric: str) -> float:
        if metric == "kendall_tau":
            sp_, sy = self.pair_signs(pred).astype(np.int16), self.pair_signs(y)
            prod = sp_ * sy
            co = (prod != 0).sum(1)
            tau = np.where(co > 0, prod.sum(1) / np.maximum(co, 1), 0.0)
            return float(np.mean(tau))
        if metric == "top1":
            return float(np.mean(np.argmin(np.where(pred >= 0, pred, self.k + 1), 1)
                                 == np.argmin(np.where(y >= 0, y, self.k + 1), 1)))
        return super().score(pred, y, metric)


# ================================================================== hyperbolic
_COSH_TABLES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _minkowski(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -x[..., 0] * y[..., 0] + np.sum(x[..., 1:] * y[..., 1:], axis=-1)


class HyperbolicSpace(LabelSpace):
    """Hyperbolic space ``H^dim`` (curvature −1) with squared geodesic distance.

    Values are given in ``model="lorentz"`` coordinates (``dim + 1`` numbers
    with ``−x₀² + Σ xᵢ² = −1``, ``x₀ > 0``) or ``model="poincare"`` (``dim``
    numbers inside the unit ball); internally everything is Lorentz.

    LF model: wrapped normal ``λ_a = exp_y(v)``, ``v ~ N(0, σ_a² I)`` in the
    tangent space at ``y``, with ``θ_a = 1 / (2σ_a²)`` (so ``p ∝ exp(−θ_a d²)``
    up to the volume factor).  Learning uses the curvature-specific invariant
    from the hyperbolic law of cosines: for conditionally independent,
    isotropic LFs ``E[cosh d(λ_a, λ_b)] = E[cosh d(λ_a, y)] · E[cosh d(λ_b, y)]``
    (exact), so ``c_a = sqrt(C_ab C_ac / C_bc)``, then σ_a by matching
    ``E[cosh(σ χ_dim)] = c_a``.  Inference: weighted Fréchet (Karcher) mean
    ``argmin_y Σ θ_a d²(λ_a, y)`` by Riemannian gradient descent on the
    Lorentz model (``y ← exp_y(η Σ_a w_a log_y(λ_a))``), started from the
    weighted Lorentz centroid.  ``predict`` returns points in the space's
    ``model`` coordinates.

    Examples
    --------
    >>> sp = HyperbolicSpace(2, model="poincare")
    >>> round(float(sp.distance(sp.encode_one([0.0, 0.0]), sp.encode_one([0.5, 0.0]))), 4)  # (2 artanh .5)^2
    1.2069
    """

    name = "hyperbolic"
    metrics = ("mean_distance", "mean_geodesic")
    #: σ between 4 and 1e-4 (the range of the E[cosh] table).
    theta_bounds = (1.0 / 32.0, 5e7)

    def __init__(self, dim: int = 2, *, model: str = "lorentz", steps: int = 100, lr: float = 1.0,
                 tol: float = 1e-9) -> None:
        if model not in ("lorentz", "poincare"):
            raise ValueError(f"model must be 'lorentz' or 'poincare', got {model!r}")
        if int(dim) < 1:
            raise ValueError(f"dim must be >= 1, got {dim}")
        self.dim = int(dim)
        self.model = model
        self.steps = int(steps)
        self.lr = float(lr)
        self.tol = float(tol)
        self.value_shape = (self.dim + 1,)
        self._cosh_cache: tuple[np.ndarray, np.ndarray] | None = _COSH_TABLES.get(self.dim)

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim, "model": self.model, "steps": self.steps, "lr": self.lr, "tol": self.tol}

    # ------------------------------------------------------------ coordinates
    @staticmethod
    def poincare_to_lorentz(p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, dtype=np.float64)
        s = np.sum(p * p, axis=-1, keepdims=True)
        return np.concatenate([(1 + s) / (1 - s), 2 * p / (1 - s)], axis=-1)

    @staticmethod
    def lorentz_to_poincare(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return x[..., 1:] / (1 + x[..., :1])

    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        try:
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueOutputError(f"{value!r}{_where(lf, row)} is not a point of {self!r}") from None
        if not np.all(np.isfinite(arr)):
            raise ValueOutputError(f"non-finite point {value!r}{_where(lf, row)}; return None to abstain")
        if self.model == "poincare":
            if arr.shape != (self.dim,):
                raise ValueOutputError(f"Poincaré point{_where(lf, row)} must have {self.dim} coordinates, "
                                       f"got {arr.size}")
            if arr @ arr >= 1.0:
                raise ValueOutputError(f"point {arr.tolist()}{_where(lf, row)} is outside the Poincaré unit ball")
            return self.poincare_to_lorentz(arr)
        if arr.shape != (self.dim + 1,):
            raise ValueOutputError(f"Lorentz point{_where(lf, row)} must have {self.dim + 1} coordinates, "
                                   f"got {arr.size}")
        self._check_array(arr[None], "point" + _where(lf, row))
        return arr

    def encode(self, values: Any, what: str = "labels") -> np.ndarray:
        if isinstance(values, np.ndarray) and values.dtype != object:
            arr = np.asarray(values, dtype=np.float64)
            if self.model == "poincare" and arr.ndim == 2 and arr.shape[1] == self.dim:
                if not np.all(np.isfinite(arr)) or (np.sum(arr ** 2, 1) >= 1).any():
                    raise ValueOutputError(f"{what}: points must be finite and inside the unit ball")
                return self.poincare_to_lorentz(arr)
        return super().encode(values, what)

    def _check_array(self, arr: np.ndarray, what: str, mask: np.ndarray | None = None) -> None:
        arr = np.asarray(arr)
        with np.errstate(invalid="ignore"):
            bad = ~np.all(np.isfinite(arr), axis=-1)
            ip = _minkowski(arr, arr)
            bad |= ~(np.abs(ip + 1) <= 1e-6 * np.maximum(1.0, arr[..., 0] ** 2)) | ~(arr[..., 0] > 0)
        if mask is not None:
            bad &= ~mask
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueOutputError(f"{what}: value at index {idx} is not on the hyperboloid "
                                   f"(−x0² + Σxi² = {float(ip[idx]):.6g}, expected −1 with x0 > 0)")

    def decode(self, arr: np.ndarray) -> np.ndarray:
        return self.lorentz_to_poincare(arr) if self.model == "poincare" else arr

    # ------------------------------------------------------------ geometry
    def geodesic(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.arccosh(np.maximum(-_minkowski(np.asarray(u), np.asarray(v)), 1.0))

    def distance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.geodesic(u, v) ** 2

    def expmap(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        nv = np.sqrt(np.maximum(_minkowski(v, v), 0.0))[..., None]
        safe = np.where(nv > 1e-12, nv, 1.0)
        y = np.cosh(nv) * x + np.where(nv > 1e-12, np.sinh(nv) / safe, 1.0) * v
        return self.project(y)

    def logmap(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ip = _minkowski(x, y)[..., None]
        d = np.arccosh(np.maximum(-ip, 1.0))
        u = y + ip * x
        nu = np.sqrt(np.maximum(_minkowski(u, u), 0.0))[..., None]
        return np.where(nu > 1e-12, d / np.where(nu > 1e-12, nu, 1.0), 0.0) * u

    @staticmethod
    def project(x: np.ndarray) -> np.ndarray:
        """Back onto the hyperboloid: recompute x0 from the spatial part."""
        x = np.array(x, dtype=np.float64, copy=True)
        x[..., 0] = np.sqrt(1.0 + np.sum(x[..., 1:] ** 2, axis=-1))
        return x

    def origin(self) -> np.ndarray:
        o = np.zeros(self.dim + 1)
        o[0] = 1.0
        return o

    def transport_from_origin(self, y: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Parallel transport of tangent vectors ``v`` at the origin to ``y``."""
        o = self.origin()
        coef = _minkowski(y, v) / (1.0 + y[..., 0])
        return v + coef[..., None] * (o + y)

    def frechet_mean(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        w = np.asarray(weights, dtype=np.float64)
        x = np.asarray(values, dtype=np.float64)
        x = np.where(w[..., None] > 0, x, self.origin())
        tot = w.sum(1)
        wn = w / np.where(tot > 0, tot, 1.0)[:, None]
        # init: weighted Lorentz centroid (normalised ambient mean)
        c = (wn[..., None] * x).sum(1)
        nrm = np.sqrt(np.maximum(-_minkowski(c, c), 1e-12))[:, None]
        y = self.project(c / nrm)
        y[tot <= 0] = np.nan
        active = tot > 0
        for _ in range(self.steps):
            if not active.any():
                break
            ya = y[active]
            g = (wn[active][..., None] * self.logmap(ya[:, None, :], x[active])).sum(1)  # −½ Riemannian grad
            ynew = self.expmap(ya, self.lr * g)
            step = np.sqrt(np.maximum(_minkowski(g, g), 0.0))
            y[active] = ynew
            idx = np.nonzero(active)[0]
            active[idx[step < self.tol]] = False
        return y

    # ------------------------------------------------------------ learning
    def pair_statistic(self, va: np.ndarray, vb: np.ndarray, both: np.ndarray) -> tuple[float, float]:
        c = np.maximum(-_minkowski(va[both], vb[both]), 1.0)  # cosh d
        return float(c.sum()), float(both.sum())

    def _cosh_table(self) -> tuple[np.ndarray, np.ndarray]:
        """σ grid and ``E[cosh(σ R)]`` for ``R ~ χ_dim`` (Gauss–Laguerre-free quadrature)."""
        if self._cosh_cache is None:
            from scipy.stats import chi

            r = np.linspace(0, 12 + 4 * math.sqrt(self.dim), 6001)
            pdf = chi.pdf(r, self.dim)
            dr = r[1] - r[0]
            sig = np.geomspace(1e-4, 4.0, 1200)
            # E[cosh(σR)] - 1 (Riemann sum on a fine grid; the integrand is smooth and decays fast)
            vals = ((np.cosh(sig[:, None] * r[None, :]) - 1.0) @ pdf) * dr + 1.0
            self._cosh_cache = _COSH_TABLES.setdefault(self.dim, (sig, vals))
        return self._cosh_cache

    def sigma_from_cosh(self, c: float) -> float:
        sig, vals = self._cosh_table()
        if c <= vals[0]:
            return float(sig[0])
        if c >= vals[-1]:
            return float(sig[-1])
        # interpolate in log space of (c-1)
        return float(np.exp(np.interp(np.log(c - 1.0), np.log(vals - 1.0), np.log(sig))))

    def triplet_init(self, dab: float, dac: float, dbc: float) -> float:
        ca = math.sqrt(max(dab * dac / max(dbc, 1e-300), 1.0))
        s = self.sigma_from_cosh(ca)
        return _clip(1.0 / (2.0 * s * s), self.theta_bounds)

    def expected_distance(self, theta: float, aux: Any = None) -> float:
        return self.dim / (2.0 * theta)  # E[d²] = dim σ²

    def theta_from_expected(self, e: float, aux: Any = None) -> float:
        return _clip(self.dim / (2.0 * e) if e > 0 else np.inf, self.theta_bounds)

    def sample_truth(self, n: int, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        v = np.zeros((n, self.dim + 1))
        v[:, 1:] = rng.normal(0.0, scale, size=(n, self.dim))
        return self.expmap(np.broadcast_to(self.origin(), v.shape), v)

    def sample_lf(self, y: np.ndarray, theta: float, rng: np.random.Generator) -> np.ndarray:
        sigma = math.sqrt(1.0 / (2.0 * theta))
        v = np.zeros_like(y)
        v[:, 1:] = rng.normal(0.0, sigma, size=(len(y), self.dim))
        return self.expmap(y, self.transport_from_origin(y, v))

    def score(self, pred: np.ndarray, y: np.ndarray, metric: str) -> float:
        if metric == "mean_geodesic":
            return float(np.mean(self.geodesic(pred, y)))
        return super().score(pred, y, metric)


# ============================================================ finite metric
def check_metric(D: Any, *, tol: float = 1e-9, name: str = "distance matrix") -> np.ndarray:
    """Validate a ``k × k`` metric: finite, symmetric, zero diagonal, positive off
    the diagonal, triangle inequality.  Raises ValueError naming the violation."""
    D = np.asarray(D, dtype=np.float64)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"{name} must be square, got shape {D.shape}")
    k = D.shape[0]
    if k < 2:
        raise ValueError(f"{name} needs at least 2 points")
    if not np.all(np.isfinite(D)):
        i, j = np.argwhere(~np.isfinite(D))[0]
        raise ValueError(f"{name}[{i}, {j}] = {D[i, j]} is not finite")
    if np.any(np.abs(np.diag(D)) > tol):
        i = int(np.argmax(np.abs(np.diag(D))))
        raise ValueError(f"{name}[{i}, {i}] = {D[i, i]}: the distance of a point to itself must be 0")
    asym = np.abs(D - D.T)
    if np.any(asym > tol * max(1.0, np.abs(D).max())):
        i, j = np.unravel_index(int(np.argmax(asym)), D.shape)
        raise ValueError(f"{name} is not symmetric: D[{i}, {j}] = {D[i, j]} but D[{j}, {i}] = {D[j, i]}")
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


def pseudo_euclidean_embedding(S: Any, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Embed ``k`` points whose *squared* dissimilarities are ``S`` (k × k).

    Returns ``(X, signs)`` with ``X = V |Λ|^{1/2}`` over the non-null
    eigen-directions of ``G_ij = ½(S_0i + S_0j − S_ij)`` and ``signs = ±1``
    per column, so that ``S_ij = Σ_c signs_c (X_ic − X_jc)²`` exactly
    (``‖u₊ − v₊‖² − ‖u₋ − v₋‖²``).  A Euclidean-embeddable ``S`` gives no
    negative directions.

    Examples
    --------
    >>> S = np.array([[0, 1, 4], [1, 0, 1], [4, 1, 0]], float)  # 3 points on a line
    >>> X, s = pseudo_euclidean_embedding(S)
    >>> s.tolist(), round(float(np.sum(s * (X[0] - X[2]) ** 2)), 6)
    ([1.0], 4.0)
    """
    S = np.asarray(S, dtype=np.float64)
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
    outputs may then be names or indices.

    Examples
    --------
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
            if len(labels) != self.k or len(set(labels)) != self.k:
                raise ValueError(f"labels must be {self.k} distinct names, got {labels}")
        self.labels = labels
        self._index = {lab: i for i, lab in enumerate(labels)} if labels else None
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
        arr = np.asarray(values) if not isinstance(values, list) else None
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
            raise ValueOutputError(f"{what}: point index {arr[idx]} at {idx} is outside 0..{self.k - 1}")

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

    def posterior(self, values: np.ndarray, abstain: np.ndarray, theta: np.ndarray,
                  prior: np.ndarray | None = None) -> np.ndarray:
        """``n × k`` posterior ``P(y | λ)`` under the fitted model."""
        n, m = values.shape
        logp = np.zeros((n, self.k)) + (np.log(prior) if prior is not None else 0.0)
        for a in range(m):
            logP = np.log(self.conditional(float(theta[a])))  # i, j
            on = ~abstain[:, a]
            logp[on] += logP[:, values[on, a]].T
        logp -= logp.max(1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(1, keepdims=True)

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
