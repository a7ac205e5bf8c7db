"""Shared fixtures.  WRENCH-backed tests skip (with the reason) only when the data is absent."""

from __future__ import annotations

import os
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
