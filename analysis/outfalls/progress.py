"""Remediation progress against the targets of 闽政办〔2022〕43号: per key basin, key bay and model bay of
annex 1 (an outfall counts in every one whose polygon it lies in), per city, and in all.

The targets are year-end shares of outfalls traced and remediated (analysis/outfalls/config.py). The
registry knows only outfalls that were surveyed, so "survey done" is not a share it can measure: the
table gives the number surveyed and the shares sampled, traced (traced, decided or remediated) and
remediated. All counts come from one set-based query over the current (or ``as_of``) rows.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text
from sqlalchemy import String, cast, func, literal, select, union_all

from analysis.charts import cjk_font
from analysis.engine import parse_area
from analysis.outfalls.config import OUTFALL_TARGETS, Target
from layers.admin_divisions import AdminDivision
from layers.base import CodeList
from layers.key_basins import KeyBasin
from layers.outfalls import TRACED_OR_LATER, Outfall
from registry import Registry
from registry.repository import visible_at

GROUPS = CodeList("统计范围", [
    ("total", "全部", "All outfalls"),
    ("basin", "重点流域", "Key river basin"),
    ("bay", "重点海湾", "Key bay"),
    ("model_bay", "美丽海湾样板湾区", "Model bay"),
    ("city", "设区市", "City"),
])

TOTAL_NAME = "全部排污口"

TARGET_STATES = CodeList("目标完成情况", [
    ("met", "已达到", "Met"),
    ("behind", "未达到(已过期限)", "Behind (deadline passed)"),
    ("pending", "未达到(未到期限)", "Not yet met (before the deadline)"),
    ("no_data", "无排污口", "No outfalls"),
])

MEASURES = ("sampled", "traced", "remediated")

COLUMNS_ZH = {"group_zh": "统计范围", "name": "名称", "total": "已排查", "sampled": "已监测",
              "sampled_pct": "监测比例(%)", "traced": "已溯源", "traced_pct": "溯源比例(%)", "remediated": "已整治",
              "remediated_pct": "整治比例(%)"}
"""Chinese column headings for the HTML table and the CLI."""


def progress_table(reg: Registry, *, area: str | None = None, as_of: datetime | None = None,
                   on: date | None = None, groups: Sequence[str] = GROUPS.values(),
                   targets: Sequence[Target] = OUTFALL_TARGETS) -> pd.DataFrame:
    """One row per group member: ``group``, ``group_zh``, ``name``, ``code``, ``total`` (surveyed), the counts
    and shares sampled, traced and remediated, and ``target_<year>`` (a code of :data:`TARGET_STATES`).

    ``area`` (a division code, WKT or GeoJSON polygon) limits the outfalls counted; ``as_of`` reads the
    data as it stood then; ``on`` is the day the targets are judged on (``as_of``'s day or today), so a
    target is ``behind`` only once its year has ended. Key basins without outfalls are listed with no
    shares: a basin where nothing was registered is news too.
    """
    o, b, d = Outfall.__table__, KeyBasin.__table__, AdminDivision.__table__
    with reg.engine.connect() as conn:
        where = [visible_at(o, as_of)]
        if area:
            where.append(parse_area(conn, area).clause(o.c.geom, o.c.county_code))
        city = func.left(o.c.county_code, 4).concat("00").label("city")
        scoped = select(o.c.fid, o.c.geom, city, o.c.status).where(*where).cte("scoped")
        counts = [func.count(scoped.c.fid).label("total"),
                  func.count(scoped.c.fid).filter(scoped.c.status != "surveyed").label("sampled"),
                  func.count(scoped.c.fid).filter(scoped.c.status.in_(TRACED_OR_LATER)).label("traced"),
                  func.count(scoped.c.fid).filter(scoped.c.status == "remediated").label("remediated")]
        parts = []
        if "total" in groups:
            parts.append(select(literal("total").label("grp"), literal(TOTAL_NAME).label("name"),
                                literal("", String).label("code"), *counts))
        kinds = [g for g in groups if g in ("basin", "bay", "model_bay")]
        if kinds:
            parts.append(select(b.c.kind, b.c.name, cast(b.c.fid, String), *counts)
                         .select_from(b.outerjoin(scoped, func.ST_Intersects(scoped.c.geom, b.c.geom)))
                         .where(visible_at(b, as_of), b.c.kind.in_(kinds)).group_by(b.c.kind, b.c.name, b.c.fid))
        if "city" in groups:
            name = (select(d.c.name).where(visible_at(d, as_of), d.c.level == "city", d.c.code == scoped.c.city)
                    .order_by(d.c.fid).limit(1).scalar_subquery())
            parts.append(select(literal("city"), func.coalesce(name, scoped.c.city), scoped.c.city, *counts)
                         .group_by(scoped.c.city))
        if not parts:
            raise ValueError(f"no known group among {list(groups)}; use {', '.join(GROUPS.values())}")
        rows = conn.execute(union_all(*parts)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["group", "name", "code", "total", *MEASURES])
    return _shares(frame, on or (as_of.date() if as_of else date.today()), targets)


def _shares(frame: pd.DataFrame, on: date, targets: Sequence[Target]) -> pd.DataFrame:
    # Groups in GROUPS order; basins and bays by name, cities by code.
    rank = frame["group"].map({g: i for i, g in enumerate(GROUPS.values())})
    within = frame["code"].where(frame["group"] == "city", frame["name"])
    frame = frame.assign(rank=rank, within=within).sort_values(["rank", "within"])
    frame = frame.drop(columns=["rank", "within"]).reset_index(drop=True)
    frame.insert(1, "group_zh", frame["group"].map(GROUPS.label))
    for measure in MEASURES:
        share = (100.0 * frame[measure] / frame["total"].where(frame["total"] > 0)).round(1)
        frame[f"{measure}_pct"] = share.astype(object).where(share.notna(), None)
    for target in targets:
        frame[f"target_{target.year}"] = [_state(row, target, on) for row in frame.itertuples()]
    return frame


def _state(row: Any, target: Target, on: date) -> str:
    if not row.total:
        return "no_data"
    if row.traced_pct >= target.traced_pct and row.remediated_pct >= target.remediated_pct:
        return "met"
    return "behind" if on > target.due else "pending"


def progress_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The table as JSON-ready rows, with each target state's labels beside its code."""
    records = frame.to_dict("records")
    for record in records:
        for key in [k for k in record if k.startswith("target_")]:
            record[f"{key}_zh"] = TARGET_STATES.label(record[key])
    return records


# --------------------------------------------------------------------------- chart


def progress_chart(frame: pd.DataFrame, *, targets: Sequence[Target] = OUTFALL_TARGETS,
                   font: str | None = None) -> Figure:
    """Traced and remediated shares per row (``name``) against the year-end targets.

    Drawn without pyplot. ``font`` is set on every text of the figure, so a caller outside a font
    context (the web's PNG) needs no global matplotlib settings; the report draws inside its own.
    """
    shown = frame[frame["total"] > 0].reset_index(drop=True)
    fig = Figure(figsize=(max(7.5, 0.55 * len(shown) + 2), 4.6))
    ax = fig.add_subplot()
    x = range(len(shown))
    width = 0.38
    colours = {"traced": "#2E86C1", "remediated": "#27AE60"}
    labels = {"traced": "已溯源", "remediated": "已整治"}
    for offset, measure in ((-width / 2, "traced"), (width / 2, "remediated")):
        bars = ax.bar([i + offset for i in x], shown[f"{measure}_pct"].astype(float), width,
                      color=colours[measure], label=f"{labels[measure]}比例")
        ax.bar_label(bars, fmt="%.0f%%", fontsize=7, padding=2)
    styles = ("--", ":", "-.")
    for target, style in zip(targets, styles * len(targets), strict=False):
        for measure, value in (("traced", target.traced_pct), ("remediated", target.remediated_pct)):
            ax.axhline(value, color=colours[measure], linestyle=style, linewidth=1.1,
                       label=f"{target.year}年底{labels[measure]}目标 {value:.0f}%")
    ax.set_xticks(list(x), shown["name"], fontsize=8, rotation=30 if len(shown) > 6 else 0,
                  ha="right" if len(shown) > 6 else "center")
    ax.set_ylim(0, 115)
    ax.set_ylabel("占已排查排污口(%)")
    ax.set_title("排污口溯源与整治进度对照目标(闽政办〔2022〕43号)")
    ax.legend(fontsize=7, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.22), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    if font:
        for text in fig.findobj(Text):
            text.set_fontfamily([font, "DejaVu Sans"])
    return fig


def progress_png(frame: pd.DataFrame) -> bytes:
    """The chart as PNG bytes, in the installed Chinese font."""
    buffer = io.BytesIO()
    progress_chart(frame, font=cjk_font()).savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return buffer.getvalue()
