"""The Flask application: ``create_app()`` wires the registry into blueprints; no SQL, no rules here.

Three parts, visibly apart: :mod:`gis_app.api` (the OGC API for clients), :mod:`gis_app.web` (pages for
people, a module per business area) and :mod:`gis_app.cli` (the command line, a module per area).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from gis_app import audit, auth, problems, security, uploads
from gis_app.api import features, openapi
from gis_app.api.jsonify import IdConverter, JSONProvider
from gis_app.settings import app_config
from gis_app.web import AREAS, checks, maps
from registry import connect


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(app_config())
    if test_config:
        app.config.update(test_config)
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.extensions["registry"] = connect(app.config["DATABASE_URL"], user="web")

    uploads.remove_stale()  # what a killed predecessor left
    problems.init_app(app)
    security.init_app(app)
    audit.init_app(app)
    blueprints = (features, openapi, maps, auth, audit, checks, *AREAS)
    for module in blueprints:
        app.register_blueprint(module.bp)
    # The OpenAPI document lists the routes of every part that declares them (no import back from openapi).
    app.extensions["openapi_paths"] = [m.openapi_paths for m in blueprints if hasattr(m, "openapi_paths")]
    return app
