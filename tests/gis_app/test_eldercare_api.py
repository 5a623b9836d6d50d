"""Eldercare over HTTP and on the command line: coverage, proposed sites, table 2, the coverage map."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from shapely.geometry import Point

from gis_app.cli import main
from registry import Registry
from tests.helpers import XSS, decoded
from tests.stories.eldercare import SUIAN, add_area, add_station, at, build_county, square

NORTH = at(SUIAN, 1500, 0)


@pytest.fixture
def town(reg: Registry) -> Registry:
    """A station; 30 elderly at 699 m (covered), 20 at 701 m (not), 70 at 1.5 km north (not)."""
    add_station(reg, SUIAN)
    add_area(reg, square(at(SUIAN, 699, 90)), "699米", 30)
    add_area(reg, square(at(SUIAN, 701, 270)), f"701米{XSS}", 20, community="西湖社区")
    add_area(reg, square(NORTH, 50), "北郊安置区", 70, community="北门社区")
    return reg


def test_coverage_figures_per_level_and_the_gaps_in_lon_lat(client: FlaskClient, town: Registry) -> None:
    body = client.get("/eldercare/coverage").get_json()

    assert body["summary"] | {"station_types": None} == {
        "radius_m": 700.0, "station_types": None, "area": None, "residential_areas": 3, "elderly": 120,
        "covered_elderly": 30.0, "uncovered_elderly": 90.0, "share_pct": 25.0, "covered_areas": 1,
        "partial_areas": 0, "uncovered_areas": 2}
    assert set(body["by"]) == {"community", "street", "county", "city"}
    assert body["by"]["county"] == [{"county_code": "350623", "county_name": None, "residential_areas": 3,
                                     "uncovered_areas": 2, "elderly": 120, "covered_elderly": 30.0,
                                     "uncovered_elderly": 90.0, "share_pct": 25.0}]
    gaps = body["gaps"]
    assert gaps["type"] == "FeatureCollection" and gaps["numberMatched"] == 2
    lon, lat = gaps["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 117 < lon < 118 and 24 < lat < 25  # RFC 7946 order
    assert {f["properties"]["status"] for f in body["areas"]["features"]} == {"covered", "uncovered"}


def test_coverage_takes_its_radius_and_one_level(client: FlaskClient, town: Registry) -> None:
    body = client.get("/eldercare/coverage?radius=702&level=street").get_json()

    assert body["summary"]["covered_elderly"] == 50.0
    assert list(body["by"]) == ["street"]


@pytest.mark.parametrize("query", ["radius=七百", "radius=0", "level=province", "types=canteen", "area=35"])
def test_bad_coverage_requests_are_problems(client: FlaskClient, town: Registry, query: str) -> None:
    response = client.get(f"/eldercare/coverage?{query}")

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert " / " in response.get_json()["detail"]


def test_sites_by_k_report_before_and_after(client: FlaskClient, town: Registry) -> None:
    body = client.get("/eldercare/sites?k=1").get_json()

    assert body["summary"]["before"]["share_pct"] == 25.0
    assert body["summary"]["after"]["covered_elderly"] == 100.0  # 北郊安置区 (70): the largest gap
    assert body["summary"]["new_elderly"] == 70.0
    (site,) = body["sites"]["features"]
    assert site["properties"]["name"] == "北郊安置区(居住区内点)" and site["properties"]["new_elderly"] == 70.0
    assert site["geometry"]["type"] == "Point"


def test_sites_for_a_target_from_posted_candidates(client: FlaskClient, town: Registry) -> None:
    candidates = gpd.GeoDataFrame({"name": ["北郊菜市场", "西湖公园"]},
                                  geometry=[Point(NORTH), Point(at(SUIAN, 750, 270))], crs=4326).to_geo_dict()

    response = client.post("/eldercare/sites", json={"target": 100, "candidates": candidates})

    body = response.get_json()
    assert response.status_code == 200, body
    assert sorted(f["properties"]["name"] for f in body["sites"]["features"]) == ["北郊菜市场", "西湖公园"]
    assert body["summary"]["after"]["share_pct"] == 100.0 and body["summary"]["target_reached"] is True


@pytest.mark.parametrize("body", [{"k": "两个"}, {"k": 1, "target": 90}, {"k": 1, "candidates": {"features": 1}},
                                  [1, 2]])
def test_bad_site_requests_are_problems(client: FlaskClient, town: Registry, body) -> None:
    response = client.post("/eldercare/sites", json=body)

    assert response.status_code == 422, response.get_json()
    assert " / " in response.get_json()["detail"]


def test_table_2_as_json(client: FlaskClient, reg: Registry) -> None:
    build_county(reg)

    body = client.get("/eldercare/targets?year=2024").get_json()

    assert body["year"] == 2024
    meals = next(i for i in body["indicators"] if i["key"] == "meal_points")
    assert (meals["registered"], meals["target"], meals["met"]) == (3, 1000, False)
    assert client.get("/eldercare/targets?year=2030").status_code == 422


def _page(client: FlaskClient, url: str) -> str:
    """The page with JSON's ``\\uXXXX`` escapes undone: the text the browser shows."""
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/html"
    return decoded(response.get_data(as_text=True))


def test_the_coverage_map_shows_gaps_circles_and_proposed_sites(client: FlaskClient, town: Registry) -> None:
    page = _page(client, "/eldercare/map")
    assert "居住区(按覆盖情况)" in page and "服务盲区(未覆盖部分)" in page
    assert "25.0%" in page and '"radius": 700.0' in page
    assert XSS not in page and "建议新建社区养老服务站" not in page
    assert re.search(r"src=\"(?!/static/vendor/)[^\"]+\.js\"", page) is None  # every script served locally

    with_sites = _page(client, "/eldercare/map?k=1&radius=700")
    assert "建议新建社区养老服务站" in with_sites and "北郊安置区(居住区内点)" in with_sites
    assert "新建 1 处后 83.33%" in with_sites


def test_cli_coverage_and_gaps_file(runner: CliRunner, town: Registry, tmp_path) -> None:
    out = tmp_path / "gaps.geojson"

    result = runner.invoke(main, ["eldercare", "coverage", "--level", "community", "--gaps", str(out)])

    assert result.exit_code == 0, result.output
    assert "老年人口 / elderly 120" in result.output and "(25.0%)" in result.output
    assert re.search(r"350623 绥安镇 北门社区\s+70\s+0\.0\s+0\.00%", result.output)
    assert sorted(gpd.read_file(out)["uncovered_elderly"]) == [20, 70]


def test_cli_sites_with_candidates_and_an_output_file(runner: CliRunner, town: Registry, tmp_path) -> None:
    candidates = tmp_path / "candidates.geojson"
    candidates.write_text(json.dumps(gpd.GeoDataFrame({"name": ["北郊菜市场"]}, geometry=[Point(NORTH)],
                                                      crs=4326).to_geo_dict(), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "sites.gpkg"

    result = runner.invoke(main, ["eldercare", "sites", "--k", "2", "--candidates", str(candidates),
                                  "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "1. 北郊菜市场" in result.output and "(83.33%)" in result.output
    assert gpd.read_file(out)["name"].tolist() == ["北郊菜市场"]


def test_cli_refuses_bad_input_with_a_message(runner: CliRunner, town: Registry) -> None:
    result = runner.invoke(main, ["eldercare", "sites", "--k", "1", "--target", "90"])

    assert result.exit_code == 1
    assert "give either k" in result.output
