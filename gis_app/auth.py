"""Who may edit. API tokens come from configuration (``FUJIAN_EDIT_TOKENS=token:name,...``) until
accounts and roles arrive; a request without a valid token is answered 401."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request

from registry.errors import RegistryError


class Unauthorised(RegistryError):
    status = 401
    title = "需要登录 / Authentication required"


def parse_tokens(spec: str) -> dict[str, str]:
    pairs = (item.split(":", 1) for item in spec.split(",") if ":" in item)
    return {token.strip(): name.strip() for token, name in pairs if token.strip()}


def current_editor() -> str:
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    for known, name in current_app.config["EDIT_TOKENS"].items():
        if token and hmac.compare_digest(token, known):
            return name
    raise Unauthorised("修改数据须提供有效令牌 (Authorization: Bearer …) / editing needs a valid API token")


def sees_private() -> bool:
    """Whether this request may see non-public attributes: only an identified editor may."""
    try:
        current_editor()
    except Unauthorised:
        return False
    return True


def require_editor(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return view(*args, user=current_editor(), **kwargs)

    return wrapped
