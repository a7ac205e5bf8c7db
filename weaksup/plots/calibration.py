"""Label-model calibration: reliability bins, expected calibration error and the reliability plot.

A model is calibrated when, among the rows where it gives its top class
probability ``p``, a fraction ``p`` is right.  :func:`calibration_bins`
groups rows by that top-class confidence; :func:`plot_calibration` draws
accuracy against mean confidence per bin (the diagonal is perfect
calibration) for one model or several side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from weaksup._validation import check_labels

__all__ = ["calibration_bins", "expected_calibration_error", "plot_calibration"]


def _check_probs(probs: Any, n: int | None, what: str) -> np.ndarray:
    P = np.asarray(probs, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] < 2:
        raise ValueError(f"{what} must be an n × k probability matrix (k >= 2), got shape {P.shape}")
    if n is not None and P.shape[0] != n:
        raise ValueError(f"{what} has {P.shape[0]} rows but y has {n} labels")
    bad = ~np.isfinite(P).all(axis=1) | (P < 0).any(axis=1) | (np.abs(P.sum(axis=1) - 1) > 1e-6)
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise ValueError(f"{what} row {i} is not a probability distribution: {P[i].tolist()} "
                         f"({int(bad.sum())} such row(s))")
    return P


def calibration_bins(probs: Any, y: Any, n_bins: int = 10) -> pd.DataFrame:
    """Rows grouped by top-class confidence into ``n_bins`` equal-width bins of ``[0, 1]``.

    Parameters
    ----------
    probs : array-like (n, k)
        Predicted class probabilities (rows sum to 1).
    y : array-like (n,)
        Gold labels; rows with ``y = -1`` are left out.
    n_bins : int
        Number of equal-width confidence bins.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin: ``lo``, ``hi`` (bin edges), ``count``,
        ``confidence`` (mean top-class probability) and ``accuracy`` (fraction
        of rows whose top class is ``y``; ties go to the lowest class).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.plots import calibration_bins
    >>> P = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]])
    >>> calibration_bins(P, [0, 1, 1, 0], n_bins=4).round(3).values.tolist()
    [[0.5, 0.75, 2.0, 0.625, 0.5], [0.75, 1.0, 2.0, 0.85, 0.5]]
    """
    if int(n_bins) < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    Y = check_labels(y, what="y", ravel_column=True)
    P = _check_probs(probs, Y.shape[0], "probs")
    known = Y >= 0
    if (Y[known] >= P.shape[1]).any():
        i = int(np.nonzero(known & (Y >= P.shape[1]))[0][0])
        raise ValueError(f"y[{i}] = {Y[i]} is not a class of the {P.shape[1]}-column probs")
    P, Y = P[known], Y[known]
    conf = P.max(axis=1)
    correct = (P.argmax(axis=1) == Y).astype(float)
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    b = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, int(n_bins) - 1)
    count = np.bincount(b, minlength=n_bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_conf = np.bincount(b, conf, minlength=n_bins) / count
        acc = np.bincount(b, correct, minlength=n_bins) / count
    keep = count > 0
    return pd.DataFrame({"lo": edges[:-1][keep], "hi": edges[1:][keep], "count": count[keep].astype(float),
                         "confidence": mean_conf[keep], "accuracy": acc[keep]})


def expected_calibration_error(probs: Any, y: Any, n_bins: int = 10) -> float:
    """ECE: ``Σ_b (n_b / n) · |accuracy_b − confidence_b|`` over :func:`calibration_bins`.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.plots import expected_calibration_error
    >>> round(expected_calibration_error(np.array([[0.9, 0.1], [0.8, 0.2]]), [0, 1], n_bins=1), 3)
    0.35
    """
    return _ece(calibration_bins(probs, y, n_bins))


def _ece(bins: pd.DataFrame) -> float:
    n = bins["count"].sum()
    if n == 0:
        return float("nan")
    return float((bins["count"] / n * (bins["accuracy"] - bins["confidence"]).abs()).sum())


def plot_calibration(probs: Any, y: Any, *, n_bins: int = 10, title: str | None = None) -> Any:
    """Reliability diagram: accuracy against mean confidence per bin, with the bin sizes below.

    Parameters
    ----------
    probs : array-like (n, k) or mapping of name to array-like (n, k)
        One model's probabilities, or several models' (one line each).
    y : array-like (n,)
        Gold labels (``-1`` rows left out).
    n_bins : int
        Equal-width confidence bins (:func:`calibration_bins`).
    title : str, optional
        Title of the reliability panel.

    Returns
    -------
    matplotlib.figure.Figure
        ``axes[0]``: the diagonal (label ``"perfect"``) and one line per model,
        x = ``confidence``, y = ``accuracy`` of the non-empty bins, labelled
        ``"<name> (ECE 0.xxx)"``; ``axes[1]``: per model, one bar per bin
        (height ``count``).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.plots import plot_calibration
    >>> P = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]])
    >>> fig = plot_calibration({"MV": P}, [0, 1, 1, 0], n_bins=4)
    >>> line = fig.axes[0].get_lines()[1]
    >>> line.get_label(), line.get_xdata().round(3).tolist(), line.get_ydata().tolist()
    ('MV (ECE 0.238)', [0.625, 0.85], [0.5, 0.5])
    """
    from weaksup.plots._mpl import pyplot

    models = dict(probs) if isinstance(probs, Mapping) else {"model": probs}
    if not models:
        raise ValueError("plot_calibration needs at least one model's probabilities")
    tables = {name: calibration_bins(P, y, n_bins) for name, P in models.items()}
    fig, (ax, axc) = pyplot().subplots(2, 1, figsize=(5, 5.5), sharex=True,
                                       gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect")
    width = 1.0 / n_bins / (len(models) + 1)
    for i, (name, t) in enumerate(tables.items()):
        line, = ax.plot(t["confidence"].to_numpy(), t["accuracy"].to_numpy(), marker="o",
                        label=f"{name} (ECE {_ece(t):.3f})")
        axc.bar(t["lo"].to_numpy() + (i + 0.5) * width, t["count"].to_numpy(), width=width,
                color=line.get_color(), align="edge", label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("accuracy")
    ax.set_title(title or "calibration (top-class confidence)")
    ax.legend(loc="upper left", fontsize="small")
    axc.set_xlabel("confidence")
    axc.set_ylabel("rows")
    fig.tight_layout()
    return fig
