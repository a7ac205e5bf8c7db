"""weaksup's progress bars honour tqdm's environment (``TQDM_DISABLE=1``, tqdm's documented switch for CI logs).

tqdm reads ``TQDM_<ARGUMENT>`` as the default of an argument the caller does not pass.  weaksup passed
``disable=not progress`` (``disable=False`` by default), which overrode ``TQDM_DISABLE=1``: the applier's, EBCC's,
the span LFs' and the HMM's bars were drawn anyway, though docs/label_models.md says ``TQDM_DISABLE=1`` hides
EBCC's.  Every bar is now built by :func:`weaksup._progress.progress_bar`, which passes ``disable`` only to turn
a bar off.

The real code paths run in fresh interpreters (tqdm reads its environment when first imported), each fit's
stderr captured on its own.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from weaksup._progress import progress_bar

REPO = Path(__file__).resolve().parent.parent

#: Each real code path, run with progress on where the API has a switch, its stderr captured; the bar's desc.
SCRIPT = r'''
import contextlib, importlib.util, io, json, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
out = {}

def run(name, fn):
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf):
        fn()
    out[name] = buf.getvalue()

from weaksup import apply_lfs, keyword_lf
data = pd.DataFrame({"text": ["win cash", "see you"] * 50})
run("apply", lambda: apply_lfs([keyword_lf("win", 1, name="win")], data, progress=True))
from weaksup import labeling_function
from weaksup.universal import RealSpace, apply_value_lfs
twice = labeling_function(name="twice")(lambda x: 2.0 * x.a)
run("values", lambda: apply_value_lfs([twice], pd.DataFrame({"a": [1.0, -1.0]}), RealSpace(1), progress=True))
from weaksup.labelmodel import EBCC
EBCC._progress_delay = 0.0  # the bar appears after 5 s of fitting: at once here
rng = np.random.default_rng(0)
y = rng.integers(0, 2, 200)
L = np.where(rng.random((200, 4)) < 0.7, np.where(rng.random((200, 4)) < 0.8, y[:, None], 1 - y[:, None]), -1)
run("ebcc", lambda: EBCC(repeat=1, max_iter=5).fit(L, seed=0))
X = rng.normal(size=(200, 5)).astype("float32")
from weaksup.endmodel import LogisticRegression
run("logreg", lambda: LogisticRegression(max_iter=5, progress=True).fit(X, y, seed=0))
if importlib.util.find_spec("torch") is not None:
    from weaksup.endmodel import MLP
    run("mlp", lambda: MLP(max_steps=20, hidden_sizes=(8,), eval_every=10, progress=True).fit(X, y, seed=0))
from weaksup.sequence import HMM
from weaksup.sequence.endmodel import CRFTagger
from weaksup.sequence.lf import apply_span_lfs, gazetteer_span_lf
sents = [["aspirin", "helps", "arthritis"], ["nitric", "oxide", "here"]] * 5
gaz = gazetteer_span_lf("g", {"Chemical": ["aspirin", "nitric oxide"]})
votes = []
run("span", lambda: votes.append(apply_span_lfs(sents, [gaz], progress=True)))
run("hmm", lambda: HMM(n_iter=3, progress=True).fit(votes[0]))
tags = [["B-Chemical", "O", "O"], ["B-Chemical", "I-Chemical", "O"]] * 5
run("crf", lambda: CRFTagger(max_iter=3, progress=True).fit(sents, tags))
from weaksup._progress import progress_bar
out["mininterval"] = [getattr(progress_bar(total=1), "mininterval", None),  # a disabled bar has none
                      getattr(progress_bar(total=1, mininterval=0.5), "mininterval", None)]
print(json.dumps(out))
'''

DESCS = {"apply": "Applying 1 LFs", "values": "value LFs", "ebcc": "EBCC restart 1/1", "logreg": "LogisticRegression (L-BFGS)",
         "mlp": "MLP", "span": "span LFs", "hmm": "HMM EM", "crf": "CRFTagger (L-BFGS)"}


def _env(**tqdm_vars: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TQDM_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return {**env, **tqdm_vars}


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[dict, str]]:
    """The script with ``TQDM_DISABLE=1`` and without it (with ``TQDM_MININTERVAL=7``), run side by side."""
    procs = {name: subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, cwd=REPO)
             for name, env in (("off", _env(TQDM_DISABLE="1")), ("on", _env(TQDM_MININTERVAL="7")))}
    out = {}
    for name, p in procs.items():
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr[-3000:]
        out[name] = (json.loads(stdout.strip().splitlines()[-1]), stderr)
    return out


def test_tqdm_disable_hides_every_bar(runs):
    """With ``TQDM_DISABLE=1`` no fit or apply writes a bar, though each is asked for progress."""
    captured, stderr = runs["off"]
    drawn = {name: text[-200:] for name, text in captured.items() if name in DESCS and text}
    assert not drawn, f"bars drawn with TQDM_DISABLE=1: {drawn}"
    assert "\r" not in stderr, stderr[-500:]


def test_bars_are_still_drawn_when_progress_is_on(runs):
    """Without ``TQDM_DISABLE`` every bar still appears (tqdm writes to stderr when it is not a terminal too)."""
    captured, _ = runs["on"]
    missing = {name: text[-200:] for name, text in captured.items() if name in DESCS and DESCS[name] not in text}
    assert not missing, f"bars not drawn with progress on: {missing}"
    assert {"apply", "values", "ebcc", "logreg", "span", "hmm", "crf"} <= set(captured)


def test_other_tqdm_variables_are_defaults_an_argument_overrides(runs):
    """``TQDM_MININTERVAL=7`` is the default of a weaksup bar; an argument passed still wins, as in tqdm."""
    captured, _ = runs["on"]
    assert captured["mininterval"] == [7.0, 0.5]


def test_progress_false_is_off_whatever_the_environment():
    with progress_bar(range(3), desc="off", progress=False) as bar:
        assert list(bar) == [0, 1, 2]
    assert bar.disable


def test_disable_argument_is_refused():
    """``disable=False`` is what overrode ``TQDM_DISABLE``: the helper takes ``progress=`` only."""
    with pytest.raises(TypeError, match="progress="):
        progress_bar(total=1, disable=False)


#: Modules that still build tqdm bars themselves: snorkel's compat layer keeps snorkel's behaviour (it passes
#: disable= as snorkel 0.10 does).  universal/values.py's value-LF bar (it passed disable=not progress, so
#: TQDM_DISABLE=1 did not hide it) and the prompted labelers' backend bar now use progress_bar too.
OWN_TQDM = {"weaksup/_progress.py"}


def test_no_other_module_builds_a_tqdm_bar():
    """A new bar goes through progress_bar: a ``tqdm(..., disable=not progress)`` of its own would override
    ``TQDM_DISABLE`` again."""
    found = []
    for path in sorted((REPO / "weaksup").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel in OWN_TQDM or rel.startswith("weaksup/compat/snorkel/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tqdm":
                found.append(f"{rel}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "tqdm" for a in node.names):
                found.append(f"{rel}:{node.lineno}")
    assert not found, f"tqdm imported outside weaksup._progress (use progress_bar): {found}"
