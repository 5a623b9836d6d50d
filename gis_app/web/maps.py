"""Map pages (Folium, in Chinese) and the front-end assets they load, served by the app itself."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_from_directory

from analysis.runs import load_run
from gis_app.context import registry
from gis_app.params import integer
from gis_app.security import allow_scripts
from layers import LAYERS
from layers.base import Feature
from maps import DEFAULT_ASSET_URL, BaseMap, asset_paths, combined_map, layer_map, render_page, tianditu
from registry.errors import NotFound
from registry.tiles import Drawing, EmbedBudget, Tiled, drawing, versioned_tile

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
    """A map page, its inline scripts allowed by hash in this response's Content-Security-Policy."""
    page = render_page(m)
    allow_scripts(page.script_hashes)
    return Response(page.html, mimetype="text/html")


def embed_budget() -> EmbedBudget:
    """What a page may embed of one layer (``FUJIAN_TILE_THRESHOLD`` features, ``FUJIAN_MAP_EMBED_MB``)."""
    cfg = current_app.config
    return EmbedBudget(features=cfg["TILE_THRESHOLD"], bytes=cfg["MAP_EMBED_BYTES"])


def drawings(names: list[str]) -> list[tuple[type[Feature], Drawing]]:
    """Each layer embedded when within the budget, else as vector tiles (:func:`registry.tiles.drawing`)."""
    reg, budget = registry(), embed_budget()
    return [(LAYERS[name], drawing(reg.layer(name).store, budget=budget)) for name in names]


@bp.get("/map")
def combined():
    """Every layer; ``?run=ID`` overlays that check run's findings in red (the most serious first, as many as
    the budget embeds)."""
    names = [name for name, model in LAYERS.items() if model.__layer__.geometry_type]
    run_id = integer(request.args, "run")
    findings = None if run_id is None else load_run(registry(), run_id).findings(limit=embed_budget().rows())
    return html(combined_map(drawings(names), base_map(), findings, title="福建省国土空间规划与登记 综合地图"))


@bp.get("/map/<collection_id>")
def layer(collection_id: str):
    model = LAYERS.get(collection_id)
    if model is None or not model.__layer__.geometry_type:
        raise NotFound(f"没有可制图的图层 {collection_id} / no map for collection {collection_id}")
    [(_, shown)] = drawings([collection_id])
    if isinstance(shown, Tiled):
        return html(combined_map([(model, shown)], base_map(), title=model.__layer__.title_zh))
    return html(layer_map(model, shown, base_map()))


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
