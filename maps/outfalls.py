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
from maps.builder import DEFAULT_ASSET_URL, BaseMap, Bounds, add_findings, draw, new_map
from registry.crs import lonlat_frame
from registry.tiles import Drawing, Tiled

FINDINGS_NAME = "检查发现的问题(最近一次检查)"
PAD = 0.01
"""Degrees (about 1 km) around the outfalls, so a single outfall does not zoom the map to its maximum."""


class OutfallsByStatus:
    """The outfall layer as :func:`maps.builder.add_layer` sees it, but coloured by status."""

    __layer__ = replace(Outfall.__layer__, style_field="status", title_zh="入河入海排污口(按工作进度)")
    __table__ = Outfall.__table__


def outfall_map(outfalls: Drawing, zones: Drawing, basins: Drawing, base: BaseMap,
                findings: gpd.GeoDataFrame | None = None, *, title: str = "入河入海排污口",
                bounds: Bounds | None = None, findings_total: int | None = None,
                asset_url: str = DEFAULT_ASSET_URL) -> folium.Map:
    """The map page. Each layer is embedded features or its vector tiles (:class:`registry.tiles.Tiled`).
    ``findings`` is :meth:`analysis.runs.Run.findings` (its ``title_zh`` and ``message_zh`` name each
    finding); when ``findings_total`` says the run has more, the title says how many are shown. The view
    fits ``bounds``, else the embedded outfalls, else the province."""
    shown_n = 0 if findings is None else len(findings)
    if findings_total is not None and findings_total > shown_n:
        title += f"(地图显示最严重的 {shown_n:,} 条问题,共 {findings_total:,} 条,完整清单请导出检查运行)"
    if bounds is not None:
        west, south, east, north = bounds
        bounds = (west - PAD, south - PAD, east + PAD, north + PAD)
    elif not isinstance(outfalls, Tiled):
        bounds = _bounds(outfalls)
    m = new_map(base, bounds, title=title, asset_url=asset_url)
    draw(m, KeyBasin, basins)
    draw(m, ProtectedZone, zones)
    draw(m, Outfall, outfalls)
    draw(m, OutfallsByStatus, outfalls, show=False)  # type: ignore[arg-type]
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
