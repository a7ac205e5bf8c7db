"""Synthetic θ recovery of the UWS label model in every label space (issue #7, acceptance 1).

For each space, LFs with known accuracy parameters θ (mixed quality, 20 %
abstains) are sampled from the model; :class:`UniversalLabelModel` estimates
θ from the outputs alone (triplet method of moments, median over triplets).
The relative RMSE of θ̂ over LFs and seeds is plotted against n on log-log
axes with a 1/√n reference (docs/img/uws_recovery.png), and the table goes
to the ``uws-recovery`` section of docs/benchmarks.md.

Run: ``python benchmarks/uws_recovery.py`` (a few minutes on one core); ``--smoke`` is the
tiny CI run (temp files only).  No gold labels: θ is known by construction.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from weaksup.universal import (  # noqa: E402
    FiniteMetricSpace,
    HyperbolicSpace,
    RankingSpace,
    RealSpace,
    UniversalLabelModel,
    make_synthetic,
)

GRAPH_D = np.array([[0, 1, 1, 2, 1], [1, 0, 1, 2, 2], [1, 1, 0, 1, 2], [2, 2, 1, 0, 1], [1, 2, 2, 1, 0]], float)

SPACES = {
    "real R^2 (Gaussian)": (lambda: RealSpace(2), [2.0, 1.0, 0.5, 0.3, 0.2], {}),
    "rankings, 6 items (Mallows)": (lambda: RankingSpace(6), [1.5, 1.0, 0.6, 0.4, 0.25], {}),
    "partial rankings, 6 items, 70% kept": (lambda: RankingSpace(6), [1.5, 1.0, 0.6, 0.4, 0.25], {"keep": 0.7}),
    "hyperbolic H^2 (wrapped normal)": (lambda: HyperbolicSpace(2), [4.0, 2.0, 1.0, 0.6, 0.4], {}),
    "finite metric, 5-point graph": (lambda: FiniteMetricSpace(GRAPH_D), [3.0, 2.0, 1.2, 0.8, 0.5], {}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[12, 6, 3], help="seeds per size")
    ap.add_argument("--abstain", type=float, default=0.2)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="tiny run (CI): n = 300/1,000, plot and section to temp files")
    args = ap.parse_args()
    docs, img = ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "img" / "uws_recovery.png"
    if args.smoke:
        from benchmarks._docs import smoke_out

        args.sizes, args.seeds = [300, 1_000], [2, 1]
        docs, img = smoke_out(), smoke_out("uws_recovery.png")
    t0 = time.time()
    results: dict[str, list[tuple[float, float]]] = {}
    for name, (make, theta, kw) in SPACES.items():
        theta = np.array(theta)
        row = []
        for n, reps in zip(args.sizes, args.seeds):
            errs = []
            for s in range(reps):
                votes, _ = make_synthetic(make(), theta, n, seed=1000 + s, abstain=args.abstain, **kw)
                errs.append(UniversalLabelModel(make()).fit(votes).theta_ / theta - 1)
            errs = np.array(errs)
            row.append((float(np.sqrt(np.mean(errs ** 2))), float(np.abs(errs).max())))
            print(f"{name:40s} n={n:>7d} rel. RMSE {row[-1][0]:.4f}  max |rel err| {row[-1][1]:.4f}", flush=True)
        results[name] = row
    secs = time.time() - t0

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=90)
    sizes = np.array(args.sizes, float)
    for name, row in results.items():
        ax.loglog(sizes, [r[0] for r in row], "o-", label=name)
    ref = np.array([r[0] for r in next(iter(results.values()))])[0] * np.sqrt(sizes[0] / sizes)
    ax.loglog(sizes, ref, "k--", label="∝ 1/√n")
    ax.set_xlabel("n (rows)")
    ax.set_ylabel("relative RMSE of θ̂")
    ax.set_title("UWS θ recovery (triplet method of moments)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = img
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")

    from weaksup.bench.report import markdown_table

    header = ["space"] + [f"n={n:,}" for n in args.sizes] + ["slope (log-log)"]
    rows = []
    for name, row in results.items():
        slope = np.polyfit(np.log10(sizes), np.log10([r[0] for r in row]), 1)[0]
        rows.append([name] + [f"{r[0]:.4f} (max {r[1]:.3f})" for r in row] + [f"{slope:.2f}"])
    body = "\n".join([
        f"Produced by `python benchmarks/uws_recovery.py` ({secs:.0f} s, CPU). Relative RMSE of the "
        f"estimated θ over 5 LFs and {'/'.join(map(str, args.seeds))} seeds (max |relative error| in "
        f"brackets); LFs abstain independently with probability {args.abstain}. A slope of -0.5 is the "
        "1/√n rate. Plot: docs/img/uws_recovery.png. No gold labels are read: θ is known because the votes "
        "are sampled from the model.",
        "",
        markdown_table(header, rows),
    ])
    print(body)
    if not args.no_write:
        from benchmarks._docs import update_section

        update_section(docs, "uws-recovery", body,
                       title="Universal weak supervision: synthetic θ recovery")


if __name__ == "__main__":
    main()
