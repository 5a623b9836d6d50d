"""Standard land over HTTP and on the command line: a plot walked through its whole life, refusals as
problems, the zone summary as JSON and HTML, the map, and the ``fujian-gis standard-land`` commands."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from shapely.geometry import mapping

from gis_app.cli import main
from tests.helpers import decoded
from tests.stories.standard_land import COMMITTED, PLANNING, READY, ZHANGPU, ZONE, rect, standard

PLOT = {"plot_code": "GL-2023-01", "name": "古雷新材料一号地块", "county_code": ZHANGPU, "development_zone": ZONE,
        "industry_code": "26", "status": "reserved", **PLANNING, **READY}


@pytest.fixture
def editor(token_for) -> dict[str, str]:
    return token_for(roles=("natural_resources",), username="zrzy", display_name="自然资源局")


def create_plot(client, editor: dict[str, str], **props: Any) -> int:
    feature = {"type": "Feature", "properties": {**PLOT, **props}, "geometry": mapping(rect())}
    created = client.post("/collections/standard_land_plots/items", json=feature, headers=editor)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def step(client, editor, fid: int, version: int, event: str, on: str, **extra: Any):
    return client.post(f"/standard-land/plots/{fid}/events", json={"event": event, "on": on, **extra},
                       headers={**editor, "If-Match": f'"{version}"'})


def test_a_plot_walks_its_whole_life_through_the_api(client, site, editor) -> None:
    fid = create_plot(client, editor)
    put = client.put(f"/standard-land/plots/{fid}/values/committed", json={"values": COMMITTED}, headers=editor)
    assert put.status_code == 200 and put.headers["ETag"] == '"1"'
    version = 1
    for event, on, extra, stage, values in [
            ("list", "2023-03-01", {}, None, None),
            ("sign", "2023-04-10", {"enterprise": "漳州古雷新材料有限公司"}, None, None),
            ("start", "2023-06-01", {}, "completion", {"investment_intensity": "470", "floor_area_ratio": "1.1"}),
            ("complete", "2024-05-20", {}, "production_review", {"output_per_mu": "600", "tax_per_mu": "40"}),
            ("review", "2025-05-30", {}, None, None),
            ("breach", "2025-06-15", {"reason": "亩均产值未达约定"}, None, None),
            ("dispose", "2025-12-01", {}, None, None)]:
        moved = step(client, editor, fid, version, event, on, **extra)
        assert moved.status_code == 200, moved.get_json()
        version += 1
        assert moved.headers["ETag"] == f'"{version}"'
        if stage:
            put = client.put(f"/standard-land/plots/{fid}/values/{stage}",
                             json={"values": values, "measured_on": on}, headers=editor)
            assert put.status_code == 200, put.get_json()

    life = client.get(f"/standard-land/plots/{fid}", headers=editor).get_json()
    assert life["status_zh"] == "已处置" and life["properties"]["enterprise"] == "漳州古雷新材料有限公司"
    assert [s["event"] for s in life["timeline"]] == ["list", "sign", "start", "complete", "review", "breach",
                                                      "dispose"]
    output = next(i for i in life["indicators"] if i["indicator"] == "output_per_mu")
    assert output["shortfall_pct"]["production_review"] == 7.69 and output["unit_zh"] == "万元/亩"
    assert life["area_mu"] == pytest.approx(life["area_ha"] * 15)
    public = client.get(f"/standard-land/plots/{fid}").get_json()
    assert "enterprise" not in public["properties"], "the enterprise is not public"
    history = client.get(f"/collections/standard_land_plots/items/{fid}/history").get_json()["features"]
    assert history[2]["properties"]["author"] == "自然资源局 (zrzy)"
    assert history[2]["properties"]["source"].endswith("/events sign")


def test_steps_out_of_order_and_bad_requests_are_problems(client, site, editor, token_for) -> None:
    fid = create_plot(client, editor)
    client.put(f"/standard-land/plots/{fid}/values/committed", json={"values": COMMITTED}, headers=editor)

    early = step(client, editor, fid, 1, "review", "2023-03-01")
    assert early.status_code == 422 and early.mimetype == "application/problem+json"
    assert "allowed from completed" in early.get_json()["detail"] and "GL-2023-01" in early.get_json()["detail"]
    no_match = client.post(f"/standard-land/plots/{fid}/events", json={"event": "list", "on": "2023-03-01"},
                           headers=editor)
    assert no_match.status_code == 428
    assert step(client, editor, fid, 7, "list", "2023-03-01").status_code == 412
    assert step(client, editor, fid, 1, "list", "3 March").status_code == 422
    assert step(client, {}, fid, 1, "list", "2023-03-01").status_code == 401
    ecology = token_for(roles=("ecology",), username="sthj", display_name="生态环境局")
    assert step(client, ecology, fid, 1, "list", "2023-03-01").status_code == 403
    unitless = client.put(f"/standard-land/plots/{fid}/values/committed",
                          json={"values": {"investment_intensity": "4500000"}}, headers=editor)
    assert unitless.status_code == 422 and "请核对单位" in unitless.get_json()["detail"]
    assert client.put(f"/standard-land/plots/{fid}/values/committed", json={"values": [1]},
                      headers=editor).status_code == 422
    assert step(client, editor, fid, 1, "list", "2023-03-01").status_code == 200
    assert client.get(f"/standard-land/plots/{2**70}").status_code == 404, "beyond a bigint: no such plot"
    assert client.get(f"/standard-land/plots/{fid + 1}").status_code == 404


def test_a_standard_below_the_national_floor_is_refused_and_one_above_published(client, reg, editor) -> None:
    body = {**standard("floor_area_ratio", "0.8", industry="13", zone=None), "effective_from": "2023-01-01"}
    refused = client.post("/standard-land/standards", json=body, headers=editor)
    assert refused.status_code == 422 and "低于国家规定限值 1.0" in refused.get_json()["detail"]
    published = client.post("/standard-land/standards", json={**body, "value": "1.2"}, headers=editor)
    assert published.status_code == 201 and published.get_json()["properties"]["value"] == 1.2
    assert reg.layer("indicator_standards").history(1)[0].author == "自然资源局 (zrzy)"


def test_indicators_say_their_unit_direction_and_the_floors(client) -> None:
    body = client.get("/standard-land/indicators").get_json()
    assert [i["indicator"] for i in body["indicators"]][:2] == ["investment_intensity", "floor_area_ratio"]
    energy = next(i for i in body["indicators"] if i["indicator"] == "energy_per_unit")
    assert energy["direction"] == "max" and energy["unit_zh"] == "吨标准煤/万元"
    food = [f for f in body["floors"] if f["industry_code"] == "13"]
    assert food == [{"level": "national", "industry_code": "13", "indicator": "floor_area_ratio", "value": 1.0,
                     "source": food[0]["source"], "verified": True, "level_zh": "国家规定"}]
    assert [e["event"] for e in body["events"]][:2] == ["list", "sign"]


def test_the_zone_summary_is_json_and_html(client, site, editor) -> None:
    fid = create_plot(client, editor)
    client.put(f"/standard-land/plots/{fid}/values/committed", json={"values": COMMITTED}, headers=editor)
    body = client.get("/standard-land/zones").get_json()
    assert body["columns"][0] == {"name": "zone", "zh": "开发区", "en": "Development zone"}
    (zone,) = body["zones"]
    assert zone["zone"] == ZONE and zone["plots"] == 1 and zone["committed_investment_intensity"] == 450
    assert zone["achieved_investment_intensity"] is None
    page = client.get("/standard-land/zones?f=html")
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert ZONE in text and "承诺投资强度(万元/亩)" in text and "<td>450</td>" in text and "<td>—</td>" in text


def test_the_map_shows_plots_by_status_or_compliance(client, site, editor) -> None:
    create_plot(client, editor)
    for by in ("status", "compliance"):
        page = client.get(f"/standard-land/map?by={by}")
        assert page.status_code == 200 and page.mimetype == "text/html"
        assert "合规情况" in decoded(page.get_data(as_text=True))
    assert client.get("/standard-land/map?by=colour").status_code == 400


# --------------------------------------------------------------------------- command line


def test_the_cli_walks_a_plot_and_prints_the_summary(runner, site, tmp_path) -> None:
    from tests.stories.standard_land import add_plot

    fid = add_plot(site).fid
    done = runner.invoke(main, ["standard-land", "values", str(fid), "committed",
                                *(f"{k}={v}" for k, v in COMMITTED.items())])
    assert done.exit_code == 0, done.output
    refused = runner.invoke(main, ["standard-land", "event", str(fid), "review", "--on", "2023-03-01"])
    assert refused.exit_code == 1 and "allowed from completed" in refused.output
    listed = runner.invoke(main, ["standard-land", "event", str(fid), "list", "--on", "2023-03-01"])
    assert listed.exit_code == 0 and "状态 / status: 挂牌" in listed.output
    assert "2023-03-01  挂牌出让 / List the plot" in listed.output
    zones = runner.invoke(main, ["standard-land", "zones"])
    assert zones.exit_code == 0 and ZONE in zones.output and "承诺投资强度(万元/亩)" in zones.output
    floors = runner.invoke(main, ["standard-land", "floors"])
    assert "国家规定 行业13 用地容积率 1 国家《工业项目建设用地控制指标》(2008)" in floors.output
    lax = runner.invoke(main, ["standard-land", "publish", "--county", ZHANGPU, "--industry", "13",
                               "--indicator", "floor_area_ratio", "--value", "0.8", "--from", "2024-01-01"])
    assert lax.exit_code == 1 and "低于国家规定限值" in lax.output
    out = tmp_path / "plots.html"
    assert runner.invoke(main, ["standard-land", "map", str(out), "--by", "compliance"]).exit_code == 0
    assert "工业标准地(合规情况)" in decoded(out.read_text(encoding="utf-8"))
    assert date.fromisoformat("2023-03-01") == site.layer("standard_land_plots").get(fid).properties["listed_on"]
