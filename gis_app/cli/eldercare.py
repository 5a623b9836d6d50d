"""The command line of this business area (its pages are :mod:`gis_app.web.eldercare`).

    fujian-gis eldercare coverage [--radius 700] [--area 350623] [--level county] [--gaps gaps.geojson]
    fujian-gis eldercare sites (--k 2 | --target 90) [--candidates sites.csv --crs GCJ02] [--out sites.geojson]
"""

from __future__ import annotations

import sys

import click

from analysis.eldercare.coverage import LEVELS, STATION_RADIUS_M, Coverage, coverage
from analysis.eldercare.siting import propose_sites, read_candidates
from gis_app.context import registry
from registry.errors import RegistryError
from registry.files import write_features


@click.group("eldercare", help="养老服务设施 / eldercare")
def cli() -> None:
    pass


@cli.command("coverage", help="社区养老服务站服务半径内的老年人口 / elderly within the stations' radius")
@click.option("--radius", default=STATION_RADIUS_M, type=float, show_default=True, help="服务半径(米) / metres")
@click.option("--area", help="范围:行政区划代码、WKT或GeoJSON面 / division code, WKT or GeoJSON polygon")
@click.option("--level", type=click.Choice(list(LEVELS)), default="county", show_default=True,
              help="统计层级 / level of the table")
@click.option("--gaps", "gaps_path", type=click.Path(dir_okay=False),
              help="把服务盲区写入文件 / write the gaps to a file (.geojson .gpkg .zip .csv)")
def coverage_cmd(radius: float, area: str | None, level: str, gaps_path: str | None) -> None:
    try:
        result = coverage(registry(), radius_m=radius, area=area)
        _echo_coverage(result)
        for row in result.by(level).itertuples(index=False):
            unit = " ".join(str(getattr(row, k)) for k in LEVELS[level])
            click.echo(f"  {unit:32} {row.elderly:>8} {row.covered_elderly:>10.1f} {row.share_pct:>7.2f}%  "
                       f"未覆盖居住区 {row.uncovered_areas}")
        if gaps_path:
            click.echo(f"已写出服务盲区 / wrote the gaps to {write_features(result.gaps, gaps_path)}")
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


@cli.command("sites", help="建议新建社区养老服务站 / propose new community stations")
@click.option("--k", type=int, help="新站点数 / number of new stations")
@click.option("--target", type=float, help="目标覆盖率(%) / target share of elderly covered")
@click.option("--radius", default=STATION_RADIUS_M, type=float, show_default=True, help="服务半径(米) / metres")
@click.option("--area", help="范围:行政区划代码、WKT或GeoJSON面 / division code, WKT or GeoJSON polygon")
@click.option("--candidates", "candidates_path", type=click.Path(exists=True, dir_okay=False),
              help="候选点文件;缺省为未覆盖居住区内的点 / candidate sites file; default: points in uncovered areas")
@click.option("--crs", help="候选点坐标系,如 EPSG:4490、GCJ02 / CRS of the candidates file when it has none")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="把建议站点写入文件 / write the proposed sites to a file")
def sites_cmd(k: int | None, target: float | None, radius: float, area: str | None, candidates_path: str | None,
              crs: str | None, out_path: str | None) -> None:
    try:
        candidates = (read_candidates(candidates_path, crs=crs, limits=registry().settings.limits)
                      if candidates_path else None)
        proposal = propose_sites(registry(), k=k, target_pct=target, candidates=candidates,
                                 radius_m=radius, area=area)
        click.echo("现状 / before:")
        _echo_coverage(proposal.before)
        for site in proposal.sites.itertuples():
            click.echo(f"  {site.rank:>3}. {site.name}  ({site.lon:.6f}, {site.lat:.6f})  新增覆盖老年人口 "
                       f"{site.new_elderly:.1f}  覆盖 {site.covers}")
        click.echo("建成后 / after:")
        _echo_coverage(proposal.after)
        for note in proposal.notes:
            click.echo(f"  注 / note: {note}")
        if out_path:
            click.echo(f"已写出 / wrote {write_features(proposal.sites.drop(columns=['lon', 'lat']), out_path)}")
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


def _echo_coverage(result: Coverage) -> None:
    s = result.summary()
    click.echo(f"  半径 / radius {s['radius_m']:g} m  范围 / area: {s['area'] or '全部 / all'}  "
               f"老年人口 / elderly {s['elderly']}  覆盖 / covered {s['covered_elderly']:.1f} ({s['share_pct']}%)  "
               f"居住区 / areas: {s['covered_areas']} 全部覆盖, {s['partial_areas']} 部分, "
               f"{s['uncovered_areas']} 未覆盖")
