"""WRENCH file helpers shared by the classification and tagging loaders.

Where the data is looked for (:func:`find_wrench_dir`), the split names, the
format error and a JSON reader whose errors name the file, line and column.
Both :mod:`weaksup.data.wrench` and :mod:`weaksup.data.wrench_sequence`
import from here, so neither imports the other's helpers.

>>> SPLITS
('train', 'valid', 'test')
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["SPLITS", "WrenchFormatError", "cache_dir", "find_wrench_dir", "read_json"]

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
