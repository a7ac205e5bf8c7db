"""The serial engine: in this process, chunk by chunk (10,000 rows by default)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.engines.base import (EngineJob, EngineResult, chunks, keep_finished, keep_first_faults,
                                       keep_partial, row_bar, start_dtype, widen)
from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import apply_chunk
from weaksup.lf.core import LabelingFunction

__all__ = ["SerialEngine", "ENGINE"]


class SerialEngine:
    """Apply LFs in this process, ``job.chunk_size`` rows at a time."""

    name = "serial"

    def accepts(self, data: object) -> bool:
        return False

    def run(self, data: pd.DataFrame, lfs: Sequence[LabelingFunction], job: EngineJob) -> EngineResult:
        n = len(data)
        res = EngineResult.empty(0, len(lfs))
        # the smallest dtype that holds the votes (int8 for a few classes; with small_blocks and the class count
        # inferred, int8 widened as larger votes come): the chunks' votes are copied in
        res.block = np.empty((n, len(lfs)), dtype=start_dtype(job.output))
        m = max(len(lfs), 1)
        finished: list[tuple[int, int, np.ndarray]] = []  # the chunks done, with their faults: kept if it stops
        with (row_bar(n, f"Applying {len(lfs)} LFs", job.progress) if job.bar is None
              else contextlib.nullcontext(job.bar)) as bar:  # the applier's bar over several runs: left open
            for start, stop in chunks(n, job.chunk_size or 10_000):
                size, shown = stop - start, [0]

                def row_tick(j: int, rows: int, size: int = size, shown: list[int] = shown) -> None:
                    # the chunk's rows times the share of its (LF, row) calls done: row-wise LFs move the bar
                    # every few hundred rows, not once per chunk
                    done = (j * size + rows) // m
                    if done > shown[0]:
                        bar.update(done - shown[0])
                        shown[0] = done

                # fault="raise": every LF that finishes the chunk gives one column, in LF order (other modes also
                # give the columns of faulted LFs, whose faults are not seen here: nothing is kept for them)
                kept = _Finished(job.output) if job.fault == "raise" else None
                try:
                    output = job.output if kept is None else kept
                    found: dict[int, Any] = {}
                    v, f, s = apply_chunk(lfs, data.iloc[start:stop], output, job.fault, start,
                                          timeout=job.timeout, row_tick=row_tick if job.progress else None,
                                          first_faults=found)
                    keep_first_faults(res.first_faults, found)
                    res.block = widen(res.block, v.dtype)
                    res.block[start:stop] = v
                    res.faults += f
                    res.seconds += s
                    finished.append((start, stop, f))
                    if size > shown[0]:
                        bar.update(size - shown[0])
                except LFApplyError as err:  # the chunks before are done: keep the LFs' columns that are whole
                    done = np.zeros(n, dtype=bool)
                    done[:start] = True
                    keep_finished(err, res.block, done, (start, stop))
                    keep_partial(err, res.block, finished)  # and every LF's rows of the chunks before
                    raise
                except KeyboardInterrupt as interrupt:
                    # Ctrl-C, as an LF error: the LFs that ran on every row (this chunk is the last) keep their
                    # columns (``interrupt.finished``, cached by the applier), every LF the rows of the chunks
                    # finished (``interrupt.partial``); the interrupt goes up as it came
                    keep_partial(interrupt, res.block, finished)
                    if kept is not None:
                        done = np.zeros(n, dtype=bool)
                        done[:start] = True
                        held = SimpleNamespace(chunk_done=(kept.columns,))
                        keep_finished(held, res.block, done, (start, stop))  # type: ignore[arg-type]
                        if getattr(held, "finished", None):
                            interrupt.finished = held.finished  # type: ignore[attr-defined]
                    raise
        return res


class _Finished:
    """The kernel's output adapter, keeping the vote columns of the LFs that ran on the whole chunk (in LF order).

    An LF error carries these columns (``chunk_done``, set by :func:`~weaksup.apply.kernel.apply_chunk`); a
    KeyboardInterrupt raised inside an LF does not, so the engine takes them from here.
    """

    def __init__(self, output: Any) -> None:
        self._output = output
        self.columns: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._output, name)

    def from_rows(self, *args: Any) -> Any:
        column = self._output.from_rows(*args)
        self.columns.append(column)
        return column

    def from_batch(self, *args: Any) -> Any:
        column = self._output.from_batch(*args)
        self.columns.append(column)
        return column


ENGINE = SerialEngine()
