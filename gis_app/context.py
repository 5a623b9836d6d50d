"""The registry a request or a command works on: the one accessor every view and command uses."""

from __future__ import annotations

from flask import current_app, has_app_context

from registry import Registry, connect
from registry.config import database_url


def registry() -> Registry:
    """The app's registry inside a request; a new one from ``DATABASE_URL`` on the command line."""
    if has_app_context():
        return current_app.extensions["registry"]
    return connect(database_url())
