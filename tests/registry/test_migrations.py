"""Migrations: one head, up from empty, down to nothing and up again, they match the layer modules, and
``fujian-gis db revision`` autogenerates an empty revision on top of the head."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, inspect, make_url, text

import layers
import registry.db
from gis_app.cli import main
from registry.db import alembic_config, downgrade, drop_database, ensure_database, migrate


def test_the_migration_graph_has_a_single_head():
    heads = ScriptDirectory.from_config(alembic_config("postgresql+psycopg:///unused")).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a merge revision (see 0011_merge_heads)"


def test_migrations_up_down_up_and_match_the_models(db_url):
    url = make_url(db_url).set(database=make_url(db_url).database + "_mig").render_as_string(hide_password=False)
    drop_database(url)
    ensure_database(url)
    try:
        migrate(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {m.__tablename__ for m in layers.LAYERS.values()} <= tables
            assert conn.scalar(text("SELECT count(*) FROM land_classes")) > 10
            srids = conn.execute(text("SELECT DISTINCT srid FROM geometry_columns")).scalars().all()
            assert srids == [4490]
            gist = conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist%' "
                                     "AND indexdef LIKE '%valid_to IS NULL%'")).scalar()
            assert gist == sum(1 for m in layers.LAYERS.values() if m.__layer__.geometry_type)
            storage = conn.execute(text(
                "SELECT DISTINCT a.attstorage FROM geometry_columns g JOIN pg_attribute a "
                "ON a.attrelid = format('%I', g.f_table_name)::regclass AND a.attname = g.f_geometry_column "
                "WHERE g.f_table_schema = 'public'")).scalars().all()
            assert storage == ["e"], "geometries are stored uncompressed (0009)"
            ctx = MigrationContext.configure(conn, opts={"include_object": alembic_helpers.include_object,
                                                          "compare_type": True})
            diff = compare_metadata(ctx, layers.Base.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
        downgrade(url, "base")
        with engine.connect() as conn:
            assert not {m.__tablename__ for m in layers.LAYERS.values()} & set(inspect(conn).get_table_names())
        migrate(url)
        engine.dispose()
    finally:
        drop_database(url)


def _function_body(tree: ast.Module, name: str) -> list[ast.stmt]:
    return next(n.body for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)


def test_db_revision_autogenerates_an_empty_revision_on_the_head(db_url, tmp_path, monkeypatch):
    """The README's "add a layer" step; with the layer modules unchanged there is nothing to generate.

    Runs on a copy of registry/migrations so that the real versions folder never holds the file (other
    test runs would see two heads)."""
    real_versions = registry.db.MIGRATIONS / "versions"
    before_real = sorted(p.name for p in real_versions.glob("*.py"))
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    copy = tmp_path / "migrations"
    shutil.copytree(registry.db.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(registry.db, "MIGRATIONS", copy)
    monkeypatch.setenv("DATABASE_URL", db_url)  # the session's test database, migrated by conftest
    before = {p.name for p in (copy / "versions").glob("*.py")}
    generated: list[Path] = []
    try:
        result = CliRunner().invoke(main, ["db", "revision", "-m", "probe"])
        generated = [copy / "versions" / n for n in {p.name for p in (copy / "versions").glob("*.py")} - before]
        assert result.exit_code == 0, result.output + repr(result.exception)
        assert len(generated) == 1, generated
        script = ScriptDirectory.from_config(alembic_config(db_url))
        new = script.get_revision(script.get_current_head())
        assert Path(new.path) == generated[0]
        assert new.down_revision == head
        tree = ast.parse(generated[0].read_text(encoding="utf-8"))
        for fn in ("upgrade", "downgrade"):
            body = _function_body(tree, fn)
            assert len(body) == 1 and isinstance(body[0], ast.Pass), (
                f"models and migrations differ, {fn}() is not empty:\n{generated[0].read_text(encoding='utf-8')}")
    finally:
        for path in generated:
            path.unlink(missing_ok=True)
    assert sorted(p.name for p in real_versions.glob("*.py")) == before_real
