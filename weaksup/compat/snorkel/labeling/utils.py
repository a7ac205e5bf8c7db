"""``snorkel.labeling.utils``: ``filter_unlabeled_dataframe``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weaksup.votes import VoteMatrix

__all__ = ["filter_unlabeled_dataframe"]


def filter_unlabeled_dataframe(X: pd.DataFrame, y: np.ndarray, L: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """Keep the rows of ``X`` and ``y`` on which at least one LF voted (``L`` row not all ``-1``).

    >>> import numpy as np
    >>> import pandas as pd
    >>> from weaksup.compat.snorkel.labeling import filter_unlabeled_dataframe
    >>> X = pd.DataFrame({"a": [1, 2]})
    >>> Xf, yf = filter_unlabeled_dataframe(X, np.array([[0.5, 0.5], [1.0, 0.0]]), np.array([[-1, -1], [0, -1]]))
    >>> Xf.a.tolist(), yf.tolist()
    ([2], [[1.0, 0.0]])
    """
    mask = VoteMatrix(L).covered()
    if len(mask) != len(X) or len(mask) != len(y):
        raise ValueError(f"X has {len(X)} rows, y {len(y)} and L {len(mask)}; they must be the same rows")
    return X.iloc[mask], y[mask]
