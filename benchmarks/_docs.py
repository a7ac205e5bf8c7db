"""Repository tooling: write one named section of docs/benchmarks.md (not part of the installed package).

Each benchmark owns a section delimited by ``<!-- BEGIN name -->`` and
``<!-- END name -->`` (:func:`weaksup.bench.report.section_block`); rewriting
one section leaves the others untouched, so independent benchmark scripts can
share the file.  Writers take a file lock (``fcntl`` where it exists).

As a script it splices section files (such as the one ``weaksup bench
--write-docs PATH`` writes) into a docs file::

    weaksup bench --seeds 5 --protocol both --write-docs /tmp/wrench-section.md
    python benchmarks/_docs.py /tmp/wrench-section.md docs/benchmarks.md
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from weaksup.bench.report import section_block

__all__ = ["update_section", "splice_file", "main", "smoke_out", "DOCS", "SMOKE_ENV"]

REPO = Path(__file__).resolve().parent.parent
#: The published benchmark page.
DOCS = REPO / "docs" / "benchmarks.md"
#: Set by tests/test_benchmarks_smoke.py: a temp folder for smoke output; while it is set,
#: :func:`update_section` refuses to touch docs/benchmarks.md.
SMOKE_ENV = "WEAKSUP_BENCH_SMOKE_DIR"

_BLOCK = re.compile(r"<!-- BEGIN (?P<name>[\w.-]+) -->\n(?:## (?P<title>[^\n]*)\n\n)?(?P<body>.*?)\n<!-- END (?P=name) -->",
                    re.S)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no lock (repository tooling, one writer at a time there)
        yield
        return
    with open(path.with_name("." + path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` through a temp file and ``os.replace``: a run killed while writing
    leaves the previous file or none, never a half-written one."""
    import json
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def smoke_out(name: str = "benchmarks.md") -> Path:
    """Where a ``--smoke`` run writes: ``$WEAKSUP_BENCH_SMOKE_DIR/name`` or a fresh temp folder."""
    import tempfile

    base = os.environ.get(SMOKE_ENV) or tempfile.mkdtemp(prefix="weaksup-bench-smoke-")
    Path(base).mkdir(parents=True, exist_ok=True)
    return Path(base) / name


def update_section(path: str | os.PathLike[str], name: str, body: str, title: str | None = None) -> None:
    """Replace (or append) section ``name`` of the markdown file at ``path``."""
    path = Path(path)
    if os.environ.get(SMOKE_ENV) and path.resolve() == DOCS.resolve():
        raise RuntimeError(f"a smoke run ({SMOKE_ENV} is set) tried to write section {name!r} of {DOCS}; "
                           "--smoke output goes to benchmarks._docs.smoke_out()")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
        block = section_block(name, body, title)
        pattern = re.compile(rf"<!-- BEGIN {re.escape(name)} -->.*?<!-- END {re.escape(name)} -->", re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _: block, text)
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)


def splice_file(section_file: str | os.PathLike[str], docs: str | os.PathLike[str]) -> list[str]:
    """Write every ``BEGIN``/``END`` section found in ``section_file`` into ``docs``; returns their names."""
    text = Path(section_file).read_text(encoding="utf-8")
    names = []
    for m in _BLOCK.finditer(text):
        update_section(docs, m["name"], m["body"], m["title"])
        names.append(m["name"])
    if not names:
        raise ValueError(f"{section_file} holds no <!-- BEGIN name --> ... <!-- END name --> section")
    return names


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python benchmarks/_docs.py SECTION_FILE DOCS_FILE", file=sys.stderr)
        return 2
    for name in splice_file(args[0], args[1]):
        print(f"wrote section {name} of {args[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
