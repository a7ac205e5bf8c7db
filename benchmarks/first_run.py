"""From a fresh clone to a trained end model: the README quick start's first command, timed.

Clones this repository's HEAD into a temporary folder, makes a bare virtual environment there (no
system site packages), runs the README's command 1 in three timed steps (``pip install torch==2.13.0``,
``pip install -e ".[all]"``, ``weaksup demo``), then ``pip install jupyter`` and runs
``examples/01_quickstart.ipynb`` top to bottom with ``jupyter nbconvert --execute`` (kernel start
included). ``HOME`` is an empty folder and ``WEAKSUP_DATA`` is unset, so the demo and the notebook read the
bundled YouTube set, as a new user's would. Each step's wall seconds and CPU seconds (its child processes',
``RUSAGE_CHILDREN``) are written to section ``first-run`` of docs/benchmarks.md, with the load average.
No gold label is read beyond what the demo and the notebook print (test scores).

The pip steps download packages: their wall time depends on the network and on pip's cache (``--no-cache``
makes pip ignore it; the default uses it, as a user's second install would).

    python benchmarks/first_run.py --write-docs       # ~5 min on 2 cores, network to the package index

``--smoke`` (CI) skips the clone, the installs and the notebook: it times ``weaksup demo`` with this
interpreter and writes the section to a temporary file.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _step(name: str, cmd: list[str], cwd: Path, env: dict[str, str], steps: list[dict], shown: str = "") -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    cp = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if cp.returncode != 0:
        raise SystemExit(f"step {name!r} ({' '.join(cmd)}) exited {cp.returncode}:\n{(cp.stdout + cp.stderr)[-3000:]}")
    steps.append({"step": name, "command": shown or " ".join(cmd), "wall": wall, "cpu": cpu, "out": cp.stdout})
    print(f"{name}: {wall:.1f} s wall, {cpu:.1f} CPU s", flush=True)


def report(steps: list[dict], commit: str, load0: str, load1: str, no_cache: bool, smoke: bool) -> str:
    total_wall = sum(s["wall"] for s in steps)
    total_cpu = sum(s["cpu"] for s in steps)
    lines = [
        f"Command: `python benchmarks/first_run.py --write-docs{' --no-cache' if no_cache else ''}`"
        + (" (**smoke run**: only `weaksup demo`, with the running interpreter)" if smoke else ""),
        "",
        (f"This interpreter at {commit}, " if smoke else
         f"A fresh clone of {commit} in a temporary folder, a bare virtual environment (Python ") +
        ("" if smoke else f"{platform.python_version()}, no system site packages), ") +
        "`HOME` an empty folder and `WEAKSUP_DATA` unset "
        "(the demo and notebook 01 read the bundled YouTube set). Machine: "
        f"{os.cpu_count()} CPU cores ({platform.machine()}); load average (1 / 5 / 15 min) **{load0}** at the start "
        f"and **{load1}** at the end (a load near or above the core count inflates the wall-clock column). "
        f"pip's download cache: {'ignored (`--no-cache`)' if no_cache else 'used as it was'}; pip steps also "
        "depend on the network. CPU s = the step's child processes' user + system seconds (`RUSAGE_CHILDREN`).",
        "",
        "| step | command | wall s | CPU s |",
        "|---|---|---|---|",
    ]
    for s in steps:
        lines.append(f"| {s['step']} | `{s['command']}` | {s['wall']:.1f} | {s['cpu']:.1f} |")
    lines.append(f"| **total** | | **{total_wall:.1f}** ({total_wall / 60:.1f} min) | **{total_cpu:.1f}** |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-docs", nargs="?", const="docs/benchmarks.md", default=None)
    ap.add_argument("--no-cache", action="store_true", help="pip --no-cache-dir (a first install's downloads)")
    ap.add_argument("--smoke", action="store_true", help="CI: time only `weaksup demo` here; section to a temp file")
    a = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "(no git)"
    work = Path(tempfile.mkdtemp(prefix="ws_first_run_"))
    home = work / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("WEAKSUP_DATA", "WEAKSUP_CACHE", "XDG_CACHE_HOME",
                                                            "PYTHONPATH", "VIRTUAL_ENV")}
    env["HOME"] = str(home)
    if not a.no_cache and "PIP_CACHE_DIR" not in env:
        env["PIP_CACHE_DIR"] = str(Path(os.path.expanduser("~")) / ".cache" / "pip")  # the user's own pip cache
    steps: list[dict] = []
    load0 = _load()
    try:
        if a.smoke:
            from benchmarks._docs import smoke_out

            a.write_docs = str(smoke_out())
            _step("weaksup demo", [sys.executable, "-m", "weaksup.cli", "demo"], ROOT,
                  {**env, "PYTHONPATH": str(ROOT)}, steps, "weaksup demo")
        else:
            clone = work / "weaksup"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
            bin_ = work / "venv" / "bin"
            env["PATH"] = f"{bin_}{os.pathsep}{env.get('PATH', '')}"
            env["VIRTUAL_ENV"] = str(work / "venv")
            pip = [str(bin_ / "pip"), "install", "-q"] + (["--no-cache-dir"] if a.no_cache else [])
            _step("install torch", pip + ["torch==2.13.0"], clone, env, steps, "pip install torch==2.13.0")
            _step("install weaksup[all]", pip + ["-e", ".[all]"], clone, env, steps, 'pip install -e ".[all]"')
            _step("weaksup demo", [str(bin_ / "weaksup"), "demo"], clone, env, steps, "weaksup demo")
            _step("install jupyter", pip + ["jupyter"], clone, env, steps, "pip install jupyter")
            _step("notebook 01", [str(bin_ / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                                  "--output-dir", str(work / "out"), "examples/01_quickstart.ipynb"], clone, env, steps,
                  "jupyter nbconvert --execute examples/01_quickstart.ipynb")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    body = report(steps, commit, load0, _load(), a.no_cache, a.smoke)
    print(body)
    if a.write_docs:
        from benchmarks._docs import update_section

        update_section(a.write_docs if a.smoke else ROOT / a.write_docs, "first-run", body,
                       title="From a fresh clone to a trained end model (README quick start)")


if __name__ == "__main__":
    main()
