"""``snorkel.labeling.apply.pandas``: ``PandasLFApplier`` (each LF gets a row as a pandas Series)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from weaksup.compat.snorkel.labeling.apply.core import CHUNK_ROWS, ApplierMetadata, BaseLFApplier, _Points

__all__ = ["PandasLFApplier"]


def _row_chunks(df: pd.DataFrame) -> Iterator[_Points]:
    for start in range(0, len(df), CHUNK_ROWS):
        part = df.iloc[start:start + CHUNK_ROWS]
        rows: list[pd.Series] = []
        if part.shape[1]:
            # the rows snorkel's df.apply(f, axis=1) hands its LFs (their dtype is the one apply gives, so a missing
            # nullable cell stays pd.NA where iterrows gave nan); copied, as apply reuses one Series for every row
            part.apply(lambda row: rows.append(row.copy()), axis=1)
        else:
            rows = [row for _, row in part.iterrows()]
        # plain index values (tolist), so error notes read "row 30", not "row np.int64(30)"
        yield _Points(rows, part.index.tolist())


class PandasLFApplier(BaseLFApplier):
    """``PandasLFApplier(lfs).apply(df, progress_bar=True, fault_tolerant=False, return_meta=False)``.

    Each LF receives one row as a pandas Series (``x.name`` is the index
    label, ``x.to_dict()`` works), like ``df.apply(f, axis=1)``.

    >>> from weaksup.compat.snorkel.labeling import labeling_function
    >>> import pandas as pd
    >>> from weaksup.compat.snorkel.labeling import PandasLFApplier
    >>> @labeling_function()
    ... def long_text(x):
    ...     return 1 if len(x.text) > 5 else -1
    >>> PandasLFApplier([long_text]).apply(pd.DataFrame({"text": ["hi", "hello there"]}), progress_bar=False).tolist()
    [[-1], [1]]
    """

    # overloads: a type checker sees the matrix (not a union to unpack) unless return_meta=True asks for the pair
    @overload
    def apply(self, df: pd.DataFrame, progress_bar: bool = True, fault_tolerant: bool = False,
              return_meta: Literal[False] = False) -> np.ndarray: ...

    @overload
    def apply(self, df: pd.DataFrame, progress_bar: bool, fault_tolerant: bool,
              return_meta: Literal[True]) -> tuple[np.ndarray, ApplierMetadata]: ...

    @overload
    def apply(self, df: pd.DataFrame, progress_bar: bool = True, fault_tolerant: bool = False, *,
              return_meta: Literal[True]) -> tuple[np.ndarray, ApplierMetadata]: ...

    @overload
    def apply(self, df: pd.DataFrame, progress_bar: bool = True, fault_tolerant: bool = False,
              return_meta: bool = False) -> np.ndarray | tuple[np.ndarray, ApplierMetadata]: ...

    def apply(self, df: pd.DataFrame, progress_bar: bool = True, fault_tolerant: bool = False,
              return_meta: bool = False) -> np.ndarray | tuple[np.ndarray, ApplierMetadata]:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"PandasLFApplier.apply takes a pandas DataFrame, got {type(df).__name__}; "
                            "use LFApplier for other sequences of data points")
        return self._apply_points(_row_chunks(df), len(df), progress_bar, fault_tolerant, return_meta)


def _apply_frame(lfs: list[Any], df: pd.DataFrame, fault_tolerant: bool, partition: int | None = None) -> np.ndarray:
    """One partition (module level so process schedulers can pickle it).

    A Dask partition does not know where it starts in the whole frame, so an
    error's "(position i)" counts from the partition's first row; a note says so
    (the row's index label is the frame's own).
    """
    try:
        return PandasLFApplier(lfs).apply(df, progress_bar=False, fault_tolerant=fault_tolerant)
    except Exception as err:
        if partition is not None:
            err.add_note(f"in Dask partition {partition}: the position counts from that partition's first row")
        raise
