"""Who lives within reach of a community eldercare station: the 700 m rule of 专栏1, measured on people.

Coverage is counted on residents aged 60+, not on area (DOMAIN.md §6), in one set-based PostGIS query:

* **Distance** is geodesic (``ST_DWithin`` / ``ST_Distance`` on geography, CGCS2000's GRS80 spheroid);
  degrees appear only as an index pre-filter whose margin is wider than the radius everywhere in Fujian.
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
import pandas as pd
import shapely
from sqlalchemy import Connection, select, text

from analysis.engine import parse_area
from layers.base import SRID
from layers.eldercare import FACILITY_TYPES, STATION_TYPES
from layers.residential_areas import ResidentialArea
from registry import Registry
from registry.errors import InvalidInput

STATION_RADIUS_M = 700.0
"""专栏1: community stations (居家养老服务站(点)) are built to a service radius under 700 m."""

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

_DISC = """ST_Transform(ST_Buffer(ST_Transform({p}, {z}),
                                  :disc_scale * ST_Distance(
                                      ST_Transform({p}, {z}),
                                      ST_Transform(ST_SetSRID(ST_Project({p}::geography, :radius, 0)::geometry, 4490),
                                                   {z})),
                                  CAST(:quad_segs AS integer)), 4490)"""
"""The station's disc: a circle of the geodesic radius measured in the station's own Gauss-Krüger zone."""

_ZONE = "CASE WHEN ST_X({p}) < 118.5 THEN 4527 ELSE 4528 END"

IN_SERVICE = "(f.opened_on IS NULL OR f.opened_on <= CAST({today} AS date))"
"""A facility serves from its opening date; one registered before it opens does not count yet."""

COVERAGE_SQL = f"""
    WITH stations AS (
        SELECT f.geom FROM eldercare_facilities f
        WHERE f.valid_to IS NULL AND {IN_SERVICE.format(today='current_date')}
          AND f.facility_type = ANY(CAST(:station_types AS text[]))
        UNION ALL
        SELECT ST_SetSRID(ST_GeomFromWKB(w), 4490) FROM unnest(CAST(:extra AS bytea[])) AS w
    ), areas AS (
        SELECT r.fid, r.name, r.community, r.street, r.county_code, r.population, r.elderly_population, r.geom,
               ST_Area(r.geom::geography) AS area_m2
        FROM residential_areas r
        WHERE r.valid_to IS NULL AND (CAST(:fids AS bigint[]) IS NULL OR r.fid = ANY(CAST(:fids AS bigint[])))
    ), near AS (
        SELECT a.fid, s.geom AS station,
               (SELECT max(ST_Distance(s.geom::geography, v.geom::geography)) FROM ST_DumpPoints(a.geom) v)
                   <= :radius AS whole
        FROM areas a
        JOIN stations s ON s.geom && ST_Expand(a.geom, :prefilter_deg)
                       AND ST_DWithin(s.geom::geography, a.geom::geography, :radius)
    ), reach AS (
        SELECT fid, count(*) AS stations_near, bool_or(whole) AS whole FROM near GROUP BY fid
    ), discs AS (
        SELECT n.fid, ST_Union({_DISC.format(p="n.station", z=_ZONE.format(p="n.station"))}) AS disc
        FROM near n JOIN reach r USING (fid)
        WHERE NOT r.whole
        GROUP BY n.fid
    ), parts AS (
        SELECT a.*, coalesce(r.stations_near, 0) AS stations_near,
               CASE WHEN r.fid IS NULL THEN 'none' WHEN r.whole THEN 'whole' ELSE 'partial' END AS reached,
               CASE WHEN r.fid IS NULL THEN a.geom
                    WHEN NOT r.whole THEN ST_CollectionExtract(ST_Difference(a.geom, d.disc), 3) END AS gap
        FROM areas a LEFT JOIN reach r USING (fid) LEFT JOIN discs d USING (fid)
    ), measured AS (
        -- a partial gap under min_gap_m2 is the discs' drawing noise; an area no station reaches is a gap whole
        SELECT p.*, CASE WHEN p.reached = 'partial' AND ST_Area(p.gap::geography) < :min_gap_m2 THEN 0.0
                         ELSE coalesce(ST_Area(p.gap::geography), 0.0) END AS gap_m2
        FROM parts p
    )
    SELECT m.fid, m.name, m.community, m.street, m.county_code,
           (SELECT d.name FROM admin_divisions d WHERE d.valid_to IS NULL AND d.code = m.county_code
             ORDER BY d.valid_until DESC NULLS FIRST LIMIT 1) AS county_name,
           left(m.county_code, 4) || '00' AS city_code,
           (SELECT d.name FROM admin_divisions d WHERE d.valid_to IS NULL AND d.code = left(m.county_code, 4) || '00'
             ORDER BY d.valid_until DESC NULLS FIRST LIMIT 1) AS city_name,
           m.population, m.elderly_population, m.stations_near, m.area_m2,
           CASE m.reached WHEN 'none' THEN 0.0 WHEN 'whole' THEN 1.0
                ELSE greatest(0.0, 1.0 - m.gap_m2 / m.area_m2) END AS covered_share,
           ST_AsBinary(m.geom) AS geom_wkb,
           CASE WHEN m.gap_m2 > 0 THEN ST_AsBinary(m.gap) END AS gap_wkb
    FROM measured m
    ORDER BY m.county_code, m.street, m.community, m.fid
"""
"""One row per residential area: its covered share of area (hence of elderly residents) and its gap."""


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
        frame = pd.read_sql(text(COVERAGE_SQL), conn, params=coverage_params(radius_m, types, extra_stations, fids))
    return _coverage_of(frame, radius_m, types, label)


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
    """The bound parameters of :data:`COVERAGE_SQL` (also used by the siting query, which embeds it)."""
    return {"radius": radius_m, "station_types": list(station_types), "fids": fids,
            "extra": [shapely.to_wkb(p) for p in extra_stations], "prefilter_deg": radius_m / METRES_PER_DEGREE_MIN,
            "quad_segs": QUAD_SEGS, "disc_scale": DISC_SCALE,
            "min_gap_m2": MIN_GAP_M2}


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


def _coverage_of(frame: pd.DataFrame, radius_m: float, types: tuple[str, ...], label: str | None) -> Coverage:
    geoms = shapely.from_wkb(frame.pop("geom_wkb").map(bytes))
    gap_geoms = shapely.from_wkb(frame.pop("gap_wkb").map(lambda b: None if b is None else bytes(b)))
    share = frame["covered_share"].astype(float)
    frame = frame.assign(covered_share=share, covered_elderly=frame["elderly_population"] * share,
                         uncovered_elderly=frame["elderly_population"] * (1 - share),
                         status=["covered" if s >= 1 else "uncovered" if s <= 0 else "partial" for s in share])
    areas = gpd.GeoDataFrame(frame, geometry=geoms, crs=SRID)
    has_gap = pd.notna(gap_geoms)
    gaps = gpd.GeoDataFrame(frame.loc[has_gap, ["fid", "name", "community", "street", "county_code",
                                                 "elderly_population", "covered_share", "uncovered_elderly",
                                                 "status"]].reset_index(drop=True),
                            geometry=list(gap_geoms[has_gap]), crs=SRID)
    return Coverage(radius_m=radius_m, station_types=types, area_label=label, areas=areas, gaps=gaps)


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0
