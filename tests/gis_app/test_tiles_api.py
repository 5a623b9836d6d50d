"""The tile endpoint and the switch of big layers from embedded features to vector tiles."""

from __future__ import annotations

import mapbox_vector_tile
from shapely.geometry import Point

OUTFALL = {"code": "T-1", "name": "瓦片排口", "county_code": "350623", "receiving_kind": "sea",
           "outfall_class": "industrial", "status": "surveyed"}
TILE = "/tiles/outfalls/12/3386/1769.mvt"   # contains 117.60°E 23.76°N


def test_tiles_revalidate_with_the_layer_version(client, reg):
    created = reg.layer("outfalls").create(OUTFALL, Point(117.60, 23.76))
    first = client.get(TILE)
    assert first.status_code == 200 and first.mimetype == "application/vnd.mapbox-vector-tile"
    assert mapbox_vector_tile.decode(first.data)["outfalls"]["features"][0]["properties"]["code"] == "T-1"
    etag = first.headers["ETag"]
    assert client.get(TILE, headers={"If-None-Match": etag}).status_code == 304
    reg.layer("outfalls").update(created.fid, {"code": "T-9"}, base_version=1)
    again = client.get(TILE, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert mapbox_vector_tile.decode(again.data)["outfalls"]["features"][0]["properties"]["code"] == "T-9"


def test_bad_tiles_are_problems(client):
    assert client.get("/tiles/outfalls/2/9/0.mvt").status_code == 400
    assert client.get("/tiles/nope/2/0/0.mvt").status_code == 404


def test_big_layers_switch_to_vector_tiles(app, client, reg):
    for i in range(3):
        reg.layer("outfalls").create(dict(OUTFALL, code=f"T-{i}", name=f"大图层排口{i}"), Point(117.6 + i / 100, 23.76))
    embedded = client.get("/map/outfalls").text
    assert "大图层排口0" in embedded and "/tiles/outfalls/" not in embedded
    app.config["TILE_THRESHOLD"] = 2
    for url in ("/map/outfalls", "/map"):
        page = client.get(url).text
        assert "/tiles/outfalls/{z}/{x}/{y}.mvt" in page and "大图层排口0" not in page
        assert "leaflet.vectorgrid" in page.lower() or "VectorGrid" in page
