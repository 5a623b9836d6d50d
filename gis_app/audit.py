"""The audit trail of the web app: every change request, every download and every sign-in is recorded
(:mod:`registry.audit`), and the ``auditor`` role reads and exports the log.

    GET /audit[?since=&until=&actor=&action=&limit=][&f=csv|json|html]     the log, newest first
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, Flask, Response, g, jsonify, render_template_string, request
from sqlalchemy.exc import OperationalError

from gis_app.auth import UNSAFE, client_address, require_account
from gis_app.context import registry
from gis_app.params import integer
from registry import audit
from registry.errors import Forbidden, InvalidInput

bp = Blueprint("audit", __name__)
log = logging.getLogger(__name__)

PAGE = """{% extends "base.html" %}{% block title %}审计日志{% endblock %}{% block content %}
<h1 class="h4">审计日志</h1><p><a href="?f=csv">导出 CSV</a></p>
<div class="table-responsive"><table class="table table-sm"><thead><tr>
<th>时间</th><th>操作人</th><th>地址</th><th>操作</th><th>对象</th><th>结果</th></tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.at.strftime('%Y-%m-%d %H:%M:%S') }}</td><td>{{ r.actor }}</td><td>{{ r.address }}</td>
<td>{{ r.action }}</td><td>{{ r.target }}</td><td>{{ r.outcome }}</td></tr>{% endfor %}
</tbody></table></div>{% endblock %}"""


def init_app(app: Flask) -> None:
    @app.after_request
    def record(response: Response) -> Response:
        """Changes (any unsafe method) and downloads (attachments); sign-ins record themselves."""
        download = "attachment" in response.headers.get("Content-Disposition", "")
        if (request.method in UNSAFE or download) and request.endpoint not in ("auth.login",):
            account = g.get("account")
            try:
                audit.record(registry(), actor=account.label if account else "anonymous", address=client_address(),
                             action="export" if download and request.method not in UNSAFE else request.method.lower(),
                             target=request.full_path.rstrip("?"), outcome=str(response.status_code))
            except OperationalError:  # the database is down: the request could not change anything either
                log.error("audit entry not written (database unavailable): %s %s", request.method, request.path)
        return response


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidInput(f"{name} 应为 ISO 8601 时间 / {name} must be an ISO 8601 time, got {raw!r}") from None


@bp.get("/audit")
def audit_log() -> Response | str:
    """For auditors only: they read everything and change nothing."""
    account = require_account()
    if "auditor" not in account.roles:
        raise Forbidden(f"账户 {account.username} 不是审计员 / account {account.username} is not an auditor")
    rows = audit.entries(registry(), since=_moment("since"), until=_moment("until"),
                         actor=request.args.get("actor") or None, action=request.args.get("action") or None,
                         limit=integer(request.args, "limit", 1000, minimum=1, maximum=100_000) or 1000)
    fmt = request.args.get("f") or ("html" if request.accept_mimetypes.accept_html else "json")
    if fmt == "csv":
        return Response(audit.as_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
    if fmt == "html":
        return render_template_string(PAGE, rows=rows)
    return jsonify(entries=rows)
