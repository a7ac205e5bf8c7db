"""The save/load contract of label models: what a file holds, what it takes to write and read one back."""

from __future__ import annotations

import re

import numpy as np
import pytest

from weaksup._persist import load_npz, save_npz
from weaksup.labelmodel import DawidSkene, LabelModel, MatrixCompletion
from weaksup.synthetic import make_votes


@pytest.fixture(scope="module")
def votes():
    L, y, _ = make_votes(300, 6, 3, seed=1)
    return L, y


# ------------------------------------------------------------ numpy-valued parameters
def test_numpy_valued_parameters_save_and_come_back_equal(votes, tmp_path):
    L, _ = votes
    cases = [
        DawidSkene(max_iter=np.arange(50, 300, 50)[0]),  # np.int64, as a grid over np.arange gives
        MatrixCompletion(lr=np.float32(0.01)),
        MatrixCompletion(prec_init=np.full(6, 0.7)),  # the documented one-per-LF form
    ]
    for i, model in enumerate(cases):
        model.fit(L, seed=0)
        path = tmp_path / f"m{i}.npz"
        model.save(path)
        back = LabelModel.load(path)
        for key, value in model.get_params().items():
            assert np.array_equal(np.asarray(back.get_params()[key]), np.asarray(value)), key
        np.testing.assert_array_equal(back.predict_proba(L), model.predict_proba(L))
    back = LabelModel.load(tmp_path / "m2.npz")
    assert isinstance(back.prec_init, np.ndarray) and back.prec_init.dtype == np.float64
    assert type(LabelModel.load(tmp_path / "m0.npz").max_iter) is int


def test_metadata_json_cannot_hold_is_refused_naming_the_key_and_the_file(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match=r"x.npz: cannot save params.knob\[1\] = <object object at .*>: a object is "
                                        r"not one of the values a weaksup file holds"):
        save_npz(path, "weaksup.Example", {"params": {"knob": [1, object()]}})
    assert not path.exists()
    save_npz(path, "weaksup.Example", {"a": (1, np.int64(2)), "b": np.arange(6).reshape(2, 3), "c": np.bool_(True)})
    meta, _ = load_npz(path, "weaksup.Example")
    assert meta["a"] == (1, 2) and meta["c"] is True
    np.testing.assert_array_equal(meta["b"], np.arange(6).reshape(2, 3))
    assert meta["b"].dtype == np.arange(6).dtype


# ------------------------------------------------------------ a user's own label model
class FirstVote(LabelModel):
    """LabelModel's docstring example: each row's first non-abstain vote."""

    def __init__(self, cardinality=None):
        self.cardinality = cardinality

    def _fit(self, L, *, class_balance, dev, seed):
        pass

    def _predict_proba(self, L):
        V, k = L.to_dense(), self.cardinality_
        P = np.full((len(V), k), 1 / k)
        for i, row in enumerate(V):
            fired = row[row >= 0]
            if fired.size:
                P[i] = np.eye(k)[fired[0]]
        return P


class LastVote(FirstVote):
    pass


def test_a_users_own_label_model_loads_through_its_class(votes, tmp_path):
    from weaksup.estimator_checks import check_estimator, run_check

    L, _ = votes
    model = FirstVote().fit(L)
    model.save(tmp_path / "fv.npz")
    back = FirstVote.load(tmp_path / "fv.npz")
    assert type(back) is FirstVote
    np.testing.assert_array_equal(back.predict_proba(L), model.predict_proba(L))
    run_check(FirstVote, "check_save_load")
    with pytest.raises(AssertionError, match="FirstVote: check_lf_order failed"):  # it does trust the first LF
        check_estimator(FirstVote)
    # nothing outside weaksup is imported on a file's word: only the class load is called on is read
    here = re.escape(FirstVote.__module__)
    with pytest.raises(ValueError, match=rf"fv.npz: refusing to load non-weaksup class '{here}.FirstVote' \(call "
                                         r"load on that class itself"):
        LabelModel.load(tmp_path / "fv.npz")
    LastVote().fit(L).save(tmp_path / "lv.npz")
    with pytest.raises(ValueError, match=rf"refusing to load non-weaksup class '{here}.LastVote'"):
        FirstVote.load(tmp_path / "lv.npz")


# ------------------------------------------------------------ the parameters a file holds
def test_save_writes_the_parameters_the_model_was_fitted_with(votes, tmp_path):
    L, _ = votes
    ds = DawidSkene(max_iter=40).fit(L, seed=0)
    expected = ds.predict_proba(L)
    ds.set_params(max_iter=-5)  # e.g. a grid being edited: not refitted, so not what the fitted state came from
    ds.save(tmp_path / "ds.npz")  # the file held max_iter=-5, which load refused
    back = LabelModel.load(tmp_path / "ds.npz")
    assert back.max_iter == 40
    np.testing.assert_array_equal(back.predict_proba(L), expected)
    back.set_params(alpha=0.5).save(tmp_path / "again.npz")  # a loaded model saves what it was loaded with
    assert LabelModel.load(tmp_path / "again.npz").alpha == DawidSkene().alpha
    with pytest.raises(ValueError, match="'max_iter' must be an int"):  # the next fit uses the new value
        ds.fit(L)
    # a list parameter changed in place after the fit
    from weaksup.labelmodel import AutoLabelModel

    candidates = [("MV", "MajorityVote", {}, False), ("DS", "DawidSkene", {}, False)]
    auto = AutoLabelModel(candidates=candidates, fallback="DS").fit(L, seed=0)
    candidates.pop()
    auto.save(tmp_path / "auto.npz")
    assert len(LabelModel.load(tmp_path / "auto.npz").candidates) == 2


def test_a_flow_saved_after_set_params_loads_as_the_fitted_flow(votes, tmp_path):
    pytest.importorskip("torch")
    from weaksup.flows import LabelLearningFlow

    L, y = votes
    X = np.eye(3)[y] + np.random.default_rng(0).normal(size=(L.n, 3))
    flow = LabelLearningFlow(n_epochs=2, n_flows=2, hidden=8, n_threads=1, progress=False).fit(L, X, seed=0)
    flow.set_params(hidden=16)  # valid, not refitted: the loaded network had 8 units but was built with 16
    flow.save(tmp_path / "f.npz")
    back = LabelLearningFlow.load(tmp_path / "f.npz")
    assert back.hidden == 8
    np.testing.assert_allclose(back.predict_proba(L, X), flow.predict_proba(L, X), atol=1e-6)


# ------------------------------------------------------------ a failed fit leaves the model as it was
def test_a_refused_auto_label_model_fit_leaves_the_model_as_it_was(votes, tmp_path):
    from weaksup._validation import NotFittedError
    from weaksup.labelmodel import AutoLabelModel

    L, _ = votes
    auto = AutoLabelModel(metric="brier")
    with pytest.raises(ValueError, match="metric 'brier' reads probs"):
        auto.fit(L)
    assert not [k for k in vars(auto) if k.endswith("_")]  # cardinality_, n_lfs_, lf_names_ were left behind
    with pytest.raises(NotFittedError):
        auto.predict_proba(L)  # was AttributeError: no attribute 'model_'
    auto = AutoLabelModel().fit(L, seed=0)
    expected = auto.predict_proba(L)
    with pytest.raises(ValueError, match="fallback 'MV-typo' is not among the candidates"):
        auto.set_params(fallback="MV-typo").fit(L)
    np.testing.assert_array_equal(auto.predict_proba(L), expected)  # the fitted model survives
    auto.save(tmp_path / "auto.npz")  # was AttributeError: no attribute 'chosen_'
    assert LabelModel.load(tmp_path / "auto.npz").fallback == "GoldFree"


class _Interrupted(RuntimeError):
    pass


def test_a_fit_that_raises_leaves_the_model_as_it_was(votes, monkeypatch):
    from weaksup._validation import NotFittedError

    L, y = votes

    def broken(self, stats, **kw):
        self.class_balance_ = np.ones(3) / 3  # half-way through
        raise _Interrupted("stopped")

    fitted = DawidSkene().fit(L, seed=0)
    expected, state = fitted.predict_proba(L), dict(vars(fitted))
    fresh = DawidSkene()
    monkeypatch.setattr(DawidSkene, "_fit_stats", broken)
    for model in (fitted, fresh):
        with pytest.raises(_Interrupted):
            model.fit(L[:200])
    assert vars(fitted).keys() == state.keys() and fitted.n_seen_ == L.n
    np.testing.assert_array_equal(fitted.predict_proba(L), expected)
    assert not [k for k in vars(fresh) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        fresh.predict(L)
    # partial_fit: a refit refused (bad valid) or failing does not keep the chunk, so retrying it counts it once
    monkeypatch.undo()
    mc = MatrixCompletion().partial_fit(L[:100], refit=False)
    with pytest.raises(ValueError, match="valid"):
        mc.partial_fit(L[100:], valid=(L[:10], y[:9]))
    monkeypatch.setattr(MatrixCompletion, "_fit_stats", broken)
    with pytest.raises(_Interrupted):
        mc.partial_fit(L[100:])
    monkeypatch.undo()
    assert mc.partial_fit(L[100:], seed=0).n_seen_ == L.n


# ------------------------------------------------------------ sequence label models load with the same checks
def _rewrite(src, dst, edit_meta=None, drop=None):
    """A copy of the weaksup file ``src`` with its metadata edited and/or one array left out."""
    import json

    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays["__meta__"].tobytes().decode())
    if edit_meta is not None:
        edit_meta(meta)
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    if drop is not None:
        del arrays[drop]
    np.savez(dst, **arrays)
    return dst


@pytest.mark.parametrize("name,param,array", [("HMM", "n_iter", "start_"),
                                              ("TokenDawidSkene", "n_iter", "token_model_file")])
def test_sequence_label_model_load_names_the_file_and_what_is_wrong(name, param, array, tmp_path):
    from weaksup.estimator_checks import FIXTURES
    from weaksup.labelmodel import registry
    from weaksup.sequence import SequenceLabelModel

    V = FIXTURES["sequence"](3, 0).fit_args[0]
    model = registry.get_model(name)(n_iter=5).fit(V, seed=0)
    good = tmp_path / "ok.npz"
    model.save(good)
    cases = {
        "new_param": (dict(edit_meta=lambda m: m["params"].update(new_knob=3)),
                      rf"{name} has no parameter 'new_knob' \(the file was written by another weaksup version\?\)"),
        "bad_param": (dict(edit_meta=lambda m: m["params"].update({param: -7})),
                      rf"the saved parameters of {name} are invalid: {name}: parameter '{param}' must be an int"),
        "no_class": (dict(edit_meta=lambda m: m.pop("class")),
                     r"not a complete weaksup sequence label-model file \(its metadata lacks or garbles 'class'\)"),
        "no_array": (dict(drop=array), rf"(lacks fitted state \['{array}'\]|lacks or garbles '{array}')"),
        "no_lf_names": (dict(edit_meta=lambda m: m.pop("lf_names")), r"lacks or garbles 'lf_names'"),
    }
    for case, (edit, message) in cases.items():
        path = _rewrite(good, tmp_path / f"{case}.npz", **edit)
        with pytest.raises(ValueError, match=message) as err:  # were TypeError, KeyError, or loaded unchecked
            SequenceLabelModel.load(path)
        assert str(path) in str(err.value), case
    assert SequenceLabelModel.load(good).predict(V) == model.predict(V)
