"""The serial engine: in this process, chunk by chunk (10,000 rows by default)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from weaksup.apply.engines.base import EngineJob, EngineResult, chunks, row_bar
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
        res = EngineResult.empty(n, len(lfs))
        res.block = np.empty((n, len(lfs)), dtype=np.int64)
        with row_bar(n, f"Applying {len(lfs)} LFs", job.progress) as bar:
            for start, stop in chunks(n, job.chunk_size or 10_000):
                v, f, s = apply_chunk(lfs, data.iloc[start:stop], job.output, job.fault, start,
                                      timeout=job.timeout)
                res.block[start:stop] = v
                res.faults += f
                res.seconds += s
                bar.update(stop - start)
        return res


ENGINE = SerialEngine()
