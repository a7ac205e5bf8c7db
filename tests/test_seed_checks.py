"""The ``seed`` of the fits outside the classification label models and end models: LabelLearningFlow
(FeatureLabelModel), the sequence label models (TokenMajorityVote, TokenDawidSkene, HMM), CRFTagger and
UniversalLabelModel.

Each takes None or an int in ``[0, 2**32 - 1]`` (numpy ints too), checked first by
:func:`weaksup._validation.check_seed`: a str, float or bool is a TypeError, an int out of range a ValueError, both
naming ``<Model>.fit`` and the value, before any work (an unfitted model stays unfitted, a fitted one keeps its fit).
Before, most took any value silently (``seed='a'``, ``-1``, ``2.5``), LabelLearningFlow truncated ``2.5`` to 2 and
failed on ``'a'`` with "invalid literal for int()", TokenDawidSkene's error named DawidSkene, and
UniversalLabelModel failed in numpy ("SeedSequence expects int") only when it drew a triplet subset.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.flows import LabelLearningFlow, estimate_error_bounds
from weaksup.sequence import (
    HMM,
    CRFTagger,
    SpanLabelingFunction,
    TokenDawidSkene,
    TokenMajorityVote,
    apply_span_lfs,
    regex_span_lf,
)
from weaksup.synthetic import make_votes
from weaksup.universal import RealSpace, UniversalLabelModel, make_synthetic

L, Y, _ = make_votes(300, 4, 3, seed=0)
X = np.eye(3)[Y] * 3 + np.random.default_rng(0).normal(size=(300, 3))
_PERSON = regex_span_lf("two_caps", "[A-Z][a-z]+ [A-Z][a-z]+", "PER")
_CITIES = SpanLabelingFunction("cities",
                               lambda x: [(i, i + 1) for i, t in enumerate(x.tokens) if t in {"Paris", "Rome"}],
                               entity_type="LOC")
SV = apply_span_lfs(["Ada Lovelace left Paris", "Rome", "Ada Lovelace met Rome people", "Paris and Rome"] * 5,
                    [_PERSON, _CITIES], progress=False)
SENTS = [["aspirin", "helps"], ["take", "aspirin"], ["nothing", "here"]] * 5
TAGS = [["B-Chem", "O"], ["O", "B-Chem"], ["O", "O"]] * 5
UV, UY = make_synthetic(RealSpace(1), [2.0, 1.0, 0.5, 0.25, 1.5, 0.7], n=3000, seed=0)

# name -> (new model, fit(model, seed), fitted output, a fitted attribute)
FAMILIES = {
    "LabelLearningFlow": (lambda: LabelLearningFlow(n_epochs=2), lambda m, s: m.fit(L, X, seed=s),
                          lambda m: m.predict_proba(L, X), "flow_params_"),
    "TokenMajorityVote": (TokenMajorityVote, lambda m, s: m.fit(SV, seed=s), lambda m: m.predict_proba(SV),
                          "lf_names_"),
    "TokenDawidSkene": (TokenDawidSkene, lambda m, s: m.fit(SV, seed=s), lambda m: m.predict_proba(SV), "lf_names_"),
    "HMM": (HMM, lambda m, s: m.fit(SV, seed=s), lambda m: m.predict_proba(SV), "lf_names_"),
    "CRFTagger": (lambda: CRFTagger(max_iter=20), lambda m, s: m.fit(SENTS, TAGS, seed=s),
                  lambda m: m.predict_proba(SENTS), "tag_names_"),
    # max_triplets=5 < the 20 triplets of 6 LFs: the seed draws the subset
    "UniversalLabelModel": (lambda: UniversalLabelModel(RealSpace(1), max_triplets=5), lambda m, s: m.fit(UV, seed=s),
                            lambda m: m.theta_, "theta_"),
}

BAD_SEEDS = [("a", TypeError, "got the str 'a'"), (2.5, TypeError, "got the float 2.5"),
             (True, TypeError, "got the bool True"), (-1, ValueError, "got -1"),
             (2**32, ValueError, "got 4294967296")]


def _quiet(fit, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args, **kw)


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("seed, error, got", BAD_SEEDS, ids=lambda v: repr(v) if not isinstance(v, str) else v)
def test_fit_refuses_a_bad_seed_naming_the_model_before_any_work(family, seed, error, got):
    # before: taken silently by all but LabelLearningFlow ('a': "invalid literal for int()", 2.5: trained with
    # seed 2, -1: estimate_error_bounds's unnamed error) and TokenDawidSkene (its error named DawidSkene.fit)
    new, fit, _, attr = FAMILIES[family]
    model = new()
    with pytest.raises(error, match=rf"^{family}\.fit: seed must be None or an int in \[0, 4294967295\], {got}$"):
        fit(model, seed)
    assert not hasattr(model, attr)
    # a fitted model keeps its fit
    fitted = _quiet(fit, new(), 0)
    before = np.array(getattr(fitted, attr), copy=True)
    with pytest.raises(error, match=rf"{family}\.fit: seed must be"):
        fit(fitted, seed)
    np.testing.assert_array_equal(getattr(fitted, attr), before)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_numpy_int_seeds_give_the_same_fit(family):
    new, fit, out, _ = FAMILIES[family]
    a = out(_quiet(fit, new(), 7))
    for s in (np.int64(7), np.uint32(7)):
        np.testing.assert_array_equal(out(_quiet(fit, new(), s)), a)
    _quiet(fit, new(), 2**32 - 1)  # the top of the range is taken
    _quiet(fit, new(), None)


def test_universal_seed_draws_the_triplet_subset():
    # the seed is used (with max_triplets below the triplet count), so the check does not only guard a no-op
    new, fit, out, _ = FAMILIES["UniversalLabelModel"]
    thetas = {tuple(out(fit(new(), s))) for s in range(6)}
    assert len(thetas) > 1


def test_flow_sample_refuses_a_bad_seed():
    # before: sample(X, seed='a') failed with "invalid literal for int() with base 10: 'a'" and 2.5 drew with seed 2
    llf = _quiet(LabelLearningFlow(n_epochs=1).fit, L, X)
    with pytest.raises(TypeError, match=r"LabelLearningFlow\.sample: seed must be None or an int .* got the float 2.5"):
        llf.sample(X[:3], 2, seed=2.5)
    with pytest.raises(TypeError, match=r"LabelLearningFlow\.sample: .* got the str 'a'"):
        llf.sample(X[:3], 2, seed="a")
    np.testing.assert_array_equal(llf.sample(X[:3], 2, seed=np.int64(4)), llf.sample(X[:3], 2, seed=4))


def test_estimate_error_bounds_refuses_a_seed_above_the_range_instead_of_falling_back():
    # before: seed=2**32 passed its own check, DawidSkene.fit refused it with a ValueError, and "auto" caught that and
    # silently used the "majority" bounds
    with pytest.raises(ValueError, match=r"estimate_error_bounds: seed must be None or an int >= 0 "
                                         r"\(at most 4294967295\), got 4294967296"):
        estimate_error_bounds(L, seed=2**32)
    assert _quiet(estimate_error_bounds, L, seed=2**32 - 1)[1] == "DawidSkene"


# ------------------------------------------------------------------ error bounds: one reading per shape
def test_constraint_penalties_refuses_a_1d_bound_vector_when_lfs_and_classes_are_as_many():
    # before: with m = k = 3, constraint_penalties read a (3,) vector per class and LabelLearningFlow.fit(error_bounds=)
    # per LF: ws 0.088 for the vector against 0.0084 for the bounds the fit used, with no error
    from weaksup.flows import constraint_penalties

    L3, y3, _ = make_votes(300, 3, 3, seed=0)
    X3 = np.eye(3)[y3] * 3 + np.random.default_rng(0).normal(size=(300, 3))
    Yh = np.eye(3)[y3]
    vec = np.array([0.05, 0.3, 0.6])
    llf = _quiet(LabelLearningFlow(n_epochs=1).fit, L3, X3, seed=0, error_bounds=vec)
    np.testing.assert_array_equal(llf.error_bounds_, np.repeat(vec[:, None], 3, axis=1))  # per LF, as documented
    with pytest.raises(ValueError, match=r"bounds is a 1-d vector of length 3 and the votes have m = k = 3 LFs and "
                                         r"classes: .* pass \(1, 3\) for the same per-class bounds on every LF or "
                                         r"\(3, 1\) for one bound per LF"):
        constraint_penalties(Yh, L3, vec)
    # the unambiguous shapes give what they did
    per_lf = constraint_penalties(Yh, L3, vec[:, None])
    assert per_lf == constraint_penalties(Yh, L3, llf.error_bounds_)
    assert constraint_penalties(Yh, L3, vec[None, :])["ws"] > 5 * per_lf["ws"]
    # with m != k a (k,) vector is still per class, the same as (1, k)
    L4, y4, _ = make_votes(300, 4, 3, seed=0)
    Y4 = np.eye(3)[y4]
    assert constraint_penalties(Y4, L4, vec) == constraint_penalties(Y4, L4, vec[None, :])


def test_predict_and_score_refuse_a_bad_seed_whatever_the_tie_rule():
    # before: predict(seed='a') / score(seed=-1) with the default "random" rule were taken silently, and the same
    # call with tie_break="true-random" failed deep in numpy ("SeedSequence expects int or sequence of ints")
    from weaksup.labelmodel import MajorityVote
    from weaksup.metrics import probs_to_preds

    mv = MajorityVote().fit(L)
    llf = _quiet(LabelLearningFlow(n_epochs=1).fit, L, X)
    ulm = _quiet(UniversalLabelModel(RealSpace(1)).fit, UV)
    calls = {"MajorityVote.predict": lambda s: mv.predict(L, seed=s),
             "MajorityVote.score": lambda s: mv.score(L, Y, seed=s),
             "LabelLearningFlow.predict": lambda s: llf.predict(L, X, seed=s),
             "UniversalLabelModel.predict": lambda s: ulm.predict(UV, seed=s),
             "probs_to_preds": lambda s: probs_to_preds([[0.5, 0.5]], seed=s)}
    for where, call in calls.items():
        for seed, error, got in BAD_SEEDS:
            with pytest.raises(error, match=rf"^{where}: seed must be None or an int in \[0, 4294967295\], {got}$"):
                call(seed)
        call(None)
        call(np.int64(3))
    # valid seeds give what they gave before
    np.testing.assert_array_equal(mv.predict(L, tie_break="true-random", seed=np.uint32(5)),
                                  mv.predict(L, tie_break="true-random", seed=5))
