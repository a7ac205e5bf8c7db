"""Bad input at three entry points: DaskVotes.select_lfs refuses out-of-range positions as VoteMatrix does, LF
generation checks its data's columns with the applier's check before mining, and the snorkel-compat
get_label_instances names the lengths it compares.  Each test failed on the code before the fix (the old
behaviour is quoted in its docstring)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from weaksup.votes import VoteMatrix

da = pytest.importorskip("dask.array")

from weaksup.dask_votes import DaskVotes, write_manifest, write_shard  # noqa: E402

VOTES = np.array([[0, 1, -1], [1, -1, 0], [0, 0, 1], [1, 1, 1]])


def _dask_votes() -> DaskVotes:
    return DaskVotes(da.from_array(VOTES, chunks=(2, 3)), ["a", "b", "c"])


def _shard_votes(directory) -> DaskVotes:
    rows = [write_shard(directory, i, VOTES[2 * i:2 * i + 2], ["a", "b", "c"], 2) for i in range(2)]
    write_manifest(directory, ["a", "b", "c"], 2, rows)
    return DaskVotes.from_shards(directory)


def _message(call) -> str:
    with pytest.raises(IndexError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("lfs", [[5], [-4], [0, 3]])
def test_dask_votes_select_lfs_refuses_out_of_range_positions_as_vote_matrix(lfs, tmp_path):
    """DaskVotes.select_lfs([5]) failed with dask's "Index is out of bounds for axis 1 with size 3" (and on shard
    votes, whose columns are sliced as each shard is read, only once computed); now VoteMatrix's IndexError
    ("no LF at position 5: there are 3 LFs (0..2)"), raised before anything is computed."""
    want = _message(lambda: VoteMatrix(VOTES, ["a", "b", "c"]).select_lfs(lfs))
    assert want.startswith(f"no LF at position {[k for k in lfs if not -3 <= k < 3][0]}: there are 3 LFs (0..2)")
    assert _message(lambda: _dask_votes().select_lfs(lfs)) == want
    shards = _shard_votes(tmp_path)
    for name in os.listdir(tmp_path):  # nothing may be read: select_lfs is lazy and checks the positions itself
        os.remove(tmp_path / name)
    assert _message(lambda: shards.select_lfs(lfs)) == want


def test_dask_votes_select_lfs_keeps_valid_selections(tmp_path):
    ref = VoteMatrix(VOTES, ["a", "b", "c"])
    for V in (_dask_votes(), _shard_votes(tmp_path)):
        for lfs in (["c", 0], [-1, -3], [True, False, True], np.array([False, True, True]),
                    pd.Series([True, True, False]), ref.coverage() > 0.6):
            got = V.select_lfs(lfs)
            want = ref.select_lfs(lfs)
            assert got.lf_names == want.lf_names
            np.testing.assert_array_equal(got.to_vote_matrix().to_dense(), want.to_dense())
        with pytest.raises(IndexError, match="boolean LF mask has 2 entries for 3 LFs"):
            V.select_lfs([True, False])
        with pytest.raises(KeyError, match="no LF named 'z'"):
            V.select_lfs(["z"])


# ------------------------------------------------------------------ LF generation: the applier's column check
TEXTS = ["good movie", "great film", "bad movie", "awful film"] * 10
Y = np.array([1, 1, 0, 0] * 10)


def _multiindex_frame() -> pd.DataFrame:
    df = pd.DataFrame({"text": TEXTS, "n": np.arange(len(TEXTS))})
    df.columns = pd.MultiIndex.from_tuples([("text", "a"), ("n", "b")])
    return df


def test_lf_generation_refuses_multiindex_columns_before_mining():
    """LFGenerator().fit on a frame with MultiIndex columns failed inside keyword mining with "AttributeError:
    'DataFrame' object has no attribute 'tolist'" (lfgen checked duplicate names only, with its own copy of the
    applier's check); it now refuses them with the applier's ValueError before mining, as transform does."""
    from weaksup.lfgen import LFGenerator
    from weaksup.lfgen.generate import frame_and_labels

    with pytest.raises(ValueError, match=r"data has MultiIndex columns \(\[\('text', 'a'\), \('n', 'b'\)\]"):
        LFGenerator(families=("keyword",)).fit(_multiindex_frame(), Y)
    with pytest.raises(ValueError, match=r"data has MultiIndex columns .*flatten them first"):
        frame_and_labels(_multiindex_frame(), Y, "text")
    dup = pd.DataFrame([["a", "b"]], columns=["text", "text"])
    with pytest.raises(ValueError, match=r"data has duplicate column names \['text'\]: LFs read a column by its name"):
        frame_and_labels(dup, [1], "text")
    df, y = frame_and_labels(TEXTS, Y, "text")  # valid input unchanged
    assert list(df.columns) == ["text"] and len(df) == len(y) == len(TEXTS)


# ------------------------------------------------------------------ snorkel-compat get_label_instances
def test_compat_get_label_instances_names_the_lengths():
    """The compat get_label_instances raised snorkel's bare "Number of rows in x does not match number of
    elements in at least one label list" (and "Number of lists must match the amount of labels in bucket");
    it now keeps snorkel's ValueError and message and adds the counts, as weaksup.analysis does."""
    from snorkel.analysis import get_label_instances as snorkel_instances

    from weaksup.compat.snorkel.analysis import get_label_instances

    gold, pred = np.array([1, 1, 1]), np.array([1, 0, 0])
    with pytest.raises(ValueError, match=r"^Number of rows in x does not match number of elements in at least one "
                                         r"label list: x has 4 rows, the first label list 3 elements$"):
        get_label_instances((1, 0), np.zeros((4, 2)), gold, pred)
    with pytest.raises(ValueError, match=r"^Number of lists must match the amount of labels in bucket: bucket "
                                         r"\(1,\) has 1 labels for 2 label arrays$"):
        get_label_instances((1,), np.zeros((3, 2)), gold, pred)
    for bad in [((1, 0), np.zeros((4, 2)), gold, pred), ((1,), np.zeros((3, 2)), gold, pred)]:  # snorkel's type
        with pytest.raises(ValueError):
            snorkel_instances(*bad)
    x = np.array([["a", "1"], ["b", "2"], ["c", "3"]], dtype=object)
    np.testing.assert_array_equal(get_label_instances((1, 0), x, gold, pred), snorkel_instances((1, 0), x, gold, pred))
