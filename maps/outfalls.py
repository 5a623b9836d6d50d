"""The outfall map: outfalls by class and by status over the zones where outfalls are banned and the key
basins and bays of annex 1, with the latest check run's findings in red on top.

Built from GeoDataFrames (no database here). The outfalls are drawn twice, as two switchable groups: by
class (shown) and by status (hidden until chosen), since one marker cannot carry two colour schemes.
"""

from __future__ import annotations

from dataclasses import replace

import folium
import geopandas as gpd

from layers.key_basins import KeyBasin
from layers.outfalls import Outfall
from layers.protected_zones import ProtectedZone
from maps.builder import DEFAULT_ASSET_URL, BaseMap, Bounds, add_findings, add_layer, new_map
from registry.crs import lonlat_frame

FINDINGS_NAME = "检查发现的问题(最近一次检查)"
PAD = 0.01
"""Degrees (about 1 km) around the outfalls, so a single outfall does not zoom the map to its maximum."""


class OutfallsByStatus:
    """The outfall layer as :func:`maps.builder.add_layer` sees it, but coloured by status."""

    __layer__ = replace(Outfall.__layer__, style_field="status", title_zh="入河入海排污口(按工作进度)")
    __table__ = Outfall.__table__


def outfall_map(outfalls: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, basins: gpd.GeoDataFrame, base: BaseMap,
                findings: gpd.GeoDataFrame | None = None, *, title: str = "入河入海排污口",
                asset_url: str = DEFAULT_ASSET_URL) -> folium.Map:
    """The map page. ``findings`` is :meth:`analysis.runs.Run.findings` (its ``title_zh`` and ``message_zh``
    name each finding); the view fits the outfalls, or the province when there are none."""
    m = new_map(base, _bounds(outfalls), title=title, asset_url=asset_url)
    add_layer(m, KeyBasin, basins)
    add_layer(m, ProtectedZone, zones)
    add_layer(m, Outfall, outfalls)
    add_layer(m, OutfallsByStatus, outfalls, show=False)  # type: ignore[arg-type]
    if findings is not None and len(findings):
        shown = findings.assign(check_id=[f"{title}({check_id})" for title, check_id
                                          in zip(findings["title_zh"], findings["check_id"], strict=True)],
                                message=findings["message_zh"])
        add_findings(m, shown, name=FINDINGS_NAME)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _bounds(outfalls: gpd.GeoDataFrame) -> Bounds | None:
    drawn = outfalls[outfalls.geometry.notna() & ~outfalls.geometry.is_empty]
    if drawn.empty:
        return None
    west, south, east, north = lonlat_frame(drawn).total_bounds
    return (west - PAD, south - PAD, east + PAD, north + PAD)
