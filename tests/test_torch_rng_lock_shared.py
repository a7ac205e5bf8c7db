"""Every section that seeds or forks torch's process-wide generator takes the one lock, TORCH_RNG_LOCK.

Seeded end-model fits took a lock of their own (faa597c), but the label learning flow's seeded initialisation and
HyperLabelModel's network build also seed / fork the same generator: run in another thread beside a seeded fit they
would interleave draws with it and restore states under it. Here a thread holds the lock; a flow fit in another
thread must wait for it (it did not).
"""

from __future__ import annotations

import threading
import time

from weaksup._threads import TORCH_RNG_LOCK
from weaksup.endmodel import _torch
from weaksup.flows import LabelLearningFlow
from weaksup.synthetic import make_votes


def test_end_models_use_the_shared_lock() -> None:
    assert _torch._SEED_LOCK is TORCH_RNG_LOCK


def test_flow_fit_waits_for_the_torch_rng_lock() -> None:
    import numpy as np

    L, y, _ = make_votes(200, 4, 2, accuracies=np.array([0.8, 0.75, 0.7, 0.65]), propensities=0.5, seed=0)
    X = np.random.default_rng(0).normal(size=(200, 4)) + y[:, None]
    held, released = threading.Event(), {}

    def hold() -> None:
        with TORCH_RNG_LOCK:
            held.set()
            time.sleep(1.0)
            released["at"] = time.perf_counter()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    LabelLearningFlow(n_epochs=1).fit(L, X, seed=0)
    done = time.perf_counter()
    holder.join()
    assert done >= released["at"]
