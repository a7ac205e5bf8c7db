"""Writing results into docs/benchmarks.md, one named section at a time.

Each benchmark owns a section delimited by ``<!-- BEGIN name -->`` and
``<!-- END name -->``; rewriting one section leaves the others untouched, so
independent benchmark scripts can share the file.
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

__all__ = ["update_section", "markdown_table"]


def update_section(path: str | os.PathLike[str], name: str, body: str, title: str | None = None) -> None:
    """Replace (or append) section ``name`` of the markdown file at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name("." + path.name + ".lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
        block = f"<!-- BEGIN {name} -->\n" + (f"## {title}\n\n" if title else "") + body.rstrip() + f"\n<!-- END {name} -->"
        pattern = re.compile(rf"<!-- BEGIN {re.escape(name)} -->.*?<!-- END {re.escape(name)} -->", re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _: block, text)
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
