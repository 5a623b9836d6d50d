"""Tables that are not layers: stored check runs and their findings (written by analysis/), the queue of
other long jobs (imports), accounts, sign-in sessions and attempts, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import SRID, Base


class CheckRun(Base):
    """One run of the check engine: its parameters, the data version it saw, and how it went."""

    __tablename__ = "check_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_s: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (Index("ix_check_runs_queued", "id", postgresql_where=text("status = 'queued'")),)

    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="queued")
    """queued (waiting for a worker), running, done or failed."""
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    data_version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    author: Mapped[str] = mapped_column(String(120), nullable=False)
    checks_total: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    checks_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    finding_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    """The database backend of the connection doing the run: gone from pg_stat_activity, the run died."""
    kept_for: Mapped[list[str]] = mapped_column(ARRAY(String(80)), nullable=False, server_default="{}")
    """What refers to the run (report, export, comparison with run N): such a run is never pruned."""
    summary: Mapped[dict[str, int] | None] = mapped_column(JSONB)
    """Findings per check, kept when retention dropped the findings themselves."""
    pruned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """A long job other than a check run (a big import), queued by the web server and done by the worker;
    the row is the job's status, progress and outcome, and outlives the web server that queued it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_queued", "id", postgresql_where=text("status = 'queued'")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    """What the job does: ``import``."""
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="queued")
    """queued, running, done or failed (a refused import is done: its result says why)."""
    author: Mapped[str] = mapped_column(String(120), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    total: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    """The database backend of a connection the worker holds open for the job: gone, the worker died."""


class Finding(Base):
    """One problem found by one check in one run: the feature, the rule, the figures, the geometry."""

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_run_check", "run_id", "check_id"),
        Index("gx_findings_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("check_runs.id", ondelete="CASCADE"), nullable=False)
    check_id: Mapped[str] = mapped_column(String(80), nullable=False)
    layer: Mapped[str] = mapped_column(String(80), nullable=False)
    fid: Mapped[int | None] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    """Distinguishes several findings of one check on one feature (e.g. the zone overlapped)."""
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    message_zh: Mapped[str] = mapped_column(Text, nullable=False)
    message_en: Mapped[str] = mapped_column(Text, nullable=False)
    measured: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    county_code: Mapped[str | None] = mapped_column(String(12))
    geom = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=False))


class Account(Base):
    """A person or script that may sign in; roles say what they may read and change, ``scope`` where."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(40)), nullable=False, server_default="{}")
    scope_code: Mapped[str | None] = mapped_column(String(12))
    """GB/T 2260 code of the county or city this account may change features in; None = whole province."""
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                          server_default=func.now())
    """Sessions begun before this moment have ended."""


class ApiToken(Base):
    """A script's credential: only a SHA-256 digest is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    label: Mapped[str] = mapped_column(String(120), nullable=False, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")


class SignInSession(Base):
    """A signed-in browser session, kept on the server so that signing out, idling and a password change
    end it: the cookie only names it (by a random id whose SHA-256 digest is stored)."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInAttempt(Base):
    """One sign-in, successful or not, by user name and client address: what the throttle counts."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_username_at", "username", "at"),
                      Index("ix_sign_in_attempts_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    username: Mapped[str] = mapped_column(String(80), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)


class AuditEntry(Base):
    """One recorded action: who, when, from where, what, and how it ended. Append-only: the database
    refuses to change or delete a row (a trigger, so administrators of the application cannot either)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    action: Mapped[str] = mapped_column(String(80), nullable=False)
    target: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
