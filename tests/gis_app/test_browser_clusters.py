"""A tiled layer in Debian's headless Chromium: at the opening view (all Fujian, z7) its small features
are drawn as clusters, and a click on one says in Chinese how many features it stands for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import geopandas as gpd
import pytest
from flask import Flask
from playwright.sync_api import Page
from shapely.geometry import box

from registry import Registry

TOWN = (117.614, 24.117)
"""绥安镇, Zhangpu county: ten 20 m squares within 100 m of it fall in one z7 cell."""

DRAWN_PIXELS = """() => {
    let n = 0;
    for (const c of document.querySelectorAll('.leaflet-pane canvas')) {
        if (!c.width || !c.height) continue;
        const alpha = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < alpha.length; i += 4) if (alpha[i]) n += 1;
    }
    return n;
}"""


@pytest.fixture
def app(db_url: str, reg: Registry) -> Iterator[Flask]:
    """The app with every layer above the tile threshold, so a handful of features come as vector tiles."""
    from gis_app import create_app

    application = create_app({"TESTING": True, "DATABASE_URL": db_url, "TILE_THRESHOLD": 0})
    yield application
    application.extensions["registry"].close()


@pytest.fixture
def squares(reg: Registry) -> gpd.GeoDataFrame:
    lon, lat, side = *TOWN, 0.0002
    centres = [(lon + 0.0002 * (i % 5), lat + 0.0002 * (i // 5)) for i in range(10)]
    frame = gpd.GeoDataFrame(
        {"name": [f"绥安小区{i}" for i in range(10)], "county_code": ["350623"] * 10,
         "elderly_population": [3] * 10},
        geometry=[box(x - side / 2, y - side / 2, x + side / 2, y + side / 2) for x, y in centres], crs="EPSG:4490")
    reg.layer("residential_areas").import_frame(frame, source="test")
    return frame


def test_small_squares_are_drawn_as_a_cluster_at_the_opening_view(live_server: str, squares: Any, page: Page,
                                                                  watch: Callable[[Page], Any]) -> None:
    traffic = watch(page)
    page.goto(f"{live_server}/map/residential_areas", wait_until="networkidle")
    page.wait_for_function("() => window.L && Object.values(window).some(v => v instanceof L.Map)")
    page.wait_for_load_state("networkidle")

    zoom = page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).getZoom()")
    tiles = [u for u in traffic.requested if "/tiles/residential_areas/" in u]
    assert zoom <= 8 and tiles, "the page opens on the province and asks for the layer's tiles"
    assert traffic.blocked == [] and traffic.failed == [] and traffic.errors == []
    assert page.evaluate(DRAWN_PIXELS) > 0, "the squares show at the opening zoom"

    x, y = page.evaluate(f"""() => {{
        const map = Object.values(window).find(v => v instanceof L.Map);
        const box = map.getContainer().getBoundingClientRect();
        const p = map.latLngToContainerPoint([{TOWN[1] + 0.0001}, {TOWN[0] + 0.0004}]);
        return [box.left + p.x, box.top + p.y];
    }}""")
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)

    assert "10 个要素" in popup.inner_text()
    assert "60岁及以上老年人口(合计)" in popup.inner_text() and "30" in popup.inner_text()
    assert traffic.errors == [], "a click on a tile's point works with Leaflet 1.9"
