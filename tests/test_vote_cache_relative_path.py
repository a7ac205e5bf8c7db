"""A VoteCache given a relative folder, then the working directory changes (a notebook's %cd).

``VoteCache("vc")`` kept the relative path, so after ``os.chdir`` new columns went to (and were looked up in)
another folder: every column was recomputed, and a ``vc`` folder appeared wherever the kernel had moved.
The folder is now made absolute when the cache is built, as ResponseCache does.
"""

from __future__ import annotations

import os

import pandas as pd

from weaksup import LFApplier, VoteCache, keyword_lf

DF = pd.DataFrame({"text": ["win cash", "see you"] * 50})
LFS = [keyword_lf("win", 1, name="win"), keyword_lf("see", 0, name="see")]


def test_relative_folder_stays_where_it_was_after_a_change_of_directory(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    cache = VoteCache("vc")
    assert cache.directory == tmp_path / "a" / "vc" and cache.directory.is_absolute()
    first = LFApplier(LFS, cache=cache, progress=False).apply(DF)
    assert len(list((tmp_path / "a" / "vc").glob("*.npz"))) == 2

    monkeypatch.chdir(tmp_path / "b")
    again = LFApplier(LFS, cache=cache, progress=False).apply(DF)
    assert again.report.recomputed == [] and (again.to_dense() == first.to_dense()).all()
    added = LFApplier(LFS + [keyword_lf("cash", 1, name="cash")], cache=cache, progress=False).apply(DF)
    assert added.report.recomputed == ["cash"]
    assert len(list((tmp_path / "a" / "vc").glob("*.npz"))) == 3  # the new column joined the others
    assert not (tmp_path / "b" / "vc").exists()

    # a fresh kernel (a new, empty in-memory cache) on the same folder, from anywhere: every column is read back
    fresh = VoteCache(tmp_path / "a" / "vc")
    back = LFApplier(LFS, cache=fresh, progress=False).apply(DF)
    assert back.report.recomputed == [] and fresh.hits == 2


def test_home_and_absolute_folders_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert VoteCache("~/votes").directory == tmp_path / "votes"
    assert VoteCache(tmp_path / "x").directory == tmp_path / "x"
    assert str(VoteCache(str(tmp_path / "y")).directory) == os.path.join(str(tmp_path), "y")
    assert VoteCache().directory is None
