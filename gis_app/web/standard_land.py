"""工业标准地 (standard land): the web routes of this business area; no SQL, no rules here.

The routes translate HTTP to :mod:`analysis.standard_land.lifecycle` (the write path that refuses
what breaks a rule) and :mod:`analysis.standard_land.summary` (what the province reads):

    GET  /standard-land/indicators                   indicators, units, directions, stages, events, floors
    POST /standard-land/standards                    publish a standard (refused below a floor)
    GET  /standard-land/plots/<fid>                  the plot's life: dates, indicators, next events
    PUT  /standard-land/plots/<fid>/values/<stage>   {"values": {...}, "measured_on": ...}
    POST /standard-land/plots/<fid>/events           {"event": "list", "on": "2024-05-06", ...} + If-Match
    GET  /standard-land/zones[?f=html]               the per-zone summary
    GET  /standard-land/map?by=status|compliance     the plots coloured by status or by compliance
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template_string, request

from analysis.standard_land.lifecycle import advance_plot, plain, plot_life, publish_standard, record_values
from analysis.standard_land.rules import FLOOR_LEVELS, standard_land_config
from analysis.standard_land.summary import SUMMARY_COLUMNS, plot_compliance, zone_summary
from gis_app.api.features import hidden_attributes, if_match_version
from gis_app.api.openapi import HTML, IF_MATCH, JSON_OBJECT, errors
from gis_app.auth import require_edit
from gis_app.context import registry
from gis_app.params import iso_date, json_body, wants_html
from gis_app.web.maps import base_map, html
from layers.standard_land import EVENTS, INDICATOR_SPECS, INDICATORS, STAGES, IndicatorStandard, StandardLandPlot
from maps.standard_land import VIEWS, plots_map
from registry.errors import BadRequest, InvalidInput

bp = Blueprint("standard_land", __name__, url_prefix="/standard-land")
PLOTS = "standard_land_plots"
FID = "int(max=9223372036854775807)"
"""A feature id in the route: larger than a bigint is no plot (404), not a database error."""



def _body() -> dict[str, Any]:
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为 JSON 对象 / the body must be a JSON object")
    return body



def _life(fid: int) -> Response:
    life = plot_life(registry(), fid)
    response = jsonify(life.as_dict(hidden_attributes(PLOTS)))
    response.headers["ETag"] = f'"{life.plot.version}"'
    return response


@bp.get("/indicators")
def indicators() -> Response:
    """The 2+X indicators with unit and direction, the stages, the life-cycle events and the floors."""
    config = standard_land_config(registry().settings.env)
    return jsonify(
        indicators=[{"indicator": c.code, "zh": c.zh, "en": c.en, **vars(INDICATOR_SPECS[c.code])} for c in INDICATORS],
        stages=[{"stage": c.code, "zh": c.zh, "en": c.en} for c in STAGES],
        events=[{"event": name, "zh": e.zh, "en": e.en, "from": e.from_statuses, "to": e.to_status}
                for name, e in EVENTS.items()],
        floors=[{**vars(f), "level_zh": FLOOR_LEVELS.label(f.level)} for f in config.floors],
        plausible_max=config.plausible_max)


@bp.post("/standards")
def publish() -> tuple[Response, int]:
    account = require_edit(IndicatorStandard)
    rec = publish_standard(registry(), _body(), author=account.label, source=f"POST {request.path}",
                           scope=account.scope_code)
    return jsonify(fid=rec.fid, version=rec.version, properties=rec.properties), 201


@bp.get(f"/plots/<{FID}:fid>")
def life(fid: int) -> Response:
    return _life(fid)


@bp.put(f"/plots/<{FID}:fid>/values/<stage>")
def values(fid: int, stage: str) -> Response:
    account = require_edit(StandardLandPlot)
    body = _body()
    figures = body.get("values")
    if not isinstance(figures, dict):
        raise InvalidInput("values 应为 {指标: 数值} / values must be an object {indicator: value}")
    measured_on = iso_date(body["measured_on"], "measured_on") if body.get("measured_on") else None
    record_values(registry(), fid, stage, figures, measured_on=measured_on, author=account.label,
                  source=f"PUT {request.path}", scope=account.scope_code)
    return _life(fid)


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{name} 应为文本 / {name} must be a string")
    return value


@bp.post(f"/plots/<{FID}:fid>/events")
def event(fid: int) -> Response:
    account = require_edit(StandardLandPlot)
    base = if_match_version()
    body = _body()
    name = _text(body, "event") or ""
    advance_plot(registry(), fid, name, iso_date(body.get("on"), "on"), base_version=base,
                 enterprise=_text(body, "enterprise"), reason=_text(body, "reason"), author=account.label,
                 source=f"POST {request.path} {name}"[:400], scope=account.scope_code)
    return _life(fid)


ZONES_PAGE = """{% extends "base.html" %}
{% block title %}工业标准地 · 开发区汇总{% endblock %}
{% block content %}
<h1 class="h4">工业标准地开发区汇总 / Standard land by development zone</h1>
<p><a href="?f=json">JSON</a> · <a href="{{ url_for('standard_land.plots_page', by='status') }}">地图(按状态)</a>
 · <a href="{{ url_for('standard_land.plots_page', by='compliance') }}">地图(按合规情况)</a></p>
<table class="table table-sm table-striped">
<thead><tr>{% for zh, en in headings %}<th title="{{ en }}">{{ zh }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody>
</table>
{% endblock %}"""


def zone_cell(value: Any) -> str:
    """A figure as a table shows it: 450 and 0.85, not 450.0000; a dash where there is none."""
    if value is None or value != value:  # NaN: no plot of the zone has the figure
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return plain(value) if hasattr(value, "normalize") else str(value)


@bp.get("/zones")
def zones():
    frame = zone_summary(registry())
    if wants_html():
        rows = [[zone_cell(v) for v in row] for row in frame.itertuples(index=False)]
        return render_template_string(ZONES_PAGE, headings=list(SUMMARY_COLUMNS.values()), rows=rows)
    return jsonify(columns=[{"name": k, "zh": zh, "en": en} for k, (zh, en) in SUMMARY_COLUMNS.items()],
                   zones=[{k: (None if v != v else v) for k, v in row.items()} for row in frame.to_dict("records")])


@bp.get("/map")
def plots_page() -> Response:
    by = request.args.get("by", "status")
    if by not in VIEWS:
        raise BadRequest(f"by 应为 {' 或 '.join(VIEWS)} / by must be one of {', '.join(VIEWS)}")
    return html(plots_map(plot_compliance(registry()), base_map(), by=by))


def openapi_paths() -> dict[str, Any]:
    """This blueprint's part of the OpenAPI document."""
    tag = ["standard_land"]
    fid = {"name": "fid", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}}
    stage = {"name": "stage", "in": "path", "required": True, "schema": {"type": "string", "enum": STAGES.values()}}
    date_schema = {"type": "string", "format": "date"}

    def json_body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": required, "properties": properties}}}}

    def get(operation: str, description: str, content: dict[str, Any], params: list, *codes: int) -> dict[str, Any]:
        return {"get": {"tags": tag, "operationId": operation, "parameters": params,
                        "responses": {"200": {"description": description, "content": content}, **errors(*codes)}}}

    def write(method: str, operation: str, status: str, description: str, params: list, body: dict[str, Any],
              *codes: int) -> dict[str, Any]:
        return {method: {"tags": tag, "operationId": operation, "parameters": params, "requestBody": body,
                         "security": [{"bearerAuth": []}],
                         "responses": {status: {"description": description, "content": JSON_OBJECT},
                                       **errors(*codes)}}}

    standard_props = {"county_code": {"type": "string"}, "development_zone": {"type": "string", "nullable": True},
                      "industry_code": {"type": "string"}, "indicator": {"type": "string", "enum": INDICATORS.values()},
                      "value": {"type": "number"}, "effective_from": date_schema,
                      "effective_to": {**date_schema, "nullable": True}, "doc_number": {"type": "string"}}
    return {
        "/standard-land/indicators": get("standard_land_indicators", "指标、单位、方向、环节与限值 / indicators, "
                                         "units, directions, events and floors", JSON_OBJECT, []),
        "/standard-land/standards": write(
            "post", "publish_indicator_standard", "201", "已发布 / published", [],
            json_body(standard_props, ["county_code", "industry_code", "indicator", "value", "effective_from"]),
            400, 401, 403, 412, 422),
        "/standard-land/plots/{fid}": get("standard_land_plot_life", "地块全生命周期 / the plot's life", JSON_OBJECT,
                                          [fid], 404),
        "/standard-land/plots/{fid}/values/{stage}": write(
            "put", "record_standard_land_values", "200", "地块全生命周期 / the plot's life", [fid, stage],
            json_body({"values": {"type": "object", "additionalProperties": {"type": "number", "nullable": True}},
                       "measured_on": date_schema}, ["values"]),
            400, 401, 403, 404, 412, 422),
        "/standard-land/plots/{fid}/events": write(
            "post", "advance_standard_land_plot", "200", "地块全生命周期 / the plot's life", [fid, IF_MATCH],
            json_body({"event": {"type": "string", "enum": list(EVENTS)}, "on": date_schema,
                       "enterprise": {"type": "string"}, "reason": {"type": "string"}}, ["event", "on"]),
            400, 401, 403, 404, 412, 422, 428),
        "/standard-land/zones": get("standard_land_zones", "开发区汇总 / summary per development zone",
                                    JSON_OBJECT | HTML, [{"name": "f", "in": "query",
                                                          "schema": {"type": "string", "enum": ["json", "html"]}}]),
        "/standard-land/map": get("standard_land_map", "标准地地图 / plots map", HTML,
                                  [{"name": "by", "in": "query", "schema": {"type": "string", "enum": list(VIEWS)}}],
                                  400),
    }
