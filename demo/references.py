"""The planning reference layers the checks measure against: urban development boundaries, development
zones and their regional assessments, protected zones, key basins and bays, sewer coverage and industrial
parks, drawn around the four counties so that each finding of the story has its cause."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from demo.boundaries import Inside
from demo.geodesy import at, boxes, east_cut
from demo.places import BEACH_SEA, HUIAN, JIANYANG, ZHANGPU, ZHAOAN, LonLat, Row

JIANYANG_PLAN_OUTSIDE = 0.05
"""Share of 建阳区's zone plan left outside its 集中建设区: the finding the demo is built to show."""


def urban_boundary_rows(inside: Inside, approvals: Sequence[Row]) -> list[Row]:
    """Boundary and 集中建设区 of the four counties; only 建阳区's plan leaves its 集中建设区."""
    jianyang_plan = next(a["geometry"] for a in approvals if a["county_code"] == JIANYANG
                         and a["approval_kind"] == "zone_plan")
    cut = east_cut(jianyang_plan, JIANYANG_PLAN_OUTSIDE)
    extents = {
        ZHANGPU: ("漳浦县", [(117.575, 24.095, 117.650, 24.150), (117.590, 23.760, 117.640, 23.860)],
                  [(117.585, 24.100, 117.640, 24.140), (117.595, 23.770, 117.632, 23.850)]),
        HUIAN: ("惠安县", [(118.760, 24.960, 118.840, 25.060)], [(118.770, 24.970, 118.830, 25.045)]),
        ZHAOAN: ("诏安县", [(117.150, 23.690, 117.215, 23.765)], [(117.158, 23.697, 117.205, 23.755)]),
        JIANYANG: ("南平市建阳区", [(118.080, 27.285, 118.175, 27.370)], [(118.088, 27.292, cut, 27.362)]),
    }
    rows = []
    for county, (name, boundary, concentrated) in extents.items():
        rows.append({"name": f"{name}城镇开发边界", "zone_kind": "boundary", "county_code": county,
                     "geometry": boxes(county, inside, *boundary)})
        rows.append({"name": f"{name}城镇集中建设区", "zone_kind": "concentrated", "county_code": county,
                     "geometry": boxes(county, inside, *concentrated)})
    return rows


_DEVELOPMENT_ZONES: list[tuple[str, str, str, tuple[float, float, float, float]]] = [
    ("古雷港经济开发区", "national", ZHANGPU, (117.585, 23.745, 117.650, 23.875)),
    ("惠安经济开发区", "provincial", HUIAN, (118.770, 24.968, 118.800, 24.992)),
    ("诏安金都工业集中区", "other", ZHAOAN, (117.120, 23.732, 117.150, 23.762)),
    ("建阳经济开发区", "provincial", JIANYANG, (118.088, 27.288, 118.117, 27.306)),
]


def development_zone_rows(inside: Inside) -> list[Row]:
    """The zones plots are listed in; the checks read a zone's level (national, provincial or other)."""
    return [{"name": name, "level": level, "county_code": county, "geometry": boxes(county, inside, extent)}
            for name, level, county, extent in _DEVELOPMENT_ZONES]


_ALL_ASSESSMENTS = ("environmental_impact", "energy", "water_resources", "mineral_overlay", "geological_hazard",
                    "soil_pollution")
_ASSESSMENTS: list[tuple[str, str, tuple[str, ...], date | None, tuple[float, float, float, float]]] = [
    ("古雷港经济开发区", ZHANGPU, _ALL_ASSESSMENTS, date(2020, 11, 30), (117.585, 23.745, 117.650, 23.875)),
    ("惠安经济开发区", HUIAN, _ALL_ASSESSMENTS[:-1], date(2021, 12, 20), (118.770, 24.968, 118.800, 24.992)),
    ("建阳经济开发区", JIANYANG, _ALL_ASSESSMENTS[1:], date(2020, 12, 15), (118.088, 27.288, 118.117, 27.306)),
    ("建阳经济开发区", JIANYANG, _ALL_ASSESSMENTS[:1], date(2020, 12, 15), (118.088, 27.288, 118.0964, 27.306)),
    ("建阳经济开发区", JIANYANG, _ALL_ASSESSMENTS[:1], None, (118.0964, 27.288, 118.117, 27.306)),
]
"""Regional assessments (闽政办〔2022〕45号 §二(一)) by zone: (zone, county, kinds, completed on, extent).
古雷 has all six; 惠安 lacks the soil-pollution survey; 建阳's environmental impact assessment covers
only the west of the zone (the east's is under way), so part of plot JY-2021-05 was never assessed;
诏安金都, not a provincial zone, has none."""


def regional_assessment_rows(inside: Inside) -> list[Row]:
    """One row per zone and kind of assessment, so a plot's coverage is read per kind."""
    kinds = dict(zip(_ALL_ASSESSMENTS, ("环境影响评价", "节能评估", "水资源论证", "压覆重要矿产资源评估",
                                         "地质灾害危险性评估", "土壤污染状况调查评估"), strict=True))
    return [{"development_zone": zone, "county_code": county, "assessment_kind": kind,
             "title": f"{zone}区域{kinds[kind]}", "completed_on": done, "published": done is not None,
             "geometry": boxes(county, inside, extent)}
            for zone, county, done_kinds, done, extent in _ASSESSMENTS for kind in done_kinds]


_DRINKING_WATER: list[LonLat] = [(117.530, 24.131), (117.556, 24.127), (117.572, 24.120), (117.576, 24.128),
                                 (117.559, 24.137), (117.532, 24.141)]
"""漳浦县鹿溪 upstream of 绥安, where two outfalls are found."""


def protected_zone_rows(inside: Inside, parcels: Sequence[Row]) -> list[Row]:
    """A zone of each kind the checks care about; the farmland patch overlaps one Zhangpu parcel."""
    largest = max(parcels, key=lambda p: p["declared_ha"])["geometry"]
    west, south, _, north = largest.bounds
    farmland = box(*at((west, south), -320, 40), *at((west, north), 15, -40))
    beach = Point(inside.shore(HUIAN, BEACH_SEA)).buffer(0.0035)
    return [
        {"name": "漳浦县鹿溪饮用水水源二级保护区", "zone_type": "drinking_water_source", "county_code": ZHANGPU,
         "geometry": inside.clip(ZHANGPU, Polygon(_DRINKING_WATER))},
        {"name": "古雷镇下堀片永久基本农田", "zone_type": "permanent_farmland", "county_code": ZHANGPU,
         "geometry": inside.clip(ZHANGPU, farmland)},
        {"name": "惠安县崇武西沙湾海水浴场", "zone_type": "bathing_beach", "county_code": HUIAN,
         "geometry": inside.clip(HUIAN, beach)},
        {"name": "诏安湾滨海湿地生态保护红线", "zone_type": "ecological_red_line", "county_code": ZHAOAN,
         "geometry": inside.clip(ZHAOAN, Point(inside.shore(ZHAOAN, (117.31, 23.66))).buffer(0.02))},
        {"name": "建阳区黄坑武夷山脉生态保护红线", "zone_type": "ecological_red_line", "county_code": JIANYANG,
         "geometry": boxes(JIANYANG, inside, (117.700, 27.450, 117.850, 27.560))},
    ]


_BASINS: list[tuple[str, str, list[LonLat]]] = [
    ("九龙江流域", "basin", [(116.75, 24.45), (117.05, 24.30), (117.55, 24.35), (117.95, 24.42), (118.05, 24.70),
                            (117.75, 25.30), (117.35, 25.75), (116.95, 25.85), (116.60, 25.40)]),
    ("闽江流域", "basin", [(116.35, 26.20), (116.90, 25.75), (117.70, 25.70), (118.60, 25.75), (119.45, 25.95),
                          (119.70, 26.15), (119.20, 26.75), (119.10, 27.60), (118.70, 28.30), (117.70, 28.10),
                          (116.90, 27.50)]),
    ("鹿溪流域", "basin", [(117.42, 24.08), (117.58, 24.05), (117.72, 24.08), (117.74, 24.18), (117.60, 24.24),
                          (117.45, 24.20)]),
    ("东山湾", "bay", [(117.44, 23.70), (117.58, 23.70), (117.61, 23.76), (117.612, 23.87), (117.55, 23.92),
                      (117.46, 23.93), (117.42, 23.82)]),
    ("诏安湾", "bay", [(117.22, 23.55), (117.33, 23.55), (117.38, 23.66), (117.36, 23.77), (117.26, 23.76),
                      (117.24, 23.62)]),
    ("泉州湾", "bay", [(118.62, 24.80), (118.80, 24.78), (118.82, 24.86), (118.72, 24.90), (118.64, 24.93)]),
    ("漳州东山湾古雷海域", "model_bay", [(117.56, 23.72), (117.61, 23.74), (117.612, 23.86), (117.57, 23.86)]),
]
"""Rough outlines of basins, bays and a model bay of annex 1 to 闽政办〔2022〕43号; basins are cut to the
province, bays keep their sea."""


def key_basin_rows(province: BaseGeometry) -> list[Row]:
    """Basins cut to the province, bays as drawn: the areas the outfall targets are followed in."""
    rows = []
    for name, kind, outline in _BASINS:
        shape = Polygon(outline)
        rows.append({"name": name, "kind": kind,
                     "geometry": shape.intersection(province) if kind == "basin" else shape})
    return rows


def sewer_coverage_rows(inside: Inside) -> list[Row]:
    """Where sewers reach in the two county seats: a domestic outfall inside should be merged."""
    return [
        {"name": "漳浦县城区污水管网覆盖范围", "plant_name": "漳浦县城区污水处理厂",
         "geometry": boxes(ZHANGPU, inside, (117.590, 24.100, 117.638, 24.140))},
        {"name": "建阳区城区污水管网覆盖范围", "plant_name": "建阳区城市污水处理厂",
         "geometry": boxes(JIANYANG, inside, (118.100, 27.310, 118.142, 27.352))},
    ]


def industrial_park_rows(inside: Inside) -> list[Row]:
    """Parks with a central plant: an enterprise outfall inside should be merged into it."""
    return [
        {"name": "古雷石化园区", "has_central_plant": True, "plant_name": "古雷石化园区污水处理厂",
         "geometry": boxes(ZHANGPU, inside, (117.590, 23.800, 117.640, 23.870))},
        {"name": "建阳经济开发区童游工业园", "has_central_plant": True, "plant_name": "童游工业园污水处理厂",
         "geometry": boxes(JIANYANG, inside, (118.090, 27.290, 118.115, 27.304))},
    ]
