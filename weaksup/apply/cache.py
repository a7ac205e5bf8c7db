"""Per-LF vote-column cache keyed by LF fingerprint and data fingerprint.

Re-applying a set of LFs in which one changed re-runs only that LF: every
other column is found here.  The cache lives in memory, and optionally on disk
(one ``<key>.npz`` per column, votes and fault count, written atomically by
:mod:`weaksup._persist`) so it survives a kernel restart.

An apply that stopped (Ctrl-C, an LF error) leaves *partial* columns: the votes of the rows its finished chunks
covered, and which rows those are (``<key>.partial.npz`` on disk, another format): the next apply of the same LF
to the same data runs it on the other rows only.  A partial entry is never served as a column.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weaksup._persist import TEMP_FILE, load_npz, save_npz
from weaksup._validation import user_stacklevel
from weaksup.lf.fingerprint import VOLATILE, is_volatile, pandas_digest
from weaksup.votes import smallest_int_dtype

__all__ = ["VoteCache", "fingerprint_data"]

_FORMAT = "weaksup.VoteCacheColumn"
_PARTIAL_FORMAT = "weaksup.VoteCachePartialColumn"
_PARTIAL = ".partial"  # a partial entry's file is <key>.partial.npz: never the <key>.npz a column is read from

#: A temporary file untouched this long is a killed write's leftover even if its pid is in use (the folder may be
#: shared with other machines, where the pid means nothing): a live write keeps touching its file.
_STALE_AGE = 3600.0
#: ... and one whose writer pid is not running here, once untouched this long (a write killed mid-way).
_DEAD_AGE = 60.0
_SWEEP_EVERY = 600.0  # seconds between sweeps for leftovers during puts


def _pid_running(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (True when that cannot be told)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True


def _is_column_file(name: str) -> bool:
    """A column entry (``<key>.npz``, or ``<key>.npy`` of weaksup 0.1); never a writer's hidden temporary file."""
    return not name.startswith(".") and (name.endswith(".npz") or name.endswith(".npy"))


def _compact(column: np.ndarray, span: list[int]) -> np.ndarray:
    """A contiguous copy of ``column`` (votes ``span[0]..span[1]``) in the smallest int dtype that holds them: the
    cache never keeps a view of the engine's whole vote block alive, and holds 1 byte a vote for a few classes."""
    lo, hi = span
    if lo < -1:  # not votes (never put by the applier): kept in its own dtype
        return np.array(column)
    return np.array(column, dtype=smallest_int_dtype(max(hi, 0)))


def fingerprint_data(df: pd.DataFrame) -> str:
    """Content hash of a DataFrame: column labels and dtypes, index, and every value exactly.

    Numeric, bool and datetime columns are hashed by their bytes; object and string columns cell by
    cell with the cell's type (``1`` and ``"1"``, a token list and its text, ``None`` and ``"None"``
    differ), arrays in cells by dtype, shape and bytes, floats exactly, text as UTF-8 with unpaired
    surrogates kept.  The result is the same in every process.  A cell holding an object whose state
    cannot be read makes it :data:`~weaksup.lf.fingerprint.VOLATILE`: the vote cache then never serves
    a column for this data.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup.apply import fingerprint_data
    >>> df = pd.DataFrame({"text": ["win cash", "see you"]})
    >>> fingerprint_data(df) == fingerprint_data(df.copy())
    True
    >>> fingerprint_data(df) == fingerprint_data(df.iloc[::-1])
    False
    >>> fingerprint_data(pd.DataFrame({"f": [True, False]})) == fingerprint_data(pd.DataFrame({"f": [1, 0]}))
    False
    """
    return pandas_digest(df)


def _partition_digest(part: pd.DataFrame) -> tuple[str, int]:
    """One partition's content hash and row count (run on a worker)."""
    return pandas_digest(part), len(part)


def fingerprint_dask_data(ddf: object) -> tuple[str, int]:
    """Content hash of a Dask DataFrame and its row count, computed partition-wise on the active scheduler.

    Each partition is hashed on its worker as :func:`fingerprint_data` hashes a pandas DataFrame (every value
    exactly); the digests and row counts are combined in partition order, so the same rows split into other
    partitions, or changed in any cell, give another key: a miss, never stale votes.  Volatile if any
    partition's hash is.  Reads every partition once (the vote cache's lookup pass).
    """
    import dask

    parts = dask.compute(*[dask.delayed(_partition_digest, pure=False)(p) for p in ddf.to_delayed()])
    return combine_partition_digests(parts), sum(rows for _, rows in parts)


def combine_partition_digests(parts: list[tuple[str, int]]) -> str:
    """The data key of partitions given as ``(digest, rows)`` in partition order (see
    :func:`fingerprint_dask_data`; the Dask engine hashes partitions this way as it reads them)."""
    if any(is_volatile(digest) for digest, _ in parts):
        return VOLATILE
    h = hashlib.sha1(b"dask-partitions")
    for digest, rows in parts:
        h.update(f"|{rows}:{digest}".encode())
    return h.hexdigest()


class VoteCache:
    """Cache of LF vote columns.

    Parameters
    ----------
    directory : path, optional
        Also persist columns here (``<key>.npz``, through :mod:`weaksup._persist`);
        read back on a miss.  A column is written in the smallest integer dtype that
        holds its votes (1 byte a row for fewer than 127 classes), uncompressed:
        compressing a million-row column took 0.2-0.6 s against a few ms for the plain
        write.  Files of earlier versions (int64 votes) are read as before.
    max_bytes : int
        In-memory budget, counted in the bytes the columns take: each is a copy of its
        votes in the smallest integer dtype that holds them (int8 for a few classes);
        least recently used columns are dropped beyond it.

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
        # absolute once (as ResponseCache does): a notebook's %cd must not send new columns to another folder
        self.directory = Path(os.path.abspath(os.path.expanduser(directory))) if directory is not None else None
        if self.directory is not None:
            if self.directory.exists() and not self.directory.is_dir():
                raise NotADirectoryError(f"VoteCache directory {self.directory} exists and is not a folder")
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OSError(f"cannot create the VoteCache directory {self.directory}: {exc.strerror or exc}") from exc
        self.max_bytes = int(max_bytes)
        self._mem: OrderedDict[str, tuple[np.ndarray, int]] = OrderedDict()
        # partial columns of stopped applies: (votes, rows done), apart from the columns so never served as one
        self._partials: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        self._warned: set[tuple[str, int | None]] = set()  # causes of write failures already warned about
        self._swept = 0.0
        self._sweep()

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a cache pickled by an earlier weaksup has no partial columns (its first miss then failed with
        # AttributeError in get_partial)
        self.__dict__.update(state)
        if "_partials" not in state:
            self._partials = OrderedDict()

    def _entries(self) -> list[os.DirEntry[str]]:
        """The directory's entries; none if it was removed meanwhile."""
        if self.directory is None:
            return []
        try:
            with os.scandir(self.directory) as it:
                return list(it)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _sweep(self) -> None:
        """Remove the temporary files of writes that were killed (SIGKILL, power loss) before their rename: untouched
        for an hour, or for a minute when their writer's pid is not running here.  A live write's file is kept."""
        self._swept = time.monotonic()
        now = time.time()
        for entry in self._entries():
            match = TEMP_FILE.match(entry.name)
            if match is None:
                continue
            try:
                age = now - entry.stat(follow_symlinks=False).st_mtime
                if age > _STALE_AGE or (age > _DEAD_AGE and not _pid_running(int(match.group(1)))):
                    os.unlink(entry.path)
            except FileNotFoundError:  # renamed by its writer, or removed by another sweep
                pass
            except OSError:  # not ours to remove (read-only share): it is ignored by every lookup anyway
                pass

    @staticmethod
    def key(lf_fingerprint: str, data_fingerprint: str, cardinality: int | None) -> str:
        """The column's key; volatile (never stored nor served) when the LF's or the data's fingerprint is."""
        key = hashlib.sha1(f"{lf_fingerprint}|{data_fingerprint}|{cardinality}".encode("utf-8", "surrogatepass"))
        volatile = is_volatile(lf_fingerprint) or is_volatile(data_fingerprint)
        return (VOLATILE if volatile else "") + key.hexdigest()

    def get(self, key: str, n: int | None = None, cardinality: int | None = None) -> tuple[np.ndarray, int] | None:
        """Return ``(column, n_faults)`` or None.

        A damaged or foreign file on disk (unreadable, another format, a column
        that is not ``n`` integer votes, votes outside ``-1..cardinality-1`` or
        that differ from the range recorded when it was written) is a miss: it
        is reported in a ``RuntimeWarning`` naming the file, and the column is
        recomputed and rewritten.  A file written before the range was recorded
        is recomputed and rewritten silently.
        """
        if is_volatile(key):  # the votes' inputs cannot be proven unchanged: always a miss
            self.misses += 1
            return None
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
                    lo, hi = (int(col.min()), int(col.max())) if len(col) else (-1, -1)
                    top = cardinality - 1 if cardinality is not None else None
                    if lo < -1 or (top is not None and hi > top):
                        raise ValueError(f"holds votes {lo}..{hi}, outside -1..{top if top is not None else 'k-1'}")
                    recorded = meta.get("votes_range")
                    if recorded is not None and list(recorded) != [lo, hi]:
                        raise ValueError(f"holds votes {lo}..{hi}, but {recorded[0]}..{recorded[1]} were written")
                except Exception as exc:  # a cache file never stops a run: recompute and rewrite
                    warnings.warn(f"vote cache file {path} is damaged ({type(exc).__name__}: {exc}); "
                                  f"treating it as a miss and recomputing the column", RuntimeWarning,
                                  stacklevel=user_stacklevel())
                else:
                    if recorded is None:  # written by an earlier weaksup: cannot be checked, recompute it
                        self.misses += 1
                        return None
                    col = _compact(col, [lo, hi])  # a file of an earlier weaksup holds int64 votes
                    self._remember(key, col, faults)
                    self.hits += 1
                    return col, faults
        self.misses += 1
        return None

    def put(self, key: str, column: np.ndarray, faults: int) -> None:
        if is_volatile(key):  # never served, so not stored
            return
        column = np.asarray(column)
        span = [int(column.min()), int(column.max())] if len(column) else [-1, -1]
        column = _compact(column, span)
        self._remember(key, column, faults)
        self._forget_partial(key)
        if self.directory is not None:
            path = self.directory / f"{key}.npz"
            if time.monotonic() - self._swept > _SWEEP_EVERY:
                self._sweep()
            try:
                # the folder may have been removed since (rm -rf to empty the cache): make it again
                self.directory.mkdir(parents=True, exist_ok=True)
                save_npz(path, _FORMAT, {"faults": int(faults), "votes_range": span}, {"votes": column})
            except OSError as exc:  # disk full, quota, read-only: the votes are computed, keep them
                cause = (type(exc).__name__, exc.errno)  # not the message: it names the column's file
                if cause not in self._warned:  # once per cause: not once per column of every apply
                    self._warned.add(cause)
                    warnings.warn(f"vote cache could not write {path} ({type(exc).__name__}: "
                                  f"{exc.strerror or exc}); the column is kept in memory only, as are further "
                                  f"columns this cache cannot write for the same reason (not warned again)",
                                  RuntimeWarning, stacklevel=user_stacklevel())

    def _remember(self, key: str, column: np.ndarray, faults: int) -> None:
        if key in self._mem:
            self._bytes -= self._mem[key][0].nbytes
        self._mem[key] = (column, faults)
        self._bytes += column.nbytes
        self._trim()

    def _trim(self) -> None:
        """Drop the least recently used entries beyond ``max_bytes``: partial ones first (the newest is kept)."""
        while self._bytes > self.max_bytes and len(self._partials) > 1:
            _, (old, done) = self._partials.popitem(last=False)
            self._bytes -= old.nbytes + done.nbytes
        while self._bytes > self.max_bytes and len(self._mem) > 1:
            _, (old, _) = self._mem.popitem(last=False)
            self._bytes -= old.nbytes

    def _forget_partial(self, key: str) -> None:
        old = self._partials.pop(key, None)
        if old is not None:
            self._bytes -= old[0].nbytes + old[1].nbytes

    def get_partial(self, key: str, n: int, cardinality: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """The partial column an apply that stopped left under ``key``: ``(votes, done)``, or None.

        ``done`` (``n`` bools) marks the rows whose votes are computed (fault-free); ``votes`` holds them
        (its other rows mean nothing).  A damaged or foreign file is a miss, warned about as in :meth:`get`.
        """
        if is_volatile(key):
            return None
        hit = self._partials.get(key)
        if hit is not None and len(hit[0]) == n:
            self._partials.move_to_end(key)
            return hit
        if self.directory is None:
            return None
        path = self.directory / f"{key}{_PARTIAL}.npz"
        if not path.exists():
            return None
        try:
            try:
                meta, arrays = load_npz(path, _PARTIAL_FORMAT)
            except FileNotFoundError:  # another process finished its resume and dropped it since: a miss
                return None
            col, done = np.asarray(arrays["votes"]), np.asarray(arrays["done"])
            if col.ndim != 1 or col.dtype.kind not in "iu" or len(col) != n or done.dtype != bool \
                    or done.shape != col.shape:
                raise ValueError(f"holds votes of shape {col.shape} and dtype {col.dtype}, rows done of shape "
                                 f"{done.shape} and dtype {done.dtype}, for {n} rows")
            kept = col[done]
            lo, hi = (int(kept.min()), int(kept.max())) if len(kept) else (-1, -1)
            top = cardinality - 1 if cardinality is not None else None
            if lo < -1 or (top is not None and hi > top) or list(meta.get("votes_range", ())) != [lo, hi] \
                    or meta.get("rows_done") != int(done.sum()):
                raise ValueError(f"holds votes {lo}..{hi} on {int(done.sum())} rows, not what was written "
                                 f"or outside -1..{top if top is not None else 'k-1'}")
        except Exception as exc:  # a cache file never stops a run: the rows are computed again
            warnings.warn(f"vote cache file {path} is damaged ({type(exc).__name__}: {exc}); treating it as a "
                          f"miss and computing every row of the column", RuntimeWarning, stacklevel=user_stacklevel())
            return None
        self._remember_partial(key, col, done)
        return col, done

    def put_partial(self, key: str, column: np.ndarray, done: np.ndarray) -> None:
        """Keep the rows ``done`` (bools) of ``column`` under ``key``, for an apply that stopped before every row
        was done (see :meth:`get_partial`); never served as the column (:meth:`get` does not see it)."""
        if is_volatile(key) or not done.any():
            return
        column, done = np.asarray(column), np.asarray(done, dtype=bool)
        kept = column[done]
        lo, hi = int(kept.min()), int(kept.max())
        if -128 <= lo and hi < 128:  # votes of a few classes: an eighth of the memory of int64 (read back as is)
            column = np.where(done, column, -1).astype(np.int8)
        self._remember_partial(key, column, done)
        if self.directory is None:
            return
        path = self.directory / f"{key}{_PARTIAL}.npz"
        meta = {"votes_range": [lo, hi], "rows_done": int(done.sum())}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            save_npz(path, _PARTIAL_FORMAT, meta, {"votes": column, "done": done})
        except OSError as exc:  # the apply stopped with its own error: the partial column stays in memory
            cause = (type(exc).__name__, exc.errno)
            if cause not in self._warned:
                self._warned.add(cause)
                warnings.warn(f"vote cache could not write {path} ({type(exc).__name__}: {exc.strerror or exc}); "
                              f"the rows computed are kept in memory only", RuntimeWarning,
                              stacklevel=user_stacklevel())

    def drop_partial(self, key: str) -> None:
        """Forget the partial column under ``key`` (its column is whole now, or its rows were merged anew)."""
        self._forget_partial(key)
        if self.directory is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.directory / f"{key}{_PARTIAL}.npz")

    def _remember_partial(self, key: str, column: np.ndarray, done: np.ndarray) -> None:
        self._forget_partial(key)
        self._partials[key] = (column, done)
        self._bytes += column.nbytes + done.nbytes
        self._trim()

    def clear(self) -> None:
        """Forget every column, in memory and in the directory (``*.npz``, and ``*.npy`` entries of weaksup 0.1).

        Another process writing to the same directory meanwhile is not disturbed: its temporary files are left
        alone (only those of killed writes are removed), and a file it or another ``clear`` removes first is
        skipped."""
        self._mem.clear()
        self._partials.clear()
        self._bytes = 0
        for entry in self._entries():
            if _is_column_file(entry.name):
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    pass
        self._sweep()

    def may_hold(self) -> bool:
        """Whether a lookup could hit: columns in memory, or column files in the directory (a cheap check, so
        that a Dask DataFrame is hashed in a pass of its own only when a column could be served; temporary
        files of writes in progress or killed do not count)."""
        if self._mem or self._partials:
            return True
        return any(_is_column_file(e.name) and e.name.endswith(".npz") for e in self._entries())

    def __len__(self) -> int:
        return len(self._mem)

    def __repr__(self) -> str:
        where = f", directory={str(self.directory)!r}" if self.directory else ""
        return f"VoteCache({len(self)} columns, hits={self.hits}, misses={self.misses}{where})"
