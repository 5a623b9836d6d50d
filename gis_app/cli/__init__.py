"""The command line: ``fujian-gis db upgrade | demo load | layers | import | export | serve``, the checks
and one command group per business area."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable

import click
from sqlalchemy.exc import OperationalError
from tqdm import tqdm

from gis_app.cli import checks, eldercare, land, outfalls, standard_land
from gis_app.context import registry
from registry import audit
from registry.config import database_url
from registry.db import ensure_database, migrate
from registry.errors import ImportRejected, RegistryError, Unavailable


class _Main(click.Group):
    """Every command: an unreachable database is a message, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            click.echo(f"{Unavailable.title}: 数据库暂时无法连接,请检查 DATABASE_URL 或稍后重试 / the database "
                       f"cannot be reached ({reason}); check DATABASE_URL or try again shortly", err=True)
            ctx.exit(3)


@click.group(cls=_Main, help="福建省国土空间规划与登记系统 / Fujian spatial planning registry")
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
    from analysis.land.gazette import parse_gazette
    from demo import gazette_text, load_demo

    counts = load_demo(registry(), parse_gazette(gazette_text()))
    if counts:
        for name, n in counts.items():
            click.echo(f"  {name}: {n}")
    else:
        click.echo("演示数据已存在,跳过 / demo data already loaded")


@main.command("layers", help="列出图层及要素数 / list layers and their feature counts")
def layers_cmd() -> None:
    reg = registry()
    for name in reg.layers:
        layer = reg.layer(name)
        click.echo(f"{name:24} {layer.count():>8}  {layer.meta.title_zh}")


def bar_progress(bar: tqdm) -> Callable[[int, int], None]:
    """A registry progress callback (done, total) moving a tqdm bar."""
    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
    return update


@main.command("import", help="导入文件:先全部检查,再一次写入 / import a file: check everything, then write at once")
@click.argument("layer")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--crs", help="坐标系,如 EPSG:4490、EPSG:4527、GCJ02 / CRS when the file has none")
@click.option("--dry-run", is_flag=True, help="只检查不写入 / check only")
@click.option("--repair", is_flag=True, help="修复无效几何并在报告中说明 / repair invalid geometry")
@click.option("--file-layer", help="GeoPackage中的图层名 / layer inside a GeoPackage")
def import_cmd(layer: str, path: str, crs: str | None, dry_run: bool, repair: bool, file_layer: str | None) -> None:
    reg = registry()
    try:
        with tqdm(desc="写入 / writing", unit="要素", disable=None) as bar:
            report = reg.layer(layer).import_file(path, crs=crs, dry_run=dry_run, repair=repair,
                                                  progress=bar_progress(bar), file_layer=file_layer)
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
    reg = registry()
    try:
        out = reg.layer(layer).export(path, as_of=as_of, crs=crs)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    click.echo(f"已导出 / exported {out}")


@main.command("serve", help="启动网页与API服务 / serve the web app and API")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=2, type=int, help="进程数(每核一个) / processes (one per core)")
@click.option("--threads", default=8, type=int, help="每进程线程数 / threads per process")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    from gis_app.server import run_server

    click.echo(f"http://{host}:{port}/")
    run_server(host=host, port=port, workers=workers, threads=threads)


@main.command("worker", help="执行排队的检查运行与导入任务,并生成运行报告(make run 与网页服务一同启动) / do "
                             "queued check runs and import jobs, and build each run's report (make run starts it "
                             "beside the web server)")
@click.option("--once", is_flag=True, help="队列清空即退出 / stop when the queue is empty")
@click.option("--poll", default=1.0, type=float, help="空闲时查看队列的间隔(秒) / seconds between looks when idle")
def worker(once: bool, poll: float) -> None:
    import signal

    from analysis.runs import Run, work
    from gis_app import create_app
    from gis_app.web.checks import report_dir

    app = create_app()

    def build_report(run: Run) -> None:
        """The run's report, built now so its first reader does not wait for it."""
        with app.test_request_context():
            report_dir(run)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # a run in progress is rolled back and queued again

    signal.signal(signal.SIGTERM, interrupt)
    click.echo("工作进程已启动 / worker started")
    try:
        done = work(registry(), once=once, poll_s=poll, after_run=build_report)
    except KeyboardInterrupt:
        click.echo("工作进程已停止,进行中的运行已重新排队 / worker stopped; a run in progress is queued again")
        return
    click.echo(f"完成 {done} 个任务 / did {done} job(s)")


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
        account = create_account(registry(), username, display_name, roles=list(roles), password=secret,
                                 scope_code=scope)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    audit.record(registry(), actor=getpass.getuser(), action="account_create", target=username, outcome="ok",
                 detail={"roles": list(roles), "scope": scope})
    click.echo(f"已创建 / created {account.label}: {', '.join(account.roles)} {account.scope_code or '全省'}")


@accounts.command("password", help="设置新密码(此前的登录会话随即结束) / set a new password; earlier sessions end")
@click.argument("username")
def accounts_password(username: str) -> None:
    from registry.accounts import set_password

    secret = click.prompt("新密码 / new password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(registry(), username, secret)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)
    audit.record(registry(), actor=getpass.getuser(), action="account_password", target=username, outcome="ok")
    click.echo(f"已更新 / password changed for {username}")


@accounts.command("token", help="签发API令牌(只显示一次) / issue an API token (shown once)")
@click.argument("username")
@click.option("--label", default="", help="用途 / what the token is for")
def accounts_token(username: str, label: str) -> None:
    from registry.accounts import issue_token

    try:
        token = issue_token(registry(), username, label)
        audit.record(registry(), actor=getpass.getuser(), action="token_issue", target=username, outcome="ok",
                     detail={"label": label})
        click.echo(token)
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


for _group in (checks.check, land.cli, standard_land.cli, outfalls.cli, eldercare.cli):
    main.add_command(_group)
