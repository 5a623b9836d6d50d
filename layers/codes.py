"""Code checks shared by several layers (administrative codes, credit codes) and the one rule of which
division a code lies in, in Python and in SQL."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement

_ADMIN = re.compile(r"35\d{4}")


def fujian_admin_code(value: object) -> str | None:
    """A GB/T 2260 six-digit code inside Fujian (35xxxx)."""
    if not _ADMIN.fullmatch(str(value)):
        return "不是福建省的6位行政区划代码(35xxxx) / not a six-digit Fujian division code (35xxxx)"
    return None


def code_prefix(code: str) -> str:
    """The part of a GB/T 2260 code its subdivisions share: 350000 → 35, 350600 → 3506, 350623 → 350623."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def code_within(code: str, division: str) -> bool:
    """Whether division ``code`` is ``division`` or lies inside it (a county in its city or the province)."""
    return code.startswith(code_prefix(division))


def column_within(column: ColumnElement[str], division: str) -> ColumnElement[bool]:
    """SQL twin of :func:`code_within` for a column of codes."""
    return column.startswith(code_prefix(division), autoescape=True)


def code_prefix_sql(code: str) -> str:
    """SQL twin of :func:`code_prefix` for a code expression inside hand-written SQL."""
    return (f"(CASE WHEN {code} LIKE '%0000' THEN left({code}, 2) WHEN {code} LIKE '%00' THEN left({code}, 4) "
            f"ELSE {code} END)")


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_problem(value: object) -> str | None:
    """Unified social credit code (GB 32100-2015): 18 characters, the last a mod-31 check character."""
    code = str(value).strip().upper()
    if len(code) != 18 or any(ch not in _USCC_CHARS for ch in code):
        return ("统一社会信用代码应为18位(数字及除I、O、S、V、Z外的大写字母) / "
                "a unified social credit code has 18 characters from 0-9 and A-Y without I, O, S, V, Z")
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    expected = _USCC_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        return f"校验码错误,应为 {expected} / wrong check character, expected {expected}"
    return None


_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "(": "〔", ")": "〕", "（": "〔", "）": "〕",
                           "［": "〔", "］": "〕", "【": "〔", "】": "〕"})


def normalise_doc_number(value: object) -> str:
    """Document numbers print their year in 〔〕, [] or (): store the official 〔〕 form, without spaces."""
    return "".join(str(value).split()).translate(_BRACKETS)
