"""The vote cache holds each LF column as its own copy in the smallest integer dtype, and counts those bytes.

It kept ``res.block[:, j]``, a strided int64 view of the engine's whole ``n × m`` block: evicting columns freed
nothing while any one was kept, and each counted 8 bytes a vote against ``max_bytes``, so a budget that fits every
column as int8 kept an eighth of them and the next apply recomputed the rest.  On disk the columns were int64 too
(8 bytes a row); files written so by earlier versions are still read, and give the same votes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, VoteCache, labeling_function
from weaksup._persist import load_npz, save_npz
from weaksup.apply.engines import get_engine
from weaksup.apply.engines.base import EngineJob, EngineResult

N, M = 20_000, 10


def _lfs() -> list[Any]:
    def make(j: int) -> Any:
        @labeling_function(batched=True, name=f"lf{j}")
        def lf(d: pd.DataFrame, j: int = j) -> np.ndarray:
            return np.where((d["x"].to_numpy() * 997 * (j + 1)) % 1.0 < 0.3, j % 2, -1)

        return lf

    return [make(j) for j in range(M)]


def _data() -> pd.DataFrame:
    return pd.DataFrame({"x": np.random.default_rng(0).random(N)})


class _Recording:
    """The serial engine, keeping the blocks it returns."""

    name = "serial"

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []

    def accepts(self, data: object) -> bool:
        return False

    def run(self, data: pd.DataFrame, lfs: Any, job: EngineJob) -> EngineResult:
        res = get_engine("serial").run(data, lfs, job)
        self.blocks.append(res.block)
        return res


def test_cached_columns_are_small_contiguous_copies_of_the_block() -> None:
    engine, cache = _Recording(), VoteCache()
    LFApplier(_lfs(), cardinality=2, progress=False, cache=cache, engine=engine).apply(_data())
    (block,) = engine.blocks
    columns = [col for col, _ in cache._mem.values()]
    assert len(columns) == M
    for col in columns:
        assert col.dtype == np.int8 and col.flags["C_CONTIGUOUS"]
        assert not np.shares_memory(col, block)  # dropping a column frees it; the block is not kept alive
    assert cache._bytes == M * N  # one byte a vote, as counted against max_bytes


def test_a_budget_that_fits_the_int8_columns_keeps_them_all() -> None:
    # every column as int8 fits (M * N bytes); as int64 views (8 * N bytes each) two of them did
    cache = VoteCache(max_bytes=2 * M * N)
    df = _data()
    first = LFApplier(_lfs(), cardinality=2, progress=False, cache=cache).apply(df)
    again = LFApplier(_lfs(), cardinality=2, progress=False, cache=cache).apply(df)
    assert len(cache) == M
    assert again.report.recomputed == []
    assert again.report.table["calls"].sum() == 0 and again.report.table["cached"].all()
    np.testing.assert_array_equal(again.to_dense(), first.to_dense())
    assert again.to_dense().dtype == first.to_dense().dtype == np.int8


def test_disk_columns_are_written_small(tmp_path: Any) -> None:
    LFApplier(_lfs(), cardinality=2, progress=False, cache=VoteCache(tmp_path)).apply(_data())
    files = sorted(tmp_path.glob("*.npz"))
    assert len(files) == M
    for path in files:
        _, arrays = load_npz(path, "weaksup.VoteCacheColumn")
        assert arrays["votes"].dtype == np.int8 and arrays["votes"].shape == (N,)


@pytest.mark.parametrize("cardinality", [2, 300])
def test_int64_files_of_earlier_versions_are_still_served(tmp_path: Any, cardinality: int) -> None:
    df = _data()
    first = LFApplier(_lfs(), cardinality=cardinality, progress=False, cache=VoteCache(tmp_path)).apply(df)
    for path in tmp_path.glob("*.npz"):  # as earlier versions wrote them: int64 votes, same key and metadata
        meta, arrays = load_npz(path, "weaksup.VoteCacheColumn")
        meta = {k: v for k, v in meta.items() if k not in ("format", "version")}
        save_npz(path, "weaksup.VoteCacheColumn", meta, {"votes": arrays["votes"].astype(np.int64)})
    cache = VoteCache(tmp_path)  # a new process's cache: nothing in memory
    again = LFApplier(_lfs(), cardinality=cardinality, progress=False, cache=cache).apply(df)
    assert again.report.recomputed == [] and cache.hits == M
    np.testing.assert_array_equal(again.to_dense(), first.to_dense())
    assert again.to_dense().dtype == first.to_dense().dtype
    # held small in memory: the dtype that holds the column's votes (0..1 here, also with 300 classes)
    assert all(col.dtype == np.int8 and col.flags["C_CONTIGUOUS"] for col, _ in cache._mem.values())
    assert cache._bytes == M * N
