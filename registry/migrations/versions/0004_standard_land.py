"""Standard land (issue 6): indicator standards, indicator values per plot and stage, the plot's
net-land conditions and life-cycle dates, and the development zones' regional assessments.

The plot's own ``investment_intensity`` and ``floor_area_ratio`` columns move to
``standard_land_values`` as committed values (one place per figure): current plots keep their
figures, in a changeset named after this migration; earlier versions of a plot lose the two columns.
The downgrade brings the current committed figures back.

Revision ID: 0004_standard_land
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0004_standard_land"
down_revision = "0002"
branch_labels = None
depends_on = None

MOVED = (("investment_intensity", sa.Numeric(precision=12, scale=2)), ("floor_area_ratio", sa.Numeric(precision=6, scale=2)))


def _plot_columns() -> list[sa.Column]:
    """Columns the plot gains (a function: a Column belongs to one table once created)."""
    return [
        sa.Column("planning_far_min", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("planning_far_max", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("ready_title", sa.Boolean(), nullable=True),
        sa.Column("ready_compensation", sa.Boolean(), nullable=True),
        sa.Column("ready_no_dispute", sa.Boolean(), nullable=True),
        sa.Column("ready_water", sa.Boolean(), nullable=True),
        sa.Column("ready_power", sa.Boolean(), nullable=True),
        sa.Column("ready_road", sa.Boolean(), nullable=True),
        sa.Column("ready_levelling", sa.Boolean(), nullable=True),
        sa.Column("contract_signed_on", sa.Date(), nullable=True),
        sa.Column("agreement_signed_on", sa.Date(), nullable=True),
        sa.Column("construction_started_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("production_reviewed_on", sa.Date(), nullable=True),
        sa.Column("breach_found_on", sa.Date(), nullable=True),
        sa.Column("breach_reason", sa.String(length=300), nullable=True),
        sa.Column("disposed_on", sa.Date(), nullable=True),
    ]


def _versioning(table: str) -> list:
    """The columns and constraints every layer table has (layers.base.Feature)."""
    return [
        sa.Column("row_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("fid", sa.BigInteger(), sa.Identity(always=False, start=1), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("changeset_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["changeset_id"], ["changesets.id"], name=op.f(f"fk_{table}_changeset_id_changesets")),
        sa.PrimaryKeyConstraint("row_id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("fid", "version", name=op.f(f"uq_{table}_fid_version")),
    ]


def _current_fid_index(table: str) -> None:
    op.create_index(f"ux_{table}_current_fid", table, ["fid"], unique=True, postgresql_where=sa.text("valid_to IS NULL"))


def upgrade() -> None:
    for column in _plot_columns():
        op.add_column("standard_land_plots", column)

    op.create_table(
        "indicator_standards",
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("development_zone", sa.String(length=200), nullable=True),
        sa.Column("industry_code", sa.String(length=2), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("doc_number", sa.String(length=120), nullable=True),
        *_versioning("indicator_standards"),
    )
    _current_fid_index("indicator_standards")

    op.create_table(
        "standard_land_values",
        sa.Column("plot_fid", sa.BigInteger(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        *_versioning("standard_land_values"),
    )
    _current_fid_index("standard_land_values")
    op.create_index("ux_standard_land_values_current_key", "standard_land_values", ["plot_fid", "indicator", "stage"],
                    unique=True, postgresql_where=sa.text("valid_to IS NULL"))

    op.create_geospatial_table(
        "regional_assessments",
        sa.Column("development_zone", sa.String(length=200), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("assessment_kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=True),
        sa.Column(
            "geom",
            Geometry(geometry_type="MULTIPOLYGON", srid=4490, dimension=2, spatial_index=False,
                     from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
            nullable=False,
        ),
        sa.Column(
            "area_ha",
            sa.Numeric(precision=14, scale=4),
            sa.Computed("round((ST_Area(geom::geography, true) / 10000.0)::numeric, 4)", persisted=True),
            nullable=True,
        ),
        *_versioning("regional_assessments"),
    )
    op.create_geospatial_index("gx_regional_assessments_geom_current", "regional_assessments", ["geom"], unique=False,
                               postgresql_using="gist", postgresql_where=sa.text("valid_to IS NULL"),
                               postgresql_ops={})
    _current_fid_index("regional_assessments")

    _move_committed_values()
    for name, _ in MOVED:
        op.drop_column("standard_land_plots", name)


def _move_committed_values() -> None:
    """Current plots' figures become committed values, written by one changeset of this migration."""
    op.execute(sa.text("""
        WITH moved AS (
            SELECT p.fid, m.indicator, m.value
            FROM standard_land_plots p
            CROSS JOIN LATERAL (VALUES ('investment_intensity', p.investment_intensity::numeric),
                                       ('floor_area_ratio', p.floor_area_ratio::numeric)) AS m(indicator, value)
            WHERE p.valid_to IS NULL AND m.value IS NOT NULL
        ), cs AS (
            INSERT INTO changesets (author, source, layer, feature_count)
            SELECT 'migration', 'migration 0004_standard_land', 'standard_land_values', count(*) FROM moved
            HAVING count(*) > 0
            RETURNING id
        )
        INSERT INTO standard_land_values (plot_fid, indicator, stage, value, changeset_id)
        SELECT moved.fid, moved.indicator, 'committed', moved.value, cs.id FROM moved, cs
    """))


def downgrade() -> None:
    for name, type_ in MOVED:
        op.add_column("standard_land_plots", sa.Column(name, type_, nullable=True))
    op.execute(sa.text("""
        UPDATE standard_land_plots p
        SET investment_intensity = round(v.value, 2)
        FROM standard_land_values v
        WHERE p.valid_to IS NULL AND v.valid_to IS NULL AND v.plot_fid = p.fid AND v.stage = 'committed'
          AND v.indicator = 'investment_intensity' AND v.value < 1e10
    """))
    op.execute(sa.text("""
        UPDATE standard_land_plots p
        SET floor_area_ratio = round(v.value, 2)
        FROM standard_land_values v
        WHERE p.valid_to IS NULL AND v.valid_to IS NULL AND v.plot_fid = p.fid AND v.stage = 'committed'
          AND v.indicator = 'floor_area_ratio' AND v.value < 1e4
    """))

    op.drop_index("ux_regional_assessments_current_fid", table_name="regional_assessments",
                  postgresql_where=sa.text("valid_to IS NULL"))
    op.drop_geospatial_index("gx_regional_assessments_geom_current", table_name="regional_assessments",
                             postgresql_using="gist", postgresql_where=sa.text("valid_to IS NULL"), column_name="geom")
    op.drop_geospatial_table("regional_assessments")
    op.drop_index("ux_standard_land_values_current_key", table_name="standard_land_values",
                  postgresql_where=sa.text("valid_to IS NULL"))
    op.drop_index("ux_standard_land_values_current_fid", table_name="standard_land_values",
                  postgresql_where=sa.text("valid_to IS NULL"))
    op.drop_table("standard_land_values")
    op.drop_index("ux_indicator_standards_current_fid", table_name="indicator_standards",
                  postgresql_where=sa.text("valid_to IS NULL"))
    op.drop_table("indicator_standards")
    for column in reversed(_plot_columns()):
        op.drop_column("standard_land_plots", column.name)
