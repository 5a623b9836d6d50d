"""The command line of this business area (its pages are :mod:`gis_app.web.land`).

    fujian-gis land gazette FILE [--save]
    fujian-gis land check [--approval FID | --county CODE]
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from analysis.land.gazette import GAZETTE_SOURCE, read_gazette_file, save_gazette
from analysis.land.review import review_gazette
from analysis.land.runs import run_land_checks
from gis_app.cli.checks import check_show
from gis_app.context import registry
from registry.errors import RegistryError


@click.group("land", help="土地征收 / land expropriation")
def cli() -> None:
    pass


@cli.command("gazette", help="读取公报批复文本并列出审核表,--save 时保存 / read a gazette text for review; "
                             "--save saves it")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--save", is_flag=True, help="无问题时保存批复及地块 / save the approvals and parcels when no problem")
def gazette_cmd(path: str, save: bool) -> None:
    reg = registry()
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
    try:
        run = run_land_checks(registry(), approval=approval, county=county)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    click.echo(f"运行编号 / run id: {run.id}")
    ctx.invoke(check_show, run_id=run.id, limit=limit)
