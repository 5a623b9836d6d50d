"""What the app serves to its clients (the map, GDAL, OWSLib, Chromium): a small story around Zhangpu
county (漳浦县, 350623) with three outfalls at Gulei, two protected zones (one with a hostile name), two
eldercare facilities, and batch 57 (its approval, still without an outline, and one parcel). The
``served_story`` fixture builds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shapely.geometry import MultiPolygon, Point, Polygon

from registry import Registry
from registry.repository import FeatureRecord
from tests.helpers import XSS

ZHANGPU = "350623"


@dataclass
class ServedStory:
    """What :func:`build_served_story` wrote: the records as the registry returned them, per layer."""

    records: dict[str, list[FeatureRecord]] = field(default_factory=dict)

    def count(self, layer: str) -> int:
        return len(self.records.get(layer, []))

    @property
    def drawable(self) -> int:
        """Features with a geometry: what a map can draw."""
        return sum(r.geometry is not None for v in self.records.values() for r in v)

    @property
    def community_stations(self) -> int:
        return sum(r.properties["facility_type"] == "community_station"
                   for r in self.records.get("eldercare_facilities", []))


OUTFALLS: list[tuple[dict[str, Any], Point]] = [
    ({"code": "350623RS0001", "name": "古雷石化园区某企业雨水排口", "county_code": ZHANGPU,
      "receiving_water": "东山湾", "receiving_kind": "sea", "outfall_class": "industrial",
      "subclass": "industrial_enterprise", "status": "decided", "decision": "merge"},
     Point(117.6012345678, 23.7601234567)),
    ({"code": "350623RS0002", "name": "古雷污水处理厂入海排污口", "county_code": ZHANGPU,
      "receiving_water": "东山湾", "receiving_kind": "sea", "outfall_class": "municipal_plant",
      "subclass": "municipal_plant", "status": "remediated", "decision": "regularise"},
     Point(117.6054321, 23.7654321)),
    ({"code": "350623RS0003", "name": "古雷镇港口村水产养殖尾水排口", "county_code": ZHANGPU,
      "receiving_kind": "sea", "outfall_class": "agricultural",
      "status": "traced"},
     Point(117.5987654, 23.7587654)),
]


def _square(lon: float, lat: float, size: float) -> MultiPolygon:
    return MultiPolygon([Polygon([(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)])])


def build_served_story(reg: Registry) -> ServedStory:
    """A handful of features in five layers, written through the Python API (so they pass its rules)."""
    written = ServedStory()

    def add(layer: str, properties: dict[str, Any], geometry: Any) -> None:
        written.records.setdefault(layer, []).append(reg.layer(layer).create(properties, geometry))

    for properties, point in OUTFALLS:
        add("outfalls", properties, point)
    add("protected_zones", {"name": f"漳浦县鹿溪饮用水水源保护区{XSS}", "zone_type": "drinking_water_source",
                            "county_code": ZHANGPU}, _square(117.55, 24.08, 0.04))
    add("protected_zones", {"name": "古雷半岛生态保护红线", "zone_type": "ecological_red_line",
                            "county_code": ZHANGPU}, _square(117.61, 23.74, 0.02))
    add("eldercare_facilities", {"name": "绥安镇社区养老服务站", "facility_type": "community_station",
                                 "operator_type": "public", "county_code": ZHANGPU, "street": "绥安镇"},
        Point(117.614, 24.117))
    add("eldercare_facilities", {"name": "漳浦县社会福利中心", "facility_type": "institution",
                                 "operator_type": "public", "county_code": ZHANGPU, "beds": 120},
        Point(117.620, 24.125))
    # Batch 57 (闽政文〔2022〕354号) expropriates 33.3333 ha in all; its outline has not arrived yet,
    # so the approval has no geometry, and one of its parcels is drawn.
    add("land_approvals", {"doc_number": "闽政文〔2022〕354号", "approval_kind": "conversion_batch",
                           "approved_on": date(2022, 8, 8), "authority": "province", "county_code": ZHANGPU,
                           "year": 2022, "batch_no": 57, "declared_total_ha": "33.3333"}, None)
    add("land_parcels", {"approval_fid": written.records["land_approvals"][0].fid, "township": "古雷镇",
                         "village": "下堀村", "land_class": "水浇地", "ownership": "collective",
                         "declared_ha": "16.0173"}, _square(117.60, 23.78, 0.012))
    return written
