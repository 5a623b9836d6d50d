"""Folium map pages built from layer data; no database access and no Flask here (DESIGN.md)."""

from maps.assets import ASSETS, asset_paths, localise
from maps.builder import (
    DEFAULT_ASSET_URL,
    BaseMap,
    Page,
    add_findings,
    add_layer,
    add_tile_layer,
    combined_map,
    layer_map,
    new_map,
    render_page,
    tianditu,
)
from maps.style import Category, Legend, categories

__all__ = [
    "ASSETS",
    "DEFAULT_ASSET_URL",
    "BaseMap",
    "Category",
    "Legend",
    "Page",
    "add_findings",
    "add_layer",
    "add_tile_layer",
    "asset_paths",
    "categories",
    "combined_map",
    "layer_map",
    "localise",
    "new_map",
    "render_page",
    "tianditu",
]
