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
