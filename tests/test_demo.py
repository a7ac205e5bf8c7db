"""weaksup.demo: the end-to-end pipeline on WRENCH YouTube, and the no-data fallback."""

from __future__ import annotations

import re

import numpy as np
import pytest

from weaksup import demo


def _test_rows(out: str) -> dict[str, tuple[float, float]]:
    rows = {}
    for line in out.split("[5] Test metrics")[1].splitlines()[2:]:
        m = re.match(r"\s+(.+?)\s+([01]\.\d{4})\s+([01]\.\d{4})$", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return rows


@pytest.mark.wrench
def test_demo_on_wrench_youtube(wrench_dir, capsys, monkeypatch):
    monkeypatch.delenv("WEAKSUP_DATA", raising=False)
    assert demo.main(["--data-dir", str(wrench_dir)]) == 0
    out = capsys.readouterr().out
    assert "WRENCH YouTube spam" in out and "hand-written LFs + the 10 shipped WRENCH LFs" in out
    assert "m=19" in out  # 9 hand-written + 10 shipped LF columns
    for name in ("kw_my", "re_check_out", "lf_short_comment", "wrench_0", "wrench_9"):
        assert name in out
    rows = _test_rows(out)
    assert set(rows) == {"label model MatrixCompletion", "majority vote",
                         "end model weaksup LogisticRegression (soft labels)"}
    # WRENCH's published MV test accuracy on the shipped LFs alone is 0.84; the demo must do at least that well
    assert rows["majority vote"][0] >= 0.84
    assert rows["end model weaksup LogisticRegression (soft labels)"][0] >= 0.84


@pytest.mark.wrench
def test_demo_lfs_are_applied_to_texts(wrench_dir):
    from weaksup.data import load_wrench

    found = demo._load_youtube(str(wrench_dir))
    assert found is not None
    splits, _ = found
    res = demo.run_demo(splits, demo.youtube_lfs(), metric="accuracy", out=open("/dev/null", "w"))
    V = res["votes"]["valid"]
    texts = load_wrench("youtube", wrench_dir).valid.data["text"]
    expected = np.where([re.search(r"\bmy\b", t, re.I) is not None for t in texts], 1, -1)
    assert V.column("kw_my").tolist() == expected.tolist()
    assert np.array_equal(V.select_lfs([f"wrench_{j}" for j in range(10)]).to_dense(),
                          load_wrench("youtube", wrench_dir).valid.votes.to_dense())
    assert list(res["summary"].columns)[-1] == "Emp. Acc."
    # the label model and the end model come from one Pipeline
    from weaksup.pipeline import Pipeline

    assert isinstance(res["pipeline"], Pipeline) and res["pipeline"].covered_.sum() == res["votes"]["train"].covered().sum()
    with pytest.warns(DeprecationWarning, match="run_demo"):
        demo.run_pipeline(splits, demo.youtube_lfs()[:3], metric="accuracy", out=open("/dev/null", "w"))


def test_demo_without_data_says_how_and_runs_synthetic(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("WEAKSUP_DATA", str(empty))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    assert "WRENCH 'youtube' was not found" in out and str(empty) in out
    assert "WEAKSUP_DATA" in out and "download_wrench('youtube')" in out
    assert "procedurally generated" in out and "SYNTHETIC" in out
    rows = _test_rows(out)
    assert len(rows) == 3 and all(0.7 <= acc <= 1.0 for acc, _ in rows.values())
