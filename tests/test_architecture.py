"""The import graph of weaksup against the layers written in docs/architecture.md.

The graph is read with ``ast`` from the source (nothing is imported): module-level
and function-level ``import`` statements, plus the module paths that reach
``importlib`` as strings (values of dict literals such as the lazy maps
``_LAZY``, and constant arguments of ``import_module``, ``attach``,
``alias_module`` and the registry's ``ModelSpec``).  ``if TYPE_CHECKING:``
blocks are not imports.

* no circle among the ``import`` statements (module- and function-level; an
  import of the module's own parent package is not an edge: Python imports a
  package before its modules);
* no edge, of any kind, from a lower layer to a higher one;
* none of the forbidden edges listed in docs/architecture.md.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PKG = REPO / "weaksup"
DOC = REPO / "docs" / "architecture.md"
#: Calls whose constant string arguments are module paths handed to importlib.
LAZY_CALLS = {"import_module", "__import__", "alias_module", "attach", "ModelSpec", "find_spec"}
_MODULE_PATH = re.compile(r"^weaksup(\.[A-Za-z_]\w*)+$")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    kind: str  # "module" (import time), "function" (deferred import) or "lazy" (importlib string)

    def __str__(self) -> str:
        return f"{self.source}:{self.line} -> {self.target} ({self.kind})"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The module a dotted name lives in (``weaksup.labelmodel.DawidSkene`` -> ``weaksup.labelmodel``)."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in MODULES:
            return ".".join(parts)
        parts.pop()
    return None


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


class _Reader(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        self.module, self.is_package = module, is_package
        self.depth = 0  # > 0 inside a function body
        self.found: list[tuple[str, int, str]] = []

    def _kind(self) -> str:
        return "function" if self.depth else "module"

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_Lambda = visit_FunctionDef  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((alias.name, node.lineno, self._kind()))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.module.split(".")
            if not self.is_package:
                base = base[:-1]
            base = base[: len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            full = f"{source}.{alias.name}"
            self.found.append((full if full in MODULES else source, node.lineno, self._kind()))

    def _lazy(self, value: ast.AST) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and _MODULE_PATH.match(value.value):
            self.found.append((value.value, value.lineno, "lazy"))

    def visit_Dict(self, node: ast.Dict) -> None:
        for value in node.values:
            self._lazy(value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in LAZY_CALLS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                self._lazy(arg)
        self.generic_visit(node)


def import_graph() -> list[Edge]:
    edges = []
    for module, path in MODULES.items():
        reader = _Reader(module, path.name == "__init__.py")
        reader.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        for name, line, kind in reader.found:
            target = _resolve(name)
            if target is not None and target != module:
                edges.append(Edge(module, target, line, kind))
    return edges


EDGES = import_graph()


def _block(marker: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {marker} -->\s*```\n(.*?)```\s*<!-- /{marker} -->", text, re.S)
    assert m, f"docs/architecture.md has no <!-- {marker} --> block"
    return [line.split() for line in m.group(1).splitlines() if line.strip()]


def layers() -> dict[str, int]:
    out = {}
    for fields in _block("layers"):
        level = int(fields[0])
        for prefix in fields[1:]:
            assert prefix not in out, f"{prefix} is listed in two layers of docs/architecture.md"
            out[prefix] = level
    return out


LAYERS = layers()
FORBIDDEN = [(f[0], f[2]) for f in _block("forbidden")]


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int:
    best = max((p for p in LAYERS if _under(module, p)), key=len, default=None)
    if best is None:
        raise KeyError(module)
    return LAYERS[best]


# ------------------------------------------------------------------ the reader itself
def test_reader_sees_every_kind_of_edge():
    """The graph holds module-level, function-level and lazy-string edges (else the checks below are empty)."""
    kinds = {(e.source, e.target): e.kind for e in EDGES}
    assert kinds[("weaksup.pipeline", "weaksup.endmodel.base")] == "module"
    assert kinds[("weaksup.bench.runner", "weaksup.data.wrench")] == "function"
    assert kinds[("weaksup.endmodel", "weaksup.endmodel.mlp")] == "lazy"  # _LAZY map string
    assert kinds[("weaksup.labelmodel.registry", "weaksup.flows")] == "lazy"  # ModelSpec class path
    assert not any(e.source == "weaksup._validation" and e.target == "weaksup.votes" for e in EDGES), \
        "TYPE_CHECKING imports are not imports"


def test_every_module_has_a_layer():
    missing = [m for m in MODULES if not any(_under(m, p) for p in LAYERS)]
    assert not missing, f"modules without a layer in docs/architecture.md: {missing}"


# ------------------------------------------------------------------ the rules
def _statement_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for e in EDGES:
        if e.kind != "lazy" and not _under(e.source, e.target):  # a.b.c importing package a.b is not a circle
            graph[e.source].add(e.target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each a list of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_no_import_cycle():
    cycles = find_cycles(_statement_graph())
    detail = [sorted({str(e) for e in EDGES if e.kind != "lazy" and e.source in c and e.target in c}) for c in cycles]
    assert not cycles, f"import circles: {detail}"


def test_no_upward_import():
    bad = [str(e) for e in EDGES if layer_of(e.target) > layer_of(e.source)]
    assert not bad, "imports from a lower layer to a higher one (docs/architecture.md):\n" + "\n".join(bad)


def test_no_forbidden_import():
    bad = [f"{e}  [{src} ↛ {dst}]" for e in EDGES for src, dst in FORBIDDEN
           if _under(e.source, src) and _under(e.target, dst)]
    assert not bad, "forbidden imports (docs/architecture.md):\n" + "\n".join(bad)


def test_core_never_imports_labelers():
    bad = [str(e) for e in EDGES if _under(e.target, "weaksup.labelers") and not _under(e.source, "weaksup.labelers")
           and layer_of(e.source) < layer_of("weaksup.labelers")]
    assert not bad, bad


# ------------------------------------------------------------------ the checks can fail
def test_cycle_finder_and_layer_lookup_catch_defects():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
    assert layer_of("weaksup.metrics") < layer_of("weaksup.sequence.metrics")
    assert layer_of("weaksup.endmodel.mlp") == layer_of("weaksup.labelmodel")
    with pytest.raises(KeyError):
        layer_of("weaksup_other.x")


def test_reader_parses_lazy_and_relative_imports(tmp_path):
    src = ("from __future__ import annotations\n"
           "from typing import TYPE_CHECKING\n"
           "from . import metrics\n"
           "if TYPE_CHECKING:\n    from weaksup.bench import runner\n"
           "_LAZY = {'X': 'weaksup.sequence.hmm'}\n"
           "def f():\n    import weaksup.data.wrench\n")
    reader = _Reader("weaksup.votes", is_package=False)
    reader.visit(ast.parse(src))
    found = {(_resolve(n), k) for n, _, k in reader.found if _resolve(n)}
    assert found == {("weaksup.metrics", "module"), ("weaksup.sequence.hmm", "lazy"), ("weaksup.data.wrench", "function")}


def test_package_version_is_the_one_pyproject_declares():
    import tomllib

    import weaksup

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert weaksup.__version__ == declared
