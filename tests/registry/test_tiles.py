"""Vector tiles from ST_AsMVT: the right features, public attributes only, invalidated by edits."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from shapely.geometry import Point, box

from analysis.land.gazette import save_gazette
from demo import gazette_text
from registry.errors import BadRequest, NotFound
from registry.repository import new_changeset
from registry.tiles import layer_version, tile

OUTFALL = {"code": "T-1", "name": "瓦片排口", "county_code": "350623", "receiving_kind": "sea",
           "outfall_class": "industrial", "status": "surveyed", "credit_code": "9144030071526726XG"}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def test_tile_holds_the_features_with_public_attributes_only(reg):
    reg.layer("outfalls").create(OUTFALL, Point(117.60, 23.76))
    reg.layer("outfalls").create(dict(OUTFALL, code="T-2", name="远处排口"), Point(119.30, 26.08))
    decoded = mapbox_vector_tile.decode(tile(reg, "outfalls", *tile_of(117.60, 23.76, 12)))
    features = decoded["outfalls"]["features"]
    assert [f["properties"]["name"] for f in features] == ["瓦片排口"]
    assert features[0]["id"] == 1 and features[0]["geometry"]["type"] == "Point"
    assert "credit_code" not in features[0]["properties"], "tiles are public"
    assert tile(reg, "outfalls", *tile_of(110.0, 30.0, 12)) == b"", "a tile with no features is empty"


def test_polygons_are_clipped_to_the_tile(reg):
    reg.layer("protected_zones").create({"name": "大片保护区", "zone_type": "nature_reserve"},
                                        box(117.0, 23.5, 118.0, 24.5))
    decoded = mapbox_vector_tile.decode(tile(reg, "protected_zones", *tile_of(117.5, 24.0, 14)))
    (feature,) = decoded["protected_zones"]["features"]
    assert feature["geometry"]["type"] == "Polygon"
    xs = [x for x, _ in feature["geometry"]["coordinates"][0]]
    assert min(xs) >= -64 and max(xs) <= 4096 + 64, "clipped to the tile plus its buffer"


def test_an_edit_gives_a_new_version_and_a_fresh_tile(reg):
    created = reg.layer("outfalls").create(OUTFALL, Point(117.60, 23.76))
    z, x, y = tile_of(117.60, 23.76, 12)
    before = layer_version(reg, "outfalls")
    assert mapbox_vector_tile.decode(tile(reg, "outfalls", z, x, y))["outfalls"]["features"]
    reg.layer("outfalls").update(created.fid, {"name": "改名排口"}, base_version=1)
    assert layer_version(reg, "outfalls") != before
    names = [f["properties"]["name"] for f in
             mapbox_vector_tile.decode(tile(reg, "outfalls", z, x, y))["outfalls"]["features"]]
    assert names == ["改名排口"]


@pytest.mark.parametrize(("name", "zxy", "error"), [
    ("outfalls", (3, 8, 0), BadRequest), ("outfalls", (23, 0, 0), BadRequest), ("nope", (1, 0, 0), NotFound)])
def test_impossible_tiles_are_refused(reg, name, zxy, error):
    with pytest.raises(error):
        tile(reg, name, *zxy)


def test_a_gazette_saved_with_its_parcels_changes_the_parcels_tile_version(reg):
    """A gazette approval and its parcels are one changeset spanning layers: the tiles of both layers
    must see it, or browsers would keep showing the parcels as they were."""
    text = gazette_text()
    before = {name: layer_version(reg, name) for name in ("land_approvals", "land_parcels")}
    save_gazette(reg, text)
    after = {name: layer_version(reg, name) for name in ("land_approvals", "land_parcels")}
    assert all(after[name] != before[name] for name in before), (before, after)


def test_an_import_committing_after_a_later_edit_still_changes_the_version(reg):
    """Changeset ids follow the order writes begin, but tiles must change when writes commit: a long import
    (older changeset id) committing after an edit (newer id) changes the version the edit left."""
    store = reg.layer("outfalls").store
    with reg.engine.connect() as slow:
        changeset = new_changeset(slow, author="import", source="slow import", layer="outfalls", count=1)
        store.insert(slow, {**OUTFALL, "code": "350623RH0001"}, Point(117.58, 23.74), changeset)
        reg.layer("outfalls").create({**OUTFALL, "code": "350623RH0002"}, Point(117.59, 23.74))
        seen = layer_version(reg, "outfalls")
        slow.commit()
    assert layer_version(reg, "outfalls") != seen
    assert reg.layer("outfalls").count() == 2
