"""Table 2 of the 14th five-year eldercare plan (表2) against what the registry holds.

The figures are quoted from the seed (2022 No. 11 gazette, 表2 “十四五”期间老龄事业发展和养老服务体系建设主要目标):
2020 and 2021 are achieved values (完成值), 2022–2025 targets (目标值), "--" is None.

Three of the indicators are **provincial totals** (eldercare beds in 万张, cumulative meal points,
cumulative county nursing homes): the registry's sums are compared with them as they are and labelled
as such, since a registry that does not yet hold every facility of the province falls short by
construction. The other two are **shares**, which a county or a city can be held to directly.

A facility counts from its opening date (none given: counted); services are codes
(:data:`layers.eldercare.SERVICES`), and a meal point is any facility of type ``meal_point`` or one
offering meals (the plan builds meal points "依托现有养老服务设施").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import text

from analysis.eldercare.coverage import IN_SERVICE
from layers.eldercare import COMPREHENSIVE_SERVICES, INSTITUTION_TYPES
from registry import Registry
from registry.errors import InvalidInput

if TYPE_CHECKING:  # the checks import this module for table 2: they need neither runs nor matplotlib
    from matplotlib.figure import Figure

    from analysis.runs import Run


@dataclass(frozen=True)
class Indicator:
    """One row of table 2."""

    no: int
    """序号 in table 2."""
    key: str
    zh: str
    """指标名称, as printed."""
    unit: str
    provincial_total: bool
    """True for a province-wide total (the registry's sum is compared); False for a share."""
    values: dict[int, float | None]

    def target(self, year: int) -> float:
        value = self.values.get(year)
        if year not in TARGET_YEARS or value is None:
            raise InvalidInput(f"表2没有{year}年的目标 / table 2 has no target for {year}; "
                               f"years: {', '.join(map(str, TARGET_YEARS))}")
        return value


TARGET_YEARS = (2022, 2023, 2024, 2025)

TABLE2: tuple[Indicator, ...] = (
    Indicator(3, "eldercare_beds", "养老服务床位总量", "万张", True,
              {2020: 24.75, 2021: 26, 2022: 27, 2023: 28, 2024: 29, 2025: 30}),
    Indicator(4, "nursing_bed_share", "养老机构护理型床位占比", "%", False,
              {2020: 55, 2021: 56, 2022: 57, 2023: 58, 2024: 59, 2025: 60}),
    Indicator(5, "county_nursing_homes", "累计建设县级老年养护院数量", "所", True,
              {2020: None, 2021: None, 2022: 7, 2023: 14, 2024: 20, 2025: 25}),
    Indicator(8, "comprehensive_coverage", "乡镇(街道)范围具备综合功能的养老服务机构覆盖率", "%", False,
              {2020: None, 2021: 52, 2022: 54, 2023: 56, 2024: 58, 2025: 60}),
    Indicator(10, "meal_points", "累计建设老年人助餐点数量", "个", True,
              {2020: 141, 2021: 400, 2022: 700, 2023: 850, 2024: 1000, 2025: 1150}),
)
"""The rows of table 2 the registry can measure (3, 4, 5, 8, 10)."""

INDICATORS = {i.key: i for i in TABLE2}

DAY_CARE_TARGET_PCT = 90.0
"""专栏1: 推进社区日间照料机构覆盖率达到90%以上."""

FACILITIES_SQL = """
    SELECT f.*, string_to_array(coalesce(f.services, ''), ',') AS codes
    FROM eldercare_facilities f
    WHERE {visible} AND """ + IN_SERVICE
"""Facilities in service, with their services as an array of codes; ``{visible}`` picks the rows' time."""

CURRENT = {"visible": "f.valid_to IS NULL", "today": "current_date"}
""":data:`FACILITIES_SQL` as the registry stands now (the checks' reading)."""

COMPREHENSIVE = "codes @> CAST(:comprehensive AS text[])"
MEAL_POINT = "(facility_type = 'meal_point' OR 'meal' = ANY(codes))"
INSTITUTION_BEDS = "(facility_type = ANY(CAST(:institution_types AS text[])) AND beds > 0)"

RULE_PARAMS: dict[str, Any] = {"comprehensive": list(COMPREHENSIVE_SERVICES),
                               "institution_types": list(INSTITUTION_TYPES)}
"""Bound parameters of the fragments above."""

_FIGURES_SQL = """
    WITH f AS ({facilities}),
    units AS (
        SELECT county_code, street FROM residential_areas r WHERE {visible_r} AND street IS NOT NULL
        UNION SELECT county_code, street FROM f WHERE street IS NOT NULL
    )
    SELECT (SELECT coalesce(sum(beds), 0) FROM f) AS beds,
           (SELECT coalesce(sum(beds), 0) FROM f WHERE {institution}) AS institution_beds,
           (SELECT coalesce(sum(nursing_beds), 0) FROM f WHERE {institution}) AS nursing_beds,
           (SELECT count(*) FROM f WHERE facility_type = 'county_nursing_home') AS county_nursing_homes,
           (SELECT count(*) FROM f WHERE {meal}) AS meal_points,
           (SELECT count(*) FROM units) AS townships,
           (SELECT count(DISTINCT (county_code, street)) FROM f WHERE street IS NOT NULL AND {comprehensive})
               AS townships_served
"""


def registry_figures(reg: Registry, as_of: datetime | None = None) -> dict[str, float]:
    """The registry's province-wide figures in table 2's units, as it stood at ``as_of`` (now when None)."""
    if as_of is None:
        visible, visible_r, today = CURRENT["visible"], "r.valid_to IS NULL", CURRENT["today"]
    else:
        visible, visible_r, today = (_at("f"), _at("r"), ":as_of")
    sql = _FIGURES_SQL.format(facilities=FACILITIES_SQL.format(visible=visible, today=today), visible_r=visible_r,
                              institution=INSTITUTION_BEDS, meal=MEAL_POINT, comprehensive=COMPREHENSIVE)
    with reg.engine.connect() as conn:
        row = conn.execute(text(sql), {**RULE_PARAMS, "as_of": as_of}).one()
    return {"eldercare_beds": round(row.beds / 10_000, 4),
            "nursing_bed_share": _pct(row.nursing_beds, row.institution_beds),
            "county_nursing_homes": row.county_nursing_homes,
            "comprehensive_coverage": _pct(row.townships_served, row.townships),
            "meal_points": row.meal_points}


def target_status(reg: Registry, year: int = 2025, as_of: datetime | None = None) -> pd.DataFrame:
    """Each measurable row of table 2: the registry's figure, the target for ``year``, and whether it is met."""
    if year not in TARGET_YEARS:
        raise InvalidInput(f"目标年份应为 {TARGET_YEARS[0]}–{TARGET_YEARS[-1]} / the target year must be "
                           f"{TARGET_YEARS[0]}–{TARGET_YEARS[-1]}, got {year}")
    figures = registry_figures(reg, as_of)
    rows = []
    for indicator in TABLE2:
        target = indicator.target(year)
        registered = figures[indicator.key]
        rows.append({"no": indicator.no, "key": indicator.key, "indicator": indicator.zh, "unit": indicator.unit,
                     "scope": "全省合计(仅计登记在册设施)" if indicator.provincial_total else "比例",
                     "year": year, "target": target, "registered": registered,
                     "progress_pct": _pct(registered, target), "met": bool(registered >= target)})
    return pd.DataFrame(rows)


def targets_for_run(run: Run, year: int | None = None) -> pd.DataFrame:
    """:func:`target_status` as the registry stood when ``run`` started, so a report rebuilt later shows the
    same figures; the target year defaults to the run's year, within 2022–2025."""
    if year is None:
        year = min(max(run.started_at.year, TARGET_YEARS[0]), TARGET_YEARS[-1])
    return target_status(run.registry, year, as_of=run.started_at)


def targets_chart(status: pd.DataFrame) -> Figure:
    """The registry's figures as a share of each target, with the 100 % line: for a report page.

    Drawn without pyplot; the caller chooses the fonts (a CJK font) when it saves the figure.
    """
    from matplotlib.figure import Figure

    status = status.iloc[::-1]
    fig = Figure(figsize=(7.5, 0.6 * len(status) + 1.4))
    ax = fig.add_subplot()
    colours = ["#27AE60" if met else "#E67E22" for met in status["met"]]
    labels = [f"{row.no}. {row.indicator}" + ("\n(全省合计)" if row.scope != "比例" else "")
              for row in status.itertuples()]
    bars = ax.barh(labels, [min(p, 150.0) for p in status["progress_pct"]], color=colours)
    ax.bar_label(bars, labels=[f"{_show(r.registered)} / {_show(r.target)} {r.unit}" for r in status.itertuples()],
                 padding=3, fontsize=8)
    ax.axvline(100, color="#444444", linestyle="--", linewidth=1)
    year = int(status["year"].iloc[0]) if len(status) else ""
    ax.set_xlim(0, 175)
    ax.set_xlabel(f"登记数据占{year}年目标的比例(%)")
    ax.set_title(f"“十四五”养老服务主要目标(表2)对照:{year}年")
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _at(alias: str) -> str:
    return (f"{alias}.valid_from <= :as_of AND ({alias}.valid_to IS NULL OR {alias}.valid_to > :as_of) "
            f"AND NOT {alias}.deleted")


def _pct(part: float, whole: float) -> float:
    return round(100.0 * float(part) / float(whole), 2) if whole else 0.0


def _show(value: float) -> str:
    return f"{value:g}"
