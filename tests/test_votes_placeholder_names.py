"""VoteMatrix.placeholder_names / DaskVotes.placeholder_names: whether the LF names were made up (lf_0 ..).

Before, "made up" was guessed from the pattern lf_0 .. lf_{m-1}, so LFs really named lf_0, lf_1 were taken for
positions.  The flag says what happened: True only when no names were given, kept through row/column subsets,
stacking, pickles and files; old pickles and files fall back to the pattern rule.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from weaksup import VoteMatrix

A = np.array([[0, 1, -1], [1, -1, 0], [-1, 1, 1]])


def test_made_up_names_are_placeholders_given_ones_are_not():
    assert VoteMatrix(A).placeholder_names
    assert VoteMatrix(sp.csr_matrix(A + 1)).placeholder_names
    assert VoteMatrix(pd.DataFrame(A)).placeholder_names  # integer labels: positions
    assert VoteMatrix(pd.DataFrame(A)[[2, 0, 1]]).placeholder_names
    assert not VoteMatrix(A, ["lf_0", "lf_1", "lf_2"]).placeholder_names  # real LFs named lf_0 ..
    assert not VoteMatrix(pd.DataFrame(A, columns=["a", "b", "c"])).placeholder_names
    assert not VoteMatrix(pd.DataFrame(A), ["a", "b", "c"]).placeholder_names
    assert VoteMatrix(A).lf_names == ["lf_0", "lf_1", "lf_2"]  # the names themselves are unchanged


@pytest.mark.parametrize("named", [False, True])
def test_flag_survives_subsets_and_conversions(named):
    L = VoteMatrix(A, ["lf_0", "lf_1", "lf_2"] if named else None)
    expected = not named
    for derived in (L[0:2], L[[0, 2]], L.row_block(0, 2), L.select_lfs([2, 0]), L.as_sparse(), L.as_sparse()[1:],
                    L.as_sparse().as_dense(), L.with_column("lf_1", [0, 0, 0]), VoteMatrix(L),
                    VoteMatrix.vstack([L, L[:1]]), L.as_sparse().select_lfs([1])):
        assert derived.placeholder_names is expected
    from weaksup.votes import as_vote_matrix

    assert as_vote_matrix(L, cardinality=3).placeholder_names is expected


def test_stacking_mixes():
    unnamed, named = VoteMatrix(A), VoteMatrix(A, ["a", "b", "c"])
    assert unnamed.hstack(A).placeholder_names  # lf_3 .. continue the made-up names
    assert not unnamed.hstack(named).placeholder_names  # any given name: the names are matched as names
    assert not named.hstack(A).placeholder_names
    assert not unnamed.with_column("kw_new", [0, 1, 0]).placeholder_names
    assert not VoteMatrix.vstack([unnamed, VoteMatrix(A, ["lf_0", "lf_1", "lf_2"])]).placeholder_names


def test_renaming_made_up_names_gives_given_names():
    renamed = VoteMatrix(VoteMatrix(A), ["a", "b", "c"])
    assert renamed.lf_names == ["a", "b", "c"] and not renamed.placeholder_names
    kept = VoteMatrix(VoteMatrix(A))
    assert kept.placeholder_names and kept.lf_names == ["lf_0", "lf_1", "lf_2"]


def test_pickle_and_save_load_keep_the_flag(tmp_path):
    for names in (None, ["lf_0", "lf_1", "lf_2"], ["a", "b", "c"]):
        L = VoteMatrix(A, names)
        assert pickle.loads(pickle.dumps(L)).placeholder_names is (names is None)
        L.save(tmp_path / "v.npz")
        assert VoteMatrix.load(tmp_path / "v.npz").placeholder_names is (names is None)
        L.as_sparse().save(tmp_path / "s.npz")
        assert VoteMatrix.load(tmp_path / "s.npz").placeholder_names is (names is None)


def test_old_pickles_and_files_fall_back_to_the_pattern(tmp_path):
    for names, expected in ((["lf_0", "lf_1", "lf_2"], True), (["a", "b", "c"], False)):
        L = VoteMatrix(A, names)
        state = dict(L.__dict__)
        del state["_placeholder_names"]  # a pickle written before the flag existed
        old = VoteMatrix.__new__(VoteMatrix)
        old.__setstate__(state)
        assert old.placeholder_names is expected
        bare = VoteMatrix.__new__(VoteMatrix)  # built around __init__, as older code may
        bare.__dict__.update(state)
        assert bare.placeholder_names is expected
        from weaksup._persist import save_npz

        save_npz(tmp_path / "old.npz", "weaksup.VoteMatrix",
                 {"lf_names": names, "cardinality": 2, "sparse": False, "shape": [3, 3]}, {"dense": L.to_dense()})
        assert VoteMatrix.load(tmp_path / "old.npz").placeholder_names is expected


def test_dask_votes_flag(tmp_path):
    da = pytest.importorskip("dask.array")
    import dask

    from weaksup.dask_votes import DaskVotes, MANIFEST, write_manifest, write_shard

    with dask.config.set(scheduler="synchronous"):
        V = DaskVotes(da.from_array(A, chunks=(2, 3)))
        assert V.placeholder_names and V.select_lfs([1]).placeholder_names and V.to_vote_matrix().placeholder_names
        W = DaskVotes(da.from_array(A, chunks=(2, 3)), ["lf_0", "lf_1", "lf_2"])
        assert not W.placeholder_names and not W.to_vote_matrix().placeholder_names
        names = ["lf_0", "lf_1", "lf_2"]
        rows = [write_shard(tmp_path, 0, A, names, 2)]
        write_manifest(tmp_path, names, 2, rows)  # an engine's LFs: named, even lf_0 ..
        assert not DaskVotes.from_shards(tmp_path).placeholder_names
        write_manifest(tmp_path, names, 2, rows, placeholder_names=True)
        assert DaskVotes.from_shards(tmp_path).placeholder_names
        body = json.loads((tmp_path / MANIFEST).read_text())
        del body["placeholder_names"]  # a manifest written before the flag: the pattern rule
        (tmp_path / MANIFEST).write_text(json.dumps(body))
        assert DaskVotes.from_shards(tmp_path).placeholder_names
