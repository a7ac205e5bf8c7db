"""Bad input to AutoLabelModel (candidates, metric), to the ``seed`` of every fit and to ``check_targets``; and
AutoLabelModel's copied-LF warning, which names the model it chose.

Each bad input is refused at the start of the fit with an error naming the model or argument and the value;
valid input gives the same answers as before (same seeds, same candidates written either way).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.endmodel import LogisticRegression
from weaksup.endmodel.base import check_targets
from weaksup.labelmodel import (
    AbstainDawidSkene,
    AutoLabelModel,
    DawidSkene,
    EBCC,
    FlyingSquid,
    MajorityVote,
    MatrixCompletion,
    WeightedMajorityVote,
)
from weaksup.labelmodel.registry import AUTO_CANDIDATES
from weaksup.synthetic import make_votes
from weaksup.votes import VoteMatrix

LABEL_MODELS = [MajorityVote, WeightedMajorityVote, DawidSkene, AbstainDawidSkene, FlyingSquid, MatrixCompletion,
                EBCC]


def _quiet_fit(model, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(*args, **kw)


@pytest.fixture(scope="module")
def votes2():
    L, y, _ = make_votes(600, 6, 2, seed=0)
    Ld, yd, _ = make_votes(200, 6, 2, seed=1)
    return L, y, Ld, yd


# ------------------------------------------------------------------ AutoLabelModel(candidates=...)
@pytest.mark.parametrize("candidates, match", [
    # the reported cases: a 2-character name was unpacked into 4 fields, a long one failed with "too many values",
    # 'Nope' was read per character ("unknown label model 'o'")
    (["MV", "Nope"], r"candidates\[1\] = 'Nope' is neither a default candidate .* nor a registered label model"),
    ([("a", "DawidSkene", {})], r"candidates\[0\] must be a 4-tuple \(name, class name, params, "
                                r"trains_on_valid_labels\).*got a tuple of length 3"),
    ([5], r"candidates\[0\] must be a 4-tuple .*got the int 5"),
    ([("a", "DawidSkene", {}, "yes")], r"candidates\[0\]: its trains_on_valid_labels must be a bool, got the str"),
    ([("a", "DawidSkene", [], False)], r"candidates\[0\]: its params must be a dict of parameters, got the list"),
    ([(1, "DawidSkene", {}, False)], r"candidates\[0\]: its name must be a str, got the int 1"),
    ([("a", "Nope", {}, False)], r"candidate 'a': unknown label model 'Nope'; choose from \['MajorityVote'"),
    (["MV", "ds", "MV"], r"candidates\[2\] and candidates\[0\] are both named 'MV'"),
])
def test_auto_refuses_malformed_candidates_naming_the_entry(votes2, candidates, match):
    L, _, Ld, yd = votes2
    auto = AutoLabelModel(candidates=candidates, fallback="MV")
    with pytest.raises(ValueError, match=match):
        auto.fit(L, valid=(Ld, yd), seed=0)
    assert not hasattr(auto, "chosen_")


def test_auto_takes_candidate_names_as_the_entries_they_name(votes2):
    # 'MV' and 'DS-semi' are default candidates' names (that candidate), 'ds' a registry alias (DawidSkene with its
    # defaults, named as given): the same scores and choice as the 4-tuples written out
    L, _, Ld, yd = votes2
    by_name = _quiet_fit(AutoLabelModel(candidates=["MV", "ds", "DS-semi"], fallback="MV"), L, valid=(Ld, yd), seed=0)
    ds_semi = next(c for c in AUTO_CANDIDATES if c.label == "DS-semi")
    by_tuple = _quiet_fit(AutoLabelModel(candidates=[("MV", "MajorityVote", {}, False),
                                                     ("ds", "DawidSkene", {}, False), ds_semi.as_tuple()],
                                         fallback="MV"), L, valid=(Ld, yd), seed=0)
    by_spec = _quiet_fit(AutoLabelModel(candidates=[AUTO_CANDIDATES[0], ("ds", "DawidSkene", {}, False), ds_semi],
                                        fallback="MV"), L, valid=(Ld, yd), seed=0)
    assert list(by_name.valid_scores_) == ["MV", "ds", "DS-semi"]
    assert by_name.valid_scores_ == by_tuple.valid_scores_ == by_spec.valid_scores_
    assert by_name.chosen_ == by_tuple.chosen_ == by_spec.chosen_
    np.testing.assert_array_equal(by_name.predict_proba(L), by_tuple.predict_proba(L))
    # without valid labels: the fallback, named as in the list
    gold_free = _quiet_fit(AutoLabelModel(candidates=["MV", "DS"], fallback="DS"), L, seed=0)
    assert gold_free.chosen_ == "DS" and type(gold_free.model_) is DawidSkene
    with pytest.raises(ValueError, match=r"fallback 'GoldFree' is not among the candidates \['MV', 'DS'\].*"
                                         r"pass fallback= the name of one of the candidates"):
        AutoLabelModel(candidates=["MV", "DS"]).fit(L)


# ------------------------------------------------------------------ AutoLabelModel(metric=...)
def test_auto_tries_a_binary_metric_on_the_classes_before_fitting():
    # 3-class votes with valid labels of classes 0 and 1 only: the old code fitted MV and failed on its predictions
    # ("y_pred: value 2 ..."); the metric is now tried on the 3 class ids before any candidate is fitted
    L3, _, _ = make_votes(600, 6, 3, seed=0)
    Ld, yd, _ = make_votes(300, 6, 3, seed=1)
    keep = np.nonzero(yd < 2)[0]
    auto = AutoLabelModel(metric="f1_binary")
    with pytest.raises(ValueError, match=r"AutoLabelModel: metric 'f1_binary' cannot score the valid predictions of "
                                         r"3-class votes \(tried on the class ids 0..2 before fitting\)"):
        auto.fit(L3, valid=(Ld[keep], yd[keep]), seed=0)
    assert not hasattr(auto, "chosen_")
    # binary votes: scored as before; without valid labels the metric is not used
    L, y, _ = make_votes(600, 6, 2, seed=0)
    assert _quiet_fit(AutoLabelModel(metric="f1_binary"), L, valid=(L[:200], y[:200]), seed=0).chosen_
    assert _quiet_fit(AutoLabelModel(metric="f1_binary"), L3, seed=0).chosen_ == "GoldFree"


# ------------------------------------------------------------------ AutoLabelModel's copied-LF warning
def _copied_votes():
    L, y, _ = make_votes(20000, 5, 2, accuracies=[0.6, 0.8, 0.8, 0.75, 0.85], propensities=0.5,
                         class_balance=[0.7, 0.3], seed=0)
    D = L.to_dense()
    return VoteMatrix(np.hstack([D] + [D[:, :1]] * 5), L.lf_names + [f"lf_0_copy{i}" for i in range(5)]), y


def _copy_warnings(model, *args, **kw):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(*args, seed=0, **kw)
    return [str(w.message) for w in record if "copies or near-copies" in str(w.message)]


def test_auto_copied_lf_warning_names_the_model_it_chose():
    Lc, y = _copied_votes()
    msgs = _copy_warnings(AutoLabelModel(), Lc)  # gold-free: the GoldFree candidate (AbstainDawidSkene)
    assert len(msgs) == 1
    assert "AutoLabelModel chose 'GoldFree' (AbstainDawidSkene), which takes the LFs to vote independently" in msgs[0]
    assert "AutoLabelModel takes the LFs" not in msgs[0]
    assert "'lf_0'" in msgs[0] and "lf_redundancy" in msgs[0]
    # a choice of majority vote estimates nothing from the LFs' agreement: no warning, as MajorityVote gives none
    assert _copy_warnings(AutoLabelModel(candidates=["MV"], fallback="MV"), Lc) == []
    auto = AutoLabelModel(candidates=["MV", "DS"], fallback="MV")
    msgs = _copy_warnings(auto, Lc, valid=(Lc[:2000], y[:2000]))
    assert msgs == [] if auto.chosen_ == "MV" else ("AutoLabelModel chose 'DS' (DawidSkene)" in msgs[0])


# ------------------------------------------------------------------ seed
BAD_SEEDS = [("a", TypeError, "got the str 'a'"), (1.5, TypeError, "got the float 1.5"),
             (True, TypeError, "got the bool True"), (-1, ValueError, "got -1"), (2**32, ValueError, "got 4294967296")]


@pytest.mark.parametrize("model", LABEL_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("seed, error, got", BAD_SEEDS, ids=lambda v: repr(v) if not isinstance(v, str) else v)
def test_label_model_fit_refuses_a_bad_seed_naming_the_model(votes2, model, seed, error, got):
    # before: accepted silently by the models that draw nothing at random, a bare numpy error in MatrixCompletion
    # ("Cannot cast scalar from dtype('<U1')") and EBCC ("SeedSequence expects int ...")
    L = votes2[0]
    m = model()
    with pytest.raises(error, match=rf"{model.__name__}\.fit: seed must be None or an int in \[0, 4294967295\], "
                                    rf"{got}"):
        m.fit(L, seed=seed)
    assert not hasattr(m, "n_lfs_")


def test_partial_fit_and_auto_refuse_a_bad_seed(votes2):
    L = votes2[0]
    with pytest.raises(TypeError, match=r"MatrixCompletion\.partial_fit: seed must be None or an int"):
        MatrixCompletion().partial_fit(L, seed="a")
    with pytest.raises(TypeError, match=r"AutoLabelModel\.fit: seed must be None or an int .* got the str 'a'"):
        AutoLabelModel().fit(L, seed="a")


@pytest.mark.parametrize("model", [DawidSkene, MatrixCompletion, EBCC], ids=lambda m: m.__name__)
def test_numpy_int_seeds_give_the_same_fit(votes2, model):
    L = votes2[0]
    a = _quiet_fit(model(), L, seed=7).predict_proba(L)
    b = _quiet_fit(model(), L, seed=np.int64(7)).predict_proba(L)
    c = _quiet_fit(model(), L, seed=np.uint32(7)).predict_proba(L)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_end_model_fit_refuses_a_bad_seed_naming_the_model():
    # before: "invalid literal for int() with base 10: 'a'"
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    for seed, error, got in BAD_SEEDS:
        with pytest.raises(error, match=rf"LogisticRegression\.fit: seed must be None or an int in "
                                        rf"\[0, 4294967295\], {got}"):
            LogisticRegression().fit(X, y, seed=seed)
    with pytest.raises(ValueError, match=r"LogisticRegression: parameter 'seed' must be None or an int in "
                                         r"\[0, 4294967295\]; got -1"):
        LogisticRegression(seed=-1).fit(X, y)
    a = LogisticRegression().fit(X, y, seed=3).predict_proba(X)
    b = LogisticRegression(seed=np.int64(3)).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_cosine_fit_refuses_a_bad_seed_naming_cosine():
    # Cosine overrides fit: its error said "fit: seed must be ..." without the model, after the input checks
    from weaksup.endmodel import MLP, Cosine

    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    for seed, error, got in BAD_SEEDS:
        with pytest.raises(error, match=rf"Cosine\.fit: seed must be None or an int in \[0, 4294967295\], {got}"):
            Cosine(MLP(hidden_sizes=(4,)), self_training_steps=1).fit(X, y, seed=seed)


# ------------------------------------------------------------------ check_targets
def test_check_targets_requires_an_int_row_count():
    # before: "X has 2 rows but y has 2" (the string '2' compared with the length)
    with pytest.raises(TypeError, match=r"check_targets: n \(the rows of X\) must be an int >= 0 \(a count\), "
                                        r"got the str '2'"):
        check_targets([0, 1], "2")
    P, keep = check_targets([0, 1], np.int64(2))
    assert P.tolist() == [[1.0, 0.0], [0.0, 1.0]] and keep.tolist() == [0, 1]
