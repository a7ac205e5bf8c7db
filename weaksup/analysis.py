"""Labeling-function analysis: coverage, overlaps, conflicts, accuracies, error buckets, plots.

:class:`LFAnalysis` mirrors ``snorkel.labeling.LFAnalysis`` (same method names,
same numbers to the last bit on the same matrix) but works from the sparse
``vote + 1`` form of a :class:`~weaksup.votes.VoteMatrix`: every statistic
costs ``O(number of votes)``, never ``O(n·m)`` dense work, so it runs on
millions of rows stored sparse.

Examples
--------
>>> import numpy as np
>>> from weaksup.analysis import LFAnalysis
>>> L = np.array([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]])
>>> a = LFAnalysis(L)
>>> a.label_coverage(), a.label_overlap(), a.label_conflict()
(0.8, 0.6, 0.2)
>>> a.summary()[["Coverage", "Overlaps", "Conflicts"]].round(2).values.tolist()
[[0.4, 0.4, 0.2], [0.8, 0.6, 0.2], [0.4, 0.4, 0.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup._validation import check_count, check_labels
from weaksup.votes import ABSTAIN, VoteMatrix, lf_indices

__all__ = ["LFAnalysis", "get_label_buckets", "get_label_instances", "label_buckets"]


def _positional(index: pd.Index) -> bool:
    """Whether ``index`` reads 0..n-1, as integers or as their text (WRENCH's example ids are ``"0"``, ``"1"``...)."""
    n = len(index)
    if index.equals(pd.RangeIndex(n)):
        return True
    return [str(v) for v in index] == [str(i) for i in range(n)]


def _made_up_names(votes: VoteMatrix) -> bool:
    """Whether ``votes``' LF names were made up (no names given: an array, snorkel's ``L``), whatever their
    spelling; a matrix without that record (pickled before it existed) is judged by the names ``lf_0 ..``."""
    flag = getattr(votes, "placeholder_names", None)
    return list(votes.lf_names) == [f"lf_{j}" for j in range(votes.m)] if flag is None else bool(flag)


def _by_name(votes: VoteMatrix, names: list[str]) -> bool:
    """Whether ``lfs=`` ``names`` pick ``votes``' columns by name rather than naming them by position.

    As :func:`~weaksup.labelmodel.base.align_lfs` reads votes: names given to the votes (LFs really named
    ``lf_0 ..`` included) are matched by name; made-up names are read by position while they are ``lf_0 ..
    lf_{m-1}`` in order, and matched by name once ``select_lfs`` has reordered them when ``names`` are the same
    set (``lf_2, lf_0, lf_1`` analysed as ``lf_0, lf_1, lf_2`` is the columns put back, not lf_2's votes
    shown under lf_0); other names still name such columns by position.

    >>> P = VoteMatrix(np.array([[0, 1, -1]])).select_lfs([2, 0, 1])
    >>> _by_name(P, ["lf_0", "lf_1", "lf_2"]), _by_name(P, ["a", "b", "c"])
    (True, False)
    """
    if not _made_up_names(votes):
        return True
    have = list(votes.lf_names)
    return have != [f"lf_{j}" for j in range(votes.m)] and set(names) == set(have)


def _votes_for_lfs(votes: VoteMatrix, names: list[str]) -> VoteMatrix:
    """``votes``' columns in the order of ``names``, matched by name (never relabelled by position).

    >>> V = VoteMatrix(np.array([[0, 1]]), ["a", "b"])
    >>> _votes_for_lfs(V, ["b", "a"]).to_dense().tolist()
    [[1, 0]]
    """
    if names == list(votes.lf_names):
        return votes
    have = set(votes.lf_names)
    missing = [n for n in names if n not in have]
    extra = [n for n in votes.lf_names if n not in set(names)]
    dup = sorted({n for n in names if names.count(n) > 1})
    if missing or extra or dup:
        raise ValueError(
            f"lfs= names {names} do not match the LF names the votes carry {list(votes.lf_names)}"
            + (f" (not in the votes: {missing})" if missing else "")
            + (f" (not in lfs: {extra})" if extra else "")
            + (f" (repeated in lfs: {dup})" if dup else "")
            + "; pass the LFs the votes were applied with, or omit lfs= to use the votes' names")
    return votes.select_lfs(names)


class LFAnalysis:
    """Per-LF and per-dataset statistics of a vote matrix.

    Parameters
    ----------
    votes : VoteMatrix, array-like (n, m) or scipy sparse (shifted ``vote + 1``)
        The votes (``-1`` = abstain).
    lfs : sequence of labeling functions or names, optional
        Gives the LF names (``lf.name``); defaults to ``votes.lf_names``.  For votes that carry LF
        names (a :class:`~weaksup.VoteMatrix` from an applier) the columns are matched by name and
        analysed in the order of ``lfs``; names that do not match the votes' are an error.  Votes
        without names (an array, snorkel's ``L``) take the names by position; once ``select_lfs`` has
        reordered such votes (made-up names ``lf_2, lf_0, lf_1``), ``lfs`` holding those same names
        put the columns back in their order, as the label models read them.
    L : VoteMatrix or array-like, optional
        Keyword only: snorkel's name for ``votes`` (``LFAnalysis(L=L_train, lfs=lfs)``); give the votes
        once, as ``votes`` or as ``L``.
    cardinality : int, optional
        Number of classes ``k``; defaults to ``votes.cardinality`` (for a plain array, one more than
        the largest vote).  Gold labels ``y`` must be ``-1`` (unknown) or a class ``0..k-1``: pass it
        when the task has classes no LF votes.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup import LFAnalysis
    >>> L = np.array([[0, 0, -1], [1, 0, 1], [-1, -1, 1]])
    >>> LFAnalysis(L).lf_conflicts().round(3).tolist()
    [0.333, 0.333, 0.333]
    >>> LFAnalysis(L).summary(y=np.array([0, 1, 1]))["Emp. Acc."].tolist()
    [1.0, 0.5, 1.0]
    """

    def __init__(self, votes: Any = None, lfs: Sequence[Any] | None = None, *, L: Any = None,
                 cardinality: int | None = None) -> None:
        if votes is None:
            if L is None:
                raise TypeError("LFAnalysis needs the votes (or snorkel's keyword L=)")
            votes = L
        elif L is not None:
            raise TypeError("LFAnalysis got the votes twice, as its first argument and as L=: pass one of them")
        if not isinstance(votes, VoteMatrix):
            votes = VoteMatrix(votes)
        self.votes = votes
        if lfs is not None:
            if len(lfs) != votes.m:
                raise ValueError(
                    f"Number of LFs ({len(lfs)}) and number of LF matrix columns ({votes.m}) are different"
                )
            names = [lf if isinstance(lf, str) else str(getattr(lf, "name", lf)) for lf in lfs]
            if _by_name(votes, names):
                votes = self.votes = _votes_for_lfs(votes, names)
            else:
                _refuse_repeated_names(names)
            self.lf_names = names
        else:
            self.lf_names = list(votes.lf_names)
        if cardinality is None:
            cardinality = votes.cardinality
        elif isinstance(cardinality, (bool, np.bool_)) or not isinstance(cardinality, (int, np.integer)) \
                or cardinality < votes.cardinality:
            raise ValueError(f"cardinality must be an int >= the votes' cardinality ({votes.cardinality}), "
                             f"got {cardinality!r}")
        self.cardinality = int(cardinality)
        S = votes._csr()
        S.sum_duplicates()
        self._S = S
        self._rows: np.ndarray | None = None  # row of each stored vote
        self._row_fired: np.ndarray | None = None
        self._row_conflict: np.ndarray | None = None
        self._pairs: tuple[np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------ internals
    @property
    def n(self) -> int:
        return self._S.shape[0]

    @property
    def m(self) -> int:
        return self._S.shape[1]

    @property
    def L(self) -> np.ndarray:
        """The dense snorkel-style ``L`` (densifies: avoid for very large ``n``)."""
        return self.votes.to_snorkel()

    def _entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(row, column, vote)`` of every non-abstain vote."""
        S = self._S
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(S.indptr))
        return self._rows, S.indices.astype(np.int64), S.data.astype(np.int64) - 1

    def _row_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row: number of LFs voting, and whether two of them disagree."""
        if self._row_fired is None:
            S = self._S
            fired = np.diff(S.indptr).astype(np.int64)
            conflict = np.zeros(self.n, dtype=bool)
            nonempty = np.nonzero(fired)[0]
            if nonempty.size:
                starts = S.indptr[:-1][nonempty]
                hi = np.maximum.reduceat(S.data, starts)
                lo = np.minimum.reduceat(S.data, starts)
                conflict[nonempty] = hi != lo
            self._row_fired, self._row_conflict = fired, conflict
        return self._row_fired, self._row_conflict  # type: ignore[return-value]

    def _per_lf_count(self, row_mask: np.ndarray) -> np.ndarray:
        rows, cols, _ = self._entries()
        return np.bincount(cols[row_mask[rows]], minlength=self.m)

    def _n_div(self, x: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return x / self.n

    # --------------------------------------------------------- dataset level
    def label_coverage(self) -> float:
        """Fraction of rows with at least one vote."""
        fired, _ = self._row_stats()
        return float(self._n_div((fired > 0).sum()))

    def label_overlap(self) -> float:
        """Fraction of rows with at least two votes."""
        fired, _ = self._row_stats()
        return float(self._n_div((fired > 1).sum()))

    def label_conflict(self) -> float:
        """Fraction of rows on which two LFs vote different classes."""
        _, conflict = self._row_stats()
        return float(self._n_div(conflict.sum()))

    # -------------------------------------------------------------- per LF
    def lf_polarities(self) -> list[list[int]]:
        """Sorted distinct classes each LF votes."""
        _, cols, vals = self._entries()
        k = int(vals.max()) + 1 if vals.size else 1
        seen = np.zeros((self.m, k), dtype=bool)
        seen[cols, vals] = True
        return [np.nonzero(seen[j])[0].tolist() for j in range(self.m)]

    def lf_coverages(self) -> np.ndarray:
        """Fraction of rows each LF votes on."""
        counts = np.diff(self._S.tocsc().indptr) if self.m else np.zeros(0, np.int64)
        return self._n_div(counts.astype(np.int64))

    def lf_overlaps(self, normalize_by_coverage: bool = False) -> np.ndarray:
        """Fraction of rows each LF votes on that at least one other LF also votes on."""
        fired, _ = self._row_stats()
        overlaps = self._n_div(self._per_lf_count(fired > 1))
        if normalize_by_coverage:
            with np.errstate(divide="ignore", invalid="ignore"):
                overlaps = overlaps / self.lf_coverages()
        return np.nan_to_num(overlaps)

    def lf_conflicts(self, normalize_by_overlaps: bool = False) -> np.ndarray:
        """Fraction of rows each LF votes on where some LF votes a different class."""
        _, conflict = self._row_stats()
        conflicts = self._n_div(self._per_lf_count(conflict))
        if normalize_by_overlaps:
            with np.errstate(divide="ignore", invalid="ignore"):
                conflicts = conflicts / self.lf_overlaps()
        return np.nan_to_num(conflicts)

    def _check_y(self, y: Any, k: int | None = None) -> np.ndarray:
        """Gold labels: one per row, each ``-1`` (unknown) or a class ``0..k-1`` (``k``: the cardinality)."""
        Y = check_labels(_refuse_inf(y, "y"), what="y", ravel_column=True)
        if Y.shape[0] != self.n:
            raise ValueError(f"y has {Y.shape[0]} labels but the vote matrix has {self.n} rows")
        k = self.cardinality if k is None else max(int(k), self.cardinality)
        bad = (Y < ABSTAIN) | (Y >= k)
        if bad.any():
            i = int(np.nonzero(bad)[0][0])
            hint = (f"; pass LFAnalysis(..., cardinality=) if the task has classes no LF votes"
                    if Y[i] >= k else "")
            raise ValueError(f"y: value {Y[i]} at row {i} is outside -1..{k - 1}: gold labels are -1 (unknown) or "
                             f"a class 0..{k - 1} of the votes (cardinality {k}); {int(bad.sum())} such label(s)"
                             + hint)
        return Y

    def _lf_position(self, lf: str | int) -> int:
        """Column of LF ``lf`` (a name of :attr:`lf_names` or a position); KeyError / IndexError naming it."""
        j = lf_indices(self.lf_names, [lf])[0]
        if not 0 <= j < self.m:
            raise IndexError(f"no LF at position {j}: there are {self.m} LFs (0..{self.m - 1}): {self.lf_names}")
        return j

    def lf_correct_incorrect(self, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Per LF, number of votes equal to / different from gold ``y`` (rows with y = -1 ignored)."""
        Y = self._check_y(y)
        rows, cols, vals = self._entries()
        yr = Y[rows]
        known = yr != ABSTAIN
        correct = np.bincount(cols[known & (vals == yr)], minlength=self.m)
        incorrect = np.bincount(cols[known & (vals != yr)], minlength=self.m)
        return correct, incorrect

    def lf_empirical_accuracies(self, y: Any) -> np.ndarray:
        """Fraction of each LF's votes that equal gold ``y`` (0 for an LF that never votes).

        snorkel's ``Emp. Acc.``: every vote is counted, so a vote on a row whose gold label is ``-1``
        (unknown) counts as wrong.  With such rows it is less than ``Correct / (Correct + Incorrect)``
        (:meth:`lf_correct_incorrect` skips them); drop them from ``votes`` and ``y`` for the accuracy
        on the labelled rows alone.

        >>> import numpy as np
        >>> from weaksup import LFAnalysis
        >>> LFAnalysis(np.array([[0], [1], [1]])).lf_empirical_accuracies([0, 1, -1]).tolist()
        [0.6666666666666666]
        """
        Y = self._check_y(y)
        rows, cols, vals = self._entries()
        agree = vals == Y[rows]
        x_sum = np.bincount(cols[agree], minlength=self.m) - np.bincount(cols[~agree], minlength=self.m)
        fired = np.bincount(cols, minlength=self.m)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num(0.5 * (x_sum / fired + 1))

    def lf_empirical_probs(self, y: Any, k: int) -> np.ndarray:
        """``m × (k+1) × k`` tables ``P[j, l+1, c] = P(LF_j = l | Y = c)`` from gold ``y``.

        ``k`` is the number of classes: at least the cardinality (every class an LF votes) and one more
        than the largest gold label, so that each table's columns sum to 1.
        """
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < self.cardinality:
            raise ValueError(f"lf_empirical_probs: k must be the number of classes, an int >= the cardinality "
                             f"({self.cardinality}: the LFs vote classes 0..{self.cardinality - 1}), got {k!r}")
        k = int(k)
        Y = self._check_y(y, k)
        if Y.size and Y.max() >= k:
            i = int(np.argmax(Y))
            raise ValueError(f"lf_empirical_probs: y holds class {int(Y[i])} (row {i}) but k={k} classes are "
                             f"0..{k - 1}: pass k={int(Y[i]) + 1}")
        rows, cols, vals = self._entries()
        yr = Y[rows]
        ok = (yr >= 0) & (yr < k) & (vals < k)
        counts = np.zeros((self.m, k + 1, k), dtype=np.int64)
        np.add.at(counts, (cols[ok], vals[ok] + 1, yr[ok]), 1)
        class_n = np.bincount(Y[(Y >= 0) & (Y < k)], minlength=k)
        counts[:, 0, :] = class_n[None, :] - counts[:, 1:, :].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return counts / class_n[None, None, :]

    # ------------------------------------------------------------ LF pairs
    def _pair_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """``(both, same)``: ``m × m`` int64 counts of the rows on which LFs ``a`` and ``b`` both vote, and on
        which they vote the same class (diagonals: each LF's votes).

        Products of 0/1 indicator matrices, ``Aᵀ A`` for "votes" and ``Σ_c B_cᵀ B_c`` over the per-class
        indicators ``B_c``, block of rows by block of rows: sparse products while few cells hold a vote (the
        work is the pairs of votes that share a row), dense float32 ones (BLAS; exact, a block's counts being
        below 2²⁴) once 5% or more of the cells do.  Never ``O(n·m²)`` Python work, never the whole ``n × m``
        matrix densified.
        """
        if self._pairs is None:
            import scipy.sparse as sp

            S, m = self._S, self.m
            both = np.zeros((m, m), dtype=np.int64)
            same = np.zeros((m, m), dtype=np.int64)
            classes = np.unique(S.data)  # the classes voted (stored as class + 1)
            dense = S.nnz >= 0.05 * self.n * m
            step = max(1, 2**22 // max(m, 1)) if dense else max(self.n, 1)  # dense blocks of 16 MiB
            for start in range(0, self.n, step):
                blk = S[start:start + step] if step < self.n else S
                if dense:
                    D = blk.toarray()
                    A = (D != 0).astype(np.float32)
                    both += np.rint(A.T @ A).astype(np.int64)
                    for c in classes:
                        B = (D == c).astype(np.float32)
                        same += np.rint(B.T @ B).astype(np.int64)
                    continue
                one = np.ones(blk.nnz, dtype=np.int64)  # int64: counts never overflow, whatever n
                A = sp.csr_matrix((one, blk.indices, blk.indptr), shape=blk.shape)
                both += (A.T @ A).toarray()
                for c in classes:
                    B = sp.csr_matrix(((blk.data == c).astype(np.int64), blk.indices, blk.indptr), shape=blk.shape,
                                      copy=True)
                    B.eliminate_zeros()  # in place: on the copy, never on the votes' own index arrays
                    same += (B.T @ B).toarray()
            self._pairs = (both, same)
        return self._pairs

    def lf_redundancy(self, min_identical: float = 0.0) -> pd.DataFrame:
        """One row per pair of LFs that vote on a common row: how far one LF repeats the other.

        Label models that learn from the LFs' agreement (:class:`~weaksup.labelmodel.AbstainDawidSkene`,
        ``DawidSkene``, ``MatrixCompletion``, ``FlyingSquid``, ``EBCC``, ``WeightedMajorityVote`` with triplet
        accuracies, and ``AutoLabelModel`` when the model it chose is one of them) take the LFs to vote
        independently given the class; an LF copied, or edited from another into nearly the same rule,
        breaks that and counts its evidence twice.  Those models warn at ``fit`` for pairs whose
        ``Identical`` is 0.99 or more; this table shows every overlapping pair, to find them before.

        Parameters
        ----------
        min_identical : float in [0, 1]
            Keep only the pairs whose ``Identical`` is at least this (``0.99``: near-copies).

        Returns
        -------
        DataFrame
            Columns ``lf_a``, ``lf_b`` (names; ``lf_a``'s column comes first in the votes), ``Both``
            (rows on which both vote), ``Agreement`` (share of those rows on which they vote the same
            class), ``Overlap`` (``Both`` over the rows either votes on: 1.0 when they cover the same
            rows) and ``Identical`` (rows on which they vote the same class over the rows either votes
            on, ``Agreement × Overlap``: 1.0 for a copy).  Pairs that never vote on the same row are
            left out; most identical first (ties: most ``Both`` first, then column order).

        Examples
        --------
        >>> from weaksup import LFAnalysis, VoteMatrix
        >>> V = VoteMatrix([[1, 1, 0], [1, 1, -1], [0, 0, 0], [-1, 0, 1]], ["a", "a_copy", "b"])
        >>> print(LFAnalysis(V).lf_redundancy().round(2))
             lf_a    lf_b  Both  Agreement  Overlap  Identical
        0       a  a_copy     3       1.00     0.75       0.75
        1  a_copy       b     3       0.33     0.75       0.25
        2       a       b     2       0.50     0.50       0.25
        >>> LFAnalysis(V).lf_redundancy(min_identical=0.7)[["lf_a", "lf_b"]].values.tolist()
        [['a', 'a_copy']]
        """
        if isinstance(min_identical, (bool, np.bool_)) or not isinstance(min_identical, (int, float, np.number)) \
                or not 0.0 <= float(min_identical) <= 1.0:
            raise ValueError(f"min_identical must be a number in [0, 1], got {min_identical!r}")
        both, same = self._pair_counts()
        a, b = np.triu_indices(self.m, 1)
        keep = both[a, b] > 0
        a, b = a[keep], b[keep]
        nb, ns = both[a, b], same[a, b]
        either = both[a, a] + both[b, b] - nb
        identical = ns / either
        keep = identical >= float(min_identical)
        a, b, nb, ns, either, identical = a[keep], b[keep], nb[keep], ns[keep], either[keep], identical[keep]
        order = np.lexsort((b, a, -nb, -identical))
        names = np.asarray(self.lf_names, dtype=object)
        return pd.DataFrame({
            "lf_a": names[a[order]], "lf_b": names[b[order]], "Both": nb[order],
            "Agreement": (ns / nb)[order], "Overlap": (nb / either)[order], "Identical": identical[order],
        })

    # --------------------------------------------------------------- summary
    def summary(self, y: Any = None, est_weights: Any = None) -> pd.DataFrame:
        """One row per LF: snorkel's ``lf_summary`` columns.

        ``j, Polarity, Coverage, Overlaps, Conflicts`` and, with gold ``y``,
        ``Correct, Incorrect, Emp. Acc.``; with ``est_weights``, ``Learned Weight``.
        Indexed by LF name.  ``est_weights`` is one number per LF: a pandas Series indexed by LF
        name (``pd.Series(model.lf_accuracies(), index=model.lf_names_)``) is matched by name, in
        any order (an LF it lacks or does not know is an error naming it); an array, a list or a
        Series with a plain ``0..m-1`` index is read by position.
        """
        names = self.lf_names
        d: dict[str, Any] = {
            "j": list(range(self.m)),
            "Polarity": pd.Series(self.lf_polarities(), index=names, dtype=object),
            "Coverage": pd.Series(self.lf_coverages(), index=names),
            "Overlaps": pd.Series(self.lf_overlaps(), index=names),
            "Conflicts": pd.Series(self.lf_conflicts(), index=names),
        }
        if y is not None:
            correct, incorrect = self.lf_correct_incorrect(y)
            d["Correct"] = pd.Series(correct, index=names)
            d["Incorrect"] = pd.Series(incorrect, index=names)
            d["Emp. Acc."] = pd.Series(self.lf_empirical_accuracies(y), index=names)
        if est_weights is not None:
            w = self._check_est_weights(est_weights)
            d["Learned Weight"] = pd.Series(w, index=names)
        return pd.DataFrame(d, index=names)

    def _check_est_weights(self, est_weights: Any) -> np.ndarray:
        """``est_weights`` as ``m`` finite floats, one per LF; a ValueError naming the LF of a bad entry.

        A Series indexed by LF name is read by name (see :meth:`summary`), anything else by position."""
        if isinstance(est_weights, pd.Series) and not _positional(est_weights.index):
            keys = [str(k) for k in est_weights.index]
            missing = [n for n in self.lf_names if n not in set(keys)]
            unknown = [k for k in keys if k not in set(self.lf_names)]
            dup = sorted({k for k in keys if keys.count(k) > 1})
            if missing or unknown or dup:
                raise ValueError(
                    "est_weights is a Series indexed by LF name, but its names do not match the LFs analysed"
                    + (f": missing {missing}" if missing else "") + (f"; unknown {unknown}" if unknown else "")
                    + (f"; repeated {dup}" if dup else "")
                    + f" (LFs: {self.lf_names}); index it by these names, or pass the weights as an array in "
                    "this LF order")
            est_weights = pd.Series(est_weights.to_numpy(), index=keys).reindex(self.lf_names)
        raw = np.asarray(est_weights)
        flat = raw.ravel()
        if flat.shape[0] != self.m:
            raise ValueError(f"est_weights has {flat.shape[0]} entries for {self.m} LFs")
        for j, v in enumerate(flat):
            v = v.item() if isinstance(v, np.generic) else v
            number = isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
            if not number or not np.isfinite(float(v)):
                raise ValueError(f"est_weights: entry {j} (LF {self.lf_names[j]!r}) is {v!r}, not a finite number")
        return flat.astype(float)

    def lf_summary(self, Y: Any = None, est_weights: Any = None) -> pd.DataFrame:
        """snorkel's name and signature for :meth:`summary`."""
        return self.summary(y=Y, est_weights=est_weights)

    def label_buckets(self, y: Any, pred: Any) -> dict[tuple[int, ...], np.ndarray]:
        """Row indices bucketed by ``(y, pred)`` pairs (see :func:`get_label_buckets`)."""
        return get_label_buckets(y, pred)

    def lf_buckets(self, lf: str | int, y: Any) -> dict[tuple[int, ...], np.ndarray]:
        """Row indices bucketed by ``(y, vote of LF lf)``: where one LF is right, wrong, abstains."""
        return get_label_buckets(self._check_y(y), self.votes.column(self._lf_position(lf)))

    # --------------------------------------------------------- error buckets
    def _check_label_names(self, label_names: Any, where: str) -> list[str] | None:
        """``label_names`` as a list of distinct strings, one per class ``0..k-1`` (``k``: the cardinality)."""
        if label_names is None:
            return None
        if isinstance(label_names, (str, bytes)) or isinstance(label_names, Mapping) \
                or not isinstance(label_names, (Sequence, np.ndarray, pd.Index, pd.Series)):
            raise TypeError(f"{where}: label_names must be a list of class names in class order (class 0 first), "
                            f"got {type(label_names).__name__} {label_names!r}")
        names = list(label_names)
        for i, name in enumerate(names):
            if not isinstance(name, str):
                raise TypeError(f"{where}: label_names[{i}] is {name!r}, not a string")
        if len(names) < self.cardinality:
            raise ValueError(f"{where}: label_names has {len(names)} names {names} for {self.cardinality} classes "
                             f"(0..{self.cardinality - 1}): name every class, class 0 first")
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in seen:
                raise ValueError(f"{where}: label_names[{seen[name]}] and label_names[{i}] are both {name!r}: "
                                 "each class needs its own name")
            seen[name] = i
        return names

    def _rows_frame(self, rows: np.ndarray, data: Any, fields: Sequence[str] | None,
                    label_names: Sequence[str] | None, cols: dict[str, Any]) -> pd.DataFrame:
        """``cols`` (class ids named by ``label_names``) beside ``fields`` of ``data`` at ``rows``."""
        def name(v: Any) -> Any:
            v = int(v)
            if v == ABSTAIN or label_names is None:
                return "abstain" if v == ABSTAIN else v
            if v >= len(label_names):
                raise ValueError(f"label_names has {len(label_names)} names {list(label_names)}, none for class {v}")
            return label_names[v]

        out = pd.DataFrame({"row": rows})
        for key, values in cols.items():
            out[key] = [name(v) for v in values] if key in ("gold", "vote") else list(values)
        if data is not None:
            if len(data) != self.n:
                raise ValueError(f"data has {len(data)} rows but the vote matrix has {self.n}")
            frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame({"text": list(data)})
            if isinstance(data, (pd.DataFrame, pd.Series)) and not _positional(data.index):
                # the user's own ids, so a row can be found in their frame (the table stays indexed by position)
                out["data_index"] = data.index[rows].to_numpy()
            for f in (fields if fields is not None else [c for c in ("text",) if c in frame.columns]):
                if f not in frame.columns:
                    raise KeyError(f"data has no column {f!r} (columns: {list(frame.columns)})")
                out[f] = frame[f].iloc[rows].to_numpy()
        return out.set_index("row")

    def lf_mistakes(self, lf: str | int, y: Any, data: Any = None, *, fields: Sequence[str] | None = None,
                    label_names: Sequence[str] | None = None, limit: int | None = None) -> pd.DataFrame:
        """The rows where LF ``lf`` votes a class other than gold ``y``, as a table to read.

        Columns ``gold`` and ``vote`` (class names with ``label_names``) and the
        ``fields`` of ``data`` (default: its ``text`` column), indexed by row
        position; at most ``limit`` rows.  When ``data`` is a pandas object with
        an index of its own (not ``0..n-1``), a ``data_index`` column gives that
        index's label for each row.

        Examples
        --------
        >>> import pandas as pd
        >>> from weaksup import LFAnalysis, VoteMatrix
        >>> a = LFAnalysis(VoteMatrix([[1, -1], [1, 0], [0, 0]], ["kw", "short"]))
        >>> m = a.lf_mistakes("kw", [1, 0, 1], pd.DataFrame({"text": ["buy", "hi", "yo"]}), label_names=["HAM", "SPAM"])
        >>> m.index.tolist(), m.values.tolist()
        ([1, 2], [['HAM', 'SPAM', 'hi'], ['SPAM', 'HAM', 'yo']])
        """
        label_names = self._check_label_names(label_names, "lf_mistakes")
        limit = check_count(limit, "lf_mistakes: limit", none=True)
        Y = self._check_y(y)
        v = self.votes.column(self._lf_position(lf))
        rows = np.nonzero((v != ABSTAIN) & (Y != ABSTAIN) & (v != Y))[0][:limit]
        return self._rows_frame(rows, data, fields, label_names, {"gold": Y[rows], "vote": v[rows]})

    def conflict_rows(self, data: Any = None, y: Any = None, *, fields: Sequence[str] | None = None,
                      label_names: Sequence[str] | None = None, limit: int | None = None) -> pd.DataFrame:
        """The rows where two LFs vote different classes, with who voted what.

        Column ``votes`` lists ``lf=class`` for every LF that voted on the row;
        ``gold`` is added when ``y`` is given; then the ``fields`` of ``data``.

        Examples
        --------
        >>> from weaksup import LFAnalysis, VoteMatrix
        >>> LFAnalysis(VoteMatrix([[1, -1], [1, 0], [0, 0]], ["kw", "short"])).conflict_rows(y=[1, 0, 0]).to_dict("index")
        {1: {'votes': 'kw=1, short=0', 'gold': 0}}
        """
        label_names = self._check_label_names(label_names, "conflict_rows")
        limit = check_count(limit, "conflict_rows: limit", none=True)
        _, conflict = self._row_stats()
        rows = np.nonzero(conflict)[0][:limit]
        dense = self.votes[rows].to_dense() if rows.size else np.zeros((0, self.m), dtype=np.int64)

        def who(r: np.ndarray) -> str:
            return ", ".join(f"{self.lf_names[j]}={label_names[int(r[j])] if label_names is not None else int(r[j])}"
                             for j in np.nonzero(r != ABSTAIN)[0])

        cols: dict[str, Any] = {"votes": [who(r) for r in dense]}
        if y is not None:
            cols["gold"] = self._check_y(y)[rows]
        return self._rows_frame(rows, data, fields, label_names, cols)

    def error_buckets(self, y: Any, data: Any = None, *, lfs: Sequence[str | int] | None = None, n: int = 3,
                      fields: Sequence[str] | None = None, label_names: Sequence[str] | None = None,
                      width: int = 100) -> str:
        """A text report: per LF, how often it is wrong and its first ``n`` mistakes; then conflicts.

        Parameters
        ----------
        y : array-like (n,)
            Gold labels (``-1`` = unknown, skipped).
        data : DataFrame or sequence of str, optional
            The rows the votes were computed on (its ``text`` column is shown).
        lfs : names or indices, optional
            The LFs to report (default: every LF with a mistake, most mistakes first).
        n : int
            Example rows shown per bucket.
        fields : sequence of str, optional
            The columns of ``data`` shown for each row, joined by `` | `` (default: its ``text`` column, if it
            has one); a name that is not a column of ``data`` is a KeyError.
        label_names : sequence of str, optional
            One distinct name per class, class 0 first: ``gold`` and the votes are shown by name, not class id
            (an abstain shows as ``abstain`` either way).
        width : int
            Texts are cut to this many characters.

        Examples
        --------
        >>> from weaksup import LFAnalysis, VoteMatrix
        >>> a = LFAnalysis(VoteMatrix([[1, -1], [1, 0], [0, 0]], ["kw", "short"]))
        >>> print(a.error_buckets([1, 0, 1], ["buy now", "hi", "yo"], label_names=["HAM", "SPAM"]))
        kw: wrong on 2 of 3 votes
          row 1  gold=HAM  vote=SPAM  hi
          row 2  gold=SPAM  vote=HAM  yo
        short: wrong on 1 of 2 votes
          row 2  gold=SPAM  vote=HAM  yo
        LFs conflict on 1 rows (33.3% of 3)
          row 1  gold=HAM  kw=SPAM, short=HAM  hi
        """
        label_names = self._check_label_names(label_names, "error_buckets")
        check_count(n, "error_buckets: n")
        check_count(width, "error_buckets: width", least=1)
        Y = self._check_y(y)
        correct, incorrect = self.lf_correct_incorrect(Y)
        order = [self._lf_position(j) for j in lfs] if lfs is not None else \
            [int(j) for j in np.argsort(-incorrect, kind="stable") if incorrect[j] > 0]

        def text(frame: pd.DataFrame, r: Any) -> str:
            vals = [str(frame.at[r, f]) for f in frame.columns if f not in ("gold", "vote", "votes")]
            t = " | ".join(vals).replace("\n", " ")
            return t if len(t) <= width else t[: width - 1] + "…"

        lines = []
        for j in order:
            name = self.lf_names[j]
            lines.append(f"{name}: wrong on {int(incorrect[j])} of {int(correct[j] + incorrect[j])} votes")
            mk = self.lf_mistakes(j, Y, data, fields=fields, label_names=label_names, limit=n)
            lines += [f"  row {r}  gold={mk.at[r, 'gold']}  vote={mk.at[r, 'vote']}  {text(mk, r)}".rstrip()
                      for r in mk.index]
        _, conflict = self._row_stats()
        lines.append(f"LFs conflict on {int(conflict.sum())} rows ({100 * self.label_conflict():.1f}% of {self.n})")
        cf = self.conflict_rows(data, Y, fields=fields, label_names=label_names, limit=n)
        lines += [f"  row {r}  gold={cf.at[r, 'gold']}  {cf.at[r, 'votes']}  {text(cf, r)}".rstrip() for r in cf.index]
        return "\n".join(lines)

    # ----------------------------------------------------------------- plots
    def _barh(self, values: np.ndarray, xlabel: str, ax: Any, color: str) -> Any:
        from weaksup.plots._mpl import barh_panel, pyplot

        if ax is None:
            _, ax = pyplot().subplots(figsize=(6, 0.3 * self.m + 1.2))
        return barh_panel(ax, values, self.lf_names, xlabel, color)

    def plot_coverage(self, ax: Any = None) -> Any:
        """Horizontal bar chart of per-LF coverage; returns the matplotlib Axes."""
        return self._barh(self.lf_coverages(), "coverage", ax, "tab:blue")

    def plot_overlaps(self, ax: Any = None) -> Any:
        """Horizontal bar chart of per-LF overlap fraction; returns the Axes."""
        return self._barh(self.lf_overlaps(), "overlaps", ax, "tab:orange")

    def plot_conflicts(self, ax: Any = None) -> Any:
        """Horizontal bar chart of per-LF conflict fraction; returns the Axes."""
        return self._barh(self.lf_conflicts(), "conflicts", ax, "tab:red")

    def plot_accuracy(self, y: Any, ax: Any = None) -> Any:
        """Horizontal bar chart of per-LF empirical accuracy against gold ``y``; returns the Axes.

        The bars are :meth:`lf_empirical_accuracies` (``Emp. Acc.``): votes on rows with ``y = -1`` count as wrong.
        """
        return self._barh(self.lf_empirical_accuracies(y), "empirical accuracy", ax, "tab:green")

    def plot(self, y: Any = None) -> Any:
        """Coverage, overlaps, conflicts and (with ``y``) accuracy side by side; returns the Figure.

        The same figure as :func:`weaksup.plots.plot_lf_summary`.
        """
        from weaksup.plots._mpl import pyplot

        ncols = 4 if y is not None else 3
        fig, axes = pyplot().subplots(1, ncols, figsize=(3.2 * ncols, 0.3 * self.m + 1.5), sharey=True)
        self.plot_coverage(axes[0])
        self.plot_overlaps(axes[1])
        self.plot_conflicts(axes[2])
        if y is not None:
            self.plot_accuracy(y, axes[3])
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        return (f"LFAnalysis(n={self.n}, m={self.m}, coverage={self.label_coverage():.3f}, "
                f"overlap={self.label_overlap():.3f}, conflict={self.label_conflict():.3f})")


def get_label_buckets(*y: Any) -> dict[tuple[int, ...], np.ndarray]:
    """Row indices bucketed by label combinations (snorkel's ``get_label_buckets``).

    ``buckets[(i, j)]`` holds the indices where the first array is ``i`` and
    the second ``j``; keys appear in order of first occurrence and each index
    array is ascending.

    Parameters
    ----------
    *y : array-like of int
        Label arrays of equal length (gold labels, predictions, one LF's votes; ``-1`` allowed), one per
        position of the bucket keys.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.analysis import get_label_buckets
    >>> b = get_label_buckets(np.array([1, 1, 1, 0]), np.array([1, 1, -1, -1]))
    >>> b[(1, 1)].tolist(), b[(1, -1)].tolist(), (1, 0) in b
    ([0, 1], [2], False)
    """
    arrays = [check_labels(_refuse_inf(a, f"label array {i}"), what=f"label array {i}", ravel_column=True)
              for i, a in enumerate(y)]
    if not arrays:
        return {}
    if len({a.shape[0] for a in arrays}) != 1:
        sizes = ", ".join(f"label array {i} has {a.shape[0]}" for i, a in enumerate(arrays))
        raise ValueError(f"Arrays must all have the same number of elements: {sizes}")
    stacked = np.stack(arrays, axis=1)
    if stacked.shape[0] == 0:
        return {}
    uniq, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=len(uniq)))])
    out: dict[tuple[int, ...], np.ndarray] = {}
    for u in np.argsort(first, kind="stable"):
        out[tuple(int(v) for v in uniq[u])] = order[bounds[u]:bounds[u + 1]]
    return out


label_buckets = get_label_buckets


def _refuse_repeated_names(names: list[str]) -> None:
    """A ValueError naming the first LF name given twice in ``lfs`` (and both positions)."""
    first: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in first:
            raise ValueError(f"lfs: LFs {first[name]} and {j} are both named {name!r}: LF names must be unique "
                             "(statistics are looked up by name)")
        first[name] = j


def _refuse_inf(y: Any, what: str) -> Any:
    """``y`` unchanged, or a ValueError naming the first infinite label (a cast would make it int64-min)."""
    # a masked cell is -1 for the label checks (41152b4): the value hidden under its mask is no label
    arr = np.ma.filled(y, -1) if isinstance(y, np.ma.MaskedArray) else np.asarray(y)
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        i = int(np.nonzero(np.isinf(arr.ravel()))[0][0])
        raise ValueError(f"{what}: value {float(arr.ravel()[i])} at row {i} is not a class label")
    return y


def get_label_instances(bucket: tuple[int, ...], x: Any, *y: Any) -> Any:
    """Rows of ``x`` falling in label ``bucket`` (snorkel's ``get_label_instances``).

    Parameters
    ----------
    bucket : tuple of int
        One label per array of ``y``: the rows where ``y[0]`` is ``bucket[0]``, ``y[1]`` is
        ``bucket[1]``, ... (see :func:`get_label_buckets`).
    x : array-like, pandas.DataFrame or pandas.Series
        The rows to pick from (``len(x)`` equal to the label arrays' length); pandas objects by position.
    *y : array-like of int
        The label arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.analysis import get_label_instances
    >>> texts = np.array(["win cash", "see you", "free gift"])
    >>> y_gold, y_pred = np.array([1, 0, 0]), np.array([1, 0, 1])
    >>> get_label_instances((0, 1), texts, y_gold, y_pred)  # gold 0, predicted 1
    array(['free gift'], dtype='<U9')
    """
    if isinstance(bucket, (str, bytes)) or not isinstance(bucket, (Sequence, np.ndarray)):
        raise TypeError(f"get_label_instances: bucket must be a tuple of labels, one per label array, got "
                        f"{type(bucket).__name__} {bucket!r}" + (f" (write ({bucket!r},) for one array)"
                                                                if np.ndim(bucket) == 0 else ""))
    key = []
    for i, v in enumerate(np.asarray(bucket, dtype=object).ravel() if isinstance(bucket, np.ndarray) else bucket):
        whole = isinstance(v, (int, np.integer)) or (isinstance(v, (float, np.floating)) and float(v).is_integer())
        if isinstance(v, (bool, np.bool_)) or not whole:
            raise ValueError(f"get_label_instances: bucket entry {i} is {v!r}, not a label (an int)")
        key.append(int(v))
    if len(y) != len(key):
        raise ValueError(f"Number of lists must match the amount of labels in bucket: bucket {tuple(key)} has "
                         f"{len(key)} labels for {len(y)} label arrays")
    buckets = get_label_buckets(*y)
    if not hasattr(x, "__len__"):
        raise TypeError(f"get_label_instances: x must be the rows (an array, list or pandas object), got "
                        f"{type(x).__name__}")
    n_x, n_y = len(x), (len(np.ravel(y[0])) if y else None)
    if y and n_x != n_y:
        raise ValueError(f"get_label_instances: x has {n_x} rows but the label arrays have {n_y} labels each")
    idx = buckets.get(tuple(key), np.array([], dtype=np.int64))
    if isinstance(x, (pd.DataFrame, pd.Series)):
        return x.iloc[idx]
    return np.asarray(x)[idx]
