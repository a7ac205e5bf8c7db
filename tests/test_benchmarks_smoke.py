"""Every benchmark script runs at a tiny size (``--smoke``) without error and never writes docs/benchmarks.md.

The scripts are found by glob, so a new ``benchmarks/<name>.py`` is smoke-run as soon as it exists
(files starting with ``_`` are helpers, not scripts).  Each runs in its own interpreter with
``WEAKSUP_BENCH_SMOKE_DIR`` pointing at a temp folder: ``benchmarks._docs.update_section`` refuses to
touch docs/benchmarks.md while it is set, and ``benchmarks._docs.smoke_out()`` puts the section there.

Exit code 77 means "cannot run here for a reason outside the package" (e.g. no snorkel checkout for
``snorkel_suite.py``): the test is skipped with the script's own last line as the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import WRENCH, needs_wrench

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p for p in (REPO / "benchmarks").glob("*.py") if not p.name.startswith("_"))
SKIP_CODE = 77
SMOKE_BUDGET_S = 30  # the target of a smoke run on 2 idle cores; the hard limit below allows for load


def test_every_benchmark_script_is_collected():
    names = {p.stem for p in SCRIPTS}
    assert {"apply_speed", "endmodel_wrench", "labelmodel_speed", "labelmodel_wrench", "llf_wrench", "many_classes",
            "prompted_wrench", "sequence_wrench", "uws_real", "uws_recovery"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_benchmark_smoke_run(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "WEAKSUP_BENCH_SMOKE_DIR": str(tmp_path), "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    if WRENCH is not None:
        env.setdefault("WEAKSUP_DATA", str(WRENCH))
    t0 = time.perf_counter()
    try:
        cp = subprocess.run([sys.executable, str(script), "--smoke"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=300)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{script.name} --smoke ran over 300 s (target {SMOKE_BUDGET_S} s): "
                    f"{(exc.stdout or b'')[-1500:]!r}")
    wall = time.perf_counter() - t0
    out = (cp.stdout + cp.stderr).strip()
    if cp.returncode == SKIP_CODE:
        pytest.skip(f"{script.name} --smoke: {out.splitlines()[-1] if out else 'no reason printed'}")
    assert cp.returncode == 0, f"{script.name} --smoke exited {cp.returncode} after {wall:.0f} s:\n{out[-4000:]}"
    written = [p.name for p in tmp_path.rglob("*") if p.is_file()]  # (a script may also only print)
    print(f"{script.name} --smoke: {wall:.1f} s wall, wrote {sorted(written)}")


def test_smoke_guard_refuses_docs_benchmarks(monkeypatch, tmp_path):
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks._docs import DOCS, SMOKE_ENV, smoke_out, update_section
    finally:
        sys.path.remove(str(REPO))
    monkeypatch.setenv(SMOKE_ENV, str(tmp_path))
    before = DOCS.read_bytes()
    with pytest.raises(RuntimeError, match="smoke run"):
        update_section(DOCS, "uws", "body")
    assert DOCS.read_bytes() == before
    out = smoke_out()
    update_section(out, "x", "hello", title="X")
    assert out.parent == tmp_path and "<!-- BEGIN x -->\n## X\n\nhello\n<!-- END x -->" in out.read_text()


@needs_wrench
def test_goldfree_report_reads_the_f1_sets_by_accuracy_and_a_constant_prediction(wrench_dir):
    gw = _goldfree_module()
    from weaksup.data import load_wrench
    from weaksup.labelmodel import MajorityVote
    from weaksup.metrics import probs_to_preds, score
    from weaksup.votes import VoteMatrix

    keep = {"MajorityVote"}
    every = {n for m in (gw.goldfree_models(True), gw.wrench_models(), gw.semi_models()) for n in m}
    out = gw.run(["sms"], 1, True, str(wrench_dir), skip=sorted(every - keep), cache=None)
    text = gw.report(out, ["sms"], 1, "versions")
    ds = load_wrench("sms", str(wrench_dir))
    y = np.asarray(ds.test.labels)
    f1_all_ones = 100 * score("f1_binary", y, np.ones(len(y), dtype=int))
    L = np.vstack([ds.train.votes.to_dense(), ds.valid.votes.to_dense(), ds.test.votes.to_dense()])
    mv = MajorityVote().fit(VoteMatrix(L, ds.train.votes.lf_names, 2))
    acc = 100 * score("accuracy", y, probs_to_preds(mv.predict_proba(ds.test.votes), "random"))
    assert f"Predicting class 1 on every test row, which reads no vote, scores F1 sms {f1_all_ones:.2f}" in text
    assert f"| MajorityVote | {acc:.2f} |" in text


def _goldfree_module():
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks import goldfree_wrench as gw
    finally:
        sys.path.remove(str(REPO))
    return gw


def _split(L: np.ndarray, y: np.ndarray):
    from types import SimpleNamespace

    from weaksup.votes import VoteMatrix

    return SimpleNamespace(votes=VoteMatrix(L, [f"lf{j}" for j in range(L.shape[1])], 2), labels=y)


@pytest.mark.parametrize("metric", ["accuracy", "f1_binary"])
def test_supervised_reference_learns_a_label_the_votes_carry(metric):
    # the label is LF 0's vote on every row: both reference rows must recover it exactly
    rng = np.random.default_rng(0)
    splits = []
    for n in (600, 200, 300):
        y = (rng.random(n) < 0.3).astype(int)
        L = np.column_stack([y, rng.integers(-1, 2, size=(n, 3))])
        splits.append(_split(L, y))
    from types import SimpleNamespace

    ds = SimpleNamespace(cardinality=2, metric=metric, train=splits[0], valid=splits[1], test=splits[2])
    ref = _goldfree_module()._supervised_reference(ds, 2)
    assert {name: row["scores"] for name, row in ref.items()} == {name: [100.0, 100.0] for name in ref}


def test_supervised_reference_never_sees_the_label_it_predicts():
    # one LF per test row, firing on that row only, and labels that are coin flips: a model that saw a
    # row's own label would recall it (~100%); cross-fitted, each row's LF is unseen, so it is chance
    from types import SimpleNamespace

    rng = np.random.default_rng(1)
    n = 200
    L = np.full((n, n), -1)
    L[np.arange(n), np.arange(n)] = 1
    y = rng.integers(0, 2, n)
    ds = SimpleNamespace(cardinality=2, metric="accuracy", train=_split(L, y), valid=_split(L, y),
                         test=_split(L, y))
    gw = _goldfree_module()
    ref = gw._supervised_reference(ds, 1)
    assert ref[gw.REFERENCE_ROWS[0]]["scores"][0] == 100.0  # trained on these very rows: it memorizes them
    assert 35.0 < ref[gw.REFERENCE_ROWS[1]]["scores"][0] < 65.0
