"""The outfall pages, API and command line: progress, the map, the rules, and the random inspections."""

from __future__ import annotations

import csv
import io
import re

import pytest
from shapely.geometry import MultiPolygon, Point, box

from analysis import run_checks
from gis_app.cli import main
from registry import Registry
from tests.helpers import XSS, decoded

ZHANGPU, ZHAOAN = "350623", "350624"
UNIT = "福建古雷某化工有限公司"


@pytest.fixture
def gulei(reg: Registry) -> Registry:
    """Zhangpu with a bay (hostile name), a drinking-water zone holding an outfall to be regularised (a
    finding), ten outfalls in all (four remediated, two approved in 2024) and a roster of three."""
    reg.layer("admin_divisions").create({"code": ZHANGPU, "name": "漳浦县", "level": "county",
                                         "parent_code": "350600"}, MultiPolygon([box(117.35, 23.60, 117.95, 24.30)]))
    reg.layer("key_basins").create({"name": f"东山湾{XSS}", "kind": "bay"},
                                   MultiPolygon([box(117.40, 23.60, 117.80, 23.95)]))
    reg.layer("protected_zones").create({"name": "古雷水源保护区", "zone_type": "drinking_water_source",
                                         "county_code": ZHANGPU}, MultiPolygon([box(117.60, 23.74, 117.64, 23.78)]))
    for i in range(1, 11):
        props = {"code": f"{ZHANGPU}RS{i:04d}", "name": f"古雷排口{i}", "county_code": ZHANGPU,
                 "receiving_kind": "sea", "outfall_class": "industrial", "subclass": "industrial_enterprise",
                 "status": "remediated" if i <= 4 else "traced", "decision": "regularise" if i <= 4 else None,
                 "discharging_unit": UNIT, "sign_board": True, "sampling_facility": "open_channel"}
        if i in (4, 5):
            props.update(approval_number=f"漳环备〔2024〕{i}号", approved_on=f"2024-0{i}-01")
        at = Point(117.62, 23.76) if i == 1 else Point(117.45 + 0.02 * i, 23.70)
        reg.layer("outfalls").create(props, at)
    for name in ("张明", "李华", "王芳"):
        reg.layer("outfall_inspectors").create({"name": name, "county_code": ZHANGPU, "badge_number": "闽环执001"})
    return reg


# --------------------------------------------------------------------------- progress


def test_progress_as_json_per_group(client, gulei):
    body = client.get("/outfalls/progress?group=total,bay&on=2026-01-01").get_json()
    assert body["on"] == "2026-01-01" and [t["year"] for t in body["targets"]] == [2023, 2024, 2025]
    rows = {r["name"]: r for r in body["rows"]}
    bay = rows[f"东山湾{XSS}"]
    assert (bay["total"], bay["traced_pct"], bay["remediated_pct"]) == (10, 100.0, 40.0)
    assert (bay["target_2023"], bay["target_2024_zh"]) == ("met", "未达到(已过期限)")
    assert set(rows) == {"全部排污口", f"东山湾{XSS}"}


@pytest.mark.parametrize("query", ["group=river", "on=2024-13-01", "as_of=yesterday"])
def test_bad_progress_parameters_are_400(client, gulei, query):
    response = client.get(f"/outfalls/progress?{query}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_progress_page_is_escaped_and_shows_its_chart(client, gulei):
    page = client.get("/outfalls/progress?f=html&on=2026-01-01&group=bay").get_data(as_text=True)
    assert "入河入海排污口溯源与整治进度" in page and "2025年底目标" in page
    assert XSS not in page and "东山湾&lt;script&gt;" in page
    chart = re.search(r'<img src="([^"]+)"', page).group(1)
    assert chart.startswith("/outfalls/progress.png?") and "group=bay" in chart and "f=html" not in chart
    png = client.get(chart.replace("&amp;", "&"))
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")


# --------------------------------------------------------------------------- map and rules


def test_map_shows_outfalls_zones_basins_and_the_latest_findings(client, gulei):
    without = decoded(client.get("/outfalls/map").get_data(as_text=True))
    assert "入河入海排污口(按工作进度)" in without and "检查发现的问题" not in without
    run = run_checks(gulei, layers=["outfalls"])
    page = decoded(client.get("/outfalls/map").get_data(as_text=True))
    assert f"入河入海排污口(检查运行 {run.id})" in page
    assert "检查发现的问题(最近一次检查)" in page and "排污口位于禁止设置排污口的保护区内" in page
    assert "古雷水源保护区" in page and "重点流域与海湾" in page
    assert XSS not in page, "names are escaped"
    assert UNIT not in page, "the discharging unit is not public"
    assert "/static/vendor/leaflet/dist/leaflet.js" in page


def test_rules_say_what_is_provisional(client):
    body = client.get("/outfalls/rules").get_json()
    assert body["code_pattern_provisional"] is True and body["tracing_deadline"] == "2024-12-31"
    assert body["limits"] and not any(limit["verified"] for limit in body["limits"])
    industry = next(s for s in body["standards"] if s["subclass"] == "industrial_enterprise" and not s["stormwater"])
    assert industry["options"] == ["eia_approval", "local", "national_industry", "gb8978"]


# --------------------------------------------------------------------------- inspections


def test_drawing_needs_an_ecology_account_within_its_jurisdiction(client, gulei, token_for):
    body = {"year": 2024, "area": ZHANGPU, "seed": 1}
    assert client.post("/outfalls/inspections", json=body).status_code == 401
    viewer = token_for(("viewer",), username="viewer")
    assert client.post("/outfalls/inspections", json=body, headers=viewer).status_code == 403
    planner = token_for(("natural_resources",), username="planner")
    assert client.post("/outfalls/inspections", json=body, headers=planner).status_code == 403
    elsewhere = token_for(("ecology",), scope=ZHAOAN, username="zhaoan")
    gulei.layer("admin_divisions").create({"code": ZHAOAN, "name": "诏安县", "level": "county"},
                                          MultiPolygon([box(117.00, 23.55, 117.35, 23.85)]))
    refused = client.post("/outfalls/inspections", json=body, headers=elsewhere)
    assert refused.status_code == 403 and "outside your jurisdiction" in refused.get_json()["detail"]
    assert client.get("/outfalls/inspections").get_json()["draws"] == []


def test_a_draw_is_published_as_json_and_csv_verifies_and_is_final(client, gulei, token_for):
    headers = token_for(("ecology",), scope=ZHANGPU, username="zhangpu", display_name="漳浦县生态环境局")
    made = client.post("/outfalls/inspections", json={"year": 2024, "area": ZHANGPU, "seed": 20240601},
                       headers=headers)
    assert made.status_code == 201
    draw = made.get_json()
    assert made.headers["Location"] == f"/outfalls/inspections/{draw['id']}"
    assert draw["author"] == "漳浦县生态环境局 (zhangpu)" and draw["seed"] == "20240601"
    figures = draw["figures"]
    assert (figures["remediated_minimum"], figures["approved_minimum"]) == (1, 1)  # 10 % of 10, 30 % of 2
    assert figures["remediated_drawn"] >= 1 and figures["approved_drawn"] >= 1
    assert all(len(item["inspectors"]) == 2 for item in draw["items"])
    assert "badge_number" not in str(draw) and "闽环执001" not in str(draw)

    listed = client.get("/outfalls/inspections").get_json()["draws"]
    assert [d["id"] for d in listed] == [draw["id"]] and "items" not in listed[0]
    assert client.get(listed[0]["links"]["self"]).get_json()["items"] == draw["items"]
    download = client.get(listed[0]["links"]["csv"])
    assert download.mimetype == "text/csv" and download.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert [r["排污口编码"] for r in rows] == [item["code"] for item in draw["items"]]
    assert client.get(listed[0]["links"]["verify"]).get_json()["verified"] is True

    again = client.post("/outfalls/inspections", json={"year": 2024, "area": ZHANGPU}, headers=headers)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert client.get("/outfalls/inspections/999").status_code == 404


@pytest.mark.parametrize("body", [[2024], {"year": "2024", "area": ZHANGPU}, {"year": 2024},
                                  {"year": 2024, "area": ZHANGPU, "seed": "x"}])
def test_malformed_draw_requests_are_400(client, gulei, token_for, body):
    response = client.post("/outfalls/inspections", json=body, headers=token_for(("ecology",)))
    assert response.status_code == 400


# --------------------------------------------------------------------------- command line


def test_cli_progress_prints_the_table_and_writes_the_chart(runner, gulei, tmp_path):
    result = runner.invoke(main, ["outfalls", "progress", "--group", "total", "--group", "bay", "--on", "2026-01-01",
                                  "--chart", str(tmp_path / "progress.png")])
    assert result.exit_code == 0, result.output
    assert "全部排污口" in result.output and "2024年底目标" in result.output and "未达到(已过期限)" in result.output
    assert (tmp_path / "progress.png").read_bytes().startswith(b"\x89PNG")
    as_json = runner.invoke(main, ["outfalls", "progress", "--json", "--group", "total"])
    assert '"traced_pct": 100.0' in as_json.output


def test_cli_draws_shows_verifies_and_refuses_a_second_draw(runner, gulei, tmp_path):
    result = runner.invoke(main, ["outfalls", "draw", "--year", "2024", "--area", ZHANGPU, "--seed", "42",
                                  "--csv", str(tmp_path / "list.csv")])
    assert result.exit_code == 0, result.output
    draw_id = re.search(r"draw id: (\d+)", result.output).group(1)
    assert "种子 / seed: 42" in result.output and "执法检查人员" in result.output
    assert (tmp_path / "list.csv").read_text(encoding="utf-8-sig").startswith("序号,排污口编码")
    assert re.search(rf"^\s*{draw_id}\s+2024\s+漳浦县", runner.invoke(main, ["outfalls", "draws"]).output, re.M)
    assert runner.invoke(main, ["outfalls", "verify", draw_id]).output.startswith("一致 / verified")
    shown = runner.invoke(main, ["outfalls", "show", draw_id])
    assert shown.exit_code == 0 and "抽查编号 / draw id" in shown.output
    again = runner.invoke(main, ["outfalls", "draw", "--year", "2024", "--area", ZHANGPU])
    assert again.exit_code == 1 and "不可重抽" in again.output


def test_cli_map_works_from_its_folder_and_rules_print(runner, gulei, tmp_path):
    result = runner.invoke(main, ["outfalls", "map", str(tmp_path / "map"), "--area", ZHANGPU])
    assert result.exit_code == 0, result.output
    page = decoded((tmp_path / "map" / "outfalls_map.html").read_text(encoding="utf-8"))
    assert "vendor/leaflet/dist/leaflet.js" in page and (tmp_path / "map" / "vendor" / "leaflet").is_dir()
    assert "古雷排口1" in page
    rules = runner.invoke(main, ["outfalls", "rules"])
    assert '"code_pattern_provisional": true' in rules.output
    assert runner.invoke(main, ["outfalls", "show", "999"]).exit_code == 1
