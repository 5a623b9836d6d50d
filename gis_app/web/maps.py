"""Map pages (Folium, in Chinese) and the front-end assets they load, served by the app itself."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_from_directory

from analysis.runs import load_run
from gis_app.context import registry
from gis_app.params import integer
from layers import LAYERS
from maps import DEFAULT_ASSET_URL, BaseMap, asset_paths, combined_map, layer_map, tianditu
from registry.errors import NotFound
from registry.tiles import versioned_tile

bp = Blueprint("maps", __name__)



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


def tile_url(name: str) -> str:
    return f"/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt"


def split_by_size(names: list[str]) -> tuple[list, list]:
    """Small layers are embedded in the page; layers above the threshold come as vector tiles."""
    reg = registry()
    embedded, tiled = [], []
    for name in names:
        model, handle = LAYERS[name], reg.layer(name)
        if handle.count() > current_app.config["TILE_THRESHOLD"]:
            tiled.append((model, tile_url(name)))
        else:
            embedded.append((model, handle.to_geodataframe()))
    return embedded, tiled


@bp.get("/map")
def combined():
    """Every layer; ``?run=ID`` overlays that check run's findings in red."""
    names = [name for name, model in LAYERS.items() if model.__layer__.geometry_type]
    embedded, tiled = split_by_size(names)
    run_id = integer(request.args, "run")
    findings = None if run_id is None else load_run(registry(), run_id).findings()
    return html(combined_map(embedded, base_map(), findings, title="福建省国土空间规划与登记 综合地图",
                             tile_layers=tiled))


@bp.get("/map/<collection_id>")
def layer(collection_id: str):
    model = LAYERS.get(collection_id)
    if model is None or not model.__layer__.geometry_type:
        raise NotFound(f"没有可制图的图层 {collection_id} / no map for collection {collection_id}")
    embedded, tiled = split_by_size([collection_id])
    if embedded:
        return html(layer_map(model, embedded[0][1], base_map()))
    return html(combined_map([], base_map(), title=model.__layer__.title_zh, tile_layers=tiled))


@bp.get("/tiles/<collection_id>/<int:z>/<int:x>/<int:y>.mvt")
def vector_tile(collection_id: str, z: int, x: int, y: int):
    """A vector tile; its ETag is the layer's data version, so a client revalidates cheaply (304)
    and any edit of the layer gives every tile a new ETag."""
    if collection_id not in LAYERS:
        raise NotFound(f"没有图层 {collection_id} / no collection {collection_id}")
    known = _etag_version(collection_id)
    version, data = versioned_tile(registry(), collection_id, z, x, y, known)
    response = Response(status=304) if data is None else \
        Response(data, mimetype="application/vnd.mapbox-vector-tile")
    response.set_etag(f"{collection_id}-{version}")
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def _etag_version(collection_id: str) -> str | None:
    """The layer version named by the client's If-None-Match, if it holds one of our tile ETags."""
    prefix = f"{collection_id}-"
    for tag in request.if_none_match.as_set():
        if tag.startswith(prefix) and re.fullmatch(r"\d+\.\d+", tag[len(prefix):]):
            return tag[len(prefix):]
    return None


@bp.get(f"{DEFAULT_ASSET_URL}/<path:path>")
def vendor(path: str):
    """Only the files the maps need, from node_modules (installed from the npm registry at set-up)."""
    if path not in asset_paths():
        abort(404)
    folder = Path(current_app.config["ASSET_DIR"])
    return send_from_directory(folder, path, max_age=86400)
