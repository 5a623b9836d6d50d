"""Values from a request or a command line, parsed in one place so every refusal names its parameter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import request

from registry.errors import InvalidInput

MAX_JSON_DEPTH = 32
"""Nesting a request body may have: GeoJSON needs five levels; a thousand would exhaust the parser."""


def wants_html() -> bool:
    """Whether the answer should be a page for a person: ``?f=html``, or a browser's ``Accept`` preferring HTML."""
    f = request.args.get("f")
    if f:
        return f == "html"
    best = request.accept_mimetypes.best_match(["application/json", "application/geo+json", "text/html"])
    return best == "text/html"


def integer(args: Mapping[str, Any], name: str, default: int | None = None, *,
            minimum: int | None = None, maximum: int | None = None) -> int | None:
    """``args[name]`` as a whole number, ``default`` when absent or empty; anything else is refused (422),
    never ignored."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise InvalidInput(f"{name} 应为整数 / {name} must be a whole number, got {raw!r}")
    try:
        value = raw if isinstance(raw, int) else int(str(raw).strip())
    except ValueError:
        raise InvalidInput(f"{name} 应为整数 / {name} must be a whole number, got {raw!r}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidInput(f"{name} 应在 {minimum} 到 {maximum} 之间 / {name} must be between {minimum} and "
                           f"{maximum}, got {value}")
    return value


def iso_date(value: Any, name: str) -> date:
    """A date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{name} 应为日期 YYYY-MM-DD / {name} must be a date YYYY-MM-DD, got {value!r}") from None


def json_body() -> Any:
    """The request's JSON body (None when there is none or it is not JSON), refused by name when it nests
    deeper than :data:`MAX_JSON_DEPTH` instead of exhausting the parser."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise InvalidInput(f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层 / the JSON nests deeper than {MAX_JSON_DEPTH} "
                           "levels") from None
    stack = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidInput(f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层 / the JSON nests deeper than {MAX_JSON_DEPTH} "
                               "levels")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return body
