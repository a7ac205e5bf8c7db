"""FlyingSquid-style triplet method (Fu et al., "Fast and Three-rious", ICML 2020): closed form.

For conditionally independent LFs, the agreement of two LFs on the rows where
both vote factorises.  Write ``s_j = (k·a_j − 1)/(k − 1)`` for LF ``j`` with
accuracy ``a_j`` (``s_j = E[λ_j Y | fires]`` for binary ±1 votes).  Under the
symmetric ("one-coin") noise model

    C_ij = (k · P(λ_i = λ_j | both vote) − 1)/(k − 1) = s_i s_j,

so every triplet ``(i, j, l)`` of LFs gives ``s_i² = C_ij C_il / C_jl``
(FlyingSquid's identity; for k = 2 it is exactly theirs).  We average over all
triplets with enough overlap (``solve="mean"``, FlyingSquid's
``triplet_mean``; or ``"median"``), assume every LF beats random (their
``all_positive`` sign recovery) and turn ``s`` back into accuracies.

Given the accuracy, the joint table ``P(λ_j = l, Y = y)`` is completed from the
observed vote frequencies of the LF and the class prior (FlyingSquid solves
this linear system for binary tasks; for ``k > 2`` the table with those margins
and that trace is found by Sinkhorn scaling of a one-coin table), and
prediction is the naive-Bayes posterior ``P(Y | λ) ∝ p_Y Π_j P(λ_j | Y)``,
a single sparse product.  ``multiclass="ovr"`` instead fits one binary model
per class (WRENCH's way) and normalises.

All statistics are co-vote counts, which are additive (``partial_fit``): the
``m·k × m·k`` table, or, when it would have over ``max_cells`` cells (1200 LFs x
56 classes: 34 GiB), the ``m × m`` co-vote and agreement counts the native model
needs.  Cost: one pass over the votes, then per LF the square of the number of LFs it co-votes
with (``O(m³)`` only when every LF overlaps every other; 2,880 LFs on 0.5% of 50,000 rows: about a second).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup._validation import Interval, OneOf, user_stacklevel
from weaksup.labelmodel._kernels import lf_pair_agreement, linear_softmax, pair_tables
from weaksup.labelmodel._stats import (
    cooccurrence_stats,
    indicator_matrix,
    iter_row_chunks,
    mv_winner_table,
    softmax_rows,
    warn_one_sided,
)
from weaksup.labelmodel.base import LabelModel, resolve_class_balance
from weaksup.votes import VoteMatrix

__all__ = ["FlyingSquid", "near_random_lfs", "triplet_accuracies", "warn_few_triplets"]


#: ``s = (k·a − 1)/(k − 1)`` given to LFs whose accuracy the triplets cannot estimate, when too few LFs
#: are well estimated to take their median: "beats random" (accuracy 0.7 for k = 2, ``(1 + 0.4(k − 1))/k``).
BEATS_RANDOM_S = 0.4
#: Fewest triplets behind an LF's estimate for it to count as estimated (below: the fill value).
MIN_TRIPLETS = 3


def needed_triplets(co: np.ndarray, min_triplets: int = MIN_TRIPLETS, min_overlap: int = 5) -> int:
    """Triplets an LF needs for its own estimate: ``min_triplets``, but never more than the LFs can give it.

    ``m`` LFs that share ``min_overlap`` voted rows with some other LF give an LF at most ``C(m-1, 2)``
    triplets (one each at ``m = 3``: FlyingSquid's closed form).  An LF that shares no rows (one that never
    fires) does not count, so adding it changes nothing.  ``co`` is the ``m × m`` co-vote count table.
    """
    pair = np.asarray(co) >= min_overlap
    np.fill_diagonal(pair, False)
    m = int(pair.any(axis=1).sum())
    return max(1, min(int(min_triplets), (m - 1) * (m - 2) // 2))


#: Standard errors by which every pair correlation of an LF must lie under ``2·min_corr`` for the LF to be judged
#: near random (:func:`near_random_lfs`).
NEAR_RANDOM_Z = 3.0


def _pair_corr(co: np.ndarray, agree: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rate, C)``: the agreement rate on the co-voted rows and ``C = (k·rate − 1)/(k − 1)``; NaN without
    co-votes."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(co > 0, agree / np.maximum(co, 1), np.nan)
    return rate, (k * rate - 1.0) / (k - 1.0)


def _near_random(co: np.ndarray, rate: np.ndarray, C: np.ndarray, valid: np.ndarray, k: int,
                 min_corr: float, z: float) -> np.ndarray:
    """:func:`near_random_lfs` from the tables :func:`triplet_accuracies` has already built."""
    m = co.shape[0]
    none = np.zeros(m, dtype=bool)
    if m < 4 or min_corr <= 0:  # 3 LFs give one triplet each and need all three; min_corr 0 drops no triplet
        return none
    with np.errstate(invalid="ignore"):
        se = k / (k - 1.0) * np.sqrt(rate * (1.0 - rate) / np.maximum(co, 1))
        small = np.abs(C) + z * se < 2.0 * min_corr
    weak = (valid.sum(1) >= 2) & np.where(valid, small, True).all(1)
    near = np.zeros(m, dtype=bool)
    if not weak.any():
        return near
    # weak pairs alone do not make an LF near random: among weak LFs (0.65/0.65/0.6/0.6: C 0.04 to 0.09) all pairs
    # are small.  Its own estimate from two LFs that are not weak must be too (s_r < 2·min_corr: accuracy under
    # 0.55 at k = 2); with no such pair of LFs nothing stands out (0.9/0.5/0.5/0.5: one good LF looks random).
    denom = np.where(valid & ~weak[None, :] & ~weak[:, None] & (np.abs(np.nan_to_num(C)) >= min_corr), C, np.nan)
    for r in np.flatnonzero(weak):
        nb = np.flatnonzero(valid[r] & ~weak)
        if nb.size < 2:
            continue
        est = (np.outer(C[r, nb], C[r, nb]) / denom[np.ix_(nb, nb)])[np.triu_indices(nb.size, 1)]
        est = est[np.isfinite(est)]
        near[r] = est.size > 0 and np.sqrt(max(float(est.mean()), 0.0)) < 2.0 * min_corr
    return near


def near_random_lfs(co: np.ndarray, agree: np.ndarray, k: int, *, min_overlap: int = 5, min_corr: float = 0.05,
                    z: float = NEAR_RANDOM_Z) -> np.ndarray:
    """Which LFs are near random: each of their pair correlations, the best one included, lies ``z`` standard
    errors under ``2·min_corr``, and so does their own estimate ``s``.

    ``C_jl = s_j s_l`` (:func:`triplet_accuracies`) is at most ``|s_j|``, so an LF ``j`` with ``s_j`` about 0 has
    every ``|C_jl|`` small: a triplet ``(i, j, l)`` with ``|C_jl| < min_corr`` is dropped, and one that passes is
    ``C_il`` times ``C_ij / C_jl``, a ratio of two small, noisy correlations.  The test has two parts:

    - ``|C_jl| + z·SE_jl < 2·min_corr`` for every LF ``l`` that shares ``min_overlap`` voted rows with ``j`` (two
      at least), with ``SE_jl = k/(k−1)·sqrt(r(1 − r)/n_jl)``, ``r`` the agreement rate on the ``n_jl``
      co-voted rows.  Sampling noise cannot pass it: at ``k = 2`` and ``min_corr = 0.05`` even ``C = 0`` needs
      900 co-voted rows per pair.  Not "``C`` within ``z·SE`` of 0": an accuracy-0.53 LF next to a 0.95 one
      has ``C = 0.058``, 13 standard errors from 0 at 50,000 rows, and with few co-votes every LF would pass.
    - its own estimate from the LFs that fail the first part, ``s_j² = C_jl C_jl' / C_ll'`` averaged over
      their pairs, is under ``2·min_corr`` (accuracy under 0.55 at ``k = 2``): among weak LFs every pair is
      small (0.65/0.65/0.6/0.6: ``C`` 0.04 to 0.09) and the 0.6 LFs (``s = 0.2``) are weak, not random.

    Nothing is near random with fewer than 4 LFs, with ``min_corr = 0`` (no triplet is dropped), or without two
    LFs that fail the first part and share rows (0.9/0.5/0.5/0.5: one good LF among random ones looks random).

    Parameters
    ----------
    co, agree : (m, m) arrays
        Rows where both LFs vote / where they vote the same class.
    k : int
        Number of classes.
    min_overlap : int
        Fewest co-voted rows for a pair of LFs to be judged.
    min_corr : float
        :func:`triplet_accuracies`' smallest usable ``|C_jl|``; the bound is twice it.
    z : float
        Standard errors the correlations must lie under the bound.

    Returns
    -------
    (m,) bool array.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.labelmodel.triplet import near_random_lfs
    >>> s = np.array([0.9, 0.3, 0.3, 0.06])  # accuracies 0.95, 0.65, 0.65, 0.53; 50,000 co-voted rows
    >>> co = np.full((4, 4), 50_000.0)
    >>> agree = np.round(co * (1 + np.outer(s, s)) / 2)
    >>> near_random_lfs(co, agree, 2).tolist()
    [False, False, False, True]
    >>> near_random_lfs(co / 100, np.round(agree / 100), 2).tolist()  # 500 rows: could be noise, not judged
    [False, False, False, False]
    """
    co = np.asarray(co, dtype=np.float64)
    rate, C = _pair_corr(co, np.asarray(agree, dtype=np.float64), k)
    valid = (co >= min_overlap) & np.isfinite(C)
    np.fill_diagonal(valid, False)
    return _near_random(co, rate, C, valid, k, min_corr, z)


def _needed(co: np.ndarray, near: np.ndarray, min_triplets: int, min_overlap: int) -> int | np.ndarray:
    """Triplets each LF needs (:func:`needed_triplets`) when the near-random LFs are nobody's partner: what the
    other LFs can give it (one at 3 of them: 4 LFs of which one is near random are FlyingSquid's closed form)."""
    if not near.any():
        return needed_triplets(co, min_triplets, min_overlap)
    keep = np.flatnonzero(~near)
    need = np.full(co.shape[0], needed_triplets(co[np.ix_(keep, keep)], min_triplets, min_overlap), dtype=np.int64)
    for r in np.flatnonzero(near):  # a near-random LF's own triplets: two of the other LFs
        idx = np.append(keep, r)
        need[r] = needed_triplets(co[np.ix_(idx, idx)], min_triplets, min_overlap)
    return need


def _overlap_triplets(partner: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For the LFs ``rows``, the triplets their overlaps give (pairs of their partners that are partners of each
    other), whatever the agreement; each LF's work is its partner count squared."""
    out = np.zeros(len(rows), dtype=np.int64)
    for n, i in enumerate(rows):
        nb = np.flatnonzero(partner[i])
        if nb.size >= 2:
            out[n] = np.count_nonzero(np.triu(partner[np.ix_(nb, nb)], 1))
    return out


class TripletCounts(np.ndarray):
    """The triplets behind each LF's estimate (an int array, :func:`triplet_accuracies`) that also says which
    LFs were estimated (``estimated``: the others got the fill) and which were judged near random
    (``near_random``, :func:`near_random_lfs`), for :func:`warn_few_triplets`.  Arrays derived from it (slices,
    arithmetic) carry ``None`` for both.
    """

    estimated: np.ndarray | None = None
    near_random: np.ndarray | None = None


def triplet_accuracies(co: np.ndarray, agree: np.ndarray, k: int, *, min_overlap: int = 5,
                       min_corr: float = 0.05, solve: str = "mean",
                       default: float | None = None,
                       min_triplets: int = MIN_TRIPLETS) -> tuple[np.ndarray, TripletCounts]:
    """Accuracy of each LF (when it votes) from pairwise co-vote and agreement counts.

    An LF informed by fewer than ``min_triplets`` triplets (two other LFs that
    each share ``min_overlap`` voted rows with it and with each other; fewer
    when ``m`` LFs cannot give that many: ``C(m-1, 2)``, one at ``m = 3``) is not
    estimated from its triplets, which with a handful of co-votes are noise
    (clipped to random or to perfect).  It gets ``default`` when given, else
    the median estimate of the LFs with ``min_triplets`` or more triplets when
    there are at least three of them, else the "beats random" value
    ``s = BEATS_RANDOM_S`` (accuracy 0.7 for two classes).  Sparse LFs are
    the usual cause (500 LFs each voting on 2% of 3,000 rows: 429 share no
    triplet); the models warn (:func:`warn_few_triplets`).  A near-random LF
    (:func:`near_random_lfs`: all its pair correlations confidently under
    ``2·min_corr``) is no other LF's partner, and the triplets needed are what
    the other LFs can give: with 4 LFs of accuracy 0.95/0.65/0.65/0.53 the
    three good ones have one triplet each, FlyingSquid's closed form, and are
    estimated (they got the fill, 0.7, before).  Its own estimate, from two
    other LFs, is kept, and it is left out of the median that fills the others.

    Parameters
    ----------
    co, agree : (m, m) arrays
        Rows where both LFs vote / where they vote the same class.
    k : int
        Number of classes.
    min_overlap : int
        Fewest co-voted rows for a pair of LFs to be used.
    min_corr : float
        Smallest ``|C_jl|`` used as a denominator.
    solve : {"mean", "median"}
        How an LF's triplet estimates are combined.
    default : float, optional
        Accuracy given to the LFs with too few triplets (overrides the rule above).
    min_triplets : int
        Fewest triplets for an LF's own estimate to be used.

    Returns
    -------
    acc : (m,) estimated accuracies (in ``[1/k, 1)``).
    n_triplets : (m,) :class:`TripletCounts`: how many triplets informed each estimate (under ``min_triplets``,
        or under what the LFs can give, the fill was used: ``n_triplets.estimated`` says which were not),
        and ``n_triplets.near_random``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.labelmodel.triplet import triplet_accuracies
    >>> co = np.full((4, 4), 100.0)  # 4 LFs of accuracy 0.9, 0.8, 0.7, 0.6 co-voting 100 rows each
    >>> agree = np.array([[100, 74, 66, 58], [74, 100, 62, 56], [66, 62, 100, 54], [58, 56, 54, 100]], dtype=float)
    >>> acc, used = triplet_accuracies(co, agree, 2)
    >>> acc.round(2).tolist(), used.tolist()
    ([0.9, 0.8, 0.7, 0.6], [3, 3, 3, 3])
    >>> triplet_accuracies(co[:3, :3], agree[:3, :3], 2)[0].round(2).tolist()  # 3 LFs: one triplet each, all they have
    [0.9, 0.8, 0.7]
    """
    m = co.shape[0]
    rate, C = _pair_corr(co, agree, k)
    valid = (co >= min_overlap) & np.isfinite(C)
    np.fill_diagonal(valid, False)
    # a near-random LF is nobody's partner (its own estimate, from two other LFs, stands): every triplet it is a
    # partner in is dropped by min_corr or a ratio of noise, and with few LFs the good ones would be left short
    near = _near_random(co, rate, C, valid, k, min_corr, NEAR_RANDOM_Z)
    if near.any():
        valid = valid & ~near[None, :]
    s2 = np.full(m, np.nan)
    used = np.zeros(m, dtype=np.int64)
    denom_ok = valid & (np.abs(np.nan_to_num(C)) >= min_corr)
    denom = np.where(denom_ok, C, np.nan)
    # LF i's estimates C_ij C_il / C_jl need both C_ij and C_il, so only the pairs of LFs it co-votes with
    # (its ``valid`` neighbours) can give one: its work is its neighbour count squared, not m² (sparse LFs
    # rarely overlap: 2,880 LFs on 0.5% of 50,000 rows took minutes over the full m × m table).  The
    # neighbours are in index order, so the estimates and their order (j < l, row-major) are those of the
    # full table and the mean/median is bit for bit the same.
    iu_d = (0, (np.empty(0, np.intp), np.empty(0, np.intp)))  # (size, its upper triangle): the last one built
    for i in range(m):
        nb = np.flatnonzero(valid[i])
        d = nb.size
        if d < 2:
            continue
        ci = C[i, nb]
        est = np.outer(ci, ci) / denom.take(nb, axis=0).take(nb, axis=1)
        if iu_d[0] != d:
            iu_d = (d, np.triu_indices(d, 1))
        vals = est[iu_d[1]]
        vals = vals[np.isfinite(vals)]
        if vals.size:
            used[i] = vals.size
            s2[i] = np.median(vals) if solve == "median" else vals.mean()
    s = np.sqrt(np.clip(s2, 0.0, 0.999))
    ok = used >= _needed(co, near, min_triplets, min_overlap)
    if not ok.all():
        if default is not None:
            fill = (k * default - 1) / (k - 1)
        elif (ok & ~near).sum() >= 3:  # the fill is for LFs taken to beat random: not the near-random LFs' median
            fill = float(np.median(s[ok & ~near]))
        else:
            fill = BEATS_RANDOM_S
        s = np.where(ok, s, fill)
    acc = ((k - 1) * s + 1) / k
    counts = used.view(TripletCounts)
    counts.estimated, counts.near_random = ok, near
    return np.clip(acc, 1.0 / k, 0.999), counts


def warn_few_triplets(used: np.ndarray, acc: np.ndarray, names: Any, model: str, co: np.ndarray, *,
                      min_overlap: int = 5, min_triplets: int = MIN_TRIPLETS, estimated: np.ndarray | None = None,
                      near_random: np.ndarray | None = None) -> None:
    """``UserWarning`` naming the LFs that got the fill accuracy of :func:`triplet_accuracies`, and why.

    ``used`` and ``acc`` are its outputs, ``names`` the LF names, ``model`` the model's name, ``co`` the
    co-vote counts it was given and ``min_overlap`` the co-voted rows a pair needed.  ``estimated`` and
    ``near_random`` default to those ``used`` carries (:class:`TripletCounts`); without them an LF with fewer
    than :func:`needed_triplets` triplets counts as filled and none as near random.
    """
    co = np.asarray(co)
    estimated = getattr(used, "estimated", None) if estimated is None else estimated
    near = getattr(used, "near_random", None) if near_random is None else near_random
    used = np.asarray(used)
    near = np.zeros(used.size, dtype=bool) if near is None else np.asarray(near, dtype=bool)
    need = np.broadcast_to(_needed(co, near, min_triplets, min_overlap), used.shape)
    few = np.flatnonzero(used < need if estimated is None else ~np.asarray(estimated, dtype=bool))
    if few.size == 0:
        return
    import warnings

    def shown(idx: np.ndarray) -> str:
        return ", ".join(repr(str(names[j])) for j in idx[:5]) + (f" and {idx.size - 5} more" if idx.size > 5 else "")

    # why each was filled: too few overlaps (sparse LFs), or overlaps enough but min_corr dropped the triplets
    # (their other two LFs agree at chance level); near-random LFs are nobody's partner, so not counted as one
    partner = (co >= min_overlap) & (co > 0) & ~near[None, :]
    np.fill_diagonal(partner, False)
    sparse = few[_overlap_triplets(partner, few) < need[few]]
    dropped = np.setdiff1d(few, sparse)
    none = int((used[few] == 0).sum())
    needs = np.unique(need[few])
    needed = str(needs[0]) if needs.size == 1 else f"{needs.min()} to {needs.max()}"
    fills = np.unique(np.round(np.asarray(acc)[few], 3))
    fill = f"{fills[0]:.3f}" if fills.size == 1 else f"{fills.min():.3f} to {fills.max():.3f}"
    causes = []
    if sparse.size:
        who = "they" if sparse.size == few.size else shown(sparse)
        causes.append(f"Sparse LFs cause this: {who} share too few voted rows with the others; MajorityVote and "
                      "AbstainDawidSkene need no overlaps.")
    if dropped.size:
        who = "They" if dropped.size == few.size else shown(dropped)
        causes.append(f"{who} share enough rows, but in their triplets the other two LFs agree at chance level "
                      "(|C_jl| under min_corr, 0.05: near-random LFs, or too few co-votes to tell), so those were "
                      "dropped; drop or fix near-random LFs, or set accuracies from labelled data "
                      "(WeightedMajorityVote(accuracy_source='valid')).")
    if near.any():
        causes.append(f"Judged near random (every pair correlation {NEAR_RANDOM_Z:g} standard errors under twice "
                      f"min_corr, so in no other LF's triplets): {shown(np.flatnonzero(near))}.")
    warnings.warn(
        f"{model}: {few.size} of {used.size} LFs have fewer than {needed} usable triplets ({none} have none; "
        f"a triplet: two other LFs that each share {min_overlap}+ voted rows with it and with each other), so their "
        f"accuracy is not estimated from the votes but filled in with {fill}: the median of the well-estimated LFs, "
        f"or 'beats random' (accuracy 0.7 for two classes) when fewer than 3 are well estimated. LFs: {shown(few)}. "
        + " ".join(causes),
        UserWarning, stacklevel=user_stacklevel())


def _joint_tables(acc: np.ndarray, vote_freq: np.ndarray, prior: np.ndarray, n_iter: int = 60) -> np.ndarray:
    """``(m, k, k)`` tables ``X[j, l, y] = P(λ_j = l, Y = y | λ_j votes)``.

    Row sums = the LF's vote frequencies, column sums = the prior, trace = the
    accuracy.  Found by bisection on the accuracy of a one-coin seed table,
    Sinkhorn-scaled to the margins (the unique solution for k = 2).
    """
    m, k = vote_freq.shape
    q = vote_freq / np.maximum(vote_freq.sum(1, keepdims=True), 1e-300)
    lo = np.full(m, 1e-4)
    hi = np.full(m, 1 - 1e-4)
    eye = np.eye(k)

    def table(a_seed: np.ndarray) -> np.ndarray:
        off = (1 - a_seed) / max(k - 1, 1)
        X = (a_seed[:, None, None] * eye + off[:, None, None] * (1 - eye)) * prior[None, None, :]
        X = X + 1e-12
        for _ in range(n_iter):
            X *= (q / np.maximum(X.sum(2), 1e-300))[:, :, None]
            X *= (prior / np.maximum(X.sum(1), 1e-300))[:, None, :]
        return X

    for _ in range(30):
        mid = (lo + hi) / 2
        tr = np.trace(table(mid), axis1=1, axis2=2)
        up = tr < acc
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    return table((lo + hi) / 2)


class FlyingSquid(LabelModel):
    """Closed-form triplet label model (FlyingSquid), binary and multi-class.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes (inferred from the votes when omitted).
    multiclass : {"native", "ovr"}
        Multi-class natively (one model over k classes) or one-vs-rest binary
        models (WRENCH's wrapper); ignored for k = 2.
    conditional : {"one-coin", "marginals"}
        How ``P(λ_j | Y)`` is completed from the accuracy: symmetric noise
        (accuracy on the diagonal, the rest spread evenly; default), or the
        table matching the LF's observed vote frequencies and the prior
        (FlyingSquid's binary solve).  "marginals" assumes firing is
        independent of Y, which makes one-sided LFs (that only ever vote one
        class) uninformative; on WRENCH valid splits "one-coin" was better on
        youtube/sms/trec/semeval (75.8 vs 53.3 on youtube valid).
    solve : {"mean", "median"}
        Aggregate over triplets (FlyingSquid ``triplet_mean`` / ``triplet_median``).
    min_overlap : int
        Fewest rows two LFs must both vote on for their pair to be used.
    eps : float
        Floor on conditional probabilities.
    chunk_rows : int or None
        Rows per block when ``fit`` counts the co-votes and ``predict_proba`` scores rows without the
        compiled (numba) kernel (bounds memory; None: all rows at once).  The results do not depend on it.

    Class balance: ``class_balance`` argument, else dev labels, else estimated
    from the votes (majority-vote winner frequencies, smoothed).

    Sparse LFs: an LF that shares fewer than 3 triplets with the others (two
    LFs each co-voting ``min_overlap`` rows with it and with each other) gets
    the median accuracy of the well-estimated LFs, or "beats random" (0.7 at
    k = 2) when fewer than 3 are, with a ``UserWarning`` at fit naming them
    and why; ``n_triplets_`` says how many triplets each LF had (see
    :func:`triplet_accuracies`).  A near-random LF (:func:`near_random_lfs`) is
    left out of the other LFs' triplets, which need only as many as the
    others can give (one each for 3 others).

    Examples
    --------
    >>> from weaksup import FlyingSquid
    >>> from weaksup.synthetic import make_votes
    >>> L, y, params = make_votes(20000, 8, 2, seed=0)
    >>> fs = FlyingSquid().fit(L)
    >>> bool(abs(fs.lf_accuracies() - params["accuracies"]).max() < 0.05)
    True
    """

    min_lfs = 3
    _additive = True
    _fitted_attrs = ("log_cond_", "class_balance_", "accuracies_", "n_triplets_", "ovr_")
    _parameter_constraints = {
        "multiclass": [OneOf("native", "ovr")],
        "conditional": [OneOf("marginals", "one-coin")],
        "solve": [OneOf("mean", "median")],
        "min_overlap": [Interval(0, None, integer=True)],
        "eps": [Interval(0, 1, closed="neither")],
        "chunk_rows": [None, Interval(1, None, integer=True)],
    }

    def __init__(self, cardinality: int | None = None, multiclass: str = "native",
                 conditional: str = "one-coin", solve: str = "mean", min_overlap: int = 5,
                 eps: float = 1e-4, chunk_rows: int = 200_000) -> None:
        self.cardinality = cardinality
        self.multiclass = multiclass
        self.conditional = conditional
        self.solve = solve
        self.min_overlap = min_overlap
        self.eps = eps
        self.chunk_rows = chunk_rows

    #: Most cells of the ``(m·k)²`` co-vote table: above, the native model counts ``m × m`` tables
    #: instead (what it needs), and the one-vs-rest model, which needs the full table, fails fast.
    max_cells: float = 1.25e8

    def _full_table(self, L: VoteMatrix) -> bool:
        d = L.m * L.cardinality
        return float(d) * d <= self.max_cells

    def _unsupported(self, L: VoteMatrix) -> str | None:
        """Why fitting ``L`` would not fit in memory (None when it will)."""
        if self._full_table(L) or not (self.multiclass == "ovr" and L.cardinality > 2):
            return None
        cells = float(L.m * L.cardinality) ** 2
        return (f"multiclass='ovr' at {L.cardinality} classes x {L.m} LFs needs the (m·k)² co-vote table: "
                f"{cells:.1e} cells ({8 * cells / 2**30:.0f} GiB, twice that while counting; "
                f"limit {self.max_cells:.2e}); "
                "use multiclass='native', DawidSkene or AbstainDawidSkene")

    def _stats(self, L: VoteMatrix, offset: int) -> dict[str, Any]:
        reason = self._unsupported(L)
        if reason is not None:
            raise ValueError(f"FlyingSquid: {reason}")
        if self._full_table(L):
            return cooccurrence_stats(L, self.chunk_rows)
        co, agree, lf_class = lf_pair_agreement(L)  # m × m: 1200 LFs x 56 classes in 23 MB, not 34 GiB
        mv = sum(mv_winner_table(block) for _, block in iter_row_chunks(L, self.chunk_rows))
        return {"co": co, "agree": agree, "lf_class": lf_class, "n": np.array(L.n, dtype=np.int64), "mv_counts": mv}

    def _fit_stats(self, stats: dict[str, Any], *, class_balance: Any, dev: Any, seed: int | None) -> None:
        k = self.cardinality_
        m = self.n_lfs_
        p = resolve_class_balance(class_balance, dev, stats["mv_counts"], k, "votes")
        self.class_balance_ = p
        self.ovr_ = bool(self.multiclass == "ovr" and k > 2)
        if "O" not in stats:  # m × m tables (native model, too many LFs x classes for the full table)
            warn_one_sided(stats["lf_class"], self.lf_names_, "FlyingSquid",
                           "Use AbstainDawidSkene or AutoLabelModel.")
            self.accuracies_, used, self.log_cond_ = self._fit_one(stats["co"], stats["agree"], stats["lf_class"], p, k)
            self.n_triplets_ = np.asarray(used)
            self._warn_few_triplets(stats["co"], used.estimated, used.near_random)
            return
        warn_one_sided(np.diag(stats["O"]), self.lf_names_, "FlyingSquid", "Use AbstainDawidSkene or AutoLabelModel.")
        O4 = stats["O"].reshape(m, k, m, k)
        tables = pair_tables(O4)
        if not self.ovr_:
            acc, used, logc = self._fit_one(*tables, p, k)
            self.accuracies_, self.n_triplets_, self.log_cond_ = acc, np.asarray(used), logc
            self._warn_few_triplets(tables[0], used.estimated, used.near_random)
            return
        # one-vs-rest: class c against the rest, votes re-coded to {c, rest}
        accs, useds, logcs = [], [], []
        for c in range(k):
            idx = np.array([c, *[x for x in range(k) if x != c]])
            Oc = O4[:, idx][:, :, :, idx]
            Ob = np.stack([Oc[:, 0], Oc[:, 1:].sum(1)], axis=1)
            Ob = np.stack([Ob[:, :, :, 0], Ob[:, :, :, 1:].sum(3)], axis=3)
            acc, used, logc = self._fit_one(*pair_tables(Ob), np.array([p[c], 1 - p[c]]), 2)
            accs.append(acc)
            useds.append(used)
            logcs.append(logc)
        self.accuracies_ = np.mean(accs, axis=0)
        self.n_triplets_ = np.min([np.asarray(u) for u in useds], axis=0)
        self.log_cond_ = np.stack(logcs)  # (k, m, 2, 2)
        # one-vs-rest re-codes classes, not who votes: the same co-votes; filled or near random in any class
        self._warn_few_triplets(tables[0], np.all([u.estimated for u in useds], axis=0),
                                np.any([u.near_random for u in useds], axis=0))

    def _warn_few_triplets(self, co: np.ndarray, estimated: np.ndarray, near_random: np.ndarray) -> None:
        warn_few_triplets(self.n_triplets_, self.accuracies_, self.lf_names_, "FlyingSquid", co,
                          min_overlap=self.min_overlap, estimated=estimated, near_random=near_random)

    def _fit_one(self, co: np.ndarray, agree: np.ndarray, vote_freq: np.ndarray, p: np.ndarray,
                 k: int) -> tuple[np.ndarray, TripletCounts, np.ndarray]:
        """Accuracies, triplet counts and ``log P(λ = l | Y = y, votes)`` from the ``m × m`` co-vote and
        agreement counts and the ``(m, k)`` vote counts."""
        acc, used = triplet_accuracies(co, agree, k, min_overlap=self.min_overlap, solve=self.solve)
        if self.conditional == "marginals":
            X = _joint_tables(acc, vote_freq, p)
        else:
            off = (1 - acc) / (k - 1)
            X = (acc[:, None, None] * np.eye(k) + off[:, None, None] * (1 - np.eye(k))) * p[None, None, :]
        cond = X / p[None, None, :]  # P(λ = l | Y = y, votes), [j, l, y]
        cond = np.maximum(cond, self.eps)
        cond /= cond.sum(1, keepdims=True)
        return acc, used, np.log(cond)

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        k = L.cardinality
        m = L.m
        if not self.ovr_:
            fast = linear_softmax(L, self.log_cond_.reshape(m * k, k), np.log(self.class_balance_))
            if fast is not None:  # compiled one-pass kernel (numba installed, many votes)
                return fast
        out = np.empty((L.n, k))
        for start, block in iter_row_chunks(L, self.chunk_rows):
            ind = indicator_matrix(block)
            if not self.ovr_:
                scores = np.asarray(ind @ self.log_cond_.reshape(m * k, k)) + np.log(self.class_balance_)
                out[start:start + block.n] = softmax_rows(scores)
                continue
            pos = np.empty((block.n, k))
            for c in range(k):
                lc = self.log_cond_[c]  # (m, 2, 2): [j, {c, rest}, {c, rest}]
                W = np.repeat(lc[:, 1:2, :], k, axis=1)
                W[:, c, :] = lc[:, 0, :]
                pc = np.array([self.class_balance_[c], 1 - self.class_balance_[c]])
                sc = softmax_rows(np.asarray(ind @ W.reshape(m * k, 2)) + np.log(pc))
                pos[:, c] = sc[:, 0]
            pos = np.maximum(pos, 1e-300)
            out[start:start + block.n] = pos / pos.sum(1, keepdims=True)
        return out

    def lf_accuracies(self) -> np.ndarray:
        """Triplet estimates of ``P(λ_j = Y | λ_j votes)``.

        With ``multiclass="ovr"`` and more than two classes these are instead the mean over the classes
        ``c`` of the one-vs-rest binary accuracies ``P(1[λ_j = c] = 1[Y = c] | λ_j votes)`` (the ``k``
        binary models' estimates): not the k-class accuracy, and higher than it (an LF of accuracy 0.56 at
        4 classes scores about 0.8); use ``multiclass="native"`` for the k-class accuracy.
        """
        self._check_fitted()
        return np.asarray(self.accuracies_)
