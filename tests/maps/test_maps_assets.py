"""Every asset a map page loads is served by the app itself (intranets have no internet)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

import folium
import pytest
from folium.plugins import Fullscreen, MarkerCluster, VectorGridProtobuf

from layers.eldercare import EldercareFacility
from layers.protected_zones import ProtectedZone
from maps.assets import ASSETS, DROPPED, asset_paths, localise
from maps.builder import BaseMap, add_layer, add_tile_layer, combined_map, new_map, tianditu
from registry.tiles import Tiled

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
URL = re.compile(r"https?://[^\s\"'<>()]+")


def external_hosts(html: str) -> set[str]:
    return {urlsplit(url.replace("\\u0026", "&")).hostname or "" for url in URL.findall(html)}


@pytest.fixture(scope="module", autouse=True)
def _node_modules() -> None:
    if not NODE_MODULES.is_dir():
        pytest.fail("node_modules is missing: run `npm ci --no-audit --no-fund` in the project root")


def test_every_asset_path_exists_in_node_modules() -> None:
    missing = sorted(p for p in asset_paths() if not (NODE_MODULES / p).is_file())
    assert not missing


def test_files_the_stylesheets_load_are_served_too() -> None:
    served = asset_paths()
    for css in (p for p in ASSETS.values() if p.endswith(".css")):
        text = (NODE_MODULES / css).read_text(encoding="utf-8")
        for ref in re.findall(r"url\(\s*['\"]?([^'\")?#]+)", text):
            if not ref.startswith("data:"):
                assert posixpath.normpath(posixpath.join(posixpath.dirname(css), ref)) in served, f"{css}: {ref}"


def test_every_folium_asset_we_use_is_mapped_or_dropped() -> None:
    names = {name for cls in (folium.Map, MarkerCluster, Fullscreen, VectorGridProtobuf)
             for name, _ in (*cls.default_js, *cls.default_css)}
    assert names <= ASSETS.keys() | DROPPED


def test_localise_rewrites_links_without_touching_the_classes() -> None:
    m = folium.Map(tiles=None)
    cluster = MarkerCluster().add_to(m)
    localise(m, "/static/vendor/")
    assert dict(cluster.default_js) == {"markerclusterjs": "/static/vendor/leaflet.markercluster/dist/"
                                                           "leaflet.markercluster.js"}
    assert "glyphicons_css" not in dict(m.default_css)
    assert MarkerCluster.default_js[0][1].startswith("https://")  # other maps are not affected


def test_an_unknown_asset_fails_loudly() -> None:
    m = folium.Map(tiles=None)
    m.default_js = [("brand_new_plugin", "https://cdn.example.com/x.js")]
    with pytest.raises(KeyError, match="brand_new_plugin"):
        localise(m, "/static/vendor")


def test_offline_page_has_no_url_at_all(eldercare, protected_zones, findings) -> None:
    m = combined_map([(ProtectedZone, protected_zones), (EldercareFacility, eldercare),
                      (EldercareFacility, Tiled("eldercare_facilities"))], BaseMap(), findings=findings)
    html = m.get_root().render()
    assert not URL.findall(html)
    assert '<script src="/static/vendor/leaflet/dist/leaflet.js">' in html
    assert "/static/vendor/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.js" in html
    assert "/tiles/eldercare_facilities/{z}/{x}/{y}.mvt" in html


def test_only_the_tile_host_is_external(eldercare) -> None:
    base = tianditu("0123456789abcdef")
    m = new_map(base, asset_url="/assets")
    add_layer(m, EldercareFacility, eldercare, cluster_threshold=1)  # a MarkerCluster added after new_map
    html = m.get_root().render()
    assert external_hosts(html) == {"t{s}.tianditu.gov.cn"}
    assert "/assets/leaflet.markercluster/dist/leaflet.markercluster.js" in html
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith("/assets/")
        assert (NODE_MODULES / src.removeprefix("/assets/")).is_file()


def test_tile_layer_url_cannot_break_out_of_its_string() -> None:
    with pytest.raises(ValueError):
        add_tile_layer(new_map(BaseMap()), EldercareFacility, "/tiles/x/{z}/{x}/{y}.pbf');alert(1);('")
