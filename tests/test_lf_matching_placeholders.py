"""Fitted LFs are matched by whether their names were given, not by how they are spelt (align_lfs).

A plain array (not a VoteMatrix, names made up: ``lf_0 .. lf_{m-1}``) is read by position, even when a model was
fitted on unnamed votes reordered by ``select_lfs`` (made-up names ``lf_1, lf_0, ...``); an unnamed VoteMatrix
and its ``select_lfs`` are still reordered by those names.  LFs really named ``lf_0, lf_1, ...`` are matched
by name like any others.  The model records at fit whether its ``lf_names_`` were made up;
save/load, pickle and the partial_fit stream keep that record, and a file from before it existed loads and
works with the old rule (names ``lf_0 .. lf_{m-1}`` in order are taken as made up).
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix
from weaksup.labelmodel import DawidSkene, MatrixCompletion, available_models
from weaksup.labelmodel.base import SAVE_FORMAT, align_lfs

GIVEN = ["lf_0", "lf_1", "lf_2", "lf_3"]  # real LF names that happen to read like placeholders
EDITED = ["lf_0", "lf_2", "lf_3", "lf_4"]  # lf_1 dropped, a new LF appended: the same count, other LFs
needs_record = pytest.mark.skipif(not hasattr(VoteMatrix, "placeholder_names"),
                                  reason="needs VoteMatrix.placeholder_names (whether names were given)")


def _votes(n: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    cols = []
    for acc, cov in ((0.95, 0.9), (0.55, 0.9), (0.7, 0.6), (0.8, 0.5)):
        v = np.where(rng.random(n) < acc, y, 1 - y)
        v[rng.random(n) > cov] = -1
        cols.append(v)
    return np.stack(cols, 1), y


def _fit(name: str, votes: object, **kw: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return available_models()[name]().fit(votes, seed=0, **kw)


@pytest.mark.parametrize("name", sorted(available_models()))
def test_a_plain_array_in_the_fitted_order_is_read_by_position(name: str) -> None:
    L, y = _votes()
    order = [1, 0, 2, 3]
    V = VoteMatrix(L).select_lfs(order)  # unnamed votes reordered: made-up names lf_1, lf_0, lf_2, lf_3
    model = _fit(name, V)
    want = model.predict_proba(V)
    np.testing.assert_array_equal(model.predict_proba(L[:, order]), want)  # a plain array: by position
    # predict and score read it once (matching the columns again must not reorder them)
    np.testing.assert_array_equal(model.predict(L[:, order], seed=0), model.predict(V, seed=0))
    assert model.score(L[:, order], y, seed=0) == model.score(V, y, seed=0)
    # the made-up names of the same unnamed votes (the VoteMatrix itself, or in another order) are reordered
    np.testing.assert_array_equal(model.predict_proba(VoteMatrix(L)), want)
    np.testing.assert_array_equal(model.predict_proba(VoteMatrix(L).select_lfs([2, 1, 0, 3])), want)
    # a frame of integer columns picked in another order names each LF by its original column
    np.testing.assert_array_equal(model.predict_proba(pd.DataFrame(L)[[3, 0, 1, 2]]), want)


@needs_record
@pytest.mark.parametrize("name", sorted(available_models()))
def test_lfs_named_like_placeholders_are_matched_by_name(name: str) -> None:
    L, _ = _votes()
    model = _fit(name, VoteMatrix(L, GIVEN))
    with pytest.raises(ValueError, match=r"missing \['lf_1'\], unknown \['lf_4'\]"):
        model.predict_proba(VoteMatrix(L, EDITED))
    want = model.predict_proba(L)  # a plain array is still read by position
    np.testing.assert_array_equal(model.predict_proba(VoteMatrix(L[:, ::-1], GIVEN[::-1])), want)


@needs_record
def test_named_votes_that_look_like_a_plain_array_are_matched_by_name() -> None:
    L, _ = _votes()
    model = _fit("DawidSkene", VoteMatrix(L, EDITED))
    with pytest.raises(ValueError, match=r"missing \['lf_4'\], unknown \['lf_1'\]"):
        model.predict_proba(VoteMatrix(L, GIVEN))


@needs_record
def test_valid_votes_are_matched_by_the_same_rule() -> None:
    L, y = _votes()
    with pytest.raises(ValueError, match=r"valid.*missing \['lf_1'\], unknown \['lf_4'\]"):
        _fit("DawidSkene", VoteMatrix(L, GIVEN), valid=(VoteMatrix(L, EDITED), y))


@needs_record
def test_the_record_survives_save_load_and_pickle(tmp_path) -> None:
    L, _ = _votes()
    model = _fit("DawidSkene", VoteMatrix(L, GIVEN))
    model.save(tmp_path / "m.npz")
    for back in (DawidSkene.load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(model))):
        with pytest.raises(ValueError, match=r"missing \['lf_1'\]"):
            back.predict_proba(VoteMatrix(L, EDITED))
        np.testing.assert_array_equal(back.predict_proba(VoteMatrix(L, GIVEN)), model.predict_proba(L))


def test_a_file_saved_before_the_record_loads_with_the_old_rule(tmp_path) -> None:
    from weaksup._persist import load_npz, save_npz

    L, _ = _votes()
    model = _fit("DawidSkene", L)
    model.save(tmp_path / "new.npz")
    meta, arrays = load_npz(tmp_path / "new.npz", SAVE_FORMAT)
    meta.pop("lf_names_placeholder_", None)  # as an older weaksup wrote it
    save_npz(tmp_path / "old.npz", SAVE_FORMAT, meta, arrays)
    old = DawidSkene.load(tmp_path / "old.npz")
    want = model.predict_proba(L)
    np.testing.assert_array_equal(old.predict_proba(L), want)
    # fitted names lf_0 .. lf_3 in order: made up by the old rule, so named votes are read by position
    np.testing.assert_array_equal(old.predict_proba(VoteMatrix(L, ["a", "b", "c", "d"])), want)


@needs_record
def test_partial_fit_chunks_are_matched_by_the_same_rule(tmp_path) -> None:
    L, _ = _votes()
    model = MatrixCompletion(cardinality=2).partial_fit(VoteMatrix(L[:120], GIVEN), seed=0)
    with pytest.raises(ValueError, match=r"partial_fit chunk.*missing \['lf_1'\], unknown \['lf_4'\]"):
        model.partial_fit(VoteMatrix(L[120:], EDITED), seed=0)
    model.save(tmp_path / "mc.npz")
    back = MatrixCompletion.load(tmp_path / "mc.npz")
    with pytest.raises(ValueError, match=r"partial_fit chunk.*missing \['lf_1'\], unknown \['lf_4'\]"):
        back.partial_fit(VoteMatrix(L[120:], EDITED), seed=0)
    back.partial_fit(L[120:], seed=0)  # a plain array: by position
    assert back.n_seen_ == 240


def test_dask_votes_follow_the_same_rule() -> None:
    da = pytest.importorskip("dask.array")
    from weaksup.dask_votes import DaskVotes

    L, _ = _votes()
    fitted = ["lf_1", "lf_0", "lf_2", "lf_3"]  # made up, reordered by select_lfs
    plain = DaskVotes(da.from_array(L[:, [1, 0, 2, 3]], chunks=(60, 4)), cardinality=2)
    out = align_lfs(plain, fitted, placeholder=True, plain=True)  # a dask array given as is: by position
    np.testing.assert_array_equal(out.array.compute(), L[:, [1, 0, 2, 3]])
    unnamed = DaskVotes(da.from_array(L, chunks=(60, 4)), cardinality=2)  # made-up names: reordered
    np.testing.assert_array_equal(align_lfs(unnamed, fitted, placeholder=True).array.compute(), L[:, [1, 0, 2, 3]])
    if hasattr(VoteMatrix, "placeholder_names"):
        named = DaskVotes(da.from_array(L, chunks=(60, 4)), EDITED, cardinality=2)
        with pytest.raises(ValueError, match=r"missing \['lf_1'\], unknown \['lf_4'\]"):
            align_lfs(named, GIVEN, placeholder=False)
