"""End to end in Debian's headless Chromium: the combined map draws the registry's features with
every script, stylesheet and font served by the app, and no request leaves the machine (DESIGN.md:
government intranets have no internet)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

SCREENSHOT = Path("/tmp/map.png")

COUNT_LAYERS = """() => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    if (!map) return null;
    const seen = new Set();
    const found = {markers: 0, circleMarkers: 0, circles: [], polygons: 0, lines: 0, drawnInView: 0};
    const visit = layer => {
        if (seen.has(layer)) return;
        seen.add(layer);
        if (layer instanceof L.Circle) {
            found.circles.push(layer.getRadius());
        } else if (layer instanceof L.CircleMarker) {
            found.circleMarkers += 1;
            if (map.getBounds().contains(layer.getLatLng())) found.drawnInView += 1;
        } else if (layer instanceof L.Polygon) {
            found.polygons += 1;
            if (map.getBounds().intersects(layer.getBounds())) found.drawnInView += 1;
        } else if (layer instanceof L.Polyline) {
            found.lines += 1;
        } else if (layer instanceof L.Marker) {
            found.markers += 1;
        }
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {
            layer.getLayers().forEach(visit);
        } else if (layer instanceof L.LayerGroup) {
            layer.eachLayer(visit);
        }
    };
    map.eachLayer(visit);
    const canvas = document.querySelector('.leaflet-overlay-pane canvas');
    found.canvas = canvas ? [canvas.width, canvas.height] : null;
    found.legends = document.querySelectorAll('.leaflet-control-layers-overlays label').length;
    return found;
}"""


def test_combined_map_draws_every_feature_offline(live_server: str, served_story: Any, page: Page,
                                                   watch: Callable[[Page], Any]) -> None:
    traffic = watch(page)

    page.goto(f"{live_server}/map", wait_until="networkidle")
    page.wait_for_function("() => window.L && Object.values(window).some(v => v instanceof L.Map)")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOT))
    drawn = page.evaluate(COUNT_LAYERS)

    assert traffic.blocked == [], "requests tried to leave the machine"
    assert traffic.failed == [], "requests failed"
    assert traffic.errors == [], "the page logged errors"
    assert traffic.dialogs == [], "a hostile feature name ran as script"
    loaded = {urlsplit(u).path for u in traffic.requested}
    assert {"/static/vendor/leaflet/dist/leaflet.js", "/static/vendor/leaflet/dist/leaflet.css"} <= loaded
    assert all(urlsplit(u).netloc == urlsplit(live_server).netloc for u in traffic.requested
               if urlsplit(u).scheme in ("http", "https"))

    points = served_story.count("outfalls") + served_story.count("eldercare_facilities")
    areas = served_story.count("protected_zones") + served_story.count("land_parcels")
    assert drawn["circleMarkers"] == points
    assert drawn["polygons"] == areas
    assert drawn["circleMarkers"] + drawn["polygons"] + drawn["markers"] >= served_story.drawable
    assert drawn["drawnInView"] == served_story.drawable, "the view is fitted to the data"
    assert drawn["circles"] == [700] * served_story.community_stations
    assert drawn["canvas"] and min(drawn["canvas"]) > 0
    assert drawn["legends"] >= 4, "each layer can be switched in the layer control"


def test_hostile_name_shows_as_text_in_its_popup(live_server: str, served_story: Any, page: Page,
                                                 watch: Callable[[Page], Any]) -> None:
    """A click on the drinking-water zone (drawn on canvas) opens its popup; the name's ``<script>``
    is shown as text and never runs."""
    traffic = watch(page)
    page.goto(f"{live_server}/map", wait_until="networkidle")
    page.wait_for_function("() => window.L && Object.values(window).some(v => v instanceof L.Map)")
    x, y = page.evaluate("""() => {
        const map = Object.values(window).find(v => v instanceof L.Map);
        const box = map.getContainer().getBoundingClientRect();
        const p = map.latLngToContainerPoint([24.10, 117.57]);
        return [box.left + p.x, box.top + p.y];
    }""")

    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)

    assert "漳浦县鹿溪饮用水水源保护区<script>alert(1)</script>" in popup.inner_text()
    assert popup.locator("script").count() == 0
    assert traffic.dialogs == [] and traffic.blocked == [] and traffic.errors == []
