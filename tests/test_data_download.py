"""download_wrench against a real HTTP server on 127.0.0.1 serving a copy of a WRENCH folder."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from weaksup.data import DownloadError, WrenchFormatError, download_wrench, load_wrench, verify_wrench
from weaksup.data.download import write_manifest


class _Server:
    """Serves ``root`` with byte-range support; can cut a file short or ignore ranges."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, str | None]] = []
        self.truncate: dict[str, int] = {}  # file name -> bytes sent before closing
        self.ignore_range = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                rng = self.headers.get("Range")
                server.requests.append((self.path, rng))
                path = server.root / self.path.lstrip("/")
                if not path.is_file():
                    self.send_error(404, "not found")
                    return
                data = path.read_bytes()
                start = 0
                if rng and not server.ignore_range:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_error(416, "range not satisfiable")
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                cut = server.truncate.get(path.name)
                if cut is not None and cut < len(data):
                    self.wfile.write(body[: max(0, cut - start)])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(wrench_dir, tmp_path, monkeypatch):
    """A copy of youtube under classification/youtube, served on 127.0.0.1; an empty cache."""
    monkeypatch.delenv("WEAKSUP_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    src = tmp_path / "mirror" / "classification" / "youtube"
    shutil.copytree(wrench_dir / "youtube", src)
    for p in src.iterdir():
        p.chmod(0o644)
    srv = _Server(tmp_path / "mirror")
    yield srv, src, tmp_path / "cache"
    srv.close()


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _same_folder(a: Path, b: Path) -> None:
    for p in a.iterdir():
        assert _sha(b / p.name) == _sha(p), p.name


def test_download_loads_and_is_cached(served):
    srv, src, cache = served
    path = download_wrench("youtube", base_url=srv.url, cache=cache, progress=False)
    assert path == cache / "youtube"
    _same_folder(src, path)
    man = json.loads((path / "manifest.json").read_text())
    assert man["files"]["train.json"]["sha256"] == _sha(src / "train.json")
    verify_wrench(path)
    ds = load_wrench("youtube", cache)
    ref = load_wrench("youtube", src.parent)
    assert np.array_equal(ds.train.votes.to_dense(), ref.train.votes.to_dense())
    assert not any(p.name.startswith(".partial") for p in cache.iterdir())
    n = len(srv.requests)
    assert download_wrench("youtube", base_url=srv.url, cache=cache, progress=False) == path
    assert len(srv.requests) == n  # cached: no new request
    # tampering with the cache is detected
    (path / "label.json").chmod(0o644)
    (path / "label.json").write_text('{"0": "HAM", "1": "EGGS"}')
    with pytest.raises(DownloadError, match="label.json: sha256"):
        verify_wrench(path)


def test_interrupted_transfer_leaves_no_cache_and_resumes(served):
    srv, src, cache = served
    size = (src / "train.json").stat().st_size
    srv.truncate["train.json"] = 100_000
    with pytest.raises(DownloadError, match=rf"interrupted after 100000 of {size} bytes"):
        download_wrench("youtube", base_url=srv.url, cache=cache, progress=False)
    assert not (cache / "youtube").exists()
    # nothing usable in the user locations: only the copy shipped in the package is left (tests/test_bundled.py)
    assert load_wrench("youtube").source == "bundled"
    # the partial transfer is never loaded, and an explicit data_dir that lacks the set falls back to no other copy
    with pytest.raises(FileNotFoundError, match="holds no folder 'youtube'"):
        load_wrench("youtube", cache)
    part = cache / ".partial-youtube" / "train.json.part"
    assert part.stat().st_size == 100_000
    # second attempt: the server is healthy again; the transfer resumes at byte 100000
    srv.truncate.clear()
    srv.requests.clear()
    download_wrench("youtube", base_url=srv.url, cache=cache, progress=False)
    train_reqs = [r for r in srv.requests if r[0].endswith("/train.json")]
    assert train_reqs == [("/classification/youtube/train.json", "bytes=100000-")]
    assert not any(r[0].endswith("/label.json") for r in srv.requests)  # completed before the cut: kept
    _same_folder(src, cache / "youtube")
    assert len(load_wrench("youtube", cache).train) == 1686


def test_resume_when_server_ignores_ranges(served):
    srv, src, cache = served
    srv.truncate["train.json"] = 50_000
    with pytest.raises(DownloadError):
        download_wrench("youtube", base_url=srv.url, cache=cache, progress=False)
    srv.truncate.clear()
    srv.ignore_range = True  # answers 200 with the whole file: must restart, not append
    download_wrench("youtube", base_url=srv.url, cache=cache, progress=False)
    _same_folder(src, cache / "youtube")


def test_checksum_mismatch_discards(served):
    srv, src, cache = served
    wrong = {"train.json": "0" * 64}
    with pytest.raises(DownloadError, match="train.json: sha256 .* does not match"):
        download_wrench("youtube", base_url=srv.url, cache=cache, checksums=wrong, progress=False)
    assert not (cache / "youtube").exists()
    assert not (cache / ".partial-youtube" / "train.json").exists()
    ok = {f.name: _sha(f) for f in src.iterdir()}
    download_wrench("youtube", base_url=srv.url, cache=cache, checksums=ok, progress=False)
    _same_folder(src, cache / "youtube")


def test_server_manifest_is_enforced(served):
    srv, src, cache = served
    write_manifest(src)  # the mirror publishes manifest.json ...
    text = (src / "test.json").read_text()
    (src / "test.json").write_text(text.replace('"label": 1', '"label": 0', 1))  # ... then a file changes
    with pytest.raises(DownloadError, match="test.json: sha256"):
        download_wrench("youtube", base_url=srv.url, cache=cache, progress=False)
    assert not (cache / "youtube").exists()


def test_corrupt_remote_file_is_not_cached(served):
    srv, src, cache = served
    text = (src / "valid.json").read_text()
    (src / "valid.json").write_text(text[:-50])  # complete transfer of a broken file
    with pytest.raises(WrenchFormatError, match=r"malformed JSON in .*valid\.json"):
        download_wrench("youtube", base_url=srv.url, cache=cache, progress=False)
    assert not (cache / "youtube").exists() and not (cache / ".partial-youtube").exists()


def test_missing_remote_file(served):
    srv, src, cache = served
    (src / "test.json").unlink()
    with pytest.raises(DownloadError, match=r"test\.json: HTTP 404"):
        download_wrench("youtube", base_url=srv.url, cache=cache, progress=False)
    assert not (cache / "youtube").exists()


def test_cli_download(served, capsys):
    from weaksup.cli import main

    srv, src, cache = served
    assert main(["download", "youtube", "--base-url", srv.url, "--cache", str(cache)]) == 0
    assert capsys.readouterr().out.strip() == str(cache / "youtube")
    _same_folder(src, cache / "youtube")
