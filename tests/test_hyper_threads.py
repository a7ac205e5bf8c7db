"""HyperLabelModel fitted by several threads at once in a fresh process (a web service's first requests).

Loading the checkpoint edits torch's process-wide ``safe_globals`` allow-list: before, one thread leaving the
context removed the numpy globals another thread's ``torch.load`` still needed, and the other fits died with
``UnpicklingError: Weights only load failed ... numpy.core.multiarray.scalar``.  The first load now runs under a
lock, once per process; the threads' posteriors must equal a serial fit's bit for bit.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("hyperlm", reason="the hyperlm extra is not installed")

SCRIPT = textwrap.dedent("""
    import threading, warnings
    import numpy as np
    warnings.filterwarnings("ignore")
    import weaksup.labelmodel.hyper as hyper
    from weaksup.labelmodel import HyperLabelModel
    from weaksup.synthetic import make_votes

    Ls = [make_votes(n=500, m=8, k=2, seed=s)[0] for s in range(4)]
    loads = []
    real = hyper._safe_globals
    def counting():
        loads.append(1)
        return real()
    hyper._safe_globals = counting
    out, errors = {}, {}
    def fit(i):
        try:
            out[i] = HyperLabelModel().fit(Ls[i]).predict_proba(Ls[i])
        except Exception as err:
            errors[i] = f"{type(err).__name__}: {str(err).splitlines()[-1][:200]}"
    threads = [threading.Thread(target=fit, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors, errors
    assert len(loads) == 1, f"the checkpoint was loaded {len(loads)} times"
    for i in range(4):
        serial = HyperLabelModel().fit(Ls[i]).predict_proba(Ls[i])
        assert np.array_equal(out[i], serial), i
    print("OK")
""")


def test_threads_fitting_at_once_in_a_fresh_process():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stderr[-3000:]
