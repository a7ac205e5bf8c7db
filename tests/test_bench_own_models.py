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


class AccVote(LabelModel):
    """Each LF weighted by the log-odds of its accuracy on the valid labels (a semi-supervised model)."""

    _fitted_attrs = ("weights_", "class_balance_")

    def __init__(self, cardinality=None, smoothing=1.0):
        self.cardinality = cardinality
        self.smoothing = smoothing

    def _fit(self, L, *, class_balance, dev, seed):
        V, k = L.to_dense(), self.cardinality_
        if dev is not None:
            Vd, ref = dev[0].to_dense(), np.asarray(dev[1])
        else:
            Vd, ref = V, np.stack([(V == c).sum(1) for c in range(k)], 1).argmax(1)
        acc = np.array([((Vd[Vd[:, j] >= 0, j] == ref[Vd[:, j] >= 0]).sum() + self.smoothing)
                        / ((Vd[:, j] >= 0).sum() + 2 * self.smoothing) for j in range(V.shape[1])])
        acc = np.clip(acc, 1e-3, 1 - 1e-3)
        self.weights_ = np.log(acc / (1 - acc))
        self.class_balance_ = np.full(k, 1.0 / k)

    def _predict_proba(self, L):
        V, k = L.to_dense(), self.cardinality_
        s = np.stack([((V == c) * self.weights_).sum(1) for c in range(k)], 1)
        p = np.exp(s - s.max(1, keepdims=True))
        return p / p.sum(1, keepdims=True)


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
    registry.MODELS += (registry.ModelSpec("AccVote", "label", f"{__name__}.AccVote"),)
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
