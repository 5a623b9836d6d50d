"""The tile route's read: one statement on the pooled psycopg connection in autocommit. A connection
must come back to the pool as every other reader expects it (in transaction mode), a failed one must
never come back, and the ETag stays the layer's own data version."""

from __future__ import annotations

import psycopg
import pytest
from shapely.geometry import Point, box

from registry.errors import Unavailable
from registry.tiles import read_one, tile

OUTFALL = {"code": "T-1", "name": "瓦片排口", "county_code": "350623", "receiving_kind": "sea",
           "outfall_class": "industrial", "status": "surveyed"}
TILE = "/tiles/outfalls/12/3386/1769.mvt"   # contains 117.60°E 23.76°N


def pooled_autocommit(reg) -> list[bool]:
    """The autocommit flag of every connection the pool holds (checked out together, so each is seen)."""
    held = [reg.engine.raw_connection() for _ in range(reg.engine.pool.checkedin())]
    try:
        return [c.driver_connection.autocommit for c in held]
    finally:
        for c in held:
            c.close()


def test_tile_reads_give_their_connection_back_in_transaction_mode(reg):
    reg.layer("outfalls").create(OUTFALL, Point(117.60, 23.76))
    for _ in range(8):  # past psycopg's prepare threshold
        assert tile(reg, "outfalls", 12, 3386, 1769)
    assert pooled_autocommit(reg) == [False] * reg.engine.pool.checkedin() != []
    with reg.engine.connect() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE probe (x int)")
        conn.rollback()
        assert conn.exec_driver_sql("SELECT to_regclass('pg_temp.probe')").scalar() is None, "rolled back"


def test_a_failed_read_is_never_pooled_again(reg):
    with pytest.raises(Unavailable) as lost:
        read_one(reg, "SELECT pg_terminate_backend(pg_backend_pid())", {})
    assert lost.value.status == 503
    with pytest.raises(psycopg.errors.DivisionByZero):
        read_one(reg, "SELECT 1 / 0", {})
    assert True not in pooled_autocommit(reg)
    assert read_one(reg, "SELECT 41 + 1", {}) == (42,)


def test_the_etag_is_the_layers_own_version(client, reg):
    reg.layer("outfalls").create(OUTFALL, Point(117.60, 23.76))
    first = client.get(TILE)
    reg.layer("protected_zones").create({"name": "别的图层", "zone_type": "nature_reserve"},
                                        box(117.0, 23.5, 118.0, 24.5))
    again = client.get(TILE, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"", "an edit of another layer keeps the outfalls' tiles"
    assert again.headers["ETag"] == first.headers["ETag"]
    assert client.get("/tiles/protected_zones/12/3386/1769.mvt").status_code == 200
