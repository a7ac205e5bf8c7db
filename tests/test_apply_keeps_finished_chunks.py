"""An apply that stops (Ctrl-C, or ``fault="raise"`` and an LF error) keeps the rows of the chunks that finished.

Before, the process engine kept nothing on Ctrl-C and only whole columns on an LF error, and so did the serial
engine for every chunk before the last: 2,000 rows in chunks of 250 stopped at row 1,100 re-ran all 2,000 rows of
every LF.  Now the vote cache holds the finished chunks' votes as partial columns, and the next apply of the same
(unchanged) LFs to the same data runs them on the other rows only, with votes, calls and faults as an
uninterrupted apply gives them.  The LFs count their calls in a file (``O_APPEND``: exact across worker
processes), so a re-apply that ran every row again cannot pass for one that did not.  The interrupts are real
SIGINTs: ``os.kill`` to this process (serial), or from a worker to its parent (process engine).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, VoteCache, labeling_function
from weaksup.apply.errors import LFApplyError
from weaksup.lf import LabelingFunction

N = 2000
DF = pd.DataFrame({"text": [f"row {i}" for i in range(N)]}, index=[f"r{i}" for i in range(N)])
STATE = Path()  # the test's folder for call counts and switches (set by the fixture; forked workers inherit it)


@pytest.fixture(autouse=True)
def _state(tmp_path, monkeypatch):
    """A fresh folder for the call counts and switches; SIGINT raises KeyboardInterrupt (a job started with
    '&' may have it ignored)."""
    global STATE
    STATE = tmp_path / "state"
    STATE.mkdir()
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def _count(name: str) -> None:
    fd = os.open(STATE / f"{name}.calls", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, b"x")
    finally:
        os.close(fd)


def calls() -> dict[str, int]:
    """The LF calls counted since the last look (and reset)."""
    out = {}
    for f in STATE.glob("*.calls"):
        out[f.name[:-6]] = f.stat().st_size
        f.unlink()
    return out


def _on(switch: str) -> bool:
    return (STATE / switch).exists()


def switch(name: str, on: bool = True) -> None:
    (STATE / name).touch() if on else (STATE / name).unlink()


def _row(text: str) -> int:
    return int(text.split()[1])


@labeling_function()
def a(x):
    _count("a")
    return 0 if x.text.endswith("7") else -1


@labeling_function()
def b(x):
    """Fails on row 1234 while the "outage" switch is on (a transient fault: the LF itself is unchanged)."""
    _count("b")
    i = _row(x.text)
    if _on("outage") and i == 1234:
        raise ValueError("outage")
    if _on("ctrl-c") and i == 1100:  # Ctrl-C from the terminal, as this process gets it
        switch("ctrl-c", False)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)
    if _on("ctrl-c-worker") and i >= 1000:  # a slow row in a worker: the parent gets Ctrl-C meanwhile
        if i == 1000:
            time.sleep(1.0)  # the chunks before have come back to the parent
            os.kill(os.getppid(), signal.SIGINT)
        time.sleep(30)
    return 1 if x.text.endswith("3") else -1


@labeling_function()
def flaky(x):
    """Raises on row 10 always: a fault with fault="abstain" (its chunk is never kept for it)."""
    _count("flaky")
    if _row(x.text) == 10:
        raise ConnectionError("down")
    return 2 if x.text.endswith("5") else -1


@labeling_function(batched=True, name="long")
def long_(d):
    for _ in range(len(d)):
        _count("long")
    return np.where(d.text.str.len() > 7, 1, -1)


def _fresh(lfs, df=DF, **kw):
    return LFApplier(lfs, progress=False, cache=False, **kw).apply(df)


def _same(votes, ref) -> None:
    """Bit-identical: names, cardinality, dtype, every vote; faults as in the uninterrupted apply."""
    assert votes == ref and votes.to_dense().dtype == ref.to_dense().dtype
    assert votes.report.table["faults"].to_dict() == ref.report.table["faults"].to_dict()


def _stop(applier, error=LFApplyError, df=DF):
    with pytest.raises(error) as stop:
        applier.apply(df)
    if error is KeyboardInterrupt:
        assert type(stop.value) is KeyboardInterrupt and not vars(stop.value)  # as it came: nothing attached
    return stop.value


def _report_calls(votes) -> dict[str, int]:
    return {k: v for k, v in votes.report.table["calls"].to_dict().items() if v}


@pytest.mark.parametrize("batched", [False, True])
def test_serial_lf_error_keeps_the_chunks_before(batched):
    lfs = [a, long_, b] if batched else [a, b]
    applier = LFApplier(lfs, progress=False, chunk_size=250)
    switch("outage")
    err = _stop(applier)
    assert str(err) == "LF 'b' raised ValueError on row 'r1234' (position 1234): outage" and err.position == 1234
    switch("outage", False)
    calls()
    votes = applier.apply(DF)
    expected = {lf.name: 1000 for lf in lfs}  # rows 1000..1999: the chunks from the failed one on
    assert calls() == expected and _report_calls(votes) == expected
    _same(votes, _fresh(lfs))


def test_a_second_error_names_the_row_in_the_data():
    """The re-apply runs on rows 1000..1999 only: its error still names row 1234 at position 1234."""
    applier = LFApplier([a, b], progress=False, chunk_size=250)
    switch("outage")
    _stop(applier)
    err = _stop(applier)
    assert str(err) == "LF 'b' raised ValueError on row 'r1234' (position 1234): outage" and err.position == 1234
    assert isinstance(err.__cause__, ValueError)

    @labeling_function(batched=True, name="whole_chunk")
    def fails_once_resumed(d):
        if _on("chunk"):
            raise RuntimeError("chunk")
        return np.full(len(d), -1)

    applier = LFApplier([a, b, fails_once_resumed], progress=False, chunk_size=250)
    _stop(applier)  # b at row 1234: rows 0..999 kept for every LF
    switch("chunk")
    err = _stop(applier)  # the batched LF fails on the first chunk it gets: rows 1000..1249
    assert err.position == 1000 and "(positions 1000..1249)" in str(err), str(err)
    assert "'r1000'..'r1249'" in str(err)


def test_process_lf_error_keeps_the_chunks_finished():
    """n_jobs=2 real workers.  A failure in the last chunk: every chunk before it is waited for, so a's column
    is whole (as before) and b's rows 0..999 are kept (before: none); a failure in a middle chunk keeps the
    chunks that finished (which of the later ones did is up to the workers)."""
    applier = LFApplier([a, b], progress=False, engine="process", n_jobs=2, chunk_size=250)
    df = DF.iloc[:1250]  # row 1234 is in the last chunk, 1000..1249
    switch("outage")
    _stop(applier, df=df)
    switch("outage", False)
    calls()
    votes = applier.apply(df)
    assert calls() == {"b": 250} and _report_calls(votes) == {"b": 250}
    _same(votes, _fresh([a, b], df))

    applier = LFApplier([a, b], progress=False, engine="process", n_jobs=2, chunk_size=250)
    switch("outage")
    _stop(applier)
    switch("outage", False)
    calls()
    votes = applier.apply(DF)
    counted = calls()
    assert set(counted) == {"a", "b"} and counted["a"] == counted["b"] == _report_calls(votes)["b"]
    assert 250 <= counted["b"] <= 1000 and counted["b"] % 250 == 0  # rows 0..999 were done: never run again
    _same(votes, _fresh([a, b]))


def test_serial_ctrl_c_keeps_the_chunks_finished():
    applier = LFApplier([a, b], progress=False, chunk_size=250)
    switch("ctrl-c")
    _stop(applier, KeyboardInterrupt)
    calls()
    votes = applier.apply(DF)
    assert calls() == {"a": 1000, "b": 1000} and _report_calls(votes) == {"a": 1000, "b": 1000}
    _same(votes, _fresh([a, b]))


def test_process_ctrl_c_keeps_the_chunks_finished():
    """Ctrl-C reaches the parent while both workers are on slow rows (chunks 4 and 5): the 1,000 rows of the
    four chunks that came back are kept (before: nothing, the re-apply ran all 2,000 rows)."""
    applier = LFApplier([a, b], progress=False, engine="process", n_jobs=2, chunk_size=250)
    switch("ctrl-c-worker")
    t = time.perf_counter()
    _stop(applier, KeyboardInterrupt)
    assert time.perf_counter() - t < 20  # the workers were stopped, not waited for
    switch("ctrl-c-worker", False)
    calls()
    votes = applier.apply(DF)
    assert calls() == {"a": 1000, "b": 1000} and _report_calls(votes) == {"a": 1000, "b": 1000}
    _same(votes, _fresh([a, b], engine="process", n_jobs=2, chunk_size=250))


def test_fault_abstain_keeps_only_the_chunks_an_lf_did_without_a_fault():
    """flaky faults on row 10: its chunk 0..249 is not kept for it (the ABSTAIN is not a vote), a's is; the
    re-apply runs each on the rows it lacks (a and b: 1000..1999; flaky: 0..249 too), and counts the fault as
    the uninterrupted apply does."""
    applier = LFApplier([a, flaky, b], progress=False, chunk_size=250, fault="abstain")
    switch("ctrl-c")
    _stop(applier, KeyboardInterrupt)
    calls()
    votes = applier.apply(DF)
    expected = {"a": 1000, "flaky": 1250, "b": 1000}
    assert calls() == expected and _report_calls(votes) == expected
    assert votes.report.table["faults"].to_dict() == {"a": 0, "flaky": 1, "b": 0}
    _same(votes, _fresh([a, flaky, b], fault="abstain"))


def test_a_changed_lf_data_cardinality_or_fault_does_not_use_the_partial_column():
    applier = LFApplier([a, b], progress=False, chunk_size=250)
    switch("outage")
    _stop(applier)
    switch("outage", False)

    @labeling_function(name="b")
    def b_edited(x):
        _count("b")
        return 1 if x.text.endswith("4") else -1

    calls()
    votes = applier.apply(DF, [a, b_edited])  # b changed: it runs on every row, a on the rows it lacks
    assert calls() == {"a": 1000, "b": 2000}
    _same(votes, _fresh([a, b_edited]))

    applier = LFApplier([a, b], progress=False, chunk_size=250)
    switch("outage")
    _stop(applier)
    switch("outage", False)
    other = DF.copy()
    other.iloc[5, 0] = "row 5 "
    ref = _fresh([a, b], other)
    calls()
    _same(applier.apply(other), ref)
    assert calls() == {"a": 2000, "b": 2000}
    for kw in ({"cardinality": 3}, {"fault": "abstain"}):
        for name, value in kw.items():
            setattr(applier, name, value)
        ref = _fresh([a, b], **kw)
        calls()
        _same(applier.apply(DF), ref)
        assert calls() == {"a": 2000, "b": 2000}, kw
        applier.cardinality, applier.fault = None, "raise"
    calls()
    votes = applier.apply(DF)  # the partial columns were there all along: for these LFs, data and settings
    assert calls() == {"a": 1000, "b": 1000}
    _same(votes, _fresh([a, b]))
    calls()
    assert _report_calls(applier.apply(DF)) == {} and calls() == {}  # whole now, served as columns


@labeling_function(name="c")
def c_buggy(x):
    _count("c")
    if _row(x.text) == 1234:
        raise ValueError("bug")
    return 1 if x.text.endswith("1") else -1


@labeling_function(name="c")
def c_fixed(x):
    _count("c")
    return 1 if x.text.endswith("1") else -1


@labeling_function(name="c")
def c_fails_later(x):
    _count("c")
    if _row(x.text) == 1500:
        raise ValueError("later")
    return 1 if x.text.endswith("1") else -1


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_after_fixing_the_lf_that_failed_the_others_run_on_the_rows_they_lack(engine):
    """The fixed LF runs on every row, the unchanged one on rows 1000..1999 only (before: every row)."""
    kw = {"engine": engine, "n_jobs": 2, "chunk_size": 250}
    applier = LFApplier([a, c_buggy], progress=False, **kw)
    _stop(applier)
    ref = _fresh([a, c_fixed])
    calls()
    votes = applier.apply(DF, [a, c_fixed])
    counted = calls()
    assert counted["c"] == 2000 and counted == _report_calls(votes)
    if engine == "serial":
        assert counted["a"] == 1000
    else:  # which chunks after the failed one finished is up to the workers
        assert 250 <= counted["a"] <= 1000 and counted["a"] % 250 == 0
    _same(votes, ref)
    calls()
    assert _report_calls(applier.apply(DF)) == {} and calls() == {}


def test_the_error_is_the_lowest_rows_when_the_lfs_run_on_different_rows():
    """b (resumed: rows 1000..1999) fails at 1234, the new c (every row) at 1500: the error is b's, as an
    uninterrupted apply raises it, although c's run comes first."""
    applier = LFApplier([b, c_buggy], progress=False, chunk_size=250)
    switch("outage")
    _stop(applier)  # b at 1234 (c_buggy too, later in LF order): rows 0..999 kept
    with pytest.raises(LFApplyError) as uninterrupted:
        _fresh([b, c_fails_later])
    with pytest.raises(LFApplyError) as resumed:
        applier.apply(DF, [b, c_fails_later])
    assert str(resumed.value) == str(uninterrupted.value) == \
        "LF 'b' raised ValueError on row 'r1234' (position 1234): outage"
    assert resumed.value.position == 1234
    switch("outage", False)
    ref = _fresh([b, c_fails_later], fault="abstain")
    applier.fault = "abstain"
    _same(applier.apply(DF), ref)


def test_ctrl_c_in_the_second_run_keeps_the_first_runs_columns():
    """c (new) runs on every row and ends; b (resumed) is interrupted again on row 1100: c's column is cached
    whole, b keeps its rows 0..999, and the next apply runs b on rows 1000..1999 only."""
    applier = LFApplier([a, b], progress=False, chunk_size=250)
    switch("ctrl-c")
    _stop(applier, KeyboardInterrupt)
    switch("ctrl-c")
    calls()
    with pytest.raises(KeyboardInterrupt) as stop:
        applier.apply(DF, [c_fixed, b])
    assert type(stop.value) is KeyboardInterrupt and not vars(stop.value)
    assert calls() == {"c": 2000, "b": 101}
    ref = _fresh([c_fixed, b])
    calls()
    votes = applier.apply(DF)
    assert calls() == {"b": 1000} and votes.report.table["cached"].to_dict() == {"c": True, "b": False}
    _same(votes, ref)


def test_a_volatile_lf_keeps_nothing():
    def g(x, rng):
        _count("v")
        return -1

    volatile = LabelingFunction("v", g, resources={"rng": np.random.default_rng(0)})
    applier = LFApplier([volatile, b], progress=False, chunk_size=250)
    switch("outage")
    _stop(applier)
    switch("outage", False)
    calls()
    applier.apply(DF)
    assert calls() == {"v": 2000, "b": 1000}  # v kept nothing, b its rows 0..999


def test_the_on_disk_cache_keeps_the_chunks_for_a_new_applier(tmp_path):
    cache_dir = tmp_path / "votes"
    applier = LFApplier([a, b], progress=False, chunk_size=250, cache=VoteCache(cache_dir))
    switch("outage")
    _stop(applier)
    switch("outage", False)
    partial = sorted(p.name for p in cache_dir.glob("*.partial.npz"))
    assert len(partial) == 2 and not [p for p in cache_dir.glob("*.npz") if ".partial" not in p.name]
    fresh = VoteCache(cache_dir)
    for name in partial:  # a partial entry is never served as a column
        assert fresh.get(name[:-len(".partial.npz")], N) is None
    calls()
    votes = LFApplier([a, b], progress=False, chunk_size=250, cache=fresh).apply(DF)
    assert calls() == {"a": 1000, "b": 1000} and votes.report.table["cached"].tolist() == [False, False]
    _same(votes, _fresh([a, b]))
    assert not list(cache_dir.glob("*.partial.npz")) and len(list(cache_dir.glob("*.npz"))) == 2


def test_a_damaged_partial_file_is_a_miss_with_a_warning(tmp_path):
    cache_dir = tmp_path / "votes"
    applier = LFApplier([a, b], progress=False, chunk_size=250, cache=VoteCache(cache_dir))
    switch("outage")
    _stop(applier)
    switch("outage", False)
    for p in cache_dir.glob("*.partial.npz"):
        p.write_bytes(b"not a zip")
    calls()
    with pytest.warns(RuntimeWarning, match="partial.npz is damaged"):
        votes = LFApplier([a, b], progress=False, chunk_size=250, cache=VoteCache(cache_dir)).apply(DF)
    assert calls() == {"a": 2000, "b": 2000}
    _same(votes, _fresh([a, b]))


def test_a_cache_pickled_before_partial_columns_existed_still_applies():
    """A VoteCache pickled by an earlier weaksup has no ``_partials``: its first miss raised AttributeError."""
    import pickle

    cache = VoteCache()
    LFApplier([a], progress=False, cache=cache).apply(DF)
    state = dict(vars(cache))
    del state["_partials"]  # what an earlier weaksup pickled
    old = VoteCache.__new__(VoteCache)
    old.__dict__.update(state)
    loaded = pickle.loads(pickle.dumps(old))  # its pickle holds that state, as the earlier weaksup's did
    votes = LFApplier([a, b], progress=False, cache=loaded).apply(DF)
    assert votes.report.table["cached"].tolist() == [True, False]
    _same(votes, _fresh([a, b]))


def test_a_partial_file_removed_by_another_process_is_a_silent_miss(tmp_path, monkeypatch):
    """Another process finishing its resume unlinks the partial file between the lookup's exists() and load:
    a miss, not a 'damaged' warning."""
    import warnings

    import weaksup.apply.cache as cache_module

    cache_dir = tmp_path / "votes"
    applier = LFApplier([a, b], progress=False, chunk_size=250, cache=VoteCache(cache_dir))
    switch("outage")
    _stop(applier)
    switch("outage", False)
    real = cache_module.load_npz

    def raced(path, fmt, **kw):
        if str(path).endswith(".partial.npz"):
            os.unlink(path)  # the other process's drop_partial
        return real(path, fmt, **kw)

    monkeypatch.setattr(cache_module, "load_npz", raced)
    calls()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        votes = LFApplier([a, b], progress=False, chunk_size=250, cache=VoteCache(cache_dir)).apply(DF)
    assert calls() == {"a": 2000, "b": 2000}
    _same(votes, _fresh([a, b]))


@labeling_function(batched=True, name="bat")
def bat(d):
    if (d.text == "row 1760").any():
        if _on("die"):
            os._exit(3)  # the worker dies
        raise RuntimeError("chunk fails")
    return np.full(len(d), -1)


def _gapped(applier, lf):
    """Leave ``lf`` a partial column with rows 0..1299 and 1500..1699 done: the rows to run have a gap."""
    from weaksup.apply.cache import fingerprint_data

    done = np.zeros(N, dtype=bool)
    done[:1300] = done[1500:1700] = True
    key = applier._cache_key(lf.fingerprint(), fingerprint_data(DF))
    applier.cache.put_partial(key, np.full(N, -1), done)


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_a_resumed_chunk_that_spans_rows_done_names_its_rows_exactly(engine):
    """The rows to run are 1300..1499 and 1700..1999: the first chunk of 300 holds 1300..1499 and 1700..1799,
    and the error (or the worker's death) names those rows, not 1300..1799 as if it held the rows between."""
    applier = LFApplier([bat], progress=False, chunk_size=300, engine=engine, n_jobs=2)
    if engine == "process":
        switch("die")
    _gapped(applier, bat)
    err = _stop(applier)
    rows = "'r1300'..'r1799' (300 rows: positions 1300..1499 and 1700..1799)"
    if engine == "serial":
        assert str(err) == f"batched LF 'bat' raised RuntimeError on the chunk of rows {rows}: chunk fails"
    else:
        assert f"applying LFs ['bat'] to rows {rows}, the first chunk left unfinished" in str(err)
    assert err.position == 1300


@labeling_function()
def paid(x):
    """A paid prompted LF without a response cache: every call counts; a transient outage on row 100."""
    _count("paid")
    i = _row(x.text)
    if _on("ctrl-c") and i == 1100:
        switch("ctrl-c", False)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)
    if _on("paid-outage") and i == 100:
        raise ConnectionError("transient")
    return 1 if x.text.endswith("3") else -1


@labeling_function()
def spotty(x):
    _count("spotty")
    if _on("outage") and _row(x.text) == 10:
        raise ConnectionError("down")
    return 0 if x.text.endswith("5") else -1


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_each_resumed_lf_runs_on_its_own_missing_rows_only(engine, capsys):
    """paid kept rows 0..999, spotty 250..999 (its first chunk faulted): the resume asks paid for 1000..1999
    only (before: also 0..249, which spotty lacks: 250 paid calls again, and a new transient fault there
    replaced a kept vote with ABSTAIN), spotty for 0..249 and 1000..1999, the new c for every row: three
    engine runs under one progress bar, votes and faults of an uninterrupted apply."""
    applier = LFApplier([paid, spotty], progress=False, chunk_size=250, fault="abstain")
    switch("ctrl-c")
    switch("outage")
    _stop(applier, KeyboardInterrupt)
    switch("outage", False)
    ref = _fresh([paid, spotty, c_fixed], fault="abstain")
    switch("paid-outage")  # were paid asked again for row 100, it would abstain there
    calls()
    applier.engine, applier.n_jobs, applier.progress = engine, 2, True
    capsys.readouterr()
    votes = applier.apply(DF, [paid, spotty, c_fixed])
    counted = calls()
    assert counted == {"paid": 1000, "spotty": 1250, "c": 2000} == _report_calls(votes)
    _same(votes, ref)
    bars = capsys.readouterr().err
    assert "Applying 3 LFs (2 resumed on the rows they lack)" in bars and "Applying 1 LFs" not in bars
    assert "4250/4250" in bars
