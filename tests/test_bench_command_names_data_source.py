"""The command a bench section records says where its data came from also when that was $WEAKSUP_DATA.

The section head of ``wrench-label-models`` reads ``WEAKSUP_DATA=... weaksup bench ...``; ``--write-docs`` wrote only
the argv, so regenerating the section dropped how the data was found.
"""

from __future__ import annotations

from weaksup.cli import main


def test_bench_section_command_carries_weaksup_data(wrench_dir, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WEAKSUP_DATA", str(wrench_dir))
    docs = tmp_path / "section.md"
    assert main(["bench", "--datasets", "youtube", "--label-models", "mv", "--seeds", "1", "--protocol", "wrench",
                 "--write-docs", str(docs), "--no-progress"]) == 0
    assert "Command: `WEAKSUP_DATA=/path/to/wrench weaksup bench --datasets youtube" in docs.read_text()
    capsys.readouterr()
