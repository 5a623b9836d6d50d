"""入河入海排污口 (outfalls): web routes and CLI commands of this business area; no SQL, no rules here."""

from __future__ import annotations

import click
from flask import Blueprint

bp = Blueprint("outfalls", __name__)


@click.group("outfalls", help="入河入海排污口 / outfalls")
def cli() -> None:
    pass
