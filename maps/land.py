"""The land expropriation map: approvals by kind, parcels by land class, the zones they are checked
against, and the findings of a check run in red on top. Receives data; never queries."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd

from layers.base import Feature
from layers.land import LandApproval, LandParcel
from maps.builder import DEFAULT_ASSET_URL, BaseMap, add_findings, add_layer, new_map

TITLE = "土地征收批复与地块"

NOTES = "检查提示(无须整改)"
"""Findings of severity ``info`` (e.g. an approval that needs no zone plan): a layer of their own, off at
first, so that red on the map means something to put right."""

PAD_DEG = 0.002
"""Margin (about 200 m) around the approvals so that parcels at the edge are not cut by the frame."""


def land_map(approvals: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, base: BaseMap, *,
             findings: gpd.GeoDataFrame | None = None,
             references: Sequence[tuple[type[Feature], gpd.GeoDataFrame]] = (), title: str = TITLE,
             asset_url: str = DEFAULT_ASSET_URL) -> folium.Map:
    """Approvals and parcels, framed on them, with ``findings`` (:meth:`analysis.runs.Run.findings`) in
    red on top (those of severity info in a layer of their own, off at first): each popup names the rule
    by its Chinese title and gives the Chinese message with the measured figures. ``references``
    (protected zones, urban boundary, development zones) are drawn underneath and start switched off,
    so the parcels' land-class colours stay readable."""
    m = new_map(base, _bounds([approvals, parcels] + ([findings] if findings is not None else [])), title=title,
                asset_url=asset_url)
    for model, frame in references:
        add_layer(m, model, frame, show=False)
    add_layer(m, LandApproval, approvals)
    add_layer(m, LandParcel, parcels)
    if findings is not None:
        shown = findings.assign(
            check_id=[f"{t}({c})" for t, c in zip(findings["title_zh"], findings["check_id"], strict=True)],
            message=findings["message_zh"])
        notes = (shown["severity"] == "info").to_numpy()
        if notes.any():
            add_findings(m, shown[notes], name=NOTES, show=False)
        add_findings(m, shown[~notes])
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _bounds(frames: Sequence[gpd.GeoDataFrame]) -> tuple[float, float, float, float] | None:
    """The extent of the drawn land in lon/lat (CGCS2000 is used as WGS 84), or None for Fujian."""
    boxes = [f.to_crs(4490).geometry.dropna().total_bounds for f in frames if f.geometry.notna().any()]
    if not boxes:
        return None
    return (min(b[0] for b in boxes) - PAD_DEG, min(b[1] for b in boxes) - PAD_DEG,
            max(b[2] for b in boxes) + PAD_DEG, max(b[3] for b in boxes) + PAD_DEG)
