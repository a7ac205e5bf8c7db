"""Class-balance and learning-curve plots (and the tables they draw)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup._validation import check_labels

__all__ = ["class_distribution", "plot_class_balance", "learning_curves", "plot_learning_curves"]


# ------------------------------------------------------------------ class balance
def class_distribution(values: Any, cardinality: int | None = None, *, what: str = "values") -> np.ndarray:
    """A class distribution (length ``k``, sums to 1) from hard labels or probability rows.

    The shape says which it is:

    * 1-D array: hard labels (class ids ``0..k-1``), counted; ``-1`` (abstain / unknown) is left
      out.  Whole floats (``[0., 1., 1.]``, e.g. from a pandas column) are labels too;
    * 2-D ``n × k`` array: probability rows, each in ``[0, 1]`` and summing to 1, averaged.  A
      distribution you already have (a prior) is one such row: ``[[0.3, 0.7]]``.

    Examples
    --------
    >>> from weaksup.plots import class_distribution
    >>> class_distribution([0, 1, 1, -1]).tolist()
    [0.3333333333333333, 0.6666666666666666]
    >>> class_distribution([[0.5, 0.5], [1.0, 0.0]]).tolist()
    [0.75, 0.25]
    >>> class_distribution([[0.3, 0.7]]).tolist()  # a prior: one row
    [0.3, 0.7]
    """
    arr = np.asarray(values)
    if arr.ndim == 2:
        return _mean_probability_row(arr, cardinality, what)
    if arr.ndim != 1:
        raise ValueError(f"{what}: expected hard labels (1-D) or probability rows (2-D n × k), got shape {arr.shape}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = int(np.nonzero(bad)[0][0])
            raise ValueError(f"{what}: {float(arr[i])!r} at row {i} is not a class id; a 1-D array is read as hard "
                             f"labels: pass probabilities or a class distribution as rows of a 2-D array "
                             f"(a prior: [[p_0, ..., p_k-1]])")
    y = check_labels(arr, what=what)
    if (y < -1).any():
        i = int(np.nonzero(y < -1)[0][0])
        raise ValueError(f"{what}: label {int(y[i])} at row {i} is not a class id (0..k-1) or -1 (abstain)")
    y = y[y >= 0]
    if y.size == 0:
        raise ValueError(f"{what}: no labels other than -1 (abstain) to count")
    k = int(cardinality) if cardinality is not None else int(y.max()) + 1
    if y.max() >= k:
        raise ValueError(f"{what}: label {int(y.max())} is outside 0..{k - 1}")
    return np.bincount(y, minlength=k) / y.size


#: Tolerance on a probability row's sum.
_SUM_TOL = 1e-4


def _mean_probability_row(arr: np.ndarray, cardinality: int | None, what: str) -> np.ndarray:
    """The mean of ``n × k`` probability rows, each checked to be in ``[0, 1]`` and to sum to 1."""
    try:
        P = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: probability rows must be numeric: {exc}") from None
    if cardinality is not None and P.shape[1] != cardinality:
        raise ValueError(f"{what}: probabilities have {P.shape[1]} columns; expected {cardinality} classes")
    if P.shape[0] == 0:
        raise ValueError(f"{what}: probabilities must have at least one row")
    sums = P.sum(axis=1)
    bad = ~np.isfinite(P).all(axis=1) | (P < 0).any(axis=1) | (P > 1).any(axis=1) | (np.abs(sums - 1) > _SUM_TOL)
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise ValueError(f"{what}: row {i} is not a probability distribution ({P[i].tolist()}: entries must be in "
                         f"[0, 1] and sum to 1); {int(bad.sum())} such row(s). A 2-D array is read as probability "
                         "rows; pass hard labels as a 1-D array")
    return P.mean(axis=0)


def plot_class_balance(distributions: Mapping[str, Any], *, label_names: Sequence[str] | None = None,
                       cardinality: int | None = None, title: str | None = None) -> Any:
    """Grouped bars: for each class, the share each source gives it.

    Parameters
    ----------
    distributions : mapping of name to labels or probability rows
        E.g. ``{"gold (valid)": y_valid, "majority vote": mv_preds,
        "label model": probs, "prior given": [[0.5, 0.5]]}``; each is read by
        :func:`class_distribution` (1-D: hard labels; 2-D: probability rows, a
        prior being one row).
    label_names : sequence of str, optional
        Class names for the x axis (default ``0..k-1``).
    cardinality : int, optional
        Number of classes (default: from ``label_names`` or the inputs).
    title : str, optional
        Axes title (default, and for an empty string: ``"class balance"``).

    Returns
    -------
    matplotlib.figure.Figure
        One bar container per source (its ``label`` is the source name); bar
        ``c`` of a container has height = that source's share of class ``c``.

    Examples
    --------
    >>> from weaksup.plots import plot_class_balance
    >>> fig = plot_class_balance({"gold": [0, 0, 1, 1], "LM": [[0.9, 0.1], [0.7, 0.3]]},
    ...                          label_names=["HAM", "SPAM"])
    >>> [[round(float(b.get_height()), 2) for b in c] for c in fig.axes[0].containers]
    [[0.5, 0.5], [0.8, 0.2]]
    """
    from weaksup.plots._mpl import pyplot

    if not distributions:
        raise ValueError("plot_class_balance needs at least one distribution")
    k = cardinality if cardinality is not None else (len(label_names) if label_names is not None else None)
    dists = {name: class_distribution(v, k, what=repr(name)) for name, v in distributions.items()}
    sizes = {d.size for d in dists.values()}
    if len(sizes) != 1:
        raise ValueError(f"the distributions have different class counts: "
                         f"{ {name: d.size for name, d in dists.items()} }; pass cardinality=")
    k = sizes.pop()
    names = list(label_names) if label_names is not None else [str(c) for c in range(k)]
    if len(names) != k:
        raise ValueError(f"label_names has {len(names)} names for {k} classes")
    fig, ax = pyplot().subplots(figsize=(max(4.0, 1.2 * k + 2), 3.2))
    width = 0.8 / len(dists)
    x = np.arange(k)
    for i, (name, d) in enumerate(dists.items()):
        bars = ax.bar(x - 0.4 + (i + 0.5) * width, d, width=width, label=name)
        ax.bar_label(bars, fmt="%.2f", fontsize="x-small")
    ax.set_xticks(x)
    ax.set_xticklabels(names)
    ax.set_ylabel("share of rows")
    ax.set_ylim(0, 1.05)
    ax.set_title(title or "class balance")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ learning curves
def _history_frame(history: Any, stage: str) -> pd.DataFrame:
    df = pd.DataFrame(list(history))
    if df.empty:
        return df
    if "step" not in df and "iter" in df:  # LogisticRegression counts L-BFGS iterations
        df = df.rename(columns={"iter": "step"})
    if "step" not in df:
        raise ValueError(f"history of stage {stage!r} has no 'step' column: {list(df.columns)}")
    df.insert(0, "stage", stage)
    return df


def learning_curves(model: Any) -> pd.DataFrame:
    """The training history a fitted end model recorded, one row per validation check.

    Columns: ``stage``, ``step`` (within the stage), ``global_step`` (steps
    since the start of training), ``valid`` (the validation metric), and
    ``loss`` plus any other logged terms (COSINE: ``l_c``, ``r1``, ``r2``).

    ``model`` may be a fitted :class:`~weaksup.endmodel.Cosine` (stages
    ``"stage 1"`` and ``"stage 2"``; stage 2 starts where stage 1 stopped), a
    torch end model or ``LogisticRegression`` (stage ``"fit"``), a fitted
    :class:`~weaksup.pipeline.Pipeline` (its end model), or a history list
    itself.  Histories are recorded only when ``fit`` got ``valid=``.

    Examples
    --------
    >>> from weaksup.plots import learning_curves
    >>> learning_curves([{"step": 10, "loss": 0.5, "valid": 0.8}])[["stage", "global_step", "valid"]].values.tolist()
    [['fit', 10, 0.8]]
    """
    if isinstance(model, (list, tuple)):
        parts = [_history_frame(model, "fit")]
    else:
        end = getattr(model, "end_model_", None)
        if end is not None and not hasattr(model, "history_"):  # a Pipeline
            model = end
        if not hasattr(model, "history_"):
            raise ValueError(f"{type(model).__name__} has no training history (history_): fit it with valid=")
        if hasattr(model, "stage1_valid_score_"):  # COSINE
            stage1 = getattr(model, "stage1_model_", None) or model.model_
            h1 = _history_frame(stage1.history_, "stage 1")
            offset = int(getattr(stage1, "n_steps_", h1["step"].max() if len(h1) else 0))
            h2 = _history_frame(model.history_, "stage 2")
            if len(h2):
                h2["global_step"] = h2["step"] + offset
            parts = [h1, h2]
        else:
            parts = [_history_frame(model.history_, "fit")]
    frames = [p for p in parts if len(p)]
    if not frames:
        raise ValueError("the training history is empty: fit the model with valid=(X_valid, y_valid)")
    df = pd.concat(frames, ignore_index=True)
    if "global_step" not in df:
        df["global_step"] = df["step"]
    df["global_step"] = df["global_step"].fillna(df["step"]).astype(int)
    cols = ["stage", "step", "global_step"]
    return df[cols + [c for c in df.columns if c not in cols]]


def plot_learning_curves(models: Any, *, metric: str = "valid", loss: bool = True,
                         title: str | None = None) -> Any:
    """Validation metric (and training loss) against training step, one line per stage of each model.

    Parameters
    ----------
    models : fitted model, history list, or mapping of name to either
        What :func:`learning_curves` reads; each history needs a ``valid``
        column (the validation score; ``loss`` is optional).
    metric : str
        Name of the validation metric for the y axis label.
    loss : bool
        Add a second panel with the training loss at each check.
    title : str, optional
        Title of the metric panel (default, and for an empty string: ``"learning curves"``); the loss panel
        keeps its own title.

    Returns
    -------
    matplotlib.figure.Figure
        ``axes[0]``: one line per (model, stage), x = ``global_step``,
        y = ``valid``, labelled ``"<name> <stage>"`` (just the stage for one
        model); a dotted vertical line where COSINE's stage 2 starts.
        ``axes[1]`` (with ``loss=True``): the same lines for ``loss``.

    Examples
    --------
    >>> from weaksup.plots import plot_learning_curves
    >>> h = [{"step": 10, "loss": 0.6, "valid": 0.7}, {"step": 20, "loss": 0.4, "valid": 0.75}]
    >>> fig = plot_learning_curves({"MLP": h})
    >>> line = fig.axes[0].get_lines()[0]
    >>> line.get_label(), line.get_xdata().tolist(), line.get_ydata().tolist()
    ('MLP fit', [10, 20], [0.7, 0.75])
    """
    from weaksup.plots._mpl import pyplot

    named = dict(models) if isinstance(models, Mapping) else {"": models}
    tables = {name: learning_curves(m) for name, m in named.items()}
    for name, t in tables.items():
        if "valid" not in t:
            whose = f"the history of {name!r}" if name else "the history"
            raise ValueError(f"{whose} has no 'valid' column (it has {[c for c in t.columns if c != 'stage']}): "
                             "plot_learning_curves draws the validation score an end model records at each check "
                             "when fit gets valid=(X_valid, y_valid); a history list needs 'step' and 'valid'")
    has_loss = loss and any("loss" in t for t in tables.values())
    fig, axes = pyplot().subplots(1, 2 if has_loss else 1, figsize=(7 if has_loss else 4.2, 2.5), squeeze=False)
    ax, axl = axes[0][0], (axes[0][1] if has_loss else None)
    for name, t in tables.items():
        for stage, part in t.groupby("stage", sort=False):
            label = f"{name} {stage}".strip()
            line, = ax.plot(part["global_step"].to_numpy(), part["valid"].to_numpy(), marker=".", label=label)
            if axl is not None and "loss" in part:
                axl.plot(part["global_step"].to_numpy(), part["loss"].to_numpy(), marker=".",
                         color=line.get_color(), label=label)
        if (t["stage"] == "stage 2").any():
            start = int(t.loc[t["stage"] == "stage 2", "global_step"].min() - t.loc[t["stage"] == "stage 2", "step"].min())
            ax.axvline(start, linestyle=":", color="gray")
    ax.set_xlabel("training step")
    ax.set_ylabel(f"{metric} (validation)")
    ax.set_title(title or "learning curves")
    ax.legend(fontsize="small")
    if axl is not None:
        axl.set_xlabel("training step")
        axl.set_ylabel("training loss")
        axl.set_title("loss at each check")
    fig.tight_layout()
    return fig
