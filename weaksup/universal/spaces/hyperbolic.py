"""Hyperbolic space (Lorentz / Poincaré coordinates) with squared geodesic distance."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from weaksup.universal.spaces.base import LabelSpace, ValueOutputError, _clip, _where
from weaksup.universal.spaces.real import _numeric

__all__ = ["HyperbolicSpace"]

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
    ``argmin_y Σ θ_a d²(λ_a, y)`` by Riemannian Newton steps on the Lorentz
    model (exact Hessian), started from the weighted Lorentz centroid; the
    step ``η`` starts at ``lr`` and is halved whenever it would not lower
    the objective (backtracking), so the iteration converges to the
    minimiser however spread the points are.  ``predict`` returns points in the space's
    ``model`` coordinates.

    Examples
    --------
    >>> from weaksup.universal import HyperbolicSpace
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
        def is_int(v: Any) -> bool:
            return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

        def is_real(v: Any) -> bool:
            return is_int(v) or isinstance(v, (float, np.floating)) and bool(np.isfinite(v))

        if not is_int(dim) or dim < 1:
            raise ValueError(f"HyperbolicSpace: dim must be an int >= 1, got {dim!r}")
        if not is_int(steps) or steps < 1:
            raise ValueError(f"HyperbolicSpace: steps (Newton steps of the Fréchet mean) must be an int >= 1, "
                             f"got {steps!r}")
        if not is_real(lr) or lr <= 0:
            raise ValueError(f"HyperbolicSpace: lr (the first Newton step size) must be a finite number > 0, "
                             f"got {lr!r}")
        if not is_real(tol) or tol < 0:
            raise ValueError(f"HyperbolicSpace: tol must be a finite number >= 0, got {tol!r}")
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

    def value_config(self) -> dict[str, Any]:
        """Encoded values are Lorentz points whatever ``model`` (and the Newton settings) say: only ``dim``."""
        return {"dim": self.dim}

    def encoded_shape_hint(self, shape: tuple[int, ...]) -> str:
        if self.model == "poincare" and len(shape) == 3 and shape[2] == self.dim:
            return (f"; arrays of votes hold Lorentz coordinates (n, m, {self.dim + 1}) even for model='poincare' "
                    f"(only single values, lists and labels are read as Poincaré points): convert an (n, m, "
                    f"{self.dim}) array with HyperbolicSpace.poincare_to_lorentz(arr), or pass the points as a "
                    f"nested list")
        return ""

    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        try:
            if not _numeric(value):  # float() would turn "0.5" or True into a coordinate: a wrong LF output type
                raise TypeError
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueOutputError(
                f"{value!r} ({type(value).__name__}){_where(lf, row)} is not a point of {self!r}: a point is a "
                f"sequence of numbers (a string or a bool is not read as one)") from None
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
        if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":  # strings, bools: value by value (refused)
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

    def transport_to_origin(self, y: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Parallel transport of tangent vectors ``u`` at ``y`` to the origin (inverse of
        :meth:`transport_from_origin`); the result has ``x0 = 0``."""
        coef = u[..., 0] / (1.0 + y[..., 0])
        return u - coef[..., None] * (y + self.origin())

    def frechet_mean(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Row-wise weighted Karcher mean ``argmin_y Σ_a w_a d²(λ_a, y)`` by safeguarded Riemannian Newton.

        Each row starts from the weighted Lorentz centroid.  A step solves
        ``H v = g`` with ``g = Σ_a w_a log_y(λ_a) / Σ_a w_a`` (minus half the
        gradient) and ``H`` the exact Riemannian Hessian of half the normalised
        objective, ``Σ_a w_a (P_a + d_a coth d_a (I − P_a)) / Σ_a w_a``
        (``P_a`` the projection on ``log_y(λ_a)``, ``d_a`` its length), then
        moves ``y ← exp_y(η v)`` with ``η = lr`` halved until the objective
        drops (Armijo backtracking).  ``H ⪰ I`` because the objective is
        geodesically convex, so ``v`` is a descent direction and the
        iteration converges to the unique minimiser however spread the points
        are (plain gradient steps with ``η = 1`` overshoot once distances
        exceed about 2).  A row stops when ``‖g‖ < tol`` or after ``steps``.

        Parameters
        ----------
        values : ndarray
            ``n × m × (dim + 1)`` Lorentz points.
        weights : ndarray
            ``n × m`` non-negative weights (0 = abstain).

        Returns
        -------
        ndarray
            ``n × (dim + 1)`` means (NaN on rows whose weights are all 0).
        """
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
        eye = np.eye(self.dim)

        def objective(pts: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return (wn[rows] * self.distance(pts[:, None, :], x[rows])).sum(1)

        for _ in range(self.steps):
            if not active.any():
                break
            idx = np.nonzero(active)[0]
            ya, wa = y[idx], wn[idx]
            u = self.transport_to_origin(ya[:, None, :], self.logmap(ya[:, None, :], x[idx]))[..., 1:]
            g = (wa[..., None] * u).sum(1)                       # −½ gradient, origin coordinates
            gnorm = np.sqrt(np.sum(g * g, axis=1))
            d = np.sqrt(np.sum(u * u, axis=-1))
            big = d > 1e-8
            dcoth = np.where(big, d / np.tanh(np.where(big, d, 1.0)), 1.0)
            dir_ = np.where(big[..., None], u / np.where(big, d, 1.0)[..., None], 0.0)
            hess = (wa * dcoth).sum(1)[:, None, None] * eye + np.einsum(
                "nm,nmi,nmj->nij", wa * (1.0 - dcoth), dir_, dir_)
            s = np.linalg.solve(hess, g[..., None])[..., 0]
            v = self.transport_from_origin(ya, np.concatenate([np.zeros((len(idx), 1)), s], axis=1))
            slope = np.sum(g * s, axis=1)                        # −½ directional derivative (> 0)
            f0 = objective(ya, idx)
            eta = np.full(len(idx), self.lr)
            ynew = ya.copy()
            todo = gnorm >= self.tol
            for _halving in range(60):
                if not todo.any():
                    break
                t = np.nonzero(todo)[0]
                cand = self.expmap(ya[t], eta[t, None] * v[t])
                # Armijo: f(exp_y(η v)) ≤ f(y) − 2 c η ⟨g, v⟩ (the gradient of f is −2g), c = 1e-4
                ok = objective(cand, idx[t]) <= f0[t] - 2e-4 * eta[t] * slope[t]
                ynew[t[ok]] = cand[ok]
                todo[t[ok]] = False
                eta[t[~ok]] *= 0.5
            y[idx] = ynew
            # rows still failing after 60 halvings sit at the minimiser up to rounding
            active[idx[(gnorm < self.tol) | todo]] = False
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
