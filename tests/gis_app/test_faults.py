"""Faults: the database goes away and comes back, and the app answers 503 meanwhile and recovers alone.

Two ways of taking the database away: a loopback TCP relay between the app and PostgreSQL that the
test cuts and restores (any server), and a real stop and start of the local PostgreSQL cluster.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import make_url

from gis_app import create_app


class Relay:
    """A TCP relay on 127.0.0.1 that can be cut (listener and open connections closed) and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        assert self._listener is not None
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        self._listener.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._conns.clear()


def relayed_app(db_url: str, relay: Relay):
    url = make_url(db_url)
    relay.target = (url.host or "127.0.0.1", url.port or 5432)
    relay.start()
    through = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    return create_app({"TESTING": True, "DATABASE_URL": through})


def test_unreachable_database_gives_a_fast_503_and_the_app_recovers(db_url, reg):
    relay = Relay(("127.0.0.1", 5432))
    app = relayed_app(db_url, relay)
    client = app.test_client()
    assert client.get("/collections/outfalls/items").status_code == 200

    relay.cut()
    started = time.monotonic()
    down = client.get("/collections/outfalls/items")
    assert down.status_code == 503 and down.mimetype == "application/problem+json"
    assert "Traceback" not in down.text and "psycopg" not in down.text
    assert time.monotonic() - started < 10, "fail fast, not after a long hang"

    relay.start()  # the same port again
    assert client.get("/collections/outfalls/items").status_code == 200, "recovered without a restart"
    app.extensions["registry"].close()


def local_cluster() -> tuple[str, str] | None:
    """(version, name) of the local PostgreSQL cluster the tests use, when they use one."""
    if os.environ.get("DATABASE_URL") or not shutil.which("pg_ctlcluster"):
        return None
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: int(p.name)) if \
        Path("/etc/postgresql").is_dir() else []
    return (versions[-1].name, "main") if versions else None


def test_postgresql_restart_is_survived(db_url, reg):
    cluster = local_cluster()
    if cluster is None:
        pytest.fail("this test restarts the local PostgreSQL cluster; with DATABASE_URL pointing elsewhere "
                    "run it where the database is local (the relay test above covers remote servers)")
    app = create_app({"TESTING": True, "DATABASE_URL": db_url})
    client = app.test_client()
    assert client.get("/collections/outfalls/items").status_code == 200
    ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster]
    subprocess.run([*ctl, "stop", "--", "-m", "fast"], check=True, capture_output=True)
    try:
        assert client.get("/collections/outfalls/items").status_code == 503
    finally:
        subprocess.run([*ctl, "start"], check=True, capture_output=True)
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        status = client.get("/collections/outfalls/items").status_code
        if status == 200:
            break
        time.sleep(0.5)
    assert status == 200, "the app did not recover after PostgreSQL came back"
    app.extensions["registry"].close()
