"""Migrations: up from empty, down to nothing and up again, and they match the layer modules."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, inspect, make_url, text

import layers
from registry.db import downgrade, drop_database, ensure_database, migrate


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
