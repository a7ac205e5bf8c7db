"""The sdist: no half test suite (tests/test_*.py without conftest.py and tests/support/ cannot run), and
pyproject.toml's metadata builds without setuptools' deprecation warnings."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_sdist_leaves_out_the_tests_and_builds_without_deprecations(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for f in ("pyproject.toml", "README.md", "MANIFEST.in"):
        shutil.copy(REPO / f, src / f)
    for d in ("weaksup", "labelers"):
        shutil.copytree(REPO / d, src / d, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    (src / "tests").mkdir()  # a stand-in suite: setuptools adds tests/test_*.py to an sdist by default
    (src / "tests" / "test_x.py").write_text("def test_x():\n    pass\n")
    (src / "tests" / "conftest.py").write_text("")
    out = tmp_path / "dist"
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(out)!r}))"
    p = subprocess.run([sys.executable, "-c", code], cwd=src, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "deprecated" not in p.stderr.lower(), p.stderr[-3000:]
    (sdist,) = out.glob("weaksup-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
        pkg_info = tar.extractfile(next(m for m in tar.getmembers() if m.name.endswith("/PKG-INFO"))).read().decode()
    assert not [n for n in names if n == "tests" or n.startswith("tests/")]
    assert "weaksup/data/bundled/youtube/CARD.md" in names and "weaksup/cli.py" in names
    assert "License-Expression: Apache-2.0" in pkg_info
