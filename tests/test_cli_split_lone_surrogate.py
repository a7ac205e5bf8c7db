"""`weaksup apply lfs.py split.json` on a WRENCH split whose text holds a lone UTF-16 surrogate (JSON "\\ud83d").

load_wrench names the file, example and field; the CLI's own split reader printed pandas' bare
"'utf-8' codec can't encode character" naming neither (review of d0d4328).
"""

from __future__ import annotations

import json
from pathlib import Path

from weaksup.cli import main

LFS = "from weaksup import keyword_lf\nsub = keyword_lf(['subscribe'], 1, name='sub')\n"


def test_apply_names_file_example_and_field_of_a_lone_surrogate(tmp_path: Path, capsys) -> None:
    (tmp_path / "lfs.py").write_text(LFS)
    rows = {str(i): {"label": 0, "weak_labels": [-1], "data": {"text": f"subscribe {i}"}} for i in range(4)}
    rows["2"]["data"]["text"] += " \ud83d"
    (tmp_path / "split.json").write_text(json.dumps(rows))  # ensure_ascii: the file holds the escape
    rc = main(["apply", str(tmp_path / "lfs.py"), str(tmp_path / "split.json"), "--out", str(tmp_path / "v.npz"),
               "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert f"{tmp_path / 'split.json'}: example '2', data field 'text'" in err and "lone UTF-16 surrogate" in err
    assert not (tmp_path / "v.npz").exists()
