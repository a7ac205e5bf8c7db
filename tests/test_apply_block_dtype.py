"""The engines build their vote block in the smallest integer dtype that holds the votes, not int64.

Every engine allocated ``np.empty((n, m), dtype=np.int64)`` and the Dask engine's partitions came back as int64
blocks stacked by ``np.vstack`` into another int64 copy: 8 to 16 bytes a vote on the way to a VoteMatrix of
1 byte a vote (int8 for a few classes).  The votes and the VoteMatrix's dtype are unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, labeling_function
from weaksup.apply.engines.base import block_dtype
from weaksup.apply.kernel import ClassOutput, apply_chunk

from support.recording_engine import RecordingEngine

N, M = 3_000, 6


def _lfs(k: int) -> list[Any]:
    def make(j: int) -> Any:
        @labeling_function(batched=True, name=f"lf{j}")
        def lf(d: pd.DataFrame, j: int = j) -> np.ndarray:
            return np.where((d["x"].to_numpy() * 997 * (j + 1)) % 1.0 < 0.4, (7 * j + 1) % k, -1)

        return lf

    return [make(j) for j in range(M)]


def _data() -> pd.DataFrame:
    return pd.DataFrame({"x": np.random.default_rng(1).random(N)})


def _engines() -> list[str]:
    names = ["serial", "process"]
    try:
        import dask.dataframe  # noqa: F401
    except ImportError:
        pass
    else:
        names.append("dask")
    return names


@pytest.mark.parametrize("k, small", [(2, np.int8), (5, np.int8), (300, np.int16), (None, np.int64)])
def test_block_dtype(k: int | None, small: Any) -> None:
    assert block_dtype(ClassOutput(k)) == ClassOutput(k).block_dtype() == np.dtype(small)
    block, _, _ = apply_chunk(_lfs(k or 3), _data(), ClassOutput(k), "raise", 0)
    assert block.dtype == small  # a chunk's block too


@pytest.mark.parametrize("k", [2, 5, 300, None])
def test_engine_blocks_are_small_and_votes_identical_across_engines(k: int | None) -> None:
    df = _data()
    results = {}
    for name in _engines():
        engine = RecordingEngine(name)
        kw = {"n_jobs": 2} if name != "serial" else {}
        votes = LFApplier(_lfs(k or 3), cardinality=k, progress=False, cache=False, engine=engine, chunk_size=700,
                          **kw).apply(df)
        (block,) = engine.blocks
        # inferred k: the engine starts at int8 and widens only when a chunk brings a larger vote (it used to
        # build int64 blocks on the default path, LFApplier(lfs) without cardinality=)
        assert block.dtype == (block_dtype(ClassOutput(k)) if k is not None else np.int8), name
        results[name] = votes
    dense = results["serial"].to_dense()
    expected = np.stack([np.where((df["x"].to_numpy() * 997 * (j + 1)) % 1.0 < 0.4, (7 * j + 1) % (k or 3), -1)
                         for j in range(M)], axis=1)
    np.testing.assert_array_equal(dense, expected)
    # the VoteMatrix's dtype is as before: the smallest that holds the class count, for every engine
    assert dense.dtype == (np.int16 if k == 300 else np.int8)
    for name, votes in results.items():
        np.testing.assert_array_equal(votes.to_dense(), dense, err_msg=name)
        assert votes.to_dense().dtype == dense.dtype, name
        assert votes.cardinality == results["serial"].cardinality


def test_a_resumed_apply_merges_into_a_small_block(monkeypatch: pytest.MonkeyPatch) -> None:
    # an apply stopped by an LF error keeps the rows done; the next apply runs the LFs on the others only and
    # merges them with the kept rows, giving the votes of an apply without a stop
    import os

    from weaksup import LFApplyError, VoteCache

    df = _data()
    lfs = _lfs(2)

    @labeling_function(batched=True, name="flaky")
    def flaky(d: pd.DataFrame) -> np.ndarray:
        if os.environ.get("WEAKSUP_TEST_FLAKY") and d.index[0] >= 1400:  # not part of the LF's fingerprint
            raise RuntimeError("down")
        return np.where(d["x"].to_numpy() < 0.5, 1, -1)

    cache = VoteCache()
    monkeypatch.setenv("WEAKSUP_TEST_FLAKY", "1")
    with pytest.raises(LFApplyError):
        LFApplier([*lfs, flaky], cardinality=2, progress=False, cache=cache, chunk_size=700).apply(df)
    monkeypatch.delenv("WEAKSUP_TEST_FLAKY")
    again = LFApplier([*lfs, flaky], cardinality=2, progress=False, cache=cache, chunk_size=700).apply(df)
    assert (again.report.table["calls"] == N - 1400).all()  # resumed: the rows not done only
    plain = LFApplier([*lfs, flaky], cardinality=2, progress=False, cache=False, chunk_size=700).apply(df)
    np.testing.assert_array_equal(again.to_dense(), plain.to_dense())
    assert again.to_dense().dtype == plain.to_dense().dtype == np.int8
    assert all(col.dtype == np.int8 for col, _ in cache._mem.values())
