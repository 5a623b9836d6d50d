"""Utilities shared by the tests of every package; the data they run on lives in :mod:`tests.stories`."""

from __future__ import annotations

import re

from sqlalchemy import text

import layers
from registry import Registry

XSS = "<script>alert(1)</script>"
"""A hostile feature name: pages must show it as text and never run it."""


def decoded(page: str) -> str:
    """The page with JSON ``\\uXXXX`` escapes resolved: what the browser's JavaScript strings contain."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def truncate_all(reg: Registry) -> None:
    """Empty every table but the land classes the migrations seed: the ``reg`` fixture does it after each test."""
    tables = [m.__tablename__ for m in layers.LAYERS.values()] + ["changesets"]
    extra = [t for t in layers.Base.metadata.tables if t not in tables and t != "land_classes"]
    with reg.engine.begin() as conn:
        # The audit log refuses TRUNCATE by a trigger; tests (as superuser) skip triggers to start clean.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {', '.join(tables + extra)} RESTART IDENTITY CASCADE"))


def wait_done(client, location: str) -> dict:
    """Let a worker do the queued check runs (as ``fujian-gis worker --once`` does), then read the run's status."""
    from analysis.runs import work

    assert client.get(location).get_json()["status"] == "queued", "a run starts queued, for a worker"
    work(client.application.extensions["registry"], once=True)
    return client.get(location).get_json()
