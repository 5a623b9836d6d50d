"""The land expropriation story: Zhangpu (漳浦县) and Zhao'an (诏安县) as simple boxes that meet at
117.35°E, and helpers that register approvals and parcels through the Python API (so they pass the
layers' rules), with areas exact on the GRS80 ellipsoid as PostGIS computes them. The gazette the
approvals come from is :mod:`tests.stories.gazette`."""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import geopandas as gpd
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from analysis import run_checks
from registry import Registry

ZHANGPU, ZHAOAN = "350623", "350624"
ZHANGPU_BOX = box(117.35, 23.60, 117.95, 24.30)
ZHAOAN_BOX = box(117.00, 23.55, 117.35, 23.85)
BORDER_LON = 117.35
GULEI = (117.62, 23.78)
"""古雷镇, where batch 57's parcels lie."""

GEOD = Geod(ellps="GRS80")
METRES_PER_DEGREE = 111_320.0


def hectares(geom: BaseGeometry) -> Decimal:
    """Ellipsoidal area to 4 decimals, rounded half up, as the gazette prints areas."""
    area = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0] / 10_000
    return Decimal(repr(area)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def square(centre: tuple[float, float], width_m: float, height_m: float | None = None) -> Polygon:
    """A rectangle of about ``width_m`` × ``height_m`` metres around ``centre`` (lon, lat)."""
    lon, lat = centre
    half_w = width_m / 2 / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    half_h = (height_m or width_m) / 2 / METRES_PER_DEGREE
    return box(lon - half_w, lat - half_h, lon + half_w, lat + half_h)


def east(centre: tuple[float, float], metres: float) -> tuple[float, float]:
    lon, lat = centre
    return lon + metres / (METRES_PER_DEGREE * math.cos(math.radians(lat))), lat


def multi(geom: BaseGeometry) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def add_counties(reg: Registry) -> None:
    for code, name, geom in ((ZHANGPU, "漳浦县", ZHANGPU_BOX), (ZHAOAN, "诏安县", ZHAOAN_BOX)):
        reg.layer("admin_divisions").create({"code": code, "name": name, "level": "county", "parent_code": "350600"},
                                            multi(geom))


def add_approval(reg: Registry, number: int, *, kind: str = "conversion_batch", county: str = ZHANGPU,
                 authority: str = "province", approved_on: date = date(2022, 8, 8),
                 geom: BaseGeometry | None = None, **figures: Any) -> int:
    """An approval 闽政文〔2022〕<number>号; ``figures`` are its declared_* or plan_area_ha attributes."""
    props = {"doc_number": f"闽政文〔2022〕{number}号", "approval_kind": kind, "approved_on": approved_on,
             "authority": authority, "county_code": county, **figures}
    return reg.layer("land_approvals").create(props, None if geom is None else multi(geom)).fid


def add_parcel(reg: Registry, approval_fid: int, geom: BaseGeometry | None, *, land_class: str = "水浇地",
               village: str = "下堀村", ownership: str = "collective", declared_ha: Decimal | str | None = None) -> int:
    """A parcel of 古雷镇; its declared area is its ellipsoidal area unless given."""
    declared = declared_ha if declared_ha is not None else hectares(geom)
    props = {"approval_fid": approval_fid, "township": "古雷镇", "village": village, "land_class": land_class,
             "ownership": ownership, "declared_ha": declared}
    return reg.layer("land_parcels").create(props, None if geom is None else multi(geom)).fid


def findings(reg: Registry, check_id: str) -> gpd.GeoDataFrame:
    """The findings of one check in a fresh run."""
    return run_checks(reg, checks=[check_id]).findings()
