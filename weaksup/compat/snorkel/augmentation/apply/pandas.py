"""``snorkel.augmentation.apply.pandas``: ``PandasTFApplier`` (each TF gets a row as a pandas Series).

The augmented frame keeps each row's index label (so an original and its
copies share it) and infers column dtypes as snorkel does.

>>> import pandas as pd
>>> from weaksup.compat.snorkel.augmentation import ApplyOnePolicy, transformation_function
>>> from weaksup.compat.snorkel.augmentation import PandasTFApplier
>>> @transformation_function()
... def shout(x):
...     x.text = x.text.upper()
...     return x
>>> PandasTFApplier([shout], ApplyOnePolicy()).apply(pd.DataFrame({"text": ["hi"]}), progress_bar=False)
  text
0   hi
0   HI
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from weaksup.compat.snorkel.augmentation.apply.core import BaseTFApplier

__all__ = ["PandasTFApplier"]


def _frame(rows: list[pd.Series], like: pd.DataFrame) -> pd.DataFrame:
    """The rows as a frame (index: each row's label); no rows: an empty frame with ``like``'s columns."""
    if not rows:  # snorkel's pd.concat fails here ("No objects to concatenate")
        return like.iloc[:0].copy()
    return pd.concat(rows, axis=1).T.infer_objects()


class PandasTFApplier(BaseTFApplier):
    """``PandasTFApplier(tfs, policy)``: ``apply(df, progress_bar=True)`` and ``apply_generator(df, batch_size)``."""

    def _check_frame(self, df: pd.DataFrame, method: str) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"PandasTFApplier.{method} takes a pandas DataFrame, got {type(df).__name__}; "
                            "use TFApplier for other sequences of data points")

    def apply_generator(self, df: pd.DataFrame, batch_size: int) -> Iterator[pd.DataFrame]:
        """Yield the augmented frame of each ``batch_size`` consecutive rows, batch by batch.

        When ``len(df)`` is a multiple of ``batch_size`` there is no trailing
        empty batch (snorkel's generator fails there).
        """
        self._check_frame(df, "apply_generator")
        for start in range(0, len(df), batch_size):
            batch = []
            part = df.iloc[start:start + batch_size]
            for i, (label, (_, x)) in enumerate(zip(part.index.tolist(), part.iterrows()), start):
                batch.extend(self._apply_policy_to_data_point(x, label, i))
            yield _frame(batch, df)

    def apply(self, df: pd.DataFrame, progress_bar: bool = True) -> pd.DataFrame:
        """The augmented frame: per row, the original (``keep_original``) then its transformed copies."""
        from tqdm.auto import tqdm

        self._check_frame(df, "apply")
        rows: list[pd.Series] = []
        # plain index values (tolist), so error notes read "row 30", not "row np.int64(30)"
        rows_in = zip(df.index.tolist(), df.iterrows())
        for i, (label, (_, x)) in enumerate(tqdm(rows_in, total=len(df), disable=not progress_bar)):
            rows.extend(self._apply_policy_to_data_point(x, label, i))
        return _frame(rows, df)
