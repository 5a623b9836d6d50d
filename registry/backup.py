"""Backups with PostgreSQL's own tools: ``pg_dump -Fc`` to one file, ``pg_restore`` into a fresh database.

A custom-format dump holds every layer with its whole history, the changesets, check runs, accounts and
Alembic's revision, so a restored database is migrated, versioned and ready to serve. The tools are run
with an argument list and the password in ``PGPASSWORD`` (never a shell string, never on the command line,
where ``ps`` would show it). A restore refuses a database that already holds tables unless forced, and
runs in one transaction: a failed restore leaves the target empty, not half-written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.conninfo import make_conninfo
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy import Connection as SAConnection

from registry.config import normalise_url
from registry.db import drop_database, ensure_database
from registry.errors import RegistryError

_MAGIC = b"PGDMP"
"""The first bytes of a pg_dump custom-format archive."""


class BackupError(RegistryError):
    """A backup or restore that could not be done, or was refused; nothing was written."""

    status = 500
    title = "备份或恢复失败 / Backup or restore failed"


@dataclass(frozen=True)
class Target:
    """How libpq tools reach one database: a conninfo string without the password, and the environment."""

    conninfo: str
    env: dict[str, str]


def target(url: str) -> Target:
    """libpq parameters of a SQLAlchemy/libpq URL; extra query parameters (``sslmode``...) are kept."""
    parsed = make_url(normalise_url(url))
    params: dict[str, str | int] = {k: v for k, v in parsed.query.items() if isinstance(v, str)}
    for key, value in (("host", parsed.host), ("port", parsed.port), ("user", parsed.username)):
        if value is not None:
            params[key] = value
    env = {**os.environ, "PGAPPNAME": "fujian-gis backup"}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return Target(make_conninfo(dbname=parsed.database or "", **params), env)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name},请安装 PostgreSQL 客户端(Debian: postgresql-client) / {name} not found: "
                          f"install the PostgreSQL client tools (Debian: postgresql-client)")
    return path


def tool_major(name: str) -> int:
    """Major version of a PostgreSQL client tool, e.g. 15 for ``pg_dump (PostgreSQL) 15.20``."""
    out = subprocess.run([_tool(name), "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"\)\s*(\d+)", out)
    if match is None:
        raise BackupError(f"无法识别 {name} 的版本:{out.strip()} / cannot read the version of {name}: {out.strip()}")
    return int(match.group(1))


@contextmanager
def _connect(url: str | URL, **options: Any) -> Iterator[SAConnection]:
    """One short-lived connection (the tools run between these, so no pool is kept open)."""
    engine = create_engine(url, **options)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def server_major(url: str) -> int:
    """Major version of the server of ``url`` (e.g. 15 for 15.20), asked through its maintenance database
    so that the target database need not exist yet."""
    with _connect(make_url(normalise_url(url)).set(database="postgres")) as conn:
        return int(conn.scalar(text("SHOW server_version_num"))) // 10000


def _require_tool_for(name: str, url: str) -> str:
    """The tool's path, if its major version can handle the server's (an older pg_dump refuses a newer server)."""
    path = _tool(name)
    tool, server = tool_major(name), server_major(url)
    if tool < server:
        raise BackupError(f"{name} 版本 {tool} 低于服务器版本 {server},请安装 postgresql-client-{server} / {name} "
                          f"{tool} is older than the server ({server}): install postgresql-client-{server}")
    return path


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = done.stderr.strip()[-2000:]
        raise BackupError(f"{what}失败 / {args[0].rsplit('/', 1)[-1]} failed: {message}", stderr=message)


def backup(url: str, path: str | Path) -> Path:
    """Dump the database at ``url`` to ``path`` (custom format, compressed).

    Written beside the target and renamed at the end, so an interrupted backup never leaves a file that
    looks complete; the archive's table of contents is read back before the rename.
    """
    url = normalise_url(url)
    out = Path(path)
    pg_dump = _require_tool_for("pg_dump", url)
    db = target(url)
    partial = out.with_name(out.name + ".partial")
    try:
        _run([pg_dump, "--format=custom", "--no-password", f"--file={partial}", f"--dbname={db.conninfo}"],
             db.env, "备份")
        _run([_tool("pg_restore"), "--list", str(partial)], db.env, "备份校验")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def user_tables(url: str) -> list[str]:
    """Tables, views and sequences of the database that no extension owns (PostGIS's are not data)."""
    with _connect(normalise_url(url)) as conn:
        return list(conn.scalars(text(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
            "AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1")))


def restore(path: str | Path, url: str, *, force: bool = False) -> str:
    """Restore the archive at ``path`` into the database at ``url``, creating it when missing; returns the
    target as it can be shown (without its password).

    A database that already holds tables is refused unless ``force``, which drops and recreates it.
    The restore runs in one transaction and stops at the first error. Ownership and grants are not
    restored (``--no-owner --no-acl``): the target server's roles need not match the source's.
    """
    source = Path(path)
    with source.open("rb") as head:
        if head.read(len(_MAGIC)) != _MAGIC:
            raise BackupError(f"{source} 不是 pg_dump 自定义格式的备份 / {source} is not a pg_dump custom-format "
                              f"archive (fujian-gis db backup)")
    url = normalise_url(url)
    pg_restore = _require_tool_for("pg_restore", url)
    ensure_database(url)
    existing = user_tables(url)
    if existing:
        if not force:
            shown = ", ".join(existing[:5]) + (" …" if len(existing) > 5 else "")
            raise BackupError(f"目标数据库 {make_url(url).database} 不是空的({len(existing)} 个表,如 {shown}),"
                              f"未恢复;用 --force 替换它 / the target database is not empty ({len(existing)} "
                              f"tables, e.g. {shown}): nothing restored; use --force to replace it",
                              tables=existing)
        drop_database(url)
        ensure_database(url)
    db = target(url)
    _run([pg_restore, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", "--no-password",
          f"--dbname={db.conninfo}", str(source)], db.env, "恢复")
    _analyse(url)
    return make_url(url).render_as_string(hide_password=True)


def _analyse(url: str) -> None:
    """pg_restore does not restore planner statistics: gather them so spatial queries use the indexes."""
    with _connect(url, isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
