"""weaksup as a typed package: what type checkers, IDEs, ``dir()`` and ``help()`` see.

mypy is not a test dependency, so these tests check the pieces a type checker reads: the PEP 561
marker and its packaging, the ``if TYPE_CHECKING:`` imports of the lazily exported names (equal to
each package's lazy mapping), module ``__getattr__`` hidden from type checkers (else every misspelt
name is ``Any``), and the decorator overloads (``typing.get_overloads``).
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import tomllib
import typing
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path

import pytest

import weaksup

PACKAGE = Path(weaksup.__file__).resolve().parent  # the sources under test (the checkout's, when run from it)
REPO = PACKAGE.parent

#: every package ``__init__`` that exports names lazily through weaksup._lazy.attach
LAZY_PACKAGES = sorted(
    ".".join(path.parent.relative_to(REPO).parts)
    for path in PACKAGE.rglob("__init__.py") if "attach(" in path.read_text(encoding="utf-8"))


def _init(package: str) -> Path:
    return REPO.joinpath(*package.split("."), "__init__.py")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _is_not_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _is_type_checking(test.operand)


def test_the_lazy_packages_are_found():
    assert {"weaksup", "weaksup.labelmodel", "weaksup.endmodel", "weaksup.sequence", "weaksup.bench"} <= set(
        LAZY_PACKAGES)


def test_py_typed_marker_ships_in_the_package_data():
    """PEP 561: without weaksup/py.typed in the wheel, mypy and pyright skip weaksup's hints (everything is Any)."""
    assert (PACKAGE / "py.typed").is_file()
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["weaksup"]
    assert any(fnmatch("py.typed", pattern) for pattern in patterns), patterns
    assert any(fnmatch("weaksup", pattern) for pattern in config["tool"]["setuptools"]["packages"]["find"]["include"])


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_type_checking_imports_name_exactly_the_lazy_names(package):
    """The ``if TYPE_CHECKING:`` block gives type checkers each lazy name, imported from where ``_LAZY`` loads it."""
    mapping = importlib.import_module(package)._LAZY
    tree = ast.parse(_init(package).read_text(encoding="utf-8"))
    blocks = [node for node in tree.body if isinstance(node, ast.If) and _is_type_checking(node.test)]
    assert len(blocks) == 1, f"{package}: expected one top-level `if TYPE_CHECKING:` block of the lazy names"
    imported = {}
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom) and not node.level, ast.dump(node)
        for alias in node.names:
            name = alias.asname or alias.name
            # `from pkg import sub` for a lazily loaded submodule, `from module import name` otherwise
            imported[name] = f"{node.module}.{alias.name}" if mapping.get(name) == f"{node.module}.{alias.name}" \
                else node.module
    assert sorted(imported) == sorted(mapping), f"{package}: TYPE_CHECKING block and _LAZY differ"
    assert imported == dict(mapping)


@pytest.mark.parametrize("path", [*(str(_init(p).relative_to(REPO)) for p in LAZY_PACKAGES), "weaksup/metrics.py"])
def test_module_getattr_is_hidden_from_type_checkers(path):
    """A module-level ``__getattr__`` makes mypy accept any attribute (``from weaksup.metrics import acuracy``)."""
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))

    def defines_getattr(node: ast.stmt) -> bool:
        if isinstance(node, ast.FunctionDef):
            return node.name == "__getattr__"
        targets = node.targets if isinstance(node, ast.Assign) else []
        return any(isinstance(t, ast.Name) and t.id == "__getattr__" for t in targets) or any(
            isinstance(t, ast.Tuple) and any(isinstance(e, ast.Name) and e.id == "__getattr__" for e in t.elts)
            for t in targets)

    exposed = [node.lineno for node in tree.body if defines_getattr(node)]
    hidden = [node.lineno for node in tree.body if isinstance(node, ast.If) and _is_not_type_checking(node.test)
              and any(defines_getattr(child) for child in node.body)]
    assert not exposed, f"{path}: module __getattr__ at line(s) {exposed} outside `if not TYPE_CHECKING:`"
    assert hidden, f"{path}: no module __getattr__ under `if not TYPE_CHECKING:`"


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_dir_lists_the_lazy_names_without_loading_them(package):
    """``dir()`` (and so IPython completion and ``help()``) shows every exported name, loaded or not, and the
    submodules imported; not the ``__init__``'s helper globals (``attach``, ``TYPE_CHECKING``, ``annotations``,
    ``warn_deprecated``: the shared ``__dir__`` listed every global, and IPython completed them)."""
    code = (f"import json, sys, types, {package} as pkg\n"
            "before = set(sys.modules)\n"
            "names = dir(pkg)\n"
            "homes = {m for n, m in pkg._LAZY.items() if m != pkg.__name__ + '.' + n}\n"
            "subs = {n for n, v in vars(pkg).items() if isinstance(v, types.ModuleType) and not n.startswith('_')"
            " and v.__name__ == pkg.__name__ + '.' + n}\n"
            "public = {n for n in names if not n.startswith('_')}\n"
            "loaded = sorted(homes & (set(sys.modules) - before))\n"
            "print(json.dumps({'missing': sorted((set(pkg.__all__) | set(pkg._LAZY) | subs) - set(names)),"
            " 'sorted': names == sorted(names), 'helpers': sorted(public - set(pkg.__all__) - set(pkg._LAZY) - subs),"
            " 'unresolved': [n for n in names if not hasattr(pkg, n)],"
            " 'loaded': loaded}))\n")  # 'unresolved' loads them
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO, timeout=120).stdout.splitlines()[-1]
    assert json.loads(out) == {"missing": [], "sorted": True, "helpers": [], "unresolved": [], "loaded": []}, \
        f"{package}: {out}"


def test_dir_lists_imported_submodules_and_dunders_but_no_helpers():
    import weaksup.labelmodel
    import weaksup.labelmodel.base  # noqa: F401

    names = dir(weaksup.labelmodel)
    assert {"base", "__name__", "__path__", "__all__", "MajorityVote", "DawidSkene"} <= set(names)
    assert not {"attach", "TYPE_CHECKING", "annotations", "warn_deprecated", "warnings", "Any"} & set(names)
    assert "universal" not in dir(weaksup) or hasattr(weaksup, "universal")  # only names that resolve


def test_dir_and_import_keep_weaksup_light():
    """Listing the lazy packages loads none of the lazy modules, nor torch, dask or scikit-learn."""
    packages = ", ".join(LAZY_PACKAGES)
    code = (f"import sys, {packages}\n"
            f"for p in [{packages}]: dir(p)\n"
            "heavy = ('torch', 'dask', 'sklearn', 'matplotlib', 'weaksup.labelmodel.matrix_completion', "
            "'weaksup.endmodel.mlp', 'weaksup.bench.runner', 'weaksup.sequence.hmm')\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                         timeout=120).stdout.strip()
    assert out == "[]", out


def test_lazy_names_still_load_on_first_use():
    import weaksup
    import weaksup.endmodel
    import weaksup.labelmodel

    assert weaksup.MajorityVote.__name__ == "MajorityVote"
    assert weaksup.labelmodel.MatrixCompletion.__module__ == "weaksup.labelmodel.matrix_completion"
    assert weaksup.metrics.__name__ == "weaksup.metrics"
    with pytest.raises(AttributeError, match="has no attribute 'MajortyVote'"):
        weaksup.MajortyVote  # noqa: B018


@pytest.mark.parametrize(("name", "made"),
                         [("labeling_function", "LabelingFunction"), ("preprocessor", "Preprocessor")])
def test_decorator_overloads_type_the_bare_and_called_forms(name, made):
    """``@labeling_function`` and ``@labeling_function(...)`` (same for ``@preprocessor``) both type as the LF."""
    from weaksup.lf import core

    decorator, cls = getattr(core, name), getattr(core, made)
    overloads = typing.get_overloads(decorator)
    assert len(overloads) == 2, f"{name}: expected a bare and a called overload, got {overloads}"
    bare, called = (typing.get_type_hints(f, globalns=vars(core)) for f in overloads)
    assert bare["return"] is cls and typing.get_origin(bare["name"]) is Callable
    assert typing.get_origin(called["return"]) is Callable and typing.get_args(called["return"])[-1] is cls
    assert called["name"] == str | None

    def f(x):
        return x if made == "Preprocessor" else 1

    assert isinstance(decorator(f), cls) and decorator(f).name == "f"  # the bare form, at run time
    assert isinstance(decorator(name="g")(f), cls) and decorator(name="g")(f).name == "g"


def test_estimators_getattr_is_hidden_from_type_checkers():
    """``ParamsMixin.__getattr__`` (deprecated attribute names) made every attribute of every model ``Any`` to
    type checkers, so ``mv.cardinalty_`` passed mypy; it is defined under ``if not TYPE_CHECKING:``, and still
    serves the renamed attributes at run time."""
    tree = ast.parse((REPO / "weaksup" / "_params.py").read_text(encoding="utf-8"))
    mixin = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ParamsMixin")
    exposed = [n.lineno for n in mixin.body if isinstance(n, ast.FunctionDef) and n.name == "__getattr__"]
    hidden = [n.lineno for n in mixin.body if isinstance(n, ast.If) and _is_not_type_checking(n.test)
              and any(isinstance(c, ast.FunctionDef) and c.name == "__getattr__" for c in n.body)]
    assert not exposed and hidden, f"ParamsMixin.__getattr__ at line(s) {exposed} outside `if not TYPE_CHECKING:`"
    from weaksup._params import ParamsMixin

    assert "__getattr__" in vars(ParamsMixin)  # at run time it is there


def _return_hint(func: Callable[..., object]) -> object:
    """``func``'s return annotation, evaluated where it was written (``get_type_hints`` would also evaluate the
    parameters', some of which name ``TYPE_CHECKING``-only imports)."""
    import inspect

    func = inspect.unwrap(func)
    hint = func.__annotations__.get("return")
    return eval(hint, func.__globals__) if isinstance(hint, str) else hint  # noqa: S307


def test_fit_returns_self_typed_as_the_subclass():
    """``DawidSkene().fit(L).n_iter_`` and ``AutoLabelModel().fit(L).chosen_`` (README, docs) type-check: the base
    classes' ``fit`` / ``partial_fit`` return ``Self``, not the base class (``-> LabelModel`` made every fitted
    attribute of a subclass an attr-defined error once ``ParamsMixin.__getattr__`` was hidden from type checkers)."""
    from weaksup.endmodel.base import EndModel
    from weaksup.flows.base import FeatureLabelModel
    from weaksup.labelmodel.base import LabelModel
    from weaksup.universal.model import UniversalLabelModel

    for method in (LabelModel.fit, LabelModel.partial_fit, EndModel.fit, FeatureLabelModel.fit,
                   UniversalLabelModel.fit):
        assert typing.get_type_hints(method)["return"] is typing.Self, method.__qualname__


@pytest.mark.parametrize("package", ["weaksup.labelmodel", "weaksup.endmodel", "weaksup.flows", "weaksup.universal",
                                     "weaksup.sequence", "weaksup.pipeline", "weaksup.lfgen"])
def test_no_public_fit_is_typed_as_returning_a_class(package):
    """Every public estimator's ``fit`` / ``partial_fit`` returns ``Self`` or a ``TypeVar`` bound to self's type,
    never a class: not a proper base class, nor the very class it is defined on (``Cosine.fit -> Cosine`` typed
    ``MyCosine().fit(X, y)`` in a user's subclass as a ``Cosine``, without the subclass's attributes)."""
    module = importlib.import_module(package)
    checked = 0
    for name in module.__all__:
        try:
            cls = getattr(module, name)
        except ImportError:  # an optional dependency (torch) missing: nothing of it to check
            continue
        if not isinstance(cls, type):
            continue
        for method in ("fit", "partial_fit"):
            if not callable(getattr(cls, method, None)):
                continue
            hint = _return_hint(getattr(cls, method))
            if hint is None or hint is typing.Any or isinstance(hint, typing.TypeVar) or hint is typing.Self:
                checked += hint is not None
                continue
            assert not (isinstance(hint, type) and issubclass(cls, hint)), \
                f"{package}.{name}.{method} is typed as returning {hint.__name__}, not Self"
            checked += 1
    assert checked, f"{package}: no fit found"


def test_concrete_fits_return_self():
    """The leaves that annotated ``fit`` with their own class (a user's subclass got the leaf back)."""
    from weaksup.endmodel.cosine import Cosine
    from weaksup.flows.model import LabelLearningFlow
    from weaksup.lfgen.generate import LFGenerator
    from weaksup.pipeline import Pipeline
    from weaksup.sequence.endmodel import CRFTagger

    for cls in (Cosine, CRFTagger, LabelLearningFlow, Pipeline, LFGenerator):
        assert _return_hint(cls.fit) is typing.Self, cls.__qualname__


def test_lf_source_is_declared_on_every_lf():
    """``gen.lfs_[0].source`` (docs/lf_generation.md, examples/lfgen_youtube.py) type-checks: ``source`` is
    declared ``str | None`` on LabelingFunction (None unless weaksup.lfgen built the LF), and setting it changes
    neither the LF's fingerprint (the vote cache's key) nor how it pickles."""
    import pickle

    from weaksup import lf as lf_module
    from weaksup import lfgen
    from weaksup.lf.core import LabelingFunction

    assert typing.get_type_hints(LabelingFunction)["source"] == str | None
    plain = lf_module.keyword_lf(["free", "win"], 1, name="spammy")
    generated = lfgen.keyword_lf(["free", "win"], 1, name="spammy")
    assert plain.source is None and "source" not in vars(plain)
    assert generated.source == "keyword_lf(['free', 'win'], 1, name='spammy')"
    assert generated.fingerprint() == plain.fingerprint()
    lf = LabelingFunction("magnitude", abs)  # picklable (keyword_lf's function is a closure)
    before = lf.fingerprint()
    assert pickle.loads(pickle.dumps(lf)).source is None
    lf.source = "LabelingFunction('magnitude', abs)"
    assert lf.fingerprint() == before
    again = pickle.loads(pickle.dumps(lf))
    assert again.source == lf.source and again.fingerprint() == before
    hidden = [f"{path.name}:{i}" for path in (PACKAGE / "lfgen").glob("*.py")
              for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if ".source" in line and "type: ignore" in line]
    assert not hidden, f"a `.source` read or write still hides a type error: {hidden}"


def test_last_report_is_typed_as_the_report():
    """``assert applier.last_report.recomputed == [...]`` (README, docs/index.md) type-checks: ``last_report`` is
    an ``ApplyReport`` (it was ``ApplyReport | None``); read before any apply it raises a RuntimeError saying so
    (an AttributeError too, so ``getattr(applier, "last_report", None)`` is None as before), and an applier
    pickled while it was a plain attribute loads with its report."""
    import pickle

    import pandas as pd

    from weaksup.apply.applier import LFApplier
    from weaksup.apply.report import ApplyReport
    from weaksup.lf.core import LabelingFunction

    assert typing.get_type_hints(LFApplier.last_report.fget)["return"] is ApplyReport
    applier = LFApplier([LabelingFunction("magnitude", abs, batched=True)], progress=False)
    with pytest.raises(RuntimeError, match=r"LFApplier\.last_report: nothing applied yet; call \.apply\(data\)"):
        applier.last_report  # noqa: B018
    assert getattr(applier, "last_report", None) is None
    votes = applier.apply(pd.DataFrame({"x": [-1, 0]}))
    assert applier.last_report is votes.report and applier.last_report.recomputed == ["magnitude"]
    assert pickle.loads(pickle.dumps(applier)).last_report.recomputed == ["magnitude"]
    before = LFApplier([LabelingFunction("magnitude", abs, batched=True)], progress=False)
    for old in (applier, before):  # the layout an older weaksup pickled
        old.__dict__["last_report"] = old.__dict__.pop("_last_report")
        again = pickle.loads(pickle.dumps(old))
        assert "last_report" not in vars(again)
    assert again.__dict__["_last_report"] is None and getattr(again, "last_report", None) is None
    assert pickle.loads(pickle.dumps(applier)).last_report.recomputed == ["magnitude"]


def test_label_model_predictions_are_typed_by_the_votes():
    """``predict_proba`` / ``predict`` on Dask votes give lazy Dask arrays (docs/scaling.md calls ``.compute()``
    on them), numpy arrays otherwise: overloads on the votes' type say so (``predict_proba`` was typed
    ``np.ndarray`` for both, ``predict`` ``Any``), and ``return_probs=True`` gives a pair."""
    import numpy as np

    from weaksup.labelmodel.base import LabelModel
    from weaksup.labelmodel.voting import MajorityVote

    dask_votes = "DaskVotes | dask.array.Array"
    proba = [(o.__annotations__["votes"], o.__annotations__["return"])
             for o in typing.get_overloads(LabelModel.predict_proba)]
    assert proba == [(dask_votes, "dask.array.Array"), ("Any", "np.ndarray")]
    predict = [(o.__annotations__["votes"], o.__annotations__["return_probs"], o.__annotations__["return"])
               for o in typing.get_overloads(LabelModel.predict)]
    assert predict == [(dask_votes, "Literal[False]", "dask.array.Array"),
                       (dask_votes, "Literal[True]", "tuple[dask.array.Array, dask.array.Array]"),
                       ("Any", "Literal[False]", "np.ndarray"),
                       ("Any", "Literal[True]", "tuple[np.ndarray, np.ndarray]"),
                       ("Any", "bool", "Any")]
    L = np.array([[0, 1], [1, 1], [0, -1]])
    model = MajorityVote().fit(L)
    assert isinstance(model.predict_proba(L), np.ndarray) and isinstance(model.predict(L), np.ndarray)
    da = pytest.importorskip("dask.array")
    V = da.from_array(L, chunks=2)
    assert isinstance(model.predict_proba(V), da.Array) and isinstance(model.predict(V), da.Array)
    preds, probs = model.predict(V, return_probs=True)
    assert isinstance(preds, da.Array) and isinstance(probs, da.Array)
