"""The ``weaksup`` command line.

::

    weaksup bench [--datasets youtube sms ...] [--label-models MajorityVote ...]
                  [--end-models lr mlp] [--seeds 5] [--protocol wrench|gold-free|both]
                  [--features tfidf|minilm|minilm+tfidf|task] [--metric [NAME=]METRIC ...]
                  [--search] [--hard-labels]
                  [--data-dir DIR] [--out DIR] [--write-docs PATH]
    weaksup datasets [--data-dir DIR]          # registry + where each set was found
    weaksup download NAME [--base-url URL] [--cache DIR]
    weaksup demo [...]                          # weaksup.demo.main
    weaksup apply LF_MODULE DATA --out votes.npz       # LFs (a .py file) x rows -> VoteMatrix
    weaksup analyze VOTES [--labels Y] [--cardinality K] [--out summary.csv] [--plots DIR]
    weaksup fit VOTES [--model NAME] [--valid VOTES Y] --out model.npz [--probs probs.npy]

``DATA`` and ``--labels`` are files (CSV, Parquet, JSON lines / records, ``.npy``) or a WRENCH split
written ``wrench:NAME:SPLIT`` (``wrench:youtube:train``).  Exit status: 0 success, 2 bad input (a
missing file, an unknown dataset or model, a malformed LF module, data lacking a field the LFs read, an
output path that cannot be written, an option whose optional extra is not installed, such as ``--engine dask``
without ``weaksup[dask]``: the message says which and where), 1 a failure while running
(network, disk, an LF that raises: the message names the LF and row), 130 Ctrl-C (``bench --out`` keeps
the finished cells, marked partial).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

# every command prints its tables and paths through this (backslash escapes where the console's encoding lacks a
# character); it lives in weaksup._console so that weaksup.demo, which this module imports, prints through it too
from weaksup._console import echo as _echo

__all__ = ["main", "build_parser", "load_lf_module", "InputError"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="weaksup", description="weak supervision: benchmark, data and demo tools")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")

    b = sub.add_parser("bench", help="run label/end models on WRENCH classification sets")
    b.add_argument("--datasets", nargs="+", metavar="NAME",
                   help="WRENCH task names (default: every classification set found)")
    b.add_argument("--label-models", nargs="+", metavar="MODEL",
                   help="registered label models (class names or mv/wmv/ds/mc/fs/ebcc/auto; default: all)")
    b.add_argument("--end-models", nargs="*", default=[], metavar="MODEL", help="registered end models: lr, mlp")
    b.add_argument("--seeds", type=int, default=5, help="number of seeds 0..N-1 (default 5; at least 1)")
    b.add_argument("--protocol", choices=["wrench", "gold-free", "both"], default="wrench",
                   help="wrench: gold valid labels for model selection; gold-free: none before test")
    b.add_argument("--features", default="tfidf",
                   help="end-model features: a wrench_features kind (tfidf, minilm, minilm_entity, tfidf_relation), "
                        "a '+' join (minilm+tfidf), or 'task' (each task's registered set)")
    b.add_argument("--metric", nargs="+", default=None, metavar="[NAME=]METRIC",
                   help="score with METRIC (accuracy, f1_binary, f1_macro, ...): one for every set, or NAME=METRIC "
                        "per set (default: the registry's; a set it does not know gets f1_binary with 2 classes, "
                        "else accuracy, with a warning)")
    b.add_argument("--hard-labels", action="store_true", help="train end models on hard instead of soft labels")
    b.add_argument("--search", action="store_true",
                   help="select end-model hyper-parameters on valid from a small grid (lr: C; mlp: lr, weight_decay)")
    b.add_argument("--data-dir", help="WRENCH root, the only place looked in (default: $WEAKSUP_DATA, then the "
                                      "user cache, then the bundled copy)")
    b.add_argument("--out", help="folder for results.csv / results.json / table.md / section.md")
    b.add_argument("--write-docs", default=None, metavar="PATH",
                   help="write the docs section wrench-label-models (<!-- BEGIN/END --> markers) to the file PATH; "
                        "an existing PATH must hold only that section (splice it into a larger markdown file "
                        "with the repository's benchmarks/_docs.py)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")

    d = sub.add_parser("datasets", help="list the WRENCH registry and where each dataset is found")
    d.add_argument("--data-dir", help="look only in this WRENCH root (default: $WEAKSUP_DATA, the user cache, "
                                      "the bundled copy)")

    dl = sub.add_parser("download", help="download a WRENCH dataset into the user cache")
    dl.add_argument("name")
    dl.add_argument("--base-url", default=None, help="distribution root (default: the WRENCH HF dataset)")
    dl.add_argument("--cache", default=None, help="cache root (default: ~/.cache/weaksup/wrench)")
    dl.add_argument("--force", action="store_true", help="re-download even if present")
    dl.add_argument("--max-size", type=float, default=2048, metavar="MB",
                    help="refuse a file larger than this many megabytes (default 2048)")
    dl.add_argument("--max-time", type=float, default=3600, metavar="SECONDS",
                    help="stop a download running longer than this (default 3600; run again to resume)")
    dl.add_argument("--timeout", type=float, default=60, metavar="SECONDS",
                    help="socket timeout per request (default 60)")

    sub.add_parser("demo", help="run the weaksup demo (weaksup.demo.main); extra arguments are passed on",
                   add_help=False)

    a = sub.add_parser("apply", help="apply the LFs of a Python file to a data file; write a VoteMatrix (.npz)",
                       description="Apply every LabelingFunction defined at module level in LF_MODULE (or the list "
                                   "named by --lfs-name) to the rows of DATA and save the votes with "
                                   "VoteMatrix.save (read back with weaksup.VoteMatrix.load).")
    a.add_argument("lf_module", metavar="LF_MODULE", help="a .py file defining labeling functions")
    a.add_argument("data", metavar="DATA", help="CSV/Parquet/JSON-lines file, or wrench:NAME:SPLIT")
    a.add_argument("--out", required=True, metavar="VOTES.npz", help="where to write the votes")
    a.add_argument("--lfs-name", default=None, metavar="NAME",
                   help="a module-level list of LFs (or a single LF) to use (default: every LF defined in the "
                        "module, in order)")
    a.add_argument("--engine", default="serial", help="serial, process or dask (default serial)")
    a.add_argument("--cardinality", type=int, default=None, help="number of classes (default: inferred)")
    a.add_argument("--cache", default=None, metavar="DIR", help="vote cache folder: unchanged LFs are not re-run")
    a.add_argument("--fault", choices=["raise", "abstain", "warn"], default="raise",
                   help="what an LF exception does (default raise: stop and name the LF and row)")
    a.add_argument("--data-dir", help="WRENCH root for wrench:NAME:SPLIT, the only place looked in (default: "
                                      "$WEAKSUP_DATA, the user cache, then the bundled copy)")
    a.add_argument("--no-progress", action="store_true", help="no progress bar")

    an = sub.add_parser("analyze", help="LF summary (coverage, overlaps, conflicts, accuracy) of a votes file")
    an.add_argument("votes", metavar="VOTES", help="a VoteMatrix .npz (weaksup apply --out)")
    an.add_argument("--labels", default=None, metavar="Y",
                    help="gold labels for accuracy columns: .npy/.csv/.parquet/.jsonl file or wrench:NAME:SPLIT")
    an.add_argument("--label-column", default="label", help="column of --labels in a table file (default label)")
    an.add_argument("--out", default=None, metavar="SUMMARY.csv", help="also write the table (.csv or .parquet)")
    an.add_argument("--plots", default=None, metavar="DIR", help="write lf_summary.png (needs matplotlib)")
    an.add_argument("--data-dir", help="WRENCH root for wrench:NAME:SPLIT labels")
    an.add_argument("--cardinality", type=int, default=None,
                    help="number of classes, when the gold labels hold classes no LF votes (default: the votes')")

    f = sub.add_parser("fit", help="fit a registered label model on a votes file; save it and its probabilities")
    f.add_argument("votes", metavar="VOTES", help="a VoteMatrix .npz (weaksup apply --out)")
    f.add_argument("--model", default="AutoLabelModel",
                   help="a registered label model or alias (default AutoLabelModel: gold-free without --valid)")
    f.add_argument("--valid", nargs=2, default=None, metavar=("VOTES", "Y"),
                   help="held-out votes and gold labels (selection / class balance, as the model uses them)")
    f.add_argument("--label-column", default="label", help="column of Y in a table file (default label)")
    f.add_argument("--out", required=True, metavar="MODEL.npz", help="where to save the fitted model")
    f.add_argument("--probs", default=None, metavar="FILE",
                   help="write the training rows' probabilities (.npy, .csv or .parquet)")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--data-dir", help="WRENCH root for wrench:NAME:SPLIT labels")
    return p


SECTION = "wrench-label-models"
SECTION_TITLE = "WRENCH classification: label models"


def _check_docs_path(path: str) -> Path:
    """The ``--write-docs`` target: a new file, or one that holds only this section (never a whole docs page)."""
    from weaksup.bench.runner import check_folder_can_be_made

    target = Path(path)
    if target.is_dir():
        raise ValueError(f"--write-docs {path}: is a folder; give a file path")
    check_folder_can_be_made(target.parent, f"--write-docs {path}")  # before the run, not after it
    if target.exists() and not os.access(target, os.W_OK):
        raise ValueError(f"--write-docs {path}: the file cannot be written (nothing was run)")
    if target.exists():
        text = target.read_text(encoding="utf-8").strip()
        if text and not (text.startswith(f"<!-- BEGIN {SECTION} -->") and text.endswith(f"<!-- END {SECTION} -->")
                         and text.count("<!-- BEGIN ") == 1):
            raise ValueError(f"--write-docs {path}: the file exists and holds more than the {SECTION} section; "
                             "write to a new file and splice it in (benchmarks/_docs.py in the repository)")
    return target


def _metric_arg(values: list[str] | None) -> str | dict[str, str] | None:
    """``--metric``: ``METRIC`` (every set) or ``NAME=METRIC`` pairs (per set), not both."""
    if not values:
        return None
    pairs = [v for v in values if "=" in v]
    if not pairs:
        if len(values) > 1:
            raise InputError(f"--metric {' '.join(values)}: give one METRIC for every set, or NAME=METRIC per set")
        return values[0]
    if len(pairs) != len(values):
        raise InputError(f"--metric {' '.join(values)}: mix of METRIC and NAME=METRIC; use NAME=METRIC for each")
    out: dict[str, str] = {}
    for v in values:
        name, _, metric = v.partition("=")
        if not name or not metric or name in out:
            raise InputError(f"--metric {v!r}: write NAME=METRIC, each set once")
        out[name] = metric
    return out


#: Why a model of one's own cannot be named on the command line (said by bench and fit about an unknown name).
_OWN_MODELS_CLI = ("a model of one's own cannot be named here: weaksup.labelmodel.registry.register() adds it only "
                   "to the Python process that calls it, and each weaksup command is a new process that knows the "
                   "built-in models only")


def _check_bench_models(args: argparse.Namespace) -> None:
    """``--label-models`` / ``--end-models`` name registered models (bad input otherwise, before any data is
    read); the Python API's advice for an unknown name (pass the class, register it) is no use on the command
    line, so this says what is."""
    from weaksup.bench.runner import _aliases
    from weaksup.labelmodel import registry

    for option, family, names in (("--label-models", "label", args.label_models),
                                  ("--end-models", "end", args.end_models)):
        for name in names or ():
            try:
                registry.spec(name)
            except KeyError:
                run_it = ("weaksup.bench.run(label_models=[MyModel])" if family == "label"
                          else "weaksup.bench.run(end_models=[MyModel])")
                raise InputError(f"{option}: unknown {family} model {name!r}; choose from "
                                 f"{registry.model_names(family)} (or their aliases: "
                                 f"{_aliases(registry.specs(family))}); {_OWN_MODELS_CLI}: run it from Python "
                                 f"with {run_it} (docs/data_and_bench.md)") from None


def _cmd_bench(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from weaksup.bench.report import docs_section, results_table, section_block, summarize_skipped
    from weaksup.bench.runner import check_out_dir, available_datasets, no_dataset_found, run

    docs = _check_docs_path(args.write_docs) if args.write_docs else None  # before the (long) run
    if args.out:
        check_out_dir(args.out, f"--out {args.out}")
    _check_bench_models(args)
    if args.datasets is None and not available_datasets(args.data_dir):
        raise InputError(no_dataset_found(args.data_dir, "--data-dir"))
    protocol = ["wrench", "gold-free"] if args.protocol == "both" else args.protocol
    command = "weaksup " + " ".join(shlex.quote(a) for a in argv)
    if not args.data_dir and os.environ.get("WEAKSUP_DATA"):
        # how the data was found belongs to the command; the folder is this machine's, so a placeholder (as the
        # benchmarks/ scripts write it), and the section's "Data read from" line says which folder it was
        command = f"WEAKSUP_DATA=/path/to/wrench {command}"
    df = run(args.datasets, args.label_models, args.end_models, seeds=args.seeds, protocol=protocol,
             data_dir=args.data_dir, out_dir=args.out, features=args.features, metric=_metric_arg(args.metric),
             soft_labels=not args.hard_labels, progress=not args.no_progress,
             end_model_grid=True if args.search else None, command=command)
    failed = df.attrs.get("skipped", [])
    all_failed = df.empty and bool(failed)  # no result is no success (and no docs section of none)
    if docs is not None and not all_failed:  # before printing: the run's file, whatever the console can show
        docs.parent.mkdir(parents=True, exist_ok=True)
        docs.write_text(section_block(SECTION, docs_section(df), SECTION_TITLE) + "\n", encoding="utf-8")
    _echo(results_table(df, "test") + "\n" + results_table(df, "train", with_published=False))  # '±', '—'
    for line in summarize_skipped(failed):
        print(f"skipped {line}", file=sys.stderr)
    print(f"[{df.attrs['meta']['seconds']} s]", file=sys.stderr)
    if all_failed:
        first = failed[0]
        print(f"weaksup bench: error: every cell failed ({len(failed)} failure(s), listed above as 'skipped'); the "
              f"first: {first['what']}: {first['why'][:200]}", file=sys.stderr)
        return 1
    if docs is not None:
        print(f"wrote section {SECTION} to {docs}", file=sys.stderr)
    return 0


def _cmd_datasets(args: argparse.Namespace) -> int:
    from weaksup.data.registry import tasks
    from weaksup.data.wrench import bundled_dir, find_wrench_dir

    if args.data_dir is not None and not Path(args.data_dir).is_dir():  # "not found" for every set would hide it
        raise InputError(f"--data-dir {args.data_dir}: "
                         f"{'is a file, not a folder' if Path(args.data_dir).exists() else 'no such folder'}")
    w = max(14, *(len(name) + 2 for name in tasks()))  # the longest name still leaves a gap
    lines = [f"{'name':<{w}}{'task':<16}{'metric':<11}{'LFs':>5}{'train':>8}{'valid':>7}{'test':>7}  location"]
    for name, t in tasks().items():
        where = find_wrench_dir(name, args.data_dir)
        if where is None and args.data_dir is None and bundled_dir(name) is not None:  # --data-dir: only there
            where = f"{bundled_dir(name)} (bundled copy)"
        lines.append(f"{name:<{w}}{t['task']:<16}{t['metric']:<11}{t['n_lfs']:>5}{t['n_train']:>8}{t['n_valid']:>7}"
                     f"{t['n_test']:>7}  {where if where else 'not found (weaksup download ' + name + ')'}")
    _echo("\n".join(lines))  # the folders may hold characters the console's encoding lacks
    return 0


def _cmd_download(args: argparse.Namespace) -> int:
    from weaksup.data.download import download_wrench
    from weaksup.data.registry import tasks

    # before any network access: a typo is bad input, not a download failure.  The WRENCH distribution holds
    # the registered sets only; a server of one's own (--base-url, $WEAKSUP_WRENCH_URL) may hold others.
    own_server = args.base_url or os.environ.get("WEAKSUP_WRENCH_URL")
    if args.name not in tasks() and not own_server:
        raise InputError(f"unknown dataset {args.name!r}; known: {', '.join(sorted(tasks()))} (weaksup datasets); "
                         "a set outside the registry downloads from a server given with --base-url")
    if not args.max_size > 0 or not args.max_time > 0 or not args.timeout > 0:
        raise ValueError("--max-size, --max-time and --timeout must be positive")
    kw: dict[str, object] = {"max_bytes": int(args.max_size * 2**20), "max_seconds": args.max_time,
                             "timeout": args.timeout}
    if args.base_url:
        kw["base_url"] = args.base_url
    if args.cache:
        kw["cache"] = args.cache
    path = download_wrench(args.name, force=args.force, **kw)  # type: ignore[arg-type]
    _echo(str(path))
    return 0


# ----------------------------------------------------------- the scripted workflow
class InputError(ValueError):
    """Bad input to a command (exit status 2)."""


def _existing(path: str, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{what} {path!r}: no such file")
    return p


def _wrench_split(spec: str, data_dir: str | None, *, rows: bool = False) -> Any:
    """``wrench:NAME:SPLIT`` -> that split of the WRENCH classification dataset NAME.

    Unknown names say which exist; a sequence-tagging set, or (``rows=True``, for LFs to read) a
    labels-only set, is an :class:`InputError` before anything is loaded.
    """
    from weaksup.data.registry import tasks
    from weaksup.data.wrench import load_wrench

    parts = spec.split(":")
    if len(parts) != 3 or parts[2] not in ("train", "valid", "test"):
        raise InputError(f"{spec!r}: write a WRENCH split as wrench:NAME:SPLIT with SPLIT train, valid or test")
    name = parts[1]
    if name not in tasks():
        raise InputError(f"{spec!r}: unknown dataset {name!r}; known: {', '.join(sorted(tasks()))}")
    info = tasks()[name]
    if info["task"] != "classification":
        raise InputError(_not_classification(spec, name, info["task"]))
    if rows and info.get("labels_only"):
        raise InputError(f"{spec!r}: {name!r} is a labels-only dataset, no text to apply LFs to "
                         "(it ships votes and labels only)")
    ds = load_wrench(name, data_dir)
    task = getattr(ds, "task", "classification")  # the folder found may disagree with the registry
    if task != "classification":
        raise InputError(_not_classification(spec, name, task))
    if rows and ds.labels_only:
        raise InputError(f"{spec!r}: {name!r} is a labels-only dataset, no text to apply LFs to")
    return ds.splits[parts[2]]


def _not_classification(spec: str, name: str, task: str) -> str:
    kind = "a sequence-tagging" if task == "sequence" else f"a {task}"
    return (f"{spec!r}: {name!r} is {kind} dataset (per-token tags); apply, analyze and fit take WRENCH "
            f"classification sets (load it in Python: weaksup.data.load_wrench({name!r}))")


def _wrench_json(path: Path) -> dict[str, Any] | None:
    """A ``.json`` file in the WRENCH split layout ``{id: {"label", "weak_labels", "data"}}``, else None.

    pandas would read that layout transposed (one row per field, one column per example), so it is
    recognised here; a file that half matches it is refused rather than read either way.
    """
    from weaksup.data._wrench_io import read_json

    # the library's reader: a duplicated example id (which json.load collapses, dropping an example), a UTF-8
    # byte-order mark or bytes that are not UTF-8 are errors naming the file and place (exit 2); pandas,
    # which reads any other .json, refuses every one of them too, in vaguer words
    raw = read_json(path)
    if not isinstance(raw, dict) or not any(isinstance(v, dict) and "weak_labels" in v for v in raw.values()):
        return None
    for ex_id, ex in raw.items():
        if not isinstance(ex, dict) or "label" not in ex or "weak_labels" not in ex:
            raise InputError(f"{path}: looks like a WRENCH split ({{id: {{label, weak_labels, data}}}}), but "
                             f"example {ex_id!r} lacks 'label' or 'weak_labels'")
        data = ex.get("data") or {}
        if not isinstance(data, dict):
            raise InputError(f"{path}: WRENCH split example {ex_id!r}: 'data' must be an object")
        if "text" in data and not isinstance(data["text"], str):
            raise InputError(f"{path}: WRENCH split example {ex_id!r}: data 'text' must be a string, got "
                             f"{data['text']!r}")
    from weaksup.data.wrench import check_data_gaps, data_gaps

    try:  # an example without the data (or text) the others hold would reach the LFs as a row of NaN
        check_data_gaps([data_gaps(path, list(raw), [ex.get("data") or {} for ex in raw.values()])])
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return raw


def _wrench_json_rows(path: Path, raw: dict[str, Any]) -> Any:
    """The examples of a WRENCH split file as rows (index: example ids, columns: the ``data`` fields)."""
    from weaksup.data.wrench import WrenchFormatError, split_frame

    try:
        frame = split_frame(path, list(raw), [ex.get("data") or {} for ex in raw.values()])
    except WrenchFormatError as exc:  # a lone surrogate in a text: named by file, example and field
        raise InputError(str(exc)) from None
    if frame.shape[1] == 0:
        raise InputError(f"{path}: a labels-only WRENCH split (its examples have no 'data'), no text to apply "
                         "LFs to")
    return frame


def _read_table(path: Path) -> Any:
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".json":
        raw = _wrench_json(path)
        if raw is not None:
            return _wrench_json_rows(path, raw)
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".jsonl", ".ndjson"):
            # utf-8-sig: a byte-order mark (Notepad, PowerShell 5's Out-File -Encoding utf8) is skipped, as
            # read_csv skips it; pandas' own reader failed on it with "Expected object or value at position 0"
            return pd.read_json(path, lines=True, encoding="utf-8-sig")
        if suffix == ".json":
            return pd.read_json(path)
    except UnicodeDecodeError as exc:  # pandas' "position" is within a buffer, not the file: find the byte
        raise _not_utf8(path, exc) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as {suffix[1:]} ({exc})") from exc
    raise InputError(f"{path}: unknown data format {suffix!r}; use .csv, .parquet, .jsonl or .json")


def _first_non_utf8(path: Path, block: int = 1 << 20) -> tuple[int, int, bytes, bytes] | None:
    """``(offset, line, the byte, the bytes before it on its line)`` of the first byte of ``path`` that is not
    UTF-8 (None: all of it is).

    Read in blocks, so a file of many GB is never held whole; a character cut by a block's end is
    carried to the next block.
    """
    offset, lines, carry = 0, 0, b""  # offset: the file position of carry's first byte
    prev = b""  # the (up to 30) bytes before carry, for the context shown
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(block)
            data = carry + chunk
            if not data:
                return None
            try:
                data.decode("utf-8")
                done = len(data)
            except UnicodeDecodeError as exc:
                if not (chunk and exc.reason == "unexpected end of data"):  # a bad byte, or a file cut mid-character
                    before = prev + data[:exc.start]
                    return (offset + exc.start, lines + data.count(b"\n", 0, exc.start) + 1,
                            data[exc.start:exc.start + 1], before[before.rfind(b"\n") + 1:][-30:])
                done = exc.start  # a character split by the block's end: decode it with the next block
            lines += data.count(b"\n", 0, done)
            offset += done
            prev = (prev + data[:done])[-30:]
            carry = data[done:]


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> InputError:
    """Bad input naming the first byte of ``path`` that is not UTF-8 (its offset and line) and what to do."""
    try:
        with open(path, "rb") as fh:
            utf16 = fh.read(2) in (b"\xff\xfe", b"\xfe\xff")
        found = None if utf16 else _first_non_utf8(path)
    except OSError:  # gone since pandas read it: pandas' words below
        utf16, found = False, None
    csv = path.suffix.lower() == ".csv"
    how = (f"save it as UTF-8 ({'Excel: Save As CSV UTF-8; ' if csv else ''}or iconv -f "
           f"{'utf-16' if utf16 else 'cp1252'} -t utf-8 FILE), or read it in Python with "
           f"{'pandas.read_csv(path' if csv else 'pandas.read_json(path, lines=True'}, encoding=...)")
    if utf16:
        return InputError(f"{path}: is UTF-16 (it starts with a UTF-16 byte-order mark, as Excel's 'Unicode text' "
                          f"and PowerShell 5 write); data files are UTF-8: {how}")
    if found is None:  # pandas decoded differently from a plain read: its own words
        return InputError(f"{path}: is not UTF-8 ({exc}); {how}")
    offset, line, byte, before = found
    excel = ", what Excel's plain 'CSV' writes" if csv else ""
    return InputError(f"{path}: byte {byte!r} at offset {offset} (line {line}, after {before!r}) is not UTF-8; "
                      f"data files are UTF-8 and this one is in another encoding (e.g. Windows-1252 / Latin-1"
                      f"{excel}): {how}")


def _read_rows(spec: str, data_dir: str | None) -> Any:
    if spec.startswith("wrench:"):
        return _wrench_split(spec, data_dir, rows=True).data
    return _read_table(_existing(spec, "data file"))


def _read_labels(spec: str, column: str, data_dir: str | None) -> Any:
    import numpy as np

    if spec.startswith("wrench:"):
        return _wrench_split(spec, data_dir).labels
    path = _existing(spec, "labels file")
    raw = _wrench_json(path) if path.suffix.lower() == ".json" else None
    if raw is not None:  # a WRENCH split file: its examples' gold 'label' field
        if column != "label":
            raise InputError(f"{path}: a WRENCH split's labels are its examples' 'label' field; drop --label-column")
        from weaksup.data.wrench import check_int_labels

        labels = [ex["label"] for ex in raw.values()]
        try:  # the loader's check and words (load_wrench)
            check_int_labels(path, list(raw), labels)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        return np.asarray(labels)
    if path.suffix.lower() == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise InputError(f"{path}: not a numeric .npy array ({exc})") from exc
    table = _read_table(path)
    if column not in table.columns:
        raise InputError(f"{path}: no column {column!r} (columns: {', '.join(map(str, table.columns))}); "
                         "pick one with --label-column")
    return table[column].to_numpy()


def _read_votes(path: str) -> Any:
    from weaksup.votes import VoteMatrix

    return VoteMatrix.load(_existing(path, "votes file"))


def load_lf_module(path: str | Path, list_name: str | None = None) -> list[Any]:
    r"""The labeling functions of a Python file: ``list_name`` if given, else every module-level LF in order.

    ``list_name`` names a module-level list (or other iterable) of LFs, or a single LF.

    A file that does not run raises :class:`InputError` naming the file and line.

    >>> import tempfile, os
    >>> from weaksup.cli import load_lf_module
    >>> src = "from weaksup import keyword_lf\nspam = keyword_lf(['subscribe'], 1, name='spam')\n"
    >>> path = os.path.join(tempfile.mkdtemp(), "lfs.py")
    >>> _ = open(path, "w").write(src)
    >>> [lf.name for lf in load_lf_module(path)]
    ['spam']
    """
    import importlib.util
    import traceback

    from weaksup.lf import LabelingFunction

    path = _existing(str(path), "LF module")
    spec = importlib.util.spec_from_file_location(f"_weaksup_lfs_{abs(hash(str(path.resolve())))}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except SyntaxError as exc:
        raise InputError(f"LF module {path}: syntax error at line {exc.lineno}: {exc.msg}") from exc
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
        where = f" at line {frames[-1].lineno}" if frames else ""
        raise InputError(f"LF module {path}: {type(exc).__name__}{where}: {exc}") from exc
    if list_name is not None:
        if not hasattr(module, list_name):
            raise InputError(f"LF module {path}: no name {list_name!r}")
        named = getattr(module, list_name)
        if isinstance(named, LabelingFunction):  # one LF is a list of one
            return [named]
        if isinstance(named, (str, bytes)) or not hasattr(named, "__iter__"):
            raise InputError(f"LF module {path}: {list_name} is a {type(named).__name__}, not a LabelingFunction "
                             "or a list of them")
        lfs = list(named)
        bad = [repr(x)[:60] for x in lfs if not isinstance(x, LabelingFunction)]
        if bad:
            raise InputError(f"LF module {path}: {list_name} holds non-LFs: {', '.join(bad)}")
        return lfs
    lfs = [v for v in vars(module).values() if isinstance(v, LabelingFunction)]
    if not lfs:
        raise InputError(f"LF module {path}: defines no LabelingFunction at module level "
                         "(decorate functions with @labeling_function() or pass --lfs-name)")
    return lfs


#: output suffixes per option, checked before any work so a bad name never costs a fit
_VOTES_OUT = (".npz",)
_TABLE_OUT = (".csv", ".parquet", ".pq")
_ARRAY_OUT = (".npy", *_TABLE_OUT)


def _output(path: str, option: str, suffixes: tuple[str, ...]) -> Path:
    """``path`` as an output of ``option``, refused unless it ends with one of ``suffixes``."""
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise InputError(f"{option} {path}: unknown format {out.suffix or '(no suffix)'!r}; use "
                         f"{', '.join(suffixes[:-1]) + ' or ' if len(suffixes) > 1 else ''}{suffixes[-1]}")
    if out.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file path")
    _check_parent(out, option, path)
    return out


def _check_parent(out: Path, option: str, path: str) -> None:
    """The folder of output ``out`` exists or can be made: checked before the work, not after it."""
    from weaksup.bench.runner import check_folder_can_be_made

    check_folder_can_be_made(out.parent, f"{option} {path}")
    if out.exists() and not os.access(out, os.W_OK):
        raise InputError(f"{option} {path}: the file cannot be written (nothing was run)")


@contextlib.contextmanager
def _writing(option: str, path: Path) -> Iterator[None]:
    """An error while writing output ``path`` names the option and the path (not an internal temporary file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as exc:
        raise OSError(f"{option} {path}: cannot be written ({exc.strerror or exc})") from exc


def _write_array(path: Path, probs: Any) -> None:
    import numpy as np
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".npy":
        np.save(path, probs)
        return
    frame = pd.DataFrame(probs, columns=[f"p{c}" for c in range(probs.shape[1])])
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix in (".parquet", ".pq"):
        frame.to_parquet(path, index=False)
    else:
        raise InputError(f"--probs {path}: unknown format {suffix!r}; use .npy, .csv or .parquet")


def _cmd_apply(args: argparse.Namespace) -> int:
    from weaksup.apply import LFApplier, LFApplyError, VoteCache

    out = _output(args.out, "--out", _VOTES_OUT)
    lfs = load_lf_module(args.lf_module, args.lfs_name)
    rows = _read_rows(args.data, args.data_dir)
    cache = VoteCache(args.cache) if args.cache else None
    applier = LFApplier(lfs, engine=args.engine, cardinality=args.cardinality, fault=args.fault,
                        cache=cache, progress=not args.no_progress)
    try:
        votes = applier.apply(rows)
    except LFApplyError as exc:  # one line naming the LF and row, never a traceback
        if _missing_field(exc, rows):
            raise InputError(f"{args.data}: {exc}") from None  # the data lacks what the LFs read: bad input
        raise
    with _writing("--out", out):
        votes.save(out)
    report = getattr(votes, "report", None)
    recomputed = getattr(report, "recomputed", None)
    _echo(f"{votes.n} rows x {votes.m} LFs, {votes.covered().mean():.1%} covered -> {out}"
          + (f" (re-ran {len(recomputed)} of {votes.m} LFs)" if cache is not None and recomputed is not None else ""))
    return 0


def _missing_field(exc: Any, rows: Any) -> bool:
    """Whether LF error ``exc`` comes from a field the data lacks (bad input) rather than the LF's own code.

    The library's LFs raise ``KeyError("LF ... reads field ..., absent from data columns ...")``; a
    row-wise LF reading ``x["text"]`` or ``x.text`` of a row without it raises ``KeyError('text')`` or an
    ``AttributeError`` on the row itself.  (An LF's own dict lookup of a key that is no column counts too:
    the message names the LF and row either way.)
    """
    import pandas as pd

    from weaksup.lf.core import Row

    cause = getattr(exc, "original", None) or exc.__cause__
    columns = {str(c) for c in getattr(rows, "columns", [])}
    if isinstance(cause, KeyError) and cause.args and isinstance(cause.args[0], str):
        return "absent from data columns" in cause.args[0] or cause.args[0] not in columns
    if isinstance(cause, AttributeError):  # x.title on the row an LF is given (a Row, or a pandas row)
        return isinstance(getattr(cause, "obj", None), (Row, pd.Series, pd.DataFrame)) and cause.name not in columns
    return False


def _cmd_analyze(args: argparse.Namespace) -> int:
    from weaksup.analysis import LFAnalysis

    out = _output(args.out, "--out", _TABLE_OUT) if args.out else None
    if args.plots:
        if Path(args.plots).is_file():
            raise InputError(f"--plots {args.plots}: is a file; give a folder")
        from weaksup.bench.runner import check_folder_can_be_made

        check_folder_can_be_made(args.plots, f"--plots {args.plots}")
    votes = _read_votes(args.votes)
    y = _read_labels(args.labels, args.label_column, args.data_dir) if args.labels else None
    try:
        summary = LFAnalysis(votes, cardinality=args.cardinality).summary(y=y)
    except ValueError as exc:  # the API's advice, in this command's words
        raise ValueError(str(exc).replace("pass LFAnalysis(..., cardinality=)", "pass --cardinality K")) from None
    if out is not None:  # before printing: the file is what a script reads, whatever the console can show
        with _writing("--out", out):
            if out.suffix.lower() == ".csv":
                summary.to_csv(out)
            else:
                summary.to_parquet(out)
    _echo(summary.to_string())
    if args.plots:
        from weaksup.plots import plot_lf_summary

        folder = Path(args.plots)
        fig = plot_lf_summary(votes, y)
        with _writing("--plots", folder / "lf_summary.png"):
            fig.savefig(folder / "lf_summary.png", dpi=100)
        print(f"wrote {folder / 'lf_summary.png'}", file=sys.stderr)
    return 0


def _cmd_fit(args: argparse.Namespace) -> int:
    from weaksup.labelmodel.registry import get_model, spec

    try:
        model_spec = spec(args.model)
    except KeyError as exc:
        raise InputError(f"--model: {exc.args[0]}; {_OWN_MODELS_CLI}: fit it from Python "
                         "(MyModel().fit(votes), then .save(path))") from exc
    if model_spec.family != "label":
        raise InputError(f"--model {args.model!r} is a {model_spec.family} model; weaksup fit takes label models")
    probs_path = _output(args.probs, "--probs", _ARRAY_OUT) if args.probs else None
    out = Path(args.out)
    if out.is_dir():
        raise InputError(f"--out {args.out}: is a folder; give a file path")
    _check_parent(out, "--out", args.out)
    votes = _read_votes(args.votes)
    valid = None
    if args.valid:
        valid = (_read_votes(args.valid[0]), _read_labels(args.valid[1], args.label_column, args.data_dir))
    model = get_model(args.model)()
    model.fit(votes, valid=valid, seed=args.seed)
    with _writing("--out", out):
        model.save(out)
    if probs_path is not None:  # both files before printing (a path the console's encoding cannot show)
        probs = model.predict_proba(votes)
        with _writing("--probs", probs_path):
            _write_array(probs_path, probs)
    _echo(f"{type(model).__name__} fitted on {votes.n} rows x {votes.m} LFs -> {out}"
          + (f"\nprobabilities -> {probs_path}" if probs_path is not None else ""))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``weaksup`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "demo":  # demo parses its own arguments; its errors are reported like the others'
        def run_demo() -> int:
            from weaksup import demo

            return int(demo.main(argv[1:]) or 0)

        return _run("demo", run_demo)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.cmd is None:
        parser.print_help()
        return 1
    commands: dict[str, Any] = {
        "bench": lambda: _cmd_bench(args, argv), "datasets": lambda: _cmd_datasets(args),
        "download": lambda: _cmd_download(args), "apply": lambda: _cmd_apply(args),
        "analyze": lambda: _cmd_analyze(args), "fit": lambda: _cmd_fit(args),
    }
    if args.cmd not in commands:
        parser.error(f"unknown command {args.cmd!r}")
    return _run(args.cmd, commands[args.cmd])


#: exit status when the reader of our output went away (``weaksup datasets | head``), as for SIGPIPE
_CLOSED_PIPE = 141
#: exit status after Ctrl-C, as a shell reports a command killed by SIGINT
_INTERRUPTED = 130


def _run(cmd: str, command: Any) -> int:
    """Run one command: bad input is one line and status 2, a failure while running one line and 1."""
    try:
        status = command()
        sys.stdout.flush()  # a closed pipe shows up here rather than as noise at interpreter exit
        return status
    except BrokenPipeError:
        # nothing to tell anyone; stop writing to the closed pipe (Python would complain at exit otherwise)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _CLOSED_PIPE
    except KeyboardInterrupt as exc:  # Ctrl-C: one line saying what was kept, the shell's status for SIGINT
        from weaksup.bench.runner import BenchInterrupted

        if isinstance(exc, BenchInterrupted):
            done = exc.total - len(exc.missing)
            kept = (f"kept the {done} finished of {exc.total} cells in {exc.out_dir} (marked partial; results.json "
                    "lists the missing cells)" if exc.out_dir is not None
                    else f"{done} of {exc.total} cells had finished; nothing written"
                         f"{' (pass --out DIR to keep finished cells)' if done else ''}")
            print(f"weaksup {cmd}: interrupted: {kept}", file=sys.stderr)
        else:
            print(f"weaksup {cmd}: interrupted", file=sys.stderr)
        return _INTERRUPTED
    except (FileNotFoundError, ValueError) as exc:
        print(f"weaksup {cmd}: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        if 'pip install "weaksup[' not in str(exc):  # not a missing optional extra: a bug, keep its traceback
            raise
        print(f"weaksup {cmd}: error: {exc}", file=sys.stderr)  # e.g. --engine dask without weaksup[dask]
        return 2
    except Exception as exc:
        from weaksup.apply import LFApplyError
        from weaksup.data.download import DownloadError

        # network, disk, permissions, an LF that raised: a message naming it (the LF and row), no traceback
        if isinstance(exc, (DownloadError, OSError, LFApplyError)):
            print(f"weaksup {cmd}: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
