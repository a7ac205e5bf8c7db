"""Benchmark runner: MV reproduces WRENCH, protocols, outputs, published table, skipping."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from weaksup.bench import runner
from weaksup.bench.runner import published, published_value, results_table, run


def test_published_table_shipped():
    pub = published()
    assert "JieyuZ2/wrench" in pub["source"]
    assert pub["label_models"]["MV"]["youtube"] == {"value": 84.0, "std": 0.0}
    assert pub["label_models"]["DP"]["yelp"] == {"value": 69.37, "std": 0.03}
    assert published_value("sms", "MajorityVote") == 23.97
    assert published_value("trec", "MatrixCompletion") == 57.60  # MeTaL row
    assert published_value("youtube", "MajorityVote", "lr", soft=True) == 93.36
    assert published_value("youtube", "MajorityVote", "lr", soft=False) == 90.72
    assert published_value("youtube", "EBCC") is None
    assert len(pub["label_models"]) == 6 and all(len(r) == 14 for r in pub["label_models"].values())


def test_run_mv_youtube_and_outputs(wrench_dir, tmp_path):
    df = run(["youtube", "tennis"], ["mv"], seeds=2, data_dir=wrench_dir, out_dir=tmp_path,
             progress=False, protocol=["wrench", "gold-free"], command="weaksup bench --test")
    test = df[df["split"] == "test"]
    assert set(test["label_model"]) == {"MajorityVote"}
    assert len(test) == 2 * 2 * 2  # datasets x protocols x seeds
    yt = test[test["dataset"] == "youtube"]["score"].to_numpy()
    np.testing.assert_allclose(yt, 0.84)
    np.testing.assert_allclose(test[test["dataset"] == "tennis"]["score"], 0.81, atol=5e-5)
    assert set(df["split"]) == {"train", "valid", "test"}  # transductive train scores too
    assert df.attrs["skipped"] == []
    # files
    back = pd.read_csv(tmp_path / "results.csv")
    assert len(back) == len(df)
    js = json.loads((tmp_path / "results.json").read_text())
    assert js["meta"]["seeds"] == [0, 1] and len(js["results"]) == len(df)
    table = (tmp_path / "table.md").read_text()
    assert "| MajorityVote | 84.00 ± 0.00 (84.00) | 81.00 ± 0.00 (81.00) |" in table
    assert "every cell averages 2 seeds" in table
    section = (tmp_path / "section.md").read_text()
    assert "Command: `weaksup bench --test`" in section and "| MajorityVote | 84.00 ± 0.00 (84.00) |" in section


def test_unknown_models_seeds_and_write_docs_are_errors(wrench_dir, tmp_path):
    for kw, match in ((dict(label_models=["NoSuchModel"]), "unknown label model 'NoSuchModel'"),
                      (dict(label_models=["mv"], end_models=["nonexistent"]), "unknown end model 'nonexistent'"),
                      (dict(label_models=["llf"]), "LabelLearningFlow is a feature_label model"),
                      (dict(label_models=["lr"]), "LogisticRegression is a end model"),
                      (dict(label_models=["mv"], seeds=0), "seeds must be at least 1"),
                      (dict(label_models=["mv"], seeds=[]), "seeds is empty")):
        with pytest.raises(ValueError, match=match):
            run(["youtube"], data_dir=wrench_dir, progress=False, **kw)
    with pytest.raises(TypeError, match="write_docs=...\\) was removed"):
        run(["youtube"], ["mv"], seeds=1, data_dir=wrench_dir, write_docs=tmp_path / "x.md")


def test_every_dataset_is_checked_before_the_first_run(wrench_dir, tmp_path, monkeypatch):
    """A bad name late in the list fails up front: no run is spent on the earlier sets."""
    from weaksup.labelmodel import MajorityVote

    fits = []
    monkeypatch.setattr(MajorityVote, "fit", lambda self, *a, **k: fits.append(1) or self)
    with pytest.raises(FileNotFoundError, match="'nosuch' not found"):
        run(["youtube", "sms", "nosuch"], ["mv"], seeds=1, data_dir=wrench_dir, progress=False,
            out_dir=tmp_path / "out")
    assert fits == [] and not (tmp_path / "out").exists()
    with pytest.raises(FileNotFoundError, match="2 datasets cannot be loaded.*'nosuch'.*'other'"):
        run(["nosuch", "youtube", "other"], ["mv"], seeds=1, data_dir=wrench_dir, progress=False)
    bad = tmp_path / "root" / "youtube"
    shutil.copytree(wrench_dir / "youtube", bad)
    (bad / "test.json").chmod(0o644)
    (bad / "test.json").write_text("{}")
    with pytest.raises(ValueError, match=r"dataset 'youtube': the test split\(s\) have no examples"):
        run(["youtube"], ["mv"], seeds=1, data_dir=bad.parent, progress=False)
    assert fits == []


def test_failed_seeds_are_marked_not_averaged(wrench_dir, monkeypatch):
    """A label model failing on one seed: the cell says [n/N seeds] and the run is listed as skipped."""
    from weaksup.labelmodel import MajorityVote

    fit = MajorityVote.fit

    def flaky(self, votes, *args, seed=None, **kw):
        if seed == 1:
            raise RuntimeError("boom on seed 1")
        return fit(self, votes, *args, seed=seed, **kw)

    monkeypatch.setattr(MajorityVote, "fit", flaky)
    with pytest.warns(UserWarning, match="boom on seed 1"):
        df = run(["youtube"], ["mv"], seeds=3, data_dir=wrench_dir, progress=False)
    assert sorted(df[df["split"] == "test"]["seed"]) == [0, 2]
    assert "| MajorityVote | 84.00 ± 0.00 [2/3 seeds] (84.00) |" in results_table(df)
    assert [s["what"] for s in df.attrs["skipped"]] == ["MajorityVote on youtube (wrench, seed 1)"]


def _flip_valid_labels(src, dst):
    shutil.copytree(src, dst)
    (dst / "valid.json").chmod(0o644)
    raw = json.loads((dst / "valid.json").read_text())
    for ex in raw.values():
        ex["label"] = 1 - ex["label"]
    (dst / "valid.json").write_text(json.dumps(raw))


def test_gold_free_protocol_ignores_valid_labels(wrench_dir, tmp_path):
    names = ["MajorityVote", "MatrixCompletion", "DawidSkene"]
    _flip_valid_labels(wrench_dir / "youtube", tmp_path / "youtube")
    kw = dict(seeds=[0], progress=False, protocol=["gold-free", "wrench"])
    a = run(["youtube"], names, data_dir=wrench_dir, **kw)
    b = run(["youtube"], names, data_dir=tmp_path, **kw)
    key = ["protocol", "label_model", "split"]
    ta = a[a["split"] != "valid"].set_index(key)["score"]
    tb = b[b["split"] != "valid"].set_index(key)["score"]
    pd.testing.assert_series_equal(ta.loc["gold-free"], tb.loc["gold-free"])
    # MatrixCompletion uses the valid class balance under the wrench protocol
    assert not np.allclose(ta.loc["wrench"].to_numpy(), tb.loc["wrench"].to_numpy())


def test_results_table_mean_std():
    rows = [{"dataset": "d", "protocol": "wrench", "label_model": "M", "end_model": "", "seed": s,
             "split": "test", "metric": "accuracy", "score": v, "published": 50.0}
            for s, v in enumerate([0.5, 0.7])]
    t = results_table(pd.DataFrame(rows))
    assert "| M | 60.00 ± 10.00 (50.00) |" in t
    assert "d (acc)" in t and "every cell averages 2 seeds" in t


def test_end_model_cells_are_pipelines(wrench_dir):
    """An end-model cell = Pipeline(label model, end model).score: the numbers equal a hand-built Pipeline."""
    from weaksup.data import load_wrench, wrench_features
    from weaksup.endmodel import LogisticRegression
    from weaksup.labelmodel import MajorityVote
    from weaksup.pipeline import Pipeline

    df = run(["youtube", "imdb"], ["mv"], end_models=["lr"], seeds=[0], data_dir=wrench_dir, progress=False)
    em = df[(df["end_model"] == "lr") & (df["split"] == "test")]
    assert list(em["dataset"]) == ["youtube"]  # imdb is labels-only: skipped
    assert "end models on imdb" in " ".join(s["what"] for s in df.attrs["skipped"])
    ds = load_wrench("youtube", wrench_dir)
    X = wrench_features(ds, "tfidf")
    pipe = Pipeline(MajorityVote(), LogisticRegression(cardinality=2, progress=False)).fit(
        ds.train.votes, X["train"], valid=(ds.valid.votes, X["valid"], ds.valid.labels), seed=0)
    assert em["score"].item() == pytest.approx(pipe.score(X["test"], ds.test.labels)) and em["score"].item() > 0.75


def test_bad_protocol():
    with pytest.raises(ValueError, match="protocol"):
        run(["youtube"], ["mv"], protocol="cheating")


def test_end_model_grid_selects_on_valid(wrench_dir):
    from weaksup.metrics import score

    grid = {"lr": {"C": [0.01, 100.0]}}
    df = run(["youtube"], ["mv"], end_models=["lr"], seeds=[0], data_dir=wrench_dir, progress=False,
             end_model_grid=grid)
    em = df[(df["end_model"] == "lr") & (df["split"] == "valid")]
    chosen = json.loads(em["params"].item())["C"]
    # refit both candidates by hand: the chosen one has the higher gold-valid accuracy
    from weaksup.data import load_wrench, wrench_features
    from weaksup.endmodel import LogisticRegression
    from weaksup.labelmodel import MajorityVote

    ds = load_wrench("youtube", wrench_dir)
    X = wrench_features(ds, "tfidf")
    cov = ds.train.votes.class_counts().sum(1) > 0
    P = MajorityVote().fit(ds.train.votes).predict_proba(ds.train.votes)[cov]
    vals = {}
    for C in (0.01, 100.0):
        m = LogisticRegression(C=C, metric="accuracy", cardinality=2).fit(
            X["train"][cov], P, valid=(X["valid"], ds.valid.labels), seed=0)
        vals[C] = score("accuracy", ds.valid.labels, m.predict(X["valid"]))
    assert vals[chosen] == max(vals.values())
    assert em["score"].item() == pytest.approx(vals[chosen])


def test_default_models_come_from_the_registry():
    from weaksup.labelmodel import registry
    from weaksup.labelmodel.base import LabelModel

    names = [n for n, _ in runner.resolve_models("label")]
    assert names == registry.model_names("label", bench_only=True)
    assert "LabelLearningFlow" not in names  # a feature-conditioned model: not a plain label model
    assert all(issubclass(cls, LabelModel) for _, cls in runner.resolve_models("label"))
    assert [n for n, _ in runner.resolve_models("end", ["lr", "MLP"])] == ["lr", "mlp"]
    with pytest.warns(DeprecationWarning):
        assert runner.resolve_label_model("ds")[:2] == ("DawidSkene", registry.get_model("ds"))
    with pytest.warns(DeprecationWarning):
        assert runner.resolve_end_model("nope")[1] is None


def test_bench_package_is_light_and_portable():
    """weaksup.bench imports without fcntl (as on Windows) and has no docs writer (benchmarks/_docs.py has it)."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['fcntl'] = None; "  # `import fcntl` now fails, as on Windows
            "import weaksup.bench; print('runner' in dir(weaksup.bench)); "
            "import weaksup.bench.report, weaksup.bench.runner, weaksup.cli; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "ok"]  # light: the runner is not imported by the package
    import weaksup.bench

    with pytest.raises(AttributeError, match="benchmarks/_docs.py"):
        weaksup.bench.update_section


def test_docs_writer_splices_sections(tmp_path):
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO))
    from benchmarks._docs import splice_file, update_section

    docs = tmp_path / "benchmarks.md"
    update_section(docs, "a", "first", title="A")
    update_section(docs, "b", "second")
    snippet = tmp_path / "snippet.md"
    from weaksup.bench.report import section_block

    snippet.write_text(section_block("a", "new first", "A") + "\n")
    assert splice_file(snippet, docs) == ["a"]
    text = docs.read_text()
    assert "new first" in text and "second" in text and "\nfirst" not in text and text.count("BEGIN a") == 1


def test_summarize_skipped_groups_runs():
    from weaksup.bench.report import summarize_skipped

    sk = [{"what": f"M on {d} ({p}, seed {s})", "why": f"ValueError: needs X ({n} rows)"}
          for d, n in (("a", 10), ("b", 20)) for p in ("wrench", "gold-free") for s in (0, 1)]
    sk.append({"what": "label model Z", "why": "not importable: ImportError"})
    out = summarize_skipped(sk)
    assert out == ["label model Z: not importable: ImportError",
                   "M on a, b (wrench, gold-free; seeds 0, 1): ValueError: needs X (10 rows)"]


def test_task_features_in_bench(wrench_dir):
    """`features="task"` gives each dataset its registered feature set; a bad kind fails before any work."""
    with pytest.raises(ValueError, match="unknown or repeated feature kind"):
        run(["semeval"], ["mv"], end_models=["lr"], seeds=[0], data_dir=wrench_dir, features="bert")
    df = run(["semeval"], ["mv"], end_models=["lr"], seeds=[0], data_dir=wrench_dir, progress=False,
             features="task")
    em = df[(df["end_model"] == "lr") & (df["split"] == "test")]
    # relation features lift LR on MV's labels well above MV itself (77.33 published)
    assert em["score"].item() > 0.80


def test_gold_free_end_model_grid_selects_on_the_rows_the_label_model_labels(wrench_dir):
    """Gold-free selection scores the end models against the label model's own valid labels; with
    tie_break="abstain" its ties are -1, which no score reads as a class: they are left out."""
    grid = {"lr": {"C": [0.01, 100.0]}}
    df = run(["youtube"], ["mv"], end_models=["lr"], seeds=[0], data_dir=wrench_dir, progress=False,
             protocol="gold-free", tie_break="abstain", end_model_grid=grid)
    em = df[(df["end_model"] == "lr") & (df["split"] == "test")]
    assert len(em) == 1 and json.loads(em["params"].item())["C"] in (0.01, 100.0)


def test_removed_names_state_the_installed_version_not_a_future_one(wrench_dir):
    """d14: the removal messages named "weaksup 0.2" while the package is 0.1.0; they name the running version."""
    import weaksup
    import weaksup.bench

    with pytest.raises(TypeError, match="write_docs") as err:
        run(["youtube"], ["mv"], seeds=1, data_dir=wrench_dir, progress=False, write_docs="x.md")
    with pytest.raises(AttributeError, match="update_section") as err2:
        weaksup.bench.update_section
    for msg in (str(err.value), str(err2.value)):
        assert f"weaksup {weaksup.__version__}" in msg and "0.2" not in msg.replace(weaksup.__version__, "")


def test_results_json_is_strict_json(wrench_dir, tmp_path):
    """d09: results.json held the bare token NaN (published of non-test rows), which is not JSON; it is null now."""
    from weaksup.bench import write_results

    df = run(["youtube"], ["mv"], seeds=1, data_dir=wrench_dir, progress=False)
    text = (write_results(df, tmp_path) / "results.json").read_text()

    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    js = json.loads(text, parse_constant=refuse)
    rows = {r["split"]: r for r in js["results"]}
    assert rows["train"]["published"] is None and rows["test"]["published"] == 84.0


@pytest.mark.parametrize("end_models", [[], ["lr"]])
def test_results_csv_reads_back_into_the_table(wrench_dir, tmp_path, end_models):
    """d13: read_csv turns the empty end_model cells into NaN, and results_table failed on them."""
    df = run(["youtube"], ["mv"], end_models, seeds=1, data_dir=wrench_dir, progress=False, out_dir=tmp_path)
    back = pd.read_csv(tmp_path / "results.csv")
    assert results_table(back) == results_table(df)
    assert results_table(back, "valid") == results_table(df, "valid")


def test_sequence_tagging_set_is_refused_before_any_run(wrench_dir, tmp_path, monkeypatch):
    """d04: a tagging set in datasets crashed with AttributeError (SequenceSplit has no labels) mid-run."""
    if not (wrench_dir / "bc5cdr").is_dir():
        pytest.skip("bc5cdr not in the WRENCH folder")

    def no_run(*a, **k):
        raise AssertionError("a cell ran before the datasets were checked")

    monkeypatch.setattr(runner, "_fit_label_model", no_run)
    with pytest.raises(ValueError, match="'bc5cdr' is a sequence-tagging dataset"):
        run(["youtube", "bc5cdr"], ["mv"], seeds=1, data_dir=wrench_dir, progress=False)
    # a tagging folder under a name the registry does not know is refused after it is loaded
    shutil.copytree(wrench_dir / "bc5cdr", tmp_path / "my_ner")
    with pytest.raises(ValueError, match="'my_ner' is a sequence-tagging dataset"):
        run(["my_ner"], ["mv"], seeds=1, data_dir=tmp_path, progress=False)


def test_meta_records_each_sets_folder_source_and_the_weaksup_version(wrench_dir, tmp_path, monkeypatch):
    """d08: the results could not tell which copy of a set was read, nor with which weaksup."""
    import weaksup

    monkeypatch.setenv("WEAKSUP_DATA", str(wrench_dir))
    mine = tmp_path / "data"
    shutil.copytree(wrench_dir / "youtube", mine / "youtube")
    df = run(["youtube"], ["mv"], seeds=1, data_dir=mine, progress=False, out_dir=tmp_path / "out")
    meta = json.loads((tmp_path / "out" / "results.json").read_text())["meta"]
    assert meta["weaksup"] == weaksup.__version__
    assert meta["data"] == {"youtube": {"path": str(mine / "youtube"), "source": "data_dir", "metric": "accuracy",
                                        "metric_source": "registry"}}
    assert f"Data read from {mine} (data_dir): youtube." in (tmp_path / "out" / "section.md").read_text()
    assert df.attrs["meta"]["data"]["youtube"]["source"] == "data_dir"
    with pytest.raises(FileNotFoundError, match="'sms' not found in data_dir"):  # never read from $WEAKSUP_DATA
        run(["sms"], ["mv"], seeds=1, data_dir=mine, progress=False)


def test_bench_metric_for_a_folder_the_registry_does_not_know(wrench_dir, tmp_path):
    """d06: the bench scored a renamed youtube copy by f1_binary without a word; metric= chooses, a guess warns."""
    shutil.copytree(wrench_dir / "youtube", tmp_path / "youtube_fixed")
    with pytest.warns(UserWarning, match="guessed as 'f1_binary'"):
        df = run(["youtube_fixed"], ["mv"], seeds=1, data_dir=tmp_path, progress=False)
    assert df.attrs["meta"]["data"]["youtube_fixed"]["metric_source"] == "guessed"
    for metric in ("accuracy", {"youtube_fixed": "accuracy"}):
        df = run(["youtube_fixed"], ["mv"], seeds=1, data_dir=tmp_path, progress=False, metric=metric)
        test = df.query("split == 'test'")
        assert test["metric"].item() == "accuracy" and test["score"].item() == pytest.approx(0.84)
        assert df.attrs["meta"]["data"]["youtube_fixed"]["metric_source"] == "argument"
    with pytest.raises(ValueError, match=r"metric= names dataset\(s\) \['sms'\]"):
        run(["youtube_fixed"], ["mv"], seeds=1, data_dir=tmp_path, progress=False, metric={"sms": "accuracy"})


def test_params_and_grids_keyed_by_any_registered_name_reach_the_model(wrench_dir, monkeypatch):
    """d10: params / grids keyed by an alias ("ds") or the other spelling ("LogisticRegression") were ignored."""
    from weaksup.endmodel import LogisticRegression
    from weaksup.labelmodel import DawidSkene

    seen = []
    for cls in (DawidSkene, LogisticRegression):
        orig = cls.fit

        def fit(self, *a, _orig=orig, **k):
            seen.append((type(self).__name__, {p: getattr(self, p) for p in ("abstain_as_class", "max_iter", "C")
                                               if hasattr(self, p)}))
            return _orig(self, *a, **k)

        monkeypatch.setattr(cls, "fit", fit)
    run(["youtube"], ["ds"], ["lr"], seeds=1, data_dir=wrench_dir, progress=False,
        label_model_params={"ds": {"abstain_as_class": True}}, label_model_grid={"DawidSkene": {"max_iter": [1, 2]}},
        end_model_params={"LogisticRegression": {"C": 1e-6}})
    ds_fits = [p for n, p in seen if n == "DawidSkene"]
    assert ds_fits == [{"abstain_as_class": True, "max_iter": 1}, {"abstain_as_class": True, "max_iter": 2}]
    assert [p["C"] for n, p in seen if n == "LogisticRegression"] == [1e-6]


@pytest.mark.parametrize("kw, match", [
    (dict(label_model_params={"mv": {}}), r"label_model_params: key 'mv' names no selected label model "
                                          r"\(MajorityVote is not among them\)"),
    (dict(label_model_params={"nosuch": {}}), "label_model_params: key 'nosuch' names no registered model"),
    (dict(label_model_params={"lr": {}}), "LogisticRegression is a end model"),
    (dict(label_model_params={"ds": {}, "DawidSkene": {}}), "two keys name DawidSkene"),
    (dict(end_model_params={"mlp": {}}), "end_model_params: key 'mlp' names no selected end model"),
    (dict(label_model_grid={"ds": {"max_iter": 5}}), r"label_model_grid\['ds'\]\['max_iter'\] must be a non-empty"),
    (dict(end_model_grid={"lr": {"C": "1.0"}}), r"end_model_grid\['lr'\]\['C'\] must be a non-empty list"),
])
def test_params_keys_naming_no_selected_model_are_errors(wrench_dir, kw, match):
    with pytest.raises(ValueError, match=match):
        run(["youtube"], ["ds"], ["lr"], seeds=1, data_dir=wrench_dir, progress=False, **kw)


def _with_feature_vectors(src, dst):
    """A copy of a labels-only set whose examples hold WRENCH's numeric "feature" vectors (as the official files)."""
    rng = np.random.default_rng(0)
    shutil.copytree(src, dst)
    for s in ("train", "valid", "test"):
        d = json.loads((dst / f"{s}.json").read_text())
        for ex in d.values():
            ex["data"] = {"feature": rng.random(4).round(3).tolist()}
        (dst / f"{s}.json").chmod(0o644)
        (dst / f"{s}.json").write_text(json.dumps(d))


def test_sets_that_cannot_be_featurised_skip_their_end_models_not_the_bench(wrench_dir, tmp_path, monkeypatch):
    """d07/d12: a set without text features (WRENCH's feature-vector sets, a relation kind on a text set) stopped
    the whole bench when its turn came, after the earlier sets had run; now its end models are skipped, with why."""
    shutil.copytree(wrench_dir / "youtube", tmp_path / "youtube")
    _with_feature_vectors(wrench_dir / "tennis", tmp_path / "tennis")
    df = run(["youtube", "tennis"], ["mv"], ["lr"], seeds=1, data_dir=tmp_path, progress=False)
    ems = df[df["end_model"] == "lr"]
    assert set(ems["dataset"]) == {"youtube"} and set(df[df["end_model"] == ""]["dataset"]) == {"youtube", "tennis"}
    skipped = {s["what"]: s["why"] for s in df.attrs["skipped"]}
    assert "feature vectors" in skipped["end models on tennis"] and "['feature']" in skipped["end models on tennis"]
    # a relation feature kind fits semeval, not youtube: youtube's end models are skipped (decided before any run)
    if (wrench_dir / "semeval").is_dir():
        df = run(["youtube", "semeval"], ["mv"], ["lr"], seeds=1, data_dir=wrench_dir, progress=False,
                 features="tfidf_relation")
        assert set(df[df["end_model"] == "lr"]["dataset"]) == {"semeval"}
        assert "no 'tfidf_relation' features" in {s["what"]: s["why"] for s in df.attrs["skipped"]}[
            "end models on youtube"]
    # features failing while they are built (e.g. the embedding model) skip that set's end models too
    real = runner._features

    def flaky(ds, *a):
        if ds.name == "youtube":
            raise OSError("model weights unreadable")
        return real(ds, *a)

    monkeypatch.setattr(runner, "_features", flaky)
    shutil.copytree(wrench_dir / "sms", tmp_path / "sms")
    df = run(["youtube", "sms"], ["mv"], ["lr"], seeds=1, data_dir=tmp_path, progress=False)
    assert set(df[df["end_model"] == "lr"]["dataset"]) == {"sms"}
    assert any("model weights unreadable" in s["why"] for s in df.attrs["skipped"])


def test_empty_valid_split_under_gold_free_runs_end_models(wrench_dir, tmp_path):
    """d07: under gold-free an empty valid split (accepted there) failed featurisation blaming a missing 'text'."""
    yt = tmp_path / "youtube"
    shutil.copytree(wrench_dir / "youtube", yt)
    (yt / "valid.json").chmod(0o644)
    (yt / "valid.json").write_text("{}")
    df = run(["youtube"], ["mv"], ["lr"], seeds=1, data_dir=tmp_path, progress=False, protocol="gold-free")
    assert df.attrs["skipped"] == []
    assert df.query("end_model == 'lr' and split == 'test'")["score"].notna().all()
    with pytest.raises(ValueError, match="valid split.* no examples.*end-model grid search selects on valid"):
        run(["youtube"], ["mv"], ["lr"], seeds=1, data_dir=tmp_path, progress=False, protocol="gold-free",
            end_model_grid=True)


def test_cells_that_train_on_valid_labels_are_marked_and_get_no_published_number(wrench_dir, tmp_path):
    """d01: params making a model train on gold valid labels were printed beside WRENCH's unsupervised numbers,
    unmarked, and the params were recorded nowhere."""
    lmp = {"wmv": {"accuracy_source": "valid"}, "DawidSkene": {"use_valid_labels": True, "abstain_as_class": True}}
    df = run(["youtube"], ["mv", "wmv", "ds"], ["lr"], seeds=1, data_dir=wrench_dir, progress=False,
             protocol=["wrench", "gold-free"], label_model_params=lmp, out_dir=tmp_path)
    test = df[df["split"] == "test"].set_index(["protocol", "label_model", "end_model"])
    for lm in ("WeightedMajorityVote", "DawidSkene"):
        for em in ("", "lr"):
            assert test.loc[("wrench", lm, em), "semi_supervised"] != ""
            assert pd.isna(test.loc[("wrench", lm, em), "published"])
    for em in ("", "lr"):  # gold-free: no valid labels reach the model (WMV from valid cannot run there at all)
        assert test.loc[("gold-free", "DawidSkene", em), "semi_supervised"] == ""
    assert ("gold-free", "WeightedMajorityVote", "") not in test.index
    assert test.loc[("wrench", "MajorityVote", ""), "semi_supervised"] == ""
    assert test.loc[("wrench", "MajorityVote", ""), "published"] == 84.0
    assert json.loads(test.loc[("wrench", "WeightedMajorityVote", ""), "params"]) == {"accuracy_source": "valid"}
    meta = json.loads((tmp_path / "results.json").read_text())["meta"]
    assert meta["label_model_params"] == {"WeightedMajorityVote": {"accuracy_source": "valid"},
                                          "DawidSkene": {"use_valid_labels": True, "abstain_as_class": True}}
    for text in (results_table(df), (tmp_path / "table.md").read_text()):
        wrench = text.split("**protocol gold-free")[0]
        assert "| WeightedMajorityVote | 87.20 ± 0.00 (semi-supervised) |" in wrench
        assert "(78.00)" not in wrench and "(83.20)" not in wrench
        assert "accuracy_source='valid'" in wrench and "use_valid_labels=True" in wrench
        assert "| LR + DawidSkene |" in wrench and "(93.36)" not in wrench.split("LR + DawidSkene")[1].split("\n")[0]
    assert "(83.20) |" in results_table(df, protocol="gold-free").split("| DawidSkene |")[1].split("\n")[0]
    # the mark survives the CSV round trip
    assert results_table(pd.read_csv(tmp_path / "results.csv")) == results_table(df)


def test_default_settings_that_train_on_valid_are_marked_too(wrench_dir):
    """DawidSkene's default use_valid_labels=True and AutoLabelModel's WMV-dev / DS-semi candidates train on the
    valid labels under the wrench protocol; without those settings the cells are unsupervised again."""
    from weaksup.labelmodel.registry import auto_candidates

    plain = [c for c in auto_candidates() if not c[3]]
    df = run(["youtube"], ["ds", "auto"], seeds=1, data_dir=wrench_dir, progress=False)
    semi = df[df["split"] == "test"].set_index("label_model")["semi_supervised"]
    assert "use_valid_labels=True" in semi["DawidSkene"]
    assert "candidates WMV-dev, DS-semi train on the valid labels" in semi["AutoLabelModel"]
    df = run(["youtube"], ["ds", "auto"], seeds=1, data_dir=wrench_dir, progress=False,
             label_model_params={"ds": {"use_valid_labels": False}, "auto": {"candidates": plain}})
    test = df[df["split"] == "test"].set_index("label_model")
    assert (test["semi_supervised"] == "").all() and test.loc["DawidSkene", "published"] == 83.2


def test_interrupted_run_keeps_the_finished_cells_and_marks_them_partial(wrench_dir, tmp_path, monkeypatch):
    """Ctrl-C part-way through run(out_dir=) kept none of the finished cells."""
    from weaksup.bench.runner import BenchInterrupted

    fit, calls = runner._fit_label_model, []

    def interrupted_on_the_fourth(*a, **k):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return fit(*a, **k)

    monkeypatch.setattr(runner, "_fit_label_model", interrupted_on_the_fourth)
    try:
        run(["youtube"], ["mv", "ds"], seeds=2, data_dir=wrench_dir, out_dir=tmp_path / "out", progress=False)
    except BenchInterrupted as exc:
        stop = exc
    except KeyboardInterrupt:  # not re-raised: it would stop the test session
        pytest.fail("a plain KeyboardInterrupt: the finished cells were lost")
    else:
        pytest.fail("the interrupt was swallowed")
    assert stop.missing == ["youtube wrench DawidSkene seed=1"] and stop.total == 4
    assert stop.out_dir == tmp_path / "out"
    assert len(stop.results) == 9 and set(stop.results["split"]) == {"train", "valid", "test"}
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["meta"]["interrupted"]["missing"] == stop.missing and len(saved["results"]) == 9
    assert "interrupted after 3 of 4 cells" in (tmp_path / "out" / "table.md").read_text().splitlines()[0]


def test_a_complete_run_writes_no_partial_mark(wrench_dir, tmp_path):
    df = run(["youtube"], ["mv"], seeds=1, data_dir=wrench_dir, out_dir=tmp_path / "out", progress=False)
    assert "interrupted" not in df.attrs["meta"]
    assert "Partial" not in (tmp_path / "out" / "table.md").read_text()
    assert (tmp_path / "out" / "section.md").read_text() == runner.docs_section(df)


@pytest.mark.parametrize("state", ["missing", "empty", "other"])
def test_a_data_dir_without_any_set_is_named_with_its_state(tmp_path, state):
    """'no WRENCH classification dataset found; pass data_dir= ...' named neither the folder nor why."""
    folder = tmp_path / "root"
    if state != "missing":
        folder.mkdir()
    if state == "other":
        (folder / "notes.txt").write_text("x")
    why = {"missing": "no such folder", "empty": "the folder is empty",
           "other": "the folder holds no registered WRENCH classification dataset (it holds notes.txt)"}[state]
    with pytest.raises(FileNotFoundError, match=f"data_dir {str(folder)!r}: {re.escape(why)}"):
        run(None, ["mv"], seeds=1, data_dir=folder, progress=False)
