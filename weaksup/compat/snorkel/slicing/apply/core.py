"""``snorkel.slicing.apply.core``: ``SFApplier`` and ``PandasSFApplier``, the LF appliers returning a record array.

They run the SFs through the compat LF appliers (weaksup's LF kernel: an SF
that raises propagates its exception with a note naming the SF and the row)
and return an ``n``-row numpy record array with one ``int64`` field per SF
name, as snorkel: ``S.name`` / ``S["name"]`` is that slice's column.

>>> from weaksup.compat.snorkel.slicing import slicing_function
>>> from weaksup.compat.snorkel.slicing import SFApplier
>>> @slicing_function()
... def big(x):
...     return x > 10
>>> S = SFApplier([big]).apply([5, 50], progress_bar=False)
>>> type(S).__name__, S.dtype.names, S.big.tolist()
('recarray', ('big',), [0, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weaksup.compat.snorkel.labeling.apply.core import LFApplier
from weaksup.compat.snorkel.labeling.apply.pandas import PandasLFApplier

__all__ = ["PandasSFApplier", "SFApplier", "to_recarray"]


def to_recarray(L: np.ndarray, names: list[str]) -> np.recarray:
    """The ``n × m`` slice matrix as a record array with one ``int64`` field per name (column order)."""
    S = np.recarray(L.shape[0], dtype=[(name, np.int64) for name in names])
    for j, name in enumerate(names):
        S[name] = L[:, j]
    return S


#: the LF kernel's words for what a function returns, and an SF's (True/False is stored as 1/0)
_LF_RETURN = "an LF must return an int class or ABSTAIN (-1)"
_SF_RETURN = "an SF must return True/False (or an int: 1 in the slice, 0 not)"


def _in_sf_words(exc: BaseException) -> BaseException:
    """``exc`` from the LF machinery, its message and notes speaking of SFs: the appliers run SFs as LFs, so
    their errors said "LF 'short' returned None" and "duplicate LF names" of slicing functions."""
    def sf(text: str) -> str:
        return (text.replace(_LF_RETURN, _SF_RETURN).replace("duplicate LF names", "duplicate SF names")
                .replace("each LF needs a unique name", "each SF needs a unique name")
                .replace("LF '", "SF '"))
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (sf(exc.args[0]), *exc.args[1:])
    notes = getattr(exc, "__notes__", None)
    if notes:
        exc.__notes__ = [sf(n) if isinstance(n, str) else n for n in notes]
    return exc


class _RecordArrayOutput:
    """Turns the LF applier's label matrix (also inside ``(L, meta)``) into the slice record array."""

    _lf_names: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(*args, **kwargs)
        except ValueError as exc:  # duplicate names
            raise _in_sf_words(exc) from None

    def apply(self, *args: Any, **kwargs: Any) -> Any:
        try:
            out = super().apply(*args, **kwargs)  # type: ignore[misc]
        except Exception as exc:
            raise _in_sf_words(exc)  # the same exception (type, traceback), in an SF's words
        if isinstance(out, tuple):  # return_meta=True
            return (to_recarray(out[0], self._lf_names), *out[1:])
        return to_recarray(out, self._lf_names)


class SFApplier(_RecordArrayOutput, LFApplier):
    """``SFApplier(sfs).apply(data_points, progress_bar=True, fault_tolerant=False, return_meta=False)``."""


class PandasSFApplier(_RecordArrayOutput, PandasLFApplier):
    """``PandasSFApplier(sfs).apply(df, progress_bar=True, fault_tolerant=False, return_meta=False)``."""

    def apply(self, df: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(df, pd.DataFrame):  # the LF applier's check would name PandasLFApplier
            raise TypeError(f"PandasSFApplier.apply takes a pandas DataFrame, got {type(df).__name__}; "
                            "use SFApplier for other sequences of data points")
        return super().apply(df, *args, **kwargs)
