"""Mapbox vector tiles of any layer, rendered by PostGIS (``ST_AsMVT``) from the current features.

Big layers reach the browser this way instead of as one huge embedded GeoJSON. A tile carries the
layer's public attributes only (tiles are cacheable and shown to the public); HTTP caches key them
on the layer's data version, so an edit invalidates every cached copy.

A small tile renders in well under a millisecond, so the request around it is most of its cost: the
route's statement is compiled once per layer, asks for the version and the tile in one round trip,
and runs on the pooled psycopg connection itself (no transaction, and psycopg prepares it on the
server after a few calls).

At a coarse zoom, features that would be a dot anyway come as clusters (:func:`_clusters`): one point per
occupied cell of a ``CELLS`` x ``CELLS`` grid over the tile, so a province view of a million 20 m squares
is a few thousand points instead of nothing (``ST_AsMVTGeom`` drops shapes under a tile unit) and a
hundred thousand outfalls are not megabytes of overlapping dots.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import geopandas as gpd
import psycopg
from sqlalchemy import (
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
    literal,
    literal_column,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.exc import DBAPIError

from layers import get_layer
from layers.base import SRID, Feature, layer_attributes
from registry.api import Registry
from registry.errors import BadRequest, NotFound, Unavailable
from registry.repository import Query, Store, version_query

WORLD = func.ST_MakeEnvelope(-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244, 3857)
"""Web-Mercator bounds of the tile pyramid (ST_TileEnvelope's default, spelled out to pass a margin)."""
EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22

HALF_WORLD = 20037508.342789244
"""Half the width of the Web-Mercator world, in metres (``ST_TileEnvelope``'s default bounds)."""
EARTH_RADIUS = 6378137.0
CELLS = 64
"""Cluster cells per tile side: a cell is 4 pixels of a 256-pixel tile, so a tile holds at most 4,096 clusters."""
POINT_DETAIL_ZOOM = 12
"""Points are clustered below this zoom (a z12 tile is ~10 km wide) and drawn one by one from it on."""
COUNT = "count"
"""The property that marks a cluster and holds how many features it stands for."""
_POINTS = {"POINT", "MULTIPOINT"}


@dataclass(frozen=True)
class Tiled:
    """A layer too heavy to embed in a page: the page draws it from the app's vector tiles."""

    layer: str

    @property
    def url(self) -> str:
        return f"/tiles/{self.layer}/{{z}}/{{x}}/{{y}}.mvt"


@dataclass(frozen=True)
class EmbedBudget:
    """What one page may embed of a layer before the layer comes as vector tiles instead: a number of
    features and a size. The size is estimated from the features and their vertices with what Folium
    writes for each (measured: ~1.8 kB per drawn feature with its popup and tooltip, ~42 bytes per vertex),
    so one huge polygon sends its layer to tiles as surely as many points do."""

    features: int = 5000
    bytes: int = 2 * 2**20

    FEATURE_BYTES = 1800
    VERTEX_BYTES = 42

    def allows(self, features: int, vertices: int) -> bool:
        size = features * self.FEATURE_BYTES + vertices * self.VERTEX_BYTES
        return features <= self.features and size <= self.bytes

    def rows(self) -> int:
        """The most point features (one vertex each) the budget embeds: a cap for overlays such as findings."""
        return min(self.features, self.bytes // (self.FEATURE_BYTES + self.VERTEX_BYTES))


Drawing = gpd.GeoDataFrame | Tiled
"""A layer as a page draws it: embedded features, or its vector tiles."""


def drawing(store: Store, query: Query | None = None, budget: EmbedBudget | None = None) -> Drawing:
    """The features of ``query`` to embed, or the layer's tiles when they exceed ``budget`` (None: always
    embed, for a map written to a file that has no tile server). One rule for every page that draws a layer;
    tiles show the whole current layer, so a caller fits the view to the area it asked for."""
    query = query or Query()
    if budget is not None and store.has_geometry and not budget.allows(*store.weight(query)):
        return Tiled(store.meta.name)
    return store.to_geodataframe(query)


def layer_version(reg: Registry, name: str) -> str:
    """The layer's data version: tiles and their HTTP ETags are keyed on it."""
    with reg.engine.connect() as conn:
        return str(conn.scalar(version_query(name)))


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
    """``ST_AsMVT`` over the current features touching tile z/x/y (SQL integers: literals or parameters): the
    features that are not clustered at this zoom as themselves, the others as :func:`_clusters`."""
    rows = _features(model, z, x, y).union_all(_clusters(model, z, x, y)).subquery("q")
    return select(func.ST_AsMVT(literal_column("q"), model.__layer__.name, EXTENT, "geom", "fid")).select_from(rows)


def _features(model: type[Feature], z: Any, x: Any, y: Any):
    """The features drawn as themselves, with their public attributes, clipped to the tile and its buffer."""
    t = model.__table__
    search = func.ST_Transform(func.ST_TileEnvelope(z, x, y, WORLD, BUFFER / EXTENT), SRID)
    columns = [_mvt_value(t.c[name]).label(name) for name in _public(model)]
    geom = func.ST_AsMVTGeom(func.ST_Transform(t.c.geom, 3857), func.ST_TileEnvelope(z, x, y), EXTENT, BUFFER, True)
    return (select(t.c.fid, *columns, null().label(COUNT), geom.label("geom"))
            .where(t.c.valid_to.is_(None), t.c.geom.op("&&")(search), ~_clustered(model, z, t.c.geom)))


def _clusters(model: type[Feature], z: Any, x: Any, y: Any):
    """One point per occupied cell for the features clustered at this zoom: how many there are
    (``count``), the sums of :func:`summed_attributes` and, as the geometry, the mean of their centres.

    A feature belongs to the cell holding the centre of its bounding box, so each feature is in exactly
    one cluster of one tile (no buffer): the counts of a zoom's tiles add up to the layer's features.
    The boxes are read once, behind an ``OFFSET 0`` fence: otherwise PostgreSQL inlines the subquery
    and reads each box a dozen times (2.5x slower on a z7 tile of 30,000 squares).
    """
    t = model.__table__
    summed = summed_attributes(model)
    inside = func.ST_Transform(func.ST_TileEnvelope(z, x, y), SRID)
    boxes = (select(*[t.c[name] for name in summed], func.Box2D(t.c.geom).label("box"))
             .where(t.c.valid_to.is_(None), t.c.geom.op("&&")(inside)).offset(0).subquery("b"))
    cx, cy = _centre(boxes.c.box)
    scale = _cells_per_metre(z)
    members = (select(*[boxes.c[name] for name in summed])
               .add_columns(cx.label("cx"), cy.label("cy"), func.floor((cx + HALF_WORLD) * scale).label("col"),
                            func.floor((HALF_WORLD - cy) * scale).label("row"))
               .where(_clustered(model, z, boxes.c.box))
               .subquery("m"))
    m = members.c
    columns = [(func.sum(m[name]) if name in summed else null()).label(name) for name in _public(model)]
    centre = func.ST_SetSRID(func.ST_MakePoint(func.avg(m.cx), func.avg(m.cy)), 3857)
    geom = func.ST_AsMVTGeom(centre, func.ST_TileEnvelope(z, x, y), EXTENT, BUFFER, True)
    return (select(null().label("fid"), *columns, func.count().label(COUNT), geom.label("geom"))
            .where(m.col.between(x * CELLS, x * CELLS + CELLS - 1), m.row.between(y * CELLS, y * CELLS + CELLS - 1))
            .group_by(m.col, m.row))


def _clustered(model: type[Feature], z: Any, shape: Any):
    """Whether a feature is a cluster member at zoom ``z``: a point below ``POINT_DETAIL_ZOOM``; any other
    shape while its Web-Mercator bounding box fits in one cell (it would be a dot of a few pixels at most).
    Big shapes (protected zones, county boundaries) are therefore drawn as themselves at every zoom.
    ``shape`` is the feature's geometry or its box."""
    if (model.__layer__.geometry_type or "").upper() in _POINTS:
        return z < POINT_DETAIL_ZOOM
    width = _mercator_x(func.ST_XMax(shape, type_=Float)) - _mercator_x(func.ST_XMin(shape, type_=Float))
    height = _mercator_y(func.ST_YMax(shape, type_=Float)) - _mercator_y(func.ST_YMin(shape, type_=Float))
    return func.greatest(width, height, type_=Float) * _cells_per_metre(z) < 1


def _cells_per_metre(z: Any):
    return func.power(cast(2, Float), z, type_=Float) * (CELLS / (2 * HALF_WORLD))


def _centre(box):
    """The Web-Mercator centre of a feature's bounding box: a cluster is only placed to a cell, so the
    box's centre serves as well as a point on the surface and costs far less."""
    xmin, xmax = func.ST_XMin(box, type_=Float), func.ST_XMax(box, type_=Float)
    ymin, ymax = func.ST_YMin(box, type_=Float), func.ST_YMax(box, type_=Float)
    return _mercator_x((xmin + xmax) * 0.5), _mercator_y((ymin + ymax) * 0.5)


def _mercator_x(lon):
    """Web-Mercator x of a longitude (CGCS2000 taken as WGS 84, exactly as ``ST_Transform`` does)."""
    return func.radians(lon, type_=Float) * EARTH_RADIUS


def _mercator_y(lat):
    """Web-Mercator y of a latitude, clamped to the tile pyramid's ±85.0511°."""
    clamped = func.least(func.greatest(lat, -85.0511, type_=Float), 85.0511, type_=Float)
    return func.ln(func.tan(func.radians(clamped * 0.5 + 45.0, type_=Float), type_=Float), type_=Float) * EARTH_RADIUS


def _public(model: type[Feature]) -> list[str]:
    return [name for name, rule in layer_attributes(model).items() if rule.public]


def summed_attributes(model: type[Feature]) -> list[str]:
    """The public attributes a cluster sums: integers that count something (minimum 0, no code list),
    such as population or beds; a year or a batch number is an integer too, but not a quantity."""
    t = model.__table__
    return [name for name, rule in layer_attributes(model).items()
            if rule.public and type(t.c[name].type) is Integer and rule.minimum == 0 and rule.codes is None]


def tile_query(name: str, z: int, x: int, y: int):
    """The ``ST_AsMVT`` statement of one tile (also what the benchmark times as the floor)."""
    model = _tiled_model(name)
    _check_tile(z, x, y)
    return _mvt(model, *(literal(v, Integer) for v in (z, x, y)))


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
    version = version_query(name).subquery("v").c.version
    tile_or_none = case((version.is_distinct_from(bindparam("known", type_=String)),
                         _mvt(_tiled_model(name), *ZXY).scalar_subquery()))
    return _compiled(select(version, tile_or_none))


def tile(reg: Registry, name: str, z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no feature touches it)."""
    return versioned_tile(reg, name, z, x, y)[1] or b""


def versioned_tile(reg: Registry, name: str, z: int, x: int, y: int,
                   unless_version: str | None = None) -> tuple[str, bytes | None]:
    """The layer's data version and the tile, in one statement; no tile (None) when the client's copy
    is of the current version already. Caching is HTTP's job, keyed on this version."""
    sql, constants = _versioned_sql(name)
    _check_tile(z, x, y)
    version, data = read_one(reg, sql, {**constants, "z": z, "x": x, "y": y, "known": unless_version})
    if version == unless_version:
        return version, None
    return version, bytes(data or b"")


def read_one(reg: Registry, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """One read on a pooled connection's psycopg driver, in autocommit: a lone SELECT needs no
    BEGIN and ROLLBACK round trips. A connection that failed is dropped, never pooled again (it could
    still be in autocommit or broken)."""
    try:
        pooled = reg.engine.raw_connection()  # the pool's pre-ping still notices a dropped connection
    except (DBAPIError, psycopg.OperationalError) as exc:  # a new connection's failure comes unwrapped
        raise Unavailable("数据库暂时无法连接,请稍后重试 / the database cannot be reached now; try again shortly",
                          retry_after=5) from exc
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
