"""``weaksup bench`` / ``run()`` with no datasets named: the lookup of :func:`load_wrench`, bundled copy included.

On a fresh install (no ``$WEAKSUP_DATA``, empty cache) ``available_datasets()`` used to answer ``[]``, so the
bench refused to run although ``load_wrench("youtube")`` reads the copy shipped in the package.
"""

from __future__ import annotations

import pytest

from weaksup.bench import available_datasets
from weaksup.bench.runner import no_dataset_found, run
from weaksup.cli import build_parser, main


@pytest.fixture
def fresh_install(tmp_path, monkeypatch):
    """No $WEAKSUP_DATA and an empty user cache: only the bundled youtube copy is on disk."""
    monkeypatch.delenv("WEAKSUP_DATA", raising=False)
    monkeypatch.setenv("WEAKSUP_CACHE", str(tmp_path / "cache"))
    return tmp_path


def test_default_lookup_includes_the_bundled_copy(fresh_install):
    assert available_datasets() == ["youtube"]
    # an explicit data_dir stays the only place looked in (load_wrench never falls back from it)
    (fresh_install / "root").mkdir()
    assert available_datasets(fresh_install / "root") == []


def test_run_without_datasets_benches_the_bundled_copy(fresh_install):
    df = run(None, ["mv"], seeds=1, progress=False)
    assert set(df["dataset"]) == {"youtube"}


def test_cli_without_any_set_names_the_option_as_spelled_on_the_command_line(fresh_install, monkeypatch, capsys):
    import weaksup.data.wrench as wrench

    monkeypatch.setattr(wrench, "bundled_dir", lambda name: None)  # an install without the package data
    assert available_datasets() == []
    assert main(["bench", "--label-models", "mv", "--seeds", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "pass --data-dir DIR or set WEAKSUP_DATA" in err and "data_dir=" not in err
    assert "Traceback" not in err
    assert "pass data_dir= or set WEAKSUP_DATA" in no_dataset_found(None)  # run()'s own spelling


def test_apply_help_names_the_bundled_copy():
    apply = build_parser()._subparsers._group_actions[0].choices["apply"]  # type: ignore[union-attr]
    data_dir = next(a for a in apply._actions if a.dest == "data_dir")
    assert "bundled copy" in data_dir.help
