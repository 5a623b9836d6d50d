"""入河入海排污口 (outfalls): the web routes of this business area; no SQL, no rules here.

    GET  /outfalls/progress[?area=&on=&as_of=&group=basin,bay&f=html]   progress against the targets (JSON/HTML)
    GET  /outfalls/progress.png[?…]                                    the progress chart
    GET  /outfalls/map[?area=]                                         outfalls, banned zones, basins, findings
    GET  /outfalls/rules                                               annex 2 standards, limits, deadlines
    GET  /outfalls/inspections                                         the stored random inspection draws
    POST /outfalls/inspections {"year", "area", "seed"?}              draw (ecology editors, in their area)
    GET  /outfalls/inspections/<id>[?f=csv]                            a draw's published list
    GET  /outfalls/inspections/<id>/verify                             replay a draw from its seed

Its command line is :mod:`gis_app.cli.outfalls`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from analysis.outfalls.config import OUTFALL_TARGETS, describe, outfall_config
from analysis.outfalls.inspections import draw_inspections, list_draws, load_draw, verify_draw
from analysis.outfalls.map_data import outfall_map_data
from analysis.outfalls.progress import COLUMNS_ZH, GROUPS, TARGET_STATES, progress_png, progress_records, progress_table
from gis_app.api.openapi import HTML, JSON_OBJECT, errors
from gis_app.auth import require_edit
from gis_app.context import registry
from gis_app.params import json_body
from gis_app.web.maps import base_map, embed_budget, html
from layers.outfalls import Outfall
from maps.outfalls import outfall_map
from registry.errors import BadRequest

bp = Blueprint("outfalls", __name__, url_prefix="/outfalls")
MAP_FILE = "outfalls_map.html"



# --------------------------------------------------------------------------- web


@bp.get("/progress")
def progress():
    args = request.args
    options = _progress_options(args)
    frame = progress_table(registry(), **options)
    rows = progress_records(frame)
    if args.get("f") == "html":
        chart = url_for(".progress_chart", **{k: v for k, v in args.items() if k != "f"})
        return render_template("outfalls_progress.html", rows=rows, targets=OUTFALL_TARGETS, columns=COLUMNS_ZH,
                               states=TARGET_STATES, chart_url=chart, area=options["area"], on=options["on"])
    return jsonify(on=options["on"].isoformat(), area=options["area"],
                   targets=describe(outfall_config(registry().settings.env))["targets"], rows=rows)


@bp.get("/progress.png")
def progress_chart() -> Response:
    return Response(progress_png(progress_table(registry(), **_progress_options(request.args))),
                    mimetype="image/png")


@bp.get("/map")
def map_page() -> Response:
    data = outfall_map_data(registry(), request.args.get("area") or None, embed_budget())
    title = "入河入海排污口" + (f"(检查运行 {data.run.id})" if data.run else "")
    return html(outfall_map(data.outfalls, data.zones, data.basins, base_map(), data.findings, title=title,
                            bounds=data.bounds, findings_total=data.findings_total))


@bp.get("/rules")
def rules() -> Response:
    return jsonify(describe(outfall_config(registry().settings.env)))


@bp.get("/inspections")
def inspections() -> Response:
    return jsonify(draws=[_summary(d) for d in list_draws(registry())])


@bp.post("/inspections")
def draw() -> tuple[Response, int, dict[str, str]]:
    """Draw the year's inspections for an area; the result is final and published at once."""
    account = require_edit(Outfall)
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("请求体应为 JSON 对象 / the body must be a JSON object {year, area, seed}")
    year, seed, area = body.get("year"), body.get("seed"), body.get("area")
    if not isinstance(year, int) or (seed is not None and not isinstance(seed, int)):
        raise BadRequest("year 与 seed 应为整数 / year and seed must be integers")
    if isinstance(area, dict):
        area = json.dumps(area)
    if not isinstance(area, str) or not area:
        raise BadRequest("area 应为行政区划代码、WKT 或 GeoJSON / area must be a division code, WKT or GeoJSON")
    made = draw_inspections(registry(), year=year, area=area, seed=seed, author=account.label,
                            scope=account.scope_code)
    return jsonify(made.as_dict()), 201, {"Location": url_for(".inspection", draw_id=made.id)}


@bp.get("/inspections/<int:draw_id>")
def inspection(draw_id: int) -> Response:
    found = load_draw(registry(), draw_id)
    if request.args.get("f") == "csv":
        data = found.table().to_csv(index=False).encode("utf-8-sig")  # BOM: Excel opens Chinese text correctly
        return Response(data, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=outfall-inspections-{found.year}-{found.id}.csv"})
    return jsonify(found.as_dict())


@bp.get("/inspections/<int:draw_id>/verify")
def inspection_verify(draw_id: int) -> Response:
    return jsonify(id=draw_id, verified=verify_draw(registry(), draw_id))


def _progress_options(args: Mapping[str, str]) -> dict[str, Any]:
    groups = [g for g in args.get("group", "").split(",") if g] or GROUPS.values()
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise BadRequest(f"未知统计范围 / unknown group(s) {', '.join(unknown)}; use {', '.join(GROUPS.values())}")
    try:
        as_of = datetime.fromisoformat(args["as_of"]) if args.get("as_of") else None
        on = date.fromisoformat(args["on"]) if args.get("on") else (as_of.date() if as_of else date.today())
    except ValueError as exc:
        raise BadRequest(f"日期格式有误 / bad date (use ISO 8601, e.g. 2024-12-31): {exc}") from None
    return {"area": args.get("area") or None, "as_of": as_of, "on": on, "groups": groups}


def _summary(found: Any) -> dict[str, Any]:
    body = {k: v for k, v in found.as_dict().items() if k != "items"}
    body["links"] = {"self": url_for(".inspection", draw_id=found.id),
                     "csv": url_for(".inspection", draw_id=found.id, f="csv"),
                     "verify": url_for(".inspection_verify", draw_id=found.id)}
    return body


def openapi_paths() -> dict[str, Any]:
    """This blueprint's part of the OpenAPI document."""
    def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": description}

    area = query("area", {"type": "string"}, "行政区划代码、WKT或GeoJSON面 / division code, WKT or GeoJSON polygon")
    progress_params = [area, query("on", {"type": "string", "format": "date"}, "评判目标的日期 / judge targets on"),
                       query("as_of", {"type": "string", "format": "date-time"}, "历史时点 / data as of"),
                       query("group", {"type": "string"}, f"逗号分隔 / comma-separated: {', '.join(GROUPS.values())}")]
    def fmt(*formats: str) -> dict[str, Any]:
        return query("f", {"type": "string", "enum": list(formats)}, "输出格式 / output format")

    draw_id = {"name": "draw_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    draw_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["year", "area"], "properties": {
            "year": {"type": "integer"}, "area": {"type": "string"},
            "seed": {"type": "integer", "minimum": 0,
                     "description": "缺省自动生成并记录 / made and recorded if omitted"}}}}}}
    tag = ["outfalls"]

    def get(operation: str, description: str, content: dict[str, Any], params: list, *codes: int) -> dict[str, Any]:
        return {"get": {"tags": tag, "operationId": operation, "parameters": params,
                        "responses": {"200": {"description": description, "content": content}, **errors(*codes)}}}

    return {
        "/outfalls/progress": get("outfall_progress", "对照目标的进度 / progress against the targets",
                                  JSON_OBJECT | HTML, [*progress_params, fmt("json", "html")], 400, 404, 422),
        "/outfalls/progress.png": get("outfall_progress_chart", "进度图 / chart",
                                      {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                                      progress_params, 400, 404, 422),
        "/outfalls/map": get("outfall_map", "排污口地图 / outfall map", HTML, [area], 404, 422),
        "/outfalls/rules": get("outfall_rules", "标准、限值、期限与目标 / standards, limits, deadlines, targets",
                               JSON_OBJECT, []),
        "/outfalls/inspections": {
            **get("outfall_inspections", "已存的抽查 / stored draws", JSON_OBJECT, []),
            "post": {"tags": tag, "operationId": "draw_outfall_inspections", "requestBody": draw_body,
                     "security": [{"bearerAuth": []}],
                     "responses": {"201": {"description": "已抽取并公示 / drawn and published", "content": JSON_OBJECT},
                                   **errors(400, 401, 403, 404, 409, 422)}}},
        "/outfalls/inspections/{draw_id}": get(
            "outfall_inspection", "抽查公示清单 / published list",
            JSON_OBJECT | {"text/csv": {"schema": {"type": "string"}}},
            [draw_id, fmt("json", "csv")], 404),
        "/outfalls/inspections/{draw_id}/verify": get("verify_outfall_inspection", "重演核对 / replayed",
                                                      JSON_OBJECT, [draw_id], 404),
    }
