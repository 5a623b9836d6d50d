"""Layer data versions that follow commit order (tile ETags): ``layer_versions``, set at commit time.

A deferred constraint trigger on ``changesets`` runs when the writing transaction commits and gives the
changeset's layer (``*`` for a changeset spanning layers) a fresh value of ``layer_version_seq``. The row
lock it takes is held only for the commit itself, so writers of a layer serialise on that instant only.

Revision ID: 0010_layer_versions
Revises: 0008_changeset_layer_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_layer_versions"
down_revision = "0008_changeset_layer_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "layer_versions",
        sa.Column("layer", sa.String(80), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("layer", name="pk_layer_versions"),
    )
    op.execute("CREATE SEQUENCE layer_version_seq")
    op.execute("""
        CREATE FUNCTION bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO layer_versions (layer, version) VALUES (coalesce(NEW.layer, '*'), nextval('layer_version_seq'))
            ON CONFLICT (layer) DO UPDATE SET version = EXCLUDED.version;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE CONSTRAINT TRIGGER changesets_bump_layer_version AFTER INSERT ON changesets
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_layer_version()""")
    op.execute("""
        INSERT INTO layer_versions (layer, version)
        SELECT coalesce(layer, '*'), nextval('layer_version_seq') FROM changesets GROUP BY coalesce(layer, '*')""")


def downgrade() -> None:
    op.execute("DROP TRIGGER changesets_bump_layer_version ON changesets")
    op.execute("DROP FUNCTION bump_layer_version()")
    op.execute("DROP SEQUENCE layer_version_seq")
    op.drop_table("layer_versions")
