"""Deprecation warnings point at the user's line, so Python's default filters show them.

Python shows a DeprecationWarning by default only when it is attributed to ``__main__`` (the user's
script or notebook cell).  A warning attributed to a weaksup file (a wrong ``stacklevel``) is hidden:
the user never learns that the name goes away.  Each case runs a script with no ``-W`` flag and checks
that the warning is printed against the script's own line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

VOTES = "import numpy as np\nL = np.array([[0, 1], [1, 1], [0, -1]] * 5)\n"

CASES = {
    "deprecated module": ("import weaksup.labelmodel.flows\n", "the module 'weaksup.labelmodel.flows' is deprecated"),
    "deprecated package": ("import weaksup.labelmodel.universal\n",
                           "the package 'weaksup.labelmodel.universal' is deprecated"),
    "aliased submodule": ("import weaksup.labelmodel.universal\nimport weaksup.labelmodel.universal.spaces\n",
                          "module 'weaksup.labelmodel.universal.spaces' is deprecated"),
    "top-level labelers": ("import labelers\n", "the top-level package 'labelers' is deprecated"),
    "labelers submodule": ("from labelers.backends import Backend\n", "module 'labelers.backends' is deprecated"),
    "accuracy_source='dev'": (
        VOTES + "from weaksup.labelmodel import WeightedMajorityVote\n"
        "WeightedMajorityVote(accuracy_source='dev').fit(L, valid=(L, np.array([0, 1, 0] * 5)))\n",
        "WeightedMajorityVote(accuracy_source='dev') is deprecated"),
    "module __getattr__ two calls deep": ("from weaksup.bench.runner import LABEL_MODELS\n",
                                          "weaksup.bench.runner.LABEL_MODELS is deprecated"),
    # importlib/__init__.py is a frame warnings.warn counts: the warning was attributed to it, and hidden
    "importlib.import_module": ("import importlib\nimportlib.import_module('weaksup.labelmodel.flows')\n",
                                "the module 'weaksup.labelmodel.flows' is deprecated"),
    "importlib.import_module of an aliased submodule": (
        "import importlib\nimport weaksup.labelmodel.universal\n"
        "importlib.import_module('weaksup.labelmodel.universal.spaces')\n",
        "module 'weaksup.labelmodel.universal.spaces' is deprecated"),
    "importlib.reload": ("import importlib, warnings\nwith warnings.catch_warnings():\n"
                         "    warnings.simplefilter('ignore')\n    import weaksup.labelmodel.flows as f\n"
                         "importlib.reload(f)\n", "the module 'weaksup.labelmodel.flows' is deprecated"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_deprecation_warning_is_shown_by_default_against_the_users_line(tmp_path, case):
    code, message = CASES[case]
    script = tmp_path / "user_script.py"
    script.write_text(code)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}  # Python's default filters
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path,
                       timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    line = code.count("\n")  # the warning belongs to the script's last line
    assert f"{script}:{line}: DeprecationWarning: {message}" in p.stderr, p.stderr[-3000:]


def test_fit_warning_names_the_callers_file_in_process():
    from weaksup.labelmodel import WeightedMajorityVote

    L = np.array([[0, 1], [1, 1], [0, -1]] * 5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        WeightedMajorityVote(accuracy_source="dev").fit(L, valid=(L, np.array([0, 1, 0] * 5)))
    said = [w for w in caught if issubclass(w.category, DeprecationWarning) and "accuracy_source" in str(w.message)]
    assert len(said) == 1 and said[0].filename == __file__, [(w.filename, str(w.message)) for w in caught]


def test_explicit_stacklevel_keeps_its_meaning():
    from weaksup._deprecate import warn_deprecated

    def caller():
        warn_deprecated("old", "new", stacklevel=2)  # 2: the caller of warn_deprecated

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        caller()
    assert caught[0].filename == __file__ and caught[0].lineno == caller.__code__.co_firstlineno + 1
