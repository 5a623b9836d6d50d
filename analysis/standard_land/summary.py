"""What the province reads about standard land: a summary per development zone, and each plot's
compliance according to the latest check run.

Per-mu figures of a zone are weighted by plot area: a zone's investment intensity is its plots'
total investment over their total mu (Σ intensity × mu / Σ mu), over the plots that have the figure.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from sqlalchemy import text

from analysis.runs import Run, list_runs
from layers.base import CodeList
from layers.development_zones import ZONE_LEVELS
from layers.standard_land import MU_PER_HA
from registry import Registry

PLOTS = "standard_land_plots"

SUMMARY_INDICATORS = ("investment_intensity", "output_per_mu", "tax_per_mu")

SUMMARY_COLUMNS: dict[str, tuple[str, str]] = {
    "zone": ("开发区", "Development zone"),
    "level": ("级别", "Level"),
    "county_code": ("县区代码", "County code"),
    "plots": ("地块数", "Plots"),
    "area_ha": ("面积(公顷)", "Area (ha)"),
    "area_mu": ("面积(亩)", "Area (mu)"),
    "committed_investment_intensity": ("承诺投资强度(万元/亩)", "Committed investment intensity (10k CNY/mu)"),
    "achieved_investment_intensity": ("实际投资强度(万元/亩)", "Achieved investment intensity (10k CNY/mu)"),
    "committed_output_per_mu": ("承诺亩均产值(万元/亩)", "Committed output per mu (10k CNY/mu)"),
    "achieved_output_per_mu": ("实际亩均产值(万元/亩)", "Achieved output per mu (10k CNY/mu)"),
    "committed_tax_per_mu": ("承诺亩均税收(万元/亩)", "Committed tax per mu (10k CNY/mu)"),
    "achieved_tax_per_mu": ("实际亩均税收(万元/亩)", "Achieved tax per mu (10k CNY/mu)"),
    "plots_measured": ("已实测地块数", "Plots measured"),
}
"""The summary's columns in order, with their Chinese and English headings."""

OUTSIDE_ZONES = ("开发区外", "Outside any development zone")


def _weighted(indicator: str, kind: str) -> str:
    return (f"round(sum({kind}_{indicator} * mu) / NULLIF(sum(mu) FILTER (WHERE {kind}_{indicator} IS NOT NULL), 0)"
            f", 2) AS {kind}_{indicator}")


def _figures(indicator: str) -> str:
    """A plot's committed and achieved value (the production review's, else the completion's)."""
    where = f"v.valid_to IS NULL AND v.plot_fid = p.fid AND v.indicator = '{indicator}'"
    return (f"(SELECT max(v.value) FILTER (WHERE v.stage = 'committed') FROM standard_land_values v WHERE {where})"
            f" AS committed_{indicator}, "
            f"(SELECT coalesce(max(v.value) FILTER (WHERE v.stage = 'production_review'), "
            f"max(v.value) FILTER (WHERE v.stage = 'completion')) FROM standard_land_values v WHERE {where})"
            f" AS achieved_{indicator}")


ZONE_SUMMARY_SQL = f"""
    WITH plots AS (
        SELECT p.fid, p.area_ha, p.area_ha * {MU_PER_HA} AS mu, z.name AS zone, z.level,
               coalesce(z.county_code, p.county_code) AS county_code,
               {", ".join(_figures(i) for i in SUMMARY_INDICATORS)}
        FROM standard_land_plots p
        LEFT JOIN LATERAL (
            SELECT z.name, z.level, z.county_code FROM development_zones z
            WHERE z.valid_to IS NULL AND ST_Intersects(z.geom, ST_PointOnSurface(p.geom))
            ORDER BY z.level = 'other', z.fid LIMIT 1
        ) AS z ON true
        WHERE p.valid_to IS NULL AND p.status <> 'disposed'
    )
    SELECT zone, level, county_code, count(*) AS plots, sum(area_ha) AS area_ha, sum(mu) AS area_mu,
           {", ".join(_weighted(i, k) for i in SUMMARY_INDICATORS for k in ("committed", "achieved"))},
           count(*) FILTER (WHERE achieved_investment_intensity IS NOT NULL) AS plots_measured
    FROM plots
    GROUP BY zone, level, county_code
    ORDER BY county_code, zone NULLS LAST
"""


def zone_summary(reg: Registry, lang: str = "zh") -> pd.DataFrame:
    """One row per development zone (and one for plots outside every zone) of the plots still under
    supervision (all but disposed ones): count, area in ha and mu, committed against achieved
    investment intensity, output and tax per mu. Columns are :data:`SUMMARY_COLUMNS`."""
    with reg.engine.connect() as conn:
        frame = pd.read_sql(text(ZONE_SUMMARY_SQL), conn)
    frame["zone"] = frame["zone"].fillna(OUTSIDE_ZONES[0 if lang == "zh" else 1])
    frame["level"] = [ZONE_LEVELS.label(v, lang) if isinstance(v, str) else "" for v in frame["level"]]
    return frame[list(SUMMARY_COLUMNS)]


# --------------------------------------------------------------------------- compliance

COMPLIANCE = CodeList("合规情况", [
    ("error", "不合规", "Breaks a rule"),
    ("warning", "有警告", "Has warnings"),
    ("ok", "合规", "Passes every check"),
    ("unchecked", "未检查或检查后有变更", "Not checked since its last change"),
])


def latest_run(reg: Registry) -> Run | None:
    """The latest finished run that checked standard-land plots."""
    for run in list_runs(reg):
        if run.status == "done" and any(c.layer == PLOTS for c in run.checks()):
            return run
    return None


def plot_compliance(reg: Registry, run: Run | None = None) -> gpd.GeoDataFrame:
    """The current plots with ``compliance`` (a :data:`COMPLIANCE` code) and their findings' messages
    (``findings_zh``, ``findings_en``) from ``run`` (the latest run that checked plots by default).

    A plot created or changed after the run started is ``unchecked``: the run never saw it as it is.
    """
    plots = reg.layer(PLOTS).to_geodataframe()
    run = run or latest_run(reg)
    plots["compliance"], plots["findings_zh"], plots["findings_en"] = "unchecked", "", ""
    if run is None or plots.empty:
        return plots
    findings = run.findings()
    findings = findings[findings["layer"] == PLOTS]
    worst = findings.groupby("fid")["severity"].agg(lambda s: "error" if (s == "error").any() else "warning")
    messages = findings.groupby("fid").agg(zh=("message_zh", "; ".join), en=("message_en", "; ".join))
    seen = plots["valid_from"] <= run.started_at
    fids = plots["fid"]
    plots["compliance"] = fids.map(worst).fillna("ok").where(seen, "unchecked")
    plots["findings_zh"] = fids.map(messages["zh"]).fillna("").where(seen, "")
    plots["findings_en"] = fids.map(messages["en"]).fillna("").where(seen, "")
    return plots
