"""Per-LF vote-column cache keyed by LF fingerprint and data fingerprint.

Re-applying a set of LFs in which one changed re-runs only that LF: every
other column is found here.  The cache lives in memory, and optionally on disk
(one ``<key>.npz`` per column, votes and fault count, written atomically by
:mod:`weaksup._persist`) so it survives a kernel restart.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd

from weaksup._persist import load_npz, save_npz

__all__ = ["VoteCache", "fingerprint_data"]

_FORMAT = "weaksup.VoteCacheColumn"


def fingerprint_data(df: pd.DataFrame) -> str:
    """Content hash of a DataFrame (values, index and column names).

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup.apply import fingerprint_data
    >>> df = pd.DataFrame({"text": ["win cash", "see you"]})
    >>> fingerprint_data(df) == fingerprint_data(df.copy())
    True
    >>> fingerprint_data(df) == fingerprint_data(df.iloc[::-1])
    False
    """
    h = hashlib.sha1()
    h.update(repr(list(map(str, df.columns))).encode())
    h.update(str(df.shape).encode())
    try:
        hashed = pd.util.hash_pandas_object(df, index=True).to_numpy()
    except TypeError:  # unhashable cells (lists, dicts): hash their text form
        hashed = pd.util.hash_pandas_object(df.astype(str), index=True).to_numpy()
    h.update(hashed.tobytes())
    return h.hexdigest()


class VoteCache:
    """Cache of LF vote columns.

    Parameters
    ----------
    directory : path, optional
        Also persist columns here (``<key>.npz``, through :mod:`weaksup._persist`);
        read back on a miss.
    max_bytes : int
        In-memory budget; least recently used columns are dropped beyond it.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup import VoteCache, apply_lfs, keyword_lf
    >>> df = pd.DataFrame({"text": ["win cash now", "see you"]})
    >>> lfs = [keyword_lf("win", 1, name="win"), keyword_lf("see", 0, name="see")]
    >>> cache = VoteCache()
    >>> first = apply_lfs(lfs, df, cache=cache, progress=False)
    >>> again = apply_lfs(lfs, df, cache=cache, progress=False)
    >>> again.report.recomputed, cache.hits
    ([], 2)
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, max_bytes: int = 2**30) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else None
        if self.directory is not None:
            if self.directory.exists() and not self.directory.is_dir():
                raise NotADirectoryError(f"VoteCache directory {self.directory} exists and is not a folder")
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OSError(f"cannot create the VoteCache directory {self.directory}: {exc.strerror or exc}") from exc
        self.max_bytes = int(max_bytes)
        self._mem: OrderedDict[str, tuple[np.ndarray, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(lf_fingerprint: str, data_fingerprint: str, cardinality: int | None) -> str:
        return hashlib.sha1(f"{lf_fingerprint}|{data_fingerprint}|{cardinality}".encode()).hexdigest()

    def get(self, key: str, n: int | None = None) -> tuple[np.ndarray, int] | None:
        """Return ``(column, n_faults)`` or None.

        A damaged or foreign file on disk (unreadable, another format, a column
        that is not ``n`` integer votes) is a miss: it is reported in a
        ``RuntimeWarning`` naming the file, and the column is recomputed and
        rewritten.
        """
        hit = self._mem.get(key)
        if hit is not None and (n is None or len(hit[0]) == n):
            self._mem.move_to_end(key)
            self.hits += 1
            return hit
        if self.directory is not None:
            path = self.directory / f"{key}.npz"
            if path.exists():
                try:
                    meta, arrays = load_npz(path, _FORMAT)
                    col, faults = np.asarray(arrays["votes"]), int(meta["faults"])
                    if col.ndim != 1 or col.dtype.kind not in "iu" or (n is not None and len(col) != n) \
                            or faults < 0:
                        raise ValueError(f"holds a column of shape {col.shape} and dtype {col.dtype}"
                                         f"{f' for {n} rows' if n is not None else ''}")
                except Exception as exc:  # a cache file never stops a run: recompute and rewrite
                    warnings.warn(f"vote cache file {path} is damaged ({type(exc).__name__}: {exc}); "
                                  f"treating it as a miss and recomputing the column", RuntimeWarning, stacklevel=3)
                else:
                    self._remember(key, col, faults)
                    self.hits += 1
                    return col, faults
        self.misses += 1
        return None

    def put(self, key: str, column: np.ndarray, faults: int) -> None:
        column = np.asarray(column)
        self._remember(key, column, faults)
        if self.directory is not None:
            save_npz(self.directory / f"{key}.npz", _FORMAT, {"faults": int(faults)}, {"votes": column})

    def _remember(self, key: str, column: np.ndarray, faults: int) -> None:
        if key in self._mem:
            self._bytes -= self._mem[key][0].nbytes
        self._mem[key] = (column, faults)
        self._bytes += column.nbytes
        while self._bytes > self.max_bytes and len(self._mem) > 1:
            _, (old, _) = self._mem.popitem(last=False)
            self._bytes -= old.nbytes

    def clear(self) -> None:
        self._mem.clear()
        self._bytes = 0
        if self.directory is not None:
            for pattern in ("*.npz", "*.npy"):  # *.npy: entries written by weaksup 0.1
                for p in self.directory.glob(pattern):
                    p.unlink()

    def __len__(self) -> int:
        return len(self._mem)

    def __repr__(self) -> str:
        where = f", directory={str(self.directory)!r}" if self.directory else ""
        return f"VoteCache({len(self)} columns, hits={self.hits}, misses={self.misses}{where})"
