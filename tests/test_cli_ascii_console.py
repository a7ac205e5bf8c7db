"""The CLI on a console whose encoding cannot show everything it prints (PYTHONIOENCODING=ascii, LC_ALL=C
without UTF-8 mode, a cp1252 Windows console).

``weaksup bench`` printed its results table ('±', '—') with a plain print() after the whole run: 'ascii' codec
can't encode, exit 2, and --write-docs (written after the print) was lost.  Every command now prints its tables
and paths through the helper ``analyze`` uses (backslash escapes and a note on stderr), after writing its files;
``weaksup demo`` too (``weaksup._console.echo``: it printed a data path like ``/data/dätä`` with a plain print()).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import weaksup
from weaksup import VoteMatrix
from weaksup.cli import main

ROOT = str(Path(weaksup.__file__).resolve().parent.parent)
NOTE = "console's encoding (ascii) cannot show some characters"


def _ascii_console(monkeypatch) -> Callable[[], str]:
    """Make stdout an ASCII console (called in the test body: pytest's capture resets sys.stdout before it)."""
    raw = io.BytesIO()
    console = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr(sys, "stdout", console)

    def shown() -> str:
        console.flush()
        return raw.getvalue().decode("ascii")

    return shown


def test_bench_on_an_ascii_console_prints_escapes_and_writes_docs(wrench_dir, tmp_path):
    """A real `weaksup bench` process with PYTHONIOENCODING=ascii: status 0, the table with escapes, the docs file."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "WEAKSUP_DATA": str(wrench_dir),
           "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    docs = tmp_path / "bench.md"
    out = subprocess.run([sys.executable, "-m", "weaksup.cli", "bench", "--datasets", "youtube", "--label-models",
                          "mv", "--seeds", "1", "--no-progress", "--write-docs", str(docs)],
                         capture_output=True, env=env, timeout=600, cwd=tmp_path)
    stdout, stderr = out.stdout.decode("ascii"), out.stderr.decode("ascii")
    assert out.returncode == 0, stderr
    assert "| MajorityVote | 84.00 \\xb1 0.00 (84.00) |" in stdout and "\\u2014" in stdout
    assert NOTE in stderr and "PYTHONIOENCODING=utf-8" in stderr
    assert f"wrote section wrench-label-models to {docs}" in stderr
    text = docs.read_text(encoding="utf-8")  # the file stays UTF-8
    assert "±" in text and "MajorityVote" in text


def test_bench_tables_unchanged_on_a_utf8_console(wrench_dir, tmp_path, capsys):
    docs = tmp_path / "bench.md"
    rc = main(["bench", "--datasets", "youtube", "--label-models", "mv", "--seeds", "1", "--no-progress",
               "--data-dir", str(wrench_dir), "--write-docs", str(docs)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "| MajorityVote | 84.00 ± 0.00 (84.00) |" in cap.out and "—" in cap.out
    assert "cannot show" not in cap.err and docs.exists()
    # both tables, one after the other, as the two print() calls gave them
    assert cap.out.index("test split") < cap.out.index("train split")


def test_datasets_with_a_folder_the_console_cannot_show(tmp_path, capsys, monkeypatch):
    ascii_console = _ascii_console(monkeypatch)
    folder = tmp_path / "données"
    folder.mkdir()
    assert main(["datasets", "--data-dir", str(folder)]) == 0
    shown = ascii_console()
    assert shown.splitlines()[0].startswith("name") and "youtube" in shown
    err = capsys.readouterr().err
    assert NOTE not in err  # nothing to escape: no folder is printed when no set is found there
    (folder / "youtube").mkdir()
    for split in ("train", "valid", "test"):
        (folder / "youtube" / f"{split}.json").write_text("{}", encoding="utf-8")
    assert main(["datasets", "--data-dir", str(folder)]) == 0
    assert "donn\\xe9es" in ascii_console()
    assert NOTE in capsys.readouterr().err


def test_fit_to_a_path_the_console_cannot_show(tmp_path, capsys, monkeypatch):
    ascii_console = _ascii_console(monkeypatch)
    VoteMatrix(np.array([[1, -1], [0, 0], [-1, 1], [1, 1]]), ["a", "b"], 2).save(tmp_path / "v.npz")
    out, probs = tmp_path / "modèle.npz", tmp_path / "probabilités.npy"
    rc = main(["fit", str(tmp_path / "v.npz"), "--model", "mv", "--out", str(out), "--probs", str(probs)])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert out.exists() and np.load(probs).shape == (4, 2)
    shown = ascii_console()
    assert "fitted on 4 rows x 2 LFs -> " in shown and "mod\\xe8le.npz" in shown
    assert "probabilities -> " in shown and "probabilit\\xe9s.npy" in shown
    assert NOTE in err


def test_fit_output_unchanged_on_a_utf8_console(tmp_path, capsys):
    VoteMatrix(np.array([[1, -1], [0, 0], [-1, 1], [1, 1]]), ["a", "b"], 2).save(tmp_path / "v.npz")
    out, probs = tmp_path / "m.npz", tmp_path / "p.npy"
    assert main(["fit", str(tmp_path / "v.npz"), "--model", "mv", "--out", str(out), "--probs", str(probs)]) == 0
    assert capsys.readouterr().out == f"MajorityVote fitted on 4 rows x 2 LFs -> {out}\nprobabilities -> {probs}\n"


def test_download_prints_a_path_the_console_cannot_show(tmp_path, capsys, monkeypatch):
    ascii_console = _ascii_console(monkeypatch)
    import weaksup.data.download as download

    target = tmp_path / "wrench_données" / "youtube"
    monkeypatch.setattr(download, "download_wrench", lambda name, force=False, **kw: target)  # no network
    assert main(["download", "youtube"]) == 0
    assert ascii_console() == str(target).replace("é", "\\xe9") + "\n"
    assert NOTE in capsys.readouterr().err


def test_demo_with_a_data_folder_the_console_cannot_show(wrench_dir, tmp_path):
    """A real `weaksup demo` process on an ASCII console, WEAKSUP_DATA a folder named 'dätä': it printed the path
    with a plain print() ('ascii' codec can't encode, exit 2, nothing on stdout); now escapes and one note."""
    data = tmp_path / "dätä"
    data.mkdir()
    (data / "youtube").symlink_to(wrench_dir / "youtube", target_is_directory=True)
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "WEAKSUP_DATA": str(data), "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-m", "weaksup.cli", "demo"], capture_output=True, env=env, timeout=600,
                         cwd=tmp_path)
    stdout, stderr = out.stdout.decode("ascii"), out.stderr.decode("ascii")
    assert out.returncode == 0, stderr
    assert "$WEAKSUP_DATA: " + str(data).replace("ä", "\\xe4") in stdout
    assert "[5] Test metrics" in stdout and "Done in" in stdout
    assert stderr.count(NOTE) == 1  # one note for the whole run, not one per line


def test_run_demo_escapes_what_its_stream_cannot_show(capsys):
    """run_demo's lines (an LF named 'kw_café' in the LFAnalysis table) on a stream that cannot encode them."""
    from weaksup import demo
    from weaksup.lf import keyword_lf

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    lfs = demo.synthetic_lfs() + [keyword_lf(["café"], demo.SPAM, name="kw_café")]
    with warnings.catch_warnings():  # kw_café never fires on the synthetic texts: warned about, not the point
        warnings.simplefilter("ignore")
        demo.run_demo(demo._synthetic_splits(0), lfs, metric="accuracy", out=out)
    out.flush()
    shown = raw.getvalue().decode("ascii")
    assert "kw_caf\\xe9" in shown and "[5] Test metrics" in shown
    assert capsys.readouterr().err.count(NOTE) == 1
