"""weaksup under ``python -O`` / ``-OO`` (``PYTHONOPTIMIZE``): -O strips ``assert`` statements, -OO also docstrings.

Each case runs a real optimized interpreter in a subprocess, on the weaksup this test imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import weaksup

ROOT = str(Path(weaksup.__file__).resolve().parent.parent)


def _run(flag: str, code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]),
           "MPLBACKEND": "Agg"}
    env.pop("PYTHONOPTIMIZE", None)
    cmd = [sys.executable, flag, *(["-c", textwrap.dedent(code)] if code else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def test_demo_help_under_OO():
    """``weaksup demo --help`` took its description from the module docstring: None under -OO, a crash."""
    out = _run("-OO", "", "-m", "weaksup.demo", "--help")
    assert out.returncode == 0, out.stderr
    assert "End-to-end weak supervision in under a minute" in out.stdout
    # the same text as the docstring's first line, where there is one
    import weaksup.demo as demo

    assert demo._DESCRIPTION == demo.__doc__.split("\n")[0]


def test_cli_demo_help_under_OO():
    out = _run("-OO", "", "-m", "weaksup.cli", "demo", "--help")
    assert out.returncode == 0, out.stderr
    assert "End-to-end weak supervision" in out.stdout


_PROMPTED = """
    import math
    from weaksup.labelers import Backend, prompted_lf
    from weaksup.lf import Row
    class KeywordBackend(Backend):
        kind, model = "keyword", "free-means-yes"
        def _score_batch(self, prompts, choices):
            p_yes = [0.9 if "free" in p.lower() else 0.2 for p in prompts]
            return [{"logprobs": [math.log(p if c == "yes" else 1 - p) for c in choices]} for p in p_yes]
    deco = prompted_lf(KeywordBackend(), ["yes", "no"], {"yes": "SPAM"}, label_names=["HAM", "SPAM"], cache=None,
                       calibrate=False)
    def returned():
        return "Is this YouTube comment spam?\\n{text}\\nAnswer yes or no."
    print("returned", deco(returned)(Row(text="free gift card")))
    try:
        @deco
        def llm_spam():
            "Is this YouTube comment spam?\\n{text}\\nAnswer yes or no."
        print("docstring", llm_spam(Row(text="free gift card")))
    except TypeError as exc:
        print("TypeError", exc)
"""


def test_prompted_lf_docstring_prompt_under_OO_says_why():
    """A docstring prompt under -OO is gone: the error says -OO stripped it and how to pass the template."""
    out = _run("-OO", _PROMPTED)
    assert out.returncode == 0, out.stderr
    assert "returned 1" in out.stdout  # a returned template works under -OO
    err = out.stdout.split("TypeError", 1)[1]
    assert "llm_spam" in err and "-OO" in err and "PYTHONOPTIMIZE=2" in err
    assert "return the template" in err and "PromptedLF(" in err


def test_prompted_lf_docstring_prompt_without_OO_unchanged():
    out = _run("-O", _PROMPTED)  # -O keeps docstrings
    assert out.returncode == 0, out.stderr
    assert "returned 1" in out.stdout and "docstring 1" in out.stdout


def test_prompted_lf_no_template_error_unchanged():
    """Without -OO, a function with neither docstring nor returned text keeps the old message (no -OO hint)."""
    import pytest

    from weaksup.labelers import Backend, prompted_lf

    class B(Backend):
        kind, model = "b", "b"

        def _score_batch(self, prompts, choices):  # pragma: no cover - never called
            return []

    with pytest.raises(TypeError, match="must have a docstring or return the template text") as info:
        prompted_lf(B(), ["yes", "no"], {"yes": 1}, label_names=["a", "b"], cache=None)(lambda: None)
    assert "-OO" not in str(info.value)


_BROKEN = """
    import sys
    from weaksup.labelmodel import MajorityVote
    from weaksup.estimator_checks import check_estimator, run_check
    class Broken(MajorityVote):
        def predict_proba(self, L):
            p = super().predict_proba(L)
            return p * 3.0 - 2.0 / p.shape[1]   # rows sum to 1, values outside [0, 1]
    class SetParamsNotSelf(MajorityVote):
        def set_params(self, **params):
            super().set_params(**params)
    for cls, check in [(Broken, None), (SetParamsNotSelf, "check_params_roundtrip")]:
        try:
            if check:
                run_check(cls, check)
            else:
                check_estimator(cls)
            print(cls.__name__, "passed")
        except AssertionError as exc:
            print(cls.__name__, "failed:", str(exc).splitlines()[0])
"""


def test_estimator_checks_fail_under_O():
    """The checks were bare ``assert`` statements, which -O strips: a broken model passed check_estimator."""
    for flag in ("-O",):  # -OO strips assert statements the same way
        out = _run(flag, _BROKEN)
        assert out.returncode == 0, out.stderr
        assert "Broken failed: Broken: check_probabilities failed: probabilities outside [0, 1]" in out.stdout, \
            (flag, out.stdout)
        assert "SetParamsNotSelf failed: set_params must return self" in out.stdout, (flag, out.stdout)


def test_estimator_checks_use_no_assert_statement():
    """No check relies on an ``assert`` statement (stripped by -O); np.testing.assert_* calls are fine."""
    import ast
    import inspect

    import weaksup.estimator_checks as ec

    asserts = [n.lineno for n in ast.walk(ast.parse(inspect.getsource(ec))) if isinstance(n, ast.Assert)]
    assert not asserts, f"weaksup/estimator_checks.py uses assert statements at lines {asserts}"


PARAM_MESSAGES = textwrap.dedent("""
    from weaksup._validation import _describe
    from weaksup.endmodel import MLP

    try:
        MLP(hidden_sizes=[0, -3]).fit([[0.0], [1.0]], [0, 1])
    except ValueError as err:
        print(err)

    def plain(value):
        "a positive number"
        return value > 0

    print(_describe(plain))
""")


def test_function_constraints_are_described_under_OO():
    # _describe read a function constraint's docstring, so under -OO the message said "must be None"
    for flag in ("-Wdefault", "-OO"):  # (a plain run needs some flag: _run passes it as an argument)
        cp = _run(flag, PARAM_MESSAGES)
        assert cp.returncode == 0, cp.stderr
        first, second = cp.stdout.strip().splitlines()
        assert "'hidden_sizes' must be a tuple or list of positive ints" in first, (flag, first)
        assert second == ("a positive number" if flag != "-OO" else "a value plain() accepts"), (flag, second)


def test_every_function_constraint_of_the_package_has_a_description():
    # python -OO strips docstrings: a plain-function constraint must carry its message in .description
    import importlib
    import pkgutil

    from weaksup._validation import declared_constraints

    missing = []
    for info in pkgutil.walk_packages(weaksup.__path__, "weaksup."):
        if ".compat." in info.name or info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, type) and obj.__module__ == info.name:
                for name, accepted in declared_constraints(obj).items():
                    missing += [f"{obj.__qualname__}.{name}" for c in accepted
                                if callable(c) and not isinstance(c, type) and not hasattr(c, "accepts")
                                and not getattr(c, "description", None)]
    assert not missing, missing
