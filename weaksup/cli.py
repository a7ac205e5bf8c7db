"""The ``weaksup`` command line.

::

    weaksup bench [--datasets youtube sms ...] [--label-models MajorityVote ...]
                  [--end-models lr mlp] [--seeds 5] [--protocol wrench|gold-free|both]
                  [--features tfidf|minilm|minilm+tfidf|task] [--search] [--hard-labels]
                  [--data-dir DIR] [--out DIR] [--write-docs PATH]
    weaksup datasets [--data-dir DIR]          # registry + where each set was found
    weaksup download NAME [--base-url URL] [--cache DIR]
    weaksup demo [...]                          # weaksup.demo.main
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "build_parser"]


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
    b.add_argument("--hard-labels", action="store_true", help="train end models on hard instead of soft labels")
    b.add_argument("--search", action="store_true",
                   help="select end-model hyper-parameters on valid from a small grid (lr: C; mlp: lr, weight_decay)")
    b.add_argument("--data-dir", help="WRENCH root (default: $WEAKSUP_DATA, then the user cache)")
    b.add_argument("--out", help="folder for results.csv / results.json / table.md / section.md")
    b.add_argument("--write-docs", default=None, metavar="PATH",
                   help="write the docs section wrench-label-models (<!-- BEGIN/END --> markers) to the file PATH; "
                        "an existing PATH must hold only that section (splice it into a larger markdown file "
                        "with the repository's benchmarks/_docs.py)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")

    d = sub.add_parser("datasets", help="list the WRENCH registry and where each dataset is found")
    d.add_argument("--data-dir")

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
    return p


SECTION = "wrench-label-models"
SECTION_TITLE = "WRENCH classification: label models"


def _check_docs_path(path: str) -> Path:
    """The ``--write-docs`` target: a new file, or one that holds only this section (never a whole docs page)."""
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"--write-docs {path}: is a folder; give a file path")
    if target.exists():
        text = target.read_text(encoding="utf-8").strip()
        if text and not (text.startswith(f"<!-- BEGIN {SECTION} -->") and text.endswith(f"<!-- END {SECTION} -->")
                         and text.count("<!-- BEGIN ") == 1):
            raise ValueError(f"--write-docs {path}: the file exists and holds more than the {SECTION} section; "
                             "write to a new file and splice it in (benchmarks/_docs.py in the repository)")
    return target


def _cmd_bench(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from weaksup.bench.report import docs_section, results_table, section_block, summarize_skipped
    from weaksup.bench.runner import run

    docs = _check_docs_path(args.write_docs) if args.write_docs else None  # before the (long) run
    protocol = ["wrench", "gold-free"] if args.protocol == "both" else args.protocol
    command = "weaksup " + " ".join(shlex.quote(a) for a in argv)
    df = run(args.datasets, args.label_models, args.end_models, seeds=args.seeds, protocol=protocol,
             data_dir=args.data_dir, out_dir=args.out, features=args.features,
             soft_labels=not args.hard_labels, progress=not args.no_progress,
             end_model_grid=True if args.search else None, command=command)
    print(results_table(df, "test"))
    print(results_table(df, "train", with_published=False))
    for line in summarize_skipped(df.attrs.get("skipped", [])):
        print(f"skipped {line}", file=sys.stderr)
    print(f"[{df.attrs['meta']['seconds']} s]", file=sys.stderr)
    if docs is not None:
        docs.parent.mkdir(parents=True, exist_ok=True)
        docs.write_text(section_block(SECTION, docs_section(df), SECTION_TITLE) + "\n", encoding="utf-8")
        print(f"wrote section {SECTION} to {docs}", file=sys.stderr)
    return 0


def _cmd_datasets(args: argparse.Namespace) -> int:
    from weaksup.data.registry import tasks
    from weaksup.data.wrench import find_wrench_dir

    print(f"{'name':<14}{'task':<16}{'metric':<11}{'LFs':>5}{'train':>8}{'valid':>7}{'test':>7}  location")
    for name, t in tasks().items():
        where = find_wrench_dir(name, args.data_dir)
        print(f"{name:<14}{t['task']:<16}{t['metric']:<11}{t['n_lfs']:>5}{t['n_train']:>8}{t['n_valid']:>7}"
              f"{t['n_test']:>7}  {where if where else 'not found (weaksup download ' + name + ')'}")
    return 0


def _cmd_download(args: argparse.Namespace) -> int:
    from weaksup.data.download import download_wrench

    if not args.max_size > 0 or not args.max_time > 0 or not args.timeout > 0:
        raise ValueError("--max-size, --max-time and --timeout must be positive")
    kw: dict[str, object] = {"max_bytes": int(args.max_size * 2**20), "max_seconds": args.max_time,
                             "timeout": args.timeout}
    if args.base_url:
        kw["base_url"] = args.base_url
    if args.cache:
        kw["cache"] = args.cache
    path = download_wrench(args.name, force=args.force, **kw)  # type: ignore[arg-type]
    print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``weaksup`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "demo":
        from weaksup import demo

        return int(demo.main(argv[1:]) or 0)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.cmd is None:
        parser.print_help()
        return 1
    try:
        if args.cmd == "bench":
            return _cmd_bench(args, argv)
        if args.cmd == "datasets":
            return _cmd_datasets(args)
        if args.cmd == "download":
            return _cmd_download(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"weaksup {args.cmd}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from weaksup.data.download import DownloadError

        if isinstance(exc, (DownloadError, OSError)):  # network, disk, permissions: a message, no traceback
            print(f"weaksup {args.cmd}: error: {exc}", file=sys.stderr)
            return 1
        raise
    parser.error(f"unknown command {args.cmd!r}")
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
