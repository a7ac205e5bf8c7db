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


def test_one_waiter_per_chunk_not_one_per_pending_chunk_per_completion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Following chunks as they end installs a waiter on each chunk's future once: waiting with
    ``wait(todo, FIRST_COMPLETED)`` in a loop installed one on every pending future at each completion, so the
    wait cost grew with the square of the chunk count (chunk_size=2 on 20,000 rows: 9.9 s -> 33-55 s).  The
    waiters are counted, not timed."""
    import concurrent.futures._base as futures_base

    installed = []
    create = futures_base._create_and_install_waiters

    def counting(fs: object, return_when: object) -> object:
        installed.append(len(fs))
        return create(fs, return_when)

    monkeypatch.setattr(futures_base, "_create_and_install_waiters", counting)
    n_chunks = 200
    df = pd.DataFrame({"i": np.arange(2 * n_chunks)})

    @labeling_function(name="ok")
    def ok(x):
        return 1

    votes = LFApplier([ok], cardinality=2, engine="process", n_jobs=2, chunk_size=2, progress=False,
                      cache=False).apply(df)
    assert votes.to_dense()[:, 0].tolist() == [1] * (2 * n_chunks)
    assert sum(installed) <= 2 * n_chunks, f"{sum(installed)} waiters for {n_chunks} chunks ({len(installed)} waits)"
