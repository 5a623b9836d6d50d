"""Faults: the database goes away and comes back, and the app answers 503 meanwhile and recovers alone.

Two ways of taking the database away: a loopback TCP relay between the app and PostgreSQL that the
test cuts and restores (any server), and a real stop and start of a throwaway PostgreSQL cluster the
test creates for itself (``initdb`` in a temporary folder, its own port on 127.0.0.1), so whatever
``DATABASE_URL`` says, the machine's own server is never stopped.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, make_url

from gis_app import create_app
from registry.db import ensure_database, migrate


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
    assert down.headers["Retry-After"] == "5"
    for path in ("/collections/outfalls/items", "/map", "/tiles/outfalls/7/105/55.mvt", "/outfalls/progress"):
        page = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert page.status_code == 503 and page.mimetype == "text/html", path
        assert page.headers["Retry-After"] == "5" and "数据库暂不可用" in page.text and "5 秒后重试" in page.text
        assert "Traceback" not in page.text and "psycopg" not in page.text

    relay.start()  # the same port again
    assert client.get("/collections/outfalls/items").status_code == 200, "recovered without a restart"
    app.extensions["registry"].close()


def postgresql_bindir() -> Path:
    """The binaries of the PostgreSQL whose PostGIS is installed: ``pg_config --bindir``, else the newest
    ``/usr/lib/postgresql/<major>/bin``."""
    if shutil.which("pg_config"):
        found = Path(subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True,
                                    text=True).stdout.strip())
        if (found / "initdb").exists():
            return found
    majors = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)) \
        if Path("/usr/lib/postgresql").is_dir() else []
    if not majors:
        pytest.fail("no PostgreSQL binaries (initdb): install the server package (scripts/setup.sh)", pytrace=False)
    return majors[-1].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayCluster:
    """A PostgreSQL cluster of this test alone: created by ``initdb`` in a temporary folder, listening on
    its own free port on 127.0.0.1 (and its socket in that folder), with a random password.

    initdb and postgres refuse to run as root, so as root (CI) they run as the ``postgres`` OS user,
    which then owns the folder; any other user runs them as itself.
    """

    def __init__(self) -> None:
        self.bindir = postgresql_bindir()
        self.as_user = os.geteuid() == 0
        if self.as_user:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root, and there is no `postgres` OS user to run initdb as", pytrace=False)
        self.root = Path(tempfile.mkdtemp(prefix="fujian-faults-"))
        if self.as_user:
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.data = self.root / "data"
        self.port = free_port()
        self.password = secrets.token_hex(16)

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.as_user:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True)
        if done.returncode:
            log = self.root / "server.log"
            raise RuntimeError(f"{tool} {args[0] if args else ''} failed ({done.returncode}): {done.stderr}"
                               + (log.read_text(errors="replace")[-2000:] if log.exists() else ""))

    def create(self) -> None:
        pwfile = self.root / "password"
        pwfile.write_text(self.password + "\n")
        if self.as_user:
            owner = pwd.getpwnam("postgres")
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--pwfile", str(pwfile),
                 "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync")
        pwfile.unlink()
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = off\n")

    def start(self) -> None:
        self.run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return URL.create("postgresql+psycopg", username="postgres", password=self.password, host="127.0.0.1",
                          port=self.port, database=database).render_as_string(hide_password=False)

    def remove(self) -> None:
        if self.running():
            with contextlib.suppress(RuntimeError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    """A throwaway cluster, started, with the registry's database migrated in it; removed afterwards,
    whatever happened."""
    own = ThrowawayCluster()
    try:
        own.create()
        own.start()
        ensure_database(own.url("fujian_gis_faults"))  # CREATE DATABASE and CREATE EXTENSION postgis
        migrate(own.url("fujian_gis_faults"))
        yield own
    finally:
        own.remove()


def test_postgresql_restart_is_survived(cluster: ThrowawayCluster):
    app = create_app({"TESTING": True, "DATABASE_URL": cluster.url("fujian_gis_faults")})
    client = app.test_client()
    assert client.get("/collections/outfalls/items").status_code == 200
    cluster.stop()
    try:
        assert client.get("/collections/outfalls/items").status_code == 503
    finally:
        cluster.start()
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        status = client.get("/collections/outfalls/items").status_code
        if status == 200:
            break
        time.sleep(0.5)
    assert status == 200, "the app did not recover after PostgreSQL came back"
    app.extensions["registry"].close()
