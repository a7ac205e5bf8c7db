"""One root for every on-disk cache: ``$WEAKSUP_CACHE`` moves the WRENCH, feature, response and model caches.

Before, ``$WEAKSUP_CACHE`` moved only the prompted-LLM caches and ``$XDG_CACHE_HOME`` only the feature and WRENCH
caches, so a user escaping a small home quota with either still filled ``~/.cache``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weaksup._cache import cache_root
from weaksup.data import cache_dir
from weaksup.data.features import features_cache_dir
from weaksup.labelers.backends.hf import model_cache_dir
from weaksup.labelers.cache import default_cache_path


def _all_caches() -> dict[str, Path]:
    return {"wrench": cache_dir(), "features": features_cache_dir(), "labelers": default_cache_path().parent,
            "models": model_cache_dir()}


def test_weaksup_cache_moves_every_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WEAKSUP_CACHE", str(tmp_path / "ws"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "ws"
    assert _all_caches() == {name: tmp_path / "ws" / name for name in ("wrench", "features", "labelers", "models")}


def test_xdg_cache_home_moves_every_cache_when_weaksup_cache_is_unset(tmp_path, monkeypatch):
    monkeypatch.delenv("WEAKSUP_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "xdg" / "weaksup"
    assert _all_caches() == {name: root / name for name in ("wrench", "features", "labelers", "models")}


@pytest.mark.parametrize("empty", ["WEAKSUP_CACHE", "XDG_CACHE_HOME"])
def test_empty_variables_count_as_unset(tmp_path, monkeypatch, empty):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("WEAKSUP_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv(empty, "")
    assert cache_root() == tmp_path / ".cache" / "weaksup"
