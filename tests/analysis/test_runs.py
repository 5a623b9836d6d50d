"""Stored runs: what is kept, how they fail, how they are read back, exported and run in the background."""

from __future__ import annotations

import json
import time

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import func, select

from analysis import RunFailed, all_checks, list_runs, load_run, run_checks, select_checks, start_run_async
from analysis.engine import Check
from layers.system import Finding
from registry.errors import InvalidInput, NotFound
from tests.stories.checks import STORY_CHECKS

OUTFALL_CHECK = "outfall.in_protected_zone"
PLAN_CHECK = "expropriation.zone_plan_outside_concentrated"


def test_a_run_is_stored_with_its_parameters_data_version_and_duration(reg, check_story):
    run = run_checks(reg, layers=["outfalls"], checks=[PLAN_CHECK], author="漳浦县自然资源局")
    again = load_run(reg, run.id)

    assert again.status == "done"
    assert again.author == "漳浦县自然资源局"
    assert again.params["layers"] == ["outfalls"]
    assert again.params["checks"] == [PLAN_CHECK]
    expected = {c.id for c in select_checks(layers=["outfalls"])} | {PLAN_CHECK}
    assert set(again.params["check_ids"]) == expected and OUTFALL_CHECK in expected
    assert again.data_version == reg.data_version()
    assert again.checks_done == again.checks_total == len(expected)
    assert again.finding_count == len(again.findings()) >= 2
    assert again.finished_at >= again.started_at
    assert again.duration_s > 0


def test_findings_come_back_as_a_geodataframe_most_serious_first(reg, check_story):
    run = run_checks(reg, checks=STORY_CHECKS)
    frame = run.findings()
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.to_epsg() == 4490
    for column in ("check_id", "layer", "fid", "key", "severity", "message_zh", "message_en", "measured",
                   "county_code", "geometry"):
        assert column in frame.columns
    assert frame["check_id"].tolist() == sorted(frame["check_id"])
    assert set(frame["fid"]) == {check_story.inside_fid, check_story.zhaoan_plan_fid}


def test_the_summary_lists_every_check_of_the_run_including_those_that_found_nothing(reg, check_story):
    reg.layer("outfalls").update(check_story.inside_fid, {"decision": "remove"}, base_version=1)
    summary = run_checks(reg, checks=STORY_CHECKS).summary().set_index("check_id")
    assert summary.loc[OUTFALL_CHECK, "count"] == 0
    assert summary.loc[PLAN_CHECK, "count"] == 1
    assert summary.loc[PLAN_CHECK, "title_zh"] == all_checks()[PLAN_CHECK].title_zh


def test_progress_is_reported_after_each_check(reg, check_story):
    seen = []
    run_checks(reg, checks=STORY_CHECKS, progress=lambda check, done, total: seen.append((check.id, done, total)))
    assert [(done, total) for _, done, total in seen] == [(1, 2), (2, 2)]
    assert {check_id for check_id, _, _ in seen} == {OUTFALL_CHECK, PLAN_CHECK}


def test_a_failing_check_fails_the_run_and_keeps_none_of_its_findings(reg, check_story, monkeypatch):
    broken = Check(id="zz.broken", layer="outfalls", severity="warning", title_zh="坏检查", title_en="Broken",
                   message_zh="", message_en="",
                   sql="SELECT fid, '' AS key, geom, county_code, 1 / (fid - fid) AS boom "
                       "FROM outfalls WHERE valid_to IS NULL")
    monkeypatch.setitem(all_checks(), broken.id, broken)  # declared after the outfall check, which finds one

    with pytest.raises(RunFailed, match="division by zero") as failure:
        run_checks(reg, checks=[OUTFALL_CHECK, broken.id])

    run = load_run(reg, failure.value.extra["run_id"])
    assert run.status == "failed"
    assert "division by zero" in run.error
    assert run.finding_count == 0
    assert run.finished_at is not None
    with reg.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Finding.__table__)) == 0


def test_runs_are_listed_newest_first_and_an_unknown_run_is_not_found(reg, check_story):
    first, second = run_checks(reg, checks=[OUTFALL_CHECK]), run_checks(reg, checks=STORY_CHECKS)
    assert [r.id for r in list_runs(reg)] == [second.id, first.id]
    with pytest.raises(NotFound):
        load_run(reg, second.id + 100)


def test_findings_export_to_csv_geojson_and_geopackage(reg, check_story, tmp_path):
    run = run_checks(reg, checks=STORY_CHECKS)
    csv = pd.read_csv(run.export(tmp_path / "f.csv"), encoding="utf-8-sig")
    assert len(csv) == 2
    assert json.loads(csv.loc[csv["check_id"] == OUTFALL_CHECK, "measured"].iloc[0])["zone_name"] == "古雷水源保护区"
    assert csv.loc[csv["check_id"] == OUTFALL_CHECK, "wkt"].iloc[0] == "POINT (117.62 23.76)"
    assert set(csv["feature_fid"]) == {check_story.inside_fid, check_story.zhaoan_plan_fid}

    geojson = json.loads(run.export(tmp_path / "f.geojson").read_text(encoding="utf-8"))
    point = next(f for f in geojson["features"] if f["properties"]["check_id"] == OUTFALL_CHECK)
    assert point["geometry"]["coordinates"] == [117.62, 23.76], "RFC 7946: longitude first"

    gpkg = gpd.read_file(run.export(tmp_path / "f.gpkg"))
    assert sorted(gpkg.geom_type) == ["Point", "Polygon"], "points and polygons share one GeoPackage layer"
    assert gpkg.crs.to_epsg() == 4490

    with pytest.raises(InvalidInput):
        run.export(tmp_path / "f.shp")


def test_a_run_without_findings_exports_empty_files(reg, tmp_path):
    run = run_checks(reg, checks=STORY_CHECKS)
    assert len(gpd.read_file(run.export(tmp_path / "empty.gpkg"))) == 0
    assert json.loads(run.export(tmp_path / "empty.geojson").read_text(encoding="utf-8"))["features"] == []


def test_an_asynchronous_run_is_a_job_whose_status_is_the_stored_run(reg, check_story):
    run_id = start_run_async(reg, checks=[OUTFALL_CHECK], author="web")
    deadline = time.monotonic() + 30
    run = load_run(reg, run_id)
    while run.status == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        run = run.refresh()
    assert run.status == "done"
    status = run.as_dict()
    assert status["progress"] == {"checks_done": 1, "checks_total": 1}
    assert status["finding_count"] == 1
    with pytest.raises(InvalidInput):  # refused at once, no job started
        start_run_async(reg, checks=["nope"])
