"""The eldercare story: places measured on the GRS80 ellipsoid with pyproj (not by PostGIS, which they test).

A station stands at the seat of 漳浦县绥安镇; residential areas are placed by geodesic distance and
azimuth from it, so "699 m" and "701 m" are true distances, whatever the direction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box

from registry import Registry
from registry.repository import FeatureRecord

GEOD = Geod(ellps="GRS80")
ZHANGPU, JIANYANG = "350623", "350703"
SUIAN: tuple[float, float] = (117.6120, 24.1180)
"""漳浦县绥安镇."""
TANCHENG: tuple[float, float] = (118.1200, 27.3320)
"""建阳区潭城街道."""


def at(origin: tuple[float, float], distance_m: float, azimuth_deg: float) -> tuple[float, float]:
    """The point ``distance_m`` metres from ``origin`` along the geodesic of ``azimuth_deg``."""
    lon, lat, _ = GEOD.fwd(origin[0], origin[1], azimuth_deg, distance_m)
    return lon, lat


def rect(centre: tuple[float, float], east_m: float, north_m: float) -> MultiPolygon:
    """A rectangle ``east_m`` by ``north_m`` metres around ``centre``, its corners placed geodesically."""
    corners = []
    for e, n in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x = at(centre, east_m / 2, 90 if e > 0 else 270)
        corners.append(at(x, north_m / 2, 0 if n > 0 else 180))
    return MultiPolygon([shapely.orient_polygons(Polygon(corners))])


def square(centre: tuple[float, float], side_m: float = 1.0) -> MultiPolygon:
    return rect(centre, side_m, side_m)


def add_station(reg: Registry, where: tuple[float, float], name: str = "绥安镇城内社区居家养老服务站",
                **properties: Any) -> FeatureRecord:
    values = {"name": name, "facility_type": "community_station", "county_code": ZHANGPU, "street": "绥安镇",
              **properties}
    return reg.layer("eldercare_facilities").create(values, Point(where))


def add_area(reg: Registry, geom: MultiPolygon, name: str, elderly: int, *, community: str = "城内社区",
             street: str = "绥安镇", county: str = ZHANGPU) -> FeatureRecord:
    values = {"name": name, "community": community, "street": street, "county_code": county,
              "elderly_population": elderly}
    return reg.layer("residential_areas").create(values, geom)


FULL = "全托、日托、上门服务、区域协调指导"


def add_facility(reg: Registry, name: str, kind: str, street: str, community: str | None = None, *,
                 county: str = ZHANGPU, metres: float = 100, **properties: Any) -> FeatureRecord:
    """A facility ``metres`` north-east of the county seat."""
    origin = SUIAN if county == ZHANGPU else TANCHENG
    return add_station(reg, at(origin, metres, 45), name=name, facility_type=kind, street=street,
                       community=community, county_code=county, **properties)


def build_county(reg: Registry) -> None:
    """漳浦: 绥安街道's care centre is marked as demonstration but offers no full-time care; 旧镇街道 has a
    full demonstration institution; 绥安镇 is a town. Two of four communities have day care (a future
    day-care centre in 北门社区 does not count yet); 58 of 120 institutional beds are nursing beds.
    建阳: one street with everything, 70 of 100 beds nursing beds."""
    reg.layer("admin_divisions").create({"code": ZHANGPU, "name": "漳浦县", "level": "county", "parent_code": "350600"},
                                        MultiPolygon([box(117.4, 23.9, 117.9, 24.3)]))
    add_facility(reg, "绥安街道照料中心", "street_centre", "绥安街道", "城内社区", is_demonstration=True,
                 services="日间照料、助餐、上门服务、区域协调指导", beds=20, nursing_beds=8)
    add_facility(reg, "旧镇街道示范养老院", "demonstration", "旧镇街道", "南门社区", services=FULL)
    add_facility(reg, "漳浦县社会福利中心", "institution", "绥安镇", "西湖社区", services="全日托养、失能照护",
                 beds=100, nursing_beds=50)
    add_facility(reg, "北门日间照料中心", "day_care", "绥安镇", "北门社区", opened_on=date(2099, 1, 1))
    add_facility(reg, "鹿溪长者食堂", "meal_point", "绥安镇", "北门社区", services="老年助餐")
    add_facility(reg, "城内社区居家养老服务站", "community_station", "绥安街道", "城内社区", services="助餐、文体活动")
    for i, community in enumerate(["城内社区", "南门社区", "北门社区", "西湖社区"]):
        add_area(reg, square(at(SUIAN, 300 * i, 90), 60), f"{community}小区", 100, community=community,
                 street="绥安街道" if i < 2 else "绥安镇")
    add_facility(reg, "考亭示范养老院", "demonstration", "潭城街道", "考亭社区", county=JIANYANG, services=FULL,
                 beds=100, nursing_beds=70)
    add_facility(reg, "建阳区老年养护院", "county_nursing_home", "潭城街道", "考亭社区", county=JIANYANG,
                 metres=300, services="失能照护")
