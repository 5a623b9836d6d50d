"""The command line of this business area (its pages are :mod:`gis_app.web.standard_land`)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from analysis.standard_land.lifecycle import advance_plot, plain, plot_life, publish_standard, record_values
from analysis.standard_land.rules import FLOOR_LEVELS, standard_land_config
from analysis.standard_land.summary import SUMMARY_COLUMNS, plot_compliance, zone_summary
from gis_app.context import registry
from gis_app.params import iso_date
from gis_app.web.standard_land import PLOTS, zone_cell
from layers.standard_land import EVENTS, INDICATOR_SPECS, INDICATORS, STAGES
from maps import BaseMap
from maps.standard_land import VIEWS, plots_map
from registry import Registry
from registry.errors import InvalidInput, RegistryError


@click.group("standard-land", help="工业标准地 / standard land")
def cli() -> None:
    pass


def _run(action: Callable[[Registry], None]) -> None:
    """Run a command on the configured database; a refusal prints its reason and exits 1."""
    try:
        action(registry())
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


def _echo_life(reg: Registry, fid: int) -> None:
    life = plot_life(reg, fid).as_dict()
    p = life["properties"]
    click.echo(f"{p['plot_code']} {p['name']} 第{life['version']}版 状态 / status: {life['status_zh']} "
               f"面积 / area: {zone_cell(life['area_ha'])} ha = {zone_cell(life['area_mu'])} mu")
    for step in life["timeline"]:
        click.echo(f"  {step['on']}  {step['zh']} / {step['en']}")
    for i in life["indicators"]:
        click.echo(f"  {i['zh']:<10} 标准 {zone_cell(i['standard']):>8}  承诺 {zone_cell(i['committed']):>8}  "
                   f"竣工 {zone_cell(i['completion']):>8}  达产 {zone_cell(i['production_review']):>8}  {i['unit_zh']}")
    for problem in life["problems"]:
        click.echo(f"  问题 / problem: {problem}")
    click.echo("  下一步 / next: " + (", ".join(e["event"] for e in life["next_events"]) or "—"))


@cli.command("life", help="地块全生命周期 / a plot's life")
@click.argument("fid", type=int)
def life_cmd(fid: int) -> None:
    _run(lambda reg: _echo_life(reg, fid))


@cli.command("event", help=f"推进地块环节 / move a plot on: {', '.join(EVENTS)}")
@click.argument("fid", type=int)
@click.argument("event_name", metavar="EVENT", type=click.Choice(list(EVENTS)))
@click.option("--on", "on", required=True, help="日期 YYYY-MM-DD / date")
@click.option("--enterprise", help="竞得企业(sign) / enterprise that won the plot")
@click.option("--reason", help="违约情形(breach) / what the breach is")
@click.option("--base-version", type=int, help="基于的版本(默认现行版) / version the change is based on")
def event_cmd(fid: int, event_name: str, on: str, enterprise: str | None, reason: str | None,
              base_version: int | None) -> None:
    def act(reg: Registry) -> None:
        base = base_version or reg.layer(PLOTS).get(fid).version
        advance_plot(reg, fid, event_name, iso_date(on, "--on"), base_version=base, enterprise=enterprise,
                     reason=reason, source=f"fujian-gis standard-land event {event_name}")
        _echo_life(reg, fid)

    _run(act)


@cli.command("values", help="录入指标值,如 investment_intensity=300 / record values, e.g. investment_intensity=300")
@click.argument("fid", type=int)
@click.argument("stage", type=click.Choice(STAGES.values()))
@click.argument("pairs", nargs=-1, required=True)
@click.option("--measured-on", help="测定日期 / date measured")
def values_cmd(fid: int, stage: str, pairs: tuple[str, ...], measured_on: str | None) -> None:
    def act(reg: Registry) -> None:
        figures = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
        if len(figures) != len(pairs):
            raise InvalidInput("每项应为 指标=数值 / each value must be indicator=value")
        record_values(reg, fid, stage, {k: (v or None) for k, v in figures.items()},
                      measured_on=iso_date(measured_on, "--measured-on") if measured_on else None,
                      source="fujian-gis standard-land values")
        _echo_life(reg, fid)

    _run(act)


@cli.command("publish", help="发布控制性指标标准 / publish an indicator standard")
@click.option("--county", required=True, help="县区代码 / county code")
@click.option("--zone", help="开发区名称(空为全县) / development zone (empty: whole county)")
@click.option("--industry", required=True, help="两位行业代码 / 2-digit industry code")
@click.option("--indicator", required=True, type=click.Choice(INDICATORS.values()))
@click.option("--value", required=True)
@click.option("--from", "effective_from", required=True, help="施行日期 / effective from")
@click.option("--to", "effective_to", help="失效日期(含) / effective to (inclusive)")
@click.option("--doc", help="发布文件 / published in")
def publish_cmd(county: str, zone: str | None, industry: str, indicator: str, value: str, effective_from: str,
                effective_to: str | None, doc: str | None) -> None:
    def act(reg: Registry) -> None:
        rec = publish_standard(reg, {"county_code": county, "development_zone": zone, "industry_code": industry,
                                     "indicator": indicator, "value": value, "effective_from": effective_from,
                                     "effective_to": effective_to, "doc_number": doc},
                               source="fujian-gis standard-land publish")
        click.echo(f"已发布 / published standard {rec.fid}")

    _run(act)


@cli.command("zones", help="开发区汇总 / summary per development zone")
def zones_cmd() -> None:
    def act(reg: Registry) -> None:
        frame = zone_summary(reg)
        frame.columns = [zh for zh, _ in SUMMARY_COLUMNS.values()]
        click.echo(frame.to_string(index=False, na_rep="—"))

    _run(act)


@cli.command("floors", help="国家与省级限值(配置) / the configured national and provincial floors")
def floors_cmd() -> None:
    for f in standard_land_config(registry().settings.env).floors:
        click.echo(f"{FLOOR_LEVELS.label(f.level)} 行业{f.industry_code} {INDICATORS.label(f.indicator)} "
                   f"{plain(f.value)}{INDICATOR_SPECS[f.indicator].unit_zh} {'' if f.verified else '(未经核实) '}"
                   f"{f.source}")


@cli.command("map", help="输出标准地地图 / write the plots map (HTML)")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--by", type=click.Choice(VIEWS), default="status")
def map_cmd(path: str, by: str) -> None:
    def act(reg: Registry) -> None:
        plots_map(plot_compliance(reg), BaseMap(), by=by).save(path)
        click.echo(f"已写出 / wrote {path}")

    _run(act)


