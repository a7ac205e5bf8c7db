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
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import json
import os
import platform
import sys
import time
import traceback
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "run",
    "LABEL_MODELS",
    "END_MODELS",
    "PROTOCOLS",
    "resolve_label_model",
    "resolve_end_model",
    "published",
    "published_value",
    "results_table",
    "available_datasets",
    "default_label_models",
]

#: Label models the bench knows, in table order (canonical class names in weaksup.labelmodel).
LABEL_MODELS = ("MajorityVote", "WeightedMajorityVote", "DawidSkene", "MatrixCompletion", "FlyingSquid", "EBCC")
_LM_ALIASES = {
    "mv": "MajorityVote", "majority": "MajorityVote", "majorityvote": "MajorityVote",
    "wmv": "WeightedMajorityVote", "weightedmajorityvote": "WeightedMajorityVote",
    "ds": "DawidSkene", "dawidskene": "DawidSkene",
    "mc": "MatrixCompletion", "metal": "MatrixCompletion", "matrixcompletion": "MatrixCompletion",
    "fs": "FlyingSquid", "flyingsquid": "FlyingSquid",
    "ebcc": "EBCC",
}
#: End models: CLI name -> class name in weaksup.endmodel.
END_MODELS = {"lr": "LogisticRegression", "mlp": "MLP"}
_EM_MODULES = {"LogisticRegression": "weaksup.endmodel.linear", "MLP": "weaksup.endmodel.mlp"}
PROTOCOLS = ("wrench", "gold-free")
#: Small end-model grids used by ``end_model_grid=True`` / ``weaksup bench --search``.
DEFAULT_END_MODEL_GRID: dict[str, dict[str, list[Any]]] = {
    "lr": {"C": [0.1, 1.0, 10.0, 100.0]},
    "mlp": {"lr": [1e-3, 3e-4], "weight_decay": [1e-4, 1e-2]},
}
DEFAULT_SEEDS = (0, 1, 2, 3, 4)


# ------------------------------------------------------------------ lookups


def published() -> dict[str, Any]:
    """The published WRENCH tables shipped as ``weaksup/bench/published.json`` (source inside)."""
    from importlib import resources

    return json.loads(resources.files("weaksup.bench").joinpath("published.json").read_text(encoding="utf-8"))


def published_value(dataset: str, label_model: str, end_model: str | None = None,
                    soft: bool = True) -> float | None:
    """Published WRENCH test score (percent) for a cell, or None when there is none."""
    pub = published()
    short = pub["name_map"].get(label_model, label_model)
    if end_model:
        row = f"{end_model.upper()} {short}{'_u' if soft else ''}"
        cell = pub["end_models"].get(row, {}).get(dataset)
    else:
        cell = pub["label_models"].get(short, {}).get(dataset)
    return None if cell is None or cell.get("uncertain") else float(cell["value"])


def default_label_models() -> list[str]:
    """:data:`LABEL_MODELS` plus any other label-model class exported by :mod:`weaksup.labelmodel`."""
    names = list(LABEL_MODELS)
    try:
        mod = importlib.import_module("weaksup.labelmodel")
        from weaksup.labelmodel.base import LabelModel
    except Exception:  # pragma: no cover
        return names
    for name in getattr(mod, "__all__", []):
        if name in names or name == "LabelModel" or not name[:1].isupper():
            continue
        try:
            obj = getattr(mod, name)
        except Exception:
            names.append(name)  # reported as not importable by run()
            continue
        if isinstance(obj, type) and issubclass(obj, LabelModel):
            names.append(name)
    return names


def resolve_label_model(name: str) -> tuple[str, type | None, str | None]:
    """``(canonical name, class or None, reason when unavailable)``."""
    canon = _LM_ALIASES.get(name.lower().replace("-", "").replace("_", ""), name)
    try:
        mod = importlib.import_module("weaksup.labelmodel")
        cls = getattr(mod, canon)
    except (ImportError, AttributeError) as exc:
        return canon, None, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a module mid-edit may fail in other ways
        return canon, None, f"{type(exc).__name__}: {exc}"
    return canon, cls, None


def resolve_end_model(name: str) -> tuple[str, type | None, str | None]:
    """``(short name, class or None, reason when unavailable)``; name is ``lr``/``mlp`` or a class name."""
    short = name.lower()
    cls_name = END_MODELS.get(short, name)
    errors = []
    for modname in ("weaksup.endmodel", _EM_MODULES.get(cls_name)):
        if modname is None:
            continue
        try:
            return short, getattr(importlib.import_module(modname), cls_name), None
        except Exception as exc:
            errors.append(f"{modname}: {type(exc).__name__}: {exc}")
    return short, None, "; ".join(errors) or f"unknown end model {name!r}"


def available_datasets(data_dir: str | os.PathLike[str] | None = None, task: str = "classification") -> list[str]:
    """Registered WRENCH tasks of ``task`` type found on disk (lookup order of :func:`load_wrench`)."""
    from weaksup.data.registry import tasks
    from weaksup.data.wrench import find_wrench_dir

    return [n for n, t in tasks().items() if t["task"] == task and find_wrench_dir(n, data_dir) is not None]


# ------------------------------------------------------------------ running


@dataclass
class _Ctx:
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)


def _score(metric: str, y: np.ndarray, preds: np.ndarray, probs: np.ndarray | None) -> float:
    from weaksup.metrics import score

    return float(score(metric, y, preds, probs))


def _gold_free_balance(L: Any, k: int) -> np.ndarray:
    from weaksup.labelmodel.base import resolve_class_balance

    return resolve_class_balance(None, None, L, k, "votes")


def _fit_label_model(cls: type, params: Mapping[str, Any], ds: Any, protocol: str, seed: int) -> Any:
    model = cls(**dict(params))
    if protocol == "wrench":
        model.fit(ds.train.votes, dev=(ds.valid.votes, ds.valid.labels), seed=seed)
    else:
        model.fit(ds.train.votes, class_balance=_gold_free_balance(ds.train.votes, ds.cardinality), seed=seed)
    return model


def _features(ds: Any, kind: str, cache: dict[tuple[str, str], Any], progress: bool) -> Any:
    key = (ds.name, kind)
    if key not in cache:
        from weaksup.data.features import wrench_features

        cache[key] = wrench_features(ds, kind, progress=progress)
    return cache[key]


def _grid(grid: Mapping[str, Sequence[Any]] | None) -> list[dict[str, Any]]:
    if not grid:
        return [{}]
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(list(grid[k]) for k in keys))]


def _accepts(cls: type, name: str) -> bool:
    try:
        return name in inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def _select_label_model(cls: type, params: Mapping[str, Any], grid: Mapping[str, Sequence[Any]] | None,
                        ds: Any, protocol: str, seed: int, metric: str, tie_break: str) -> tuple[Any, dict[str, Any]]:
    """Fit (and, under the wrench protocol, grid-search on gold valid) one label model."""
    from weaksup.labelmodel.base import probs_to_preds

    if _accepts(cls, "metric") and "metric" not in params:  # e.g. AutoLabelModel selects on dev with it
        params = {**params, "metric": metric}
    candidates = _grid(grid) if protocol == "wrench" else [{}]
    best: tuple[float, Any, dict[str, Any]] | None = None
    for cand in candidates:
        model = _fit_label_model(cls, {**params, **cand}, ds, protocol, seed)
        if len(candidates) == 1:
            return model, dict(cand)
        probs = model.predict_proba(ds.valid.votes)
        val = _score(metric, ds.valid.labels, probs_to_preds(probs, tie_break), probs)
        if best is None or val > best[0]:
            best = (val, model, dict(cand))
    assert best is not None
    return best[1], best[2]


def _select_end_model(cls: type, params: Mapping[str, Any], grid: Mapping[str, Sequence[Any]] | None,
                      X: Mapping[str, Any], covered: np.ndarray, y_train: Any, y_valid: np.ndarray,
                      protocol: str, seed: int, metric: str, k: int, tie_break: str) -> tuple[Any, dict[str, Any]]:
    """Fit one end model, choosing grid values on valid (gold under wrench, label-model labels under gold-free)."""
    from weaksup.labelmodel.base import probs_to_preds

    threads = int(os.environ.get("WEAKSUP_TORCH_THREADS", "1"))  # one thread: runs are many and small
    defaults = {key: val for key, val in (("metric", metric), ("n_classes", k), ("progress_bar", False),
                                          ("n_threads", threads)) if _accepts(cls, key)}
    valid = (X["valid"], y_valid) if protocol == "wrench" else None
    candidates = _grid(grid)
    best: tuple[float, Any, dict[str, Any]] | None = None
    for cand in candidates:
        em = cls(**{**defaults, **params, **cand})
        em.fit(X["train"][covered], y_train, valid=valid, seed=seed)
        if len(candidates) == 1:
            return em, dict(cand)
        probs = em.predict_proba(X["valid"])
        val = _score(metric, y_valid, probs_to_preds(probs, tie_break), probs)
        if best is None or val > best[0]:
            best = (val, em, dict(cand))
    assert best is not None
    return best[1], best[2]


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
    label_model_params: Mapping[str, Mapping[str, Any]] | None = None,
    end_model_params: Mapping[str, Mapping[str, Any]] | None = None,
    label_model_grid: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    end_model_grid: Mapping[str, Mapping[str, Sequence[Any]]] | bool | None = None,
    soft_labels: bool = True,
    tie_break: str = "random",
    progress: bool = True,
    write_docs: str | os.PathLike[str] | bool | None = None,
    command: str | None = None,
) -> pd.DataFrame:
    """Run label (and end) models on WRENCH classification datasets.

    Parameters
    ----------
    datasets : list of str, optional
        WRENCH task names; default: every registered classification task found
        on disk.
    label_models : list of str, optional
        Class names in :mod:`weaksup.labelmodel` or aliases (``mv``, ``wmv``,
        ``ds``, ``mc``/``metal``, ``fs``, ``ebcc``); default:
        :func:`default_label_models` (:data:`LABEL_MODELS` and any other label
        model the package exports).  Models that cannot be imported are skipped with a
        warning and listed in ``df.attrs["skipped"]``.
    end_models : list of str
        ``"lr"``, ``"mlp"`` (classes of :mod:`weaksup.endmodel`), trained on
        ``features`` with every label model's train labels.  Labels-only
        datasets (no text) are skipped for end models.
    seeds : list of int or int
        Seeds (an int ``n`` means ``range(n)``).
    protocol : {"wrench", "gold-free"} or a list of both
        See the module docstring.
    data_dir : path, optional
        WRENCH root (else ``$WEAKSUP_DATA``, else the user cache).
    out_dir : path, optional
        Where ``results.csv``, ``results.json`` and ``table.md`` are written.
    features : str
        End-model features, a :func:`weaksup.data.features.wrench_features`
        kind: ``"tfidf"``, ``"minilm"``, joins such as ``"minilm+tfidf"``, or
        ``"task"`` (each task's registered feature set).
    label_model_params, end_model_params : dict, optional
        Constructor keyword arguments per model name (canonical label-model
        name; end-model short name ``lr``/``mlp``).  End models also get
        ``metric`` (the dataset's), ``n_classes``, ``progress_bar=False`` and
        ``n_threads`` (``$WEAKSUP_TORCH_THREADS``, default 1) when their
        constructor takes them.
    label_model_grid : dict, optional
        ``{model: {param: [values]}}``: under the ``wrench`` protocol every
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
    write_docs : path or bool, optional
        Also write the table into that markdown file (``True``:
        ``docs/benchmarks.md``), section ``wrench-label-models``.
    command : str, optional
        The command line stated above the docs table.

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, protocol, label model, end model, seed, split):
        columns ``dataset, protocol, label_model, end_model, seed, split, metric,
        score`` (fraction), ``published`` (percent, test only), ``fit_seconds``,
        ``n_covered``.  ``df.attrs`` holds ``skipped`` and ``meta``.

    Examples
    --------
    >>> df = run(["youtube"], ["MajorityVote"], seeds=1, progress=False)  # doctest: +SKIP
    >>> df.query("split == 'test'")["score"].item()  # doctest: +SKIP
    0.84
    """
    from tqdm.auto import tqdm

    from weaksup.data.wrench import load_wrench
    from weaksup.labelmodel.base import probs_to_preds

    t_start = time.time()
    if isinstance(datasets, str):
        datasets = [datasets]
    if isinstance(label_models, str):
        label_models = [label_models]
    if isinstance(end_models, str):
        end_models = [end_models]
    if isinstance(seeds, int):
        seeds = list(range(seeds))
    protocols = [protocol] if isinstance(protocol, str) else list(protocol)
    for p in protocols:
        if p not in PROTOCOLS:
            raise ValueError(f"unknown protocol {p!r}; choose from {PROTOCOLS}")
    from weaksup.data.features import resolve_feature_kind

    if features != "task":
        resolve_feature_kind(features)  # a clear error before any dataset is loaded
    ctx = _Ctx()
    if datasets is None:
        datasets = available_datasets(data_dir)
        if not datasets:
            raise FileNotFoundError("no WRENCH classification dataset found; pass data_dir= or set WEAKSUP_DATA")
    lm_params = dict(label_model_params or {})
    em_params = dict(end_model_params or {})

    if end_model_grid is True:
        end_model_grid = DEFAULT_END_MODEL_GRID
    elif end_model_grid is False:
        end_model_grid = None
    lms: list[tuple[str, type]] = []
    for name in (label_models if label_models is not None else default_label_models()):
        canon, cls, why = resolve_label_model(name)
        if cls is None:
            warnings.warn(f"weaksup bench: skipping label model {canon}: not importable ({why})", stacklevel=2)
            ctx.skipped.append({"what": f"label model {canon}", "why": f"not importable: {why}"})
        else:
            lms.append((canon, cls))
    ems: list[tuple[str, type]] = []
    for name in end_models:
        short, cls, why = resolve_end_model(name)
        if cls is None:
            warnings.warn(f"weaksup bench: skipping end model {short}: not importable ({why})", stacklevel=2)
            ctx.skipped.append({"what": f"end model {short}", "why": f"not importable: {why}"})
        else:
            ems.append((short, cls))

    feat_cache: dict[tuple[str, str], Any] = {}
    total = len(datasets) * len(protocols) * len(lms) * len(seeds)
    bar = tqdm(total=total, desc="weaksup bench", disable=not progress)
    for dname in datasets:
        ds = load_wrench(dname, data_dir)
        if getattr(ds, "task", "classification") != "classification":
            ctx.skipped.append({"what": f"dataset {dname}", "why": "not a classification dataset"})
            bar.update(len(protocols) * len(lms) * len(seeds))
            continue
        metric = ds.metric
        covered = np.asarray(ds.train.votes.class_counts().sum(1) > 0)
        X = None
        if ems:
            if ds.labels_only:
                ctx.skipped.append({"what": f"end models on {dname}", "why": "labels-only dataset: no text features"})
            else:
                X = _features(ds, features, feat_cache, progress)
        for proto in protocols:
            for lm_name, cls in lms:
                for seed in seeds:
                    bar.set_postfix_str(f"{dname} {proto} {lm_name} seed={seed}")
                    base = {"dataset": dname, "protocol": proto, "label_model": lm_name, "seed": int(seed),
                            "metric": metric}
                    try:
                        t0 = time.perf_counter()
                        model, chosen = _select_label_model(cls, lm_params.get(lm_name, {}),
                                                            (label_model_grid or {}).get(lm_name), ds, proto,
                                                            int(seed), metric, tie_break)
                        fit_s = time.perf_counter() - t0
                        for split in ("train", "valid", "test"):
                            sp = ds.splits[split]
                            probs = model.predict_proba(sp.votes)
                            preds = probs_to_preds(probs, tie_break)
                            pub = published_value(dname, lm_name) if split == "test" else None
                            ctx.rows.append({**base, "end_model": "", "split": split,
                                             "score": _score(metric, sp.labels, preds, probs),
                                             "published": pub, "fit_seconds": fit_s,
                                             "n_covered": int(covered.sum()), "params": json.dumps(chosen)})
                    except Exception as exc:
                        msg = f"{type(exc).__name__}: {exc}"
                        warnings.warn(f"weaksup bench: {lm_name} failed on {dname} ({proto}, seed {seed}): {msg}",
                                      stacklevel=2)
                        ctx.skipped.append({"what": f"{lm_name} on {dname} ({proto}, seed {seed})",
                                            "why": msg, "traceback": traceback.format_exc(limit=3)})
                        bar.update(1)
                        continue
                    if X is not None:
                        P = model.predict_proba(ds.train.votes)[covered]
                        y_train = P if soft_labels else probs_to_preds(P, tie_break)
                        if proto == "wrench":
                            y_valid = ds.valid.labels
                        else:  # gold-free: the label model's own valid predictions stand in for gold
                            y_valid = probs_to_preds(model.predict_proba(ds.valid.votes), tie_break)
                        for em_name, em_cls in ems:
                            try:
                                t0 = time.perf_counter()
                                em, chosen = _select_end_model(
                                    em_cls, em_params.get(em_name, {}), (end_model_grid or {}).get(em_name),
                                    X, covered, y_train, y_valid, proto, int(seed), metric, ds.cardinality, tie_break)
                                fit_s = time.perf_counter() - t0
                                for split in ("valid", "test"):
                                    probs = em.predict_proba(X[split])
                                    preds = probs_to_preds(probs, tie_break)
                                    pub = published_value(dname, lm_name, em_name, soft_labels) if split == "test" else None
                                    ctx.rows.append({**base, "end_model": em_name, "split": split,
                                                     "score": _score(metric, ds.splits[split].labels, preds, probs),
                                                     "published": pub, "fit_seconds": fit_s,
                                                     "n_covered": int(covered.sum()), "params": json.dumps(chosen)})
                            except Exception as exc:
                                msg = f"{type(exc).__name__}: {exc}"
                                warnings.warn(f"weaksup bench: end model {em_name} failed on {dname} "
                                              f"({lm_name}, {proto}, seed {seed}): {msg}", stacklevel=2)
                                ctx.skipped.append({"what": f"{em_name}+{lm_name} on {dname} ({proto}, seed {seed})",
                                                    "why": msg})
                    bar.update(1)
    bar.close()
    cols = ["dataset", "protocol", "label_model", "end_model", "seed", "split", "metric", "score",
            "published", "fit_seconds", "n_covered", "params"]
    df = pd.DataFrame(ctx.rows, columns=cols)
    meta = {
        "command": command,
        "datasets": list(datasets),
        "label_models": [n for n, _ in lms],
        "end_models": [n for n, _ in ems],
        "seeds": [int(s) for s in seeds],
        "protocols": protocols,
        "features": features if ems else None,
        "soft_labels": soft_labels,
        "label_model_grid": {k: {p: list(v) for p, v in g.items()} for k, g in (label_model_grid or {}).items()},
        "end_model_grid": {k: {p: list(v) for p, v in g.items()} for k, g in (end_model_grid or {}).items()},
        "tie_break": tie_break,
        "seconds": round(time.time() - t_start, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "published_source": published()["source"],
    }
    df.attrs["skipped"] = ctx.skipped
    df.attrs["meta"] = meta
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        df.to_csv(out / "results.csv", index=False)
        with open(out / "results.json", "w", encoding="utf-8") as fh:
            json.dump({"meta": meta, "skipped": ctx.skipped, "results": df.to_dict(orient="records")}, fh, indent=1,
                      default=float)
        (out / "table.md").write_text(results_table(df), encoding="utf-8")
    if write_docs:
        from weaksup.bench.report import update_section

        path = "docs/benchmarks.md" if write_docs is True else write_docs
        update_section(path, "wrench-label-models", docs_section(df), title="WRENCH classification: label models")
    return df


# ------------------------------------------------------------------ tables


def _fmt_cell(scores: np.ndarray, pub: float | None) -> str:
    if scores.size == 0:
        return "–"
    m, s = 100 * scores.mean(), 100 * scores.std(ddof=0)
    cell = f"{m:.2f} ± {s:.2f}"
    return cell + (f" ({pub:.2f})" if pub is not None else " (–)")


def results_table(df: pd.DataFrame, split: str = "test", protocol: str | None = None,
                  with_published: bool = True) -> str:
    """Markdown table(s): rows = label model (+ end model), columns = datasets, cells mean ± std.

    Test cells carry the published WRENCH number in parentheses.  One table per
    protocol unless ``protocol`` is given.
    """
    from weaksup.bench.report import markdown_table

    if df.empty:
        return "_no results_\n"
    parts = []
    protos = [protocol] if protocol else list(dict.fromkeys(df["protocol"]))
    dsets = list(dict.fromkeys(df["dataset"]))
    metrics = df.drop_duplicates("dataset").set_index("dataset")["metric"].to_dict()
    short = {"accuracy": "acc", "f1_binary": "F1"}
    for proto in protos:
        sub = df[(df["protocol"] == proto) & (df["split"] == split)]
        if sub.empty:
            continue
        header = ["model"] + [f"{d} ({short.get(metrics[d], metrics[d])})" for d in dsets]
        rows = []
        keys = list(dict.fromkeys(zip(sub["end_model"], sub["label_model"])))
        keys.sort(key=lambda k: (k[0] != "", k[0]))
        for em, lm in keys:
            name = lm if not em else f"{em.upper()} + {lm}"
            row: list[object] = [name]
            for d in dsets:
                cell = sub[(sub["dataset"] == d) & (sub["label_model"] == lm) & (sub["end_model"] == em)]
                pubs = cell["published"].dropna()
                pub = float(pubs.iloc[0]) if (with_published and split == "test" and len(pubs)) else None
                txt = _fmt_cell(cell["score"].to_numpy(float), pub)
                if not (with_published and split == "test"):
                    txt = txt.replace(" (–)", "")
                row.append(txt)
            rows.append(row)
        title = f"**protocol {proto}, {split} split**" + (
            " — mean ± std over seeds (published WRENCH in parentheses)" if split == "test" and with_published
            else " — mean ± std over seeds")
        parts.append(title + "\n\n" + markdown_table(header, rows))
    return "\n\n".join(parts) + "\n"


def summarize_skipped(skipped: list[dict[str, str]]) -> list[str]:
    """One line per (model, reason), listing datasets / protocols / seeds instead of one line per run."""
    import re

    pat = re.compile(r"^(?P<model>.+?) on (?P<ds>\S+) \((?P<proto>[\w-]+), seed (?P<seed>-?\d+)\)$")
    groups: dict[tuple[str, str], dict[str, list[str]]] = {}
    out: list[str] = []
    for s in skipped:
        m = pat.match(s["what"])
        why = s["why"][:200]
        if not m:
            line = f"{s['what']}: {why}"
            if line not in out:
                out.append(line)
            continue
        key = (m["model"], re.sub(r"\d+", "N", why))
        g = groups.setdefault(key, {"ds": [], "proto": [], "seed": [], "why": [why]})
        for field_, val in (("ds", m["ds"]), ("proto", m["proto"]), ("seed", m["seed"])):
            if val not in g[field_]:
                g[field_].append(val)
    for (model, _), g in groups.items():
        out.append(f"{model} on {', '.join(g['ds'])} ({', '.join(g['proto'])}; seeds {', '.join(g['seed'])}): "
                   f"{g['why'][0]}")
    return out


def docs_section(df: pd.DataFrame) -> str:
    """The body written to docs/benchmarks.md: command, setup, tables, skipped models."""
    meta = df.attrs.get("meta", {})
    lines = [
        f"Command: `{meta.get('command') or 'weaksup bench --write-docs'}`",
        "",
        f"Seeds {meta.get('seeds')}; protocols {', '.join(meta.get('protocols', []))}; WRENCH tie-break "
        f"(`{meta.get('tie_break')}`); scores in percent; published numbers: "
        f"{meta.get('published_source', '')}",
        f"Wall time {meta.get('seconds')} s on {meta.get('cpus')} CPU(s) ({meta.get('platform')}).",
        "`wrench` protocol: gold valid labels give the class balance / model selection (as WRENCH). "
        "`gold-free`: no gold labels before test; class balance estimated from the train votes. "
        "The train-split table scores each label model transductively on the rows it was fitted on (wrench#27).",
        "",
        results_table(df, "test"),
        results_table(df, "train", with_published=False),
    ]
    if df.attrs.get("skipped"):
        lines.append("Skipped:\n")
        lines += [f"- {line}" for line in summarize_skipped(df.attrs["skipped"])]
    return "\n".join(lines) + "\n"

