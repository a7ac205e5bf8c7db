"""The contract every classification label model follows.

``fit(votes, *, class_balance=None, valid=None, seed=None) -> self``,
``predict_proba(votes)``, ``predict(votes, tie_break=...)``,
``score(votes, y, metric=...)``, ``lf_accuracies()``, sklearn-style
``get_params/set_params`` and ``save/load`` (:mod:`weaksup._persist`: JSON +
npz, no pickle).  ``fit`` never writes a constructor parameter: the learned
class count is ``cardinality_``, the LF count ``n_lfs_`` and names ``lf_names_``.
Hyper-parameters are checked at the top of ``fit`` against the class's
declarative ``_parameter_constraints`` (:func:`weaksup._validation.check_params`),
before any pass over the votes.

Votes may be a :class:`~weaksup.votes.VoteMatrix`, a dense int array or a
scipy sparse matrix in VoteMatrix's shifted convention (``vote + 1``).  The
vote statistics the models share live in :mod:`weaksup.labelmodel._stats`;
validators in :mod:`weaksup._validation` (re-exported here for old imports).

Examples
--------
>>> import numpy as np
>>> from weaksup.labelmodel import MajorityVote
>>> mv = MajorityVote()
>>> _ = mv.fit(np.array([[0, 1, 1], [2, 2, -1]]))
>>> mv.cardinality, mv.cardinality_
(None, 3)
"""

from __future__ import annotations

import contextvars
import copy
import functools
import warnings
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, TypeVar, overload

import numpy as np

from weaksup._deprecate import renamed_kwargs, warn_deprecated
from weaksup._params import ParamsMixin
from weaksup._persist import check_fitted_state, class_path, load_npz, load_npz_v0, model_from_meta, save_npz
from weaksup._validation import (
    Interval,
    NotFittedError,
    check_class_balance,
    check_fit_votes,
    check_is_fitted,
    check_labels,
    check_params,
    check_seed,
    check_valid,
    checked_probs,
    lookalike_hint,
    user_stacklevel,
)
from weaksup.labelmodel._kernels import lf_pair_agreement, lf_vote_counts, stored_votes, use_compiled
from weaksup.labelmodel._stats import (
    VotePatterns,
    class_counts,
    cooccurrence_counts,
    cooccurrence_stats,
    indicator_matrix,
    iter_row_chunks,
    mv_winner_counts,
    mv_winner_table,
    softmax_rows,
    vote_patterns,
)
from weaksup.metrics import TIE_BREAKS, probs_to_preds  # the one tie-break rule (shared with end models)
from weaksup.dask_votes import DaskVotes, is_dask_votes
from weaksup.votes import VoteMatrix, check_votes

if TYPE_CHECKING:  # the return type of predict_proba / predict on Dask votes
    import dask.array

    from weaksup.dask_votes import DaskVotes

__all__ = [
    "BaseVoteModel",
    "LabelModel",
    "align_lfs",
    "NotFittedError",
    "check_votes",
    "check_dev",
    "check_valid",
    "check_valid_votes",
    "check_labels",
    "check_fit_votes",
    "resolve_class_balance",
    "probs_to_preds",
    "score_probs",
    "softmax_rows",
    "vote_patterns",
    "VotePatterns",
    "iter_row_chunks",
    "cooccurrence_counts",
    "cooccurrence_stats",
    "class_counts",
    "indicator_matrix",
    "mv_winner_table",
    "mv_winner_counts",
    "TIE_BREAKS",
    "SAVE_FORMAT",
]

_M = TypeVar("_M", bound="BaseVoteModel")

#: Format tag of label-model files (:mod:`weaksup._persist`).
SAVE_FORMAT = "weaksup.LabelModel"


def _default_names(names: Any) -> bool:
    """Whether ``names`` are the placeholders ``lf_0 .. lf_{m-1}`` a VoteMatrix gets when no names are given."""
    return list(names) == [f"lf_{j}" for j in range(len(names))]


def placeholder_names(L: Any) -> bool:
    """Whether the LF names of ``L`` (a VoteMatrix or DaskVotes) were made up rather than given.

    Read from the votes' own record (``placeholder_names``); votes without one are judged by the
    names (the ``lf_0 .. lf_{m-1}`` placeholders in order), as before that record existed.
    """
    flag = getattr(L, "placeholder_names", None)
    return _default_names(L.lf_names) if flag is None else bool(flag)


def plain_input(votes: Any, L: Any) -> bool:
    """Whether ``votes`` (as given, before :func:`~weaksup.votes.check_votes` made ``L`` of them) are a plain
    array: not a VoteMatrix or DaskVotes, and given no LF names (``L``'s made-up ``lf_0 .. lf_{m-1}``, in order).

    :func:`align_lfs` reads those by position; a DataFrame of integer columns picked in another order
    (``df[[2, 0, 1]]``, named ``lf_2, lf_0, lf_1``) is not plain, nor is an unnamed VoteMatrix."""
    return not hasattr(votes, "lf_names") and placeholder_names(L) and _default_names(L.lf_names)


def lf_fingerprints(L: Any) -> tuple[str | None, ...]:
    """The LF fingerprints ``L`` (a VoteMatrix or DaskVotes) keeps, one per LF, None where unknown (votes
    without the record: all None)."""
    fps = getattr(L, "lf_fingerprints", None)
    return (None,) * L.m if fps is None else tuple(fps)


#: True while :meth:`BaseVoteModel.score` predicts on votes it has checked already: the LF-version warning
#: (:func:`warn_changed_lfs`) is said once per call, not again by the ``predict_proba`` inside.
_LF_VERSIONS_CHECKED: contextvars.ContextVar[bool] = contextvars.ContextVar("weaksup_lf_versions_checked",
                                                                            default=False)


def _changed_lfs(names: Sequence[str], fingerprints: Sequence[str | None], ref_names: Sequence[str],
                 ref_fingerprints: Sequence[str | None]) -> str:
    """The LFs (quoted, at most 8 named) whose known fingerprint differs from the reference's under the same name;
    ``""`` when none does."""
    by_name = dict(zip(ref_names, ref_fingerprints))
    changed = [name for name, fp in zip(names, fingerprints)
               if fp is not None and by_name.get(name) is not None and by_name[name] != fp]
    more = f" and {len(changed) - 8} more" if len(changed) > 8 else ""
    return ", ".join(repr(n) for n in changed[:8]) + more if changed else ""


def warn_changed_lfs(model: Any, L: Any, what: str = "votes") -> None:
    """Warn when an LF's known fingerprint in ``L`` (votes aligned to ``model``'s fitted LFs) differs from the
    one ``model`` recorded at fit (``lf_fingerprints_``): its votes come from another version of the LF (its
    code or parameters were edited), and the model's estimate of that LF was fitted on the other version.
    Unknown fingerprints on either side, and models fitted or pickled before fingerprints were recorded,
    are not compared."""
    fitted = model.__dict__.get("lf_fingerprints_")
    if fitted is None or _LF_VERSIONS_CHECKED.get() or not any(fitted):
        return
    own = getattr(L, "lf_fingerprints", None)
    if own is None or not any(own):
        return
    shown = _changed_lfs(L.lf_names, own, model.lf_names_, fitted)
    if shown:
        warnings.warn(
            f"{type(model).__name__}: the {what} of LF(s) {shown} come from another version of the LF than the model "
            f"was fitted on (its code or parameters changed between the applies): the model's estimate of it "
            f"describes the other version. Refit the model on votes of the current LFs (re-apply them to the "
            f"training rows), or re-apply the fitted version", UserWarning, stacklevel=user_stacklevel())


def align_lfs(L: Any, lf_names: Any, what: str = "votes", placeholder: bool | None = None,
              plain: bool = False) -> Any:
    """The columns of ``L`` in the order of ``lf_names`` (the LFs a model was fitted on).

    ``L`` is a :class:`~weaksup.votes.VoteMatrix` or a :class:`~weaksup.dask_votes.DaskVotes` (its
    partitions are then reordered lazily, as they are read); the rule is the same for both.  Whether
    names were made up decides (:func:`placeholder_names`), not how they are spelt, so LFs really
    named ``lf_0, lf_1, ...`` are matched by name like any others:

    * the same names in the same order: ``L`` as it is;
    * ``plain`` (``L`` was given as a plain array, :func:`plain_input`): matched by position, only the
      column count is checked, whatever order the model's LFs were in;
    * the same names in another order: reordered (given names on both sides, or the made-up names of
      one unnamed matrix's columns, e.g. after ``select_lfs``), so the same LFs give the same result;
    * made-up names ``lf_0 .. lf_{m-1}`` in order on either side (unnamed votes, or a model fitted on
      them): matched by position, count checked;
    * anything else (given names on both sides that differ, or made-up names reordered by
      ``select_lfs`` that are not the other side's): an error naming the missing and unknown LFs.

    Parameters
    ----------
    L : VoteMatrix or DaskVotes
        The votes to read.
    lf_names : sequence of str
        The fitted LFs' names, in the fitted order.
    what : str
        What ``L`` is, for the error messages (``"votes"``, ``"valid votes"``, ...).
    placeholder : bool or None
        Whether ``lf_names`` were made up (the model was fitted on votes given no names); None (a
        model saved before weaksup recorded it): when they are ``lf_0 .. lf_{m-1}`` in order.
    plain : bool
        Whether ``L`` was given as a plain array (see above).

    >>> import numpy as np
    >>> from weaksup import VoteMatrix
    >>> from weaksup.labelmodel.base import align_lfs
    >>> L = VoteMatrix(np.array([[0, 1, -1]]), ["b", "c", "a"])
    >>> align_lfs(L, ["a", "b", "c"]).lf_names
    ['a', 'b', 'c']
    """
    names = list(lf_names)
    if list(L.lf_names) == names:
        return L
    fitted_made_up = _default_names(names) if placeholder is None else bool(placeholder)
    own_made_up = placeholder_names(L)
    if not plain and L.m == len(names) and set(L.lf_names) == set(names):
        return L.select_lfs(names)  # the same LFs in another order
    if plain or (own_made_up and _default_names(L.lf_names)) or (fitted_made_up and _default_names(names)):
        if L.m != len(names):
            raise ValueError(f"{what} have {L.m} LFs; the model was fitted on {len(names)} "
                             f"({names[:8]}{' ...' if len(names) > 8 else ''})")
        # read by position: under the fitted names, so that matching them again (predict_proba inside score)
        # changes nothing
        if own_made_up and isinstance(L, VoteMatrix):
            return VoteMatrix(L, names)
        if own_made_up and isinstance(L, DaskVotes):
            return DaskVotes(L.array, names, L.cardinality)
        return L
    missing = [n for n in names if n not in set(L.lf_names)]
    extra = [n for n in L.lf_names if n not in set(names)]
    hints = "".join(lookalike_hint(n, missing, what="fitted LF", fix="the LF's name") for n in extra)
    if own_made_up or fitted_made_up:
        hints += (" (the made-up names lf_<j> of votes given no names are matched as names once select_lfs has "
                  "reordered them: pass the votes as a plain array in the fitted column order, or name the LFs)")
    raise ValueError(f"{what} do not hold the LFs the model was fitted on: missing {missing}, "
                     f"unknown {extra} (LFs are matched by name; select or rename the columns){hints}")


def check_valid_votes(valid: Any, cardinality: int, n_lfs: int | None = None,
                      what: str = "valid", lf_names: Any = None,
                      placeholder: bool | None = None, *, train_fingerprints: Any = None,
                      owner: str = "") -> tuple[VoteMatrix, np.ndarray] | None:
    """Validate ``valid = (votes, y)`` for a label model fitted on ``n_lfs`` LFs and ``cardinality`` classes.

    With ``lf_names`` (the training LFs), the valid votes' columns are matched to them as
    :func:`align_lfs` matches them (``placeholder``: whether those names were made up, as there).
    With ``train_fingerprints`` (the training votes' :func:`lf_fingerprints`, one per name of ``lf_names``),
    valid votes of an LF whose known fingerprint differs are warned about once, naming the model ``owner``.
    """
    def checker(v: Any, name: str) -> VoteMatrix:
        L = check_votes(v, cardinality, what=name)
        if lf_names is None:
            return L
        return align_lfs(L, lf_names, what=name, placeholder=placeholder, plain=plain_input(v, L))

    checked = check_valid(valid, cardinality, checker, n_lfs=n_lfs, what=what, kind="votes")
    if checked is not None and train_fingerprints is not None and lf_names is not None:
        _warn_valid_versions(owner, what, list(lf_names), tuple(train_fingerprints), checked[0])
    return checked


def _warn_valid_versions(owner: str, what: str, lf_names: list[str], train: tuple[str | None, ...],
                         V: Any) -> None:
    """Warn (once per fit) when the valid votes ``V`` of an LF come from another version of it than the training
    votes (known fingerprints differ): what the fit picks on them (a candidate, a stopping step) weighs another LF.
    Not said while :data:`_LF_VERSIONS_CHECKED` is set (AutoLabelModel's candidates: its own fit said it)."""
    own = getattr(V, "lf_fingerprints", None)
    if _LF_VERSIONS_CHECKED.get() or own is None or not any(own) or not any(train):
        return
    shown = _changed_lfs(V.lf_names, own, lf_names, train)
    if shown:
        warnings.warn(
            f"{owner or 'fit'}: the {what} votes of LF(s) {shown} come from another version of the LF than the "
            f"training votes' (its code or parameters changed between the applies), so what the fit decides on "
            f"{what} weighs votes of another LF. Apply the same LFs to the training and {what} rows",
            UserWarning, stacklevel=user_stacklevel())


def check_dev(dev: Any, n_lfs: int, cardinality: int) -> tuple[VoteMatrix, np.ndarray] | None:
    """Deprecated name of :func:`check_valid_votes`."""
    warn_deprecated("weaksup.labelmodel.base.check_dev", "weaksup.labelmodel.base.check_valid_votes")
    return check_valid_votes(dev, cardinality, n_lfs, what="dev")


def resolve_class_balance(class_balance: Any, dev: tuple[VoteMatrix, np.ndarray] | None,
                          L: VoteMatrix | np.ndarray | None, cardinality: int, source: str = "uniform") -> np.ndarray:
    """Class prior: the argument, else valid-label frequencies, else ``source``.

    ``source`` is ``"uniform"`` or ``"votes"`` (frequency of majority-vote
    winners on covered rows, smoothed by one pseudo-count per class); ``L`` is
    the votes or their additive winner table (:func:`mv_winner_table`).
    """
    k = cardinality
    if class_balance is not None:
        p = check_class_balance(class_balance, k)
        assert p is not None
        return p
    if dev is not None:
        counts = np.bincount(dev[1], minlength=k).astype(np.float64) + 1.0
        return counts / counts.sum()
    if source == "votes" and L is not None and (L.any() if isinstance(L, np.ndarray) else L.n):
        c = mv_winner_counts(L) + 1.0
        return c / c.sum()
    return np.full(k, 1.0 / k)


#: False where progress bars of label-model fits are off (:func:`fit_progress`): the bench's own bar counts the fits.
_FIT_PROGRESS: contextvars.ContextVar[bool] = contextvars.ContextVar("weaksup_label_model_fit_progress", default=True)


@contextmanager
def fit_progress(enabled: bool) -> Iterator[None]:
    """Turn the progress bars of label-model fits inside on or off (a long EBCC fit shows one by default).

    >>> from weaksup.labelmodel.base import fit_progress, fit_progress_enabled
    >>> with fit_progress(False):
    ...     fit_progress_enabled()
    False
    """
    token = _FIT_PROGRESS.set(bool(enabled))
    try:
        yield
    finally:
        _FIT_PROGRESS.reset(token)


def fit_progress_enabled() -> bool:
    """Whether a label-model fit may show a progress bar here (see :func:`fit_progress`)."""
    return _FIT_PROGRESS.get()


#: True while a label model's ``_fit`` runs: a model fitted inside another's fit (AutoLabelModel's candidates)
#: leaves the redundant-LF warning to the outer fit, which has already said it once.
_INSIDE_FIT: contextvars.ContextVar[bool] = contextvars.ContextVar("weaksup_inside_label_model_fit", default=False)


def _votes_per_lf(L: VoteMatrix) -> np.ndarray:
    """Votes cast by each LF (``m`` int64): the compiled count for many sparse votes, else numpy's."""
    fired = lf_vote_counts(L)
    if fired is not None:
        return fired
    if L.is_sparse:
        return np.bincount(L._csr().indices, minlength=L.m).astype(np.int64, copy=False)
    return (L.to_dense() != -1).sum(axis=0).astype(np.int64, copy=False)


#: Rows of the first block :func:`redundant_lf_groups` counts before it drops the LF pairs that cannot copy.
_REDUNDANT_FIRST_ROWS = 2048


def _row_block_of(L: VoteMatrix, start: int, stop: int, cols: np.ndarray | None) -> VoteMatrix:
    """Rows ``start:stop`` of ``L`` and its columns ``cols`` (all when None), unchecked like
    :meth:`VoteMatrix.row_block` (the votes were checked when ``L`` was built)."""
    block = L.row_block(start, stop)
    if cols is not None:
        block._data = block._data[:, cols]  # type: ignore[index]
        block.lf_names = [L.lf_names[i] for i in cols]
    return block


def redundant_lf_groups(L: VoteMatrix, share: float = 0.99, min_rows: int = 100,
                        fired: np.ndarray | None = None) -> list[tuple[list[int], int, float]]:
    """Groups of LFs of ``L`` that copy one another: columns linked by pairs that vote the same class on at
    least ``share`` of the rows either votes on, those rows being at least ``min_rows``.

    Returns ``(columns, rows, identical)`` per group, exactly what :func:`redundant_groups_from_counts` gives
    from the pair counts of every LF pair (:func:`weaksup.labelmodel._kernels.lf_pair_agreement`), without
    counting every pair over every row.  Two bounds drop the pairs that cannot copy, and the pairs left are
    counted exactly.  First the vote counts: the rows either LF votes on are at least the larger count and
    at most the sum, the identical votes at most the smaller count, so a pair needs counts within a factor
    ``share`` of each other.  Then the rows, in blocks of growing size (2,048 rows or 1/64 of them, then twice
    as many each time): the rows ``d`` on which the two LFs do not vote the same class (one votes, or they
    vote different classes) can only grow over the rows not yet counted, and ``d <= (1 - share) ·
    either`` with ``either <= n_i + n_j - both`` (``both``: the rows seen on which both vote), so a pair past
    that bound on the rows counted so far is dropped, and the next blocks are counted on the columns of the
    pairs left.  A pair left at the end has been counted on every row.  ``share`` is lowered by 1e-9 in the
    bounds, so that no rounding of ``identical / either`` can drop a pair that reaches it.
    ``fired``: the votes per LF when the caller has counted them.
    :meth:`weaksup.analysis.LFAnalysis.lf_redundancy` is the table of every overlapping pair.

    >>> import numpy as np
    >>> from weaksup import VoteMatrix
    >>> from weaksup.labelmodel.base import redundant_lf_groups
    >>> V = VoteMatrix(np.array([[0, 0, 1], [1, 1, 1], [1, 1, -1], [0, 0, 0]] * 30), ["a", "a2", "b"])
    >>> redundant_lf_groups(V)
    [([0, 1], 120, 1.0)]
    """
    m, n = L.m, L.n
    if m < 2 or not share <= 1:  # identical shares are at most 1 (and none reaches a NaN)
        return []
    fired = np.asarray(_votes_per_lf(L) if fired is None else fired, dtype=np.int64)
    s = float(share) - 1e-9  # below share by more than any rounding of identical / either
    f = fired.astype(np.float64)
    alive = np.add.outer(f, f) >= min_rows  # either <= n_i + n_j
    if s > 0:  # identical <= min(n_i, n_j) and either >= max(n_i, n_j), either >= min_rows
        alive &= np.minimum.outer(f, f) >= s * np.maximum(np.maximum.outer(f, f), min_rows)
    alive = np.triu(alive, 1)
    cols = np.arange(m)
    co = np.zeros((m, m), dtype=np.int64)  # rows counted so far on which both vote / vote the same class,
    agree = np.zeros((m, m), dtype=np.int64)  # for the LFs ``cols``; each LF's votes on the diagonal
    start, step = 0, max(_REDUNDANT_FIRST_ROWS, n // 64)
    compiled = use_compiled(stored_votes(L))  # the kernel a count of all of L takes, for every block
    while True:
        keep = alive.any(axis=0) | alive.any(axis=1)
        if not keep.any():
            return []
        if not keep.all():
            cols, alive = cols[keep], alive[np.ix_(keep, keep)]
            co, agree = co[np.ix_(keep, keep)], agree[np.ix_(keep, keep)]
        if start >= n:
            break
        stop = min(n, start + step)
        c, a, _ = lf_pair_agreement(_row_block_of(L, start, stop, None if cols.size == m else cols), compiled)
        co += c
        agree += a
        start, step = stop, 2 * step
        if start < n:
            seen = np.diag(co)
            either_max = (f[cols][:, None] + f[cols][None, :] - co).astype(np.float64)
            apart = seen[:, None] + seen[None, :] - co - agree  # rows counted where they do not vote alike
            alive &= (either_max >= min_rows) & (apart <= (1 - s) * either_max)
    a, b = np.nonzero(alive)  # every row counted: exact counts, as lf_pair_agreement's on all of L
    votes = np.diag(co)
    either = votes[a] + votes[b] - co[a, b]
    identical = agree[a, b] / np.maximum(either, 1)
    return _groups_of_pairs(m, cols[a], cols[b], either, identical, share, min_rows)


def redundant_groups_from_counts(co: np.ndarray, agree: np.ndarray, share: float = 0.99,
                                 min_rows: int = 100) -> list[tuple[list[int], int, float]]:
    """Groups of LFs that copy one another, from the ``m × m`` counts of the rows on which two LFs both vote
    (``co``, each LF's votes on the diagonal) and vote the same class (``agree``).

    A pair copies when it votes the same class on at least ``share`` of the rows either votes on and those
    rows are at least ``min_rows``; pairs sharing an LF make one group.  Returns ``(columns, rows,
    identical)`` per group, most rows first: its columns in order, then the rows either LF of its most
    identical pair votes on and that pair's share of identical votes.

    >>> import numpy as np
    >>> from weaksup.labelmodel.base import redundant_groups_from_counts
    >>> co = np.array([[200, 200, 5], [200, 201, 5], [5, 5, 50]])
    >>> redundant_groups_from_counts(co, np.array([[200, 200, 5], [200, 201, 5], [5, 5, 50]]))
    [([0, 1], 201, 0.9950248756218906)]
    """
    co, agree = np.asarray(co), np.asarray(agree)
    m = co.shape[0]
    a, b = np.triu_indices(m, 1)
    votes = np.diag(co)
    either = votes[a] + votes[b] - co[a, b]
    identical = agree[a, b] / np.maximum(either, 1)
    return _groups_of_pairs(m, a, b, either, identical, share, min_rows)


def _groups_of_pairs(m: int, a: np.ndarray, b: np.ndarray, either: np.ndarray, identical: np.ndarray,
                     share: float, min_rows: int) -> list[tuple[list[int], int, float]]:
    """The groups of :func:`redundant_groups_from_counts` from LF pairs ``(a, b)`` (``a < b``), the rows
    either LF votes on and their share of identical votes; the pairs not listed do not copy."""
    hit = (identical >= share) & (either >= min_rows)
    if not hit.any():
        return []
    parent = list(range(m))  # union-find: the pairs that copy link their LFs into groups

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = [(int(i), int(j), int(e), float(x)) for i, j, e, x in zip(a[hit], b[hit], either[hit], identical[hit])]
    for i, j, _, _ in pairs:
        parent[root(j)] = root(i)
    best: dict[int, tuple[float, int]] = {}
    for i, _, e, x in pairs:
        r = root(i)
        best[r] = max(best.get(r, (-1.0, 0)), (x, e))
    members: dict[int, list[int]] = {}
    for i in sorted({i for p in pairs for i in p[:2]}):  # only LFs of a copying pair share a root with another
        members.setdefault(root(i), []).append(i)
    groups = [(members[r], rows, x) for r, (x, rows) in best.items()]
    return sorted(groups, key=lambda g: (-g[1], g[0]))


def _stats_pair_counts(stats: Any, m: int, k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``(co, agree)`` LF-pair counts read from a model's additive statistics when they hold them (the
    ``co``/``agree`` tables of WeightedMajorityVote and FlyingSquid, the co-occurrence table ``O`` of
    MatrixCompletion), else None: then they are counted from the votes."""
    if not isinstance(stats, dict):
        return None
    if "co" in stats and "agree" in stats:
        return np.asarray(stats["co"]), np.asarray(stats["agree"])
    O = stats.get("O")
    if isinstance(O, np.ndarray) and O.shape == (m * k, m * k):
        from weaksup.labelmodel._kernels import pair_tables

        co, agree, _ = pair_tables(O.reshape(m, k, m, k))
        return co, agree
    return None


def _params_snapshot(model: Any) -> dict[str, Any]:
    """A copy of ``model``'s constructor parameters that later edits of theirs (a list changed in place,
    ``set_params``) do not reach."""
    params = model.get_params(deep=False)
    try:
        return copy.deepcopy(params)
    except (TypeError, copy.Error):  # a value that cannot be copied: keep the references
        return dict(params)


class BaseVoteModel(ParamsMixin):
    """What every model that reads a :class:`~weaksup.votes.VoteMatrix` shares.

    Parameter checking (``_parameter_constraints``), the fitted shape
    (``cardinality_``, ``n_lfs_``, ``lf_names_``), the not-fitted check and
    save/load through :mod:`weaksup._persist`.  Two contracts build on it:
    :class:`LabelModel` (``fit(votes)``) and
    :class:`weaksup.flows.FeatureLabelModel` (``fit(votes, X)``); neither is a
    subclass of the other, so each is only ever used where its inputs exist.
    """

    #: Fewest LF columns the model can work with.
    min_lfs: int = 1
    #: Fewest LF columns from which the model's estimates (LF accuracies, class balance) are identified without
    #: labels; below it a fit without ``valid`` labels warns (:meth:`_warn_few_lfs`).  0: the model estimates
    #: nothing from agreement.
    min_identifiable_lfs: int = 0
    #: Whether the model's estimates take the LFs to vote independently given the class, so that ``fit`` warns
    #: about LFs that copy one another (:meth:`_warn_redundant_lfs`).  None: the models that estimate from the
    #: LFs' agreement (``min_identifiable_lfs > 0`` or ``min_lfs >= 3``), not MajorityVote.
    assumes_independent_lfs: ClassVar[bool | None] = None
    #: ``fit`` warns about two LFs that vote the same class on at least this share of the rows either votes
    #: on (on WRENCH's 9 classification sets only TREC's exact copies reach it; the next pairs are at 0.95)...
    redundant_lf_share: ClassVar[float] = 0.99
    #: ... when those rows are at least this many: on fewer, 99 % leaves no row to differ on, and two rules
    #: one of which contains the other coincide by chance (SMS's "won ... cash ... prize" and "cash ... prize"
    #: on 9 rows).
    redundant_lf_min_rows: ClassVar[int] = 100
    #: Fitted attributes saved by :meth:`save`.
    _fitted_attrs: tuple[str, ...] = ()
    #: Hyper-parameter name -> accepted forms (merged along the class hierarchy).
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "cardinality": [None, Interval(2, None, integer=True)],
    }
    #: Format tag of this family's files.
    _save_format: ClassVar[str] = SAVE_FORMAT
    #: How this family is fitted (named in the not-fitted error).
    _fit_call: ClassVar[str] = "fit(votes)"

    #: Number of classes (None: inferred from the votes).  A class default, as on the end models, so that a
    #: model of one's own whose ``__init__`` takes no ``cardinality`` infers it instead of failing in ``fit``.
    cardinality: int | None = None

    def _validate_params(self) -> None:
        """Check every hyper-parameter against ``_parameter_constraints`` (top of ``fit``)."""
        check_params(self)

    def _reset(self) -> None:
        """Forget all fitted state (attributes ending in ``_``) and streamed statistics, and remember the
        parameters the fit that follows uses: :meth:`save` writes those, not ones ``set_params`` changed
        since, so a saved model loads back as the model that was fitted.

        Every fit calls it once its checks have passed (``fit``, ``partial_fit``'s refit, the Dask fit,
        :class:`~weaksup.flows.FeatureLabelModel`'s fit).
        """
        for key in [k for k in vars(self) if k.endswith("_") and not k.endswith("__")]:
            del self.__dict__[key]
        self.__dict__.pop("_stream", None)
        self.__dict__.pop("_stream_missing", None)
        self._fit_params = _params_snapshot(self)

    def _saved_params(self) -> dict[str, Any]:
        """The parameters the fitted state comes from (:meth:`_reset`'s snapshot), as :meth:`save` writes them."""
        fitted = self.__dict__.get("_fit_params")
        return dict(fitted) if fitted is not None else self.get_params(deep=False)

    def _warn_few_lfs(self, m: int, valid: Any) -> None:
        """Warn when ``m`` LFs are too few for the model's agreement-based estimates (``min_identifiable_lfs``)
        and no ``valid`` labels were given to estimate from."""
        if valid is None and m < self.min_identifiable_lfs:
            warnings.warn(
                f"{type(self).__name__}: {m} LF(s): LF accuracies and the class balance cannot be identified from "
                f"the votes of fewer than {self.min_identifiable_lfs} LFs (two LFs that disagree look alike "
                "whichever is right), so lf_accuracies(), class_balance_ and the probabilities on rows where the LFs "
                "disagree are guesses. Add LFs, or use MajorityVote, which estimates nothing.",
                UserWarning, stacklevel=user_stacklevel())

    def _assumes_independent_lfs(self) -> bool:
        """Whether ``fit`` checks the votes for LFs that copy one another (:attr:`assumes_independent_lfs`)."""
        flag = type(self).assumes_independent_lfs
        if flag is None:
            return self.min_identifiable_lfs > 0 or self.min_lfs >= 3
        return bool(flag)

    def _warn_redundant_lfs(self, L: VoteMatrix | None = None, fired: np.ndarray | None = None) -> None:
        """Warn, naming them, when LFs vote like copies of one another (:func:`redundant_groups_from_counts`)
        and the model takes the LFs to be independent given the class (:meth:`_assumes_independent_lfs`).

        Called after the fit: the LF-pair counts come from the fitted statistics when they hold them
        (WeightedMajorityVote, FlyingSquid, MatrixCompletion: no extra pass), else from the votes ``L``
        (:func:`redundant_lf_groups`).  Not inside another label model's fit (the outer fit has warned),
        nor when neither is at hand (the Dask fit of the EM models, the partial_fit of models without pair
        counts; a Dask fit of the others reads the reduced statistics)."""
        if not self._assumes_independent_lfs() or _INSIDE_FIT.get() or self.n_lfs_ < 2:
            return
        share, min_rows = self.redundant_lf_share, self.redundant_lf_min_rows
        stream = self.__dict__.get("_stream")
        counts = _stats_pair_counts(stream["stats"], self.n_lfs_, self.cardinality_) if stream else None
        if counts is not None:
            groups = redundant_groups_from_counts(*counts, share, min_rows)
        elif L is not None:
            groups = redundant_lf_groups(L, share, min_rows, fired)
        else:
            return
        if not groups:
            return
        name = type(self).__name__
        names = [[self.lf_names_[j] for j in cols] for cols, _, _ in groups]
        cols, rows, ident = groups[0]
        lfs = ", ".join(repr(x) for x in names[0][:-1]) + f" and {names[0][-1]!r}"
        first = (f"LFs {lfs} vote the same class on {100 * ident:.1f}% of the {rows} rows either votes on"
                 if len(cols) == 2 else
                 f"LFs {lfs} vote like copies of one another (two of them the same class on {100 * ident:.1f}% "
                 f"of the {rows} rows either votes on)")
        more = ""
        if len(groups) > 1:
            shown = "; ".join(", ".join(repr(x) for x in g) for g in names[1:4])
            more = f" ({len(groups) - 1} more such group(s): {shown}" + (" ..." if len(groups) > 4 else "") + ")"
        warnings.warn(
            f"{name}: {first}: copies or near-copies{more}. {self._independence_note()} "
            "Keep one LF of each group (VoteMatrix.select_lfs), or use MajorityVote, which estimates nothing; "
            "LFAnalysis(votes).lf_redundancy() lists the overlapping pairs.",
            UserWarning, stacklevel=user_stacklevel())

    def _independence_note(self) -> str:
        """The sentence of the copied-LF warning that says which model assumes what (AutoLabelModel: its chosen one)."""
        return (f"{type(self).__name__} takes the LFs to vote independently given the class, so it counts such LFs' "
                "votes as independent evidence, and its LF accuracies, class_balance_ and probabilities lean towards "
                "them.")

    def _pickled_fitted_attrs(self) -> tuple[str, ...]:
        """The fitted shape every model of the family has and every fit sets at once (:meth:`_set_shape`); a
        model's own fitted attributes are not checked: a Dask fit pickles the model before its fit sets them."""
        return ("cardinality_", "n_lfs_", "lf_names_", *super()._pickled_fitted_attrs())

    def _set_shape(self, L: VoteMatrix) -> None:
        self.cardinality_ = int(L.cardinality)
        self.n_lfs_ = L.m
        self.lf_names_ = list(L.lf_names)
        # whether lf_names_ were made up (votes given no names): align_lfs matches by that, not by the spelling
        self._lf_names_placeholder_ = placeholder_names(L)
        # each LF's fingerprint (None where unknown): predicting on votes of an edited LF warns (warn_changed_lfs)
        self.lf_fingerprints_ = lf_fingerprints(L)

    def _lf_names_placeholder(self) -> bool | None:
        """Whether ``lf_names_`` were made up at fit (:func:`placeholder_names`); None for a model fitted or
        saved before weaksup recorded it (:func:`align_lfs` then judges by the names)."""
        flag = self.__dict__.get("_lf_names_placeholder_")
        return None if flag is None else bool(flag)

    def _check_fitted(self) -> None:
        stream = self.__dict__.get("_stream")
        if stream is not None and not hasattr(self, "n_lfs_"):
            raise NotFittedError(
                f"{type(self).__name__} has accumulated {stream['n']} rows with partial_fit(refit=False) "
                "but is not fitted yet; call partial_fit(..., refit=True) on the last chunk (or fit)")
        check_is_fitted(self, "n_lfs_", msg=f"{type(self).__name__} is not fitted; call {self._fit_call} first")

    def _check_predict_votes(self, votes: Any, what: str = "votes") -> VoteMatrix:
        self._check_fitted()
        L = check_votes(votes, self.cardinality_, what=what)
        L = align_lfs(L, self.lf_names_, what=what, placeholder=self._lf_names_placeholder(),
                      plain=plain_input(votes, L))
        warn_changed_lfs(self, L, what)
        return L

    def _check_dask_votes(self, votes: Any, what: str = "votes") -> Any:
        """Dask votes as :class:`~weaksup.dask_votes.DaskVotes` with the fitted LFs' columns in the fitted
        order, matched by name exactly as :meth:`_check_predict_votes` matches in-memory votes."""
        from weaksup.labelmodel._dask import as_dask_votes

        self._check_fitted()
        V = as_dask_votes(votes, self.cardinality_)
        V = align_lfs(V, self.lf_names_, what=what, placeholder=self._lf_names_placeholder(),
                      plain=plain_input(votes, V))
        warn_changed_lfs(self, V, what)
        return V

    def lf_accuracies(self) -> np.ndarray:
        """Estimated accuracy of each LF on the rows where it votes."""
        raise NotImplementedError(f"{type(self).__name__} does not estimate LF accuracies")

    # ---------------------------------------------------------- persistence
    def _state(self, stream: bool = True) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``(JSON metadata, arrays)`` that :meth:`_from_state` turns back into this model.

        ``stream``: keep what ``partial_fit`` continues from (the additive statistics of the rows
        seen, arrays under ``_stream.``), so a loaded model streams on exactly as the saved one would.
        """
        self._check_fitted()
        meta: dict[str, Any] = {
            "class": class_path(self),
            "params": self._saved_params(),
            "cardinality_": self.cardinality_,
            "n_lfs_": self.n_lfs_,
            "lf_names_": self.lf_names_,
            "json_attrs": {},
        }
        if self._lf_names_placeholder() is not None:
            meta["lf_names_placeholder_"] = self._lf_names_placeholder()
        if any(self.__dict__.get("lf_fingerprints_") or ()):  # only when known: other files stay as they were
            meta["lf_fingerprints_"] = list(self.lf_fingerprints_)
        arrays: dict[str, np.ndarray] = {}
        for attr in self._fitted_attrs:
            value = getattr(self, attr)
            if isinstance(value, np.ndarray):
                arrays[attr] = value
            else:
                meta["json_attrs"][attr] = value.item() if isinstance(value, np.generic) else value
        if "n_seen_" in self.__dict__:
            meta["n_seen_"] = int(self.n_seen_)
        if stream:
            _save_stream(self, meta, arrays)
        elif "_stream" in self.__dict__:
            meta["stream_missing"] = "they were left out, the model being saved as part of another"
        return meta, arrays

    @classmethod
    def _from_state(cls: type[_M], meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any = "<state>") -> _M:
        """The model ``(meta, arrays)`` describe; every problem is a ``ValueError`` naming ``path``.

        Parameters are checked as the constructor and ``fit`` check them (one this weaksup does not
        know, e.g. from a newer release, is named), and every fitted attribute the model needs
        (``_fitted_attrs``) must be in the file.
        """
        model = model_from_meta(meta, cls, path, validate=lambda m: m._validate_params(), what="label-model")
        try:
            shape = int(meta["cardinality_"]), int(meta["n_lfs_"]), [str(n) for n in meta["lf_names_"]]
            json_attrs = dict(meta["json_attrs"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a complete weaksup label-model file (its metadata lacks or garbles "
                             f"{exc})") from exc
        model._fit_params = _params_snapshot(model)
        model.cardinality_, model.n_lfs_, model.lf_names_ = shape
        if "lf_names_placeholder_" in meta:  # a file from before it was recorded: align_lfs judges by the names
            model._lf_names_placeholder_ = bool(meta["lf_names_placeholder_"])
        # none known, or a file from before they were recorded: unknown, never compared
        fps = meta.get("lf_fingerprints_")
        model.lf_fingerprints_ = (tuple(None if fp is None else str(fp) for fp in fps) if isinstance(fps, list)
                                  and len(fps) == model.n_lfs_ else (None,) * model.n_lfs_)
        for k, v in json_attrs.items():
            setattr(model, k, v)
        for k, v in arrays.items():
            if "." not in k:  # dotted names belong to nested models (see AutoLabelModel) and the stream
                setattr(model, k, v)
        if "n_seen_" in meta:
            model.n_seen_ = int(meta["n_seen_"])
        _load_stream(model, meta, arrays, path)
        model._restore(meta, arrays, path)
        check_fitted_state(model, model._fitted_attrs, path)
        return model

    def _restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any) -> None:
        """Hook: rebuild state :meth:`_from_state` does not set (nested models)."""

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted state and the parameters it was fitted with to ``path`` (npz with JSON
        metadata; no pickle).  A parameter ``set_params`` changed after the fit is not saved: the file
        loads back as the model that was fitted (refit to use the new value).

        Warns, naming them, when the model holds fitted attributes (public names ending in ``_``) that the
        file does not: ones its class left out of ``_fitted_attrs``, which a loaded model then lacks."""
        meta, arrays = self._state()
        self._warn_unsaved_attrs(meta, arrays, path)
        save_npz(path, self._save_format, meta, arrays)

    def _warn_unsaved_attrs(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any) -> None:
        """Warn when a fitted attribute of this model is neither in ``meta`` (the fitted shape, the JSON
        attributes, a nested model's state) nor in ``arrays`` (dotted names: a nested model's or the stream's):
        the file would load as a model without it, failing only later, in ``predict``."""
        written = {*meta, *meta.get("json_attrs", {}), *(k.split(".", 1)[0] for k in arrays)}
        written.add("lf_fingerprints_")  # written when one is known; _from_state restores all-unknown ones itself
        unsaved = [k for k in vars(self) if k.endswith("_") and not k.startswith("_") and not k.endswith("__")
                   and k not in written]
        if unsaved:
            name = type(self).__name__
            warnings.warn(
                f"{name}.save({str(path)!r}): fitted attribute(s) {unsaved} are not in {name}._fitted_attrs "
                f"({list(self._fitted_attrs)}), so the file does not hold them and {name}.load() gives a model "
                f"without them (predict fails if it reads them); add them to _fitted_attrs",
                UserWarning, stacklevel=user_stacklevel())

    @classmethod
    def load(cls: type[_M], path: str | os.PathLike[str]) -> _M:
        """Load a model written by :meth:`save`: ``cls`` itself (a user's own model too) or any weaksup
        subclass of it; a file naming another class from outside weaksup is refused, never imported."""
        meta, arrays = load_npz(path, cls._save_format, legacy=_load_v0)
        return cls._from_state(meta, arrays, path)


_STREAM = "_stream."  # array-name prefix of the saved partial_fit statistics


def _chunk_lfs(L: Any, stream: dict[str, Any], votes: Any) -> Any:
    """A ``partial_fit`` chunk ``L`` (in memory or Dask, made of ``votes`` as given) with the earlier chunks' LFs
    in their order, matched as :func:`align_lfs` matches them."""
    if L.m != stream["m"]:
        raise ValueError(f"votes have {L.m} LFs; earlier chunks had {stream['m']}")
    return align_lfs(L, stream["lf_names"], what="votes (partial_fit chunk)", placeholder=stream.get("lf_placeholder"),
                     plain=plain_input(votes, L))


def _chunk_fingerprints(stream: dict[str, Any] | None, L: Any) -> tuple[str | None, ...]:
    """The LF fingerprints of the rows streamed so far and of chunk ``L`` (aligned to the stream's LFs) together:
    a ValueError naming the LFs whose known fingerprints differ (an LF edited between the applies), as
    :meth:`VoteMatrix.vstack <weaksup.votes.VoteMatrix.vstack>` refuses them; unknown ones are not compared."""
    own = lf_fingerprints(L)
    if stream is None:
        return own
    before = tuple(stream.get("lf_fingerprints") or (None,) * len(own))
    changed = [name for name, a, b in zip(L.lf_names, before, own) if a is not None and b is not None and a != b]
    if changed:
        shown = ", ".join(repr(n) for n in changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
        raise ValueError(
            f"partial_fit: this chunk's votes of LF(s) {shown} were made by another version of the LF than the "
            f"earlier chunks' (its code or parameters changed between the applies), so the model would learn two "
            f"LFs as one. Re-apply every row with the current LF and fit() on them; or, if the change does not "
            f"matter, drop the fingerprints: votes.with_lf_fingerprints(None) on every chunk")
    return tuple(a if a is not None else b for a, b in zip(before, own))


class _NotSaveable(TypeError):
    pass


def _encode_stats(obj: Any, name: str, arrays: dict[str, np.ndarray]) -> Any:
    """JSON layout of streamed statistics; their arrays go into ``arrays`` under names from ``name``."""
    import scipy.sparse as sp

    if isinstance(obj, VotePatterns):
        ind = obj.ind
        if not sp.isspmatrix_csr(ind):
            raise _NotSaveable(f"a {type(ind).__name__} pattern table")
        for part in ("data", "indices", "indptr"):
            arrays[f"{name}.ind.{part}"] = getattr(ind, part)
        for part in ("counts", "first", "keys"):
            arrays[f"{name}.{part}"] = getattr(obj, part)
        return {"patterns": name, "shape": [int(d) for d in ind.shape]}
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        arrays[name] = obj
        return {"array": name}
    if isinstance(obj, np.generic) and not isinstance(obj, np.object_):  # a 0-d array summed: a numpy scalar
        arrays[name] = np.asarray(obj)
        return {"scalar": name}
    if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
        return {"dict": {k: _encode_stats(v, f"{name}.{k}", arrays) for k, v in obj.items()}}
    raise _NotSaveable(f"a {type(obj).__name__}")


def _decode_stats(layout: Any, arrays: dict[str, np.ndarray]) -> Any:
    import scipy.sparse as sp

    if "array" in layout:
        return arrays[layout["array"]]
    if "scalar" in layout:
        return arrays[layout["scalar"]][()]
    if "dict" in layout:
        return {k: _decode_stats(v, arrays) for k, v in layout["dict"].items()}
    name = layout["patterns"]
    ind = sp.csr_matrix((arrays[f"{name}.ind.data"], arrays[f"{name}.ind.indices"], arrays[f"{name}.ind.indptr"]),
                        shape=tuple(layout["shape"]))
    return VotePatterns(ind, arrays[f"{name}.counts"], arrays[f"{name}.first"], arrays[f"{name}.keys"])


def _save_stream(model: Any, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Put ``model``'s partial_fit statistics into ``(meta, arrays)``, or say in ``meta`` why they are not there."""
    stream = model.__dict__.get("_stream")
    if stream is None:
        missing = model.__dict__.get("_stream_missing")
        if missing is not None:
            meta["stream_missing"] = missing
        return
    extra: dict[str, np.ndarray] = {}
    try:
        layout = _encode_stats(stream["stats"], _STREAM + "stats", extra)
    except _NotSaveable as exc:
        meta["stream_missing"] = f"its partial_fit statistics ({exc}) cannot be saved"
        return
    arrays.update(extra)
    meta["stream"] = {"n": int(stream["n"]), "k": int(stream["k"]), "m": int(stream["m"]),
                      "lf_names": list(stream["lf_names"]), "stats": layout}
    if stream.get("lf_placeholder") is not None:
        meta["stream"]["lf_placeholder"] = bool(stream["lf_placeholder"])
    if any(stream.get("lf_fingerprints") or ()):  # only when known: other files stay as they were
        meta["stream"]["lf_fingerprints"] = list(stream["lf_fingerprints"])


def _load_stream(model: Any, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any) -> None:
    """Restore the partial_fit statistics saved by :func:`_save_stream`; without them, a streaming model
    remembers why, and ``partial_fit`` says so instead of silently starting over."""
    layout = meta.get("stream")
    if layout is not None:
        try:
            stats = _decode_stats(layout["stats"], arrays)
            model._stream = {"stats": stats, "n": int(layout["n"]), "k": int(layout["k"]), "m": int(layout["m"]),
                             "lf_names": list(layout["lf_names"])}
            if "lf_placeholder" in layout:  # absent from older files: align_lfs judges by the names
                model._stream["lf_placeholder"] = bool(layout["lf_placeholder"])
            fps = layout.get("lf_fingerprints")  # absent from older files and when none was known: not compared
            if isinstance(fps, list) and len(fps) == model._stream["m"]:
                model._stream["lf_fingerprints"] = tuple(None if fp is None else str(fp) for fp in fps)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: its partial_fit statistics are incomplete or damaged ({exc!r})") from exc
        return
    if getattr(model, "_additive", False):
        why = meta.get("stream_missing", "it was saved by a weaksup that did not save them")
        model._stream_missing = f"it was loaded from {path}, which holds no partial_fit statistics ({why})"


def _load_v0(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a 0.1 label-model file (``"__meta__"`` without format tag; ``fit`` had written the
    learned class count into ``params["cardinality"]``)."""
    meta, arrays = load_npz_v0(path, "__meta__")
    if "class" not in meta or "params" not in meta:
        raise ValueError(f"{path}: not a weaksup label-model file")
    meta.setdefault("cardinality_", meta["params"].get("cardinality"))
    if meta["cardinality_"] is None:
        raise ValueError(f"{path}: 0.1 label-model file without a class count; refit and save again")
    return meta, arrays



class LabelModel(BaseVoteModel, ABC):
    """Base class of the classification label models (``fit(votes)``).

    Subclasses implement ``_predict_proba`` and either ``_fit`` or, for
    models whose fit depends on the votes only through additive statistics
    (``_additive = True``), ``_stats`` / ``_fit_stats`` (then ``partial_fit``
    works).  They declare hyper-parameters as ``__init__`` keyword arguments
    stored under the same attribute names (sklearn convention), constraints on
    them in ``_parameter_constraints``, and their fitted state as attributes
    ending in ``_`` listed in ``_fitted_attrs`` (numpy arrays or JSON-able
    values, dicts keyed by ints included) for save/load; :meth:`save` warns
    about a fitted attribute left out.  A ``cardinality`` parameter is optional
    (without it the class count is inferred from the votes).
    ``_predict_proba`` returns an ``n × k`` array of rows summing to 1;
    :meth:`predict_proba` refuses anything else, naming the class.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.labelmodel import LabelModel
    >>> class FirstVote(LabelModel):
    ...     # each row's first non-abstain vote (uniform on uncovered rows)
    ...     def __init__(self, cardinality=None):
    ...         self.cardinality = cardinality
    ...     def _fit(self, L, *, class_balance, dev, seed):
    ...         pass
    ...     def _predict_proba(self, L):
    ...         V, k = L.to_dense(), self.cardinality_
    ...         P = np.full((len(V), k), 1 / k)
    ...         for i, row in enumerate(V):
    ...             fired = row[row >= 0]
    ...             if fired.size:
    ...                 P[i] = np.eye(k)[fired[0]]
    ...         return P
    >>> FirstVote().fit(np.array([[-1, 1], [0, 1], [-1, -1]])).predict(np.array([[-1, 1], [0, 1]])).tolist()
    [1, 0]
    """

    #: True for models whose fit depends on the votes only through additive statistics.
    _additive: bool = False

    # --------------------------------------------------------------- contract
    @renamed_kwargs(dev="valid")
    def fit(self, votes: Any, *, class_balance: Any = None, valid: Any = None,
            seed: int | None = None) -> Self:
        """Fit on an n×m vote matrix; returns self.

        ``valid = (votes_valid, y_valid)`` are held-out gold labels (``dev=``
        is a deprecated alias).  Constructor parameters are never changed.  A fit
        that raises leaves the model as it was before the call (fitted or not).
        Dask votes (a Dask array or :class:`~weaksup.dask_votes.DaskVotes`) are
        fitted on the active Dask cluster (:mod:`weaksup.labelmodel._dask`).  ``seed``: None or an int in
        ``[0, 2**32 - 1]`` (:func:`weaksup._validation.check_seed`).  Only the models with a random
        start use it: :class:`~weaksup.labelmodel.MatrixCompletion` (``seed=None`` draws a seed from
        numpy's global generator, so ``np.random.seed`` repeats it) and :class:`~weaksup.labelmodel.EBCC`
        (``seed=None``: fresh OS entropy) record the seed used as ``seed_``, and ``fit(votes,
        seed=model.seed_)`` repeats the fit exactly; :class:`~weaksup.labelmodel.AutoLabelModel` passes it
        to its candidates (unseeded, its choice on ``valid`` can vary with theirs).  The other models are
        deterministic: ``seed`` changes nothing.
        """
        seed = check_seed(seed, f"{type(self).__name__}.fit")
        if is_dask_votes(votes):
            from weaksup.labelmodel._dask import fit_dask

            # the valid votes' LF versions compared with the training votes' as in memory (below); a plain Dask
            # array knows none
            check_valid = functools.partial(check_valid_votes, owner=type(self).__name__,
                                            train_fingerprints=getattr(votes, "lf_fingerprints", None))
            fitted = fit_dask(self, votes, class_balance=class_balance, valid=valid, seed=seed,
                              check_valid_votes=check_valid, progress=fit_progress_enabled())
            return fitted  # type: ignore[no-any-return]
        self._validate_params()
        L = check_votes(votes, self.cardinality, min_lfs=self.min_lfs)
        k = L.cardinality
        valid_checked = check_valid_votes(valid, k, L.m, lf_names=L.lf_names, placeholder=placeholder_names(L),
                                          train_fingerprints=lf_fingerprints(L), owner=type(self).__name__)
        check_class_balance(class_balance, k)
        fired = _votes_per_lf(L) if L.n else None
        check_fit_votes(L, fired=fired)
        self._warn_few_lfs(L.m, valid)
        with self._unchanged_on_failure():
            self._reset()
            self._set_shape(L)
            token = _INSIDE_FIT.set(True)
            try:
                self._fit(L, class_balance=class_balance, dev=valid_checked, seed=seed)
            finally:
                _INSIDE_FIT.reset(token)
        self._warn_redundant_lfs(L, fired)
        return self

    def _fit(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        """Learn from checked votes (``dev`` is the checked ``valid`` pair or None)."""
        if not self._additive:
            raise NotImplementedError(f"{type(self).__name__} must implement _fit or set _additive = True")
        stats = self._stats(L, 0)
        self._stream = {"stats": stats, "n": L.n, "k": L.cardinality, "m": L.m, "lf_names": list(L.lf_names),
                        "lf_placeholder": placeholder_names(L), "lf_fingerprints": lf_fingerprints(L)}
        self.n_seen_ = L.n
        self._fit_stats(stats, class_balance=class_balance, dev=dev, seed=seed)

    # ----------------------------------------------------- streaming (additive)
    def _stats(self, L: VoteMatrix, offset: int) -> Any:
        """Sufficient statistics of a row block (``offset`` = index of its first row)."""
        raise NotImplementedError

    def _merge_stats(self, a: Any, b: Any) -> Any:
        """Combine the statistics of two row blocks (default: add dict entries)."""
        return {key: a[key] + b[key] for key in a}

    def _fit_stats(self, stats: Any, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        raise NotImplementedError

    @renamed_kwargs(dev="valid")
    def partial_fit(self, votes: Any, *, class_balance: Any = None, valid: Any = None,
                    seed: int | None = None, refit: bool = True) -> Self:
        """Add a block of rows to the model's statistics and (with ``refit=True``) refit.

        Streaming the rows in chunks gives the same model as one ``fit`` on all
        of them (the statistics are exact integer counts); ``fit`` followed by
        ``partial_fit`` continues from ``fit``'s rows.  Pass ``refit=False``
        for all but the last chunk to skip intermediate fits; until a refit
        the model is not fitted.  Give ``cardinality`` in the constructor when
        the first chunk may lack classes.  A chunk may be Dask votes: its
        statistics are reduced on the Dask cluster (:mod:`weaksup.labelmodel._dask`).

        Examples
        --------
        >>> import numpy as np
        >>> from weaksup.labelmodel import MatrixCompletion
        >>> L = np.array([[0, 0, 1], [1, 1, 1], [0, -1, 0], [1, 1, -1]] * 5)
        >>> mc = MatrixCompletion(cardinality=2)
        >>> _ = mc.partial_fit(L[:10], refit=False).partial_fit(L[10:], seed=0)
        >>> mc.n_seen_
        20
        """
        if not self._additive:
            raise NotImplementedError(f"{type(self).__name__} has no additive statistics; use fit()")
        seed = check_seed(seed, f"{type(self).__name__}.partial_fit")
        self._validate_params()
        missing = self.__dict__.get("_stream_missing")
        if missing is not None:
            raise ValueError(f"{type(self).__name__}.partial_fit cannot continue this model: {missing}. Refit it "
                             "on all rows with fit(), or stream into a new model (partial_fit of Dask votes keeps "
                             "the statistics on the client)")
        stream = self.__dict__.get("_stream")
        k_known = stream["k"] if stream is not None else self.cardinality
        if is_dask_votes(votes):  # statistics reduced on the Dask cluster, merged into the stream
            from weaksup.labelmodel._dask import as_dask_votes, dask_stream

            V = as_dask_votes(votes, k_known)
            if stream is not None:  # LFs matched by name, as for an in-memory chunk
                V = _chunk_lfs(V, stream, votes)
            fps = _chunk_fingerprints(stream, V)
            try:
                stream = dask_stream(self, V, k_known, stream)
            except ValueError as exc:
                if stream is not None:
                    self._refuse_new_classes(votes, k_known, exc)
                raise
            stream = {**stream, "lf_fingerprints": fps}
        elif stream is not None:
            try:
                L = check_votes(votes, k_known, min_lfs=self.min_lfs)
            except ValueError as exc:
                self._refuse_new_classes(votes, k_known, exc)
                raise
            L = _chunk_lfs(L, stream, votes)
            fps = _chunk_fingerprints(stream, L)
            stats = self._merge_stats(stream["stats"], self._stats(L, stream["n"]))
            stream = {**stream, "stats": stats, "n": stream["n"] + L.n, "lf_fingerprints": fps}
        else:
            L = check_votes(votes, k_known, min_lfs=self.min_lfs)
            stream = {"stats": self._stats(L, 0), "n": L.n, "k": L.cardinality, "m": L.m,
                      "lf_names": list(L.lf_names), "lf_placeholder": placeholder_names(L),
                      "lf_fingerprints": lf_fingerprints(L)}
        if not refit:
            self._stream = stream
            return self
        k = stream["k"]
        valid_checked = check_valid_votes(valid, k, stream["m"], lf_names=stream["lf_names"],
                                          placeholder=stream.get("lf_placeholder"),
                                          train_fingerprints=stream.get("lf_fingerprints"), owner=type(self).__name__)
        check_class_balance(class_balance, k)
        self._warn_few_lfs(stream["m"], valid)
        with self._unchanged_on_failure():  # a failed refit does not keep the chunk: retrying it counts it once
            self._reset()
            self._stream = stream
            self.cardinality_, self.n_lfs_, self.lf_names_ = k, stream["m"], list(stream["lf_names"])
            if stream.get("lf_placeholder") is not None:
                self._lf_names_placeholder_ = bool(stream["lf_placeholder"])
            self.lf_fingerprints_ = tuple(stream.get("lf_fingerprints") or (None,) * stream["m"])
            self.n_seen_ = stream["n"]
            self._fit_stats(stream["stats"], class_balance=class_balance, dev=valid_checked, seed=seed)
        self._warn_redundant_lfs()  # from the streamed statistics, when they hold LF-pair counts
        return self

    def _refuse_new_classes(self, votes: Any, k_known: int, exc: Exception) -> None:
        """Raise a ``ValueError`` that names the cause when a ``partial_fit`` chunk votes a class past the
        ``k_known`` ones inferred from the earlier rows (called on the error path only: it reads the chunk)."""
        if self.cardinality is not None:
            return
        try:
            if is_dask_votes(votes):
                arr = votes.array if hasattr(votes, "array") else votes
                top = int(arr.max().compute()) if arr.size else -1
            else:
                L = check_votes(votes, None)
                data = L._csr().data - 1 if L.is_sparse else L.to_dense()
                top = int(data.max()) if data.size else -1
        except (ValueError, TypeError):
            return
        if top >= k_known:
            raise ValueError(
                f"votes (partial_fit chunk) hold class {top}, but {type(self).__name__} has {k_known} classes, "
                f"inferred from the rows it saw first (no vote above {k_known - 1} there): give the class count "
                f"up front when a chunk may lack classes, {type(self).__name__}(cardinality={top + 1}) or more "
                f"(or cardinality= on the first chunk's VoteMatrix) [{exc}]") from exc

    # ------------------------------------------------------------ prediction
    # Dask votes give lazy Dask arrays (docs/scaling.md calls .compute() on them), other votes numpy arrays
    @overload
    def predict_proba(self, votes: DaskVotes | dask.array.Array) -> dask.array.Array: ...

    @overload
    def predict_proba(self, votes: Any) -> np.ndarray: ...

    def predict_proba(self, votes: Any) -> Any:
        """``n × k`` class probabilities; rows sum to 1 (a lazy Dask array for Dask votes)."""
        if is_dask_votes(votes):
            from weaksup.labelmodel._dask import predict_proba_dask

            return predict_proba_dask(self, self._check_dask_votes(votes))
        L = self._check_predict_votes(votes)
        if L.n == 0:
            return np.zeros((0, self.cardinality_))
        return checked_probs(self._predict_proba(L), L.n, self.cardinality_, type(self).__name__)

    @abstractmethod
    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        """Probabilities for checked votes with at least one row."""

    @overload
    def predict(self, votes: DaskVotes | dask.array.Array, tie_break: str = ..., *,
                return_probs: Literal[False] = ..., seed: int | None = ...) -> dask.array.Array: ...

    @overload
    def predict(self, votes: DaskVotes | dask.array.Array, tie_break: str = ..., *, return_probs: Literal[True],
                seed: int | None = ...) -> tuple[dask.array.Array, dask.array.Array]: ...

    @overload
    def predict(self, votes: Any, tie_break: str = ..., *, return_probs: Literal[False] = ...,
                seed: int | None = ...) -> np.ndarray: ...

    @overload
    def predict(self, votes: Any, tie_break: str = ..., *, return_probs: Literal[True],
                seed: int | None = ...) -> tuple[np.ndarray, np.ndarray]: ...

    @overload
    def predict(self, votes: Any, tie_break: str = ..., *, return_probs: bool,
                seed: int | None = ...) -> Any: ...

    def predict(self, votes: Any, tie_break: str = "random", *, return_probs: bool = False,
                seed: int | None = None) -> Any:
        """Hard labels (``-1`` only with ``tie_break="abstain"``)."""
        seed = check_seed(seed, f"{type(self).__name__}.predict")
        if is_dask_votes(votes):
            from weaksup.labelmodel._dask import predict_dask, predict_proba_dask

            V = self._check_dask_votes(votes)
            preds = predict_dask(self, V, tie_break, seed=seed)
            return (preds, predict_proba_dask(self, V)) if return_probs else preds
        probs = self.predict_proba(votes)
        preds = probs_to_preds(probs, tie_break, prior=getattr(self, "class_balance_", None), seed=seed)
        return (preds, probs) if return_probs else preds

    # one metric name gives its value, a list of names a dict of values: overloads say so, else every result
    # types as the union and ``model.score(L, y) > 0.5`` fails a type checker
    @overload
    def score(self, votes: Any, y: Any, metric: str = ..., tie_break: str = ..., *,
              seed: int | None = ...) -> float: ...

    @overload
    def score(self, votes: Any, y: Any, metric: list[str], tie_break: str = ..., *,
              seed: int | None = ...) -> dict[str, float]: ...

    def score(self, votes: Any, y: Any, metric: str | list[str] = "accuracy",
              tie_break: str = "random", *, seed: int | None = None) -> float | dict[str, float]:
        """Score against gold labels with :mod:`weaksup.metrics` (one name or a list).

        The hard labels are :meth:`predict`'s with the same ``tie_break`` and ``seed`` (``seed`` fixes
        ``tie_break="true-random"``, which otherwise draws afresh on every call).
        """
        seed = check_seed(seed, f"{type(self).__name__}.score")
        if is_dask_votes(votes):  # predictions computed on the Dask cluster
            from weaksup.labelmodel._dask import score_dask

            return score_dask(self, self._check_dask_votes(votes), y, metric, tie_break, score_probs=score_probs,
                              seed=seed)
        L = self._check_predict_votes(votes)
        token = _LF_VERSIONS_CHECKED.set(True)  # said above if at all: not again by predict_proba
        try:
            probs = self.predict_proba(L)
        finally:
            _LF_VERSIONS_CHECKED.reset(token)
        return score_probs(probs, y, metric, tie_break, n=L.n, cardinality=self.cardinality_,
                           prior=getattr(self, "class_balance_", None), seed=seed)


def score_probs(probs: np.ndarray | None, y: Any, metric: str | list[str], tie_break: str, *, n: int,
                cardinality: int, prior: np.ndarray | None = None, preds: np.ndarray | None = None,
                seed: int | None = None) -> Any:
    """Score probabilities against gold labels ``y`` (shared by every label-model family).

    ``preds``: hard labels already computed with the same ``tie_break`` (then ``probs`` is only
    read by metrics that need probabilities, and may be None when none does); else they are
    :func:`probs_to_preds` of ``probs`` with ``tie_break`` and ``seed``."""
    from weaksup.metrics import score as _score

    y = check_labels(y, cardinality, what="y")
    if len(y) != n:
        raise ValueError(f"votes have {n} rows but y has {len(y)}")
    if preds is None:
        preds = probs_to_preds(probs, tie_break, prior=prior, seed=seed)
    if isinstance(metric, str):
        return _score(metric, y, preds, probs)
    return {m: _score(m, y, preds, probs) for m in metric}
