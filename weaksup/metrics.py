"""Evaluation metrics (numpy only; no scikit-learn import at module load).

Names accepted by :func:`score`: ``accuracy`` (``acc``), ``f1_binary``
(``f1``: ``"f1"`` always means binary F1 here, positive class 1, WRENCH's
binary F1), ``f1_macro``, ``f1_micro``, ``precision``, ``recall`` (binary,
class 1), ``auc`` (binary ROC AUC), ``logloss``, ``brier``, and any metric a
task family registers with :func:`register_metric` (``span_f1``, strict IOB2
span-level micro F1, is registered by :mod:`weaksup.sequence.metrics`, which
every sequence-tagging loader and model imports).  Predictions of ``-1``
(abstain) count as wrong; ``f1_macro`` averages over real classes only (``-1``
is never a class).  This module imports nothing above numpy: higher layers
register into it, never the reverse.

Inputs are checked as scikit-learn checks them, with the row that is wrong:
gold labels ``y_true`` are class ids ``0..k-1`` (a ``-1``, "unknown", is refused:
drop those rows before scoring), hard predictions are class ids or ``-1``
(never floats such as positive-class probabilities, NaN or inf), probabilities
are a finite ``n × k`` matrix in ``[0, 1]`` with one row per gold label, and
``y_true`` must name one of its ``k`` columns.

Examples
--------
>>> from weaksup.metrics import accuracy, f1_binary
>>> accuracy([0, 1, 1], [0, 1, -1])
0.6666666666666666
>>> f1_binary([0, 1, 1, 0], [1, 1, 0, 0])
0.5
>>> from weaksup.metrics import METRICS, TIE_BREAKS
>>> "f1_macro" in METRICS, "logloss" in METRICS
(True, True)
>>> TIE_BREAKS  # probs_to_preds(probs, tie_break=...)
('random', 'abstain', 'prior', 'true-random')
>>> accuracy([0, 1, -1], [0, 1, 1])
Traceback (most recent call last):
...
ValueError: y_true: value -1 at row 2 is not a class id; gold labels must be class ids 0..k-1 (drop rows \
whose gold label is unknown before scoring)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from weaksup._validation import check_label_size, check_seed, class_frame_array, label_array

__all__ = [
    "accuracy",
    "f1_binary",
    "f1_macro",
    "f1_micro",
    "precision_binary",
    "recall_binary",
    "roc_auc",
    "log_loss",
    "brier",
    "score",
    "probs_to_preds",
    "tie_split",
    "TIE_BREAKS",
    "register_metric",
    "METRICS",
    "metric_needs_probs",
]


#: Tie-break policies of :func:`probs_to_preds`.
TIE_BREAKS = ("random", "abstain", "prior", "true-random")


def _sha1_tie(i: int) -> int:
    return int(hashlib.sha1(str(i).encode()).hexdigest(), 16)


def probs_to_preds(probs: Any, tie_break: str = "random", *, prior: np.ndarray | None = None,
                   tol: float = 1e-5, seed: int | None = None, offset: int = 0) -> np.ndarray:
    """Turn probabilities into hard predictions with an explicit tie-break policy.

    The one rule label models, end models, pipelines and the bench use.
    ``"random"`` is snorkel's (and WRENCH's) deterministic rule: among tied
    classes pick index ``sha1(str(i)) % n_ties`` where ``i`` is the row index
    (plus ``offset``).  ``"abstain"`` returns -1 on ties, ``"prior"`` the tied
    class with the largest prior, ``"true-random"`` a seeded random choice
    drawn per row (row index plus ``offset``), so a block of rows predicts as
    the whole matrix does.

    Parameters
    ----------
    probs : array-like of shape (n, k)
        Finite probabilities, ``k >= 1`` columns (a NaN row is an error naming the row); a frame's columns
        are matched to classes by label (``0..k-1`` in any order), as the other metrics read ``probs``.
    tie_break : {"random", "abstain", "prior", "true-random"}
        The rule for rows whose top classes are within ``tol`` of each other.
    prior : array-like of shape (k,), optional
        ``"prior"``'s class order: finite, ``>= 0``, one entry per column (a list is fine).
    tol : float
        Finite, ``>= 0``: classes within ``tol`` of the row's maximum are tied.
    seed : int, optional
        ``"true-random"``'s seed: None or an int in ``[0, 2**32 - 1]``, checked whatever the rule
        (:func:`weaksup._validation.check_seed`).
    offset : int
        Index of the first row in the whole matrix (``"random"`` and ``"true-random"`` draw per row).

    >>> from weaksup.metrics import probs_to_preds
    >>> probs_to_preds([[0.5, 0.5], [0.2, 0.8]], "abstain").tolist()
    [-1, 1]
    >>> probs_to_preds([[0.5, 0.5]], "prior", prior=[0.3, 0.7]).tolist()
    [1]
    """
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}")
    # checked under every rule: a bad seed passed with "random" was taken silently and failed only once the
    # same call was switched to "true-random" (deep in numpy: "SeedSequence expects int ...")
    seed = check_seed(seed, "probs_to_preds")
    probs = _tie_probs(probs, tol, "probs_to_preds", offset)
    n = probs.shape[0]
    if tie_break == "prior" and prior is not None:
        prior = _tie_prior(prior, probs.shape[1])
    preds = probs.argmax(axis=1).astype(np.int64)
    if n == 0:
        return preds
    rmax = probs.max(axis=1, keepdims=True)
    tied = np.abs(probs - rmax) <= tol
    n_ties = tied.sum(axis=1)
    rows = np.nonzero(n_ties > 1)[0]
    draws = _row_draws(seed, rows + offset) if tie_break == "true-random" else None
    for j, i in enumerate(rows):
        idx = np.nonzero(tied[i])[0]
        if tie_break == "random":
            preds[i] = idx[_sha1_tie(int(i) + offset) % len(idx)]
        elif tie_break == "abstain":
            preds[i] = -1
        elif tie_break == "prior":
            pr = prior if prior is not None else np.ones(probs.shape[1])
            preds[i] = idx[np.argmax(pr[idx])]
        else:
            assert draws is not None
            preds[i] = idx[int(draws[j] % np.uint64(len(idx)))]
    return preds


def _tie_probs(probs: Any, tol: Any, what: str, offset: int = 0) -> np.ndarray:
    """``probs`` as a finite ``n × k`` float64 matrix (``k >= 1``) and ``tol`` a finite number ``>= 0``, or a
    ValueError naming ``what`` and the first bad row (shared by :func:`probs_to_preds` and :func:`tie_split`)."""
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float, np.integer, np.floating)) \
            or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"{what}: tol must be a finite number >= 0 (classes within tol of a row's maximum tie), "
                         f"got {tol!r}")
    # a frame's columns are matched to classes by label, as the other metrics read probs (read by position, a
    # frame with its columns in another order gave another class's label)
    probs = class_frame_array(probs, f"{what} probs")
    try:
        probs = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} wants an n × k numeric array of class probabilities: {exc}") from None
    if probs.ndim != 2:
        raise ValueError(f"{what} wants an n × k array of class probabilities (one row per example, "
                         f"one column per class), got shape {probs.shape}")
    if probs.shape[1] == 0:
        raise ValueError(f"{what}: probs has shape {probs.shape}, no class columns; it needs one column per class "
                         "(k >= 1)")
    bad = ~np.isfinite(probs).all(axis=1)
    if bad.any():
        # argmax reads a NaN row as class 0: a wrong label nothing would report
        rows_bad = np.nonzero(bad)[0]
        raise ValueError(f"{what}: {len(rows_bad)} row(s) hold NaN or inf, first at row "
                         f"{int(rows_bad[0]) + offset}: {probs[rows_bad[0]].tolist()}; class probabilities "
                         "must be finite")
    return probs


def _tie_prior(prior: Any, k: int) -> np.ndarray:
    """The ``"prior"`` tie rule's class prior as a finite, non-negative float ``(k,)`` array (a fitted label
    model's ``class_balance_`` may hold a 0 for a class it never saw)."""
    try:
        pr = np.asarray(prior, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"probs_to_preds: prior must be {k} numbers, one per class column: {exc}") from None
    if pr.shape != (k,):
        raise ValueError(f"probs_to_preds: prior must have one entry per class column, shape ({k},), "
                         f"got shape {pr.shape}")
    bad = ~np.isfinite(pr) | (pr < 0)
    if bad.any():
        i = _first(bad)
        raise ValueError(f"probs_to_preds: prior[{i}] = {float(pr[i])!r}; a class prior must be finite and >= 0")
    return pr


def _row_draws(seed: int | None, rows: np.ndarray) -> np.ndarray:
    """One random 64-bit draw per row, a function of ``(seed, row)`` only (splitmix64 of the row under a
    key from ``seed``): the same row draws the same in a whole matrix and in any block of it."""
    key = np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]
    with np.errstate(over="ignore"):
        z = key + (np.asarray(rows, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def tie_split(probs: Any, tol: float = 1e-5) -> np.ndarray:
    """The hard decision of ``probs`` as weights: 1 on the argmax, ``1/t`` on each of ``t`` tied
    classes (within ``tol``, as in :func:`probs_to_preds`).

    Unlike a tie broken by row index, it does not depend on where a row sits.

    Parameters
    ----------
    probs : array-like (n, k)
        Class probabilities, one row per example.
    tol : float
        Classes within ``tol`` of a row's largest probability tie with it.

    Examples
    --------
    >>> from weaksup.metrics import tie_split
    >>> tie_split([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0]]).tolist()
    [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]]
    """
    probs = _tie_probs(probs, tol, "tie_split")
    win = probs >= probs.max(1, keepdims=True) - tol
    return win / win.sum(1, keepdims=True)


def _first(mask: np.ndarray) -> int:
    return int(np.nonzero(mask)[0][0])


def _class_ids(y: Any, what: str, *, abstain: bool = False, cardinality: int | None = None,
               why: str = "") -> np.ndarray:
    """``y`` as 1-D int64 class ids, or a ValueError naming ``what``, the first offending row and its value.

    Gold labels (``abstain=False``) are ``0..k-1``; hard predictions (``abstain=True``) may also be ``-1``.
    With ``cardinality`` the ids must be below it (``why`` says where it comes from).  Read as every label check
    reads them (:func:`weaksup._validation.label_array`): booleans as 0/1, an object array of numbers as those
    numbers, a masked entry as -1 in predictions (abstain) and refused in gold labels; an ``n × 1`` column is
    raveled.
    """
    kind = "class ids 0..k-1" + (" or -1 (abstain)" if abstain else "")
    arr = label_array(y, what, unknown=abstain, kind=kind)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        hint = " (pass probabilities as probs=)" if abstain and arr.ndim == 2 else ""
        raise ValueError(f"{what} must be a 1-D array of {kind}, got shape {arr.shape}{hint}")
    if arr.dtype.kind in "OUSV" and arr.size:
        words = [not isinstance(v, (bool, int, float, np.bool_, np.integer, np.floating)) for v in arr.tolist()]
        if any(words):
            i = words.index(True)
            raise ValueError(f"{what} must hold {kind} (integers), got {arr.tolist()[i]!r} at row {i}; "
                             "map label names to class ids first")
        arr = arr.astype(np.float64)
    if arr.dtype.kind == "c":
        raise ValueError(f"{what} must hold {kind} (integers), got complex numbers")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            i = _first(bad)
            raise ValueError(f"{what}: value {float(arr[i])} at row {i} is not a class id ({kind}); "
                             f"{int(bad.sum())} NaN or inf value(s) in total")
        bad = arr != np.round(arr)
        if bad.any():
            i = _first(bad)
            hint = " (pass probabilities as probs=, not as predictions)" if abstain else ""
            raise ValueError(f"{what}: value {float(arr[i])!r} at row {i} is not an integer class id; "
                             f"{what} must be {kind}{hint}")
    check_label_size(arr, what, kind=kind)
    ids = arr.astype(np.int64)
    low = -1 if abstain else 0
    bad = (ids < low) if cardinality is None else ((ids < low) | (ids >= cardinality))
    if bad.any():
        i = _first(bad)
        if cardinality is not None and ids[i] >= cardinality:
            raise ValueError(f"{what}: value {ids[i]} at row {i} is outside 0..{cardinality - 1}{why}")
        if not abstain and ids[i] == -1:
            raise ValueError(f"{what}: value -1 at row {i} is not a class id; gold labels must be class ids "
                             "0..k-1 (drop rows whose gold label is unknown before scoring)")
        raise ValueError(f"{what}: value {ids[i]} at row {i} is not one of the {kind}")
    return ids


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Gold class ids and hard predictions (class ids or -1), checked and of equal length."""
    yt = _class_ids(y_true, "y_true")
    yp = _class_ids(y_pred, "y_pred", abstain=True)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true has {yt.size} entries but y_pred has {yp.size}")
    return yt, yp


def _probs(probs: Any, y_true: Any, what: str = "probs") -> tuple[np.ndarray, np.ndarray]:
    """Gold class ids and a finite ``n × k`` probability matrix in [0, 1] with one row per gold label; a frame's
    columns are matched to classes by label, as end models read soft labels
    (:func:`weaksup._validation.class_frame_array`)."""
    probs = class_frame_array(probs, what)
    try:
        p = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a numeric n × k matrix of class probabilities: {exc}") from None
    if p.ndim != 2:
        raise ValueError(f"{what} must be an n × k matrix of class probabilities (one column per class), "
                         f"got shape {p.shape}")
    _check_scores(p, what)
    if ((p < 0) | (p > 1)).any():
        r, c = (int(v[0]) for v in np.nonzero((p < 0) | (p > 1)))
        raise ValueError(f"{what}: {float(p[r, c])!r} at row {r}, column {c} is not a probability (outside [0, 1])")
    yt = _class_ids(y_true, "y_true", cardinality=p.shape[1], why=f" ({what} has {p.shape[1]} class columns)")
    if yt.size != p.shape[0]:
        raise ValueError(f"y_true has {yt.size} entries but {what} has {p.shape[0]} rows")
    return yt, p


def _check_scores(s: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(s)
    if bad.any():
        idx = tuple(int(v[0]) for v in np.nonzero(bad))
        where = f"row {idx[0]}" + (f", column {idx[1]}" if len(idx) == 2 else "")
        raise ValueError(f"{what} contains {float(s[idx])} at {where}; {int(bad.sum())} NaN or inf value(s) in total")


def accuracy(y_true: Any, y_pred: Any) -> float:
    yt, yp = _pair(y_true, y_pred)
    return float((yt == yp).mean()) if yt.size else float("nan")


def _prf(yt: np.ndarray, yp: np.ndarray, pos: int) -> tuple[float, float, float]:
    tp = float(np.sum((yp == pos) & (yt == pos)))
    fp = float(np.sum((yp == pos) & (yt != pos)))
    fn = float(np.sum((yp != pos) & (yt == pos)))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _binary_pair(y_true: Any, y_pred: Any, pos_label: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Gold labels and predictions of a binary metric: classes 0 and 1 (predictions may be -1), ``pos_label``
    0 or 1; a third class or another ``pos_label`` is a ValueError, not a score of 0 (or of one class vs rest)."""
    if isinstance(pos_label, (bool, np.bool_)) or pos_label not in (0, 1):
        raise ValueError(f"{name}: pos_label must be 0 or 1 (a binary metric of classes 0 and 1), got {pos_label!r}")
    why = f" ({name} is binary: classes 0 and 1; score more classes with 'f1_macro', 'f1_micro' or 'accuracy')"
    yt = _class_ids(y_true, "y_true", cardinality=2, why=why)
    yp = _class_ids(y_pred, "y_pred", abstain=True, cardinality=2, why=why)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true has {yt.size} entries but y_pred has {yp.size}")
    return yt, yp


def f1_binary(y_true: Any, y_pred: Any, pos_label: int = 1) -> float:
    """F1 of the positive class (WRENCH's ``f1_binary``): labels are the classes 0 and 1 (predictions may be -1),
    ``pos_label`` is 0 or 1; a third class is refused (``f1_macro`` / ``f1_micro`` score ``k`` classes).

    Examples
    --------
    >>> from weaksup.metrics import f1_binary
    >>> f1_binary([0, 1, 1, 0], [1, 1, 0, 0]), f1_binary([0, 1, 1, 0], [1, 1, 0, 0], pos_label=0)
    (0.5, 0.5)
    """
    return _prf(*_binary_pair(y_true, y_pred, pos_label, "f1_binary"), int(pos_label))[2]


def precision_binary(y_true: Any, y_pred: Any, pos_label: int = 1) -> float:
    """Precision of the positive class (``pos_label``, 0 or 1); binary: a third class is refused, as in
    :func:`f1_binary`.

    Examples
    --------
    >>> from weaksup.metrics import precision_binary
    >>> precision_binary([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return _prf(*_binary_pair(y_true, y_pred, pos_label, "precision_binary"), int(pos_label))[0]


def recall_binary(y_true: Any, y_pred: Any, pos_label: int = 1) -> float:
    """Recall of the positive class (``pos_label``, 0 or 1); binary: a third class is refused, as in
    :func:`f1_binary`.

    Examples
    --------
    >>> from weaksup.metrics import recall_binary
    >>> recall_binary([0, 1, 1, 1], [1, 1, 0, 1])
    0.6666666666666666
    """
    return _prf(*_binary_pair(y_true, y_pred, pos_label, "recall_binary"), int(pos_label))[1]


def f1_macro(y_true: Any, y_pred: Any, labels: Any = None) -> float:
    """Unweighted mean F1 over classes present in ``y_true`` or ``y_pred`` (sklearn's default).

    ``labels`` (optional) averages over those classes only: each must occur in ``y_true`` or ``y_pred``
    (an absent class has no F1) and appear once.

    Examples
    --------
    >>> from weaksup.metrics import f1_macro
    >>> round(f1_macro([0, 1, 2, 2], [0, 1, 1, 2]), 4)  # (1 + 2/3 + 2/3) / 3
    0.7778
    """
    yt, yp = _pair(y_true, y_pred)
    present = np.unique(np.concatenate([yt, yp[yp >= 0]]))
    if labels is None:
        classes = present
    else:
        classes = _class_ids(labels, "labels")
        if classes.size == 0:
            raise ValueError("f1_macro: labels is empty; pass the classes to average over, or labels=None for "
                             "every class in y_true or y_pred")
        uniq, counts = np.unique(classes, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"f1_macro: labels names class {int(uniq[counts > 1][0])} more than once (it would "
                             "weigh twice in the mean)")
        absent = ~np.isin(classes, present)
        if absent.any() and yt.size:
            i = _first(absent)
            raise ValueError(f"f1_macro: labels[{i}] = {int(classes[i])} is in neither y_true nor y_pred (classes "
                             f"{present.tolist()}), so its F1 is 0/0; average over classes that occur")
    if classes.size == 0:
        return float("nan")
    return float(np.mean([_prf(yt, yp, int(c))[2] for c in classes]))


def f1_micro(y_true: Any, y_pred: Any) -> float:
    """Micro F1; equals accuracy for single-label predictions without abstains.

    Examples
    --------
    >>> from weaksup.metrics import f1_micro
    >>> f1_micro([0, 1, 2, 2], [0, 1, 2, 2])
    1.0
    """
    yt, yp = _pair(y_true, y_pred)
    covered = yp >= 0
    tp = float(np.sum((yt == yp) & covered))
    fp = float(np.sum((yt != yp) & covered))
    fn = float(np.sum(yt != yp))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def roc_auc(y_true: Any, probs: Any, pos_label: int = 1) -> float:
    """Binary ROC AUC from the positive-class score (ties counted half).

    ``y_true`` holds the classes 0 and 1; ``probs`` is the score of class ``pos_label``,
    shape ``(n,)``, or an ``n × 2`` probability matrix.  NaN when only one class is present.

    Examples
    --------
    >>> from weaksup.metrics import roc_auc
    >>> roc_auc([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.4])  # one tied pair counts half
    0.875
    """
    if pos_label not in (0, 1):
        raise ValueError(f"pos_label must be 0 or 1 (binary ROC AUC), got {pos_label!r}")
    probs = class_frame_array(probs, "probs")  # a frame's columns matched to classes by label, as in log_loss
    try:
        s = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"probs must be numeric scores (n,) or an n × 2 probability matrix: {exc}") from None
    if s.ndim == 2 and s.shape[1] != 2:
        raise ValueError(f"roc_auc is binary: probs must have 2 columns (or be the positive-class scores, "
                         f"shape (n,)), got shape {s.shape}")
    if s.ndim not in (1, 2):
        raise ValueError(f"probs must be scores (n,) or an n × 2 probability matrix, got shape {s.shape}")
    _check_scores(s, "probs")
    yt = _class_ids(y_true, "y_true", cardinality=2, why=" (roc_auc is binary: classes 0 and 1)")
    if yt.size != s.shape[0]:
        raise ValueError(f"y_true has {yt.size} entries but probs has {s.shape[0]} rows")
    s = s[:, pos_label] if s.ndim == 2 else s
    pos = yt == pos_label
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    # average ranks for ties
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def log_loss(y_true: Any, probs: Any, eps: float = 1e-15) -> float:
    """Mean negative log-probability of the true class (probabilities clipped below at ``eps``, rows renormalised).

    ``eps`` is a number with ``0 < eps < 0.5``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.metrics import log_loss
    >>> round(log_loss([0, 1], np.array([[0.5, 0.5], [0.25, 0.75]])), 4)  # (log 2 - log 0.75) / 2
    0.4904
    """
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, (int, float, np.integer, np.floating)) \
            or not 0 < eps < 0.5:
        raise ValueError(f"log_loss: eps must be a number with 0 < eps < 0.5 (the floor probabilities are clipped "
                         f"to), got {eps!r}")
    yt, p = _probs(probs, y_true)
    p = np.clip(p, eps, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(yt)), yt])))


def brier(y_true: Any, probs: Any) -> float:
    """Multi-class Brier score: mean over rows of ‖p − onehot(y)‖².

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.metrics import brier
    >>> round(brier([0, 1], np.array([[1.0, 0.0], [0.5, 0.5]])), 4)  # (0 + 0.5) / 2
    0.25
    """
    yt, p = _probs(probs, y_true)
    onehot = np.zeros_like(p)
    onehot[np.arange(len(yt)), yt] = 1.0
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


class _Metric:
    """One registry entry: the function and what it reads (``labels``, ``probs`` or ``sequences``)."""

    __slots__ = ("func", "needs")

    def __init__(self, func: Callable[..., float], needs: str) -> None:
        self.func, self.needs = func, needs


_REGISTRY: dict[str, _Metric] = {}
_NEEDS = ("labels", "probs", "sequences")
_BUILTIN: frozenset[str] = frozenset()  # filled once the built-ins below are registered


def register_metric(name: str, func: Callable[..., float], needs: str = "labels",
                    aliases: tuple[str, ...] = (), *, overwrite: bool = False) -> None:
    """Make ``score(name, ...)`` call ``func(y_true, y_pred_or_probs)``.

    ``needs`` says what ``func`` reads: ``"labels"`` (hard predictions; filled
    from ``probs`` by :func:`probs_to_preds`' ``"random"`` tie rule when only those are given), ``"probs"``
    (an ``n × k`` probability matrix) or ``"sequences"`` (lists of tag
    sequences, passed through as ``y_pred``).  Registering a name again
    replaces the entry (modules may be reloaded), but a built-in name (``accuracy``, ``f1`` ...) is
    refused unless ``overwrite=True``: every ``score("accuracy", ...)`` in the process would change.

    Parameters
    ----------
    name : str
        The name :func:`score` takes.
    func : callable
        ``func(y_true, y) -> float``, ``y`` being what ``needs`` says.
    needs : {"labels", "probs", "sequences"}
        What ``func`` reads (above).
    aliases : tuple of str
        Other names for the same metric.
    overwrite : bool
        Replace a built-in metric of the same name (or alias).

    Examples
    --------
    >>> from weaksup import metrics
    >>> from weaksup.metrics import accuracy, register_metric, score
    >>> register_metric("error_rate", lambda y, p: 1.0 - accuracy(y, p))
    >>> score("error_rate", [0, 1], [0, 0])
    0.5
    >>> _ = metrics._REGISTRY.pop("error_rate")  # the example leaves the registry as it was
    >>> register_metric("accuracy", lambda y, p: 0.0)
    Traceback (most recent call last):
    ...
    ValueError: register_metric('accuracy'): 'accuracy' is a built-in metric of weaksup.metrics; pick another name, \
or pass overwrite=True to replace it for every caller
    """
    if needs not in _NEEDS:
        raise ValueError(f"register_metric({name!r}): needs must be one of {_NEEDS}, got {needs!r}")
    if not callable(func):
        raise TypeError(f"register_metric({name!r}): func must be callable, got {type(func).__name__}")
    builtin = [key for key in (name, *aliases) if key in _BUILTIN]
    if builtin and not overwrite:
        raise ValueError(f"register_metric({name!r}): {builtin[0]!r} is a built-in metric of weaksup.metrics; pick "
                         "another name, or pass overwrite=True to replace it for every caller")
    for key in (name, *aliases):
        _REGISTRY[key] = _Metric(func, needs)


class _MetricNames(Sequence[str]):
    """The registered metric names: a live, read-only view (registrations show up at once)."""

    def __getitem__(self, i: Any) -> Any:
        return tuple(_REGISTRY)[i]

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __contains__(self, name: object) -> bool:
        return name in _REGISTRY

    def __repr__(self) -> str:
        return repr(tuple(_REGISTRY))


for _name, _func, _needs, _aliases in (
    ("accuracy", accuracy, "labels", ("acc",)),
    ("f1_binary", f1_binary, "labels", ("f1",)),
    ("f1_macro", f1_macro, "labels", ()),
    ("f1_micro", f1_micro, "labels", ()),
    ("precision", precision_binary, "labels", ()),
    ("recall", recall_binary, "labels", ()),
    ("auc", roc_auc, "probs", ()),
    ("logloss", log_loss, "probs", ()),
    ("brier", brier, "probs", ()),
):
    register_metric(_name, _func, _needs, _aliases)
_BUILTIN = frozenset(_REGISTRY)
#: Metrics of the classes 0 and 1 only: ``score`` refuses them for probabilities of more classes.
_BINARY_LABEL_FUNCS = (f1_binary, precision_binary, recall_binary)

#: Every registered metric name (a live view of the registry).
METRICS: Sequence[str] = _MetricNames()


def metric_needs_probs(name: str) -> bool:
    """Whether the registered metric ``name`` reads probabilities (``auc``, ``logloss``, ``brier``) rather than labels
    (an unknown name is a ValueError, as in :func:`score`).

    Examples
    --------
    >>> from weaksup.metrics import metric_needs_probs
    >>> metric_needs_probs("auc"), metric_needs_probs("accuracy")
    (True, False)
    """
    return _entry(name).needs == "probs"


def _entry(metric: str) -> _Metric:
    """The registry entry of ``metric``, or a ValueError listing the registered names."""
    entry = _REGISTRY.get(metric) if isinstance(metric, str) else None
    if entry is None:
        hint = (" ('span_f1' is registered by weaksup.sequence.metrics: import weaksup.sequence)"
                if metric == "span_f1" else "")
        raise ValueError(f"unknown metric {metric!r}; choose from {tuple(_REGISTRY)}{hint}")
    return entry


def score(metric: str, y_true: Any, y_pred: Any = None, probs: Any = None) -> float:
    """Compute ``metric`` from hard predictions and/or probabilities.

    A metric of hard labels given only ``probs`` reads the predictions
    :func:`probs_to_preds` makes of them (ties broken by its default ``"random"``
    rule, as ``predict`` breaks them), not a plain argmax.

    Parameters
    ----------
    metric : str
        A name of :data:`METRICS` (``"accuracy"``, ``"f1_binary"``, ``"auc"``...) or one added by
        :func:`register_metric`.
    y_true : array-like
        Gold labels, class ids ``0..k-1`` (tag sequences for a ``"sequences"`` metric).
    y_pred : array-like, optional
        Hard predictions (class ids, ``-1`` counted wrong); a metric of labels given none reads them
        from ``probs``.
    probs : array-like (n, k), optional
        Class probabilities; needed by the metrics of probabilities (``auc``, ``logloss``, ``brier``).

    Examples
    --------
    >>> from weaksup.metrics import score
    >>> score("accuracy", [0, 1], probs=[[0.9, 0.1], [0.2, 0.8]])
    1.0
    """
    entry = _entry(metric)
    if entry.needs != "sequences" and probs is not None:  # a frame's columns by label, before the argmax reads them
        probs = class_frame_array(probs, "probs")
    if entry.needs == "sequences":
        if y_pred is None:
            raise ValueError(f"metric {metric!r} needs predicted tag sequences (y_pred)")
        return float(entry.func(y_true, y_pred))
    if entry.needs == "labels":
        if entry.func in _BINARY_LABEL_FUNCS and probs is not None and np.ndim(probs) == 2 \
                and np.shape(probs)[1] > 2:
            raise ValueError(f"metric {metric!r} is binary (classes 0 and 1), but probs has {np.shape(probs)[1]} "
                             "class columns; score more classes with 'f1_macro', 'f1_micro' or 'accuracy'")
        if y_pred is None:
            if probs is None:
                raise ValueError(f"metric {metric!r} needs predictions or probabilities")
            y_pred = probs_to_preds(probs)  # the documented tie rule ("random"), as predict() uses
        return entry.func(y_true, y_pred)
    if probs is None:
        raise ValueError(f"metric {metric!r} needs probabilities")
    return entry.func(y_true, probs)


if not TYPE_CHECKING:  # a module __getattr__ would make every misspelt name (weaksup.metrics.acuracy) Any to mypy
    def __getattr__(name: str) -> Any:
        if name == "span_f1":  # moved to weaksup.sequence.metrics (0.2); registered there
            from weaksup._deprecate import warn_deprecated

            warn_deprecated("weaksup.metrics.span_f1", "weaksup.sequence.metrics.span_f1")
            if name in _REGISTRY:
                return _REGISTRY[name].func
            raise AttributeError("weaksup.metrics.span_f1 moved to weaksup.sequence.metrics.span_f1; "
                                 "import weaksup.sequence (which registers it for score('span_f1', ...))")
        raise AttributeError(f"module 'weaksup.metrics' has no attribute {name!r}")
