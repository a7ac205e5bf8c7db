"""The errors of LF application: one base, :class:`LFApplyError`, for every kind of LF.

* :class:`LFApplyError` — an LF failed while being applied (it raised, with
  ``fault="raise"``); the base class of every other LF application error.
* :class:`LFOutputError` — an LF returned something that is not a valid output
  (also a ``ValueError``).
* :class:`RowsFailed` — raised *by* a batched LF that can tell which rows of its
  chunk failed, so the kernel names the row (and, unless ``fault="raise"``,
  abstains on those rows only).

The value and span families subclass these (``ValueLFError``,
``SpanLFOutputError``), so ``except LFApplyError`` catches every one of them.

>>> from weaksup import LFApplyError, LFOutputError
>>> issubclass(LFOutputError, LFApplyError) and issubclass(LFOutputError, ValueError)
True
"""

from __future__ import annotations

import contextvars
from typing import Any

_FAULT_POLICY: contextvars.ContextVar[str | None] = contextvars.ContextVar("weaksup_fault_policy", default=None)


def fault_policy() -> str | None:
    """The fault policy of the apply running this batched LF call (None outside one).

    A batched LF that can tell which rows failed raises :class:`RowsFailed` only inside
    an apply, and finishes its other rows first unless this is ``"raise"``.

    >>> from weaksup.apply.errors import fault_policy
    >>> fault_policy() is None
    True
    """
    return _FAULT_POLICY.get()

__all__ = ["LFApplyError", "LFOutputError", "RowsFailed", "fault_policy"]


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


class RowsFailed(Exception):
    """Raised by a batched LF whose call failed on some rows of its chunk, not on all.

    The kernel names the first failed row in the :class:`LFApplyError` it raises
    (``fault="raise"``), or, given ``output``, keeps the other rows' results and counts a
    fault on each failed row only (``fault="abstain"``/``"warn"``).  Without ``output`` the
    whole chunk is faulted, as for any other exception.  Not raised to users.

    Parameters
    ----------
    positions : sequence of int
        The failed rows' 0-based positions in the chunk the LF was given.
    output : any, optional
        The chunk's output, with the LF's abstain value on the failed rows (an LF computes
        it only when :func:`fault_policy` is not ``"raise"``).
    cause : BaseException
        The (first) error; chained as ``__cause__`` of the kernel's error.
    """

    def __init__(self, positions: Any, output: Any = None, cause: BaseException | None = None,
                 detail: str = "") -> None:
        self.positions = sorted({int(i) for i in positions})
        if not self.positions:
            raise ValueError("RowsFailed needs at least one failed position")
        self.output = output
        self.cause = cause
        self.detail = detail
        super().__init__(f"{type(cause).__name__ if cause is not None else 'error'} on "
                         f"{len(self.positions)} row(s){detail}: {cause}")
