"""A loopback file server for download tests: HEAD/GET with byte ranges, hub-style headers, and
an optional cut of the first full transfer of a file halfway through."""
from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import urlsplit


class FileServer(ThreadingHTTPServer):
    """Serves ``files`` (URL path → bytes); ``cut`` holds paths whose first full GET breaks off."""

    daemon_threads = True

    def __init__(self, files: dict[str, bytes], cut: set[str] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files, self.cut = dict(files), set(cut or ())
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Range header)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def gets(self, path: str | None = None) -> list[tuple[str, str, str | None]]:
        """The GET requests so far (of ``path`` only, if given)."""
        return [r for r in self.requests if r[0] == "GET" and (path is None or r[1] == path)]


class _Handler(BaseHTTPRequestHandler):
    server: FileServer

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        path, ranged = urlsplit(self.path).path, self.headers.get("Range")
        self.server.requests.append((self.command, path, ranged))
        data = self.server.files.get(path)
        if data is None:
            self.send_error(404)
            return
        start = int(ranged.split("=")[1].split("-")[0]) if ranged else 0
        self.send_response(206 if ranged else 200)
        self._headers(data, start)
        if not body:
            return
        cut = not ranged and path in self.server.cut
        self.server.cut.discard(path)
        try:
            self.wfile.write(data[start:start + (len(data) - start) // 2] if cut else data[start:])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client closed early: fine
            pass
        if cut:
            self.close_connection = True

    def _headers(self, data: bytes, start: int) -> None:
        digest = hashlib.sha256(data).hexdigest()
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{digest}"')
        self.send_header("X-Repo-Commit", "0" * 40)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()


@contextmanager
def serving(files: dict[str, bytes], cut: set[str] | None = None) -> Iterator[FileServer]:
    """A running :class:`FileServer` on a free loopback port, shut down afterwards."""
    server = FileServer(files, cut)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
