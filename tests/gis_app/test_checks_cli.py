"""``fujian-gis check …`` driven as an officer would: run, list, show, compare, report."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from shapely.geometry import MultiPolygon, Point, box

from gis_app.cli import main
from registry import Registry

ZHANGPU = "350623"
OUTFALL = {"county_code": ZHANGPU, "receiving_kind": "sea", "outfall_class": "industrial", "status": "decided"}


@pytest.fixture
def runner(db_url: str, reg: Registry, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", db_url)
    reg.layer("protected_zones").create(
        {"name": "古雷水源保护区", "zone_type": "drinking_water_source", "county_code": ZHANGPU},
        MultiPolygon([box(117.60, 23.74, 117.64, 23.78)]))
    reg.layer("outfalls").create({**OUTFALL, "code": "350623-GL-001", "name": "古雷港口村排口",
                                  "decision": "regularise"}, Point(117.62, 23.76))
    return CliRunner()


def run_id_of(output: str) -> int:
    return int(re.search(r"run id: (\d+)", output).group(1))


def test_check_run_prints_the_run_and_writes_a_report_that_works_offline(runner, tmp_path):
    result = runner.invoke(main, ["check", "run", "--check", "outfall.in_protected_zone",
                                   "--report", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert re.search(r"outfall\.in_protected_zone\s+error\s+1", result.output)
    assert "合计 / total: 1" in result.output
    for name in ("report.html", "report.pdf", "findings.csv", "findings.geojson", "findings.gpkg"):
        assert (tmp_path / "r" / name).is_file()
    assert (tmp_path / "r" / "vendor" / "leaflet" / "dist" / "leaflet.js").is_file()
    assert "vendor/leaflet/dist/leaflet.js" in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")

    listed = runner.invoke(main, ["check", "list"])
    assert "outfall.in_protected_zone" in listed.output and "expropriation." in listed.output
    runs = runner.invoke(main, ["check", "runs"])
    assert re.search(rf"^\s*{run_id_of(result.output)}\s+done", runs.output, re.MULTILINE)
    shown = runner.invoke(main, ["check", "show", str(run_id_of(result.output))])
    assert "古雷水源保护区" in shown.output


def test_check_compare_lists_what_changed(runner, reg):
    first = run_id_of(runner.invoke(main, ["check", "run", "--check", "outfall.in_protected_zone"]).output)
    reg.layer("outfalls").update(1, {"decision": "remove"}, base_version=1)
    second = run_id_of(runner.invoke(main, ["check", "run", "--check", "outfall.in_protected_zone"]).output)
    result = runner.invoke(main, ["check", "compare", str(second), str(first)])
    assert result.exit_code == 0, result.output
    assert f"before: run {first}" in result.output
    assert re.search(r"outfall\.in_protected_zone\s+0\s+1\s+0", result.output)
    assert "- outfall.in_protected_zone #1 " in result.output


def test_bad_requests_exit_non_zero_with_the_reason(runner):
    unknown = runner.invoke(main, ["check", "run", "--check", "outfall.no_such_rule"])
    assert unknown.exit_code == 1 and "unknown check" in unknown.output
    missing = runner.invoke(main, ["check", "show", "999"])
    assert missing.exit_code == 1 and "no check run 999" in missing.output
