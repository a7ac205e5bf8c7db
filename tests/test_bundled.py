"""The WRENCH YouTube copy shipped inside the package (issue 20).

It must be the WRENCH release byte for byte (after xz), load to exactly the arrays of the release files,
reproduce the published majority-vote number, be found when no other copy exists, say which copy was
loaded, and add at most 200 KB to the wheel.
"""

from __future__ import annotations

import hashlib
import logging
import lzma
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaksup.data import load_wrench, load_wrench_folder
from weaksup.data._wrench_io import bundled_dir
from weaksup.labelmodel import MajorityVote
from weaksup.metrics import score

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "weaksup" / "data" / "bundled" / "youtube"
FILES = ("label.json", "labeled_ids.json", "readme.txt", "train.json", "valid.json", "test.json")


@pytest.fixture
def no_user_data(tmp_path, monkeypatch):
    """No $WEAKSUP_DATA and an empty user cache: only the bundled copy is left."""
    monkeypatch.delenv("WEAKSUP_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def test_bundled_files_hash_to_the_release():
    sums = dict(reversed(line.split()) for line in (BUNDLED / "SHA256SUMS").read_text().splitlines() if line.strip())
    assert sorted(sums) == sorted(FILES)
    for name in FILES:
        raw = lzma.decompress((BUNDLED / f"{name}.xz").read_bytes())
        assert hashlib.sha256(raw).hexdigest() == sums[name], name
    card = (BUNDLED / "CARD.md").read_text()
    assert "CC BY 4.0" in card and "Apache-2.0" in card and "Alberto" in card


def test_bundled_files_equal_the_shared_release(wrench_dir):
    for name in FILES:
        assert lzma.decompress((BUNDLED / f"{name}.xz").read_bytes()) == (wrench_dir / "youtube" / name).read_bytes()


def _same(a, b) -> None:
    assert a.name == b.name and a.label_names == b.label_names and a.labeled_ids == b.labeled_ids
    assert a.lf_exemplar_ids == b.lf_exemplar_ids and a.labels_only == b.labels_only
    for s in ("train", "valid", "test"):
        x, y = a.splits[s], b.splits[s]
        assert x.ids == y.ids
        assert x.votes.lf_names == y.votes.lf_names and x.votes.cardinality == y.votes.cardinality
        dx, dy = x.votes.to_dense(), y.votes.to_dense()
        assert dx.dtype == dy.dtype and np.array_equal(dx, dy)
        assert x.labels.dtype == y.labels.dtype and np.array_equal(x.labels, y.labels)
        pd.testing.assert_frame_equal(x.data, y.data)


def test_bundled_loads_to_the_same_arrays_as_the_release(wrench_dir):
    bundled = load_wrench_folder(bundled_dir("youtube"), "youtube")
    release = load_wrench_folder(wrench_dir / "youtube", "youtube")
    _same(bundled, release)
    assert bundled.train.votes.shape == (1686, 10) and (len(bundled.valid), len(bundled.test)) == (120, 250)


def test_lookup_falls_back_to_the_bundled_copy_and_says_so(no_user_data, caplog):
    with caplog.at_level(logging.INFO, logger="weaksup.data"):
        ds = load_wrench("youtube")
    assert ds.source == "bundled" and ds.path == bundled_dir("youtube")
    assert "source='bundled'" in repr(ds)
    assert any("bundled with weaksup" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)
    # a set that is not bundled still says where it looked and how to get it
    with pytest.raises(FileNotFoundError, match="download_wrench"):
        load_wrench("sms")
    assert bundled_dir("sms") is None and bundled_dir("../youtube") is None


def test_lookup_prefers_user_copies(no_user_data, wrench_dir, monkeypatch):
    cached = no_user_data / "cache" / "weaksup" / "wrench" / "youtube"
    shutil.copytree(wrench_dir / "youtube", cached)
    ds = load_wrench("youtube")
    assert (ds.source, ds.path) == ("cache", cached)
    monkeypatch.setenv("WEAKSUP_DATA", str(wrench_dir))
    assert load_wrench("youtube").source == "WEAKSUP_DATA"
    assert load_wrench("youtube", data_dir=no_user_data / "cache" / "weaksup" / "wrench").source == "data_dir"


def test_majority_vote_on_the_bundled_copy_reproduces_84(no_user_data):
    ds = load_wrench("youtube")
    assert ds.source == "bundled"
    preds = MajorityVote().fit(ds.train.votes).predict(ds.test.votes, tie_break="random")
    assert round(100 * score(ds.metric, ds.test.labels, preds), 2) == 84.00


def test_corrupt_bundled_style_file_is_named(tmp_path):
    from weaksup.data import WrenchFormatError

    dst = tmp_path / "youtube"
    shutil.copytree(BUNDLED, dst)
    (dst / "valid.json.xz").write_bytes(b"\xfd7zXZ\x00 truncated")
    with pytest.raises(WrenchFormatError, match=r"valid\.json\.xz"):
        load_wrench_folder(dst)


def _wheel(src: Path, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(src)], check=True, capture_output=True, text=True, timeout=300)
    (whl,) = out.glob("weaksup-*.whl")
    return whl


def test_bundled_data_adds_at_most_200_kb_to_the_wheel(tmp_path):
    """Build the wheel from a copy of the sources with and without the bundled folder; compare sizes."""
    src = tmp_path / "src"
    src.mkdir()
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / f, src / f)
    for d in ("weaksup", "labelers"):
        shutil.copytree(REPO / d, src / d, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    with_data = _wheel(src, tmp_path / "with")
    names = zipfile.ZipFile(with_data).namelist()
    shipped = sorted(n.rsplit("/", 1)[1] for n in names if "/data/bundled/youtube/" in n)
    assert shipped == sorted(["CARD.md", "SHA256SUMS"] + [f"{f}.xz" for f in FILES])
    shutil.rmtree(src / "weaksup" / "data" / "bundled")
    for stale in [src / "build", *src.glob("*.egg-info")]:  # setuptools would reuse its build/lib copy
        shutil.rmtree(stale)
    without = _wheel(src, tmp_path / "without")
    added = with_data.stat().st_size - without.stat().st_size
    print(f"bundled youtube adds {added} bytes to the wheel ({with_data.stat().st_size} in all)")
    assert 0 < added <= 200_000
