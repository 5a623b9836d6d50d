"""Who lives within reach of a community eldercare station: the 700 m rule of 专栏1, measured on people.

Coverage is counted on residents aged 60+, not on area (DOMAIN.md §6), in one set-based PostGIS query:

* **Distance** is geodesic (``ST_DWithin`` / ``ST_Distance`` on geography, CGCS2000's GRS80 spheroid);
  degrees appear only as an index pre-filter whose margin is wider than the radius everywhere in Fujian.
  A (station, area) pair clearly inside or outside the radius (by more than :data:`FLAT_TOLERANCE` of it) is
  decided by a flat measure in metres per degree at the station's latitude, which is far closer to the geodesic
  than that anywhere in Fujian, so it is decided as the spheroid would decide it; only the others are measured
  on the spheroid. That keeps a province (1,000,000 areas) to one query of seconds.
* **A residential area within reach of one station at every vertex** is covered whole, and one that no
  station reaches is not covered at all: both decided exactly by geodesic distance, so an area 699 m
  from a station is covered and one 701 m away is not, whatever the drawing of circles.
* **An area reached only in part** counts the share of its area inside the union of the stations'
  discs, and that share of its elderly residents (residents are taken as evenly spread over the
  polygon: the registers give one figure per area). The discs are drawn in the CGCS2000 3° Gauss-Krüger
  zone of each station (EPSG:4527 west of 118.5°E, 4528 east of it: the national survey zones, same
  datum as storage, scale within 0.03 % of true in Fujian), with the radius corrected by the measured
  local scale (the projection is conformal, so the scale is the same in every direction) and 256
  segments of the circle's area, so a disc's edge lies within 4 cm of the geodesic circle. A geography buffer
  would instead pick a 6° UTM zone on WGS 84 by itself, with up to 0.07 % scale error in Fujian.
* The **gap** is each area minus the union of the discs (``ST_Difference``), built per area from the
  stations within reach, in SQL: never by unioning buffers in Python.

Proposed stations (``extra_stations``) enter the same query, so coverage before and after a siting
proposal is measured by one rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, select, text

from analysis.engine import parse_area
from layers.base import SRID
from layers.eldercare import FACILITY_TYPES, STATION_TYPES, EldercareFacility
from layers.residential_areas import ResidentialArea
from registry import Registry
from registry.errors import InvalidInput

STATION_RADIUS_M: float = EldercareFacility.__layer__.service_radius_m or 0.0
"""专栏1: community stations (居家养老服务站(点)) are built to a service radius under 700 m (declared in the
layer's ``LayerMeta``)."""

MAX_RADIUS_M = 5000.0
"""A radius beyond the 15-minute life circle (800–1000 m, GB 50180-2018) is plausible up to this, not beyond."""

METRES_PER_DEGREE_MIN = 95_000.0
"""Fewer metres than any degree of latitude or longitude in Fujian (a degree of longitude is 97.4 km at 29°N):
``radius / METRES_PER_DEGREE_MIN`` degrees is a bounding-box margin that always contains the radius."""

QUAD_SEGS = 64
"""Segments per quarter circle of a disc (256 in all)."""

DISC_SCALE = math.sqrt(2 * math.pi / (4 * QUAD_SEGS * math.sin(2 * math.pi / (4 * QUAD_SEGS))))
"""Widens the 256-gon to the circle's area (by 3.5 cm at 700 m), so covered shares are not biased low:
its corners lie 3.5 cm outside the circle and its chords' middles 1.7 cm inside."""

MIN_GAP_M2 = 1.0
"""A gap under 1 m² (the last printed digit of a hectare to 4 decimals) is drawing noise, not uncovered land."""

LEVELS: dict[str, tuple[str, ...]] = {
    "community": ("county_code", "street", "community"),
    "street": ("county_code", "street"),
    "county": ("county_code",),
    "city": ("city_code",),
}
"""Levels coverage is reported at, and the columns that name a unit at each level."""

STATUS = {"covered": "全部覆盖", "partial": "部分覆盖", "uncovered": "未覆盖"}
"""A residential area's coverage status and its Chinese label."""

NO_NAME = "(未填写)"

GRS80_A = 6_378_137.0
GRS80_E2 = 0.006_694_380_022_90
"""CGCS2000's ellipsoid (GRS80): semi-major axis in metres and first eccentricity squared."""

FLAT_TOLERANCE = 1e-3
"""Share of the radius within which the flat measure of a pair is not trusted. Metres per degree of longitude and
latitude at the station's latitude (GRS80) make a flat measure within 1.2e-5 of the geodesic at 700 m and 8.3e-5
at 5,000 m anywhere at Fujian's latitudes (tests/analysis/test_eldercare_coverage.py checks it against Karney's
geodesics): a pair decided flat is decided as the spheroid would decide it, and the others are measured on it."""

EDGE_TOLERANCE = 0.02
"""Share of an area's diagonal added to that margin where a polygon's edges matter: PostGIS draws geography edges
as great circles (at most diagonal² / 8R from the straight line in degrees, 1 % of it for a 700 km diagonal) and
measures to the point of an edge nearest on the sphere (at most e² ≈ 0.7 % of the edge farther than on the
spheroid)."""

FILLS_BOX = 1e-9
"""An area whose planar area is within this share of its bounding box's is its box (a rectangle along the meridians
and parallels, as a 20 m survey square is): its nearest point and farthest vertex are then the box's. The part of
the box it may leave out is then narrower than 4e-5 of the diagonal, inside the edge tolerance."""

CELLS_PER_REACH = 2
"""Grid cells per degree-box margin: stations are copied into every cell their search box touches (about 30 each)
and each area looks up the cell of its south-west corner, a hash join instead of a GiST probe per area."""

SMALL_AREA_CELLS = 0.5
"""Areas up to this many cells wide and tall go through the grid; larger ones (none in the bench's 20 m squares)
probe the stations' GiST index, one probe per area."""

MIN_CELL_DEG = 0.000_25
"""Smallest grid cell (about 25 m), so a radius of a few metres does not explode the grid."""

METRES_PER_DEGREE_MAX = 111_700.0
"""More metres than in any degree of latitude or longitude (1° of latitude is 111.7 km at the poles)."""

_KEEP = "generate_series(1, 1) AS kept"
"""A set-returning function in a subquery's select list keeps PostgreSQL from inlining the subquery into the
joins above it, so its expressions are computed once per row rather than once per candidate pair. (``OFFSET 0``
would do the same but forbids parallel workers.)"""


def metres_per_degree_sql(lat: str) -> tuple[str, str]:
    """Metres per degree of longitude and of latitude at ``lat`` on GRS80 (prime vertical and meridian radii)."""
    w = f"sqrt(1 - {GRS80_E2!r} * sin(radians({lat})) ^ 2)"
    return (f"pi() / 180 * {GRS80_A!r} * cos(radians({lat})) / {w}",
            f"pi() / 180 * {GRS80_A * (1 - GRS80_E2)!r} / {w} ^ 3")


_POINT = "ST_SetSRID(ST_MakePoint({x}, {y}), 4490)"

_FARTHEST = "(SELECT max(ST_Distance({p}::geography, v.geom::geography)) FROM ST_DumpPoints({a}) v)"
"""The geodesic distance from a station to an area's farthest vertex."""

_ZONE = "CASE WHEN ST_X({p}) < 118.5 THEN 4527 ELSE 4528 END"

_DISC = """ST_Transform(ST_ClipByBox2D(
                 ST_Buffer(ST_Transform({p}, {z}),
                           :disc_scale * ST_Distance(
                               ST_Transform({p}, {z}),
                               ST_Transform(ST_SetSRID(ST_Project({p}::geography, :radius, 0)::geometry, 4490), {z})),
                           CAST(:quad_segs AS integer)),
                 ST_Expand(box2d(ST_Transform(ST_Envelope({a}), {z})), 1.0)), 4490)"""
"""The station's disc: a circle of the geodesic radius measured in the station's own Gauss-Krüger zone, cut to
the area's box (plus a metre) before it is brought back to degrees, so only the few vertices that matter are."""

IN_SERVICE = "(f.opened_on IS NULL OR f.opened_on <= CAST({today} AS date))"
"""A facility serves from its opening date; one registered before it opens does not count yet."""

_LON_M, _LAT_M = metres_per_degree_sql("sy")

_EX, _EY = "greatest(abs(sx - mx) - hx, 0) * lon_m", "greatest(abs(sy - my) - hy, 0) * lat_m"
_FX, _FY = "(abs(sx - mx) + hx) * lon_m", "(abs(sy - my) + hy) * lat_m"
_VX, _VY = "abs(abs(sx - mx) - hx) * lon_m", "abs(abs(sy - my) - hy) * lat_m"
_NEAREST2 = f"({_EX}) ^ 2 + ({_EY}) ^ 2"
"""Flat metres², from a station to the nearest point of an area's box (east-west and north-south from its middle)."""
_CORNER2 = f"({_FX}) ^ 2 + ({_FY}) ^ 2"
"""… to the box's farthest corner."""
_SURELY_REACHED = (f"CASE WHEN fills THEN {_NEAREST2} "
                   f"ELSE least(({_VX}) ^ 2 + ({_FY}) ^ 2, ({_VY}) ^ 2 + ({_FX}) ^ 2) END")
"""… to a point surely in the area: the box's nearest point when the area fills it, else the farther end of the
nearer side (each side of a box holds a vertex of what it bounds)."""
_FARTHEST_AT_LEAST2 = f"greatest(({_FX}) ^ 2 + ({_EY}) ^ 2, ({_FY}) ^ 2 + ({_EX}) ^ 2)"
"""… that the farthest vertex of an area not filling its box is at least (the nearer end of the farther side)."""

_REACH = f"""SELECT fid, bool_and(fills) AS fills, count(*) AS stations_near, min({_CORNER2}) AS corner2,
               min({_FARTHEST_AT_LEAST2}) FILTER (WHERE NOT fills) AS farthest2
        FROM {{pairs}}
        WHERE {_SURELY_REACHED} <= near2
           OR {_NEAREST2} <= far2 AND ST_DWithin({_POINT.format(x="sx", y="sy")}::geography, geom::geography, :radius)
        GROUP BY fid"""
"""Per area: the stations reaching it (surely when a point of it is inside the margin, else on the spheroid), and
the nearest any of them comes to covering it whole (flat metres² to the box's farthest corner, or, for an area not
filling its box, to what its farthest vertex is at least)."""

COVERAGE_SQL = f"""
    WITH stations AS NOT MATERIALIZED (
        SELECT f.geom FROM eldercare_facilities f
        WHERE f.valid_to IS NULL AND {IN_SERVICE.format(today='current_date')}
          AND f.facility_type = ANY(CAST(:station_types AS text[]))
        UNION ALL
        SELECT ST_SetSRID(ST_GeomFromWKB(w), 4490) FROM unnest(CAST(:extra AS bytea[])) AS w
    ), areas AS NOT MATERIALIZED (
        SELECT r.fid, r.name, r.community, r.street, r.county_code, r.population, r.elderly_population, r.area_ha,
               r.geom
        FROM residential_areas r
        WHERE r.valid_to IS NULL AND (CAST(:fids AS bigint[]) IS NULL OR r.fid = ANY(CAST(:fids AS bigint[])))
    ), placed AS NOT MATERIALIZED (
        -- each station with its metres per degree, and the box in degrees of everything within its reach
        SELECT geom, sx, sy, lon_m, lat_m, sx - :reach_m / lon_m AS west, sx + :reach_m / lon_m AS east,
               sy - :reach_m / lat_m AS south, sy + :reach_m / lat_m AS north
        FROM (SELECT geom, sx, sy, {_LON_M} AS lon_m, {_LAT_M} AS lat_m
              FROM (SELECT geom, ST_X(geom) AS sx, ST_Y(geom) AS sy FROM stations
                    -- for some areas only, the stations around them (twice the box margin: every station in reach)
                    WHERE CAST(:fids AS bigint[]) IS NULL OR geom && (
                        SELECT ST_Expand(ST_SetSRID(ST_Extent(geom)::geometry, 4490), 2 * :prefilter_deg) FROM areas)
                   ) p) s
    ), cells AS (
        -- each station in every grid cell its box touches, widened south-west by the width of a small area
        SELECT sx, sy, lon_m, lat_m, west, east, south, north, first_x + i AS cx, first_y + j AS cy, {_KEEP}
        FROM (SELECT sx, sy, lon_m, lat_m, west, east, south, north,
                     floor((west - :small_deg) / :cell_deg)::bigint AS first_x,
                     floor((south - :small_deg) / :cell_deg)::bigint AS first_y, {_KEEP}
              FROM placed) s
        CROSS JOIN generate_series(0, :cells_across - 1) AS i CROSS JOIN generate_series(0, :cells_across - 1) AS j
        WHERE first_x + i <= floor(east / :cell_deg) AND first_y + j <= floor(north / :cell_deg)
    ), bounded AS NOT MATERIALIZED (
        SELECT fid, geom, ST_XMin(geom) AS x0, ST_YMin(geom) AS y0, ST_XMax(geom) AS x1, ST_YMax(geom) AS y1,
               ST_Area(geom) AS deg2, {_KEEP}
        FROM areas
    ), measured AS NOT MATERIALIZED (
        -- each area's box (middle and half-sides in degrees), whether it fills it, its grid cell and its margins
        SELECT fid, geom, x0, y0, x1, y1, (x0 + x1) / 2 AS mx, (y0 + y1) / 2 AS my, (x1 - x0) / 2 AS hx,
               (y1 - y0) / 2 AS hy, deg2 >= (1 - :fills_box) * (x1 - x0) * (y1 - y0) AS fills,
               greatest(:near_m - :edge_m_per_deg * sqrt((x1 - x0) ^ 2 + (y1 - y0) ^ 2), 0) ^ 2 AS near2,
               (:far_m + :edge_m_per_deg * sqrt((x1 - x0) ^ 2 + (y1 - y0) ^ 2)) ^ 2 AS far2,
               floor(x0 / :cell_deg)::bigint AS cx, floor(y0 / :cell_deg)::bigint AS cy, {_KEEP}
        FROM bounded
    ), gridded AS (
        -- (small area, station) pairs whose boxes meet, found by grid cell
        SELECT a.*, c.sx, c.sy, c.lon_m, c.lat_m
        FROM measured a JOIN cells c ON c.cx = a.cx AND c.cy = a.cy
        WHERE a.x1 - a.x0 <= :small_deg AND a.y1 - a.y0 <= :small_deg
          AND a.x0 <= c.east AND a.x1 >= c.west AND a.y0 <= c.north AND a.y1 >= c.south
    ), probed AS (
        -- (large area, station) pairs, found by the stations' index from each large area
        SELECT a.*, s.sx, s.sy, s.lon_m, s.lat_m
        FROM measured a
        CROSS JOIN LATERAL (SELECT *, {_KEEP} FROM placed WHERE geom && ST_Expand(a.geom, :prefilter_deg)) s
        WHERE a.x1 - a.x0 > :small_deg OR a.y1 - a.y0 > :small_deg
    ), reach AS (
        {_REACH.format(pairs="gridded")}
        UNION ALL
        {_REACH.format(pairs="probed")}
    ), parts AS (
        -- an area no station surely covers whole, but one may, is decided on the spheroid as before
        SELECT a.*, coalesce(r.stations_near, 0) AS stations_near,
               CASE WHEN coalesce(r.stations_near, 0) = 0 THEN 'none'
                    WHEN r.corner2 <= :whole_near2
                      OR CASE WHEN r.fills THEN r.corner2 ELSE r.farthest2 END <= :whole_far2 AND EXISTS (
                        SELECT 1 FROM stations s
                        WHERE s.geom && ST_Expand(a.geom, :prefilter_deg)
                          AND {_FARTHEST.format(p="s.geom", a="a.geom")} <= :radius) THEN 'whole'
                    ELSE 'partial' END AS reached, {_KEEP}
        FROM areas a LEFT JOIN reach r USING (fid)
    ), gaps AS (
        SELECT p.*,
               CASE WHEN reached = 'none' THEN geom WHEN reached = 'partial' THEN (
                   SELECT ST_CollectionExtract(ST_Difference(p.geom, ST_Union({_DISC.format(
                       p="s.geom", z=_ZONE.format(p="s.geom"), a="p.geom")})), 3)
                   FROM stations s
                   WHERE s.geom && ST_Expand(p.geom, :prefilter_deg)
                     AND ST_DWithin(s.geom::geography, p.geom::geography, :radius)) END AS gap, {_KEEP}
        FROM parts p
    ), measured_gaps AS (
        -- a partial gap under min_gap_m2 is the discs' drawing noise; an area no station reaches is a gap whole
        SELECT g.*, CASE WHEN reached = 'partial' THEN ST_Area(geom::geography) END AS area_m2,
               CASE WHEN reached = 'partial' THEN ST_Area(gap::geography) END AS gap_m2, {_KEEP}
        FROM gaps g
    )
    SELECT m.fid, m.name, m.community, m.street, m.county_code, left(m.county_code, 4) || '00' AS city_code,
           m.population, m.elderly_population, m.stations_near, m.area_ha,
           CASE m.reached WHEN 'none' THEN 0.0 WHEN 'whole' THEN 1.0
                WHEN 'partial' THEN CASE WHEN m.gap_m2 < :min_gap_m2 THEN 1.0
                                         ELSE greatest(0.0, 1.0 - m.gap_m2 / m.area_m2) END END AS covered_share,
           ST_AsBinary(m.geom) AS geom_wkb,
           CASE WHEN m.reached = 'none' OR m.gap_m2 >= :min_gap_m2 THEN ST_AsBinary(m.gap) END AS gap_wkb
    FROM measured_gaps m
"""
"""One row per residential area: its covered share of area (hence of elderly residents) and its gap.

Stations and areas meet in a hash join on grid cells (no GiST probe per area). Each (area, station) pair whose
degree boxes meet is measured flat, in metres per degree at the station's latitude, from the station to the area's
box: almost every pair is clearly within or beyond the radius and is decided there; the few within the flat margin
are measured on the spheroid as before (``ST_DWithin`` on geography, the farthest vertex by ``ST_Distance``). Only
areas reached in part build discs, each cut to the area before it is brought back from Gauss-Krüger."""

NAMES_SQL = """
    SELECT DISTINCT ON (code) code, name FROM admin_divisions WHERE valid_to IS NULL
    ORDER BY code, valid_until DESC NULLS FIRST
"""
"""The name in force of every division code (counties and cities)."""

ORDER = ("county_code", "street", "community", "fid")
"""Areas are listed by county, street, community and feature id (text in code point order, blanks last)."""


@dataclass(frozen=True)
class Coverage:
    """Coverage of the elderly by community stations: per residential area, its gaps, and aggregates."""

    radius_m: float
    station_types: tuple[str, ...]
    area_label: str | None
    areas: gpd.GeoDataFrame
    """Per residential area: ``elderly_population``, ``covered_share`` (0–1), ``covered_elderly``,
    ``uncovered_elderly``, ``status`` (covered, partial, uncovered), ``stations_near``; EPSG:4490."""
    gaps: gpd.GeoDataFrame
    """The uncovered part of each area not wholly covered, with the elderly counted in it."""

    @property
    def elderly(self) -> int:
        return int(self.areas["elderly_population"].sum())

    @property
    def covered_elderly(self) -> float:
        return float(self.areas["covered_elderly"].sum())

    @property
    def share_pct(self) -> float:
        """Share of elderly residents within the radius, in percent (0 when there are none)."""
        return _pct(self.covered_elderly, self.elderly)

    def by(self, level: str) -> pd.DataFrame:
        """Elderly residents covered per community, street, county or city."""
        if level not in LEVELS:
            raise InvalidInput(f"未知统计层级 {level} / unknown level {level}; use {', '.join(LEVELS)}")
        keys = list(LEVELS[level])
        names = {"county": ["county_name"], "city": ["city_name"], "street": ["county_name"],
                 "community": ["county_name"]}[level]
        frame = self.areas.assign(**{k: self.areas[k].fillna(NO_NAME) for k in keys},
                                  uncovered_area=self.areas["status"] == "uncovered")
        table = (frame.groupby(keys, sort=True, dropna=False)
                 .agg(**{n: (n, "first") for n in names},
                      residential_areas=("fid", "size"), uncovered_areas=("uncovered_area", "sum"),
                      elderly=("elderly_population", "sum"), covered_elderly=("covered_elderly", "sum"))
                 .reset_index())
        table["uncovered_elderly"] = (table["elderly"] - table["covered_elderly"]).round(1)
        table["covered_elderly"] = table["covered_elderly"].round(1)
        table["share_pct"] = [_pct(c, e) for c, e in zip(table["covered_elderly"], table["elderly"], strict=True)]
        return table

    def summary(self) -> dict[str, Any]:
        """The headline figures, as the API and the CLI give them."""
        counts = self.areas["status"].value_counts()
        return {"radius_m": self.radius_m, "station_types": list(self.station_types), "area": self.area_label,
                "residential_areas": len(self.areas), "elderly": self.elderly,
                "covered_elderly": round(self.covered_elderly, 1),
                "uncovered_elderly": round(self.elderly - self.covered_elderly, 1), "share_pct": self.share_pct,
                **{f"{status}_areas": int(counts.get(status, 0)) for status in STATUS}}


def coverage(reg: Registry, *, radius_m: float = STATION_RADIUS_M, area: str | None = None,
             station_types: Iterable[str] = STATION_TYPES,
             extra_stations: Sequence[shapely.Point] = ()) -> Coverage:
    """Coverage of the residential areas in ``area`` (a division code, WKT or GeoJSON polygon; all when None)
    by the current stations of ``station_types`` plus ``extra_stations`` (EPSG:4490 points), within ``radius_m``.

    Stations outside ``area`` count too: a station across a boundary still serves the residents near it.
    """
    radius_m = check_radius(radius_m)
    types = check_station_types(station_types)
    with reg.engine.connect() as conn:
        fids, label = area_fids(conn, area)
        frame = _read_frame(conn, COVERAGE_SQL, coverage_params(radius_m, types, extra_stations, fids))
        names = dict(conn.execute(text(NAMES_SQL)).all())
    return _coverage_of(_named(_ordered(frame), names), radius_m, types, label)


def _read_frame(conn: Connection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """The rows of the coverage query as a frame, read in PostgreSQL's binary format straight from the driver:
    ``pd.read_sql`` spends longer on SQLAlchemy's row objects than the query takes for a province (1,000,000 rows).

    No statistics exist on the grid cells and per-area figures the query computes, so PostgreSQL guesses: 200
    cells, which prices the hash join of areas and cells far too high (it would sort both sides in every worker for
    a merge join instead), and a handful of reached areas, which it would keep in a Materialize node and scan once
    per area of a county. Hash joins are right for both.
    """
    conn.execute(text("SET LOCAL enable_mergejoin = off"))
    conn.execute(text("SET LOCAL enable_material = off"))
    compiled = text(sql).bindparams(**params).compile(dialect=conn.dialect)
    with conn.connection.driver_connection.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        columns = [c.name for c in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def facilities_near(reg: Registry, result: Coverage) -> gpd.GeoDataFrame:
    """The current facilities a coverage map shows: those within the radius of the areas' extent."""
    if result.areas.empty:
        return reg.layer("eldercare_facilities").to_geodataframe(limit=0)
    margin = result.radius_m / METRES_PER_DEGREE_MIN
    west, south, east, north = result.areas.total_bounds
    return reg.layer("eldercare_facilities").to_geodataframe(bbox=(west - margin, south - margin, east + margin,
                                                                   north + margin))


def coverage_params(radius_m: float, station_types: Sequence[str], extra_stations: Sequence[shapely.Point],
                    fids: list[int] | None) -> dict[str, Any]:
    """The bound parameters of :data:`COVERAGE_SQL`: the radius and its margins, and the grid's cells."""
    prefilter = radius_m / METRES_PER_DEGREE_MIN
    cell = max(prefilter / CELLS_PER_REACH, MIN_CELL_DEG)
    small = SMALL_AREA_CELLS * cell
    edge_m_per_deg = EDGE_TOLERANCE * METRES_PER_DEGREE_MAX
    # the stations' boxes hold every small area a flat margin could keep, at the station's latitude
    reach = (radius_m * (1 + FLAT_TOLERANCE) + edge_m_per_deg * small * math.sqrt(2)) * (1 + FLAT_TOLERANCE)
    return {"radius": radius_m, "station_types": list(station_types), "fids": fids,
            "extra": [shapely.to_wkb(p) for p in extra_stations], "prefilter_deg": prefilter,
            "cell_deg": cell, "small_deg": small,
            "cells_across": math.floor((2 * reach / METRES_PER_DEGREE_MIN + small) / cell) + 2,
            "reach_m": reach, "near_m": radius_m * (1 - FLAT_TOLERANCE), "far_m": radius_m * (1 + FLAT_TOLERANCE),
            "edge_m_per_deg": edge_m_per_deg, "fills_box": FILLS_BOX,
            "whole_near2": (radius_m * (1 - FLAT_TOLERANCE)) ** 2, "whole_far2": (radius_m * (1 + FLAT_TOLERANCE)) ** 2,
            "quad_segs": QUAD_SEGS, "disc_scale": DISC_SCALE, "min_gap_m2": MIN_GAP_M2}


def check_radius(radius_m: float) -> float:
    try:
        radius = float(radius_m)
    except (TypeError, ValueError):
        raise InvalidInput(f"服务半径应为米数 / the radius must be a number of metres, got {radius_m!r}") from None
    if not 0 < radius <= MAX_RADIUS_M:
        raise InvalidInput(f"服务半径应在 0 到 {MAX_RADIUS_M:g} 米之间 / the radius must be more than 0 and at most "
                           f"{MAX_RADIUS_M:g} m, got {radius:g}")
    return radius


def check_station_types(station_types: Iterable[str]) -> tuple[str, ...]:
    types = tuple(dict.fromkeys(station_types))
    unknown = [t for t in types if t not in FACILITY_TYPES]
    if not types or unknown:
        raise InvalidInput(f"站点类型无效 / invalid station type(s) {', '.join(unknown) or '(none)'}; "
                           f"allowed: {', '.join(FACILITY_TYPES.values())}")
    return types


def area_fids(conn: Connection, area: str | None) -> tuple[list[int] | None, str | None]:
    """The residential areas an ``area`` spec selects (None for all) and the area's label."""
    if not area:
        return None, None
    where = parse_area(conn, area)
    r = ResidentialArea.__table__
    fids = conn.scalars(select(r.c.fid).where(r.c.valid_to.is_(None), where.clause(r.c.geom, r.c.county_code))).all()
    return list(fids), where.label


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in :data:`ORDER`, sorted here rather than in SQL: in the database the sort would run on one core
    after the parallel work, over a million rows carrying their polygons."""
    keys = []
    for column in reversed(ORDER):
        codes, values = pd.factorize(frame[column], sort=True)
        keys.append(np.where(codes < 0, len(values), codes))
    return frame.iloc[np.lexsort(keys)].reset_index(drop=True)


def _named(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """County and city names beside their codes (None where the registry has no division of that code)."""
    for code, name in (("county_code", "county_name"), ("city_code", "city_name")):
        found = frame[code].map(names)
        frame.insert(frame.columns.get_loc(code) + 1, name, found.astype(object).where(found.notna(), None))
    return frame


def _coverage_of(frame: pd.DataFrame, radius_m: float, types: tuple[str, ...], label: str | None) -> Coverage:
    geoms = shapely.from_wkb(frame.pop("geom_wkb").to_numpy())
    gap_geoms = shapely.from_wkb(frame.pop("gap_wkb").to_numpy())
    share = frame["covered_share"].astype(float)
    frame = frame.assign(covered_share=share, covered_elderly=frame["elderly_population"] * share,
                         uncovered_elderly=frame["elderly_population"] * (1 - share),
                         status=np.select([share >= 1, share <= 0], ["covered", "uncovered"], "partial"))
    areas = gpd.GeoDataFrame(frame, geometry=geoms, crs=SRID)
    has_gap = pd.notna(gap_geoms)
    gaps = gpd.GeoDataFrame(frame.loc[has_gap, ["fid", "name", "community", "street", "county_code",
                                                 "elderly_population", "covered_share", "uncovered_elderly",
                                                 "status"]].reset_index(drop=True),
                            geometry=list(gap_geoms[has_gap]), crs=SRID)
    return Coverage(radius_m=radius_m, station_types=types, area_label=label, areas=areas, gaps=gaps)


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0
