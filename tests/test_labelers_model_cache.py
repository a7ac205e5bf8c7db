"""The dequantised-model cache (``models/`` under the cache root) is rebuilt when incomplete and says when it
cannot be written.  transformers' loaders are replaced by fakes that count GGUF dequantisations (the real one
takes ~50 s); the caches point at a tmp folder.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("WEAKSUP_CACHE", str(tmp_path / "ws-cache"))


class _FakeConfig:
    def __init__(self) -> None:
        self.quantization_config = {"gguf": True}


class _FakeModel:
    """Stands in for a transformers model: `from_pretrained` counts GGUF dequantisations."""

    dequantised = 0

    def __init__(self) -> None:
        self.config = _FakeConfig()
        self.hf_quantizer = "gguf"

    @classmethod
    def from_pretrained(cls, folder, gguf_file=None, **kwargs):
        if gguf_file is not None:
            cls.dequantised += 1
        elif not (Path(folder) / "config.json").exists():
            raise OSError(f"{folder} has no config.json")
        return cls()

    def save_pretrained(self, folder):
        (Path(folder) / "config.json").write_text("{}")
        (Path(folder) / "model.safetensors").write_bytes(b"w" * 100)


class _FakeTokenizer:
    @classmethod
    def from_pretrained(cls, folder, gguf_file=None, **kwargs):
        return cls()

    def save_pretrained(self, folder):
        (Path(folder) / "tokenizer.json").write_text("{}")


@pytest.fixture
def fake_transformers(monkeypatch):
    transformers = pytest.importorskip("transformers")
    monkeypatch.setattr(transformers, "AutoModelForCausalLM", _FakeModel)
    monkeypatch.setattr(transformers, "AutoTokenizer", _FakeTokenizer)
    monkeypatch.setattr(_FakeModel, "dequantised", 0)
    from weaksup.labelers.backends import hf

    monkeypatch.setattr(hf, "_UNWRITABLE_WARNED", set(), raising=False)
    return hf


def test_incomplete_model_cache_folder_is_rebuilt_once(fake_transformers, tmp_path):
    # Before: a folder without config.json was never replaced (os.replace: ENOTEMPTY, taken as "another
    # process won"), so every load dequantised again (~50 s) and nothing said why.
    hf = fake_transformers
    target = hf.model_cache_dir() / "Tiny"
    target.mkdir(parents=True)
    (target / "tokenizer.json").write_text("{}")  # an interrupted copy: no config.json
    for _ in range(3):
        hf._load_gguf_cached(tmp_path, "tiny.gguf", "Tiny")
    assert _FakeModel.dequantised == 1
    assert (target / "config.json").exists() and (target / "model.safetensors").exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["Tiny"], "no temporary or set-aside folder is left"


def test_complete_model_cache_written_by_another_process_is_kept(fake_transformers, tmp_path, monkeypatch):
    hf = fake_transformers
    target = hf.model_cache_dir() / "Tiny"
    real_install = hf._install

    def other_process_wins(tmp, tgt):
        tgt.mkdir(parents=True)
        (tgt / "config.json").write_text('{"winner": true}')
        real_install(tmp, tgt)

    monkeypatch.setattr(hf, "_install", other_process_wins)
    hf._load_gguf_cached(tmp_path, "tiny.gguf", "Tiny")
    assert (target / "config.json").read_text() == '{"winner": true}'
    assert sorted(p.name for p in target.parent.iterdir()) == ["Tiny"]


def test_unwritable_model_cache_warns_once_naming_the_folder(fake_transformers, tmp_path, monkeypatch):
    # Before: skipped silently, so every load paid the dequantisation with no hint why.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")  # mkdir fails for root too
    monkeypatch.setenv("WEAKSUP_CACHE", str(blocker))
    hf = fake_transformers
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            model, tok = hf._load_gguf_cached(tmp_path, "tiny.gguf", "Tiny")
    assert isinstance(model, _FakeModel) and _FakeModel.dequantised == 2
    msgs = [str(w.message) for w in caught if "model cache" in str(w.message)]
    assert len(msgs) == 1 and str(blocker / "models") in msgs[0] and "WEAKSUP_CACHE" in msgs[0], msgs
