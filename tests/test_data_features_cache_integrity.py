"""The MiniLM feature cache only saves time: an empty, truncated or damaged entry is recomputed, never served."""

from __future__ import annotations

import numpy as np
import pytest

import weaksup.data.features as f

TEXTS = ["free money now", "see you at lunch", "subscribe to my channel"]


@pytest.fixture
def fake_embed(monkeypatch):
    """A deterministic stand-in for the model, counting its calls."""
    calls = []

    def embed(texts, **kwargs):
        calls.append(len(texts))
        rng = np.random.default_rng(len(texts))
        x = rng.normal(size=(len(texts), f.MINILM_DIM)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    monkeypatch.setattr(f, "_embed_minilm", embed)
    monkeypatch.setattr(f, "_model_identity", lambda path: "fake-model")
    monkeypatch.setattr(f, "_minilm_path", lambda: "fake-path")
    return calls


def _entry(d):
    [path] = list(d.glob("minilm-*.npy"))
    return path


def test_zero_length_entry_is_recomputed_with_a_warning(tmp_path, fake_embed):
    """An empty entry (a crash before the data reached disk) raised a bare numpy EOFError."""
    X = f.text_features(TEXTS, cache_dir=tmp_path, progress=False)
    _entry(tmp_path).write_bytes(b"")
    with pytest.warns(UserWarning, match=r"feature cache entry .*minilm-.*unreadable.*EOFError.*recomputing"):
        Y = f.text_features(TEXTS, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(X, Y)
    assert fake_embed == [3, 3]
    np.testing.assert_array_equal(f.text_features(TEXTS, cache_dir=tmp_path, progress=False), X)  # rewritten
    assert fake_embed == [3, 3]


def test_damaged_entry_is_not_served(tmp_path, fake_embed):
    """Flipped data bytes under a valid header were served as the embeddings (values far from unit norm)."""
    X = f.text_features(TEXTS, cache_dir=tmp_path, progress=False)
    path = _entry(tmp_path)
    raw = bytearray(path.read_bytes())
    for i in range(200, len(raw), 97):  # the data region; the .npy header stays valid
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="do not match the checksum"):
        Y = f.text_features(TEXTS, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(X, Y)
    assert fake_embed == [3, 3]
    assert len(list(tmp_path.glob("minilm-*.npy"))) == 1  # the damaged entry was replaced


def test_truncated_entry_is_recomputed(tmp_path, fake_embed):
    X = f.text_features(TEXTS, cache_dir=tmp_path, progress=False)
    path = _entry(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.warns(UserWarning, match="unreadable"):
        np.testing.assert_array_equal(f.text_features(TEXTS, cache_dir=tmp_path, progress=False), X)


def test_valid_entry_is_a_cache_hit(tmp_path, fake_embed):
    X = f.text_features(TEXTS, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(f.text_features(TEXTS, cache_dir=tmp_path, progress=False), X)
    assert fake_embed == [3]



def test_a_writer_keeps_another_writers_valid_entry(tmp_path, fake_embed, monkeypatch):
    """Two processes embedding the same texts may differ in the last bits (another thread count), so their entries
    carry different digests; each writer used to delete every other entry of the key after saving its own, and two
    interleaved writers left none.  Only the damaged entries it read (and the old-format file) are removed now."""
    embed = f._embed_minilm
    theirs = []

    def embed_while_another_process_writes(texts, **kwargs):
        X = embed(texts, **kwargs)
        other = X.copy()
        other[0, 0] = np.nextafter(other[0, 0], np.float32(2))  # the other writer's array, one ulp apart
        theirs.append(other)
        return X

    monkeypatch.setattr(f, "_embed_minilm", embed_while_another_process_writes)
    real_save = f._atomic_save_npy

    def save_after_the_other(path, arr):
        other = theirs[-1]
        real_save(path.with_name(f"{path.name.rsplit('-', 1)[0]}-{f._digest(other)}.npy"), other)
        real_save(path, arr)

    monkeypatch.setattr(f, "_atomic_save_npy", save_after_the_other)
    X = f.text_features(TEXTS, cache_dir=tmp_path, progress=False)
    names = sorted(p.name for p in tmp_path.glob("minilm-*.npy"))
    assert len(names) == 2, names  # before: the other writer's valid entry was deleted
    assert any(p.endswith(f"-{f._digest(X)}.npy") for p in names)
