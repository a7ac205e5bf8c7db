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


# ----------------------------------------------------------------- bad input found before any work
def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from weaksup.cli import main

    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.wrench
def test_apply_reads_a_wrench_split_json_as_rows(tmp_path: Path, lf_file: Path, wrench_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """pandas reads {id: {label, weak_labels, data}} transposed (3 rows); the CLI reads one row per example."""
    split = wrench_dir / "youtube" / "train.json"
    rc, out, err = _main(capsys, "apply", str(lf_file), str(split), "--out", str(tmp_path / "j.npz"),
                         "--no-progress", "--fault", "abstain")
    assert rc == 0, err
    assert out.startswith("1686 rows x 3 LFs")
    expected = apply_lfs(load_lf_module(lf_file), load_wrench("youtube", wrench_dir).train.data, progress=False)
    assert VoteMatrix.load(tmp_path / "j.npz") == expected
    # its gold labels serve --labels as well
    rc, out, err = _main(capsys, "analyze", str(tmp_path / "j.npz"), "--labels", str(split))
    assert rc == 0 and "Emp. Acc." in out, err


@pytest.mark.parametrize("text, message", [
    ('{"0": {"label": 1, "weak_labels": [1], "data": {"text": "a"}}, "1": {"label": 0}}',
     "looks like a WRENCH split"),
    ('{"0": {"label": 1, "weak_labels": [1]}, "1": {"label": 0, "weak_labels": [-1]}}', "labels-only WRENCH split"),
])
def test_apply_refuses_a_wrench_json_it_cannot_read_as_rows(tmp_path: Path, lf_file: Path, text: str, message: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "split.json").write_text(text)
    rc, _, err = _main(capsys, "apply", str(lf_file), str(tmp_path / "split.json"), "--out", str(tmp_path / "v.npz"),
                       "--no-progress", "--fault", "abstain")
    assert rc == 2 and message in err and not (tmp_path / "v.npz").exists()


@pytest.mark.parametrize("args, message", [
    (["apply", "lfs.py", "wrench:bc5cdr:train", "--out", "v.npz"], "'bc5cdr' is a sequence-tagging dataset"),
    (["analyze", "v.npz", "--labels", "wrench:bc5cdr:train"], "'bc5cdr' is a sequence-tagging dataset"),
    (["fit", "v.npz", "--valid", "v.npz", "wrench:ncbi-disease:valid", "--out", "m.npz"],
     "'ncbi-disease' is a sequence-tagging dataset"),
    (["apply", "lfs.py", "wrench:imdb:train", "--out", "v.npz"], "labels-only dataset, no text to apply LFs to"),
    (["apply", "lfs.py", "wrench:youtube:train", "--out", "v.txt"], "--out v.txt: unknown format '.txt'"),
    (["analyze", "v.npz", "--out", "s.txt"], "--out s.txt: unknown format '.txt'; use .csv, .parquet or .pq"),
    (["fit", "v.npz", "--model", "mv", "--out", "m.npz", "--probs", "p.txt"], "--probs p.txt: unknown format"),
    (["analyze", "summary.csv"], "summary.csv: not a .npz votes file"),
    (["download", "nosuch", "--cache", "c", "--timeout", "1"], "unknown dataset 'nosuch'"),
])
def test_bad_input_stops_before_any_work(tmp_path: Path, lf_file: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WEAKSUP_WRENCH_URL", raising=False)  # the WRENCH distribution: registered sets only
    VoteMatrix(np.array([[0, 1], [1, -1], [0, 0]]), ["a", "b"], 2).save(tmp_path / "v.npz")
    (tmp_path / "summary.csv").write_text("lf,Coverage\na,0.5\n")
    rc, out, err = _main(capsys, *args)
    assert rc == 2, (rc, err)
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""  # nothing printed, fitted or written before the error
    assert not (tmp_path / "m.npz").exists() and not list(tmp_path.glob("*.txt"))


def test_lfs_name_may_name_a_single_lf(tmp_path: Path, lf_file: Path) -> None:
    assert [lf.name for lf in load_lf_module(lf_file, "subscribe")] == ["subscribe"]
    (tmp_path / "more.py").write_text(LF_SOURCE + "\nNUMBER = 3\nNAME = 'short'\n")
    with pytest.raises(ValueError, match="NUMBER is a int, not a LabelingFunction or a list of them"):
        load_lf_module(tmp_path / "more.py", "NUMBER")
    with pytest.raises(ValueError, match="NAME is a str"):
        load_lf_module(tmp_path / "more.py", "NAME")


@pytest.mark.wrench
def test_demo_reports_a_malformed_dataset_like_the_other_commands(tmp_path: Path, wrench_dir: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import shutil

    bad = tmp_path / "youtube"
    shutil.copytree(wrench_dir / "youtube", bad)
    (bad / "valid.json").chmod(0o644)
    raw = json.loads((bad / "valid.json").read_text())
    raw[next(iter(raw))]["weak_labels"][4] = 2
    (bad / "valid.json").write_text(json.dumps(raw))
    rc, _, err = _main(capsys, "demo", "--data-dir", str(tmp_path))
    assert rc == 2 and "weaksup demo: error: " in err and "weak label 2 from LF 4" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_datasets_columns_and_a_closed_pipe(tmp_path: Path) -> None:
    env = {**os.environ, "WEAKSUP_DATA": str(tmp_path)}
    r = weaksup("datasets", cwd=tmp_path)
    rows = {line.split()[0]: line.split() for line in r.stdout.splitlines()[1:]}
    assert rows["mit-restaurants"][1] == "sequence"  # a long name does not run into the task column
    read, write = os.pipe()
    os.close(read)  # `weaksup datasets | head` once head has quit
    cmd = [sys.executable, "-c", "import sys; from weaksup.cli import main; sys.exit(main())", "datasets"]
    r = subprocess.run(cmd, stdout=write, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    os.close(write)
    assert r.returncode == 141 and r.stderr == ""


@pytest.mark.parametrize("edit, message", [
    (lambda ex: ex.pop("data"), "example '3' has no 'data'"),
    (lambda ex: ex["data"].update(text=None), "example '3': data 'text' must be a string"),
])
def test_apply_refuses_a_wrench_split_with_an_example_lacking_its_text(tmp_path: Path, lf_file: Path,
                                                                     wrench_dir: Path, edit, message) -> None:
    """d15: weaksup apply ran LFs over rows of NaN / None (exit 0) for examples without their text."""
    import json

    raw = json.loads((wrench_dir / "youtube" / "train.json").read_text())
    edit(raw["3"])
    data = tmp_path / "train.json"
    data.write_text(json.dumps(raw))
    r = weaksup("apply", str(lf_file), str(data), "--out", str(tmp_path / "v.npz"), "--no-progress", cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and not (tmp_path / "v.npz").exists()
