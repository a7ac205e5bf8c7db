"""Data files and consoles in other encodings: a Latin-1 or UTF-16 CSV, a JSON-lines file with a BOM, a cp1252 console.

A file that is not UTF-8 was "'utf-8' codec can't decode byte 0xe9 in position 6" (a position inside pandas'
buffer, not the file); now the file's byte offset and line are named with what to do.  A .jsonl with a UTF-8
byte-order mark failed ("Expected object or value at position 0") where a .csv with one loads; now both load.
``analyze`` printed its table before writing --out, so a console that cannot show an LF name lost the file too.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix
from weaksup.cli import _first_non_utf8, main

LFS = "from weaksup import keyword_lf\nlf = keyword_lf('café', 1, name='cafe')\n"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "lfs.py").write_text(LFS, encoding="utf-8")
    return tmp_path


def _run(capsys, *args: object) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    return rc, cap.out, cap.err


def test_latin1_csv_names_offset_and_line(work, capsys):
    rows = ["id,text"] + [f'{i},"row number {i}, plain ascii"' for i in range(3000)] + ['3000,"Un café noir"']
    data = ("\r\n".join(rows) + "\r\n").encode("latin-1")
    (work / "latin1.csv").write_bytes(data)
    assert data.index(b"\xe9") == 108801
    rc, _, err = _run(capsys, "apply", work / "lfs.py", work / "latin1.csv", "--out", work / "v.npz", "--no-progress")
    assert rc == 2 and not (work / "v.npz").exists()
    assert f"{work / 'latin1.csv'}: byte b'\\xe9' at offset 108801 (line 3002, after b'3000,\"Un caf')" in err
    assert "is not UTF-8" in err and "Windows-1252 / Latin-1" in err
    assert "CSV UTF-8" in err and "iconv -f cp1252 -t utf-8" in err and "pandas.read_csv(path, encoding=...)" in err
    assert len(err.strip().splitlines()) == 1
    # gold labels in such a file (analyze --labels) get the same words
    (work / "y.csv").write_bytes("label,name\n1,ok\n0,caf\xe9\n".encode("latin-1"))
    VoteMatrix(np.array([[1], [0]]), ["lf"], 2).save(work / "v2.npz")
    rc, _, err = _run(capsys, "analyze", work / "v2.npz", "--labels", work / "y.csv")
    assert rc == 2 and f"{work / 'y.csv'}: byte b'\\xe9' at offset 21 (line 3, after b'0,caf')" in err


def test_latin1_jsonl_names_offset_and_line(work, capsys):
    (work / "l.jsonl").write_bytes(b'{"text": "ok"}\n{"text": "' + "café".encode("latin-1") + b'"}\n')
    rc, _, err = _run(capsys, "apply", work / "lfs.py", work / "l.jsonl", "--out", work / "v.npz", "--no-progress")
    assert rc == 2
    assert f"{work / 'l.jsonl'}: byte b'\\xe9' at offset 28 (line 2, after b'{{\"text\": \"caf')" in err
    assert "pandas.read_json(path, lines=True, encoding=...)" in err and "Excel" not in err


def test_utf16_csv_is_named(work, capsys):
    (work / "u16.csv").write_bytes("text\nUn café noir\n".encode("utf-16"))
    rc, _, err = _run(capsys, "apply", work / "lfs.py", work / "u16.csv", "--out", work / "v.npz", "--no-progress")
    assert rc == 2 and f"{work / 'u16.csv'}: is UTF-16 (it starts with a UTF-16 byte-order mark" in err
    assert "iconv -f utf-16 -t utf-8" in err


@pytest.mark.parametrize("block", [1, 2, 3, 5, 7, 64, 1 << 20])
def test_first_non_utf8_across_block_edges(tmp_path, block):
    """A character cut by a block's end is not taken for a bad byte; the offset and line do not depend on blocks."""
    good = "naïve 日本語 👍\nzweite Zeile größer\n".encode() * 3
    (tmp_path / "good.txt").write_bytes(good)
    assert _first_non_utf8(tmp_path / "good.txt", block) is None
    (tmp_path / "bad.txt").write_bytes(good + b"last \x96 word\n")
    assert _first_non_utf8(tmp_path / "bad.txt", block) == (len(good) + 5, 7, b"\x96", b"last ")
    (tmp_path / "cut.txt").write_bytes(good + "日".encode()[:2])  # a file cut mid-character
    assert _first_non_utf8(tmp_path / "cut.txt", block)[:3] == (len(good), 7, b"\xe6")


def test_jsonl_with_byte_order_mark_loads_as_csv_does(work, capsys):
    rows = [{"text": "Un café noir"}, {"text": "free gift"}]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode() + b"\n"
    (work / "plain.jsonl").write_bytes(body)
    (work / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + body)
    (work / "bom.csv").write_bytes(b"\xef\xbb\xbf" + "text\nUn café noir\nfree gift\n".encode())
    got = {}
    for name in ("plain.jsonl", "bom.jsonl", "bom.csv"):
        out = work / (name.replace(".", "_") + ".npz")
        rc, stdout, err = _run(capsys, "apply", work / "lfs.py", work / name, "--out", out, "--no-progress")
        assert rc == 0, err
        assert "2 rows x 1 LFs, 50.0% covered" in stdout
        got[name] = VoteMatrix.load(out).to_dense().ravel().tolist()
    assert got["bom.jsonl"] == got["plain.jsonl"] == got["bom.csv"] == [1, -1]


def test_analyze_writes_out_before_a_console_that_cannot_show_an_lf_name(tmp_path, monkeypatch, capsys):
    VoteMatrix(np.array([[1, -1], [0, 0], [-1, 1]]), ["größe_ok", "schlecht_👎"], 2).save(tmp_path / "v.npz")
    raw = io.BytesIO()
    console = io.TextIOWrapper(raw, encoding="cp1252")  # a Windows console, or PYTHONIOENCODING=cp1252
    monkeypatch.setattr(sys, "stdout", console)
    rc = main(["analyze", str(tmp_path / "v.npz"), "--out", str(tmp_path / "s.csv")])
    console.flush()
    err = capsys.readouterr().err
    assert rc == 0, err
    table = pd.read_csv(tmp_path / "s.csv", index_col=0, encoding="utf-8")
    assert list(table.index) == ["größe_ok", "schlecht_👎"]  # the file holds the names as they are
    shown = raw.getvalue().decode("cp1252")
    assert "größe_ok" in shown and "schlecht_\\U0001f44e" in shown  # what cp1252 lacks, as an escape
    assert "console's encoding (cp1252) cannot show some characters" in err and "PYTHONIOENCODING=utf-8" in err


def test_analyze_output_unchanged_on_a_utf8_console(tmp_path, capsys):
    VoteMatrix(np.array([[1, -1], [0, 0], [-1, 1]]), ["größe_ok", "schlecht_👎"], 2).save(tmp_path / "v.npz")
    assert main(["analyze", str(tmp_path / "v.npz"), "--out", str(tmp_path / "s.csv")]) == 0
    cap = capsys.readouterr()
    assert "schlecht_👎" in cap.out and cap.err == ""
