"""Files given straight to the ``weaksup`` commands: a WRENCH split file, output paths, LF failures, Ctrl-C.

Each bad input is one line naming the file (and example, option, LF or row) and exit status 2 before any
work; a failure while running one line and status 1; Ctrl-C status 130 -- never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from weaksup import VoteMatrix
from weaksup.cli import main

LFS = "from weaksup import keyword_lf\nsub = keyword_lf(['subscribe'], 1, name='sub')\n"


def _example(label, text):
    return {"label": label, "weak_labels": [-1], "data": {"text": text}}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "lfs.py").write_text(LFS)
    rows = {str(i): _example(i % 2, f"subscribe {i}" if i % 2 else f"nice {i}") for i in range(6)}
    (tmp_path / "ok.json").write_text(json.dumps(rows))
    VoteMatrix(np.array([[1], [-1], [1], [-1], [1], [0]]), ["sub"], 2).save(tmp_path / "v.npz")
    return tmp_path


def _run(capsys, *args: str) -> tuple[int, str]:
    rc = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
    return rc, err


# ----------------------------------------------------------------- a WRENCH split file given directly


def test_a_duplicated_example_id_is_refused_not_dropped(work, capsys):
    """json.load kept the last of two examples '0', silently dropping one; the library reader refuses it."""
    s = '{"0": %s, "1": %s, "0": %s}' % tuple(json.dumps(_example(y, t)) for y, t in
                                              [(1, "subscribe now"), (0, "nice song"), (0, "great video")])
    (work / "dup.json").write_text(s)
    message = f"{work / 'dup.json'}: key '0' appears twice in one JSON object"
    rc, err = _run(capsys, "apply", work / "lfs.py", work / "dup.json", "--out", work / "d.npz", "--no-progress")
    assert rc == 2 and message in err and not (work / "d.npz").exists()
    rc, err = _run(capsys, "analyze", work / "v.npz", "--labels", work / "dup.json")
    assert rc == 2 and message in err


def test_a_byte_order_mark_is_named(work, capsys):
    """A UTF-8 BOM fell through to pandas: 'cannot be read as json (Expected object or value)'."""
    (work / "bom.json").write_bytes(b"\xef\xbb\xbf" + (work / "ok.json").read_bytes())
    rc, err = _run(capsys, "apply", work / "lfs.py", work / "bom.json", "--out", work / "b.npz", "--no-progress")
    assert rc == 2 and f"{work / 'bom.json'}: starts with a UTF-8 byte-order mark (BOM)" in err


@pytest.mark.parametrize("label", ["1", None, 1.0, True])
def test_a_label_that_is_not_an_integer_names_the_file_and_example(work, capsys, label):
    """--labels / --valid copied 'label' unchecked: 'y must hold integer labels ... dtype <U21', no file, no id."""
    rows = json.loads((work / "ok.json").read_text())
    rows["3"]["label"] = label
    (work / "bad.json").write_text(json.dumps(rows))
    message = f"{work / 'bad.json'}: example '3': label {label!r} is not an integer class id"
    rc, err = _run(capsys, "analyze", work / "v.npz", "--labels", work / "bad.json")
    assert rc == 2 and message in err
    rc, err = _run(capsys, "fit", work / "v.npz", "--model", "mv", "--valid", work / "v.npz", work / "bad.json",
                   "--out", work / "m.npz")
    assert rc == 2 and message in err and not (work / "m.npz").exists()


def test_a_valid_wrench_split_file_reads_as_before(work, capsys):
    assert main(["analyze", str(work / "v.npz"), "--labels", str(work / "ok.json")]) == 0
    assert "Emp. Acc." in capsys.readouterr().out


# ----------------------------------------------------------------- output paths checked before the work


@pytest.mark.parametrize("cmd", ["apply", "fit", "fit-probs", "analyze", "analyze-plots"])
def test_an_output_under_a_file_is_refused_before_the_work(work, capsys, monkeypatch, cmd):
    """--out results/x where results is a file: found after the work, '[Errno 17] File exists', exit 1."""
    from weaksup.apply import LFApplier
    from weaksup.labelmodel.registry import get_model

    def no_work(*a, **k):
        raise AssertionError("the work ran before the output path was checked")

    monkeypatch.setattr(LFApplier, "apply", no_work)
    monkeypatch.setattr(type(get_model("mv")()), "fit", no_work)
    (work / "results").write_text("a file\n")
    option, target = {"apply": ("--out", "v.npz"), "fit": ("--out", "m.npz"), "fit-probs": ("--probs", "p.npy"),
                      "analyze": ("--out", "s.csv"), "analyze-plots": ("--plots", "plots")}[cmd]
    bad = work / "results" / target
    args = {"apply": ["apply", work / "lfs.py", work / "ok.json", "--no-progress"],
            "fit": ["fit", work / "v.npz", "--model", "mv"],
            "fit-probs": ["fit", work / "v.npz", "--model", "mv", "--out", work / "m.npz"],
            "analyze": ["analyze", work / "v.npz"],
            "analyze-plots": ["analyze", work / "v.npz"]}[cmd]
    rc, err = _run(capsys, *args, option, bad)
    assert rc == 2
    assert f"{option} {bad}: {str(work / 'results')!r} is a file, so the folder cannot be made (nothing was run)" in err


def test_a_write_failure_names_the_option_and_path_not_a_temporary_file(work, capsys, monkeypatch):
    """apply --out /proc/x.npz named the temporary file VoteMatrix.save writes first."""
    def failing_save(self, path):
        raise PermissionError(13, "Permission denied", str(Path(path).parent / ".tmp-x1y2.npz"))

    monkeypatch.setattr(VoteMatrix, "save", failing_save)
    out = work / "v2.npz"
    rc, err = _run(capsys, "apply", work / "lfs.py", work / "ok.json", "--out", out, "--no-progress")
    assert rc == 1 and f"weaksup apply: error: --out {out}: cannot be written (Permission denied)" in err
    assert ".tmp-" not in err


def test_bench_write_docs_that_cannot_be_written_fails_before_any_run(wrench_dir, tmp_path, capsys, monkeypatch):
    """--write-docs notes/section.md with notes a file: the whole bench ran, then '[Errno 17] File exists'."""
    from weaksup.bench import runner

    def no_run(*a, **k):
        raise AssertionError("a cell ran before --write-docs was checked")

    monkeypatch.setattr(runner, "_fit_label_model", no_run)
    (tmp_path / "notes").write_text("x")
    target = tmp_path / "notes" / "section.md"
    rc, err = _run(capsys, "bench", "--datasets", "youtube", "--label-models", "mv", "--seeds", "1", "--data-dir",
                   wrench_dir, "--write-docs", target, "--no-progress")
    assert rc == 2 and f"--write-docs {target}: {str(tmp_path / 'notes')!r} is a file" in err


# ----------------------------------------------------------------- LF failures


def test_apply_on_data_without_the_column_the_lfs_read_is_one_line_and_exit_2(work, capsys):
    """A 44-line traceback and exit 1: LFApplyError is a RuntimeError, which _run did not catch."""
    (work / "comments.csv").write_text("body\nplease subscribe\nnice\n")
    rc, err = _run(capsys, "apply", work / "lfs.py", work / "comments.csv", "--out", work / "v3.npz", "--no-progress")
    assert rc == 2 and f"{work / 'comments.csv'}: " in err and "LF 'sub' reads field 'text'" in err
    assert "absent from data columns ['body']" in err


@pytest.mark.parametrize("body, status", [("return 1 // 0", 1), ("return x['title'] and 1", 2),
                                          ("return x.title and 1", 2)])
def test_an_lf_that_raises_is_one_line_naming_lf_and_row(work, capsys, body, status):
    """An LF's own error: status 1 (a run failure); a row-wise LF reading a missing field: status 2."""
    (work / "raising.py").write_text(f"from weaksup import labeling_function\n\n@labeling_function()\n"
                                     f"def boom(x):\n    {body}\n")
    rc, err = _run(capsys, "apply", work / "raising.py", work / "ok.json", "--out", work / "v4.npz", "--no-progress")
    assert rc == status and "'boom'" in err and "row" in err and not (work / "v4.npz").exists()


# ----------------------------------------------------------------- --data-dir


def test_bench_data_dir_without_any_set_says_which_folder_and_why(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    rc, err = _run(capsys, "bench", "--label-models", "mv", "--seeds", "1", "--data-dir", tmp_path / "empty",
                   "--no-progress")
    assert rc == 2 and f"--data-dir {str(tmp_path / 'empty')!r}: the folder is empty" in err and "data_dir=" not in err
    rc, err = _run(capsys, "bench", "--label-models", "mv", "--seeds", "1", "--data-dir", tmp_path / "nosuch",
                   "--no-progress")
    assert rc == 2 and f"--data-dir {str(tmp_path / 'nosuch')!r}: no such folder" in err


# ----------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("with_out", [True, False])
def test_bench_interrupted_keeps_the_finished_cells(wrench_dir, tmp_path, capsys, monkeypatch, with_out):
    """Ctrl-C part-way kept none of the finished cells and printed a KeyboardInterrupt traceback."""
    from weaksup.bench import runner

    fit, calls = runner._fit_label_model, []

    def interrupted_on_the_third(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return fit(*a, **k)

    monkeypatch.setattr(runner, "_fit_label_model", interrupted_on_the_third)
    out = tmp_path / "out"
    try:
        rc, err = _run(capsys, "bench", "--datasets", "youtube", "--label-models", "mv", "--seeds", "4", "--data-dir",
                       wrench_dir, "--no-progress", *(["--out", out] if with_out else []))
    except KeyboardInterrupt:  # not re-raised: it would stop the test session
        pytest.fail("Ctrl-C escaped main(): a traceback for the user, no results kept")
    assert rc == 130
    if not with_out:
        assert "interrupted: 2 of 4 cells had finished; nothing written" in err and not out.exists()
        return
    assert f"weaksup bench: interrupted: kept the 2 finished of 4 cells in {out}" in err
    saved = json.loads((out / "results.json").read_text())
    assert saved["meta"]["interrupted"] == {"finished_cells": 2, "cells": 4, "missing": [
        "youtube wrench MajorityVote seed=2", "youtube wrench MajorityVote seed=3"]}
    assert sorted({r["seed"] for r in saved["results"]}) == [0, 1]
    assert (out / "table.md").read_text().startswith("**Partial results: the run was interrupted after 2 of 4")
    assert (out / "section.md").read_text().startswith("**Partial results")


def test_bench_on_a_truncated_xz_file_is_one_line_naming_it(tmp_path, capsys):
    """A .json.xz cut short was an uncaught EOFError traceback (exit 1)."""
    import shutil

    from weaksup.data._wrench_io import bundled_dir

    folder = tmp_path / "youtube"
    shutil.copytree(bundled_dir("youtube"), folder)
    xz = folder / "train.json.xz"
    xz.chmod(0o644)
    xz.write_bytes(xz.read_bytes()[: xz.stat().st_size // 2])
    rc, err = _run(capsys, "bench", "--datasets", "youtube", "--label-models", "mv", "--seeds", "1", "--data-dir",
                   tmp_path, "--no-progress")
    assert rc == 2 and f"truncated xz file {xz}" in err
