"""The label-model contract for feature-conditioned (flows), value (universal) and HMM models: valid votes
matched by name, fit checks, a failed fit changes nothing, pickling, load checks, LF-order invariance."""

from __future__ import annotations

import numpy as np
import pytest

from weaksup.flows import LabelLearningFlow
from weaksup.synthetic import make_votes
from weaksup.votes import VoteMatrix

FLOW_KW = dict(n_epochs=2, n_flows=2, hidden=8)


@pytest.fixture(scope="module")
def flow_task():
    L, y, _ = make_votes(400, 5, 2, seed=1, accuracies=[0.95, 0.6, 0.6, 0.6, 0.6])
    V = VoteMatrix(L.to_dense(), list("abcde"), 2)
    X = np.eye(2)[y] + np.random.default_rng(0).normal(size=(400, 2))
    return V, y, X


def test_flow_valid_votes_are_matched_to_the_training_lfs_by_name(flow_task):
    V, y, X = flow_task
    Vv, yv, Xv = V[:150], y[:150], X[:150]
    names = list(V.lf_names)
    for valid in [(Vv, yv), (Vv, yv, Xv)]:  # with features the valid rows also join training
        a = LabelLearningFlow(**FLOW_KW).fit(V, X, valid=valid, seed=0)
        reordered = (Vv.select_lfs(names[::-1]), *valid[1:])
        b = LabelLearningFlow(**FLOW_KW).fit(V, X, valid=reordered, seed=0)
        np.testing.assert_array_equal(a.error_bounds_, b.error_bounds_)
        np.testing.assert_array_equal(a.flow_params_, b.flow_params_)
        np.testing.assert_array_equal(a.predict_proba(V, X), b.predict_proba(V, X))
    # LF a (accuracy 0.95) keeps its own small bound, not LF e's
    assert a.error_bounds_[0].max() < 0.2 < a.error_bounds_[4].min()
    other = VoteMatrix(Vv.to_dense(), list("vwxyz"), 2)
    with pytest.raises(ValueError, match=r"valid votes.*missing \['a', 'b', 'c', 'd', 'e'\].*unknown \['v'"):
        LabelLearningFlow(**FLOW_KW).fit(V, X, valid=(other, yv), seed=0)


@pytest.mark.filterwarnings("ignore:votes. LF:UserWarning")
def test_flow_fit_runs_the_label_model_vote_checks():
    import warnings

    X = np.random.default_rng(0).normal(size=(40, 2))
    one_class = np.array([[0, -1, 0], [0, 0, -1], [-1, -1, -1], [0, 0, 0]] * 10)  # every vote is class 0
    with pytest.raises(ValueError, match="every vote is class 0"):
        LabelLearningFlow(**FLOW_KW).fit(one_class, X, seed=0)
    with pytest.raises(ValueError, match="every vote is class 0"):
        LabelLearningFlow(2, **FLOW_KW).fit(one_class, X, seed=0)
    with pytest.raises(ValueError, match="all 40 rows abstain"):
        LabelLearningFlow(2, **FLOW_KW).fit(np.full((40, 3), -1), X, seed=0)
    # an LF that never fires and a class no LF votes: warned once each, naming them
    L = np.array([[0, -1, 1, -1], [1, 0, -1, -1], [-1, -1, -1, -1], [0, 1, -1, -1]] * 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LabelLearningFlow(3, **FLOW_KW).fit(L, X, seed=0)
    said = [str(w.message) for w in caught]
    assert sum("LF 'lf_3' (column 3) never fires" in s for s in said) == 1, said
    assert sum("no LF votes class [2]" in s for s in said) == 1, said


# ------------------------------------------------------------ a failed fit leaves the model as it was
def test_a_failed_flow_fit_leaves_the_model_as_it_was(flow_task):
    from weaksup._validation import NotFittedError

    V, y, X = flow_task
    fresh = LabelLearningFlow(**FLOW_KW)
    with pytest.raises(ValueError, match="at least 2 training rows"):
        fresh.fit(np.array([[0, 1, -1]]), np.zeros((1, 2)))
    assert not [k for k in vars(fresh) if k.endswith("_")]  # cardinality_, n_lfs_, x_mean_ ... were left behind
    with pytest.raises(NotFittedError):
        fresh.predict_proba(np.array([[0, 1, -1]]), np.zeros((1, 2)))
    fitted = LabelLearningFlow(**FLOW_KW).fit(V, X, seed=0)
    expected, state = fitted.predict_proba(V, X), dict(vars(fitted))
    with pytest.raises(ValueError, match="at least 2 training rows"):
        fitted.fit(V[:1], X[:1, :1])
    assert vars(fitted).keys() == state.keys() and fitted.n_features_ == 2
    np.testing.assert_array_equal(fitted.predict_proba(V, X), expected)


def test_a_failed_universal_fit_leaves_the_model_as_it_was():
    from weaksup._validation import NotFittedError
    from weaksup.universal import RealSpace, UniversalLabelModel, make_synthetic

    votes, y = make_synthetic(RealSpace(1), [2, 1, .5, .25], 300, seed=0)
    fitted = UniversalLabelModel(RealSpace(1)).fit(votes)
    expected, state = fitted.predict(votes), dict(vars(fitted))
    with pytest.raises(ValueError, match="valid votes have 10 rows but valid labels have 9"):
        fitted.fit(votes, valid=(votes[:10], y[:9]))  # the fitted state was deleted before this check
    with pytest.raises(ValueError, match="no triplet of LFs"):
        fitted.set_params(min_overlap=10_000).fit(votes)  # fails inside _fit
    assert vars(fitted).keys() == state.keys()
    np.testing.assert_array_equal(fitted.predict(votes), expected)
    fresh = UniversalLabelModel(RealSpace(1), min_overlap=10_000)
    with pytest.raises(ValueError, match="no triplet of LFs"):
        fresh.fit(votes)
    assert not [k for k in vars(fresh) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        fresh.predict(votes)


def test_a_fitted_flow_pickles_and_deep_copies_with_the_same_predictions(flow_task, tmp_path):
    import copy
    import pickle

    V, y, X = flow_task
    flow = LabelLearningFlow(**FLOW_KW).fit(V, X, seed=0)
    expected = flow.predict_proba(V, X)
    for other in (pickle.loads(pickle.dumps(flow)), copy.deepcopy(flow)):
        np.testing.assert_array_equal(other.predict_proba(V, X), expected)
        np.testing.assert_array_equal(other.sample(X[:5], 3), flow.sample(X[:5], 3))
    assert "_flow_net" in vars(flow)  # the original keeps its cached network
    flow.save(tmp_path / "f.npz")
    loaded = LabelLearningFlow.load(tmp_path / "f.npz")
    loaded.predict_proba(V, X)  # builds the network from flow_params_
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(loaded)).predict_proba(V, X), expected)


# ------------------------------------------------------------ load checks
def _rewrite(src, dst, edit_meta=None, drop=None):
    """Copy the weaksup file ``src`` to ``dst`` with its JSON metadata edited and/or an array left out."""
    import io
    import json
    import zipfile

    with zipfile.ZipFile(src) as z:
        items = {n: z.read(n) for n in z.namelist()}
    meta = json.loads(np.load(io.BytesIO(items["__meta__.npy"])).tobytes().decode())
    if edit_meta:
        edit_meta(meta)
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(json.dumps(meta).encode(), np.uint8))
    items["__meta__.npy"] = buf.getvalue()
    if drop:
        items.pop(drop + ".npy")
    with zipfile.ZipFile(dst, "w") as z:
        for n, b in items.items():
            z.writestr(n, b)


def test_universal_load_names_the_file_and_what_is_wrong(tmp_path):
    from weaksup.universal import RealSpace, UniversalLabelModel, ValueLabelModel, make_synthetic

    votes, _ = make_synthetic(RealSpace(1), [2, 1, .5, .25], 300, seed=0)
    model = UniversalLabelModel(RealSpace(1)).fit(votes)
    src, bad = tmp_path / "ok.npz", tmp_path / "bad.npz"
    model.save(src)
    np.testing.assert_array_equal(ValueLabelModel.load(src).predict(votes), model.predict(votes))
    cases = [
        (dict(edit_meta=lambda m: m["params"].__setitem__("new_knob", 3)),
         r"UniversalLabelModel has no parameter 'new_knob' \(the file was written by another weaksup version"),
        (dict(edit_meta=lambda m: m["params"].__setitem__("n_iter", -7)),
         r"the saved parameters of UniversalLabelModel are invalid: .*'n_iter' must be an int in \[1, inf\]"),
        (dict(edit_meta=lambda m: m["params"].__setitem__("inference", "gauss")), r"'inference'"),
        (dict(edit_meta=lambda m: m.pop("class")), r"not a complete weaksup value label-model file .*'class'"),
        (dict(edit_meta=lambda m: m.pop("space")), r"not a complete weaksup value label-model file .*'space'"),
        (dict(edit_meta=lambda m: m.pop("params")), r"not a complete weaksup value label-model file .*'params'"),
        (dict(edit_meta=lambda m: m.__setitem__("space_config", {"dim": 0})),
         r"the saved label space RealSpace\(\{'dim': 0\}\) is invalid: RealSpace dim must be >= 1"),
        (dict(edit_meta=lambda m: m.__setitem__("space_config", {"dims": 2})), r"the saved label space RealSpace"),
        (dict(drop="theta_"), r"lacks fitted state \['theta_'\]"),
        (dict(drop="pair_stats_"), r"lacks fitted state \['pair_stats_'\]"),
        (dict(edit_meta=lambda m: m["state"].pop("lf_names_")), r"lacks fitted state \['lf_names_'\]"),
        (dict(edit_meta=lambda m: m.pop("state")), r"lacks fitted state \['n_lfs_', 'lf_names_'\]"),
        (dict(edit_meta=lambda m: m.__setitem__("state", "x")), r"garbles 'state'"),
        (dict(edit_meta=lambda m: m["state"].__setitem__("n_lfs_", "four")), r"not a complete .*file .*'four'"),
    ]
    for kw, match in cases:
        _rewrite(src, bad, **kw)
        with pytest.raises(ValueError, match=match) as info:
            UniversalLabelModel.load(bad)
        assert str(info.value).startswith(f"{bad}: "), (match, str(info.value))


# ------------------------------------------------------------ HMM
def test_hmm_lf_accuracies_before_fit_and_loglik_history_round_trip(tmp_path):
    from weaksup._validation import NotFittedError
    from weaksup.estimator_checks import FIXTURES
    from weaksup.sequence import HMM

    with pytest.raises(NotFittedError, match="HMM is not fitted yet"):
        HMM().lf_accuracies()  # was AttributeError: 'HMM' object has no attribute 'emit_'
    V = FIXTURES["sequence"](3, 0).fit_args[0]
    hmm = HMM().fit(V)
    assert len(hmm.loglik_history_) > 1
    hmm.save(tmp_path / "h.npz")
    back = HMM.load(tmp_path / "h.npz")
    assert back.loglik_history_ == hmm.loglik_history_  # was lost: no attribute after load
    np.testing.assert_array_equal(back.lf_accuracies(), hmm.lf_accuracies())
    # a file saved before the history was kept loads without it, and saves again
    _rewrite(tmp_path / "h.npz", tmp_path / "old.npz", edit_meta=lambda m: m.__setitem__("state", {}))
    old = HMM.load(tmp_path / "old.npz")
    assert not hasattr(old, "loglik_history_")
    assert old.predict(V) == hmm.predict(V)
    old.save(tmp_path / "old2.npz")
    assert not hasattr(HMM.load(tmp_path / "old2.npz"), "loglik_history_")
    bad = tmp_path / "bad.npz"
    _rewrite(tmp_path / "h.npz", bad, edit_meta=lambda m: m["state"].__setitem__("loglik_history_", "x"))
    with pytest.raises(ValueError, match="loglik_history_ must be a list of numbers") as info:
        HMM.load(bad)
    assert str(info.value).startswith(f"{bad}: ")
