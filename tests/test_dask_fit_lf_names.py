"""A fit on Dask votes records whether the LF names were given, as the in-memory fit does.

Before, the Dask fit recorded nothing, so LFs really named ``lf_0 .. lf_3`` fitted on Dask were taken for made-up
names (the ``lf_0 ..`` pattern rule): votes with ``lf_1`` dropped and ``lf_4`` appended were read by position
instead of refused, in predict, in ``valid=`` and in the ``partial_fit`` stream.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import weaksup.labelmodel as lm  # noqa: E402
from weaksup import VoteMatrix  # noqa: E402
from weaksup.dask_votes import DaskVotes  # noqa: E402

NAMES = ["lf_0", "lf_1", "lf_2", "lf_3"]  # given names that happen to look like the made-up ones
OTHER = ["lf_0", "lf_2", "lf_3", "lf_4"]  # lf_1 dropped, lf_4 appended
REFUSED = r"missing \['lf_1'\], unknown \['lf_4'\]"


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def _votes(n: int = 240, m: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    L = np.where(rng.random((n, m)) < 0.8, y[:, None], 1 - y[:, None])
    return np.where(rng.random((n, m)) < 0.7, L, -1), y


def _dask(L: np.ndarray, names: list[str] | None) -> DaskVotes:
    return DaskVotes(da.from_array(L, chunks=(60, L.shape[1])), names)


@pytest.mark.parametrize("model", ["MajorityVote", "DawidSkene"])  # the reduced-statistics and map-reduce EM paths
def test_lfs_really_named_lf_j_are_matched_by_name_after_a_dask_fit(client, model) -> None:
    L, _ = _votes()
    fitted = getattr(lm, model)().fit(_dask(L, NAMES), seed=0)
    in_memory = getattr(lm, model)().fit(VoteMatrix(L, NAMES), seed=0)
    for m in (in_memory, fitted):
        with pytest.raises(ValueError, match=REFUSED):
            m.predict_proba(VoteMatrix(L, OTHER))
        with pytest.raises(ValueError, match=REFUSED):
            m.predict_proba(_dask(L, OTHER))
    assert fitted._lf_names_placeholder_ is False
    # the same named LFs in another order are reordered, in memory and on Dask
    perm = [2, 0, 3, 1]
    expected = fitted.predict_proba(VoteMatrix(L, NAMES))
    np.testing.assert_array_equal(fitted.predict_proba(VoteMatrix(L[:, perm], [NAMES[j] for j in perm])), expected)
    np.testing.assert_array_equal(fitted.predict_proba(_dask(L[:, perm], [NAMES[j] for j in perm])).compute(),
                                  expected)
    # the Dask fit sums the partitions' counts in another order: equal up to the last bits
    np.testing.assert_allclose(expected, in_memory.predict_proba(VoteMatrix(L, NAMES)), atol=1e-9)


def test_dask_fit_of_unnamed_votes_still_reads_plain_arrays_by_position(client) -> None:
    L, _ = _votes()
    fitted = lm.MajorityVote().fit(_dask(L, None))
    assert fitted._lf_names_placeholder_ is True
    np.testing.assert_array_equal(fitted.predict_proba(L), lm.MajorityVote().fit(L).predict_proba(L))
    np.testing.assert_array_equal(fitted.predict_proba(VoteMatrix(L, OTHER)), fitted.predict_proba(L))


def test_dask_fit_valid_votes_matched_by_whether_names_were_given(client) -> None:
    L, y = _votes()
    with pytest.raises(ValueError, match=REFUSED):
        lm.DawidSkene().fit(_dask(L, NAMES), valid=(VoteMatrix(L[:40], OTHER), y[:40]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = lm.DawidSkene().fit(_dask(L, NAMES), valid=(VoteMatrix(L[:40], NAMES), y[:40]))
    assert ok.n_lfs_ == 4


def test_partial_fit_stream_of_dask_votes_records_given_names(client, tmp_path) -> None:
    L, _ = _votes()
    model = lm.MajorityVote().partial_fit(_dask(L, NAMES))
    with pytest.raises(ValueError, match=REFUSED):
        model.partial_fit(VoteMatrix(L, OTHER))
    assert model._stream["lf_placeholder"] is False and model._lf_names_placeholder_ is False
    fitted = lm.MajorityVote().fit(_dask(L, NAMES))
    assert fitted._stream["lf_placeholder"] is False
    fitted.save(tmp_path / "mv")
    loaded = lm.MajorityVote.load(tmp_path / "mv")
    with pytest.raises(ValueError, match=REFUSED):
        loaded.predict_proba(VoteMatrix(L, OTHER))
    with pytest.raises(ValueError, match=REFUSED):
        loaded.partial_fit(VoteMatrix(L, OTHER))
