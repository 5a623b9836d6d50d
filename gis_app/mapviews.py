"""Map pages (Folium, in Chinese) and the front-end assets they load, served by the app itself."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory

from layers import LAYERS
from maps import BaseMap, asset_paths, combined_map, layer_map, tianditu
from registry.errors import NotFound

bp = Blueprint("maps", __name__)
ASSET_URL = "/static/vendor"


def base_map() -> BaseMap:
    """The base map from configuration; none by default, so pages work on an isolated intranet."""
    cfg = current_app.config
    if cfg["BASEMAP_URL"]:
        return BaseMap(url=cfg["BASEMAP_URL"], attribution=cfg["BASEMAP_ATTRIBUTION"])
    if cfg["TIANDITU_KEY"]:
        return tianditu(cfg["TIANDITU_KEY"])
    return BaseMap()


def html(m) -> Response:
    return Response(m.get_root().render(), mimetype="text/html")


@bp.get("/map")
def combined():
    reg = current_app.extensions["registry"]
    frames = [(model, reg.layer(name).to_geodataframe()) for name, model in LAYERS.items()
              if model.__layer__.geometry_type]
    return html(combined_map(frames, base_map(), title="福建省国土空间规划与登记 综合地图", asset_url=ASSET_URL))


@bp.get("/map/<collection_id>")
def layer(collection_id: str):
    model = LAYERS.get(collection_id)
    if model is None or not model.__layer__.geometry_type:
        raise NotFound(f"没有可制图的图层 {collection_id} / no map for collection {collection_id}")
    gdf = current_app.extensions["registry"].layer(collection_id).to_geodataframe()
    return html(layer_map(model, gdf, base_map(), asset_url=ASSET_URL))


@bp.get(f"{ASSET_URL}/<path:path>")
def vendor(path: str):
    """Only the files the maps need, from node_modules (installed from the npm registry at set-up)."""
    if path not in asset_paths():
        abort(404)
    folder = Path(current_app.config["ASSET_DIR"])
    return send_from_directory(folder, path, max_age=86400)
