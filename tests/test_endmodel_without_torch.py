"""Without torch (the optional torch extra), the torch end models raise an ImportError that names the extra, not
the bare "No module named 'torch'".  Run in a subprocess whose imports of torch fail (a meta-path finder: with
sys.modules['torch'] = None scipy's array-API helpers, which look torch up in sys.modules, break first)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from support.no_torch import NO_TORCH_PREAMBLE

SCRIPT = NO_TORCH_PREAMBLE + textwrap.dedent("""
    import numpy as np
    import weaksup.endmodel as em
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    for what, call in [("MLP", lambda: em.MLP), ("TransformerClassifier", lambda: em.TransformerClassifier),
                       ("Cosine().fit", lambda: em.Cosine(progress=False).fit(X, y))]:
        try:
            call()
            print(what, "NO ERROR")
        except ImportError as exc:
            print(what, "|", exc)
    print("LogisticRegression", em.LogisticRegression().fit(X, y).predict(X).shape)
""")


@pytest.fixture(scope="module")
def lines() -> dict[str, str]:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return {line.split(" ", 1)[0]: line for line in out.stdout.splitlines()}


@pytest.mark.parametrize("what", ["MLP", "TransformerClassifier", "Cosine().fit"])
def test_torch_end_model_without_torch_names_the_extra(lines, what):
    line = lines[what]
    assert "needs torch" in line and "pip install torch==2.13.0" in line and 'pip install "weaksup[torch]"' in line


def test_logistic_regression_needs_no_torch(lines):
    assert lines["LogisticRegression"].endswith("(20,)")
