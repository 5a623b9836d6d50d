"""The eldercare coverage map: stations and their circles, residential areas by coverage, gaps, proposed sites.

Built from the frames :mod:`analysis.eldercare.coverage` and :mod:`analysis.eldercare.siting` return (this
package never queries), drawn with the builders' own popups and escaping, so a hostile estate name is as
inert here as on any layer page.
"""

from __future__ import annotations

import folium
import geopandas as gpd

from analysis.eldercare.coverage import STATION_RADIUS_M
from layers.eldercare import EldercareFacility
from maps.builder import (
    CLUSTER_THRESHOLD,
    DEFAULT_ASSET_URL,
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

COVERAGE_CLASSES: dict[str, tuple[str, str]] = {
    "covered": ("全部在服务半径内", "#1A9850"),
    "partial": ("部分在服务半径内", "#FDAE61"),
    "uncovered": ("不在任何站点服务半径内", "#D73027"),
}
"""A residential area's coverage status → (legend label, colour): green, amber, red."""

GAP_COLOUR = "#B2182B"
SITE_COLOUR = "#762A83"

AREAS_TITLE = "居住区(按覆盖情况)"
GAPS_TITLE = "服务盲区(未覆盖部分)"
SITES_TITLE = "建议新建社区养老服务站"


def coverage_map(facilities: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, gaps: gpd.GeoDataFrame, base: BaseMap, *,
                 sites: gpd.GeoDataFrame | None = None, radius_m: float = STATION_RADIUS_M,
                 title: str = "社区居家养老服务站覆盖情况", asset_url: str = DEFAULT_ASSET_URL) -> folium.Map:
    """One page: facilities (community stations with their ``radius_m`` circles), residential areas coloured
    by coverage, the gaps shaded over them, and proposed sites with the circle each would serve."""
    facilities, areas, gaps = to_lonlat(facilities), to_lonlat(areas), to_lonlat(gaps)
    sites = to_lonlat(sites) if sites is not None else None
    frames = [areas, facilities] + ([sites] if sites is not None else [])
    m = new_map(base, bounds_of(frames), title=title, asset_url=asset_url)
    add_areas(m, areas, radius_m)
    add_gaps(m, gaps)
    add_layer(m, EldercareFacility, facilities, service_radius_m=radius_m)
    if sites is not None and len(sites):
        add_sites(m, sites, radius_m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def add_areas(m: folium.Map, areas: gpd.GeoDataFrame, radius_m: float = STATION_RADIUS_M) -> folium.FeatureGroup:
    """Residential areas coloured by their coverage status, with the elderly counted in and out of reach."""
    group = folium.FeatureGroup(name=AREAS_TITLE).add_to(m)
    popups = [popup_html(AREAS_TITLE, [
        ("名称", as_text(row.name, None)), ("社区", as_text(row.community, None)),
        ("街道(乡镇)", as_text(row.street, None)), ("60岁及以上老年人口", as_text(row.elderly_population, None)),
        (f"{radius_m:g}米内老年人口", f"{row.covered_elderly:.1f}"),
        ("覆盖比例", f"{100 * row.covered_share:.1f}%"), ("覆盖情况", COVERAGE_CLASSES[row.status][0])])
        for row in areas.itertuples()]
    tooltips = [escape(f"{as_text(name, None)}:{COVERAGE_CLASSES[status][0]}")
                for name, status in zip(areas["name"], areas["status"], strict=True)]
    draw_features(group, areas, [COVERAGE_CLASSES[s][1] for s in areas["status"]], popups, tooltips,
                  cluster_threshold=CLUSTER_THRESHOLD)
    present = [s for s in COVERAGE_CLASSES if (areas["status"] == s).any()]
    if present:
        Legend(AREAS_TITLE, [Category(COVERAGE_CLASSES[s][0], COVERAGE_CLASSES[s][1]) for s in present]).add_to(group)
    return group


def add_gaps(m: folium.Map, gaps: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """The uncovered parts, dashed and shaded over the areas, each with the elderly counted in it."""
    group = folium.FeatureGroup(name=GAPS_TITLE).add_to(m)
    popups = [popup_html(GAPS_TITLE, [("居住区", as_text(row.name, None)),
                                      ("未覆盖老年人口", f"{row.uncovered_elderly:.1f}")])
              for row in gaps.itertuples()]
    tooltips = [escape(f"{as_text(name, None)} 服务盲区") for name in gaps["name"]]
    draw_features(group, gaps, [GAP_COLOUR] * len(gaps), popups, tooltips,
                  cluster_threshold=CLUSTER_THRESHOLD, emphasis=True)
    if len(gaps):
        Legend(GAPS_TITLE, [Category(GAPS_TITLE, GAP_COLOUR)]).add_to(group)
    return group


def add_sites(m: folium.Map, sites: gpd.GeoDataFrame, radius_m: float = STATION_RADIUS_M) -> folium.FeatureGroup:
    """Proposed sites by rank, each with the circle it would serve and what it would add."""
    group = folium.FeatureGroup(name=SITES_TITLE).add_to(m)
    popups = [popup_html(SITES_TITLE, [("建议顺序", str(row.rank)), ("候选点", as_text(row.name, None)),
                                       ("可覆盖的居住区", as_text(row.covers, None)),
                                       ("新增覆盖老年人口", f"{row.new_elderly:.1f}"),
                                       ("经纬度", f"{row.lon:.6f}, {row.lat:.6f}")])
              for row in sites.itertuples()]
    tooltips = [escape(f"建议站点 {row.rank}:{as_text(row.name, None)}") for row in sites.itertuples()]
    for point in sites.geometry:
        folium.Circle([point.y, point.x], radius=radius_m, color=SITE_COLOUR, weight=2, dash_array="8 6",
                      fill=False, interactive=False).add_to(group)
    draw_features(group, sites, [SITE_COLOUR] * len(sites), popups, tooltips,
                  cluster_threshold=CLUSTER_THRESHOLD, emphasis=True)
    Legend(SITES_TITLE, [Category(SITES_TITLE, SITE_COLOUR, "point"),
                         Category(f"建议站点服务半径 {radius_m:g} 米", SITE_COLOUR, "ring")]).add_to(group)
    return group
