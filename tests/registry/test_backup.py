"""Backups: ``fujian-gis db backup`` then ``db restore`` into a fresh database gives back every layer, its
whole history and the stored check runs; a restore never lands on a database that holds data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal
from sqlalchemy import inspect, make_url, select, text

import layers
from analysis.land.gazette import parse_gazette
from demo import gazette_text, load_demo
from gis_app.cli import main
from layers.base import Changeset
from registry import Registry, connect
from registry.backup import target, user_tables
from registry.db import drop_database


@pytest.fixture
def restored_url(db_url: str) -> Iterator[str]:
    """A database name beside the test database that does not exist yet; dropped afterwards."""
    base = make_url(db_url)
    url = base.set(database=f"{base.database}_restored").render_as_string(hide_password=False)
    drop_database(url)
    yield url
    drop_database(url)


def _edit(reg: Registry) -> dict[str, list[int]]:
    """An update and a delete in the first two business layers with two features or more: history to keep."""
    edited: dict[str, list[int]] = {}
    for name in reg.layers:
        layer = reg.layer(name)
        if layer.meta.kind == "reference":
            continue
        frame = layer.to_geodataframe(limit=2)
        if len(frame) < 2:
            continue
        first, second = (layer.get(int(fid)) for fid in frame["fid"])
        layer.update(first.fid, {}, base_version=first.version, author="审核员乙", source="backup test edit")
        layer.delete(second.fid, base_version=second.version, author="审核员乙", source="backup test delete")
        edited[name] = [first.fid, second.fid]
        if len(edited) == 2:
            break
    return edited


def _versions(reg: Registry, name: str) -> list[tuple]:
    """Every version of every feature of a layer, with who made it and from where, in a stable order."""
    table, c = layers.LAYERS[name].__table__, Changeset.__table__
    stmt = (select(table.c.fid, table.c.version, table.c.valid_from, table.c.valid_to, table.c.deleted,
                   c.c.id, c.c.at, c.c.author, c.c.source)
            .join(c, c.c.id == table.c.changeset_id).order_by(table.c.fid, table.c.version))
    with reg.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(stmt)]


def test_backup_restores_every_layer_and_its_history(runner: CliRunner, reg: Registry, db_url: str,
                                                     restored_url: str, tmp_path: Path) -> None:
    assert load_demo(reg, parse_gazette(gazette_text()))
    edited = _edit(reg)
    assert len(edited) == 2
    archive = tmp_path / "fujian.dump"

    backed_up = runner.invoke(main, ["db", "backup", str(archive)])
    assert backed_up.exit_code == 0, backed_up.output
    assert archive.stat().st_size > 0 and not list(tmp_path.glob("*.partial"))
    restored = runner.invoke(main, ["db", "restore", str(archive), "--url", restored_url])
    assert restored.exit_code == 0, restored.output

    copy = connect(restored_url, user="tester")
    try:
        for name in reg.layers:
            before, after = reg.layer(name).to_geodataframe(), copy.layer(name).to_geodataframe()
            assert_geodataframe_equal(after, before, check_like=False)
            assert _versions(copy, name) == _versions(reg, name), name
        for name, fids in edited.items():
            for fid in fids:
                history = copy.layer(name).history(fid)
                assert history == reg.layer(name).history(fid)
                assert [v.version for v in history] == [1, 2]
                assert (history[-1].author, history[-1].source, history[-1].deleted) == (
                    ("审核员乙", "backup test edit", False) if fid == fids[0] else
                    ("审核员乙", "backup test delete", True))
        assert copy.data_version() == reg.data_version()
        assert "check_runs" in inspect(copy.engine).get_table_names()
        with copy.engine.connect() as conn, reg.engine.connect() as original:
            query = text("SELECT version_num FROM alembic_version ORDER BY 1")
            assert conn.scalars(query).all() == original.scalars(query).all()
        # The restored copy is live: its sequences continue after the restored rows.
        first_name = next(iter(edited))
        fid = edited[first_name][0]
        current = copy.layer(first_name).get(fid)
        assert copy.layer(first_name).update(fid, {}, base_version=current.version).version == current.version + 1
    finally:
        copy.close()


def test_restore_refuses_a_database_that_holds_data(runner: CliRunner, reg: Registry, db_url: str,
                                                    restored_url: str, tmp_path: Path) -> None:
    archive = tmp_path / "empty.dump"
    assert runner.invoke(main, ["db", "backup", str(archive)]).exit_code == 0

    over_live = runner.invoke(main, ["db", "restore", str(archive)])  # DATABASE_URL: the test database
    assert over_live.exit_code == 1
    assert "not empty" in over_live.output and "--force" in over_live.output
    assert "outfalls" in inspect(reg.engine).get_table_names()

    assert runner.invoke(main, ["db", "restore", str(archive), "--url", restored_url]).exit_code == 0
    tables = user_tables(restored_url)
    assert "public.outfalls" in tables and "public.changesets" in tables
    again = runner.invoke(main, ["db", "restore", str(archive), "--url", restored_url])
    assert again.exit_code == 1 and "not empty" in again.output
    forced = runner.invoke(main, ["db", "restore", str(archive), "--url", restored_url, "--force"])
    assert forced.exit_code == 0, forced.output
    assert user_tables(restored_url) == tables


def test_restore_refuses_a_file_that_is_not_a_backup(runner: CliRunner, restored_url: str, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.dump"
    bogus.write_text("SELECT 1;\n", encoding="utf-8")
    result = runner.invoke(main, ["db", "restore", str(bogus), "--url", restored_url])
    assert result.exit_code == 1 and "not a pg_dump custom-format archive" in result.output


def test_password_goes_to_the_environment_never_to_the_arguments() -> None:
    libpq = target("postgresql://gis:s3cr%40t@db.example:6543/fujian?sslmode=require")
    assert "s3cr" not in libpq.conninfo
    assert libpq.env["PGPASSWORD"] == "s3cr@t"
    assert set(libpq.conninfo.split()) == {"dbname=fujian", "host=db.example", "port=6543", "user=gis",
                                           "sslmode=require"}
    # Without a password in the URL, the user's own PGPASSWORD (or ~/.pgpass) still applies.
    assert target("postgresql://gis@db.example/fujian").env.get("PGPASSWORD") == os.environ.get("PGPASSWORD")
