"""The command line of this business area (its pages are :mod:`gis_app.web.outfalls`).

    fujian-gis outfalls progress [--area 350623] [--on 2024-12-31] [--group bay] [--chart out.png] [--json]
    fujian-gis outfalls draw --year 2024 --area 350623 [--seed N] [--csv list.csv]
    fujian-gis outfalls draws | show ID [--csv list.csv] | verify ID | map OUT_DIR [--area] | rules
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from analysis.outfalls.config import OUTFALL_TARGETS, describe, outfall_config
from analysis.outfalls.inspections import draw_inspections, list_draws, load_draw, verify_draw
from analysis.outfalls.map_data import outfall_map_data
from analysis.outfalls.progress import COLUMNS_ZH, GROUPS, TARGET_STATES, progress_png, progress_records, progress_table
from gis_app.context import registry
from gis_app.settings import asset_dir
from gis_app.web.outfalls import MAP_FILE
from maps import BaseMap
from maps.outfalls import outfall_map
from maps.report import REPORT_ASSET_DIR, copy_map_assets
from registry.errors import RegistryError


@click.group("outfalls", help="入河入海排污口 / outfalls")
def cli() -> None:
    pass



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
        frame = progress_table(registry(), area=area, on=date.fromisoformat(on_day) if on_day else None,
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
        made = draw_inspections(registry(), year=year, area=area, seed=seed, author=author)
    except RegistryError as exc:
        _fail(exc)
    _echo_draw(made, csv_path)


@cli.command("draws", help="列出已存的抽查 / list the stored draws")
def draws_cmd() -> None:
    for found in list_draws(registry()):
        f = found.figures
        click.echo(f"{found.id:>5}  {found.year}  {found.area_label:24} 抽查 {f['inspections']:>3} 个  "
                   f"种子 {found.seed}  {found.drawn_at.astimezone():%Y-%m-%d %H:%M}  {found.author}")


@cli.command("show", help="显示一次抽查的公示清单 / show a draw's published list")
@click.argument("draw_id", type=int)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="另存 CSV / write the list as CSV")
def show_cmd(draw_id: int, csv_path: str | None) -> None:
    try:
        found = load_draw(registry(), draw_id)
    except RegistryError as exc:
        _fail(exc)
    _echo_draw(found, csv_path)


@cli.command("verify", help="按记录的种子重演抽查并核对 / replay a draw from its recorded seed")
@click.argument("draw_id", type=int)
def verify_cmd(draw_id: int) -> None:
    try:
        ok = verify_draw(registry(), draw_id)
    except RegistryError as exc:
        _fail(exc)
    click.echo("一致 / verified" if ok else "不一致 / does NOT match the stored draw")
    sys.exit(0 if ok else 1)


@cli.command("map", help="生成可离线打开的排污口地图 / write the outfall map into a folder that works offline")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--area", help="范围 / area")
def map_cmd(out_dir: str, area: str | None) -> None:
    try:
        data = outfall_map_data(registry(), area)
    except RegistryError as exc:
        _fail(exc)
    assets = asset_dir()
    copy_map_assets(assets, out_dir)
    page = outfall_map(data.outfalls, data.zones, data.basins, BaseMap(), data.findings, asset_url=REPORT_ASSET_DIR)
    path = Path(out_dir) / MAP_FILE
    path.write_text(page.get_root().render(), encoding="utf-8")
    click.echo(f"已写出 / wrote {path}")


@cli.command("rules", help="附件2执行标准、限值(含是否已核实)、期限与目标 / standards, limits, deadlines")
def rules_cmd() -> None:
    click.echo(json.dumps(describe(outfall_config(registry().settings.env)), ensure_ascii=False, indent=1))


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


