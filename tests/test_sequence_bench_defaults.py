"""benchmarks/sequence_wrench.py: one BLAS thread (a regenerable CRF cell) and its results file in the weaksup cache.

The CRF end model's L-BFGS result depended on the BLAS thread count (bc5cdr 75.56 with the default threads,
75.55 with one), so the committed cell could not be regenerated on another machine; and the --json default was
~/.cache/weaksup/bench whatever $WEAKSUP_CACHE / $XDG_CACHE_HOME said (with HOME unusable, a full run died
writing its results).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def test_the_script_pins_one_blas_thread_before_numpy_loads():
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    code = ("import os, sys; sys.path.insert(0, sys.argv[1]); import benchmarks.sequence_wrench\n"
            "from threadpoolctl import threadpool_info\n"
            f"print([os.environ.get(v) for v in {THREAD_VARS!r}], "
            "sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}))\n")
    out = subprocess.run([sys.executable, "-c", code, str(REPO)], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.strip().splitlines()[-1]
    assert out == "['1', '1', '1'] [1]", out


def test_results_file_defaults_to_the_weaksup_cache(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks import sequence_wrench as seq
    finally:
        sys.path.remove(str(REPO))
    monkeypatch.setenv("WEAKSUP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home-is-a-file"))
    (tmp_path / "home-is-a-file").write_text("")
    monkeypatch.setattr(seq, "_data_root", lambda: tmp_path)
    monkeypatch.setattr(seq, "run_dataset", lambda name, *a: {"dataset": name})
    monkeypatch.setattr(seq, "render", lambda results, cmd: "rendered")
    monkeypatch.setattr(sys, "argv", ["sequence_wrench.py", "--no-write", "--datasets", "laptopreview"])
    seq.main()
    path = tmp_path / "cache" / "bench" / "sequence_wrench.json"
    assert json.loads(path.read_text()) == [{"dataset": "laptopreview"}]
