"""Label-model speed and memory: weaksup models vs snorkel's LabelModel.

    nice -n 10 python benchmarks/labelmodel_speed.py --write-docs

n = 1M rows, m = 100 LFs, k in {2, 6}, each LF votes on ~10% of rows
(synthetic, conditionally independent, stored sparse).  Every model runs in
its own subprocess (fresh interpreter, one thread for numpy/BLAS and torch);
we record fit + predict_proba wall time and peak resident memory (``ru_maxrss``)
above the process's memory after the votes were loaded ("extra peak").
snorkel gets the dense ``int64`` array its API needs (converted before the
baseline is taken) and the same 100 SGD epochs as MatrixCompletion.

A second run fits MatrixCompletion on 10M rows (sparse, generated in 1M-row
blocks); snorkel is not run there: its dense requirement is computed instead
(the ``n × m`` int64 input plus the ``n × m·k`` float64 one-hot it builds).

Results go to section ``labelmodel-speed`` of docs/benchmarks.md with
``--write-docs``.
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

from benchmarks._measure import (  # noqa: E402 - the shared probes
    mem_available_mb,
    peak_mb,
    reset_peak,
    rss_mb,
    run_json_subprocess,
    timed_fit_predict,
)

MODELS = ["MajorityVote", "WeightedMajorityVote", "DawidSkene", "MatrixCompletion", "FlyingSquid", "EBCC",
          "WeightedMajorityVote:numpy", "EBCC:numpy", "snorkel"]
#: ``Model:numpy`` rows run with ``WEAKSUP_NUMBA=0``: what a user without the ``fast`` extra gets.
NUMPY_SUFFIX = ":numpy"


def floor_cpu_s(L: object, repeats: int = 5) -> tuple[float, float]:
    """The physical floor: CPU seconds of one vectorised pass over the votes, ``(first call, min of repeats)``.

    The pass reads every stored vote once and writes the ``n × k`` per-row class
    counts with one ``bincount`` — the least any label model's ``predict_proba``
    must do (read each vote, write a row of k numbers per example).  The first
    call pays for fresh memory (page faults), like a model's first
    ``predict_proba``; the minimum over repeats is the steady-state kernel cost.
    """
    import numpy as np

    S = L.to_sparse()  # type: ignore[attr-defined]
    n, k = S.shape[0], L.cardinality  # type: ignore[attr-defined]
    times = []
    for _ in range(repeats):
        c0 = time.process_time()
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(S.indptr))
        np.bincount(rows * k + (S.data.astype(np.int64) - 1), minlength=n * k).reshape(n, k)
        times.append(time.process_time() - c0)
    return times[0], min(times)


def warm_predict_cpu_s(predict: object, repeats: int = 5) -> float:
    """Min CPU seconds of ``repeats`` further ``predict()`` calls (steady state, beside the floor's)."""
    best = float("inf")
    for _ in range(repeats):
        c0 = time.process_time()
        predict()  # type: ignore[operator]
        best = min(best, time.process_time() - c0)
    return best


def worker(model: str, path: str, k: int, epochs: int) -> dict:
    import numpy as np

    from weaksup import VoteMatrix

    if model.endswith(NUMPY_SUFFIX):  # before any kernel is loaded: this process runs the numpy kernels
        os.environ["WEAKSUP_NUMBA"] = "0"
        model = model[: -len(NUMPY_SUFFIX)]
    L = VoteMatrix.load(path)
    cold, warm = floor_cpu_s(L)
    out: dict = {"model": model, "k": k, "floor_cold_cpu_s": cold, "floor_cpu_s": warm}
    if model == "snorkel":
        import logging

        import torch
        from snorkel.labeling.model import LabelModel as SnorkelLabelModel

        torch.set_num_threads(1)
        logging.disable(logging.INFO)
        D = L.to_dense().astype(np.int64)
        del L

        def fit_snorkel() -> SnorkelLabelModel:
            s = SnorkelLabelModel(cardinality=k, verbose=False)
            s.fit(D, n_epochs=epochs, seed=0, progress_bar=False)
            return s

        rec, s, P = timed_fit_predict(fit_snorkel, lambda s: s.predict_proba(D))
        out["cpu_predict_warm_s"] = warm_predict_cpu_s(lambda: s.predict_proba(D), 1)
    else:
        import weaksup.labelmodel as lm
        from weaksup.labelmodel import _kernels

        # like the imports, loading the compiled kernels (numba's cache; a compile on the first run after
        # an install) is not part of a fit: done and recorded before the timed call
        out["kernels"] = "numba " + __import__("numba").__version__ if _kernels.available() else "numpy"
        if not _kernels.available():
            out["model"] = model + " (numpy kernels)"
        out["kernel_load_cpu_s"] = _kernels.compile_all()
        kw = {"n_epochs": epochs} if model == "MatrixCompletion" else {}
        if model == "EBCC":
            kw = {"repeat": 1}
        rec, mdl, P = timed_fit_predict(lambda: getattr(lm, model)(cardinality=k, **kw).fit(L, seed=0),
                                        lambda mdl: mdl.predict_proba(L))
        out["cpu_predict_warm_s"] = warm_predict_cpu_s(lambda: mdl.predict_proba(L))
    out.update(rec, finite=bool(np.isfinite(P).all()))
    return out


def big_worker(n: int, m: int, k: int, coverage: float, epochs: int, block: int) -> dict:
    import numpy as np

    from weaksup import VoteMatrix
    from weaksup.labelmodel import MatrixCompletion
    from weaksup.synthetic import make_votes

    acc = np.random.default_rng(0).uniform(0.55, 0.9, m)
    t0 = time.perf_counter()
    parts = [make_votes(min(block, n - s), m, k, accuracies=acc, propensities=coverage, seed=1000 + s // block,
                        sparse=True)[0] for s in range(0, n, block)]
    L = VoteMatrix.vstack(parts)
    del parts
    gen_s = time.perf_counter() - t0
    reset_peak()
    base = rss_mb()
    t0 = time.perf_counter()
    mc = MatrixCompletion(cardinality=k, n_epochs=epochs).fit(L, seed=0)
    t1 = time.perf_counter()
    P = mc.predict_proba(L)
    t2 = time.perf_counter()
    err = float(np.abs(mc.lf_accuracies() - acc).max())
    return {"n": n, "m": m, "k": k, "nnz": int(L.to_sparse().nnz), "gen_s": gen_s, "fit_s": t1 - t0,
            "predict_s": t2 - t1, "base_mb": base, "peak_mb": peak_mb(), "extra_mb": peak_mb() - base,
            "max_acc_err": err, "finite": bool(np.isfinite(P).all())}


def _run_sub(args: list[str], timeout: int = 3600) -> dict:
    return run_json_subprocess(__file__, args, timeout, tail=600)


def snorkel_dense_mb(n: int, m: int, k: int) -> float:
    """snorkel's unavoidable dense arrays: int64 L (+ its shifted copy) and the float64 one-hot."""
    return (2 * n * m * 8 + n * m * k * 8) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--m", type=int, default=100)
    ap.add_argument("--ks", type=int, nargs="+", default=[2, 6])
    ap.add_argument("--coverage", type=float, default=0.1)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--models", nargs="+", default=MODELS)
    ap.add_argument("--big-n", type=int, default=10_000_000, help="rows of the sparse-only run (0 = skip)")
    ap.add_argument("--big-k", type=int, default=6)
    ap.add_argument("--big-epochs", type=int, default=500,
                    help="epochs of the 10M run (snorkel's default 100 under-converges at k = 6)")
    ap.add_argument("--write-docs", nargs="?", const="docs/benchmarks.md", default=None)
    ap.add_argument("--worker", nargs=4, metavar=("MODEL", "PATH", "K", "EPOCHS"), help=argparse.SUPPRESS)
    ap.add_argument("--big-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--from-records", metavar="LOG", default=None,
                    help="re-render the section from the JSON records a run printed (its stdout), without running")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny CI run: n = 2,000, m = 10, k = 2, 5 epochs, no 10M run; section to a temp file")
    a = ap.parse_args()
    if a.smoke:
        from benchmarks._docs import smoke_out

        a.n, a.m, a.ks, a.epochs, a.big_n, a.write_docs = 2_000, 10, [2], 5, 0, str(smoke_out())
    if a.worker:
        print(json.dumps(worker(a.worker[0], a.worker[1], int(a.worker[2]), int(a.worker[3]))))
        return
    if a.big_worker:
        print(json.dumps(big_worker(a.big_n, a.m, a.big_k, a.coverage, a.epochs, 1_000_000)))
        return

    if a.from_records:
        results, big = read_records(a.from_records)
        body = report(results, big, a) + f"\n\nRendered from the records that run printed (`--from-records`)."
        print(body)
        if a.write_docs:
            from benchmarks._docs import update_section

            update_section(ROOT / a.write_docs, "labelmodel-speed", body, title="Label-model speed and memory")
        return

    import numpy as np

    from weaksup.synthetic import make_votes

    results: list[dict] = []
    tmp = tempfile.mkdtemp(prefix="ws_speed_")
    for k in a.ks:
        acc = np.random.default_rng(0).uniform(0.55, 0.9, a.m)
        L, _, _ = make_votes(a.n, a.m, k, accuracies=acc, propensities=a.coverage, seed=k, sparse=True)
        path = os.path.join(tmp, f"votes_k{k}.npz")
        L.save(path)
        del L
        for model in a.models:
            if model == "snorkel":
                need = snorkel_dense_mb(a.n, a.m, k) * 1.6 + 2048
                if mem_available_mb() < need:
                    results.append({"model": model, "k": k, "error": f"skipped: needs ~{need:.0f} MiB, "
                                    f"{mem_available_mb():.0f} MiB available"})
                    continue
            r = _run_sub(["--worker", model, path, str(k), str(a.epochs)])
            r.setdefault("model", model)
            r.setdefault("k", k)
            print(json.dumps(r), flush=True)
            results.append(r)
    big = _run_sub(["--big-worker", "--big-n", str(a.big_n), "--m", str(a.m), "--big-k", str(a.big_k),
                    "--coverage", str(a.coverage), "--epochs", str(a.big_epochs)]) if a.big_n else None
    if big:
        print(json.dumps(big), flush=True)

    body = report(results, big, a)
    print(body)
    if a.smoke and any("error" in r for r in results):
        raise SystemExit("smoke run: a model failed: " + "; ".join(f"{r['model']}: {r['error'][-300:]}"
                                                                   for r in results if "error" in r))
    if a.write_docs:
        from benchmarks._docs import update_section

        update_section(ROOT / a.write_docs, "labelmodel-speed", body, title="Label-model speed and memory")


def read_records(path: str) -> tuple[list[dict], dict | None]:
    """The per-model records and the sparse-run record a run printed, one JSON object a line."""
    results: list[dict] = []
    big = None
    with open(path) as fh:
        for line in fh:
            if not line.startswith("{"):
                continue
            rec = json.loads(line)
            if "nnz" in rec or ("error" in rec and "model" not in rec):
                big = rec
            elif "model" in rec:
                results.append(rec)
    return results, big


def _extra_args(a: argparse.Namespace) -> str:
    """The command-line options of this run that differ from the defaults (for the section's command)."""
    out = ""
    if a.ks != [2, 6]:
        out += " --ks " + " ".join(map(str, a.ks))
    if a.big_n != 10_000_000:
        out += f" --big-n {a.big_n}"
    if a.n != 1_000_000:
        out += f" --n {a.n}"
    return out


def _kernel_line(results: list[dict]) -> str:
    kinds = sorted({r["kernels"] for r in results if "kernels" in r})
    loads = [r["kernel_load_cpu_s"] for r in results if r.get("kernels", "numpy") != "numpy"]
    if not kinds:
        return "This run did not record which kernels ran."
    return (f"This run: {', '.join(kinds)} kernels; loading the compiled ones took {min(loads, default=0):.2f}–"
            f"{max(loads, default=0):.2f} CPU s per subprocess before the timed fit (the first load after an install "
            "compiles, later ones read numba's cache). The rows marked *(numpy kernels)* run with `WEAKSUP_NUMBA=0`: "
            "what a user without numba gets.")


def report(results: list[dict], big: dict | None, a: argparse.Namespace) -> str:
    from weaksup.bench.report import markdown_table

    lines = [
        f"Command: `nice -n 10 python benchmarks/labelmodel_speed.py{_extra_args(a)} --write-docs` "
        f"(n = {a.n:,}, m = {a.m}, ~{a.coverage:.0%} coverage per LF, {a.epochs} epochs for MatrixCompletion "
        "and snorkel; one thread each; each model in its own subprocess; 2-core shared machine, "
        "so wall times vary with the load: quote the CPU-second ratios).",
        "",
        "Time = fit + predict_proba wall seconds; CPU s = the same in CPU seconds of the one thread "
        "(`time.process_time`), which load on the shared machine barely changes — the CPU ratio is the one to "
        "quote. No gold labels are read (synthetic votes). Extra peak = peak RSS (VmHWM, reset after loading) minus RSS "
        "after loading the votes "
        "(snorkel's baseline already holds the dense int64 array its API requires). "
        "Ratios are snorkel / model (higher = better for the model). EBCC runs 1 restart here.",
        "",
        "The floor is the physical cost of one vectorised pass over the votes, measured in every subprocess "
        "of the same run: per-row class counts of all stored votes with one `bincount` (read each vote once, "
        "write n × k numbers), the least any `predict_proba` can do. `predict / floor` compares the steady "
        "state (min CPU s of 5 further `predict_proba` calls vs min of 5 floor passes; snorkel: 1 further call) "
        "and the first call (which, like the floor's first pass, also pays for fresh memory); "
        "`total / floor` is fit + first predict over the steady floor (lower = closer to the hardware; the "
        "conservative divisor: on a loaded machine the floor's first pass, which pays for fresh pages, took "
        "from 1× to 10× the steady pass). "
        "Peak memory is taken before the repeated calls. Two kernels do more than one pass by their definition: "
        "WeightedMajorityVote's fit counts every pair of votes on a row (t(t−1)/2 pairs for t votes, ~5× the votes "
        "at ~10 votes a row) for its triplet accuracies, and EBCC's `predict_proba` scores k·M (class, subtype) "
        "pairs per vote (60 at k = 6 with its default 10 subtypes) before summing out the subtypes. Both run as "
        "compiled loops when numba is installed (`pip install weaksup[fast]`, part of `[all]`; "
        "`weaksup.labelmodel._kernels`, taken at ≥ 1M stored votes): one pass over the pairs of votes of each row "
        "into m × m co-vote and agreement counts for WMV's fit, one pass over the votes with a per-vote product "
        "in the probability domain for EBCC's `predict_proba` (no `exp` per row). "
        + _kernel_line(results),
        "",
    ]
    import numpy as np

    def med(key: str, k: int) -> float:
        return float(np.median([r[key] for r in results if r.get("k") == k and key in r] or [float("nan")]))

    floor_k = {k: med("floor_cpu_s", k) for k in a.ks}
    floor_cold_k = {k: med("floor_cold_cpu_s", k) for k in a.ks}
    floor_cold_k = {k: v if v == v else floor_k[k] for k, v in floor_cold_k.items()}  # runs without a cold pass
    for k in a.ks:
        rows = [r for r in results if r.get("k") == k]
        sn = next((r for r in rows if r["model"] == "snorkel" and "error" not in r), None)
        table = []
        for r in rows:
            if "error" in r:
                table.append([r["model"], "—", "—", "—", "—", "—", "—", "—", "—",
                              r["error"][:120].replace("\n", " ")])
                continue
            sp = f"{sn['total_s'] / r['total_s']:.1f}×" if sn else "—"
            spc = f"{sn['cpu_total_s'] / max(r['cpu_total_s'], 1e-9):.1f}×" if sn else "—"
            mr = f"{sn['extra_mb'] / max(r['extra_mb'], 1):.1f}×" if sn else "—"
            fl, flc = floor_k[k], floor_cold_k[k]
            table.append([r["model"], f"{r['fit_s']:.2f}", f"{r['predict_s']:.2f}", f"{r['total_s']:.2f}",
                          f"{r['cpu_fit_s']:.2f}", f"{r['cpu_predict_s']:.2f}", f"{r['cpu_total_s']:.2f}",
                          f"{r['cpu_predict_warm_s']:.3f}" if "cpu_predict_warm_s" in r else "—",
                          (f"{r['cpu_predict_warm_s'] / fl:.1f}×" if "cpu_predict_warm_s" in r else "—")
                          + f" / {r['cpu_predict_s'] / flc:.1f}×",
                          f"{r['cpu_total_s'] / fl:.1f}×",
                          f"{r['extra_mb']:.0f}", f"{r['peak_mb']:.0f}", spc, sp, mr])
        lines += [f"**k = {k}** (floor: {fl:.4f} CPU s steady, {flc:.4f} CPU s first call; medians over this "
                  "k's subprocesses)", "",
                  markdown_table(["model", "fit s", "predict s", "total s", "CPU fit s", "CPU predict s",
                                  "CPU total s", "CPU predict s (steady)", "predict / floor (steady / first)",
                                  "total / floor (steady)", "extra peak MiB",
                                  "peak RSS MiB", "speed-up vs snorkel (CPU s)", "speed-up vs snorkel (wall)",
                                  "memory ratio (snorkel / model)"], table), ""]
    if big:
        if "error" in big:
            lines += [f"10M-row run failed: {big['error'][:300]}"]
        else:
            need = snorkel_dense_mb(big["n"], big["m"], big["k"]) / 1024
            lines += [
                f"**Sparse run, n = {big['n']:,}, m = {big['m']}, k = {big['k']}, {a.big_epochs} epochs** "
                f"({big['nnz']:,} votes): "
                f"MatrixCompletion fit {big['fit_s']:.1f} s + predict {big['predict_s']:.1f} s, "
                f"extra peak {big['extra_mb']:.0f} MiB (peak RSS {big['peak_mb']:.0f} MiB incl. the sparse votes), "
                f"max LF-accuracy error {big['max_acc_err']:.3f}. "
                f"snorkel was not run: its dense arrays alone need {need:.1f} GiB "
                f"(2 × n·m int64 for L and L+1, plus the n·m·k float64 one-hot) > the 24 GiB machine.",
            ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
