"""Layers, popups, circles and findings as they reach the page."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import pytest
from shapely.geometry import Point

from layers.eldercare import EldercareFacility
from layers.outfalls import Outfall
from layers.protected_zones import ProtectedZone
from maps.builder import (
    FINDING_COLOUR,
    FUJIAN_BOUNDS,
    BaseMap,
    add_findings,
    add_layer,
    combined_map,
    layer_map,
    new_map,
    tianditu,
)
from tests.helpers import decoded

CIRCLE = re.compile(r"L\.circle\(\s*\[[^\]]*\],\s*\{[^}]*\"radius\": ([\d.]+)")


def render(m: folium.Map) -> str:
    return m.get_root().render()


@pytest.fixture
def page(eldercare, protected_zones, findings) -> str:
    return render(combined_map([(ProtectedZone, protected_zones), (EldercareFacility, eldercare)], BaseMap(),
                               findings=findings))


# --------------------------------------------------------------------------- escaping


def test_hostile_names_are_text_at_both_escaping_levels(page: str) -> None:
    # Level 1: the page source; level 2: the JavaScript strings once the browser decodes them.
    for text in (page, decoded(page)):
        assert "<script>alert(1)" not in text
        assert "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decoded(page)


def test_template_literal_text_cannot_run_or_escape(page: str) -> None:
    # folium puts popup and tooltip HTML inside `...`: ${...}, backticks and backslashes are entities.
    assert "${alert" not in page
    assert "&#96;&#36;{alert(2)}&#96;&#92;" in page
    for literal in re.findall(r"\$\(`(.*?)`\)\[0\]", page, flags=re.S):
        assert "`" not in literal and "${" not in literal


def test_popups_use_chinese_labels_and_code_labels(eldercare) -> None:
    html = decoded(render(layer_map(EldercareFacility, eldercare, BaseMap())))
    for label in ("名称", "设施类型", "运营主体", "街道(乡镇)", "床位数"):
        assert f">{label}</th>" in html
    assert "<td>社区居家养老服务站(点)</td>" in html
    assert "<td>公建民营</td>" in html
    assert "<td>community_station</td>" not in html
    assert "<td>—</td>" in html  # a missing value


# --------------------------------------------------------------------------- circles


def test_700_m_circles_for_community_stations_only(eldercare) -> None:
    html = render(layer_map(EldercareFacility, eldercare, BaseMap()))
    assert [float(r) for r in CIRCLE.findall(html)] == [700, 700]
    for lat, lon in ((24.117, 117.614), (24.021, 117.602)):
        assert re.search(rf"L\.circle\(\s*\[{lat}, {lon}\]", html)
    assert not re.search(r"L\.circle\(\s*\[24\.125, 117\.62\]", html)  # the street care centre


def test_radius_is_a_parameter(eldercare) -> None:
    m = new_map(BaseMap())
    add_layer(m, EldercareFacility, eldercare, service_radius_m=500)
    assert [float(r) for r in CIRCLE.findall(render(m))] == [500, 500]


def test_no_circles_for_other_point_layers() -> None:
    outfalls = gpd.GeoDataFrame({"fid": [1], "code": ["ZP-001"], "name": ["古雷港口排污口"],
                                 "outfall_class": ["industrial"], "status": ["surveyed"]},
                                geometry=[Point(117.62, 23.78)], crs="EPSG:4490")
    assert not CIRCLE.findall(render(layer_map(Outfall, outfalls, BaseMap())))


# --------------------------------------------------------------------------- clustering and legends


def test_big_point_layers_are_clustered(eldercare) -> None:
    m = new_map(BaseMap())
    add_layer(m, EldercareFacility, eldercare, cluster_threshold=2)
    assert "L.markerClusterGroup(" in render(m)
    m = new_map(BaseMap())
    add_layer(m, EldercareFacility, eldercare, cluster_threshold=3)
    assert "L.markerClusterGroup(" not in render(m)


def test_legend_is_in_chinese(page: str) -> None:
    legends = [json.loads(f'"{s}"') for s in re.findall(r'box\.innerHTML = "((?:[^"\\]|\\.)*)"', page)]
    text = " ".join(legends)
    for label in ("养老服务设施", "社区居家养老服务站(点)", "街道居家社区养老服务照料中心",
                  "社区养老服务站服务半径 700 米", "保护区与管控线", "饮用水水源保护区", "检查发现的问题"):
        assert label in text
    assert "community_station" not in text
    assert "养老机构" not in text  # only the categories on the map


def test_layer_control_uses_chinese_titles(page: str) -> None:
    control = decoded(page[page.index("overlays :"):])
    for title in ("保护区与管控线", "养老服务设施", "检查发现的问题"):
        assert f'"{title}" :' in control


def test_page_and_controls_are_titled_in_chinese(eldercare) -> None:
    html = render(layer_map(EldercareFacility, eldercare, BaseMap()))
    assert "<title>养老服务设施</title>" in html
    assert 'zoomInTitle: "放大"' in html
    assert "全屏" in decoded(html)


# --------------------------------------------------------------------------- findings


def test_findings_are_red(findings) -> None:
    html = render(combined_map([], BaseMap(), findings=findings))
    point = re.search(r"L\.circleMarker\(\s*\[24\.15, 117\.65\],\s*(\{[^}]*\})", html)
    assert point
    options = json.loads(point.group(1))
    assert options["color"] == options["fillColor"] == FINDING_COLOUR
    data = json.loads(re.search(r"_add\((\{.*\})\);", html).group(1))
    styles = [f["properties"]["style"] for f in data["features"]]
    assert styles and all(s["color"] == s["fillColor"] == FINDING_COLOUR for s in styles)
    red, green, blue = (int(FINDING_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    assert red > 200 and green < 80 and blue < 80


def test_findings_popups_are_escaped_and_in_chinese(findings) -> None:
    m = new_map(BaseMap())
    add_findings(m, findings)
    html = decoded(render(m))
    assert "<script>alert(1)" not in html
    assert "<td>警告</td>" in html and "<td>错误</td>" in html
    assert ">检查规则</th>" in html


# --------------------------------------------------------------------------- base map, CRS, bounds


def test_tianditu_config() -> None:
    base = tianditu("abc123")
    assert base.subdomains == "01234567"
    assert [u.split("/")[3] for u in base.urls] == ["vec_w", "cva_w"]
    assert all(u.startswith("https://t{s}.tianditu.gov.cn/") and u.endswith("&tk=abc123") for u in base.urls)
    with pytest.raises(ValueError):
        tianditu("abc');alert(1)//")


def test_default_base_map_has_no_tiles() -> None:
    assert "L.tileLayer(" not in render(new_map(BaseMap()))


def test_gauss_kruger_input_is_drawn_in_lon_lat(eldercare) -> None:
    html = render(layer_map(EldercareFacility, eldercare.to_crs("EPSG:4527"), BaseMap()))
    assert re.search(r"L\.circleMarker\(\s*\[24\.117\d*, 117\.614\d*\]", html)


def test_data_without_crs_is_refused(eldercare) -> None:
    with pytest.raises(ValueError, match="CRS"):
        layer_map(EldercareFacility, eldercare.set_crs(None, allow_override=True), BaseMap())


def test_empty_layer_shows_fujian() -> None:
    empty = gpd.GeoDataFrame({"fid": [], "name": [], "facility_type": []}, geometry=[], crs="EPSG:4490")
    html = render(layer_map(EldercareFacility, empty, BaseMap()))
    west, south, east, north = FUJIAN_BOUNDS
    assert f"[[{south}, {west}], [{north}, {east}]]" in html
