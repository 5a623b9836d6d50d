"""The compliance checks on the command line: run, show, compare, report."""

from __future__ import annotations

import sys

import click
from tqdm import tqdm

from gis_app.context import registry
from gis_app.settings import asset_dir
from registry.errors import RegistryError


@click.group("check", help="合规检查:运行、查看、比较、出报告 / compliance checks: run, show, compare, report")
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

    reg = registry()
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

    for run in list_runs(registry(), limit=limit):
        click.echo(f"{run.id:>6}  {run.status:8} {run.started_at.astimezone():%Y-%m-%d %H:%M}  "
                   f"{run.finding_count:>6} 个问题  {run.area_label}")


@check.command("prune", help="按保留期限清理旧运行的问题(保留汇总;被报告、导出、比较引用的运行不清理) / drop the "
                              "findings of old runs nothing refers to, keeping their summary")
@click.option("--days", type=int, help="保留天数(默认 FUJIAN_RUN_RETENTION_DAYS 或 180) / keep this many days")
def check_prune(days: int | None) -> None:
    from datetime import timedelta

    from analysis.runs import prune_runs, retention

    reg = registry()
    pruned = prune_runs(reg, timedelta(days=days) if days else retention(reg))
    click.echo(f"已清理 {len(pruned)} 次运行的问题 / pruned the findings of {len(pruned)} run(s)"
               + (f": {', '.join(map(str, pruned))}" if pruned else ""))


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
        return load_run(registry(), run_id)
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
    from maps.report import write_report

    assets = asset_dir()
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


