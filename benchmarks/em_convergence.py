"""EM steps and valid-split effects of AbstainDawidSkene's stopping rule on the 9 WRENCH sets.

    WEAKSUP_DATA=/path/to/wrench python benchmarks/em_convergence.py

Prints the numbers quoted under *Convergence* in docs/label_models.md (it writes no docs section).
For the gold-free default's model, ``AbstainDawidSkene(decide="majority", init="mv2")`` fitted on the
unlabelled votes of train+valid+test (seed-free, deterministic), per set:

* the EM steps of the old stopping rule (plain EM, stop when a step gains under ``1e-6`` log-likelihood
  per row or at 200 steps) and of the current one (SQUAREM-accelerated EM, ``tol=1e-8``,
  ``max_iter=1000``);
* for each, the valid rows whose tied classes (within ``1e-5`` of the top probability) differ from
  those of plain EM run to ``tol=1e-10`` (the converged fit), and its steps;
* the valid-split score of each (F1 of class 1 on sms, tennis, basketball, commercial, accuracy
  otherwise; WRENCH's tie rule, sha1 of the valid row index), in percent.

Then, on the train votes alone, the steps of the old stopping rule (``init="mv"`` and ``"mv2"``) and the most
steps the current fit takes, and whether any warns.  On semeval also ``AbstainDawidSkene()`` itself
(``init="mv"``, the posterior decides): steps and valid score at the old stop, now and converged, beside
one-coin and majority vote; and the gold-free default's model given valid labels (class balance fixed from
them, as AutoLabelModel fits its candidate) at ``max_iter`` 1000 and 500.  ``--smoke``: youtube only.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATASETS = ["youtube", "sms", "trec", "semeval", "imdb", "yelp", "tennis", "basketball", "commercial"]
COMMAND = "WEAKSUP_DATA=/path/to/wrench python benchmarks/em_convergence.py"


def _models() -> dict[str, Any]:
    """The three ways of fitting compared: old stopping rule, current default, converged reference."""
    from weaksup.labelmodel import AbstainDawidSkene

    class PlainEM(AbstainDawidSkene):
        """The same model fitted by plain EM (one E- and M-step an iteration, no extrapolation)."""

        _accelerate = False

    return {"old": lambda **p: PlainEM(max_iter=200, tol=1e-6, **p),
            "now": lambda **p: AbstainDawidSkene(**p),
            "converged": lambda **p: PlainEM(max_iter=100_000, tol=1e-10, **p)}


def _ties(P: np.ndarray) -> list[tuple[int, ...]]:
    """Per row, the classes within 1e-5 of the top probability (what the tie rule then decides)."""
    return [tuple(np.flatnonzero(p >= p.max() - 1e-5)) for p in P]


def _fit(make: Any, L: Any, valid: Any = None, **params: Any) -> tuple[Any, bool]:
    """Fit, and say whether the fit warned that EM stopped at ``max_iter``."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        lm = make(**params).fit(L, valid=valid)
    return lm, any(issubclass(w.category, ConvergenceWarning) for w in got)


def _semeval(ds: Any, L: Any, models: dict[str, Any]) -> None:
    """SemEval: AbstainDawidSkene() itself (the posterior decides) and the gold-free default's model given
    valid labels (the class balance fixed from them, as AutoLabelModel's candidate is fitted)."""
    from weaksup.labelmodel import AbstainDawidSkene, MajorityVote
    from weaksup.metrics import probs_to_preds, score

    tr, va = ds.train.votes, ds.valid.votes
    ys = np.asarray(ds.valid.labels)

    def valid_score(lm: Any) -> str:
        P = lm.predict_proba(L)[tr.n:tr.n + va.n]
        return f"{100 * score(ds.metric, ys, probs_to_preds(P, 'random')):.2f}"

    got = {name: _fit(make, L)[0] for name, make in models.items()}
    print("semeval, AbstainDawidSkene() (init='mv', the posterior decides), all votes: "
          + ", ".join(f"{name} {lm.n_iter_} steps, valid {valid_score(lm)}" for name, lm in got.items())
          + f"; one-coin valid {valid_score(_fit(AbstainDawidSkene, L, confusion='one_coin')[0])}"
          + f"; MajorityVote valid {valid_score(MajorityVote().fit(L))}", flush=True)
    P_full = None
    for max_iter in (1000, 500):
        lm, warned = _fit(AbstainDawidSkene, tr, decide="majority", init="mv2", max_iter=max_iter)
        lm_v, warned_v = _fit(AbstainDawidSkene, tr, decide="majority", init="mv2", max_iter=max_iter,
                              valid=(va, ys))
        P = lm_v.predict_proba(va)
        gap = "" if P_full is None else \
            f", valid probabilities within {np.abs(P - P_full).max():.1e} of max_iter=1000's"
        P_full = P if P_full is None else P_full
        print(f"semeval, gold-free default's model on the train votes, max_iter={max_iter}: {lm.n_iter_} steps"
              f"{' (warned)' if warned else ''}; with valid= labels {lm_v.n_iter_} steps"
              f"{' (warned)' if warned_v else ''}{gap}", flush=True)


def run(datasets: list[str], data_dir: str | None) -> None:
    from weaksup.data import load_wrench
    from weaksup.metrics import probs_to_preds, score
    from weaksup.votes import VoteMatrix

    models = _models()
    gold_free = {"decide": "majority", "init": "mv2"}
    print("| set | old stop: steps | old: valid rows tied differently | now: steps | now: differently "
          "| converged: steps | valid old / now / converged |")
    print("|---|---|---|---|---|---|---|")
    vals: dict[str, list[float]] = {"old": [], "now": [], "converged": []}
    train_steps: dict[str, tuple[int, bool]] = {}
    old_stops: dict[str, str] = {}
    for d in datasets:
        ds = load_wrench(d, data_dir)
        tr, va, te = ds.train.votes, ds.valid.votes, ds.test.votes
        L = VoteMatrix(np.vstack([tr.to_dense(), va.to_dense(), te.to_dense()]), tr.lf_names, ds.cardinality)
        fits = {name: _fit(make, L, **gold_free) for name, make in models.items()}
        P = {name: lm.predict_proba(L)[tr.n:tr.n + va.n] for name, (lm, _) in fits.items()}
        ref = _ties(P["converged"])
        ys = np.asarray(ds.valid.labels)
        row = {}
        for name in models:
            vals[name].append(100 * score(ds.metric, ys, probs_to_preds(P[name], "random")))
            row[name] = (fits[name][0].n_iter_, sum(a != b for a, b in zip(_ties(P[name]), ref)))
        warned = [name for name, (_, w) in fits.items() if w and name != "old"]
        print(f"| {d} | {row['old'][0]} | {row['old'][1]} | {row['now'][0]} | {row['now'][1]} "
              f"| {row['converged'][0]} | {vals['old'][-1]:.2f} / {vals['now'][-1]:.2f} / {vals['converged'][-1]:.2f}"
              f"{' (warned: ' + ', '.join(warned) + ')' if warned else ''} |", flush=True)
        lm, w = _fit(models["now"], tr, **gold_free)
        train_steps[d] = (lm.n_iter_, w)
        old = {init: _fit(models["old"], tr, init=init)[0].n_iter_ for init in ("mv", "mv2")}
        old_stops[d] = f"{d} {old['mv']} / {old['mv2']}"
        if d == "semeval":
            _semeval(ds, L, models)
    print(f"valid mean over {len(datasets)} sets: old {np.mean(vals['old']):.2f}, now {np.mean(vals['now']):.2f}, "
          f"converged {np.mean(vals['converged']):.2f}")
    print("train votes alone, old stopping rule, steps with init='mv' / 'mv2' (200: the cap): "
          + ", ".join(old_stops.values()))
    most = max(train_steps, key=lambda d: train_steps[d][0])
    print(f"train votes alone, gold-free default's model: most steps {train_steps[most][0]} ({most}); "
          f"ConvergenceWarning on: {[d for d, (_, w) in train_steps.items() if w] or 'none'}")


def main(argv: list[str] | None = None) -> int:
    from benchmarks._measure import wrench_datasets_main

    return wrench_datasets_main(__doc__, DATASETS, run, argv)


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(main())
