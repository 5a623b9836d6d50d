"""Clusters in vector tiles: at a coarse zoom small features come as one point per occupied cell with
their count and sums, big shapes stay themselves, and zoomed in every feature is itself again."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import mapbox_vector_tile
import pandas as pd
import pytest
from shapely.geometry import Point, box

from registry import Registry
from registry.tiles import COUNT, POINT_DETAIL_ZOOM, summed_attributes, tile

SIDE = 0.0002
"""A residential square's side in degrees (about 20 m, as the benchmark's million squares)."""

TOWNS = {"绥安镇": (117.614, 24.117), "旧镇镇": (117.602, 24.021), "古雷镇": (117.570, 23.760)}
"""Three places in Zhangpu county, 10 to 40 km apart: one z7 tile holds them all, in different cells."""

OUTFALL = {"name": "聚合排口", "county_code": "350623", "receiving_kind": "sea",
           "outfall_class": "industrial", "status": "surveyed", "credit_code": "9144030071526726XG"}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def features(reg: Registry, layer: str, zxy: tuple[int, int, int]) -> list[dict[str, Any]]:
    data = tile(reg, layer, *zxy)
    return mapbox_vector_tile.decode(data)[layer]["features"] if data else []


def squares(centres: list[tuple[float, float]], street: str = "绥安镇") -> gpd.GeoDataFrame:
    """Residential squares at ``centres``, the i-th with i + 1 elderly residents and 10 times as many people."""
    n = len(centres)
    return gpd.GeoDataFrame(
        {"name": [f"{street}小区{i}" for i in range(n)], "street": [street] * n, "county_code": ["350623"] * n,
         "population": [10 * (i + 1) for i in range(n)], "elderly_population": [i + 1 for i in range(n)]},
        geometry=[box(x - SIDE / 2, y - SIDE / 2, x + SIDE / 2, y + SIDE / 2) for x, y in centres], crs="EPSG:4490")


def around(lon: float, lat: float, n: int, step: float = 0.001) -> list[tuple[float, float]]:
    return [(lon + step * (i % 5), lat + step * (i // 5)) for i in range(n)]


@pytest.fixture
def towns(reg: Registry) -> gpd.GeoDataFrame:
    """20 squares in each town, 60 in all."""
    frame = gpd.GeoDataFrame(pd.concat([squares(around(lon, lat, 20), street) for street, (lon, lat) in TOWNS.items()],
                                       ignore_index=True), crs="EPSG:4490")
    reg.layer("residential_areas").import_frame(frame, source="test")
    return frame


def test_small_squares_become_fewer_clusters_whose_counts_and_sums_add_up(reg, towns):
    found = features(reg, "residential_areas", tile_of(*TOWNS["绥安镇"], 7))

    assert all(COUNT in f["properties"] and f["geometry"]["type"] == "Point" for f in found), "clusters only"
    assert len(TOWNS) <= len(found) < len(towns)
    assert sum(f["properties"][COUNT] for f in found) == len(towns)
    assert sum(f["properties"]["elderly_population"] for f in found) == towns.elderly_population.sum()
    assert sum(f["properties"]["population"] for f in found) == towns.population.sum()
    assert not any({"name", "street", "area_ha"} & f["properties"].keys() for f in found), "no per-feature text"


def test_a_cluster_sits_at_the_mean_of_its_members(reg):
    """Five squares in a row, all in one cell at z7: one cluster, at their middle square."""
    centres = [(117.614 + 0.001 * i, 24.117) for i in range(5)]
    reg.layer("residential_areas").import_frame(squares(centres), source="test")
    z, x, y = tile_of(*centres[2], 7)

    (cluster,) = features(reg, "residential_areas", (z, x, y))

    px, py = cluster["geometry"]["coordinates"]
    expected_x = ((centres[2][0] + 180) / 360 * 2**z - x) * 4096
    assert cluster["properties"][COUNT] == 5
    assert abs(px - expected_x) <= 1 and 0 <= py <= 4096


def test_counts_add_up_across_a_tile_edge(reg):
    """Squares on both sides of the line between two z7 tiles are counted once each, in the tile holding
    their centre, although the buffer of both tiles reaches them."""
    edge = 106 * 360 / 2**7 - 180  # 118.125°, between z7 tiles x = 105 and 106
    centres = [(edge - 0.0004, 25.0), (edge - 0.0004, 25.001), (edge + 0.0004, 25.0)]
    reg.layer("residential_areas").import_frame(squares(centres), source="test")
    _, _, y = tile_of(edge, 25.0, 7)

    counts = [sum(f["properties"][COUNT] for f in features(reg, "residential_areas", (7, x, y))) for x in (105, 106)]

    assert counts == [2, 1]


def test_a_large_zone_is_still_a_polygon_at_province_zoom(reg, towns):
    reg.layer("protected_zones").create({"name": "大片保护区", "zone_type": "nature_reserve"},
                                        box(117.3, 23.8, 117.8, 24.3))
    for z in (5, 7):
        (zone,) = features(reg, "protected_zones", tile_of(117.5, 24.0, z))
        assert zone["geometry"]["type"] == "Polygon"
        assert zone["properties"]["name"] == "大片保护区" and COUNT not in zone["properties"]


def test_at_a_detail_zoom_squares_are_themselves_with_their_attributes(reg, towns):
    lon, lat = TOWNS["绥安镇"]
    found = features(reg, "residential_areas", tile_of(lon, lat, 16))

    assert found, "the town's first squares are in this tile"
    assert all(f["geometry"]["type"] == "Polygon" and COUNT not in f["properties"] for f in found)
    first = next(f for f in found if f["properties"]["name"] == "绥安镇小区0")
    assert first["properties"]["elderly_population"] == 1 and first["properties"]["street"] == "绥安镇"


def test_points_are_clustered_below_the_detail_zoom_and_single_from_it(reg):
    for i in range(6):
        reg.layer("outfalls").create(dict(OUTFALL, code=f"C-{i}"), Point(117.57 + 0.00005 * i, 23.76))

    clusters = features(reg, "outfalls", tile_of(117.57, 23.76, POINT_DETAIL_ZOOM - 1))
    single = features(reg, "outfalls", tile_of(117.57, 23.76, POINT_DETAIL_ZOOM))

    assert len(clusters) < 6 and sum(f["properties"][COUNT] for f in clusters) == 6
    assert all(f["properties"].keys() == {COUNT} for f in clusters), "outfalls have no quantity to sum"
    assert len(single) == 6 and {f["properties"]["code"] for f in single} == {f"C-{i}" for i in range(6)}
    assert all("credit_code" not in f["properties"] for f in single), "tiles are public"


def test_clusters_sum_the_counting_integers_only():
    from layers import LAYERS

    assert summed_attributes(LAYERS["residential_areas"]) == ["population", "elderly_population"]
    assert summed_attributes(LAYERS["eldercare_facilities"]) == ["beds", "nursing_beds", "capacity"]
    assert summed_attributes(LAYERS["land_approvals"]) == [], "a year or a batch number is not a quantity"
