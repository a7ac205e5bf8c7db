"""Prompted-LLM labeling functions on WRENCH (section "prompted-lfs" of docs/benchmarks.md).

For each task: apply the task's prompt suite (labelers.suites) to the valid
split, the test split and a seeded train subsample; report per-prompt
coverage/accuracy, label-model and end-model scores for prompted LFs alone,
WRENCH LFs alone and both combined, the zero-shot score of the task's
direct question, and calls/s and cache hit rate.  Every response is cached
(~/.cache/weaksup/labelers/responses.sqlite), so a rerun costs no model call.

Runs unchanged with a larger local model (``--model-path``, ``--gguf-file``)
or an OpenAI-compatible endpoint (``--base-url``, ``--model``).

    python benchmarks/prompted_wrench.py                  # both tasks (PRESETS), writes the section
    python benchmarks/prompted_wrench.py --datasets sms --n-train 150 --no-write
    python benchmarks/prompted_wrench.py --smoke          # tiny CI run (temp files only)

The section is written whole by one run: every task in ``--datasets`` is
recomputed (the response cache only skips model calls already made).
Each task's train/valid subsample sizes and prompt list default to its entry
in ``PRESETS`` (the section's published settings); ``--n-train``,
``--n-valid`` and ``--prompts`` override them for every task.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import weaksup as ws  # noqa: E402
from weaksup import metrics  # noqa: E402

LMITL = {"youtube": ("accuracy", 92.0, 58.7), "sms": ("f1_binary", 91.8, 83.2)}
#: Per-task defaults of the published section: rows prompted (train subsample, valid subsample; test: all)
#: and the prompts of the task's suite that are used.
PRESETS = {
    "youtube": {"n_train": 100, "n_valid": 60, "prompts": ["yt_spam", "yt_subscribe", "yt_song"]},
    "sms": {"n_train": 300, "n_valid": 100, "prompts": ["sms_spam", "sms_prize"]},
}
DEFAULTS = {"n_train": 150, "n_valid": None, "prompts": None}  # a task without a preset


def task_setting(task: str, args: argparse.Namespace, key: str):
    """``args.<key>`` if given on the command line, else the task's preset, else :data:`DEFAULTS`."""
    given = getattr(args, key)
    return given if given is not None else PRESETS.get(task, DEFAULTS).get(key, DEFAULTS[key])


def make_backend(args: argparse.Namespace):
    if args.base_url:
        from weaksup.labelers.backends import OpenAIBackend

        return OpenAIBackend(args.base_url, model=args.model, api=args.api, concurrency=args.concurrency,
                             timeout=args.timeout)
    import torch

    torch.set_num_threads(args.threads)
    from weaksup.labelers.backends import HFBackend

    if args.model_path:
        return HFBackend.from_pretrained(args.model_path, gguf_file=args.gguf_file, batch_size=args.batch_size)
    return HFBackend.smollm2(batch_size=args.batch_size)


def label_models():
    from weaksup import labelmodel as lmod

    out = {"MV": lambda k: lmod.MajorityVote(cardinality=k)}
    out["DawidSkene"] = lambda k: lmod.DawidSkene(cardinality=k)
    out["MatrixCompletion"] = lambda k: lmod.MatrixCompletion(cardinality=k)
    out["FlyingSquid"] = lambda k: lmod.FlyingSquid(cardinality=k)
    return out


def fmt(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}"


def run_task(task: str, args: argparse.Namespace, backend, cache) -> tuple[str, dict]:
    from weaksup.labelers.suites import get_suite
    from weaksup.endmodel import LogisticRegression
    from sklearn.feature_extraction.text import TfidfVectorizer

    c_start = time.process_time()
    ds = ws.load_wrench(task, args.data_dir)
    k, metric = ds.cardinality, ds.metric
    rng = np.random.default_rng(args.seed)
    n_train, n_valid, prompts = (task_setting(task, args, key) for key in ("n_train", "n_valid", "prompts"))
    n_tr = min(n_train, len(ds.train))
    tr_idx = np.sort(rng.choice(len(ds.train), n_tr, replace=False))
    va_idx = np.arange(len(ds.valid)) if n_valid is None else np.sort(
        rng.choice(len(ds.valid), min(n_valid, len(ds.valid)), replace=False))
    te_idx = np.arange(len(ds.test)) if args.n_test is None else np.sort(
        rng.choice(len(ds.test), min(args.n_test, len(ds.test)), replace=False))
    splits = {"train": (ds.train, tr_idx), "valid": (ds.valid, va_idx), "test": (ds.test, te_idx)}
    from weaksup.labelers.suites import SUITES

    names = [p["name"] for p in SUITES[task] if not prompts or p["name"] in prompts] or None
    lfs = get_suite(task, backend, names=names, cache=cache, calibrate=not args.no_calibrate,
                    progress=args.progress)
    # calibration first (3 prompts per LF)
    for lf in lfs:
        if lf.calibrate:
            lf.fit_calibration()
    votes, y, wrench = {}, {}, {}
    t0 = time.perf_counter()
    for s, (split, idx) in splits.items():
        df = split.data.iloc[idx].reset_index(drop=True)
        votes[s] = ws.apply_lfs(lfs, df, cardinality=k, progress=args.progress, chunk_size=64)
        y[s] = split.labels[idx]
        wrench[s] = split.votes[idx]
        print(f"[{task}] {s}: {len(idx)} rows done ({time.perf_counter() - t0:.0f} s)", flush=True)
    calls = sum(lf.stats.calls for lf in lfs)
    hits = sum(lf.stats.cache_hits for lf in lfs)
    prompts = sum(lf.stats.prompts for lf in lfs)
    secs = sum(lf.stats.seconds for lf in lfs)

    # per-prompt table
    rows = []
    for j, lf in enumerate(lfs):
        r = [f"`{lf.name}`", ", ".join(f"{a}→{ds.label_names[c]}" for a, c in lf.label_map.mapping.items())]
        for s in ("valid", "test"):
            col = votes[s].column(j)
            cov = (col != -1).mean()
            acc = (col[col != -1] == y[s][col != -1]).mean() if cov > 0 else float("nan")
            r += [fmt(cov), fmt(acc)]
        rows.append(r)
    from weaksup.bench.report import markdown_table

    per_prompt = markdown_table(["prompt", "label map", "valid cov", "valid acc", "test cov", "test acc"], rows)

    # zero-shot: the direct (bipolar) question alone, argmax of calibrated answer
    zs = lfs[0]
    zs_pred = votes["test"].column(0)
    zs_pred = np.where(zs_pred == -1, 0, zs_pred)
    zero_shot = metrics.score(metric, y["test"], zs_pred)

    # label models and end models on three LF sets
    sets = {"prompted": lambda s: votes[s], "WRENCH LFs": lambda s: wrench[s],
            "prompted + WRENCH": lambda s: votes[s].hstack(wrench[s])}
    vec = TfidfVectorizer(min_df=1, ngram_range=(1, 2), max_features=20000, sublinear_tf=True)
    X_tr = vec.fit_transform(ds.train.data.text.iloc[tr_idx].fillna(""))
    X_te = vec.transform(ds.test.data.text.iloc[te_idx].fillna(""))
    lm_rows = []
    for set_name, get in sets.items():
        # LFs that never fire on the (small) train subsample cannot be fitted: drop them everywhere
        fires = np.asarray((get("train").to_dense() != -1).any(axis=0))
        keep = [int(j) for j in np.nonzero(fires)[0]]
        sub = (lambda s, get=get, keep=keep: get(s).select_lfs(keep))
        for lm_name, ctor in label_models().items():
            cells = {"label model": "–", "end model": "–"}
            stage = "label model"
            try:  # a model that cannot fit this set: its cell says why
                lm = ctor(k).fit(sub("train"), seed=args.seed)
                cells[stage] = fmt(metrics.score(metric, y["test"], lm.predict(sub("test"))))
                P = lm.predict_proba(sub("train"))
                covered = np.asarray(sub("train").to_dense() != -1).any(axis=1)
                stage = "end model"
                em = LogisticRegression(C=10.0, cardinality=k, patience=None).fit(X_tr[covered], P[covered])
                cells[stage] = fmt(metrics.score(metric, y["test"], em.predict(X_te)))
            except Exception as exc:
                print(f"[{task}] {set_name} / {lm_name} ({stage}): {type(exc).__name__}: {exc}", flush=True)
                cells[stage] = f"– ({type(exc).__name__}: {str(exc)[:80]})".replace("|", "/").replace("\n", " ")
            lm_rows.append([set_name + f" ({len(keep)} LFs)", lm_name, cells["label model"], cells["end model"]])
    lm_table = markdown_table(["LFs", "label model", f"label model test {metric}",
                               f"end model (LR on TF-IDF) test {metric}"], lm_rows)
    info = {"calls": calls, "hits": hits, "prompts": prompts, "seconds": secs,
            "n": {s: len(i) for s, (_, i) in splits.items()}, "zero_shot": zero_shot, "metric": metric}
    ref = LMITL.get(task)
    ref_line = (f"LMitL (T0++ 11B, RoBERTa end model, full train): zero-shot {ref[2]}, prompted WS **{ref[1]}** "
                f"({ref[0]})." if ref else "LMitL reports no number for this task.")
    rate = calls / secs if secs > 0 else float("nan")
    info["cpu_seconds"] = time.process_time() - c_start
    info["wall_seconds"] = time.perf_counter() - t0
    text = (f"### {task}\n\nRows prompted: train subsample {info['n']['train']} (seed {args.seed}), valid "
            f"{info['n']['valid']}, test {info['n']['test']}; {len(lfs)} prompts"
            f"{' with contextual calibration' if not args.no_calibrate else ''}. "
            f"This run: {prompts} prompt look-ups, {calls} model calls, cache hit rate "
            f"{100 * hits / max(prompts, 1):.1f}%, {rate:.2f} calls/s over {secs:.0f} s of model time; the whole task took "
            f"{info['wall_seconds'] / 60:.1f} min wall, {info['cpu_seconds'] / 60:.1f} CPU-min.\n\n"
            f"{per_prompt}\n\nZero-shot (`{zs.name}` alone, abstain→class 0) test {metric}: "
            f"{fmt(zero_shot)}. {ref_line}\n\n{lm_table}\n")
    return text, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", nargs="+", default=["youtube", "sms"])
    ap.add_argument("--n-train", type=int, default=None,
                    help="train rows prompted (seeded subsample; default: the task's PRESETS entry, else 150)")
    ap.add_argument("--n-valid", type=int, default=None,
                    help="valid rows (default: the task's PRESETS entry, else all)")
    ap.add_argument("--n-test", type=int, default=None, help="test rows (default all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--prompts", nargs="*", default=None,
                    help="only these prompt names (from any task's suite; default: the task's PRESETS entry; "
                         "given without names: all)")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--cache", default=None, help="response cache file (default ~/.cache/weaksup/labelers/...)")
    ap.add_argument("--no-calibrate", action="store_true")
    ap.add_argument("--model-path")
    ap.add_argument("--gguf-file")
    ap.add_argument("--base-url", help="OpenAI-compatible endpoint instead of a local model")
    ap.add_argument("--model", default="SmolLM2-135M-Instruct")
    ap.add_argument("--api", default="chat", choices=["chat", "completions"])
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny CI run: youtube, one prompt, 4 rows per split, temp cache and section file")
    args = ap.parse_args()
    docs = ROOT / "docs" / "benchmarks.md"
    if args.smoke:
        from benchmarks._docs import smoke_out

        args.datasets, args.prompts, args.n_train, args.n_valid, args.n_test = ["youtube"], ["yt_spam"], 4, 4, 4
        args.cache, docs = str(smoke_out("responses.sqlite")), smoke_out()
    if args.data_dir is None and not os.environ.get("WEAKSUP_DATA"):
        cand = ROOT.parent / "shared" / "datasets" / "wrench"
        if cand.exists():
            args.data_dir = str(cand)
    from weaksup.labelers import ResponseCache

    cache = ResponseCache(args.cache) if args.cache else ResponseCache()
    backend = make_backend(args)
    parts = []
    for task in args.datasets:
        text, info = run_task(task, args, backend, cache)
        print(text, flush=True)
        parts.append(text)
    cmd = " ".join(["python benchmarks/prompted_wrench.py", *sys.argv[1:]])
    model = f"{backend.kind}:{backend.model}"
    where = (f"CPU, {args.threads} torch thread{'s' if args.threads > 1 else ''}" if not args.base_url
             else "served by the endpoint")
    size = "135M parameters, " if "SmolLM2-135M" in str(backend.model) else ""
    body = (f"Command: `{cmd}` (one run writes the whole section; per-task subsample sizes and prompts from the "
            f"script's `PRESETS`).\n\nModel: {model} ({size}{where}, scored by next-token "
            f"log-probability of each answer's verbalizers). Label models are fitted on the prompted train "
            f"subsample only, and the end model (weaksup LogisticRegression on TF-IDF, soft labels) is trained "
            f"on that subsample's covered rows, so end-model numbers are far below full-train WRENCH/LMitL "
            f"settings. LMitL used T0++ (11B) with RoBERTa on the full train split.\n\n"
            f"**Gold labels read**: contextual calibration reads none (content-free inputs); the per-prompt "
            f"valid/test accuracies and all test scores are measured against gold labels; label models and the "
            f"end model are fitted on the train subsample's votes only (no gold); nothing is chosen on valid. "
            f"The LMitL numbers are quoted from the paper, not rerun.\n\n" + "\n".join(parts))
    if not args.no_write:
        from benchmarks._docs import update_section

        update_section(docs, "prompted-lfs", body, title="Prompted LLM labeling functions")


if __name__ == "__main__":
    main()
