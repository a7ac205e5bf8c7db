"""Label models without gold labels on the 9 WRENCH classification sets (issue 14).

    WEAKSUP_DATA=/path/to/wrench python benchmarks/goldfree_wrench.py --write-docs

Writes section ``goldfree-wrench`` of docs/benchmarks.md: three tables, one per protocol, every
model measured in this one run (weaksup's models, HyperLM, snorkel's LabelModel, crowd-kit).

* **gold-free**: no label of any split is read before the test split is scored.  Every model is
  fitted on the unlabelled votes of train+valid+test (transductive, allowed by the protocol) and
  the test rows are scored.
* **WRENCH**: fitted on the train votes; the gold valid labels are used for selection
  (AutoLabelModel's candidates that do not train on labels) and class balance (label frequencies)
  only, never as training targets.
* **semi-supervised**: models that *train* on the gold valid labels (WMV-dev, DS-semi and
  AutoLabelModel with those candidates).  Not comparable with unsupervised numbers.
* **supervised reference**: what the votes allow when gold labels train the label model: a
  logistic regression on the one-hot votes, trained on the gold train+valid labels, and the same
  model cross-fitted on the test split's own labels (5 folds: every test row is predicted by a
  model that never saw its label).  Reads gold labels; a yardstick for the tables above, not a
  competitor.

Scores: F1 of class 1 (sms, tennis, basketball, commercial) or accuracy, in percent, ties broken
by WRENCH's rule (:func:`weaksup.metrics.probs_to_preds`, ``"random"``: sha1 of the row index
within the test split).  Mean ± std over ``--seeds`` seeds (deterministic models give std 0).
CPU seconds: one fit + predict, one thread (torch and BLAS limited to one), mean over seeds.
``--smoke``: youtube, one seed, no GLAD/MACE, section written to a temp file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATASETS = ["youtube", "sms", "trec", "semeval", "imdb", "yelp", "tennis", "basketball", "commercial"]
SECTION = "goldfree-wrench"
COMMAND = ("WEAKSUP_DATA=/path/to/wrench "
           "python benchmarks/goldfree_wrench.py --write-docs")

#: Fit = f(votes_fit, k, seed, valid) -> predict(votes) -> probabilities.
Fitter = Callable[[Any, int, int, Any], Callable[[Any], np.ndarray]]


# ------------------------------------------------------------------------------------ models
def _weaksup(name: str, **params: Any) -> Fitter:
    from weaksup.labelmodel import registry

    cls = registry.get_model(name)

    def fit(L: Any, k: int, seed: int, valid: Any) -> Callable[[Any], np.ndarray]:
        cb = None
        if valid is not None:  # WRENCH protocol: valid labels give the class balance only
            cb = np.bincount(valid[1], minlength=k) + 1.0
            cb = cb / cb.sum()
        model = cls(cardinality=k, **params).fit(L, class_balance=cb, seed=seed)
        return model.predict_proba
    return fit


def _auto(candidates: str) -> Fitter:
    """AutoLabelModel: gold-free (no valid), selection-only (valid, no candidate trains on it) or semi."""
    from weaksup.labelmodel import AutoLabelModel
    from weaksup.labelmodel.registry import auto_candidates

    cands = [c for c in auto_candidates() if candidates == "semi" or not c[3]]

    def fit(L: Any, k: int, seed: int, valid: Any) -> Callable[[Any], np.ndarray]:
        # select with the task metric (F1 of class 1 on sms, tennis, basketball, commercial)
        model = AutoLabelModel(cardinality=k, candidates=cands, metric=fit.metric).fit(  # type: ignore[attr-defined]
            L, valid=valid, seed=seed)
        fit.chosen.append(model.chosen_)  # type: ignore[attr-defined]
        return model.predict_proba
    fit.chosen = []  # type: ignore[attr-defined]
    fit.metric = "accuracy"  # type: ignore[attr-defined]  # set per dataset by run()
    return fit


def _by_seed(choices: list[str]) -> str:
    """``"ADS"`` when every seed chose it, else ``"ADS (seeds 0, 1, 2, 3), MC (seed 4)"``.

    >>> _by_seed(["ADS", "ADS"]), _by_seed(["ADS", "ADS", "MC", "ADS"])
    ('ADS', 'ADS (seeds 0, 1, 3), MC (seed 2)')
    """
    seeds: dict[str, list[int]] = {}
    for seed, choice in enumerate(choices):
        seeds.setdefault(choice, []).append(seed)
    if len(seeds) == 1:
        return choices[0]
    return ", ".join(f"{c} (seed{'s' if len(ss) > 1 else ''} {', '.join(map(str, ss))})" for c, ss in seeds.items())


def _semi(name: str, **params: Any) -> Fitter:
    from weaksup.labelmodel import registry

    cls = registry.get_model(name)

    def fit(L: Any, k: int, seed: int, valid: Any) -> Callable[[Any], np.ndarray]:
        return cls(cardinality=k, **params).fit(L, valid=valid, seed=seed).predict_proba
    return fit


def _snorkel(L: Any, k: int, seed: int, valid: Any) -> Callable[[Any], np.ndarray]:
    import logging

    from snorkel.labeling.model import LabelModel as SnorkelLabelModel

    logging.disable(logging.INFO)
    cb = None
    if valid is not None:
        cb = np.bincount(valid[1], minlength=k) + 1.0
        cb = list(cb / cb.sum())
    model = SnorkelLabelModel(cardinality=k, verbose=False)
    model.fit(L.to_snorkel(), n_epochs=500, seed=seed, class_balance=cb, progress_bar=False)
    return lambda V: model.predict_proba(V.to_snorkel())


def _crowdkit(kind: str) -> Fitter:
    def fit(L: Any, k: int, seed: int, valid: Any) -> Callable[[Any], np.ndarray]:
        import pandas as pd
        from crowdkit.aggregation import GLAD, MACE, DawidSkene

        d = L.to_dense()
        r, c = np.nonzero(d >= 0)
        df = pd.DataFrame({"task": r, "worker": c, "label": d[r, c]})
        agg = {"DS": lambda: DawidSkene(n_iter=100), "GLAD": lambda: GLAD(n_iter=100),
               "MACE": lambda: MACE(random_state=seed)}[kind]()
        P = agg.fit_predict_proba(df)
        out = np.full((L.n, k), 1.0 / k)  # rows without votes: uniform (crowd-kit has no row for them)
        cols = [int(x) for x in P.columns]
        out[P.index.to_numpy().astype(int)[:, None], np.array(cols)[None, :]] = P.to_numpy()
        covered = np.zeros(L.n, bool)
        covered[P.index.to_numpy().astype(int)] = True
        out[covered] /= out[covered].sum(1, keepdims=True)
        # transductive: crowd-kit labels the rows it was fitted on; predict returns those rows
        return lambda V, out=out: out[-V.n:] if V.n <= L.n else np.full((V.n, k), 1.0 / k)
    return fit


def goldfree_models(smoke: bool) -> dict[str, tuple[Fitter, str]]:
    """Gold-free table: name -> (fitter, what the row is)."""
    from weaksup.labelmodel import registry

    out: dict[str, tuple[Fitter, str]] = {}
    for name in registry.model_names("label", bench_only=True):
        if name == "AutoLabelModel":
            continue
        out[name] = (_weaksup(name), "weaksup, defaults")
    out["DawidSkene(abstain_as_class)"] = (_weaksup("DawidSkene", abstain_as_class=True), "weaksup")
    out["MatrixCompletion(500 epochs)"] = (_weaksup("MatrixCompletion", n_epochs=500), "weaksup")
    out["AutoLabelModel (gold-free default)"] = (_auto("selection"), "weaksup default, no valid labels")
    if _has("hyperlm"):
        out["HyperLM"] = (_weaksup("HyperLabelModel"), "peer (hyperlm 0.0.5, via the adapter)")
    if _has("snorkel"):
        out["snorkel LabelModel (500 epochs)"] = (_snorkel, "peer")
    if _has("crowdkit"):
        out["crowd-kit DawidSkene"] = (_crowdkit("DS"), "peer")
        if not smoke:
            out["crowd-kit MACE"] = (_crowdkit("MACE"), "peer")
            out["crowd-kit GLAD"] = (_crowdkit("GLAD"), "peer (deterministic: one fit, see text)")
    return out


def wrench_models() -> dict[str, tuple[Fitter, str]]:
    out: dict[str, tuple[Fitter, str]] = {}
    for name in ("MajorityVote", "WeightedMajorityVote", "DawidSkene", "AbstainDawidSkene", "MatrixCompletion",
                 "FlyingSquid", "EBCC"):
        out[name] = (_weaksup(name), "class balance from valid labels")
    out["AutoLabelModel (valid selects)"] = (_auto("selection"), "valid labels select; no candidate trains on them")
    if _has("hyperlm"):
        out["HyperLM"] = (_weaksup("HyperLabelModel"), "peer; uses no labels")
    if _has("snorkel"):
        out["snorkel LabelModel (500 epochs)"] = (_snorkel, "peer; class balance from valid labels")
    return out


def semi_models() -> dict[str, tuple[Fitter, str]]:
    return {
        "WMV-dev": (_semi("WeightedMajorityVote", accuracy_source="valid"), "LF accuracies from valid labels"),
        "DS-semi": (_semi("DawidSkene", abstain_as_class=True, alpha=1.0, use_valid_labels=True),
                    "EM with valid labels as observed rows"),
        "AutoLabelModel (all candidates)": (_auto("semi"), "selects among candidates incl. the two above"),
    }


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# ------------------------------------------------------------------------------------ running
def _one_thread() -> Any:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def run(datasets: list[str], seeds: int, smoke: bool, data_dir: str | None,
        skip: list[str] | None = None, cache: Path | None = None) -> dict[str, Any]:
    from weaksup.data import load_wrench
    from weaksup.metrics import probs_to_preds, score
    from weaksup.votes import VoteMatrix

    tables = {"gold-free": goldfree_models(smoke), "wrench": wrench_models(), "semi": semi_models()}
    tables = {t: {n: v for n, v in m.items() if n not in (skip or [])} for t, m in tables.items()}
    res: dict[str, dict[str, dict[str, dict[str, Any]]]] = {t: {} for t in tables}
    chosen: dict[str, dict[str, list[str]]] = {t: {} for t in tables}
    checks: dict[str, dict[str, list[str]]] = {}
    cached: dict[str, dict[str, set[str]]] = {}
    constant: dict[str, tuple[float, float]] = {}  # F1 of class 1 on every test row (reads no vote), class-1 share
    reference: dict[str, dict[str, dict[str, Any]]] = {}  # supervised yardstick (reads gold labels)
    for d in datasets:
        ds = load_wrench(d, data_dir)
        k = ds.cardinality
        tr, va, te = ds.train.votes, ds.valid.votes, ds.test.votes
        all_votes = VoteMatrix(np.vstack([tr.to_dense(), va.to_dense(), te.to_dense()]), tr.lf_names, k)
        for table, models in tables.items():
            for name, (fitter, _) in models.items():
                if hasattr(fitter, "metric"):
                    fitter.metric = ds.metric  # type: ignore[attr-defined]
                fits: list[tuple[np.ndarray, float, float]] = []
                once = "GLAD" in name  # no random input (constant init): one fit stands for every seed
                peer = tables[table][name][1].startswith("peer")
                for seed in range(1 if once else seeds):
                    got = _cache_get(cache, table, name, d, seed, all_votes if table == "gold-free" else tr) \
                        if peer else None
                    if got is not None:
                        fits.append(got[:3])
                        cached.setdefault(table, {}).setdefault(name, set()).add(str(got[3]))
                        continue
                    P, cpu, wall = _fit_once(fitter, table, all_votes, tr, va, te, ds, k, seed, f"{d} {table} {name}")
                    if P is None:
                        break
                    fits.append((P, cpu, wall))
                    if peer:
                        _cache_put(cache, table, name, d, seed, all_votes if table == "gold-free" else tr, P, cpu, wall)
                if once and fits and d in ONCE_CHECK:
                    # the seed-independence claim is checked, not assumed: a second fit must be bit-identical
                    P2, _, _ = _fit_once(fitter, table, all_votes, tr, va, te, ds, k, 1, f"{d} {table} {name}")
                    checks.setdefault(table, {}).setdefault(name, []).append(
                        f"{d}: {'identical' if P2 is not None and np.array_equal(P2, fits[0][0]) else 'DIFFERENT'}")
                ys = np.asarray(ds.test.labels)  # test labels: read only after the fits above
                preds = [probs_to_preds(f[0], "random") for f in fits]
                vals = [100 * score(ds.metric, ys, p) for p in preds]
                res[table].setdefault(name, {})[d] = {
                    "scores": vals * (seeds if once else 1),  # a seed-independent fit counts for every seed
                    # on the F1 sets, accuracy too: F1 of a rare class can rank models against accuracy
                    "accuracy": [100 * score("accuracy", ys, p) for p in preds] * (seeds if once else 1),
                    "cpu": float(np.mean([f[1] for f in fits])) if fits else None,
                    "wall": float(np.mean([f[2] for f in fits])) if fits else None}
                if hasattr(fitter, "chosen") and fitter.chosen:  # one choice per seed, seed order
                    chosen[table].setdefault(name, []).append(f"{d}: {_by_seed(fitter.chosen[-len(fits):])}")
                print(f"{d:11s} {table:9s} {name:38s} "
                      + (f"{np.mean(vals):6.2f}  cpu {res[table][name][d]['cpu']:.2f}s" if vals else "failed"),
                      flush=True)
        for name, row in _supervised_reference(ds, seeds).items():  # reads gold labels: after every fit of the set
            reference.setdefault(name, {})[d] = row
        if ds.metric != "accuracy":  # after every fit of the set, like the scores
            ys = np.asarray(ds.test.labels)
            constant[d] = (100 * score(ds.metric, ys, np.ones(len(ys), dtype=int)), 100 * float(np.mean(ys == 1)))
    return {"res": res, "chosen": chosen, "checks": checks, "cached": cached, "constant": constant,
            "reference": reference, "notes": {t: {n: v[1] for n, v in m.items()} for t, m in tables.items()}}


#: Rows of the supervised reference table, in order.
REFERENCE_ROWS = ("LR on the votes, trained on gold train+valid labels",
                  "LR on the votes, cross-fitted on the gold test labels (5 folds)")


def _supervised_reference(ds: Any, seeds: int) -> dict[str, dict[str, Any]]:
    """Test scores (one per seed) and CPU s of a logistic regression on the one-hot votes trained on gold labels.

    Two label sources: the gold train+valid labels (a fully supervised label model), and the test
    split's own labels by 5-fold cross-fitting (in-distribution labels; each test row predicted by a
    model fitted without it).  On the F1 sets the class-1 threshold maximizes F1 over the training
    rows' out-of-fold probabilities (argmax would be the accuracy rule); elsewhere argmax, WRENCH's
    tie rule.  The seed sets the fold split.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    from weaksup.metrics import probs_to_preds, score
    from weaksup.votes import VoteMatrix

    k, metric = ds.cardinality, ds.metric
    X_tv = VoteMatrix.vstack([ds.train.votes, ds.valid.votes]).indicator()
    y_tv = np.concatenate([np.asarray(ds.train.labels), np.asarray(ds.valid.labels)])
    X_te, y_te = ds.test.votes.indicator(), np.asarray(ds.test.labels)

    def fit_predict(X: Any, y: np.ndarray, X_new: Any, seed: int) -> np.ndarray:
        def probs(Xa: Any, ya: np.ndarray, Xb: Any) -> np.ndarray:
            lr = LogisticRegression(C=1.0, max_iter=3000).fit(Xa, ya)
            P = np.zeros((Xb.shape[0], k))
            P[:, lr.classes_] = lr.predict_proba(Xb)
            return P
        P = probs(X, y, X_new)
        if metric == "accuracy":
            return probs_to_preds(P, "random")
        oof = np.zeros(len(y))
        for a, b in KFold(5, shuffle=True, random_state=seed).split(y):
            oof[b] = probs(X[a], y[a], X[b])[:, 1]
        _, t = max((score(metric, y, (oof >= t).astype(int)), t) for t in np.unique(oof))
        return (P[:, 1] >= t).astype(int)

    out: dict[str, dict[str, Any]] = {name: {"scores": [], "cpu": 0.0} for name in REFERENCE_ROWS}
    for seed in range(seeds):
        c0 = time.process_time()
        out[REFERENCE_ROWS[0]]["scores"].append(100 * score(metric, y_te, fit_predict(X_tv, y_tv, X_te, seed)))
        c1 = time.process_time()
        pred = np.zeros(len(y_te), dtype=int)
        for a, b in KFold(5, shuffle=True, random_state=seed).split(y_te):
            pred[b] = fit_predict(X_te[a], y_te[a], X_te[b], seed)
        out[REFERENCE_ROWS[1]]["scores"].append(100 * score(metric, y_te, pred))
        out[REFERENCE_ROWS[0]]["cpu"] += (c1 - c0) / seeds
        out[REFERENCE_ROWS[1]]["cpu"] += (time.process_time() - c1) / seeds
    return out


def _fit_once(fitter: Fitter, table: str, all_votes: Any, tr: Any, va: Any, te: Any, ds: Any, k: int, seed: int,
              what: str) -> tuple[np.ndarray | None, float, float]:
    """One fit + predict of the test rows, timed (CPU s of this process, wall s); ``None`` if the model fails."""
    c0, w0 = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if table == "gold-free":
                P = fitter(all_votes, k, seed, None)(all_votes)[-te.n:]
            else:
                # the valid labels are read here, for the WRENCH/semi protocols only
                valid = (va, np.asarray(ds.valid.labels))
                P = fitter(tr, k, seed, valid)(te)
        except Exception as exc:  # noqa: BLE001 - a peer that fails is reported, not fatal
            print(f"{what}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return None, 0.0, 0.0
    return np.asarray(P), time.process_time() - c0, time.perf_counter() - w0


# ------------------------------------------------------------------------------------ peer cache
#: Datasets on which a model fitted once (no random input) is fitted a second time and compared.
ONCE_CHECK = ("youtube", "semeval")


def _cache_key(table: str, name: str, d: str, seed: int, votes: Any) -> str:
    import hashlib

    h = hashlib.sha1(f"{table}|{name}|{d}|{seed}|{_versions()}".encode())
    h.update(np.ascontiguousarray(votes.to_dense()).tobytes())
    return h.hexdigest()


def _cache_get(cache: Path | None, table: str, name: str, d: str, seed: int,
               votes: Any) -> tuple[np.ndarray, float, float, str] | None:
    """A peer's earlier fit by this script on the same votes, seed and package versions (speed only)."""
    if cache is None:
        return None
    f = cache / f"{_cache_key(table, name, d, seed, votes)}.npz"
    if not f.exists():
        return None
    z = np.load(f)
    return z["P"], float(z["cpu"]), float(z["wall"]), str(z["when"])


def _cache_put(cache: Path | None, table: str, name: str, d: str, seed: int, votes: Any, P: np.ndarray,
               cpu: float, wall: float) -> None:
    if cache is None:
        return
    import datetime

    cache.mkdir(parents=True, exist_ok=True)
    f = cache / f"{_cache_key(table, name, d, seed, votes)}.npz"
    tmp = f.with_suffix(".tmp.npz")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    np.savez(tmp, P=P, cpu=cpu, wall=wall, when=when)
    os.replace(tmp, f)


# ------------------------------------------------------------------------------------ report
def _table(res: dict[str, dict[str, Any]], notes: dict[str, str], datasets: list[str], mv: dict[str, float] | None,
           ref: str | None) -> str:
    head = "| model | " + " | ".join(datasets) + " | mean | CPU s (sum) |"
    if mv is not None:
        head += " sets < MV−0.5 | sets < 0.8×MV |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, row in res.items():
        cells, means, cpu = [], [], 0.0
        for d in datasets:
            v = row.get(d, {}).get("scores") or []
            if v:
                means.append(float(np.mean(v)))
                cells.append(f"{np.mean(v):.2f}" + (f" ± {np.std(v):.2f}" if np.std(v) > 0.005 else ""))
                cpu += row[d]["cpu"]
            else:
                cells.append("—")
        mean = f"**{np.mean(means):.2f}**" if len(means) == len(datasets) else "—"
        line = f"| {name} | " + " | ".join(cells) + f" | {mean} | {cpu:.2f} |"
        if mv is not None:
            below = [d for d in datasets if row.get(d, {}).get("scores") and np.mean(row[d]["scores"]) < mv[d] - 0.5]
            far = [d for d in datasets if row.get(d, {}).get("scores") and np.mean(row[d]["scores"]) < 0.8 * mv[d]]
            line += f" {len(below)} | {', '.join(far) if far else '0'} |"
        lines.append(line)
    return "\n".join(lines)


def report(out: dict[str, Any], datasets: list[str], seeds: int, versions: str, command: str = COMMAND) -> str:
    res, chosen = out["res"], out["chosen"]
    gf = res["gold-free"]
    mv = {d: float(np.mean(gf["MajorityVote"][d]["scores"])) for d in datasets if gf["MajorityVote"][d]["scores"]}
    parts = [
        f"Command: `{command}` ({seeds} seeds; {versions}). Scores: test F1 of class 1 for sms, tennis, "
        "basketball, commercial, accuracy otherwise, percent, WRENCH's tie rule (sha1 of the test row index); "
        "mean ± std over seeds (no ± : identical over seeds). CPU s: one fit + predict on one thread, mean over "
        "seeds, summed over the sets. Every row was measured by this command"
        + (" in this run." if not out.get("cached") else
           "; peer fits already in the script's peer cache (same votes, seed and package versions, fitted by this "
           f"command {_span(set().union(*(w for m in out['cached'].values() for w in m.values())))}) were read "
           "from it: " + "; ".join(f"{t}: {', '.join(m)}" for t, m in out["cached"].items()) + "."),
        "",
        "### Gold-free protocol (no labels of any split before test scoring)",
        "",
        "Every model is fitted on the unlabelled votes of train+valid+test (transductive) and scored on the test "
        "rows. No row reads a label: not for training, selection or class balance. crowd-kit GLAD is "
        "slow (~1 min a set) and takes no random input (constant initial abilities and difficulties, uniform "
        "prior): it is fitted once per set and that fit stands for every seed; seed-independent: identical "
        "across seeds (checked: a second fit with another seed gave bit-identical probabilities on "
        + (", ".join(out.get("checks", {}).get("gold-free", {}).get("crowd-kit GLAD", [])) or "no set") + "). "
        "Rows without votes get uniform probabilities in the crowd-kit adapters (crowd-kit returns no row for them) "
        "and in weaksup's HyperLM adapter (hyperlm masks them out of its training loss, so its network's output "
        "there is an untrained constant: 0.58–0.64 for class 1 on the binary sets; see `HyperLabelModel`).",
        "",
        _table(gf, out["notes"]["gold-free"], datasets, mv, None),
        "",
        *_f1_sets_reading(gf, out.get("constant", {})),
        "### WRENCH protocol (gold valid labels used for selection and class balance only)",
        "",
        "Fitted on the train votes. Every weaksup and snorkel row below reads the gold **valid** labels for the "
        "class balance (label frequencies + 1); AutoLabelModel also uses them to select among the candidates "
        "that do not train on labels. HyperLM reads no label (its test rows are labelled in the context of the "
        "train votes). Not comparable with published unsupervised numbers, which use no labels.",
        "",
        _table(res["wrench"], out["notes"]["wrench"], datasets, None, None),
        "",
        "AutoLabelModel's choice by seed: " + "; ".join(chosen["wrench"].get("AutoLabelModel (valid selects)", [])),
        "",
        "### Semi-supervised (models that train on the gold valid labels)",
        "",
        "These rows use the valid labels as training targets (WMV-dev: LF accuracies measured on valid; DS-semi: "
        "valid rows as observed rows in EM; AutoLabelModel with every default candidate, scored on valid by 2-fold "
        "cross-fitting). They are semi-supervised and belong beside no unsupervised number.",
        "",
        _table(res["semi"], out["notes"]["semi"], datasets, None, None),
        "",
        "AutoLabelModel's choice by seed: " + "; ".join(chosen["semi"].get("AutoLabelModel (all candidates)", [])),
        *_reference_reading(out.get("reference", {}), datasets),
    ]
    return "\n".join(parts)


def _span(stamps: set[str]) -> str:
    """``"2026-12-02 03:13 UTC"`` stamps as one span: first – last."""
    first, last = min(stamps), max(stamps)
    return first if first == last else f"{first} – {last}"


def _reference_reading(reference: dict[str, dict[str, Any]], datasets: list[str]) -> list[str]:
    """The supervised yardstick: how far a label model on these votes gets when gold labels train it."""
    if not reference:
        return []
    return [
        "",
        "### Supervised reference (reads gold labels: a yardstick, not a competitor)",
        "",
        "What a label model on these same votes reaches when gold labels train it: a logistic regression on the "
        "one-hot votes (C = 1), trained on the gold train+valid labels, and the same model cross-fitted on the "
        "test split's own gold labels (5 folds; each test row is predicted by a model fitted on the other four "
        "fifths, never on its own label). On the F1 sets the class-1 threshold maximizes F1 on the training "
        "rows' out-of-fold probabilities; elsewhere argmax, same tie rule. The seed sets the fold splits. "
        "Both rows read gold labels, the second those of the test split itself: they bound what the votes "
        "carry and belong beside no unsupervised number.",
        "",
        _table(reference, {}, datasets, None, None),
    ]


def _f1_sets_reading(gf: dict[str, dict[str, Any]], constant: dict[str, tuple[float, float]]) -> list[str]:
    """Accuracy of the gold-free rows on the F1 sets, beside the F1 of a constant class-1 prediction."""
    f1_sets = list(constant)
    if not f1_sets:
        return []
    head = "| model | " + " | ".join(f"{d} accuracy" for d in f1_sets) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, row in gf.items():
        cells = [f"{np.mean(row[d]['accuracy']):.2f}" if row.get(d, {}).get("accuracy") else "—" for d in f1_sets]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [
        f"On the {len(f1_sets)} F1 sets the score is the F1 of class 1 ("
        + ", ".join(f"{d}: {share:.1f}%" for d, (_, share) in constant.items())
        + " of the test rows). Predicting class 1 on every test row, which reads no vote, scores F1 "
        + ", ".join(f"{d} {f1:.2f}" for d, (f1, _) in constant.items())
        + ". The same fits' test accuracy (same tie rule) can rank the models differently from their F1:",
        "",
        *lines,
        "",
    ]


def _versions() -> str:
    import importlib.metadata as md

    out = []
    for dist in ("weaksup", "hyperlm", "snorkel", "crowd-kit"):
        try:
            out.append(f"{dist} {md.version(dist)}")
        except md.PackageNotFoundError:
            out.append(f"{dist} not installed")
    return ", ".join(out)


def main(argv: list[str] | None = None) -> int:
    from benchmarks._docs import DOCS, smoke_out, update_section

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--write-docs", nargs="?", const=str(DOCS), default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny CI run: youtube, 1 seed, section to a temp file")
    ap.add_argument("--skip", default="", help="comma-separated model names to leave out (exploration only)")
    ap.add_argument("--only", default="", help="comma-separated model names to run alone (fills the peer cache)")
    ap.add_argument("--peer-cache", default=str(Path.home() / ".cache" / "weaksup" / "bench" / "goldfree_wrench"),
                    help="folder of earlier peer fits (same votes, seed, package versions); speed only")
    ap.add_argument("--no-cache", action="store_true", help="fit every peer afresh")
    a = ap.parse_args(argv)
    datasets = a.datasets.split(",")
    if a.smoke:
        datasets, a.seeds, a.write_docs = ["youtube"], 1, str(smoke_out())
    if a.seeds < 1:
        ap.error("--seeds must be >= 1")
    skip = [x for x in a.skip.split(",") if x]
    if a.only:
        only = set(a.only.split(","))
        every = {n for m in (goldfree_models(a.smoke), wrench_models(), semi_models()) for n in m}
        skip += sorted(every - only)
    cache = None if (a.no_cache or a.smoke) else Path(a.peer_cache)
    with _one_thread():
        out = run(datasets, a.seeds, a.smoke, a.data_dir, skip, cache)
    import shlex

    args = shlex.join(sys.argv[1:] if argv is None else argv)
    command = COMMAND if args in ("--write-docs", f"--write-docs {DOCS}") else COMMAND.replace("--write-docs", args)
    body = report(out, datasets, a.seeds, _versions(), command)
    print(body)
    if a.write_docs:
        update_section(a.write_docs, SECTION, body, "Label models without gold labels (issue 14)")
        print(f"wrote section {SECTION} of {a.write_docs}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(main())
