"""The production server (``fujian-gis serve``: gunicorn) against a real socket and PostGIS (issue 17 §9):
a body nobody may send is refused after its headers, not read first. The tests' in-thread live server is
waitress (gunicorn forks, so it cannot run in a test's thread); this one is the real command."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

UPLOAD_LIMIT_MB = 50
CHUNK = 64 * 1024


@pytest.fixture
def served(db_url: str, reg, tmp_path: Path) -> Iterator[tuple[str, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": db_url, "FUJIAN_MAX_UPLOAD_MB": str(UPLOAD_LIMIT_MB)}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "fujian-gis"), "serve", "--port", str(port),
                             "--workers", "1", "--threads", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"http://127.0.0.1:{port}/conformance", timeout=5).status_code == 200:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(40)
        log.close()


def upload(address: tuple[str, int], declared: int, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Send a multipart import of ``declared`` bytes a chunk at a time until the server answers; returns
    how many body bytes were sent and the answer."""
    boundary = "fujianboundary"
    lines = ["POST /collections/outfalls/import HTTP/1.1", f"Host: {address[0]}:{address[1]}",
             f"Content-Type: multipart/form-data; boundary={boundary}", f"Content-Length: {declared}",
             *(f"{k}: {v}" for k, v in (headers or {}).items())]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.geojson\"\r\n"
            "Content-Type: application/geo+json\r\n\r\n").encode()
    sent = 0
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall(head + part)
        sent = len(part)
        zeros = b" " * CHUNK
        while sent < declared and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(zeros[: declared - sent])
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += min(CHUNK, declared - sent)
        answer = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while b"\r\n\r\n" not in answer or len(answer) < 200:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
    return sent, answer


def test_an_anonymous_upload_is_refused_after_its_headers_not_read_first(served, reg):
    declared = 40 * 1024 * 1024
    sent, answer = upload(served, declared)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:300]
    assert sent < declared / 2, f"{sent:,} of {declared:,} bytes were sent before the 401"
    assert requests.get(f"http://{served[0]}:{served[1]}/conformance", timeout=10).status_code == 200
    assert reg.layer("outfalls").count() == 0


def test_an_upload_over_the_limit_is_refused_by_its_length_with_the_limit_named(served, token):
    declared = (UPLOAD_LIMIT_MB + 10) * 1024 * 1024
    sent, answer = upload(served, declared, token)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert sent < declared / 2, f"{sent:,} of {declared:,} bytes were sent before the 413"
    body = answer.decode("utf-8", "replace")
    assert f"上限 {UPLOAD_LIMIT_MB} MB" in body and f"limit of {UPLOAD_LIMIT_MB} MB" in body
