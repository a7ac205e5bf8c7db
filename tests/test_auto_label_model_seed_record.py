"""An unseeded AutoLabelModel with valid labels records the one seed its candidates were fitted with.

Before, each MatrixCompletion/EBCC candidate (and each cross-fitting fold) drew its own seed, none recorded,
so an unseeded selection could not be repeated.
"""

from __future__ import annotations

import numpy as np

from weaksup.labelmodel import AutoLabelModel
from weaksup.synthetic import make_votes


def _task():
    L, _, _ = make_votes(3000, 6, 3, seed=0)
    Ld, yd, _ = make_votes(200, 6, 3, seed=1)
    return L, (Ld, yd)


def test_unseeded_fit_with_valid_records_a_seed_that_repeats_it(tmp_path):
    L, valid = _task()
    auto = AutoLabelModel().fit(L, valid=valid)
    assert isinstance(auto.seed_, int)
    again = AutoLabelModel().fit(L, valid=valid, seed=auto.seed_)
    assert again.chosen_ == auto.chosen_ and again.valid_scores_ == auto.valid_scores_
    assert np.array_equal(again.predict_proba(L), auto.predict_proba(L))
    np.random.seed(7)
    first = AutoLabelModel().fit(L, valid=valid).seed_
    np.random.seed(7)
    assert AutoLabelModel().fit(L, valid=valid).seed_ == first  # drawn from numpy's global generator
    path = tmp_path / "auto.npz"
    auto.save(path)
    assert AutoLabelModel.load(path).seed_ == auto.seed_


def test_seeded_and_gold_free_fits_record_their_seed():
    L, valid = _task()
    assert AutoLabelModel().fit(L, valid=valid, seed=3).seed_ == 3
    assert AutoLabelModel().fit(L).seed_ is None  # the gold-free default draws no seed
    assert AutoLabelModel().fit(L, seed=5).seed_ == 5
    assert isinstance(AutoLabelModel(fallback="MC").fit(L).seed_, int)  # the fallback's own drawn seed
