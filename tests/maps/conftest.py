"""Small layers around Zhangpu county (漳浦县, 350623), built in memory: the maps need no database."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from tests.helpers import XSS

TEMPLATE_XSS = "`${alert(2)}`\\"


@pytest.fixture
def eldercare() -> gpd.GeoDataFrame:
    """Two community stations, one with a hostile name, and a street care centre."""
    return gpd.GeoDataFrame(
        {
            "fid": [1, 2, 3],
            "name": [f"绥安镇社区养老服务站{XSS}", f"旧镇社区养老服务站{TEMPLATE_XSS}", "绥安街道照料中心"],
            "facility_type": ["community_station", "community_station", "street_centre"],
            "operator_type": ["public", "public_private", None],
            "street": ["绥安镇", "旧镇镇", "绥安镇"],
            "beds": [12, None, 40],
        },
        geometry=[Point(117.614, 24.117), Point(117.602, 24.021), Point(117.620, 24.125)],
        crs="EPSG:4490",
    )


@pytest.fixture
def protected_zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"fid": [1], "name": [f"漳浦县城饮用水水源保护区{XSS}"], "zone_type": ["drinking_water_source"],
         "area_ha": [33.3333]},
        geometry=[Polygon([(117.55, 24.08), (117.60, 24.08), (117.60, 24.12), (117.55, 24.12)])],
        crs="EPSG:4490",
    )


@pytest.fixture
def findings() -> gpd.GeoDataFrame:
    """A point finding and an area finding, one with a hostile message."""
    return gpd.GeoDataFrame(
        {"check_id": ["eldercare.coverage", "outfall.banned_zone"], "severity": ["warning", "error"],
         "message": ["居住区距最近的社区养老服务站超过700米", f"排污口位于饮用水水源保护区{XSS}"]},
        geometry=[Point(117.650, 24.150),
                  Polygon([(117.56, 24.09), (117.57, 24.09), (117.57, 24.10), (117.56, 24.10)])],
        crs="EPSG:4490",
    )

