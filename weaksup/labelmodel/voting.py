"""Majority-vote label models."""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup._deprecate import warn_deprecated
from weaksup._validation import Interval, OneOf
from weaksup.labelmodel._kernels import lf_pair_agreement, stored_votes, use_compiled, weighted_vote_proba
from weaksup.labelmodel._stats import class_counts, warn_one_sided
from weaksup.labelmodel.base import LabelModel, resolve_class_balance
from weaksup.votes import ABSTAIN, VoteMatrix

__all__ = ["MajorityVote", "WeightedMajorityVote"]


class MajorityVote(LabelModel):
    """Majority vote over non-abstaining LFs.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes (inferred from the votes when omitted).
    soft : bool
        ``True`` (WRENCH ``MajorityVoting``): probabilities are normalised
        vote counts.  ``False`` (snorkel ``MajorityLabelVoter``): probability
        1 on the winner, split evenly among tied winners.
    uncovered : {"uniform", "prior"}
        Probabilities for rows on which no LF votes.

    With the default ``predict(tie_break="random")`` (snorkel's deterministic
    sha1 rule) this reproduces WRENCH's published MV numbers exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup import MajorityVote
    >>> mv = MajorityVote().fit(np.array([[0, 0, 1], [1, -1, 1], [-1, -1, -1]]))
    >>> mv.predict_proba(np.array([[0, 0, 1]])).round(3).tolist()
    [[0.667, 0.333]]
    """

    _parameter_constraints = {"soft": [bool], "uncovered": [OneOf("uniform", "prior")]}
    _fitted_attrs = ("class_balance_",)
    # Its only statistic is the row count: partial_fit checks every block (LF count,
    # vote range) and counts it, and the refit equals fit on all rows.
    _additive = True

    def __init__(self, cardinality: int | None = None, soft: bool = True, uncovered: str = "uniform") -> None:
        self.cardinality = cardinality
        self.soft = soft
        self.uncovered = uncovered

    def _stats(self, L: VoteMatrix, offset: int) -> dict[str, Any]:
        return {"n": np.array(L.n, dtype=np.int64)}

    def _fit_stats(self, stats: dict[str, Any], *, class_balance: Any, dev: Any, seed: int | None) -> None:
        self.class_balance_ = resolve_class_balance(class_balance, dev, None, self.cardinality_, "uniform")

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        fill = self.class_balance_ if self.uncovered == "prior" else np.full(L.cardinality, 1.0 / L.cardinality)
        if self.soft and use_compiled(stored_votes(L)):  # one compiled pass; integer sums, so the same bits
            return weighted_vote_proba(L, np.ones((L.m, L.cardinality)), fill, compiled=True)
        counts = class_counts(L)  # int64: divided straight into float64 (no float copy of the counts)
        total = counts.sum(axis=1, keepdims=True)
        if self.soft:
            probs = np.divide(counts, total, out=np.zeros(counts.shape), where=total > 0)
        else:
            winners = (counts == counts.max(axis=1, keepdims=True)) & (total > 0)
            probs = winners / np.maximum(winners.sum(axis=1, keepdims=True), 1)
        empty = total[:, 0] == 0
        probs[empty] = fill
        return probs

    def lf_accuracies(self) -> np.ndarray:
        raise NotImplementedError("MajorityVote weighs LFs equally and estimates no accuracies")


class WeightedMajorityVote(LabelModel):
    """Majority vote with one weight per LF, from estimated LF accuracies.

    ``P(Y = y | λ) ∝ Σ_j w_j · 1[λ_j = y]`` (soft weighted counts).  With
    ``weights="accuracy"`` (default) ``w_j = log((k − 1)·a_j / (1 − a_j))``,
    the naive-Bayes weight of an LF with accuracy ``a_j`` under symmetric
    noise, floored at 0 (an LF no better than random gets no say); ``a_j`` is
    the triplet estimate of :func:`weaksup.labelmodel.triplet.triplet_accuracies`
    (from the additive co-vote counts, so ``partial_fit`` works; an LF with
    fewer than 3 triplets of co-voting LFs gets the median of the
    well-estimated LFs, or "beats random", 0.7 at k = 2, and the fit warns;
    a near-random LF, :func:`weaksup.labelmodel.triplet.near_random_lfs`, is
    left out of the other LFs' triplets and keeps its own estimate),
    or, with ``accuracy_source="valid"`` and ``valid`` given, the LF's
    smoothed accuracy on the valid labels, ``(correct + 1) / (fired + 2)``
    over the valid rows where it votes (Laplace's rule: an LF that never
    votes there gets 0.5, one right on all of its 3 votes 0.8, not 1).
    ``weights="class_prior"`` reproduces WRENCH's ``MajorityWeightedVoting``:
    each vote weighted by the prior of the class it votes for.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes.
    weights : {"accuracy", "class_prior"}
        Weighting rule (see above).
    accuracy_source : {"triplet", "valid"}
        Where accuracies come from for ``weights="accuracy"``: the triplet estimate, or ``"valid"``: the
        smoothed accuracy ``(correct + 1) / (fired + 2)`` on ``fit(..., valid=(votes, y))`` (above);
        ``"dev"``: deprecated spelling of ``"valid"``.
    uncovered : {"uniform", "prior"}
        Probabilities for rows without votes.
    chunk_rows : int or None
        Rows per block when ``predict_proba`` sums the weighted votes without the compiled (numba)
        kernel (bounds memory; None: all rows at once).  The probabilities do not depend on it.

    Examples
    --------
    >>> from weaksup import WeightedMajorityVote
    >>> from weaksup.synthetic import make_votes
    >>> L, y, _ = make_votes(5000, 6, 2, seed=0)
    >>> wmv = WeightedMajorityVote().fit(L)
    >>> bool((wmv.predict(L) == y).mean() > 0.7)
    True
    """

    min_lfs = 1
    min_identifiable_lfs = 3
    _additive = True
    _fitted_attrs = ("weights_", "accuracies_", "class_balance_")
    _parameter_constraints = {
        "weights": [OneOf("accuracy", "class_prior")],
        "accuracy_source": [OneOf("triplet", "valid", "dev")],  # "dev": deprecated spelling
        "uncovered": [OneOf("uniform", "prior")],
        "chunk_rows": [None, Interval(1, None, integer=True)],
    }

    def __init__(self, cardinality: int | None = None, weights: str = "accuracy",
                 accuracy_source: str = "triplet", uncovered: str = "uniform",
                 chunk_rows: int = 200_000) -> None:
        self.cardinality = cardinality
        self.weights = weights
        self.accuracy_source = accuracy_source
        self.uncovered = uncovered
        self.chunk_rows = chunk_rows

    def _assumes_independent_lfs(self) -> bool:
        # only the triplet accuracies lean towards copied LFs; class-prior weights and accuracies counted on
        # gold valid labels estimate nothing from the LFs' agreement (the vote itself counts copies as MV does)
        return self.weights == "accuracy" and self.accuracy_source == "triplet"

    def _stats(self, L: VoteMatrix, offset: int) -> dict[str, Any]:
        # the triplet estimate needs only the m × m co-vote and agreement counts (one compiled pass over
        # the pairs of votes on a row when numba is installed); exact integers, additive over row blocks
        co, agree, lf_class = lf_pair_agreement(L)
        return {"co": co, "agree": agree, "lf_class": lf_class, "n": np.array(L.n, dtype=np.int64)}

    def _fit_stats(self, stats: dict[str, Any], *, class_balance: Any, dev: Any, seed: int | None) -> None:
        from weaksup.labelmodel.triplet import triplet_accuracies, warn_few_triplets

        k = self.cardinality_
        m = self.n_lfs_
        self.class_balance_ = resolve_class_balance(class_balance, dev, None, k)
        if self.accuracy_source == "dev":
            warn_deprecated("WeightedMajorityVote(accuracy_source='dev')", "accuracy_source='valid'")
        if self.accuracy_source in ("valid", "dev") and self.weights == "accuracy":
            if dev is None:
                raise ValueError(f"accuracy_source={self.accuracy_source!r} needs valid=(votes, y)")
            Ld, yd = dev
            D = Ld.to_dense()
            fired = D != ABSTAIN
            correct = (D == yd[:, None]) & fired
            acc = (correct.sum(0) + 1.0) / (fired.sum(0) + 2.0)
        elif m >= 3:
            if self.weights == "accuracy":
                warn_one_sided(stats["lf_class"].reshape(-1), self.lf_names_, "WeightedMajorityVote",
                               "Use MajorityVote, AbstainDawidSkene or AutoLabelModel.")
            acc, used = triplet_accuracies(stats["co"].astype(np.float64), stats["agree"].astype(np.float64), k)
            if self.weights == "accuracy":
                warn_few_triplets(used, acc, self.lf_names_, "WeightedMajorityVote", stats["co"])
        else:
            acc = np.full(m, 0.7)
        acc = np.clip(acc, 1e-3, 1 - 1e-3)
        self.accuracies_ = acc
        if self.weights == "class_prior":
            self.weights_ = np.ones(m)
        else:
            self.weights_ = np.maximum(np.log((k - 1) * acc / (1 - acc)), 0.0)

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        k = L.cardinality
        if self.weights == "class_prior":
            W = np.tile(np.asarray(self.class_balance_, dtype=np.float64), (L.m, 1))  # vote for c weighs p_c
        else:
            W = np.repeat(np.asarray(self.weights_, dtype=np.float64)[:, None], k, axis=1)  # w_j whatever it votes
        fill = self.class_balance_ if self.uncovered == "prior" else np.full(k, 1.0 / k)
        return weighted_vote_proba(L, W, fill, self.chunk_rows)

    def lf_accuracies(self) -> np.ndarray:
        self._check_fitted()
        return np.asarray(self.accuracies_)
