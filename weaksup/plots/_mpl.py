"""matplotlib access for every weaksup plot: the lazy import and the shared bar panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["pyplot", "barh_panel"]


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - matplotlib is in the test extra
        raise ImportError('weaksup plots need matplotlib: pip install "weaksup[plot]"') from e
    return plt


def barh_panel(ax: Any, values: Any, names: Sequence[str], xlabel: str, color: str) -> Any:
    """One horizontal bar per name (first name on top), values annotated; x from 0 to at least 1."""
    values = np.asarray(values, dtype=float)
    pos = np.arange(len(names))
    ax.barh(pos, values, color=color)
    ax.set_yticks(pos)
    ax.set_yticklabels(list(names))
    ax.set_ylim(len(names) - 0.5, -0.5)  # first LF on top
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, max(1.0, float(np.nanmax(values)) if values.size else 1.0))
    return ax
