"""Outfall settings that are configuration, not law: the code pattern, limit values, tracing deadlines, the
year-end targets and the shares of the random inspections.

What the seed (闽政办〔2022〕43号) states is quoted here with its figures; what it does not state is marked:

- **Code pattern: provisional.** Codes follow HJ 1235-2021 (annex 2, 总体要求 2), whose code structure
  could not be verified from a source at hand. The default only asks for the outfall's six-digit county
  code followed by letters, digits or hyphens. Replace it when the standard's text is available.
- **Limit values: placeholders.** The seed names the standards but prints no values. Every limit below is
  an unverified placeholder (``verified=False``) to be checked against the published standard before a
  finding is acted upon; a configuration file marks the values it has checked ``verified = true``.
- Deadlines and targets are the seed's; the 2025 target ("全面完成国家下达的各项目标任务") is read as
  everything traced and remediated, since the national figures are not in the seed.

A TOML file named by ``FUJIAN_OUTFALL_CONFIG`` overrides the defaults (see docs/outfalls.md)::

    code_pattern = "^35[0-9]{4}[-A-Z0-9]{1,30}$"
    tracing_deadline = 2024-12-31
    [[deadlines]]                      # earliest applicable deadline wins; default when none applies
    area = "350600"                    # or: basin = "九龙江流域"
    date = 2024-06-30
    [[limits]]                         # replaces the default of the same standard and parameter
    standard = "gb8978"
    parameter = "cod"
    unit = "mg/L"
    max = 100
    verified = true
    [inspections]
    remediated_share = 0.10
    approved_share = 0.30
    team_size = 2
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from layers.codes import fujian_admin_code
from layers.outfalls import OUTFALL_SUBCLASSES, PARAMETERS, RECEIVING, STANDARDS, UNITS, standard_rule

CONFIG_ENV = "FUJIAN_OUTFALL_CONFIG"

PROVISIONAL_CODE_PATTERN = r"^35[0-9]{4}[-A-Z0-9]{1,30}$"
"""Provisional until HJ 1235-2021 is at hand: a Fujian county code, then letters, digits or hyphens."""


@dataclass(frozen=True)
class Limit:
    """A limit of one parameter under one standard: ``maximum`` (most parameters) and/or ``minimum``
    (pH's lower bound, dissolved oxygen)."""

    standard: str
    parameter: str
    unit: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    verified: bool = False
    """False: a placeholder from memory of the standard's table, to be checked against its text."""


def _limits(standard: str, unit: str = "mg/L", **maxima: float | tuple[float, float]) -> list[Limit]:
    """Unverified placeholders of one standard; a tuple is a (minimum, maximum) range."""
    rows = []
    for parameter, bound in maxima.items():
        low, high = bound if isinstance(bound, tuple) else (None, bound)
        rows.append(Limit(standard, parameter, "pH" if parameter == "ph" else unit,
                          None if low is None else Decimal(str(low)), None if high is None else Decimal(str(high))))
    return rows


DEFAULT_LIMITS: tuple[Limit, ...] = (
    # GB 8978-1996, first-class values for units built after 1998 (placeholders).
    *_limits("gb8978", ph=(6, 9), ss=70, bod5=20, cod=100, petroleum=5, nh3n=15),
    # GB 18918-2002 class 1-A (placeholders).
    *_limits("gb18918_1a", ph=(6, 9), cod=50, bod5=10, ss=10, petroleum=1, tn=15, nh3n=5, tp=0.5),
    Limit("gb18918_1a", "fecal_coliform", "count/L", None, Decimal("1000")),
    # GB 18596-2001 (placeholders).
    *_limits("gb18596", cod=400, bod5=150, ss=200, nh3n=80, tp=8),
    # SC/T 9103-2007, sea water (placeholders).
    *_limits("sct9103", ph=(7.0, 8.5), ss=40, codmn=10, inorganic_n=0.5, phosphate=0.05),
    # DB35/1869-2019 (placeholders).
    *_limits("db35_1869", ph=(6, 9), cod=60, ss=20, nh3n=8, tn=20, tp=1),
    # GB 3838-2002 class V (placeholders); dissolved oxygen is a minimum.
    *_limits("gb3838_v", ph=(6, 9), codmn=15, cod=40, bod5=10, nh3n=2, tp=0.4, petroleum=1),
    Limit("gb3838_v", "do", "mg/L", Decimal("2"), None),
)


@dataclass(frozen=True)
class Deadline:
    """A tracing deadline for the outfalls of one key basin or bay (by name) or one division (by code)."""

    basin: str | None
    area: str | None
    on: date

    @property
    def scope(self) -> str:
        return self.basin or self.area or ""


@dataclass(frozen=True)
class Target:
    """Year-end shares of outfalls traced and remediated (闽政办〔2022〕43号 二、工作目标)."""

    year: int
    traced_pct: float
    remediated_pct: float
    label_zh: str

    @property
    def due(self) -> date:
        return date(self.year, 12, 31)


OUTFALL_TARGETS: tuple[Target, ...] = (
    Target(2023, 80.0, 35.0, "2023年底前完成80%溯源和35%整治"),
    Target(2024, 100.0, 70.0, "2024年底前基本完成溯源(按100%计),完成70%整治"),
    Target(2025, 100.0, 100.0, "2025年底前全面完成国家下达的各项目标任务(按全部溯源、整治计)"),
)
"""Key basins, bays and model bays (annex 1). "基本完成溯源" counts as 100 % and 2025 as everything done:
the seed gives no other figure."""


@dataclass(frozen=True)
class InspectionRules:
    """§9: 每年核查已完成排查整治的排污口数量比例不少于行政区域内现有排污口总数的10%,设置审批备案的排污口
    数量比例不少于当年审批和备案排污口总数的30%."""

    remediated_share: float = 0.10
    """Of the outfalls existing in the area; the inspections are drawn from the remediated ones."""
    approved_share: float = 0.30
    """Of the outfalls approved or filed in the year."""
    team_size: int = 2
    """Inspectors sent to each outfall (law enforcement goes in pairs)."""


@dataclass(frozen=True)
class OutfallConfig:
    code_pattern: str = PROVISIONAL_CODE_PATTERN
    code_county_prefix: bool = True
    """A code begins with its outfall's county code (provisional, like the pattern)."""
    tracing_deadline: date = date(2024, 12, 31)
    """二、工作目标: 2024年底前基本完成上述排污口溯源."""
    deadlines: tuple[Deadline, ...] = ()
    limits: tuple[Limit, ...] = DEFAULT_LIMITS
    inspections: InspectionRules = field(default_factory=InspectionRules)

    def limit(self, standard: str, parameter: str) -> Limit | None:
        return next((lim for lim in self.limits if (lim.standard, lim.parameter) == (standard, parameter)), None)


def outfall_config(env: Mapping[str, str]) -> OutfallConfig:
    """The configuration of settings ``env`` (a registry's ``settings.env``): the file ``FUJIAN_OUTFALL_CONFIG``
    names, read once per file, or the defaults."""
    return _load_cached(env.get(CONFIG_ENV) or None)


@lru_cache(maxsize=8)
def _load_cached(path: str | None) -> OutfallConfig:
    return load_config(path)


def load_config(path: str | Path | None = None) -> OutfallConfig:
    """The defaults, overridden by the TOML file at ``path``.

    A file that names an unknown standard, parameter or unit, or an invalid pattern, is refused whole
    with a message naming the entry: a misspelt limit must not silently leave samples unchecked.
    """
    if not path:
        return OutfallConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"排污口配置文件无法读取 / cannot read the outfall configuration {path}: {exc}") from None
    return _apply(OutfallConfig(), data, str(path))


def _apply(config: OutfallConfig, data: dict[str, Any], source: str) -> OutfallConfig:
    def fail(problem: str) -> ValueError:
        return ValueError(f"排污口配置 {source} 有误 / invalid outfall configuration {source}: {problem}")

    changes: dict[str, Any] = {}
    if "code_pattern" in data:
        try:
            re.compile(data["code_pattern"])
        except re.error as exc:
            raise fail(f"code_pattern: {exc}") from None
        changes["code_pattern"] = data["code_pattern"]
    if "code_county_prefix" in data:
        changes["code_county_prefix"] = bool(data["code_county_prefix"])
    if "tracing_deadline" in data:
        changes["tracing_deadline"] = _date(data["tracing_deadline"], "tracing_deadline", fail)
    deadlines = []
    for i, entry in enumerate(data.get("deadlines", []), 1):
        basin, area = entry.get("basin"), entry.get("area")
        if (basin is None) == (area is None):
            raise fail(f"deadlines[{i}] needs exactly one of basin or area")
        if area is not None and fujian_admin_code(area):
            raise fail(f"deadlines[{i}].area {area!r}: {fujian_admin_code(area)}")
        deadlines.append(Deadline(basin, area, _date(entry.get("date"), f"deadlines[{i}].date", fail)))
    if deadlines:
        changes["deadlines"] = tuple(deadlines)
    limits = {(lim.standard, lim.parameter): lim for lim in config.limits}
    for i, entry in enumerate(data.get("limits", []), 1):
        where = f"limits[{i}]"
        for key, codes in (("standard", STANDARDS), ("parameter", PARAMETERS), ("unit", UNITS)):
            if entry.get(key) not in codes:
                raise fail(f"{where}.{key} {entry.get(key)!r} is not one of {', '.join(codes.values())}")
        if entry.get("min") is None and entry.get("max") is None:
            raise fail(f"{where} needs min and/or max")
        limit = Limit(entry["standard"], entry["parameter"], entry["unit"],
                      *(None if entry.get(k) is None else Decimal(str(entry[k])) for k in ("min", "max")),
                      verified=bool(entry.get("verified", False)))
        limits[(limit.standard, limit.parameter)] = limit
    changes["limits"] = tuple(limits.values())
    if "inspections" in data:
        rules = data["inspections"]
        inspections = replace(config.inspections, **{k: rules[k] for k in
                                                     ("remediated_share", "approved_share", "team_size") if k in rules})
        if not (0 < inspections.remediated_share <= 1 and 0 < inspections.approved_share <= 1
                and inspections.team_size >= 1):
            raise fail("inspections: shares must be in (0, 1] and team_size at least 1")
        changes["inspections"] = inspections
    return replace(config, **changes)


def _date(value: Any, where: str, fail: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise fail(f"{where} {value!r} is not a date (YYYY-MM-DD)") from None


def describe(config: OutfallConfig) -> dict[str, Any]:
    """The rules in force, for people to read (API and CLI): which standards annex 2 lets each kind of
    outfall apply, and every limit value with whether it was verified."""
    standards = []
    for subclass in OUTFALL_SUBCLASSES:
        for stormwater in (False, True):
            for kind in RECEIVING:
                rule = standard_rule(subclass.code, stormwater=stormwater, receiving_kind=kind.code)
                if rule is None or (stormwater and subclass.parent != "industrial"):
                    continue
                standards.append({"subclass": subclass.code, "subclass_zh": subclass.zh, "stormwater": stormwater,
                                  "receiving_kind": kind.code, "options": list(rule.options),
                                  "options_zh": [STANDARDS.label(s) for s in rule.options],
                                  "fallback": rule.fallback})
    limits = [{"standard": lim.standard, "standard_zh": STANDARDS.label(lim.standard), "parameter": lim.parameter,
               "parameter_zh": PARAMETERS.label(lim.parameter), "unit": lim.unit,
               "minimum": None if lim.minimum is None else float(lim.minimum),
               "maximum": None if lim.maximum is None else float(lim.maximum), "verified": lim.verified}
              for lim in config.limits]
    return {"code_pattern": config.code_pattern, "code_pattern_provisional": True,
            "code_county_prefix": config.code_county_prefix, "tracing_deadline": config.tracing_deadline.isoformat(),
            "deadlines": [{"basin": d.basin, "area": d.area, "date": d.on.isoformat()} for d in config.deadlines],
            "targets": [{"year": t.year, "traced_pct": t.traced_pct, "remediated_pct": t.remediated_pct,
                         "label_zh": t.label_zh} for t in OUTFALL_TARGETS],
            "inspections": {"remediated_share": config.inspections.remediated_share,
                            "approved_share": config.inspections.approved_share,
                            "team_size": config.inspections.team_size},
            "standards": standards, "limits": limits}

