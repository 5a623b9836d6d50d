"""The standard-land write path: publish an indicator standard, record a plot's indicator values, and
move a plot through its life (list → sign → start → complete → review, or breach → rectify/dispose).

Each refuses, with a bilingual message that names the plot and the problem, what the checks of
:mod:`analysis.standard_land.checks` would flag, using the same SQL and the same wording: the write
path keeps bad data out, the checks find what came in another way (a file import or a plain edit
through the generic API, which know only attribute rules). Rules that need other rows, such as a
standard's floors or a plot's commitments, cannot live in an attribute rule; this module is where
they are enforced on write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.dialects import postgresql

from analysis.engine import Check
from analysis.standard_land.checks import (
    COMMITMENT_BELOW_STANDARD,
    INDICATOR_MISSING,
    LIFECYCLE_INCONSISTENT,
    NO_STANDARD,
    NOT_NET_LAND,
)
from analysis.standard_land.rules import (
    Config,
    floor_problems,
    implausible,
    indicator_params,
    indicator_rows_sql,
    lifecycle_rules,
    problem_arrays,
    readiness_rules,
    standard_land_config,
)
from layers.base import Feature, editable_attributes
from layers.standard_land import (
    BREACH_DATE,
    EVENTS,
    INDICATOR_SPECS,
    INDICATORS,
    MAIN_STAGES,
    MU_PER_HA,
    PLOT_STATUS,
    STAGES,
    IndicatorStandard,
    StandardLandPlot,
    StandardLandValue,
)
from registry import Registry
from registry.errors import InvalidInput, StaleVersion
from registry.repository import FeatureRecord, Query, format_issues
from registry.validation import check_properties

PLOTS, STANDARDS, VALUES = "standard_land_plots", "indicator_standards", "standard_land_values"

STAGE_OPEN: dict[str, tuple[str, ...]] = {
    "committed": ("reserved", "listed"),
    "completion": ("under_construction", "completed", "production_reviewed", "in_breach"),
    "production_review": ("completed", "production_reviewed", "in_breach"),
}
"""Statuses in which a stage's values may be written: commitments are fixed once the contract and
agreement are signed; measurements start with construction."""

ONE_PLOT = """SELECT p.fid, p.county_code, p.development_zone, p.industry_code, CAST(:on_date AS date) AS on_date
              FROM standard_land_plots p WHERE p.valid_to IS NULL AND p.fid = :fid"""


def plain(value: Decimal | None) -> str | None:
    """A decimal as people write it: 520, 0.8 (not 520.0000 or 5.2E+2)."""
    return None if value is None else format(value.normalize(), "f")


def _name(rec: FeatureRecord) -> str:
    return f"{rec.properties.get('plot_code')}(fid {rec.fid})"


def _refuse(what_zh: str, what_en: str, problems: list[str]) -> InvalidInput:
    return InvalidInput(f"{what_zh} / {what_en}: " + "; ".join(problems), problems=problems)


def _both(check: Check, measured: Mapping[str, Any]) -> str:
    """A check's own message, in both languages, for a refusal that applies the same rule."""
    return f"{check.message(measured, 'zh')} / {check.message(measured, 'en')}"


def _row_sql(model: type[Feature]) -> str:
    """One row of ``model``'s attributes from bound parameters, typed like its columns, as ``p``."""
    columns = model.__table__.columns
    casts = ", ".join(f"CAST(:{name} AS {columns[name].type.compile(dialect=postgresql.dialect())}) AS {name}"
                      for name in editable_attributes(model))
    return f"(SELECT {casts}) AS p"


def _problems(conn: Connection, rules: list[tuple[str, tuple[str, str]]],
              props: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The messages (Chinese, English) of ``rules`` a plot with ``props`` breaks, judged by the checks' own SQL."""
    zh, en = problem_arrays(rules)
    values = {name: props.get(name) for name in editable_attributes(StandardLandPlot)}
    row = conn.execute(text(f"SELECT {zh} AS zh, {en} AS en FROM {_row_sql(StandardLandPlot)}"), values).one()
    return list(row.zh), list(row.en)


# --------------------------------------------------------------------------- standards


def publish_standard(reg: Registry, properties: Mapping[str, Any], *, author: str | None = None,
                     source: str = "python", scope: str | None = None) -> FeatureRecord:
    """Publish a local standard; the version in force before it ends the day before it starts.

    Refused when it is laxer than a national or provincial floor, implausible for its unit, or when
    it would overlap a version that is not open-ended.
    """
    clean, issues = check_properties(IndicatorStandard, dict(properties))
    if issues:
        raise InvalidInput(format_issues(issues), issues=[i.as_dict() for i in issues])
    what = (f"{clean['county_code']} {clean.get('development_zone') or ''} 行业{clean['industry_code']} "
            f"{INDICATORS.label(clean['indicator'])}标准不能发布").replace("  ", " ")
    what_en = f"the {clean['indicator']} standard of industry {clean['industry_code']} cannot be published"
    config = standard_land_config(reg.settings.env)
    problems = floor_problems(clean["industry_code"], clean["indicator"], clean["value"], config)
    unit = implausible(clean["indicator"], clean["value"], config)
    if unit:
        problems.append(unit)
    start, end = clean["effective_from"], clean.get("effective_to")
    if end is not None and end < start:
        problems.append(f"失效日期 {end} 早于施行日期 {start} / effective_to is before effective_from")
    handle = reg.layer(STANDARDS)
    key = {k: clean.get(k) for k in ("county_code", "development_zone", "industry_code", "indicator")}
    superseded = []
    for other in handle.store.records(Query(where=key)):
        o_start, o_end = other.properties["effective_from"], other.properties["effective_to"]
        if o_end is None and o_start < start:
            superseded.append(other)
        elif o_start <= (end or date.max) and start <= (o_end or date.max):
            problems.append(f"与第 {other.fid} 号标准(施行 {o_start} 至 {o_end or '今'})施行期重叠 / overlaps "
                            f"standard {other.fid} in force from {o_start} to {o_end or 'open-ended'}")
    if problems:
        raise _refuse(what, what_en, problems)
    for other in superseded:
        handle.update(other.fid, {"effective_to": start - timedelta(days=1)}, base_version=other.version,
                      author=author, source=f"{source}: superseded", scope=scope)
    return handle.create(clean, author=author, source=source, scope=scope)


# --------------------------------------------------------------------------- indicator values


def record_values(reg: Registry, fid: int, stage: str, values: Mapping[str, Any], *,
                  measured_on: date | None = None, author: str | None = None, source: str = "python",
                  scope: str | None = None) -> list[FeatureRecord]:
    """Write the plot's values of one stage (``None`` removes one); returns the plot's current values.

    Commitments may only change until the contract is signed, measurements only once construction
    started; a value that cannot be meant in its unit is refused. Every value is checked first, so
    a refusal writes nothing. ``scope`` (an editor's division) must contain the plot.
    """
    plots = reg.layer(PLOTS)
    plot = plots.get(fid)
    if scope is not None:  # values have no place of their own: the plot's decides whose they are
        t = plots.store.table
        with reg.engine.connect() as conn:
            plots.store.enforce(conn, scope, (t.c.fid == fid) & t.c.valid_to.is_(None))
    status = plot.properties["status"]
    what = f"地块 {_name(plot)} 的{STAGES.label(stage)}不能录入"
    what_en = f"{stage} values of plot {_name(plot)} cannot be recorded"
    if stage not in STAGES:
        raise _refuse(what, what_en, [f"阶段应为 / stage must be one of {', '.join(STAGES.values())}"])
    if status not in STAGE_OPEN[stage]:
        allowed = "、".join(PLOT_STATUS.label(s) for s in STAGE_OPEN[stage])
        raise _refuse(what, what_en, [f"地块状态为“{PLOT_STATUS.label(status)}”,只有在{allowed}状态下才能录入 / "
                                      f"the plot is {status}; allowed while {', '.join(STAGE_OPEN[stage])}"])
    unknown = [i for i in values if i not in INDICATORS]
    if unknown:
        raise _refuse(what, what_en, [f"未知指标 / unknown indicator(s) {', '.join(map(str, unknown))}; "
                                      f"known: {', '.join(INDICATORS.values())}"])
    problems, rows = [], {}
    for indicator, raw in values.items():
        if raw is None:
            rows[indicator] = None
            continue
        clean, issues = check_properties(StandardLandValue, {"plot_fid": fid, "indicator": indicator, "stage": stage,
                                                             "value": raw, "measured_on": measured_on})
        problems += [f"{indicator}: {i.field}: {i.problem}" for i in issues]
        if not issues:
            unit = implausible(indicator, clean["value"], standard_land_config(reg.settings.env))
            if unit:
                problems.append(unit)
            rows[indicator] = clean
    if problems:
        raise _refuse(what, what_en, problems)
    handle = reg.layer(VALUES)
    current = {r.properties["indicator"]: r for r in handle.store.records(Query(where={"plot_fid": fid,
                                                                                       "stage": stage}))}
    for indicator, clean in rows.items():
        old = current.get(indicator)
        if clean is None:
            if old is not None:
                handle.delete(old.fid, base_version=old.version, author=author, source=source)
        elif old is None:
            handle.create(clean, author=author, source=source)
        elif (old.properties["value"], old.properties["measured_on"]) != (clean["value"], clean["measured_on"]):
            handle.update(old.fid, clean, base_version=old.version, author=author, source=source)
    return handle.store.records(Query(where={"plot_fid": fid}))


# --------------------------------------------------------------------------- the life cycle


def reached_stage(props: Mapping[str, Any]) -> str:
    """The furthest main stage whose date is set (where a rectified plot returns to)."""
    reached = [status for status, field in MAIN_STAGES if props.get(field) is not None]
    return reached[-1] if reached else "reserved"


def advance_plot(reg: Registry, fid: int, event: str, on: date, *, base_version: int,
                 enterprise: str | None = None, reason: str | None = None, author: str | None = None,
                 source: str | None = None, scope: str | None = None) -> FeatureRecord:
    """Apply one life-cycle ``event`` on date ``on`` to plot ``fid`` (see :data:`layers.standard_land.EVENTS`).

    Refused when the event does not follow from the plot's status, when the resulting status and
    dates contradict each other, or when what the event needs is missing: net land and the
    indicators meeting the standard in force for listing, the enterprise for signing, the measured
    values for completion and the production review, the reason for a breach.
    """
    spec = EVENTS.get(event)
    if spec is None:
        raise InvalidInput(f"未知环节 {event} / unknown event; events: {', '.join(EVENTS)}")
    handle = reg.layer(PLOTS)
    plot = handle.get(fid)
    if plot.version != base_version:
        raise StaleVersion(f"地块 {_name(plot)} 已被修改:您基于第 {base_version} 版,现行为第 {plot.version} 版 / "
                           f"the plot changed meanwhile: based on version {base_version}, current is "
                           f"{plot.version}", current_version=plot.version)
    props = plot.properties
    what, what_en = f"地块 {_name(plot)} 不能{spec.zh}", f"plot {_name(plot)} cannot {spec.en.lower()}"
    if props["status"] not in spec.from_statuses:
        allowed = "、".join(PLOT_STATUS.label(s) for s in spec.from_statuses)
        now = PLOT_STATUS.label(props["status"])
        raise _refuse(what, what_en, [f"地块状态为“{now}”,只能在{allowed}状态下{spec.zh} / the plot is "
                                      f"{props['status']}; allowed from {', '.join(spec.from_statuses)}"])
    changes: dict[str, Any] = dict.fromkeys(spec.dates, on)
    changes["status"] = spec.to_status or reached_stage(props)
    problems: list[str] = []
    if event == "sign":
        changes["enterprise"] = enterprise or props.get("enterprise")
        if not changes["enterprise"]:
            problems.append("须填写竞得企业 / name the enterprise that won the plot")
    if event == "breach":
        changes["breach_reason"] = reason
        if not reason:
            problems.append("须说明违约情形 / say what the breach is")
    if event == "rectify":
        changes.update({BREACH_DATE: None, "breach_reason": None})
    changes, issues = check_properties(StandardLandPlot, changes, partial=True)
    problems += [f"{i.field}: {i.problem}" for i in issues]
    proposed = {**props, **changes}
    with reg.engine.connect() as conn:
        zh, en = _problems(conn, lifecycle_rules(), proposed)
        if zh:
            problems.append(_both(LIFECYCLE_INCONSISTENT, {"plot_code": props["plot_code"],
                                                           "status": changes["status"],
                                                           "problems_zh": ";".join(zh),
                                                           "problems_en": "; ".join(en)}))
        if event == "list":
            problems += _listing_problems(conn, plot, proposed, on, standard_land_config(reg.settings.env))
        if event in ("complete", "review"):
            problems += _unmeasured(conn, plot, "completion" if event == "complete" else "production_review")
    if problems:
        raise _refuse(what, what_en, problems)
    return handle.update(fid, changes, base_version=base_version, author=author,
                         source=source or f"standard-land {event}", scope=scope)


def _listing_problems(conn: Connection, plot: FeatureRecord, proposed: Mapping[str, Any], on: date,
                      config: Config) -> list[str]:
    """Net land (§二(三)) and the indicators of the standard in force on the listing date (§二(二))."""
    code = plot.properties["plot_code"]
    problems = []
    zh, en = _problems(conn, readiness_rules(), proposed)
    if zh:
        problems.append(_both(NOT_NET_LAND, {"plot_code": code, "status": proposed["status"],
                                             "missing_zh": "、".join(zh), "missing_en": ", ".join(en)}))
    for r in _indicator_rows(conn, plot.fid, on, config):
        measured = {"plot_code": code, "indicator": r["indicator"], "on_date": on, "unit_zh": r["unit_zh"],
                    "unit_en": r["unit_en"], "gap_pct": r["gap_pct"],
                    **{k: plain(r[k]) for k in ("standard", "floor", "bound", "committed")}}
        if r["mandatory"] and r["standard"] is None:
            problems.append(_both(NO_STANDARD, measured))
        if r["committed"] is None:
            problems.append(_both(INDICATOR_MISSING, measured))
        elif r["short"]:
            problems.append(_both(COMMITMENT_BELOW_STANDARD, measured))
    return problems


def _indicator_rows(conn: Connection, fid: int, on: date, config: Config) -> list[Mapping[str, Any]]:
    """:func:`analysis.standard_land.rules.indicator_rows_sql` for one plot as if listed on ``on``."""
    params = {**indicator_params(config), "fid": fid, "on_date": on}
    return list(conn.execute(text(indicator_rows_sql(ONE_PLOT)), params).mappings())


def _unmeasured(conn: Connection, plot: FeatureRecord, stage: str) -> list[str]:
    """Committed indicators that are measured at ``stage`` but have no value for it yet."""
    rows = conn.execute(text("""
        SELECT c.indicator, c.value FROM standard_land_values c
        WHERE c.valid_to IS NULL AND c.plot_fid = :fid AND c.stage = 'committed'
          AND NOT EXISTS (SELECT 1 FROM standard_land_values m WHERE m.valid_to IS NULL AND m.plot_fid = c.plot_fid
                          AND m.indicator = c.indicator AND m.stage = :stage)
        ORDER BY c.indicator"""), {"fid": plot.fid, "stage": stage})
    return [f"须先录入{STAGES.label(stage)}:{INDICATORS.label(r.indicator)}(承诺 {plain(r.value)}"
            f"{INDICATOR_SPECS[r.indicator].unit_zh}) / record the {stage} value of {r.indicator} first"
            for r in rows if INDICATOR_SPECS[r.indicator].measured_at == stage]


# --------------------------------------------------------------------------- reading a plot's life


@dataclass
class PlotLife:
    """One plot as its supervisor reads it: where it stands, what happened when, and its indicators."""

    plot: FeatureRecord
    timeline: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    next_events: list[str]
    problems: list[str]

    @property
    def area_mu(self) -> Decimal | None:
        area = self.plot.properties.get("area_ha")
        return None if area is None else area * MU_PER_HA

    def as_dict(self, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
        props = {k: v for k, v in self.plot.properties.items() if k not in hidden}
        status = props["status"]
        return {"fid": self.plot.fid, "version": self.plot.version, "properties": props,
                "status_zh": PLOT_STATUS.label(status), "status_en": PLOT_STATUS.label(status, "en"),
                "area_ha": props.get("area_ha"), "area_mu": self.area_mu, "timeline": self.timeline,
                "indicators": self.indicators,
                "next_events": [{"event": e, "zh": EVENTS[e].zh, "en": EVENTS[e].en} for e in self.next_events],
                "problems": self.problems}


def plot_life(reg: Registry, fid: int) -> PlotLife:
    """The plot, its dated steps, and per indicator: the standard in force on its listing date (today
    while unlisted), the commitment and the measurements, with the shortfall of each in %."""
    plot = reg.layer(PLOTS).get(fid)
    props = plot.properties
    on = props.get("listed_on") or date.today()
    timeline = [{"event": name, "zh": e.zh, "en": e.en, "on": props[e.dates[0]]}
                for name, e in EVENTS.items() if e.dates and props.get(e.dates[0]) is not None]
    timeline.sort(key=lambda step: step["on"])
    values = reg.layer(VALUES).store.records(Query(where={"plot_fid": fid}))
    by_key = {(v.properties["indicator"], v.properties["stage"]): v.properties["value"] for v in values}
    with reg.engine.connect() as conn:
        required = {r["indicator"]: r for r in _indicator_rows(conn, fid, on, standard_land_config(reg.settings.env))}
        zh, en = _problems(conn, lifecycle_rules(), props)
    indicators = []
    for code in INDICATORS.values():
        spec, row = INDICATOR_SPECS[code], required.get(code)
        stages = {stage: by_key.get((code, stage)) for stage in STAGES.values()}
        if row is None and not any(v is not None for v in stages.values()):
            continue
        committed = stages["committed"]
        indicators.append({
            "indicator": code, "zh": INDICATORS.label(code), "en": INDICATORS.label(code, "en"),
            "unit_zh": spec.unit_zh, "unit_en": spec.unit_en, "direction": spec.direction,
            **{k: row[k] if row else None for k in ("standard", "floor", "bound")}, **stages,
            "shortfall_pct": {stage: _shortfall(spec.direction, committed, stages[stage])
                              for stage in ("completion", "production_review")}})
    next_events = [name for name, e in EVENTS.items() if props["status"] in e.from_statuses]
    return PlotLife(plot, timeline, indicators, next_events, [f"{z} / {e}" for z, e in zip(zh, en, strict=True)])


def _shortfall(direction: str, committed: Decimal | None, measured: Decimal | None) -> Decimal | None:
    """How far ``measured`` falls short of ``committed``, in % (0 when it meets it)."""
    if committed is None or measured is None or committed == 0:
        return None
    gap = committed - measured if direction == "min" else measured - committed
    return max(Decimal(0), round(100 * gap / committed, 2))
