"""Reports people read: one run as a Chinese HTML page and PDF, with charts, a map and the findings files.

A county officer prints the PDF for a meeting; the HTML is the same report with an interactive map
when the caller passes one. The path runs one way: :func:`report_document` reads the run's stored
findings once, :mod:`maps.report` may draw them (analysis never imports maps), and
:func:`build_report` writes the document. Each business area adds its own sections through
``analysis/<area>/report.py`` (:mod:`analysis.sections`). Images are embedded in the HTML, which
therefore travels as one file.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import math
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from matplotlib import patheffects
from matplotlib.figure import Figure
from sqlalchemy import func, select

from analysis.charts import chinese_figures
from analysis.engine import FINDING_COLOUR, MISSING, SEVERITIES
from analysis.runs import Run, export_findings, keep_run
from analysis.sections import ReportSection
from layers import LAYERS
from layers.admin_divisions import AdminDivision
from layers.base import SRID
from registry.repository import visible_at

TEMPLATES = Path(__file__).with_name("templates")
LOCAL_TIME = ZoneInfo("Asia/Shanghai")

MAX_ROWS_PER_RULE = 200
"""A printed report lists at most this many findings per rule; the exports hold them all."""

BACKDROP_TOLERANCE = 0.002
"""Degrees (about 200 m) by which county outlines are simplified for the printed map's backdrop."""

DOWNLOADS = {"pdf": "report.pdf", "csv": "findings.csv", "geojson": "findings.geojson", "gpkg": "findings.gpkg"}
"""The report's files, as the HTML links them when it is read from its directory."""


@dataclass(frozen=True)
class ReportFiles:
    """Everything one report wrote, in its directory."""

    html: Path
    pdf: Path
    csv: Path
    geojson: Path
    gpkg: Path
    charts: tuple[Path, ...]


@dataclass(frozen=True)
class ReportDocument:
    """What a report shows, read once from the stored run: its findings, their divisions, the summary."""

    run: Run
    findings: gpd.GeoDataFrame
    divisions: gpd.GeoDataFrame
    summary: pd.DataFrame


def report_document(run: Run, *, keep: bool = True) -> ReportDocument:
    """The run's report data; the run must be done, and is kept from then on (retention never prunes it)
    unless ``keep`` is false (a report built ahead by the worker keeps its run once someone reads it)."""
    run.require_done()
    if keep:
        keep_run(run.registry, run.id, "report")
    findings = run.findings()
    return ReportDocument(run=run, findings=findings, divisions=finding_divisions(run, findings),
                          summary=run.summary())


def build_report(source: Run | ReportDocument, out_dir: str | Path, *, map_html: str | None = None,
                 links: Mapping[str, str] | None = None) -> ReportFiles:
    """Write the run's report (HTML and PDF), its charts and its findings files into ``out_dir``.

    ``map_html`` is a full HTML page with an interactive map of the findings; the HTML report embeds
    it, and shows the static map instead when it is None. The PDF always shows the static map.
    ``links`` maps the downloads (``csv``, ``geojson``, ``gpkg``, ``pdf``) to the URLs the HTML
    points at; by default the files beside it.
    """
    doc = source if isinstance(source, ReportDocument) else report_document(source)
    run, findings = doc.run, doc.findings
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with chinese_figures():
        sections = area_sections(run)
        figures = {"findings_by_rule": _rule_chart(doc.summary),
                   "findings_map": _static_map(findings, doc.divisions, _backdrop(run))}
        figures.update({s.key: s.figure for s in sections})
        # Fonts are resolved when a figure is drawn, so saving belongs inside the font context too.
        charts = {name: _save(fig, out / f"{name}.png") for name, fig in figures.items() if fig is not None}

    context = _context(doc, sections, charts)
    context["links"] = {**DOWNLOADS, **(links or {})}
    template = _environment().get_template("report.html")
    html = out / "report.html"
    html.write_text(template.render(**context, map_html=map_html, for_print=False), encoding="utf-8")
    pdf = out / "report.pdf"
    _write_pdf(template.render(**context, map_html=None, for_print=True), pdf, out)
    exports = {suffix: export_findings(findings, out / f"findings.{suffix}") for suffix in ("csv", "geojson", "gpkg")}
    return ReportFiles(html=html, pdf=pdf, **exports, charts=tuple(charts.values()))


def area_sections(run: Run) -> list[ReportSection]:
    """The sections each business area adds (``analysis/<area>/report.py``), in the areas' order."""
    found: list[ReportSection] = []
    for area in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if area.ispkg and importlib.util.find_spec(f"analysis.{area.name}.report"):
            found.extend(importlib.import_module(f"analysis.{area.name}.report").sections(run))
    return found


# --------------------------------------------------------------------------- data from the registry


def finding_divisions(run: Run, findings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Current divisions the report names and draws: the counties of the findings and the run's area."""
    codes = set(findings["county_code"].dropna())
    if run.params.get("area") and str(run.params["area"]).isdigit():
        codes.add(run.params["area"])
    a = AdminDivision.__table__
    stmt = (select(a.c.code, a.c.name, a.c.level, a.c.parent_code, func.ST_AsBinary(a.c.geom).label("geom"))
            .where(visible_at(a, None), a.c.code.in_(sorted(codes))).order_by(a.c.code))
    with run.registry.engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    geoms = gpd.GeoSeries.from_wkb(frame.pop("geom").map(bytes), crs=SRID)
    return gpd.GeoDataFrame(frame, geometry=geoms.to_numpy(), crs=SRID)


def _backdrop(run: Run) -> gpd.GeoDataFrame:
    """All current counties, simplified to what a printed map shows, to place the findings in the province."""
    a = AdminDivision.__table__
    stmt = (select(func.ST_AsBinary(func.ST_SimplifyPreserveTopology(a.c.geom, BACKDROP_TOLERANCE)).label("geom"))
            .where(visible_at(a, None), a.c.level == "county"))
    with run.registry.engine.connect() as conn:
        wkb = [bytes(row.geom) for row in conn.execute(stmt)]
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries.from_wkb(wkb, crs=SRID))


# --------------------------------------------------------------------------- what the template shows


def _context(doc: ReportDocument, sections: list[ReportSection], charts: dict[str, Path]) -> dict[str, Any]:
    run, summary, findings = doc.run, doc.summary, doc.findings
    names = dict(zip(doc.divisions["code"], doc.divisions["name"], strict=True))
    by_severity = findings["severity"].value_counts()
    return {
        "run": run,
        "started": _local(run.started_at),
        "finished": _local(run.finished_at),
        "layers": [LAYERS[name].__layer__.title_zh for name in dict.fromkeys(c.layer for c in run.checks())],
        "severities": [(code, s.zh, int(by_severity.get(code, 0))) for code, s in SEVERITIES.items()],
        "severity_colours": {code: s.colour for code, s in SEVERITIES.items()},
        "summary": [{**row, "severity_zh": SEVERITIES[row["severity"]].zh,
                     "layer_zh": LAYERS[row["layer"]].__layer__.title_zh} for row in summary.to_dict("records")],
        "rules": _rules(summary, findings, names),
        "counties": _counties(findings, names),
        "sections": sections,
        "numerals": "一二三四五六七八九十",
        "images": {name: _data_uri(path) for name, path in charts.items()},
    }


def _rules(summary: pd.DataFrame, findings: gpd.GeoDataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """Findings grouped by rule, in the summary's order, each list cut at ``MAX_ROWS_PER_RULE``."""
    rules = []
    for row in summary.to_dict("records"):
        mine = findings[findings["check_id"] == row["check_id"]]
        shown = [{"fid": "" if pd.isna(f.fid) else int(f.fid), "county": _county_name(f.county_code, names),
                  "message": f.message_zh, "measured": _figures(f.measured)}
                 for f in mine.head(MAX_ROWS_PER_RULE).itertuples()]
        rules.append({**row, "severity_zh": SEVERITIES[row["severity"]].zh, "rows": shown,
                      "hidden": len(mine) - len(shown)})
    return rules


def _counties(findings: gpd.GeoDataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """Findings per county and severity, the county with most findings first."""
    keyed = findings.assign(county=findings["county_code"].fillna(""))
    table = pd.crosstab(keyed["county"], keyed["severity"]) if len(keyed) else pd.DataFrame()
    rows = []
    for code, counts in table.iterrows():
        per = {s: int(counts.get(s, 0)) for s in SEVERITIES}
        rows.append({"code": code, "name": _county_name(code or None, names), **per, "total": sum(per.values())})
    return sorted(rows, key=lambda r: (-r["total"], r["code"]))


def _county_name(code: str | None, names: dict[str, str]) -> str:
    if not code:
        return "未落入任何县区"
    return names.get(code, f"代码 {code}")


def _figures(measured: dict[str, Any]) -> str:
    return "; ".join(f"{k} = {MISSING if v is None else v}" for k, v in measured.items())


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _environment() -> Environment:
    """Autoescaping on: feature names and messages come from users and files."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def _write_pdf(html: str, path: Path, base: Path) -> None:
    from weasyprint import HTML  # imported late: it loads Pango, which only report building needs

    HTML(string=html, base_url=str(base)).write_pdf(path)


# --------------------------------------------------------------------------- figures


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=150, bbox_inches="tight")
    return path


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _rule_chart(summary: pd.DataFrame) -> Figure:
    """Findings per rule, coloured by severity, so the meeting sees at once where the problems are."""
    summary = summary.iloc[::-1]
    fig = Figure(figsize=(7.5, 0.45 * len(summary) + 1.2))
    ax = fig.add_subplot()
    bars = ax.barh(summary["title_zh"], summary["count"], color=[SEVERITIES[s].colour for s in summary["severity"]])
    ax.bar_label(bars, padding=3)
    ax.set_xlabel("问题数")
    ax.set_title("各检查规则发现的问题")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(1, int(summary["count"].max() if len(summary) else 0)) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _static_map(findings: gpd.GeoDataFrame, divisions: gpd.GeoDataFrame,
                backdrop: gpd.GeoDataFrame) -> Figure | None:
    """Findings over county outlines, for paper (a PDF cannot run the interactive map).

    Every finding also gets a marker, since a problem area of a few hectares is invisible at
    county scale; the view is widened to the figure's shape so the neighbouring counties show.
    """
    shown = findings[findings.geometry.notna() & ~findings.geometry.is_empty]
    if shown.empty:
        return None
    width_in, height_in = 7.5, 6.0
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.add_subplot()
    west, south, east, north = pd.concat([shown.geometry, divisions.geometry]).total_bounds
    aspect = 1 / math.cos(math.radians((south + north) / 2))  # a degree of longitude shrinks with latitude
    dx, dy = max(east - west, 0.02) * 1.1, max(north - south, 0.02) * 1.1
    if dy * aspect / dx < height_in / width_in:
        dy = dx * height_in / width_in / aspect
    else:
        dx = dy * aspect * width_in / height_in
    cx, cy = (west + east) / 2, (south + north) / 2
    if len(backdrop):
        backdrop.boundary.plot(ax=ax, color="#BBBBBB", linewidth=0.4)
    if len(divisions):
        divisions.boundary.plot(ax=ax, color="#444444", linewidth=0.9)
        halo = [patheffects.withStroke(linewidth=3, foreground="white")]
        for name, point in zip(divisions["name"], divisions.geometry.representative_point(), strict=True):
            ax.annotate(name, (point.x, point.y), xytext=(0, 8), textcoords="offset points", ha="center",
                        fontsize=9, color="#222222", path_effects=halo)
    areas = shown[shown.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(areas):
        areas.plot(ax=ax, facecolor=FINDING_COLOUR, edgecolor=FINDING_COLOUR, alpha=0.5, linewidth=1.2)
    markers = shown.geometry.representative_point()
    ax.scatter(markers.x, markers.y, s=36, color=FINDING_COLOUR, edgecolors="#222222", linewidths=0.8, zorder=3)
    ax.set_xlim(cx - dx / 2, cx + dx / 2)
    ax.set_ylim(cy - dy / 2, cy + dy / 2)
    ax.set_aspect(aspect)
    ax.set_title("问题分布(红点为问题位置,红色填充为问题范围)")
    ax.set_xlabel("经度")
    ax.set_ylabel("纬度", rotation=0, labelpad=14)
    ax.tick_params(labelsize=8)
    return fig
