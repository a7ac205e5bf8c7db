"""Every ```python block of README.md and docs/*.md runs as written (issue 21, acceptance 1).

Each page's python blocks run in order in one namespace (a page reads like one session), in a temporary
working directory, on the WRENCH data CI has ($WEAKSUP_DATA; ``youtube`` also ships inside the package).
A block that must not run here is marked in the page, right above its fence, with the reason::

    <!-- docs-run: skip because ... -->

A block over ~10 s of work may be marked ``<!-- docs-run: slow -->``: it still runs (CI runs slow tests),
its page is marked slow. Listings that are not Python (signatures, shell sessions, output) use another
fence (```text, ```bash), which this test does not run.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# docs/index.md is README.md copied for the docs site (tests/test_docs_site.py keeps them equal): run once
PAGES = [REPO / "README.md", *sorted(p for p in (REPO / "docs").glob("*.md")
                                     if not p.read_text(encoding="utf-8").startswith("<!-- generated from README.md"))]
MARK = re.compile(r"<!--\s*docs-run:\s*(skip|slow)\b\s*(.*?)\s*-->")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)[^\n]*$")


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    mark: str | None = None  # "skip" or "slow"
    reason: str = ""


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a markdown page, with the docs-run mark of the line above each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3).lower()
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence[0] * len(fence))
                                      and lines[j].strip().strip(fence[0]) == ""):
            j += 1
        body = [ln[len(indent):] if ln.startswith(indent) else ln for ln in lines[i + 1:j]]
        prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        mk = MARK.search(prev)
        out.append(Block(path.name, i + 1, lang, "\n".join(body) + "\n",
                         mk.group(1) if mk else None, mk.group(2) if mk else ""))
        i = j + 1
    return out


def python_blocks(path: Path) -> list[Block]:
    return [b for b in blocks(path) if b.lang in ("python", "py", "python3")]


def _params():
    for p in PAGES:
        bl = python_blocks(p)
        if not bl:
            continue
        marks = [pytest.mark.slow] if any(b.mark == "slow" for b in bl) else []
        yield pytest.param(p, id=str(p.relative_to(REPO)), marks=marks)


@pytest.fixture
def docs_env(wrench_dir, tmp_path, monkeypatch):
    """WRENCH from $WEAKSUP_DATA, a scratch working directory, and a private user cache."""
    monkeypatch.setenv("WEAKSUP_DATA", str(wrench_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("page", list(_params()))
def test_page_runs(page, docs_env):
    ns: dict = {"__name__": f"docs_{page.stem}"}
    ran = 0
    for b in python_blocks(page):
        if b.mark == "skip":
            continue
        try:
            code = compile(b.code, f"{b.page}:{b.line}", "exec")
            exec(code, ns)  # noqa: S102 - the docs' own examples
        except BaseException as exc:  # noqa: BLE001 - report which block, then fail
            tb = "".join(traceback.format_exception(exc)[-6:])
            pytest.fail(f"{b.page} block at line {b.line} failed ({type(exc).__name__}: {exc})\n{tb}", pytrace=False)
        ran += 1
    assert ran > 0


def test_every_skip_mark_names_its_reason():
    for p in PAGES:
        for b in blocks(p):
            if b.mark == "skip":
                assert len(b.reason) >= 10, f"{p.name}:{b.line}: docs-run skip without a reason"
            if b.mark is not None:
                assert b.lang in ("python", "py", "python3"), f"{p.name}:{b.line}: docs-run mark on a {b.lang} fence"


def test_extractor_on_a_sample(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("x\n```python\na = 1\n```\n\n<!-- docs-run: skip needs a GPU server -->\n```python\nb\n```\n"
                    "```text\nnot run\n```\n  ```python\n  c = a + 1\n  ```\n")
    bl = blocks(page)
    assert [(b.lang, b.mark, b.line) for b in bl] == [("python", None, 2), ("python", "skip", 7), ("text", None, 10),
                                                      ("python", None, 13)]
    assert bl[1].reason == "needs a GPU server" and bl[3].code == "c = a + 1\n"
    assert os.path.basename(str(PAGES[0])) == "README.md"
