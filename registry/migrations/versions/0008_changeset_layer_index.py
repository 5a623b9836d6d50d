"""Index changesets by layer: the data version of one layer (tile ETags) is a max over it.

Revision ID: 0008_changeset_layer_index
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0008_changeset_layer_index"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_changesets_layer_id", "changesets", ["layer", "id"])


def downgrade() -> None:
    op.drop_index("ix_changesets_layer_id", table_name="changesets")
