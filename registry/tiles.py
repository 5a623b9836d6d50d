"""Mapbox vector tiles of any layer, rendered by PostGIS (``ST_AsMVT``) from the current features.

Big layers reach the browser this way instead of as one huge embedded GeoJSON. A tile carries the
layer's public attributes only (tiles are cacheable and shown to the public); HTTP caches key them
on the layer's data version, so an edit invalidates every cached copy.

A small tile renders in well under a millisecond, so the request around it is most of its cost: the
route's statement is compiled once per layer, asks for the version and the tile in one round trip,
and runs on the pooled psycopg connection itself (no transaction, and psycopg prepares it on the
server after a few calls).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import psycopg
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from layers import get_layer
from layers.base import SRID, Changeset, Feature, layer_attributes
from registry.api import Registry
from registry.errors import BadRequest, NotFound, Unavailable

WORLD = func.ST_MakeEnvelope(-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244, 3857)
"""Web-Mercator bounds of the tile pyramid (ST_TileEnvelope's default, spelled out to pass a margin)."""
EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22


def _version_query(name: str):
    """The last changeset that may have written ``name``: its own, or one spanning layers (``layer`` NULL,
    as a gazette approval saved with its parcels)."""
    c = Changeset.__table__
    return select(func.coalesce(func.max(c.c.id), 0).label("version")).where(or_(c.c.layer == name,
                                                                               c.c.layer.is_(None)))


def layer_version(reg: Registry, name: str) -> int:
    """The last changeset that wrote ``name``: tiles and their HTTP ETags are keyed on it."""
    with reg.engine.connect() as conn:
        return int(conn.scalar(_version_query(name)))


def _tiled_model(name: str) -> type[Feature]:
    try:
        model = get_layer(name)
    except KeyError as exc:
        raise NotFound(str(exc.args[0])) from None
    if not model.__layer__.geometry_type:
        raise NotFound(f"图层 {name} 没有几何,没有瓦片 / layer {name} has no geometry, so no tiles")
    return model


def _check_tile(z: int, x: int, y: int) -> None:
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise BadRequest(f"瓦片 {z}/{x}/{y} 不存在 / no tile {z}/{x}/{y}")


def _mvt(model: type[Feature], z: Any, x: Any, y: Any):
    """``ST_AsMVT`` over the current features touching tile z/x/y (values or bound parameters)."""
    name = model.__layer__.name
    t = model.__table__
    envelope = func.ST_TileEnvelope(z, x, y)
    search = func.ST_Transform(func.ST_TileEnvelope(z, x, y, WORLD, BUFFER / EXTENT), SRID)
    columns = [_mvt_value(t.c[name_]).label(name_) for name_, rule in layer_attributes(model).items() if rule.public]
    rows = (select(t.c.fid, *columns,
                   func.ST_AsMVTGeom(func.ST_Transform(t.c.geom, 3857), envelope, EXTENT, BUFFER, True).label("geom"))
            .where(t.c.valid_to.is_(None), t.c.geom.op("&&")(search))
            .subquery("q"))
    return select(func.ST_AsMVT(literal_column("q"), name, EXTENT, "geom", "fid")).select_from(rows)


def tile_query(name: str, z: int, x: int, y: int):
    """The ``ST_AsMVT`` statement of one tile (also what the benchmark times as the floor)."""
    model = _tiled_model(name)
    _check_tile(z, x, y)
    return _mvt(model, z, x, y)


def _mvt_value(column):
    """MVT knows strings, numbers and booleans: decimals become floats and dates ISO text."""
    if isinstance(column.type, Numeric):
        return cast(column, Float)
    if isinstance(column.type, Date | DateTime):
        return cast(column, String)
    return column


ZXY = tuple(bindparam(k, type_=Integer) for k in "zxy")


def _compiled(stmt: Any) -> tuple[str, dict[str, Any]]:
    """SQL for psycopg, and the parameters that are constants (all but the tile and ``known``)."""
    compiled = stmt.compile(dialect=pg_psycopg.dialect())
    return str(compiled), {k: v for k, v in compiled.params.items() if k not in {"z", "x", "y", "known"}}


@cache
def tile_sql(name: str) -> tuple[str, dict[str, Any]]:
    """The ``ST_AsMVT`` statement of a layer with z, x and y as parameters, compiled once: the benchmark's
    floor, prepared on the server as the route's statement is."""
    return _compiled(_mvt(_tiled_model(name), *ZXY))


@cache
def _versioned_sql(name: str) -> tuple[str, dict[str, Any]]:
    """The route's SQL for a layer and its constant parameters, compiled once: the layer's data version
    and, unless it equals ``known`` (the client's copy is current), the tile. The tile is a scalar
    subquery in a CASE, so PostgreSQL does not run it for a 304."""
    version = _version_query(name).subquery("v").c.version
    tile_or_none = case((version.is_distinct_from(bindparam("known", type_=BigInteger)),
                         _mvt(_tiled_model(name), *ZXY).scalar_subquery()))
    return _compiled(select(version, tile_or_none))


def tile(reg: Registry, name: str, z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no feature touches it)."""
    return versioned_tile(reg, name, z, x, y)[1] or b""


def versioned_tile(reg: Registry, name: str, z: int, x: int, y: int,
                   unless_version: int | None = None) -> tuple[int, bytes | None]:
    """The layer's data version and the tile, in one statement; no tile (None) when the client's copy
    is of the current version already. Caching is HTTP's job, keyed on this version."""
    sql, constants = _versioned_sql(name)
    _check_tile(z, x, y)
    version, data = _read_one(reg, sql, {**constants, "z": z, "x": x, "y": y, "known": unless_version})
    if version == unless_version:
        return version, None
    return version, bytes(data or b"")


def _read_one(reg: Registry, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """One read on a pooled connection's psycopg driver, in autocommit: a lone SELECT needs no
    BEGIN and ROLLBACK round trips. A connection that failed is dropped, never pooled again (it could
    still be in autocommit or broken)."""
    pooled = reg.engine.raw_connection()  # the pool's pre-ping still notices a dropped connection
    try:
        conn = pooled.driver_connection
        conn.autocommit = True
        row = conn.execute(sql, params).fetchone()
        conn.autocommit = False
    except psycopg.OperationalError as exc:
        pooled.invalidate(exc)
        raise Unavailable("数据库暂时无法连接,请稍后重试 / the database cannot be reached now; try again shortly",
                          retry_after=5) from exc
    except BaseException as exc:
        pooled.invalidate(exc)
        raise
    finally:
        pooled.close()
    return tuple(row)
