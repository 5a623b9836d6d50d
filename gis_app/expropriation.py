"""土地征收 (land expropriation): web routes and CLI commands of this business area; no SQL, no rules here."""

from __future__ import annotations

import click
from flask import Blueprint

bp = Blueprint("expropriation", __name__)


@click.group("land", help="土地征收 / land expropriation")
def cli() -> None:
    pass
