"""LF fingerprints on the Dask paths: the engine's own shard manifest and label models fitted on Dask votes.

Before, ``weaksup.apply.engines.dask.apply_to_shards`` called directly wrote a manifest without fingerprints
(only ``LFApplier.apply_to_shards`` added them afterwards, rewriting the manifest a second time), and a label
model fitted on :class:`~weaksup.dask_votes.DaskVotes` recorded no ``lf_fingerprints_`` (nor kept them in its
``partial_fit`` stream), so it predicted on votes of an edited LF without a word, where the in-memory fit warns.
Run on a ``LocalCluster`` with worker processes, as tests/test_dask.py.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

import weaksup.dask_votes as dask_votes  # noqa: E402
from weaksup import LabelingFunction, LFApplier, VoteMatrix, labeling_function  # noqa: E402
from weaksup.apply.engines.dask import apply_to_shards  # noqa: E402
from weaksup.dask_votes import MANIFEST, DaskVotes, read_manifest  # noqa: E402
from weaksup.labelmodel import DawidSkene, MajorityVote, MatrixCompletion  # noqa: E402
from weaksup.labelmodel._dask import dask_stream  # noqa: E402
from weaksup.lf.fingerprint import VOLATILE  # noqa: E402

from support.dask_cluster import local_client  # noqa: E402
from support.keyword_versions import keyword_lfs, text_frame  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


NAMES = ["kw_free", "kw_win", "kw_bye"]


@pytest.fixture(scope="module")
def client():
    with local_client() as c:
        yield c


def _frame(offset: int = 0, n: int = 60) -> Any:
    df = text_frame(offset, n)
    return dd.from_pandas(df, npartitions=3, sort=False)


def _votes(fps: Any, n: int = 240, seed: int = 0) -> DaskVotes:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    L = np.where(rng.random((n, 3)) < 0.8, y[:, None], 1 - y[:, None])
    L = np.where(rng.random((n, 3)) < 0.7, L, -1)
    return DaskVotes(da.from_array(L, chunks=(60, 3)), NAMES, 2).with_lf_fingerprints(fps)


# ------------------------------------------------------------------ the engine's manifest
def test_engine_apply_to_shards_writes_the_fingerprints_in_its_manifest(client, tmp_path: Path) -> None:
    lfs = keyword_lfs()
    fps = tuple(lf.fingerprint() for lf in lfs)
    V = apply_to_shards(lfs, _frame(), tmp_path / "old", cardinality=2, progress=False)
    assert V.lf_fingerprints == fps
    assert read_manifest(tmp_path / "old")["lf_fingerprints"] == list(fps)
    assert DaskVotes.from_shards(tmp_path / "old").lf_fingerprints == fps
    # the engine's shards of an edited LF, gathered: refused beside the old ones
    W = apply_to_shards(keyword_lfs("edited"), _frame(2), tmp_path / "new", cardinality=2, progress=False)
    assert W.lf_fingerprints[1:] == fps[1:] and W.lf_fingerprints[0] != fps[0]
    with pytest.raises(ValueError, match="'kw_free'"):
        VoteMatrix.vstack([V.to_vote_matrix(), W.to_vote_matrix()])


def test_engine_manifest_leaves_volatile_and_unprepared_lfs_as_lfapplier_apply_records_them(client,
                                                                                            tmp_path: Path) -> None:
    """A volatile fingerprint proves nothing: unknown. An LF whose prepare() raised (fault="abstain": a stand-in
    that faults on every row) is recorded as itself, as LFApplier.apply records it, not as the stand-in."""
    class Volatile(LabelingFunction):
        def fingerprint(self) -> str:
            return VOLATILE + "reads state nobody can prove"

    class Unpreparable(LabelingFunction):
        def prepare(self) -> None:
            raise RuntimeError("backend down")

    def vote(x: Any) -> int:
        return 1 if "free" in x.text else -1

    lfs = [Volatile("vol", vote), Unpreparable("unprep", vote), *keyword_lfs()[1:]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the stand-in's faults
        V = apply_to_shards(lfs, _frame(), tmp_path / "v", cardinality=2, fault="abstain", progress=False)
        serial = LFApplier(lfs, cardinality=2, fault="abstain", progress=False).apply(_frame().compute())
    expected = (None, lfs[1].fingerprint(), *(lf.fingerprint() for lf in lfs[2:]))
    assert V.lf_fingerprints == serial.lf_fingerprints == expected
    assert read_manifest(tmp_path / "v")["lf_fingerprints"] == list(expected)
    assert V.to_vote_matrix() == serial


def test_lfapplier_apply_to_shards_writes_the_manifest_once_as_the_engine_does(client, tmp_path: Path,
                                                                               monkeypatch) -> None:
    written: list[dict[str, Any]] = []
    real = dask_votes._write_manifest_body

    def counted(path: Path, body: dict[str, Any]) -> None:
        written.append(json.loads(json.dumps(body)))
        real(path, body)

    monkeypatch.setattr(dask_votes, "_write_manifest_body", counted)
    lfs = keyword_lfs()
    V = LFApplier(lfs, cardinality=2, n_jobs=3, progress=False).apply_to_shards(_frame().compute(), tmp_path / "a")
    assert len(written) == 1  # one manifest, complete when first written (was: rewritten to add the fingerprints)
    apply_to_shards(lfs, _frame().compute(), tmp_path / "b", cardinality=2, npartitions=3, progress=False)
    assert len(written) == 2 and written[0] == written[1]  # the applier's manifest is the engine's
    assert (tmp_path / "a" / MANIFEST).read_text() == (tmp_path / "b" / MANIFEST).read_text()
    assert V.lf_fingerprints == tuple(lf.fingerprint() for lf in lfs)


# ------------------------------------------------------------------ label models fitted on Dask votes
@pytest.mark.parametrize("cls", [MajorityVote, MatrixCompletion, DawidSkene])  # reduced statistics and map-reduce EM
def test_model_fitted_on_dask_votes_records_fingerprints_and_warns_on_another_version(client, cls) -> None:
    old = ("fp-free-1", "fp-win", None)
    V = _votes(old)
    model = cls().fit(V, seed=0)
    assert model.lf_fingerprints_ == old
    in_memory = cls().fit(V.to_vote_matrix(), seed=0)
    assert in_memory.lf_fingerprints_ == old  # as the in-memory fit records them
    edited = _votes(("fp-free-2", "fp-win", "fp-bye"), seed=1)
    with pytest.warns(UserWarning, match="'kw_free'.*another version"):
        model.predict_proba(edited)
    with pytest.warns(UserWarning, match="'kw_free'.*another version"):
        model.predict_proba(edited.to_vote_matrix())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fitted version, or unknown fingerprints: nothing to say
        model.predict_proba(V)
        model.predict_proba(edited.with_lf_fingerprints(None))


def test_model_fitted_on_dask_votes_without_fingerprints_is_unchanged(client) -> None:
    V = _votes(None)
    model = MatrixCompletion().fit(V, seed=0)
    assert model.lf_fingerprints_ == (None, None, None)
    with_fps = MatrixCompletion().fit(_votes(("a", "b", "c")), seed=0)
    np.testing.assert_array_equal(model.predict_proba(V).compute(), with_fps.predict_proba(V).compute())
    meta, _ = model._state()
    assert "lf_fingerprints_" not in meta and "lf_fingerprints" not in meta.get("stream", {})


def test_dask_fit_stream_keeps_fingerprints_for_partial_fit(client, tmp_path: Path) -> None:
    old = ("fp-free-1", "fp-win", "fp-bye")
    V = _votes(old)
    fitted = MatrixCompletion().fit(V, seed=0)
    assert fitted._stream["lf_fingerprints"] == old
    edited = _votes(("fp-free-2", "fp-win", "fp-bye"), seed=1)
    with pytest.raises(ValueError, match=r"partial_fit: this chunk's votes of LF\(s\) 'kw_free'"):
        fitted.partial_fit(edited)
    with pytest.raises(ValueError, match="'kw_free'"):
        fitted.partial_fit(edited.to_vote_matrix())
    fitted.save(tmp_path / "m.npz")  # kept in the saved stream: the loaded model refuses too
    with pytest.raises(ValueError, match="'kw_free'"):
        MatrixCompletion.load(tmp_path / "m.npz").partial_fit(edited)
    fitted.partial_fit(_votes(old, seed=2), refit=True, seed=0)  # the same versions: streamed on
    assert fitted.lf_fingerprints_ == old and fitted._stream["n"] == 480
    # the stream dask_stream starts carries them, as partial_fit's in-memory stream does
    assert dask_stream(MatrixCompletion(), V, 2, None)["lf_fingerprints"] == old


def test_dask_fit_with_valid_votes_of_another_lf_version_warns_once(client) -> None:
    """As an in-memory fit: valid votes of another version than the training votes' are said once, naming valid
    (fit_dask checks valid= through the check_valid_votes LabelModel.fit hands it)."""
    V = _votes(("fp-free-1", "fp-win", None))
    y = np.arange(120) % 2
    other = _votes(("fp-free-2", "fp-win", "fp-bye"), n=120, seed=1).to_vote_matrix()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DawidSkene().fit(V, valid=(other, y), seed=0)
    said = [str(w.message) for w in caught if "another version" in str(w.message)]
    assert len(said) == 1 and "DawidSkene: the valid votes of LF(s) 'kw_free'" in said[0], said
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DawidSkene().fit(V, valid=(other.with_lf_fingerprints(None), y), seed=0)
    assert not [w for w in caught if "another version" in str(w.message)]


def test_dask_fit_on_a_plain_dask_array_with_valid_compares_nothing(client) -> None:
    """A plain Dask array knows no fingerprints: fit(valid=) on it compares nothing (c47bf07 read them off the
    array and raised AttributeError)."""
    L = np.asarray(_votes(None).to_vote_matrix().to_dense())
    y = np.arange(120) % 2
    valid = _votes(("fp-free-2", "fp-win", "fp-bye"), n=120, seed=1).to_vote_matrix()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = DawidSkene().fit(da.from_array(L, chunks=(60, 3)), valid=(valid, y), seed=0)
    assert model.n_lfs_ == 3 and not [w for w in caught if "another version" in str(w.message)]


_CALLS = {"n": 0}


def test_shards_record_no_fingerprint_for_an_lf_whose_state_moves_or_when_switched_off(client, tmp_path):
    # the engine's apply_to_shards recorded a fingerprint for an LF an earlier apply saw move (a call counter) and
    # ignored LFApplier(lf_fingerprints=False); both are now as LFApplier.apply records them
    @labeling_function()
    def kw_counted(x: Any) -> int:
        _CALLS["n"] += 1
        return 1 if "free" in x.text else -1

    lfs = [kw_counted, *keyword_lfs()[1:]]
    LFApplier(lfs, cardinality=2, progress=False, cache=False).apply(_frame().compute())  # marks kw_counted
    votes = apply_to_shards(lfs, _frame(), tmp_path / "a", cardinality=2, progress=False)
    assert votes.lf_fingerprints[0] is None and None not in votes.lf_fingerprints[1:]
    assert read_manifest(tmp_path / "a")["lf_fingerprints"][0] is None
    off = LFApplier(keyword_lfs(), cardinality=2, progress=False, lf_fingerprints=False).apply_to_shards(_frame(),
                                                                                                  tmp_path / "b")
    assert off.lf_fingerprints == (None, None, None)
    assert "lf_fingerprints" not in read_manifest(tmp_path / "b")
