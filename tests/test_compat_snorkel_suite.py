"""benchmarks/snorkel_suite.py end to end on a small snorkel-shaped checkout built here (no network, no snorkel source).

CI has no snorkel checkout, so ``snorkel_suite.py --smoke`` exits 77 there and
tests/test_benchmarks_smoke.py reports it as skipped with the script's message;
this file checks the script itself (import rewriting, pass/fail/excluded
counting, the docs section) on a checkout it writes, and the skip message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "benchmarks" / "snorkel_suite.py"

TEST_FILE = '''
import numpy as np
from snorkel.labeling.model import MajorityLabelVoter
from snorkel.labeling import (
    LFApplier,
    labeling_function,
)
import snorkel.labeling.model.label_model as lm_module


def test_uses_compat():
    assert lm_module.__name__ == "weaksup.compat.snorkel.labeling.model.label_model"
    assert "snorkel" == "snorkel"  # strings are not rewritten


def test_majority():
    assert MajorityLabelVoter().predict(np.array([[0, 0, 1]])).tolist() == [0]


def test_fails():
    @labeling_function()
    def f(x):
        return 0
    assert LFApplier([f]).apply([1], progress_bar=False).tolist() == [[1]]
'''


def _checkout(root: Path, version: str = "0.10.0") -> Path:
    major, minor, rev = version.split(".")
    (root / "snorkel").mkdir(parents=True)
    (root / "snorkel" / "version.py").write_text(f'_MAJOR = "{major}"\n_MINOR = "{minor}"\n_REVISION = "{rev}"\n')
    tests = root / "test" / "labeling" / "model"
    tests.mkdir(parents=True)
    for d in (root / "test", root / "test" / "labeling", tests):
        (d / "__init__.py").write_text("")
    (tests / "test_baseline.py").write_text(TEST_FILE)
    return root


def test_suite_counts_and_writes_section(tmp_path):
    src = _checkout(tmp_path / "snorkel")
    docs = tmp_path / "bench.md"
    cp = subprocess.run([sys.executable, str(SCRIPT), str(src), "--write-docs", str(docs)], capture_output=True,
                        text=True, timeout=300, cwd=tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    text = docs.read_text()
    assert "<!-- BEGIN snorkel-suite -->" in text
    assert "**2 of 3 public-API tests pass (66.7%)**" in text
    assert "| `test/labeling/model/test_baseline.py` | 2 | 1 | 0 | 67% |" in text
    assert "- `test/labeling/model/test_baseline.py::test_fails`: assert [[0]] == [[1]]" in text
    assert (src / "test" / "labeling" / "model" / "test_baseline.py").read_text() == TEST_FILE  # source untouched


def test_suite_refuses_other_versions(tmp_path):
    src = _checkout(tmp_path / "snorkel", "0.9.9")
    cp = subprocess.run([sys.executable, str(SCRIPT), str(src), "--smoke"], capture_output=True, text=True,
                        timeout=300)
    assert cp.returncode != 0 and "this measures snorkel 0.10" in cp.stderr


def test_smoke_without_checkout_or_index_says_why(tmp_path):
    # no checkout, an empty sdist cache (HOME) and no package index: exit 77 with pip's reason
    import os

    env = {k: v for k, v in os.environ.items() if k != "WEAKSUP_SNORKEL_SRC" and not k.startswith("PIP_")}
    env.update(HOME=str(tmp_path), PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1")
    cp = subprocess.run([sys.executable, str(SCRIPT), "--smoke"], capture_output=True, text=True, timeout=120, env=env)
    assert cp.returncode == 77, cp.stdout + cp.stderr
    assert "no snorkel 0.10 checkout given" in cp.stdout and "smoke run skipped" in cp.stdout
    assert "pip download snorkel==0.10.0 failed" in cp.stdout


def test_suite_reads_a_source_distribution(tmp_path):
    # the sdist route of --smoke without a checkout: a snorkel-0.10.0.tar.gz with test/ and snorkel/version.py
    import tarfile

    src = _checkout(tmp_path / "snorkel-0.10.0")
    archive = tmp_path / "snorkel-0.10.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname="snorkel-0.10.0")
    cp = subprocess.run([sys.executable, str(SCRIPT), str(archive), "--smoke"], capture_output=True, text=True,
                        timeout=300, cwd=tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert "**2 of 3 public-API tests pass (66.7%)**" in cp.stdout


def test_rewrite_touches_import_lines_only():
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks.snorkel_suite import rewrite_imports
    finally:
        sys.path.remove(str(REPO))
    src = "import snorkel.labeling as sl\nfrom snorkel import labeling\n    from snorkel.map import x\nname = 'snorkel.labeling'\nimport snorkelx\n"
    assert rewrite_imports(src) == ("import weaksup.compat.snorkel.labeling as sl\nfrom weaksup.compat.snorkel import "
                                    "labeling\n    from weaksup.compat.snorkel.map import x\nname = 'snorkel.labeling'\n"
                                    "import snorkelx\n")
