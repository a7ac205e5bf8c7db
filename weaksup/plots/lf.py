"""The LF summary plot: per-LF coverage, overlaps, conflicts and (with gold labels) accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from weaksup.analysis import LFAnalysis

__all__ = ["plot_lf_summary"]


def plot_lf_summary(votes: Any, y: Any = None, *, lfs: Sequence[Any] | None = None) -> Any:
    """One row of horizontal bar panels, one bar per LF: coverage, overlaps, conflicts, accuracy.

    Parameters
    ----------
    votes : VoteMatrix, array-like (n, m) or LFAnalysis
        The votes (``-1`` = abstain), or an analysis already built on them.
    y : array-like (n,), optional
        Gold labels, ``-1`` for unknown; adds the empirical-accuracy panel: ``Emp. Acc.`` of
        ``LFAnalysis.summary``, snorkel's fraction of an LF's votes equal to ``y``, in which a vote
        on a row with ``y = -1`` counts as wrong (``Correct`` / ``Incorrect`` skip those rows).
        Drop the unknown rows first to plot the accuracy on the labelled rows alone.
    lfs : sequence of LFs or names, optional
        LF names, when ``votes`` does not carry them.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes, left to right: ``coverage``, ``overlaps``, ``conflicts`` and
        ``empirical accuracy``; bar ``j`` of each is LF ``j`` (first LF on top),
        with the value of ``LFAnalysis.summary`` for that LF.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.plots import plot_lf_summary
    >>> fig = plot_lf_summary(np.array([[0, 0], [1, -1], [-1, 1]]), y=[0, 1, 1])
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['coverage', 'overlaps', 'conflicts', 'empirical accuracy']
    >>> [round(float(p.get_width()), 3) for p in fig.axes[0].patches]
    [0.667, 0.667]
    """
    analysis = votes if isinstance(votes, LFAnalysis) else LFAnalysis(votes, lfs)
    return analysis.plot(y=y)
