"""Issue 17 §7-8: no page embeds more than its budget. Pages that draw a layer embed it while its features and
vertices stay within ``FUJIAN_MAP_EMBED_MB`` and ``FUJIAN_TILE_THRESHOLD`` and switch to vector tiles
beyond; one huge polygon sends its layer to tiles; an area that selects more ids than PostgreSQL has
parameters is still one query. Against a real server (waitress, in the test) and PostGIS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import requests
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from registry.repository import Query
from tests.gis_app.test_outfalls_api import ZHANGPU

BUDGET = 2 * 2**20


def _zhangpu(reg) -> None:
    reg.layer("admin_divisions").create({"code": ZHANGPU, "name": "漳浦县", "level": "county",
                                         "parent_code": "350600"}, MultiPolygon([box(117.35, 23.60, 117.95, 24.30)]))


def _outfalls(reg, n: int) -> None:
    rng = np.random.default_rng(17)
    frame = gpd.GeoDataFrame(
        {"code": [f"{ZHANGPU}RS{i:05d}" for i in range(n)], "name": [f"排口{i}" for i in range(n)],
         "county_code": ZHANGPU, "receiving_kind": "sea", "outfall_class": "industrial",
         "subclass": "industrial_enterprise", "status": "surveyed"},
        geometry=[Point(117.4 + 0.5 * x, 23.65 + 0.6 * y) for x, y in rng.random((n, 2))], crs=4490)
    assert reg.layer("outfalls").import_frame(frame, source="many").written == n


def test_a_layer_past_the_budget_comes_as_tiles_and_the_page_stays_small(app, reg, live_server):
    """3,000 outfalls are within the feature threshold (5,000) but, at ~1.8 kB each, past 2 MB: the page
    draws them from tiles and stays far below the budget, and so does ``?area=`` (one ANY-array query)."""
    _zhangpu(reg)
    _outfalls(reg, 3000)
    for path in ("/outfalls/map", f"/outfalls/map?area={ZHANGPU}", "/map/outfalls", "/map"):
        page = requests.get(live_server + path, timeout=60)
        assert page.status_code == 200, path
        assert len(page.content) < BUDGET / 4, (path, len(page.content))
        assert "/tiles/outfalls/{z}/{x}/{y}.mvt" in page.text, path
    app.config["MAP_EMBED_BYTES"] = 20 * 2**20
    embedded = requests.get(live_server + "/map/outfalls", timeout=60)
    assert "/tiles/outfalls/" not in embedded.text and embedded.text.count("排口") >= 3000


def test_one_huge_polygon_sends_its_layer_to_tiles(reg, live_server):
    """A protected zone of 200,000 vertices (within the layer's vertex limit) would be ~8 MB embedded."""
    t = np.linspace(0, 2 * np.pi, 200_000, endpoint=False)
    ring = np.column_stack([117.6 + 0.1 * np.cos(t) * (1 + 0.01 * np.sin(80 * t)), 23.9 + 0.1 * np.sin(t)])
    zone = Polygon(ring)
    assert zone.is_valid and shapely.get_num_coordinates(zone) > 200_000
    reg.layer("protected_zones").create({"name": "巨大保护区", "zone_type": "nature_reserve"}, MultiPolygon([zone]))
    page = requests.get(live_server + "/map/protected_zones", timeout=60)
    assert page.status_code == 200 and len(page.content) < BUDGET / 4
    assert "/tiles/protected_zones/{z}/{x}/{y}.mvt" in page.text


def test_many_ids_are_one_parameter(reg):
    """70,000 ids, past PostgreSQL's 65,535 bind parameters, read as one array (``fid = ANY(:ids)``)."""
    _zhangpu(reg)
    _outfalls(reg, 20)
    store = reg.layer("outfalls").store
    fids = tuple(range(1, 70_001))
    assert store.count(Query(fids=fids)) == 20
    assert len(store.to_geodataframe(Query(fids=fids))) == 20
