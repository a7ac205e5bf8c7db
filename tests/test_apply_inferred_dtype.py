"""Engine vote blocks while the class count is inferred (``cardinality=None``): ``ClassOutput(small_blocks=True)``.

With the class count given, the engines build their block in the smallest int dtype that holds ``-1..k-1``
(tests/test_apply_block_dtype.py); while it is inferred they built int64 blocks (8 bytes a vote) for votes that
end in an int8 VoteMatrix.  With ``small_blocks`` each LF column and chunk block is made in the smallest dtype
that holds its votes, and an engine's block starts in int8 and is widened when a larger vote comes; every vote is
checked before any cast, so the values (and every error about them) are exactly those of the int64 path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, LFApplyError, VoteCache, labeling_function
from weaksup.apply import applier as applier_module
from weaksup.apply.engines import get_engine
from weaksup.apply.engines.base import EngineJob, EngineResult, start_dtype
from weaksup.apply.kernel import ClassOutput, apply_chunk

from support.dask_cluster import local_client
from support.recording_engine import RecordingEngine

N = 2_000
KS = [2, 3, 126, 127, 128, 300, 40_000]


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({"x": rng.random(N), "i": np.arange(N)}, index=[f"r{i}" for i in range(N)])


def _lfs(k: int) -> list[Any]:
    """Batched and row-wise LFs voting up to k-1 (the top class only late in the data, so blocks widen), returning
    int64 / uint8 / float arrays, Python ints, numpy ints and whole floats."""

    @labeling_function(batched=True, name="top_late")
    def top_late(d: pd.DataFrame) -> np.ndarray:
        i = d["i"].to_numpy()
        return np.where(i >= N - 300, k - 1, np.where(d["x"].to_numpy() < 0.5, 1, -1))

    @labeling_function(batched=True, name="floats")
    def floats(d: pd.DataFrame) -> np.ndarray:
        return np.where(d["x"].to_numpy() < 0.3, float(min(k - 1, 100)), -1.0)

    @labeling_function(batched=True, name="small_uint")
    def small_uint(d: pd.DataFrame) -> np.ndarray:
        return np.where(d["x"].to_numpy() > 0.8, 1, 0).astype(np.uint8)

    @labeling_function(name="row_int")
    def row_int(x: Any) -> int:
        return int(x.i) % k if x.x < 0.6 else -1

    @labeling_function(name="row_numpy")
    def row_numpy(x: Any) -> Any:
        return np.int16(min(k - 1, 2000)) if x.i % 7 == 0 else np.int64(-1)

    @labeling_function(name="row_float")
    def row_float(x: Any) -> float:
        return 1.0 if x.x > 0.5 else -1.0

    return [top_late, floats, small_uint, row_int, row_numpy, row_float]


def _force_blocks(monkeypatch: pytest.MonkeyPatch, small: bool) -> None:
    """The applier's jobs with ``small_blocks=small`` whatever the applier passes (it passes True since 4d50c6b: the
    int64 baseline the applier-level tests compare with must switch it off)."""
    monkeypatch.setattr(applier_module, "ClassOutput",
                        lambda *a, **kw: ClassOutput(*a, **{**kw, "small_blocks": small}))


class _Spy:
    """An engine as get_engine gives it to the applier, keeping the blocks it returns (in ``blocks``)."""

    def __init__(self, inner: Any, blocks: list[np.ndarray]) -> None:
        self.inner, self.blocks, self.name = inner, blocks, inner.name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)

    def run(self, data: Any, lfs: Any, job: EngineJob) -> EngineResult:
        res = self.inner.run(data, lfs, job)
        self.blocks.append(res.block)
        return res


def _expected_dtype(k: int) -> np.dtype:
    return np.dtype(np.int8 if k <= 127 else np.int16 if k <= 32767 else np.int32)


# ----------------------------------------------------------------------------------------- the kernel and engines
def test_start_dtype_and_chunk_blocks() -> None:
    assert start_dtype(ClassOutput(None, small_blocks=True)) == np.int8
    assert start_dtype(ClassOutput(None)) == np.int64  # without small_blocks: as before
    assert start_dtype(ClassOutput(300, small_blocks=True)) == np.int16  # the class count known: block_dtype
    df = _data()
    for k in KS:
        small, _, _ = apply_chunk(_lfs(k), df, ClassOutput(None, small_blocks=True), "raise", 0)
        wide, _, _ = apply_chunk(_lfs(k), df, ClassOutput(None), "raise", 0)
        assert wide.dtype == np.int64
        assert small.dtype == _expected_dtype(k), k
        np.testing.assert_array_equal(small, wide)


@pytest.mark.parametrize("engine", ["serial", "process"])
@pytest.mark.parametrize("fault", ["raise", "abstain", "warn"])
def test_engine_blocks_widen_and_hold_the_same_votes(engine: str, fault: str) -> None:
    df = _data()
    for k in KS:
        runs = {}
        for small in (False, True):
            job = EngineJob(ClassOutput(None, small_blocks=small), fault, chunk_size=256, n_jobs=2, progress=False)
            runs[small] = get_engine(engine).run(df, _lfs(k), job)
        assert runs[False].block.dtype == np.int64
        # int8 while every vote fits; widened once the late rows' top class comes
        assert runs[True].block.dtype == _expected_dtype(k), (engine, k)
        np.testing.assert_array_equal(runs[True].block, runs[False].block)
        np.testing.assert_array_equal(runs[True].faults, runs[False].faults)


def _applied(monkeypatch: pytest.MonkeyPatch, small: bool, lfs: list[Any], df: pd.DataFrame, **kw: Any) -> Any:
    """The applier's votes with small engine blocks (``small``) or the int64 blocks of before (checked: every block
    an engine returned is int64; an apply served whole from the cache runs none)."""
    blocks: list[np.ndarray] = []
    with monkeypatch.context() as mp:
        _force_blocks(mp, small)
        real = applier_module.get_engine
        mp.setattr(applier_module, "get_engine", lambda engine: _Spy(real(engine), blocks))
        try:
            return LFApplier(lfs, progress=False, **kw).apply(df)
        finally:
            if not small:
                assert all(b.dtype == np.int64 for b in blocks), [b.dtype for b in blocks]


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_applier_votes_identical_and_block_small(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    df = _data()
    for k in (2, 128, 40_000):
        rec, base = RecordingEngine(engine), RecordingEngine(engine)
        small = _applied(monkeypatch, True, _lfs(k), df, engine=rec, cache=False, chunk_size=300, n_jobs=2)
        plain = _applied(monkeypatch, False, _lfs(k), df, engine=base, cache=False, chunk_size=300, n_jobs=2)
        (block,) = rec.blocks
        (base_block,) = base.blocks
        assert block.dtype == _expected_dtype(k)
        assert base_block.dtype == np.int64  # the baseline really is the int64 path
        assert small.cardinality == plain.cardinality == k
        assert small.to_dense().dtype == plain.to_dense().dtype
        np.testing.assert_array_equal(small.to_dense(), plain.to_dense())
        pd.testing.assert_frame_equal(small.report.table.drop(columns="seconds"),
                                      plain.report.table.drop(columns="seconds"))


# ------------------------------------------------------------------------------------------ errors are the same
def _returning(value: Any, batched: bool) -> Any:
    if batched:
        @labeling_function(batched=True, name="odd")
        def odd_b(d: pd.DataFrame) -> Any:
            out = np.full(len(d), -1, dtype=np.asarray(value).dtype if np.asarray(value).dtype.kind in "iuf"
                          else object)
            out[d["i"].to_numpy() == 1500] = value
            return out

        return odd_b

    @labeling_function(name="odd")
    def odd_r(x: Any) -> Any:
        return value if x.i == 1500 else 1

    return odd_r


@pytest.mark.parametrize("engine", ["serial", "process"])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("value", [2**40, 2**70, -5, 2.5, 70_000, np.uint8(255), np.uint64(2**63), True, None,
                                   np.float64(2**40)])
def test_out_of_range_votes_give_todays_error(monkeypatch: pytest.MonkeyPatch, engine: str, batched: bool,
                                              value: Any) -> None:
    df = _data()
    outcome = {}
    for small in (False, True):
        lfs = [_lfs(3)[0], _returning(value, batched)]
        try:
            votes = _applied(monkeypatch, small, lfs, df, engine=engine, cache=False, chunk_size=256, n_jobs=2)
            outcome[small] = ("ok", votes.to_dense().tobytes(), votes.to_dense().dtype, votes.cardinality)
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            outcome[small] = (type(exc).__name__, str(exc), getattr(exc, "lf_name", None),
                              getattr(exc, "row_index", None), getattr(exc, "position", None))
    assert outcome[True] == outcome[False]
    if not isinstance(value, (float, np.floating)) or value == 2.5:
        assert outcome[True][0] != "ok", value  # none of these is a vote of 3 classes


def test_a_failed_chunk_keeps_finished_columns_wider_than_the_block() -> None:
    # fault="raise": the LFs that ran on the whole failed chunk keep their columns (err.finished); the block so far
    # is int8, the failed chunk's column holds class 300: it must not wrap around
    df = _data()

    @labeling_function(batched=True, name="late_300")
    def late_300(d: pd.DataFrame) -> np.ndarray:
        return np.where(d["i"].to_numpy() >= 1000, 300, 1)

    @labeling_function(name="fails")
    def fails(x: Any) -> int:
        if x.i == 1100:
            raise RuntimeError("down")
        return 0

    for engine in ("serial", "process"):
        job = EngineJob(ClassOutput(None, small_blocks=True), "raise", chunk_size=1000, n_jobs=2, progress=False)
        with pytest.raises(LFApplyError) as info:
            get_engine(engine).run(df, [late_300, fails], job)
        finished = info.value.finished  # type: ignore[attr-defined]
        np.testing.assert_array_equal(finished[0], np.where(np.arange(N) >= 1000, 300, 1), err_msg=engine)


# ------------------------------------------------------------------------------------- cache, resumed applies
def test_cached_and_split_resumed_applies_give_the_same_votes(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    df = _data()

    @labeling_function(batched=True, name="flaky")
    def flaky(d: pd.DataFrame) -> np.ndarray:
        if os.environ.get("WEAKSUP_TEST_FLAKY_FE") and d["i"].to_numpy()[0] >= 1200:  # not in the fingerprint
            raise RuntimeError("down")
        return np.where(d["i"].to_numpy() < 600, 200, np.where(d["x"].to_numpy() < 0.5, 1, -1))

    plain = _applied(monkeypatch, False, [*_lfs(300), flaky], df, cache=False, chunk_size=300)
    cache = VoteCache()
    # an old cache entry (the whole column of one LF, put by an int64 apply), then a stop, then the resume: the
    # LFs lack different rows (the cached LF none), so the applier runs them one set of rows at a time
    _applied(monkeypatch, False, _lfs(300)[:1], df, cache=cache, chunk_size=300)
    monkeypatch.setenv("WEAKSUP_TEST_FLAKY_FE", "1")
    with pytest.raises(LFApplyError):
        _applied(monkeypatch, True, [*_lfs(300), flaky], df, cache=cache, chunk_size=300)
    monkeypatch.delenv("WEAKSUP_TEST_FLAKY_FE")
    fresh = _applied(monkeypatch, False, [_lfs(300)[1]], df, cache=cache, chunk_size=300)  # a whole column more
    assert fresh.n == N
    again = _applied(monkeypatch, True, [*_lfs(300), flaky], df, cache=cache, chunk_size=300)
    assert again.report.table["cached"].iloc[0]
    assert again.to_dense().dtype == plain.to_dense().dtype
    np.testing.assert_array_equal(again.to_dense(), plain.to_dense())
    served = _applied(monkeypatch, True, [*_lfs(300), flaky], df, cache=cache, chunk_size=300)  # all cached
    np.testing.assert_array_equal(served.to_dense(), plain.to_dense())


def test_a_resume_on_the_same_rows_merges_wider_partial_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    df = _data()

    @labeling_function(batched=True, name="early_200")
    def early_200(d: pd.DataFrame) -> np.ndarray:
        if os.environ.get("WEAKSUP_TEST_FLAKY_FE") and d["i"].to_numpy()[0] >= 1200:  # not in the fingerprint
            raise RuntimeError("down")
        return np.where(d["i"].to_numpy() < 600, 200, 1)

    plain = _applied(monkeypatch, False, [early_200], df, cache=False, chunk_size=300)
    cache = VoteCache()
    monkeypatch.setenv("WEAKSUP_TEST_FLAKY_FE", "1")
    with pytest.raises(LFApplyError):
        _applied(monkeypatch, True, [early_200], df, cache=cache, chunk_size=300)
    monkeypatch.delenv("WEAKSUP_TEST_FLAKY_FE")
    again = _applied(monkeypatch, True, [early_200], df, cache=cache, chunk_size=300)
    np.testing.assert_array_equal(again.to_dense(), plain.to_dense())


# ------------------------------------------------------------------------------- Dask: a real multi-process cluster
@pytest.fixture(scope="module")
def cluster_client() -> Any:
    with local_client() as client:
        yield client


def test_dask_cluster_blocks_small_and_votes_identical(monkeypatch: pytest.MonkeyPatch, cluster_client: Any) -> None:
    dd = pytest.importorskip("dask.dataframe")
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(_data(), npartitions=4, sort=False)
    for k in (2, 128, 40_000):
        for fault in ("raise", "warn"):
            runs = {}
            for small in (False, True):
                job = EngineJob(ClassOutput(None, small_blocks=small), fault, progress=False)
                runs[small] = get_engine("dask").run(ddf, _lfs(k), job)
            assert runs[False].block.dtype == np.int64
            assert runs[True].block.dtype == _expected_dtype(k), k
            np.testing.assert_array_equal(runs[True].block, runs[False].block)
        rec_small = _applied(monkeypatch, True, _lfs(k), ddf, cache=False)
        rec_plain = _applied(monkeypatch, False, _lfs(k), ddf, cache=False)
        assert rec_small.to_dense().dtype == rec_plain.to_dense().dtype
        np.testing.assert_array_equal(rec_small.to_dense(), rec_plain.to_dense())
    outcome = {}
    for small in (False, True):
        with pytest.raises(Exception) as info:
            _applied(monkeypatch, small, [_lfs(3)[0], _returning(2**40, False)], ddf, cache=False)
        outcome[small] = (type(info.value).__name__, str(info.value))
    assert outcome[True] == outcome[False]
