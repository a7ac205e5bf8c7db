"""The snorkel compat ``LabelModel.get_weights`` / ``get_conditional_probs`` return snorkel 0.10's values.

snorkel's weights divide by the LF's coverage, so an LF that never votes gets 1.0 (clipped), not the native
``lf_accuracies()``'s ``1/k``; its conditional table's abstain row is ``1 - Σ mu`` unclipped, so it can be
negative and every column sums to 1 (the native ``MatrixCompletion`` clips it to 0).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

snorkel_lm = pytest.importorskip("snorkel.labeling.model")
pytest.importorskip("torch")

from weaksup.compat.snorkel.labeling.model import LabelModel  # noqa: E402


def _random_votes(seed: int) -> tuple[np.ndarray, int, dict]:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 5))
    n, m = int(rng.integers(8, 30)), int(rng.integers(3, 6))
    L = rng.integers(-1, k, size=(n, m))
    L[rng.random((n, m)) < rng.uniform(0.2, 0.6)] = -1
    if seed % 3 == 0:
        L[:, int(rng.integers(m))] = -1  # an LF that never votes
    fit = {"n_epochs": 100, "seed": int(rng.integers(1000)), "progress_bar": False,
           "optimizer": ["sgd", "adam"][seed % 2], "lr_scheduler": ["constant", "step"][(seed // 2) % 2]}
    return L, k, fit


def _fit_both(L: np.ndarray, k: int, fit: dict) -> tuple:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            theirs = snorkel_lm.LabelModel(cardinality=k, verbose=False)
            theirs.fit(L, **fit)
            ours = LabelModel(cardinality=k, verbose=False)
            ours.fit(L, **fit)
        finally:
            logging.disable(logging.NOTSET)
    return ours, theirs


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.parametrize("seed", range(30))
def test_weights_and_conditional_probs_are_snorkels(seed):
    L, k, fit = _random_votes(seed)
    ours, theirs = _fit_both(L, k, fit)
    np.testing.assert_allclose(ours.get_conditional_probs(), theirs.get_conditional_probs(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.get_conditional_probs().sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(ours.get_weights(), theirs.get_weights(), rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_an_lf_that_never_votes_gets_snorkels_weight_not_chance():
    L = np.array([[-1, 1, 1], [-1, 3, -1], [-1, 0, 1], [-1, -1, -1], [-1, 2, 0]])
    ours, theirs = _fit_both(L, 4, {"n_epochs": 50, "optimizer": "adam", "seed": 600, "progress_bar": False})
    assert theirs.get_weights()[0] == 1.0
    np.testing.assert_allclose(ours.get_weights(), theirs.get_weights(), rtol=1e-4, atol=1e-5)
    assert ours.model_.lf_accuracies()[0] == pytest.approx(0.25)  # the native model keeps chance, 1/k


def test_a_negative_abstain_probability_is_kept_like_snorkel():
    L = np.array([[2, 3, 0, 3], [2, 2, 1, -1], [2, 3, -1, 2], [3, 3, 3, 2], [2, 1, 2, 0], [2, -1, 1, 3],
                  [-1, 2, 2, 1], [2, 1, 0, -1], [3, 2, -1, 0], [3, -1, 2, 3], [0, 2, 2, 0], [0, 1, 1, 1]])
    ours, theirs = _fit_both(L, 4, {"n_epochs": 50, "lr_scheduler": "step", "seed": 888, "progress_bar": False})
    expected = theirs.get_conditional_probs()
    assert expected[1, 0].min() < 0
    np.testing.assert_allclose(ours.get_conditional_probs(), expected, rtol=1e-4, atol=1e-5)
    assert ours.model_.get_conditional_probs().min() >= 0  # the native table stays clipped
