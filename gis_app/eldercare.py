"""养老服务设施 (eldercare): web routes and CLI commands of this business area; no SQL, no rules here."""

from __future__ import annotations

import click
from flask import Blueprint

bp = Blueprint("eldercare", __name__)


@click.group("eldercare", help="养老服务设施 / eldercare")
def cli() -> None:
    pass
