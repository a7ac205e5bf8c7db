"""End-to-end weak supervision in under a minute: LFs -> votes -> analysis -> label model -> end model.

Runs on WRENCH YouTube spam when it can find it (``--data-dir``,
``$WEAKSUP_DATA``, then the user cache ``~/.cache/weaksup/wrench``):

1. hand-written Python keyword/regex/heuristic LFs are applied to the comment
   texts (not read from the shipped vote matrix) and joined with the 10 LF
   votes WRENCH ships;
2. :class:`~weaksup.analysis.LFAnalysis` summarises the LFs (accuracy on the
   valid split);
3. a :class:`~weaksup.pipeline.Pipeline` fits a label model
   (:class:`~weaksup.labelmodel.MatrixCompletion`) that turns the votes into
   soft labels and
4. an end model (weaksup's soft-label ``LogisticRegression``) on TF-IDF
   features of the covered training texts;
5. test metrics are printed (the test split is used for nothing else).

Without the data it says how to get it and runs the same pipeline on a
procedurally generated spam task instead.

Usage::

    weaksup demo                # or: python -m weaksup.demo
    python -m weaksup.demo --data-dir /path/to/wrench --seed 1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from weaksup.apply import LFApplier
from weaksup.lf import keyword_lf, labeling_function, regex_lf, threshold_lf
from weaksup.votes import ABSTAIN, VoteMatrix

__all__ = ["main", "youtube_lfs", "synthetic_lfs", "run_demo", "run_pipeline"]

HAM, SPAM = 0, 1


def youtube_lfs() -> list[Any]:
    """Hand-written LFs for YouTube comment spam (in the spirit of snorkel's spam tutorial)."""

    @labeling_function()
    def lf_short_comment(x):
        """Very short comments are usually reactions, not spam."""
        return HAM if len(x.text.split()) < 5 else ABSTAIN

    @labeling_function()
    def lf_talks_about_views(x):
        """'2 billion views' chatter is ham."""
        t = x.text.lower()
        return HAM if ("views" in t or "billion" in t) and "http" not in t else ABSTAIN

    return [
        keyword_lf(["my"], SPAM, name="kw_my"),
        keyword_lf(["subscribe", "subscribers", "sub"], SPAM, name="kw_subscribe"),
        keyword_lf(["please", "plz", "pls"], SPAM, name="kw_please"),
        keyword_lf(["song", "love", "beautiful"], HAM, name="kw_song"),
        regex_lf(r"check\s+(?:it\s+|this\s+|me\s+)?out", SPAM, name="re_check_out"),
        regex_lf(r"https?://|www\.|\.com\b", SPAM, name="re_link"),
        regex_lf(r"\b(?:channel|video)s?\b.*\b(?:my|our)\b|\b(?:my|our)\b.*\bchannel\b", SPAM,
                 name="re_my_channel"),
        lf_short_comment,
        lf_talks_about_views,
    ]


def synthetic_lfs() -> list[Any]:
    """LFs for :func:`weaksup.synthetic.make_text_task` (no data needed)."""
    return [
        keyword_lf(["subscribe", "channel"], SPAM, name="kw_subscribe"),
        keyword_lf(["free", "win", "prize", "giveaway"], SPAM, name="kw_free"),
        keyword_lf(["money", "cash", "offer", "deal"], SPAM, name="kw_money"),
        keyword_lf(["love", "beautiful", "amazing"], HAM, name="kw_love"),
        keyword_lf(["song", "music", "melody", "lyrics"], HAM, name="kw_song"),
        regex_lf(r"https?://", SPAM, name="re_link"),
        regex_lf(r"check\s+out", SPAM, name="re_check_out"),
        threshold_lf("n_exclaim", 2, SPAM, name="thr_exclaim"),
        threshold_lf("n_words", 6, HAM, op="<=", name="thr_short"),
    ]


def _load_youtube(data_dir: str | None) -> tuple[dict[str, tuple[pd.DataFrame, VoteMatrix, np.ndarray]], str] | None:
    from weaksup.data import find_wrench_dir, load_wrench

    folder = find_wrench_dir("youtube", data_dir)
    if folder is None or not (folder / "train.json").exists():
        return None
    ds = load_wrench("youtube", folder.parent)
    splits = {}
    for name in ("train", "valid", "test"):
        s = ds.splits[name]
        shipped = VoteMatrix(s.votes, [f"wrench_{j}" for j in range(s.votes.m)], ds.cardinality)
        splits[name] = (s.data, shipped, s.labels)
    return splits, str(folder)


def _synthetic_splits(seed: int) -> dict[str, tuple[pd.DataFrame, VoteMatrix | None, np.ndarray]]:
    from weaksup.synthetic import make_text_task

    df, y = make_text_task(4000, seed=seed)
    cuts = {"train": slice(0, 2800), "valid": slice(2800, 3200), "test": slice(3200, 4000)}
    return {k: (df.iloc[s].reset_index(drop=True), None, y[s]) for k, s in cuts.items()}


def run_demo(splits: dict[str, Any], lfs: list[Any], *, metric: str, seed: int = 0,
             out: Any = None) -> dict[str, Any]:
    """The whole demo on ``splits[name] = (texts_df, shipped_votes_or_None, gold)``; returns metrics.

    LFs are applied and analysed here; the label model and the end model are
    fitted by one :class:`weaksup.pipeline.Pipeline`.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    from weaksup.analysis import LFAnalysis
    from weaksup.endmodel import LogisticRegression
    from weaksup.labelmodel import MajorityVote, MatrixCompletion
    from weaksup.metrics import score
    from weaksup.pipeline import Pipeline

    out = out or sys.stdout

    def say(*args: Any) -> None:
        print(*args, file=out, flush=True)

    applier = LFApplier(lfs, cardinality=2, progress=False)
    votes: dict[str, VoteMatrix] = {}
    for name, (df, shipped, _) in splits.items():
        V = applier.apply(df)
        votes[name] = V.hstack(shipped) if shipped is not None else V
    say(f"\n[1] Applied {len(lfs)} hand-written LFs to the texts in "
        f"{sum(applier.last_report.table['seconds']) * 1000:.0f} ms (last split); "
        f"vote matrix train: {votes['train']!r}")

    df_v, _, y_valid = splits["valid"]
    analysis = LFAnalysis(votes["valid"])
    summary = analysis.summary(y=y_valid)
    say("\n[2] LFAnalysis on the valid split (gold labels used only for reporting):")
    with pd.option_context("display.width", 120, "display.max_columns", 12, "display.precision", 3):
        say(summary.to_string())
    tr = LFAnalysis(votes["train"])
    say(f"train: coverage {tr.label_coverage():.3f}, overlap {tr.label_overlap():.3f}, "
        f"conflict {tr.label_conflict():.3f}")

    L_train = votes["train"]
    covered = L_train.covered()
    # TF-IDF vocabulary from the covered rows (the ones the end model trains on)
    texts = splits["train"][0]["text"].astype(str).to_numpy()
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(texts[covered])
    X = {name: vec.transform(splits[name][0]["text"].astype(str)) for name in ("train", "valid", "test")}
    lm_name, em_name = "MatrixCompletion", "weaksup LogisticRegression (soft labels)"
    pipe = Pipeline(MatrixCompletion(cardinality=L_train.cardinality),
                    LogisticRegression(C=1.0, max_iter=300, patience=20))
    pipe.fit(L_train, X["train"], valid=(X["valid"], y_valid), seed=seed)
    say(f"\n[3] Label model: {lm_name} fitted on {L_train.n} unlabelled train rows.")
    say(f"\n[4] End model: {em_name} on TF-IDF features of {int(covered.sum())} covered train rows.")

    _, _, y_test = splits["test"]
    mv = MajorityVote(cardinality=2).fit(L_train)
    preds = {f"label model {lm_name}": pipe.label_model_.predict(votes["test"]),
             "majority vote": mv.predict(votes["test"]),
             f"end model {em_name}": pipe.predict(X["test"])}
    results = {label: {m: score(m, y_test, pred) for m in (metric, "f1_binary")} for label, pred in preds.items()}
    say(f"\n[5] Test metrics ({len(y_test)} examples, never used for fitting or tuning):")
    width = max(len(k) for k in results)
    say(f"  {'model':<{width}}  {metric:>9}  {'f1_binary':>9}")
    for k, v in results.items():
        say(f"  {k:<{width}}  {v[metric]:>9.4f}  {v['f1_binary']:>9.4f}")
    return {"metric": metric, "results": results, "summary": summary, "votes": votes, "pipeline": pipe}


def run_pipeline(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Deprecated name of :func:`run_demo` (it shadowed :func:`weaksup.pipeline.run_pipeline`)."""
    from weaksup._deprecate import warn_deprecated

    warn_deprecated("weaksup.demo.run_pipeline", "weaksup.demo.run_demo")
    return run_demo(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``weaksup demo`` and ``python -m weaksup.demo``."""
    ap = argparse.ArgumentParser(prog="weaksup demo", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=None, help="folder holding WRENCH datasets (default: $WEAKSUP_DATA, "
                    "then the user cache)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--synthetic", action="store_true", help="skip WRENCH and use the generated task")
    args = ap.parse_args(argv)
    if "torch" in sys.modules:  # keep a shared CPU box usable; the demo itself needs no torch
        sys.modules["torch"].set_num_threads(min(2, os.cpu_count() or 1))
    t0 = time.perf_counter()
    found = None if args.synthetic else _load_youtube(args.data_dir)
    if found is not None:
        splits, folder = found
        print(f"weaksup demo: WRENCH YouTube spam from {folder} "
              f"(train {len(splits['train'][2])}, valid {len(splits['valid'][2])}, test {len(splits['test'][2])}); "
              "hand-written LFs + the 10 shipped WRENCH LFs.")
        lfs, metric = youtube_lfs(), "accuracy"
    else:
        if not args.synthetic:
            from weaksup.data import cache_dir

            print("weaksup demo: WRENCH 'youtube' was not found "
                  f"(looked in --data-dir, $WEAKSUP_DATA={os.environ.get('WEAKSUP_DATA', '')!r}, {cache_dir()}).\n"
                  "  To run on real data: set WEAKSUP_DATA to the folder holding the WRENCH datasets, or run\n"
                  "    python -c \"import weaksup.data as d; d.download_wrench('youtube')\"")
        print("weaksup demo: running on a procedurally generated spam/ham comment task instead "
              "(weaksup.synthetic.make_text_task; SYNTHETIC data, not a benchmark).")
        splits, lfs, metric = _synthetic_splits(args.seed), synthetic_lfs(), "accuracy"
    run_demo(splits, lfs, metric=metric, seed=args.seed)
    print(f"\nDone in {time.perf_counter() - t0:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
