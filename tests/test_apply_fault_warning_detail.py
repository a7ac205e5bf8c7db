"""fault="warn"/"abstain": the report keeps each LF's first fault (the error, its message, the row and its position),
and the warning names the first LF's.

The warning said only "LFs raised and abstained instead (fault='warn'): 'llm' on 1 row(s)" and ``votes.report``
held calls/faults/seconds/cached: an LF server's HTTP 500 with "CUDA out of memory" in its reply, or a KeyError of
a missing column, could be seen only by applying again with fault="raise".  The votes are unchanged.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from weaksup import LFApplier, apply_lfs, labeling_function
from weaksup.apply import VoteCache

from support.faulty_lfs import DF, bad, batch_bad, worse

FLAG = ""  # a file whose presence makes an LF below stop the apply (Ctrl-C)


def _apply(lfs, fault="warn", **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = LFApplier(lfs, fault=fault, progress=False, cardinality=2, **kw).apply(DF)
    return votes, [str(w.message) for w in caught if "abstained instead" in str(w.message)]


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_warning_and_report_name_the_first_error_and_row(engine):
    votes, [msg] = _apply([bad], engine=engine, n_jobs=2, chunk_size=10)
    assert "'bad' on 3 row(s)" in msg
    assert "KeyError" in msg and "no field for t13" in msg and "'r13'" in msg and "position 13" in msg, msg
    first = votes.report.table.loc["bad", "first_fault"]
    assert "KeyError" in first and "no field for t13" in first and "'r13'" in first and "position 13" in first
    # the votes are those of fault="abstain", as before
    plain, _ = _apply([bad], fault="abstain", engine=engine, n_jobs=2, chunk_size=10)
    np.testing.assert_array_equal(votes.to_dense(), plain.to_dense())
    assert plain.report.table.loc["bad", "first_fault"] == first  # kept with "abstain" too


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_each_lf_keeps_its_own_first_fault(engine):
    votes, [msg] = _apply([bad, worse, batch_bad], engine=engine, n_jobs=3, chunk_size=10)
    table = votes.report.table
    assert "position 13" in table.loc["bad", "first_fault"]
    assert "CUDA out of memory (t5)" in table.loc["worse", "first_fault"]
    assert "position 5" in table.loc["worse", "first_fault"]
    # a batched LF that fails on its whole chunk (rows 20..29): its first row
    assert "the whole chunk failed" in table.loc["batch_bad", "first_fault"]
    assert "'r20', position 20" in table.loc["batch_bad", "first_fault"]
    # the warning names the first LF's error and says where the others are
    assert "First error of 'bad'" in msg and "see votes.report.table['first_fault']" in msg
    assert "CUDA" not in msg


def test_fault_free_lfs_have_an_empty_first_fault():
    votes = apply_lfs([worse, labeling_function(name="ok")(lambda x: 1)], DF, fault="abstain", progress=False,
                      cardinality=2)
    assert votes.report.table.loc["ok", "first_fault"] == ""
    assert votes.report.table.loc["worse", "first_fault"] != ""


@pytest.mark.parametrize("split", [False, True])
def test_resumed_rows_name_the_position_in_the_data(tmp_path, split):
    """An apply stopped by Ctrl-C keeps the chunks finished; the next apply runs on the rows left (a subset of the
    data) and the first fault is named by its position in the data, not in that subset.  ``split``: the LF that
    stops it reads state its fingerprint cannot prove (a closure over a dict), so it keeps nothing and runs again
    on every row while ``bad`` resumes (two engine runs); else both resume on the same rows (one run)."""
    global FLAG
    flag = tmp_path / "stop"
    flag.touch()
    FLAG = str(flag)
    state = {"stop": True}

    if split:
        @labeling_function()
        def stopper(x):
            if x.text == "t35" and state["stop"]:
                raise KeyboardInterrupt
            return -1
    else:
        @labeling_function()
        def stopper(x):
            if x.text == "t35" and os.path.exists(FLAG):
                raise KeyboardInterrupt
            return -1

    applier = LFApplier([bad, stopper], fault="warn", progress=False, cardinality=2, chunk_size=10,
                        cache=VoteCache(tmp_path / "votes"))
    with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        applier.apply(DF)
    state["stop"] = False
    flag.unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = applier.apply(DF)
    table = votes.report.table
    assert table.loc["bad", "calls"] == 30, "the second apply did not resume: nothing is tested"
    assert table.loc["stopper", "calls"] == (40 if split else 10)  # its own missing rows only (11ae46d)
    # rows 0..9 were kept for bad (it faulted in the chunks after), so it ran on rows 10..39 of the data
    assert "'r13', position 13" in table.loc["bad", "first_fault"], table.loc["bad", "first_fault"]
    [msg] = [str(w.message) for w in caught if "abstained instead" in str(w.message)]
    assert "'r13', position 13" in msg, msg


@pytest.mark.parametrize("scheduler", ["synchronous", "processes"])
def test_dask_engine_names_the_first_fault_at_its_position_in_the_data(scheduler):
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    with dask.config.set(scheduler=scheduler), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = LFApplier([bad, worse], fault="warn", progress=False, cardinality=2).apply(
            dd.from_pandas(DF, npartitions=4, sort=False))  # sorted, 'r13' would come after 'r1', 'r10'...
    table = votes.report.table
    assert "KeyError" in table.loc["bad", "first_fault"] and "'r13', position 13" in table.loc["bad", "first_fault"]
    assert "'r5', position 5" in table.loc["worse", "first_fault"]
    [msg] = [str(w.message) for w in caught if "abstained instead" in str(w.message)]
    assert "'r13', position 13" in msg, msg
