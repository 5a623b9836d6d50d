"""The outfall map: by class and by status, over banned zones and key basins, findings in red, all escaped."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from maps.builder import FINDING_COLOUR, FUJIAN_BOUNDS, BaseMap
from maps.outfalls import FINDINGS_NAME, outfall_map
from tests.helpers import XSS, decoded


def frame(rows: dict, geometry: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geometry, crs="EPSG:4490")


def outfalls() -> gpd.GeoDataFrame:
    return frame({"fid": [1, 2], "code": ["350623RS0001", "350623RH0002"], "name": [f"古雷排口{XSS}", "鹿溪排口"],
                  "outfall_class": ["industrial", "other"], "subclass": ["industrial_enterprise", "ditch"],
                  "status": ["remediated", "surveyed"], "decision": ["regularise", None],
                  "approval_mode": ["filing", "none"], "discharging_unit": ["某化工公司", None]},
                 [Point(117.62, 23.76), Point(117.55, 24.13)])


def zones() -> gpd.GeoDataFrame:
    return frame({"fid": [1], "name": ["鹿溪饮用水水源保护区"], "zone_type": ["drinking_water_source"]},
                 [Polygon([(117.53, 24.12), (117.58, 24.12), (117.58, 24.14), (117.53, 24.14)])])


def basins() -> gpd.GeoDataFrame:
    return frame({"fid": [1], "name": ["东山湾"], "kind": ["bay"]},
                 [Polygon([(117.4, 23.6), (117.8, 23.6), (117.8, 23.95), (117.4, 23.95)])])


def findings() -> gpd.GeoDataFrame:
    return frame({"check_id": ["outfall.in_protected_zone"], "title_zh": ["排污口位于禁止设置排污口的保护区内"],
                  "severity": ["error"], "message_zh": [f"排污口位于饮用水水源保护区{XSS}"]}, [Point(117.55, 24.13)])


def groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {child.layer_name: child for child in m._children.values() if isinstance(child, folium.FeatureGroup)}


def test_outfalls_are_drawn_by_class_and_by_status_over_zones_and_basins():
    m = outfall_map(outfalls(), zones(), basins(), BaseMap(), findings())
    shown = {name: group.show for name, group in groups(m).items()}
    assert shown == {"重点流域与海湾": True, "保护区与管控线": True, "入河入海排污口": True,
                     "入河入海排污口(按工作进度)": False, FINDINGS_NAME: True}
    html = decoded(m.get_root().render())
    for label in ("工业排污口", "其他排口", "已整治", "已排查", "饮用水水源保护区", "重点海湾"):
        assert label in html, label
    assert FINDING_COLOUR in html and "排污口位于禁止设置排污口的保护区内(outfall.in_protected_zone)" in html


def test_names_and_messages_are_escaped_and_private_attributes_stay_out():
    html = decoded(outfall_map(outfalls(), zones(), basins(), BaseMap(), findings()).get_root().render())
    assert XSS not in html
    assert "古雷排口&lt;script&gt;" in html
    assert "某化工公司" not in html, "popups show public attributes only"


def fitted(html: str) -> list[float]:
    south, west, north, east = re.search(r"fitBounds\(\s*\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]",
                                         html).groups()
    return [float(v) for v in (west, south, east, north)]


def test_the_view_fits_the_outfalls_or_shows_fujian_when_there_are_none():
    html = outfall_map(outfalls(), zones(), basins(), BaseMap()).get_root().render()
    assert fitted(html) == pytest.approx([117.54, 23.75, 117.63, 24.14])
    assert FINDINGS_NAME not in decoded(html), "no run, no findings group"
    empty = outfall_map(outfalls().iloc[0:0], zones(), basins(), BaseMap()).get_root().render()
    assert fitted(empty) == pytest.approx(list(FUJIAN_BOUNDS))
