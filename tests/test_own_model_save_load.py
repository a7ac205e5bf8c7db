"""Saving and loading a researcher's own label model: dict keys come back as they were, fitted state left out of
``_fitted_attrs`` is named at save, a file saved from ``__main__`` loads through the class moved into a module."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest

from weaksup._persist import load_npz, save_npz
from weaksup.labelmodel import LabelModel
from weaksup.synthetic import make_votes


class AccVote(LabelModel):
    _fitted_attrs = ("weights_",)

    def __init__(self, cardinality=None):
        self.cardinality = cardinality

    def _fit(self, L, *, class_balance, dev, seed):
        self.weights_ = np.linspace(1.0, 2.0, L.m)

    def _predict_proba(self, L):
        V, k = L.to_dense(), self.cardinality_
        s = np.stack([((V == c) * self.weights_).sum(1) for c in range(k)], 1)
        p = np.exp(s - s.max(1, keepdims=True))
        return p / p.sum(1, keepdims=True)


class PerClassScale(AccVote):
    _fitted_attrs = AccVote._fitted_attrs + ("scale_",)

    def _fit(self, L, **kw):
        super()._fit(L, **kw)
        self.scale_ = {0: 1.0, 1: 3.0}  # keyed by class id

    def _predict_proba(self, L):
        p = super()._predict_proba(L) * np.array([self.scale_.get(c, 1.0) for c in range(self.cardinality_)])
        return p / p.sum(1, keepdims=True)


@pytest.fixture(scope="module")
def votes():
    L, y, _ = make_votes(300, 6, 2, seed=0)
    return L, y


# ------------------------------------------------------------------ dict keys
def test_int_keys_of_fitted_state_come_back_ints(votes, tmp_path):
    """{0: 1.0, 1: 3.0} came back {'0': 1.0, '1': 3.0}: the loaded model predicted differently, silently."""
    L, _ = votes
    m = PerClassScale().fit(L)
    m.save(tmp_path / "m.npz")
    back = PerClassScale.load(tmp_path / "m.npz")
    assert back.scale_ == {0: 1.0, 1: 3.0} and all(type(k) is int for k in back.scale_)
    np.testing.assert_array_equal(back.predict_proba(L), m.predict_proba(L))


def test_keys_json_cannot_hold_round_trip_exactly(tmp_path):
    value = {"ints": {0: "a", -3: "b"}, "mixed": {1: 1.0, "1": 2.0, None: 3, True: 4, 2.5: 5},
             "tuples": {(0, 1): 0.5, (1, (2, 3)): [1, 2]}, "nested": {"x": {7: {8: (9,)}}},
             "arrays": {3: np.arange(3)}, "strs": {"a": 1}}
    save_npz(tmp_path / "d.npz", "weaksup.Test", {"v": value})
    meta, _ = load_npz(tmp_path / "d.npz", "weaksup.Test")
    back = meta["v"]
    assert back["ints"] == {0: "a", -3: "b"} and back["strs"] == {"a": 1}
    assert back["mixed"] == {1: 1.0, "1": 2.0, None: 3, True: 4, 2.5: 5}
    assert back["tuples"] == {(0, 1): 0.5, (1, (2, 3)): [1, 2]} and back["nested"] == {"x": {7: {8: (9,)}}}
    np.testing.assert_array_equal(back["arrays"][3], np.arange(3))


def test_a_dict_of_str_keys_is_written_as_before_and_old_files_load_as_before(tmp_path):
    save_npz(tmp_path / "s.npz", "weaksup.Test", {"v": {"a": 1, "b": {"c": 2}}})
    with np.load(tmp_path / "s.npz") as z:
        text = bytes(z["__meta__"]).decode()
    assert json.loads(text)["v"] == {"a": 1, "b": {"c": 2}} and "__dict_items__" not in text
    # a file written before: an int-keyed dict was saved with str keys, and loads so
    old = json.dumps({"format": "weaksup.Test", "version": 1, "v": {"0": 1.0, "1": 3.0}})
    np.savez(tmp_path / "old.npz", __meta__=np.frombuffer(old.encode(), np.uint8))
    meta, _ = load_npz(tmp_path / "old.npz", "weaksup.Test")
    assert meta["v"] == {"0": 1.0, "1": 3.0}


@pytest.mark.parametrize("value", [{"__dict_items__": [[1, 2]]}, {"__dict_items__": "abc"}, {"__tuple__": [1, 2]},
                                   {"__tuple__": "x", "other": 1},
                                   {"__ndarray__": [1, 2], "dtype": "<i8", "shape": [2]}, {"__ndarray__": 0}])
def test_a_str_key_that_is_a_tag_of_the_format_round_trips(value, tmp_path):
    """{'__dict_items__': [[1, 2]]} came back {1: 2}, {'__dict_items__': 'abc'} failed to load, {'__tuple__': [1, 2]}
    came back (1, 2): a str key the format uses as a tag is written as tagged items, so every dict comes back."""
    save_npz(tmp_path / "t.npz", "weaksup.Test", {"v": value, "nested": {"a": [value]}})
    meta, _ = load_npz(tmp_path / "t.npz", "weaksup.Test")
    assert meta["v"] == value and meta["nested"] == {"a": [value]} and type(meta["v"]) is dict


def test_a_file_written_before_reads_its_tags_as_before(tmp_path):
    old = json.dumps({"format": "weaksup.Test", "version": 1, "t": {"__tuple__": [1, 2]},
                      "d": {"__dict_items__": [[0, "a"]]}, "a": {"__ndarray__": [1, 2], "dtype": "<i8", "shape": [2]}})
    np.savez(tmp_path / "old.npz", __meta__=np.frombuffer(old.encode(), np.uint8))
    meta, _ = load_npz(tmp_path / "old.npz", "weaksup.Test")
    assert meta["t"] == (1, 2) and meta["d"] == {0: "a"} and meta["a"].tolist() == [1, 2]


def test_an_unsaveable_key_is_named(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save v\[key frozenset\(\{1\}\)\] = frozenset\(\{1\}\)"):
        save_npz(tmp_path / "k.npz", "weaksup.Test", {"v": {frozenset({1}): 2}})


# ------------------------------------------------------------------ fitted state left out of _fitted_attrs
class ForgotFittedAttrs(AccVote):
    _fitted_attrs = ()


def test_save_warns_naming_fitted_state_the_file_lacks(votes, tmp_path):
    """save() wrote a file without weights_, load() read it, and predict failed much later with AttributeError."""
    L, _ = votes
    m = ForgotFittedAttrs().fit(L)
    with pytest.warns(UserWarning, match=re.escape(f"ForgotFittedAttrs.save({str(tmp_path / 'f.npz')!r}): fitted "
                                                   "attribute(s) ['weights_'] are not in ForgotFittedAttrs."
                                                   "_fitted_attrs ([]), so the file does not hold them")):
        m.save(tmp_path / "f.npz")


@pytest.mark.parametrize("name", ["MajorityVote", "WeightedMajorityVote", "DawidSkene", "AbstainDawidSkene",
                                  "MatrixCompletion", "FlyingSquid", "EBCC", "AutoLabelModel",
                                  "LabelLearningFlow"])
def test_registered_models_save_without_the_warning(name, tmp_path):
    from weaksup.estimator_checks import FIXTURES, _make, fixture_key

    data = FIXTURES[fixture_key(name)](3, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = _make(name, data.model_params).fit(*data.fit_args, seed=0, **data.fit_kwargs)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*_fitted_attrs")
        est.save(tmp_path / "m.npz")


# ------------------------------------------------------------------ a file saved from __main__
def _as_if_defined_in_main(cls):
    return type(cls.__name__, (cls,), {"__module__": "__main__", "__qualname__": cls.__qualname__})


def test_a_file_saved_from_main_loads_through_the_class_in_a_module(votes, tmp_path):
    """'refusing to load non-weaksup class __main__.AccVote (call load on that class itself ...)': what the user did."""
    L, _ = votes
    in_main = _as_if_defined_in_main(AccVote)
    m = in_main().fit(L)
    m.save(tmp_path / "main.npz")
    back = AccVote.load(tmp_path / "main.npz")
    assert type(back) is AccVote
    np.testing.assert_array_equal(back.predict_proba(L), m.predict_proba(L))


def test_a_modules_file_is_not_loaded_by_a_class_of_the_same_name_in_main(votes, tmp_path):
    """A file from pkg_a.AccVote loaded into an unrelated __main__.AccVote (722ab04 took either side being __main__
    as the same class); the file names its module, so the class to load it with is that one."""
    L, _ = votes
    other = type("AccVote", (AccVote,), {"__module__": "pkg_a", "__qualname__": "AccVote"})
    other().fit(L).save(tmp_path / "a.npz")
    with pytest.raises(ValueError, match=r"a.npz: refusing to load non-weaksup class 'pkg_a.AccVote' \(call load on "
                                         r"that class itself to read a file of your own model: from pkg_a import "
                                         r"AccVote, then AccVote.load\(...\); load was called on __main__.AccVote"):
        _as_if_defined_in_main(AccVote).load(tmp_path / "a.npz")
    AccVote().fit(L).save(tmp_path / "mod.npz")  # this test module's AccVote: refused by a __main__.AccVote too
    with pytest.raises(ValueError, match=rf"refusing to load non-weaksup class '{re.escape(__name__)}.AccVote'"):
        _as_if_defined_in_main(AccVote).load(tmp_path / "mod.npz")


class MajorityVote(LabelModel):
    """A notebook's own model, unrelated to weaksup's MajorityVote but by name."""

    _fitted_attrs = ()

    def __init__(self, cardinality=None):
        self.cardinality = cardinality

    def _fit(self, L, **kw):
        pass

    def _predict_proba(self, L):
        return np.full((L.n, self.cardinality_), 1 / self.cardinality_)


def test_a_weaksup_file_is_not_loaded_by_a_class_of_ones_own_sharing_its_name(votes, tmp_path):
    """A notebook's MajorityVote loaded a file of weaksup's MajorityVote and predicted with its own _predict_proba."""
    from weaksup.labelmodel import MajorityVote as WeaksupMajorityVote

    L, _ = votes
    WeaksupMajorityVote(cardinality=2).fit(L).save(tmp_path / "mv.npz")
    notebook = _as_if_defined_in_main(MajorityVote)
    for cls in (notebook, MajorityVote):
        with pytest.raises(ValueError, match=r"mv.npz holds a weaksup.labelmodel.voting.MajorityVote, not a "
                                             rf"{re.escape(cls.__module__)}.MajorityVote$"):
            cls.load(tmp_path / "mv.npz")
    notebook().fit(L).save(tmp_path / "own.npz")  # nor the other way round: a notebook's file into weaksup's class
    with pytest.raises(ValueError, match=r"refusing to load non-weaksup class '__main__.MajorityVote' .*load was "
                                         r"called on weaksup.labelmodel.voting.MajorityVote"):
        WeaksupMajorityVote.load(tmp_path / "own.npz")
    assert type(MajorityVote.load(tmp_path / "own.npz")) is MajorityVote  # the same class moved out of __main__


def test_a_file_of_another_module_is_still_refused_saying_how_to_load_it(votes, tmp_path):
    L, _ = votes
    other = type("AccVote", (AccVote,), {"__module__": "mypkg.models", "__qualname__": "AccVote"})
    other().fit(L).save(tmp_path / "o.npz")
    with pytest.raises(ValueError, match=r"o.npz: refusing to load non-weaksup class 'mypkg.models.AccVote' \(call "
                                         r"load on that class itself to read a file of your own model: from "
                                         r"mypkg.models import AccVote, then AccVote.load\(...\); load was called on "
                                         rf"{re.escape(__name__)}.AccVote"):
        AccVote.load(tmp_path / "o.npz")
    with pytest.raises(ValueError, match="refusing to load non-weaksup class 'mypkg.models.AccVote'"):
        _as_if_defined_in_main(PerClassScale).load(tmp_path / "o.npz")  # another name in __main__: refused too
