"""Checks over HTTP: start a run as a job, poll it, read its findings, compare two runs, get the report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import insert, text

from analysis import prune_runs
from layers.system import CheckRun
from registry import Registry
from tests.helpers import wait_done

ZHANGPU = "350623"
OUTFALL_CHECK = "outfall.in_protected_zone"
PLAN_CHECK = "expropriation.zone_plan_outside_concentrated"
OUTFALL = {"county_code": ZHANGPU, "receiving_kind": "sea", "outfall_class": "industrial", "status": "decided"}


@pytest.fixture
def client(app, token_for):
    """Requests signed with an administrator's token: starting a run needs an account (test_attacks)."""
    signed = app.test_client()
    signed.environ_base["HTTP_AUTHORIZATION"] = token_for(("admin",), username="jc", display_name="检查员")[
        "Authorization"]
    return signed


@pytest.fixture
def gulei(reg: Registry) -> dict[str, int]:
    """Zhangpu county, a drinking-water source zone at Gulei and one outfall inside it (to be regularised)."""
    reg.layer("admin_divisions").create({"code": ZHANGPU, "name": "漳浦县", "level": "county"},
                                        MultiPolygon([box(117.35, 23.60, 117.95, 24.30)]))
    zone = reg.layer("protected_zones").create(
        {"name": "古雷水源保护区", "zone_type": "drinking_water_source", "county_code": ZHANGPU},
        MultiPolygon([box(117.60, 23.74, 117.64, 23.78)]))
    inside = reg.layer("outfalls").create({**OUTFALL, "code": "350623-GL-001", "name": "古雷港口村排口",
                                           "decision": "regularise"}, Point(117.62, 23.76))
    return {"zone": zone.fid, "inside": inside.fid}


def start(client, body: dict) -> str:
    response = client.post("/runs", json=body)
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["status"] == "queued"
    return response.headers["Location"]


def test_the_declared_checks_are_listed(client):
    checks = {c["id"]: c for c in client.get("/checks").get_json()["checks"]}
    assert {OUTFALL_CHECK, PLAN_CHECK} <= set(checks)
    assert checks[OUTFALL_CHECK]["title_zh"] == "排污口位于禁止设置排污口的保护区内"
    assert checks[OUTFALL_CHECK]["severity"] == "error"


def test_a_run_is_a_job_to_poll_until_done_then_its_findings_are_geojson(client, gulei):
    location = start(client, {"checks": [OUTFALL_CHECK], "area": ZHANGPU})
    assert location.startswith("/runs/")

    status = wait_done(client, location)
    assert status["status"] == "done"
    assert status["progress"] == {"checks_done": 1, "checks_total": 1}
    assert status["params"]["area"] == ZHANGPU
    assert [(s["check_id"], s["count"]) for s in status["summary"]] == [(OUTFALL_CHECK, 1)]

    response = client.get(f"{location}/findings")
    assert response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [117.62, 23.76]}, "RFC 7946: lon, lat"
    props = feature["properties"]
    assert (props["check_id"], props["fid"], props["key"]) == (OUTFALL_CHECK, gulei["inside"], str(gulei["zone"]))
    assert props["measured"]["zone_name"] == "古雷水源保护区"
    assert "古雷水源保护区" in props["message_zh"]

    assert any(r["id"] == status["id"] for r in client.get("/runs").get_json()["runs"])


def test_findings_download_as_csv_and_geopackage(client, gulei):
    location = start(client, {"checks": [OUTFALL_CHECK]})
    wait_done(client, location)
    csv = client.get(f"{location}/findings?f=csv")
    assert csv.mimetype == "text/csv"
    assert "attachment" in csv.headers["Content-Disposition"]
    assert OUTFALL_CHECK in csv.get_data().decode("utf-8-sig")
    gpkg = client.get(f"{location}/findings?f=gpkg")
    assert gpkg.get_data().startswith(b"SQLite format 3")
    wrong = client.get(f"{location}/findings?f=xlsx")
    assert wrong.status_code == 422 and wrong.mimetype == "application/problem+json"


@pytest.mark.parametrize("body, status", [
    ({"checks": ["outfall.no_such_rule"]}, 422),
    ({"layers": "outfalls"}, 422),
    ({"area": 350623}, 422),
    ({"area": "350699"}, 404),
    ([OUTFALL_CHECK], 422),
])
def test_bad_run_requests_are_refused_as_problems_and_start_no_job(client, gulei, body, status):
    response = client.post("/runs", json=body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert client.get("/runs").get_json()["runs"] == []


def test_two_runs_compare_as_new_resolved_and_unchanged(client, reg, gulei):
    first = wait_done(client, start(client, {"checks": [OUTFALL_CHECK]}))
    reg.layer("outfalls").update(gulei["inside"], {"decision": "remove"}, base_version=1)
    newcomer = reg.layer("outfalls").create({**OUTFALL, "code": "350623-GL-010", "name": "古雷新发现排口"},
                                            Point(117.615, 23.745)).fid
    second = wait_done(client, start(client, {"checks": [OUTFALL_CHECK]}))

    comparison = client.get(f"/runs/{second['id']}/compare/{first['id']}").get_json()
    assert (comparison["before"]["id"], comparison["after"]["id"]) == (first["id"], second["id"])
    assert [f["properties"]["fid"] for f in comparison["new"]["features"]] == [newcomer]
    assert [f["properties"]["fid"] for f in comparison["resolved"]["features"]] == [gulei["inside"]]
    assert comparison["unchanged"]["features"] == []
    assert comparison["summary"] == [{"check_id": OUTFALL_CHECK, "title_zh": "排污口位于禁止设置排污口的保护区内",
                                      "new": 1, "resolved": 1, "unchanged": 0}]


def test_the_report_is_served_as_html_and_pdf(app, client, gulei, tmp_path):
    app.config["REPORT_DIR"] = str(tmp_path)
    location = start(client, {"checks": [OUTFALL_CHECK]})
    wait_done(client, location)

    html = client.get(f"{location}/report")
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "合规检查报告" in page and "古雷水源保护区" in page
    assert "/static/vendor/leaflet/dist/leaflet.js" in page, "the map loads its assets from the app"
    assert f'href="{location}/findings?f=csv"' in page
    pdf = client.get(f"{location}/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.get_data().startswith(b"%PDF")


def test_unknown_and_unfinished_runs(client, reg):
    assert client.get("/runs/4242").status_code == 404
    t = CheckRun.__table__
    with reg.engine.begin() as conn:
        run_id = conn.execute(insert(t).values(data_version=0, author="tester").returning(t.c.id)).scalar_one()
    response = client.get(f"/runs/{run_id}/report")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_a_pruned_runs_findings_answer_410_and_its_summary_stays(client, reg, gulei):
    status = wait_done(client, start(client, {"checks": [OUTFALL_CHECK]}))
    with reg.engine.begin() as conn:
        conn.execute(text("UPDATE check_runs SET finished_at = now() - interval '1 year'"))
    assert prune_runs(reg, timedelta(days=180)) == [status["id"]]

    gone = client.get(f"/runs/{status['id']}/findings?f=csv")
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"
    assert "pruned" in gone.get_json()["detail"]
    after = client.get(f"/runs/{status['id']}").get_json()
    assert after["pruned_at"] is not None
    assert [(s["check_id"], s["count"]) for s in after["summary"]] == [(OUTFALL_CHECK, status["finding_count"])]
    assert status["finding_count"] >= 1


def test_the_worker_builds_the_report_ahead_and_only_reading_it_keeps_the_run(app, client, reg, gulei, tmp_path):
    from analysis.runs import load_run, work
    from gis_app.web.checks import report_dir

    app.config["REPORT_DIR"] = str(tmp_path)
    location = start(client, {"checks": [OUTFALL_CHECK]})
    built: list[Path] = []

    def build(run) -> None:  # what `fujian-gis worker` does after each finished run
        with app.test_request_context():
            built.append(report_dir(run))

    assert work(reg, once=True, after_run=build) == 1
    run_id = int(location.rsplit("/", 1)[1])
    assert len(built) == 1 and (built[0] / "report.pdf").is_file(), "the report exists before anyone asks"
    assert load_run(reg, run_id).kept_for == [], "a report built ahead does not stop retention"
    assert client.get(f"{location}/report").status_code == 200
    assert load_run(reg, run_id).kept_for == ["report"], "a report someone read keeps its run"
