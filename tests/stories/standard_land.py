"""A standard-land site to test against, at 古雷 (漳浦县): a provincial development zone with its six
regional assessments inside the urban development boundary, the zone's standards for chemicals (26)
and the county's for food processing (13), and helpers to put plots on it and walk them through
their life. Geometry is built in metres on the GRS80 ellipsoid, so areas are known exactly enough."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box

from analysis.standard_land.lifecycle import advance_plot, publish_standard, record_values
from layers.development_zones import ASSESSMENT_KINDS
from registry import Registry
from registry.repository import FeatureRecord

GEOD = Geod(ellps="GRS80")
ZHANGPU = "350623"
ZONE = "古雷新材料产业园"
CENTRE = (117.630, 23.830)
ZONE_BOX = box(117.600, 23.800, 117.660, 23.860)
URBAN_BOX = box(117.590, 23.790, 117.670, 23.870)
READY = dict.fromkeys(("ready_title", "ready_compensation", "ready_no_dispute", "ready_water", "ready_power",
                       "ready_road", "ready_levelling"), True)
PLANNING = {"planned_use": "二类工业用地", "planning_far_min": "1.0", "planning_far_max": "2.5"}
CHEMICALS = {"investment_intensity": "400", "floor_area_ratio": "0.8", "output_per_mu": "600", "tax_per_mu": "30"}
COMMITTED = {"investment_intensity": "450", "floor_area_ratio": "1.0", "output_per_mu": "650", "tax_per_mu": "35"}


def multi(geom: Polygon) -> MultiPolygon:
    return MultiPolygon([geom])


def at(origin: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    azimuth = math.degrees(math.atan2(east_m, north_m))
    lon, lat, _ = GEOD.fwd(*origin, azimuth, math.hypot(east_m, north_m))
    return lon, lat


def rect(east_m: float = 0, north_m: float = 0, width_m: float = 200, height_m: float = 150,
         origin: tuple[float, float] = CENTRE) -> MultiPolygon:
    """A rectangle of ``width_m`` × ``height_m`` centred ``east_m``/``north_m`` metres from ``origin``."""
    w, h = width_m / 2, height_m / 2
    corners = [at(origin, east_m + dx, north_m + dy) for dx, dy in ((-w, -h), (w, -h), (w, h), (-w, h))]
    return multi(Polygon(corners))


def hectares(geom: MultiPolygon) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 10_000


def build_site(reg: Registry, *, level: str = "provincial", kinds: tuple[str, ...] | None = None,
               assessed_on: date = date(2020, 6, 30)) -> None:
    """The zone, its assessments (all six by default), the urban boundary, and the standards in force
    from 2021: the zone's for chemicals (26), the county's for food processing (13)."""
    reg.layer("development_zones").create({"name": ZONE, "level": level, "county_code": ZHANGPU}, multi(ZONE_BOX))
    for kind in ASSESSMENT_KINDS.values() if kinds is None else kinds:
        add_assessment(reg, kind, ZONE_BOX, assessed_on)
    reg.layer("urban_boundaries").create({"name": "漳浦县城镇开发边界", "zone_kind": "boundary",
                                          "county_code": ZHANGPU}, multi(URBAN_BOX))
    for indicator, value in CHEMICALS.items():
        publish_standard(reg, standard(indicator, value))
    for indicator, value in {"investment_intensity": "250", "floor_area_ratio": "1.0"}.items():
        publish_standard(reg, standard(indicator, value, industry="13", zone=None))


def add_assessment(reg: Registry, kind: str, extent: Polygon, completed_on: date | None,
                   published: bool = True) -> FeatureRecord:
    return reg.layer("regional_assessments").create(
        {"development_zone": ZONE, "county_code": ZHANGPU, "assessment_kind": kind, "completed_on": completed_on,
         "published": published}, multi(extent))


def standard(indicator: str, value: str, *, industry: str = "26", zone: str | None = ZONE,
             effective_from: date = date(2021, 1, 1), effective_to: date | None = None) -> dict[str, Any]:
    return {"county_code": ZHANGPU, "development_zone": zone, "industry_code": industry, "indicator": indicator,
            "value": value, "effective_from": effective_from, "effective_to": effective_to}


def add_plot(reg: Registry, code: str = "GL-2023-01", geom: MultiPolygon | None = None,
             **props: Any) -> FeatureRecord:
    """A plot written as a file import or a plain edit would write it (attribute rules only)."""
    base = {"plot_code": code, "name": f"古雷{code}地块", "county_code": ZHANGPU, "development_zone": ZONE,
            "industry_code": "26", "status": "reserved", **PLANNING, **READY}
    return reg.layer("standard_land_plots").create({**base, **props}, geom or rect())


def add_values(reg: Registry, fid: int, stage: str, values: dict[str, str]) -> None:
    """Values written directly to the layer (as an import would), whatever the plot's status."""
    for indicator, value in values.items():
        reg.layer("standard_land_values").create({"plot_fid": fid, "indicator": indicator, "stage": stage,
                                                  "value": value})


def listed_plot(reg: Registry, code: str = "GL-2023-01", geom: MultiPolygon | None = None,
                committed: dict[str, str] | None = None, on: date = date(2023, 3, 1)) -> FeatureRecord:
    """A reserved plot with its commitments, listed through the write path."""
    plot = add_plot(reg, code, geom)
    record_values(reg, plot.fid, "committed", COMMITTED if committed is None else committed)
    return advance_plot(reg, plot.fid, "list", on, base_version=plot.version)


def walk(reg: Registry, plot: FeatureRecord, *steps: tuple[str, date, dict[str, Any]]) -> FeatureRecord:
    for event, on, extra in steps:
        plot = advance_plot(reg, plot.fid, event, on, base_version=plot.version, **extra)
    return plot


def decimal(value: Any) -> Decimal:
    return Decimal(str(value))
