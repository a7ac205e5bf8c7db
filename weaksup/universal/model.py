"""UniversalLabelModel: one label model for any label space with a distance.

Model (Shin et al., "Universalizing Weak Supervision", ICLR 2022): LFs are
conditionally independent given the true label ``y`` and
``p(λ_a | y) ∝ exp(−θ_a d(λ_a, y))``; θ_a large = accurate LF.

Learning is a triplet method of moments with no labels: for every triplet of
LFs (a, b, c) the pairwise statistics measured where both LFs vote give a
closed-form θ_a (space-specific; e.g. ``E_a = (D_ab + D_ac − D_bc)/2`` in
Euclidean spaces), and θ_a is the median (or mean) over triplets.  Where the
closed form is not exact for the space (rankings, finite metric spaces) each
triplet is then refined by solving the exact moment equations of the model.

Inference is the weighted Fréchet mean ``ŷ = argmin_y Σ_a θ_a d(λ_a, y)``
over the LFs that vote on the row.

What ``predict`` returns depends on the space:

* :class:`RealSpace` — floats (``n``) for ``dim=1``, else ``n × dim``;
* :class:`RankingSpace` — ``n × k`` item indices, best first
  (``model.space.decode`` turns them into items);
* :class:`HyperbolicSpace` — points in the space's coordinates
  (Lorentz ``n × (dim+1)`` or Poincaré ``n × dim``);
* :class:`FiniteMetricSpace` — point indices ``0..k-1``; ``predict_proba``
  gives the posterior over the ``k`` points (only this space has one).

Examples
--------
>>> import numpy as np
>>> from weaksup.universal import RealSpace, UniversalLabelModel, make_synthetic
>>> votes, y = make_synthetic(RealSpace(1), [2.0, 1.0, 0.5, 0.25], n=20000, seed=0)
>>> lm = UniversalLabelModel(RealSpace(1)).fit(votes)
>>> np.round(lm.theta_, 1).tolist()
[2.0, 1.0, 0.5, 0.2]
>>> bool(lm.score(votes, y) < 0.15)
True
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from weaksup.labelmodel.base import LabelModel
from weaksup.universal import spaces as _spaces
from weaksup.universal.spaces import LabelSpace
from weaksup.universal.values import ValueVotes, as_value_votes

__all__ = ["UniversalLabelModel", "make_synthetic"]

_SPACES = {c.__name__: c for c in (_spaces.RealSpace, _spaces.RankingSpace, _spaces.HyperbolicSpace,
                                   _spaces.FiniteMetricSpace)}


class UniversalLabelModel(LabelModel):
    """Label model for LFs whose outputs live in any :class:`LabelSpace`.

    Parameters
    ----------
    space : LabelSpace
        The label space (``RealSpace(d)``, ``RankingSpace(items)``,
        ``HyperbolicSpace(d)``, ``FiniteMetricSpace(D)``).
    method : {"triplet_median", "triplet_mean"}
        How per-triplet θ estimates are combined.
    refine : bool
        Solve the exact triplet moment equations where the space's closed
        form is only approximate (rankings, finite metric spaces).  With
        ``False`` you get the paper's closed form (biased for those spaces).
    n_iter : int
        Alternations between θ and auxiliary parameters (the prior π of a
        finite metric space).
    max_triplets : int
        Use at most this many triplets (a seeded random subset beyond).
    min_overlap : int
        Fewest rows both LFs must vote on for their pair statistic to count.
    inference : {"frechet", "gaussian"}
        ``"frechet"`` (default): the θ-weighted Fréchet mean.  ``"gaussian"``
        (RealSpace only): UWS's Gaussian closed form ``E[Y|λ] = μ_Y +
        Σ_Yλ Σ_λλ⁻¹ (λ − μ_λ)`` under the factor model ``λ_a = μ_a + a_a(Y −
        μ_Y) + noise`` — it allows LFs that are shrunk or scaled versions of
        the target (e.g. fitted regressors).  The prior of Y comes from
        ``fit(dev=y_dev)`` (a few gold labels) or ``y_mean``/``y_var``, else
        from the unbiased-LF model.
    y_mean, y_var : float or array, optional
        Prior mean / variance of the target for ``inference="gaussian"``.
    uncovered : {"prior", "nan"}
        Prediction for rows where every LF abstains: the θ-weighted Fréchet
        mean of all LF outputs ("prior") or NaN / -1 ("nan").
    progress : bool
        tqdm bar over triplets during refinement.

    Attributes
    ----------
    theta_ : ndarray (m,)
        Estimated accuracy parameters (the model's per-LF θ).
    expected_distance_ : ndarray (m,)
        ``E_θ[d(λ_a, y)]`` implied by ``theta_`` (a discordant-pair *rate* for rankings).
    pair_stats_ : ndarray (m, m)
        Measured pairwise statistics (NaN where two LFs never co-vote).
    aux_ : Any
        Extra fitted parameters (the prior π for finite metric spaces).
    """

    min_lfs = 3
    _fitted_attrs = ("theta_", "expected_distance_", "pair_stats_")

    def __init__(self, space: LabelSpace, *, method: str = "triplet_median", refine: bool = True,
                 n_iter: int = 3, max_triplets: int = 2000, min_overlap: int = 10,
                 inference: str = "frechet", y_mean: Any = None, y_var: Any = None,
                 uncovered: str = "prior", progress: bool = False) -> None:
        self.space = space
        self.method = method
        self.refine = refine
        self.n_iter = n_iter
        self.max_triplets = max_triplets
        self.min_overlap = min_overlap
        self.inference = inference
        self.y_mean = y_mean
        self.y_var = y_var
        self.uncovered = uncovered
        self.progress = progress
        self.cardinality = None

    # ------------------------------------------------------------------ fit
    def _check(self) -> None:
        if not isinstance(self.space, LabelSpace):
            raise TypeError(f"space must be a LabelSpace, got {type(self.space).__name__}")
        if self.method not in ("triplet_median", "triplet_mean"):
            raise ValueError(f"method must be 'triplet_median' or 'triplet_mean', got {self.method!r}")
        if self.inference not in ("frechet", "gaussian"):
            raise ValueError(f"inference must be 'frechet' or 'gaussian', got {self.inference!r}")
        if self.inference == "gaussian" and not isinstance(self.space, _spaces.RealSpace):
            raise ValueError(f"inference='gaussian' needs a RealSpace, not {type(self.space).__name__}")
        if self.uncovered not in ("prior", "nan"):
            raise ValueError(f"uncovered must be 'prior' or 'nan', got {self.uncovered!r}")

    def fit(self, votes: Any, *, class_balance: Any = None, dev: Any = None,
            seed: int | None = None) -> UniversalLabelModel:
        """Estimate θ from unlabelled LF outputs.

        ``dev`` (gold labels, or a ``(votes, labels)`` tuple) is only used by
        ``inference="gaussian"`` for the prior mean/variance of the target;
        ``class_balance`` is ignored.
        """
        self._check()
        V = as_value_votes(votes, self.space)
        if V.m < self.min_lfs:
            raise ValueError(f"UniversalLabelModel needs at least {self.min_lfs} LFs (triplets); got {V.m}")
        sp = self.space
        m = V.m
        on = ~V.abstain
        S = np.full((m, m), np.nan)
        prep = [sp.prepare(V.values[:, a]) for a in range(m)]
        for a, b in itertools.combinations(range(m), 2):
            both = on[:, a] & on[:, b]
            if both.sum() < self.min_overlap:
                continue
            num, den = sp.pair_statistic(prep[a], prep[b], both)
            if den > 0:
                S[a, b] = S[b, a] = num / den
        triplets = [t for t in itertools.combinations(range(m), 3)
                    if np.isfinite([S[t[0], t[1]], S[t[0], t[2]], S[t[1], t[2]]]).all()]
        if len(triplets) > self.max_triplets:
            rng = np.random.default_rng(0 if seed is None else seed)
            chosen = [triplets[i] for i in sorted(rng.choice(len(triplets), self.max_triplets, replace=False))]
            covered = {a for t in chosen for a in t}
            for t in triplets:  # keep every LF in at least one triplet
                if not set(t) <= covered:
                    chosen.append(t)
                    covered |= set(t)
            triplets = chosen
        if not triplets:
            raise ValueError("no triplet of LFs co-votes on enough rows (min_overlap="
                             f"{self.min_overlap}); cannot estimate θ")
        est: list[list[float]] = [[] for _ in range(m)]
        for a, b, c in triplets:
            for x, y, z in ((a, b, c), (b, a, c), (c, a, b)):
                est[x].append(sp.triplet_init(S[x, y], S[x, z], S[y, z]))
        theta = self._combine(est, V.lf_names)
        aux = None
        if self.refine and not sp.closed_form_exact:
            for _ in range(max(1, self.n_iter)):
                aux = sp.estimate_aux(V.values, V.abstain, theta)
                theta = self._refine(S, triplets, theta, aux, V.lf_names)
                if aux is None:
                    break
            aux = sp.estimate_aux(V.values, V.abstain, theta)
        self.n_lfs_ = m
        self.lf_names_ = list(V.lf_names)
        self.theta_ = np.asarray(theta, dtype=np.float64)
        self.aux_ = aux
        self.pair_stats_ = S
        self.expected_distance_ = np.array([sp.expected_distance(float(t), aux) for t in self.theta_])
        self.gaussian_ = None
        if self.inference == "gaussian":
            y_mean, y_var = self.y_mean, self.y_var
            if dev is not None:
                y_dev = dev[1] if isinstance(dev, tuple) else dev
                y_dev = sp.encode(y_dev, what="dev labels")
                y_mean = y_dev.mean(0) if y_mean is None else y_mean
                y_var = y_dev.var(0, ddof=1) if y_var is None else y_var
            self.gaussian_ = sp.gaussian_fit(V.values, V.abstain, y_mean, y_var,  # type: ignore[attr-defined]
                                             expected=self.expected_distance_)
        self._fill = None
        if self.uncovered == "prior":
            self._fill = self._prior_value(V)
        return self

    def _combine(self, est: list[list[float]], names: list[str]) -> np.ndarray:
        out = np.empty(len(est))
        for a, e in enumerate(est):
            if not e:
                raise ValueError(f"LF {names[a]!r} is in no usable triplet (too little overlap with other LFs)")
            out[a] = np.median(e) if self.method == "triplet_median" else np.mean(e)
        return out

    def _refine(self, S: np.ndarray, triplets: list[tuple[int, int, int]], theta: np.ndarray, aux: Any,
                names: list[str]) -> np.ndarray:
        from scipy.optimize import least_squares

        sp = self.space
        lo, hi = sp.theta_bounds
        est: list[list[float]] = [[] for _ in range(len(theta))]
        it: Any = triplets
        if self.progress:
            from tqdm.auto import tqdm

            it = tqdm(triplets, desc="UWS triplets")
        for a, b, c in it:
            obs = np.array([S[a, b], S[a, c], S[b, c]])

            def resid(x: np.ndarray) -> np.ndarray:
                ta, tb, tc = np.exp(x)
                return np.array([sp.pair_moment(ta, tb, aux), sp.pair_moment(ta, tc, aux),
                                 sp.pair_moment(tb, tc, aux)]) - obs

            x0 = np.log(np.clip(theta[[a, b, c]], lo * 1.0001, hi / 1.0001))
            res = least_squares(resid, x0, bounds=(np.log(lo), np.log(hi)), xtol=1e-10, ftol=1e-12)
            ta, tb, tc = np.exp(res.x)
            est[a].append(ta)
            est[b].append(tb)
            est[c].append(tc)
        return self._combine(est, names)

    def _prior_value(self, V: ValueVotes) -> np.ndarray:
        """θ-weighted Fréchet mean of (a sample of) all outputs: the fill for uncovered rows."""
        on = ~V.abstain
        rows, cols = np.nonzero(on)
        if len(rows) == 0:
            return None  # type: ignore[return-value]
        if len(rows) > 2000:
            pick = np.random.default_rng(0).choice(len(rows), 2000, replace=False)
            rows, cols = rows[pick], cols[pick]
        vals = V.values[rows, cols][None]
        w = self.theta_[cols][None]
        sp = self.space
        if isinstance(sp, _spaces.FiniteMetricSpace) and self.aux_ is not None:
            return np.asarray(int(np.argmax(self.aux_)))
        return sp.frechet_mean(vals, w)[0]

    # -------------------------------------------------------------- predict
    def _check_votes_fitted(self, votes: Any) -> ValueVotes:
        self._check_fitted()
        V = as_value_votes(votes, self.space)
        if V.m != self.n_lfs_:
            raise ValueError(f"votes have {V.m} LFs; the model was fitted on {self.n_lfs_}")
        return V

    def _predict_encoded(self, V: ValueVotes, weights: np.ndarray | None = None) -> np.ndarray:
        w = np.where(V.abstain, 0.0, self.theta_[None, :] if weights is None else weights)
        if weights is None and getattr(self, "gaussian_", None) is not None:
            out = _spaces.RealSpace.gaussian_predict(V.values, V.abstain, self.gaussian_)
        else:
            out = self.space.frechet_mean(V.values, w)
        unc = ~(w > 0).any(1)
        if unc.any():
            if self.uncovered == "prior" and getattr(self, "_fill", None) is not None:
                out[unc] = self._fill
            elif out.dtype.kind == "f":
                out[unc] = np.nan
            else:
                out[unc] = -1
        return out

    def predict(self, votes: Any, *args: Any, **kwargs: Any) -> np.ndarray:  # type: ignore[override]
        """Weighted Fréchet mean per row (see the module docstring for the output per space)."""
        V = self._check_votes_fitted(votes)
        return self._output(self._predict_encoded(V))

    def _output(self, enc: np.ndarray) -> np.ndarray:
        return self.space.to_output(enc)

    def predict_unweighted(self, votes: Any) -> np.ndarray:
        """The unweighted Fréchet mean (every voting LF weight 1): the baseline aggregate."""
        V = self._check_votes_fitted(votes)
        return self._output(self._predict_encoded(V, weights=np.ones((V.n, V.m))))

    def predict_proba(self, votes: Any) -> np.ndarray:
        """Posterior over the points of a :class:`FiniteMetricSpace` (n × k); other spaces have none."""
        V = self._check_votes_fitted(votes)
        if not isinstance(self.space, _spaces.FiniteMetricSpace):
            raise NotImplementedError(f"predict_proba needs a finite label space; {type(self.space).__name__} "
                                      f"predictions are values: use predict()")
        return self.space.posterior(V.values, V.abstain, self.theta_, self.aux_)

    def score(self, votes: Any, y: Any, metric: str | list[str] | None = None,  # type: ignore[override]
              tie_break: str = "random") -> Any:
        """Score predictions against gold labels ``y`` (values of the space).

        Metrics: RealSpace ``mse`` (default), ``rmse``, ``mae``, ``r2``;
        RankingSpace ``kendall_tau`` (default, mean over rows), ``top1``;
        HyperbolicSpace ``mean_distance`` (squared geodesic, default),
        ``mean_geodesic``; FiniteMetricSpace ``mean_distance`` (default),
        ``accuracy``.  Every space also has ``mean_distance``.
        """
        V = self._check_votes_fitted(votes)
        yy = self.space.encode(y, what="y")
        if len(yy) != V.n:
            raise ValueError(f"votes have {V.n} rows but y has {len(yy)}")
        pred = self._predict_encoded(V)
        names = [metric or self.space.default_metric] if not isinstance(metric, list) else metric
        out = {}
        for name in names:
            if name not in self.space.metrics:
                raise ValueError(f"unknown metric {name!r} for {type(self.space).__name__}; "
                                 f"choose from {self.space.metrics}")
            out[name] = self.space.score(pred, yy, name)
        return out if isinstance(metric, list) else out[names[0]]

    def lf_accuracies(self) -> np.ndarray:
        """The accuracy parameters θ (larger = more accurate; not probabilities)."""
        self._check_fitted()
        return self.theta_.copy()

    def lf_summary(self) -> Any:
        """DataFrame: θ and implied expected distance per LF."""
        import pandas as pd

        self._check_fitted()
        return pd.DataFrame({"theta": self.theta_, "expected_distance": self.expected_distance_},
                            index=pd.Index(self.lf_names_, name="lf"))

    # ---------------------------------------------------------- persistence
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the space, parameters and θ to an npz file (no pickle)."""
        self._check_fitted()
        params = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                  for k, v in self.get_params().items() if k != "space"}
        meta = {"class": "UniversalLabelModel", "space": type(self.space).__name__,
                "space_config": self.space.config(), "params": params,
                "n_lfs_": self.n_lfs_, "lf_names_": self.lf_names_}
        arrays = {"theta_": self.theta_, "expected_distance_": self.expected_distance_,
                  "pair_stats_": self.pair_stats_}
        if self.aux_ is not None:
            arrays["aux_"] = np.asarray(self.aux_)
        if getattr(self, "_fill", None) is not None:
            arrays["fill_"] = np.asarray(self._fill)
        for key, val in (getattr(self, "gaussian_", None) or {}).items():
            arrays[f"gaussian_{key}"] = val
        arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> UniversalLabelModel:  # type: ignore[override]
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["__meta__"]).decode())
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
        if meta.get("class") != "UniversalLabelModel" or meta.get("space") not in _SPACES:
            raise ValueError(f"{path} does not hold a UniversalLabelModel")
        space = _SPACES[meta["space"]](**meta["space_config"])
        model = cls(space, **meta["params"])
        model.n_lfs_ = meta["n_lfs_"]
        model.lf_names_ = meta["lf_names_"]
        model.theta_ = arrays["theta_"]
        model.expected_distance_ = arrays["expected_distance_"]
        model.pair_stats_ = arrays["pair_stats_"]
        model.aux_ = arrays.get("aux_")
        model._fill = arrays.get("fill_")
        g = {k[len("gaussian_"):]: v for k, v in arrays.items() if k.startswith("gaussian_")}
        model.gaussian_ = g or None
        return model


def make_synthetic(space: LabelSpace, theta: Any, n: int, *, seed: int | None = 0, abstain: Any = 0.0,
                   **truth_kw: Any) -> tuple[ValueVotes, np.ndarray]:
    """Sample gold labels and conditionally independent LFs with known θ.

    Parameters
    ----------
    space : LabelSpace
    theta : sequence of float
        True accuracy parameter per LF.
    n : int
    abstain : float or sequence
        Per-LF probability of abstaining (independent of everything else).
    **truth_kw
        Passed to ``space.sample_truth`` (e.g. ``prior=`` for finite spaces).
        For rankings, ``keep=`` (0-1) makes LFs output partial rankings.

    Returns
    -------
    votes : ValueVotes
    y : ndarray
        Gold labels in the form ``predict`` returns (item orders for
        rankings, the space's coordinates for hyperbolic points).
    """
    rng = np.random.default_rng(seed)
    theta = np.asarray(theta, dtype=np.float64)
    m = len(theta)
    keep = truth_kw.pop("keep", None)
    y = space.sample_truth(n, rng, **truth_kw)
    values = np.empty((n, m, *space.value_shape), dtype=space.dtype)
    for a, t in enumerate(theta):
        if keep is not None:
            values[:, a] = space.sample_lf(y, float(t), rng, keep=keep)  # type: ignore[call-arg]
        else:
            values[:, a] = space.sample_lf(y, float(t), rng)
    p = np.broadcast_to(np.asarray(abstain, dtype=np.float64), (m,))
    ab = rng.random((n, m)) < p
    values[ab] = space.fill
    return ValueVotes(values, ab, [f"lf_{a}" for a in range(m)], space), space.to_output(y)
