"""The land map: approvals by kind, parcels by land class, reference zones underneath, findings in red."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, box

from layers.land import LandParcel
from layers.protected_zones import ProtectedZone
from maps.builder import FINDING_COLOUR, BaseMap
from maps.land import land_map
from maps.style import categories
from tests.helpers import XSS, decoded


def square(lon: float, lat: float, size: float = 0.002) -> MultiPolygon:
    return MultiPolygon([box(lon, lat, lon + size, lat + size)])


@pytest.fixture
def approvals() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"fid": [1, 2], "doc_number": ["闽政文〔2022〕354号", "闽政文〔2022〕357号"],
                             "approval_kind": ["conversion_batch", "zone_plan"], "applicant": [f"漳浦县{XSS}", None]},
                            geometry=[None, square(118.15, 27.32, 0.004)], crs="EPSG:4490")


@pytest.fixture
def parcels() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"fid": [1, 2, 3], "village": ["港口村", "港口村", "下堀村"],
                             "land_class": ["水浇地", "林地", "水浇地"], "declared_ha": [7.3347, 0.2812, 16.0173]},
                            geometry=[square(117.607, 23.779), square(117.610, 23.779), square(117.620, 23.782)],
                            crs="EPSG:4490")


@pytest.fixture
def findings() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"check_id": ["expropriation.parcel_in_protected_zone", "expropriation.zone_plan_exempt"],
                             "title_zh": ["地块与永久基本农田重叠", "可不编制成片开发方案"],
                             "severity": ["warning", "info"],
                             "message_zh": [f"地块与永久基本农田重叠0.4065公顷{XSS}", "位于国家级开发区"]},
                            geometry=[square(117.620, 23.782, 0.0005), square(117.607, 23.779, 0.02)], crs="EPSG:4490")


def test_approvals_parcels_by_class_and_findings_in_red(approvals, parcels, findings):
    zones = gpd.GeoDataFrame({"fid": [1], "name": ["古雷镇下堀片永久基本农田"], "zone_type": ["permanent_farmland"]},
                             geometry=[square(117.619, 23.781)], crs="EPSG:4490")
    html = decoded(land_map(approvals, parcels, BaseMap(), findings=findings, references=[(ProtectedZone, zones)],
                            title="土地征收批复与地块 · 漳浦县").get_root().render())
    for legend in ("用地批复", "征收地块", "水浇地", "林地", "保护区与管控线", "检查发现的问题"):
        assert legend in html
    colours = categories(LandParcel, parcels["land_class"])
    assert colours["水浇地"].colour != colours["林地"].colour, "each land class its own colour"
    assert FINDING_COLOUR in html
    assert "地块与永久基本农田重叠(expropriation.parcel_in_protected_zone)" in html, "the rule by its Chinese title"
    assert "0.4065公顷" in html
    assert "检查提示(无须整改)" in html, "info findings are a layer of their own"
    assert html.index("检查提示(无须整改)") < html.index("检查发现的问题"), "drawn under the problems"
    assert html.index("保护区与管控线") < html.index("征收地块"), "reference zones are drawn underneath"
    assert "土地征收批复与地块 · 漳浦县" in html
    assert "<script>alert(1)" not in html


def test_a_map_without_findings_or_geometry_still_draws(approvals, parcels):
    html = land_map(approvals.iloc[:1], parcels.iloc[:0], BaseMap()).get_root().render()
    assert "检查发现的问题" not in decoded(html)
    assert "土地征收批复与地块" in decoded(html)
