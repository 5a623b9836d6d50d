"""Land expropriation over HTTP and on the command line: gazette review and save, checks, the land map."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from gis_app.cli import main
from registry import Registry
from tests.helpers import decoded, wait_done
from tests.stories.gazette import GAZETTE, ZHANGPU
from tests.stories.land import (
    BORDER_LON,
    GULEI,
    add_approval,
    add_counties,
    add_parcel,
    hectares,
    square,
)


@pytest.fixture
def editor(token_for) -> dict[str, str]:
    """A natural-resources editor of Zhangzhou city (漳州市, 350600)."""
    return token_for(("natural_resources",), scope="350600", username="zz_zrzy", display_name="漳州市自然资源局")


@pytest.fixture
def checker(token_for) -> dict[str, str]:
    """A natural-resources editor of the province: starting a check run needs an account (test_attacks)."""
    return token_for(("natural_resources",), username="sheng_zrzy", display_name="省自然资源厅")


def approvals_stored(reg: Registry) -> int:
    with reg.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(reg.layer("land_approvals").store.table))


# --------------------------------------------------------------------------- gazette


def test_preview_reads_the_text_back_and_writes_nothing(client, reg):
    response = client.post("/land/gazette/preview", json={"text": GAZETTE})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["problems"] == []
    assert [a["properties"]["doc_number"] for a in body["approvals"]] == [
        "闽政文〔2022〕354号", "闽政文〔2022〕355号", "闽政文〔2022〕356号", "闽政文〔2022〕357号"]
    zhangpu = body["approvals"][0]
    assert zhangpu["properties"]["approved_on"] == "2022-08-08"
    assert [(r["village"], r["total"]) for r in zhangpu["table"]["rows"]] == [("港口村", 8.8255), ("下堀村", 24.5078)]
    assert zhangpu["table"]["rows"][1]["areas"]["水浇地"] == 16.0173
    assert all(r["holds"] for r in zhangpu["relations"]) and len(zhangpu["relations"]) == 4
    assert approvals_stored(reg) == 0


def test_preview_of_an_upload_in_gb18030_names_the_unread_line(client):
    broken = ZHANGPU.replace("林地0.2812公顷", "林地0.28l2公顷").encode("gb18030")
    response = client.post("/land/gazette/preview", data={"file": (io.BytesIO(broken), "354.txt")},
                           content_type="multipart/form-data")
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] is False
    [problem] = body["problems"]
    assert problem["line"] == 9 and "0.28l2" in problem["problem"]
    assert body["approvals"][0]["problems"] == [{k: v for k, v in problem.items() if k != "doc_number"}]


def test_preview_without_text_is_a_bilingual_problem(client):
    response = client.post("/land/gazette/preview", json={"words": "…"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "请提交公报文本" in response.get_json()["detail"] and "send the text" in response.get_json()["detail"]


def test_saving_needs_a_natural_resources_editor_then_writes_all_approvals_once(client, reg, token_for):
    assert client.post("/land/gazette", json={"text": GAZETTE}).status_code == 401
    ecology = token_for(("ecology",), username="sthj")
    assert client.post("/land/gazette", json={"text": GAZETTE}, headers=ecology).status_code == 403
    province = token_for(("natural_resources",), username="fj_zrzy", display_name="福建省自然资源厅")
    response = client.post("/land/gazette", json={"text": GAZETTE}, headers=province)
    assert response.status_code == 201
    saved = response.get_json()["approvals"]
    assert [len(s["parcel_fids"]) for s in saved] == [11, 0, 0, 0]
    item = client.get(saved[0]["href"]).get_json()
    assert item["properties"]["doc_number"] == "闽政文〔2022〕354号"
    assert reg.layer("land_approvals").history(saved[0]["fid"])[0].author == "福建省自然资源厅 (fj_zrzy)"

    again = client.post("/land/gazette", json={"text": GAZETTE}, headers=province)
    assert again.status_code == 422 and "已登记" in again.get_json()["detail"]
    assert approvals_stored(reg) == 4


def test_an_editor_saves_only_the_approvals_of_their_jurisdiction(client, reg, editor):
    refused = client.post("/land/gazette", json={"text": GAZETTE}, headers=editor)
    assert refused.status_code == 403, "惠安 (Quanzhou) and 建阳 (Nanping) lie outside Zhangzhou"
    assert approvals_stored(reg) == 0, "nothing of the text is kept"
    assert client.post("/land/gazette", json={"text": ZHANGPU}, headers=editor).status_code == 201


def test_saving_a_text_with_problems_is_refused_with_them(client, reg, editor):
    broken = ZHANGPU.replace("林地0.2812公顷", "林地0.28l2公顷").encode("utf-8")
    response = client.post("/land/gazette", data={"file": (io.BytesIO(broken), "354.txt")},
                           content_type="multipart/form-data", headers=editor)
    assert response.status_code == 422
    assert [p["line"] for p in response.get_json()["problems"]] == [9]
    assert approvals_stored(reg) == 0


# --------------------------------------------------------------------------- checks and map


@pytest.fixture
def straddling(reg: Registry) -> dict[str, int]:
    """A Zhangpu batch with a parcel across the Zhao'an border and a total 1 ha too high, and a batch that is fine."""
    add_counties(reg)
    across, gulei = square((BORDER_LON, 23.70), 400), square(GULEI, 200)
    batch = add_approval(reg, 354, declared_farmland_ha=hectares(across), declared_cultivated_ha=hectares(across),
                         declared_total_ha=hectares(across) + 1)
    parcel = add_parcel(reg, batch, across)
    fine = add_approval(reg, 355, declared_farmland_ha=hectares(gulei), declared_cultivated_ha=hectares(gulei),
                        declared_total_ha=hectares(gulei))
    add_parcel(reg, fine, gulei)
    return {"batch": batch, "parcel": parcel, "fine": fine}


def test_checks_for_one_approval_run_as_a_job(client, straddling, checker):
    response = client.post("/land/checks", json={"approval": straddling["fine"]}, headers=checker)
    assert response.status_code == 202
    status = wait_done(client, response.headers["Location"])
    assert status["status"] == "done" and status["finding_count"] == 0
    assert status["params"]["fids"]["land_approvals"] == [straddling["fine"]]

    response = client.post("/land/checks", json={"county": "350623"}, headers=checker)
    status = wait_done(client, response.headers["Location"])
    counts = {s["check_id"]: s["count"] for s in status["summary"]}
    assert counts["expropriation.parcel_outside_county"] == 1 and counts["expropriation.totals_inconsistent"] == 1
    assert sum(counts.values()) == 2, counts
    features = client.get(response.get_json()["links"]["findings"]).get_json()["features"]
    assert {f["properties"]["fid"] for f in features} == {straddling["batch"], straddling["parcel"]}


@pytest.mark.parametrize("body, status", [
    ({"approval": 999}, 404), ({"approval": "1"}, 422), ({"approval": True}, 422), ({"county": 350623}, 422),
    ({"area": "350623"}, 422), ([1], 422), ({"county": "110101"}, 422)])
def test_bad_check_requests_are_refused(client, straddling, body, status, checker):
    response = client.post("/land/checks", json=body, headers=checker)
    assert response.status_code == status and response.mimetype == "application/problem+json"


def test_the_land_map_shows_approvals_parcels_and_the_findings_of_the_latest_run(client, straddling, checker):
    before = client.get("/land/map")
    assert before.status_code == 200 and "检查发现的问题" not in decoded(before.get_data(as_text=True))
    wait_done(client, client.post("/land/checks", json={}, headers=checker).headers["Location"])
    page = decoded(client.get(f"/land/map?approval={straddling['batch']}").get_data(as_text=True))
    assert "/static/vendor/leaflet" in page, "assets served by the app"
    assert "检查发现的问题" in page and "#E31A1C" in page
    assert "位于审批县(区)漳浦县(350623)之外" in page and "批复 闽政文〔2022〕354号" in page
    other = decoded(client.get(f"/land/map?approval={straddling['fine']}").get_data(as_text=True))
    assert "位于审批县(区)" not in other, "only the findings of the approvals shown"
    assert client.get("/land/map?approval=999").status_code == 404
    assert client.get("/land/map?run=latest").status_code == 422


# --------------------------------------------------------------------------- command line


def test_cli_gazette_prints_the_review_table_and_saves_on_request(runner, reg, tmp_path):
    path = tmp_path / "gazette_2022_11.txt"
    path.write_text(GAZETTE, encoding="utf-8")
    review = runner.invoke(main, ["land", "gazette", str(path)])
    assert review.exit_code == 0, review.output
    assert "下堀村" in review.output and "24.5078" in review.output and "✓ 合计征收" in review.output
    assert approvals_stored(reg) == 0

    saved = runner.invoke(main, ["land", "gazette", str(path), "--save"])
    assert saved.exit_code == 0, saved.output
    assert "已保存 / saved 闽政文〔2022〕354号" in saved.output and "11 个地块" in saved.output
    assert approvals_stored(reg) == 4
    history = reg.layer("land_parcels").history(reg.layer("land_parcels").store.records()[0].fid)
    assert history[0].source == "gazette import gazette_2022_11.txt"


def test_cli_gazette_with_problems_exits_non_zero_and_saves_nothing(runner, reg, tmp_path):
    path = tmp_path / "broken.txt"
    path.write_text(ZHANGPU.replace("林地0.2812公顷", "林地0.28l2公顷"), encoding="utf-8")
    result = runner.invoke(main, ["land", "gazette", str(path), "--save"])
    assert result.exit_code == 1
    assert "第9行" in result.output and "不能保存" in result.output
    assert approvals_stored(reg) == 0


def test_cli_check_for_an_approval_a_county_or_the_province(runner, straddling):
    one = runner.invoke(main, ["land", "check", "--approval", str(straddling["batch"])])
    assert one.exit_code == 0, one.output
    assert "expropriation.parcel_outside_county" in one.output and "位于审批县(区)漳浦县(350623)之外" in one.output
    assert "合计征收 = Σ征收的集体土地地块不成立" in one.output
    county = runner.invoke(main, ["land", "check", "--county", "350623"])
    assert county.exit_code == 0 and "合计 / total: 2" in county.output
    province = runner.invoke(main, ["land", "check"])
    assert province.exit_code == 0 and "合计 / total: 2" in province.output
    both = runner.invoke(main, ["land", "check", "--approval", "1", "--county", "350623"])
    assert both.exit_code == 1 and "不能同时指定" in both.output
