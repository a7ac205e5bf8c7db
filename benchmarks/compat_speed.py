"""The snorkel drop-in's LabelModel against snorkel's own, on the same dense label matrix.

    python benchmarks/compat_speed.py --write-docs

n = 1M rows, m = 100 LFs, k = 6, each LF votes on ~10% of rows (synthetic,
conditionally independent).  Both sides get what a snorkel user passes: the
dense ``int64`` ``L`` array, and the same call
``LabelModel(cardinality=6, verbose=False).fit(L, n_epochs=100, seed=0, progress_bar=False)``
followed by ``predict_proba(L)``.  Each side runs once, in its own subprocess
(one thread for numpy/BLAS and torch): CPU seconds of that thread
(``time.process_time``) beside wall seconds, and peak resident memory above
the memory held after the dense ``L`` was loaded (VmHWM, reset after loading).
The two results are compared (μ, probabilities, predictions with snorkel's
abstain tie-break).

A second table applies the 20 row-wise LFs of benchmarks/apply_speed.py with
both ``PandasLFApplier`` classes (``--apply-n`` rows of
:func:`weaksup.synthetic.make_text_task`, CPU seconds of this process, votes
checked identical).  Section ``compat-speed`` of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._measure import mem_available_mb, run_json_subprocess, timed_fit_predict  # noqa: E402
from benchmarks.labelmodel_speed import snorkel_dense_mb  # noqa: E402

SIDES = ("weaksup.compat.snorkel", "snorkel")


def worker(side: str, path: str, k: int, epochs: int, out: str) -> dict:
    import logging

    import numpy as np

    from weaksup import VoteMatrix

    L = VoteMatrix.load(path).to_dense().astype(np.int64)
    if side == "snorkel":
        import torch
        from snorkel.labeling.model import LabelModel

        torch.set_num_threads(1)
        logging.disable(logging.INFO)
    else:
        from weaksup.compat.snorkel.labeling.model import LabelModel
    def fit() -> LabelModel:
        model = LabelModel(cardinality=k, verbose=False)
        model.fit(L, n_epochs=epochs, seed=0, progress_bar=False)
        return model

    rec, model, probs = timed_fit_predict(fit, lambda model: model.predict_proba(L))
    mu = model.mu.detach().numpy() if hasattr(model.mu, "detach") else np.asarray(model.mu)
    np.savez(out, probs=probs, mu=mu)
    return {"side": side, **rec}


def _run_sub(args: list[str], timeout: int = 3600) -> dict:
    return run_json_subprocess(__file__, args, timeout)


def compare(a_path: str, b_path: str) -> dict:
    import numpy as np

    from weaksup.compat.snorkel.utils import probs_to_preds

    a, b = np.load(a_path), np.load(b_path)
    pa, pb = probs_to_preds(a["probs"], "abstain"), probs_to_preds(b["probs"], "abstain")
    return {"mu_max_diff": float(np.abs(a["mu"] - b["mu"]).max()),
            "probs_max_diff": float(np.abs(a["probs"] - b["probs"]).max()),
            "preds_differ": int((pa != pb).sum()), "abstains": int((pb == -1).sum())}


def applier_rows(n: int) -> dict:
    """Both ``PandasLFApplier`` classes on the apply benchmark's 20 row-wise LFs: CPU seconds, same votes."""
    import numpy as np
    import snorkel.labeling as snorkel_labeling

    import weaksup.compat.snorkel.labeling as compat_labeling
    from benchmarks.apply_speed import row_specs
    from weaksup.synthetic import make_text_task

    df, _ = make_text_task(n, seed=0)
    out: dict = {"n": n}
    votes = {}
    for side, mod in ((SIDES[0], compat_labeling), (SIDES[1], snorkel_labeling)):
        lfs = [mod.LabelingFunction(name, f) for name, f in row_specs()]
        c0, t0 = time.process_time(), time.perf_counter()
        votes[side] = mod.PandasLFApplier(lfs).apply(df, progress_bar=False)
        out[side] = {"cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - t0}
    out["identical"] = bool(np.array_equal(votes[SIDES[0]], votes[SIDES[1]]))
    return out


def report(a: argparse.Namespace, results: dict[str, dict], cmp: dict | None, apply: dict | None = None) -> str:
    w, s = results.get(SIDES[0], {}), results.get(SIDES[1], {})
    lines = [f"Command: `python benchmarks/compat_speed.py --write-docs` "
             f"(n = {a.n:,}, m = {a.m}, k = {a.k}, ~{a.coverage:.0%} coverage per LF, {a.epochs} epochs, seed 0; "
             "one run of each side, one thread each, each in its own subprocess on a shared 2-core machine).", "",
             "Both sides receive the dense int64 `L` and the same snorkel calls (`fit(L, n_epochs, seed)`, "
             "`predict_proba(L)`). CPU s = `time.process_time` of the one thread; extra peak = peak RSS (VmHWM, "
             "reset after loading `L`) minus RSS after loading.", "",
             "| LabelModel | fit CPU s | predict CPU s | total CPU s | total wall s | extra peak MiB | peak RSS MiB |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for side, r in ((SIDES[0], w), (SIDES[1], s)):
        if "error" in r or not r:
            lines.append(f"| `{side}` | error: {r.get('error', 'not run')[-200:]!s} | | | | | |")
            continue
        lines.append(f"| `{side}` | {r['cpu_fit_s']:.2f} | {r['cpu_predict_s']:.2f} | {r['cpu_total_s']:.2f} | "
                     f"{r['total_s']:.2f} | {r['extra_mb']:.0f} | {r['peak_mb']:.0f} |")
    if w.get("cpu_total_s") and s.get("cpu_total_s"):
        lines += ["", f"snorkel / compat: **{s['cpu_total_s'] / w['cpu_total_s']:.1f}× CPU seconds** "
                      f"({s['cpu_fit_s'] / w['cpu_fit_s']:.1f}× fit, {s['cpu_predict_s'] / w['cpu_predict_s']:.1f}× "
                      f"predict_proba), {s['total_s'] / w['total_s']:.1f}× wall, "
                      f"**{s['extra_mb'] / max(w['extra_mb'], 1):.1f}× extra peak memory**."]
    if cmp:
        lines += ["", f"Same result: max |Δμ| = {cmp['mu_max_diff']:.1e}, max |Δ probability| = "
                      f"{cmp['probs_max_diff']:.1e}, predictions (ties abstain) differ on {cmp['preds_differ']} of "
                      f"{a.n:,} rows ({cmp['abstains']:,} abstains); snorkel computes in float32, weaksup in float64."]
    if apply:
        w_cpu, s_cpu = apply[SIDES[0]]["cpu_s"], apply[SIDES[1]]["cpu_s"]
        lines += ["", f"**PandasLFApplier**, the 20 row-wise LFs of benchmarks/apply_speed.py on {apply['n']:,} rows of "
                      "`make_text_task` (same process, one thread):", "",
                  "| PandasLFApplier | CPU s | wall s |", "|---|---:|---:|",
                  f"| `{SIDES[0]}` | {w_cpu:.2f} | {apply[SIDES[0]]['wall_s']:.2f} |",
                  f"| `{SIDES[1]}` | {s_cpu:.2f} | {apply[SIDES[1]]['wall_s']:.2f} |", "",
                  f"compat / snorkel: {w_cpu / s_cpu:.2f}× CPU seconds; votes identical: {apply['identical']}. "
                  "The compat applier builds one pandas Series per row (what snorkel's LFs expect); weaksup's own "
                  "`LFApplier` (rows as `Row` dicts, process/Dask engines, batched LFs) is the fast path "
                  "(section `apply-speed`)."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--m", type=int, default=100)
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--coverage", type=float, default=0.1)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--apply-n", type=int, default=100_000, help="rows of the applier comparison (0 = skip)")
    ap.add_argument("--write-docs", nargs="?", const="docs/benchmarks.md", default=None)
    ap.add_argument("--worker", nargs=5, metavar=("SIDE", "PATH", "K", "EPOCHS", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--smoke", action="store_true", help="tiny CI run: n = 2,000, m = 10, 5 epochs; section to a temp file")
    a = ap.parse_args()
    if a.worker:
        side, path, k, epochs, out = a.worker
        print(json.dumps(worker(side, path, int(k), int(epochs), out)))
        return
    if a.smoke:
        from benchmarks._docs import smoke_out

        a.n, a.m, a.epochs, a.apply_n, a.write_docs = 2_000, 10, 5, 500, str(smoke_out())

    import numpy as np

    from weaksup.synthetic import make_votes

    tmp = tempfile.mkdtemp(prefix="ws_compat_speed_")
    acc = np.random.default_rng(0).uniform(0.55, 0.9, a.m)
    L, _, _ = make_votes(a.n, a.m, a.k, accuracies=acc, propensities=a.coverage, seed=a.k, sparse=True)
    path = os.path.join(tmp, "votes.npz")
    L.save(path)
    del L
    results: dict[str, dict] = {}
    for side in SIDES:
        if side == "snorkel":
            need = snorkel_dense_mb(a.n, a.m, a.k) * 1.6 + 2048
            if mem_available_mb() < need:
                results[side] = {"error": f"skipped: needs ~{need:.0f} MiB, {mem_available_mb():.0f} MiB available"}
                continue
        results[side] = _run_sub(["--worker", side, path, str(a.k), str(a.epochs), os.path.join(tmp, f"{side}.npz")])
        print(json.dumps(results[side]), flush=True)
    ok = all("error" not in r for r in results.values())
    cmp = compare(*(os.path.join(tmp, f"{side}.npz") for side in SIDES)) if ok else None
    apply = applier_rows(a.apply_n) if a.apply_n else None
    body = report(a, results, cmp, apply)
    print(body)
    if a.smoke and not ok:
        raise SystemExit("smoke run failed: " + "; ".join(f"{s}: {r['error']}" for s, r in results.items() if "error" in r))
    if a.write_docs:
        from benchmarks._docs import update_section

        update_section(a.write_docs if a.smoke else ROOT / a.write_docs, "compat-speed",
                       body, title="snorkel drop-in: compat LabelModel vs snorkel's")


if __name__ == "__main__":
    main()
