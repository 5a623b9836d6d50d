"""Typed errors of the registry. Each carries the HTTP status the web layer answers with,
so the core never builds responses (the pygeoapi pattern)."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    status = 400
    title = "请求无效 / Bad request"

    def __init__(self, detail: str, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(RegistryError):
    """A request parameter that cannot be understood (a malformed bbox, an unknown filter)."""


class NotFound(RegistryError):
    status = 404
    title = "未找到 / Not found"


class StaleVersion(RegistryError):
    """The change was based on a version that is no longer current: somebody else changed it first."""

    status = 412
    title = "版本已过期 / Stale version"


class InvalidInput(RegistryError):
    """Attributes or geometry break a rule; ``issues`` lists each problem."""

    status = 422
    title = "数据不符合规则 / Invalid input"


class ImportRejected(InvalidInput):
    """A file failed its checks: nothing was written; ``report`` says why, feature by feature."""


class Conflict(RegistryError):
    """The change would break a link between records (deleting a feature that current records name)."""

    status = 409
    title = "与其他记录冲突 / Conflict"


class PayloadTooLarge(RegistryError):
    status = 413
    title = "上传过大 / Upload too large"


class Forbidden(RegistryError):
    status = 403
    title = "无权操作 / Forbidden"


class TooManyAttempts(RegistryError):
    """Too many failed sign-ins: wait ``retry_after`` seconds (the web answers 429 with ``Retry-After``)."""

    status = 429
    title = "尝试过于频繁 / Too many attempts"


class Busy(RegistryError):
    """The account already has a job running: one at a time (the web answers 429 with ``Retry-After``)."""

    status = 429
    title = "已有任务在运行 / A job is already running"


class Unavailable(RegistryError):
    status = 503
    title = "数据库暂不可用 / Database unavailable"
