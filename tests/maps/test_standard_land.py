"""The standard-land map: plots by life-cycle status and by compliance, both on one page, escaped."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, box

from maps.builder import FINDING_COLOUR, BaseMap
from maps.standard_land import COMPLIANCE_COLOURS, COMPLIANCE_LAYER, plots_map
from tests.helpers import XSS, decoded


@pytest.fixture
def plots() -> gpd.GeoDataFrame:
    """What analysis.standard_land.summary.plot_compliance returns: plots, compliance, findings."""
    return gpd.GeoDataFrame(
        {"fid": [1, 2, 3], "plot_code": ["GL-2021-03", "ZA-2023-01", "JY-2024-01"],
         "name": ["古雷三号地块", f"金都水产品加工地块{XSS}", "建阳储备一号地块"],
         "status": ["production_reviewed", "listed", "reserved"], "compliance": ["warning", "error", "ok"],
         "findings_zh": ["亩均产值差6.15%", f"容积率0.8低于1.0{XSS}", ""], "area_ha": [5.2, 3.2, 3.96]},
        geometry=[MultiPolygon([box(117.61, 23.83, 117.614, 23.834)]),
                  MultiPolygon([box(117.13, 23.74, 117.134, 23.744)]),
                  MultiPolygon([box(118.10, 27.29, 118.104, 27.294)])],
        crs="EPSG:4490")


@pytest.mark.parametrize("by", ["status", "compliance"])
def test_both_colourings_are_layers_of_one_page_and_the_chosen_one_shows(plots, by) -> None:
    page = decoded(plots_map(plots, BaseMap(), by=by).get_root().render())
    assert "工业标准地" in page and COMPLIANCE_LAYER in page
    for label in ("达产复核", "挂牌", "储备", "不合规", "有警告", "合规"):
        assert label in page, label
    assert "未检查" not in page, "the legend lists only the categories present"
    assert FINDING_COLOUR in page and COMPLIANCE_COLOURS["ok"] in page
    assert shown(page) == {"工业标准地": by == "status", COMPLIANCE_LAYER: by == "compliance"}


def shown(page: str) -> dict[str, bool]:
    """Overlay name → whether the page adds it to the map at first (the layer control names them)."""
    groups = dict(re.findall(r'"([^"]+)" : (feature_group_\w+)', page))
    return {name: f"{var}.addTo(map_" in page for name, var in groups.items()}


def test_names_and_findings_are_text_not_markup(plots) -> None:
    page = plots_map(plots, BaseMap(), by="compliance").get_root().render()
    for text in (page, decoded(page)):
        assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decoded(page)
    assert "容积率0.8低于1.0" in decoded(page)


def test_an_unknown_view_is_refused(plots) -> None:
    with pytest.raises(ValueError, match="status"):
        plots_map(plots, BaseMap(), by="colour")
