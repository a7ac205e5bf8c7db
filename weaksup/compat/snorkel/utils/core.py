"""``snorkel.utils.core``: label-format helpers (ties by weaksup's :func:`weaksup.metrics.probs_to_preds`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup.metrics import probs_to_preds as _probs_to_preds

__all__ = ["probs_to_preds", "preds_to_probs", "to_int_label_array", "filter_labels"]

_POLICIES = ("abstain", "true-random", "random")


def probs_to_preds(probs: np.ndarray, tie_break_policy: str = "random", tol: float = 1e-5) -> np.ndarray:
    """Hard labels from probabilities; classes within ``tol`` of the row's maximum tie.

    Ties go by ``"random"`` (the sha1 of the row index, deterministic),
    ``"true-random"`` (``np.random.choice`` on numpy's global generator, row
    by row as snorkel draws, so ``np.random.seed`` repeats it) or
    ``"abstain"`` (-1).

    Parameters
    ----------
    probs : np.ndarray
        ``n × k`` probabilities, ``k >= 2``.
    tie_break_policy : {"random", "true-random", "abstain"}
        How tied rows are decided.
    tol : float
        Classes whose probability differs from the row maximum by less than ``tol`` tie; a finite number
        ``> 0`` (snorkel fails on ``tol <= 0`` with a ``ZeroDivisionError``, or abstains on every row).

    Returns
    -------
    np.ndarray
        ``n`` int predictions (``-1`` for abstained ties).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.compat.snorkel.utils import probs_to_preds
    >>> probs_to_preds(np.array([[0.5, 0.5], [0.2, 0.8]]), tie_break_policy="abstain").tolist()
    [-1, 1]
    """
    probs = np.asarray(probs)
    if probs.ndim != 2 or probs.shape[1] <= 1:
        raise ValueError(f"probs must have probabilities for at least 2 classes. Instead, got "
                         f"{probs.shape[1] if probs.ndim == 2 else 1} classes.")
    if tie_break_policy not in _POLICIES:
        raise ValueError(f"tie_break_policy={tie_break_policy} policy not recognized.")
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float, np.integer, np.floating)) \
            or not np.isfinite(tol) or tol <= 0:  # snorkel: ZeroDivisionError, or -1 on every row ("abstain")
        raise ValueError(f"tol must be a finite number > 0 (classes whose probabilities differ from the row's "
                         f"maximum by less than tol tie), got {tol!r}")
    # snorkel ties classes with diff < tol, weaksup with diff <= tol: the float just below tol makes them equal
    below = float(np.nextafter(tol, -np.inf))
    if tie_break_policy != "true-random":
        return _probs_to_preds(probs, tie_break_policy, tol=below).astype(np.int_)
    preds = _probs_to_preds(probs, "abstain", tol=below).astype(np.int_)
    diffs = np.abs(probs - probs.max(axis=1, keepdims=True))
    for i in np.nonzero(preds == -1)[0]:  # in row order, one global draw per tied row: snorkel's stream
        preds[i] = np.random.choice(np.nonzero(diffs[i] <= below)[0])
    return preds


def preds_to_probs(preds: np.ndarray, num_classes: int) -> np.ndarray:
    """One-hot ``n × num_classes`` probabilities from hard labels.

    A label below 0 (abstain), at or above ``num_classes``, or not an integer, and a ``num_classes`` below 1
    are ValueErrors naming the value (snorkel fails on the last three with numpy's bare IndexError);
    booleans read as 0 / 1.

    >>> import numpy as np
    >>> from weaksup.compat.snorkel.utils import preds_to_probs
    >>> preds_to_probs(np.array([1, 0]), 2).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if isinstance(num_classes, (bool, np.bool_)) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise ValueError(f"num_classes must be an int >= 1 (the number of classes), got {num_classes!r}")
    preds = np.asarray(preds)
    if preds.dtype.kind == "b":  # numpy would read a boolean array as a row mask
        preds = preds.astype(np.int64)
    if preds.dtype.kind not in "iuf":
        raise ValueError(f"preds must be integer class labels 0..{num_classes - 1}, got dtype {preds.dtype}")
    if np.any(preds < 0):  # snorkel: -1 and every other negative label (numpy would wrap them around)
        raise ValueError("Could not convert abstained vote to probability")
    flat = preds.ravel()
    if preds.dtype.kind == "f":
        bad = ~np.isfinite(flat) | (flat != np.round(flat))
        if bad.any():
            i = int(np.nonzero(bad)[0][0])
            raise ValueError(f"preds: {float(flat[i])!r} at position {i} is not an integer class label "
                             f"0..{num_classes - 1}")
        preds = preds.astype(np.int64)
        flat = preds.ravel()
    bad = flat >= num_classes
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise ValueError(f"preds: label {int(flat[i])} at position {i} is outside 0..{num_classes - 1} "
                         f"(num_classes={num_classes})")
    return np.eye(num_classes)[preds.squeeze()]


def to_int_label_array(X: np.ndarray, flatten_vector: bool = True) -> np.ndarray:
    """Check ``X`` is an integer label vector (an ``n × 1`` column is flattened) and return it as int."""
    if np.any(np.not_equal(np.mod(X, 1), 0)):
        raise ValueError("Input contains at least one non-integer value.")
    X = X.astype(np.dtype(int))
    if flatten_vector:
        X = X.squeeze()
        if X.ndim == 0:
            X = X.reshape(1)
        if X.ndim != 1:
            raise ValueError("Input could not be converted to 1d np.array")
    return X


def filter_labels(label_dict: dict[str, Any], filter_dict: dict[str, list[int]]) -> dict[str, Any]:
    """Drop the rows where any named array holds one of the values in ``filter_dict``."""
    masks = []
    for name, values in filter_dict.items():
        arr = label_dict[name]
        if arr is None:
            continue
        masks.append(~np.isin(np.asarray(arr) if np.ndim(arr) == 1 else np.asarray(arr), values))
    if not masks:
        return label_dict
    keep = np.logical_and.reduce(masks)
    return {name: (None if arr is None else np.asarray(arr)[keep]) for name, arr in label_dict.items()}
