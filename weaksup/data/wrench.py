"""WRENCH benchmark loader.

WRENCH classification folders hold ``train.json``, ``valid.json``,
``test.json`` (``{id: {"label": y, "weak_labels": [...], "data": {...}}}``),
``label.json`` (``{class_id: name}``) and optionally ``labeled_ids.json``.
Sequence-tagging folders hold ``meta.json`` instead of ``label.json``; they
load as :class:`weaksup.data.wrench_sequence.SequenceDataset`.

Where the data is looked for, in order: the ``data_dir`` argument,
``$WEAKSUP_DATA``, then the user cache (``$XDG_CACHE_HOME/weaksup/wrench``,
default ``~/.cache/weaksup/wrench``), into which :func:`download_wrench`
fetches.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weaksup.votes import VoteMatrix

__all__ = [
    "WrenchSplit",
    "WrenchDataset",
    "WrenchFormatError",
    "load_wrench",
    "find_wrench_dir",
    "cache_dir",
    "read_json",
    "SPLITS",
]

SPLITS = ("train", "valid", "test")


class WrenchFormatError(ValueError):
    """A WRENCH file is malformed; the message names the file and the place."""


def cache_dir() -> Path:
    """The user cache directory for WRENCH data."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "weaksup" / "wrench"


def find_wrench_dir(name: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The WRENCH root (or ``root/name`` when ``name`` is given) found by the lookup order, or None."""
    candidates: list[Path] = []
    if data_dir is not None:
        candidates.append(Path(data_dir))
    env = os.environ.get("WEAKSUP_DATA")
    if env:
        candidates.append(Path(env))
    candidates.append(cache_dir())
    for root in candidates:
        if name is None:
            if root.is_dir():
                return root
        elif (root / name).is_dir():
            return root / name
        elif root.name == name and root.is_dir():
            return root
    return None


def read_json(path: Path) -> Any:
    """Parse a JSON file; errors name the file, line and column."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise FileNotFoundError(f"missing WRENCH file: {path}") from None
    except json.JSONDecodeError as exc:
        raise WrenchFormatError(
            f"malformed JSON in {path}: {exc.msg} at line {exc.lineno}, column {exc.colno} (char {exc.pos})"
        ) from exc


@dataclass
class WrenchSplit:
    """One split of a classification dataset."""

    name: str
    ids: list[str]
    votes: VoteMatrix
    labels: np.ndarray
    data: pd.DataFrame = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class WrenchDataset:
    """A WRENCH classification dataset: splits, label names and metadata."""

    name: str
    path: Path
    label_names: list[str]
    splits: dict[str, WrenchSplit]
    labeled_ids: list[str] = field(default_factory=list)
    labels_only: bool = False
    task: str = "classification"

    @property
    def train(self) -> WrenchSplit:
        return self.splits["train"]

    @property
    def valid(self) -> WrenchSplit:
        return self.splits["valid"]

    @property
    def test(self) -> WrenchSplit:
        return self.splits["test"]

    @property
    def cardinality(self) -> int:
        return len(self.label_names)

    @property
    def metric(self) -> str:
        from weaksup.data.registry import task_info

        info = task_info(self.name)
        return info["metric"] if info else ("f1_binary" if self.cardinality == 2 else "accuracy")

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self.splits.items())
        lo = ", labels-only" if self.labels_only else ""
        return f"WrenchDataset({self.name!r}, k={self.cardinality}, m={self.train.votes.m}, {sizes}{lo})"


def _load_label_names(folder: Path) -> list[str]:
    raw = read_json(folder / "label.json")
    if not isinstance(raw, dict) or not raw:
        raise WrenchFormatError(f"{folder / 'label.json'}: expected a non-empty {{id: name}} object")
    try:
        ids = sorted(int(k) for k in raw)
    except ValueError:
        raise WrenchFormatError(f"{folder / 'label.json'}: class ids must be integers, got {list(raw)}") from None
    if ids != list(range(len(ids))):
        raise WrenchFormatError(f"{folder / 'label.json'}: class ids must be 0..{len(ids) - 1}, got {ids}")
    return [str(raw[str(i)]) for i in ids]


def _parse_split(path: Path, split: str, k: int, lf_names: list[str] | None) -> WrenchSplit:
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise WrenchFormatError(f"{path}: expected a JSON object {{id: example}}")
    ids = list(raw)
    n = len(ids)
    m = None
    labels = np.empty(n, dtype=np.int64)
    rows: list[list[int]] = []
    records: list[dict[str, Any]] = []
    for i, ex_id in enumerate(ids):
        ex = raw[ex_id]
        if not isinstance(ex, dict) or "label" not in ex or "weak_labels" not in ex:
            raise WrenchFormatError(f"{path}: example {ex_id!r} lacks 'label' or 'weak_labels'")
        wl = ex["weak_labels"]
        if not isinstance(wl, list):
            raise WrenchFormatError(f"{path}: example {ex_id!r}: 'weak_labels' must be a list")
        if m is None:
            m = len(wl)
        elif len(wl) != m:
            raise WrenchFormatError(
                f"{path}: example {ex_id!r} has {len(wl)} weak labels, expected {m} (ragged weak_labels)"
            )
        y = ex["label"]
        if not isinstance(y, int) or isinstance(y, bool) or not 0 <= y < k:
            raise WrenchFormatError(f"{path}: example {ex_id!r}: label {y!r} outside 0..{k - 1} (label.json)")
        labels[i] = y
        for j, v in enumerate(wl):
            if not isinstance(v, int) or isinstance(v, bool) or not -1 <= v < k:
                name = lf_names[j] if lf_names and j < len(lf_names) else f"LF {j}"
                raise WrenchFormatError(
                    f"{path}: example {ex_id!r}: weak label {v!r} from {name} outside -1..{k - 1}"
                )
        rows.append(wl)
        data = ex.get("data") or {}
        if not isinstance(data, dict):
            raise WrenchFormatError(f"{path}: example {ex_id!r}: 'data' must be an object")
        records.append(data)
    m = m or 0
    arr = np.asarray(rows, dtype=np.int64).reshape(n, m)
    names = lf_names if lf_names and len(lf_names) == m else [f"lf_{j}" for j in range(m)]
    votes = VoteMatrix(arr, names, k)
    df = pd.DataFrame.from_records(records, index=pd.Index(ids, name="id")) if records else pd.DataFrame()
    return WrenchSplit(split, ids, votes, labels, df)


def load_wrench(name: str, data_dir: str | os.PathLike[str] | None = None) -> Any:
    """Load WRENCH dataset ``name`` (e.g. ``"youtube"``).

    Returns a :class:`WrenchDataset` for classification folders and a
    :class:`~weaksup.data.wrench_sequence.SequenceDataset` for tagging ones.

    Examples
    --------
    >>> ds = load_wrench("youtube")  # doctest: +SKIP
    >>> ds.train.votes.shape, ds.label_names  # doctest: +SKIP
    ((1686, 10), ['HAM', 'SPAM'])
    """
    folder = find_wrench_dir(name, data_dir)
    if folder is None:
        where = [str(p) for p in ([Path(data_dir)] if data_dir else [])]
        if os.environ.get("WEAKSUP_DATA"):
            where.append(os.environ["WEAKSUP_DATA"])
        where.append(str(cache_dir()))
        raise FileNotFoundError(
            f"WRENCH dataset {name!r} not found in {where}. Set WEAKSUP_DATA to the folder holding "
            f"WRENCH datasets, pass data_dir=, or run weaksup.data.download_wrench({name!r})."
        )
    if (folder / "meta.json").exists() and not (folder / "label.json").exists():
        from weaksup.data.wrench_sequence import load_wrench_sequence

        return load_wrench_sequence(folder, name=name)
    label_names = _load_label_names(folder)
    k = len(label_names)
    splits: dict[str, WrenchSplit] = {}
    for split in SPLITS:
        path = folder / f"{split}.json"
        if not path.exists():
            raise FileNotFoundError(f"WRENCH dataset {name!r}: missing split file {path}")
        splits[split] = _parse_split(path, split, k, None)
    ms = {s: splits[s].votes.m for s in SPLITS}
    if len(set(ms.values())) != 1:
        raise WrenchFormatError(f"WRENCH dataset {name!r}: LF counts differ between splits: {ms}")
    labeled: list[str] = []
    lid_path = folder / "labeled_ids.json"
    if lid_path.exists():
        raw = read_json(lid_path)
        labeled = [str(i) for i in (raw.get("labeled_ids", []) if isinstance(raw, dict) else raw)]
    labels_only = all(splits[s].data.shape[1] == 0 for s in SPLITS)
    return WrenchDataset(name, folder, label_names, splits, labeled, labels_only)
