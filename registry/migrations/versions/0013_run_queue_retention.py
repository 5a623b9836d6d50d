"""Check runs become jobs of a queue read by a worker (``queued`` until claimed, the worker's database
backend recorded so a killed worker's run can be told apart from a slow one), and can be kept or pruned:
``kept_for`` lists what refers to a run (a report, an export, a comparison), ``summary`` keeps the
counts per check of a run whose findings retention dropped.

Revision ID: 0013_run_queue_retention
Revises: 0012_sessions_sign_ins_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_run_queue_retention"
down_revision = "0012_sessions_sign_ins_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("check_runs", sa.Column("worker_pid", sa.Integer(), nullable=True))
    op.add_column("check_runs", sa.Column("kept_for", postgresql.ARRAY(sa.String(length=80)),
                                          server_default="{}", nullable=False))
    op.add_column("check_runs", sa.Column("summary", postgresql.JSONB(), nullable=True))
    op.add_column("check_runs", sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=True))
    op.alter_column("check_runs", "status", server_default="queued")
    op.create_index("ix_check_runs_queued", "check_runs", ["id"], postgresql_where=sa.text("status = 'queued'"))


def downgrade() -> None:
    op.drop_index("ix_check_runs_queued", table_name="check_runs")
    op.alter_column("check_runs", "status", server_default="running")
    for column in ("pruned_at", "summary", "kept_for", "worker_pid"):
        op.drop_column("check_runs", column)
