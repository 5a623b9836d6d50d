"""Mapbox vector tiles of any layer, rendered by PostGIS (``ST_AsMVT``) from the current features.

Big layers reach the browser this way instead of as one huge embedded GeoJSON. A tile carries the
layer's public attributes only (tiles are cacheable and shown to the public); HTTP caches key them
on the layer's data version, so an edit invalidates every cached copy.
"""

from __future__ import annotations

from sqlalchemy import Date, DateTime, Float, Numeric, String, cast, func, literal_column, select

from layers import get_layer
from layers.base import SRID, Changeset, layer_attributes
from registry.api import Registry
from registry.errors import BadRequest, NotFound

WORLD = func.ST_MakeEnvelope(-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244, 3857)
"""Web-Mercator bounds of the tile pyramid (ST_TileEnvelope's default, spelled out to pass a margin)."""
EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22


def _version_query(name: str):
    c = Changeset.__table__
    return select(func.coalesce(func.max(c.c.id), 0)).where(c.c.layer == name)


def layer_version(reg: Registry, name: str) -> int:
    """The last changeset that wrote ``name``: tiles and their HTTP ETags are keyed on it."""
    with reg.engine.connect() as conn:
        return int(conn.scalar(_version_query(name)))


def tile_query(name: str, z: int, x: int, y: int):
    """The ``ST_AsMVT`` statement of one tile (also what the benchmark times as the floor)."""
    try:
        model = get_layer(name)
    except KeyError as exc:
        raise NotFound(str(exc.args[0])) from None
    if not model.__layer__.geometry_type:
        raise NotFound(f"图层 {name} 没有几何,没有瓦片 / layer {name} has no geometry, so no tiles")
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise BadRequest(f"瓦片 {z}/{x}/{y} 不存在 / no tile {z}/{x}/{y}")
    t = model.__table__
    envelope = func.ST_TileEnvelope(z, x, y)
    search = func.ST_Transform(func.ST_TileEnvelope(z, x, y, WORLD, BUFFER / EXTENT), SRID)
    columns = [_mvt_value(t.c[name_]).label(name_) for name_, rule in layer_attributes(model).items() if rule.public]
    rows = (select(t.c.fid, *columns,
                   func.ST_AsMVTGeom(func.ST_Transform(t.c.geom, 3857), envelope, EXTENT, BUFFER, True).label("geom"))
            .where(t.c.valid_to.is_(None), t.c.geom.op("&&")(search))
            .subquery("q"))
    return select(func.ST_AsMVT(literal_column("q"), name, EXTENT, "geom", "fid")).select_from(rows)


def _mvt_value(column):
    """MVT knows strings, numbers and booleans: decimals become floats and dates ISO text."""
    if isinstance(column.type, Numeric):
        return cast(column, Float)
    if isinstance(column.type, Date | DateTime):
        return cast(column, String)
    return column


def tile(reg: Registry, name: str, z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no feature touches it)."""
    return versioned_tile(reg, name, z, x, y)[1] or b""


def versioned_tile(reg: Registry, name: str, z: int, x: int, y: int,
                   unless_version: int | None = None) -> tuple[int, bytes | None]:
    """The layer's data version and the tile, on one connection; no tile (None) when the client's
    copy is of the current version already. Caching is HTTP's job, keyed on this version."""
    stmt = tile_query(name, z, x, y)
    with reg.engine.connect() as conn:
        version = int(conn.scalar(_version_query(name)))
        if version == unless_version:
            return version, None
        return version, bytes(conn.scalar(stmt) or b"")
