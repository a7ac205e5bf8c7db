"""The documentation site (mkdocs + mkdocstrings) builds with warnings as errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_as_index() -> str:
    """docs/index.md is README.md with links made relative to docs/ (repository files become code spans)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8").replace("](docs/", "](")
    text = re.sub(r"\[([^\]]+)\]\(((?:weaksup|examples|benchmarks|tests|datasets)/[^)]*)\)", r"\1 (`\2`)", text)
    return ("<!-- generated from README.md by tests/test_docs_site.py::test_index_mirrors_readme; "
            "edit README.md -->\n" + text)


def test_index_mirrors_readme() -> None:
    index = ROOT / "docs" / "index.md"
    assert index.read_text(encoding="utf-8") == readme_as_index(), (
        "docs/index.md is stale: regenerate it with "
        "python -c 'import tests.test_docs_site as t; t.write_index()'")


def write_index() -> None:
    (ROOT / "docs" / "index.md").write_text(readme_as_index(), encoding="utf-8")


def test_every_docs_page_is_in_the_site_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    missing = [p for p in pages if f" {p}" not in nav]
    assert not missing, f"docs pages not in mkdocs.yml nav: {missing}"


@pytest.mark.slow
def test_site_builds_strict(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-8000:]
    assert (tmp_path / "site" / "api" / "labelmodel" / "index.html").stat().st_size > 10_000


def test_readme_names_every_benchmark_section() -> None:
    sections = set(re.findall(r"<!-- BEGIN ([a-z0-9-]+) -->", (ROOT / "docs" / "benchmarks.md").read_text()))
    results = (ROOT / "README.md").read_text().split("## Results", 1)[1].split("\n## ", 1)[0]
    assert sections and not {s for s in sections if f"`{s}`" not in results}


def test_benchmarks_status_table_has_every_section() -> None:
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    sections = set(re.findall(r"<!-- BEGIN ([a-z0-9-]+) -->", text))
    status = text.split("<!-- BEGIN-STATUS -->", 1)[1].split("<!-- END-STATUS -->", 1)[0]
    named = {cell for line in status.splitlines()[2:] for cell in re.findall(r"`([a-z0-9-]+)`", line.split(" | ")[0])}
    assert sections and sections == named
