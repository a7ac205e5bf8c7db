"""End-to-end weak supervision in under a minute: LFs -> votes -> analysis -> label model -> end model.

Runs on real data by default: WRENCH YouTube spam, found through ``--data-dir``,
``$WEAKSUP_DATA`` or the user cache ``~/.cache/weaksup/wrench``, and otherwise the
copy bundled inside the package (so it runs offline on any fresh machine):

1. hand-written Python keyword/regex/heuristic LFs are applied to the comment
   texts (not read from the shipped vote matrix) and joined with the 10 LF
   votes WRENCH ships;
2. :class:`~weaksup.analysis.LFAnalysis` summarises the LFs (accuracy on the
   valid split);
3. the recommended label model, :class:`~weaksup.labelmodel.AutoLabelModel`,
   fits the registered candidates with the 120 labelled valid rows (they give
   the class balance) and keeps the best on them (the WRENCH protocol; the test
   labels are never read), and the gold-free default (the same class without
   any labels: its fallback, GoldFree, with the class balance estimated from the
   votes) is fitted beside it;
4. a :class:`~weaksup.pipeline.Pipeline` trains an end model (weaksup's
   soft-label ``LogisticRegression`` on TF-IDF features) on the recommended
   model's soft labels of the covered training texts;
5. test metrics are printed beside majority vote, with the gain of each model
   over it (the test split is used for nothing else).

``--synthetic`` runs the same pipeline on a procedurally generated spam task instead.

Usage::

    weaksup demo                # or: python -m weaksup.demo
    weaksup demo --data-dir /path/to/wrench --seed 1
    weaksup demo --synthetic
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from weaksup._console import echo
from weaksup.apply import LFApplier
from weaksup.lf import keyword_lf, labeling_function, regex_lf, threshold_lf
from weaksup.votes import ABSTAIN, VoteMatrix

__all__ = ["main", "youtube_lfs", "synthetic_lfs", "run_demo", "run_pipeline", "versus_majority_vote"]

HAM, SPAM = 0, 1
# the --help description; not read from __doc__, which python -OO (PYTHONOPTIMIZE=2) strips to None
_DESCRIPTION = "End-to-end weak supervision in under a minute: LFs -> votes -> analysis -> label model -> end model."


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


def _load_youtube(data_dir: str | None) -> tuple[dict[str, tuple[pd.DataFrame, VoteMatrix, np.ndarray]], Any] | None:
    """The youtube splits as ``(texts, shipped votes renamed wrench_j, gold)`` and the dataset, or None."""
    from weaksup.data import load_wrench

    try:
        ds = load_wrench("youtube", data_dir)
    except FileNotFoundError:
        return None
    splits = {}
    for name in ("train", "valid", "test"):
        s = ds.splits[name]
        shipped = VoteMatrix(s.votes, [f"wrench_{j}" for j in range(s.votes.m)], ds.cardinality)
        splits[name] = (s.data, shipped, s.labels)
    return splits, ds


def _synthetic_splits(seed: int) -> dict[str, tuple[pd.DataFrame, VoteMatrix | None, np.ndarray]]:
    from weaksup.synthetic import make_text_task

    df, y = make_text_task(4000, seed=seed)
    cuts = {"train": slice(0, 2800), "valid": slice(2800, 3200), "test": slice(3200, 4000)}
    return {k: (df.iloc[s].reset_index(drop=True), None, y[s]) for k, s in cuts.items()}


def run_demo(splits: dict[str, Any], lfs: list[Any], *, metric: str, seed: int = 0,
             out: Any = None) -> dict[str, Any]:
    """The whole demo on ``splits[name] = (texts_df, shipped_votes_or_None, gold)``; returns metrics.

    LFs are applied and analysed here; the recommended label model
    (:class:`~weaksup.labelmodel.AutoLabelModel`, selected on the valid split's
    labels) and the end model are fitted by one :class:`weaksup.pipeline.Pipeline`;
    the gold-free default and majority vote are fitted beside them for comparison.
    The test split's labels are read only to report the metrics.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    from weaksup.analysis import LFAnalysis
    from weaksup.endmodel import LogisticRegression
    from weaksup.labelmodel import AutoLabelModel, MajorityVote
    from weaksup.metrics import score
    from weaksup.pipeline import Pipeline

    out = out or sys.stdout

    def say(*args: Any) -> None:  # as print(*args), with backslash escapes where out's encoding lacks a character
        echo(" ".join(map(str, args)), out, flush=True)

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

    # the recommended label model: chosen on the labelled valid split, never on test
    em_name = "weaksup LogisticRegression (soft labels)"
    pipe = Pipeline(AutoLabelModel(cardinality=L_train.cardinality, metric=metric),
                    LogisticRegression(C=1.0, max_iter=300, patience=20))
    pipe.fit(L_train, X["train"], valid=(votes["valid"], X["valid"], y_valid), seed=seed)
    auto = pipe.label_model_
    rec_how = _recommended_how(auto)
    say(f"\n[3] Recommended label model: AutoLabelModel fitted its candidates on {L_train.n} unlabelled train rows "
        f"with the {len(y_valid)} labelled valid rows (most candidates take the class balance from them) and chose "
        f"{auto.chosen_} on them (valid {metric}: "
        + ", ".join(f"{k} {v:.3f}" for k, v in sorted(auto.valid_scores_.items(), key=lambda kv: -kv[1])) + ").")
    goldfree = AutoLabelModel(cardinality=L_train.cardinality, metric=metric).fit(L_train, seed=seed)
    say(f"    Gold-free default (AutoLabelModel without any labels): {goldfree.chosen_}, fitted on the votes alone.")
    if goldfree.chosen_ == auto.chosen_:
        say(f"    Both are {auto.chosen_} but not the same fit: class balance "
            f"{_balance(auto.model_)} (recommended: {rec_how}) vs {_balance(goldfree.model_)} "
            "(gold-free: no labels), so their predictions can differ.")
    say(f"\n[4] End model: {em_name} on TF-IDF features of {int(covered.sum())} covered train rows, "
        f"trained on the recommended model's soft labels (Pipeline).")

    _, _, y_test = splits["test"]
    mv = MajorityVote(cardinality=L_train.cardinality).fit(L_train)
    rows = {"majority vote": mv.predict(votes["test"]),
            f"recommended label model ({auto.chosen_}, {rec_how})": auto.predict(votes["test"]),
            f"gold-free label model ({goldfree.chosen_}, no labels)": goldfree.predict(votes["test"]),
            f"end model {em_name}": pipe.predict(X["test"])}
    metrics = [metric] if metric == "f1_binary" else [metric, "f1_binary"]
    results = {label: {m: score(m, y_test, pred) for m in metrics} for label, pred in rows.items()}
    base = results["majority vote"][metric]
    say(f"\n[5] Test metrics ({len(y_test)} examples, never used for fitting, selection or tuning):")
    width = max(len(k) for k in results)
    say(f"  {'model':<{width}}  " + "  ".join(f"{m:>9}" for m in metrics) + f"  {'vs MV':>7}")
    for k, v in results.items():
        gain = "" if k == "majority vote" else f"{100 * (v[metric] - base):+7.1f}"
        say(f"  {k:<{width}}  " + "  ".join(f"{v[m]:>9.4f}" for m in metrics) + f"  {gain:>7}")
    rec = results[list(results)[1]][metric]
    end = results[list(results)[3]][metric]
    if auto.chosen_ == "MV":
        verdict = ("the recommended label model IS majority vote here: no candidate scored higher on the valid "
                   "labels, so it gains nothing over it")
    elif rec > base:
        verdict = f"the recommended label model {versus_majority_vote(rec - base, metric)}"
    else:
        verdict = (f"the recommended label model ({auto.chosen_}, best on valid) does NOT beat majority vote on test "
                   f"({100 * (rec - base):+.1f} points)")
    say(f"\n  In short: {verdict}; the end model (it also predicts where no LF votes) "
        f"{versus_majority_vote(end - base, metric)}.")
    return {"metric": metric, "results": results, "summary": summary, "votes": votes, "pipeline": pipe,
            "goldfree": goldfree, "majority_vote": mv, "features": X}


def versus_majority_vote(diff: float, metric: str) -> str:
    """How a score ``diff`` (a fraction) above majority vote's reads: gains / loses / ties, in points.

    >>> from weaksup.demo import versus_majority_vote
    >>> versus_majority_vote(-0.008, "accuracy"), versus_majority_vote(0.012, "accuracy")
    ('loses 0.8 points of accuracy against majority vote', 'gains 1.2 points of accuracy over majority vote')
    >>> versus_majority_vote(0.0, "accuracy")
    'ties with majority vote on accuracy'
    """
    points = round(100 * diff, 1)
    if points > 0:
        return f"gains {points:.1f} points of {metric} over majority vote"
    if points < 0:
        return f"loses {-points:.1f} points of {metric} against majority vote"
    return f"ties with majority vote on {metric}"


def _recommended_how(auto: Any) -> str:
    """What the recommended model's candidate did with the valid labels (fitted with them or not; chosen on them)."""
    from weaksup.labelmodel.auto import DEFAULT_CANDIDATES

    params = next((c[2] for c in (auto.candidates or DEFAULT_CANDIDATES) if c[0] == auto.chosen_), {})
    if params.get("_ignore_valid") or params.get("_ignore_dev"):
        return "chosen on the valid labels, fitted without them"
    return "fitted with the valid labels, chosen on them"


def _balance(model: Any) -> str:
    cb = getattr(model, "class_balance_", None)
    return "?" if cb is None else "[" + ", ".join(f"{float(v):.2f}" for v in cb) + "]"


def run_pipeline(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Deprecated name of :func:`run_demo` (it shadowed :func:`weaksup.pipeline.run_pipeline`)."""
    from weaksup._deprecate import warn_deprecated

    warn_deprecated("weaksup.demo.run_pipeline", "weaksup.demo.run_demo")
    return run_demo(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``weaksup demo`` and ``python -m weaksup.demo``."""
    ap = argparse.ArgumentParser(prog="weaksup demo", description=_DESCRIPTION)
    ap.add_argument("--data-dir", default=None, help="folder holding WRENCH datasets (default: $WEAKSUP_DATA, "
                    "then the user cache, then the copy of youtube bundled with weaksup)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--synthetic", action="store_true",
                    help="run on a procedurally generated spam task instead of WRENCH youtube")
    args = ap.parse_args(argv)
    if "torch" in sys.modules:  # keep a shared CPU box usable; the demo itself needs no torch
        sys.modules["torch"].set_num_threads(min(2, os.cpu_count() or 1))
    t0 = time.perf_counter()
    found = None if args.synthetic else _load_youtube(args.data_dir)
    if found is not None:
        splits, ds = found
        where = ("the copy bundled with weaksup" if ds.source == "bundled"
                 else {"data_dir": "--data-dir", "WEAKSUP_DATA": "$WEAKSUP_DATA", "cache": "the user cache"}
                 .get(ds.source, ds.source))
        echo(f"weaksup demo: WRENCH YouTube spam, real data ({where}: {ds.path}; "
             f"train {len(splits['train'][2])}, valid {len(splits['valid'][2])}, test {len(splits['test'][2])}); "
             "hand-written LFs + the 10 shipped WRENCH LFs.")
        lfs, metric = youtube_lfs(), "accuracy"
    else:
        if not args.synthetic:
            from weaksup.data import cache_dir

            echo("weaksup demo: WRENCH 'youtube' was not found "
                 f"(looked in --data-dir, $WEAKSUP_DATA={os.environ.get('WEAKSUP_DATA', '')!r}, {cache_dir()} "
                 "and the copy bundled with weaksup, which this installation lacks).\n"
                 "  To run on real data: set WEAKSUP_DATA to the folder holding the WRENCH datasets, or run\n"
                 "    python -c \"import weaksup.data as d; d.download_wrench('youtube')\"")
        echo("weaksup demo: running on a procedurally generated spam/ham comment task "
             "(weaksup.synthetic.make_text_task; SYNTHETIC data, not a benchmark).")
        splits, lfs, metric = _synthetic_splits(args.seed), synthetic_lfs(), "accuracy"
    run_demo(splits, lfs, metric=metric, seed=args.seed)
    echo(f"\nDone in {time.perf_counter() - t0:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
