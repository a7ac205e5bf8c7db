"""weaksup bench: a published WRENCH number stands unmarked only beside the configuration that made it, and
results.json records what a rerun needs (dependency versions, data checksums, source commit, threads)."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from weaksup.bench import runner
from weaksup.bench.runner import results_table, run


def _rows(table: str) -> dict[str, str]:
    return {line.split(" | ")[0][2:]: line for line in table.splitlines() if line.startswith("| ")}


def test_default_wmv_and_fs_beside_wrench_numbers_are_marked(wrench_dir):
    """WRENCH's WMV is weights='class_prior' (78.00 on youtube); the default WMV gave 84.00 beside it unmarked."""
    df = run(["youtube"], ["mv", "wmv", "fs"], seeds=1, data_dir=wrench_dir, progress=False)
    table = results_table(df, protocol="wrench")
    rows = _rows(table)
    assert "| MajorityVote | 84.00 ± 0.00 (84.00) |" in table  # WRENCH's configuration: no mark
    assert "84.00 ± 0.00 † (78.00)" in rows["WeightedMajorityVote"] and "† (76.80)" in rows["FlyingSquid"]
    assert "WeightedMajorityVote(weights='class_prior'); this row: weights='accuracy'" in table
    assert "FlyingSquid(conditional='marginals', multiclass='ovr')" in table


def test_the_reproducing_configuration_is_not_marked(wrench_dir):
    df = run(["youtube"], ["wmv", "ds"], seeds=1, data_dir=wrench_dir, progress=False,
             label_model_params={"wmv": {"weights": "class_prior"},
                                 "ds": {"abstain_as_class": True, "use_valid_labels": False, "learn_prior": True}})
    table = results_table(df, protocol="wrench")
    assert "| WeightedMajorityVote | 78.00 ± 0.00 (78.00) |" in table
    assert "| DawidSkene | 83.20 ± 0.00 (83.20) |" in table
    assert "†" not in table


def test_end_model_rows_name_the_features(wrench_dir, tmp_path):
    """Published LR used BERT-base features; the bench's LR the `features` kind, and nothing said so."""
    run(["youtube"], ["mv"], ["lr"], seeds=1, data_dir=wrench_dir, progress=False, out_dir=tmp_path)
    table = (tmp_path / "table.md").read_text()
    assert "† (93.36)" in _rows(table)["LR + MajorityVote"]
    assert "WRENCH's LR used BERT-base features, this row 'tfidf' features" in table
    assert "End models are trained on `tfidf` features" in (tmp_path / "section.md").read_text()
    back = pd.read_csv(tmp_path / "results.csv")  # the column survives the CSV round trip
    assert results_table(back) == table


def test_gold_free_title_says_the_published_numbers_are_wrench_protocol(wrench_dir):
    df = run(["youtube"], ["mv"], seeds=1, protocol="gold-free", data_dir=wrench_dir, progress=False)
    assert "measured under WRENCH's protocol, not this one" in results_table(df)


def test_a_results_file_without_the_column_is_marked_from_its_params(wrench_dir, tmp_path):
    df = run(["youtube"], ["mv", "wmv", "fs"], ["lr"], seeds=1, data_dir=wrench_dir, progress=False,
             out_dir=tmp_path, label_model_params={"fs": {"conditional": "marginals", "multiclass": "ovr"}})
    old = pd.read_csv(tmp_path / "results.csv").drop(columns="published_config")
    table = results_table(old)
    assert table.replace("this row's features are not recorded", "this row 'tfidf' features") == results_table(df)
    assert "| FlyingSquid | 52.80 ± 0.00 (76.80) |" in table and "| WeightedMajorityVote | 84.00 ± 0.00 † (78.00) |" \
        in table


def test_published_config_of_models_without_a_reproduction():
    from weaksup.labelmodel import EBCC, MatrixCompletion

    assert "no weaksup configuration is known" in runner.published_config("MatrixCompletion", MatrixCompletion())
    assert runner.published_config("EBCC", EBCC()) == ""  # no published number


def test_results_json_records_what_a_rerun_needs(wrench_dir, tmp_path):
    run(["youtube"], ["mv"], seeds=1, data_dir=wrench_dir, progress=False, out_dir=tmp_path)
    meta = json.loads((tmp_path / "results.json").read_text())["meta"]
    for pkg in ("numpy", "scipy", "pandas", "scikit-learn", "torch"):
        assert pkg in meta["versions"]
    import numpy

    assert meta["versions"]["numpy"] == numpy.__version__
    sums = meta["data_sha256"]["youtube"]
    assert {"train.json", "valid.json", "test.json", "label.json"} <= set(sums)
    assert sums["train.json"] == hashlib.sha256((wrench_dir / "youtube" / "train.json").read_bytes()).hexdigest()
    assert meta["threads"]["torch"] == 1 and "OMP_NUM_THREADS" in meta["threads"]["env"]
    git = meta["git"]  # None outside a checkout
    assert git is None or (len(git["commit"]) == 40 and isinstance(git["dirty"], bool))


def test_git_state_is_none_outside_a_checkout(monkeypatch):
    import subprocess

    def no_git(*a, **k):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    assert runner._git_state() is None


def test_a_published_zero_is_marked_too(wrench_dir):
    """WRENCH's FS on sms is 0.00: a falsy published number skipped the configuration check."""
    df = run(["sms"], ["fs"], seeds=1, data_dir=wrench_dir, progress=False)
    assert "7.14 ± 0.00 † (0.00)" in results_table(df, protocol="wrench")
