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

import inspect
import itertools
from collections.abc import Callable
from typing import Any, Self, overload

import numpy as np

from weaksup._validation import Interval, NumberOrVector, OneOf, check_is_fitted, check_params, check_seed
from weaksup.universal.base import ValueLabelModel
from weaksup.universal.spaces import FiniteMetricSpace, LabelSpace
from weaksup.universal.values import ValueVotes, _carry

__all__ = ["UniversalLabelModel", "make_synthetic"]


class UniversalLabelModel(ValueLabelModel):
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
        ``fit(valid=(votes_valid, y_valid))`` (a few gold labels) or
        ``y_mean``/``y_var``, else from the unbiased-LF model.
    y_mean, y_var : float or array, optional
        Prior mean / variance of the target for ``inference="gaussian"``.
    uncovered : {"prior", "nan"}
        Prediction for rows where every LF abstains: the θ-weighted Fréchet
        mean of all LF outputs ("prior"; with ``inference="gaussian"`` the
        Gaussian posterior with no vote, i.e. the prior mean of Y) or
        NaN / -1 ("nan").
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
    _fitted_attrs = ("n_lfs_", "lf_names_", "theta_", "expected_distance_", "pair_stats_")

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

    # ------------------------------------------------------------------ fit
    _parameter_constraints = {
        "method": [OneOf("triplet_median", "triplet_mean")],
        "refine": [bool],
        "n_iter": [Interval(1, None, integer=True)],
        "max_triplets": [Interval(1, None, integer=True)],
        "min_overlap": [Interval(0, None, integer=True)],
        "inference": [OneOf("frechet", "gaussian")],
        "uncovered": [OneOf("prior", "nan")],
        "y_mean": [None, NumberOrVector(Interval(), "one per output dimension")],
        "y_var": [None, NumberOrVector(Interval(0, None, closed="neither"), "one per output dimension")],
        "progress": [bool],
    }

    def fit(self, votes: Any, *, valid: Any = None, seed: int | None = None, dev: Any = None,
            class_balance: Any = None) -> Self:
        """Fit on unlabelled value votes; returns self
        (:meth:`ValueLabelModel.fit <weaksup.universal.base.ValueLabelModel.fit>`).

        ``seed`` picks the seeded subset of triplets beyond ``max_triplets``.  It is None or an int in
        ``[0, 2**32 - 1]`` (numpy ints too; :func:`weaksup._validation.check_seed`), checked first, whether
        or not a subset is drawn: a str, float or bool is a ``TypeError``, an int out of range a
        ``ValueError``, both naming ``UniversalLabelModel.fit``.
        """
        seed = check_seed(seed, f"{type(self).__name__}.fit")
        return super().fit(votes, valid=valid, seed=seed, dev=dev, class_balance=class_balance)

    def _check_params(self) -> None:
        super()._check_params()
        check_params(self)
        if self.inference not in self.space.inferences:
            raise ValueError(f"inference={self.inference!r} needs a space that supports it, e.g. a RealSpace; "
                             f"{type(self.space).__name__} supports {self.space.inferences}")

    def _fit(self, V: ValueVotes, *, valid: tuple[ValueVotes | None, np.ndarray] | None,
             seed: int | None) -> None:
        """Estimate θ from unlabelled LF outputs.

        ``valid`` (``(votes, labels)``) is only used by ``inference="gaussian"``
        for the prior mean/variance of the target.  ``seed`` picks the triplet
        subset when there are more than ``max_triplets``.
        """
        sp = self.space
        # θ is estimated with the LF columns in LF-name order, then put back in the votes' order: every step
        # (pair statistics, the triplet list and its seeded subset beyond max_triplets, the order estimates are
        # combined in, the prior π of a finite space, each triplet's refinement) then sees the same numbers in
        # the same order whatever the column order, so the same LFs give the same θ to the last bit (the
        # refinement of a triplet can sit on a flat direction, where a rounding difference moved θ by 40 %)
        order = sorted(range(V.m), key=lambda a: V.lf_names[a])
        back = np.argsort(order)
        theta, aux, S = self._estimate_theta(V.select_lfs(order), seed)
        theta, S = theta[back], S[np.ix_(back, back)]
        self.theta_ = np.asarray(theta, dtype=np.float64)
        self.aux_ = aux
        self.pair_stats_ = S
        self.expected_distance_ = np.array([sp.expected_distance(float(t), aux) for t in self.theta_])
        self.gaussian_ = None
        if self.inference == "gaussian":
            y_mean, y_var = self.y_mean, self.y_var
            d = int(np.prod(sp.value_shape))
            for name, v in (("y_mean", y_mean), ("y_var", y_var)):
                if v is not None and np.size(v) not in (1, d):
                    raise ValueError(f"{name} has {np.size(v)} values; give one number or one per output "
                                     f"dimension ({d})")
            if valid is not None:
                y_valid = valid[1].reshape(len(valid[1]), -1)
                if y_mean is None and len(y_valid) == 0:
                    raise ValueError("inference='gaussian': the valid set has no rows to estimate the prior mean "
                                     "of Y from; pass more rows or y_mean=")
                y_mean = y_valid.mean(0) if y_mean is None else y_mean
                if y_var is None:
                    # a sample variance needs 2 rows (1 gives NaN: every prediction NaN) and must be > 0
                    # (0 pins every prediction to the valid mean)
                    if len(y_valid) < 2:
                        raise ValueError(f"inference='gaussian' estimates the prior variance of Y from the valid "
                                         f"labels: need >= 2 rows with non-zero variance, got {len(y_valid)}; "
                                         "pass more rows or y_var=")
                    y_var = y_valid.var(0, ddof=1)
                    if not (y_var > 0).all():
                        raise ValueError(f"inference='gaussian': the valid labels have zero variance in dimension(s) "
                                         f"{np.nonzero(~(y_var > 0))[0].tolist()}, so the prior of Y would be a "
                                         "point mass; pass varied valid labels or y_var=")
            self.gaussian_ = sp.gaussian_fit(V.values, V.abstain, y_mean, y_var, expected=self.expected_distance_)
        self.fill_ = self._prior_value(V) if self.uncovered == "prior" else None

    def _estimate_theta(self, V: ValueVotes, seed: int | None) -> tuple[np.ndarray, Any, np.ndarray]:
        """θ (per column of ``V``), the space's auxiliary parameters and the pair statistics, from votes
        whose columns are in LF-name order (see :meth:`_fit`)."""
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
        # the columns are in LF-name order, so are the triplets and each triplet's members
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
        silent = ~on.any(0)
        theta = self._combine(est, V.lf_names, silent)
        aux = None
        if self.refine and not sp.closed_form_exact:
            se = self._pair_se(V, prep)  # cached across the iterations: S does not change, only π
            for _ in range(max(1, self.n_iter)):
                aux = sp.estimate_aux(V.values, V.abstain, theta)
                theta = self._refine(S, triplets, theta, aux, V.lf_names, silent, se)
                if aux is None:
                    break
            aux = sp.estimate_aux(V.values, V.abstain, theta)
        return np.asarray(theta, dtype=np.float64), aux, S

    def _combine(self, est: list[list[float]], names: list[str], silent: np.ndarray) -> np.ndarray:
        out = np.empty(len(est))
        for a, e in enumerate(est):
            if not e and silent[a]:  # never votes: nothing to estimate, and no row it could move
                out[a] = self.space.theta_bounds[0]
                continue
            if not e:
                raise ValueError(f"LF {names[a]!r} is in no usable triplet (too little overlap with other LFs)")
            out[a] = np.median(e) if self.method == "triplet_median" else np.mean(e)
        return out

    #: An LF is near random when its pair statistic with every other LF, its best partner included, is a random
    #: pair's ``r = pair_moment(θ_min, θ_min)`` up to sampling noise: ``|1 − S_ab / r|`` below
    #: ``max(near_random_tol, near_random_z · SE_ab / r)`` for every b, with ``SE_ab`` the standard error of
    #: ``S_ab`` (:meth:`_pair_se`).  The 2% floor alone (before 2026-12) was below the noise at moderate n: at
    #: n = 2,000 a pair's standard error is 0.8% of r (6-item rankings) or 1.4% (the 5-point graph), and the
    #: θ = 0 LF was missed, and a good θ̂ off by more than 50% (3.59 for 1.5), in 15 of 40 graph seeds.  As n
    #: grows the noise term vanishes and the floor decides, as before (a θ = 0 LF's best pair at n = 20,000 is
    #: 0.0005 (rankings) or 0.006 (the graph) from random).
    near_random_tol = 0.02
    #: Standard errors of sampling noise allowed (see :attr:`near_random_tol`).  Measured over 100 seeds: a
    #: θ = 0 LF's widest pair at n = 2,000 is at most 4.0 (rankings; above 3 in 2 seeds) or 3.2 (the graph; 1
    #: seed) standard errors from random; the weakest LF of the uws-recovery set-up (θ 0.25 rankings, θ 0.5
    #: graph, 20% abstains) is at least 3.05 (partial rankings) or 2.78 (the graph, 1 seed below 3) away at
    #: n = 300, and 4.6 at n = 500 (20 seeds).  No LF of the uws and uws-recovery benchmarks is near random.
    near_random_z = 3.0
    #: Interleaved row groups whose spread gives ``SE_ab`` (batch means; fewer when the pair shares fewer rows).
    near_random_batches = 20

    def _pair_se(self, V: ValueVotes, prep: list[Any] | None = None) -> Callable[[int, int], float]:
        """``se(a, b)``: the standard error of the pair statistic ``S_ab`` of ``V``'s columns a and b.

        ``S_ab`` is a ratio of sums over the rows both LFs vote on (:meth:`LabelSpace.pair_statistic`); those
        rows are dealt into ``near_random_batches`` interleaved groups, each group's ``(sum, count)`` is taken
        with the same ``pair_statistic``, and the ratio's standard error is their linearised spread,
        ``sqrt(B/(B−1) Σ_j (sum_j − S count_j)²) / Σ_j count_j``.  Computed on demand (an informative LF's
        first pair usually settles it) and cached; ``inf`` for a pair with fewer than 2 rows or counts.
        """
        sp = self.space
        on = ~V.abstain
        prep = [sp.prepare(V.values[:, a]) for a in range(V.m)] if prep is None else prep
        cache: dict[tuple[int, int], float] = {}

        def se(a: int, b: int) -> float:
            key = (min(a, b), max(a, b))
            if key not in cache:
                rows = np.flatnonzero(on[:, key[0]] & on[:, key[1]])
                n_b = min(self.near_random_batches, len(rows))
                sums = np.zeros((n_b, 2))
                for j in range(n_b):
                    mask = np.zeros(V.n, dtype=bool)
                    mask[rows[j::n_b]] = True
                    sums[j] = sp.pair_statistic(prep[key[0]], prep[key[1]], mask)
                num, den = sums.sum(0)
                if n_b < 2 or not den > 0:
                    cache[key] = np.inf
                else:
                    dev = sums[:, 0] - (num / den) * sums[:, 1]
                    cache[key] = float(np.sqrt(n_b / (n_b - 1) * np.sum(dev ** 2)) / den)
            return cache[key]

        return se

    def _near_random(self, S: np.ndarray, aux: Any, se: Callable[[int, int], float]) -> np.ndarray:
        """Which LFs are near random (θ ≈ 0): all their pair statistics are a random pair's up to sampling
        noise (see :attr:`near_random_tol`; ``se(a, b)`` from :meth:`_pair_se`).  Judged from the measured
        pairs, not from θ: the first-stage closed form puts a θ = 0 ranking LF at θ 0.34."""
        lo = self.space.theta_bounds[0]
        ref = self.space.pair_moment(lo, lo, aux)
        out = np.zeros(len(S), dtype=bool)
        if not (np.isfinite(ref) and ref > 0):
            return out
        gap = np.abs(1.0 - S / ref)
        np.fill_diagonal(gap, np.nan)
        for a in range(len(S)):
            seen = np.flatnonzero(np.isfinite(gap[a]))
            # the widest gap first: for an informative LF it is the one that clears the noise
            partners = seen[np.argsort(-gap[a, seen], kind="stable")]
            out[a] = len(partners) > 0 and all(
                gap[a, b] < self.near_random_tol or gap[a, b] < self.near_random_z * se(a, b) / ref
                for b in partners)
        return out

    def _refine(self, S: np.ndarray, triplets: list[tuple[int, int, int]], theta: np.ndarray, aux: Any,
                names: list[str], silent: np.ndarray, se: Callable[[int, int], float]) -> np.ndarray:
        """Solve each triplet's moment equations and combine each LF's solutions (median or mean).

        A triplet (a, b, c) with a near-random LF c (θ_c ≈ 0, :meth:`_near_random`) makes two of its three
        equations flat in θ_a and θ_b: one equation is left for two unknowns, and least squares stops
        anywhere along it (θ_b 23.95 for a true 0.8).  Such a triplet's solutions for the other two LFs are
        left out of their combination (c's own is kept); an LF whose every triplet has a near-random partner
        keeps them all.  Without near-random LFs nothing is left out.
        """
        from scipy.optimize import least_squares

        sp = self.space
        lo, hi = sp.theta_bounds
        est: list[list[float]] = [[] for _ in range(len(theta))]
        weak = self._near_random(S, aux, se)
        flat: list[list[bool]] = [[] for _ in range(len(theta))]  # per solution: a near-random partner
        it: Any = triplets
        if self.progress:
            from weaksup._progress import progress_bar

            it = progress_bar(triplets, desc="UWS triplets")
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
            if weak.any():
                flat[a].append(bool(weak[b] or weak[c]))
                flat[b].append(bool(weak[a] or weak[c]))
                flat[c].append(bool(weak[a] or weak[b]))
        if weak.any():
            est = [e if all(f) else [x for x, fx in zip(e, f) if not fx] for e, f in zip(est, flat)]
        return self._combine(est, names, silent)

    def _prior_value(self, V: ValueVotes, max_outputs: int = 2000) -> np.ndarray | None:
        """The space's prior value (default: θ-weighted Fréchet mean of the LF outputs).

        The outputs and their θ are sorted by content (value, then θ); beyond ``max_outputs`` an evenly
        spaced sample of that sorted list is used.  The result depends only on the multiset of
        (output, θ) pairs, so neither the row order nor the LF column order changes it.
        """
        on = ~V.abstain
        rows, cols = np.nonzero(on)
        if len(rows) == 0:
            return None
        vals = V.values[rows, cols]
        w = self.theta_[cols]
        flat = vals.reshape(len(vals), -1)
        order = np.lexsort((w, *flat.T[::-1]))  # last key primary: value coordinates first, then θ
        if len(order) > max_outputs:
            order = order[np.linspace(0, len(order) - 1, max_outputs).round().astype(np.int64)]
        return self.space.prior_value(vals[order][None], w[order][None], self.aux_)

    # -------------------------------------------------------------- predict
    def _predict_values(self, V: ValueVotes) -> np.ndarray:
        return self._predict_encoded(V)

    def _predict_encoded(self, V: ValueVotes, weights: np.ndarray | None = None) -> np.ndarray:
        w = np.where(V.abstain, 0.0, self.theta_[None, :] if weights is None else weights)
        gaussian = weights is None and self.gaussian_ is not None
        if gaussian:
            out = self.space.gaussian_predict(V.values, V.abstain, self.gaussian_)
        else:
            out = self._frechet_mean(V.values, w)
        unc = ~(w > 0).any(1)
        if unc.any():
            if self.uncovered == "prior" and gaussian:
                pass  # the Gaussian posterior with no vote is the prior mean of Y (y_mean), not fill_ in LF units
            elif self.uncovered == "prior" and self.fill_ is not None:
                out[unc] = self.fill_
            elif out.dtype.kind == "f":
                out[unc] = np.nan
            else:
                out[unc] = -1
        return out

    def _frechet_mean(self, values: np.ndarray, w: np.ndarray) -> np.ndarray:
        # a finite space breaks ties by the fitted prior π (its documented rule); the other spaces take no prior
        if isinstance(self.space, FiniteMetricSpace) and self.aux_ is not None:
            return self.space.frechet_mean(values, w, prior=self.aux_)
        return self.space.frechet_mean(values, w)

    def predict(self, votes: Any, *, seed: int | None = None) -> np.ndarray:
        """Weighted Fréchet mean per row (see the module docstring for the output per space).

        Deterministic: ``seed`` is accepted for the common contract and unused.
        """
        return super().predict(votes, seed=seed)

    def predict_unweighted(self, votes: Any) -> np.ndarray:
        """The unweighted Fréchet mean (every voting LF weight 1): the baseline aggregate."""
        V = self._check_predict(votes)
        return self.space.to_output(self._predict_encoded(V, weights=np.ones((V.n, V.m))))

    def predict_proba(self, votes: Any) -> np.ndarray:
        """Posterior over the points of a finite space (n × k, :meth:`LabelSpace.posterior`); other spaces
        raise ``NotImplementedError``."""
        V = self._check_predict(votes)
        return self.space.posterior(V.values, V.abstain, self.theta_, self.aux_)

    @overload
    def score(self, votes: Any, y: Any, metric: str | None = ...) -> float: ...

    @overload
    def score(self, votes: Any, y: Any, metric: list[str]) -> dict[str, float]: ...

    def score(self, votes: Any, y: Any, metric: str | list[str] | None = None) -> float | dict[str, float]:
        """Score predictions against gold labels ``y`` (values of the space).

        Metrics: RealSpace ``mse`` (default), ``rmse``, ``mae``, ``r2``;
        RankingSpace ``kendall_tau`` (default, mean over rows), ``top1``;
        HyperbolicSpace ``mean_distance`` (squared geodesic, default),
        ``mean_geodesic``; FiniteMetricSpace ``mean_distance`` (default),
        ``accuracy``.  Every space also has ``mean_distance``.
        """
        return super().score(votes, y, metric=metric)

    def lf_accuracies(self) -> np.ndarray:
        """The accuracy parameters θ (larger = more accurate; not probabilities)."""
        check_is_fitted(self, "theta_")
        return self.theta_.copy()

    def lf_summary(self) -> Any:
        """DataFrame: θ and implied expected distance per LF."""
        import pandas as pd

        check_is_fitted(self, "theta_")
        return pd.DataFrame({"theta": self.theta_, "expected_distance": self.expected_distance_},
                            index=pd.Index(self.lf_names_, name="lf"))

    # ---------------------------------------------------------- persistence
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = super()._state()
        arrays.update(theta_=self.theta_, expected_distance_=self.expected_distance_, pair_stats_=self.pair_stats_)
        if self.aux_ is not None:
            arrays["aux_"] = np.asarray(self.aux_)
        if self.fill_ is not None:
            arrays["fill_"] = np.asarray(self.fill_)
        for key, val in (self.gaussian_ or {}).items():
            arrays[f"gaussian_{key}"] = val
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        super()._set_state(meta, arrays)
        self.theta_ = arrays["theta_"]
        self.expected_distance_ = arrays["expected_distance_"]
        self.pair_stats_ = arrays["pair_stats_"]
        self.aux_ = arrays.get("aux_")
        self.fill_ = arrays.get("fill_")
        g = {k[len("gaussian_"):]: v for k, v in arrays.items() if k.startswith("gaussian_")}
        self.gaussian_ = g or None


def make_synthetic(space: LabelSpace, theta: Any, n: int, *, seed: int | None = 0, abstain: Any = 0.0,
                   **truth_kw: Any) -> tuple[ValueVotes, np.ndarray]:
    """Sample gold labels and conditionally independent LFs with known θ.

    Parameters
    ----------
    space : LabelSpace
    theta : sequence of float
        True accuracy parameter per LF: finite and > 0 (>= 0 for rankings and
        finite spaces, where θ = 0 is a uniformly random LF).
    n : int
        Number of rows, >= 0.
    seed : int, optional
        Seed of the one ``numpy.random.default_rng`` that draws the gold labels, every LF's outputs and
        the abstains (the same seed gives the same sample); None: fresh randomness on each call.
    abstain : float or sequence
        Per-LF probability of abstaining (independent of everything else), in ``[0, 1]``.
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
    try:
        theta = np.asarray(theta, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"make_synthetic: theta must be a sequence of numbers, one per LF: {exc}") from None
    if theta.ndim != 1:
        raise ValueError(f"make_synthetic: theta must be a 1-D sequence (one θ per LF), got shape {theta.shape}")
    zero_ok = space.name in ("ranking", "finite")  # θ = 0: a uniformly random LF; Gaussian-type LFs need θ > 0
    bad = ~np.isfinite(theta) | ((theta < 0) if zero_ok else (theta <= 0))
    if bad.any():
        a = int(np.nonzero(bad)[0][0])
        raise ValueError(f"make_synthetic: theta[{a}] = {theta[a]} (LF 'lf_{a}') must be finite and "
                         f"{'>= 0' if zero_ok else '> 0'} for {type(space).__name__}")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"make_synthetic: n (the number of rows) must be an int >= 0, got {n!r}")
    m = len(theta)
    try:
        p = np.broadcast_to(np.asarray(abstain, dtype=np.float64), (m,))
    except (TypeError, ValueError):
        raise ValueError(f"make_synthetic: abstain must be a probability or a sequence of {m} (one per LF), "
                         f"got {abstain!r}") from None
    bad = ~np.isfinite(p) | (p < 0) | (p > 1)
    if bad.any():
        a = int(np.nonzero(bad)[0][0])
        raise ValueError(f"make_synthetic: abstain probability {p[a]} for LF 'lf_{a}' is not in [0, 1]")
    keep = truth_kw.pop("keep", None)
    if keep is not None and (isinstance(keep, (bool, np.bool_)) or not isinstance(keep, (int, float, np.number))
                             or not 0 < keep <= 1):
        raise ValueError(f"make_synthetic: keep (the probability of keeping each item) must be in (0, 1], "
                         f"got {keep!r}")
    prior = truth_kw.get("prior")
    params = inspect.signature(space.sample_truth).parameters
    if prior is not None and "prior" not in params \
            and not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        raise ValueError(f"make_synthetic: {type(space).__name__}.sample_truth takes no prior; drop prior=")
    if prior is not None and hasattr(space, "k"):  # numpy's own errors name neither make_synthetic nor prior
        try:
            given = np.asarray(prior)
            pr = given.astype(np.float64)
        except (TypeError, ValueError):
            given = pr = None
        # numpy's rng.choice tolerance: sqrt(eps) of float64, or of the prior's own float dtype (float32: 3.5e-4)
        tol = np.sqrt(np.finfo(given.dtype if given is not None and given.dtype.kind == "f" else np.float64).eps)
        tol = max(float(tol), float(np.sqrt(np.finfo(np.float64).eps)))
        if pr is None or pr.shape != (space.k,) or not np.all(np.isfinite(pr)) or (pr < 0).any() \
                or abs(float(pr.sum()) - 1.0) > tol:
            raise ValueError(f"make_synthetic: prior must be {space.k} probabilities (one per point of "
                             f"{type(space).__name__}, >= 0, summing to 1), got {prior!r}")
    rng = np.random.default_rng(seed)
    lf_kw: dict[str, Any] = {} if keep is None else {"keep": keep}
    y = space.sample_truth(n, rng, **truth_kw)
    values = np.empty((n, m, *space.value_shape), dtype=space.dtype)
    for a, t in enumerate(theta):
        values[:, a] = space.sample_lf(y, float(t), rng, **lf_kw)
    ab = rng.random((n, m)) < p
    values[ab] = space.fill
    # LFs nobody named: made-up names, as make_votes gives classification votes (placeholder_names)
    return _carry(ValueVotes(values, ab, [f"lf_{a}" for a in range(m)], space), True), space.to_output(y)
