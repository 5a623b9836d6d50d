"""工业标准地 (standard land): web routes and CLI commands of this business area; no SQL, no rules here."""

from __future__ import annotations

import click
from flask import Blueprint

bp = Blueprint("standard_land", __name__)


@click.group("standard-land", help="工业标准地 / standard land")
def cli() -> None:
    pass
