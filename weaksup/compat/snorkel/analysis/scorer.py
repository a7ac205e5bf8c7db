"""``snorkel.analysis.scorer``: ``Scorer``.

Abstained predictions (``-1``) and gold ``-1`` rows are left out of every
metric but ``coverage``, as in snorkel.

>>> import numpy as np
>>> from weaksup.compat.snorkel.analysis import Scorer
>>> Scorer(["accuracy", "coverage"]).score(np.array([1, 0, 1]), np.array([1, -1, 1]))
{'accuracy': 1.0, 'coverage': 0.6666666666666666}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from weaksup.compat.snorkel.analysis.metrics import METRICS, metric_score

__all__ = ["Scorer"]


class Scorer:
    """``Scorer(metrics=None, custom_metric_funcs=None, abstain_label=-1)``: ``score`` and ``score_slices``."""

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
        """``{metric: value}`` (a custom metric returning a dict adds its keys)."""
        if len(golds) == 0:
            raise ValueError("Cannot score empty labels")
        sizes = {"golds": len(golds), "preds": None if preds is None else len(preds),
                 "probs": None if probs is None else len(probs)}
        if len({v for v in sizes.values() if v is not None}) > 1:  # numpy would fail on a mismatched mask
            given = ", ".join(f"{k} {v}" for k, v in sizes.items() if v is not None)
            raise ValueError(f"golds, preds, and probs must have the same number of elements, got {given}")
        filtered = [name for name, func in self.metrics.items()
                    if isinstance(func, partial) and func.keywords.get("filter_dict")]
        if filtered and np.all(np.asarray(golds) == self.abstain_label):
            # every row would be dropped: say why, rather than scikit-learn's "Found empty input array"
            raise ValueError(f"every gold label is {self.abstain_label} (abstain/unlabelled): no rows to score "
                             f"for {filtered}; pass golds with at least one labelled row (e.g. a labelled dev set)")
        out: dict[str, float] = {}
        for name, func in self.metrics.items():
            value = func(golds, preds, probs)
            if isinstance(value, dict):
                out.update(value)
            else:
                out[name] = value
        return out

    def score_slices(self, S: np.recarray, golds: np.ndarray, preds: np.ndarray, probs: np.ndarray | None,
                     as_dataframe: bool = False) -> dict[str, dict[str, float]] | pd.DataFrame:
        """The metrics overall and on each slice: the rows where ``S[slice_name]`` is true.

        ``S`` is a record array with one boolean-ish field per slice (what
        snorkel's slicing functions produce; any record array of 0/1 works here).
        ``probs`` may be None when no metric needs it (snorkel requires it).

        Returns
        -------
        dict or pd.DataFrame
            ``{"overall": {...}, slice_name: {...}}``, or that table with one row per slice.
        """
        if not S.shape[0] == len(golds) == len(preds) == (len(probs) if probs is not None else len(golds)):
            raise ValueError("S, golds, preds, and probs must have the same number of elements")
        golds, preds = np.asarray(golds), np.asarray(preds)
        out = {"overall": self.score(golds, preds, probs)}
        for name in S.dtype.names:
            mask = np.asarray(S[name]).astype(bool)
            out[name] = self.score(golds[mask], preds[mask], None if probs is None else np.asarray(probs)[mask])
        if as_dataframe:
            return pd.DataFrame.from_dict(out).transpose()
        return out
