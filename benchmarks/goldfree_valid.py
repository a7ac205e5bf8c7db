"""The valid-split table that chose the gold-free default (docs/label_models.md, *Without labels (gold-free)*).

    WEAKSUP_DATA=/path/to/wrench python benchmarks/goldfree_valid.py

Prints the table (it writes no docs section): each model fitted on the unlabelled votes of train+valid+test of
the 9 WRENCH sets (seed 0), scored on the valid split (F1 of class 1 on sms, tennis, basketball, commercial,
accuracy otherwise; WRENCH's tie rule, sha1 of the valid row index), in percent, and how many sets score more
than 0.5 below majority vote.  HyperLM is left out where hyperlm is not installed.  ``--smoke``: youtube only.
"""

from __future__ import annotations

import argparse
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
    for d in datasets:
        ds = load_wrench(d, data_dir)
        tr, va, te = ds.train.votes, ds.valid.votes, ds.test.votes
        L = VoteMatrix(np.vstack([tr.to_dense(), va.to_dense(), te.to_dense()]), tr.lf_names, ds.cardinality)
        ys = np.asarray(ds.valid.labels)
        for name, make in rows.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                P = make().fit(L, seed=0).predict_proba(L)[tr.n:tr.n + va.n]
            got[name].append(100 * score(ds.metric, ys, probs_to_preds(P, "random")))
        print(f"{d}: " + ", ".join(f"{n} {v[-1]:.2f}" for n, v in got.items()), file=sys.stderr, flush=True)
    mv = np.array(got["MajorityVote"])
    print(f"| model (valid split) | {' | '.join(datasets)} | mean | sets < MV−0.5 |")
    print("|---|" + "---|" * (len(datasets) + 2))
    for name, vals in got.items():
        below = int((np.array(vals) < mv - 0.5).sum())
        print(f"| {name} | {' | '.join(f'{v:.2f}' for v in vals)} | **{np.mean(vals):.2f}** | {below} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny CI run: youtube only")
    a = ap.parse_args(argv)
    datasets = ["youtube"] if a.smoke else a.datasets.split(",")
    try:
        from weaksup.data import load_wrench

        load_wrench(datasets[0], a.data_dir)
    except (FileNotFoundError, OSError) as exc:
        print(f"cannot run here: WRENCH data not found ({exc}); set WEAKSUP_DATA")
        return 77
    run(datasets, a.data_dir)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(main())
