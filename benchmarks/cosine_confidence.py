"""COSINE's ``confidence_on`` rule: rows passing ``ξ`` at each teacher refresh and the best valid score.

    WEAKSUP_DATA=/path/to/wrench python benchmarks/cosine_confidence.py

Prints the table quoted under the COSINE comparison in docs/end_models.md (it writes no docs section;
``confidence_on`` is not in the ``endmodel-wrench`` grid).  WRENCH youtube, MiniLM features (the feature
cache of ``benchmarks/endmodel_wrench.py``), MajorityVote soft labels on the covered train rows (the uncovered
ones join stage 2's pool as unlabelled rows), ``Cosine(MLP(256 hidden, lr 1e-3), self_training_steps=800,
teacher_update=100, batch_size=32, eval_every=50)``, seed 0, scored on the valid split only.  For
``ξ`` in 0.4 / 0.6 / 0.8 and ``confidence_on`` "sharpened" (default) / "teacher" (the paper's rule): the rows
of the pool passing ``ξ`` at each teacher refresh, the stage-1 valid accuracy and the valid accuracy (and
step, 0 = stage 1 kept) of the model returned.  ``--smoke``: ``ξ`` = 0.6 only, 200 self-training steps.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMAND = "WEAKSUP_DATA=/path/to/wrench python benchmarks/cosine_confidence.py"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="ξ = 0.6 only, 200 self-training steps")
    args = ap.parse_args()

    import torch

    from weaksup.data import load_wrench
    from weaksup.data.features import wrench_features
    from weaksup.endmodel import MLP, Cosine
    from weaksup.labelmodel import MajorityVote

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    try:
        ds = load_wrench("youtube")
    except (FileNotFoundError, OSError) as exc:
        print(f"cannot run here: WRENCH data not found ({exc}); set WEAKSUP_DATA")
        return 77
    X = wrench_features(ds, "minilm", progress=False)
    covered = ds.train.votes.class_counts().sum(axis=1) > 0
    probs = MajorityVote().fit(ds.train.votes).predict_proba(ds.train.votes)
    Xc, Xu = X["train"][covered], X["train"][~covered]
    valid = (X["valid"], ds.valid.labels)
    steps = 200 if args.smoke else 800
    print(f"youtube: pool {len(covered)} rows ({int(covered.sum())} covered), valid {len(ds.valid.labels)} rows; "
          f"self_training_steps={steps}, seed 0")
    print("| ξ | confidence_on | rows passing ξ at each teacher refresh | stage 1 valid | valid (step) |")
    print("|---|---|---|---|---|")
    for thresh in ([0.6] if args.smoke else [0.4, 0.6, 0.8]):
        for on in ("sharpened", "teacher"):
            mlp = MLP(hidden_sizes=(256,), lr=1e-3, max_steps=3000, eval_every=50, patience=10, batch_size=128,
                      progress=False, n_threads=1, metric="accuracy")
            cos = Cosine(mlp, self_training_steps=steps, teacher_update=100, batch_size=32, eval_every=50,
                         thresh=thresh, confidence_on=on, metric="accuracy", progress=False, lr=mlp.lr)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cos.fit(Xc, probs[covered], valid=valid, unlabeled=Xu if len(Xu) else None, seed=0)
            stopped = any("stopping self-training" in str(w.message) for w in caught)
            counts = " → ".join(str(h["n_confident"]) for h in cos.teacher_history_)
            print(f"| {thresh} | {on} | {counts}{' (stage 2 stops)' if stopped else ''} | "
                  f"{cos.stage1_valid_score_:.3f} | {cos.best_valid_score_:.3f} ({cos.best_step_}) |", flush=True)
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
