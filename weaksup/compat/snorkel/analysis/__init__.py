"""``snorkel.analysis``: ``Scorer`` and ``metric_score`` (metrics from :mod:`weaksup.metrics`, two from scikit-learn).

Abstained predictions (``-1``) and gold ``-1`` rows are left out of every
metric but ``coverage``, as in snorkel.

>>> Scorer(["accuracy", "coverage"]).score(np.array([1, 0, 1]), np.array([1, -1, 1]))
{'accuracy': 1.0, 'coverage': 0.6666666666666666}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from weaksup import metrics as _metrics
from weaksup.compat.snorkel.utils import filter_labels, to_int_label_array

__all__ = ["Scorer", "metric_score", "METRICS"]


def _coverage(golds: np.ndarray, preds: np.ndarray, probs: Any) -> float:
    return float(np.sum(preds != -1) / len(preds))


def _f1(golds: np.ndarray, preds: np.ndarray, probs: Any) -> float:
    if golds.max() > 1:
        raise ValueError("f1 not supported for multiclass. Try f1_micro or f1_macro instead.")
    return _metrics.f1_binary(golds, preds)


def _roc_auc(golds: np.ndarray, preds: Any, probs: np.ndarray) -> float:
    if probs.shape[1] != 2:
        raise ValueError("Metric roc_auc is currently only defined for binary problems.")
    return _metrics.roc_auc(golds, probs)


def _sklearn(name: str) -> Callable[..., float]:
    def run(golds: np.ndarray, preds: np.ndarray, probs: Any, **kwargs: Any) -> float:
        from sklearn import metrics as skm

        return float(getattr(skm, name)(golds, preds, **kwargs))
    return run


METRICS: dict[str, Callable[..., float]] = {
    "accuracy": lambda g, p, pr: _metrics.accuracy(g, p),
    "coverage": _coverage,
    "precision": lambda g, p, pr: _metrics.precision_binary(g, p),
    "recall": lambda g, p, pr: _metrics.recall_binary(g, p),
    "f1": _f1,
    "f1_micro": lambda g, p, pr: _metrics.f1_micro(g, p),
    "f1_macro": lambda g, p, pr: _metrics.f1_macro(g, p),
    "fbeta": _sklearn("fbeta_score"),
    "matthews_corrcoef": _sklearn("matthews_corrcoef"),
    "roc_auc": _roc_auc,
}


def metric_score(golds: np.ndarray | None = None, preds: np.ndarray | None = None, probs: np.ndarray | None = None,
                 metric: str = "accuracy", filter_dict: dict[str, list[int]] | None = None, **kwargs: Any) -> float:
    """One metric over the rows ``filter_dict`` keeps (e.g. ``{"preds": [-1]}`` drops abstains)."""
    if metric not in METRICS:
        raise ValueError(f"The metric you provided ({metric}) is not supported. Choose from {sorted(METRICS)}")
    labels = {"golds": None if golds is None else to_int_label_array(np.asarray(golds)),
              "preds": None if preds is None else to_int_label_array(np.asarray(preds)),
              "probs": probs}
    if filter_dict:
        unknown = set(filter_dict) - set(labels)
        if unknown:
            raise ValueError("filter_dict must only include keys in ['golds', 'preds', 'probs']")
        labels = filter_labels(labels, filter_dict)
    return METRICS[metric](labels["golds"], labels["preds"], labels["probs"], **kwargs)


class Scorer:
    """``Scorer(metrics=None, custom_metric_funcs=None, abstain_label=-1).score(golds, preds, probs) -> dict``."""

    def __init__(self, metrics: list[str] | None = None,
                 custom_metric_funcs: Mapping[str, Callable[..., Any]] | None = None,
                 abstain_label: int | None = -1) -> None:
        self.metrics: dict[str, Callable[..., Any]] = {}
        for metric in metrics or []:
            if metric not in METRICS:
                raise ValueError(f"Unrecognized metric: {metric}")
            filt = {} if abstain_label is None or metric == "coverage" else \
                {"golds": [abstain_label], "preds": [abstain_label]}
            self.metrics[metric] = partial(metric_score, metric=metric, filter_dict=filt)
        self.metrics.update(custom_metric_funcs or {})
        self.abstain_label = abstain_label

    def score(self, golds: np.ndarray, preds: np.ndarray | None = None,
              probs: np.ndarray | None = None) -> dict[str, float]:
        if len(golds) == 0:
            raise ValueError("Cannot score empty labels")
        out: dict[str, float] = {}
        for name, func in self.metrics.items():
            value = func(golds, preds, probs)
            if isinstance(value, dict):
                out.update(value)
            else:
                out[name] = value
        return out
