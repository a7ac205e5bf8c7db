"""The errors of LF application: one base, :class:`LFApplyError`, for every kind of LF.

* :class:`LFApplyError` — an LF failed while being applied (it raised, with
  ``fault="raise"``); the base class of every other LF application error.
* :class:`LFOutputError` — an LF returned something that is not a valid output
  (also a ``ValueError``).

The value and span families subclass these (``ValueLFError``,
``SpanLFOutputError``), so ``except LFApplyError`` catches every one of them.

>>> issubclass(LFOutputError, LFApplyError) and issubclass(LFOutputError, ValueError)
True
"""

from __future__ import annotations

from typing import Any

__all__ = ["LFApplyError", "LFOutputError"]


class LFApplyError(RuntimeError):
    """An LF failed while being applied (e.g. it raised, with ``fault="raise"``).

    Attributes ``lf_name``, ``row_index`` (the data's index label), ``position``
    (0-based row) and ``original`` (the exception the LF raised, also chained
    as ``__cause__``).
    """

    def __init__(self, message: str, lf_name: str = "", row_index: Any = None,
                 position: int | None = None, original: BaseException | None = None) -> None:
        super().__init__(message)
        self.lf_name = lf_name
        self.row_index = row_index
        self.position = position
        self.original = original

    def __reduce__(self) -> Any:  # survive the trip back from a worker process
        return (type(self), (self.args[0], self.lf_name, self.row_index, self.position, self.original))


class LFOutputError(LFApplyError, ValueError):
    """An LF returned something that is not a valid output (a vote in ``{-1, 0..k-1}`` for class LFs)."""
