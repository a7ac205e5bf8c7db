"""Label models at many classes: weaksup's one-coin EM against crowd-kit's OneCoinDawidSkene.

    nice -n 5 python benchmarks/many_classes.py --write-docs

Synthetic votes (:func:`weaksup.synthetic.make_votes`: conditionally independent LFs with known
accuracies, each voting on 10% of the rows, stored sparse) at two sizes, (LFs, classes, rows) =
(30, 200, 5,000) and (100, 1,000, 20,000).  There the votes are fewer than a full confusion
table's ``m·k²`` cells, so DawidSkene and AbstainDawidSkene (and the gold-free default
AutoLabelModel, which orders majority-vote ties with AbstainDawidSkene) fit the one-coin model:
one accuracy per LF.  crowd-kit's ``OneCoinDawidSkene`` (100 iterations, its default) fits the
same model and is the peer.

Every model runs in its own interpreter with one numpy/BLAS thread; the votes are generated and
converted (crowd-kit takes a long ``task, worker, label`` DataFrame), and the model is fitted and
applied once on 50 rows (imports, first calls), before the clock starts.
Recorded: CPU seconds of fit + predict, wall seconds, peak resident memory above the memory held
before the fit, accuracy on the rows with at least one vote (the synthetic truth; weaksup's
``predict`` with its default tie rule, crowd-kit's ``labels_``), and the share of those rows where
the model's label equals crowd-kit's.  A model that runs over ``--timeout`` seconds is reported as
such.  Results go to section ``many-classes`` of docs/benchmarks.md with ``--write-docs``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._measure import fmt_load, loadavg, run_json_subprocess, timed_fit_predict  # noqa: E402

MODELS = ["MajorityVote", "DawidSkene", "AbstainDawidSkene", "AutoLabelModel", "crowd-kit OneCoinDawidSkene"]
PEER = "crowd-kit OneCoinDawidSkene"
CASES = [(30, 200, 5_000), (100, 1_000, 20_000)]
COVERAGE = 0.1


def make_case(m: int, k: int, n: int) -> tuple:
    """The votes and true labels of one case (the same in every worker)."""
    from weaksup.synthetic import make_votes

    L, y, _ = make_votes(n, m, k, propensities=COVERAGE, seed=0, sparse=True)
    return L, y


def worker(model: str, m: int, k: int, n: int, out: str) -> dict:
    """Fit and predict one model on one case in this interpreter; its labels go to ``out`` (.npy)."""
    import numpy as np

    L, y = make_case(m, k, n)
    covered = np.diff(L.to_sparse().indptr) > 0
    if model == PEER:
        import pandas as pd
        from crowdkit.aggregation import OneCoinDawidSkene

        def long_form(V):
            S = V.to_sparse()
            rows = np.repeat(np.arange(V.n), np.diff(S.indptr))
            return pd.DataFrame({"task": rows, "worker": S.indices, "label": S.data - 1})  # sparse: class + 1

        def fit(V=L):
            return OneCoinDawidSkene(n_iter=100).fit(long_form(V) if V is not L else df)

        def predict(agg, V=L):
            preds = np.full(V.n, -1)
            preds[agg.labels_.index.to_numpy()] = agg.labels_.to_numpy()
            return preds

        df = long_form(L)
    else:
        import weaksup.labelmodel as lm

        def fit(V=L):
            return getattr(lm, model)(cardinality=k).fit(V, seed=0)

        def predict(lmodel, V=L):
            return lmodel.predict(V)

    # one fit + predict on 50 rows first: imports and first-call costs stay out of the timing
    small, _ = make_case(m, k, 50)
    predict(fit(small), small)
    rec, fitted, preds = timed_fit_predict(fit, predict)
    np.save(out, preds)
    rec.update(model=model, m=m, k=k, n=n, n_votes=int(L.to_sparse().nnz), covered=int(covered.sum()),
               accuracy=float((preds[covered] == y[covered]).mean()),
               one_coin=getattr(fitted, "one_coin_", getattr(getattr(fitted, "model_", None), "one_coin_", None)))
    return rec


def report(results: list[dict], a: argparse.Namespace, load: tuple) -> str:
    lines = [
        f"Command: `nice -n 5 python benchmarks/many_classes.py --write-docs` (this run: load {fmt_load(load[0])} "
        f"at start, {fmt_load(load[1])} at end; crowd-kit given {a.timeout} s a fit).",
        "",
        "Synthetic votes: conditionally independent LFs with known accuracies, each voting on "
        f"{COVERAGE:.0%} of the rows (sparse). Each model in its own interpreter with one numpy/BLAS "
        "thread, after one warm-up fit on 50 rows (imports and first calls are not timed). CPU s: fit + "
        "predict in CPU seconds of that one thread; wall s beside it. Peak MiB: "
        "resident memory above what the process held before the fit. Accuracy on the rows with at least "
        "one vote. *Same as crowd-kit*: share of those rows where the label equals crowd-kit's. "
        "*one-coin*: whether the fit used one accuracy per LF (the votes are fewer than `m·k²`).",
    ]
    for m, k, n in sorted({(r["m"], r["k"], r["n"]) for r in results}):
        rows = [r for r in results if (r["m"], r["k"], r["n"]) == (m, k, n)]
        peer = next((r for r in rows if r["model"] == PEER and "error" not in r), None)
        votes = next((r["n_votes"] for r in rows if "n_votes" in r), None)
        lines += ["", f"**{m} LFs, {k:,} classes, {n:,} rows** ({votes:,} votes; full confusion tables would have "
                  f"{m * k * k:,} cells a model):" if votes else f"**{m} LFs, {k:,} classes, {n:,} rows**:", "",
                  "| model | one-coin | accuracy | same as crowd-kit | CPU s | wall s | peak MiB "
                  "| crowd-kit's CPU s ÷ this |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if "error" in r:
                lines.append(f"| {r['model']} | | | | {r['error'].splitlines()[-1][:120]} | | | |")
                continue
            same = "" if peer is None else f"{100 * r['same_as_peer']:.2f}%"
            ratio = "" if peer is None or r is peer else f"{peer['cpu_total_s'] / max(r['cpu_total_s'], 1e-9):,.0f}×"
            oc = "" if r["one_coin"] is None else ("yes" if r["one_coin"] else "no")
            lines.append(f"| {r['model']} | {oc} | {100 * r['accuracy']:.2f} | {same} | {r['cpu_total_s']:.2f} | "
                         f"{r['total_s']:.2f} | {r['extra_mb']:.0f} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--timeout", type=int, default=900, help="seconds a fit may take before it is reported as over")
    ap.add_argument("--write-docs", nargs="?", const="docs/benchmarks.md", default=None)
    ap.add_argument("--smoke", action="store_true",
                    help="tiny CI run (5 LFs, 50 classes, 400 rows); section to a temp file")
    ap.add_argument("--worker", nargs=5, metavar=("MODEL", "M", "K", "N", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        model, m, k, n, out = a.worker
        print(json.dumps(worker(model, int(m), int(k), int(n), out)))
        return
    cases = CASES
    if a.smoke:
        from benchmarks._docs import smoke_out

        cases, a.write_docs = [(5, 50, 400)], str(smoke_out())
    import numpy as np

    load0 = loadavg()
    tmp = tempfile.mkdtemp(prefix="ws_many_classes_")
    results: list[dict] = []
    for m, k, n in cases:
        case: list[dict] = []
        for model in MODELS:
            out = os.path.join(tmp, f"{m}_{k}_{n}_{len(case)}.npy")
            try:
                r = run_json_subprocess(__file__, ["--worker", model, str(m), str(k), str(n), out], a.timeout)
            except Exception as exc:  # subprocess.TimeoutExpired: reported in the table, the run goes on
                r = {"error": f"over {a.timeout} s" if "timed out" in str(exc) else str(exc)}
            r.update(model=model, m=m, k=k, n=n, out=out)
            print(json.dumps(r), flush=True)
            case.append(r)
        peer = next((r for r in case if r["model"] == PEER and "error" not in r), None)
        if peer is not None:
            L, _ = make_case(m, k, n)
            covered = np.diff(L.to_sparse().indptr) > 0
            peer_preds = np.load(peer["out"])[covered]
            for r in case:
                if "error" not in r:
                    r["same_as_peer"] = float((np.load(r["out"])[covered] == peer_preds).mean())
        results += case
    if a.smoke and any("error" in r for r in results):
        raise SystemExit("smoke run: a model failed: " + "; ".join(f"{r['model']}: {r['error'][-300:]}"
                                                                   for r in results if "error" in r))
    body = report(results, a, (load0, loadavg()))
    print(body)
    if a.write_docs:
        from benchmarks._docs import update_section

        update_section(ROOT / a.write_docs, "many-classes", body, title="Label models at many classes (one-coin EM)")


if __name__ == "__main__":
    main()
