"""Evaluation metrics (numpy only; no scikit-learn import at module load).

Names accepted by :func:`score`: ``accuracy`` (``acc``), ``f1_binary``
(``f1``; positive class 1, WRENCH's binary F1), ``f1_macro``, ``f1_micro``,
``precision``, ``recall`` (binary, class 1), ``auc`` (binary ROC AUC),
``logloss``, ``brier``, and ``span_f1`` (strict IOB2 span-level micro F1 over
lists of tag sequences; implemented in :mod:`weaksup.sequence.metrics`, loaded
on first use).  Predictions of ``-1`` (abstain) count as wrong; ``f1_macro``
averages over real classes only (``-1`` is never a class).

>>> accuracy([0, 1, 1], [0, 1, -1])
0.6666666666666666
>>> f1_binary([0, 1, 1, 0], [1, 1, 0, 0])
0.5
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

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
    "span_f1",
    "METRICS",
    "metric_needs_probs",
]


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    yt = np.asarray(y_true).astype(np.int64).ravel()
    yp = np.asarray(y_pred).astype(np.int64).ravel()
    if yt.shape != yp.shape:
        raise ValueError(f"y_true has {yt.size} entries but y_pred has {yp.size}")
    return yt, yp


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


def f1_binary(y_true: Any, y_pred: Any, pos_label: int = 1) -> float:
    """F1 of the positive class (WRENCH's ``f1_binary``)."""
    return _prf(*_pair(y_true, y_pred), pos_label)[2]


def precision_binary(y_true: Any, y_pred: Any, pos_label: int = 1) -> float:
    return _prf(*_pair(y_true, y_pred), pos_label)[0]


def recall_binary(y_true: Any, y_pred: Any, pos_label: int = 1) -> float:
    return _prf(*_pair(y_true, y_pred), pos_label)[1]


def f1_macro(y_true: Any, y_pred: Any, labels: Any = None) -> float:
    """Unweighted mean F1 over classes present in ``y_true`` or ``y_pred`` (sklearn's default)."""
    yt, yp = _pair(y_true, y_pred)
    classes = np.unique(np.concatenate([yt, yp[yp >= 0]])) if labels is None else np.asarray(labels)
    if classes.size == 0:
        return float("nan")
    return float(np.mean([_prf(yt, yp, int(c))[2] for c in classes]))


def f1_micro(y_true: Any, y_pred: Any) -> float:
    """Micro F1; equals accuracy for single-label predictions without abstains."""
    yt, yp = _pair(y_true, y_pred)
    covered = yp >= 0
    tp = float(np.sum((yt == yp) & covered))
    fp = float(np.sum((yt != yp) & covered))
    fn = float(np.sum(yt != yp))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def roc_auc(y_true: Any, probs: Any, pos_label: int = 1) -> float:
    """Binary ROC AUC from the positive-class score (ties counted half)."""
    yt = np.asarray(y_true).astype(np.int64).ravel()
    s = np.asarray(probs, dtype=np.float64)
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
    yt = np.asarray(y_true).astype(np.int64).ravel()
    p = np.clip(np.asarray(probs, dtype=np.float64), eps, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(yt)), yt])))


def brier(y_true: Any, probs: Any) -> float:
    """Multi-class Brier score: mean over rows of ‖p − onehot(y)‖²."""
    yt = np.asarray(y_true).astype(np.int64).ravel()
    p = np.asarray(probs, dtype=np.float64)
    onehot = np.zeros_like(p)
    onehot[np.arange(len(yt)), yt] = 1.0
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def span_f1(y_true: Any, y_pred: Any, invalid: str = "drop") -> float:
    """Strict IOB2 span-level micro F1 (0..1) over lists of BIO tag sequences.

    A lazy wrapper around :func:`weaksup.sequence.metrics.span_f1` (equal to
    ``seqeval``'s ``f1_score(mode="strict", scheme=IOB2)``).

    >>> span_f1([["B-PER", "I-PER", "O"]], [["B-PER", "I-PER", "O"]])  # doctest: +SKIP
    1.0
    """
    from weaksup.sequence.metrics import span_f1 as _span_f1

    return float(_span_f1(y_true, y_pred, invalid=invalid))


_LABEL_METRICS: dict[str, Callable[[Any, Any], float]] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "f1_binary": f1_binary,
    "f1": f1_binary,
    "f1_macro": f1_macro,
    "f1_micro": f1_micro,
    "precision": precision_binary,
    "recall": recall_binary,
}
_PROB_METRICS: dict[str, Callable[[Any, Any], float]] = {
    "auc": roc_auc,
    "logloss": log_loss,
    "brier": brier,
}
METRICS = tuple(_LABEL_METRICS) + tuple(_PROB_METRICS) + ("span_f1",)


def metric_needs_probs(name: str) -> bool:
    return name in _PROB_METRICS


def score(metric: str, y_true: Any, y_pred: Any = None, probs: Any = None) -> float:
    """Compute ``metric`` from hard predictions and/or probabilities.

    >>> score("accuracy", [0, 1], probs=[[0.9, 0.1], [0.2, 0.8]])
    1.0
    """
    if metric == "span_f1":
        if y_pred is None:
            raise ValueError("metric 'span_f1' needs predicted tag sequences (y_pred)")
        return span_f1(y_true, y_pred)
    if metric in _LABEL_METRICS:
        if y_pred is None:
            if probs is None:
                raise ValueError(f"metric {metric!r} needs predictions or probabilities")
            y_pred = np.asarray(probs).argmax(axis=1)
        return _LABEL_METRICS[metric](y_true, y_pred)
    if metric in _PROB_METRICS:
        if probs is None:
            raise ValueError(f"metric {metric!r} needs probabilities")
        return _PROB_METRICS[metric](y_true, probs)
    raise ValueError(f"unknown metric {metric!r}; choose from {METRICS}")
