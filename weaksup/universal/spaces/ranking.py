"""Rankings with Kendall τ (Mallows LFs), and the Mallows-model helpers it needs."""

from __future__ import annotations

import math
from collections.abc import Hashable, KeysView, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np

from weaksup.universal.spaces.base import LabelSpace, ValueOutputError, _check_names_vs_indices, _where

__all__ = ["RankingSpace", "mallows_log_partition", "mallows_expected_distance",
           "mallows_theta_from_distance", "mallows_pair_inversion_probs"]


def _check_theta_k(theta: Any, k: Any, where: str) -> tuple[float, int]:
    """``θ`` a number ``>= 0`` (``inf`` allowed: the point mass at the center) and ``k`` an int ``>= 1``."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{where}: k (the number of items) must be an int >= 1, got {k!r}")
    if isinstance(theta, (bool, np.bool_)) or not isinstance(theta, (int, float, np.integer, np.floating)) \
            or math.isnan(theta) or theta < 0:
        raise ValueError(f"{where}: theta must be a number >= 0 (0: uniform over rankings), got {theta!r}")
    return float(theta), int(k)


def mallows_log_partition(theta: float, k: int) -> float:
    """``log Z(θ) = Σ_{j=1}^{k-1} log((1 − e^{−(j+1)θ}) / (1 − e^{−θ}))`` for Mallows on ``k`` items.

    Examples
    --------
    >>> import math
    >>> from weaksup.universal import mallows_log_partition
    >>> math.isclose(mallows_log_partition(0.0, 3), math.log(6))  # θ = 0: uniform over 3! rankings
    True
    >>> round(mallows_log_partition(1.0, 3), 4)
    0.7209
    """
    theta, k = _check_theta_k(theta, k, "mallows_log_partition")
    if theta <= 0:
        return float(math.lgamma(k + 1))
    q = math.exp(-theta)
    return float(sum(math.log1p(-q ** (j + 1)) - math.log1p(-q) for j in range(1, k)))


def mallows_expected_distance(theta: float, k: int) -> float:
    """``E_θ[d_τ(σ, center)] = −d log Z / dθ`` (sum of truncated-geometric means).

    Examples
    --------
    >>> from weaksup.universal import mallows_expected_distance
    >>> mallows_expected_distance(0.0, 3)  # uniform: half of the 3 pairs inverted
    1.5
    >>> round(mallows_expected_distance(1.0, 3), 4)
    0.6937
    """
    theta, k = _check_theta_k(theta, k, "mallows_expected_distance")
    if theta <= 1e-12:
        return k * (k - 1) / 4.0
    q = math.exp(-theta)
    total = 0.0
    for j in range(2, k + 1):  # insertion of the j-th item: V ∈ {0..j-1}, P ∝ q^V
        total += q / (1 - q) - j * q ** j / (1 - q ** j)
    return float(total)


def mallows_theta_from_distance(e: float, k: int, bounds: tuple[float, float] = (1e-3, 1e3)) -> float:
    """Moment matching: the θ with ``E_θ[d] = e`` (clipped to ``bounds``).

    ``e`` is an expected Kendall distance, in ``[0, k(k−1)/2]``.  ``E_θ[d]``
    falls from ``k(k−1)/4`` (θ = 0, uniform) to 0 (θ → ∞), so ``e`` at or
    above ``E_{bounds[0]}[d]`` (an LF no better than random) gives
    ``bounds[0]`` and ``e`` at or below ``E_{bounds[1]}[d]`` gives
    ``bounds[1]``.  ``e`` outside ``[0, k(k−1)/2]`` or NaN, ``k`` not an int
    ``>= 1`` and ``bounds`` not ``0 <= low < high`` are a ``ValueError``.

    Examples
    --------
    >>> from weaksup.universal import mallows_expected_distance, mallows_theta_from_distance
    >>> round(mallows_theta_from_distance(mallows_expected_distance(1.0, 3), 3), 6)
    1.0
    """
    _check_theta_k(0.0, k, "mallows_theta_from_distance")
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"mallows_theta_from_distance: bounds must be a pair (low, high) of numbers, "
                         f"got {bounds!r}") from None
    if not (0 <= lo < hi) or math.isnan(hi):
        raise ValueError(f"mallows_theta_from_distance: bounds must satisfy 0 <= low < high, got {bounds!r}")
    top = k * (k - 1) / 2
    if isinstance(e, (bool, np.bool_)) or not isinstance(e, (int, float, np.integer, np.floating)) \
            or math.isnan(e) or not 0 <= e <= top:
        raise ValueError(f"mallows_theta_from_distance: e (an expected Kendall distance) must be in [0, {top:g}] "
                         f"(k(k-1)/2 for k = {k} items), got {e!r}")
    return _theta_from_distance(e, k, bounds)


def _theta_from_distance(e: float, k: int, bounds: tuple[float, float]) -> float:
    """:func:`mallows_theta_from_distance` without checks: an estimated ``e`` (possibly negative or above the
    maximum from sampling noise) is clipped to ``bounds``."""
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

    Examples
    --------
    >>> import math
    >>> from weaksup.universal import mallows_pair_inversion_probs
    >>> mallows_pair_inversion_probs(0.0, 3).round(3).tolist()  # uniform: every pair inverted half the time
    [[0.0, 0.5, 0.5], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]]
    >>> math.isclose(mallows_pair_inversion_probs(1.0, 2)[0, 1], 1 / (1 + math.e))  # two items: e^-θ / (1 + e^-θ)
    True
    """
    theta, k = _check_theta_k(theta, k, "mallows_pair_inversion_probs")
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


class RankingSpace(LabelSpace):
    """Rankings of a fixed set of ``k`` items, with Kendall τ distance (Mallows LFs).

    A value is a sequence of distinct items, best first.  A *partial* ranking
    lists a subset of the items (``allow_partial=True``): it is read as the
    restriction of a full ranking to those items, and distances count only
    the pairs both rankings order.  Values are encoded as length-``k``
    position vectors (``-1`` = not ranked).  Lists of items are read by
    item, integer arrays as item *indices* (the form ``predict`` returns), so
    integer items that equal the index of another item
    (``RankingSpace([1, 2, 3, 0])``) are refused.

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
    >>> import numpy as np
    >>> from weaksup.universal import RankingSpace
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
            # None is an abstain and NaN a missing value (refused in every ranking): no ranking could hold the item
            if it is None or (isinstance(it, (float, np.floating)) and math.isnan(it)):
                raise ValueError(f"RankingSpace item {i} is {it!r} (a missing value: no ranking could contain it); "
                                 f"drop it or give it a name")
            try:
                if it in index:
                    raise ValueError(f"RankingSpace items contain {it!r} twice (positions {index[it]} and {i})")
            except TypeError:
                raise ValueError(f"RankingSpace item {it!r} is not hashable") from None
            index[it] = i
        _check_names_vs_indices(index, "items", items)
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

    def value_config(self) -> dict[str, Any]:
        """Encoded values are position vectors over ``items``: the items, in order, fix their meaning."""
        return {"items": list(self.items)}

    # ------------------------------------------------------------ encoding
    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ValueOutputError(f"ranking{_where(lf, row)} must be a sequence of items (best first), "
                                   f"got {value!r}")
        # a set's order differs per process and a dict's keys ignore its values (e.g. scores); dict.keys() keeps
        # its insertion order, so it is read like the list of those keys
        if isinstance(value, (AbstractSet, Mapping)) and not isinstance(value, KeysView):
            raise ValueOutputError(
                f"ranking{_where(lf, row)} is a {type(value).__name__}; a ranking must be an ordered sequence "
                f"(list, tuple or array) of items, best first (for {{item: score}} use sorted(d, key=d.get, "
                f"reverse=True))")
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
        (what ``predict`` returns; ``-1`` pads partial rankings).  A float array
        is read as such an array when every entry is whole; a string or object
        array holds items, as a list does."""
        if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
            if values.ndim != 2 or values.shape[1] != self.k:
                raise ValueOutputError(f"{what}: an integer array of orders must be n × {self.k}, got {values.shape}")
            if values.dtype.kind == "f":  # orders read back as floats (CSV, pandas): whole item indices only
                bad = ~np.isfinite(values) | (values != np.round(values))
                if bad.any():
                    i, j = (int(x) for x in np.argwhere(bad)[0])
                    raise ValueOutputError(
                        f"{what}: a numeric array of orders holds item indices (-1 pads partial rankings), but "
                        f"order {i} has {values[i, j]!r} at rank {j}; pass item names as lists")
                values = values.astype(np.int64)
            if (values < -1).any() or (values >= self.k).any():
                raise ValueOutputError(f"{what}: item index outside 0..{self.k - 1} (-1 pads partial rankings; "
                                       f"an integer array holds item indices: pass item names as lists)")
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

    def decode_value(self, value: np.ndarray) -> list[Any]:
        """One position vector -> the ranked items, best first."""
        return self.decode(self.order(value[None]))[0]

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
        return _theta_from_distance(e * self.n_pairs, self.k, self.theta_bounds)

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
