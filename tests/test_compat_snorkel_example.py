"""examples/from_snorkel.py runs unchanged on snorkel and on weaksup.compat.snorkel with the same results (WRENCH youtube)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import needs_wrench

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "from_snorkel.py"


def _run(backend: str, data: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, np.ndarray]:
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), "--backend", backend, "--data", str(data), "--out", str(out)])
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    with np.load(out) as f:
        return {k: f[k] for k in f.files}


@needs_wrench
@pytest.mark.wrench
@pytest.mark.slow
def test_example_same_results_on_both_backends(wrench_dir, tmp_path, monkeypatch, capsys):
    pytest.importorskip("snorkel.labeling")  # the peer, from the test extra
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        theirs = _run("snorkel", wrench_dir, tmp_path / "snorkel.npz", monkeypatch)
        ours = _run("weaksup", wrench_dir, tmp_path / "weaksup.npz", monkeypatch)
    finally:
        torch.set_num_threads(threads)
    for key in ("L_train", "L_valid", "L_test"):  # the same label matrices
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)
    assert (ours["L_train"] != -1).any(axis=0).all()  # every LF fires: the comparison is not vacuous
    np.testing.assert_allclose(ours["probs_train"], theirs["probs_train"], atol=1e-5)  # same seed, 500 epochs
    np.testing.assert_array_equal(ours["preds_lm"], theirs["preds_lm"])  # incl. the -1 ties
    assert (ours["preds_lm"] == -1).any()
    np.testing.assert_array_equal(ours["preds_mv"], theirs["preds_mv"])
    np.testing.assert_array_equal(ours["filtered_index"], theirs["filtered_index"])
    np.testing.assert_array_equal(ours["preds_train_filtered"], theirs["preds_train_filtered"])
    for key in ("mv_acc", "lm_acc", "end_acc"):
        assert float(ours[key]) == float(theirs[key]), key
    assert float(ours["lm_acc"]) > 0.8  # the flow works, not just agrees
    printed = capsys.readouterr().out
    assert printed.count("Label Model Accuracy") == 2
