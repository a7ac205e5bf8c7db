"""Persistent response cache for language-model calls (SQLite, WAL journal).

Keyed by backend, model, request kind, the rendered prompt and the decoding
parameters, so a rerun of the same prompts makes no model call.  Every batch
of responses is committed as soon as it is back: a run that is killed or
fails midway keeps all finished responses, and the rerun computes only the
missing ones.  Several processes may share one file (WAL lets readers run
beside a writer).

The cache only saves model calls, so it never costs the replies: a file that
cannot be written (full disk, quota, read-only medium) gives one warning naming
it and the replies are still returned (an existing file that cannot be written
is opened read-only: its stored replies are still served, read live where sqlite
can, else from a copy taken into memory at open); a file found damaged (at open,
in a look-up or in a write) is moved aside and a fresh one started; a
file deleted while open is noticed at the next use and started afresh at its
path.  The default cache (no path given) that cannot be opened or created at
all (the cache root is a file, a read-only home) warns once and keeps the
replies in memory; a path given explicitly that cannot be created is an error.

Examples
--------
>>> from weaksup.labelers import ResponseCache
>>> c = ResponseCache(":memory:")
>>> k = ResponseCache.key({"backend": "demo"}, "score", "Is it?", {"choices": ["yes", "no"]})
>>> c.put_many([(k, {"logprobs": [-0.1, -2.3]})])
>>> c.get_many([k])[k]["logprobs"]
[-0.1, -2.3]
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from weaksup._cache import cache_root

__all__ = ["ResponseCache", "default_cache_path"]

#: Paths already warned about in this process (one warning each, however many LFs open them).
_READ_ONLY_WARNED: set[str] = set()
_FALLBACK_WARNED: set[str] = set()


def default_cache_path() -> Path:
    """``labelers/responses.sqlite`` under :func:`weaksup._cache.cache_root` (default ``~/.cache/weaksup``)."""
    root = cache_root()
    return root / "labelers" / "responses.sqlite"


class ResponseCache:
    """SQLite store of model responses.

    Parameters
    ----------
    path : path or ":memory:", optional
        Database file (created with its folder).  Default:
        :func:`default_cache_path`.  ``":memory:"`` keeps responses for this
        object's life only.  An existing file that cannot be written is opened
        read-only, with one ``RuntimeWarning`` (its replies are served, new ones
        not kept in it).  Where sqlite cannot read it live either (it would have
        to create the WAL's ``-shm`` file beside it), the file is copied into
        memory once and served from that copy.  A read-only cache never moves or
        rewrites the file (it is not its own).  A given path whose file or
        folder cannot be created raises ``OSError``; the default path then warns
        once and falls back to ``":memory:"`` instead (the cache only saves
        model calls).

    Attributes
    ----------
    hits, misses : int
        Look-ups answered / not answered by this object.
    read_only : bool
        True when the file could not be written and was opened read-only.
    snapshot : bool
        True when a read-only file is served from a copy in memory (replies written to the file by its owner
        after the copy are not seen; new replies are kept in that memory until close()), or from an
        empty memory cache once the file could no longer be read.
    fallback_from : str or None
        The default path that could not be used, when this cache fell back to memory.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = str(path) if path is not None else str(default_cache_path())
        self.memory = self.path == ":memory:"
        if not self.memory:  # absolute once: a notebook's %cd must not point the open cache at another file
            self.path = os.path.abspath(os.path.expanduser(self.path))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._shared: sqlite3.Connection | None = None  # for :memory:
        self.hits = 0
        self.misses = 0
        self.read_only = False
        self.fallback_from: str | None = None
        self._write_warned = False  # one warning per cache object for writes that fail (full or read-only disk)
        self._gone_warned = False  # one warning per cache object for a file deleted while open
        self.snapshot = False  # a read-only file served from a copy in memory (see _connect_read_only)
        self._lost_warned = False  # one warning per cache object for a read-only file that can no longer be read
        try:
            self._conn()  # create the schema now, so errors surface here
        except (OSError, sqlite3.Error) as exc:
            if path is not None:  # the user asked for this file: say why it cannot be had
                raise
            self._to_memory(exc)  # the default location only saves model calls: never cost the LF

    def _to_memory(self, exc: BaseException) -> None:
        """The default cache file cannot be opened or created: keep this session's replies in memory."""
        wanted = self.path
        self.path, self.memory, self.fallback_from, self.read_only = ":memory:", True, wanted, False
        if wanted not in _FALLBACK_WARNED:
            _FALLBACK_WARNED.add(wanted)
            warnings.warn(f"the default response cache {wanted} cannot be used ({exc}); replies are kept in memory "
                          f"for this process only, so a new session asks the model again (set WEAKSUP_CACHE to a "
                          f"writable folder to keep them, or pass cache=None for no cache)", RuntimeWarning,
                          stacklevel=4)
        self._conn()

    def __getstate__(self) -> dict[str, Any]:
        # a copy sent to another process (Dask, spawn) reopens the file there; an in-memory cache cannot travel
        if self.memory and self.fallback_from is None and not self.snapshot:
            raise TypeError("a ResponseCache(':memory:') lives in one process and cannot be pickled; "
                            "give the LF a file cache to send it to other processes")
        state = self.__dict__.copy()
        del state["_local"], state["_lock"]
        state["_shared"] = None  # a default cache that fell back to memory starts an empty one in the other process
        if self.snapshot:  # a copy of a read-only file: the other process reads the file itself
            state["memory"] = state["snapshot"] = False
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()
        self._lock = threading.Lock()

    # One connection per (process, thread): sqlite connections cross neither.
    def _conn(self) -> sqlite3.Connection:
        if self.memory:
            if self._shared is None:
                self._shared = sqlite3.connect(":memory:", check_same_thread=False)
                self._init(self._shared)
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            # One stat per use (microseconds): a connection whose file was deleted (rm -rf of the cache folder)
            # or replaced (set aside by another process) would go on committing into a file nobody will read.
            now = self._file_id()
            if now == self._local.file_id:
                return conn
            conn.close()
            self._local.conn = None
            if now is None and not self._gone_warned:
                self._gone_warned = True
                warnings.warn(f"response cache {self.path} was deleted while open; started a fresh file there "
                              f"(replies from now on are kept)", RuntimeWarning, stacklevel=3)
        if not Path(self.path).parent.exists():  # the folder went with the file
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OSError(f"cannot create the folder of the response cache {self.path}: "
                              f"{exc.strerror or exc}") from exc
        try:
            conn = self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                conn = self._open_read_only(exc)  # e.g. a file on a read-only medium: its replies still serve
            else:
                self._set_aside(exc)
                conn = self._open()
        if self.memory:  # a read-only file copied into memory (or no longer readable): served as a memory cache
            return conn
        self._local.conn = conn
        self._local.pid = os.getpid()
        self._local.file_id = self._file_id()
        return conn

    def _file_id(self) -> tuple[int, int] | None:
        """``(st_dev, st_ino)`` of the file now at :attr:`path` (None: no file there)."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _open(self) -> sqlite3.Connection:
        if self.read_only:  # this file was found unwritable: every connection (thread, process) only reads
            try:
                return self._connect_read_only()
            except sqlite3.Error as exc:  # replaced by a file this process cannot read: not its to set aside
                return self._lose_file(exc, "cannot be read any more")
        try:
            conn = sqlite3.connect(self.path, timeout=60.0)
        except sqlite3.OperationalError as exc:
            raise OSError(f"cannot open the response cache {self.path}: {exc}") from exc
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._init(conn)
            conn.execute("SELECT key, response FROM responses LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _open_read_only(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Open an existing file that cannot be written (``exc``: why) read-only, warning once per path;
        ``OSError`` naming the file when there is none or it cannot be read either."""
        unwritable = "readonly" in str(exc) or "unable to open" in str(exc)
        if not (unwritable and os.path.isfile(self.path)):
            raise OSError(f"cannot open the response cache {self.path}: {exc}") from exc
        try:
            conn = self._connect_read_only()
        except sqlite3.Error as exc2:
            raise OSError(f"cannot open the response cache {self.path}: {exc}; read-only either: {exc2}") from exc
        self.read_only = True
        self._write_warned = True  # the warning below says new replies are not kept: no second one per write
        if self.path not in _READ_ONLY_WARNED:
            _READ_ONLY_WARNED.add(self.path)
            how = ("opened it read-only: its stored replies are used" if not self.snapshot else
                   "copied it into memory (sqlite cannot read it live without writing a -shm file beside it): "
                   "the replies it holds now are used, later ones written to it by other processes are not")
            kept = ("new replies are returned but not cached" if not self.snapshot else
                    "new replies are kept in that memory copy only, until close()")
            warnings.warn(f"response cache {self.path} cannot be written ({_why_unwritable(self.path, exc)}); "
                          f"{how}; {kept} (give cache= a ResponseCache on a writable disk, or set WEAKSUP_CACHE "
                          "to a writable folder, to keep them)", RuntimeWarning, stacklevel=5)
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        """A live ``mode=ro`` connection to the file, or else this cache switched to a copy of it in memory.

        ``mode=ro`` needs the ``-shm`` file of a WAL database to exist or be creatable.  Where it cannot be (a
        read-only medium, a folder this user may not write, a read-only mount of a folder written through
        another path), the file is copied once through an ``immutable=1`` connection and that connection is
        closed: immutable reads take no locks and ignore the WAL, so one kept open while the owner goes on
        writing would read torn pages ("malformed") and take the owner's file for damaged.
        """
        uri = Path(self.path).as_uri()
        try:
            return _checked(sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=60.0))
        except sqlite3.Error:
            pass
        copy = _snapshot(uri)
        self._shared, self.memory, self.snapshot = copy, True, True
        return copy

    def _lose_file(self, exc: BaseException, what: str) -> sqlite3.Connection:
        """A read-only file can no longer be read (``what``, ``exc``: why): go on with an empty memory cache.

        The file is not this process's: it is left as it is (never set aside or started afresh here).
        """
        self._close_connections()
        self._shared = sqlite3.connect(":memory:", check_same_thread=False)
        self._init(self._shared)
        self.memory = self.snapshot = True
        if not self._lost_warned:
            self._lost_warned = True
            warnings.warn(f"response cache {self.path} (opened read-only) {what} ({exc}); left it as it is, "
                          f"and its replies are not used from now on: new replies are kept in memory for this "
                          f"process only", RuntimeWarning, stacklevel=4)
        return self._shared

    def _set_aside(self, exc: BaseException, stacklevel: int = 4) -> None:
        """A damaged cache file is moved to ``<file>.corrupt-<time>`` (kept for inspection) and started afresh."""
        aside = f"{self.path}.corrupt-{int(time.time())}"
        for suffix in ("", "-wal", "-shm"):
            try:
                os.replace(self.path + suffix, aside + suffix)
            except FileNotFoundError:  # no such part, or another process set it aside first
                pass
        warnings.warn(f"response cache {self.path} is damaged ({exc}); moved it to {aside} and started an empty "
                      f"cache: every prompt is a miss and is asked again", RuntimeWarning, stacklevel=stacklevel)

    def _restart(self, exc: BaseException) -> None:
        """Damage found in an open file: drop this thread's connection and set the file aside."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self._set_aside(exc, stacklevel=4)

    def _write_failed(self, exc: BaseException) -> None:
        if not self._write_warned:
            self._write_warned = True
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            warnings.warn(f"response cache {self.path} cannot be written ({type(exc).__name__}: {reason}); the "
                          f"replies are returned but not cached, so a rerun asks for them again (free disk space, "
                          f"or give cache= a ResponseCache on a writable disk, or cache=None)",
                          RuntimeWarning, stacklevel=4)

    @staticmethod
    def _init(conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, backend TEXT, model TEXT, "
            "kind TEXT, prompt TEXT, response TEXT NOT NULL, created REAL)"
        )
        conn.commit()

    @staticmethod
    def key(backend: Mapping[str, Any], kind: str, prompt: str, params: Mapping[str, Any]) -> str:
        """Stable key: sha256 of the canonical JSON of everything that shapes the reply.

        A lone UTF-16 surrogate in the prompt (half an emoji from scraped JSON) is hashed as its
        surrogate-pass bytes: a key for every text, and the same keys as before for valid text.
        """
        blob = json.dumps({"backend": backend, "kind": kind, "prompt": prompt, "params": params},
                          sort_keys=True, ensure_ascii=False, default=str)
        # "surrogatepass" changes nothing for text that is valid UTF-8, so caches written before still hit;
        # plain "utf-8" raised UnicodeEncodeError and failed the whole chunk, even with cache=None
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Responses found for ``keys`` (absent keys are left out)."""
        out: dict[str, dict[str, Any]] = {}
        uniq = list(dict.fromkeys(keys))
        bad: list[str] = []
        with self._lock if self.memory else _Null():
            try:
                conn = self._conn()
                for i in range(0, len(uniq), 500):
                    part = uniq[i:i + 500]
                    q = "SELECT key, response FROM responses WHERE key IN (%s)" % ",".join("?" * len(part))
                    for k, resp in conn.execute(q, part):
                        try:
                            value = json.loads(resp)
                        except (TypeError, ValueError):
                            bad.append(k)
                            continue
                        if isinstance(value, dict):
                            out[k] = value
                        else:
                            bad.append(k)
            except sqlite3.DatabaseError as exc:  # damage found while reading: nothing is trusted
                out, bad = {}, []
                try:
                    if self.memory or not _is_damage(exc):
                        raise OSError(str(exc))
                    if self.read_only:  # the owner's file, changed under a live read-only connection: not ours
                        self._lose_file(exc, "was changed by another process and cannot be read here")
                    else:
                        self._restart(exc)  # as damage found at open: the replies about to be asked go to a fresh file
                except OSError as why:  # not damage, or the damaged file cannot be moved: put_many copes
                    warnings.warn(f"response cache {self.path} could not be read ({why}); treating every look-up "
                                  f"as a miss", RuntimeWarning, stacklevel=2)
            except OSError as exc:  # the file went and its folder cannot be made again: the look-ups are misses
                out, bad = {}, []
                warnings.warn(f"response cache {self.path} could not be read ({exc}); treating every look-up "
                              f"as a miss", RuntimeWarning, stacklevel=2)
        if bad:
            warnings.warn(f"response cache {self.path}: {len(bad)} stored repl(ies) are not valid JSON objects "
                          f"(key {bad[0][:16]}...); treated as misses and asked again", RuntimeWarning, stacklevel=2)
        self.hits += sum(1 for k in keys if k in out)
        self.misses += sum(1 for k in keys if k not in out)
        return out

    def put_many(self, items: Iterable[tuple[Any, ...]], meta: Mapping[str, Any] | None = None) -> None:
        """Store ``(key, response)`` or ``(key, response, prompt)`` tuples in one committed transaction."""
        meta = dict(meta or {})
        rows = []
        for item in items:
            k, r = item[0], item[1]
            prompt = item[2] if len(item) > 2 else None
            rows.append((k, str(meta.get("backend", "")), str(meta.get("model", "")), str(meta.get("kind", "")),
                         _storable(prompt), _reply_json(r), time.time()))
        if not rows:
            return
        if self.memory:
            with self._lock:
                self._write(rows)
            return
        # The replies were paid for: a cache that cannot take them warns (once) and never raises.
        try:
            self._write(rows)
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc) or self.read_only:  # full disk, quota, read-only file or folder (never ours to fix)
                self._write_failed(exc)
                return
            try:  # damage found mid-file (bad sectors, a torn copy): as at open, set it aside, write afresh
                self._restart(exc)
                self._write(rows)
            except (sqlite3.Error, OSError) as exc2:
                self._write_failed(exc2)
        except OSError as exc:  # the folder, deleted while open, cannot be made again
            self._write_failed(exc)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        conn = self._conn()
        with conn:  # commits (or rolls back) this batch
            conn.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        with self._lock if self.memory else _Null():
            return int(self._conn().execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def count(self, model: str | None = None, kind: str | None = None) -> int:
        q, args = "SELECT COUNT(*) FROM responses WHERE 1=1", []
        if model is not None:
            q += " AND model = ?"
            args.append(model)
        if kind is not None:
            q += " AND kind = ?"
            args.append(kind)
        with self._lock if self.memory else _Null():
            return int(self._conn().execute(q, args).fetchone()[0])

    def clear(self) -> None:
        """Delete every stored reply and give the disk space back (VACUUM, then truncate the WAL)."""
        if self.snapshot:  # as a live read-only connection would: emptying the copy would not empty the file
            raise sqlite3.OperationalError(f"attempt to write a readonly database: response cache {self.path} "
                                           f"was opened read-only and cannot be cleared from this process")
        with self._lock if self.memory else _Null():
            conn = self._conn()
            with conn:
                conn.execute("DELETE FROM responses")
            if self.memory:
                return
            try:  # DELETE alone only marks pages free: the file (and its WAL) would keep their size
                conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError as exc:  # e.g. another process is writing: emptied all the same
                warnings.warn(f"response cache {self.path} is emptied but its disk space could not be given back "
                              f"now ({exc}); clear() again when no other process uses it", RuntimeWarning,
                              stacklevel=2)

    def _close_connections(self) -> None:
        """Close this thread's connection and the shared (memory or snapshot) one."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._shared is not None:
            self._shared.close()
            self._shared = None

    def close(self) -> None:
        self._close_connections()
        if self.snapshot:  # a later use reads the file again
            self.memory = self.snapshot = False

    def __repr__(self) -> str:
        return f"ResponseCache({self.path!r})"


def _storable(text: str | None) -> str | None:
    """``text`` as sqlite can store it: a lone surrogate (which sqlite cannot encode) written as ``\\udXXX``.

    The prompt column is kept for people inspecting the file; the key, not this text, finds a reply.
    """
    if text is None or text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _reply_json(reply: Any) -> str:
    """The stored JSON of a reply; one holding a lone surrogate is written with ASCII escapes (read back the same)."""
    text = json.dumps(reply, ensure_ascii=False)
    return text if _storable(text) is text else json.dumps(reply)


def _why_unwritable(path: str, exc: BaseException) -> str:
    """Why ``path`` cannot be written, in the system's words where it can tell (sqlite's are vaguer)."""
    try:
        if os.statvfs(os.path.dirname(path)).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except (OSError, AttributeError):  # no statvfs (Windows)
        pass
    if not os.access(path, os.W_OK) or not os.access(os.path.dirname(path), os.W_OK):
        return f"permission denied; sqlite: {exc}"
    return str(exc)


def _checked(conn: sqlite3.Connection) -> sqlite3.Connection:
    """``conn`` once a read of the responses table works through it (else closed, and the error raised)."""
    try:
        conn.execute("SELECT key, response FROM responses LIMIT 1").fetchall()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _snapshot(uri: str, tries: int = 3) -> sqlite3.Connection:
    """A checked copy in memory of the database at ``uri``, read through a connection opened only for the copy.

    ``immutable=1`` needs no ``-shm`` file but takes no locks: a copy taken while the owner checkpoints may be
    torn, so it is checked (``PRAGMA quick_check``) and taken again; ``sqlite3.DatabaseError`` when no copy is
    sound (or the file cannot be read at all).
    """
    why: sqlite3.Error | None = None
    for _ in range(tries):
        mem = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            src = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=60.0)
            try:
                src.backup(mem)
            finally:
                src.close()
            verdict = mem.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed (copy: quick_check says {verdict})")
            return _checked(mem)
        except sqlite3.Error as exc:
            mem.close()
            why = exc
    raise sqlite3.DatabaseError(f"could not copy it into memory: {why}")


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether sqlite's error means a damaged file (set it aside) rather than an unusable disk or a lock."""
    return not isinstance(exc, sqlite3.OperationalError) or "not a database" in str(exc) or "malformed" in str(exc)


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: Any) -> None:
        return None
