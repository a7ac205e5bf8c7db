"""A long EBCC fit shows a tqdm bar (the project's rule for long work); a short one prints nothing."""

from __future__ import annotations

import numpy as np

from weaksup.labelmodel import EBCC


def _votes(n: int = 400, m: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    L = np.where(rng.random((n, m)) < 0.75, y[:, None], 1 - y[:, None])
    return np.where(rng.random((n, m)) < 0.6, L, -1)


def test_ebcc_fit_past_the_delay_shows_a_bar(capsys) -> None:
    model = EBCC(repeat=2, max_iter=200)
    model._progress_delay = 0.0  # as if the fit had run past the delay
    model.fit(_votes(), seed=0)
    err = capsys.readouterr().err
    assert "EBCC restart 1/2" in err and "/400 [" in err  # restarts x max_iter iterations


def test_ebcc_short_fit_prints_nothing_and_bar_does_not_change_the_fit(capsys) -> None:
    L = _votes()
    quiet = EBCC(repeat=2, max_iter=200).fit(L, seed=0)
    assert capsys.readouterr().err == ""
    shown = EBCC(repeat=2, max_iter=200)
    shown._progress_delay = 0.0
    shown.fit(L, seed=0)
    np.testing.assert_array_equal(quiet.predict_proba(L), shown.predict_proba(L))
    assert quiet.n_iter_ == shown.n_iter_ and quiet.elbo_ == shown.elbo_


def test_ebcc_bar_is_off_under_fit_progress_false_and_in_the_bench(capsys, monkeypatch) -> None:
    from weaksup.bench.runner import run
    from weaksup.labelmodel.base import fit_progress

    model = EBCC(repeat=2, max_iter=200)
    model._progress_delay = 0.0
    with fit_progress(False):
        model.fit(_votes(), seed=0)
    assert "EBCC restart" not in capsys.readouterr().err
    monkeypatch.setattr(EBCC, "_progress_delay", 0.0)  # every EBCC the bench makes, as if it ran past the delay
    run(["youtube"], ["EBCC"], seeds=1, progress=False)
    assert "EBCC restart" not in capsys.readouterr().err
