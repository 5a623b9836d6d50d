"""Big imports are jobs of the PostgreSQL queue done by the worker (issue 17 §3): the request stores the
file and answers 202 at once; the job records its progress and outcome; a refused file names its row
and writes nothing; a killed worker's job is failed and its file removed; only its author (or an
administrator) sees it."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point, box
from sqlalchemy import text

from analysis.runs import work
from layers.system import Job
from registry.jobs import reap_jobs, spool_dir

OUTFALL = {"name": "排口", "county_code": "350623", "receiving_kind": "sea", "outfall_class": "industrial",
           "status": "surveyed"}
ASYNC = {"Prefer": "respond-async"}


def survey(n: int) -> bytes:
    frame = gpd.GeoDataFrame([dict(OUTFALL, code=f"JOB-{i}", name=f"任务排口{i}") for i in range(n)],
                             geometry=[Point(117.6 + i / 1000, 23.76) for i in range(n)], crs=4490)
    return frame.to_json().encode()


def submit(client, headers, payload: bytes, name: str = "survey.geojson"):
    return client.post("/collections/outfalls/import", headers={**headers, **ASYNC},
                       data={"file": (io.BytesIO(payload), name)})


def test_an_import_job_is_queued_done_by_the_worker_and_its_file_removed(client, reg, token):
    queued = submit(client, token, survey(30))
    assert queued.status_code == 202 and queued.get_json()["status"] == "queued"
    location = queued.headers["Location"].replace("http://localhost", "")
    assert reg.layer("outfalls").count() == 0, "nothing is written by the request"
    files = list(spool_dir(reg).glob("job-*/survey.geojson"))
    assert len(files) == 1, "the upload waits in the spool folder"

    assert work(reg, once=True) == 1
    done = client.get(location, headers=token).get_json()
    assert done["status"] == "done" and done["result"]["written"] == 30 and done["result"]["ok"]
    assert done["progress"] == {"done": 30, "total": 30}
    assert reg.layer("outfalls").count() == 30
    assert reg.layer("outfalls").history(1)[0].author == "编辑甲 (editor)"
    assert not files[0].exists() and not files[0].parent.exists()
    assert "path" not in done["params"], "the server's own paths are not shown"
    page = client.get(location, headers={**token, "Accept": "text/html"})
    assert page.mimetype == "text/html" and "已完成" in page.get_data(as_text=True)


def test_a_file_with_one_bad_row_fails_its_job_naming_the_row_and_writes_nothing(client, reg, token):
    frame = gpd.read_file(io.BytesIO(survey(5)))
    frame.loc[3, "geometry"] = box(117, 23, 118, 24)
    location = submit(client, token, frame.to_json().encode(), "bad.geojson").headers["Location"]
    work(reg, once=True)
    failed = client.get(location.replace("http://localhost", ""), headers=token).get_json()
    assert failed["status"] == "failed" and failed["result"]["status"] == 422
    assert [(i["feature"], i["field"]) for i in failed["result"]["report"]["issues"]] == [(4, "geometry")]
    assert reg.layer("outfalls").count() == 0


def test_an_author_has_one_import_job_at_a_time_and_others_do_not_see_it(client, reg, token, token_for):
    first = submit(client, token, survey(2))
    second = submit(client, token, survey(2))
    assert second.status_code == 429 and second.headers["Retry-After"]
    assert len(list(spool_dir(reg).glob("job-*"))) == 1, "the refused upload is not kept"
    location = first.headers["Location"].replace("http://localhost", "")
    other = token_for(("ecology",), username="hb", display_name="生态环境局")
    assert client.get(location, headers=other).status_code == 404
    assert client.get(location).status_code == 401
    work(reg, once=True)


def test_a_big_upload_becomes_a_job_without_being_asked(app, client, reg, token):
    app.config["IMPORT_QUEUE_MB"] = 0.001
    response = client.post("/collections/outfalls/import", headers=token,
                           data={"file": (io.BytesIO(survey(20)), "survey.geojson")})
    assert response.status_code == 202
    work(reg, once=True)
    assert reg.layer("outfalls").count() == 20


def test_a_killed_workers_job_is_failed_and_its_file_removed(client, reg, token):
    location = submit(client, token, survey(3)).headers["Location"]
    dead = 2**22 + 12345  # above Linux's default pid_max: no backend has it
    with reg.engine.begin() as conn:  # claimed by a worker whose database backend is gone
        conn.execute(text("UPDATE jobs SET status = 'running', started_at = now(), worker_pid = :pid"),
                     {"pid": int(dead)})
        path = Path(conn.scalar(text("SELECT params->>'path' FROM jobs")))
    assert path.exists()
    assert reap_jobs(reg) == [1]
    failed = client.get(location.replace("http://localhost", ""), headers=token).get_json()
    assert failed["status"] == "failed" and "stopped" in failed["error"]
    assert not path.parent.exists() and reg.layer("outfalls").count() == 0
    with reg.engine.connect() as conn:
        assert conn.scalar(text(f"SELECT count(*) FROM {Job.__tablename__} WHERE status = 'running'")) == 0
