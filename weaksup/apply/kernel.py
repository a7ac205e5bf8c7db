"""THE LF application kernel: one loop over LFs and rows, for every kind of LF.

:func:`apply_chunk` applies a list of LFs to one chunk of data and is the only
place where weaksup calls an LF on data.  Class LFs (every engine), value LFs
(:func:`weaksup.universal.apply_value_lfs`), span LFs
(:func:`weaksup.sequence.apply_span_lfs`) and prompted LFs (batched class LFs)
all run through it, so they share:

* one call convention: batched LFs receive the chunk, row-wise LFs one record
  at a time (through :meth:`LabelingFunction.row_caller`);
* one fault policy (:data:`FAULTS`): ``"raise"`` an :class:`LFApplyError`
  naming the LF, row and position; ``"abstain"`` (record the abstain output
  and count the fault); ``"warn"`` (abstain and warn once per apply, see
  :func:`warn_faults`);
* one validation step per LF column, done by an :class:`Output` adapter that
  knows the output kind.  :class:`ClassOutput` (votes in ``-1..k-1``) lives
  here; the value and span adapters live with their families
  (``weaksup.universal.values``, ``weaksup.sequence.lf``), which sit above
  this package.

Engines (:mod:`weaksup.apply.engines`) only cut data into chunks and call
:func:`apply_chunk`, so they give identical votes by construction.

Examples
--------
>>> import pandas as pd
>>> from weaksup.lf import keyword_lf
>>> block, faults, seconds = apply_chunk([keyword_lf("win", 1)], pd.DataFrame({"text": ["win", "no"]}),
...                                      ClassOutput(cardinality=2), "raise", 0)
>>> block.ravel().tolist(), faults.tolist()
([1, -1], [0])
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from weaksup._validation import check_vote_range
from weaksup.apply.errors import LFApplyError, LFOutputError
from weaksup.lf.core import LabelingFunction, Row
from weaksup.votes import ABSTAIN

__all__ = ["FAULTS", "Output", "FrameOutput", "ClassOutput", "apply_chunk", "check_fault", "warn_faults"]

#: What to do when an LF raises: raise, abstain (and count), or abstain and warn.
FAULTS = ("raise", "abstain", "warn")


def check_fault(fault: str) -> str:
    """Validate a ``fault=`` argument.

    >>> check_fault("warn")
    'warn'
    """
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}, got {fault!r}")
    return fault


def warn_faults(names: Sequence[str], faults: Any, fault: str, unit: str = "row") -> None:
    """With ``fault="warn"``, one warning naming every LF that raised and on how many rows."""
    if fault != "warn":
        return
    hit = {n: int(f) for n, f in zip(names, faults) if f}
    if hit:
        warnings.warn(f"LFs raised and abstained instead (fault='warn'): "
                      + ", ".join(f"{n!r} on {f} {unit}(s)" for n, f in hit.items()), RuntimeWarning, stacklevel=3)


class Output(Protocol):
    """How one kind of LF output becomes a validated column of a block.

    ``unit`` names a record in messages (``"row"``, ``"sentence"``);
    ``raised`` is the error class for an LF that raised; ``faulted`` is the
    output recorded for a row on which a row-wise LF raised.
    """

    unit: str
    raised: type[LFApplyError]
    faulted: Any

    def length(self, chunk: Any) -> int: ...

    def index(self, chunk: Any) -> Sequence[Any]: ...

    def records(self, chunk: Any) -> Sequence[Any]: ...

    def from_rows(self, lf: LabelingFunction, outs: list[Any], chunk: Any, records: Sequence[Any]) -> Any: ...

    def from_batch(self, lf: LabelingFunction, out: Any, chunk: Any) -> Any: ...

    def all_faulted(self, lf: LabelingFunction, chunk: Any) -> Any: ...

    def stack(self, columns: list[Any], chunk: Any) -> Any: ...


def apply_chunk(
    lfs: Sequence[LabelingFunction],
    chunk: Any,
    output: Output,
    fault: str,
    offset: int,
    *,
    tick: Callable[[], None] | None = None,
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Apply ``lfs`` to one chunk: ``(block, faults per LF, seconds per LF)``.

    ``offset`` is the chunk's first position in the whole data (for messages);
    ``tick`` is called after each LF (progress bars over LFs).
    """
    n = output.length(chunk)
    index = output.index(chunk)
    unit = output.unit
    faults = np.zeros(len(lfs), dtype=np.int64)
    seconds = np.zeros(len(lfs))
    columns: list[Any] = []
    records: Sequence[Any] | None = None
    for j, lf in enumerate(lfs):
        t0 = time.perf_counter()
        if lf.batched:
            try:
                out = lf(chunk)
            except Exception as exc:
                if fault == "raise":
                    raise output.raised(
                        f"batched LF {lf.name!r} raised {type(exc).__name__} on the chunk of {unit}s "
                        f"{index[0]!r}..{index[-1]!r} (positions {offset}..{offset + n - 1}): {exc}",
                        lf.name, index[0], offset, exc,
                    ) from exc
                faults[j] += n
                columns.append(output.all_faulted(lf, chunk))
            else:
                columns.append(output.from_batch(lf, out, chunk))
        else:
            if records is None:
                records = output.records(chunk)
            call = lf.row_caller()
            outs: list[Any] = []
            append = outs.append
            for i, x in enumerate(records):
                try:
                    append(call(x))
                except Exception as exc:
                    if fault == "raise":
                        raise output.raised(
                            f"LF {lf.name!r} raised {type(exc).__name__} on {unit} {index[i]!r} "
                            f"(position {offset + i}): {exc}",
                            lf.name, index[i], offset + i, exc,
                        ) from exc
                    faults[j] += 1
                    append(output.faulted)
            columns.append(output.from_rows(lf, outs, chunk, records))
        seconds[j] = time.perf_counter() - t0
        if tick is not None:
            tick()
    return output.stack(columns, chunk), faults, seconds


# ------------------------------------------------------------- class votes
_INT_TYPES = frozenset({int, np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64})


class FrameOutput:
    """Base of the adapters whose chunks are pandas DataFrames.

    Row-wise LFs receive each row as a :class:`~weaksup.lf.Row`; batched LFs
    the DataFrame chunk; messages name rows by the frame's index labels.
    """

    unit = "row"

    def length(self, chunk: pd.DataFrame) -> int:
        return len(chunk)

    def index(self, chunk: pd.DataFrame) -> pd.Index:
        return chunk.index

    def records(self, chunk: pd.DataFrame) -> list[Row]:
        return [Row(r) for r in chunk.to_dict("records")]


class ClassOutput(FrameOutput):
    """Class votes: one int in ``-1..cardinality-1`` per row; the block is an ``n × m`` int64 array."""

    raised = LFApplyError
    faulted = ABSTAIN

    def __init__(self, cardinality: int | None = None) -> None:
        self.cardinality = cardinality

    def _check_vote(self, lf: LabelingFunction, value: Any, row_index: Any) -> int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise LFOutputError(
                f"LF {lf.name!r} returned {value!r} ({type(value).__name__}) on row {row_index!r}; "
                f"an LF must return an int class or ABSTAIN (-1)", lf.name, row_index,
            )
        check_vote_range(int(value), self.cardinality, lf.name, rows=[row_index], error=LFOutputError)
        return int(value)

    def from_rows(self, lf: LabelingFunction, outs: list[Any], chunk: pd.DataFrame,
                  records: Sequence[Any]) -> np.ndarray:
        index = chunk.index
        if not outs:
            return np.zeros(0, dtype=np.int64)
        if not set(map(type, outs)) <= _INT_TYPES:
            for i, v in enumerate(outs):
                if type(v) not in _INT_TYPES:
                    self._check_vote(lf, v, index[i])
        try:
            arr = np.array(outs, dtype=np.int64)
        except OverflowError:
            i = next(i for i, v in enumerate(outs) if not -(2**63) <= int(v) < 2**63)
            self._check_vote(lf, outs[i], index[i])
            raise
        return check_vote_range(arr, self.cardinality, lf.name, rows=index, error=LFOutputError)

    def from_batch(self, lf: LabelingFunction, out: Any, chunk: pd.DataFrame) -> np.ndarray:
        arr = np.asarray(out)
        if arr.shape != (len(chunk),):
            raise LFOutputError(
                f"batched LF {lf.name!r} returned shape {arr.shape} for a chunk of {len(chunk)} rows "
                f"(rows {chunk.index[0]!r}..{chunk.index[-1]!r}); it must return one vote per row", lf.name,
            )
        if arr.dtype.kind not in "iu":
            if arr.dtype.kind == "f" and len(arr) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
                arr = arr.astype(np.int64)
            elif len(arr) == 0:
                arr = arr.astype(np.int64)
            else:
                bad = 0
                if arr.dtype.kind == "f":
                    bad = int(np.nonzero(~np.isfinite(arr) | (arr != np.round(arr)))[0][0])
                raise LFOutputError(
                    f"batched LF {lf.name!r} returned dtype {arr.dtype} (e.g. {arr[bad].item()!r} on row "
                    f"{chunk.index[bad]!r}); it must return integer votes", lf.name, chunk.index[bad],
                )
        return check_vote_range(arr, self.cardinality, lf.name, rows=chunk.index, error=LFOutputError)

    def all_faulted(self, lf: LabelingFunction, chunk: pd.DataFrame) -> np.ndarray:
        return np.full(len(chunk), ABSTAIN, dtype=np.int64)

    def stack(self, columns: list[np.ndarray], chunk: pd.DataFrame) -> np.ndarray:
        block = np.full((len(chunk), len(columns)), ABSTAIN, dtype=np.int64)
        for j, col in enumerate(columns):
            block[:, j] = col
        return block
