"""``snorkel.labeling.analysis``: ``LFAnalysis(L, lfs=None)`` on :class:`weaksup.analysis.LFAnalysis`.

>>> import numpy as np
>>> from weaksup.compat.snorkel.labeling import LFAnalysis
>>> LFAnalysis(np.array([[0, -1], [1, 1]])).lf_summary().columns.tolist()
['Polarity', 'Coverage', 'Overlaps', 'Conflicts']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup.analysis import LFAnalysis as _LFAnalysis
from weaksup.votes import VoteMatrix

__all__ = ["LFAnalysis"]


def _unnamed(L: Any) -> VoteMatrix:
    """``L``'s votes without its LF names, so that ``lfs`` names its columns by position, as snorkel reads them."""
    V = L if isinstance(L, VoteMatrix) else VoteMatrix(L)
    return VoteMatrix(V.to_sparse() if V.is_sparse else V.to_dense(), cardinality=V.cardinality)


class LFAnalysis(_LFAnalysis):
    """snorkel's ``LFAnalysis``: the same statistics; ``lf_summary`` is indexed like snorkel's.

    Without ``lfs`` the summary has a plain 0..m-1 index and no ``j`` column;
    with ``lfs`` it is indexed by LF name and has ``j``.  As in snorkel 0.10, ``lfs`` names the
    columns of ``L`` by position, whatever names ``L`` carries (a DataFrame's column labels, a
    VoteMatrix's LF names): column ``j`` is ``lfs[j]``.  (:class:`weaksup.analysis.LFAnalysis`
    matches named votes by name instead.)
    """

    def __init__(self, L: Any, lfs: Sequence[Any] | None = None) -> None:
        if lfs is not None:
            L = _unnamed(L)
        super().__init__(L, lfs)
        self._named = lfs is not None

    def _check_y(self, y: Any, k: int | None = None) -> np.ndarray:
        # snorkel takes gold classes no LF votes (LFs for some classes only): the classes are what Y holds too
        arr = np.asarray(y)
        if arr.dtype == bool:  # snorkel reads True/False gold labels as classes 1/0
            arr = y = arr.astype(np.int64)
        top = np.nanmax(arr) if arr.size and arr.dtype.kind in "iuf" and not np.isnan(arr).all() else -1
        if np.isfinite(top):  # inf/NaN/strings: the checks below name them
            k = max(int(top) + 1, k or 0)
        return super()._check_y(y, k)

    def lf_empirical_accuracies(self, Y: Any) -> np.ndarray:  # type: ignore[override]
        """Fraction of each LF's votes that equal the gold labels ``Y`` (snorkel's parameter name)."""
        return super().lf_empirical_accuracies(Y)

    def lf_empirical_probs(self, Y: Any, k: int) -> np.ndarray:  # type: ignore[override]
        """``m × (k+1) × k`` tables ``P[j, l+1, c] = P(LF_j = l | Y = c)`` from gold labels ``Y``."""
        return super().lf_empirical_probs(Y, k)

    def lf_summary(self, Y: Any = None, est_weights: Any = None) -> pd.DataFrame:
        df = self.summary(y=None if Y is None else np.asarray(Y), est_weights=est_weights)
        if not self._named:
            df = df.drop(columns="j").reset_index(drop=True)
        return df
