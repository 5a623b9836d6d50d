"""Attribute rules applied to every write: coercion from text, required fields, codes, ranges, checks.

Problems are collected, not raised one at a time (the digital-land habit): an import reports every
problem of every feature at once, naming the feature, the field, the value and the problem.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String

from layers.base import AttrRule, Feature, editable_attributes


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


BEIJING = timezone(timedelta(hours=8), "CST")
"""A time given without a zone is Beijing time, as every Fujian record is (never the server's zone)."""

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
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
        return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
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
                issues.append(Issue(feature, name, None, _required_missing(rule)))
            continue
        raw = properties[name]
        if _is_missing(raw):
            if rule.required:
                issues.append(Issue(feature, name, None, _required_empty(rule)))
            else:
                clean[name] = None
            continue
        value, problem = check_value(rule, columns[name].type, raw)
        if problem:
            issues.append(Issue(feature, name, _show(raw), problem))
        else:
            clean[name] = value
    return clean, issues


def check_value(rule: AttrRule, column_type: Any, raw: Any) -> tuple[Any, str | None]:
    """One present value against its attribute's rules: ``(value, None)`` or ``(None, problem)``."""
    if isinstance(raw, dict | list):
        return None, "应为单个值,不能是对象或数组 / a single value is expected, not an object or array"
    if isinstance(raw, str) and "\x00" in raw:
        return None, "含有空字符(NUL, \\x00),PostgreSQL 不能存储 / contains a NUL character, which cannot be stored"
    if rule.normalise is not None:
        raw = rule.normalise(raw)
    try:
        value = coerce(column_type, raw)
    except (InvalidOperation, OverflowError):
        return None, "数值无效或超出范围 / invalid or out-of-range number"
    except (ValueError, TypeError) as exc:
        return None, f"类型不符 / wrong type: {exc}"
    problem = rule.problem(value)
    return (None, problem) if problem else (value, None)


_DEDUPLICABLE = {"string", "integer", "floating", "boolean", "decimal", "date", "datetime", "datetime64", "empty"}
"""pandas' inferred kinds of a column whose values can be checked once per distinct value: one Python type,
so equal keys mean equal values (mixed columns would merge ``1``, ``1.0`` and ``True``)."""


def check_frame(model: type[Feature], frame: pd.DataFrame) -> tuple[dict[str, NDArray[np.object_]], list[Issue]]:
    """``check_properties`` for a whole file at once: each column's distinct values are checked once.

    The columns must already be attribute names (unknown ones are ignored). Returns the clean values per
    attribute (aligned with the rows, None where empty) and the problems, numbered by 1-based row. A
    required attribute the file lacks is one problem of the file, not one per feature.
    """
    columns = model.__table__.columns
    clean: dict[str, NDArray[np.object_]] = {}
    issues: list[Issue] = []
    for name, rule in editable_attributes(model).items():
        if name not in frame.columns:
            if rule.required and len(frame):
                issues.append(Issue(None, name, None, _required_missing(rule) + "(文件中没有此列 / the file "
                                                                                "has no such column)"))
            continue
        clean[name] = _check_column(name, rule, columns[name].type, frame[name].to_numpy(dtype=object), issues)
    return clean, issues


def _check_column(name: str, rule: AttrRule, column_type: Any, raw: NDArray[np.object_],
                  issues: list[Issue]) -> NDArray[np.object_]:
    """Check one column's values, each distinct value once; append the problems, return the clean values."""
    present = ~pd.isna(raw)
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    if kind in _DEDUPLICABLE:
        codes, distinct = pd.factorize(raw)
        codes = np.where(present, codes, -1)
    else:
        codes, distinct = np.where(present, np.arange(len(raw)), -1), raw
    values = np.full(len(distinct) + 1, None, dtype=object)  # the extra last slot answers code -1 (missing)
    problems = np.full(len(distinct) + 1, None, dtype=object)
    blank = np.zeros(len(distinct) + 1, dtype=bool)
    blank[-1] = True
    todo = np.unique(codes[codes >= 0])
    if kind == "string" and _plain_text(rule, column_type):
        text = pd.Series(distinct, dtype=object).str.strip()
        blank[:-1] = (text == "").to_numpy()
        suspect = _text_suspects(rule, column_type, text) & ~blank[:-1]
        values[:-1] = np.where(suspect | blank[:-1], None, text.to_numpy(dtype=object))
        todo = np.flatnonzero(suspect)
    for k in todo:
        if _is_missing(distinct[k]):
            blank[k] = True
        else:
            values[k], problems[k] = check_value(rule, column_type, distinct[k])
    if rule.required:
        issues += [Issue(int(i) + 1, name, None, _required_empty(rule)) for i in np.flatnonzero(blank[codes])]
    for i in np.flatnonzero(problems[codes] != None):  # noqa: E711 (elementwise over an object array)
        issues.append(Issue(int(i) + 1, name, _show(raw[i]), problems[codes[i]]))
    return values[codes]


def _plain_text(rule: AttrRule, column_type: Any) -> bool:
    """A text attribute whose every rule can run on a whole column at once (nothing calls Python per value)."""
    return isinstance(column_type, String) and rule.normalise is None and rule.check is None and \
        rule.minimum is None and rule.maximum is None


def _text_suspects(rule: AttrRule, column_type: String, text: pd.Series) -> NDArray[np.bool_]:
    """Stripped values that break a rule of a plain text attribute (``check_value`` then says which and why)."""
    bad = text.str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool, copy=True)
    if column_type.length is not None:
        bad |= (text.str.len() > column_type.length).to_numpy()
    if rule.codes is not None:
        bad |= ~text.isin(rule.codes.values()).to_numpy()
    if rule.pattern is not None:
        bad |= ~text.str.fullmatch(rule.pattern).fillna(False).to_numpy(dtype=bool)
    return bad


def _required_missing(rule: AttrRule) -> str:
    return f"缺少必填字段“{rule.zh}” / required field missing"


def _required_empty(rule: AttrRule) -> str:
    return f"必填字段“{rule.zh}”为空 / required field is empty"


def _show(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
