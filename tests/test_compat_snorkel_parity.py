"""weaksup.compat.snorkel against snorkel 0.10 on the inputs a side-by-side probe found to differ.

Each test runs the same input through snorkel and the compat layer: the
learning-rate schedule epoch by epoch (every scheduler × warm-up × ``min_lr``),
the synthetic label matrix, ``true-random`` ties under ``np.random.seed``,
numpy's global state after ``fit``, the ``score`` warning, the analysis /
utils API and its submodules (names and signatures), applier metadata and
error notes, metric errors, and saving the baselines.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import itertools
import logging
import warnings

import numpy as np
import pandas as pd
import pytest

snorkel_labeling = pytest.importorskip("snorkel.labeling")  # a third-party peer from the test extra

import snorkel.analysis as s_analysis  # noqa: E402
import snorkel.labeling.model as s_model  # noqa: E402
import snorkel.utils as s_utils  # noqa: E402
from snorkel.synthetic.synthetic_data import generate_simple_label_matrix as s_generate  # noqa: E402

import weaksup.compat.snorkel.analysis as w_analysis  # noqa: E402
import weaksup.compat.snorkel.labeling as w_labeling  # noqa: E402
import weaksup.compat.snorkel.labeling.model as w_model  # noqa: E402
import weaksup.compat.snorkel.utils as w_utils  # noqa: E402
from weaksup.compat.snorkel.synthetic.synthetic_data import generate_simple_label_matrix as w_generate  # noqa: E402

L_SMALL = np.array([[0, 0, -1], [1, 1, 1], [0, -1, 0], [1, 0, 1]] * 10)


# ------------------------------------------------------------------ learning-rate schedule
WARMUPS = [{}, {"warmup_steps": 5, "warmup_unit": "epochs"}, {"warmup_percentage": 0.1},
           {"warmup_steps": 1, "warmup_unit": "epochs"}]


def test_lr_schedule_is_snorkels_epoch_by_epoch(monkeypatch, one_torch_thread):
    """The lr of every epoch equals the lr snorkel's torch optimizer held in that epoch, exactly.

    Covers each scheduler × warm-up (steps, percentage, 1 epoch) × ``min_lr``: under
    ``"linear"`` a warm-up starts at the full lr (its LambdaLR is built after the
    warm-up's), and ``min_lr`` is a floor only after the warm-up.
    """
    trace: list[float] = []
    update = s_model.LabelModel._update_lr_scheduler

    def spy(self, step):  # called after the optimizer step of epoch `step`: the lr that epoch used
        trace.append(self.optimizer.param_groups[0]["lr"])
        update(self, step)

    monkeypatch.setattr(s_model.LabelModel, "_update_lr_scheduler", spy)
    wrong = []
    for sched, warm, min_lr in itertools.product(["constant", "linear", "exponential", "step"], WARMUPS,
                                                 [0.0, 0.005]):
        kw = dict(n_epochs=40, lr=0.01, seed=1, lr_scheduler=sched, progress_bar=False)
        trace.clear()
        s_model.LabelModel(cardinality=2, verbose=False).fit(
            L_SMALL, lr_scheduler_config=dict(warm, min_lr=min_lr), **kw)
        w = w_model.LabelModel(cardinality=2, verbose=False)
        w.fit(L_SMALL, lr_scheduler_config=dict(warm, min_lr=min_lr), **kw)
        if w.model_._lr_schedule() != trace:
            wrong.append((sched, warm, min_lr))
    assert not wrong, f"lr schedule differs from snorkel's for {wrong}"


# ------------------------------------------------------------------ synthetic data
@pytest.mark.parametrize("n, m, k, mult, seed", [(500, 10, 2, 1.0, 0), (300, 7, 3, 0.0, 1), (400, 5, 4, 5.0, 2)])
def test_generate_simple_label_matrix_is_snorkels(n, m, k, mult, seed):
    """Same seed: the same P, Y and L as snorkel (abstain row multiplied, not added), same global state after."""
    out = {}
    for side, generate in (("snorkel", s_generate), ("weaksup", w_generate)):
        np.random.seed(seed)
        P, Y, L = generate(n, m, k, abstain_multiplier=mult)
        out[side] = (P, Y, L, np.random.random_sample())
    for ours, theirs in zip(out["weaksup"], out["snorkel"]):
        np.testing.assert_array_equal(ours, theirs)
    assert out["weaksup"][2].dtype == out["snorkel"][2].dtype


# ------------------------------------------------------------------ randomness
def test_true_random_ties_follow_numpys_global_seed(one_torch_thread):
    """``true-random`` draws each tied row from numpy's global generator, as snorkel: seeded, it repeats snorkel."""
    probs = np.full((30, 3), 1 / 3)
    probs[::4] = [0.2, 0.4, 0.4]
    probs[1::4] = [0.6, 0.2, 0.2]
    res = {}
    for side, utils, model in (("snorkel", s_utils, s_model), ("weaksup", w_utils, w_model)):
        np.random.seed(11)
        direct = utils.probs_to_preds(probs, tie_break_policy="true-random"), np.random.random_sample()
        model.LabelModel(cardinality=2, verbose=False).fit(L_SMALL, n_epochs=5, seed=5, progress_bar=False)
        res[side] = direct + (model.MajorityLabelVoter().predict(L_SMALL, tie_break_policy="true-random"),)
    for ours, theirs in zip(res["weaksup"], res["snorkel"]):
        np.testing.assert_array_equal(ours, theirs)


def test_ties_use_snorkels_strict_tolerance():
    """snorkel ties classes whose difference is below ``tol`` (strictly)."""
    probs = np.array([[0.5, 0.5 - 2 ** -10], [0.5, 0.5 - 2 ** -11]])
    for policy in ("abstain", "random"):
        np.testing.assert_array_equal(w_utils.probs_to_preds(probs, policy, tol=2 ** -10),
                                      s_utils.probs_to_preds(probs, policy, tol=2 ** -10))


def test_numpy_global_state_after_fit_is_snorkels(one_torch_thread):
    """fit(seed=s) leaves numpy's global generator where snorkel's fit leaves it (after its μ-init draw)."""
    res = {}
    for side, model in (("snorkel", s_model), ("weaksup", w_model)):
        model.LabelModel(cardinality=2, verbose=False).fit(L_SMALL, n_epochs=5, seed=5, progress_bar=False)
        res[side] = np.random.rand(5)
    np.testing.assert_array_equal(res["weaksup"], res["snorkel"])


# ------------------------------------------------------------------ score / metrics
@pytest.mark.parametrize("policy", ["abstain", "random"])
def test_score_warns_for_abstain_like_snorkel(policy, caplog):
    L = np.array([[0, 1, -1], [1, 1, 0], [0, -1, 1]])
    Y = np.array([0, 1, 1])
    logged = {}
    for side, model in (("snorkel", s_model), ("weaksup", w_model)):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            model.MajorityLabelVoter().score(L, Y, tie_break_policy=policy)
        logged[side] = [r.getMessage() for r in caplog.records]
    assert logged["weaksup"] == logged["snorkel"]
    assert bool(logged["snorkel"]) == (policy == "abstain")


@pytest.mark.parametrize("call", [
    lambda an: an.Scorer(metrics=["roc_auc"]).score(np.array([0, 1]), np.array([0, 1])),
    lambda an: an.metric_score(np.array([0, 1, 2, 0]), np.array([0, 1, 2, 1]), metric="precision"),
    lambda an: an.metric_score(np.array([0, 1, 2, 0]), np.array([0, 1, 2, 1]), metric="recall"),
    lambda an: an.metric_score(np.array([0, 1, 1, 0]), np.array([0, 1, 2, 1]), metric="f1"),
    lambda an: an.metric_score(np.array([0, 1]), metric="accuracy"),
], ids=["roc_auc-no-probs", "precision-multiclass", "recall-multiclass", "f1-multiclass-preds", "no-preds"])
def test_metric_errors_match(call):
    errors = {}
    for side, an in (("snorkel", s_analysis), ("weaksup", w_analysis)):
        with pytest.raises(ValueError) as err:
            call(an)
        errors[side] = str(err.value)
    assert errors["weaksup"] == errors["snorkel"]


def test_metric_kwargs_and_binary_values_match():
    rng = np.random.default_rng(3)
    golds, preds = rng.integers(0, 3, 80), rng.integers(0, 3, 80)
    for metric, kw in [("precision", {"average": "macro"}), ("recall", {"average": "micro"}),
                       ("fbeta", {"beta": 2, "average": "weighted"})]:
        assert w_analysis.metric_score(golds, preds, metric=metric, **kw) == pytest.approx(
            s_analysis.metric_score(golds, preds, metric=metric, **kw))
    golds, preds = rng.integers(0, 2, 80), rng.integers(0, 2, 80)
    for metric in ("precision", "recall", "f1", "accuracy"):
        assert w_analysis.metric_score(golds, preds, metric=metric) == pytest.approx(
            s_analysis.metric_score(golds, preds, metric=metric))


def test_preds_to_probs_refuses_every_negative_label():
    for preds in (np.array([0, -2]), np.array([1, -1]), np.array([-5])):
        with pytest.raises(ValueError, match="Could not convert abstained vote"):
            s_utils.preds_to_probs(preds, 2)
        with pytest.raises(ValueError, match="Could not convert abstained vote"):
            w_utils.preds_to_probs(preds, 2)


# ------------------------------------------------------------------ analysis API
def test_analysis_api_after_the_import_rewrite():
    L = np.array([[0, 1, -1], [1, 1, 0], [0, -1, 1], [1, 0, 1], [1, 1, 1]])
    Y = np.array([0, 1, 1, 1, 0])
    x = np.array([["a", "1"], ["b", "2"], ["c", "3"], ["d", "4"], ["e", "5"]], dtype=object)
    for args in [(Y, L[:, 0]), (Y, L[:, 1], L[:, 2]), (Y.astype(float).reshape(-1, 1), L[:, 0])]:
        ours, theirs = w_analysis.get_label_buckets(*args), s_analysis.get_label_buckets(*args)
        assert list(ours) == list(theirs)
        for key in theirs:
            np.testing.assert_array_equal(ours[key], theirs[key])
    for bucket in [(1, 1), (0, 0), (1, -1), (0, 1)]:
        np.testing.assert_array_equal(w_analysis.get_label_instances(bucket, x, Y, L[:, 0]),
                                      s_analysis.get_label_instances(bucket, x, Y, L[:, 0]))
    s, w = snorkel_labeling.LFAnalysis(L=L), w_labeling.LFAnalysis(L=L)
    np.testing.assert_allclose(w.lf_empirical_accuracies(Y=Y), s.lf_empirical_accuracies(Y=Y))
    np.testing.assert_allclose(w.lf_empirical_probs(Y=Y, k=2), s.lf_empirical_probs(Y=Y, k=2))
    S = np.rec.fromarrays([np.array([1, 0, 1, 0, 1]), np.array([0, 1, 1, 1, 0])], names=["s1", "s2"])
    preds, probs = L[:, 1], np.full((5, 2), 0.5)
    for as_dataframe in (False, True):
        scorers = [mod.Scorer(metrics=["accuracy", "coverage"]) for mod in (w_analysis, s_analysis)]
        ours, theirs = (sc.score_slices(S, Y, preds, probs, as_dataframe=as_dataframe) for sc in scorers)
        if as_dataframe:
            pd.testing.assert_frame_equal(ours, theirs)
        else:
            assert ours == theirs


MODULES = ["analysis", "analysis.metrics", "analysis.scorer", "analysis.error_analysis", "utils", "utils.core",
           "utils.lr_schedulers", "utils.optimizers", "utils.config_utils", "labeling", "labeling.analysis",
           "labeling.model", "labeling.model.label_model", "labeling.model.baselines", "labeling.model.base_labeler",
           "labeling.apply.core", "labeling.apply.pandas", "labeling.apply.dask", "labeling.lf", "labeling.lf.core",
           "labeling.utils", "preprocess", "map", "synthetic.synthetic_data"]
#: snorkel's per-row helpers of its own applier loop; weaksup's kernel replaces them (docs/from_snorkel.md)
NOT_PROVIDED = {"apply_lfs_to_data_point", "rows_to_triplets"}
#: snorkel draws TrainConfig.seed once per process at import; here None = a fresh draw per fit (documented)
RANDOM_DEFAULTS = {"TrainConfig": ("seed",)}


def _params(func):
    return list(inspect.signature(func).parameters)


def _fields(cls):
    """``{field: default}`` of a NamedTuple or a dataclass (None where there is no default)."""
    if hasattr(cls, "_fields"):
        return {f: cls._field_defaults.get(f) for f in cls._fields}
    return {f.name: (f.default if f.default is not dataclasses.MISSING else
                     f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
            for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("module", MODULES)
def test_module_names_and_signatures_match(module):
    """Each module snorkel users import exists; its functions, classes and methods take snorkel's parameter names.

    Torch's ``nn.Module`` methods on snorkel's ``LabelModel`` are left out (weaksup's is numpy).
    """
    theirs = importlib.import_module(f"snorkel.{module}")
    ours = importlib.import_module(f"weaksup.compat.snorkel.{module}")
    problems = []
    for name, obj in vars(theirs).items():
        home = getattr(obj, "__module__", "") or ""
        own = home == theirs.__name__ or (hasattr(theirs, "__path__") and home.startswith(theirs.__name__ + "."))
        if name.startswith("_") or not own or not callable(obj) or name in NOT_PROVIDED:
            continue
        mine = getattr(ours, name, None)
        if mine is None:
            problems.append(f"{name} missing")
        elif hasattr(obj, "_fields"):  # snorkel's NamedTuples (configs here are dataclasses): fields and defaults
            fields, defaults = _fields(mine), _fields(obj)
            for field in RANDOM_DEFAULTS.get(name, ()):
                fields.pop(field), defaults.pop(field)
            if list(fields) != list(defaults) or any(
                    not hasattr(fields[f], "_fields") and not dataclasses.is_dataclass(fields[f])
                    and fields[f] != defaults[f] for f in defaults):
                problems.append(f"{name} fields {fields} != {defaults}")
        elif inspect.isclass(obj):
            methods = {meth for cls in obj.__mro__ if cls.__module__.startswith("snorkel")
                       for meth, func in vars(cls).items()
                       if inspect.isfunction(func) and (not meth.startswith("_") or meth == "__init__")}
            for meth in sorted(methods):
                if not hasattr(mine, meth):
                    problems.append(f"{name}.{meth} missing")
                elif _params(getattr(obj, meth)) != _params(getattr(mine, meth)):
                    problems.append(f"{name}.{meth}{_params(getattr(obj, meth))} vs {_params(getattr(mine, meth))}")
        elif _params(obj) != _params(mine):
            problems.append(f"{name}{_params(obj)} vs {_params(mine)}")
    assert not problems, f"weaksup.compat.snorkel.{module}: {problems}"


# ------------------------------------------------------------------ appliers
def test_applier_meta_faults_is_a_defaultdict():
    df = pd.DataFrame({"text": ["a", None]})
    res = {}
    for side, labeling in (("snorkel", snorkel_labeling), ("weaksup", w_labeling)):
        ok = labeling.LabelingFunction("ok", lambda x: 0)
        fragile = labeling.LabelingFunction("fragile", lambda x: 1 if "a" in x.text else -1)
        _, meta = labeling.PandasLFApplier([ok, fragile]).apply(df, progress_bar=False, fault_tolerant=True,
                                                                return_meta=True)
        res[side] = (type(meta.faults), meta.faults["ok"], meta.faults["fragile"], dict(meta.faults))
    assert res["weaksup"] == res["snorkel"]


def test_error_note_names_the_row_as_a_plain_value():
    @w_labeling.labeling_function()
    def boom(x):
        return 1 // (int(x.n) - 31)

    df = pd.DataFrame({"n": np.arange(28, 34)}, index=np.arange(28, 34, dtype=np.int64))
    with pytest.raises(ZeroDivisionError) as err:
        w_labeling.PandasLFApplier([boom]).apply(df, progress_bar=False)
    note = " ".join(err.value.__notes__)
    assert "row 31 (position 3)" in note and "np.int64" not in note


def test_dask_error_note_says_the_position_is_the_partitions():
    pytest.importorskip("dask.dataframe")
    from dask import dataframe as dd

    from weaksup.compat.snorkel.labeling.apply.dask import DaskLFApplier

    @w_labeling.labeling_function()
    def boom(x):
        return 1 // (int(x.n) - 3)

    frame = dd.from_pandas(pd.DataFrame({"n": range(6)}), npartitions=2)
    with pytest.raises(ZeroDivisionError) as err:
        DaskLFApplier([boom]).apply(frame, scheduler="synchronous")
    note = " ".join(err.value.__notes__)
    assert "row 3 (position 0)" in note and "Dask partition 1" in note


# ------------------------------------------------------------------ LabelModel inputs, baselines
def test_class_balance_not_summing_to_one_warns():
    L = np.array([[0, 1, 0], [1, 1, 1], [0, 0, -1], [1, -1, 1]] * 5)
    lm = w_model.LabelModel(cardinality=2, verbose=False)
    with pytest.warns(UserWarning, match="class_balance sums to 4"):
        lm.fit(L, class_balance=[1.0, 3.0], n_epochs=5, seed=1, progress_bar=False)
    np.testing.assert_array_equal(lm.p, [1.0, 3.0])  # kept as given, as snorkel's m.p
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lm.fit(L, class_balance=[0.25, 0.75], n_epochs=5, seed=1, progress_bar=False)


def test_baselines_save_and_load(tmp_path):
    L = np.array([[0, 1, 0], [1, 1, -1], [-1, -1, -1]])
    mlv = w_model.MajorityLabelVoter(cardinality=3)
    mlv.save(str(tmp_path / "mlv.pkl"))
    again = w_model.MajorityLabelVoter()
    again.load(str(tmp_path / "mlv.pkl"))
    assert again.cardinality == 3
    np.testing.assert_array_equal(again.predict_proba(L), mlv.predict_proba(L))
    mcv = w_model.MajorityClassVoter()
    mcv.fit(balance=np.array([0.3, 0.7]))
    mcv.save(str(tmp_path / "mcv"))
    loaded = w_model.MajorityClassVoter()
    loaded.load(str(tmp_path / "mcv"))
    np.testing.assert_array_equal(loaded.prior, [0.3, 0.7])
    with pytest.raises(ValueError, match="holds a MajorityClassVoter"):
        w_model.MajorityLabelVoter().load(str(tmp_path / "mcv"))
    s_model.MajorityLabelVoter().save(str(tmp_path / "snorkel.pkl"))
    with pytest.raises(ValueError, match="snorkel.pkl"):  # snorkel's pickle is refused by name, never unpickled
        w_model.MajorityLabelVoter().load(str(tmp_path / "snorkel.pkl"))


def test_metric_values_match_snorkel_with_minus_one_in_golds_and_preds():
    """snorkel scores accuracy / f1_micro / f1_macro with scikit-learn, -1 read as a label like any other."""
    rng = np.random.default_rng(11)
    for _ in range(40):
        k, n = int(rng.integers(2, 5)), int(rng.integers(5, 40))
        golds, preds = rng.integers(-1, k, n), rng.integers(-1, k, n)
        for metric in ("accuracy", "f1_micro", "f1_macro"):
            for fd in (None, {"golds": [-1]}, {"golds": [-1], "preds": [-1]}):
                want = s_analysis.metric_score(golds, preds, metric=metric, filter_dict=fd)
                got = w_analysis.metric_score(golds, preds, metric=metric, filter_dict=fd)
                assert got == pytest.approx(want, nan_ok=True), (metric, fd, golds, preds)


def test_lf_analysis_takes_gold_classes_no_lf_votes_like_snorkel():
    L = np.array([[0, -1], [1, 0], [0, 0], [-1, 1]])
    Y = np.array([0, 2, 0, 1])  # class 2: no LF votes it (LFs written for some classes only)
    pd.testing.assert_frame_equal(w_labeling.LFAnalysis(L).lf_summary(Y), snorkel_labeling.LFAnalysis(L).lf_summary(Y))
    np.testing.assert_array_equal(w_labeling.LFAnalysis(L).lf_empirical_accuracies(Y.astype(float)),
                                  snorkel_labeling.LFAnalysis(L).lf_empirical_accuracies(Y))


def test_roc_auc_empty_filters_bool_gold_and_applier_metadata_match_snorkel():
    import snorkel.labeling as s_lab

    import weaksup.compat.snorkel.labeling as w_lab

    probs = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]])
    for golds in (np.array([-1, 1, -1, 1]), np.array([1, 2, 2, 1])):  # old-style labels: snorkel scores them
        assert w_analysis.metric_score(golds, probs=probs, metric="roc_auc") == pytest.approx(
            s_analysis.metric_score(golds, probs=probs, metric="roc_auc"))
    for side in (s_analysis, w_analysis):  # nothing left after the filter: scikit-learn's error on both sides
        with pytest.raises(ValueError):
            side.metric_score(np.array([0, 1]), np.array([-1, -1]), metric="recall", filter_dict={"preds": [-1]})
    L = np.array([[0, -1], [1, 0], [0, 0], [-1, 1]])
    Y = np.array([False, True, False, True])
    pd.testing.assert_frame_equal(w_lab.LFAnalysis(L).lf_summary(Y), s_lab.LFAnalysis(L).lf_summary(Y))

    def boom(x):
        if x.i == 1:
            raise ValueError("boom")
        return 0

    s_boom = s_lab.labeling_function(name="boom")(boom)
    w_boom = w_lab.labeling_function(name="boom")(boom)

    df = pd.DataFrame({"i": [0, 1, 2]})
    _, s_meta = s_lab.PandasLFApplier([s_boom]).apply(df, progress_bar=False, fault_tolerant=True, return_meta=True)
    _, w_meta = w_lab.PandasLFApplier([w_boom]).apply(df, progress_bar=False, fault_tolerant=True, return_meta=True)
    (w_faults,) = w_meta
    assert w_meta._asdict() == s_meta._asdict() and w_faults == s_meta[0]
