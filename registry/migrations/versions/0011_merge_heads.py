"""Merge the business-area branches into one head (no schema change).

After this revision ``fujian-gis db revision`` writes new revisions on top of a single head.

Revision ID: 0011_merge_heads
Revises: 0007_accounts, 0009_geometry_storage_external, 0010_layer_versions
Create Date: 2026-12-07 06:14:38.329794
"""

from __future__ import annotations

revision = "0011_merge_heads"
down_revision = ("0007_accounts", "0009_geometry_storage_external", "0010_layer_versions")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
