"""Plots for the notebook workflow; each function returns a matplotlib ``Figure``.

matplotlib is the ``plot`` optional extra (``pip install "weaksup[plot]"``) and
is imported only when a plot is drawn.  Every figure is built from numbers the
library also returns as data (``LFAnalysis.summary``, :func:`calibration_bins`,
a model's ``history_``), so a test can check what a plot shows from the data
of its artists.

============================  ==============================================
:func:`plot_lf_summary`       per-LF coverage, overlaps, conflicts, accuracy
:func:`plot_calibration`      reliability diagram of one or more models
:func:`plot_class_balance`    class distributions side by side
:func:`plot_learning_curves`  validation score (and loss) per training step
============================  ==============================================

>>> import numpy as np
>>> from weaksup.plots import calibration_bins
>>> calibration_bins(np.array([[0.9, 0.1], [0.6, 0.4]]), [0, 1], n_bins=4)["accuracy"].tolist()
[0.0, 1.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from weaksup._lazy import attach

_LAZY = {
    "plot_lf_summary": "weaksup.plots.lf",
    "plot_calibration": "weaksup.plots.calibration",
    "calibration_bins": "weaksup.plots.calibration",
    "expected_calibration_error": "weaksup.plots.calibration",
    "plot_class_balance": "weaksup.plots.training",
    "class_distribution": "weaksup.plots.training",
    "plot_learning_curves": "weaksup.plots.training",
    "learning_curves": "weaksup.plots.training",
}

if TYPE_CHECKING:  # the lazy names' real types for type checkers and IDEs; tests/test_typing_surface.py keeps
    # this block equal to _LAZY
    from weaksup.plots.calibration import calibration_bins, expected_calibration_error, plot_calibration
    from weaksup.plots.lf import plot_lf_summary
    from weaksup.plots.training import class_distribution, learning_curves, plot_class_balance, plot_learning_curves

__all__ = list(_LAZY)

_getattr, __dir__ = attach(__name__, _LAZY)

if not TYPE_CHECKING:  # a module __getattr__ would make every misspelt name Any to type checkers
    __getattr__ = _getattr
