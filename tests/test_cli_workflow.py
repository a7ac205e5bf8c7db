"""``weaksup apply`` / ``analyze`` / ``fit`` end to end on WRENCH youtube, in a subprocess like a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix, apply_lfs
from weaksup.cli import load_lf_module
from weaksup.data import load_wrench

LF_SOURCE = '''
from weaksup import ABSTAIN, keyword_lf, labeling_function, regex_lf

check_out = regex_lf(r"check\\s+(it\\s+)?out", 1, name="check_out")
subscribe = keyword_lf(["subscribe", "channel"], 1, name="subscribe")

@labeling_function()
def short(x):
    return 0 if len(x.text.split()) < 5 else ABSTAIN
'''


def weaksup(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", "import sys; from weaksup.cli import main; sys.exit(main())", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=os.environ.copy())


@pytest.fixture()
def lf_file(tmp_path: Path) -> Path:
    path = tmp_path / "lfs.py"
    path.write_text(LF_SOURCE)
    return path


@pytest.mark.wrench
@pytest.mark.slow
def test_apply_analyze_fit_on_youtube(tmp_path: Path, lf_file: Path, wrench_dir: Path) -> None:
    ds = load_wrench("youtube")
    r = weaksup("apply", str(lf_file), "wrench:youtube:train", "--out", "out/votes.npz", "--no-progress", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    votes = VoteMatrix.load(tmp_path / "out/votes.npz")
    expected = apply_lfs(load_lf_module(lf_file), ds.train.data)
    assert votes.lf_names == ["check_out", "subscribe", "short"]
    np.testing.assert_array_equal(votes.to_dense(), expected.to_dense())

    # the same rows from a CSV file give the same votes
    ds.train.data.to_csv(tmp_path / "train.csv", index=False)
    r = weaksup("apply", str(lf_file), "train.csv", "--out", "votes_csv.npz", "--no-progress", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(VoteMatrix.load(tmp_path / "votes_csv.npz").to_dense(), expected.to_dense())

    r = weaksup("analyze", "out/votes.npz", "--labels", "wrench:youtube:train", "--out", "summary.csv",
                "--plots", "plots", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = pd.read_csv(tmp_path / "summary.csv", index_col=0)
    assert list(summary.index) == ["check_out", "subscribe", "short"]
    assert {"Coverage", "Emp. Acc."} <= set(summary.columns)
    assert (tmp_path / "plots/lf_summary.png").stat().st_size > 1000
    np.testing.assert_allclose(summary["Coverage"], (expected.to_dense() != -1).mean(0))

    np.save(tmp_path / "y_valid.npy", ds.valid.labels)
    VoteMatrix(apply_lfs(load_lf_module(lf_file), ds.valid.data).to_dense(), votes.lf_names, 2).save(
        tmp_path / "valid.npz")
    r = weaksup("fit", "out/votes.npz", "--model", "mv", "--out", "mv.npz", "--probs", "p.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    from weaksup.labelmodel import LabelModel, MajorityVote

    mv = MajorityVote().fit(votes)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "p.csv").to_numpy(), mv.predict_proba(votes))
    np.testing.assert_allclose(LabelModel.load(tmp_path / "mv.npz").predict_proba(votes), mv.predict_proba(votes))
    r = weaksup("fit", "out/votes.npz", "--valid", "valid.npz", "y_valid.npy", "--out", "auto.npz",
                "--probs", "p.npy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    probs = np.load(tmp_path / "p.npy")
    assert probs.shape == (votes.n, 2) and np.allclose(probs.sum(1), 1)


@pytest.mark.parametrize("args, message", [
    (["apply", "lfs.py", "missing.csv", "--out", "v.npz"], "data file 'missing.csv': no such file"),
    (["apply", "nope.py", "wrench:youtube:train", "--out", "v.npz"], "LF module 'nope.py': no such file"),
    (["apply", "bad.py", "wrench:youtube:train", "--out", "v.npz"], "bad.py: syntax error at line 3"),
    (["apply", "raises.py", "wrench:youtube:train", "--out", "v.npz"], "raises.py: NameError at line 2"),
    (["apply", "empty.py", "wrench:youtube:train", "--out", "v.npz"], "defines no LabelingFunction"),
    (["apply", "lfs.py", "wrench:nosuch:train", "--out", "v.npz"], "unknown dataset 'nosuch'"),
    (["apply", "lfs.py", "wrench:youtube:dev", "--out", "v.npz"], "wrench:NAME:SPLIT"),
    (["analyze", "missing.npz"], "votes file 'missing.npz': no such file"),
    (["analyze", "lfs.py"], "lfs.py"),
    (["fit", "missing.npz", "--out", "m.npz"], "votes file 'missing.npz': no such file"),
])
def test_bad_input_is_a_clear_error(tmp_path: Path, lf_file: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.py").write_text("from weaksup import keyword_lf\n\ndef f(:\n")
    (tmp_path / "raises.py").write_text("import os\nx = undefined_name\n")
    (tmp_path / "empty.py").write_text("x = 1\n")
    r = weaksup(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_fit_rejects_unknown_and_non_label_models(tmp_path: Path) -> None:
    VoteMatrix(np.array([[0, 1], [1, -1], [0, 0]]), ["a", "b"], 2).save(tmp_path / "v.npz")
    r = weaksup("fit", "v.npz", "--model", "nosuch", "--out", "m.npz", cwd=tmp_path)
    assert r.returncode == 2 and "unknown model 'nosuch'" in r.stderr and "Traceback" not in r.stderr
    r = weaksup("fit", "v.npz", "--model", "LogisticRegression", "--out", "m.npz", cwd=tmp_path)
    assert r.returncode == 2 and "takes label models" in r.stderr


@pytest.mark.parametrize("cmd", ["apply", "analyze", "fit"])
def test_help(tmp_path: Path, cmd: str) -> None:
    r = weaksup(cmd, "--help", cwd=tmp_path)
    assert r.returncode == 0 and f"usage: weaksup {cmd}" in r.stdout
