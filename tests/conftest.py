"""Shared fixtures.  WRENCH-backed tests skip (with the reason) only when the data is absent."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parent.parent


def wrench_root() -> Path | None:
    env = os.environ.get("WEAKSUP_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "datasets" / "wrench")
    for c in candidates:
        if (c / "youtube" / "train.json").exists():
            return c
    return None


WRENCH = wrench_root()
needs_wrench = pytest.mark.skipif(
    WRENCH is None,
    reason="WRENCH data not found: set WEAKSUP_DATA to the folder holding WRENCH datasets "
    "(CI uses ../shared/datasets/wrench)",
)


@pytest.fixture(scope="session")
def wrench_dir() -> Path:
    if WRENCH is None:
        pytest.skip("WRENCH data not found: set WEAKSUP_DATA")
    return WRENCH


@pytest.fixture(scope="module")
def one_torch_thread():
    """snorkel's torch fits on one thread (a shared 2-core CI box: threads only add contention)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def pytest_collection_modifyitems(config, items):
    """One rule for the `wrench` marker: a test that reads the WRENCH data (the `wrench_dir` fixture or
    the `needs_wrench` mark) carries it, so `-m "not wrench"` selects exactly the tests that run without it."""
    for item in items:
        reads = "wrench_dir" in getattr(item, "fixturenames", ()) or any(
            m.kwargs.get("reason", "").startswith("WRENCH data not found") for m in item.iter_markers("skipif"))
        if reads and not item.get_closest_marker("wrench"):
            item.add_marker(pytest.mark.wrench)


# ---------------------------------------------------------------- skips that would hide breakage
def _extra_modules() -> frozenset[str]:
    """Top-level module names of every package the `test` extra installs (directly or through `all`)."""
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names, todo, seen = set(), ["test"], set()
    while todo:
        extra = todo.pop()
        seen.add(extra)
        for req in extras.get(extra, []):
            dist = re.match(r"[A-Za-z0-9_.-]+", req).group(0).lower()
            inner = re.search(r"\[(.*?)\]", req) if dist == "weaksup" else None
            if inner:
                todo += [e.strip() for e in inner.group(1).split(",") if e.strip() not in seen]
            else:
                names.add(dist.replace("-", "_"))
    return frozenset(names)


EXTRA_MODULES = _extra_modules()
_IMPORT_SKIP = re.compile(r"could not import '([\w.]+)'")


def _hidden_breakage(longrepr: object) -> str | None:
    """The reason when a skip came from importorskip of weaksup itself or of a test-extra package."""
    m = _IMPORT_SKIP.search(str(longrepr))
    if not m:
        return None
    top = m.group(1).split(".")[0]
    if top == "weaksup":
        return f"importorskip of the package's own module {m.group(1)!r} hides its breakage"
    if top in EXTRA_MODULES:
        return (f"{m.group(1)!r} is installed by the test extra (pip install -e '.[test]'), so failing to import "
                "it is a broken environment or a broken import, not a reason to skip")
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and call.excinfo is not None and (why := _hidden_breakage(call.excinfo.value)):
        rep.outcome, rep.longrepr = "failed", f"{why}: {call.excinfo.value}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and (why := _hidden_breakage(rep.longrepr)):
        rep.outcome, rep.longrepr = "failed", f"{why}: {rep.longrepr}"
