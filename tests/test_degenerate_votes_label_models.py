"""Label models on degenerate votes: no two LFs ever vote on the same row, an explicit class balance given to
AutoLabelModel's gold-free default, an LF that never votes, a class balance longer than the inferred classes.

* AbstainDawidSkene on votes that never overlap (one vote a row) warns that LF accuracies are not identified
  and follows each row's vote (EM drifted to near chance), whatever ``init``; AutoLabelModel's gold-free default
  says the same under its own name; votes with overlaps neither warn nor change;
* AutoLabelModel without valid labels reports the class_balance it was given (was uniform) and warns that
  majority vote decides; without class_balance it is unchanged and silent;
* MatrixCompletion.lf_accuracies() of an LF that never votes is 1/k (chance, as DawidSkene), not 1e-6;
* a class_balance longer than the classes inferred from the votes names the inference and cardinality=.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.labelmodel import AbstainDawidSkene, AutoLabelModel, DawidSkene, MajorityVote, MatrixCompletion
from weaksup.synthetic import make_votes

NO_OVERLAP = r"no row carries the votes of two"


def _one_vote_a_row(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """3 LFs 80% accurate, exactly one of them voting on each row (no row where two vote)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    L = -np.ones((n, 3), dtype=np.int64)
    L[np.arange(n), rng.integers(0, 3, n)] = np.where(rng.random(n) < 0.8, y, 1 - y)
    return L, y


@pytest.mark.parametrize("init", ["mv", "mv2"])
def test_abstain_ds_without_overlaps_warns_and_follows_the_votes(init):
    L, y = _one_vote_a_row()
    with pytest.warns(UserWarning, match=NO_OVERLAP) as rec:
        ads = AbstainDawidSkene(init=init).fit(L, seed=0)
    assert any("AbstainDawidSkene: 3 LFs" in str(w.message) for w in rec)
    # each covered row follows its one vote: majority vote's predictions (was 0.475 / 0.485 accuracy, MV 0.78)
    np.testing.assert_array_equal(ads.predict(L), L.max(1))
    np.testing.assert_array_equal(ads.predict(L), MajorityVote().fit(L).predict(L))
    assert ads.n_iter_ == 1


def test_auto_gold_free_without_overlaps_warns_by_name():
    L, _ = _one_vote_a_row()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        auto = AutoLabelModel().fit(L, seed=0)
    msgs = [str(w.message) for w in rec if "no row carries" in str(w.message)]
    assert len(msgs) == 1 and msgs[0].startswith("AutoLabelModel (its gold-free default 'GoldFree'"), msgs
    np.testing.assert_array_equal(auto.predict(L), L.max(1))


def test_auto_with_valid_labels_does_not_repeat_the_no_overlap_warning():
    L, y = _one_vote_a_row()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        AutoLabelModel().fit(L, valid=(L[:60], y[:60]), seed=0)
    assert not [w for w in rec if "no row carries" in str(w.message)]


def test_overlapping_votes_neither_warn_nor_stop_early():
    L, _, _ = make_votes(500, 5, 2, seed=0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ads = AbstainDawidSkene().fit(L, seed=0)
        AutoLabelModel().fit(L, seed=0)
    assert not [w for w in rec if "no row carries" in str(w.message)]
    assert ads.n_iter_ > 1


def _rare_positive_votes() -> np.ndarray:
    rng = np.random.default_rng(1)
    n = 3000
    y = (rng.random(n) < 0.01).astype(int)
    cols = []
    for acc in (0.9, 0.85, 0.95, 0.9):
        v = np.where(rng.random(n) < acc, y, 1 - y)
        v[rng.random(n) > 0.5] = -1
        cols.append(v)
    return np.stack(cols, 1)


def test_auto_gold_free_reports_the_given_class_balance_and_warns():
    L = _rare_positive_votes()
    with pytest.warns(UserWarning, match=r"gold-free default 'GoldFree' lets majority vote decide"):
        auto = AutoLabelModel().fit(L, class_balance=[0.999, 0.001], seed=0)
    np.testing.assert_allclose(auto.class_balance_, [0.999, 0.001])  # was [0.5, 0.5]


def test_auto_gold_free_without_class_balance_is_unchanged():
    L = _rare_positive_votes()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        auto = AutoLabelModel().fit(L, seed=0)
    assert not [w for w in rec if "lets majority vote decide" in str(w.message)]
    np.testing.assert_array_equal(auto.class_balance_, [0.5, 0.5])  # what a row without votes gets


@pytest.mark.parametrize("k", [2, 3])
def test_matrix_completion_accuracy_of_a_silent_lf_is_chance(k):
    rng = np.random.default_rng(0)
    n = 300
    y = rng.integers(0, k, n)
    L = np.stack([np.where(rng.random(n) < a, y, (y + 1) % k) for a in (0.8, 0.7, 0.75, 0.9)], 1)
    L[rng.random(L.shape) < 0.3] = -1
    L = np.column_stack([L, -np.ones(n, dtype=np.int64)])  # lf_4 never votes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mc = MatrixCompletion().fit(L, seed=0)
        ds = DawidSkene().fit(L, seed=0)
    acc = mc.lf_accuracies()
    assert acc[4] == pytest.approx(1.0 / k)  # was 1e-6: "always wrong"
    assert acc[4] == pytest.approx(ds.lf_accuracies()[4])
    assert np.all(acc[:4] > 1e-6)


def test_class_balance_longer_than_the_inferred_classes_names_cardinality():
    L = np.array([[0, 1, -1], [1, 1, 0], [0, 0, 1]] * 20)  # no LF votes class 2
    with pytest.raises(ValueError, match=r"expected \(2,\).*pass cardinality=3.*inferred from the largest class"):
        DawidSkene().fit(L, class_balance=[0.2, 0.3, 0.5])
