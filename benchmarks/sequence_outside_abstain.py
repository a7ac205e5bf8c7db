"""Abstain-encoded span-LF votes (``apply_span_lfs(outside="abstain")``, ``o_as_abstain()``) on WRENCH tagging.

    WEAKSUP_DATA=/path/to/wrench python benchmarks/sequence_outside_abstain.py

Prints the numbers quoted in docs/sequence_tagging.md about abstain-encoded votes (it writes no docs section):
on the ``lf_rec`` LFs of LaptopReview, NCBI-Disease and BC5CDR, with every ``O`` vote turned into an abstain
(``SequenceVotes.o_as_abstain()``) beside the original votes,

* test span F1 of ``TokenMajorityVote`` and ``TokenDawidSkene`` with IO votes (``io=True``) and BIO votes
  (``io=False``), fitted on the train votes;
* valid span F1 of the default ``HMM()`` and of ``HMM(o_votes="abstain")`` (which drops the ``O`` observations
  by its definition), with the default EM iterations and stopped after 2, recall of the latter in parentheses.

``--smoke``: LaptopReview only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMAND = "WEAKSUP_DATA=/path/to/wrench python benchmarks/sequence_outside_abstain.py"
DATASETS = ["laptopreview", "ncbi-disease", "bc5cdr"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="LaptopReview only")
    args = ap.parse_args()

    from weaksup.data.wrench_sequence import load_wrench_sequence
    from weaksup.sequence import HMM, span_prf
    from weaksup.sequence.labelmodel import TokenDawidSkene, TokenMajorityVote

    env = os.environ.get("WEAKSUP_DATA")
    root = next((c for c in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "datasets" / "wrench"]
                 if (c / "laptopreview" / "meta.json").exists()), None)
    if root is None:
        print("cannot run here: WRENCH tagging data not found; set WEAKSUP_DATA")
        return 77
    t0 = time.perf_counter()
    warnings.simplefilter("ignore")  # DawidSkene's near-copy LF warning on every fit: the figures are the output
    for name in DATASETS[:1] if args.smoke else DATASETS:
        ds = load_wrench_sequence(root / name, lfs="rec")
        print(f"== {name}: test span F1, token models fitted on train (O votes / abstain-encoded votes)")
        for label, model in (("MV", TokenMajorityVote), ("DS", TokenDawidSkene)):
            for io in (True, False):
                cells = []
                for enc in ("O", "abstain"):
                    tr, te = ds.train.votes, ds.test.votes
                    if enc == "abstain":
                        tr, te = tr.o_as_abstain(), te.o_as_abstain()
                    f1 = model(io=io).fit(tr).score(te, ds.test.tags)
                    cells.append(f"{100 * f1:.2f}")
                print(f"  {label}, {'IO' if io else 'BIO'} votes: {' / '.join(cells)}", flush=True)
        print(f"== {name}: valid span F1 (O votes / abstain-encoded votes)")
        for n_iter in (None, 2):
            kw = {} if n_iter is None else {"n_iter": n_iter}
            steps = "default EM iterations" if n_iter is None else f"n_iter={n_iter}"
            cells = []
            for enc in ("O", "abstain"):
                tr, va = ds.train.votes, ds.valid.votes
                if enc == "abstain":
                    tr, va = tr.o_as_abstain(), va.o_as_abstain()
                cells.append(f"{100 * HMM(**kw).fit(tr).score(va, ds.valid.tags):.2f}")
            print(f"  HMM(), {steps}: {' / '.join(cells)}", flush=True)
            cells = []
            for enc in ("O", "abstain"):
                tr, va = ds.train.votes, ds.valid.votes
                if enc == "abstain":
                    tr, va = tr.o_as_abstain(), va.o_as_abstain()
                _, recall, f1 = span_prf(ds.valid.tags, HMM(o_votes="abstain", **kw).fit(tr).predict(va))
                cells.append(f"{100 * f1:.2f} (recall {100 * recall:.1f})")
            print(f"  HMM(o_votes=\"abstain\"), {steps}: {' / '.join(cells)}", flush=True)
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
