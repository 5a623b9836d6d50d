"""The findings of a check run on an interactive map, for the HTML report.

The report runs one way: :func:`analysis.reports.report_document` reads the run once, this module
draws its findings, and :func:`analysis.reports.build_report` writes the document with the map in its
HTML (analysis never imports maps). A report written to a folder gets its own
copy of the map's JavaScript and CSS (:func:`copy_map_assets`): it opens on an intranet machine, or
from a USB stick, with no network.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd

from analysis.reports import ReportFiles, build_report, report_document
from analysis.runs import Run
from layers.admin_divisions import AdminDivision
from maps.assets import asset_paths
from maps.builder import DEFAULT_ASSET_URL, BaseMap, Page, combined_map, render_page

SCRIPT_HASHES = "script-hashes.txt"
"""Beside ``report.html``: the hashes of its map's inline scripts, for the policy the report is served with."""
REPORT_ASSET_DIR = "vendor"
"""Folder beside ``report.html`` holding the map's assets; also the map's (relative) asset URL."""


def write_report(run: Run, out_dir: str | Path, *, base: BaseMap | None = None,
                 asset_url: str = DEFAULT_ASSET_URL, node_modules: str | Path | None = None,
                 links: Mapping[str, str] | None = None, keep: bool = True) -> ReportFiles:
    """The run's report (:func:`analysis.reports.build_report`) with the interactive map in its HTML;
    ``keep`` as :func:`analysis.reports.report_document`'s.

    With ``node_modules``, the map's assets are copied beside the report, which then works from its
    folder alone; otherwise the map loads them from ``asset_url`` (the app serves them there).
    """
    if node_modules is not None:
        copy_map_assets(node_modules, out_dir)
        asset_url = REPORT_ASSET_DIR
    doc = report_document(run, keep=keep)
    page = findings_map_page(doc.findings, doc.divisions, base=base, asset_url=asset_url)
    (Path(out_dir) / SCRIPT_HASHES).write_text("\n".join(page.script_hashes), encoding="ascii")
    return build_report(doc, out_dir, map_html=page.html, links=links)


def findings_map_page(findings: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame | None = None, *,
                      base: BaseMap | None = None, asset_url: str = DEFAULT_ASSET_URL) -> Page:
    """A full HTML page: the findings in red over the outlines of their divisions (with its script hashes:
    the report embeds it in an ``iframe srcdoc``, which runs under the report's policy).

    ``findings`` is :meth:`analysis.runs.Run.findings`; popups name the rule by its Chinese title and
    show the Chinese message. ``outlines`` are administrative divisions (e.g. the counties of the findings).
    """
    shown = findings.assign(check_id=[f"{title}({check_id})" for title, check_id
                                      in zip(findings["title_zh"], findings["check_id"], strict=True)],
                            message=findings["message_zh"])
    layers = [(AdminDivision, outlines)] if outlines is not None and len(outlines) else []
    m = combined_map(layers, base or BaseMap(), shown, title="检查发现的问题", asset_url=asset_url)
    return render_page(m)


def copy_map_assets(node_modules: str | Path, target: str | Path) -> Path:
    """Copy the files the map loads from ``node_modules`` into ``target/vendor``; returns that folder."""
    folder = Path(target) / REPORT_ASSET_DIR
    for relative in sorted(asset_paths()):
        destination = folder / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(node_modules) / relative, destination)
    return folder
