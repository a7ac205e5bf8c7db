"""benchmarks/llf_wrench.py and sequence_wrench.py: their result files only spare a rerun.

A file cut short (a run killed while writing, a full disk) used to stop every later run with a bare
JSONDecodeError; the files are now written atomically, and an unreadable one is warned about and recomputed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def scripts():
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks import llf_wrench, sequence_wrench
    finally:
        sys.path.remove(str(REPO))
    return llf_wrench, sequence_wrench


def test_llf_truncated_cache_is_ignored_with_a_warning(scripts, tmp_path, monkeypatch, capsys):
    llf, _ = scripts
    monkeypatch.setattr(llf, "CACHE_DIR", tmp_path)
    cfg = llf.config((0, 1), False)
    full = json.dumps({"config": cfg, "test": 0.9}, indent=1)
    llf.cache_path("youtube").write_text(full[: len(full) // 2])
    assert llf.cached("youtube", cfg) is None
    assert "llf_wrench_youtube.json is unreadable" in capsys.readouterr().err
    llf.cache_path("youtube").write_text(full)  # a whole file is still reused
    assert llf.cached("youtube", cfg)["test"] == 0.9


@pytest.mark.parametrize("which", [0, 1])
def test_result_file_write_is_atomic(scripts, tmp_path, which):
    write = scripts[which].write_json_atomic
    path = tmp_path / "r.json"
    write(path, {"a": 1})
    with pytest.raises(TypeError):  # fails half-way through the dump
        write(path, {"b": 2, "c": object()})
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temp file left behind


def test_sequence_render_only_recomputes_an_unreadable_results_file(scripts, tmp_path, monkeypatch, capsys):
    _, seq = scripts
    path = tmp_path / "seq.json"
    path.write_text('[{"dataset": "laptopreview", "rows"')  # cut short
    runs = []
    monkeypatch.setattr(seq, "_data_root", lambda: tmp_path)
    monkeypatch.setattr(seq, "run_dataset", lambda name, *a: runs.append(name) or {"dataset": name})
    monkeypatch.setattr(seq, "render", lambda results, cmd: f"rendered {len(results)}")
    monkeypatch.setattr(sys, "argv", ["sequence_wrench.py", "--render-only", "--no-write", "--json", str(path),
                                      "--datasets", "laptopreview"])
    seq.main()
    captured = capsys.readouterr()
    assert "seq.json is unreadable" in captured.err and "rendered 1" in captured.out
    assert runs == ["laptopreview"]
    assert json.loads(path.read_text()) == [{"dataset": "laptopreview"}]
    runs.clear()
    seq.main()  # now readable: rendered from the file, nothing recomputed
    assert runs == []
