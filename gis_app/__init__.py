"""The Flask application: ``create_app()`` wires the registry into blueprints; no SQL, no rules here."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from gis_app import (
    auth,
    checks,
    eldercare,
    expropriation,
    features,
    mapviews,
    openapi,
    outfalls,
    problems,
    security,
    standard_land,
)
from gis_app.jsonify import IdConverter, JSONProvider
from registry import connect
from registry.config import database_url

AREAS = (expropriation, standard_land, outfalls, eldercare)
"""Business areas: each module holds its blueprint ``bp`` and its command group ``cli``."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=database_url(),
        # Without a configured key each process makes its own: sessions then end when it restarts.
        SECRET_KEY=os.environ.get("FUJIAN_SECRET_KEY") or secrets.token_hex(32),
        BASEMAP_URL=os.environ.get("FUJIAN_BASEMAP_URL", ""),
        BASEMAP_ATTRIBUTION=os.environ.get("FUJIAN_BASEMAP_ATTRIBUTION", ""),
        TIANDITU_KEY=os.environ.get("FUJIAN_TIANDITU_KEY", ""),
        MAX_CONTENT_LENGTH=int(os.environ.get("FUJIAN_MAX_UPLOAD_MB", "200")) * 1024 * 1024,
        TILE_THRESHOLD=int(os.environ.get("FUJIAN_TILE_THRESHOLD", "5000")),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("FUJIAN_SECURE_COOKIES", "") == "1",
        ASSET_DIR=os.environ.get("FUJIAN_ASSET_DIR", str(Path(__file__).resolve().parent.parent / "node_modules")),
    )
    if test_config:
        app.config.update(test_config)
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.extensions["registry"] = connect(app.config["DATABASE_URL"], user="web")

    problems.init_app(app)
    security.init_app(app)
    for module in (features, openapi, mapviews, auth, checks, *AREAS):
        app.register_blueprint(module.bp)
    return app
