"""Scale-out: apply + fit + predict on a 2-worker Dask LocalCluster, beside in-memory weaksup and snorkel.

    nice -n 10 python benchmarks/scale.py --write-docs     # the issue's sizes: 10M, 100M rows
    nice -n 10 python benchmarks/scale.py --sizes 1000000 10000000 --write-docs
    python benchmarks/scale.py --smoke                                                  # tiny CI run, no docs

Data: synthetic rows generated partition by partition on the workers (never on
the client): ``m = 20`` integer feature columns ``f0..f19``, each a noisy copy
of a hidden label (accuracy 0.6-0.9, ~10% coverage), read by 20 batched LFs
(one column each, ``resources={"col": ...}``).  No gold label is read by any
model (the hidden label is never a column).

Dask (``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``, a
fresh cluster per size, 1M-row partitions):

* apply: :func:`weaksup.apply.engines.dask.apply_to_shards` writes the votes as
  sparse shards (the vote matrix never reaches the client);
* fit: MatrixCompletion (co-occurrence statistics reduced across partitions)
  and DawidSkene (every EM iteration a map-reduce of count tensors), twice:
  with each partition's distinct-row table held on its worker between
  iterations (the default: fastest, worker memory grows with the distinct
  rows) and streamed (``weaksup.em-hold-patterns = False``: every iteration
  re-reads the shards, worker memory flat in n);
* predict: MatrixCompletion's ``predict_proba`` mapped over the shards, written
  to disk as a float32 ``.npy`` stack.

Per phase: wall seconds, CPU seconds summed over the workers, and the peak
resident memory of each worker process (VmHWM, reset before the phase), and
of the client.  In-memory weaksup (serial applier, dense ``VoteMatrix``, the
same two models) and snorkel's ``LabelModel`` (on the same votes, applied by
weaksup: snorkel's own applier calls Python LFs row by row, compared in the
``apply-speed`` section) run in their own subprocesses, each once, at the
largest size whose estimated peak memory (:data:`MEMORY_MODEL`, fitted to
measured peaks) fits in 60% of the machine's memory: decided before anything
runs, and stated in the section.  Before each Dask size the free disk under
``--workdir`` is checked against the shards + probabilities it will write
(estimated from the previous size), and the projected wall time is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks._measure import (  # noqa: E402
    cpu_s,
    fmt_load,
    loadavg,
    mem_available_mb,
    mem_total_mb,
    peak_mb,
    reset_peak,
    run_json_subprocess,
)

M, K, COVERAGE = 20, 2, 0.1
#: Peak resident memory of an in-memory run: base MiB + bytes per row (frame, votes, statistics,
#: probabilities), fitted to this script's measured peaks (weaksup 450 / 2,034 MiB, snorkel
#: 1,399 / 9,776 MiB at 1M / 10M rows) with ~10% headroom.
MEMORY_MODEL = {"weaksup": (300, 195), "snorkel": (500, 1_020)}
#: Share of the machine's memory (MemTotal) an in-memory run may be planned to take (the rest: the OS,
#: the Dask cluster's idle workers, other jobs on a shared machine).
MEMORY_SHARE = 0.6
#: The issue's sizes.
DEFAULT_SIZES = [10_000_000, 100_000_000]


def accuracies(m: int = M, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.6, 0.9, m)


def make_partition(index: int, rows: int, m: int = M, k: int = K, seed: int = 0) -> "object":
    """Partition ``index``: ``rows`` rows of ``m`` noisy label copies (-1 = no signal), deterministic."""
    import pandas as pd

    rng = np.random.default_rng([seed, index])
    y = rng.integers(0, k, rows)
    acc = accuracies(m, seed)
    cols = {}
    for j in range(m):
        fire = rng.random(rows) < COVERAGE
        right = rng.random(rows) < acc[j]
        wrong = (y + rng.integers(1, k, rows)) % k
        cols[f"f{j}"] = np.where(fire, np.where(right, y, wrong), -1).astype(np.int8)
    return pd.DataFrame(cols)


def column_lfs(m: int = M) -> list:
    from weaksup.lf import LabelingFunction

    def column(df, col):
        return df[col].to_numpy()

    return [LabelingFunction(f"lf{j}", column, resources={"col": f"f{j}"}, batched=True) for j in range(m)]


def partitions(n: int, part: int) -> list[int]:
    return [min(part, n - s) for s in range(0, n, part)]


def estimate_mb(kind: str, n: int) -> float:
    """Planned peak RSS (MiB) of the in-memory ``kind`` run at ``n`` rows (:data:`MEMORY_MODEL`)."""
    base, per_row = MEMORY_MODEL[kind]
    return base + per_row * n / 2**20


def plan_memory_runs(sizes: list[int], total_mb: float) -> dict[str, dict]:
    """For each in-memory library, the largest of ``sizes`` whose estimate fits ``MEMORY_SHARE × total_mb``.

    Decided before anything runs, so no run is started that the machine cannot hold (an OOM kill
    would take other jobs with it).  Returns ``{kind: {"n": n or None, "reason": text}}``.

    >>> plan_memory_runs([10_000_000, 100_000_000], 24 * 1024)["weaksup"]["n"]
    10000000
    """
    budget = MEMORY_SHARE * total_mb
    plan = {}
    for kind in MEMORY_MODEL:
        fits = [n for n in sizes if estimate_mb(kind, n) <= budget]
        n = max(fits) if fits else None
        over = [f"{m:,} rows would need ~{estimate_mb(kind, m) / 1024:.1f} GiB" for m in sizes if n is None or m > n]
        why = (f"estimated peak {estimate_mb(kind, n) / 1024:.1f} GiB at {n:,} rows" if n else "no size fits")
        why += f" (budget {budget / 1024:.1f} GiB = {MEMORY_SHARE:.0%} of the machine's {total_mb / 1024:.0f} GiB)"
        if over:
            why += "; " + ", ".join(over)
        plan[kind] = {"n": n, "reason": why}
    return plan


def disk_needed_bytes(n: int, shard_bytes_per_row: float, k: int = K) -> float:
    """Disk a Dask run at ``n`` rows writes at once: its vote shards plus the float32 probabilities, +20%."""
    return 1.2 * n * (shard_bytes_per_row + 4 * k)


# ------------------------------------------------------------------------- Dask
def run_dask(n: int, part: int, epochs: int, workdir: str, ds_iter: int = 300) -> dict:
    import dask
    import dask.array as da
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from weaksup.apply.engines.dask import apply_to_shards
    from weaksup.labelmodel import DawidSkene, MatrixCompletion
    from weaksup.labelmodel._dask import EM_HOLD_KEY

    out: dict = {"n": n, "partitions": len(partitions(n, part)), "phases": {}}
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           memory_limit=0)
    client = Client(cluster)
    try:
        client.run(reset_peak)  # warm the workers' imports before timing
        sizes = partitions(n, part)
        ddf = dd.from_map(make_partition, list(range(len(sizes))), sizes, enforce_metadata=False)

        def phase(name: str, fn):  # noqa: ANN001
            client.run(reset_peak)
            reset_peak()
            cpu0 = client.run(cpu_s)
            t0 = time.perf_counter()
            result = fn()
            wall = time.perf_counter() - t0
            cpu1 = client.run(cpu_s)
            peaks = client.run(peak_mb)
            out["phases"][name] = {"wall_s": wall, "worker_cpu_s": sum(cpu1[w] - cpu0[w] for w in cpu1),
                                   "worker_peak_mb": sorted(peaks.values()), "client_peak_mb": peak_mb()}
            print(json.dumps({"n": n, "phase": name, **out["phases"][name]}), flush=True)
            return result

        shard_dir = os.path.join(workdir, "votes")
        votes = phase("apply (shards)", lambda: apply_to_shards(column_lfs(), ddf, shard_dir, cardinality=K,
                                                                overwrite=True, progress=False))
        # the vote shards only (not the manifest or the part-*.key resume files beside them)
        out["nnz_bytes_on_disk"] = sum(os.path.getsize(os.path.join(shard_dir, f)) for f in os.listdir(shard_dir)
                                       if f.endswith(".npz"))
        mc = phase("fit MatrixCompletion", lambda: MatrixCompletion(cardinality=K, n_epochs=epochs).fit(votes, seed=0))
        out["mc_max_acc_err"] = float(np.abs(mc.lf_accuracies() - accuracies()).max())
        ds = phase("fit DawidSkene (tables held)", lambda: DawidSkene(cardinality=K, max_iter=ds_iter).fit(votes))
        out["ds_iters"] = int(ds.n_iter_)
        out["ds_max_acc_err"] = float(np.abs(ds.lf_accuracies() - accuracies()).max())
        with dask.config.set({EM_HOLD_KEY: False}):
            ds2 = phase("fit DawidSkene (streamed)", lambda: DawidSkene(cardinality=K, max_iter=ds_iter).fit(votes))
        out["ds_streamed_same"] = bool(ds2.n_iter_ == ds.n_iter_ and np.abs(ds2.log_conf_ - ds.log_conf_).max() < 1e-9)
        probs_dir = os.path.join(workdir, "probs")

        def predict() -> None:
            da.to_npy_stack(probs_dir, mc.predict_proba(votes).astype(np.float32))

        phase("predict MatrixCompletion (to disk)", predict)
        shutil.rmtree(probs_dir, ignore_errors=True)
    finally:
        client.close()
        cluster.close()
    return out


# ------------------------------------------------------------- in-memory peers
def run_memory(kind: str, n: int, part: int, epochs: int) -> dict:
    import pandas as pd

    from weaksup import LFApplier

    frame = pd.concat([make_partition(i, r) for i, r in enumerate(partitions(n, part))], ignore_index=True)
    reset_peak()
    base = peak_mb()
    out: dict = {"kind": kind, "n": n}
    c0, t0 = time.process_time(), time.perf_counter()
    L = LFApplier(column_lfs(), cardinality=K, cache=False, progress=False, chunk_size=part).apply(frame)
    del frame
    c1, t1 = time.process_time(), time.perf_counter()
    out["apply"] = {"wall_s": t1 - t0, "cpu_s": c1 - c0}
    if kind == "snorkel":
        import logging

        import torch
        from snorkel.labeling.model import LabelModel

        torch.set_num_threads(1)
        logging.disable(logging.INFO)
        D = L.to_dense().astype(np.int64)
        del L
        c1, t1 = time.process_time(), time.perf_counter()
        model = LabelModel(cardinality=K, verbose=False)
        model.fit(D, n_epochs=epochs, seed=0, progress_bar=False)
        c2, t2 = time.process_time(), time.perf_counter()
        model.predict_proba(D)
        c3, t3 = time.process_time(), time.perf_counter()
        out["fit LabelModel"] = {"wall_s": t2 - t1, "cpu_s": c2 - c1}
        out["predict LabelModel"] = {"wall_s": t3 - t2, "cpu_s": c3 - c2}
    else:
        from weaksup.labelmodel import DawidSkene, MatrixCompletion

        c1, t1 = time.process_time(), time.perf_counter()
        mc = MatrixCompletion(cardinality=K, n_epochs=epochs).fit(L, seed=0)
        c2, t2 = time.process_time(), time.perf_counter()
        DawidSkene(cardinality=K).fit(L)
        c3, t3 = time.process_time(), time.perf_counter()
        mc.predict_proba(L)
        c4, t4 = time.process_time(), time.perf_counter()
        out["fit MatrixCompletion"] = {"wall_s": t2 - t1, "cpu_s": c2 - c1}
        out["fit DawidSkene"] = {"wall_s": t3 - t2, "cpu_s": c3 - c2}
        out["predict MatrixCompletion"] = {"wall_s": t4 - t3, "cpu_s": c4 - c3}
    out["peak_mb"] = peak_mb()
    out["base_mb"] = base
    return out


def _run_sub(args: list[str], timeout: int = 7200) -> dict:
    return run_json_subprocess(__file__, args, timeout, tail=600)


# ------------------------------------------------------------------------ report
def command_line(a: argparse.Namespace) -> str:
    """The command this run was started with (its arguments as given; ``nice`` when it ran at a lower priority).

    >>> command_line(argparse.Namespace(argv=["--sizes", "500000", "--skip-memory"], niceness=10))
    'nice -n 10 python benchmarks/scale.py --sizes 500000 --skip-memory'
    """
    args = getattr(a, "argv", None)
    cmd = " ".join(["python", "benchmarks/scale.py", *([shlex.quote(x) for x in args] if args else [])])
    niceness = getattr(a, "niceness", 0)
    return f"nice -n {niceness} {cmd}" if niceness else cmd


def report(dask_runs: list[dict], mem_runs: list[dict], a: argparse.Namespace) -> str:
    from weaksup.bench.report import markdown_table

    sizes = ", ".join(f"{n:,}" for n in a.sizes)
    lines = [
        f"Command: `{command_line(a)}` (rows: {sizes}; m = {M} LFs, k = {K}, ~{COVERAGE:.0%} coverage per LF; "
        f"{a.partition_rows:,}-row partitions; MatrixCompletion and snorkel {a.epochs} epochs; a 2-core, 24 GiB "
        "machine shared with other jobs, so wall seconds include waiting for the CPU: the CPU seconds are "
        "the steadier measure; "
        + (f"load average (1/5/15 min) {fmt_load(a.load0)} at the start, {fmt_load(a.load1)} at the end). "
           if getattr(a, "load1", None) else "load average not recorded). ")
        + ("" if sorted(a.sizes) == DEFAULT_SIZES else
           "The script's defaults are the issue's sizes (10M and 100M rows); this run used the sizes above. ")
        + "No gold labels are read (synthetic votes; the LF-accuracy errors compare with the generator's "
        "accuracies).",
        "",
        "**Dask, 2-worker LocalCluster (processes)**: wall seconds, CPU seconds summed over both workers, "
        "peak RSS of each worker process (VmHWM, reset before each phase) and of the client.",
        "",
    ]
    rows = []
    for r in dask_runs:
        if "error" in r:
            rows.append([f"{r.get('n', '?'):,}", "error", "—", "—", "—", "—", r["error"][:160].replace("\n", " ")])
            continue
        for name, p in r["phases"].items():
            rows.append([f"{r['n']:,}", name, f"{p['wall_s']:.1f}", f"{p['worker_cpu_s']:.1f}",
                         " / ".join(f"{x:.0f}" for x in p["worker_peak_mb"]), f"{p['client_peak_mb']:.0f}", ""])
        rows.append([f"{r['n']:,}", "(checks)", "", "", "", "",
                     f"{r['partitions']} shards, {r['nnz_bytes_on_disk'] / 2**20:.0f} MiB on disk; LF-accuracy error "
                     f"MC {r['mc_max_acc_err']:.3f}, DS {r['ds_max_acc_err']:.3f} ({r['ds_iters']} EM map-reduce rounds; "
                     + ("streamed fit equal to 1e-9" if r.get("ds_streamed_same") else "streamed fit DIFFERS") + ")"
                     + (f"; projected before the run from the previous size: {r['estimate']['wall_s']:.0f} s wall, "
                        f"{r['estimate']['disk_gib']:.1f} GiB of disk ({r['estimate']['free_disk_gib']:.0f} GiB free)"
                        if r.get("estimate") else "")])
    for n in getattr(a, "pending", []):
        rows.append([f"{n:,}", "not finished", "—", "—", "—", "—", "the run was stopped before this size completed "
                     "(the section is written after each size)"])
    lines += [markdown_table(["rows", "phase", "wall s", "worker CPU s", "worker peak MiB", "client peak MiB",
                              "notes"], rows), ""]
    lines += flatness_lines(dask_runs)
    if getattr(a, "skip_memory", False):
        return "\n".join(lines + ["**In memory, one process**: not run (`--skip-memory`)."])
    lines += ["**In memory, one process** (weaksup: serial applier, dense VoteMatrix; snorkel: LabelModel on the "
              "same votes, applied by weaksup): wall / CPU seconds per phase and the process's peak RSS. "
              "Each library runs once, at the largest size it can hold, decided before the run from its "
              "estimated peak memory:", ""]
    plan = getattr(a, "plan", {}) or {}
    lines += [f"- {kind}: {p['reason']}." for kind, p in plan.items()] + ([""] if plan else [])
    rows = []
    for r in mem_runs:
        if "error" in r or "skipped" in r:
            rows.append([r["kind"], f"{r['n']:,}", "—", "—", "—", "—", (r.get("skipped") or r["error"])[:200].replace("\n", " ")])
            continue
        fit = [key for key in r if key.startswith("fit")]
        pred = [key for key in r if key.startswith("predict")]
        rows.append([r["kind"], f"{r['n']:,}", f"{r['apply']['wall_s']:.1f} / {r['apply']['cpu_s']:.1f}",
                     "; ".join(f"{key[4:]} {r[key]['wall_s']:.1f} / {r[key]['cpu_s']:.1f}" for key in fit),
                     f"{r[pred[0]]['wall_s']:.1f} / {r[pred[0]]['cpu_s']:.1f}", f"{r['peak_mb']:.0f}",
                     f"planned ~{r['estimate_mb']:.0f} MiB" if "estimate_mb" in r else ""])
    lines += [markdown_table(["library", "rows", "apply s (wall / CPU)", "fit s (wall / CPU)",
                              "predict s (wall / CPU)", "peak RSS MiB", "notes"], rows)]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    ap.add_argument("--partition-rows", type=int, default=1_000_000)
    ap.add_argument("--epochs", type=int, default=500,
                    help="MatrixCompletion and snorkel epochs (snorkel's default 100 under-converges here)")
    ap.add_argument("--ds-max-iter", type=int, default=300, help="DawidSkene max_iter on Dask (its default)")
    ap.add_argument("--skip-memory", action="store_true", help="no in-memory weaksup / snorkel runs")
    ap.add_argument("--workdir", default=None,
                    help="folder for the vote shards and probabilities (default: the temp folder); its free "
                         "space is checked against an estimate before each size")
    ap.add_argument("--max-wall-s", type=float, default=2700.0,
                    help="a size whose Dask run is projected (linearly from the previous size) to take longer "
                         "is not run, and the section says so (default 45 min)")
    ap.add_argument("--write-docs", nargs="?", const="docs/benchmarks.md", default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny CI run (20,000 rows); section to a temp file")
    ap.add_argument("--memory-worker", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.argv, a.niceness = sys.argv[1:], os.nice(0)  # what the "Command:" line reports
    if a.memory_worker:
        print(json.dumps(run_memory(a.memory_worker[0], int(a.memory_worker[1]), a.partition_rows, a.epochs)))
        return
    if a.smoke:
        from benchmarks._docs import smoke_out

        a.sizes, a.partition_rows, a.epochs, a.ds_max_iter = [20_000], 5_000, 5, 10
        a.write_docs = str(smoke_out())
    dask_runs: list[dict] = []
    mem_runs: list[dict] = []
    plan = {} if a.skip_memory else plan_memory_runs(a.sizes, mem_total_mb())
    a.plan = plan
    for kind, p in plan.items():
        print(json.dumps({"plan": kind, **p}), flush=True)
    root = a.workdir or tempfile.gettempdir()
    a.load0, a.load1 = loadavg(), None
    shard_bytes_per_row = 8.0  # before any run: ~k·coverage·m bytes per row, rounded up; measured after the first
    for n in sorted(a.sizes):
        free = shutil.disk_usage(root).free
        need = disk_needed_bytes(n, shard_bytes_per_row)
        if need > free:
            dask_runs.append({"n": n, "error": f"not run: needs ~{need / 2**30:.1f} GiB of disk under {root}, "
                                                f"{free / 2**30:.1f} GiB free (pass --workdir)"})
            continue
        est = None
        if dask_runs and "phases" in dask_runs[-1]:
            prev = dask_runs[-1]
            wall = sum(p["wall_s"] for p in prev["phases"].values())
            est = {"wall_s": wall * n / prev["n"], "disk_gib": need / 2**30, "free_disk_gib": free / 2**30}
            print(json.dumps({"estimate": n, **est}), flush=True)
            if est["wall_s"] > a.max_wall_s:
                dask_runs.append({"n": n, "error": f"not run: projected {est['wall_s'] / 60:.1f} min wall (linear in "
                                                    f"rows from the {prev['n']:,}-row run) > --max-wall-s "
                                                    f"{a.max_wall_s / 60:.1f} min"})
                continue
        work = tempfile.mkdtemp(prefix="ws_scale_", dir=root)
        try:
            dask_runs.append(run_dask(n, a.partition_rows, a.epochs, work, a.ds_max_iter))
            dask_runs[-1]["estimate"] = est
            shard_bytes_per_row = max(dask_runs[-1]["nnz_bytes_on_disk"] / n, 1.0)
        except Exception as exc:  # reported in the table, and fatal in --smoke
            if a.smoke:
                raise
            dask_runs.append({"n": n, "error": f"{type(exc).__name__}: {exc}"})
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for kind, p in plan.items():
            if p["n"] != n:
                continue
            need_mb, avail = estimate_mb(kind, n), mem_available_mb()
            if need_mb > 0.9 * avail:  # the plan fits the machine; other jobs hold too much right now
                mem_runs.append({"kind": kind, "n": n, "skipped": f"not run: needs ~{need_mb / 1024:.1f} GiB, "
                                                                  f"{avail / 1024:.1f} GiB available now"})
                continue
            r = _run_sub(["--memory-worker", kind, str(n), "--partition-rows", str(a.partition_rows),
                          "--epochs", str(a.epochs)])
            r.setdefault("kind", kind)
            r.setdefault("n", n)
            r["estimate_mb"] = need_mb
            print(json.dumps(r), flush=True)
            mem_runs.append(r)
        a.pending = [m for m in sorted(a.sizes) if m > n]
        if a.write_docs and a.pending:  # after each size: a run stopped later keeps what it measured
            write_section(dask_runs, mem_runs, a)
    a.pending = []
    a.load1 = loadavg()
    body = write_section(dask_runs, mem_runs, a)
    print(body)
    if a.smoke and any("error" in r for r in dask_runs + mem_runs):
        raise SystemExit("smoke run failed: " + "; ".join(r["error"][-300:] for r in dask_runs + mem_runs
                                                          if "error" in r))


def flatness_lines(dask_runs: list[dict]) -> list[str]:
    """Per phase, the larger worker's peak at the smallest and the largest size run (memory flat in n or not)."""
    done = [r for r in dask_runs if "phases" in r]
    if len(done) < 2:
        return []
    lo, hi = done[0], done[-1]
    parts = []
    for name, p in hi["phases"].items():
        if name in lo["phases"]:
            a, b = max(lo["phases"][name]["worker_peak_mb"]), max(p["worker_peak_mb"])
            parts.append(f"{name} {a:.0f} → {b:.0f} MiB ({b / a:.2f}×)")
    return [f"Worker peak memory from {lo['n']:,} to {hi['n']:,} rows ({hi['n'] / lo['n']:.0f}× the rows): "
            + "; ".join(parts) + ". The held DawidSkene tables are each partition's distinct vote rows: they grow "
            "with the data (fewer repeats among more rows), which is why the streamed fit exists.", ""]


def write_section(dask_runs: list[dict], mem_runs: list[dict], a: argparse.Namespace) -> str:
    """The section for what has run so far, written to ``--write-docs`` when given."""
    body = report(dask_runs, mem_runs, a)
    if a.write_docs:
        from benchmarks._docs import update_section

        update_section(REPO / a.write_docs, "scale", body, title="Scale-out on Dask")
    return body


if __name__ == "__main__":
    main()
