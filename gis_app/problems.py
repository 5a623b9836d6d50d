"""Errors as RFC 9457 ``application/problem+json``: typed registry errors keep their status, anything
unexpected becomes a 500 whose body says nothing about the code, and an unreachable database a 503."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from registry.errors import RegistryError

log = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "instance": request.path, **extra}
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    mimetype="application/problem+json")


def init_app(app: Flask) -> None:
    @app.errorhandler(RegistryError)
    def registry_error(exc: RegistryError) -> Response:
        extra = {k: v for k, v in exc.extra.items() if k != "report"}
        report = exc.extra.get("report")
        if report is not None:
            extra["report"] = report.as_dict()
        response = problem(exc.status, exc.title, exc.detail, **extra)
        if "retry_after" in extra:
            response.headers["Retry-After"] = str(extra["retry_after"])
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return problem(exc.code or 500, exc.name, exc.description or exc.name)

    @app.errorhandler(OperationalError)
    def database_down(exc: OperationalError) -> Response:
        log.warning("database unavailable: %s", exc.orig)
        response = problem(503, "数据库暂不可用 / Database unavailable",
                           "数据库暂时无法连接,请稍后重试 / the database cannot be reached now; try again shortly",
                           retry_after=5)
        response.headers["Retry-After"] = "5"
        return response

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
