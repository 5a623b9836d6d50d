"""The audit log a government system keeps: every write, export, sign-in, account change and check run,
with who, when, from which address, what and how it ended.

Rows are only ever added: the database refuses UPDATE, DELETE and TRUNCATE on ``audit_log`` (migration
0012), so no account of the application, administrators included, can rewrite the record. Reading it is
for the ``auditor`` role (``gis_app``), which can change nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from layers.system import AuditEntry
from registry.api import Registry

COLUMNS = ("id", "at", "actor", "address", "action", "target", "outcome", "detail")


def record(reg: Registry, *, actor: str, action: str, outcome: str, target: str = "", address: str = "",
           detail: Mapping[str, Any] | None = None) -> None:
    """Add one entry, in its own transaction: a refused or failed action is recorded as well."""
    with reg.engine.begin() as conn:
        conn.execute(insert(AuditEntry.__table__).values(actor=actor, action=action, outcome=outcome,
                                                         target=target[:2000], address=address[:64],
                                                         detail=dict(detail or {})))


def entries(reg: Registry, *, since: datetime | None = None, until: datetime | None = None,
            actor: str | None = None, action: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The newest entries first, filtered by time, actor and action."""
    t = AuditEntry.__table__
    stmt = select(*(t.c[c] for c in COLUMNS)).order_by(t.c.id.desc()).limit(limit)
    for column, value, test in ((t.c.at, since, "ge"), (t.c.at, until, "lt"), (t.c.actor, actor, "eq"),
                                (t.c.action, action, "eq")):
        if value is not None:
            stmt = stmt.where({"ge": column >= value, "lt": column < value, "eq": column == value}[test])
    with reg.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(stmt)]


def as_csv(rows: list[dict[str, Any]]) -> str:
    """The entries as CSV with a BOM, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows({**r, "at": r["at"].isoformat()} for r in rows)
    return "\ufeff" + out.getvalue()
