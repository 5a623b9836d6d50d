"""The Flask application: ``create_app()`` wires the registry into blueprints; no SQL, no rules here."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from registry import connect
from registry.config import database_url


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=database_url(),
        SECRET_KEY=os.environ.get("FUJIAN_SECRET_KEY", "dev-only-change-me"),
        BASEMAP_URL=os.environ.get("FUJIAN_BASEMAP_URL", ""),
        BASEMAP_ATTRIBUTION=os.environ.get("FUJIAN_BASEMAP_ATTRIBUTION", ""),
        TIANDITU_KEY=os.environ.get("FUJIAN_TIANDITU_KEY", ""),
        MAX_CONTENT_LENGTH=int(os.environ.get("FUJIAN_MAX_UPLOAD_MB", "200")) * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.extensions["registry"] = connect(app.config["DATABASE_URL"], user="web")

    from gis_app import problems, web

    problems.init_app(app)
    app.register_blueprint(web.bp)
    return app
