"""Docstring examples are tests: every example in weaksup runs, and every public name has one.

Public names: the ``__all__`` of the packages a user imports (docs/api/index.md lists them). A
constant or exception class may be shown by an example in its module's docstring instead (the name
then appears in that module docstring's examples).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import os
import pkgutil

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


@pytest.mark.parametrize("pkg, name", public_names(), ids=lambda v: v)
def test_public_name_has_an_example(pkg: str, name: str) -> None:
    assert has_example(pkg, name), (
        f"{pkg}.{name} has no docstring example (add an Examples section with >>> lines, or, for a constant "
        f"or exception, use it in an example of its module docstring)")
