"""Generate LFs from 100 labelled YouTube comments, inspect them, edit them, keep them as Python source.

Run: ``python examples/lfgen_youtube.py [--embed] [--out youtube_lfs.py]`` (WRENCH youtube ships with
weaksup; ``--embed`` adds MiniLM nearest-centroid LFs and needs the ``embed`` extra).

The script prints the generated LFs and their statistics on the labelled rows, their coverage and
accuracy on the valid split (LFAnalysis), the label model's valid score before and after an edit, and
writes the final set to a module that ``weaksup.lfgen.load_lfs`` reads back with the same votes.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from weaksup import apply_lfs
from weaksup.analysis import LFAnalysis
from weaksup.data import load_wrench
from weaksup.data.features import split_texts
from weaksup.labelmodel import MajorityVote
from weaksup.lfgen import LFGenerator, keyword_lf, load_lfs, save_lfs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-labeled", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--embed", action="store_true", help="add MiniLM centroid and k-NN LFs")
    ap.add_argument("--out", default="youtube_lfs.py", help="where to write the LFs as Python source")
    args = ap.parse_args(argv)

    ds = load_wrench("youtube")
    train = pd.DataFrame({"text": split_texts(ds, "train")})
    valid = pd.DataFrame({"text": split_texts(ds, "valid")})
    rows = np.sort(np.random.default_rng(args.seed).choice(len(train), args.n_labeled, replace=False))
    y = np.full(len(train), -1)
    y[rows] = ds.train.labels[rows]

    families = ("keyword", "ngram", "prefix", "regex", "stump") + (("centroid", "knn") if args.embed else ())
    gen = LFGenerator(families=families, seed=args.seed).fit(train, y)
    print(f"{len(gen.candidates_)} candidates mined from {gen.n_labeled_} labelled rows; kept {len(gen.lfs_)}:")
    print(gen.table_[["name", "kind", "coverage", "correct", "wilson_lb"]].to_string())
    print("\nsource of the first LF:\n" + gen.lfs_[0].source)

    def valid_score(lfs: list) -> float:
        lm = MajorityVote(cardinality=2).fit(apply_lfs(lfs, train, progress=False))
        return float(lm.score(apply_lfs(lfs, valid, progress=False), ds.valid.labels))

    print("\non the valid split:")
    summary = LFAnalysis(apply_lfs(gen.lfs_, valid, progress=False)).summary(ds.valid.labels)
    print(summary[["Coverage", "Conflicts", "Emp. Acc."]].to_string())
    print(f"label model (majority vote), valid accuracy: {valid_score(gen.lfs_):.3f}")

    weak = set(summary.index[summary["Emp. Acc."] < 0.7])
    lfs = [lf for lf in gen.lfs_ if lf.name not in weak]
    lfs.append(keyword_lf(["subscribe", "subscribers", "sub"], 1, name="my_subscribe"))
    print(f"after dropping {sorted(weak)} and adding my_subscribe: {valid_score(lfs):.3f}")

    path = save_lfs(lfs, args.out)
    again = load_lfs(path)
    same = (apply_lfs(again, train, progress=False).to_dense() == apply_lfs(lfs, train, progress=False).to_dense()).all()
    print(f"wrote {path}; reloaded with identical votes: {bool(same)}")


if __name__ == "__main__":
    main()
