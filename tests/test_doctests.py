"""Docstring examples are tests: every example in weaksup runs, and every public name has one.

Public names: the ``__all__`` of the packages a user imports (docs/api/index.md lists them). A
constant or exception class may be shown by an example in its module's docstring instead (the name
then appears in that module docstring's examples).

Examples run twice: with their module's globals (every example), and as in a fresh session, with
empty globals (the top-level names and the modules of FRESH_SESSION_MODULES): an example that uses a
name it does not import fails there, as it would for a reader who copies it.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import os
import pkgutil
import re

import pytest

import weaksup

PUBLIC_PACKAGES = [
    "weaksup", "weaksup.lf", "weaksup.apply", "weaksup.analysis", "weaksup.votes", "weaksup.labelmodel",
    "weaksup.flows", "weaksup.universal", "weaksup.sequence", "weaksup.endmodel", "weaksup.pipeline",
    "weaksup.metrics", "weaksup.data", "weaksup.bench", "weaksup.plots", "weaksup.labelers", "weaksup.lfgen",
    "weaksup.dask_votes", "weaksup.estimator_checks",
]

#: Deprecated shims (importing them warns); their targets are tested.
SHIMS = {"weaksup.labelmodel.flows", "weaksup.labelmodel.universal"}


def all_modules() -> list[str]:
    names = ["weaksup"]
    for info in pkgutil.walk_packages(weaksup.__path__, "weaksup."):
        if info.name in SHIMS or any(info.name.startswith(s + ".") for s in SHIMS):
            continue
        names.append(info.name)
    return sorted(names)


def _examples(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [t for t in finder.find(module, name) if t.examples]


@pytest.mark.slow
@pytest.mark.parametrize("module_name", all_modules())
def test_docstring_examples_run(module_name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures = []
    for test in _examples(module_name):
        result = runner.run(test, out=lambda s: failures.append(s))
    assert not failures, "".join(failures)[-6000:]


def public_names() -> list[tuple[str, str]]:
    out = []
    for pkg in PUBLIC_PACKAGES:
        module = importlib.import_module(pkg)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not inspect.ismodule(obj):
                out.append((pkg, name))
    return out


def has_example(pkg: str, name: str) -> bool:
    obj = getattr(importlib.import_module(pkg), name)
    doc = inspect.getdoc(obj) if (inspect.isclass(obj) or callable(obj)) else None
    if doc and ">>>" in doc:
        return True
    # constants, exceptions and aliases: shown in the docstring of the module that defines or exports them
    homes = {pkg, getattr(obj, "__module__", None) or pkg}
    for home in homes:
        mdoc = importlib.import_module(home).__doc__ or ""
        if any(name in line for line in mdoc.splitlines() if line.lstrip().startswith((">>>", "..."))):
            return True
    return False


#: Modules whose public examples (those of names without a leading ``_``) run as in a fresh session.
FRESH_SESSION_MODULES = [
    "weaksup._deprecate", "weaksup._lazy", "weaksup._persist", "weaksup._threads", "weaksup._validation",
    "weaksup.analysis", "weaksup.apply.applier", "weaksup.apply.engines.base", "weaksup.apply.errors",
    "weaksup.apply.kernel", "weaksup.bench.report", "weaksup.bench.runner", "weaksup.cli",
    "weaksup.compat.snorkel.analysis", "weaksup.compat.snorkel.analysis.error_analysis",
    "weaksup.compat.snorkel.analysis.metrics", "weaksup.compat.snorkel.analysis.scorer",
    "weaksup.compat.snorkel.augmentation", "weaksup.compat.snorkel.augmentation.apply.core",
    "weaksup.compat.snorkel.augmentation.apply.pandas", "weaksup.compat.snorkel.augmentation.policy.core",
    "weaksup.compat.snorkel.augmentation.policy.sampling", "weaksup.compat.snorkel.augmentation.tf",
    "weaksup.compat.snorkel.labeling.analysis", "weaksup.compat.snorkel.labeling.apply.core",
    "weaksup.compat.snorkel.labeling.apply.pandas", "weaksup.compat.snorkel.labeling.lf.core",
    "weaksup.compat.snorkel.labeling.model.baselines", "weaksup.compat.snorkel.labeling.model.label_model",
    "weaksup.compat.snorkel.labeling.utils", "weaksup.compat.snorkel.map.core",
    "weaksup.compat.snorkel.preprocess.core", "weaksup.compat.snorkel.slicing",
    "weaksup.compat.snorkel.slicing.apply.core", "weaksup.compat.snorkel.slicing.monitor",
    "weaksup.compat.snorkel.slicing.sf.core", "weaksup.compat.snorkel.synthetic.synthetic_data",
    "weaksup.compat.snorkel.utils.config_utils", "weaksup.compat.snorkel.utils.core", "weaksup.dask_votes",
    "weaksup.data._wrench_io", "weaksup.data.download", "weaksup.data.features", "weaksup.data.registry",
    "weaksup.data.wrench", "weaksup.data.wrench_sequence", "weaksup.demo", "weaksup.endmodel.base",
    "weaksup.endmodel.cosine", "weaksup.endmodel.linear", "weaksup.endmodel.mlp", "weaksup.endmodel.transformer",
    "weaksup.flows._nets", "weaksup.flows.bounds", "weaksup.flows.model", "weaksup.labelers.backends.base",
    "weaksup.labelers.backends.openai", "weaksup.labelers.cache", "weaksup.labelers.lf", "weaksup.labelers.propose",
    "weaksup.labelers.template", "weaksup.labelmodel", "weaksup.labelmodel._kernels", "weaksup.labelmodel._stats",
    "weaksup.labelmodel.abstain_ds", "weaksup.labelmodel.auto", "weaksup.labelmodel.base",
    "weaksup.labelmodel.dawid_skene", "weaksup.labelmodel.ebcc", "weaksup.labelmodel.hyper",
    "weaksup.labelmodel.matrix_completion", "weaksup.labelmodel.registry", "weaksup.labelmodel.triplet",
    "weaksup.labelmodel.voting", "weaksup.lf.core", "weaksup.lf.families", "weaksup.lf.fingerprint",
    "weaksup.lf.regex", "weaksup.lfgen.families", "weaksup.lfgen.generate", "weaksup.lfgen.source", "weaksup.metrics",
    "weaksup.plots.calibration", "weaksup.plots.training", "weaksup.sequence.endmodel", "weaksup.sequence.hmm",
    "weaksup.sequence.inference", "weaksup.sequence.labelmodel", "weaksup.sequence.lf", "weaksup.sequence.metrics",
    "weaksup.sequence.tags", "weaksup.sequence.votes", "weaksup.synthetic", "weaksup.universal.spaces",
    "weaksup.universal.spaces.finite", "weaksup.universal.spaces.hyperbolic", "weaksup.universal.spaces.ranking",
    "weaksup.universal.spaces.real", "weaksup.votes",
]

#: Top-level names whose examples still use their module's globals (the module is being fixed separately):
#: they run with those globals only (test_docstring_examples_run).  Remove a name once its examples import
#: what they use.
MODULE_GLOBALS_STILL = {
}

_PRIVATE = re.compile(r"^_[^_]")  # _helper, not __getitem__ (mkdocstrings renders dunders, not private names)


def _run_fresh(obj: object, name: str) -> list[str]:
    """Run the examples of ``obj`` (a module, class or function; its methods too) with empty globals.

    Private helpers (a ``_name`` anywhere in the example's dotted name) are left to
    test_docstring_examples_run: the reference pages do not show them.
    """
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    for test in doctest.DocTestFinder(exclude_empty=True).find(obj, name, globs={}):
        parts = test.name[len(name):].split(".")
        if test.examples and not any(_PRIVATE.match(p) for p in parts):
            runner.run(test, out=failures.append)
    return failures


def _fresh_message(failures: list[str]) -> str:
    text = "".join(failures)
    hint = (" (an example uses a name it does not import; add the import, e.g. `>>> from weaksup import "
            "keyword_lf`: a reader copying the example into a fresh session has only what it imports)"
            if "NameError" in text else "")
    return text[-6000:] + hint


def top_level_names() -> list[str]:
    return [name for name in weaksup.__all__ if not name.startswith("__")]


@pytest.mark.parametrize("name", top_level_names())
def test_top_level_examples_run_in_a_fresh_session(name: str, tmp_path, monkeypatch) -> None:
    if name in MODULE_GLOBALS_STILL:
        pytest.skip(f"{name}'s examples still read the globals of {MODULE_GLOBALS_STILL[name]}")
    monkeypatch.chdir(tmp_path)
    obj = getattr(weaksup, name)
    label = obj.__name__ if inspect.ismodule(obj) else f"weaksup.{name}"
    failures = _run_fresh(obj, label)
    assert not failures, _fresh_message(failures)


@pytest.mark.slow
@pytest.mark.parametrize("module_name", FRESH_SESSION_MODULES)
def test_module_examples_run_in_a_fresh_session(module_name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    failures = _run_fresh(importlib.import_module(module_name), module_name)
    assert not failures, _fresh_message(failures)


def test_fresh_session_catches_a_missing_import() -> None:
    """The fresh-session run fails an example that uses a name it does not import (the module run does not)."""
    import types

    module = types.ModuleType("weaksup_doctest_probe")
    module.__doc__ = ">>> keyword_lf('win', 1).name\n'keyword_win_1'\n"
    module.keyword_lf = weaksup.keyword_lf
    failures = _run_fresh(module, module.__name__)
    assert failures and "NameError: name 'keyword_lf' is not defined" in "".join(failures)
    module.__doc__ = ">>> from weaksup import keyword_lf\n" + module.__doc__
    assert not _run_fresh(module, module.__name__)


@pytest.mark.parametrize("pkg, name", public_names(), ids=lambda v: v)
def test_public_name_has_an_example(pkg: str, name: str) -> None:
    assert has_example(pkg, name), (
        f"{pkg}.{name} has no docstring example (add an Examples section with >>> lines, or, for a constant "
        f"or exception, use it in an example of its module docstring)")
