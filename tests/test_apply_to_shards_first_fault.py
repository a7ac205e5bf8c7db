"""``apply_to_shards`` reports each LF's first fault, as ``LFApplier.apply`` does on every engine.

Its report held calls/faults/seconds/cached only, and its ``fault="warn"`` warning named the LFs and counts but
no error: over a big Dask frame, the user learnt that an LF abstained on 3 rows but not why, short of applying
again with ``fault="raise"``.  Now ``report.table["first_fault"]`` gives the error, its message, the row label
and the row's position in the whole data (the first in row order across partitions, whichever partition ended
first), and the warning names the first LF's error.  The shards, votes and counts are unchanged.

Real multi-process Dask ``LocalCluster``: the first faults travel back from the worker processes.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from weaksup import LFApplier, labeling_function
from weaksup.apply.errors import LFOutputError
from weaksup.dask_votes import DaskVotes

from support.dask_cluster import local_client
from support.faulty_lfs import DF, bad, batch_bad, worse

pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")


@labeling_function()
def fine(x):
    return int(x.text.endswith("7"))


LFS = [bad, worse, batch_bad, fine]


@pytest.fixture(scope="module")
def cluster_client():
    with local_client() as client:
        yield client


def _frame() -> object:
    # 4 partitions of 10 rows, in row order (sorted, 'r13' would come after 'r1', 'r10'...)
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(DF, npartitions=4, sort=False)


def _shards(path, fault="warn"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = LFApplier(LFS, fault=fault, progress=False, cardinality=2).apply_to_shards(_frame(), path)
    return votes, [str(w.message) for w in caught if "abstained instead" in str(w.message)]


@pytest.mark.parametrize("fault", ["warn", "abstain"])
def test_apply_to_shards_reports_each_lfs_first_fault_as_apply_does(cluster_client, tmp_path, fault):
    votes, msgs = _shards(tmp_path / "v", fault)
    table = votes.report.table
    assert "first_fault" in table.columns, "apply_to_shards' report has no first_fault column"
    assert table.loc["bad", "first_fault"] == "KeyError: 'no field for t13' (on row 'r13', position 13)"
    assert table.loc["worse", "first_fault"] == ("ValueError: HTTP 500: CUDA out of memory (t5) "
                                                 "(on row 'r5', position 5)")
    # a batched LF that fails on its whole partition (rows 20..29): its first row, counted in the whole data
    assert table.loc["batch_bad", "first_fault"] == "RuntimeError: the whole chunk failed (on row 'r20', position 20)"
    assert table.loc["fine", "first_fault"] == ""
    # the same strings as LFApplier.apply's report on the same partitions
    applied = LFApplier(LFS, fault="abstain", progress=False, cardinality=2).apply(_frame())
    pd.testing.assert_series_equal(table["first_fault"], applied.report.table["first_fault"])
    assert table["faults"].tolist() == [3, 2, 10, 0]
    if fault == "warn":
        [msg] = msgs
        assert "'bad' on 3 row(s)" in msg and "First error of 'bad'" in msg and "'r13', position 13" in msg, msg
        assert "see votes.report.table['first_fault']" in msg
    else:
        assert msgs == []


def test_the_shards_and_counts_are_those_of_apply(cluster_client, tmp_path):
    votes, _ = _shards(tmp_path / "v")
    applied = LFApplier(LFS, fault="abstain", progress=False, cardinality=2).apply(_frame())
    assert votes.to_vote_matrix() == applied
    assert DaskVotes.from_shards(tmp_path / "v").to_vote_matrix() == applied
    cols = ["calls", "faults", "cached"]
    pd.testing.assert_frame_equal(votes.report.table[cols], applied.report.table[cols], check_dtype=False)


def test_a_resumed_run_reports_the_first_fault_of_the_lfs_it_ran(cluster_client, tmp_path):
    """A run that failed left its shards; the rerun keeps the fault-free columns and runs the others, whose first
    faults are named at their position in the whole data."""
    out = tmp_path / "v"

    @labeling_function(name="stopper")
    def stops(x):
        return 5 if x.text == "t35" else -1  # not a class: an LFOutputError, whatever the fault policy

    with pytest.raises(LFOutputError, match="'stopper' returned 5"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LFApplier([fine, bad, stops], fault="abstain", progress=False, cardinality=2).apply_to_shards(_frame(), out)

    @labeling_function(name="stopper")
    def stops_no_more(x):
        return -1

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        votes = LFApplier([fine, bad, stops_no_more], fault="abstain", progress=False,
                          cardinality=2).apply_to_shards(_frame(), out)
    table = votes.report.table
    assert table.loc["fine", "calls"] < 40, "nothing was resumed: nothing is tested"
    assert table.loc["bad", "calls"] == 30  # its fault-free partition 0 was kept
    assert table.loc["bad", "first_fault"] == "KeyError: 'no field for t13' (on row 'r13', position 13)"
    assert table.loc["fine", "first_fault"] == table.loc["stopper", "first_fault"] == ""
