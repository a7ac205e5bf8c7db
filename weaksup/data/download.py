"""Download WRENCH datasets into the user cache: atomic, checksummed, resumable.

The official distribution is the Hugging Face dataset ``jieyuz2/WRENCH``::

    {base_url}/classification/{name}/{label.json,train.json,valid.json,test.json,...}
    {base_url}/sequence_tagging/{name}/{meta.json,train.json,valid.json,test.json}

with ``base_url = https://huggingface.co/datasets/jieyuz2/WRENCH/resolve/main``
(override with ``base_url=`` or ``$WEAKSUP_WRENCH_URL``; any HTTP server with that
layout works, e.g. a mirror or ``python -m http.server``).

How a download proceeds (:func:`download_wrench`):

1. Files are fetched into a staging folder ``<cache>/.partial-<name>/``, each
   first as ``<file>.part``; an interrupted transfer leaves only the ``.part``
   file there, and the next call resumes it with an HTTP ``Range`` request
   (restarting from zero if the server ignores ranges).  A file is renamed from
   ``.part`` to its final name only once its length matches ``Content-Length``.
2. Checksums: if the caller passes ``checksums`` (``{file: sha256}`` or a path
   to a manifest JSON) or the server publishes ``manifest.json`` in the
   dataset folder, every file's SHA-256 must match it.  Otherwise the hashes
   are recorded (trust on first use).  Either way ``manifest.json`` is written
   into the cached folder; :func:`verify_wrench` re-checks a cache against it.
3. The staged folder is parsed with :func:`weaksup.data.load_wrench`; only if it
   loads cleanly is it renamed (atomically, same file system) to
   ``<cache>/<name>``.  So the cache never holds a truncated or corrupt dataset:
   either the complete, validated folder is there, or nothing is.
"""

from __future__ import annotations

import fcntl
import hashlib
import http.client
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_BASE_URL",
    "DownloadError",
    "download_wrench",
    "verify_wrench",
    "write_manifest",
    "sha256_file",
    "remote_folder",
]

DEFAULT_BASE_URL = "https://huggingface.co/datasets/jieyuz2/WRENCH/resolve/main"
MANIFEST = "manifest.json"
_CHUNK = 1 << 16
# files every classification / tagging folder has; optional ones may be absent (404)
_REQUIRED = {"classification": ["label.json", "train.json", "valid.json", "test.json"],
             "sequence": ["meta.json", "train.json", "valid.json", "test.json"]}
_OPTIONAL = {"classification": ["labeled_ids.json", "readme.txt"], "sequence": ["readme.txt"]}
_GROUP = {"classification": "classification", "sequence": "sequence_tagging"}


class DownloadError(RuntimeError):
    """A WRENCH download failed; the message names the URL and what went wrong.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from weaksup.data import DownloadError, verify_wrench
    >>> try:
    ...     verify_wrench(pathlib.Path(tempfile.mkdtemp()))
    ... except DownloadError as err:
    ...     print(str(err).rsplit(": ", 1)[1])
    no manifest.json to verify against
    """


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Write ``manifest.json`` (``{"files": {name: {"sha256", "size"}}}``) for a dataset folder; returns it."""
    folder = Path(folder)
    files = {p.name: {"sha256": sha256_file(p), "size": p.stat().st_size}
             for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")}
    manifest = {"files": files}
    _atomic_write_bytes(folder / MANIFEST, json.dumps(manifest, indent=1).encode())
    return manifest


def verify_wrench(folder: str | os.PathLike[str]) -> None:
    """Re-hash a cached dataset folder against its ``manifest.json``; raises :class:`DownloadError` on mismatch.

    Parameters
    ----------
    folder : str or path-like
        A dataset folder holding the ``manifest.json`` :func:`download_wrench` wrote (file name ->
        sha256); a folder without one is a :class:`DownloadError`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from weaksup.data import DownloadError, verify_wrench
    >>> from weaksup.data.download import write_manifest
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "label.json").write_text('{"0": "ham", "1": "spam"}')
    >>> _ = write_manifest(folder)
    >>> verify_wrench(folder)  # every file matches its sha256: no error
    >>> _ = (folder / "label.json").write_text('{"0": "ham", "1": "eggs"}')
    >>> try:
    ...     verify_wrench(folder)
    ... except DownloadError as err:
    ...     print("label.json: sha256" in str(err))
    True
    """
    folder = Path(folder)
    man = folder / MANIFEST
    if not man.exists():
        raise DownloadError(f"{folder}: no {MANIFEST} to verify against")
    files = json.loads(man.read_text())["files"]
    for fname, info in files.items():
        p = folder / fname
        if not p.exists():
            raise DownloadError(f"{p}: listed in {MANIFEST} but missing")
        got = sha256_file(p)
        if got != info["sha256"]:
            raise DownloadError(f"{p}: sha256 {got} does not match {MANIFEST} ({info['sha256']})")


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def remote_folder(name: str, base_url: str | None = None, task: str | None = None) -> str:
    """URL of dataset ``name``'s folder in the distribution."""
    from weaksup.data.registry import task_info

    base = (base_url or os.environ.get("WEAKSUP_WRENCH_URL") or DEFAULT_BASE_URL).rstrip("/")
    info = task_info(name) or {}
    kind = task or info.get("task", "classification")
    remote = info.get("remote_name", name)
    return f"{base}/{_GROUP.get(kind, kind)}/{remote}"


def _open(url: str, headers: Mapping[str, str], timeout: float) -> Any:
    req = urllib.request.Request(url, headers={"User-Agent": "weaksup", **headers})
    return urllib.request.urlopen(req, timeout=timeout)  # noqa: S310 - http(s) URLs by design


#: Default caps of :func:`download_wrench`: bytes per file and seconds for the whole download.
MAX_BYTES = 2 << 30
MAX_SECONDS = 3600.0


def _fetch(url: str, dest: Path, *, timeout: float, progress: bool, optional: bool = False,
           max_bytes: int | None = None, deadline: float | None = None) -> bool:
    """Fetch ``url`` into ``dest`` via ``dest.part`` (resuming it); False if optional and 404.

    ``max_bytes`` caps the file's size (a larger Content-Length is refused before
    any byte is written; a server that sends more is cut off); ``deadline`` (a
    ``time.monotonic()`` value) caps the time.  Either is a :class:`DownloadError`.
    """
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        resp = _open(url, headers, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # range beyond end: the part file is complete or bogus; restart
            part.unlink()
            return _fetch(url, dest, timeout=timeout, progress=progress, optional=optional, max_bytes=max_bytes,
                          deadline=deadline)
        if exc.code == 404 and optional:
            return False
        raise DownloadError(f"GET {url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"GET {url}: {reason}") from exc
    with resp:
        status = resp.status
        if status == 206 and have:
            mode, start = "ab", have
            crange = resp.headers.get("Content-Range", "")
            if not crange.startswith(f"bytes {have}-"):
                raise DownloadError(f"GET {url}: server answered range {crange!r} to a request from byte {have}")
        else:  # 200: full content (server ignores ranges, or a fresh start)
            mode, start = "wb", 0
        length = resp.headers.get("Content-Length")
        try:
            expected = start + int(length) if length is not None else None
        except ValueError:
            raise DownloadError(f"GET {url}: bad Content-Length {length!r}") from None
        if max_bytes is not None and expected is not None and expected > max_bytes:
            raise DownloadError(f"GET {url}: the file has {expected} bytes, over the size cap of {max_bytes} bytes "
                                f"(max_bytes= / weaksup download --max-size)")
        from weaksup._progress import progress_bar

        bar = progress_bar(total=expected, initial=start, unit="B", unit_scale=True, desc=dest.name,
                           progress=progress, leave=False)
        got = start
        try:
            with open(part, mode) as fh:
                while True:
                    try:
                        chunk = resp.read(_CHUNK)
                    except Exception as exc:  # IncompleteRead, ConnectionReset, timeout
                        raise DownloadError(
                            f"GET {url}: transfer interrupted after {got} of {expected or '?'} bytes ({exc}); "
                            "run download_wrench again to resume"
                        ) from exc
                    if not chunk:
                        break
                    fh.write(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
                    if max_bytes is not None and got > max_bytes:
                        raise DownloadError(f"GET {url}: more than {max_bytes} bytes received, over the size cap "
                                            f"(max_bytes= / weaksup download --max-size); the download was stopped")
                    if deadline is not None and time.monotonic() > deadline:
                        raise DownloadError(f"GET {url}: not finished within the time cap after {got} bytes "
                                            f"(max_seconds= / weaksup download --max-time); run again to resume")
                fh.flush()
                os.fsync(fh.fileno())
        finally:
            bar.close()
    if expected is not None and got != expected:
        raise DownloadError(f"GET {url}: transfer interrupted after {got} of {expected} bytes; "
                            "run download_wrench again to resume")
    os.replace(part, dest)
    return True


def _load_checksums(checksums: Mapping[str, Any] | str | os.PathLike[str] | None) -> dict[str, str] | None:
    if checksums is None:
        return None
    if isinstance(checksums, Mapping):
        raw: Any = checksums
    else:
        raw = json.loads(Path(checksums).read_text())
    files = raw.get("files", raw)
    return {k: (v["sha256"] if isinstance(v, Mapping) else str(v)) for k, v in files.items()}


def download_wrench(
    name: str,
    base_url: str | None = None,
    cache: str | os.PathLike[str] | None = None,
    *,
    checksums: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    task: str | None = None,
    force: bool = False,
    timeout: float = 60.0,
    progress: bool = True,
    max_bytes: int | None = MAX_BYTES,
    max_seconds: float | None = MAX_SECONDS,
) -> Path:
    """Download WRENCH dataset ``name`` into the cache and return its folder.

    Parameters
    ----------
    name : str
        Dataset name (``"youtube"``, ``"bc5cdr"``, ...).
    base_url : str, optional
        Distribution root (default :data:`DEFAULT_BASE_URL` or ``$WEAKSUP_WRENCH_URL``).
    cache : path, optional
        Cache root (default :func:`weaksup.data.cache_dir`, ``~/.cache/weaksup/wrench``).
    checksums : dict or path, optional
        Expected SHA-256 per file (``{file: sha256}``, or a ``manifest.json``).
        Without it, a ``manifest.json`` published in the remote folder is used if present.
    task : {"classification", "sequence"}, optional
        Folder group; default from the registry (``classification`` for unknown names).
    force : bool
        Download again even when the dataset is cached.
    timeout : float
        Socket timeout in seconds.
    progress : bool
        tqdm progress bars.
    max_bytes : int, optional
        Size cap per file (default 2 GiB); a larger file is refused.
    max_seconds : float, optional
        Time cap for the whole download (default one hour); past it the
        transfer stops and a later call resumes it.

    Returns
    -------
    pathlib.Path
        ``<cache>/<name>``, a complete folder that :func:`load_wrench` reads.

    Raises
    ------
    DownloadError
        HTTP errors, interrupted transfers (resume by calling again), checksum
        mismatches; :class:`~weaksup.data.wrench.WrenchFormatError` when the
        downloaded files do not parse.  The cache is left without the dataset.

    Examples
    --------
    From the WRENCH distribution (network):

    >>> from weaksup.data import download_wrench, load_wrench
    >>> path = download_wrench("youtube")  # doctest: +SKIP
    >>> load_wrench("youtube").train.votes.shape  # doctest: +SKIP
    (1686, 10)

    From any HTTP server with the same layout, here one on 127.0.0.1 serving a tiny set:

    >>> import functools, json, pathlib, tempfile, threading
    >>> from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    >>> from weaksup.data import load_wrench_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> folder = root / "classification" / "tiny"
    >>> folder.mkdir(parents=True)
    >>> _ = (folder / "label.json").write_text(json.dumps({"0": "ham", "1": "spam"}))
    >>> rows = {"0": {"label": 1, "weak_labels": [1, -1], "data": {"text": "win cash"}},
    ...         "1": {"label": 0, "weak_labels": [-1, 0], "data": {"text": "see you"}}}
    >>> for split in ("train", "valid", "test"):
    ...     _ = (folder / f"{split}.json").write_text(json.dumps(rows))
    >>> class Quiet(SimpleHTTPRequestHandler):
    ...     def log_message(self, *args):
    ...         pass
    >>> server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()
    >>> path = download_wrench("tiny", base_url=f"http://127.0.0.1:{server.server_port}",
    ...                        cache=tempfile.mkdtemp(), progress=False)
    >>> server.shutdown()
    >>> sorted(p.name for p in path.iterdir()), load_wrench_folder(path).train.votes.shape
    (['label.json', 'manifest.json', 'test.json', 'train.json', 'valid.json'], (2, 2))
    """
    from weaksup.data.registry import task_info
    from weaksup.data.wrench import cache_dir, load_wrench_folder

    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"invalid dataset name {name!r}")
    root = Path(cache) if cache is not None else cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    final = root / name
    kind = task or (task_info(name) or {}).get("task", "classification")
    if kind not in _REQUIRED:
        raise ValueError(f"task must be 'classification' or 'sequence', got {kind!r}")
    deadline = time.monotonic() + max_seconds if max_seconds is not None else None
    with open(root / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if final.exists() and not force:
            return final
        folder_url = remote_folder(name, base_url, kind)
        staging = root / f".partial-{name}"
        staging.mkdir(exist_ok=True)
        expected = _load_checksums(checksums)
        if expected is None:
            man = staging / ("remote-" + MANIFEST)
            if _fetch(f"{folder_url}/{MANIFEST}", man, timeout=timeout, progress=False, optional=True,
                      max_bytes=max_bytes, deadline=deadline):
                try:
                    expected = _load_checksums(man)
                except (ValueError, KeyError, TypeError) as exc:
                    man.unlink()
                    raise DownloadError(f"{folder_url}/{MANIFEST}: not a valid manifest ({exc})") from exc
        wanted = list(_REQUIRED[kind]) + list(_OPTIONAL[kind])
        got_files: list[str] = []
        for fname in wanted:
            dest = staging / fname
            optional = fname in _OPTIONAL[kind]
            if not dest.exists():
                if not _fetch(f"{folder_url}/{fname}", dest, timeout=timeout, progress=progress, optional=optional,
                              max_bytes=max_bytes, deadline=deadline):
                    continue
            got_files.append(fname)
        # checksums: verify what the manifest lists, or record what we got
        if expected is not None:
            for fname in got_files:
                if fname not in expected:
                    continue
                digest = sha256_file(staging / fname)
                if digest != expected[fname]:
                    (staging / fname).unlink()
                    raise DownloadError(f"{folder_url}/{fname}: sha256 {digest} does not match the expected "
                                        f"{expected[fname]}; the file was discarded")
            missing = [f for f in expected if f not in got_files and f != MANIFEST]
            if missing:
                raise DownloadError(f"{folder_url}: manifest lists {missing} but they could not be downloaded")
        # validate by parsing before anything reaches the cache
        remote_man = staging / ("remote-" + MANIFEST)
        if remote_man.exists():
            remote_man.unlink()
        try:
            load_wrench_folder(staging, name)
        except Exception:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        write_manifest(staging)
        if final.exists():  # force=True
            shutil.rmtree(final)
        os.replace(staging, final)
    return final
