"""Stored runs: what is kept, how they fail, how they are read back, exported and run in the background."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import func, select, text

from analysis import (
    RunFailed,
    RunPruned,
    all_checks,
    list_runs,
    load_run,
    prune_runs,
    queue_run,
    run_checks,
    select_checks,
    work,
)
from analysis.engine import Check
from analysis.reports import report_document
from analysis.runs import reap
from layers.system import Finding
from registry.errors import Busy, InvalidInput, NotFound
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


def test_a_queued_run_waits_for_a_worker_which_does_it_and_records_its_connection(reg, check_story):
    run_id = queue_run(reg, checks=[OUTFALL_CHECK], author="web")
    assert load_run(reg, run_id).status == "queued"
    with pytest.raises(Busy):  # one run queued or going per author
        queue_run(reg, checks=[OUTFALL_CHECK], author="web")
    with pytest.raises(InvalidInput):  # refused at once, no job queued
        queue_run(reg, checks=["nope"], author="other")

    assert work(reg, once=True) == 1
    run = load_run(reg, run_id)
    assert run.status == "done" and run.worker_pid is not None
    status = run.as_dict()
    assert status["progress"] == {"checks_done": 1, "checks_total": 1}
    assert status["finding_count"] == 1
    assert work(reg, once=True) == 0, "the queue is empty"
    queue_run(reg, checks=[OUTFALL_CHECK], author="web")  # the author may run again


def _worker_blocked_on_outfalls(reg, db_url):
    """A ``fujian-gis worker`` process doing a queued run that waits on a lock the test holds on the
    outfalls table; returns the process, the run id and the connection holding the lock."""
    run_id = queue_run(reg, checks=[OUTFALL_CHECK], author="web")
    lock = reg.engine.connect()
    lock.execute(text("LOCK TABLE outfalls IN ACCESS EXCLUSIVE MODE"))
    worker = subprocess.Popen([str(Path(sys.executable).with_name("fujian-gis")), "worker", "--once"],
                              env={**os.environ, "DATABASE_URL": db_url}, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    with reg.engine.connect() as conn:
        while not conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted "
                                    "AND relation = 'outfalls'::regclass")).scalar():
            conn.rollback()
            assert time.monotonic() < deadline and worker.poll() is None, "the worker never reached the lock"
            time.sleep(0.1)
    run = load_run(reg, run_id)
    assert run.status == "running" and run.worker_pid is not None
    return worker, run_id, lock


def test_a_killed_workers_run_is_marked_failed_and_keeps_nothing(reg, db_url, check_story):
    worker, run_id, lock = _worker_blocked_on_outfalls(reg, db_url)
    assert reap(reg) == [], "a run whose worker is alive is not reaped"
    worker.kill()
    worker.wait(10)
    lock.rollback()  # the dead worker's backend goes on, finds its client gone and rolls back
    lock.close()
    deadline = time.monotonic() + 30
    while run_id not in reap(reg):
        assert time.monotonic() < deadline, "the killed worker's run was never reaped"
        time.sleep(0.2)
    run = load_run(reg, run_id)
    assert run.status == "failed" and "stopped" in run.error and run.finding_count == 0
    with reg.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Finding).where(Finding.run_id == run_id)) == 0


def test_a_worker_stopped_by_sigterm_puts_its_run_back_in_the_queue(reg, db_url, check_story):
    worker, run_id, lock = _worker_blocked_on_outfalls(reg, db_url)
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=30)
    assert "queued again" in out
    lock.rollback()
    lock.close()
    assert load_run(reg, run_id).status == "queued"
    assert work(reg, once=True) == 1 and load_run(reg, run_id).status == "done"


def test_retention_prunes_old_runs_nothing_refers_to_and_keeps_their_summary(reg, check_story, tmp_path):
    exported, reported, compared, plain = (run_checks(reg, checks=[OUTFALL_CHECK]) for _ in range(4))
    exported.export(tmp_path / "f.csv")
    report_document(reported)
    compared.compare(exported)
    with reg.engine.begin() as conn:
        conn.execute(text("UPDATE check_runs SET finished_at = now() - interval '200 days'"))
    assert load_run(reg, compared.id).kept_for == [f"comparison with run {exported.id}"]
    assert sorted(load_run(reg, exported.id).kept_for) == [f"comparison with run {compared.id}", "export"]

    assert prune_runs(reg, timedelta(days=365)) == []
    assert prune_runs(reg, timedelta(days=180)) == [plain.id]
    assert prune_runs(reg, timedelta(days=180)) == [], "pruned once"
    gone = load_run(reg, plain.id)
    assert gone.pruned_at is not None
    assert gone.summary().set_index("check_id")["count"].to_dict() == {OUTFALL_CHECK: plain.finding_count}
    with pytest.raises(RunPruned, match=f"run {plain.id} were pruned"):
        gone.findings()
    with pytest.raises(RunPruned):
        gone.export(tmp_path / "gone.csv")
    for kept in (exported, reported, compared):
        assert len(load_run(reg, kept.id).findings()) == kept.finding_count >= 1

