"""The coverage map from in-memory frames: areas by coverage, gaps, station circles, proposed sites."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from maps.builder import BaseMap
from maps.eldercare import COVERAGE_CLASSES, GAP_COLOUR, SITE_COLOUR, coverage_map
from tests.helpers import XSS, decoded

CIRCLE = re.compile(r"L\.circle\(\s*\[[^\]]*\],\s*\{[^}]*\"color\": \"([^\"]+)\"[^}]*\"radius\": ([\d.]+)")


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"fid": [1, 2, 3], "name": ["城内小区", f"北门新村{XSS}", "跨圈小区"],
         "community": ["城内社区", "北门社区", None], "street": ["绥安镇"] * 3,
         "elderly_population": [200, 60, 100], "covered_share": [1.0, 0.0, 0.4],
         "covered_elderly": [200.0, 0.0, 40.0], "status": ["covered", "uncovered", "partial"]},
        geometry=[box(117.612, 24.118, 117.613, 24.119), box(117.612, 24.135, 117.613, 24.136),
                  box(117.619, 24.118, 117.620, 24.119)], crs="EPSG:4490")


@pytest.fixture
def gaps(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": areas["name"][1:].to_list(), "uncovered_elderly": [60.0, 60.0]},
                            geometry=[areas.geometry[1], box(117.6195, 24.118, 117.620, 24.119)], crs="EPSG:4490")


@pytest.fixture
def sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"rank": [1], "name": [f"北门新村(居住区内点){XSS}"], "covers": ["北门新村"],
                             "new_elderly": [60.0], "lon": [117.6125], "lat": [24.1355]},
                            geometry=[Point(117.6125, 24.1355)], crs="EPSG:4490")


def test_areas_are_coloured_by_coverage_and_gaps_shaded(eldercare, areas, gaps) -> None:
    html = decoded(coverage_map(eldercare, areas, gaps, BaseMap()).get_root().render())

    for label, colour in COVERAGE_CLASSES.values():
        assert label in html and f'"fillColor": "{colour}"' in html
    assert f'"fillColor": "{GAP_COLOUR}"' in html and '"dashArray": "6 4"' in html
    assert "服务盲区(未覆盖部分)" in html and "覆盖比例" in html and "40.0%" in html
    assert XSS not in html and "&lt;script&gt;" in html
    stations = [float(r) for c, r in CIRCLE.findall(html) if c != SITE_COLOUR]
    assert stations == [700.0, 700.0]  # the two community stations of the fixture
    assert "建议新建社区养老服务站" not in html


def test_proposed_sites_are_marked_with_their_circle(eldercare, areas, gaps, sites) -> None:
    html = decoded(coverage_map(eldercare, areas, gaps, BaseMap(), sites=sites, radius_m=500).get_root().render())

    assert "建议新建社区养老服务站" in html and "建议站点服务半径 500 米" in html
    assert [(c, float(r)) for c, r in CIRCLE.findall(html) if c == SITE_COLOUR] == [(SITE_COLOUR, 500.0)]
    assert "新增覆盖老年人口" in html and XSS not in html


def test_projected_input_is_drawn_in_lon_lat(eldercare, areas, gaps) -> None:
    html = coverage_map(eldercare.to_crs("EPSG:4527"), areas.to_crs("EPSG:4527"), gaps, BaseMap()).get_root().render()

    assert "117.61" in html and "39500" not in html
