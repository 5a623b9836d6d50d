"""Test fixtures: a real PostGIS database created for the session, emptied after each test.

No mocked database anywhere. A skipped test fails the run: a database test that silently does not
run is worse than one that fails (the geopandas CI habit). The stories the tests run on are fixtures
of :mod:`tests.stories.fixtures`; shared utilities are in :mod:`tests.helpers`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import make_url

from registry import Registry, connect
from registry.config import database_url
from registry.db import drop_database, ensure_database, migrate
from tests.helpers import truncate_all

pytest_plugins = ["tests.stories.fixtures"]


@pytest.fixture(scope="session")
def db_url() -> Iterator[str]:
    base = make_url(database_url())
    url = base.set(database=f"{base.database}_test_{os.getpid()}").render_as_string(hide_password=False)
    drop_database(url)
    ensure_database(url)
    migrate(url)
    yield url
    drop_database(url)


@pytest.fixture
def reg(db_url: str) -> Iterator[Registry]:
    registry = connect(db_url, user="tester")
    yield registry
    truncate_all(registry)
    registry.close()


@pytest.fixture
def app(db_url: str, reg: Registry):
    from gis_app import create_app

    application = create_app({"TESTING": True, "DATABASE_URL": db_url})
    yield application
    application.extensions["registry"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner for ``fujian-gis`` commands, pointed at the test database."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    return CliRunner()


@pytest.fixture
def token_for(reg):
    """Make an account with ``roles`` (and a jurisdiction) and return the headers of its API token."""
    from registry.accounts import create_account, issue_token

    def make(roles: tuple[str, ...] = ("admin",), scope: str | None = None, username: str = "editor",
             display_name: str = "编辑甲") -> dict[str, str]:
        create_account(reg, username, display_name, roles=list(roles), scope_code=scope)
        return {"Authorization": f"Bearer {issue_token(reg, username)}"}

    return make


@pytest.fixture
def token(token_for) -> dict[str, str]:
    """Headers of an administrator's API token."""
    return token_for()


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter) -> None:
    if _skipped:
        terminalreporter.write_line(f"FAILED: {len(_skipped)} test(s) skipped; a skipped test is a failure here",
                                    red=True)
