"""``snorkel.analysis.metrics``: ``metric_score``, ``METRICS`` and ``Metric`` (metrics from :mod:`weaksup.metrics`).

Binary precision / recall / F1 are weaksup's; anything else (more than two
labels, extra keyword arguments such as ``average="macro"``, ``fbeta``,
``matthews_corrcoef``) goes to scikit-learn, as in snorkel, so multiclass
``precision`` raises scikit-learn's "average='binary'" error as snorkel does.

>>> import numpy as np
>>> from weaksup.compat.snorkel.analysis import metric_score
>>> metric_score(np.array([1, 0, 1]), np.array([1, 1, 1]), metric="precision")
0.6666666666666666
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from weaksup import metrics as _metrics
from weaksup.compat.snorkel.utils.core import filter_labels, to_int_label_array

__all__ = ["Metric", "metric_score", "METRICS"]


class Metric(NamedTuple):
    """A metric function and which of ``golds``, ``preds``, ``probs`` it takes (snorkel's layout)."""

    func: Callable[..., float]
    inputs: list[str] = ["golds", "preds"]  # noqa: RUF012 - snorkel's default


def _binary(golds: np.ndarray, preds: np.ndarray) -> bool:
    """Both label arrays within {0, 1}: weaksup's binary metric gives scikit-learn's value."""
    return bool(np.isin(golds, (0, 1)).all() and np.isin(preds, (0, 1)).all())


def _prf(weaksup_func: Callable[..., float], sklearn_name: str) -> Callable[..., float]:
    def score(golds: np.ndarray, preds: np.ndarray, **kwargs: Any) -> float:
        if not kwargs and golds.size and _binary(golds, preds):  # empty: scikit-learn's error, as snorkel
            return weaksup_func(golds, preds)
        from sklearn import metrics as skm  # multiclass (raises, as snorkel) or scikit-learn options

        return float(getattr(skm, sklearn_name)(golds, preds, **kwargs))
    score.__name__ = f"_{sklearn_name}"
    return score


def _sklearn(name: str) -> Callable[..., float]:
    def score(golds: np.ndarray, preds: np.ndarray, **kwargs: Any) -> float:
        from sklearn import metrics as skm

        return float(getattr(skm, name)(golds, preds, **kwargs))
    score.__name__ = f"_{name}"
    return score


def _coverage_score(preds: np.ndarray) -> float:
    return float(np.sum(preds != -1) / len(preds))


def _roc_auc_score(golds: np.ndarray, probs: np.ndarray) -> float:
    probs = np.asarray(probs)
    if probs.ndim != 2:  # e.g. probs[:, 1], the scikit-learn habit: a bare IndexError otherwise
        raise ValueError(f"Metric roc_auc needs probs of shape n x 2 (one column per class), got shape {probs.shape}; "
                         "pass the full probability matrix, e.g. np.column_stack([1 - p, p])")
    if probs.shape[1] != 2:
        raise ValueError("Metric roc_auc is currently only defined for binary problems.")
    from sklearn import metrics as skm  # as snorkel: golds such as {-1, 1} or {1, 2} are scored, not refused

    return float(skm.roc_auc_score(golds, probs[:, 1]))


def _f1_score(golds: np.ndarray, preds: np.ndarray) -> float:
    if golds.max() > 1:
        raise ValueError("f1 not supported for multiclass. Try f1_micro or f1_macro instead.")
    return _prf(_metrics.f1_binary, "f1_score")(golds, preds)


METRICS: dict[str, Metric] = {
    # scikit-learn's, as snorkel's: they read -1 (gold or predicted) as a label like any other
    "accuracy": Metric(_sklearn("accuracy_score")),
    "coverage": Metric(_coverage_score, ["preds"]),
    "precision": Metric(_prf(_metrics.precision_binary, "precision_score")),
    "recall": Metric(_prf(_metrics.recall_binary, "recall_score")),
    "f1": Metric(_f1_score, ["golds", "preds"]),
    "f1_micro": Metric(lambda golds, preds: _sklearn("f1_score")(golds, preds, average="micro"), ["golds", "preds"]),
    "f1_macro": Metric(lambda golds, preds: _sklearn("f1_score")(golds, preds, average="macro"), ["golds", "preds"]),
    "fbeta": Metric(_sklearn("fbeta_score")),
    "matthews_corrcoef": Metric(_sklearn("matthews_corrcoef")),
    "roc_auc": Metric(_roc_auc_score, ["golds", "probs"]),
}


def metric_score(golds: np.ndarray | None = None, preds: np.ndarray | None = None, probs: np.ndarray | None = None,
                 metric: str = "accuracy", filter_dict: dict[str, list[int]] | None = None, **kwargs: Any) -> float:
    """One metric over the rows ``filter_dict`` keeps (e.g. ``{"preds": [-1]}`` drops abstains).

    Parameters
    ----------
    golds, preds : np.ndarray, optional
        Gold and predicted int labels.
    probs : np.ndarray, optional
        ``n × k`` probabilities (``roc_auc``).
    metric : str
        A key of :data:`METRICS`.
    filter_dict : dict, optional
        Labels to drop per array (``{"golds": [-1], "preds": [-1]}``).
    **kwargs
        Passed to the metric function (scikit-learn options).

    Returns
    -------
    float
        The metric's value.
    """
    if metric not in METRICS:
        raise ValueError(f"The metric you provided ({metric}) is not currently implemented. "
                         f"Choose from {sorted(METRICS)}")
    labels = {"golds": None if golds is None else to_int_label_array(np.asarray(golds)),
              "preds": None if preds is None else to_int_label_array(np.asarray(preds)),
              "probs": probs}
    if filter_dict:
        if set(filter_dict) - set(labels):
            raise ValueError("filter_dict must only include keys in ['golds', 'preds', 'probs']")
        labels = filter_labels(labels, filter_dict)
    func, inputs = METRICS[metric]
    for name in inputs:
        if labels[name] is None:
            raise ValueError(f"Metric {metric} requires access to {name}.")
    return func(*(labels[name] for name in inputs), **kwargs)
