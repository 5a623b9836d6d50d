"""The command line: ``fujian-gis db upgrade | demo load | layers | import | export | serve``."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from tqdm import tqdm

from registry import connect
from registry.config import database_url
from registry.db import ensure_database, migrate
from registry.errors import ImportRejected, RegistryError


def _registry():
    return connect(database_url())


@click.group(help="福建省国土空间规划与登记系统 / Fujian spatial planning registry")
def main() -> None:
    pass


@main.group(help="数据库 / database")
def db() -> None:
    pass


@db.command("upgrade", help="创建数据库与PostGIS扩展并迁移到最新 / create the database and migrate")
def db_upgrade() -> None:
    url = database_url()
    ensure_database(url)
    migrate(url)
    click.echo("数据库已是最新 / database is up to date")


@db.command("revision", help="由图层定义生成迁移 / autogenerate a migration from the layer modules")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    from alembic import command

    from registry.db import alembic_config

    command.revision(alembic_config(database_url()), message=message, autogenerate=True)


@db.command("backup", help="用 pg_dump 备份整个数据库(含历史) / back up the whole database with its history")
@click.argument("path", type=click.Path(dir_okay=False))
def db_backup(path: str) -> None:
    from registry.backup import backup

    try:
        click.echo(f"已备份 / backed up to {backup(database_url(), path)}")
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


@db.command("restore", help="把备份恢复到新数据库 / restore a backup into a new (empty) database")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", help="目标数据库(默认 DATABASE_URL) / target database (default: DATABASE_URL)")
@click.option("--force", is_flag=True, help="替换非空的目标数据库 / drop and replace a non-empty target")
def db_restore(path: str, url: str | None, force: bool) -> None:
    from registry.backup import restore

    try:
        restored = restore(path, url or database_url(), force=force)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    click.echo(f"已恢复到 / restored into {restored}")


@main.group(help="演示数据 / demo data")
def demo() -> None:
    pass


@demo.command("load", help="载入演示数据(已载入则跳过) / load the demo data unless already loaded")
def demo_load() -> None:
    from registry.demo import load_demo

    reg = _registry()
    counts = load_demo(reg)
    if counts:
        for name, n in counts.items():
            click.echo(f"  {name}: {n}")
    else:
        click.echo("演示数据已存在,跳过 / demo data already loaded")


@main.command("layers", help="列出图层及要素数 / list layers and their feature counts")
def layers_cmd() -> None:
    reg = _registry()
    for name in reg.layers:
        layer = reg.layer(name)
        click.echo(f"{name:24} {layer.count():>8}  {layer.meta.title_zh}")


@main.command("import", help="导入文件:先全部检查,再一次写入 / import a file: check everything, then write at once")
@click.argument("layer")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--crs", help="坐标系,如 EPSG:4490、EPSG:4527、GCJ02 / CRS when the file has none")
@click.option("--dry-run", is_flag=True, help="只检查不写入 / check only")
@click.option("--repair", is_flag=True, help="修复无效几何并在报告中说明 / repair invalid geometry")
@click.option("--file-layer", help="GeoPackage中的图层名 / layer inside a GeoPackage")
def import_cmd(layer: str, path: str, crs: str | None, dry_run: bool, repair: bool, file_layer: str | None) -> None:
    reg = _registry()
    try:
        with tqdm(desc="写入 / writing", unit="要素", disable=None) as bar:
            report = reg.layer(layer).import_file(path, crs=crs, dry_run=dry_run, repair=repair,
                                                  progress=bar.update, file_layer=file_layer)
    except ImportRejected as exc:
        report = exc.extra.get("report")
        click.echo(report.summary() if report else exc.detail, err=True)
        sys.exit(1)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@main.command("export", help="导出图层 / export a layer (.geojson .gpkg .zip .csv)")
@click.argument("layer")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--as-of", help="历史时点(ISO 8601) / read the layer as of this time")
@click.option("--crs", help="输出坐标系 / output CRS")
def export_cmd(layer: str, path: str, as_of: str | None, crs: str | None) -> None:
    reg = _registry()
    try:
        out = reg.layer(layer).export(path, as_of=datetime.fromisoformat(as_of) if as_of else None, crs=crs)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    click.echo(f"已导出 / exported {out}")


@main.command("serve", help="启动网页与API服务 / serve the web app and API")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--threads", default=8, type=int)
def serve(host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    from gis_app import create_app

    click.echo(f"http://{host}:{port}/")
    waitress_serve(create_app(), host=host, port=port, threads=threads)


# --------------------------------------------------------------------------- compliance checks


@main.group(help="合规检查:运行、查看、比较、出报告 / compliance checks: run, show, compare, report")
def check() -> None:
    pass


@check.command("list", help="列出已声明的检查 / list the declared checks")
def check_list() -> None:
    from analysis import all_checks

    for c in all_checks().values():
        click.echo(f"{c.id:48} {c.severity:8} {c.layer:20} {c.title_zh}")


@check.command("run", help="运行检查并保存结果 / run checks and store the run")
@click.option("--layer", "layers", multiple=True, help="检查此图层(可多次) / check this layer (repeatable)")
@click.option("--check", "check_ids", multiple=True, help="运行此检查(可多次) / run this check (repeatable)")
@click.option("--area", help="范围:行政区划代码、WKT或GeoJSON面 / area: division code, WKT or GeoJSON polygon")
@click.option("--report", "report_dir", type=click.Path(file_okay=False),
              help="同时生成报告到此目录 / also write the report into this folder")
def check_run(layers: tuple[str, ...], check_ids: tuple[str, ...], area: str | None, report_dir: str | None) -> None:
    from analysis import run_checks

    reg = _registry()
    with tqdm(desc="检查 / checking", unit="项", disable=None) as bar:

        def advance(done_check, done: int, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(done_check.id, refresh=False)
            bar.update(1)

        try:
            run = run_checks(reg, layers=layers, checks=check_ids, area=area, progress=advance)
        except RegistryError as exc:
            click.echo(exc.detail, err=True)
            sys.exit(1)
    click.echo(f"运行编号 / run id: {run.id}")
    _echo_run(run)
    if report_dir:
        _echo_report(run, report_dir)


@check.command("runs", help="列出最近的检查运行 / list the latest runs")
@click.option("--limit", default=20, type=int)
def check_runs(limit: int) -> None:
    from analysis import list_runs

    for run in list_runs(_registry(), limit=limit):
        click.echo(f"{run.id:>6}  {run.status:8} {run.started_at.astimezone():%Y-%m-%d %H:%M}  "
                   f"{run.finding_count:>6} 个问题  {run.area_label}")


@check.command("show", help="显示一次运行及其问题 / show a run and its findings")
@click.argument("run_id", type=int)
@click.option("--limit", default=50, type=int, help="最多列出的问题数 / findings to list")
def check_show(run_id: int, limit: int) -> None:
    run = _load_run(run_id)
    _echo_run(run)
    findings = run.findings()
    for row in findings.head(limit).itertuples():
        click.echo(f"  [{row.severity}] {row.check_id} #{row.fid} {row.county_code or ''} {row.message_zh}")
    if len(findings) > limit:
        click.echo(f"  … 另有 {len(findings) - limit} 个 / and {len(findings) - limit} more")


@check.command("compare", help="比较两次运行(较早者为基准) / compare two runs, the earlier as baseline")
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
def check_compare(run_a: int, run_b: int) -> None:
    comparison = _load_run(run_a).compare(_load_run(run_b))
    click.echo(f"基准 / before: run {comparison.before.id}   对比 / after: run {comparison.after.id}")
    for note in comparison.notes:
        click.echo(f"注意 / note: {note}")
    click.echo(f"{'check':48} {'new':>5} {'resolved':>9} {'unchanged':>10}")
    for row in comparison.summary().itertuples():
        click.echo(f"{row.check_id:48} {row.new:>5} {row.resolved:>9} {row.unchanged:>10}")
    for sign, frame in (("+", comparison.new), ("-", comparison.resolved)):
        for row in frame.itertuples():
            click.echo(f"{sign} {row.check_id} #{row.fid} {row.message_zh}")


@check.command("report", help="生成报告(HTML、PDF、图表与导出) / write a run's report")
@click.argument("run_id", type=int)
@click.argument("out_dir", type=click.Path(file_okay=False))
def check_report(run_id: int, out_dir: str) -> None:
    _echo_report(_load_run(run_id), out_dir)


def _load_run(run_id: int):
    from analysis import load_run

    try:
        return load_run(_registry(), run_id)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


def _echo_run(run) -> None:
    """The run's outcome and its findings per check, as a table."""
    click.echo(f"状态 / status: {run.status}  数据版本 / data version: {run.data_version}  "
               f"耗时 / duration: {run.duration_s or 0:.2f} s  范围 / area: {run.area_label}")
    if run.error:
        click.echo(f"错误 / error: {run.error}")
    for row in run.summary().itertuples():
        click.echo(f"  {row.check_id:48} {row.severity:8} {row.count:>6}  {row.title_zh}")
    click.echo(f"  合计 / total: {run.finding_count}")


def _echo_report(run, out_dir: str) -> None:
    """Write the report; with the front-end assets at hand the HTML gets the interactive map, which then
    works from the report's folder alone."""
    import os
    from pathlib import Path

    from maps.findings_report import write_report

    assets = Path(os.environ.get("FUJIAN_ASSET_DIR", Path(__file__).resolve().parent.parent / "node_modules"))
    try:
        if assets.is_dir():
            files = write_report(run, out_dir, node_modules=assets)
        else:
            from analysis.reports import build_report

            click.echo(f"没有前端资源 {assets},报告使用静态地图 / no front-end assets: static map only", err=True)
            files = build_report(run, out_dir)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    for path in (files.html, files.pdf, files.csv, files.geojson, files.gpkg):
        click.echo(f"已写出 / wrote {path}")


@main.group(help="账户与令牌 / accounts and API tokens")
def accounts() -> None:
    pass


@accounts.command("create", help="新建账户 / create an account")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名或单位 / display name")
@click.option("--role", "roles", multiple=True, required=True,
              help="admin, natural_resources, ecology, civil_affairs, viewer (可多次 / repeatable)")
@click.option("--scope", help="管辖区划代码,如 350623 / jurisdiction (division code); none = whole province")
@click.option("--password", is_flag=True, help="设置登录密码(交互输入) / set a login password (prompted)")
def accounts_create(username: str, display_name: str, roles: tuple[str, ...], scope: str | None,
                    password: bool) -> None:
    from registry.accounts import create_account

    secret = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True) if password else None
    try:
        account = create_account(_registry(), username, display_name, roles=list(roles), password=secret,
                                 scope_code=scope)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    click.echo(f"已创建 / created {account.label}: {', '.join(account.roles)} {account.scope_code or '全省'}")


@accounts.command("token", help="签发API令牌(只显示一次) / issue an API token (shown once)")
@click.argument("username")
@click.option("--label", default="", help="用途 / what the token is for")
def accounts_token(username: str, label: str) -> None:
    from registry.accounts import issue_token

    try:
        click.echo(issue_token(_registry(), username, label))
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


def _add_areas() -> None:
    from gis_app import AREAS

    for module in AREAS:
        main.add_command(module.cli)


_add_areas()
