"""An apply engine for tests that runs a real engine and keeps the vote blocks it returns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply.engines import get_engine
from weaksup.apply.engines.base import EngineJob, EngineResult


class RecordingEngine:
    """An engine that runs another one (by name: ``serial``, ``process``, ``dask``) and keeps the blocks it returns
    in ``blocks``; passed as ``LFApplier(engine=...)``."""

    def __init__(self, inner: str) -> None:
        self.inner = get_engine(inner)
        self.name = inner
        self.blocks: list[np.ndarray] = []

    def accepts(self, data: object) -> bool:
        return False

    def run(self, data: pd.DataFrame, lfs: Any, job: EngineJob) -> EngineResult:
        res = self.inner.run(data, lfs, job)
        self.blocks.append(res.block)
        return res
