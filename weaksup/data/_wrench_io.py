"""WRENCH file helpers shared by the classification and tagging loaders.

Where the data is looked for (:func:`find_wrench_dir`, then :func:`bundled_dir` for the one set
shipped inside the package), the split names, the format error and a JSON reader whose errors name
the file, line and column (it also reads the xz-compressed ``name.json.xz`` of the bundled copy).
Both :mod:`weaksup.data.wrench` and :mod:`weaksup.data.wrench_sequence`
import from here, so neither imports the other's helpers.

>>> SPLITS
('train', 'valid', 'test')
"""

from __future__ import annotations

import json
import lzma
import os
from pathlib import Path
from typing import Any

__all__ = ["SPLITS", "WrenchFormatError", "bundled_dir", "cache_dir", "data_file_exists", "find_wrench_dir",
           "read_json"]

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


def bundled_dir(name: str) -> Path | None:
    """The copy of WRENCH set ``name`` shipped inside the package (only ``"youtube"``), or None.

    Its files are the WRENCH release's, each stored xz-compressed (``train.json.xz``, ...);
    :func:`read_json` reads them transparently.

    >>> bundled_dir("youtube").name, bundled_dir("sms")
    ('youtube', None)
    """
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    folder = Path(__file__).resolve().parent / "bundled" / name
    return folder if (folder / "label.json.xz").is_file() else None


def data_file_exists(path: Path) -> bool:
    """Whether WRENCH file ``path`` exists as is or as its xz-compressed ``path.xz``."""
    return path.exists() or path.with_name(path.name + ".xz").exists()


def read_json(path: Path) -> Any:
    """Parse a JSON file (or its xz-compressed ``path.xz``); errors name the file, line and column."""
    xz = path.with_name(path.name + ".xz")
    try:
        if not path.exists() and xz.exists():
            path = xz
            with lzma.open(xz, "rt", encoding="utf-8") as fh:
                return json.load(fh)
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except lzma.LZMAError as exc:
        raise WrenchFormatError(f"corrupt xz file {path}: {exc}") from exc
    except FileNotFoundError:
        raise FileNotFoundError(f"missing WRENCH file: {path}") from None
    except json.JSONDecodeError as exc:
        raise WrenchFormatError(
            f"malformed JSON in {path}: {exc.msg} at line {exc.lineno}, column {exc.colno} (char {exc.pos})"
        ) from exc
