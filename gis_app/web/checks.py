"""Checks and reports over HTTP: start a run (a job), follow it, read its findings, compare, report.

The views only adapt HTTP to :mod:`analysis`; bad requests and unknown runs are the typed registry
errors, which :mod:`gis_app.problems` answers as ``application/problem+json``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file, url_for

from analysis import Run, all_checks, list_runs, load_run, queue_run
from analysis.runs import keep_run
from gis_app.api.jsonify import feature_collection
from gis_app.api.openapi import GEOJSON_OBJECT, JSON_OBJECT, errors
from gis_app.auth import require_runner
from gis_app.context import registry
from gis_app.params import integer, json_body
from gis_app.security import allow_scripts
from gis_app.web.maps import base_map
from maps.report import SCRIPT_HASHES, write_report
from registry.errors import InvalidInput

bp = Blueprint("checks", __name__)

DOWNLOADS = {"csv": "text/csv", "gpkg": "application/geopackage+sqlite3"}
"""Findings formats offered as file downloads besides GeoJSON, with their media types."""



@bp.get("/checks")
def checks() -> Response:
    """The declared checks, for a client to offer them by layer."""
    return jsonify(checks=[c.describe() for c in all_checks().values()])


@bp.post("/runs")
def start_run() -> tuple[Response, int, dict[str, str]]:
    """Start a run in the background; 202 with the job's status and its URL to poll."""
    layers, check_ids, area = _run_request(json_body())
    account = require_runner()
    reg = registry()
    run_id = queue_run(reg, layers=layers, checks=check_ids, area=area, author=account.label)
    location = url_for(".run", run_id=run_id)
    return jsonify(_status(load_run(reg, run_id))), 202, {"Location": location}


@bp.get("/runs")
def runs() -> Response:
    limit = integer(request.args, "limit", 100, minimum=1, maximum=1000)
    return jsonify(runs=[_status(r) for r in list_runs(registry(), limit=limit)])


@bp.get("/runs/<int:run_id>")
def run(run_id: int) -> Response:
    """The job's status and progress; once done, the findings per check too."""
    found = load_run(registry(), run_id)
    body = _status(found)
    if found.status == "done":
        body["summary"] = found.summary().to_dict("records")
    return jsonify(body)


@bp.get("/runs/<int:run_id>/findings")
def findings(run_id: int) -> Response:
    """GeoJSON (RFC 7946, lon/lat) by default; ``?f=csv`` or ``?f=gpkg`` as a download."""
    found = load_run(registry(), run_id)
    fmt = request.args.get("f", "geojson")
    if fmt != "geojson" and fmt not in DOWNLOADS:
        raise InvalidInput(f"不支持的格式 {fmt} / unknown format {fmt}; use geojson, csv or gpkg")
    if fmt == "geojson":
        keep_run(registry(), run_id, "export")
        return Response(json.dumps(feature_collection(found.findings()), ensure_ascii=False),
                        mimetype="application/geo+json")
    name = f"run-{run_id}-findings.{fmt}"
    with tempfile.TemporaryDirectory() as tmp:
        data = found.export(Path(tmp) / name).read_bytes()
    return send_file(io.BytesIO(data), mimetype=DOWNLOADS[fmt], as_attachment=True, download_name=name)


@bp.get("/runs/<int:run_id>/compare/<int:other_id>")
def compare(run_id: int, other_id: int) -> Response:
    """New, resolved and unchanged findings; the earlier run is the baseline."""
    reg = registry()
    comparison = load_run(reg, run_id).compare(load_run(reg, other_id))
    return jsonify(before=_status(comparison.before), after=_status(comparison.after), notes=comparison.notes,
                   summary=comparison.summary().to_dict("records"),
                   **{part: feature_collection(getattr(comparison, part))
                      for part in ("new", "resolved", "unchanged")})


@bp.get("/runs/<int:run_id>/report")
def report(run_id: int) -> Response:
    folder = report_dir(_read_report_of(run_id))
    hashes = folder / SCRIPT_HASHES
    allow_scripts(hashes.read_text(encoding="ascii").split() if hashes.is_file() else ())
    return send_file(folder / "report.html", mimetype="text/html")


@bp.get("/runs/<int:run_id>/report.pdf")
def report_pdf(run_id: int) -> Response:
    return send_file(report_dir(_read_report_of(run_id)) / "report.pdf", mimetype="application/pdf",
                     download_name=f"run-{run_id}-report.pdf")


def _read_report_of(run_id: int) -> Run:
    """The finished run whose report someone reads: kept from now on (retention never prunes it)."""
    found = load_run(registry(), run_id)
    found.require_done()
    keep_run(registry(), run_id, "report")
    return found


def _run_request(body: Any) -> tuple[list[str], list[str], str | None]:
    """``{layers, checks, area}``: lists of names, and an administrative code, WKT, or GeoJSON polygon."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为 JSON 对象 / the body must be a JSON object {layers, checks, area}")
    lists = {}
    for key in ("layers", "checks"):
        value = body.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidInput(f"{key} 应为字符串列表 / {key} must be a list of strings")
        lists[key] = value
    area = body.get("area")
    if isinstance(area, dict):
        area = json.dumps(area)
    if area is not None and not isinstance(area, str):
        raise InvalidInput("area 应为行政区划代码、WKT 或 GeoJSON / area must be a division code, WKT or GeoJSON")
    return lists["layers"], lists["checks"], area


def _status(found: Run) -> dict[str, Any]:
    body = found.as_dict()
    body["links"] = {"self": url_for(".run", run_id=found.id), "findings": url_for(".findings", run_id=found.id),
                     "report": url_for(".report", run_id=found.id),
                     "report_pdf": url_for(".report_pdf", run_id=found.id)}
    return body


REPORT_FORMAT = "v2"
"""Part of a kept report's folder name: raised when what a report folder holds changes (v2: script hashes)."""


def report_dir(found: Run) -> Path:
    """The run's report, built by the worker when the run finished (or else on first request) and kept: a
    finished run's findings never change. Building it does not keep the run; reading it does (the routes).

    Built in a scratch folder and renamed into place, so concurrent first requests cannot serve a
    half-written report. The folder name carries the run's start time as well as its id, so a
    recreated database never gets an older database's report.
    """
    found.require_done()
    root = Path(current_app.config.get("REPORT_DIR") or os.path.join(current_app.instance_path, "reports"))
    target = root / f"run-{found.id}-{int(found.started_at.timestamp())}-{REPORT_FORMAT}"
    if target.is_dir():
        return target
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=root, prefix=".building-"))
    # endpoints named in full: the worker builds reports outside any request of this blueprint
    links = {"pdf": url_for("checks.report_pdf", run_id=found.id),
             **{fmt: url_for("checks.findings", run_id=found.id, f=fmt) for fmt in ("csv", "geojson", "gpkg")}}
    try:
        write_report(found, scratch, base=base_map(), links=links, keep=False)
        scratch.rename(target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def openapi_paths() -> dict[str, Any]:
    """This blueprint's part of the OpenAPI document."""
    run_id = {"name": "run_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    other = {"name": "other_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    fmt = {"name": "f", "in": "query", "schema": {"type": "string", "enum": ["geojson", "csv", "gpkg"]}}
    body = {"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "layers": {"type": "array", "items": {"type": "string"}},
        "checks": {"type": "array", "items": {"type": "string"}},
        "area": {"type": "string", "description": "行政区划代码或WKT / division code or WKT"}}}}}}
    tag = ["checks"]
    return {
        "/checks": {"get": {"tags": tag, "operationId": "checks", "responses": {
            "200": {"description": "已声明的检查 / declared checks", "content": JSON_OBJECT}, **errors()}}},
        "/runs": {
            "get": {"tags": tag, "operationId": "runs", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
                "responses": {"200": {"description": "检查运行 / runs", "content": JSON_OBJECT}, **errors(422)}},
            "post": {"tags": tag, "operationId": "start_run", "requestBody": body, "security": [{"bearerAuth": []}],
                     "responses": {"202": {"description": "已开始 / started", "content": JSON_OBJECT},
                                   **errors(400, 401, 403, 422, 429)}}},
        "/runs/{run_id}": {"get": {"tags": tag, "operationId": "run", "parameters": [run_id], "responses": {
            "200": {"description": "状态与进度 / status and progress", "content": JSON_OBJECT}, **errors(404)}}},
        "/runs/{run_id}/findings": {"get": {
            "tags": tag, "operationId": "run_findings", "parameters": [run_id, fmt], "responses": {
                "200": {"description": "发现的问题 / findings", "content": {
                    **GEOJSON_OBJECT, "text/csv": {"schema": {"type": "string"}},
                    "application/geopackage+sqlite3": {"schema": {"type": "string", "format": "binary"}}}},
                **errors(400, 404, 409, 410, 422)}}},
        "/runs/{run_id}/compare/{other_id}": {"get": {
            "tags": tag, "operationId": "compare_runs", "parameters": [run_id, other], "responses": {
                "200": {"description": "比较 / comparison", "content": JSON_OBJECT}, **errors(404, 409, 410)}}},
        "/runs/{run_id}/report": {"get": {"tags": tag, "operationId": "run_report", "parameters": [run_id],
                                          "responses": {"200": {"description": "报告 / report", "content": {
                                              "text/html": {"schema": {"type": "string"}}}}, **errors(404, 409, 410)}}},
        "/runs/{run_id}/report.pdf": {"get": {
            "tags": tag, "operationId": "run_report_pdf", "parameters": [run_id], "responses": {
                "200": {"description": "PDF报告 / PDF report", "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}, **errors(404, 409, 410)}}},
    }
