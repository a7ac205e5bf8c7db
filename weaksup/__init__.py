"""weaksup: weak supervision from labeling functions to end models.

Light at import: only numpy, scipy and pandas load here.  Label models, end
models, data loaders and the bench load on first use.

>>> import weaksup as ws
>>> ws.ABSTAIN
-1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from weaksup import _threads  # noqa: F401  (registers the fork hook before any worker is forked)
from weaksup._lazy import attach
from weaksup.apply import ApplyReport, LFApplier, LFApplyError, LFOutputError, VoteCache, apply_lfs
from weaksup.lf import (
    LabelingFunction,
    Preprocessor,
    keyword_lf,
    labeling_function,
    lfs_from_table,
    preprocessor,
    regex_lf,
    threshold_lf,
)
from weaksup.votes import ABSTAIN, VoteMatrix

from weaksup._version import __version__  # equal to pyproject.toml's version (tests/test_architecture.py)

_LAZY = {
    "LFAnalysis": "weaksup.analysis",
    "MajorityVote": "weaksup.labelmodel",
    "WeightedMajorityVote": "weaksup.labelmodel",
    "DawidSkene": "weaksup.labelmodel",
    "MatrixCompletion": "weaksup.labelmodel",
    "FlyingSquid": "weaksup.labelmodel",
    "EBCC": "weaksup.labelmodel",
    "AutoLabelModel": "weaksup.labelmodel",
    "LabelLearningFlow": "weaksup.flows",
    "load_wrench": "weaksup.data",
    "metrics": "weaksup.metrics",
}

if TYPE_CHECKING:  # the lazy names' real types for type checkers and IDEs; tests/test_typing_surface.py keeps
    # this block equal to _LAZY
    from weaksup import metrics
    from weaksup.analysis import LFAnalysis
    from weaksup.data import load_wrench
    from weaksup.flows import LabelLearningFlow
    from weaksup.labelmodel import (
        EBCC,
        AutoLabelModel,
        DawidSkene,
        FlyingSquid,
        MajorityVote,
        MatrixCompletion,
        WeightedMajorityVote,
    )

__all__ = [
    "ABSTAIN",
    "ApplyReport",
    "LFApplier",
    "LFApplyError",
    "LFOutputError",
    "LabelingFunction",
    "Preprocessor",
    "VoteCache",
    "VoteMatrix",
    "apply_lfs",
    "keyword_lf",
    "labeling_function",
    "lfs_from_table",
    "preprocessor",
    "regex_lf",
    "threshold_lf",
    *_LAZY,
]

_getattr, __dir__ = attach(__name__, _LAZY)

if not TYPE_CHECKING:  # a module __getattr__ would make every misspelt name Any to type checkers
    __getattr__ = _getattr
