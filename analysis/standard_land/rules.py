"""Standard-land rules in one place: the configured floors and plausible maxima, and the SQL that both
the write path (:mod:`analysis.standard_land.lifecycle`) and the checks
(:mod:`analysis.standard_land.checks`) run, so a plot is refused and flagged by the same rule.

Configuration (``FUJIAN_STANDARD_LAND_CONFIG``, a JSON file) adds provincial floors, which could not
be verified from a source here, and may tune the plausible maxima::

    {"floors": [{"level": "provincial", "industry_code": "13", "indicator": "investment_intensity",
                 "value": 250, "source": "闽自然资发〔…〕…号", "verified": true}],
     "plausible_max": {"investment_intensity": 8000}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from layers.base import CodeList, layer_attributes
from layers.standard_land import (
    BREACH_DATE,
    BREACH_STATUSES,
    DISPOSAL_DATE,
    INDICATOR_SPECS,
    INDICATORS,
    MAIN_STAGES,
    PLANNING_CONDITIONS,
    PLOT_STATUS,
    READINESS_FLAGS,
    SIGNED_TOGETHER,
    StandardLandPlot,
)

CONFIG_ENV = "FUJIAN_STANDARD_LAND_CONFIG"

FLOOR_LEVELS = CodeList("限值层级", [
    ("national", "国家规定", "National rule"),
    ("provincial", "省级规定", "Provincial rule"),
])

NATIONAL_FAR_SOURCE = "国家《工业项目建设用地控制指标》(2008) / national industrial land control indicators"
"""Where the default floors come from (DOMAIN.md §4)."""


@dataclass(frozen=True)
class Floor:
    """The laxest value a local standard may set for one indicator and industry (§二(二): "不低于国家和省相关规定").

    For a ``min`` indicator a floor is a minimum, for a ``max`` indicator a ceiling.
    """

    level: str
    industry_code: str
    indicator: str
    value: Decimal
    source: str
    verified: bool


DEFAULT_FLOORS: tuple[Floor, ...] = tuple(
    Floor("national", industry, "floor_area_ratio", Decimal(value), NATIONAL_FAR_SOURCE, True)
    for industries, value in ((("13", "14", "15", "40"), "1.0"), (("26", "32", "33"), "0.6"))
    for industry in industries)
"""National minimum floor-area ratios by 2-digit industry, the ones DOMAIN.md §4 states (food 13–15 and
electronics 40: 1.0; chemicals 26 and metals 32–33: 0.6). The rest of the national table and every
investment-intensity figure were not retrieved: they belong in the configuration file."""

DEFAULT_PLAUSIBLE_MAX: dict[str, Decimal] = {
    "investment_intensity": Decimal("10000"),
    "floor_area_ratio": Decimal("20"),
    "land_scale": Decimal("15000"),
    "energy_per_unit": Decimal("50"),
    "output_per_mu": Decimal("100000"),
    "tax_per_mu": Decimal("10000"),
    "rd_input": Decimal("100"),
    "total_emissions": Decimal("10000000"),
}
"""Above these a figure is taken for a unit slip (元 typed as 万元 is 10 000 times too big; a FAR above
20 or an R&D share above 100 % cannot be). Judgement, not a published rule: tune them in the file.
Every indicator has one, so no figure the write path accepts overflows its column (10¹⁰)."""

LAND_SCALE_HA_TOLERANCE = Decimal("0.02")
"""A land scale within 2 % of the plot's area in hectares (and far from its area in mu) was typed in ha."""


@dataclass(frozen=True)
class Config:
    floors: tuple[Floor, ...] = DEFAULT_FLOORS
    plausible_max: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_PLAUSIBLE_MAX))


def load_config(path: str | Path | None = None) -> Config:
    """The defaults, with the file's floors added (a floor of the same level, industry and indicator
    replaces the default) and its plausible maxima applied; a bad file is refused with the reason."""
    if not path:
        return Config()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        floors = {(f.level, f.industry_code, f.indicator): f for f in DEFAULT_FLOORS}
        for item in data.get("floors", []):
            floor = Floor(str(item["level"]), str(item["industry_code"]), str(item["indicator"]),
                          Decimal(str(item["value"])), str(item.get("source", "")), bool(item.get("verified", False)))
            if floor.level not in FLOOR_LEVELS or floor.indicator not in INDICATORS \
                    or not floor.industry_code.isdigit():
                raise ValueError(f"bad floor {item}")
            floors[(floor.level, floor.industry_code, floor.indicator)] = floor
        maxima = dict(DEFAULT_PLAUSIBLE_MAX)
        for indicator, value in data.get("plausible_max", {}).items():
            if indicator not in INDICATORS:
                raise ValueError(f"unknown indicator {indicator}")
            maxima[indicator] = Decimal(str(value))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, InvalidOperation) as exc:
        raise ValueError(f"标准地配置文件 {path} 无效 / invalid standard-land configuration: {exc}") from exc
    return Config(tuple(floors.values()), maxima)


DEFAULT_CONFIG = Config()
"""The defaults, without a configuration file."""


def standard_land_config(env: Mapping[str, str]) -> Config:
    """The configuration of settings ``env`` (a registry's ``settings.env``): the file
    ``FUJIAN_STANDARD_LAND_CONFIG`` names, read once per file, or the defaults."""
    return _load_cached(env.get(CONFIG_ENV) or None)


@lru_cache(maxsize=8)
def _load_cached(path: str | None) -> Config:
    return load_config(path)


def laxer(direction: str, value: Decimal, bound: Decimal) -> bool:
    """Whether ``value`` falls short of ``bound`` for an indicator of ``direction`` (``min`` or ``max``)."""
    return value < bound if direction == "min" else value > bound


def floor_problems(industry_code: str, indicator: str, value: Decimal, config: Config = DEFAULT_CONFIG) -> list[str]:
    """Why a local standard may not be published: the floors it is laxer than."""
    spec = INDICATOR_SPECS[indicator]
    return [f"{INDICATORS.label(indicator)} {value}{spec.unit_zh} 低于{FLOOR_LEVELS.label(f.level)}限值 {f.value}"
            f"{spec.unit_zh}({f.source}{'' if f.verified else ',未经核实'}) / "
            f"{INDICATORS.label(indicator, 'en')} {value} is laxer than the {FLOOR_LEVELS.label(f.level, 'en')} "
            f"floor {f.value} for industry {industry_code}"
            for f in config.floors
            if f.industry_code == industry_code and f.indicator == indicator and laxer(spec.direction, value, f.value)]


def implausible(indicator: str, value: Decimal, config: Config = DEFAULT_CONFIG) -> str | None:
    """A clear message when ``value`` cannot be meant in the indicator's unit."""
    limit = config.plausible_max.get(indicator)
    if limit is None or value <= limit:
        return None
    spec = INDICATOR_SPECS[indicator]
    return (f"{INDICATORS.label(indicator)} {value}{spec.unit_zh} 超过合理上限 {limit}{spec.unit_zh},"
            f"请核对单位(万元与元、亩与公顷) / {INDICATORS.label(indicator, 'en')} {value} {spec.unit_en} is above "
            f"the plausible maximum {limit}: check the unit (10k CNY or CNY, mu or ha)")


# --------------------------------------------------------------------------- SQL shared by checks and writes


def _literal(text: str) -> str:
    """A constant of this module as an SQL string literal (labels only; user input is always bound)."""
    return "'" + text.replace("'", "''") + "'"


def _array(items: list[tuple[str, str]], lang: int) -> str:
    cases = ", ".join(f"CASE WHEN {cond} THEN {_literal(msg[lang])} END" for cond, msg in items)
    return f"array_remove(ARRAY[{cases}]::text[], NULL)" if items else "ARRAY[]::text[]"


def problem_arrays(rules: list[tuple[str, tuple[str, str]]]) -> tuple[str, str]:
    """Two SQL ``text[]`` expressions (Chinese, English) of the messages whose condition holds."""
    return _array(rules, 0), _array(rules, 1)


def spec_params(config: Config = DEFAULT_CONFIG) -> dict[str, list[Any]]:
    """The indicator table as bound arrays for :data:`SPECS_CTE`."""
    codes = INDICATORS.values()
    return {"spec_indicator": codes,
            "spec_direction": [INDICATOR_SPECS[c].direction for c in codes],
            "spec_unit_zh": [INDICATOR_SPECS[c].unit_zh for c in codes],
            # with its leading space, so "1.2{unit_en}" reads "1.2" and "450{unit_en}" "450 10k CNY/mu"
            "spec_unit_en": [f" {INDICATOR_SPECS[c].unit_en}" if INDICATOR_SPECS[c].unit_en else "" for c in codes],
            "spec_mandatory": [INDICATOR_SPECS[c].mandatory for c in codes],
            "spec_measured_at": [INDICATOR_SPECS[c].measured_at for c in codes],
            "spec_plausible_max": [config.plausible_max.get(c) for c in codes]}


SPECS_CTE = """specs AS (
    SELECT * FROM unnest(CAST(:spec_indicator AS text[]), CAST(:spec_direction AS text[]),
                         CAST(:spec_unit_zh AS text[]), CAST(:spec_unit_en AS text[]),
                         CAST(:spec_mandatory AS boolean[]), CAST(:spec_measured_at AS text[]),
                         CAST(:spec_plausible_max AS numeric[]))
        AS s(indicator, direction, unit_zh, unit_en, mandatory, measured_at, plausible_max))"""


def floor_params(config: Config = DEFAULT_CONFIG) -> dict[str, list[Any]]:
    floors = config.floors
    return {"floor_level": [f.level for f in floors], "floor_industry": [f.industry_code for f in floors],
            "floor_indicator": [f.indicator for f in floors], "floor_value": [f.value for f in floors],
            "floor_source": [f.source for f in floors], "floor_verified": [f.verified for f in floors]}


FLOORS_CTE = """floors AS (
    SELECT * FROM unnest(CAST(:floor_level AS text[]), CAST(:floor_industry AS text[]),
                         CAST(:floor_indicator AS text[]), CAST(:floor_value AS numeric[]),
                         CAST(:floor_source AS text[]), CAST(:floor_verified AS boolean[]))
        AS f(level, industry_code, indicator, value, source, verified))"""

SHORT_OF = "CASE {direction} WHEN 'min' THEN {value} < {bound} ELSE {value} > {bound} END"
"""SQL of :func:`laxer`."""


def indicator_params(config: Config = DEFAULT_CONFIG) -> dict[str, list[Any]]:
    """Bound parameters of :func:`indicator_rows_sql`."""
    return {**spec_params(config), **floor_params(config)}


def indicator_rows_sql(plots: str) -> str:
    """Per plot of ``plots`` (columns ``fid, county_code, development_zone, industry_code, on_date``) and
    per indicator it must carry (the 2 trunk indicators and every indicator its standard sets): the
    standard in force on ``on_date``, the strictest national or provincial floor, the bound the
    commitment must meet (the stricter of the two: a local standard may not be laxer than the rules
    above it), the committed value, and whether and by how much (%) the commitment falls short.

    The standard of the plot's development zone comes before its county's; of several versions in
    force the latest. Needs :func:`indicator_params`.
    """
    stricter = "CASE WHEN sp.direction = 'min' THEN GREATEST(a.value, fb.value) ELSE LEAST(a.value, fb.value) END"
    short = SHORT_OF.format(direction="sp.direction", value="c.value", bound="b.bound")
    return f"""
        WITH {SPECS_CTE}, {FLOORS_CTE},
        plots AS ({plots}),
        applicable AS (
            SELECT DISTINCT ON (p.fid, s.indicator) p.fid, s.indicator, s.value, s.fid AS standard_fid,
                   s.development_zone AS standard_zone, s.effective_from
            FROM plots p
            JOIN indicator_standards s
              ON s.valid_to IS NULL AND s.county_code = p.county_code AND s.industry_code = p.industry_code
             AND (s.development_zone IS NULL OR s.development_zone = p.development_zone)
             AND s.effective_from <= p.on_date AND (s.effective_to IS NULL OR s.effective_to >= p.on_date)
            ORDER BY p.fid, s.indicator, s.development_zone IS NULL, s.effective_from DESC, s.fid DESC
        ),
        floor_bounds AS (
            SELECT f.industry_code, f.indicator,
                   CASE WHEN sp.direction = 'min' THEN max(f.value) ELSE min(f.value) END AS value
            FROM floors f JOIN specs sp ON sp.indicator = f.indicator
            GROUP BY f.industry_code, f.indicator, sp.direction
        ),
        required AS (
            SELECT p.fid, sp.indicator FROM plots p CROSS JOIN specs sp WHERE sp.mandatory
            UNION
            SELECT fid, indicator FROM applicable
        )
        SELECT r.fid, r.indicator, sp.mandatory, sp.direction, sp.unit_zh, sp.unit_en, p.on_date,
               a.value AS standard, a.standard_fid, a.standard_zone, fb.value AS floor, b.bound,
               c.value AS committed,
               CASE WHEN b.bound IS NULL OR c.value IS NULL THEN NULL ELSE {short} END AS short,
               round(100 * abs(c.value - b.bound) / NULLIF(b.bound, 0), 2) AS gap_pct
        FROM required r
        JOIN plots p ON p.fid = r.fid
        JOIN specs sp ON sp.indicator = r.indicator
        LEFT JOIN applicable a ON a.fid = r.fid AND a.indicator = r.indicator
        LEFT JOIN floor_bounds fb ON fb.industry_code = p.industry_code AND fb.indicator = r.indicator
        CROSS JOIN LATERAL (SELECT coalesce({stricter}, a.value, fb.value) AS bound) AS b
        LEFT JOIN standard_land_values c
          ON c.valid_to IS NULL AND c.stage = 'committed' AND c.plot_fid = r.fid AND c.indicator = r.indicator
    """


# --------------------------------------------------------------------------- net land and the life cycle


def _labels(name: str) -> tuple[str, str]:
    rule = layer_attributes(StandardLandPlot)[name]
    return rule.zh, rule.en


def readiness_rules(p: str = "p") -> list[tuple[str, tuple[str, str]]]:
    """(SQL condition of a missing net-land condition of plot ``p``, its label) for §二(三)."""
    rules = [(f"{p}.{flag} IS NOT TRUE", _labels(flag)) for flag in READINESS_FLAGS]
    missing = " OR ".join(f"{p}.{name} IS NULL" for name in PLANNING_CONDITIONS)
    rules.append((missing, ("规划条件明确(用途、容积率)", "planning conditions defined (use, floor-area ratio)")))
    return rules


def lifecycle_rules(p: str = "p") -> list[tuple[str, tuple[str, str]]]:
    """(SQL condition, message) for every way a plot's status and dates can contradict each other.

    Generated from the life cycle declared in :mod:`layers.standard_land`: the dates a status needs,
    the dates it cannot have yet, the order of the dates, and the contract and the supervision
    agreement signed on one day.
    """
    rules: list[tuple[str, tuple[str, str]]] = []

    def statuses(codes: list[str]) -> str:
        return f"{p}.status IN ({', '.join(_literal(c) for c in codes)})"

    def require(date: str, needed: list[str], forbidden: list[str]) -> None:
        zh, en = _labels(date)
        rules.append((f"{statuses(needed)} AND {p}.{date} IS NULL",
                      (f"当前状态应有{zh}", f"{en} is missing for the current status")))
        rules.append((f"{statuses(forbidden)} AND {p}.{date} IS NOT NULL",
                      (f"尚未到该阶段却已有{zh}", f"{en} is set before the plot reached that stage")))

    def after(later: str, earlier: str) -> None:
        (lz, le), (ez, ee) = _labels(later), _labels(earlier)
        rules.append((f"{p}.{later} < {p}.{earlier}", (f"{lz}早于{ez}", f"{le} is before {ee}")))

    main = [status for status, _ in MAIN_STAGES]
    others = [c for c in PLOT_STATUS.values() if c not in main and c not in BREACH_STATUSES]
    for i, (_, date) in enumerate(MAIN_STAGES):
        reached = main[i:] + (list(BREACH_STATUSES) if i <= 1 else [])
        require(date, reached, others + main[:i])
        if i:
            previous = MAIN_STAGES[i - 1][1]
            after(date, previous)
            zh, en = _labels(date)
            pz, pe = _labels(previous)
            rules.append((f"{statuses(list(BREACH_STATUSES))} AND {p}.{date} IS NOT NULL AND {p}.{previous} IS NULL",
                          (f"有{zh}却没有{pz}", f"{en} is set but {pe} is missing")))
    contract, agreement = SIGNED_TOGETHER
    rules.append((f"{p}.{agreement} IS DISTINCT FROM {p}.{contract}",
                  ("出让合同与履约监管协议应同步签订", "the land contract and the supervision agreement must be "
                                                     "signed together, on the same day")))
    not_breach = [c for c in PLOT_STATUS.values() if c not in BREACH_STATUSES]
    require(BREACH_DATE, list(BREACH_STATUSES), not_breach)
    after(BREACH_DATE, contract)
    require(DISPOSAL_DATE, ["disposed"], [*not_breach, "in_breach"])
    after(DISPOSAL_DATE, BREACH_DATE)
    dates = [d for _, d in MAIN_STAGES] + [agreement, BREACH_DATE, DISPOSAL_DATE]
    rules.append((f"GREATEST({', '.join(f'{p}.{d}' for d in dates)}) > CURRENT_DATE",
                  ("日期晚于今天", "a date lies in the future")))
    return rules


def code_label_sql(codes: CodeList, expr: str, lang: str = "zh") -> str:
    """SQL turning a code into its label (for texts a check aggregates, where messages cannot look codes up)."""
    whens = " ".join(f"WHEN {_literal(c.code)} THEN {_literal(getattr(c, lang))}" for c in codes)
    return f"CASE {expr} {whens} ELSE {expr} END"
