"""Repository tooling: the benchmarks' shared measuring probes (not part of the installed package).

One implementation of what the speed benchmarks (``labelmodel_speed.py``,
``compat_speed.py``, ``scale.py``) measure and how they isolate a measurement:

* :func:`rss_mb`, :func:`reset_peak`, :func:`peak_mb`: resident memory now, and
  the kernel's peak-RSS counter (``VmHWM``) reset so a phase's peak excludes what
  was loaded before it;
* :func:`mem_available_mb`, :func:`mem_total_mb`: the machine's available and total memory (skip rules);
* :func:`cpu_s`: CPU seconds of this process (``time.process_time``: all its threads);
* :func:`timed_fit_predict`: a fit and a predict timed in CPU and wall seconds, with the
  peak memory above the memory held before the fit;
* :data:`THREAD_VARS`, :func:`run_json_subprocess`: run a benchmark's worker mode in
  a fresh interpreter with one numpy/BLAS thread and read the JSON line it prints last;
* :func:`wrench_datasets_main`: the command line of a script that reprints docs figures over WRENCH sets
  (``--datasets``, ``--data-dir``, ``--smoke``; exit 77 where the data is absent).

>>> reset_peak() in (True, False)
True
>>> peak_mb() >= 0 and rss_mb() > 0
True
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["THREAD_VARS", "REPO", "rss_mb", "reset_peak", "peak_mb", "mem_available_mb", "mem_total_mb", "cpu_s",
           "timed_fit_predict", "run_json_subprocess", "wrench_datasets_main"]

REPO = Path(__file__).resolve().parent.parent
#: Thread-count variables set to 1 in the workers (numpy/BLAS); torch is limited by the worker itself.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def rss_mb() -> float:
    """Resident memory of this process now, MiB (``/proc/self/statm``)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) of this process; False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _proc_kib(path: str, key: str) -> float | None:
    """The ``key:`` field of a ``/proc`` status-style file in KiB, or None where it cannot be read."""
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def peak_mb() -> float:
    """Peak resident memory of this process since start or the last :func:`reset_peak`, MiB."""
    kib = _proc_kib("/proc/self/status", "VmHWM")
    if kib is None:
        import resource

        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB, never reset
    return kib / 1024


def mem_available_mb() -> float:
    """The machine's available memory (``MemAvailable``), MiB; NaN where ``/proc/meminfo`` is missing."""
    kib = _proc_kib("/proc/meminfo", "MemAvailable")
    return float("nan") if kib is None else kib / 1024


def mem_total_mb() -> float:
    """The machine's memory (``MemTotal``), MiB; NaN where ``/proc/meminfo`` is missing."""
    kib = _proc_kib("/proc/meminfo", "MemTotal")
    return float("nan") if kib is None else kib / 1024


def cpu_s() -> float:
    """CPU seconds of this process (every thread): ``time.process_time``; picklable for ``Client.run``."""
    return time.process_time()


def timed_fit_predict(fit: Callable[[], Any], predict: Callable[[Any], Any]) -> tuple[dict, Any, Any]:
    """``model = fit()`` then ``probs = predict(model)``, measured: ``(record, model, probs)``.

    The record holds wall seconds (``fit_s``, ``predict_s``, ``total_s``), CPU seconds
    (``cpu_fit_s``, ``cpu_predict_s``, ``cpu_total_s``), the RSS before the fit
    (``base_mb``, after resetting the peak counter), the peak RSS over both calls
    (``peak_mb``) and their difference (``extra_mb``).

    >>> rec, model, probs = timed_fit_predict(lambda: 2, lambda m: [m] * 3)
    >>> probs, sorted(rec)[:3]
    ([2, 2, 2], ['base_mb', 'cpu_fit_s', 'cpu_predict_s'])
    """
    reset_peak()
    base = rss_mb()
    c0, t0 = time.process_time(), time.perf_counter()
    model = fit()
    c1, t1 = time.process_time(), time.perf_counter()
    probs = predict(model)
    c2, t2 = time.process_time(), time.perf_counter()
    peak = peak_mb()
    return ({"fit_s": t1 - t0, "predict_s": t2 - t1, "total_s": t2 - t0, "cpu_fit_s": c1 - c0,
             "cpu_predict_s": c2 - c1, "cpu_total_s": c2 - c0, "base_mb": base, "peak_mb": peak,
             "extra_mb": peak - base}, model, probs)


def run_json_subprocess(script: str | os.PathLike[str], args: list[str], timeout: int = 3600,
                        tail: int = 800) -> dict:
    """Run ``python script *args`` with one BLAS thread; its last stdout line parsed as JSON.

    A failed run returns ``{"error": <last `tail` characters of stderr (or stdout)>}``
    instead of raising, so a benchmark reports the failure in its table.
    """
    env = dict(os.environ, **{v: "1" for v in THREAD_VARS}, PYTHONPATH=str(REPO))
    cp = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env,
                        timeout=timeout)
    if cp.returncode != 0:
        return {"error": (cp.stderr or cp.stdout)[-tail:]}
    return json.loads(cp.stdout.strip().splitlines()[-1])


def loadavg() -> tuple[float, float, float]:
    """The 1-, 5- and 15-minute load averages (``/proc/loadavg``; NaN where the OS has none)."""
    try:
        return tuple(float(v) for v in Path("/proc/loadavg").read_text().split()[:3])  # type: ignore[return-value]
    except (OSError, ValueError):
        return os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3


def fmt_load(load: tuple[float, float, float]) -> str:
    """``"1.90 / 1.17 / 2.34"``: a :func:`loadavg` triple as the sections print it."""
    return " / ".join(f"{v:.2f}" for v in load)


def wrench_datasets_main(doc: str | None, datasets: list[str], run: Callable[[list[str], str | None], Any],
                         argv: list[str] | None = None) -> int:
    """Parse ``--datasets``/``--data-dir``/``--smoke`` (youtube only), check the WRENCH data can be read, then
    ``run(datasets, data_dir)``; 77 (the smoke test's "cannot run here") where the data is absent."""
    import argparse

    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=",".join(datasets))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny CI run: youtube only")
    a = ap.parse_args(argv)
    chosen = ["youtube"] if a.smoke else a.datasets.split(",")
    try:
        from weaksup.data import load_wrench

        load_wrench(chosen[0], a.data_dir)
    except (FileNotFoundError, OSError) as exc:
        print(f"cannot run here: WRENCH data not found ({exc}); set WEAKSUP_DATA")
        return 77
    run(chosen, a.data_dir)
    return 0
