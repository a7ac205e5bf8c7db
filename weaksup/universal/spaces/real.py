"""``R^d`` with squared Euclidean distance: Gaussian LFs, closed forms, and UWS's Gaussian factor model."""

from __future__ import annotations

import itertools
import math
import numbers
from typing import Any

import numpy as np

from weaksup.universal.spaces.base import LabelSpace, ValueOutputError, _clip, _where

__all__ = ["RealSpace"]


class RealSpace(LabelSpace):
    """``R^d`` with ``d(u, v) = ‖u − v‖²``: Gaussian LFs ``λ_a ~ N(y, I/(2θ_a))``.

    Values are floats (``dim=1``) or length-``dim`` vectors.  The triplet
    identity ``E‖λ_a−λ_b‖² = E_a + E_b`` is exact for unbiased Gaussian LFs,
    ``θ_a = dim / (2 E_a)``, and the Fréchet mean is the θ-weighted average
    (the Gaussian posterior mean under a flat prior).  ``predict`` returns
    an ``n``-vector for ``dim=1`` and ``n × dim`` otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.universal import RealSpace
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
    inferences = ("frechet", "gaussian")

    def __init__(self, dim: int = 1) -> None:
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise ValueError(f"RealSpace dim must be >= 1 (an int), got {dim!r}")
        self.dim = int(dim)
        self.value_shape = (self.dim,)

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim}

    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        try:
            if not _numeric(value):  # float() would turn "3.5" or True into a number: a wrong LF output type
                raise TypeError
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
        arr = np.asarray(values, dtype=np.float64) if (not isinstance(values, list) or self.dim == 1) \
            and _numeric(values) else None  # otherwise value by value: a non-number is reported with its position
        if arr is not None and self.dim == 1 and arr.ndim == 1:
            arr = arr[:, None]
        if arr is not None and arr.ndim == 2 and arr.shape[1] == self.dim:
            self._check_array(arr, what)
            return arr
        return super().encode(values, what)

    def _check_array(self, arr: np.ndarray, what: str, mask: np.ndarray | None = None) -> None:
        bad = ~np.isfinite(arr).all(-1)  # the last axis is the value vector (no reshape: 0 rows cannot infer -1)
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

    def gaussian_predict(self, values: np.ndarray, abstain: np.ndarray, g: dict[str, np.ndarray]) -> np.ndarray:
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


def _numeric(value: Any) -> bool:
    """Whether ``value`` is a real number or an array of them (not a string, bool or other object)."""
    if isinstance(value, (list, tuple)):  # np.asarray([1.0, True]) would already be float: look at each item
        return all((isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)))
                   or (isinstance(v, (list, tuple, np.ndarray)) and _numeric(v)) for v in value)
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return False
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        return False
    if raw.dtype.kind == "O":
        return all(isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) for x in raw.ravel())
    return raw.dtype.kind in "iuf"
