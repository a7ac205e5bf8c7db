"""The bench and the WRENCH loader with a researcher's own data: a modified copy of a registered set, a folder
of unregistered sets, a set without LFs, a dataset name that is a path, and what the tables' "±" is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from weaksup.bench import results_table, run
from weaksup.data import load_wrench, load_wrench_folder
from weaksup.data._wrench_io import read_json


def _make(root: Path, name: str = "mine", weak_labels=None) -> Path:
    """A small 2-class WRENCH folder (4 LFs; ``weak_labels``: the same list for every example)."""
    rng = np.random.default_rng(0)
    d = root / name
    d.mkdir(parents=True)
    (d / "label.json").write_text(json.dumps({"0": "neg", "1": "pos"}))
    for split, n in (("train", 30), ("valid", 10), ("test", 10)):
        rows = {}
        for i in range(n):
            y = int(rng.integers(2))
            wl = [y if rng.random() < 0.8 else -1 for _ in range(4)] if weak_labels is None else list(weak_labels)
            rows[str(i)] = {"label": y, "weak_labels": wl, "data": {"text": f"example {split} {i}"}}
        (d / f"{split}.json").write_text(json.dumps(rows))
    return d


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "weaksup.cli", "bench", *args, "--label-models", "mv",
                           "--seeds", "1", "--no-progress", "--metric", "accuracy"],
                          capture_output=True, text=True, env=dict(os.environ))


def test_a_modified_copy_of_a_registered_set_gets_no_published_number(tmp_path):
    src = load_wrench("youtube").path
    dst = tmp_path / "youtube"
    dst.mkdir()
    (dst / "label.json").write_text(json.dumps(read_json(src / "label.json")))
    for s in ("train", "valid", "test"):
        t = read_json(src / f"{s}.json")
        for v in t.values():
            v["weak_labels"] = v["weak_labels"][1:]  # LF 0 dropped
        (dst / f"{s}.json").write_text(json.dumps(t))
    with pytest.warns(UserWarning, match=r"'youtube' .* is not the registered WRENCH set: 9 LFs in train where the "
                                         r"registry has 10"):
        df = run(["youtube"], ["mv"], seeds=1, data_dir=tmp_path, progress=False)
    assert df.query("split == 'test'")["published"].isna().all()
    assert "| MajorityVote | 81.20 ± 0.00 (–) |" in results_table(df)
    assert df.attrs["meta"]["data"]["youtube"]["differs_from_registry"] == "9 LFs in train where the registry has 10"
    # the registered set itself: as before, no warning, the published number
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = run(["youtube"], ["mv"], seeds=1, progress=False)
    assert df.query("split == 'test'")["published"].item() == 84.0
    assert "differs_from_registry" not in df.attrs["meta"]["data"]["youtube"]


def test_data_dir_of_unregistered_sets_says_pass_datasets(tmp_path):
    _make(tmp_path)
    for data_dir in (tmp_path, tmp_path / "mine"):
        r = _cli("--data-dir", str(data_dir))
        assert r.returncode == 2
        assert "pass --datasets mine (nothing was run)" in r.stderr
    with pytest.raises(FileNotFoundError, match=r"pass datasets=\['mine'\]"):
        run(None, ["mv"], seeds=1, data_dir=tmp_path, progress=False)
    assert _cli("--data-dir", str(tmp_path), "--datasets", "mine").returncode == 0
    # beside a registered set: that one runs, and the warning names the one that does not
    src = load_wrench("youtube").path
    (tmp_path / "youtube").mkdir()
    for f in ("label", "train", "valid", "test"):
        (tmp_path / "youtube" / f"{f}.json").write_text(json.dumps(read_json(src / f"{f}.json")))
    with pytest.warns(UserWarning, match=r"also holds mine, not registered WRENCH sets.*pass datasets="):
        df = run(None, ["mv"], seeds=1, data_dir=tmp_path, progress=False)
    assert list(df["dataset"].unique()) == ["youtube"]


def test_a_set_without_lfs_loads_and_the_bench_refuses_it(tmp_path):
    # d840e5c refused it in load_wrench_folder, so `weaksup apply lfs.py wrench:NAME:train` could no longer read
    # the texts of a set to write LFs for; it loads with m=0 and the bench refuses it naming the set
    d = _make(tmp_path, "nolfs", weak_labels=[])
    ds = load_wrench_folder(d, metric="accuracy")
    assert ds.train.votes.shape == (30, 0) and ds.train.data["text"].iloc[0] == "example train 0"
    from weaksup.labelmodel import MajorityVote

    with pytest.raises(ValueError, match=r"votes has 0 LF column\(s\); this model needs at least 1"):
        MajorityVote().fit(ds.train.votes)
    with pytest.raises(ValueError, match=r"dataset 'nolfs' \(.*nolfs\): every example has \"weak_labels\": \[\] .*"
                                         r"weaksup apply lfs.py .*nolfs.train\.json --out .*\(nothing was run\)"):
        run(["nolfs"], ["mv"], seeds=1, data_dir=tmp_path, metric="accuracy", progress=False)
    lfs = tmp_path / "lfs.py"
    lfs.write_text("from weaksup.lf import labeling_function\n@labeling_function()\ndef has_1(x):\n"
                   "    return 1 if '1' in x.text else -1\n")
    for data in ("wrench:youtube:train", str(d / "train.json")):  # as the bench's message says, and by name
        if data.startswith("wrench:"):  # a registered name: its copy without LFs in a --data-dir
            (tmp_path / "youtube").mkdir()
            for f in d.iterdir():
                (tmp_path / "youtube" / f.name).write_bytes(f.read_bytes())
        r = subprocess.run([sys.executable, "-m", "weaksup.cli", "apply", str(lfs), data, "--data-dir", str(tmp_path),
                            "--out", str(tmp_path / "votes.npz"), "--no-progress"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr  # was: error: ...train.json: every example has "weak_labels": []
        assert "30 rows x 1 LFs" in r.stderr + r.stdout


def test_a_bench_whose_every_cell_failed_exits_non_zero(tmp_path):
    _make(tmp_path, "allabstain", weak_labels=[-1, -1, -1, -1])
    r = subprocess.run([sys.executable, "-m", "weaksup.cli", "bench", "--data-dir", str(tmp_path), "--datasets",
                        "allabstain", "--label-models", "ds", "--seeds", "2", "--no-progress", "--metric",
                        "accuracy"], capture_output=True, text=True)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("weaksup bench: error: every cell failed (2 failure(s)")
    assert "DawidSkene on allabstain (wrench, seed 0)" in last


def test_std_is_stated_as_ddof_0():
    df = run(["youtube"], ["mv"], seeds=1, progress=False)
    assert df.attrs["meta"]["std"] == "population std over seeds (ddof=0)"
    assert "mean ± std over seeds (ddof=0)" in results_table(df).splitlines()[0]


def test_a_dataset_name_that_is_a_path_is_loaded_as_a_path(tmp_path, monkeypatch):
    d = _make(tmp_path / "elsewhere")
    root = tmp_path / "root"
    _make(root, "other")
    monkeypatch.setenv("WEAKSUP_DATA", str(root))
    ds = load_wrench(str(d), metric="accuracy")
    assert (ds.source, ds.path, ds.name) == ("path", d, "mine")
    with pytest.warns(UserWarning, match=r"is a path, so data_dir .*root' is not looked in"):
        ds = load_wrench(str(d), root, metric="accuracy")
    assert (ds.source, ds.path, ds.name) == ("path", d, "mine")
    with pytest.warns(UserWarning, match="is not looked in"):
        df = run([str(d)], ["mv"], seeds=1, data_dir=root, metric="accuracy", progress=False)
    assert df.attrs["meta"]["data"][str(d)]["source"] == "path"
    monkeypatch.chdir(root)  # relative paths: '../elsewhere/mine' escapes data_dir, 'other/' style reaches into it
    for name in ("../elsewhere/mine", str(Path("..") / "elsewhere" / "mine")):
        with pytest.warns(UserWarning, match="is not looked in"):
            ds = load_wrench(name, root, metric="accuracy")
        assert (ds.source, ds.path.resolve(), ds.name) == ("path", d.resolve(), "mine")
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning, match="is not looked in"):
        ds = load_wrench("elsewhere/mine", root, metric="accuracy")  # not root/elsewhere/mine, which does not exist
    assert (ds.source, ds.path.resolve()) == ("path", d.resolve())


def test_a_dot_relative_name_is_a_path_recorded_absolute(tmp_path, monkeypatch):
    d = _make(tmp_path / "elsewhere")
    root = tmp_path / "root"
    _make(root, "mine")  # a set of the same name under WEAKSUP_DATA: './mine' must not be read from there
    monkeypatch.setenv("WEAKSUP_DATA", str(root))
    monkeypatch.chdir(tmp_path / "elsewhere")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no data_dir: no warning
        ds = load_wrench("./mine", metric="accuracy")  # Path('./mine').parts == ('mine',): was looked up by name
    assert (ds.source, ds.path, ds.name) == ("path", d, "mine")  # absolute, not './mine'
    assert ds.path.is_absolute()
    df = run(["./mine"], ["mv"], seeds=1, metric="accuracy", progress=False)
    assert df.attrs["meta"]["data"]["./mine"] == {**df.attrs["meta"]["data"]["./mine"], "path": str(d),
                                                  "source": "path"}
    # a relative data_dir: results.json records the folder read, not a path relative to a cwd that may be gone
    monkeypatch.chdir(tmp_path)
    df = run(["mine"], ["mv"], seeds=1, data_dir="root", metric="accuracy", progress=False)
    assert df.attrs["meta"]["data"]["mine"]["path"] == str(root / "mine")
