"""Eldercare facilities: capacity and the demonstration-institution flag (issue 8).

Services stay a text column; from this revision on it holds service codes (``layers.eldercare.SERVICES``),
which the layer's rule normalises from Chinese labels on every write. Older versions keep the text
they were written with: history is never rewritten.

Revision ID: 0006_eldercare
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_eldercare"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("eldercare_facilities", sa.Column("capacity", sa.Integer(), nullable=True))
    op.add_column("eldercare_facilities", sa.Column("is_demonstration", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("eldercare_facilities", "is_demonstration")
    op.drop_column("eldercare_facilities", "capacity")
