"""Votes carry their LFs' fingerprints (``VoteMatrix.lf_fingerprints``), so two versions of one LF never mix.

A notebook user who edits an LF ``kw_free`` and re-applies it to new rows used to be able to
``VoteMatrix.vstack`` the old and new votes (two versions of one LF merged silently), and a label model
fitted on the old version predicted on the new one with no word.  Now the applier records each LF's
fingerprint on the votes; every operation that keeps LFs carries it; ``vstack`` of blocks whose known
fingerprints of one LF differ is a ValueError naming the LF, and a label model warns when it predicts on
votes of another version of an LF than it was fitted on.
"""

from __future__ import annotations

import copy
import pickle
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from weaksup import LabelingFunction, LFApplier, VoteMatrix
from weaksup.labelmodel import DawidSkene, LabelModel, MajorityVote, MatrixCompletion
from weaksup.lf.fingerprint import is_volatile

from support.dask_cluster import local_client
from support.keyword_versions import keyword_lfs, text_frame

pytestmark = pytest.mark.timeout(300)


def _apply(lfs: list[Any], frame: pd.DataFrame, engine: str = "serial") -> VoteMatrix:
    kwargs: dict[str, Any] = {"n_jobs": 2, "chunk_size": 10} if engine == "process" else {}
    return LFApplier(lfs, engine=engine, progress=False, cache=False, cardinality=2, **kwargs).apply(frame)


# ------------------------------------------------------------------ the applier records them
@pytest.mark.parametrize("engine", ["serial", "process"])
def test_applier_records_each_lf_fingerprint(engine):
    lfs = keyword_lfs()
    V = _apply(lfs, text_frame(), engine)
    assert V.lf_fingerprints == tuple(lf.fingerprint() for lf in lfs)
    assert all(isinstance(fp, str) for fp in V.lf_fingerprints)
    # the same LFs on other rows: the same fingerprints; the cache (on by default) gives the same
    assert _apply(lfs, text_frame(3), engine).lf_fingerprints == V.lf_fingerprints
    cached = LFApplier(lfs, progress=False, cardinality=2)
    assert cached.apply(text_frame()).lf_fingerprints == V.lf_fingerprints
    assert cached.apply(text_frame()).lf_fingerprints == V.lf_fingerprints  # served from the cache
    assert "fingerprint" not in repr(V)


class _Locked:
    """A resource holding a lock: state the fingerprint cannot prove, so the LF's fingerprint is volatile."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


def test_volatile_lf_has_no_fingerprint():
    lf = keyword_lfs()[0]
    vol = LabelingFunction("vol", lambda x, r: -1, resources={"r": _Locked()})
    assert is_volatile(vol.fingerprint())
    V = LFApplier([lf, vol], progress=False, cardinality=2).apply(text_frame())
    assert V.lf_fingerprints == (lf.fingerprint(), None)


def test_votes_from_arrays_have_none():
    L = VoteMatrix(np.array([[0, 1], [1, -1]]), ["a", "b"])
    assert L.lf_fingerprints == (None, None)
    assert "_lf_fingerprints" not in vars(L)  # nothing stored: pickles and files as before


# ------------------------------------------------------------------ vstack of two versions
@pytest.mark.parametrize("engine", ["serial", "process"])
def test_vstack_of_an_edited_lf_is_refused(engine):
    old = _apply(keyword_lfs(), text_frame(0), engine)
    new = _apply(keyword_lfs("edited"), text_frame(4), engine)
    with pytest.raises(ValueError, match=r"'kw_free'.*code or parameters changed.*with_lf_fingerprints\(None\)"):
        VoteMatrix.vstack([old, new])
    with pytest.raises(ValueError) as info:
        VoteMatrix.vstack([old, new])
    assert "kw_win" not in str(info.value)  # only the edited LF is named
    # the unchanged LFs, selected alone, stack fine
    both = VoteMatrix.vstack([old.select_lfs(["kw_win", "kw_bye"]), new.select_lfs(["kw_win", "kw_bye"])])
    assert both.lf_fingerprints == old.select_lfs(["kw_win", "kw_bye"]).lf_fingerprints
    # dropped explicitly: allowed, and the result's are unknown where they were dropped
    merged = VoteMatrix.vstack([old.with_lf_fingerprints(None), new.with_lf_fingerprints(None)])
    assert merged.lf_fingerprints == (None, None, None)
    np.testing.assert_array_equal(merged.to_dense(), np.vstack([old.to_dense(), new.to_dense()]))


def test_vstack_same_version_and_unknown_side_pass():
    lfs = keyword_lfs()
    a, b = _apply(lfs, text_frame(0)), _apply(lfs, text_frame(5))
    V = VoteMatrix.vstack([a, b])
    assert V.lf_fingerprints == a.lf_fingerprints
    plain = VoteMatrix(b.to_dense(), b.lf_names, 2)  # unknown: not compared
    assert VoteMatrix.vstack([a, plain]).lf_fingerprints == a.lf_fingerprints
    assert VoteMatrix.vstack([plain, plain]).lf_fingerprints == (None, None, None)
    # one LF's fingerprint unknown on one side only: the others are still compared
    edited = _apply(keyword_lfs("edited"), text_frame(5))
    half = edited.with_lf_fingerprints([None, *edited.lf_fingerprints[1:]])
    assert VoteMatrix.vstack([a, half]).lf_fingerprints == a.lf_fingerprints


def test_with_lf_fingerprints_checks_its_argument():
    L = VoteMatrix(np.array([[0, 1]]), ["a", "b"])
    with pytest.raises(ValueError, match="1 LF fingerprints given for 2 LFs"):
        L.with_lf_fingerprints(["x"])
    with pytest.raises(TypeError, match="sequence"):
        L.with_lf_fingerprints("xy")
    M = L.with_lf_fingerprints(["x", None])
    assert M.lf_fingerprints == ("x", None) and L.lf_fingerprints == (None, None)  # a new object
    assert M == L  # equality is of the votes, as before


# ------------------------------------------------------------------ carried by every operation that keeps LFs
def test_fingerprints_are_carried(tmp_path: Path):
    V = _apply(keyword_lfs(), text_frame())
    fps = V.lf_fingerprints
    assert V[3:9].lf_fingerprints == fps and V[[0, 2]].lf_fingerprints == fps and V[V.covered()].lf_fingerprints == fps
    assert V.row_block(0, 5).lf_fingerprints == fps
    assert V.select_lfs(["kw_bye", "kw_free"]).lf_fingerprints == (fps[2], fps[0])
    assert V.select_lfs([True, False, True]).lf_fingerprints == (fps[0], fps[2])
    assert VoteMatrix(V, ["kw_win", "kw_free", "kw_bye"]).lf_fingerprints == (fps[1], fps[0], fps[2])
    assert VoteMatrix(V).lf_fingerprints == fps and VoteMatrix(V, cardinality=3).lf_fingerprints == fps
    assert V.as_sparse().lf_fingerprints == fps and V.as_sparse().as_dense().lf_fingerprints == fps
    assert V.hstack(np.zeros((V.n, 1), int)).lf_fingerprints == (*fps, None)
    assert VoteMatrix(np.zeros((V.n, 1), int), ["z"]).hstack(V).lf_fingerprints == (None, *fps)
    assert V.with_column("kw_win", np.zeros(V.n, int)).lf_fingerprints == (fps[0], None, fps[2])
    assert V.with_column("new", np.zeros(V.n, int)).lf_fingerprints == (*fps, None)
    assert copy.copy(V).lf_fingerprints == fps and copy.deepcopy(V).lf_fingerprints == fps
    assert pickle.loads(pickle.dumps(V)).lf_fingerprints == fps
    for sparse in (False, True):
        path = tmp_path / f"v{sparse}.npz"
        (V.as_sparse() if sparse else V).save(path)
        assert VoteMatrix.load(path).lf_fingerprints == fps


def test_old_pickles_and_files_read_as_unknown(tmp_path: Path):
    V = _apply(keyword_lfs(), text_frame())
    state = dict(vars(V))
    state.pop("_lf_fingerprints")  # a VoteMatrix pickled before lf_fingerprints
    old = VoteMatrix.__new__(VoteMatrix)
    old.__setstate__(state)
    assert old.lf_fingerprints == (None, None, None)
    VoteMatrix.vstack([old, _apply(keyword_lfs("edited"), text_frame())])  # unknown: not compared
    plain = VoteMatrix(V.to_dense(), V.lf_names, 2)
    plain.save(tmp_path / "old.npz")  # a file without the record (as before it existed)
    assert VoteMatrix.load(tmp_path / "old.npz").lf_fingerprints == (None, None, None)


def test_valid_input_unchanged(tmp_path: Path):
    """Votes without fingerprints save and pickle byte for byte as before; applied votes are the same votes."""
    L = VoteMatrix(np.array([[0, 1], [1, -1]]), ["a", "b"])
    assert "_lf_fingerprints" not in vars(L) and "_lf_fingerprints" not in vars(L[0:1])
    L.save(tmp_path / "a.npz")
    import json
    import zipfile

    with zipfile.ZipFile(tmp_path / "a.npz") as z:
        names = z.namelist()
        meta_name = next(n for n in names if "meta" in n or n.endswith(".json"))
        raw = z.read(meta_name)
    assert b"lf_fingerprints" not in raw, json.loads(raw) if raw[:1] == b"{" else raw[:200]
    V = _apply(keyword_lfs(), text_frame())
    ref = VoteMatrix(V.to_dense(), V.lf_names, 2)
    assert V == ref and V.dtype == ref.dtype and V.report is not None


# ------------------------------------------------------------------ label models
@pytest.mark.parametrize("model_cls", [MajorityVote, DawidSkene, MatrixCompletion])
def test_label_model_warns_on_another_version(model_cls):
    old = _apply(keyword_lfs(), text_frame(0, 80))
    new = _apply(keyword_lfs("edited"), text_frame(3, 40))
    same = _apply(keyword_lfs(), text_frame(3, 40))
    model = model_cls().fit(old) if model_cls is MajorityVote else model_cls().fit(old, seed=0)
    assert model.lf_fingerprints_ == old.lf_fingerprints
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = model.predict_proba(same)  # same name, same fingerprint: silent
        model.predict(same)
        model.score(same, np.zeros(same.n, int))
        model.predict_proba(same.to_dense())  # a plain array: nothing to compare
        model.predict_proba(new.with_lf_fingerprints(None))
    for call in (lambda V: model.predict_proba(V), lambda V: model.predict(V),
                 lambda V: model.score(V, np.zeros(V.n, int))):
        with pytest.warns(UserWarning, match=r"'kw_free'.*another version.*Refit") as record:
            call(new)
        msgs = [str(w.message) for w in record if "another version" in str(w.message)]
        assert len(msgs) == 1 and "kw_win" not in msgs[0]  # once per call, naming only the edited LF
    # reordered columns are matched by name, fingerprints with them
    with pytest.warns(UserWarning, match="'kw_free'"):
        model.predict_proba(new.select_lfs(["kw_bye", "kw_free", "kw_win"]))
    # the warning changes nothing in the result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(model.predict_proba(new), model.predict_proba(new.with_lf_fingerprints(None)))
    assert expected.shape == (same.n, 2)


def test_label_model_pickle_save_load_and_old_model(tmp_path: Path):
    old = _apply(keyword_lfs(), text_frame(0, 80))
    new = _apply(keyword_lfs("edited"), text_frame(3, 40))
    model = MatrixCompletion().fit(old, seed=0)
    again = pickle.loads(pickle.dumps(model))
    assert again.lf_fingerprints_ == model.lf_fingerprints_
    with pytest.warns(UserWarning, match="'kw_free'"):
        again.predict_proba(new)
    model.save(tmp_path / "m.npz")
    loaded = LabelModel.load(tmp_path / "m.npz")
    assert loaded.lf_fingerprints_ == model.lf_fingerprints_
    with pytest.warns(UserWarning, match="'kw_free'"):
        loaded.predict_proba(new)
    np.testing.assert_array_equal(loaded.predict_proba(old), model.predict_proba(old))
    # a model pickled before lf_fingerprints_ was recorded: no check
    state = dict(model.__dict__)
    state.pop("lf_fingerprints_")
    legacy = MatrixCompletion.__new__(MatrixCompletion)
    legacy.__dict__.update(state)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        legacy.predict_proba(new)
    # a model fitted on plain votes records them as unknown, and never warns
    plain = MatrixCompletion().fit(old.to_dense(), seed=0)
    assert plain.lf_fingerprints_ == (None, None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.predict_proba(new)


def test_fit_results_bit_identical_with_fingerprints():
    V = _apply(keyword_lfs(), text_frame(0, 80))
    ref = VoteMatrix(V.to_dense(), V.lf_names, 2)
    for cls in (DawidSkene, MatrixCompletion):
        a, b = cls().fit(V, seed=0), cls().fit(ref, seed=0)
        np.testing.assert_array_equal(a.predict_proba(V), b.predict_proba(ref))
        np.testing.assert_array_equal(a.class_balance_, b.class_balance_)


# ------------------------------------------------------------------ Dask: the engine and shard directories
@pytest.fixture(scope="module")
def dask_client():
    with local_client(processes=False, n_workers=1, threads_per_worker=2) as client:
        yield client


def _dask_frame(offset: int = 0) -> Any:
    dd = pytest.importorskip("dask.dataframe")
    return dd.from_pandas(text_frame(offset), npartitions=3, sort=False)


def test_dask_engine_and_shards_carry_fingerprints(dask_client, tmp_path: Path):
    from weaksup.dask_votes import DaskVotes, read_manifest

    lfs = keyword_lfs()
    fps = tuple(lf.fingerprint() for lf in lfs)
    assert LFApplier(lfs, progress=False, cardinality=2).apply(_dask_frame()).lf_fingerprints == fps
    V = LFApplier(lfs, progress=False, cardinality=2).apply_to_shards(_dask_frame(), tmp_path / "old")
    assert V.lf_fingerprints == fps and read_manifest(tmp_path / "old")["lf_fingerprints"] == list(fps)
    assert DaskVotes.from_shards(tmp_path / "old").lf_fingerprints == fps
    assert V.select_lfs(["kw_bye", "kw_free"]).lf_fingerprints == (fps[2], fps[0])
    assert V.to_vote_matrix().lf_fingerprints == fps
    assert pickle.loads(pickle.dumps(V)).lf_fingerprints == fps
    assert V.with_lf_fingerprints(None).lf_fingerprints == (None, None, None)
    # the edited LF's shards: refused by vstack once gathered, warned about by a model fitted on the old ones
    W = LFApplier(keyword_lfs("edited"), progress=False, cardinality=2).apply_to_shards(_dask_frame(2),
                                                                                     tmp_path / "new")
    with pytest.raises(ValueError, match="'kw_free'"):
        VoteMatrix.vstack([V.to_vote_matrix(), W.to_vote_matrix()])
    model = MajorityVote().fit(V.to_vote_matrix())
    with pytest.warns(UserWarning, match="'kw_free'.*another version"):
        model.predict_proba(W)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict_proba(V)
    # a manifest without the record (written before it, or by a writer that knows none): all unknown
    body = read_manifest(tmp_path / "new")
    body.pop("lf_fingerprints")
    (tmp_path / "new" / "_manifest.json").write_text(__import__("json").dumps(body))
    assert DaskVotes.from_shards(tmp_path / "new").lf_fingerprints == (None, None, None)


# ------------------------------------------------------------------ partial_fit: a row-wise merge too
def test_partial_fit_refuses_a_chunk_of_another_version(tmp_path: Path):
    old = _apply(keyword_lfs(), text_frame(0, 80))
    new = _apply(keyword_lfs("edited"), text_frame(3, 40))
    model = MatrixCompletion().partial_fit(old[:40], refit=False)
    model.partial_fit(old[40:], refit=False)  # the same LFs: fine
    with pytest.raises(ValueError, match=r"partial_fit: this chunk's votes of LF\(s\) 'kw_free'.*another version"):
        model.partial_fit(new)
    assert model._stream["n"] == 80  # the refused chunk was not counted
    model.partial_fit(old[:10], refit=True, seed=0)
    assert model.lf_fingerprints_ == old.lf_fingerprints
    with pytest.warns(UserWarning, match="'kw_free'"):
        model.predict_proba(new)
    # the stream's fingerprints survive save/load, so a loaded model goes on refusing
    model.save(tmp_path / "s.npz")
    loaded = MatrixCompletion.load(tmp_path / "s.npz")
    with pytest.raises(ValueError, match="'kw_free'"):
        loaded.partial_fit(new)
    # a fitted model streams on from its fit's rows, with their fingerprints
    fitted = MatrixCompletion().fit(old, seed=0)
    with pytest.raises(ValueError, match="'kw_free'"):
        fitted.partial_fit(new)
    # unknown on either side: not compared
    fitted.partial_fit(new.with_lf_fingerprints(None), refit=True, seed=0)
    assert fitted.lf_fingerprints_ == old.lf_fingerprints


def test_save_of_a_model_without_fingerprints_is_quiet_and_unchanged(tmp_path: Path):
    """A model fitted on votes with no fingerprint known saves without the record (and without a warning about
    an unsaved fitted attribute), and loads with them all unknown."""
    L = VoteMatrix(np.array([[0, 1, -1], [1, 1, 0], [0, -1, 0], [1, 0, 1]] * 10), ["a", "b", "c"])
    model = MatrixCompletion().fit(L, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save(tmp_path / "m.npz")
    meta, _ = model._state()
    assert "lf_fingerprints_" not in meta and "lf_fingerprints" not in meta.get("stream", {})
    assert MatrixCompletion.load(tmp_path / "m.npz").lf_fingerprints_ == (None, None, None)


def test_write_manifest_records_fingerprints_only_when_known(tmp_path: Path):
    from weaksup.dask_votes import DaskVotes, read_manifest, write_manifest, write_shard

    rows = [write_shard(tmp_path, i, np.array([[0, -1], [1, 1]]), ["a", "b"], 2) for i in range(2)]
    write_manifest(tmp_path, ["a", "b"], 2, rows)
    assert "lf_fingerprints" not in read_manifest(tmp_path)  # as before: nothing known, nothing written
    assert DaskVotes.from_shards(tmp_path).lf_fingerprints == (None, None)
    write_manifest(tmp_path, ["a", "b"], 2, rows, lf_fingerprints=["f1", None])
    V = DaskVotes.from_shards(tmp_path)
    assert V.lf_fingerprints == ("f1", None) and V.select_lfs(["b", "a"]).lf_fingerprints == (None, "f1")
