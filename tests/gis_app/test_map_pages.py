"""The map pages without a browser: every script and stylesheet they load is one the app serves,
nothing else is served from node_modules, and a hostile feature name reaches the page escaped."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient
from shapely.geometry import Point, box

from registry import Registry
from tests.helpers import XSS
from tests.helpers import decoded as unescape_js

ASSET_PREFIX = "/static/vendor/"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"


class AssetLinks(HTMLParser):
    """The ``src`` of every ``<script>`` and the ``href`` of every ``<link>`` in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.links.append(values["href"] or "")


def asset_links(html: str) -> AssetLinks:
    parser = AssetLinks()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("path", ["/map", "/map/outfalls", "/map/eldercare_facilities"])
def test_every_asset_is_served_by_the_app(client: FlaskClient, served_story: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    found = asset_links(response.get_data(as_text=True))

    assert found.scripts and found.links
    assert "/static/vendor/leaflet/dist/leaflet.js" in found.scripts
    for url in found.scripts + found.links:
        assert url.startswith(ASSET_PREFIX), f"{url} is not served by the app"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.get_data(), url
        expected = "javascript" if url.endswith(".js") else "css"
        assert expected in asset.mimetype, f"{url} served as {asset.mimetype}"


def test_map_page_shows_the_layers_in_chinese(client: FlaskClient, served_story: Any) -> None:
    html = unescape_js(client.get("/map").get_data(as_text=True))

    assert "福建省国土空间规划与登记 综合地图" in html
    for title in ("入河入海排污口", "养老服务设施", "保护区与管控线", "征收地块"):
        assert title in html
    assert "古雷污水处理厂入海排污口" in html


@pytest.mark.parametrize("path", [
    "leaflet/dist/leaflet-src.js",          # in node_modules, but no page needs it
    "leaflet/package.json",
    "../package.json",
    "..%2Fpackage.json",
    "leaflet/dist/../../../pyproject.toml",
    "nothing/here.js",
])
def test_unknown_assets_are_404(client: FlaskClient, path: str) -> None:
    assert client.get(f"{ASSET_PREFIX}{path}").status_code == 404


def test_unknown_map_is_404(client: FlaskClient) -> None:
    response = client.get("/map/no_such_layer")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/map", "/map/outfalls"])
def test_hostile_name_is_escaped(client: FlaskClient, reg: Registry, served_story: Any, path: str) -> None:
    """A name is text: it reaches the page HTML-escaped inside a script string, so neither the HTML
    parser nor the popup's innerHTML can turn it into a script."""
    reg.layer("outfalls").create({"code": "350623RS0099", "name": XSS, "county_code": "350623",
                                  "receiving_kind": "sea", "outfall_class": "other", "status": "surveyed"},
                                 Point(117.6, 23.77))
    html = client.get(path).get_data(as_text=True)

    assert XSS not in html
    assert "alert(1)" in html
    decoded = unescape_js(html)
    assert "<script>alert(1)" not in decoded
    assert ESCAPED_XSS in decoded


def test_combined_map_overlays_a_runs_findings_in_red(client, reg):
    from analysis.runs import run_checks

    reg.layer("protected_zones").create({"name": "鹿溪水源保护区", "zone_type": "drinking_water_source"},
                                        box(117.60, 24.10, 117.63, 24.13))
    reg.layer("outfalls").create({"code": "F-1", "name": "水源区内排口", "county_code": "350623",
                                  "receiving_kind": "river", "outfall_class": "industrial", "status": "decided",
                                  "decision": "regularise"}, Point(117.615, 24.115))
    run = run_checks(reg, checks=["outfall.in_protected_zone"], author="tester")
    assert run.finding_count == 1
    page = client.get(f"/map?run={run.id}").text
    assert "检查发现的问题" in page and "#E31A1C" in page
    assert client.get("/map?run=999999").status_code == 404
