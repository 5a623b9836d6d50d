"""土地征收 (land expropriation): web routes and CLI commands of this business area; no SQL, no rules here.

    POST /land/gazette/preview   the text (JSON {"text": …} or a .txt upload in ``file``) read back for review
    POST /land/gazette           save it (editors only), refused with its problems by line
    POST /land/checks            run the land checks for {"approval": fid}, {"county": code} or the province
    GET  /land/map               approvals and parcels by land class with the latest run's findings in red

    fujian-gis land gazette FILE [--save]
    fujian-gis land check [--approval FID | --county CODE]
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Blueprint, Response, current_app, jsonify, request, url_for

from analysis.expropriation_gazette import review_gazette
from analysis.expropriation_runs import land_map_data, run_land_checks, start_land_checks
from analysis.runs import load_run
from gis_app.auth import current_account, require_edit
from gis_app.mapviews import ASSET_URL, base_map, html
from layers.expropriation import LandApproval, LandParcel
from maps.expropriation import land_map
from registry import Registry, connect
from registry.config import database_url
from registry.errors import InvalidInput, RegistryError
from registry.gazette import GAZETTE_SOURCE, read_gazette_file, save_gazette

bp = Blueprint("expropriation", __name__, url_prefix="/land")


def registry() -> Registry:
    return current_app.extensions["registry"]


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
    body = request.get_json(silent=True)
    body = {} if body is None else body
    if not isinstance(body, dict) or set(body) - {"approval", "county"}:
        raise InvalidInput('请求体应为 {"approval": 批复要素号} 或 {"county": "县区代码"} / the body must be '
                           '{"approval": fid} or {"county": "code"} (neither: the whole province)')
    approval, county = body.get("approval"), body.get("county")
    if approval is not None and (isinstance(approval, bool) or not isinstance(approval, int)):
        raise InvalidInput("approval 应为整数要素号 / approval must be an integer feature id")
    if county is not None and not isinstance(county, str):
        raise InvalidInput("county 应为6位行政区划代码字符串 / county must be a six-digit code as a string")
    reg = registry()
    account = current_account()
    run_id = start_land_checks(reg, approval=approval, county=county, author=account.label if account else reg.user)
    location = url_for("checks.run", run_id=run_id)
    status = load_run(reg, run_id).as_dict()
    status["links"] = {"self": location, "findings": url_for("checks.findings", run_id=run_id),
                       "map": url_for(".map_page", run=run_id, **{k: v for k, v in body.items() if v is not None})}
    return jsonify(status), 202, {"Location": location}


@bp.get("/map")
def map_page() -> Response:
    """``?approval=fid`` or ``?county=code`` (the province when neither); ``?run=id`` (the latest land run)."""
    data = land_map_data(registry(), approval=_int_arg("approval"), county=request.args.get("county") or None,
                         run_id=_int_arg("run"))
    return html(land_map(data.approvals, data.parcels, base_map(), findings=data.findings,
                         references=data.references, title=data.title, asset_url=ASSET_URL))


def _gazette_text() -> tuple[str, str]:
    """The gazette text and its file name, from an upload (field ``file``) or JSON ``{"text": …}``."""
    upload = request.files.get("file")
    if upload is not None:
        return read_gazette_file(upload.read()), Path(upload.filename or "").name
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("text"), str) and body["text"].strip():
        return body["text"], ""
    raise InvalidInput('请提交公报文本:JSON {"text": …} 或上传 .txt 文件(字段 file) / send the text as JSON '
                       '{"text": …} or upload a .txt file in the field "file"')


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"参数 {name} 应为整数 / {name} must be an integer, not {raw!r}") from None


# --------------------------------------------------------------------------- command line


@click.group("land", help="土地征收 / land expropriation")
def cli() -> None:
    pass


@cli.command("gazette", help="读取公报批复文本并列出审核表,--save 时保存 / read a gazette text for review; "
                             "--save saves it")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--save", is_flag=True, help="无问题时保存批复及地块 / save the approvals and parcels when no problem")
def gazette_cmd(path: str, save: bool) -> None:
    reg = connect(database_url())
    try:
        gazette = read_gazette_file(Path(path).read_bytes())
        review = review_gazette(reg, gazette)
        click.echo(review.as_text())
        if not review.ok:
            sys.exit(1)
        if save:
            saved = save_gazette(reg, gazette, source=f"{GAZETTE_SOURCE} {Path(path).name}")
            for s in saved:
                click.echo(f"已保存 / saved {s.doc_number}: 批复要素 / approval fid {s.fid}, "
                           f"{len(s.parcel_fids)} 个地块 / parcels")
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


@cli.command("check", help="运行土地征收检查:一个批复、一个县(区)或全省 / run the land checks for one approval, "
                           "a county or the province")
@click.option("--approval", type=int, help="批复要素号 / approval fid")
@click.option("--county", help="县(区)或设区市代码 / county or city code")
@click.option("--limit", default=50, type=int, help="最多列出的问题数 / findings to list")
@click.pass_context
def check_cmd(ctx: click.Context, approval: int | None, county: str | None, limit: int) -> None:
    from gis_app.cli import check_show  # the generic listing; imported late, cli.py imports this module

    try:
        run = run_land_checks(connect(database_url()), approval=approval, county=county)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    click.echo(f"运行编号 / run id: {run.id}")
    ctx.invoke(check_show, run_id=run.id, limit=limit)
