"""Reports: the HTML and PDF a meeting reads, the charts, the exports, and escaping of user text."""

from __future__ import annotations

import subprocess

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Point
from sqlalchemy import insert

from analysis import RunNotFinished, load_run, run_checks
from analysis.outfalls.report import outfall_progress
from analysis.reports import build_report, finding_divisions
from layers.system import CheckRun
from maps.report import findings_map_page
from tests.stories.checks import SOURCE_ZONE, STORY_CHECKS, add_outfall

OUTFALL_CHECK = "outfall.in_protected_zone"

def pdf_info(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def test_a_run_gives_html_pdf_charts_and_findings_files(reg, check_story, tmp_path):
    run = run_checks(reg, checks=STORY_CHECKS)
    files = build_report(run, tmp_path)

    html = files.html.read_text(encoding="utf-8")
    assert "<h1>合规检查报告</h1>" in html
    assert "成片开发方案超出城镇开发边界集中建设区" in html
    assert "古雷水源保护区" in html
    assert "<td>漳浦县</td><td>350623</td>" in html, "findings per county, named from admin_divisions"
    assert "排污口整治进度对照目标" in html, "the outfalls layer has targets in the seeds"
    assert "data:image/png;base64," in html, "charts travel inside the HTML"

    assert files.pdf.read_bytes().startswith(b"%PDF")
    assert int(pdf_info(files.pdf)["Pages"]) >= 1
    fonts = subprocess.run(["pdffonts", str(files.pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts, "Chinese is set in a CJK font, not in boxes"
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(files.pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "合规检查报告" in text

    assert {p.name for p in files.charts} == {"findings_by_rule.png", "findings_map.png", "outfall_progress.png"}
    assert all(p.stat().st_size > 1000 for p in files.charts)
    assert len(gpd.read_file(files.gpkg)) == 2
    assert len(gpd.read_file(files.geojson)) == 2
    assert files.csv.read_text(encoding="utf-8-sig").count("\n") == 3


def test_user_text_is_escaped_in_the_html_and_its_map(reg, check_story, tmp_path):
    reg.layer("protected_zones").create(
        {"name": "<script>alert(1)</script>水源地", "zone_type": "drinking_water_source", "county_code": "350623"},
        MultiPolygon([SOURCE_ZONE.buffer(-0.005)]))
    run = run_checks(reg, checks=[OUTFALL_CHECK])
    findings = run.findings()
    html = build_report(run, tmp_path, map_html=findings_map_page(findings, finding_divisions(run, findings)).html,
                        ).html.read_text(encoding="utf-8")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;水源地" in html
    assert '<iframe class="map" title="问题分布图" srcdoc="' in html, "the interactive map is embedded"


def test_a_run_without_findings_still_reports(reg, tmp_path):
    files = build_report(run_checks(reg, checks=STORY_CHECKS), tmp_path)
    html = files.html.read_text(encoding="utf-8")
    assert "本次检查未发现问题" in html
    assert "排污口整治进度对照目标" not in html, "no outfalls, no progress to report"
    assert int(pdf_info(files.pdf)["Pages"]) >= 1


def test_outfall_progress_is_measured_as_the_data_stood_when_the_run_started(reg, check_story):
    reg.layer("key_basins").create({"name": "古雷湾", "kind": "bay"}, MultiPolygon([SOURCE_ZONE.buffer(0.001)]))
    run = run_checks(reg, checks=[OUTFALL_CHECK])
    # Changes after the run do not alter its report.
    reg.layer("outfalls").update(check_story.farmland_fid, {"status": "remediated", "decision": "regularise"},
                                 base_version=1)
    add_outfall(reg, "350623-GL-020", "古雷晚到排口", Point(117.62, 23.77))

    progress = outfall_progress(run).set_index("area")
    # Four outfalls: decided, remediated, traced, surveyed → 3 traced or further, 1 remediated.
    assert progress.loc["全部排污口", ["total", "traced", "remediated"]].tolist() == [4, 3, 1]
    assert progress.loc["全部排污口", ["traced_pct", "remediated_pct"]].tolist() == [75.0, 25.0]
    # In the bay: the decided and the remediated outfall.
    assert progress.loc["古雷湾", ["total", "traced_pct", "remediated_pct"]].tolist() == [2, 100.0, 50.0]


def test_a_run_that_has_not_finished_has_no_report(reg, tmp_path):
    t = CheckRun.__table__
    with reg.engine.begin() as conn:
        run_id = conn.execute(insert(t).values(data_version=0, author="tester").returning(t.c.id)).scalar_one()
    with pytest.raises(RunNotFinished):
        build_report(load_run(reg, run_id), tmp_path)
