"""The process engine's progress bar advances as each chunk finishes, not once at the end.

docs/scaling.md: "``progress=True`` shows a tqdm bar over rows on every engine".  The engine used to wait with
``FIRST_EXCEPTION``, which returns only at a failure or when every chunk is done, so the bar sat at 0 until
the end.  Here the last chunk's first row blocks in its worker until the bar has moved; the row's vote says
whether it saw the bar move (1) or gave up waiting (0).  No timing is asserted, only the order.
"""

from __future__ import annotations

import multiprocessing as mp
import sys

import numpy as np
import pandas as pd
import pytest

import weaksup.apply.engines.process as process_engine
from weaksup import LFApplier
from weaksup.apply.errors import LFApplyError
from weaksup.lf import labeling_function

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the process engine forks")

N, CHUNK = 400, 100  # 4 chunks on 2 workers


class _Bar:
    """Stands in for the tqdm bar: records each update and, once the bar is part-way, releases ``moved``."""

    def __init__(self, total: int, moved: object) -> None:
        self.total, self.n, self.moved, self.updates = total, 0, moved, []

    def update(self, k: int) -> None:
        self.n += k
        self.updates.append(self.n)
        if 0 < self.n < self.total:
            self.moved.set()

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _blocking_lf(moved: object, row: int, raise_after: int | None = None) -> object:
    @labeling_function(name="waits")
    def waits(x):
        if x.i == row:
            return 1 if moved.wait(30) else 0  # 0: the bar never moved while this chunk ran
        if raise_after is not None and x.i == raise_after:
            raise ValueError("boom")
        return 0

    return waits


@pytest.fixture
def bar(monkeypatch: pytest.MonkeyPatch) -> _Bar:
    moved = mp.get_context("fork").Event()  # inherited by the forked workers
    made = _Bar(N, moved)
    monkeypatch.setattr(process_engine, "row_bar", lambda total, desc, progress: made)
    return made


def test_bar_moves_before_the_last_chunk_finishes(bar: _Bar) -> None:
    df = pd.DataFrame({"i": np.arange(N)})
    lf = _blocking_lf(bar.moved, row=N - CHUNK)  # first row of the last chunk
    votes = LFApplier([lf], cardinality=2, engine="process", n_jobs=2, chunk_size=CHUNK, progress=True,
                      cache=False).apply(df)
    assert votes.to_dense()[N - CHUNK, 0] == 1, f"the bar did not move before the last chunk ended: {bar.updates}"
    assert bar.updates == [CHUNK, 2 * CHUNK, 3 * CHUNK, N]  # one step per chunk, ending at every row
    expected = np.zeros(N, dtype=np.int64)
    expected[N - CHUNK] = 1
    assert votes.to_dense()[:, 0].tolist() == expected.tolist()


def test_a_failing_chunk_still_reports_the_first_failing_row(bar: _Bar) -> None:
    """Advancing per chunk keeps the error rule: chunk 1 fails while the last chunk still runs; the error
    names chunk 1's row, and the bar counts only chunks that finished."""
    df = pd.DataFrame({"i": np.arange(N)}, index=[f"r{i}" for i in range(N)])
    lf = _blocking_lf(bar.moved, row=N - CHUNK, raise_after=CHUNK + 5)
    with pytest.raises(LFApplyError, match=r"'r105' \(position 105\)"):
        LFApplier([lf], cardinality=2, engine="process", n_jobs=2, chunk_size=CHUNK, progress=True,
                  cache=False).apply(df)
    assert bar.n < N
