"""A long map-reduce EM fit on Dask votes shows a progress bar over its passes; the fit itself is unchanged.

Before, a streamed Dawid-Skene fit on Dask (58.8 s, 57 EM passes over 8 partitions) printed nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import dask  # noqa: E402

import weaksup.labelmodel as lm  # noqa: E402
from weaksup.dask_votes import DaskVotes  # noqa: E402
from weaksup.labelmodel import _dask  # noqa: E402
from weaksup.labelmodel.base import fit_progress  # noqa: E402

BAR = "DawidSkene EM on Dask (4 partitions)"


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def _votes(n: int = 400, m: int = 5, seed: int = 0) -> DaskVotes:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    L = np.where(rng.random((n, m)) < 0.7, y[:, None], rng.integers(0, 3, (n, m)))
    return DaskVotes(da.from_array(np.where(rng.random((n, m)) < 0.7, L, -1), chunks=(100, m)))


def _fitted_state(model: lm.DawidSkene) -> tuple:
    return model.n_iter_, model.class_balance_.tobytes(), np.asarray(model.lf_accuracies()).tobytes()


@pytest.mark.parametrize("hold", [True, False])  # the held distinct-row tables and the streamed EM
def test_em_fit_on_dask_past_the_delay_shows_a_bar_and_fits_the_same(client, capsys, monkeypatch, hold) -> None:
    V = _votes()
    with dask.config.set({_dask.EM_HOLD_KEY: hold}):
        quiet = lm.DawidSkene(max_iter=50).fit(V)
        assert BAR not in capsys.readouterr().err  # a short fit ends before the delay: nothing printed
        monkeypatch.setattr(_dask, "_PROGRESS_DELAY", 0.0, raising=False)  # as if the fit had run past the delay
        shown = lm.DawidSkene(max_iter=50).fit(V)
    err = capsys.readouterr().err
    assert BAR in err and "/50 [" in err and "pass" in err  # EM passes out of max_iter
    assert _fitted_state(shown) == _fitted_state(quiet)  # the bar only counts: bit-identical fit
    np.testing.assert_array_equal(shown.predict_proba(V).compute(), quiet.predict_proba(V).compute())


def test_em_bar_on_dask_is_off_under_fit_progress_false(client, capsys, monkeypatch) -> None:
    monkeypatch.setattr(_dask, "_PROGRESS_DELAY", 0.0)
    with fit_progress(False):
        lm.DawidSkene(max_iter=50).fit(_votes())
    assert BAR not in capsys.readouterr().err
