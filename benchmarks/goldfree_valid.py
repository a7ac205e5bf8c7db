"""The valid-split table that chose the gold-free default (docs/label_models.md, *Without labels (gold-free)*).

    WEAKSUP_DATA=/path/to/wrench python benchmarks/goldfree_valid.py

Prints the table (it writes no docs section): each model fitted on the unlabelled votes of train+valid+test of
the 9 WRENCH sets (seed 0), scored on the valid split (F1 of class 1 on sms, tennis, basketball, commercial,
accuracy otherwise; WRENCH's tie rule, sha1 of the valid row index), in percent, and how many sets score more
than 0.5 below majority vote.  HyperLM is left out where hyperlm is not installed.  Then, on the rows majority
vote decides, how many each model answers otherwise (right / wrong), the valid mean of majority vote with its
ties ordered by HyperLM, and class 1's share of the valid rows of the F1 sets.  ``--smoke``: youtube only.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATASETS = ["youtube", "sms", "trec", "semeval", "imdb", "yelp", "tennis", "basketball", "commercial"]


def models() -> dict[str, Any]:
    """Row name -> a maker of the unfitted model, in the table's order."""
    from weaksup.labelmodel import AbstainDawidSkene, DawidSkene, MajorityVote, MatrixCompletion

    out: dict[str, Any] = {
        "MajorityVote": MajorityVote,
        "AbstainDawidSkene (posterior)": AbstainDawidSkene,
        'MV, ties by ADS(init="mv")': lambda: AbstainDawidSkene(decide="majority", init="mv"),
        'MV, ties by ADS(init="mv2") = **GoldFree**': lambda: AbstainDawidSkene(decide="majority", init="mv2"),
        "MatrixCompletion": MatrixCompletion,
        "DawidSkene(abstain_as_class)": lambda: DawidSkene(abstain_as_class=True)}
    if importlib.util.find_spec("hyperlm") is not None:
        from weaksup.labelmodel import HyperLabelModel

        out["HyperLM (peer)"] = HyperLabelModel
    return out


def run(datasets: list[str], data_dir: str | None) -> None:
    from weaksup.data import load_wrench
    from weaksup.metrics import probs_to_preds, score
    from weaksup.votes import VoteMatrix

    rows = models()
    got: dict[str, list[float]] = {name: [] for name in rows}
    changes: dict[str, list[str]] = {}
    got_ties: list[float] = []
    shares: list[str] = []
    for d in datasets:
        ds = load_wrench(d, data_dir)
        tr, va, te = ds.train.votes, ds.valid.votes, ds.test.votes
        L = VoteMatrix(np.vstack([tr.to_dense(), va.to_dense(), te.to_dense()]), tr.lf_names, ds.cardinality)
        ys = np.asarray(ds.valid.labels)
        probs: dict[str, np.ndarray] = {}
        for name, make in rows.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                probs[name] = P = make().fit(L, seed=0).predict_proba(L)[tr.n:tr.n + va.n]
            got[name].append(100 * score(ds.metric, ys, probs_to_preds(P, "random")))
        print(f"{d}: " + ", ".join(f"{n} {v[-1]:.2f}" for n, v in got.items()), file=sys.stderr, flush=True)
        # where the gain is: rows MV decides (a unique top class) that a model answers otherwise, right or wrong;
        # and MV with its ties ordered by HyperLM
        P_mv = probs["MajorityVote"]
        top = P_mv >= P_mv.max(1, keepdims=True) - 1e-9
        unique = top.sum(1) == 1
        mv_pred = P_mv.argmax(1)
        for name, P in probs.items():
            pred = probs_to_preds(P, "random")
            moved = unique & (pred != mv_pred)
            changes.setdefault(name, []).append(f"{d} {int((moved & (pred == ys)).sum())}/"
                                                f"{int((moved & (mv_pred == ys)).sum())}")
        if "HyperLM (peer)" in probs:
            tied = probs["HyperLM (peer)"] * top
            tied /= tied.sum(1, keepdims=True)
            got_ties.append(100 * score(ds.metric, ys, probs_to_preds(np.where(unique[:, None], P_mv, tied), "random")))
        if ds.metric != "accuracy":
            shares.append(f"{d} {100 * np.mean(ys == 1):.1f}%")
    mv = np.array(got["MajorityVote"])
    print(f"| model (valid split) | {' | '.join(datasets)} | mean | sets < MV−0.5 |")
    print("|---|" + "---|" * (len(datasets) + 2))
    for name, vals in got.items():
        below = int((np.array(vals) < mv - 0.5).sum())
        print(f"| {name} | {' | '.join(f'{v:.2f}' for v in vals)} | **{np.mean(vals):.2f}** | {below} |")
    print("\nRows majority vote decides (a unique top class) that a model answers otherwise, right / wrong:")
    for name, per_set in changes.items():
        print(f"  {name}: " + ", ".join(per_set))
    if got_ties:
        print(f"MV with its ties ordered by HyperLM: mean {np.mean(got_ties):.2f} on valid")
    print("class 1's share of the valid rows on the F1 sets: " + (", ".join(shares) or "none run"))


def main(argv: list[str] | None = None) -> int:
    from benchmarks._measure import wrench_datasets_main

    return wrench_datasets_main(__doc__, DATASETS, run, argv)


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(main())
