"""seed=None for label models: MatrixCompletion and EBCC record the seed they used as ``seed_``.

Unseeded, both drew a random start that was nowhere recorded (MatrixCompletion from numpy's global
generator, EBCC from OS entropy), so such a fit could not be repeated; now ``fit(L, seed=m.seed_)``
repeats it exactly, ``seed_`` is saved with the model, and the deterministic models stay so.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.labelmodel import EBCC, MatrixCompletion, available_models
from weaksup.synthetic import make_votes


@pytest.fixture(scope="module")
def votes():
    L, y, _ = make_votes(3000, 6, 3, propensities=0.5, seed=0)
    return L


def _fit(model, L, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(L, **kw)


@pytest.mark.parametrize("cls", [MatrixCompletion, lambda: EBCC(repeat=2, max_iter=50)],
                         ids=["MatrixCompletion", "EBCC"])
def test_unseeded_fit_records_a_seed_that_repeats_it(votes, cls) -> None:
    a = _fit(cls(), votes)
    assert isinstance(a.seed_, int) and 0 <= a.seed_ < 2**32
    b = _fit(cls(), votes, seed=a.seed_)
    assert b.seed_ == a.seed_
    np.testing.assert_array_equal(b.predict_proba(votes), a.predict_proba(votes))
    np.testing.assert_array_equal(b.mu_, a.mu_)
    assert _fit(cls(), votes, seed=7).seed_ == 7


def test_matrix_completion_unseeded_draws_from_numpy_global_generator(votes) -> None:
    np.random.seed(3)
    first = [_fit(MatrixCompletion(), votes).seed_ for _ in range(2)]
    np.random.seed(3)
    again = [_fit(MatrixCompletion(), votes).seed_ for _ in range(2)]
    assert first == again and first[0] != first[1]


@pytest.mark.parametrize("cls", [MatrixCompletion, lambda: EBCC(repeat=1, max_iter=20)],
                         ids=["MatrixCompletion", "EBCC"])
def test_seed_is_saved_and_old_files_load(votes, cls, tmp_path) -> None:
    m = _fit(cls(), votes)
    m.save(tmp_path / "m.npz")
    loaded = type(m).load(tmp_path / "m.npz")
    assert loaded.seed_ == m.seed_ and isinstance(loaded.seed_, int)
    meta, arrays = m._state()
    del meta["json_attrs"]["seed_"]  # a file written before seed_ was recorded
    old = type(m)._from_state(meta, arrays)
    assert old.seed_ is None
    np.testing.assert_array_equal(old.predict_proba(votes), m.predict_proba(votes))


@pytest.mark.parametrize("name", ["MajorityVote", "WeightedMajorityVote", "DawidSkene", "AbstainDawidSkene",
                                  "FlyingSquid"])
def test_the_other_models_are_deterministic_unseeded(votes, name) -> None:
    """docs/label_models.md: every label model but MatrixCompletion and EBCC ignores the seed."""
    cls = available_models()[name]
    a, b, c = _fit(cls(), votes), _fit(cls(), votes), _fit(cls(), votes, seed=5)
    np.testing.assert_array_equal(a.predict_proba(votes), b.predict_proba(votes))
    np.testing.assert_array_equal(a.predict_proba(votes), c.predict_proba(votes))
    assert "seed_" not in vars(a)
