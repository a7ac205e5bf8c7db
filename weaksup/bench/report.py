"""Bench tables as markdown: formatting only (no file writing, no OS-specific imports).

:func:`results_table` turns the tidy results of :func:`weaksup.bench.run` into
one markdown table per protocol: rows = label model (+ end model), columns =
datasets, cells ``mean ± std`` over seeds.  A cell averaging fewer seeds than
the run asked for says so (``84.00 ± 0.00 [4/5 seeds]``), so a failed seed is
never silently averaged away.

>>> from weaksup.bench import markdown_table
>>> print(markdown_table(["model", "youtube"], [["MV", "84.00"]]))
| model | youtube |
|---|---|
| MV | 84.00 |
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np


# ------------------------------------------------------------------ published numbers


def published() -> dict[str, Any]:
    """The published WRENCH tables shipped as ``weaksup/bench/published.json`` (source inside).

    Examples
    --------
    >>> from weaksup.bench import published
    >>> tables = published()
    >>> sorted(k for k in tables if k in ("label_models", "end_models", "source", "name_map"))
    ['end_models', 'label_models', 'name_map', 'source']
    """
    from importlib import resources

    return json.loads(resources.files("weaksup.bench").joinpath("published.json").read_text(encoding="utf-8"))


_UNSET = object()


def published_config(label_model: str, model: Any, end_model: str = "", features: str | None = None) -> str:
    """What differs between a cell's configuration and the one WRENCH's published number was made with.

    ``""`` when the cell runs the configuration that reproduces the published
    label model (``published.json``, ``configurations``: e.g. WRENCH's WMV is
    ``WeightedMajorityVote(weights="class_prior")``, not the default) or when
    there is no published number.  End-model cells always differ in their
    features: WRENCH's LR/MLP were trained on BERT-base features, the bench's
    on ``features``.  The tables mark such cells so that the published number
    in parentheses is not read as a reproduction.

    Examples
    --------
    >>> from weaksup.labelmodel import MajorityVote, WeightedMajorityVote
    >>> from weaksup.bench.report import published_config
    >>> published_config("MajorityVote", MajorityVote())
    ''
    >>> published_config("WeightedMajorityVote", WeightedMajorityVote(weights="class_prior"))
    ''
    >>> published_config("WeightedMajorityVote", WeightedMajorityVote())
    "WRENCH's WMV is WeightedMajorityVote(weights='class_prior'); this row: weights='accuracy'"
    """
    pub = published()
    short = pub["name_map"].get(label_model, label_model)
    conf = pub.get("configurations", {}).get(short)
    parts = []
    if conf is not None:
        want = conf["params"]
        call = f"{conf['weaksup']}({', '.join(f'{p}={v!r}' for p, v in want.items())})"
        if conf["weaksup"] is None:
            parts.append(f"WRENCH's {short} is {conf['wrench']}; no weaksup configuration is known to reproduce it "
                         f"(this row: {label_model})")
        elif conf["weaksup"] != label_model:
            parts.append(f"WRENCH's {short} is {call}; this row: {label_model}")
        else:
            have = {p: getattr(model, p, _UNSET) for p in want}
            diff = [f"{p}={'unset' if v is _UNSET else repr(v)}" for p, v in have.items() if v != want[p]]
            if diff:
                parts.append(f"WRENCH's {short} is {call}; this row: {', '.join(diff)}")
    if end_model:
        parts.append(f"WRENCH's {end_model.upper()} used {pub.get('end_model_features', 'other features')}, "
                     + (f"this row {features!r} features" if features else "this row's features are not recorded"))
    return "; ".join(parts)



__all__ = ["markdown_table", "section_block", "results_table", "summarize_skipped", "docs_section", "fmt_cell",
           "published", "published_config"]

#: What a table cell that trained on the gold valid labels carries instead of the published number.
SEMI_MARK = "(semi-supervised)"
#: What a cell of a model of one's own that does not say whether it trains on the valid labels carries instead
#: (:func:`weaksup.bench.runner.trains_on_valid`: its reason begins ``"unknown:"``).
UNKNOWN_MARK = "(valid-label use unknown)"
#: What the tables' ``±`` is: numpy's ``std`` with ``ddof=0`` (pandas' ``Series.std`` defaults to ``ddof=1``).
STD_NOTE = "± std over seeds (ddof=0)"
#: The mark before a published number that was made with another configuration than the cell's
#: (:func:`published_config`).
OTHER_CONFIG_MARK = "†"
#: Short metric names in table headers.
_SHORT = {"accuracy": "acc", "f1_binary": "F1"}


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def section_block(name: str, body: str, title: str | None = None) -> str:
    """A named markdown section ``<!-- BEGIN name --> ... <!-- END name -->`` (what docs files are built from).

    >>> from weaksup.bench import section_block
    >>> section_block("s", "text", "Title").splitlines()
    ['<!-- BEGIN s -->', '## Title', '', 'text', '<!-- END s -->']
    """
    return f"<!-- BEGIN {name} -->\n" + (f"## {title}\n\n" if title else "") + body.rstrip() + f"\n<!-- END {name} -->"


def fmt_cell(scores: np.ndarray, pub: float | None = None, n_expected: int | None = None,
             with_published: bool = True, mark: str = "") -> str:
    """``mean ± std`` in percent; ``[n/N seeds]`` when some seeds are missing; published value in parentheses,
    preceded by ``mark`` (:data:`OTHER_CONFIG_MARK` when it was made with another configuration).

    >>> import numpy as np
    >>> from weaksup.bench.report import OTHER_CONFIG_MARK, fmt_cell
    >>> fmt_cell(np.array([0.5, 0.7]), 50.0)
    '60.00 ± 10.00 (50.00)'
    >>> fmt_cell(np.array([0.5, 0.7]), 50.0, mark=OTHER_CONFIG_MARK)
    '60.00 ± 10.00 † (50.00)'
    >>> fmt_cell(np.array([0.5]), None, n_expected=2)
    '50.00 ± 0.00 [1/2 seeds] (–)'
    """
    if scores.size == 0:
        return "–"
    cell = f"{100 * scores.mean():.2f} ± {100 * scores.std(ddof=0):.2f}"
    if n_expected is not None and scores.size < n_expected:
        cell += f" [{scores.size}/{n_expected} seeds]"
    if with_published:
        cell += (f" {mark}" if mark and pub is not None else "") + (f" ({pub:.2f})" if pub is not None else " (–)")
    return cell


def _n_seeds(df: Any) -> int:
    seeds = df.attrs.get("meta", {}).get("seeds") if hasattr(df, "attrs") else None
    return len(seeds) if seeds else int(df["seed"].nunique())


def _tidy(df: Any) -> Any:
    """``df`` as :func:`weaksup.bench.run` returns it, also when read back from ``results.csv``.

    ``pandas.read_csv`` reads the empty ``end_model`` cells of label-model rows as NaN (and an
    all-empty column as float): they become ``""`` again (``published_config`` too).
    """
    out = df.copy()
    out.attrs = dict(getattr(df, "attrs", {}))
    for col in ("end_model", "semi_supervised", "published_config"):
        out[col] = out[col].astype(object).fillna("").astype(str) if col in out else ""
    if "published_config" not in df:  # a results file older than the column: derived from the params
        out["published_config"] = _config_from_params(out)
    return out


def _config_from_params(df: Any) -> list[str]:
    """``published_config`` of each row of a results frame that lacks it, from its label model's name and
    ``params`` (the rest at the class defaults); end-model rows take the label model's row's params."""
    import inspect
    import json
    from types import SimpleNamespace

    from weaksup.labelmodel import registry

    params = df["params"] if "params" in df else [""] * len(df)
    key = ["dataset", "protocol", "label_model", "seed"]
    lm_params = {tuple(r[k] for k in key): p for (_, r), p in zip(df.iterrows(), params) if r["end_model"] == ""}
    features = (getattr(df, "attrs", {}).get("meta") or {}).get("features")
    out = []
    for (_, r), p in zip(df.iterrows(), params):
        if r.get("published") is None or r.get("published") != r.get("published"):  # no published number: NaN
            out.append("")
            continue
        given = p if r["end_model"] == "" else lm_params.get(tuple(r[k] for k in key), "")
        try:
            cls = registry.get_model(r["label_model"])
            attrs = {n: q.default for n, q in inspect.signature(cls).parameters.items()
                     if q.default is not inspect.Parameter.empty}
        except (KeyError, ValueError, TypeError, ImportError):  # not a registered model: nothing to compare
            cls, attrs = None, {}
        attrs.update(json.loads(given) if isinstance(given, str) and given else {})
        out.append(published_config(r["label_model"], SimpleNamespace(**attrs) if cls else None, r["end_model"],
                                    features))
    return out


def results_table(df: Any, split: str = "test", protocol: str | None = None,
                  with_published: bool = True) -> str:
    """Markdown table(s): rows = label model (+ end model), columns = datasets, cells mean ± std.

    Test cells carry the published WRENCH number in parentheses; a cell whose
    configuration is not the one the published number was made with (column
    ``published_config``: e.g. the default WeightedMajorityVote, not WRENCH's
    ``weights="class_prior"``; any end model, trained on other features than
    WRENCH's BERT-base ones) has ``†`` before the published number and a
    note under the table says what differs, row by row.  Under the
    ``gold-free`` protocol the title says that the published numbers were
    measured under WRENCH's protocol.  Cells
    that train on the gold valid labels (column ``semi_supervised``) are
    marked ``(semi-supervised)``, carry no published number (WRENCH's are
    unsupervised), and a note under the table says which and why.  One table per
    protocol unless ``protocol`` is given.  The title states the number of
    seeds; a cell with fewer is marked ``[n/N seeds]``.  ``df`` may also be
    ``pandas.read_csv`` of the ``results.csv`` the bench writes.

    Examples
    --------
    >>> from weaksup.bench import results_table, run
    >>> df = run(["youtube"], ["MajorityVote"], seeds=1, progress=False)
    >>> print(results_table(df).splitlines()[-1])  # ours ± std over seeds (published WRENCH)
    | MajorityVote | 84.00 ± 0.00 (84.00) |
    """
    if df.empty:
        return "_no results_\n"
    df = _tidy(df)
    parts = []
    protos = [protocol] if protocol else list(dict.fromkeys(df["protocol"]))
    dsets = list(dict.fromkeys(df["dataset"]))
    metrics = df.drop_duplicates("dataset").set_index("dataset")["metric"].to_dict()
    n_seeds = _n_seeds(df)
    show_pub = with_published and split == "test"
    for proto in protos:
        sub = df[(df["protocol"] == proto) & (df["split"] == split)]
        if sub.empty:
            continue
        header = ["model"] + [f"{d} ({_SHORT.get(metrics[d], metrics[d])})" for d in dsets]
        rows = []
        keys = list(dict.fromkeys(zip(sub["end_model"], sub["label_model"])))
        keys.sort(key=lambda k: (k[0] != "", k[0]))
        semi_notes: dict[str, list[str]] = {}
        unknown_notes: dict[str, list[str]] = {}
        config_notes: dict[str, list[str]] = {}
        for em, lm in keys:
            row: list[object] = [lm if not em else f"{em.upper()} + {lm}"]
            name = str(row[0])
            for d in dsets:
                cell = sub[(sub["dataset"] == d) & (sub["label_model"] == lm) & (sub["end_model"] == em)]
                semi = [r for r in dict.fromkeys(cell["semi_supervised"]) if r]
                if semi:  # trained on gold valid labels: marked, and never beside WRENCH's unsupervised number
                    known = [r for r in semi if not _unknown_use(r)]
                    row.append(fmt_cell(cell["score"].to_numpy(float), None, n_seeds, False)
                               + f" {SEMI_MARK if known else UNKNOWN_MARK}")
                    for r in semi:
                        notes_of = unknown_notes if _unknown_use(r) else semi_notes
                        if r not in notes_of.setdefault(str(row[0]), []):
                            notes_of[str(row[0])].append(r)
                    continue
                pubs = cell["published"].dropna()
                pub = float(pubs.iloc[0]) if (show_pub and len(pubs)) else None
                # a published number beside another configuration: the cell is marked, the note says what differs
                notes = [n for n in dict.fromkeys(cell.loc[cell["published"].notna(), "published_config"]) if n] \
                    if pub is not None else []
                for note in notes:
                    if note not in config_notes.setdefault(name, []):
                        config_notes[name].append(note)
                row.append(fmt_cell(cell["score"].to_numpy(float), pub, n_seeds, show_pub,
                                    OTHER_CONFIG_MARK if notes else ""))
            rows.append(row)
        seeds = f"{n_seeds} seed{'s' if n_seeds != 1 else ''}"
        pub_what = ("published WRENCH in parentheses" if proto == "wrench" else
                    "published WRENCH in parentheses, measured under WRENCH's protocol, not this one")
        title = f"**protocol {proto}, {split} split**" + (
            f" — mean {STD_NOTE} ({pub_what})" if show_pub else f" — mean {STD_NOTE}")
        title += f"; every cell averages {seeds} unless marked [n/{n_seeds} seeds]"
        table = title + "\n\n" + markdown_table(header, rows)
        if semi_notes:
            table += ("\n\n" + f"{SEMI_MARK}: the cell *trains* on the gold valid labels (not only selects or sets "
                      "the class balance with them, as WRENCH's protocol does), so it is not comparable with "
                      "WRENCH's published label models, which are unsupervised, and no published number is shown "
                      "beside it: " + "; ".join(f"{m} ({'; '.join(rs)})" for m, rs in semi_notes.items()) + ".")
        if unknown_notes:
            table += ("\n\n" + f"{UNKNOWN_MARK}: a model of one's own got the gold valid labels (as every label "
                      "model does under this protocol) and does not declare whether it trains on them (class "
                      "attribute trains_on_valid_labels = False / True), so no published number is shown beside "
                      "it: " + "; ".join(f"{m} ({'; '.join(rs)})" for m, rs in unknown_notes.items()) + ".")
        if any(config_notes.values()):
            table += ("\n\n" + f"{OTHER_CONFIG_MARK} (published number): it was made with another configuration "
                      "than this row's, so the pair is no reproduction (a cell without the mark runs the published "
                      "number's configuration, which does not by itself make the numbers equal): "
                      + "; ".join(
                          f"{m} ({'; '.join(ns)})" for m, ns in config_notes.items() if ns) + ".")
        parts.append(table)
    return "\n\n".join(parts) + "\n"


def _unknown_use(reason: str) -> bool:
    """Whether a ``semi_supervised`` reason says the valid-label use is unknown rather than known."""
    return reason.startswith("unknown:")


def summarize_skipped(skipped: list[dict[str, str]]) -> list[str]:
    """One line per (model, reason), listing datasets / protocols / seeds instead of one line per run.

    Examples
    --------
    >>> from weaksup.bench import summarize_skipped
    >>> skipped = [{"what": f"EBCC on {d} (wrench, seed 0)", "why": "did not converge"} for d in ("sms", "trec")]
    >>> summarize_skipped(skipped)
    ['EBCC on sms, trec (wrench; seeds 0): did not converge']
    """
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


def _data_note(meta: dict[str, Any]) -> list[str]:
    """Where the sets were read from (``meta["data"]``), grouped by folder: one line, or none without it."""
    from pathlib import Path

    data = meta.get("data") or {}
    if not data:
        return []
    groups: dict[str, list[str]] = {}
    for name, d in data.items():
        path = Path(d["path"])
        root = str(path.parent) if path.name == name else str(path)
        groups.setdefault(f"{root} ({d['source']})", []).append(name)
    return ["Data read from " + "; ".join(f"{where}: {', '.join(names)}" for where, names in groups.items()) + "."]


def docs_section(df: Any) -> str:
    """The body of the docs section ``wrench-label-models``: command, setup, tables, failed runs.

    Examples
    --------
    >>> from weaksup.bench import docs_section, run
    >>> df = run(["youtube"], ["MajorityVote"], seeds=1, progress=False, command="weaksup bench -d youtube")
    >>> docs_section(df).splitlines()[0]
    'Command: `weaksup bench -d youtube`'
    """
    meta = df.attrs.get("meta", {})
    lines = [
        f"Command: `{meta.get('command') or 'weaksup bench'}`",
        "",
        f"Seeds {meta.get('seeds')}; protocols {', '.join(meta.get('protocols', []))}; WRENCH tie-break "
        f"(`{meta.get('tie_break')}`); scores in percent; published numbers: "
        f"{meta.get('published_source', '')}",
        f"Wall time {meta.get('seconds')} s on {meta.get('cpus')} CPU(s) ({meta.get('platform')}), "
        f"weaksup {meta.get('weaksup', '?')}.",
        *_data_note(meta),
        *([f"End models are trained on `{meta['features']}` features (WRENCH's published LR/MLP on BERT-base "
           "features)."] if meta.get("features") else []),
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
