"""入河入海排污口 (outfalls): web routes and CLI commands of this business area; no SQL, no rules here.

    GET  /outfalls/progress[?area=&on=&as_of=&group=basin,bay&f=html]   progress against the targets (JSON/HTML)
    GET  /outfalls/progress.png[?…]                                    the progress chart
    GET  /outfalls/map[?area=]                                         outfalls, banned zones, basins, findings
    GET  /outfalls/rules                                               annex 2 standards, limits, deadlines
    GET  /outfalls/inspections                                         the stored random inspection draws
    POST /outfalls/inspections {"year", "area", "seed"?}              draw (ecology editors, in their area)
    GET  /outfalls/inspections/<id>[?f=csv]                            a draw's published list
    GET  /outfalls/inspections/<id>/verify                             replay a draw from its seed

    fujian-gis outfalls progress [--area 350623] [--on 2024-12-31] [--group bay] [--chart out.png] [--json]
    fujian-gis outfalls draw --year 2024 --area 350623 [--seed N] [--csv list.csv]
    fujian-gis outfalls draws | show ID [--csv list.csv] | verify ID | map OUT_DIR [--area] | rules
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from analysis.outfall_config import CONFIG, OUTFALL_TARGETS, describe
from analysis.outfall_inspections import draw_inspections, list_draws, load_draw, verify_draw
from analysis.outfall_map import outfall_map_data
from analysis.outfall_progress import COLUMNS_ZH, GROUPS, TARGET_STATES, progress_png, progress_records, progress_table
from gis_app.auth import require_edit
from gis_app.mapviews import ASSET_URL, base_map, html
from layers.outfalls import Outfall
from maps import BaseMap
from maps.findings_report import REPORT_ASSET_DIR, copy_map_assets
from maps.outfalls import outfall_map
from registry import Registry, connect
from registry.config import database_url
from registry.errors import BadRequest, RegistryError

bp = Blueprint("outfalls", __name__, url_prefix="/outfalls")
MAP_FILE = "outfalls_map.html"


def registry() -> Registry:
    return current_app.extensions["registry"]


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
                   targets=describe(CONFIG)["targets"], rows=rows)


@bp.get("/progress.png")
def progress_chart() -> Response:
    return Response(progress_png(progress_table(registry(), **_progress_options(request.args))),
                    mimetype="image/png")


@bp.get("/map")
def map_page() -> Response:
    data = outfall_map_data(registry(), request.args.get("area") or None)
    title = "入河入海排污口" + (f"(检查运行 {data.run.id})" if data.run else "")
    return html(outfall_map(data.outfalls, data.zones, data.basins, base_map(), data.findings, title=title,
                            asset_url=ASSET_URL))


@bp.get("/rules")
def rules() -> Response:
    return jsonify(describe(CONFIG))


@bp.get("/inspections")
def inspections() -> Response:
    return jsonify(draws=[_summary(d) for d in list_draws(registry())])


@bp.post("/inspections")
def draw() -> tuple[Response, int, dict[str, str]]:
    """Draw the year's inspections for an area; the result is final and published at once."""
    account = require_edit(Outfall)
    body = request.get_json(silent=True)
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


# --------------------------------------------------------------------------- command line


@click.group("outfalls", help="入河入海排污口 / outfalls")
def cli() -> None:
    pass


def _registry() -> Registry:
    return connect(database_url())


def _fail(exc: RegistryError | ValueError) -> None:
    click.echo(getattr(exc, "detail", str(exc)), err=True)
    sys.exit(1)


@cli.command("progress", help="对照目标的溯源、整治进度 / progress against the targets")
@click.option("--area", help="范围:行政区划代码、WKT或GeoJSON面 / area")
@click.option("--on", "on_day", help="评判日期 / judge the targets on this day (YYYY-MM-DD)")
@click.option("--group", "groups", multiple=True, type=click.Choice(GROUPS.values()),
              help="统计范围(可多次) / group (repeatable)")
@click.option("--chart", type=click.Path(dir_okay=False), help="另存进度图 PNG / write the chart")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON")
def progress_cmd(area: str | None, on_day: str | None, groups: tuple[str, ...], chart: str | None,
                 as_json: bool) -> None:
    try:
        frame = progress_table(_registry(), area=area, on=date.fromisoformat(on_day) if on_day else None,
                               groups=groups or GROUPS.values())
    except (RegistryError, ValueError) as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(progress_records(frame), ensure_ascii=False, default=str, indent=1))
    else:
        targets = {f"target_{t.year}": f"{t.year}年底目标" for t in OUTFALL_TARGETS}
        shown = frame[[*COLUMNS_ZH, *targets]].copy()
        for column in targets:
            shown[column] = shown[column].map(TARGET_STATES.label)
        click.echo(shown.rename(columns={**COLUMNS_ZH, **targets}).to_string(index=False, na_rep="—"))
    if chart:
        Path(chart).write_bytes(progress_png(frame))
        click.echo(f"已写出 / wrote {chart}")


@cli.command("draw", help="双随机抽查:抽取排污口并随机选派执法检查人员 / draw the year's random inspections")
@click.option("--year", required=True, type=int)
@click.option("--area", required=True, help="行政区划代码、WKT或GeoJSON面 / division code, WKT or GeoJSON polygon")
@click.option("--seed", type=int, help="随机种子(缺省自动生成并记录) / seed (made and recorded when omitted)")
@click.option("--author", help="抽查人 / who draws (default: the system user)")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="另存公示清单 CSV / write the list")
def draw_cmd(year: int, area: str, seed: int | None, author: str | None, csv_path: str | None) -> None:
    try:
        made = draw_inspections(_registry(), year=year, area=area, seed=seed, author=author)
    except RegistryError as exc:
        _fail(exc)
    _echo_draw(made, csv_path)


@cli.command("draws", help="列出已存的抽查 / list the stored draws")
def draws_cmd() -> None:
    for found in list_draws(_registry()):
        f = found.figures
        click.echo(f"{found.id:>5}  {found.year}  {found.area_label:24} 抽查 {f['inspections']:>3} 个  "
                   f"种子 {found.seed}  {found.drawn_at.astimezone():%Y-%m-%d %H:%M}  {found.author}")


@cli.command("show", help="显示一次抽查的公示清单 / show a draw's published list")
@click.argument("draw_id", type=int)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="另存 CSV / write the list as CSV")
def show_cmd(draw_id: int, csv_path: str | None) -> None:
    try:
        found = load_draw(_registry(), draw_id)
    except RegistryError as exc:
        _fail(exc)
    _echo_draw(found, csv_path)


@cli.command("verify", help="按记录的种子重演抽查并核对 / replay a draw from its recorded seed")
@click.argument("draw_id", type=int)
def verify_cmd(draw_id: int) -> None:
    try:
        ok = verify_draw(_registry(), draw_id)
    except RegistryError as exc:
        _fail(exc)
    click.echo("一致 / verified" if ok else "不一致 / does NOT match the stored draw")
    sys.exit(0 if ok else 1)


@cli.command("map", help="生成可离线打开的排污口地图 / write the outfall map into a folder that works offline")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--area", help="范围 / area")
def map_cmd(out_dir: str, area: str | None) -> None:
    try:
        data = outfall_map_data(_registry(), area)
    except RegistryError as exc:
        _fail(exc)
    assets = Path(os.environ.get("FUJIAN_ASSET_DIR", Path(__file__).resolve().parent.parent / "node_modules"))
    copy_map_assets(assets, out_dir)
    page = outfall_map(data.outfalls, data.zones, data.basins, BaseMap(), data.findings, asset_url=REPORT_ASSET_DIR)
    path = Path(out_dir) / MAP_FILE
    path.write_text(page.get_root().render(), encoding="utf-8")
    click.echo(f"已写出 / wrote {path}")


@cli.command("rules", help="附件2执行标准、限值(含是否已核实)、期限与目标 / standards, limits, deadlines")
def rules_cmd() -> None:
    click.echo(json.dumps(describe(CONFIG), ensure_ascii=False, indent=1))


def _echo_draw(found: Any, csv_path: str | None) -> None:
    f = found.figures
    click.echo(f"抽查编号 / draw id: {found.id}  {found.year} 年度  {found.area_label}  种子 / seed: {found.seed}")
    short = f",缺 {f['remediated_shortfall']}" if f["remediated_shortfall"] else ""
    click.echo(f"  现有排污口 {f['existing']},已整治 {f['remediated_total']}:至少抽 {f['remediated_minimum']},"
               f"抽中 {f['remediated_drawn']}{short}")
    click.echo(f"  当年审批备案 {f['approved_total']}:至少抽 {f['approved_minimum']},抽中 {f['approved_drawn']}")
    table = found.table()
    if len(table):
        click.echo(table.to_string(index=False))
    if csv_path:
        found.table().to_csv(csv_path, index=False, encoding="utf-8-sig")
        click.echo(f"已写出 / wrote {csv_path}")


def openapi_paths() -> dict[str, Any]:
    """This blueprint's part of the OpenAPI document."""
    from gis_app.openapi import HTML, JSON_OBJECT, errors

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
