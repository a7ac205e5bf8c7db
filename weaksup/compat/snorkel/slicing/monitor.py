"""``snorkel.slicing.monitor.slice_dataframe``: the rows of a DataFrame that belong to one slice."""

from __future__ import annotations

import numpy as np
import pandas as pd

from weaksup.compat.snorkel.slicing.apply.core import PandasSFApplier
from weaksup.compat.snorkel.slicing.sf.core import SlicingFunction

__all__ = ["slice_dataframe"]


def slice_dataframe(df: pd.DataFrame, slicing_function: SlicingFunction) -> pd.DataFrame:
    """The rows of ``df`` on which ``slicing_function`` is true (non-zero), in order (``df.iloc``).

    Runs ``PandasSFApplier([slicing_function]).apply(df)`` with its default
    progress bar, as snorkel does.

    >>> from weaksup.compat.snorkel.slicing import slicing_function
    >>> import pandas as pd
    >>> from weaksup.compat.snorkel.slicing import slice_dataframe
    >>> @slicing_function()
    ... def big(x):
    ...     return x.num > 10
    >>> slice_dataframe(pd.DataFrame({"num": [5, 50, 20]}, index=["a", "b", "c"]), big).index.tolist()
    ['b', 'c']
    """
    S = PandasSFApplier([slicing_function]).apply(df)
    return df.iloc[np.flatnonzero(S[slicing_function.name])]
