"""The bench, the registry and AutoLabelModel with a researcher's own models (not built into weaksup).

run(label_models=[MyModel]) / [MyModel()] crashed with AttributeError ('... has no attribute lower'), a ModelSpec
appended to registry.MODELS was answered "unknown label model 'X'; choose from [..., 'X']", and a model that trains
on the gold valid labels was shown as an ordinary (unsupervised) row beside WRENCH's published numbers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.bench import results_table, run
from weaksup.bench.runner import trains_on_valid
from weaksup.labelmodel import AutoLabelModel, DawidSkene, LabelModel, MajorityVote, registry

from support.own_models import AccVote


class DeclaredAccVote(AccVote):
    trains_on_valid_labels = "LF weights from the valid labels"


class MyMV(MajorityVote):
    trains_on_valid_labels = False


@pytest.fixture
def clean_registry(monkeypatch):
    """Whatever a test registers is gone after it (other tests list the registered models)."""
    monkeypatch.setattr(registry, "MODELS", registry.MODELS)
    monkeypatch.setattr(registry, "_BY_KEY", dict(registry._BY_KEY))


def _test_rows(df):
    return df[df.split == "test"].set_index("label_model")


def test_run_takes_a_class_an_instance_and_a_named_pair():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = run(["youtube"], [AccVote, ("acc2", AccVote(smoothing=2.0)), MajorityVote()], seeds=1, progress=False)
    t = _test_rows(df)
    assert list(t.index) == ["AccVote", "acc2", "MajorityVote"]
    assert t.loc["acc2", "params"] == '{"smoothing": 2.0}'
    assert df.attrs["meta"]["label_model_params"] == {"acc2": {"smoothing": 2.0}}
    # a built-in class passed as a class is the same cell as its name: the published number beside it
    assert t.loc["MajorityVote", "published"] == 84.0
    assert t.loc["MajorityVote", "score"] == run(["youtube"], ["mv"], seeds=1, progress=False).query(
        "split == 'test'")["score"].item()
    # a model of one's own never gets a published number
    assert t.loc[["AccVote", "acc2"], "published"].isna().all()


def test_run_refuses_what_is_no_model_and_says_what_is_accepted():
    with pytest.raises(ValueError, match="is not an end model.*registered name or alias.*as label_models"):
        run(["youtube"], ["mv"], end_models=[AccVote], seeds=1, progress=False)
    with pytest.raises(ValueError, match="is not a label model: an entry is a registered name"):
        run(["youtube"], [int], seeds=1, progress=False)
    with pytest.raises(ValueError, match="registered model's.*pair"):
        run(["youtube"], [("DawidSkene", AccVote)], seeds=1, progress=False)


def test_register_makes_a_name_known_to_bench_and_auto(clean_registry):
    registry.register(DeclaredAccVote, "AccVote", aliases=("accv",))
    assert registry.get_model("accv") is DeclaredAccVote
    assert "AccVote" not in registry.model_names("label", bench_only=True)  # not run unless named
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = run(["youtube"], ["accv"], seeds=1, label_model_params={"AccVote": {"smoothing": 3.0}}, progress=False)
    assert _test_rows(df).loc["AccVote", "params"] == '{"smoothing": 3.0}'
    from weaksup.data import load_wrench

    ds = load_wrench("youtube")
    for cand in (("mine", "AccVote", {}, True), ("mine", DeclaredAccVote, {}, True)):
        auto = AutoLabelModel(candidates=[cand, "MV"], fallback="MV")
        auto.fit(ds.train.votes, valid=(ds.valid.votes, ds.valid.labels), seed=0)
        assert set(auto.valid_scores_) == {"mine", "MV"}
    with pytest.raises(ValueError, match="already registered for MajorityVote"):
        registry.register(AccVote, "mv")
    registry.unregister("accv")
    with pytest.raises(KeyError):
        registry.spec("AccVote")
    with pytest.raises(ValueError, match="built into weaksup"):
        registry.unregister("mv")


def test_auto_refuses_an_unregistered_class_saying_how_to_register(clean_registry):
    with pytest.raises(ValueError, match=r"not a registered label model; register it first .*register\(AccVote\)"):
        AutoLabelModel(candidates=[("mine", AccVote, {}, False), "MV"], fallback="MV")._candidates(None)


def test_a_modelspec_appended_to_models_is_found(clean_registry):
    registry.MODELS += (registry.ModelSpec("AccVote", "label", f"{AccVote.__module__}.AccVote"),)
    assert registry.spec("AccVote").name == "AccVote"


def test_trains_on_valid_reads_the_declaration_and_says_unknown_otherwise():
    assert trains_on_valid(DeclaredAccVote()) == "declared: LF weights from the valid labels"
    assert trains_on_valid(MyMV()) == ""
    assert trains_on_valid(AccVote()).startswith("unknown: AccVote")
    assert trains_on_valid(DawidSkene()).startswith("use_valid_labels=True")  # built-in models as before
    assert trains_on_valid(MajorityVote()) == ""


def test_tables_mark_a_model_that_trains_on_valid_or_may():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = run(["youtube"], [AccVote, DeclaredAccVote, MyMV], seeds=1, progress=False)
    t = _test_rows(df)
    assert t.loc["DeclaredAccVote", "semi_supervised"] == "declared: LF weights from the valid labels"
    assert t.loc["AccVote", "semi_supervised"].startswith("unknown:")
    assert t.loc["MyMV", "semi_supervised"] == ""
    table = results_table(df)
    assert "| DeclaredAccVote | " in table and "(semi-supervised) |" in table
    assert "(valid-label use unknown) |" in table
    assert "| MyMV | 84.00 ± 0.00 (–) |" in table  # declared unsupervised, but no published number of its own


# ---------------------------------------------------------------- follow-ups of the review of d840e5c


def test_auto_with_a_class_or_a_bare_name_candidate_runs_in_the_bench(clean_registry):
    # a class candidate: trains_on_valid called registry.get_model on the class (AttributeError 'lower'); a bare
    # str candidate: it unpacked the raw entry ('not enough values to unpack')
    registry.register(MyMV)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = run(["youtube"], [AutoLabelModel(candidates=["MV", ("mine", MyMV, {}, False)], fallback="MV")],
                 seeds=1, progress=False)
        df2 = run(["youtube"], ["auto"], seeds=1, progress=False,
                  label_model_params={"auto": {"candidates": ["MV", "MC"], "fallback": "MV"}})
    assert df.attrs["skipped"] == [] and df2.attrs["skipped"] == []
    t = _test_rows(df)
    assert t.loc["AutoLabelModel", "semi_supervised"] == ""  # MV and MyMV (declared False) do not train on valid
    assert f'["mine", "{__name__}.MyMV", {{}}, false]' in t.loc["AutoLabelModel", "params"]  # not "<class ...>"
    assert _test_rows(df2).loc["AutoLabelModel", "score"] > 0.5
    assert trains_on_valid(AutoLabelModel(candidates=["MV", "DS-semi"], fallback="MV")) == \
        "candidates DS-semi train on the valid labels"
    registry.register(DeclaredAccVote)  # a class candidate that declares it trains on the valid labels
    assert trains_on_valid(AutoLabelModel(candidates=[("acc", DeclaredAccVote, {}, False)], fallback="acc")) == \
        "candidates acc train on the valid labels"


def test_auto_with_a_class_candidate_saves_its_registered_name(clean_registry, tmp_path):
    from weaksup.data import load_wrench

    registry.register(MyMV)
    ds = load_wrench("youtube")
    given = ["MV", ("mine", MyMV, {}, False), registry.AUTO_CANDIDATES[3]]
    auto = AutoLabelModel(candidates=given, fallback="MV")
    assert auto.get_params()["candidates"] is given  # __init__ keeps the parameter as given (get_params round trip)
    auto.fit(ds.train.votes, valid=(ds.valid.votes, ds.valid.labels), seed=0)
    auto.save(tmp_path / "auto.npz")  # was TypeError: cannot save params.candidates[1][1] = <class ...>
    back = LabelModel.load(tmp_path / "auto.npz")
    assert [tuple(c) if not isinstance(c, str) else c for c in back.candidates] == [
        "MV", ("mine", "MyMV", {}, False), ("MC", "MatrixCompletion", {}, False)]
    assert back.chosen_ == auto.chosen_
    np.testing.assert_array_equal(back.predict_proba(ds.test.votes), auto.predict_proba(ds.test.votes))
    assert auto.candidates is given  # saving did not change the model's parameter


def _cell():
    """A notebook cell defining a model: each call makes a new class object of the same module and qualname."""
    class CellVote(MajorityVote):
        trains_on_valid_labels = False

    return CellVote


def test_registering_a_class_defined_again_replaces_it(clean_registry):
    first, second = _cell(), _cell()
    assert first is not second
    registry.register(first, aliases=("cv",))
    n = len(registry.MODELS)
    assert registry.register(second).cls is second  # was ValueError: already registered for CellVote
    assert registry.get_model("CellVote") is second and len(registry.MODELS) == n
    with pytest.raises(KeyError):  # the old registration's alias went with it
        registry.spec("cv")
    with pytest.raises(ValueError, match="already registered for CellVote"):  # another class: still refused
        registry.register(MyMV, "CellVote")


def test_register_sees_a_hand_appended_spec_and_unregister_removes_it(clean_registry):
    registry.MODELS += (registry.ModelSpec("HandVote", "label", f"{AccVote.__module__}.AccVote"),)
    with pytest.raises(ValueError, match=r"'HandVote' is already registered for HandVote"):
        registry.register(MyMV, "HandVote")  # was accepted: two 'HandVote' in model_names
    assert registry.model_names("label").count("HandVote") == 1
    registry.unregister("HandVote")  # was "HandVote is built into weaksup"
    with pytest.raises(KeyError):
        registry.spec("HandVote")


def test_spec_of_a_builtin_class_registered_again_is_the_builtin(clean_registry):
    registry.register(MajorityVote, "MV2")
    assert registry.spec_of(MajorityVote).name == "MajorityVote"  # was MV2
    df = run(["youtube"], [MajorityVote], seeds=1, progress=False)
    assert _test_rows(df).loc["MajorityVote", "published"] == 84.0  # was MV2, no published number


def test_the_cli_says_a_model_of_ones_own_cannot_be_named_there(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "weaksup.cli", "bench", "--datasets", "youtube", "--label-models",
                        "MyVote", "--seeds", "1", "--no-progress"], capture_output=True, text=True)
    assert r.returncode == 2
    assert "--label-models: unknown label model 'MyVote'" in r.stderr
    assert "register() adds it only to the Python process" in r.stderr
    assert "weaksup.bench.run(label_models=[MyModel])" in r.stderr
    assert "pass the model itself" not in r.stderr  # the Python API's advice
    np.save(tmp_path / "v.npy", np.array([[0, 1], [1, -1]]))
    r = subprocess.run([sys.executable, "-m", "weaksup.cli", "fit", str(tmp_path / "v.npy"), "--model", "MyVote",
                        "--out", str(tmp_path / "m.npz")], capture_output=True, text=True)
    assert r.returncode == 2 and "register() adds it only to the Python process" in r.stderr
