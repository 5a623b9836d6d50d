"""土地征收 (land expropriation): the web routes of this business area; no SQL, no rules here.

    POST /land/gazette/preview   the text (JSON {"text": …} or a .txt upload in ``file``) read back for review
    POST /land/gazette           save it (editors only), refused with its problems by line
    POST /land/checks            run the land checks for {"approval": fid}, {"county": code} or the province
    GET  /land/map               approvals and parcels by land class with the latest run's findings in red

Its command line is :mod:`gis_app.cli.land`.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, request, url_for

from analysis.land.gazette import GAZETTE_SOURCE, read_gazette_file, save_gazette
from analysis.land.review import review_gazette
from analysis.land.runs import land_map_data, start_land_checks
from analysis.runs import load_run
from gis_app.auth import require_edit, require_runner
from gis_app.context import registry
from gis_app.params import integer, json_body
from gis_app.web.maps import base_map, html
from layers.land import LandApproval, LandParcel
from maps.land import land_map
from registry.errors import InvalidInput

bp = Blueprint("land", __name__, url_prefix="/land")



@bp.post("/gazette/preview")
def gazette_preview() -> Response:
    """What the text says and whether it adds up, for review; nothing is written."""
    gazette, _ = _gazette_text()
    return jsonify(review_gazette(registry(), gazette).as_dict())


@bp.post("/gazette")
def gazette_save() -> tuple[Response, int]:
    """Save every 批复 of the text with its parcels at once (natural-resources editors, within their
    jurisdiction); 422 with ``problems`` when any line is unread."""
    account = require_edit(LandApproval)
    account.require_edit(LandParcel)
    gazette, name = _gazette_text()
    saved = save_gazette(registry(), gazette, author=account.label, source=f"{GAZETTE_SOURCE} {name}".strip(),
                         scope=account.scope_code)
    return jsonify(approvals=[
        {"fid": s.fid, "doc_number": s.doc_number, "parcel_fids": list(s.parcel_fids),
         "href": url_for("features.item", collection_id="land_approvals", fid=s.fid)} for s in saved]), 201


@bp.post("/checks")
def checks() -> tuple[Response, int, dict[str, str]]:
    """Start the land checks as a job; 202 with the run's status, to poll at its ``Location``."""
    body = json_body()
    body = {} if body is None else body
    if not isinstance(body, dict) or set(body) - {"approval", "county"}:
        raise InvalidInput('请求体应为 {"approval": 批复要素号} 或 {"county": "县区代码"} / the body must be '
                           '{"approval": fid} or {"county": "code"} (neither: the whole province)')
    approval, county = body.get("approval"), body.get("county")
    if approval is not None and (isinstance(approval, bool) or not isinstance(approval, int)):
        raise InvalidInput("approval 应为整数要素号 / approval must be an integer feature id")
    if county is not None and not isinstance(county, str):
        raise InvalidInput("county 应为6位行政区划代码字符串 / county must be a six-digit code as a string")
    account = require_runner()
    reg = registry()
    run_id = start_land_checks(reg, approval=approval, county=county, author=account.label)
    location = url_for("checks.run", run_id=run_id)
    status = load_run(reg, run_id).as_dict()
    status["links"] = {"self": location, "findings": url_for("checks.findings", run_id=run_id),
                       "map": url_for(".map_page", run=run_id, **{k: v for k, v in body.items() if v is not None})}
    return jsonify(status), 202, {"Location": location}


@bp.get("/map")
def map_page() -> Response:
    """``?approval=fid`` or ``?county=code`` (the province when neither); ``?run=id`` (the latest land run)."""
    args = request.args
    data = land_map_data(registry(), approval=integer(args, "approval"), county=args.get("county") or None,
                         run_id=integer(args, "run"))
    return html(land_map(data.approvals, data.parcels, base_map(), findings=data.findings,
                         references=data.references, title=data.title))


def _gazette_text() -> tuple[str, str]:
    """The gazette text and its file name, from an upload (field ``file``) or JSON ``{"text": …}``."""
    upload = request.files.get("file")
    if upload is not None:
        return read_gazette_file(upload.read()), Path(upload.filename or "").name
    body = json_body()
    if isinstance(body, dict) and isinstance(body.get("text"), str) and body["text"].strip():
        return body["text"], ""
    raise InvalidInput('请提交公报文本:JSON {"text": …} 或上传 .txt 文件(字段 file) / send the text as JSON '
                       '{"text": …} or upload a .txt file in the field "file"')



