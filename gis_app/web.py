"""Placeholder landing page until the OGC API blueprint lands."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("web", __name__)


@bp.get("/")
def landing():
    reg = current_app.extensions["registry"]
    return jsonify(title="福建省国土空间规划与登记系统", layers=reg.layers)
