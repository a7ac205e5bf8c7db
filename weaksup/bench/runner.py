"""The WRENCH benchmark runner behind ``weaksup bench`` and :func:`weaksup.bench.run`.

datasets × label models × (optional) end models × seeds → a tidy results
DataFrame (also written as CSV/JSON) and a markdown table of mean ± std, each
cell printed beside the published WRENCH number (``published.json``).

Protocols
---------
``"wrench"``
    WRENCH's: label models get the gold-labelled valid split as ``dev=`` (class
    balance from valid labels; models that select hyper-parameters or stop early
    do so on valid); end models early-stop / select on gold valid labels.
``"gold-free"``
    No gold label is read before the test split is scored: label models get no
    ``dev``; the class balance is estimated from the train votes (frequency of
    majority-vote winners on covered rows, +1 smoothing) and passed as
    ``class_balance``; end models get no ``valid`` (they run their full schedule).

Label models are scored on test and, transductively, on the train split they
were fitted on (wrench#27), and on valid.  Hard predictions use WRENCH's
tie-break (``tie_break="random"``: snorkel's deterministic sha1 rule).
End models are trained, as in WRENCH, on the train rows covered by at least one
LF, with the label model's soft labels (``soft_labels=True``, WRENCH's
underlined ``_u`` rows) or hard labels.

Every cell is "fit a label model (or a :class:`~weaksup.pipeline.Pipeline`),
call ``.score``": the runner does no thresholding and no label-model →
end-model hand-off of its own.  Models are named through the one model
registry (:mod:`weaksup.labelmodel.registry`): ``label`` models for the label
table, ``end`` models for the end-model rows.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from weaksup.bench.report import docs_section, published, published_config, results_table, summarize_skipped

__all__ = [
    "run",
    "PROTOCOLS",
    "published",
    "published_value",
    "results_table",
    "docs_section",
    "summarize_skipped",
    "available_datasets",
    "BenchInterrupted",
    "check_out_dir",
    "resolve_models",
    "trains_on_valid",
    "DEFAULT_END_MODEL_GRID",
]

PROTOCOLS = ("wrench", "gold-free")
#: Small end-model grids used by ``end_model_grid=True`` / ``weaksup bench --search``.
DEFAULT_END_MODEL_GRID: dict[str, dict[str, list[Any]]] = {
    "lr": {"C": [0.1, 1.0, 10.0, 100.0]},
    "mlp": {"lr": [1e-3, 3e-4], "weight_decay": [1e-4, 1e-2]},
}
DEFAULT_SEEDS = (0, 1, 2, 3, 4)
#: Registry family of each kind of model the bench runs.
_FAMILY = {"label": "label", "end": "end"}


# ------------------------------------------------------------------ lookups


def published_value(dataset: str, label_model: str, end_model: str | None = None,
                    soft: bool = True) -> float | None:
    """Published WRENCH test score (percent) for a cell, or None when there is none.

    Examples
    --------
    >>> from weaksup.bench import published_value
    >>> published_value("youtube", "MajorityVote")  # WRENCH's MV test accuracy, percent
    84.0
    >>> published_value("youtube", "NoSuchModel") is None
    True
    """
    pub = published()
    short = pub["name_map"].get(label_model, label_model)
    if end_model:
        row = f"{end_model.upper()} {short}{'_u' if soft else ''}"
        cell = pub["end_models"].get(row, {}).get(dataset)
    else:
        cell = pub["label_models"].get(short, {}).get(dataset)
    return None if cell is None or cell.get("uncertain") else float(cell["value"])


#: The files of a WRENCH folder that a bench run reads (``.xz``: the bundled copy).
_DATA_FILES = ("train.json", "valid.json", "test.json", "label.json", "labeled_ids.json")
#: Packages whose version a rerun needs (read from the installed metadata: nothing is imported).
_VERSIONED = ("numpy", "scipy", "pandas", "scikit-learn", "torch", "numba")
#: Environment variables that set the thread count of BLAS / OpenMP / torch.
_THREAD_ENV = ("WEAKSUP_TORCH_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def data_checksums(folder: str | os.PathLike[str]) -> dict[str, str]:
    """``{file name: sha256 hex}`` of the split files of a WRENCH folder (``train.json`` ... or their ``.xz``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from weaksup.bench.runner import data_checksums
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "label.json").write_text("{}")
    >>> data_checksums(d)
    {'label.json': '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'}
    """
    import hashlib

    out: dict[str, str] = {}
    folder = Path(folder)
    for name in _DATA_FILES:
        for cand in (folder / name, folder / f"{name}.xz"):
            if cand.is_file():
                h = hashlib.sha256()
                with open(cand, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                out[cand.name] = h.hexdigest()
    return out


def _versions() -> dict[str, str | None]:
    """Installed versions of the packages results depend on (None: not installed)."""
    from importlib import metadata

    out: dict[str, str | None] = {}
    for pkg in _VERSIONED:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def _git_state(timeout: float = 5.0) -> dict[str, Any] | None:
    """``{"commit", "dirty"}`` of the checkout weaksup is imported from, or None (not a checkout, no git)."""
    import subprocess

    pkg = Path(__file__).resolve().parents[1]  # the weaksup package (not imported: it is the top layer)

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(pkg), *args], capture_output=True, text=True, timeout=timeout,
                              check=True).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel"))
        if top.resolve() / "weaksup" != pkg:  # weaksup installed inside some other repository: not its commit
            return None
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def _threads(torch_threads: int) -> dict[str, Any]:
    """The thread settings: the end models' torch threads, the thread environment, the BLAS pools in use."""
    out: dict[str, Any] = {"torch": torch_threads, "env": {k: os.environ.get(k) for k in _THREAD_ENV}}
    try:
        from threadpoolctl import threadpool_info

        out["blas"] = [{k: d.get(k) for k in ("internal_api", "num_threads", "version")} for d in threadpool_info()]
    except Exception:  # threadpoolctl missing or unable to inspect: the env above is still recorded
        out["blas"] = None
    return out


def _short(spec: Any) -> str:
    """The bench's name for a model: label models by class name, end models by their first alias (``lr``)."""
    if spec.family == "end":
        return spec.aliases[0] if spec.aliases else spec.name.lower()
    return spec.name


#: What ``label_models=`` / ``end_models=`` entries may be (said by every error about one).
_ACCEPTED = ("a registered name or alias (str; weaksup.labelmodel.registry.register adds one's own), a model "
             "class, a model instance (its constructor parameters are the cell's), or a (name, class or "
             "instance) pair")


def _given_params(model: Any) -> dict[str, Any]:
    """The constructor parameters of estimator instance ``model`` that differ from the class defaults."""
    import inspect

    try:
        params = model.get_params(deep=False)
        sig = inspect.signature(type(model)).parameters
    except (AttributeError, TypeError, ValueError):
        return {}
    out = {}
    for k, v in params.items():
        default = sig[k].default if k in sig else inspect.Parameter.empty
        try:
            same = v is default or bool(v == default)
        except Exception:  # arrays and the like: compared by identity only
            same = False
        if not same:
            out[k] = v
    return out


def _model_entry(kind: str, item: Any) -> tuple[str, Any, type | None, dict[str, Any]]:
    """``(bench name, registry spec or None, class or None (not importable), params)`` of one ``kind`` entry.

    A str is looked up in the registry; a class, an instance or a ``(name, class or instance)`` pair is run
    as given (a class the registry holds keeps its registered bench name).  An instance's parameters that
    differ from its class's defaults become the entry's parameters.
    """
    from weaksup.labelmodel import registry

    family = _FAMILY[kind]
    known = registry.model_names(family)
    if isinstance(item, str):
        try:
            spec = registry.spec(item)
        except KeyError:
            raise ValueError(f"unknown {kind} model {item!r}; choose from {known} "
                             f"(or their aliases: {_aliases(registry.specs(family))}), or pass the model itself: "
                             f"{_ACCEPTED}") from None
        if spec.family != family or spec.task != "classification":
            raise ValueError(f"{spec.name} is a {spec.family} model ({spec.task}); weaksup bench runs "
                             f"classification {kind} models: {known}")
        return _short(spec), spec, None, {}
    name: str | None = None
    model = item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        name, model = item
    cls = model if isinstance(model, type) else type(model)
    params = {} if isinstance(model, type) else _given_params(model)
    if kind == "label":
        from weaksup.labelmodel.base import LabelModel

        ok = issubclass(cls, LabelModel)
    else:
        from weaksup.labelmodel.base import LabelModel

        ok = (callable(getattr(cls, "fit", None)) and callable(getattr(cls, "predict_proba", None))
              and not issubclass(cls, LabelModel))
    if not ok or isinstance(model, (str, bytes, tuple, list, dict)):
        want = ("a weaksup.labelmodel.LabelModel subclass" if kind == "label"
                else "an end model class with fit(X, y) and predict_proba(X), not a label model (pass those "
                     "as label_models)")
        article = "an" if kind == "end" else "a"
        raise ValueError(f"{kind}_models: {item!r} is not {article} {kind} model: an entry is {_ACCEPTED}; a model "
                         f"given as a class or instance must be {want}")
    spec = registry.spec_of(cls)
    if spec is not None and spec.family != family:
        spec = None
    if name is None:
        name = _short(spec) if spec is not None else cls.__name__
    try:
        other = registry.spec(name)
    except KeyError:
        other = None
    if other is not None and other is not spec:  # a published number or a registered model's params must not
        raise ValueError(f"{kind}_models: the name {name!r} of {cls.__module__}.{cls.__qualname__} is a "  # apply
                         f"registered model's ({other.name}); pass ({name!r}-free) a pair such as "
                         f"('My{cls.__name__}', model) to name it")
    return name, spec, cls, params


def _one_model(models: Any) -> bool:
    """Whether ``label_models=`` / ``end_models=`` is one entry rather than a list of them."""
    return models is not None and (isinstance(models, (str, type)) or hasattr(models, "fit"))


def _resolve(kind: str, names: Sequence[Any] | None
             ) -> tuple[list[tuple[str, type]], list[dict[str, str]], dict[str, dict[str, Any]], set[str]]:
    """``([(bench name, class)], skipped, {bench name: instance params}, own)`` for ``kind`` ``"label"`` or
    ``"end"``; ``own``: the bench names of models the registry does not hold (never given a published number).

    ``names=None`` takes the registry's bench defaults of the family.  An entry is a registered name or
    alias, a class, an instance or a ``(name, model)`` pair (:func:`_model_entry`).  An unknown name, a model
    of another family or anything else is a ``ValueError``; a registered model whose optional dependency is
    missing is skipped (with a warning).
    """
    from weaksup.labelmodel import registry

    family = _FAMILY[kind]
    if names is None:
        names = registry.model_names(family, bench_only=True)
    out: list[tuple[str, type]] = []
    skipped: list[dict[str, str]] = []
    given: dict[str, dict[str, Any]] = {}
    own: set[str] = set()
    for item in names:
        name, spec, cls, params = _model_entry(kind, item)
        if spec is None:
            own.add(name)
        if not isinstance(item, str) and (name in given or name in [n for n, _ in out]):
            raise ValueError(f"{kind}_models: two entries are named {name!r}; name them apart with "
                             f"(name, model) pairs")
        if cls is None:
            try:
                cls = spec.load()
            except ImportError as exc:
                why = f"{type(exc).__name__}: {exc}"
                warnings.warn(f"weaksup bench: skipping {kind} model {spec.name}: not importable ({why})",
                              stacklevel=3)
                skipped.append({"what": f"{kind} model {spec.name}", "why": f"not importable: {why}"})
                continue
        if params:
            given[name] = params
        out.append((name, cls))
    return out, skipped, given, own


def _requested(kind: str, names: Sequence[Any] | None) -> list[str]:
    """Bench names of the ``kind`` models asked for (those skipped as not importable too); names already checked."""
    from weaksup.labelmodel import registry

    if names is None:
        names = registry.model_names(_FAMILY[kind], bench_only=True)
    return [_model_entry(kind, n)[0] for n in names]


def _by_model(kind: str, what: str, mapping: Mapping[str, Any] | None, requested: Sequence[str],
              grid: bool = False) -> dict[str, dict[str, Any]]:
    """``mapping`` re-keyed by bench name; a key naming no selected ``kind`` model is a ``ValueError``.

    Keys may be any registered name or alias (``"ds"``, ``"DawidSkene"``; ``"lr"``,
    ``"LogisticRegression"``); before, a key other than the bench's own spelling was
    silently ignored and the defaults ran.  ``grid``: every value is a non-empty
    list of candidate values.
    """
    from weaksup.labelmodel import registry

    out: dict[str, dict[str, Any]] = {}
    if mapping is None:
        return out
    if not isinstance(mapping, Mapping):
        raise ValueError(f"{what} must be a dict {{model: {{parameter: value}}}}, got {type(mapping).__name__}")
    for key, params in mapping.items():
        if isinstance(key, str) and key in requested and key not in out:  # the bench name itself (also of a
            try:                                                           # model given as a class / instance)
                spec = registry.spec(key)
            except KeyError:
                spec = None
            if spec is None or _short(spec) != key:
                if not isinstance(params, Mapping):
                    raise ValueError(f"{what}[{key!r}] must be a dict {{parameter: value}}, got "
                                     f"{type(params).__name__}")
                _check_grid(what, key, params, grid)
                out[key] = {p: (list(v) if grid else v) for p, v in params.items()}
                continue
        try:
            spec = registry.spec(key)
        except (KeyError, AttributeError):
            raise ValueError(f"{what}: key {key!r} names no registered model; the {kind} models selected are "
                             f"{list(requested)}") from None
        name = _short(spec)
        if spec.family != _FAMILY[kind] or name not in requested:
            other = f"{spec.name} is a {spec.family} model" if spec.family != _FAMILY[kind] else \
                f"{spec.name} is not among them"
            raise ValueError(f"{what}: key {key!r} names no selected {kind} model ({other}); the {kind} models "
                             f"selected are {list(requested)}")
        if name in out:
            raise ValueError(f"{what}: two keys name {spec.name} (one of them {key!r}); give each model once")
        if not isinstance(params, Mapping):
            raise ValueError(f"{what}[{key!r}] must be a dict {{parameter: value}}, got {type(params).__name__}")
        _check_grid(what, key, params, grid)
        out[name] = {p: (list(v) if grid else v) for p, v in params.items()}
    return out


def _check_grid(what: str, key: str, params: Mapping[str, Any], grid: bool) -> None:
    """With ``grid``, every value of ``params`` is a non-empty list of candidate values (else a ValueError)."""
    if grid:
        for p, values in params.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
                raise ValueError(f"{what}[{key!r}][{p!r}] must be a non-empty list of values to try, "
                                 f"got {values!r}")


def _aliases(specs: Sequence[Any]) -> str:
    return ", ".join(a for s in specs for a in s.aliases)


def resolve_models(kind: str, names: Sequence[str] | str | None = None) -> list[tuple[str, type]]:
    """Bench names and classes of ``kind`` (``"label"`` or ``"end"``) models; errors on unknown names.

    Examples
    --------
    >>> from weaksup.bench import resolve_models
    >>> [n for n, _ in resolve_models("label", ["mv", "ds"])]
    ['MajorityVote', 'DawidSkene']
    """
    if kind not in _FAMILY:
        raise ValueError(f"kind must be one of {tuple(_FAMILY)}, got {kind!r}")
    return _resolve(kind, [names] if _one_model(names) else names)[0]


def available_datasets(data_dir: str | os.PathLike[str] | None = None, task: str = "classification") -> list[str]:
    """Registered WRENCH tasks of ``task`` type found on disk (lookup order of :func:`load_wrench`).

    Without ``data_dir`` that is ``$WEAKSUP_DATA``, the user cache, then the copy bundled with the
    package (``youtube``), so a fresh install benches that one; an explicit ``data_dir`` is the only
    place looked in.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from weaksup.bench import available_datasets
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "sms").mkdir()
    >>> "sms" in available_datasets(root), "not-a-task" in available_datasets(root)
    (True, False)
    """
    from weaksup.data.registry import tasks
    from weaksup.data.wrench import bundled_dir, find_wrench_dir

    def found(name: str) -> bool:  # load_wrench falls back to the bundled copy only without data_dir
        return find_wrench_dir(name, data_dir) is not None or (data_dir is None and bundled_dir(name) is not None)

    return [n for n, t in tasks().items() if t["task"] == task and found(n)]


# ------------------------------------------------------------------ running


@dataclass
class _Ctx:
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def attempt(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run one cell; on failure warn, record it as skipped and return None (other cells go on)."""
        try:
            return fn()
        except Exception as exc:  # a model failing on one cell must not stop the bench
            msg = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"weaksup bench: {what} failed: {msg}", stacklevel=3)
            self.skipped.append({"what": what, "why": msg, "traceback": traceback.format_exc(limit=3)})
            return None


def _gold_free_balance(L: Any, k: int) -> Any:
    from weaksup.labelmodel.base import resolve_class_balance

    return resolve_class_balance(None, None, L, k, "votes")


def _features(ds: Any, kind: str, cache: dict[tuple[str, str], Any], progress: bool) -> Any:
    key = (ds.name, kind)
    if key not in cache:
        from weaksup.data.features import wrench_features

        cache[key] = wrench_features(ds, kind, progress=progress)
    return cache[key]


def _feature_problem(ds: Any, kind: str) -> str | None:
    """Why ``ds`` cannot get ``kind`` end-model features, or None; cheap (texts only, no embedding).

    Checked for every dataset before the first run, so a set late in the list that
    cannot be featurised (labels-only, WRENCH's numeric feature-vector sets, a
    relation kind on a plain text set, an example whose text cannot be built) has
    its end models skipped with the reason instead of stopping the bench there.
    """
    from weaksup.data.features import _entity_spans, example_text, relation_text, resolve_feature_kind, split_texts

    if ds.labels_only:
        return "labels-only dataset: no text features"
    try:
        parts = resolve_feature_kind(kind, ds.name).split("+")
    except ValueError as exc:
        return str(exc)
    fields = sorted({c for sp in ds.splits.values() for c in sp.data.columns})
    if "text" not in fields:
        return (f"its examples hold no text (data fields {fields}; WRENCH's numeric sets hold feature vectors), "
                f"so there are no {kind!r} features for end models")
    for part in parts:
        for split in ds.splits:
            try:
                if part == "minilm_entity":
                    _entity_spans(ds, split)
                else:
                    split_texts(ds, split, relation_text if part == "tfidf_relation" else example_text)
            except ValueError as exc:
                return f"no {part!r} features: {exc}"
    return None


def _grid(grid: Mapping[str, Sequence[Any]] | None) -> list[dict[str, Any]]:
    if not grid:
        return [{}]
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(list(grid[k]) for k in keys))]


def _best(candidates: list[dict[str, Any]], fit: Callable[[dict[str, Any]], Any],
          valid_score: Callable[[Any], float]) -> tuple[Any, dict[str, Any]]:
    """Fit every candidate setting; keep the one with the best ``valid_score`` (first wins a tie)."""
    best: tuple[float, Any, dict[str, Any]] | None = None
    for cand in candidates:
        model = fit(cand)
        if len(candidates) == 1:
            return model, dict(cand)
        val = valid_score(model)
        if best is None or val > best[0]:
            best = (val, model, dict(cand))
    assert best is not None
    return best[1], best[2]


def _with_defaults(cls: type, params: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` the constructor takes (and ``params`` do not set), then ``params``."""
    from weaksup._params import accepts_param

    return {**{k: v for k, v in defaults.items() if accepts_param(cls, k)}, **params}


def _timed(fn: Callable[..., tuple[Any, dict[str, Any]]], *args: Any) -> tuple[Any, dict[str, Any], float]:
    t0 = time.perf_counter()
    model, chosen = fn(*args)
    return model, chosen, time.perf_counter() - t0


def _params_json(params: Mapping[str, Any]) -> str:
    """The ``params`` column: the settings a cell ran with (given params and the grid's choice), as JSON."""
    return json.dumps(_json_safe(dict(params)))


def trains_on_valid(model: Any) -> str:
    """Why ``model``, fitted with ``valid=(votes, gold labels)``, *trains* on those labels; ``""`` when it does not.

    Using valid labels for the class balance, for selection or for early stopping
    is WRENCH's protocol; fitting to them (semi-supervised) is not, and such a
    cell is not comparable with WRENCH's published, unsupervised numbers.  Read
    from the model's settings (defaults included): ``use_valid_labels=True``
    (``DawidSkene``'s default: the valid rows enter its EM with their labels),
    ``accuracy_source="valid"`` (``WeightedMajorityVote``'s LF accuracies from
    them), and :class:`~weaksup.labelmodel.AutoLabelModel` candidates that
    train on them (``trains_on_valid``, or such settings).

    A model of one's own declares it with a class attribute
    ``trains_on_valid_labels``: ``False`` (it may read ``dev`` only to select,
    stop early or set the class balance), ``True``, or a str saying how it
    trains on them (read as True and shown as the reason).  Declare it on the
    class, not on an instance: the bench builds each cell's model afresh from
    the class and its parameters, so an instance attribute does not reach the
    cell.  A model not built
    into weaksup that declares nothing gets the valid labels all the same (as
    ``dev``), so the answer is :data:`UNKNOWN_VALID_USE` and the reason: such a
    cell is marked and gets no published number, as a semi-supervised one.

    Examples
    --------
    >>> from weaksup.labelmodel import DawidSkene, MajorityVote, WeightedMajorityVote
    >>> from weaksup.bench.runner import trains_on_valid
    >>> trains_on_valid(MajorityVote()), trains_on_valid(DawidSkene(use_valid_labels=False))
    ('', '')
    >>> trains_on_valid(WeightedMajorityVote(accuracy_source="valid"))
    "accuracy_source='valid': LF accuracies from the valid labels"
    >>> class MyVote(MajorityVote):
    ...     trains_on_valid_labels = "LF weights from the valid labels"
    >>> trains_on_valid(MyVote())
    'declared: LF weights from the valid labels'
    """
    declared = getattr(model, "trains_on_valid_labels", None)
    if declared is not None and type(model).__name__ != "AutoLabelModel":
        if isinstance(declared, str):
            return f"declared: {declared}" if declared else ""
        return f"declared: {type(model).__name__}.trains_on_valid_labels = True" if declared else ""
    if getattr(model, "use_valid_labels", False) is True:
        return "use_valid_labels=True: the valid rows enter its EM with their gold labels"
    source = getattr(model, "accuracy_source", None)
    if source in ("valid", "dev") and getattr(model, "weights", "accuracy") == "accuracy":
        return f"accuracy_source={source!r}: LF accuracies from the valid labels"
    if type(model).__name__ == "AutoLabelModel":
        from weaksup.labelmodel import registry

        # as AutoLabelModel reads them: a bare name, an AutoCandidate or a class becomes (label, registered
        # name, params, flag)
        cands = model._candidates(None)
        semi = []
        for label, cls_name, params, flagged in cands:
            params = dict(params)
            if params.pop("_ignore_valid", False) or params.pop("_ignore_dev", False):
                continue  # fitted without the valid set
            if flagged or trains_on_valid(registry.get_model(cls_name)(**params)):
                semi.append(label)
        if semi:
            return f"candidates {', '.join(semi)} train on the valid labels"
    if not type(model).__module__.startswith("weaksup."):
        return (f"{UNKNOWN_VALID_USE}: {type(model).__name__} ({type(model).__module__}) is not built into weaksup "
                "and does not declare trains_on_valid_labels, so whether it trains on the gold valid labels it "
                "gets cannot be told")
    return ""


#: How :func:`trains_on_valid` begins its answer for a model that may train on the valid labels.
UNKNOWN_VALID_USE = "unknown"


def _fit_label_model(ds: Any, cls: type, params: Mapping[str, Any], grid: Mapping[str, Sequence[Any]] | None,
                     protocol: str, seed: int, tie_break: str) -> tuple[Any, dict[str, Any]]:
    """One label-model cell: fit (under ``wrench``, the best of ``grid`` on gold valid labels)."""
    if protocol == "wrench":
        fit_kw: dict[str, Any] = {"valid": (ds.valid.votes, ds.valid.labels)}
    else:
        fit_kw = {"class_balance": _gold_free_balance(ds.train.votes, ds.cardinality)}

    def fit(cand: dict[str, Any]) -> Any:
        model = cls(**_with_defaults(cls, {**params, **cand}, {"metric": ds.metric}))
        return model.fit(ds.train.votes, seed=seed, **fit_kw)

    return _best(_grid(grid), fit, lambda m: m.score(ds.valid.votes, ds.valid.labels, metric=ds.metric,
                                                       tie_break=tie_break))


def _fit_pipeline(ds: Any, X: Mapping[str, Any], label_model: Any, cls: type, params: Mapping[str, Any],
                  grid: Mapping[str, Sequence[Any]] | None, protocol: str, seed: int, tie_break: str,
                  soft: bool) -> tuple[Any, dict[str, Any]]:
    """One end-model cell: a :class:`~weaksup.pipeline.Pipeline` on the fitted label model's train labels.

    ``grid`` values are chosen on valid: gold labels under ``wrench`` (which also
    early-stops on them), the label model's own valid predictions under ``gold-free``.
    """
    import numpy as np

    from weaksup.endmodel.base import take_rows
    from weaksup.pipeline import Pipeline

    gold = protocol == "wrench"
    y_select = np.asarray(ds.valid.labels if gold else label_model.predict(ds.valid.votes, tie_break=tie_break))
    # gold-free: the label model's own valid labels, where it gives one (tie_break="abstain" leaves -1)
    rows = np.flatnonzero(y_select >= 0)
    X_select = take_rows(X["valid"], rows)

    def fit(cand: dict[str, Any]) -> Any:
        pipe = Pipeline(label_model, cls(**{**params, **cand}), soft=soft, tie_break=tie_break, prefit=True)
        return pipe.fit(ds.train.votes, X["train"], seed=seed, valid=(X["valid"], ds.valid.labels) if gold else None)

    return _best(_grid(grid), fit,
                 lambda pipe: pipe.score(X_select, y_select[rows], ds.metric) if rows.size else 0.0)


def check_out_dir(out_dir: str | os.PathLike[str], what: str | None = None) -> None:
    """``out_dir`` can become the results folder: it is a folder or can be made one (nothing is created here).

    A path that is a file, or lies under a file, or under a folder that cannot be written, is a
    ``ValueError`` naming it (as ``what``, default ``out_dir '...'``), raised before any run.
    """
    what = what or f"out_dir {str(out_dir)!r}"
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{what}: is a file, not a folder; the bench writes results.csv, "
                         "results.json, table.md and section.md into a folder (nothing was run)")
    check_folder_can_be_made(out, what)


def check_folder_can_be_made(folder: str | os.PathLike[str], what: str) -> None:
    """The folder ``folder`` exists or can be made and written into; else a ``ValueError`` starting ``what``.

    Checked before a long run so that its results are not lost to an output path that cannot be written
    (``weaksup bench --out``, and the output options of ``weaksup apply / fit / analyze``).  Nothing is created.
    """
    probe = Path(folder)
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ValueError(f"{what}: {str(probe)!r} is a file, so the folder cannot be made (nothing was run)")
    if probe.is_dir() and not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"{what}: the folder {str(probe)!r} cannot be written (nothing was run)")


def no_dataset_found(data_dir: str | os.PathLike[str] | None, option: str = "data_dir") -> str:
    """Why no WRENCH classification set was found, naming ``data_dir`` (as ``option``) and its state.

    >>> from weaksup.bench.runner import no_dataset_found
    >>> no_dataset_found("/no/such/folder", "--data-dir")
    "--data-dir '/no/such/folder': no such folder, so no WRENCH classification dataset was found (nothing was run)"
    """
    from weaksup.data._wrench_io import data_file_exists
    from weaksup.data.registry import tasks

    if data_dir is None:
        flag = "data_dir=" if option == "data_dir" else f"{option} DIR"  # the caller's spelling (run() or the CLI)
        return f"no WRENCH classification dataset found; pass {flag} or set WEAKSUP_DATA (nothing was run)"
    where = f"{option} {str(data_dir)!r}"
    folder = Path(data_dir)
    if not folder.exists():
        return f"{where}: no such folder, so no WRENCH classification dataset was found (nothing was run)"
    if not folder.is_dir():
        return f"{where}: is a file, not a folder holding WRENCH datasets (nothing was run)"
    entries = sorted(p.name for p in folder.iterdir())
    if not entries:
        return (f"{where}: the folder is empty, so no WRENCH classification dataset was found; put the sets there "
                "(weaksup download NAME --cache DIR) or name the folder that holds them (nothing was run)")
    others = [n for n in entries if tasks().get(n, {}).get("task") not in (None, "classification")]
    # sets of one's own (no registered name): run only when named, so the message names them
    own = unregistered_sets(folder)
    if data_file_exists(folder / "label.json") and folder.name not in tasks():
        own = [folder.name]  # data_dir is the set's own folder
    if own:
        names = " ".join(own) if option != "data_dir" else repr(own)
        how = f"--datasets {names}" if option != "data_dir" else f"datasets={names}"
        what = ("is itself the folder of the unregistered dataset" if own == [folder.name] and
                data_file_exists(folder / "label.json") else "holds the unregistered dataset(s)")
        return (f"{where} {what} {', '.join(own)}; without a list of datasets the bench runs only registered "
                f"WRENCH classification sets: pass {how} (nothing was run)")
    return (f"{where}: the folder holds no registered WRENCH classification dataset (it holds "
            f"{', '.join(entries[:8])}{', ...' if len(entries) > 8 else ''}"
            f"{'; ' + ', '.join(others) + ' are sequence-tagging sets' if others else ''}); name the folder "
            "that holds the sets, e.g. the WRENCH root (nothing was run)")


def unregistered_sets(folder: str | os.PathLike[str]) -> list[str]:
    """Names of the sub-folders of ``folder`` that hold a WRENCH classification set (``label.json``) under a name
    the task registry does not know: sets of one's own, which the bench runs only when named.

    >>> import pathlib, tempfile
    >>> from weaksup.bench.runner import unregistered_sets
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("mine", "youtube"):
    ...     (root / name).mkdir(); _ = (root / name / "label.json").write_text("{}")
    >>> unregistered_sets(root)
    ['mine']
    """
    from weaksup.data._wrench_io import data_file_exists
    from weaksup.data.registry import tasks

    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.name not in tasks() and p.is_dir() and data_file_exists(p / "label.json"))


class BenchInterrupted(KeyboardInterrupt):
    """The bench was interrupted (Ctrl-C) after some cells finished.

    ``results`` holds the rows of the finished cells (a cell is a dataset, protocol, label model and seed,
    with its end models), ``missing`` names the cells not finished, and ``out_dir`` is where they were
    written (``None`` when no ``out_dir`` was given).  ``results.attrs["meta"]["interrupted"]`` says the same.
    """

    def __init__(self, results: pd.DataFrame, missing: list[str], total: int,
                 out_dir: str | os.PathLike[str] | None) -> None:
        self.results = results
        self.missing = missing
        self.total = total
        self.out_dir = out_dir
        super().__init__(f"interrupted after {total - len(missing)} of {total} bench cells")


def registry_mismatch(name: str, ds: Any) -> str | None:
    """What differs between loaded set ``ds`` and the counts the task registry verified for ``name`` (LFs,
    classes, train / valid / test rows), or None (the same, or a name without verified counts).

    >>> from weaksup.data import load_wrench
    >>> from weaksup.bench.runner import registry_mismatch
    >>> ds = load_wrench("youtube")
    >>> registry_mismatch("youtube", ds) is None
    True
    >>> ds.train.votes = ds.train.votes.select_lfs(ds.train.votes.lf_names[1:])
    >>> registry_mismatch("youtube", ds)
    '9 LFs in train where the registry has 10'
    """
    from weaksup.data.registry import task_info

    info = task_info(name)
    if not info or not info.get("counts_verified"):
        return None
    diffs = []
    for split in ("train", "valid", "test"):
        m = ds.splits[split].votes.m
        if info.get("n_lfs") is not None and m != info["n_lfs"]:
            diffs.append(f"{m} LFs in {split} where the registry has {info['n_lfs']}")
            break
    if info.get("n_classes") is not None and ds.cardinality != info["n_classes"]:
        diffs.append(f"{ds.cardinality} classes where the registry has {info['n_classes']}")
    for split in ("train", "valid", "test"):
        want = info.get(f"n_{split}")
        if want is not None and len(ds.splits[split].labels) != want:
            diffs.append(f"{len(ds.splits[split].labels)} {split} rows where the registry has {want}")
    return "; ".join(diffs) or None


def _not_classification(name: str, task: str) -> str:
    kind = "a sequence-tagging" if task == "sequence" else f"a {task}"
    return (f"dataset {name!r} is {kind} dataset; weaksup bench runs WRENCH classification sets "
            "(tagging sets: weaksup.sequence, benchmarks/sequence_wrench.py in the repository)")


def _load_all(datasets: Sequence[str], data_dir: str | os.PathLike[str] | None,
              load: Callable[..., Any], metrics: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Load every dataset up front: a typo or a malformed folder late in the list stops the bench before
    any run, with every problem named, instead of after hours of runs and with no results written."""
    from weaksup.data.registry import task_info

    loaded: dict[str, Any] = {}
    problems: list[Exception] = []
    for dname in dict.fromkeys(datasets):
        info = task_info(dname)
        if info is not None and info["task"] != "classification":  # refused before its (large) files are read
            problems.append(ValueError(_not_classification(dname, info["task"])))
            continue
        try:
            ds = load(dname, data_dir, metric=(metrics or {}).get(dname))
        except (FileNotFoundError, ValueError) as exc:
            problems.append(exc)
            continue
        task = getattr(ds, "task", "classification")  # the folder found may disagree with the registry
        if task != "classification":
            problems.append(ValueError(_not_classification(dname, task)))
            continue
        loaded[dname] = ds
    if len(problems) == 1:
        raise problems[0]
    if problems:
        kind = FileNotFoundError if all(isinstance(e, FileNotFoundError) for e in problems) else ValueError
        raise kind(f"{len(problems)} datasets cannot be loaded (nothing was run): "
                   + "; ".join(str(e) for e in problems))
    return loaded


def run(
    datasets: Sequence[str] | str | None = None,
    label_models: Sequence[str] | str | None = None,
    end_models: Sequence[str] | str = (),
    seeds: Sequence[int] | int = DEFAULT_SEEDS,
    protocol: str | Sequence[str] = "wrench",
    data_dir: str | os.PathLike[str] | None = None,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    features: str = "tfidf",
    metric: str | Mapping[str, str] | None = None,
    label_model_params: Mapping[str, Mapping[str, Any]] | None = None,
    end_model_params: Mapping[str, Mapping[str, Any]] | None = None,
    label_model_grid: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    end_model_grid: Mapping[str, Mapping[str, Sequence[Any]]] | bool | None = None,
    soft_labels: bool = True,
    tie_break: str = "random",
    progress: bool = True,
    write_docs: Any = None,
    command: str | None = None,
) -> pd.DataFrame:
    """Run label (and end) models on WRENCH classification datasets.

    Parameters
    ----------
    datasets : list of str, optional
        WRENCH task names; default: every registered classification task found
        on disk.  All of them are loaded before the first run, so a name that is
        not found, a malformed folder or a sequence-tagging set anywhere in the
        list stops the bench (``FileNotFoundError`` / ``ValueError`` naming
        each) before any work.
    label_models : list of str, optional
        Registered label-model names or aliases (``mv``, ``wmv``, ``ds``,
        ``mc``/``metal``, ``fs``, ``ebcc``, ``auto``); default: the registry's
        label models (:func:`weaksup.labelmodel.registry.model_names`).  An
        unknown name, or a model of another family (e.g. the feature-conditioned
        ``LabelLearningFlow``), is a ``ValueError``.  A model of one's own is
        given as its class (named by the class name), an instance (its
        parameters that differ from the defaults are the cell's) or a ``(name,
        class or instance)`` pair, or by the name it was given with
        :func:`weaksup.labelmodel.registry.register`; it never gets a published
        number, and declares ``trains_on_valid_labels`` (see :func:`trains_on_valid`).
    end_models : list of str
        Registered end models (``"lr"``, ``"mlp"``, ...; or, as for label models, a
        class, an instance or a ``(name, model)`` pair of one's own), trained through a
        :class:`~weaksup.pipeline.Pipeline` on ``features`` with every label
        model's train labels.  A dataset that cannot have ``features`` —
        labels-only (no text), WRENCH's numeric feature-vector sets, a relation
        kind on a plain text set — is found before the first run and skipped for
        end models (listed in ``df.attrs["skipped"]`` with the reason), as is one
        whose features fail to build; the other cells still run.
    seeds : list of int or int
        Seeds (an int ``n`` means ``range(n)``; at least one).
    protocol : {"wrench", "gold-free"} or a list of both
        See the module docstring.
    data_dir : path, optional
        WRENCH root, the only place the sets are read from when given (a set it
        lacks is a ``FileNotFoundError``); else ``$WEAKSUP_DATA``, the user
        cache, the bundled copy.  ``df.attrs["meta"]["data"]`` records each
        set's folder and source (:func:`weaksup.data.load_wrench`).
    out_dir : path, optional
        Folder where ``results.csv``, ``results.json``, ``table.md`` and
        ``section.md`` (the docs section, see :func:`docs_section`) are written;
        a path that cannot become a folder is a ``ValueError`` before any run.
    features : str
        End-model features, a :func:`weaksup.data.features.wrench_features`
        kind: ``"tfidf"``, ``"minilm"``, joins such as ``"minilm+tfidf"``, or
        ``"task"`` (each task's registered feature set).
    metric : str or dict, optional
        The metric to score with, one for every dataset or ``{dataset: metric}``
        (a :data:`weaksup.metrics.METRICS` name).  Default: each set's
        registered metric; a set the registry does not know (a folder of one's
        own) gets ``f1_binary`` with 2 classes, else ``accuracy``, with a warning
        (:func:`weaksup.data.load_wrench_folder`).  ``df.attrs["meta"]["data"]``
        records each set's metric and where it came from.
    label_model_params, end_model_params : dict, optional
        Constructor keyword arguments per model, keyed by any registered name or
        alias (``"DawidSkene"`` or ``"ds"``; ``"lr"`` or ``"LogisticRegression"``);
        a key naming no selected model is a ``ValueError``.  Recorded in
        ``meta`` and, per cell, in the ``params`` column.  End models also get ``metric``
        (the dataset's), ``cardinality``, ``progress=False`` and ``n_threads``
        (``$WEAKSUP_TORCH_THREADS``, default 1) when their constructor takes them.
    label_model_grid : dict, optional
        ``{model: {param: [values]}}`` (model: any registered name or alias of
        a selected model, as for ``label_model_params``): under the ``wrench`` protocol every
        combination is fitted and the best on gold valid labels kept (WRENCH's
        grid search); under ``gold-free`` no label search is done (defaults).
    end_model_grid : dict or True, optional
        The same for end models (``True``: :data:`DEFAULT_END_MODEL_GRID`).  Under
        ``gold-free`` the selection scores against the label model's
        predictions on valid instead of gold labels.
    soft_labels : bool
        Train end models on probabilities (True) or hard labels.
    tie_break : str
        Rule for turning probabilities into labels (WRENCH: ``"random"``).
    progress : bool
        tqdm progress bar over runs.
    write_docs : removed
        The library no longer writes documentation files: write
        :func:`docs_section` yourself or use ``weaksup bench --write-docs PATH``.
    command : str, optional
        The command line stated above the docs table.

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, protocol, label model, end model, seed, split):
        columns ``dataset, protocol, label_model, end_model, seed, split, metric,
        score`` (fraction), ``published`` (percent, test only), ``fit_seconds``,
        ``n_covered``, ``params`` (JSON: the given params and the grid's choice),
        ``semi_supervised`` (why the cell trains on the gold valid labels,
        :func:`trains_on_valid`; ``""`` if it does not; such cells get no
        ``published`` number: WRENCH's are unsupervised) and ``published_config`` (what differs from the
        configuration the published number was made with, :func:`published_config`; ``""`` when it is the
        same or there is none; the tables mark such cells).  ``df.attrs`` holds ``skipped`` (failed runs, with the
        reason) and ``meta`` (the settings, the weaksup version, each set's
        folder and source, the sha256 of its split files (``data_sha256``), the versions of numpy, scipy, pandas,
        scikit-learn, torch and numba, the git commit and dirty flag when weaksup runs from a checkout,
        the thread settings, the machine).

    Examples
    --------
    >>> from weaksup.bench import run
    >>> df = run(["youtube"], ["MajorityVote"], seeds=1, progress=False)
    >>> df.query("split == 'test'")["score"].item()
    0.84
    """
    from weaksup._progress import progress_bar
    from weaksup.data.features import resolve_feature_kind
    from weaksup.data.wrench import load_wrench
    if write_docs is not None:
        from weaksup._version import __version__

        raise TypeError(f"run(write_docs=...) was removed and weaksup {__version__} does not take it: the library "
                        "no longer writes documentation files; write weaksup.bench.report.docs_section(df) "
                        "yourself, pass out_dir= (section.md), or run `weaksup bench --write-docs PATH`")
    from weaksup.labelmodel.base import fit_progress

    t_start = time.time()
    if out_dir is not None:
        check_out_dir(out_dir)  # before the (long) run, not after it
    datasets = [datasets] if isinstance(datasets, str) else datasets
    label_models = [label_models] if _one_model(label_models) else label_models
    end_models = [end_models] if _one_model(end_models) else list(end_models)
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds must be at least 1 (got {seeds}): a bench cell averages over seeds")
        seeds = list(range(seeds))
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: a bench cell averages over at least one seed")
    protocols = [protocol] if isinstance(protocol, str) else list(protocol)
    for p in protocols:
        if p not in PROTOCOLS:
            raise ValueError(f"unknown protocol {p!r}; choose from {PROTOCOLS}")
    if features != "task":
        resolve_feature_kind(features)  # a clear error before any dataset is loaded
    lms, skipped_lm, lm_given, lm_own = _resolve("label", label_models)
    ems, skipped_em, em_given, em_own = _resolve("end", end_models)
    ctx = _Ctx(skipped=skipped_lm + skipped_em)
    if datasets is None:
        datasets = available_datasets(data_dir)
        if not datasets:
            raise FileNotFoundError(no_dataset_found(data_dir))
        own = unregistered_sets(data_dir) if data_dir is not None else []
        if own:  # the registered sets run; the others are not dropped without a word
            warnings.warn(f"weaksup bench: data_dir {str(data_dir)!r} also holds {', '.join(own)}, not registered "
                          f"WRENCH sets, which run only when named: pass datasets= (--datasets) with them and "
                          f"{', '.join(datasets)} to run them too", UserWarning, stacklevel=2)
    lm_names, em_names = _requested("label", label_models), _requested("end", end_models)
    lm_params = _by_model("label", "label_model_params", label_model_params, lm_names)
    em_params = _by_model("end", "end_model_params", end_model_params, em_names)
    # a model given as an instance: its own settings, under any given for its name
    lm_params = {**{n: {**p, **lm_params.get(n, {})} for n, p in lm_given.items()},
                 **{n: p for n, p in lm_params.items() if n not in lm_given}}
    em_params = {**{n: {**p, **em_params.get(n, {})} for n, p in em_given.items()},
                 **{n: p for n, p in em_params.items() if n not in em_given}}
    label_model_grid = _by_model("label", "label_model_grid", label_model_grid, lm_names, grid=True)
    if end_model_grid is True:  # the default grids of the end models selected
        end_model_grid = {m: g for m, g in DEFAULT_END_MODEL_GRID.items() if m in em_names}
    elif end_model_grid is False:
        end_model_grid = None
    end_model_grid = _by_model("end", "end_model_grid", end_model_grid, em_names, grid=True)
    threads = int(os.environ.get("WEAKSUP_TORCH_THREADS", "1"))  # one thread: runs are many and small

    if isinstance(metric, Mapping):
        unknown = [d for d in metric if d not in datasets]
        if unknown:
            raise ValueError(f"metric= names dataset(s) {unknown} that are not among the datasets run {list(datasets)}")
        metrics: dict[str, str] | None = dict(metric)
    else:
        metrics = None if metric is None else {d: metric for d in datasets}
    loaded = _load_all(datasets, data_dir, load_wrench, metrics)  # every name checked before the first (long) run
    for dname, ds in loaded.items():  # the bench scores on test and, under "wrench", selects on valid
        if ds.train.votes.m == 0:  # a set to write LFs for (it loads): every label-model cell would fail on it
            train = Path(ds.path) / "train.json"
            train = train if train.exists() or not train.with_name("train.json.xz").exists() else \
                train.with_name("train.json.xz")
            raise ValueError(f"dataset {dname!r} ({ds.path}): every example has \"weak_labels\": [] (no labelling "
                             "function), so there are no votes to aggregate; the bench needs one weak label per LF "
                             "in each example (-1 where the LF abstains); to write LFs for it, apply them to its "
                             f"text (weaksup apply lfs.py {train} --out votes.npz) (nothing was run)")
        search = bool(ems and any(len(_grid(end_model_grid.get(n))) > 1 for n, _ in ems))
        need = ["test"] + (["valid"] if "wrench" in protocols or search else [])
        empty = [s for s in need if hasattr(ds, s) and len(getattr(ds, s).labels) == 0]
        if empty:
            why = ("the wrench protocol selects on valid" if "wrench" in protocols
                   else "the end-model grid search selects on valid")
            raise ValueError(f"dataset {dname!r}: the {' and '.join(empty)} split(s) have no examples; the bench "
                             f"scores on test{' and ' + why if 'valid' in empty else ''} (nothing was run)")

    # a set under a registered name whose counts are not the registered (verified) ones is another set (a
    # modified LF set, a subsample): its cells must not be printed beside WRENCH's published numbers
    altered = {d: why for d, ds in loaded.items() if (why := registry_mismatch(d, ds))}
    for d, why in altered.items():
        warnings.warn(f"weaksup bench: dataset {d!r} ({loaded[d].path}) is not the registered WRENCH set: {why}; "
                      "its cells get no published WRENCH number (meta data.differs_from_registry says why)",
                      UserWarning, stacklevel=2)

    # end-model features: every set checked before the first run (a set that cannot have them skips its end
    # models, with the reason, like a labels-only set; the bench goes on)
    no_features = {d: _feature_problem(ds, features) for d, ds in loaded.items()} if ems else {}
    feat_cache: dict[tuple[str, str], Any] = {}
    # what a rerun needs, recorded once: the exact data files, the dependency versions, the source, the threads
    checksums = {d: data_checksums(ds.path) for d, ds in loaded.items()}
    versions, git_state, thread_info = _versions(), _git_state(), _threads(threads)

    def _frame() -> pd.DataFrame:
        """The results so far, with the settings (``meta``) and the skipped runs."""
        cols = ["dataset", "protocol", "label_model", "end_model", "seed", "split", "metric", "score",
                "published", "fit_seconds", "n_covered", "params", "semi_supervised", "published_config"]
        df = pd.DataFrame(ctx.rows, columns=cols)
        df.attrs["skipped"] = ctx.skipped
        from weaksup._version import __version__

        df.attrs["meta"] = {
            "command": command,
            "weaksup": __version__,
            "datasets": list(datasets),
            # which copy of each set was read: an explicit data_dir, $WEAKSUP_DATA, the cache or the bundled copy
            # absolute: a relative data_dir or dataset path means nothing once the working directory is gone
            "data": {d: {"path": os.path.abspath(ds.path), "source": ds.source, "metric": ds.metric,
                         "metric_source": ds.metric_source,
                         **({"differs_from_registry": altered[d]} if d in altered else {})}
                     for d, ds in loaded.items()},
            # the exact files read: {dataset: {file name: sha256}}
            "data_sha256": checksums,
            "label_models": [n for n, _ in lms],
            "end_models": [n for n, _ in ems],
            "seeds": seeds,
            "protocols": protocols,
            "features": features if ems else None,
            "soft_labels": soft_labels,
            "label_model_params": lm_params,
            "end_model_params": em_params,
            "label_model_grid": label_model_grid,
            "end_model_grid": end_model_grid,
            "tie_break": tie_break,
            # the tables' "±": numpy's std over seeds with ddof=0 (pandas' Series.std defaults to ddof=1)
            "std": "population std over seeds (ddof=0)",
            "seconds": round(time.time() - t_start, 1),
            "python": sys.version.split()[0],
            "versions": versions,
            "git": git_state,
            "threads": thread_info,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "published_source": published()["source"],
        }
        return df

    total = len(datasets) * len(protocols) * len(lms) * len(seeds)
    bar = progress_bar(total=total, desc="weaksup bench", progress=progress)
    finished: set[tuple[str, str, str, int]] = set()  # finished cells: kept when the run is interrupted
    try:
        for dname in datasets:
            ds = loaded[dname]
            metric, k = ds.metric, ds.cardinality
            n_covered = int(ds.train.votes.covered().sum())
            X = None
            if ems:
                if no_features[dname]:
                    ctx.skipped.append({"what": f"end models on {dname}", "why": no_features[dname]})
                else:  # a failure here (e.g. the embedding model) skips this set's end models, not the bench
                    X = ctx.attempt(f"end models on {dname}: features ({features})",
                                    lambda: _features(ds, features, feat_cache, progress))
            em_defaults = {"metric": metric, "cardinality": k, "progress": False, "n_threads": threads}
            for proto, (lm_name, lm_cls), seed in itertools.product(protocols, lms, seeds):
                bar.set_postfix_str(f"{dname} {proto} {lm_name} seed={seed}")
                base = {"dataset": dname, "protocol": proto, "label_model": lm_name, "seed": seed, "metric": metric,
                        "n_covered": n_covered}
                grid = label_model_grid.get(lm_name) if proto == "wrench" else None
                with fit_progress(False):  # the bench's bar counts the fits: no bar of a fit under it
                    fitted = ctx.attempt(f"{lm_name} on {dname} ({proto}, seed {seed})", lambda: _timed(
                        _fit_label_model, ds, lm_cls, lm_params.get(lm_name, {}), grid, proto, seed, tie_break))
                if fitted is not None:
                    lm, chosen, fit_s = fitted
                    # a model that trains on the gold valid labels (not only selects / sets the class balance with
                    # them) is semi-supervised: never printed beside WRENCH's unsupervised published numbers
                    semi = trains_on_valid(lm) if proto == "wrench" else ""
                    lm_used = _params_json({**lm_params.get(lm_name, {}), **chosen})
                    for split in ("train", "valid", "test"):
                        sp = ds.splits[split]
                        pub = (published_value(dname, lm_name)
                               if split == "test" and not semi and lm_name not in lm_own and dname not in altered
                               else None)
                        ctx.rows.append({**base, "end_model": "", "split": split,
                                         "score": float(lm.score(sp.votes, sp.labels, metric=metric,
                                                                 tie_break=tie_break)),
                                         "published": pub, "fit_seconds": fit_s, "params": lm_used,
                                         "semi_supervised": semi,
                                         "published_config": published_config(lm_name, lm) if pub is not None else ""})
                    for em_name, em_cls in (ems if X is not None else []):
                        done = ctx.attempt(f"{em_name}+{lm_name} on {dname} ({proto}, seed {seed})", lambda: _timed(
                            _fit_pipeline, ds, X, lm, em_cls, _with_defaults(em_cls, em_params.get(em_name, {}),
                                                                              em_defaults),
                            end_model_grid.get(em_name), proto, seed, tie_break, soft_labels))
                        if done is None:
                            continue
                        pipe, chosen, fit_s = done
                        em_used = _params_json({**em_params.get(em_name, {}), **chosen})
                        for split in ("valid", "test"):
                            pub = (published_value(dname, lm_name, em_name, soft_labels)
                                   if split == "test" and not semi and lm_name not in lm_own
                                   and em_name not in em_own and dname not in altered else None)
                            ctx.rows.append({**base, "end_model": em_name, "split": split,
                                             "score": float(pipe.score(X[split], ds.splits[split].labels, metric)),
                                             "published": pub, "fit_seconds": fit_s, "params": em_used,
                                             "semi_supervised": (f"its labels come from {lm_name}: {semi}"
                                                                 if semi else ""),
                                             "published_config": (published_config(lm_name, lm, em_name, features)
                                                                  if pub is not None else "")})
                bar.update(1)
                finished.add((dname, proto, lm_name, seed))
    except KeyboardInterrupt:
        bar.close()
        # a cell cut short may have written some of its rows: keep the finished cells only
        ctx.rows = [r for r in ctx.rows if (r["dataset"], r["protocol"], r["label_model"], r["seed"]) in finished]
        missing = [f"{d} {p} {lm} seed={sd}"
                   for d, p, (lm, _), sd in itertools.product(datasets, protocols, lms, seeds)
                   if (d, p, lm, sd) not in finished]
        df = _frame()
        df.attrs["meta"]["interrupted"] = {"finished_cells": total - len(missing), "cells": total, "missing": missing}
        written = out_dir if out_dir is not None and finished else None
        if written is not None:
            write_results(df, written)
        raise BenchInterrupted(df, missing, total, written) from None
    bar.close()
    df = _frame()
    if out_dir is not None:
        write_results(df, out_dir)
    return df


def write_results(df: pd.DataFrame, out_dir: str | os.PathLike[str]) -> Path:
    """``results.csv``, ``results.json``, ``table.md`` and ``section.md`` (the docs section body) in ``out_dir``.

    The results of an interrupted run (``df.attrs["meta"]["interrupted"]``, see :class:`BenchInterrupted`)
    are written the same way, ``table.md`` and ``section.md`` opening with a line that says they are partial.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from weaksup.bench import run, write_results
    >>> df = run(["youtube"], ["MajorityVote"], seeds=1, progress=False)
    >>> out = write_results(df, pathlib.Path(tempfile.mkdtemp()) / "bench")
    >>> sorted(p.name for p in out.iterdir())
    ['results.csv', 'results.json', 'section.md', 'table.md']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "results.csv", index=False)
    with open(out / "results.json", "w", encoding="utf-8") as fh:
        json.dump(_json_safe({"meta": df.attrs.get("meta", {}), "skipped": df.attrs.get("skipped", []),
                              "results": df.to_dict(orient="records")}), fh, indent=1, allow_nan=False)
    cut = df.attrs.get("meta", {}).get("interrupted")
    note = "" if not cut else (  # an interrupted run's tables must not pass for a whole run's
        f"**Partial results: the run was interrupted after {cut['finished_cells']} of {cut['cells']} cells; "
        f"{len(cut['missing'])} missing (listed in results.json, meta.interrupted.missing).**\n\n")
    (out / "table.md").write_text(note + results_table(df), encoding="utf-8")
    (out / "section.md").write_text(note + docs_section(df), encoding="utf-8")
    return out


def _json_safe(obj: Any) -> Any:
    """``obj`` with NaN / inf floats as None (JSON ``null``) and numpy scalars / paths / other objects as JSON values.

    ``json.dump`` would write NaN as the bare token ``NaN``, which is not JSON (strict parsers reject it).

    >>> _json_safe({"a": float("nan"), "b": [1.5, float("inf")]})
    {'a': None, 'b': [1.5, None]}
    """
    import math

    import numpy as np

    if isinstance(obj, Mapping):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, type):  # a model class (an AutoLabelModel candidate of one's own): where it is defined
        return f"{obj.__module__}.{obj.__qualname__}"
    return str(obj)


# ------------------------------------------------------------------ deprecated (0.1 names)


def _deprecated(name: str) -> Any:
    from weaksup._deprecate import warn_deprecated
    from weaksup.labelmodel import registry

    if name == "LABEL_MODELS":
        warn_deprecated("weaksup.bench.runner.LABEL_MODELS", "weaksup.labelmodel.registry.model_names('label')")
        return tuple(n for n in registry.model_names("label", bench_only=True) if n != "AutoLabelModel")
    if name == "END_MODELS":
        warn_deprecated("weaksup.bench.runner.END_MODELS", "weaksup.labelmodel.registry.model_names('end')")
        return {_short(s): s.name for s in registry.specs("end") if s.bench and s.task == "classification"}
    if name == "default_label_models":
        warn_deprecated("weaksup.bench.runner.default_label_models", "weaksup.labelmodel.registry.model_names")
        return lambda: registry.model_names("label", bench_only=True)
    if name in ("resolve_label_model", "resolve_end_model"):
        kind = "label" if name == "resolve_label_model" else "end"
        warn_deprecated(f"weaksup.bench.runner.{name}", f"weaksup.bench.runner.resolve_models({kind!r}, name)")

        def resolve(model: str) -> tuple[str, type | None, str | None]:
            try:
                (short, cls), = resolve_models(kind, [model])
            except (ValueError, ImportError) as exc:
                return model, None, f"{type(exc).__name__}: {exc}"
            return short, cls, None

        return resolve
    raise AttributeError(f"module 'weaksup.bench.runner' has no attribute {name!r}")


def __getattr__(name: str) -> Any:
    return _deprecated(name)
