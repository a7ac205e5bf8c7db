"""WRENCH file helpers shared by the classification and tagging loaders.

Where the data is looked for (:func:`find_wrench_dir`, then :func:`bundled_dir` for the one set
shipped inside the package), the split names, the format error and a JSON reader whose errors name
the file, line and column (it also reads the xz-compressed ``name.json.xz`` of the bundled copy).
Both :mod:`weaksup.data.wrench` and :mod:`weaksup.data.wrench_sequence`
import from here, so neither imports the other's helpers.

>>> from weaksup.data._wrench_io import SPLITS
>>> SPLITS
('train', 'valid', 'test')
"""

from __future__ import annotations

import errno
import json
import lzma
import os
from pathlib import Path
from typing import Any

from weaksup._cache import cache_root

__all__ = ["SPLITS", "WrenchFormatError", "bundled_dir", "cache_dir", "check_link", "data_file_exists",
           "find_wrench_dir", "read_json"]

SPLITS = ("train", "valid", "test")


class WrenchFormatError(ValueError):
    """A WRENCH file is malformed; the message names the file and the place.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from weaksup.data import WrenchFormatError, load_wrench_folder
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "label.json").write_text(json.dumps({"0": "ham", "1": "spam"}))
    >>> bad = {"0": {"label": 1, "weak_labels": [1, 7], "data": {"text": "win cash"}}}
    >>> for split in ("train", "valid", "test"):
    ...     _ = (folder / f"{split}.json").write_text(json.dumps(bad))
    >>> try:
    ...     load_wrench_folder(folder)
    ... except WrenchFormatError as err:
    ...     print(str(err).split("train.json: ")[1])
    example '0': weak label 7 from LF 1 outside -1..1 (label.json defines 2 classes)
    """


def cache_dir() -> Path:
    """The user cache directory for WRENCH data: ``wrench/`` under :func:`weaksup._cache.cache_root`
    (``$WEAKSUP_CACHE``, else ``$XDG_CACHE_HOME/weaksup``, else ``~/.cache/weaksup``).

    Examples
    --------
    >>> from weaksup.data import cache_dir
    >>> cache_dir().parts[-2:]
    ('weaksup', 'wrench')
    """
    return cache_root() / "wrench"


def find_wrench_dir(name: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The WRENCH root (or ``root/name`` when ``name`` is given) found by the lookup order, or None.

    An explicit ``data_dir`` is the only place looked in (it is, or holds, the set); without it
    ``$WEAKSUP_DATA``, then the user cache.  A ``data_dir`` that lacks the set answers None: it
    never falls back to another copy.

    Parameters
    ----------
    name : str, optional
        The dataset's folder name; None asks for the root itself (the first existing folder).
    data_dir : str or path-like, optional
        The folder holding WRENCH datasets, or the dataset folder itself (a folder named ``name``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from weaksup.data import find_wrench_dir
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "sms").mkdir()
    >>> find_wrench_dir("sms", root) == root / "sms"
    True
    """
    candidates: list[Path] = []
    if data_dir is not None:  # the caller said where: no other copy stands in for it
        candidates.append(Path(data_dir))
    else:
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

    >>> from weaksup.data._wrench_io import bundled_dir
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


def check_link(path: Path) -> None:
    """A symbolic link that does not resolve (a loop, or a dangling target) is an error naming it."""
    if path.is_symlink() and not path.exists():
        try:
            os.stat(path)
        except OSError as exc:
            why = "a symbolic-link loop" if exc.errno == errno.ELOOP else f"a dangling symbolic link to {os.readlink(path)!r}"
            raise WrenchFormatError(f"{path}: is {why} ({exc.strerror})") from None


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _DuplicateKey(dup)
    return d


def read_json(path: Path) -> Any:
    """Parse a JSON file (or its xz-compressed ``path.xz``); errors name the file, line and column.

    A key given twice in one object (e.g. a duplicated example id, which a plain
    JSON reader silently collapses to the last example) and bytes that are not
    UTF-8 are errors naming the file and the place.
    """
    xz = path.with_name(path.name + ".xz")
    check_link(path)
    try:
        if not path.exists() and xz.exists():
            path = xz
            with lzma.open(xz, "rt", encoding="utf-8") as fh:
                return json.load(fh, object_pairs_hook=_no_duplicates)
        with open(path, encoding="utf-8") as fh:
            return json.load(fh, object_pairs_hook=_no_duplicates)
    except lzma.LZMAError as exc:
        raise WrenchFormatError(f"corrupt xz file {path}: {exc}") from exc
    except EOFError:  # lzma's word for a file cut short (an interrupted copy or download)
        raise WrenchFormatError(f"truncated xz file {path}: it ends before the compressed data does; copy or "
                                "download it again") from None
    except FileNotFoundError:
        raise FileNotFoundError(f"missing WRENCH file: {path}") from None
    except IsADirectoryError:
        raise WrenchFormatError(f"{path}: is a folder, expected a JSON file") from None
    except _DuplicateKey as exc:
        raise WrenchFormatError(f"{path}: key {exc.args[0]!r} appears twice in one JSON object (a duplicated "
                                f"example id would silently drop an example)") from None
    except UnicodeDecodeError:
        raw = lzma.open(path).read() if path.suffix == ".xz" else path.read_bytes()
        try:
            raw.decode("utf-8")
            where = ""
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            where = f" byte {raw[exc.start:exc.start + 1]!r} at offset {exc.start} (line {line})"
        raise WrenchFormatError(f"{path}:{where} is not UTF-8; WRENCH files are UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        if exc.pos == 0 and exc.msg.startswith("Unexpected UTF-8 BOM"):  # Windows tools write one
            raise WrenchFormatError(f"{path}: starts with a UTF-8 byte-order mark (BOM); WRENCH files are UTF-8 "
                                    "JSON without one: save it without the BOM") from None
        raise WrenchFormatError(
            f"malformed JSON in {path}: {exc.msg} at line {exc.lineno}, column {exc.colno} (char {exc.pos})"
        ) from exc
    except OSError as exc:
        raise WrenchFormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None
