"""Standard-land plots on one map, coloured two ways: by life-cycle status and by compliance with the
latest check run; a layer control switches between them. Receives data, never queries."""

from __future__ import annotations

import folium
import geopandas as gpd

from analysis.standard_land.summary import COMPLIANCE
from layers.base import layer_attributes
from layers.standard_land import StandardLandPlot
from maps.builder import (
    CLUSTER_THRESHOLD,
    DEFAULT_ASSET_URL,
    FINDING_COLOUR,
    BaseMap,
    add_layer,
    as_text,
    bounds_of,
    draw_features,
    new_map,
    popup_html,
    to_lonlat,
)
from maps.style import Category, Legend
from maps.text import escape

COMPLIANCE_COLOURS = {"error": FINDING_COLOUR, "warning": "#EE8866", "ok": "#117733", "unchecked": "#BBBBBB"}
"""Red for plots breaking a rule (as findings are everywhere), orange for warnings, green for passes."""

VIEWS = ("status", "compliance")
COMPLIANCE_LAYER = "工业标准地(合规情况)"


def add_compliance(m: folium.Map, plots: gpd.GeoDataFrame, *, show: bool = True) -> folium.FeatureGroup:
    """Plots coloured by ``compliance`` (see :func:`analysis.standard_land.summary.plot_compliance`), the
    popup listing the findings in Chinese."""
    plots = to_lonlat(plots)
    rules = layer_attributes(StandardLandPlot)
    codes = list(plots["compliance"])
    popups = [popup_html(COMPLIANCE_LAYER, [
        (rules["plot_code"].zh, as_text(row.plot_code, None)), (rules["name"].zh, as_text(row.name, None)),
        (rules["status"].zh, as_text(row.status, rules["status"])),
        ("合规情况", COMPLIANCE.label(row.compliance)), ("检查发现", as_text(row.findings_zh or None, None))])
        for row in plots.itertuples()]
    tooltips = [escape(f"{as_text(name, None)}:{COMPLIANCE.label(code)}")
                for name, code in zip(plots["name"], codes, strict=True)]
    group = folium.FeatureGroup(name=COMPLIANCE_LAYER, show=show).add_to(m)
    draw_features(group, plots, [COMPLIANCE_COLOURS[c] for c in codes], popups, tooltips,
                  cluster_threshold=CLUSTER_THRESHOLD)
    present = [c for c in COMPLIANCE if c.code in set(codes)]
    if present:
        Legend(COMPLIANCE_LAYER, [Category(c.zh, COMPLIANCE_COLOURS[c.code]) for c in present]).add_to(group)
    return group


def plots_map(plots: gpd.GeoDataFrame, base: BaseMap, *, by: str = "status", title: str = "工业标准地",
              asset_url: str = DEFAULT_ASSET_URL) -> folium.Map:
    """Both colourings as switchable layers, ``by`` ("status" or "compliance") shown first.

    ``plots`` is :func:`analysis.standard_land.summary.plot_compliance` (the plots with their compliance).
    """
    if by not in VIEWS:
        raise ValueError(f"by 应为 {' 或 '.join(VIEWS)} / by must be one of {', '.join(VIEWS)}")
    plots = to_lonlat(plots)
    m = new_map(base, bounds_of([plots]), title=title, asset_url=asset_url)
    add_layer(m, StandardLandPlot, plots, show=by == "status")
    add_compliance(m, plots, show=by == "compliance")
    folium.LayerControl(collapsed=False).add_to(m)
    return m
