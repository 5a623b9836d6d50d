"""Attribute rules applied to every write: coercion from text, required fields, codes, ranges, checks.

Problems are collected, not raised one at a time (the digital-land habit): an import reports every
problem of every feature at once, naming the feature, the field, the value and the problem.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric

from layers.base import Feature, editable_attributes


@dataclass(frozen=True)
class Issue:
    """One problem of one feature: what an import report or a refused edit lists."""

    feature: int | None
    """1-based feature number in the file or request (None for the whole file)."""
    field: str | None
    value: str | None
    problem: str
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_TRUE = {"true", "t", "yes", "y", "1", "是"}
_FALSE = {"false", "f", "no", "n", "0", "否"}


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _decimal(value: Any) -> Decimal:
    """A finite Decimal, refusing infinities, NaN and absurd exponents before anything converts them."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("不是数字 / not a number") from None
    if not number.is_finite():
        raise ValueError("不是有限数字 / not a finite number")
    if number != 0 and abs(number.adjusted()) > 30:
        raise ValueError("数值超出范围 / number out of range")
    return number


_INT_RANGE = {Integer: 2**31, BigInteger: 2**63}


def coerce(column_type: Any, value: Any) -> Any:
    """Convert a value read from a file or JSON to the column's Python type; ValueError says why not.

    Ranges are checked here, so an out-of-range value is a problem named for the user, never an
    error of the database.
    """
    if isinstance(column_type, Boolean):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError("不是布尔值 / not a boolean (true/false)")
    if isinstance(column_type, Integer | BigInteger):
        number = None if isinstance(value, bool) else _decimal(value)
        if number is None or number != number.to_integral_value():
            raise ValueError("不是整数 / not an integer")
        limit = _INT_RANGE[BigInteger if isinstance(column_type, BigInteger) else Integer]
        if not -limit <= number < limit:
            raise ValueError("整数超出范围 / integer out of range")
        return int(number)
    if isinstance(column_type, Numeric):
        number = _decimal(value)
        precision, scale = column_type.precision, column_type.scale
        if scale is not None and number != number.quantize(Decimal(1).scaleb(-scale)):
            raise ValueError(f"小数位超过 {scale} 位 / more than {scale} decimals")
        if precision is not None and scale is not None and abs(number) >= Decimal(10) ** (precision - scale):
            raise ValueError(f"数值超出范围(整数部分最多 {precision - scale} 位) / number out of range "
                             f"(at most {precision - scale} digits before the point)")
        return number
    if isinstance(column_type, DateTime):
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    if isinstance(column_type, Date):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        return datetime.fromisoformat(text).date() if len(text) > 10 else date.fromisoformat(text)
    text = str(value).strip()
    length = getattr(column_type, "length", None)
    if length is not None and len(text) > length:
        raise ValueError(f"超过 {length} 个字符 / longer than {length} characters")
    return text


def check_properties(model: type[Feature], properties: dict[str, Any], *, feature: int | None = None,
                     partial: bool = False) -> tuple[dict[str, Any], list[Issue]]:
    """Clean ``properties`` for ``model``: returns the coerced values and the problems found.

    ``partial`` (a PATCH) checks only the fields given; otherwise missing required fields are problems.
    Unknown fields are problems too: a typo must not be dropped silently.
    """
    attrs = editable_attributes(model)
    columns = model.__table__.columns
    clean: dict[str, Any] = {}
    issues: list[Issue] = []
    for name in properties:
        if name not in attrs:
            issues.append(Issue(feature, name, _show(properties[name]),
                                f"未知字段 / unknown field; fields of {model.__layer__.name}: {', '.join(attrs)}"))
    for name, rule in attrs.items():
        if name not in properties:
            if not partial and rule.required:
                issues.append(Issue(feature, name, None, f"缺少必填字段“{rule.zh}” / required field missing"))
            continue
        raw = properties[name]
        if _is_missing(raw):
            if rule.required:
                issues.append(Issue(feature, name, None, f"必填字段“{rule.zh}”为空 / required field is empty"))
            else:
                clean[name] = None
            continue
        if isinstance(raw, dict | list):
            issues.append(Issue(feature, name, _show(raw), "应为单个值,不能是对象或数组 / a single value is "
                                                           "expected, not an object or array"))
            continue
        if rule.normalise is not None:
            raw = rule.normalise(raw)
        try:
            value = coerce(columns[name].type, raw)
        except (InvalidOperation, OverflowError):
            issues.append(Issue(feature, name, _show(raw), "数值无效或超出范围 / invalid or out-of-range number"))
            continue
        except (ValueError, TypeError) as exc:
            issues.append(Issue(feature, name, _show(raw), f"类型不符 / wrong type: {exc}"))
            continue
        problem = rule.problem(value)
        if problem:
            issues.append(Issue(feature, name, _show(raw), problem))
            continue
        clean[name] = value
    return clean, issues


def _show(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
