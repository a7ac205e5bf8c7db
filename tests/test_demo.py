"""weaksup.demo: the end-to-end pipeline on WRENCH YouTube (bundled copy by default) and the synthetic task."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from weaksup import demo

END = "end model weaksup LogisticRegression (soft labels)"


def _test_rows(out: str) -> dict[str, tuple[float, float]]:
    rows = {}
    for line in out.split("[5] Test metrics")[1].splitlines()[2:]:
        m = re.match(r"\s+(.+?)\s+([01]\.\d{4})\s+([01]\.\d{4})(?:\s+([+-]\d+\.\d))?\s*$", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return rows


def _devnull():
    return open(os.devnull, "w")


def test_weaksup_demo_on_a_fresh_machine_uses_the_bundled_copy(tmp_path):
    """Issue 20, acceptance 1: no $WEAKSUP_DATA, HOME and the cache empty -> real data, the whole pipeline."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "WEAKSUP_DATA"}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), MPLBACKEND="Agg")
    exe = shutil.which("weaksup")
    cmd = [exe, "demo"] if exe else [sys.executable, "-m", "weaksup.cli", "demo"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    print(f"`{' '.join(cmd)}` on an empty HOME took {wall:.1f} s wall (the demo's own line: "
          f"{re.search(r'Done in .*', out).group(0)})")
    assert "WRENCH YouTube spam, real data (the copy bundled with weaksup" in out
    assert "SYNTHETIC" not in out and "not found" not in out
    rows = _test_rows(out)
    assert len(rows) == 4 and rows["majority vote"][0] >= 0.84
    assert any(k.startswith("recommended label model (") for k in rows) and END in rows
    assert not (home / ".cache" / "weaksup" / "wrench").exists()  # nothing downloaded


@pytest.mark.wrench
def test_demo_on_wrench_youtube(wrench_dir, capsys, monkeypatch):
    monkeypatch.delenv("WEAKSUP_DATA", raising=False)
    assert demo.main(["--data-dir", str(wrench_dir)]) == 0
    out = capsys.readouterr().out
    assert f"WRENCH YouTube spam, real data (--data-dir: {wrench_dir / 'youtube'}" in out
    assert "hand-written LFs + the 10 shipped WRENCH LFs" in out
    assert "m=19" in out  # 9 hand-written + 10 shipped LF columns
    for name in ("kw_my", "re_check_out", "lf_short_comment", "wrench_0", "wrench_9"):
        assert name in out
    rows = _test_rows(out)
    assert len(rows) == 4 and "majority vote" in rows and END in rows
    # WRENCH's published MV test accuracy on the shipped LFs alone is 0.84; the demo must do at least that well
    assert rows["majority vote"][0] >= 0.84 and rows[END][0] >= 0.84
    assert "In short:" in out and "majority vote" in out.split("In short:")[1]


@pytest.fixture(scope="module")
def youtube_run():
    found = demo._load_youtube(None)  # any copy; the bundled one at worst
    assert found is not None
    splits, ds = found
    return splits, demo.run_demo(splits, demo.youtube_lfs(), metric="accuracy", out=_devnull())


def test_recommended_model_is_chosen_on_valid_without_test_labels(youtube_run):
    """The printed 'recommended' model is AutoLabelModel's valid-best candidate, and the test labels change nothing."""
    splits, res = youtube_run
    auto = res["pipeline"].label_model_
    assert type(auto).__name__ == "AutoLabelModel"
    best = max(auto.valid_scores_.values())
    assert auto.valid_scores_[auto.chosen_] == best
    assert f"recommended label model ({auto.chosen_}, {demo._recommended_how(auto)})" in res["results"]
    # shuffle the test labels: the same model is chosen and every prediction is identical
    rng = np.random.default_rng(0)
    texts, shipped, y = splits["test"]
    shuffled = dict(splits, test=(texts, shipped, rng.permutation(y)))
    res2 = demo.run_demo(shuffled, demo.youtube_lfs(), metric="accuracy", out=_devnull())
    auto2 = res2["pipeline"].label_model_
    assert auto2.chosen_ == auto.chosen_ and auto2.valid_scores_ == auto.valid_scores_
    assert res2["goldfree"].chosen_ == res["goldfree"].chosen_
    V = res["votes"]["test"]
    np.testing.assert_array_equal(auto2.predict_proba(V), auto.predict_proba(V))
    X = res["features"]["test"]
    np.testing.assert_array_equal(res2["pipeline"].predict_proba(X), res["pipeline"].predict_proba(X))


def test_demo_reports_the_numbers_it_computed(youtube_run):
    from weaksup.metrics import score

    splits, res = youtube_run
    y = splits["test"][2]
    V = res["votes"]["test"]
    auto = res["pipeline"].label_model_
    assert res["results"]["majority vote"]["accuracy"] == score("accuracy", y, res["majority_vote"].predict(V))
    key = f"recommended label model ({auto.chosen_}, {demo._recommended_how(auto)})"
    assert res["results"][key]["accuracy"] == score("accuracy", y, auto.predict(V))


def test_demo_lfs_are_applied_to_texts(youtube_run):
    from weaksup.data import load_wrench

    splits, res = youtube_run
    V = res["votes"]["valid"]
    ds = load_wrench("youtube")
    texts = ds.valid.data["text"]
    expected = np.where([re.search(r"\bmy\b", t, re.I) is not None for t in texts], 1, -1)
    assert V.column("kw_my").tolist() == expected.tolist()
    assert np.array_equal(V.select_lfs([f"wrench_{j}" for j in range(10)]).to_dense(), ds.valid.votes.to_dense())
    assert list(res["summary"].columns)[-1] == "Emp. Acc."
    # the label model and the end model come from one Pipeline
    from weaksup.pipeline import Pipeline

    assert isinstance(res["pipeline"], Pipeline)
    assert res["pipeline"].covered_.sum() == res["votes"]["train"].covered().sum()
    with pytest.warns(DeprecationWarning, match="run_demo"):
        demo.run_pipeline(splits, demo.youtube_lfs()[:3], metric="accuracy", out=_devnull())


def test_demo_synthetic_flag(capsys):
    assert demo.main(["--synthetic"]) == 0
    out = capsys.readouterr().out
    assert "procedurally generated" in out and "SYNTHETIC" in out and "not found" not in out
    rows = _test_rows(out)
    assert len(rows) == 4 and all(0.7 <= acc <= 1.0 for acc, _ in rows.values())


def test_demo_without_any_copy_says_how_and_runs_synthetic(tmp_path, capsys, monkeypatch):
    """An installation without the bundled folder (e.g. stripped by a packager) still runs, and says so."""
    import weaksup.data.wrench as wrench

    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("WEAKSUP_DATA", str(empty))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(wrench, "bundled_dir", lambda name: None)
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    assert "WRENCH 'youtube' was not found" in out and str(empty) in out
    assert "WEAKSUP_DATA" in out and "download_wrench('youtube')" in out
    assert "procedurally generated" in out and "SYNTHETIC" in out


def test_gains_and_losses_are_worded_for_either_sign():
    """The demo printed 'loses -0.8 points' (a double negative)."""
    assert demo.versus_majority_vote(-0.008, "accuracy") == "loses 0.8 points of accuracy against majority vote"
    assert demo.versus_majority_vote(0.012, "f1_binary") == "gains 1.2 points of f1_binary over majority vote"
    assert demo.versus_majority_vote(0.0004, "accuracy") == "ties with majority vote on accuracy"  # rounds to 0.0


def test_two_rows_of_the_same_model_say_how_they_differ(youtube_run):
    """'GoldFree, selected on valid' and 'GoldFree, no labels' read as one model with two scores: the recommended
    row says it was fitted with the valid labels, and the report says the two fits differ in class balance."""
    splits, res = youtube_run
    auto, goldfree = res["pipeline"].label_model_, res["goldfree"]
    how = demo._recommended_how(auto)
    assert how in ("fitted with the valid labels, chosen on them", "chosen on the valid labels, fitted without them")
    assert f"recommended label model ({auto.chosen_}, {how})" in res["results"]
    out = io.StringIO()
    demo.run_demo(splits, demo.youtube_lfs(), metric="accuracy", out=out)
    text = out.getvalue()
    assert "loses -" not in text and "gains +" not in text
    assert "Gold-free default (AutoLabelModel without any labels): " in text
    if goldfree.chosen_ == auto.chosen_:
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"Both are {auto.chosen_}"))
        assert demo._balance(auto.model_) in line and demo._balance(goldfree.model_) in line
        assert "(gold-free: no labels)" in line
    assert re.search(r"the end model \(it also predicts where no LF votes\) (gains \d|loses \d|ties with)", text)
