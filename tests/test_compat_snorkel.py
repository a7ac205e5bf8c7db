"""weaksup.compat.snorkel against snorkel 0.10 itself (installed in the test extra): same inputs, same outputs.

Each test runs one input through snorkel and through the compat layer and
compares: applier results and errors, ``fault_tolerant`` metadata,
preprocessors (copy semantics, ``None``, memoisation hit counts),
``LFAnalysis``, ``LabelModel`` fit options (μ, probabilities, predictions,
weights at the same seed), ``predict``/``score`` tie-break and abstain
semantics, the baselines, save/load, ``filter_unlabeled_dataframe``, and the
public names.  Plus the two native fixes the compat work asked for
(preprocessors never change the caller's data; a silent LF warns).
"""

from __future__ import annotations

import importlib
import pickle
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

snorkel_labeling = pytest.importorskip("snorkel.labeling")  # a third-party peer from the test extra

import snorkel.labeling.model as s_model  # noqa: E402
import snorkel.map.core  # noqa: E402
import snorkel.map as s_map  # noqa: E402
import snorkel.preprocess as s_pre  # noqa: E402
import snorkel.utils as s_utils  # noqa: E402
from snorkel.analysis import Scorer as SScorer  # noqa: E402

import weaksup.compat.snorkel.labeling as w_labeling  # noqa: E402
import weaksup.compat.snorkel.labeling.model as w_model  # noqa: E402
import weaksup.compat.snorkel.map as w_map  # noqa: E402
import weaksup.compat.snorkel.preprocess as w_pre  # noqa: E402
import weaksup.compat.snorkel.utils as w_utils  # noqa: E402
from weaksup.compat.snorkel.analysis import Scorer as WScorer  # noqa: E402
from weaksup.synthetic import make_votes  # noqa: E402

SIDES = {"snorkel": (snorkel_labeling, s_pre, s_model), "weaksup": (w_labeling, w_pre, w_model)}
DATA = [3, 43, 12, 9, 3, 100, 6]


def _both(build):
    """``build(labeling, preprocess, model)`` on each side -> {side: result}."""
    return {side: build(*mods) for side, mods in SIDES.items()}


def _votes(n=2000, m=8, k=3, seed=0):
    V, y, _ = make_votes(n, m, k, seed=seed)
    return np.array(V.to_dense() if hasattr(V, "to_dense") else V), np.asarray(y)  # a writable copy


# ------------------------------------------------------------------ public names
@pytest.mark.parametrize("module", ["labeling", "labeling.model", "labeling.apply.core", "labeling.apply.dask",
                                    "labeling.lf", "preprocess", "map", "utils", "analysis"])
def test_public_names_exist(module):
    """Every public name of snorkel's labeling API modules exists in the compat layer (Spark/spaCy aside)."""
    theirs = importlib.import_module(f"snorkel.{module}")
    ours = importlib.import_module(f"weaksup.compat.snorkel.{module}")
    names = getattr(theirs, "__all__", None) or [  # modules without __all__: the classes they define
        n for n, v in vars(theirs).items() if isinstance(v, type) and v.__module__ == theirs.__name__
        and not n.startswith("_")]
    missing = [n for n in names if not hasattr(ours, n)]
    assert not missing, f"weaksup.compat.snorkel.{module} lacks {missing}"


# ------------------------------------------------------------------ appliers
def _lfs(labeling, pre):
    @pre.preprocessor()
    def square(x):
        x.num_squared = x.num ** 2
        return x

    @labeling.labeling_function()
    def big(x):
        return 0 if x.num > 42 else -1

    @labeling.labeling_function(pre=[square])
    def big_sq(x):
        return 1 if x.num_squared > 42 else -1

    @labeling.labeling_function(resources=dict(db=[3, 6, 9]))
    def in_db(x, db):
        return 2 if x.num in db else -1

    @labeling.labeling_function()
    def typo(x):
        return 0 if x.mum > 42 else -1

    return [big, big_sq, in_db], typo


@pytest.mark.parametrize("kind", ["LFApplier", "PandasLFApplier", "DaskLFApplier", "PandasParallelLFApplier"])
def test_applier_results_and_faults(kind):
    def run(labeling, pre, model):
        lfs, typo = _lfs(labeling, pre)
        df = pd.DataFrame(dict(num=DATA))
        if kind == "LFApplier":
            applier_cls, data, kw = labeling.LFApplier, [SimpleNamespace(num=v) for v in DATA], {"progress_bar": False}
        elif kind == "PandasLFApplier":
            applier_cls, data, kw = labeling.PandasLFApplier, df, {"progress_bar": False}
        else:
            dask_mod = importlib.import_module(labeling.__name__ + ".apply.dask")
            applier_cls = getattr(dask_mod, kind)
            if kind == "DaskLFApplier":
                from dask import dataframe as dd

                data, kw = dd.from_pandas(df, npartitions=3), {"scheduler": "synchronous"}
            else:
                data, kw = df, {"n_parallel": 2, "scheduler": "threads"}
        L = applier_cls(lfs).apply(data, **kw)
        # snorkel's Dask appliers wrap the LF's error in dask's ValueError (its test expects any Exception)
        with pytest.raises(AttributeError if kind in ("LFApplier", "PandasLFApplier") else Exception) as err:
            applier_cls(lfs + [typo]).apply(data, **kw)
        out = {"L": L, "error": type(err.value) if kind in ("LFApplier", "PandasLFApplier") else Exception}
        if kind in ("LFApplier", "PandasLFApplier"):
            L_ft, meta = applier_cls(lfs + [typo]).apply(data, fault_tolerant=True, return_meta=True, **kw)
            out.update(L_ft=L_ft, faults=meta.faults)
        else:
            out["L_ft"] = applier_cls(lfs + [typo]).apply(data, fault_tolerant=True, **kw)
        return out

    res = _both(run)
    s, w = res["snorkel"], res["weaksup"]
    np.testing.assert_array_equal(w["L"], s["L"])
    np.testing.assert_array_equal(w["L_ft"], s["L_ft"])
    assert w["error"] is s["error"]
    assert w.get("faults") == s.get("faults")


def test_applier_numpy_rows_and_no_votes():
    def run(labeling, pre, model):
        @labeling.labeling_function()
        def second(x):
            return 0 if x[1] > 42 else -1

        @labeling.labeling_function()
        def never(x):
            return -1

        X = np.vstack((DATA, DATA)).T
        return labeling.LFApplier([second, never]).apply(X, progress_bar=False)

    res = _both(run)
    np.testing.assert_array_equal(res["weaksup"], res["snorkel"])


def test_lf_error_note_names_lf_and_row():
    @w_labeling.labeling_function()
    def bad(x):
        return 0 if x.mum > 1 else -1

    with pytest.raises(AttributeError) as err:
        w_labeling.PandasLFApplier([bad]).apply(pd.DataFrame({"num": [1, 2]}, index=["a", "b"]), progress_bar=False)
    assert "LF 'bad'" in "".join(err.value.__notes__) and "'a'" in "".join(err.value.__notes__)


def test_lf_sees_a_pandas_series_like_snorkel():
    def run(labeling, pre, model):
        seen = []

        @labeling.labeling_function()
        def look(x):
            seen.append((x.name, x.to_dict(), type(x).__name__))
            return -1

        labeling.PandasLFApplier([look]).apply(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[10, 20]),
                                               progress_bar=False)
        return seen

    res = _both(run)
    assert res["weaksup"] == res["snorkel"]


def test_duplicate_lf_names_rejected():
    for labeling in (snorkel_labeling, w_labeling):
        lf = labeling.LabelingFunction("same", lambda x: -1)
        with pytest.raises(ValueError):
            labeling.LFApplier([lf, labeling.LabelingFunction("same", lambda x: 0)]).apply([1], progress_bar=False)


# ------------------------------------------------------------------ preprocessors
def test_preprocessors_copy_memoise_and_none():
    def run(labeling, pre, model):
        hits = []

        @pre.preprocessor(memoize=True)
        def tag(x):
            hits.append(x.num)
            x.meta["seen"] = True  # nested in-place edit: must not reach the caller's data
            x.num_squared = x.num ** 2
            return x

        @pre.preprocessor()
        def drop(x):
            return None

        @labeling.labeling_function(pre=[tag])
        def sq(x):
            return 0 if x.num_squared > 42 else -1

        points = [SimpleNamespace(num=v, meta={}) for v in DATA]
        L = labeling.LFApplier([sq]).apply(points, progress_bar=False)
        with pytest.raises(ValueError):
            labeling.LabelingFunction("dropped", lambda x: 0, pre=[drop])(SimpleNamespace(num=1))
        return L, sorted(hits), [p.meta for p in points], [hasattr(p, "num_squared") for p in points]

    res = _both(run)
    s, w = res["snorkel"], res["weaksup"]
    np.testing.assert_array_equal(w[0], s[0])
    assert w[1] == s[1] == sorted(set(DATA))  # memoised: one call per distinct point
    assert w[2] == s[2] == [{}] * len(DATA)  # the caller's nested data are untouched
    assert w[3] == s[3] == [False] * len(DATA)


def test_mapper_class_with_field_maps():
    def run(labeling, pre, model):
        class Split(pre.Preprocessor):
            def __init__(self):
                super().__init__("split", field_names=dict(text="body"), mapped_field_names=dict(words="tokens"))

            def run(self, text):
                return dict(words=text.split())

        x = SimpleNamespace(body="a b c")
        out = Split()(x)
        return out.tokens, hasattr(x, "tokens")

    res = _both(run)
    assert res["weaksup"] == res["snorkel"] == (["a", "b", "c"], False)


def test_get_hashable_and_decorator_errors():
    for obj in ({"a": [1, 2], "b": {"c": 3}}, SimpleNamespace(a=(1, [2])), pd.Series({"a": 1, "b": "x"}),
                [1, [2, 3]]):
        assert w_map.get_hashable(obj) == s_map.core.get_hashable(obj)
    assert w_map.get_hashable(np.arange(3)) == s_map.core.get_hashable(np.arange(3))
    for deco in (w_labeling.labeling_function, w_pre.preprocessor):
        with pytest.raises(ValueError, match="missing parentheses"):
            deco(lambda x: x)


def test_lf_pickles():
    lf = w_labeling.LabelingFunction("in_db", _in_db, resources=dict(db=[3, 6]))
    again = pickle.loads(pickle.dumps(lf))
    assert again(SimpleNamespace(num=6)) == 0 and again(SimpleNamespace(num=7)) == -1


def _in_db(x, db):
    return 0 if x.num in db else -1


def test_native_preprocessor_never_mutates_caller_data():
    """weaksup's own Preprocessor: nested fields of the caller's rows are unchanged after apply."""
    from weaksup import apply_lfs, labeling_function, preprocessor

    @preprocessor()
    def enrich(x):
        x.tags.append("seen")
        x.n_tags = len(x.tags)
        return x

    @labeling_function(pre=[enrich])
    def tagged(x):
        return 1 if x.n_tags > 1 else 0

    df = pd.DataFrame({"tags": [["a"], ["a", "b"]]})
    votes = apply_lfs([tagged], df, progress=False, cache=False)
    assert votes.to_dense().ravel().tolist() == [1, 1]  # the LF saw the enriched copy
    assert df.tags.tolist() == [["a"], ["a", "b"]]  # the caller's lists did not change


# ------------------------------------------------------------------ LFAnalysis
def test_lf_analysis_summary_matches():
    L, y = _votes(300, 6, 3, seed=1)
    L[:, 5] = -1  # a silent LF
    names = list("abcdef")
    for lfs in (None, "named"):
        frames = {}
        for side, (labeling, _, _) in SIDES.items():
            lf_objs = [labeling.LabelingFunction(n, lambda x: -1) for n in names] if lfs else None
            frames[side] = labeling.LFAnalysis(L, lf_objs).lf_summary(Y=y, est_weights=np.linspace(0, 1, 6))
        pd.testing.assert_frame_equal(frames["weaksup"], frames["snorkel"], check_dtype=False)
    s, w = snorkel_labeling.LFAnalysis(L), w_labeling.LFAnalysis(L)
    for name in ("label_coverage", "label_overlap", "label_conflict", "lf_polarities"):
        assert getattr(w, name)() == getattr(s, name)()
    np.testing.assert_allclose(w.lf_empirical_probs(y, 3), s.lf_empirical_probs(y, 3))
    with pytest.raises(ValueError, match="Number of LFs"):
        w_labeling.LFAnalysis(L, [w_labeling.LabelingFunction("a", lambda x: -1)])


# ------------------------------------------------------------------ LabelModel
FIT_OPTIONS = [
    {},
    {"optimizer": "adam"},
    {"optimizer": "adamax", "lr": 0.005},
    {"lr_scheduler": "linear"},
    {"lr_scheduler": "exponential", "lr_scheduler_config": {"min_lr": 0.009}},
    {"lr_scheduler": "step", "lr_scheduler_config": {"step_config": {"step_size": 3, "gamma": 0.5}}},
    {"lr_scheduler_config": {"warmup_steps": 5, "warmup_unit": "epochs"}},
    {"lr_scheduler_config": {"warmup_percentage": 0.1}},
    {"l2": 0.1},
    {"prec_init": [0.6] * 8},
    {"optimizer_config": {"sgd_config": {"momentum": 0.5}}},
    {"mu_eps": 0.05},
    {"n_epochs": 300},
    # warm-up under each decaying scheduler (linear starts at the full lr; min_lr only after the warm-up)
    {"lr_scheduler": "linear", "lr_scheduler_config": {"warmup_steps": 5, "warmup_unit": "epochs"}},
    {"lr_scheduler": "step", "lr_scheduler_config": {"warmup_percentage": 0.1, "min_lr": 0.008}},
    {"lr_scheduler": "exponential", "lr_scheduler_config": {"warmup_steps": 3, "warmup_unit": "epochs",
                                                            "min_lr": 0.009}},
    # every optimizer setting reaches the optimiser
    {"optimizer": "adamax", "optimizer_config": {"adamax_config": {"eps": 0.1, "betas": (0.8, 0.99)}}},
    {"optimizer": "adam", "optimizer_config": {"adam_config": {"betas": (0.8, 0.99)}}},
]


FIT_CASES = [(options, "uniform") for options in FIT_OPTIONS] + [
    ({}, "class_balance"), ({}, "Y_dev"), ({"optimizer": "adam"}, "Y_dev"), ({"lr_scheduler": "step"}, "class_balance")]


@pytest.mark.parametrize("options, prior", FIT_CASES,
                         ids=[f"{','.join(o) or 'defaults'}-{p}" for o, p in FIT_CASES])
def test_label_model_fit_options_match(options, prior, one_torch_thread):
    """Same seed, same options: μ within 1e-6, probabilities within 5e-5, identical predictions.

    snorkel fits in float32 and weaksup in float64; the gap in μ stays at float32
    rounding (≤ 3e-7 seen), and it grows to ≤ 1.5e-5 in the probabilities of rows
    with many votes (Adam, 300 epochs), so probabilities are compared at 5e-5.
    """
    import copy

    L, y = _votes(1000, 6, 3)
    extra = {"class_balance": {"class_balance": [0.2, 0.3, 0.5]}, "Y_dev": {"Y_dev": y[:300]},
             "uniform": {}}[prior]
    options = {k: ([0.6] * 6 if k == "prec_init" else v) for k, v in options.items()}
    models = {}
    for side, (_, _, model) in SIDES.items():
        lm = model.LabelModel(cardinality=3, verbose=False)
        lm.fit(L, seed=7, progress_bar=False, **extra, **copy.deepcopy(options))  # snorkel edits nested dicts
        models[side] = lm
    s, w = models["snorkel"], models["weaksup"]
    np.testing.assert_allclose(w.mu, s.mu.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(w.predict_proba(L), s.predict_proba(L), atol=5e-5)
    np.testing.assert_array_equal(w.predict(L), s.predict(L))
    np.testing.assert_allclose(w.get_conditional_probs(), s.get_conditional_probs(), atol=1e-6)
    np.testing.assert_allclose(w.get_weights(), s.get_weights(), atol=1e-6)


def test_label_model_accepts_what_snorkel_accepts():
    """One-class votes and a silent LF fit without error or warning, as in snorkel."""
    for L in (np.array([[1, 1, 1], [1, 1, 1]]), np.array([[-1, -1, 1], [-1, 1, 1], [1, 1, 1]]),
              np.array([[0, 1, -1], [1, 1, -1], [0, 0, -1]])):
        res = {}
        for side, (_, _, model) in SIDES.items():
            lm = model.LabelModel(cardinality=2, verbose=False)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                lm.fit(L, n_epochs=100, seed=1, progress_bar=False)
            res[side] = (lm.predict(L), lm.predict_proba(L))
        np.testing.assert_array_equal(res["weaksup"][0], res["snorkel"][0])
        np.testing.assert_allclose(res["weaksup"][1], res["snorkel"][1], atol=1e-5)


@pytest.mark.parametrize("call, match", [
    (lambda M: M(cardinality=2, verbose=False).fit(np.array([[-1, 0, 1], [-1, 0, 2], [0, -1, 2]]), n_epochs=1),
     "L_train has cardinality"),
    (lambda M: M(cardinality=2, verbose=False).fit(np.array([[0, 1], [1, 1]]), n_epochs=1),
     "L_train should have at least 3"),
    (lambda M: M(verbose=False).fit(np.array([[0, 1, 0], [1, 1, 0]]), optimizer="bad", n_epochs=1),
     "Unrecognized optimizer option"),
    (lambda M: M(verbose=False).fit(np.array([[0, 1, 0], [1, 1, 0]]), lr_scheduler="bad", n_epochs=1),
     "Unrecognized lr scheduler option"),
    (lambda M: M(verbose=False).fit(np.array([[0, 1, 0], [1, 1, 0]]), class_balance=[0.5, 0.3, 0.2]),
     "class_balance has 3 entries"),
    (lambda M: M(verbose=False).fit(np.array([[0, 1, 0], [1, 1, 0]]), Y_dev=np.array([1, 1])),
     "Y_dev has 1 class"),
    (lambda M: M(verbose=False).fit(np.array([[0, 1, 0], [1, 1, 0]]),
                                    lr_scheduler_config={"warmup_steps": 1, "warmup_unit": "batches"}),
     "LabelModel does not support"),
    (lambda M: M(verbose=False).fit(np.array([[0, 1, 0], [1, 1, 0]]), prec_init="x"), "prec_init is of type"),
    (lambda M: M(verbose=False).fit(np.array([[0, 1, 0], [1, 1, 0]]), prec_init=[0.1, 0.2]),
     "prec_init must have shape 3"),
    (lambda M: M(verbose=False).fit(np.array([[0, -1, 0], [0, 1, 0]]), n_epochs=10, lr=1e8), "Loss is NaN"),
])
def test_label_model_errors_match(call, match):
    types = {}
    for side, (_, _, model) in SIDES.items():
        with pytest.raises(Exception, match=match) as err:
            call(model.LabelModel)
        types[side] = err.type
    if types["snorkel"] is Exception:  # snorkel's bare Exception("Loss is NaN...") is a FloatingPointError here
        assert issubclass(types["weaksup"], Exception)
    else:
        assert types["weaksup"] is types["snorkel"]


def test_predict_and_score_abstain_semantics():
    L = np.array([[1, 1, 0], [-1, -1, -1], [1, 0, 1], [-1, 1, 0], [0, -1, 1]])
    Y = np.array([1, 0, 1, 0, 0])
    res = {}
    for side, (_, _, model) in SIDES.items():
        lm = model.LabelModel(cardinality=2, verbose=False)
        lm.fit(L, n_epochs=100, seed=3, progress_bar=False)
        res[side] = dict(
            abstain=lm.predict(L),
            random=lm.predict(L, tie_break_policy="random"),
            score=lm.score(L, Y, metrics=["accuracy", "coverage", "f1", "precision", "recall", "f1_macro",
                                          "f1_micro", "roc_auc", "matthews_corrcoef"]),
            score_default=lm.score(L, Y),
            probs=lm.predict(L, return_probs=True)[1],
        )
    s, w = res["snorkel"], res["weaksup"]
    assert -1 in s["abstain"]  # the all-abstain row ties
    np.testing.assert_array_equal(w["abstain"], s["abstain"])
    np.testing.assert_array_equal(w["random"], s["random"])
    assert w["score_default"] == s["score_default"]
    assert set(w["score"]) == set(s["score"])
    for key in s["score"]:
        assert w["score"][key] == pytest.approx(s["score"][key], abs=1e-12), key
    np.testing.assert_allclose(w["probs"], s["probs"], atol=1e-5)


def test_utils_and_scorer_match():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=200)
    probs[:20] = [1 / 3, 1 / 3, 1 / 3]
    probs[20:40] = [0.4, 0.4, 0.2]
    for policy in ("abstain", "random"):
        np.testing.assert_array_equal(w_utils.probs_to_preds(probs, policy), s_utils.probs_to_preds(probs, policy))
    preds = rng.integers(0, 3, 50)
    np.testing.assert_array_equal(w_utils.preds_to_probs(preds, 3), s_utils.preds_to_probs(preds, 3))
    golds = rng.integers(-1, 3, 50)
    preds = rng.integers(-1, 3, 50)
    metrics = ["accuracy", "coverage", "f1_micro", "f1_macro", "matthews_corrcoef"]
    ours, theirs = WScorer(metrics).score(golds, preds), SScorer(metrics).score(golds, preds)
    assert ours.keys() == theirs.keys()
    for key in theirs:
        assert ours[key] == pytest.approx(theirs[key]), key
    with pytest.raises(ValueError, match="policy not recognized"):
        w_utils.probs_to_preds(probs, "bad")


# ------------------------------------------------------------------ baselines
def test_baselines_match():
    L = np.array([[0, 1, 0], [0, 1, -1], [1, 0, 0], [-1, -1, 1], [-1, -1, -1], [1, 0, -1]])
    res = {}
    for side, (_, _, model) in SIDES.items():
        mlv = model.MajorityLabelVoter(cardinality=2)
        mcv = model.MajorityClassVoter(cardinality=2)
        mcv.fit(balance=np.array([0.3, 0.7]))
        np.random.seed(5)
        rv = model.RandomVoter(cardinality=2).predict_proba(L)
        res[side] = (mlv.predict_proba(L), mlv.predict(L), mlv.score(L, np.array([0, 0, 0, 1, 1, 1]),
                                                                      metrics=["accuracy", "coverage"]),
                     mcv.predict_proba(L), mcv.predict(L), rv)
    for ours, theirs in zip(res["weaksup"], res["snorkel"]):
        if isinstance(theirs, dict):
            assert ours == pytest.approx(theirs)
        else:
            np.testing.assert_allclose(ours, theirs)


# ------------------------------------------------------------------ save / load, filtering
def test_save_and_load(tmp_path):
    L, _ = _votes(500, 5, 2, seed=2)
    lm = w_model.LabelModel(cardinality=2, verbose=False)
    lm.fit(L, n_epochs=50, seed=1, progress_bar=False)
    path = str(tmp_path / "label_model.pkl")
    lm.save(path)
    again = w_model.LabelModel(cardinality=2, verbose=False)
    again.load(path)
    np.testing.assert_array_equal(again.predict_proba(L), lm.predict_proba(L))
    np.testing.assert_array_equal(again.get_weights(), lm.get_weights())
    assert again.train_config.seed == 1 and again.n == 500
    snorkel_file = str(tmp_path / "snorkel.pkl")
    s = s_model.LabelModel(cardinality=2, verbose=False)
    s.fit(L, n_epochs=5, seed=1, progress_bar=False)
    s.save(snorkel_file)
    with pytest.raises(ValueError, match="snorkel.pkl"):  # a snorkel pickle is refused by name, never unpickled
        again.load(snorkel_file)


def test_filter_unlabeled_dataframe_matches():
    X = pd.DataFrame(dict(A=["x", "y", "z", "w"], B=[1, 2, 3, 4]), index=[5, 6, 7, 8])
    y = np.array([[0.25, 0.75], [1.0, 0.0], [0.2, 0.8], [0.5, 0.5]])
    L = np.array([[0, 1, -1], [-1, -1, -1], [1, 1, 0], [-1, -1, -1]])
    Xs, ys = snorkel_labeling.filter_unlabeled_dataframe(X, y, L)
    Xw, yw = w_labeling.filter_unlabeled_dataframe(X, y, L)
    pd.testing.assert_frame_equal(Xw, Xs)
    np.testing.assert_array_equal(yw, ys)


def test_half_migrated_script_mixes_snorkel_lfs():
    """snorkel's own LFs in a compat applier get the same data point as in snorkel's applier."""
    @snorkel_labeling.labeling_function()
    def theirs(x):
        return 0 if x.num > 10 else -1

    @w_labeling.labeling_function()
    def ours(x):
        return 1 if x.num > 40 else -1

    points = [SimpleNamespace(num=v) for v in DATA]
    expected = snorkel_labeling.LFApplier([theirs, ours]).apply(points, progress_bar=False)
    np.testing.assert_array_equal(w_labeling.LFApplier([theirs, ours]).apply(points, progress_bar=False), expected)
    df = pd.DataFrame(dict(num=DATA))
    np.testing.assert_array_equal(w_labeling.PandasLFApplier([theirs, ours]).apply(df, progress_bar=False),
                                  snorkel_labeling.PandasLFApplier([theirs, ours]).apply(df, progress_bar=False))


def test_score_with_every_gold_label_unlabelled_says_so():
    """All gold -1 (an unlabelled train split): the error says why instead of scikit-learn's 'empty input array'."""
    L = np.array([[0, 0, -1], [1, 1, 1], [0, -1, 0], [1, 1, -1]])
    msg = r"every gold label is -1 \(abstain/unlabelled\): no rows to score for \['accuracy'\]"
    with pytest.raises(ValueError, match=msg):
        w_model.MajorityLabelVoter().score(L, Y=np.full(4, -1))
    lm = w_model.LabelModel(cardinality=2, verbose=False)
    lm.fit(L, n_epochs=10, seed=1, progress_bar=False)
    with pytest.raises(ValueError, match=msg):
        lm.score(L, Y=np.full(4, -1.0))
    with pytest.raises(ValueError, match=r"no rows to score for \['accuracy', 'f1'\]"):
        WScorer(["accuracy", "coverage", "f1"]).score(np.full(3, -1), np.array([0, 1, 1]))
    # coverage alone, or no abstain label, still scores as before
    assert WScorer(["coverage"]).score(np.full(3, -1), np.array([0, -1, 1])) == {"coverage": 2 / 3}
    assert WScorer(["accuracy"], abstain_label=None).score(np.full(2, -1), np.array([-1, 1])) == {"accuracy": 0.5}


def test_roc_auc_with_one_dimensional_probs_names_the_shape():
    """probs[:, 1] (scikit-learn's habit) is a ValueError naming the shape, not a bare IndexError."""
    golds, probs = np.array([0, 1, 1, 0]), np.array([0.2, 0.7, 0.6, 0.4])
    msg = r"roc_auc needs probs of shape n x 2 \(one column per class\), got shape \(4,\)"
    from weaksup.compat.snorkel.analysis import metric_score

    with pytest.raises(ValueError, match=msg):
        metric_score(golds, probs=probs, metric="roc_auc")
    with pytest.raises(ValueError, match=msg):
        WScorer(metrics=["roc_auc"]).score(golds, None, probs)
    two = np.column_stack([1 - probs, probs])
    assert WScorer(metrics=["roc_auc"]).score(golds, None, two) == SScorer(metrics=["roc_auc"]).score(golds, None, two)
