"""OGC API - Features over every layer: core, GeoJSON, HTML, CRS (Part 2), queryables, and edits
(Part 4 style, with ETag / If-Match optimistic concurrency) plus bulk import with a dry run.

Routes only translate HTTP to registry calls and back; the rules live in registry/ and layers/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from shapely.geometry import box, mapping, shape

from gis_app.api.crs_uris import CRS84, OUTPUT_CRS, crs_from_uri, crs_uri, to_output, to_storage_axes
from gis_app.api.schemas import feature_schema, queryables
from gis_app.auth import require_account, require_edit, sees_private
from gis_app.context import registry
from gis_app.params import json_body, wants_html
from gis_app.uploads import saved_upload
from layers import LAYERS
from layers.base import layer_attributes, private_attributes
from registry.errors import BadRequest, InvalidInput, NotFound, RegistryError
from registry.jobs import load_job, queue_import
from registry.repository import FeatureRecord, Query

bp = Blueprint("features", __name__)

DEFAULT_LIMIT = 100
MAX_LIMIT = 10000
ITEM_PARAMS = {"f", "limit", "offset", "after", "before", "bbox", "bbox-crs", "crs", "datetime", "as_of"}
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
]
GEOJSON = "application/geo+json"



def link(href: str, rel: str, type_: str, title: str = "") -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def abs_url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


# --------------------------------------------------------------------------- landing, conformance


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every page: an empty answer, cached, instead of a 404 in their console."""
    return Response(status=204, headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/")
def landing():
    body = {
        "title": "福建省国土空间规划与登记系统",
        "description": "Fujian spatial planning and registry: land expropriation, standard land, outfalls, eldercare",
        "links": [
            link(abs_url("features.landing"), "self", "application/json", "本页 / this document"),
            link(abs_url("openapi.openapi_json"), "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                 "API定义 / API definition"),
            link(abs_url("features.conformance"), "conformance", "application/json", "符合性 / conformance"),
            link(abs_url("features.collections"), "data", "application/json", "图层 / collections"),
            link(abs_url("maps.combined"), "alternate", "text/html", "地图 / map viewer"),
        ],
    }
    if wants_html():
        return render_template("landing.html", body=body, layers=LAYERS)
    return jsonify(body)


@bp.get("/conformance")
def conformance():
    body = {"conformsTo": CONFORMANCE}
    if wants_html():
        return render_template("conformance.html", body=body)
    return jsonify(body)


# --------------------------------------------------------------------------- collections


def collection_info(name: str) -> dict[str, Any]:
    model = LAYERS[name]
    meta = model.__layer__
    info: dict[str, Any] = {
        "id": name, "title": meta.title_zh, "description": meta.title_en, "itemType": "feature",
        "x-kind": meta.kind,
        "links": [
            link(abs_url("features.collection", collection_id=name), "self", "application/json"),
            link(abs_url("features.items", collection_id=name), "items", GEOJSON, "要素 / features"),
            link(abs_url("features.items", collection_id=name, f="html"), "items", "text/html", "要素 / features"),
            link(abs_url("features.queryables_doc", collection_id=name),
                 "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json"),
            link(abs_url("features.schema_doc", collection_id=name),
                 "http://www.opengis.net/def/rel/ogc/1.0/schema", "application/schema+json"),
        ],
    }
    if meta.geometry_type:
        extent = registry().layer(name).store.extent()
        info["extent"] = {"spatial": {"bbox": [list(extent)] if extent else [[115.5, 23.0, 122.0, 28.6]],
                                      "crs": CRS84}}
        info["crs"] = [crs_uri(c) for c in OUTPUT_CRS]
        info["storageCrs"] = crs_uri("EPSG:4490")
        info["links"].append(link(abs_url("maps.layer", collection_id=name), "alternate", "text/html", "地图 / map"))
    return info


@bp.get("/collections")
def collections():
    body = {"collections": [collection_info(n) for n in LAYERS],
            "links": [link(abs_url("features.collections"), "self", "application/json")],
            "crs": [crs_uri(c) for c in OUTPUT_CRS]}
    if wants_html():
        return render_template("collections.html", body=body)
    return jsonify(body)


def model_or_404(collection_id: str):
    if collection_id not in LAYERS:
        raise NotFound(f"没有图层 {collection_id} / no collection {collection_id}; known: {', '.join(LAYERS)}")
    return LAYERS[collection_id]


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    model_or_404(collection_id)
    body = collection_info(collection_id)
    if wants_html():
        return render_template("collection.html", body=body)
    return jsonify(body)


@bp.get("/collections/<collection_id>/queryables")
def queryables_doc(collection_id: str):
    model = model_or_404(collection_id)
    body = queryables(model, request.base_url, hidden_attributes(collection_id))
    return Response(current_app.json.dumps(body), mimetype="application/schema+json")


@bp.get("/collections/<collection_id>/schema")
def schema_doc(collection_id: str):
    model = model_or_404(collection_id)
    return Response(current_app.json.dumps(feature_schema(model, request.base_url, hidden_attributes(collection_id))),
                    mimetype="application/schema+json")


# --------------------------------------------------------------------------- items


def parse_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"参数 {name} 应为整数 / {name} must be an integer") from None
    if not low <= value <= high:
        raise BadRequest(f"参数 {name} 应在 {low} 与 {high} 之间 / {name} must be between {low} and {high}")
    return value


def parse_instant() -> datetime | None:
    raw = request.args.get("as_of") or request.args.get("datetime")
    if raw is None:
        return None
    if "/" in raw:
        raise BadRequest("只支持时点,不支持时段 / only an instant is supported (history as of a time), "
                           "not an interval")
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"时间 {raw!r} 不是 ISO 8601 / not an ISO 8601 date-time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_bbox() -> tuple[float, float, float, float] | None:
    raw = request.args.get("bbox")
    if raw is None:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise BadRequest("bbox 应为4个数字 / bbox must be four numbers: minx,miny,maxx,maxy") from None
    if len(values) != 4 or not all(np.isfinite(values)):
        raise BadRequest("bbox 应为4个数字 / bbox must be four numbers: minx,miny,maxx,maxy")
    crs = crs_from_uri(request.args.get("bbox-crs", CRS84))
    x0, y0, x1, y1 = values
    if x0 > x1 or y0 > y1:
        raise BadRequest("bbox 最小值大于最大值 / bbox minimum exceeds maximum")
    stored = to_storage_axes(np.array([box(x0, y0, x1, y1)], dtype=object), crs)[0]
    return tuple(float(v) for v in shapely.bounds(stored))  # type: ignore[return-value]


def hidden_attributes(collection_id: str) -> frozenset[str]:
    """Non-public attributes are left out of every answer to a request without an editor's token."""
    return frozenset() if sees_private() else private_attributes(LAYERS[collection_id])


def feature_json(rec: FeatureRecord, collection_id: str, crs: str) -> dict[str, Any]:
    return features_json([rec], collection_id, crs)[0]


def features_json(records: list[FeatureRecord], collection_id: str, crs: str) -> list[dict[str, Any]]:
    """GeoJSON features. What is the same for every feature of a page (the hidden attributes, the CRS
    transformation, the items URL) is worked out once, not per feature."""
    hidden = hidden_attributes(collection_id)
    geoms = to_output(np.array([r.geometry for r in records], dtype=object), crs)
    items_url = abs_url("features.items", collection_id=collection_id)
    features = []
    for rec, geom in zip(records, geoms, strict=True):
        props = {k: v for k, v in rec.properties.items() if k not in hidden}
        props["version"] = rec.version
        features.append({"type": "Feature", "id": rec.fid, "geometry": None if geom is None else mapping(geom),
                         "properties": props, "links": [link(f"{items_url}/{rec.fid}", "self", GEOJSON)]})
    return features


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    model = model_or_404(collection_id)
    hidden = hidden_attributes(collection_id)
    attrs = [name for name in layer_attributes(model) if name not in hidden]
    unknown = [k for k in request.args if k not in ITEM_PARAMS and k not in attrs]
    if unknown:
        raise BadRequest(f"未知参数 {', '.join(unknown)} / unknown parameter(s); filters are the queryables: "
                           f"{', '.join(attrs)}")
    limit = parse_int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = parse_int("offset", 0, 0, 10**9)
    after, before = (None if request.args.get(k) is None else parse_int(k, 0, 0, 2**62) for k in ("after", "before"))
    if before is not None and (after is not None or offset):
        raise BadRequest("before 不能与 after 或 offset 同用 / before cannot be combined with after or offset")
    crs = crs_from_uri(request.args.get("crs", CRS84))
    where = {k: v for k, v in request.args.items() if k in attrs}
    query = Query(bbox=parse_bbox(), where=where, as_of=parse_instant(), limit=limit + 1, offset=offset,
                  after=after, before=before)
    store = registry().layer(collection_id).store
    records = store.records(query)  # one more than the page tells whether another page follows (or precedes)
    more = len(records) > limit
    records = (records[1:] if before is not None else records[:limit]) if more else records
    matched = store.count(Query(bbox=query.bbox, where=where, as_of=query.as_of))
    links = [link(abs_url("features.items", collection_id=collection_id, **request.args), "self", GEOJSON),
             link(abs_url("features.items", collection_id=collection_id, **dict(request.args, f="html")),
                  "alternate", "text/html")]
    links += page_links(collection_id, records, more_after=more if before is None else True,
                        more_before=more if before is not None else bool(offset or after is not None))
    body = {"type": "FeatureCollection", "features": features_json(records, collection_id, crs),
            "numberMatched": matched, "numberReturned": len(records),
            "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"), "links": links}
    if wants_html():
        return render_template("items.html", body=body, model=model, collection_id=collection_id)
    return geojson_response(body, crs)


def page_links(collection_id: str, records: list[FeatureRecord], *, more_after: bool,
               more_before: bool) -> list[dict[str, Any]]:
    """``next`` and ``prev`` by key (``after``/``before`` the page's last and first fid), so a page deep in
    a million features costs what the first one does, and the next page does not shift when features
    before it are deleted while someone reads on."""
    if not records:
        return []
    args = {k: v for k, v in request.args.items() if k not in ("offset", "after", "before")}
    links = []
    if more_after:
        links.append(link(abs_url("features.items", collection_id=collection_id, **dict(args, after=records[-1].fid)),
                          "next", GEOJSON, "下一页 / next page"))
    if more_before:
        links.append(link(abs_url("features.items", collection_id=collection_id,
                                  **dict(args, before=records[0].fid)), "prev", GEOJSON, "上一页 / previous"))
    return links


def queued_import(path: Path) -> bool:
    """Whether an upload is imported by the worker as a job: asked for (``Prefer: respond-async``, RFC 7240)
    or bigger than ``FUJIAN_IMPORT_QUEUE_MB`` (20)."""
    limit_mb = current_app.config["IMPORT_QUEUE_MB"]
    asked = "respond-async" in request.headers.get("Prefer", "").lower()
    return asked or path.stat().st_size > limit_mb * 1024 * 1024


def job_links(job_id: int) -> list[dict[str, Any]]:
    return [link(abs_url("features.job", job_id=job_id), "monitor", "application/json", "任务状态 / job status")]


@bp.get("/jobs/<int:job_id>")
def job(job_id: int):
    """A queued job's status, progress and outcome: for its author and administrators."""
    account = require_account()
    found = load_job(registry(), job_id)
    if found.author != account.label and "admin" not in account.roles:
        raise NotFound(f"没有任务 {job_id} / no job {job_id}")
    body = found.as_dict() | {"links": job_links(job_id)}
    if wants_html():
        return render_template("job.html", job=body)
    headers = {"Retry-After": "2"} if found.status in ("queued", "running") else {}
    return jsonify(body), 200, headers


def geojson_response(body: dict[str, Any], crs: str, status: int = 200, **headers: str) -> Response:
    response = Response(current_app.json.dumps(body), status=status, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs_uri(crs)}>"
    for key, value in headers.items():
        response.headers[key.replace("_", "-")] = value
    return response


@bp.get("/collections/<collection_id>/items/<int:fid>")
def item(collection_id: str, fid: int):
    model = model_or_404(collection_id)
    extra = [k for k in request.args if k not in {"f", "crs", "datetime", "as_of"}]
    if extra:
        raise BadRequest(f"未知参数 {', '.join(extra)} / unknown parameter(s)")
    crs = crs_from_uri(request.args.get("crs", CRS84))
    rec = registry().layer(collection_id).get(fid, as_of=parse_instant())
    body = feature_json(rec, collection_id, crs)
    body["links"] += [link(abs_url("features.collection", collection_id=collection_id), "collection",
                           "application/json"),
                      link(abs_url("features.history", collection_id=collection_id, fid=fid), "version-history",
                           GEOJSON, "历史版本 / history")]
    if wants_html():
        return render_template("item.html", body=body, model=model, collection_id=collection_id)
    return geojson_response(body, crs, ETag=f'"{rec.version}"')


@bp.get("/collections/<collection_id>/items/<int:fid>/history")
def history(collection_id: str, fid: int):
    model_or_404(collection_id)
    versions = registry().layer(collection_id).history(fid)
    features = []
    for rec in versions:
        feat = feature_json(rec, collection_id, CRS84)
        feat["properties"].update(valid_from=rec.valid_from, valid_to=rec.valid_to, deleted=rec.deleted,
                                  author=rec.author, source=rec.source, changeset=rec.changeset_id)
        features.append(feat)
    return geojson_response({"type": "FeatureCollection", "features": features,
                             "numberReturned": len(features)}, CRS84)


# --------------------------------------------------------------------------- edits


GEOJSON_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                 "GeometryCollection")
"""RFC 7946's geometry types (shapely would also read its own, such as "LinearRing")."""


def feature_from_body() -> tuple[dict[str, Any], Any, bool]:
    """Properties and geometry of a GeoJSON Feature request body, in storage CRS."""
    body = json_body()
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise InvalidInput("请求体应为 GeoJSON Feature / the body must be a GeoJSON Feature")
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise InvalidInput("properties 应为对象 / properties must be an object")
    props = {k: v for k, v in props.items() if k != "version"}
    has_geometry = "geometry" in body
    geometry = None
    if body.get("geometry") is not None:
        kind = body["geometry"].get("type") if isinstance(body["geometry"], dict) else None
        if kind not in GEOJSON_TYPES:
            raise InvalidInput(f"geometry 类型 {kind!r} 不是 GeoJSON 几何类型 / {kind!r} is not a GeoJSON geometry "
                               f"type; use one of {', '.join(GEOJSON_TYPES)}")
        try:
            geometry = shape(body["geometry"])
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError) as exc:
            raise InvalidInput(f"geometry 不是有效的 GeoJSON 几何 / not a valid GeoJSON geometry: {exc}") from None
        crs = crs_from_uri(request.headers.get("Content-Crs", CRS84).strip("<>"))
        geometry = to_storage_axes(np.array([geometry], dtype=object), crs)[0]
    return props, geometry, has_geometry


def if_match_version() -> int:
    raw = request.headers.get("If-Match")
    if not raw:
        raise PreconditionRequired("修改须带 If-Match 头(要素的 ETag) / send If-Match with the feature's ETag, "
                                   "so a change never overwrites somebody else's")
    try:
        return int(raw.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise BadRequest(f"If-Match {raw!r} 不是本服务给出的 ETag / not an ETag of this service") from None


class PreconditionRequired(RegistryError):
    status = 428
    title = "缺少 If-Match / Precondition required"


def source() -> str:
    return f"{request.method} {request.path}"


@bp.post("/collections/<collection_id>/items")
def create_item(collection_id: str):
    account = require_edit(model_or_404(collection_id))
    props, geometry, _ = feature_from_body()
    rec = registry().layer(collection_id).create(props, geometry, author=account.label, source=source(),
                                                 scope=account.scope_code)
    location = abs_url("features.item", collection_id=collection_id, fid=rec.fid)
    return geojson_response(feature_json(rec, collection_id, CRS84), CRS84, 201, Location=location,
                            ETag=f'"{rec.version}"')


@bp.put("/collections/<collection_id>/items/<int:fid>")
def replace_item(collection_id: str, fid: int):
    account = require_edit(model_or_404(collection_id))
    base = if_match_version()
    props, geometry, _ = feature_from_body()
    rec = registry().layer(collection_id).update(fid, props, geometry, base_version=base, author=account.label,
                                                 source=source(), replace=True, keep_geometry=False,
                                                 scope=account.scope_code)
    return geojson_response(feature_json(rec, collection_id, CRS84), CRS84, ETag=f'"{rec.version}"')


@bp.patch("/collections/<collection_id>/items/<int:fid>")
def patch_item(collection_id: str, fid: int):
    account = require_edit(model_or_404(collection_id))
    base = if_match_version()
    props, geometry, has_geometry = feature_from_body()
    rec = registry().layer(collection_id).update(fid, props, geometry, base_version=base, author=account.label,
                                                 source=source(), keep_geometry=not has_geometry,
                                                 scope=account.scope_code)
    return geojson_response(feature_json(rec, collection_id, CRS84), CRS84, ETag=f'"{rec.version}"')


@bp.delete("/collections/<collection_id>/items/<int:fid>")
def delete_item(collection_id: str, fid: int):
    account = require_edit(model_or_404(collection_id))
    registry().layer(collection_id).delete(fid, base_version=if_match_version(), author=account.label,
                                           source=source(), scope=account.scope_code)
    return Response(status=204)


@bp.post("/collections/<collection_id>/import")
def import_items(collection_id: str):
    """Bulk import of a file (multipart field ``file``); ``dry_run=true`` reports without writing."""
    account = require_edit(model_or_404(collection_id))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("请上传文件(表单字段 file) / upload a file in the form field 'file'")
    dry_run = request.form.get("dry_run", request.args.get("dry_run", "false")).lower() in {"1", "true", "yes"}
    repair = request.form.get("repair", "false").lower() in {"1", "true", "yes"}
    options = {"crs": request.form.get("crs") or None, "dry_run": dry_run, "repair": repair,
               "file_layer": request.form.get("file_layer") or None, "source": f"import {Path(upload.filename).name}"}
    with saved_upload(upload) as path:
        if queued_import(path):
            job_id = queue_import(registry(), collection_id, path, author=account.label, scope=account.scope_code,
                                  options=options)
            location = abs_url("features.job", job_id=job_id)
            return jsonify(load_job(registry(), job_id).as_dict() | {"links": job_links(job_id)}), 202, \
                {"Location": location, "Retry-After": "2"}
        report = registry().layer(collection_id).import_file(path, author=account.label, scope=account.scope_code,
                                                             **options)
    return jsonify(report.as_dict()), (200 if dry_run else 201)
