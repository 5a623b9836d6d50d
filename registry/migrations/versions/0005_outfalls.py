"""Outfalls (issue 7): status dates, standards, approval mode, regularisation items, unit identity and
the unique current code; monitoring samples and inspectors (layers); stored random inspection draws.

Revision ID: 0005_outfalls
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_outfalls"
down_revision = "0002"
branch_labels = None
depends_on = None

APPROVAL_MODE_SQL = ("CASE WHEN receiving_kind = 'sea' THEN 'filing' "
                     "WHEN outfall_class IN ('industrial', 'municipal_plant') THEN 'review' ELSE 'none' END")

NEW_OUTFALL_COLUMNS = [
    ("stormwater", sa.Boolean()), ("large_scale", sa.Boolean()), ("unit_credit_code", sa.String(length=18)),
    ("shared_by_units", sa.Boolean()), ("city_bureau_informed_on", sa.Date()), ("surveyed_on", sa.Date()),
    ("sampled_on", sa.Date()), ("traced_on", sa.Date()), ("decided_on", sa.Date()), ("remediated_on", sa.Date()),
    ("standard", sa.String(length=40)), ("standard_note", sa.String(length=200)),
    ("approval_number", sa.String(length=80)), ("approved_on", sa.Date()),
]
ITEM_COLUMNS = [("sign_board", sa.Boolean()), ("sampling_facility", sa.String(length=40)),
                ("online_monitoring", sa.Boolean()), ("video", sa.Boolean())]


def _version_columns(table: str) -> list:
    """The identity, versioning and provenance columns every layer table has (layers.base.Feature)."""
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


def upgrade() -> None:
    conn = op.get_bind()
    duplicates = conn.execute(sa.text(
        "SELECT code, string_agg(fid::text, ', ' ORDER BY fid) FROM outfalls WHERE valid_to IS NULL "
        "GROUP BY code HAVING count(*) > 1 ORDER BY code")).all()
    if duplicates:
        listed = "; ".join(f"{code}: fid {fids}" for code, fids in duplicates)
        raise RuntimeError(f"排污口编码重复,请先更正 / outfall codes are not unique, correct them first: {listed}")

    for name, type_ in NEW_OUTFALL_COLUMNS:
        op.add_column("outfalls", sa.Column(name, type_, nullable=True))
    op.add_column("outfalls", sa.Column("approval_mode", sa.String(length=40),
                                        sa.Computed(APPROVAL_MODE_SQL, persisted=True), nullable=True))
    for name, type_ in ITEM_COLUMNS:
        op.add_column("outfalls", sa.Column(name, type_, nullable=True))
    op.create_index("ux_outfalls_current_code", "outfalls", ["code"], unique=True,
                    postgresql_where=sa.text("valid_to IS NULL"))

    op.create_table(
        "outfall_samples",
        sa.Column("outfall_fid", sa.BigInteger(), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("sampled_on", sa.Date(), nullable=False),
        sa.Column("parameter", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("limit_value", sa.Numeric(precision=16, scale=4), nullable=True),
        sa.Column("lab", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        *_version_columns("outfall_samples"),
    )
    op.create_index("ux_outfall_samples_current_fid", "outfall_samples", ["fid"], unique=True,
                    postgresql_where=sa.text("valid_to IS NULL"))
    op.create_index("ix_outfall_samples_current_outfall", "outfall_samples", ["outfall_fid"],
                    postgresql_where=sa.text("valid_to IS NULL"))

    op.create_table(
        "outfall_inspectors",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("badge_number", sa.String(length=40), nullable=True),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=True),
        *_version_columns("outfall_inspectors"),
    )
    op.create_index("ux_outfall_inspectors_current_fid", "outfall_inspectors", ["fid"], unique=True,
                    postgresql_where=sa.text("valid_to IS NULL"))

    op.create_table(
        "outfall_inspection_draws",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("area_label", sa.String(length=200), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=False),
        sa.Column("inputs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outfall_inspection_draws")),
        sa.UniqueConstraint("year", "area", name=op.f("uq_outfall_inspection_draws_year_area")),
    )
    op.create_table(
        "outfall_inspection_items",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("draw_id", sa.BigInteger(), nullable=False),
        sa.Column("outfall_fid", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("pools", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("inspectors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["outfall_inspection_draws.id"],
                                name=op.f("fk_outfall_inspection_items_draw_id_outfall_inspection_draws"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outfall_inspection_items")),
        sa.UniqueConstraint("draw_id", "outfall_fid", name=op.f("uq_outfall_inspection_items_draw_id_outfall_fid")),
    )


def downgrade() -> None:
    op.drop_table("outfall_inspection_items")
    op.drop_table("outfall_inspection_draws")
    op.drop_index("ux_outfall_inspectors_current_fid", table_name="outfall_inspectors",
                  postgresql_where=sa.text("valid_to IS NULL"))
    op.drop_table("outfall_inspectors")
    op.drop_index("ix_outfall_samples_current_outfall", table_name="outfall_samples",
                  postgresql_where=sa.text("valid_to IS NULL"))
    op.drop_index("ux_outfall_samples_current_fid", table_name="outfall_samples",
                  postgresql_where=sa.text("valid_to IS NULL"))
    op.drop_table("outfall_samples")
    op.drop_index("ux_outfalls_current_code", table_name="outfalls", postgresql_where=sa.text("valid_to IS NULL"))
    for name, _ in [*reversed(ITEM_COLUMNS), ("approval_mode", None), *reversed(NEW_OUTFALL_COLUMNS)]:
        op.drop_column("outfalls", name)
