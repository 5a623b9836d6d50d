"""A killed import leaves nothing half-written: ``fujian-gis import`` is SIGKILLed while PostgreSQL is
already copying its rows, and the layer and the changesets are exactly as they were before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point
from sqlalchemy import Engine, func, select, text

from layers import get_layer
from layers.base import Changeset
from registry import Registry
from registry.validation import check_properties

FEATURES = 300_000
"""Enough that COPY runs for seconds on this machine, so the kill lands in the middle of it."""
ZHANGPU = "350623"
EXTENT = (117.5, 23.7, 117.7, 24.2)
"""Inside Zhangpu county (west, south, east, north)."""
COPY_TIMEOUT_S = 120.0
BACKEND_TIMEOUT_S = 30.0


def _row(i: int) -> dict[str, str]:
    return {"code": f"ZP-KILL-{i:06d}", "name": f"漳浦测试排口{i}", "county_code": ZHANGPU,
            "receiving_kind": "river", "outfall_class": "other", "status": "surveyed"}


def _write_outfalls(path: Path, n: int) -> None:
    """A GeoPackage of ``n`` valid outfalls scattered over Zhangpu."""
    _, issues = check_properties(get_layer("outfalls"), _row(0))
    assert not issues, f"the test's outfall no longer passes the layer's rules: {issues}"
    rng = np.random.default_rng(9)
    west, south, east, north = EXTENT
    rows = [_row(i) for i in range(n)]
    frame = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(rng.uniform(west, east, n),
                                                               rng.uniform(south, north, n)), crs="EPSG:4490")
    frame.to_file(path, driver="GPKG", engine="pyogrio")


def _state(engine: Engine) -> dict[str, tuple]:
    """Counts and largest ids of the outfalls table (every version) and of the changesets."""
    t, c = get_layer("outfalls").__table__, Changeset.__table__
    with engine.connect() as conn:
        return {"outfalls": tuple(conn.execute(select(func.count(), func.max(t.c.row_id), func.max(t.c.fid))).one()),
                "changesets": tuple(conn.execute(select(func.count(), func.max(c.c.id))).one())}


def _tcp_ports(pid: int) -> list[int]:
    """Local TCP ports of the sockets process ``pid`` holds open (Linux /proc), to find its backend."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _copy_backend(engine: Engine, proc: subprocess.Popen, output: Path) -> tuple[int, int]:
    """(backend pid, rows copied so far) once ``proc``'s own connection has streamed rows into COPY."""
    host = engine.url.host or ""
    tcp = bool(host) and not host.startswith("/")  # over a Unix socket the test database alone tells it apart
    query = text("SELECT a.pid, coalesce(p.tuples_processed, 0) FROM pg_stat_activity a "
                 "LEFT JOIN pg_stat_progress_copy p ON p.pid = a.pid "
                 "WHERE a.datname = current_database() AND a.state = 'active' AND a.query ILIKE 'COPY outfalls%' "
                 "AND (NOT :tcp OR a.client_port = ANY(:ports))")
    deadline = time.monotonic() + COPY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the import ended (exit {proc.returncode}) before its COPY was seen:\n{output.read_text()}")
        ports = _tcp_ports(proc.pid) if tcp else []
        with engine.connect() as conn:
            found = conn.execute(query, {"tcp": tcp, "ports": ports}).first()
        if found is not None and found[1] > 0:
            return int(found[0]), int(found[1])
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"no COPY outfalls from the import's connection within {COPY_TIMEOUT_S:.0f} s:\n{output.read_text()}")


def test_killed_import_leaves_nothing_half_written(reg: Registry, db_url: str, tmp_path: Path) -> None:
    outfalls = reg.layer("outfalls")
    for i in range(3):
        outfalls.create(dict(_row(i), code=f"ZP-KEEP-{i}"), Point(117.6, 23.8 + i / 100))
    first = outfalls.get(1)
    outfalls.update(1, {"status": "sampled"}, base_version=first.version)
    before = _state(reg.engine)
    path = tmp_path / "zhangpu_outfalls.gpkg"
    _write_outfalls(path, FEATURES)

    output = tmp_path / "import.log"
    cli = Path(sys.executable).with_name("fujian-gis")
    with output.open("wb") as log:
        proc = subprocess.Popen([str(cli), "import", "outfalls", str(path)], stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "DATABASE_URL": db_url})
    try:
        backend, copied = _copy_backend(reg.engine, proc, output)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert 0 < copied < FEATURES, "the kill must land while the rows are being copied"

    deadline = time.monotonic() + BACKEND_TIMEOUT_S
    with reg.engine.connect() as conn:
        while conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": backend}):
            assert time.monotonic() < deadline, f"backend {backend} lives {BACKEND_TIMEOUT_S:.0f} s after the kill"
            time.sleep(0.05)
            conn.rollback()

    assert _state(reg.engine) == before
    assert outfalls.count() == 3 and outfalls.count(where={"code": "ZP-KILL-000000"}) == 0
    # Nothing is left locked: the next import goes through.
    small = tmp_path / "small.gpkg"
    _write_outfalls(small, 2)
    assert outfalls.import_file(small).written == 2
    assert outfalls.count() == 5
