"""land expropriation: parcels reference the land-class catalogue and are indexed by approval

Revision ID: 0003_expropriation
Revises: 0002
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_expropriation"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_foreign_key(op.f("fk_land_parcels_land_class_land_classes"), "land_parcels", "land_classes",
                          ["land_class"], ["name"])
    op.create_index("ix_land_parcels_approval_fid_current", "land_parcels", ["approval_fid"], unique=False,
                    postgresql_where=sa.text("valid_to IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_land_parcels_approval_fid_current", table_name="land_parcels",
                  postgresql_where=sa.text("valid_to IS NULL"))
    op.drop_constraint(op.f("fk_land_parcels_land_class_land_classes"), "land_parcels", type_="foreignkey")
