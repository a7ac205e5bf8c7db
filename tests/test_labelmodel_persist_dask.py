"""Label models on Dask behave as in memory (LFs matched by name, fit-time checks, refits), DaskVotes
checks its input as VoteMatrix does, and save/load keeps what partial_fit needs and refuses bad files.

Dask tests run on a real ``LocalCluster``, in-process (threads) and multi-process, small data.
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
from weaksup.synthetic import make_votes  # noqa: E402


@pytest.fixture(scope="module", params=["threads", "processes"])
def client(request):
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=request.param == "processes",
                                       dashboard_address=None)
    c = distributed.Client(cluster, set_as_default=True)
    yield c
    c.close()
    cluster.close()


def _named(n=1500, m=5, k=3, seed=7):
    L, y, _ = make_votes(n, m, k, seed=seed)
    names = [f"lf_{c}" for c in "abcdefgh"[:m]]
    return VoteMatrix(L.to_dense(), names, k), y


def _dask(L, rows=400):
    return DaskVotes(da.from_array(L.to_dense(), chunks=(rows, L.m)), L.lf_names, L.cardinality)


# ------------------------------------------------------------ DaskVotes input checks
def test_dask_votes_checks_names_and_cardinality_as_vote_matrix_does():
    A = np.array([[0, 1], [-1, 1], [1, 1], [0, -1]])
    X = da.from_array(A, chunks=(2, 2))
    for kwargs in ({"lf_names": ["a", "a"]}, {"lf_names": "ab"}, {"lf_names": ["a"]}, {"cardinality": 2.7},
                   {"cardinality": 0}):
        with pytest.raises((ValueError, TypeError)) as mem:
            VoteMatrix(A, **kwargs)
        with pytest.raises(type(mem.value)) as dsk:
            DaskVotes(X, **kwargs)
        assert str(dsk.value) == str(mem.value), kwargs
    wrapped = np.array([[255, 1], [0, 255]], dtype=np.uint8)  # -1 cast to uint8
    with pytest.raises(ValueError, match="dtype uint8 hold 255.*-1 \\(abstain\\) cast to uint8") as mem:
        VoteMatrix(wrapped)
    with pytest.raises(ValueError) as dsk:
        DaskVotes(da.from_array(wrapped, chunks=(1, 2)))
    assert str(dsk.value) == str(mem.value)
    assert DaskVotes(da.from_array(wrapped, chunks=(1, 2)), cardinality=256).cardinality == 256
    huge = np.zeros((6, 3), np.int32)
    huge[4, 2] = 70000
    with pytest.raises(ValueError, match="vote 70000 from LF 'c' \\(column 2\\) at row 4 would make 70001"):
        DaskVotes(da.from_array(huge, chunks=(2, 3)), ["a", "b", "c"])
