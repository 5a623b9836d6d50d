"""The story of the first two checks (``STORY_CHECKS``), from the seeds: two counties of Zhangzhou,
a drinking-water source zone at Gulei with outfalls in and around it, and the Zhao'an zone plan
(闽政文〔2022〕356号) half outside its concentrated construction area, beside Hui'an's plan
(〔2022〕355号) that lies inside. The ``check_story`` fixture builds it for the tests of the check
engine, its runs, comparisons and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shapely.geometry import MultiPolygon, Point, box

from registry import Registry

STORY_CHECKS = ("outfall.in_protected_zone", "expropriation.zone_plan_outside_concentrated")
"""The two checks this story was written for; other checks also fire on it, so runs name these."""

ZHANGPU, ZHAOAN, HUIAN = "350623", "350624", "350521"

ZHANGPU_BOX = box(117.35, 23.60, 117.95, 24.30)
ZHAOAN_BOX = box(117.00, 23.55, 117.35, 23.85)
HUIAN_BOX = box(118.70, 24.90, 118.95, 25.15)

SOURCE_ZONE = box(117.60, 23.74, 117.64, 23.78)
"""古雷水源保护区 (drinking-water source zone, a banned zone for outfalls)."""
FARMLAND_ZONE = box(117.70, 23.74, 117.74, 23.78)
"""永久基本农田: protected, but not a zone where outfalls are banned."""

ZHAOAN_CONCENTRATED = box(117.190, 23.690, 117.2015, 23.720)
ZHAOAN_PLAN = box(117.200, 23.700, 117.203, 23.7027)
"""Half of the plan (lon 117.200–117.2015) is inside the concentrated area, the rest outside."""
HUIAN_CONCENTRATED = box(118.80, 25.00, 118.85, 25.05)
HUIAN_PLAN = box(118.810, 25.010, 118.812, 25.012)

OUTFALL = {"county_code": ZHANGPU, "receiving_kind": "sea", "outfall_class": "industrial",
           "subclass": "industrial_enterprise", "status": "surveyed"}


@dataclass
class CheckStory:
    """The fids of what :func:`build_check_story` wrote, for the findings to name."""

    zone_fid: int
    inside_fid: int
    """Outfall inside the source zone, decided 规范整治 (regularise): a finding."""
    removed_fid: int
    """Outfall inside the source zone, already decided 取缔 (remove): no finding."""
    outside_fid: int
    farmland_fid: int
    zhaoan_plan_fid: int
    huian_plan_fid: int


def multi(geom) -> MultiPolygon:
    return MultiPolygon([geom])


def add_outfall(reg: Registry, code: str, name: str, at: Point, **props) -> int:
    return reg.layer("outfalls").create({**OUTFALL, "code": code, "name": name, **props}, at).fid


def add_zone_plan(reg: Registry, number: int, county: str, geom) -> int:
    return reg.layer("land_approvals").create(
        {"doc_number": f"闽政文〔2022〕{number}号", "approval_kind": "zone_plan", "approved_on": date(2022, 5, 20),
         "authority": "province", "county_code": county}, multi(geom)).fid


def build_check_story(reg: Registry) -> CheckStory:
    divisions = reg.layer("admin_divisions")
    counties = ((ZHANGPU, "漳浦县", ZHANGPU_BOX), (ZHAOAN, "诏安县", ZHAOAN_BOX), (HUIAN, "惠安县", HUIAN_BOX))
    for code, name, geom in counties:
        divisions.create({"code": code, "name": name, "level": "county", "parent_code": code[:4] + "00"}, multi(geom))
    zones = reg.layer("protected_zones")
    zone = zones.create({"name": "古雷水源保护区", "zone_type": "drinking_water_source", "county_code": ZHANGPU},
                        multi(SOURCE_ZONE)).fid
    zones.create({"name": "古雷基本农田", "zone_type": "permanent_farmland", "county_code": ZHANGPU},
                 multi(FARMLAND_ZONE))
    boundaries = reg.layer("urban_boundaries")
    boundaries.create({"name": "诏安县集中建设区", "zone_kind": "concentrated", "county_code": ZHAOAN},
                      multi(ZHAOAN_CONCENTRATED))
    boundaries.create({"name": "惠安县集中建设区", "zone_kind": "concentrated", "county_code": HUIAN},
                      multi(HUIAN_CONCENTRATED))
    return CheckStory(
        zone_fid=zone,
        inside_fid=add_outfall(reg, "350623-GL-001", "古雷港口村排口", Point(117.62, 23.76), decision="regularise",
                               status="decided"),
        removed_fid=add_outfall(reg, "350623-GL-002", "古雷下堀村排口", Point(117.63, 23.75), decision="remove",
                                status="remediated"),
        outside_fid=add_outfall(reg, "350623-GL-003", "古雷外海排口", Point(117.80, 23.90), status="traced"),
        farmland_fid=add_outfall(reg, "350623-GL-004", "古雷农田排口", Point(117.72, 23.76)),
        zhaoan_plan_fid=add_zone_plan(reg, 356, ZHAOAN, ZHAOAN_PLAN),
        huian_plan_fid=add_zone_plan(reg, 355, HUIAN, HUIAN_PLAN),
    )
