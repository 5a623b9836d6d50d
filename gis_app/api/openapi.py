"""The OpenAPI 3.0 document at ``/openapi``, generated from the layer declarations so it always
describes what the server really does (paths per collection, its queryables, its feature schema)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from gis_app.api.crs_uris import OUTPUT_CRS, crs_uri
from gis_app.api.schemas import property_schema
from layers import LAYERS
from layers.base import Feature, editable_attributes, layer_attributes

bp = Blueprint("openapi", __name__)

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
GEOJSON_OBJECT = {"application/geo+json": {"schema": {"type": "object"}}}
HTML = {"text/html": {"schema": {"type": "string"}}}


def errors(*codes: int) -> dict[str, Any]:
    text = {400: "请求无效 / bad request", 401: "需要令牌 / token required", 404: "未找到 / not found",
            403: "无权操作 / forbidden", 405: "方法不允许 / method not allowed",
            409: "冲突或尚未完成 / conflict or not finished", 410: "结果已按保留期限清理 / findings pruned",
            412: "版本已过期 / stale version",
            413: "上传过大 / too large", 422: "数据不符合规则 / invalid data",
            428: "缺少 If-Match / If-Match required", 429: "请稍后再试 / try again later (Retry-After)",
            500: "服务器错误 / server error",
            503: "数据库不可用 / database unavailable"}
    return {str(c): {"description": text[c], "content": PROBLEM} for c in (*codes, 500, 503)}


def _param(name: str, schema: dict[str, Any], description: str, where: str = "query",
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description}


F_PARAM = _param("f", {"type": "string", "enum": ["json", "html"]}, "输出格式 / output format")
CRS_PARAM = _param("crs", {"type": "string", "enum": [crs_uri(c) for c in OUTPUT_CRS]},
                   "输出坐标系 / output CRS (OGC API Features Part 2)")
TIME_PARAMS = [_param("datetime", {"type": "string", "format": "date-time"},
                      "历史时点 / read as of this instant"),
               _param("as_of", {"type": "string", "format": "date-time"}, "同 datetime / same as datetime")]
FID = _param("fid", {"type": "integer", "minimum": 1}, "要素编号 / feature id", "path", True)
IF_MATCH = _param("If-Match", {"type": "string"}, "要素的 ETag / the feature's ETag", "header", True)
AUTH = [{"bearerAuth": []}]


def _feature_body(model: type[Feature]) -> dict[str, Any]:
    props = {name: property_schema(model, name) for name in editable_attributes(model)}
    return {"required": True, "content": {"application/geo+json": {"schema": {
        "type": "object", "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["Feature"]},
                       "geometry": {"type": "object", "nullable": True},
                       "properties": {"type": "object", "properties": _openapi30(props)}}}}}}


def _openapi30(props: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema 2020 ``type: [t, "null"]`` → OpenAPI 3.0 ``nullable``."""
    out = {}
    for name, schema in props.items():
        schema = {k: v for k, v in schema.items() if not k.startswith("x-")}
        if isinstance(schema.get("type"), list):
            schema["type"] = schema["type"][0]
            schema["nullable"] = True
            if "enum" in schema:
                schema["enum"] = [v for v in schema["enum"] if v is not None]
        out[name] = schema
    return out


def _filter_param(model: type[Feature], name: str) -> dict[str, Any]:
    """``?name=value`` equality filter on one queryable."""
    schema = _openapi30({name: property_schema(model, name)})[name]
    kept = {k: schema[k] for k in ("type", "enum", "format") if k in schema}
    return _param(name, kept, f"{schema['title']} / {schema['description']}")


def collection_paths(name: str, model: type[Feature]) -> dict[str, Any]:
    meta = model.__layer__
    base = f"/collections/{name}"
    filters = [_filter_param(model, n) for n in layer_attributes(model)]
    items_params = [F_PARAM, _param("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
                                    "每页要素数 / page size"),
                    _param("offset", {"type": "integer", "minimum": 0, "default": 0}, "起始位置 / start"),
                    _param("after", {"type": "integer", "minimum": 0},
                           "fid 大于此值的下一页(next 链接所用) / the page after this fid (what next links use)"),
                    _param("before", {"type": "integer", "minimum": 0},
                           "fid 小于此值的上一页 / the page before this fid (prev links)"),
                    *TIME_PARAMS, *filters]
    if meta.geometry_type:
        items_params += [_param("bbox", {"type": "string"}, "范围 minx,miny,maxx,maxy / bounding box"),
                         _param("bbox-crs", {"type": "string", "enum": [crs_uri(c) for c in OUTPUT_CRS]},
                                "bbox 的坐标系 / CRS of bbox"), CRS_PARAM]
    tag = [name]
    item_get_params = [FID, F_PARAM, *TIME_PARAMS] + ([CRS_PARAM] if meta.geometry_type else [])
    return {
        base: {"get": {"tags": tag, "summary": f"{meta.title_zh} / {meta.title_en}", "operationId": f"{name}_info",
                       "parameters": [F_PARAM], "responses": {"200": {"description": "图层 / collection",
                                                                      "content": JSON_OBJECT | HTML},
                                                              **errors(400)}}},
        f"{base}/queryables": {"get": {"tags": tag, "operationId": f"{name}_queryables", "responses": {
            "200": {"description": "可查询字段 / queryables",
                    "content": {"application/schema+json": {"schema": {"type": "object"}}}}, **errors()}}},
        f"{base}/schema": {"get": {"tags": tag, "operationId": f"{name}_schema", "responses": {
            "200": {"description": "要素模式 / feature schema",
                    "content": {"application/schema+json": {"schema": {"type": "object"}}}}, **errors()}}},
        f"{base}/items": {
            "get": {"tags": tag, "operationId": f"{name}_items", "summary": "要素 / features",
                    "parameters": items_params,
                    "responses": {"200": {"description": "要素集合 / features", "content": GEOJSON_OBJECT | HTML},
                                  **errors(400)}},
            "post": {"tags": tag, "operationId": f"{name}_create", "security": AUTH,
                     "requestBody": _feature_body(model),
                     "responses": {"201": {"description": "已创建 / created", "content": GEOJSON_OBJECT},
                                   **errors(400, 401, 403, 422)}}},
        f"{base}/items/{{fid}}": {
            "get": {"tags": tag, "operationId": f"{name}_item", "parameters": item_get_params,
                    "responses": {"200": {"description": "要素 / feature", "content": GEOJSON_OBJECT | HTML},
                                  **errors(400, 404)}},
            "put": {"tags": tag, "operationId": f"{name}_replace", "security": AUTH, "parameters": [FID, IF_MATCH],
                    "requestBody": _feature_body(model),
                    "responses": {"200": {"description": "已替换 / replaced", "content": GEOJSON_OBJECT},
                                  **errors(400, 401, 403, 404, 405, 412, 422, 428)}},
            "patch": {"tags": tag, "operationId": f"{name}_update", "security": AUTH,
                      "parameters": [FID, IF_MATCH], "requestBody": _feature_body(model),
                      "responses": {"200": {"description": "已修改 / updated", "content": GEOJSON_OBJECT},
                                    **errors(400, 401, 403, 404, 405, 412, 422, 428)}},
            "delete": {"tags": tag, "operationId": f"{name}_delete", "security": AUTH, "parameters": [FID, IF_MATCH],
                       "responses": {"204": {"description": "已删除 / deleted"},
                                     **errors(400, 401, 403, 404, 405, 409, 412, 428)}}},
        f"{base}/items/{{fid}}/history": {"get": {
            "tags": tag, "operationId": f"{name}_history", "parameters": [FID],
            "responses": {"200": {"description": "历史版本 / versions", "content": GEOJSON_OBJECT},
                          **errors(404)}}},
        f"{base}/import": {"post": {
            "tags": tag, "operationId": f"{name}_import", "security": AUTH,
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}, "crs": {"type": "string"},
                               "dry_run": {"type": "string", "enum": ["true", "false"]},
                               "repair": {"type": "string", "enum": ["true", "false"]},
                               "file_layer": {"type": "string"}}}}}},
            "responses": {"200": {"description": "试运行报告 / dry-run report", "content": JSON_OBJECT},
                          "201": {"description": "导入报告 / import report", "content": JSON_OBJECT},
                          "202": {"description": "已排队,由后台任务导入(Prefer: respond-async,或文件大于 "
                                                 "FUJIAN_IMPORT_QUEUE_MB);Location 为任务状态 / queued as a job "
                                                 "(asked for, or a big file); Location is its status",
                                  "content": JSON_OBJECT},
                          **errors(400, 401, 403, 413, 422, 429)}}},
    }


def document(server_url: str, extra: Iterable[Callable[[], dict[str, Any]]] = ()) -> dict[str, Any]:
    """The OpenAPI document: the OGC API of every layer, and the paths each web part declares in ``extra``."""
    paths: dict[str, Any] = {
        "/": {"get": {"operationId": "landing", "parameters": [F_PARAM],
                      "responses": {"200": {"description": "入口 / landing page", "content": JSON_OBJECT | HTML},
                                    **errors()}}},
        "/conformance": {"get": {"operationId": "conformance", "parameters": [F_PARAM],
                                 "responses": {"200": {"description": "符合性 / conformance",
                                                       "content": JSON_OBJECT | HTML}, **errors()}}},
        "/collections": {"get": {"operationId": "collections", "parameters": [F_PARAM],
                                 "responses": {"200": {"description": "图层 / collections",
                                                       "content": JSON_OBJECT | HTML}, **errors()}}},
        "/jobs/{jobId}": {"get": {
            "operationId": "job", "security": AUTH,
            "summary": "导入任务的状态与结果 / an import job's status and outcome",
            "parameters": [{"name": "jobId", "in": "path", "required": True, "schema": {"type": "integer"}}, F_PARAM],
            "responses": {"200": {"description": "任务状态、进度与结果 / status, progress and outcome",
                                  "content": JSON_OBJECT | HTML}, **errors(401, 404)}}},
    }
    for name, model in LAYERS.items():
        paths.update(collection_paths(name, model))
    for declared in extra:
        paths.update(declared())
    return {
        "openapi": "3.0.3",
        "info": {"title": "福建省国土空间规划与登记系统 API", "version": "1.0.0",
                 "description": "OGC API - Features (core, GeoJSON, HTML, CRS, queryables, create/replace/"
                                "update/delete) over every layer of the Fujian spatial planning registry."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "tags": [{"name": n, "description": m.__layer__.title_zh} for n, m in LAYERS.items()],
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": {"type": "object", "required": ["title", "status"], "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                "detail": {"type": "string"}, "instance": {"type": "string"}}}}},
    }


@bp.get("/openapi")
def openapi_json():
    body = document(request.host_url.rstrip("/"), current_app.extensions["openapi_paths"])
    if request.args.get("f") == "html":
        return render_template("openapi.html", body=body)
    response = jsonify(body)
    response.mimetype = "application/vnd.oai.openapi+json"
    return response
