"""The weaksup command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from weaksup.cli import main


def test_datasets_lists_registry(wrench_dir, capsys):
    assert main(["datasets", "--data-dir", str(wrench_dir)]) == 0
    out = capsys.readouterr().out
    for name in ("youtube", "commercial", "bc5cdr"):
        assert name in out
    assert str(wrench_dir / "youtube") in out


def test_datasets_names_the_bundled_copy(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WEAKSUP_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["datasets"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["youtube"].endswith("(bundled copy)")
    assert "not found (weaksup download sms)" in lines["sms"]
    # an explicit --data-dir is the only place looked in (as load_wrench(name, data_dir) reads only there)
    (tmp_path / "empty").mkdir()
    assert main(["datasets", "--data-dir", str(tmp_path / "empty")]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "not found" in lines["youtube"]
    # a --data-dir that does not exist is a typo to report, not a list of every set "not found" (exit 0)
    assert main(["datasets", "--data-dir", str(tmp_path / "none")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"--data-dir {tmp_path / 'none'}: no such folder" in captured.err


def test_bench_cli_writes_outputs(wrench_dir, tmp_path, capsys):
    docs = tmp_path / "benchmarks.md"
    rc = main(["bench", "--datasets", "youtube", "sms", "--label-models", "mv", "--seeds", "1",
               "--data-dir", str(wrench_dir), "--out", str(tmp_path / "out"), "--write-docs", str(docs),
               "--no-progress"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "| MajorityVote | 84.00 ± 0.00 (84.00) | 23.97 ± 0.00 (23.97) |" in out
    assert (tmp_path / "out" / "results.csv").exists()
    text = docs.read_text()
    assert "Command: `weaksup bench --datasets youtube sms --label-models mv --seeds 1" in text
    assert text.startswith("<!-- BEGIN wrench-label-models -->") and text.rstrip().endswith("END wrench-label-models -->")
    # rewriting the same section file is fine; a file holding anything else is never overwritten
    page = tmp_path / "page.md"
    page.write_text("# My notes\n\n" + text)
    argv = ["bench", "--datasets", "youtube", "--label-models", "mv", "--seeds", "1", "--data-dir", str(wrench_dir),
            "--no-progress", "--write-docs"]
    assert main(argv + [str(docs)]) == 0
    assert main(argv + [str(page)]) == 2
    assert "holds more than the wrench-label-models section" in capsys.readouterr().err
    assert page.read_text().startswith("# My notes")


@pytest.mark.parametrize("extra, message", [
    (["--label-models", "nosuch"], "unknown label model 'nosuch'"),
    (["--label-models", "mv", "--end-models", "svm"], "unknown end model 'svm'"),
    (["--label-models", "llf"], "LabelLearningFlow is a feature_label model"),
    (["--label-models", "mv", "--seeds", "0"], "seeds must be at least 1"),
])
def test_bench_cli_bad_models_and_seeds_exit_nonzero(wrench_dir, capsys, extra, message):
    rc = main(["bench", "--datasets", "youtube", "--data-dir", str(wrench_dir), "--no-progress", *extra])
    assert rc == 2
    assert message in capsys.readouterr().err


def test_bench_cli_unknown_dataset_is_clean_error(wrench_dir, capsys):
    rc = main(["bench", "--datasets", "nope", "--label-models", "mv", "--data-dir", str(wrench_dir),
               "--no-progress"])
    assert rc == 2
    assert "'nope' not found" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 1
    assert "bench" in capsys.readouterr().out


def test_module_entry_and_light_import():
    code = ("import sys, weaksup.cli; "
            "bad=[m for m in ('torch','transformers','sklearn','weaksup.bench.runner') if m in sys.modules]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_analyze_takes_gold_classes_no_lf_votes_with_cardinality(tmp_path, capsys):
    import numpy as np

    from weaksup import VoteMatrix

    VoteMatrix(np.array([[0, -1], [1, 0], [0, 0], [-1, 1]]), ["a", "b"]).save(tmp_path / "v.npz")
    np.save(tmp_path / "y.npy", np.array([0, 2, 0, 1]))  # class 2: no LF votes it
    assert main(["analyze", str(tmp_path / "v.npz"), "--labels", str(tmp_path / "y.npy")]) == 2
    assert "cardinality" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "v.npz"), "--labels", str(tmp_path / "y.npy"), "--cardinality", "3"]) == 0
    assert "Emp. Acc." in capsys.readouterr().out


@pytest.mark.parametrize("where", ["file", "under_file"])
def test_bench_cli_out_that_cannot_be_a_folder_fails_before_any_run(wrench_dir, tmp_path, capsys, monkeypatch, where):
    """d02: --out naming a file was checked only after every cell ran (then Errno 17, results lost)."""
    from weaksup.bench import runner

    def no_run(*a, **k):
        raise AssertionError("a cell ran before --out was checked")

    monkeypatch.setattr(runner, "_fit_label_model", no_run)
    f = tmp_path / "results.txt"
    f.write_text("x")
    out = f if where == "file" else f / "sub"
    rc = main(["bench", "--datasets", "youtube", "--label-models", "mv", "--seeds", "1", "--data-dir",
               str(wrench_dir), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and str(f) in err and "nothing was run" in err
    assert f.read_text() == "x"


def test_bench_cli_refuses_a_tagging_set(wrench_dir, capsys):
    """d04: weaksup bench --datasets bc5cdr crashed with a traceback (exit 1); it is bad input now."""
    if not (wrench_dir / "bc5cdr").is_dir():
        pytest.skip("bc5cdr not in the WRENCH folder")
    rc = main(["bench", "--datasets", "bc5cdr", "--label-models", "mv", "--seeds", "1", "--data-dir", str(wrench_dir),
               "--no-progress"])
    assert rc == 2 and "'bc5cdr' is a sequence-tagging dataset" in capsys.readouterr().err


def test_bench_cli_metric_per_set(wrench_dir, tmp_path, capsys):
    """d06: --metric NAME=METRIC scores a folder the registry does not know (a copy under another name)."""
    import shutil

    shutil.copytree(wrench_dir / "youtube", tmp_path / "youtube_fixed")
    argv = ["bench", "--datasets", "youtube_fixed", "--label-models", "mv", "--seeds", "1", "--data-dir",
            str(tmp_path), "--no-progress", "--metric"]
    assert main(argv + ["youtube_fixed=accuracy"]) == 0
    assert "| MajorityVote | 84.00 ± 0.00 (–) |" in capsys.readouterr().out
    assert main(argv + ["accuracy", "f1_binary"]) == 2
    assert "give one METRIC for every set" in capsys.readouterr().err


def test_bench_cli_printout_marks_semi_supervised_cells(wrench_dir, capsys):
    """d01: the semi-supervised note was only in section.md; the printed table carries it now."""
    rc = main(["bench", "--datasets", "youtube", "--label-models", "mv", "auto", "--seeds", "1", "--data-dir",
               str(wrench_dir), "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0 and "| AutoLabelModel | 84.00 ± 0.00 (semi-supervised) |" in out
    assert "(semi-supervised): the cell *trains* on the gold valid labels" in out
