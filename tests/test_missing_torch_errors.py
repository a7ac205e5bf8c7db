"""Without torch, a loaded or unpickled LabelLearningFlow and an unpickled HyperLabelModel name the extra to
install when they first need torch, as their ``fit`` (HyperLabelModel) and the torch end models already did;
before, ``predict_proba`` and ``fit`` raised the bare "No module named 'torch'".

The models are fitted here (torch installed) and used in a subprocess whose imports of torch fail (a meta-path
finder, tests/support/no_torch.py).
"""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from support.no_torch import NO_TORCH_PREAMBLE

from weaksup.flows import LabelLearningFlow
from weaksup.synthetic import make_votes

HAVE_HYPERLM = importlib.util.find_spec("hyperlm") is not None

SCRIPT = NO_TORCH_PREAMBLE + textwrap.dedent("""
    import pickle
    import numpy as np
    from weaksup import VoteMatrix
    from weaksup.flows import LabelLearningFlow, constraint_penalties

    d = np.load(sys.argv[1] + "/data.npz")
    L, X = VoteMatrix(d["L"]), d["X"]
    calls = {
        "flow-load-predict_proba": lambda: LabelLearningFlow.load(sys.argv[1] + "/flow.npz").predict_proba(L, X),
        "flow-unpickled-predict_proba": lambda: pickle.load(open(sys.argv[1] + "/flow.pkl", "rb")).predict_proba(L, X),
        "flow-fit": lambda: LabelLearningFlow(n_epochs=1).fit(L, X, seed=0),
        "constraint_penalties": lambda: constraint_penalties(np.full((L.n, 3), 1 / 3), L, 0.3),
    }
    if sys.argv[2] == "1":
        calls["hyper-unpickled-predict_proba"] = lambda: pickle.load(open(sys.argv[1] + "/hyper.pkl", "rb")
                                                                     ).predict_proba(L)
    for what, call in calls.items():
        try:
            call()
            print(what, "| NO ERROR")
        except ImportError as exc:
            print(what, "|", type(exc).__name__, exc)
        except Exception as exc:
            print(what, "| other error", type(exc).__name__, exc)
""")


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("notorch")
    L, y, _ = make_votes(300, 4, 3, seed=0)
    X = np.eye(3)[y] * 3 + np.random.default_rng(0).normal(size=(300, 3))
    np.savez(d / "data.npz", L=L.to_dense(), X=X)
    with warnings.catch_warnings():  # the flow's own label model stops at max_iter on these few rows
        warnings.simplefilter("ignore")
        flow = LabelLearningFlow(n_epochs=1).fit(L, X, seed=0)
    flow.save(d / "flow.npz")
    (d / "flow.pkl").write_bytes(pickle.dumps(flow))
    if HAVE_HYPERLM:
        from weaksup.labelmodel import HyperLabelModel

        (d / "hyper.pkl").write_bytes(pickle.dumps(HyperLabelModel().fit(L)))
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(d), str(int(HAVE_HYPERLM))], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(line.split(" | ", 1) for line in out.stdout.splitlines() if " | " in line)


@pytest.mark.parametrize("what", ["flow-load-predict_proba", "flow-unpickled-predict_proba", "flow-fit",
                                  "constraint_penalties"])
def test_label_learning_flow_without_torch_names_the_extra(lines, what):
    line = lines[what]
    assert line.startswith("ImportError weaksup.flows.LabelLearningFlow needs torch"), line
    assert "No module named 'torch'" in line and "pip install torch==2.13.0" in line
    assert 'pip install "weaksup[torch]"' in line


@pytest.mark.skipif(not HAVE_HYPERLM, reason="the hyperlm extra is not installed")
def test_unpickled_hyper_label_model_without_torch_names_the_extra(lines):
    line = lines["hyper-unpickled-predict_proba"]
    assert line.startswith("ImportError this model runs on torch (device='cpu'), which is not installed"), line
    assert "pip install torch==2.13.0" in line and 'pip install "weaksup[hyperlm]"' in line
