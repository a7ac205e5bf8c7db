"""A 40-row frame and LFs that raise on some of its rows, shared by the tests of the first-fault report
(tests/test_apply_fault_warning_detail.py: ``LFApplier.apply``; tests/test_apply_to_shards_first_fault.py:
``apply_to_shards`` on a Dask cluster).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from weaksup import labeling_function

DF = pd.DataFrame({"text": [f"t{i}" for i in range(40)]}, index=[f"r{i}" for i in range(40)])


@labeling_function()
def bad(x):
    if x.text in ("t13", "t27", "t31"):
        raise KeyError(f"no field for {x.text}")
    return 1 if x.text.endswith("1") else -1


@labeling_function()
def worse(x):
    if x.text in ("t5", "t36"):
        raise ValueError(f"HTTP 500: CUDA out of memory ({x.text})")
    return 0


@labeling_function(batched=True)
def batch_bad(chunk):
    if "t22" in set(chunk.text):
        raise RuntimeError("the whole chunk failed")
    return np.zeros(len(chunk), dtype=int)
