"""Errors as RFC 9457 ``application/problem+json``: typed registry errors keep their status, anything
unexpected becomes a 500 whose body says nothing about the code, and an unreachable database a 503."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from flask import Flask, Response, current_app, json, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from registry.errors import RegistryError

log = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """The error as a client reads it (problem JSON) or, for a browser, as a page in the site's layout."""
    browser = request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
    response = _page(status, title, detail, extra.get("retry_after")) if browser else None
    if response is None:
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
                "instance": request.path, **extra}
        response = Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                            mimetype="application/problem+json")
    if extra.get("retry_after") is not None:
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


def _page(status: int, title: str, detail: str, retry_after: Any) -> Response | None:
    """The error page; None if even it cannot be drawn (the layout is static, so that should not happen)."""
    try:
        html = render_template("error.html", status=status, title=title, detail=detail, retry_after=retry_after,
                               path=request.path)
    except Exception:
        log.exception("error page failed")
        return None
    return Response(html, status=status, mimetype="text/html")


def init_app(app: Flask) -> None:
    @app.errorhandler(RegistryError)
    def registry_error(exc: RegistryError) -> Response:
        extra = {k: v for k, v in exc.extra.items() if k != "report"}
        report = exc.extra.get("report")
        if report is not None:
            extra["report"] = report.as_dict()
        return problem(exc.status, exc.title, exc.detail, **extra)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> Response:
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 1024 / 1024
        return problem(413, "上传过大 / Upload too large",
                       f"请求体超过上限 {limit_mb:g} MB,未读取 / the request body is over the limit of {limit_mb:g} MB "
                       "and was not read (FUJIAN_MAX_UPLOAD_MB)", limit_mb=limit_mb)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return problem(exc.code or 500, exc.name, exc.description or exc.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(psycopg.OperationalError)
    def database_down(exc: Exception) -> Response:
        log.warning("database unavailable: %s", getattr(exc, "orig", exc))
        return problem(503, "数据库暂不可用 / Database unavailable",
                       "数据库暂时无法连接,请稍后重试 / the database cannot be reached now; try again shortly",
                       retry_after=5)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> Response:
        log.exception("database error")
        return problem(500, "服务器内部错误 / Internal server error",
                       "数据库操作失败,已记录 / the database operation failed and has been logged")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "服务器内部错误 / Internal server error",
                       "服务器出错,已记录 / something went wrong on the server and has been logged")
