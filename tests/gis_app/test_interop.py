"""Real clients read the API: GDAL's OGC API Features driver (what QGIS uses) and OWSLib.

Each test compares what the client got with what the database holds: the same fids, the same
attribute values, the same coordinates (within 1e-9 degrees, or a millimetre in Gauss-Kruger metres).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyproj
import pytest
import shapely
from owslib.ogcapi.features import Features
from shapely.geometry import shape

from gis_app.api.crs_uris import EPSG_PREFIX
from layers import LAYERS, layer_attributes
from registry import Registry

DEGREES = 1e-9
METRES = 1e-3
GK_ZONE_39 = "EPSG:4527"
"""CGCS2000 / 3-degree Gauss-Kruger zone 39 (central meridian 117°E): Zhangpu's zone; northing first."""

# Loopback only: a proxy configured for the package registries must not see these requests.
LOOPBACK_ENV = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in LOOPBACK_ENV.items():
        monkeypatch.setenv(key, value)


# --------------------------------------------------------------------------- the database's truth


def plain(value: Any) -> Any:
    """A database value as JSON carries it, so both sides compare equal."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def public_attributes(layer: str) -> list[str]:
    return [name for name, rule in layer_attributes(LAYERS[layer]).items() if rule.public]


FeatureMap = dict[int, tuple[dict[str, Any], shapely.Geometry | None]]
"""fid → (public attributes and version, geometry in lon/lat or None)."""


def database_features(reg: Registry, layer: str) -> FeatureMap:
    """The layer as the registry reads it."""
    frame = reg.layer(layer).to_geodataframe()
    names = [*public_attributes(layer), "version"]
    return {int(row.fid): ({n: plain(getattr(row, n)) for n in names}, row.geometry)
            for row in frame.itertuples()}


def client_features(features: list[dict[str, Any]], layer: str) -> FeatureMap:
    """The same from GeoJSON features as a client received them."""
    names = [*public_attributes(layer), "version"]
    return {int(f["id"]): ({n: f["properties"].get(n) for n in names},
                           None if f["geometry"] is None else shape(f["geometry"]))
            for f in features}


def assert_same_features(got: FeatureMap, expected: FeatureMap) -> None:
    assert sorted(got) == sorted(expected), "the client got other features than the database holds"
    for fid, (props, geom) in expected.items():
        got_props, got_geom = got[fid]
        assert got_props == props, f"feature {fid}: attributes differ"
        if geom is None:
            assert got_geom is None, f"feature {fid} has no geometry in the database"
            continue
        assert got_geom is not None and got_geom.geom_type == geom.geom_type
        assert got_geom.equals_exact(geom, tolerance=DEGREES), f"feature {fid}: {got_geom.wkt} != {geom.wkt}"


def gauss_kruger(reg: Registry, layer: str, *, authority_order: bool) -> dict[int, tuple[float, float]]:
    """Stored points transformed by pyproj to zone 39: (easting, northing), or the authority's
    (northing, easting) when ``authority_order``."""
    transformer = pyproj.Transformer.from_crs("EPSG:4490", GK_ZONE_39, always_xy=not authority_order)
    out = {}
    for row in reg.layer(layer).to_geodataframe().itertuples():
        lon, lat = row.geometry.x, row.geometry.y
        out[int(row.fid)] = transformer.transform(lat, lon) if authority_order else transformer.transform(lon, lat)
    return out


def assert_same_points(got: dict[int, tuple[float, float]], expected: dict[int, tuple[float, float]]) -> None:
    assert sorted(got) == sorted(expected)
    for fid, (a, b) in expected.items():
        x, y = got[fid]
        assert abs(x - a) < METRES and abs(y - b) < METRES, f"feature {fid}: ({x}, {y}) != ({a}, {b})"


# --------------------------------------------------------------------------- GDAL


def gdal_tool(name: str) -> str:
    """The path of a GDAL program; a missing one fails the test (never a skip)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: `make test` installs Debian's gdal-bin (scripts/setup.sh); "
                    "or run `apt-get install gdal-bin`", pytrace=False)
    return path


def gdal_run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a GDAL program; a non-zero exit fails the test and shows its stderr."""
    done = subprocess.run([gdal_tool(name), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **LOOPBACK_ENV, "GDAL_HTTP_TIMEOUT": "30"}, check=False)
    if done.returncode != 0:
        pytest.fail(f"{name} {' '.join(args)} exited {done.returncode}:\n{done.stderr}", pytrace=False)
    return done


def gdal(name: str, *args: str) -> str:
    return gdal_run(name, *args).stdout


def oapif_open_options() -> set[str]:
    """The open options this GDAL's OAPIF driver declares (CRS arrived with GDAL 3.7)."""
    return set(re.findall(r'<Option name="([A-Z_]+)"', gdal("ogrinfo", "--format", "OAPIF")))


def ogr2ogr(url: str, layer: str, out: Path, *options: str) -> dict[str, Any]:
    gdal("ogr2ogr", "-f", "GeoJSON", "-preserve_fid", *options, str(out), f"OAPIF:{url}", layer)
    return json.loads(out.read_text(encoding="utf-8"))


def ogrinfo_layers(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(layer name, its "Key: value" summary lines and "  KEY=value" metadata items) from
    ``ogrinfo -so -al`` output."""
    for block in re.split(r"\n(?=Layer name: )", text):
        if not block.startswith("Layer name: "):
            continue
        lines = block.splitlines()
        summary = dict(line.split(": ", 1) for line in lines if ": " in line and not line.startswith(" "))
        summary |= dict(line.strip().split("=", 1) for line in lines if re.match(r"  [A-Z_]+=", line))
        yield lines[0].removeprefix("Layer name: ").strip(), summary


def test_ogrinfo_lists_every_collection_with_its_count(live_server: str, served_story: Any) -> None:
    layers = dict(ogrinfo_layers(gdal("ogrinfo", "-ro", "-so", "-al", f"OAPIF:{live_server}")))

    assert list(layers) == list(LAYERS)
    for name in LAYERS:
        assert int(layers[name]["Feature Count"]) == served_story.count(name), name
    assert layers["outfalls"]["Geometry"] == "Point"
    assert layers["protected_zones"]["Geometry"] == "Multi Polygon"
    assert layers["outfalls"]["TITLE"] == "入河入海排污口"


STORY_LAYERS = ["outfalls", "protected_zones", "eldercare_facilities", "land_approvals", "land_parcels"]


@pytest.mark.parametrize("layer", STORY_LAYERS)
def test_ogr2ogr_pages_through_a_collection_and_gets_what_the_database_holds(
        live_server: str, served_story: Any, reg: Registry, tmp_path: Path, layer: str) -> None:
    """PAGE_SIZE=2 makes GDAL follow the ``next`` links (3 outfalls = two pages)."""
    got = ogr2ogr(live_server, layer, tmp_path / "out.geojson", "-oo", "PAGE_SIZE=2")

    assert len(got["features"]) == served_story.count(layer)
    assert_same_features(client_features(got["features"], layer), database_features(reg, layer))


def test_ogr2ogr_keeps_chinese_text_and_the_story_codes(live_server: str, served_story: Any, tmp_path: Path) -> None:
    got = ogr2ogr(live_server, "outfalls", tmp_path / "out.geojson")

    codes = {f["id"]: f["properties"]["code"] for f in got["features"]}
    assert codes == {1: "350623RS0001", 2: "350623RS0002", 3: "350623RS0003"}
    assert got["features"][1]["properties"]["name"] == "古雷污水处理厂入海排污口"


def test_ogrinfo_spatial_filter_is_answered_by_the_server(live_server: str, served_story: Any) -> None:
    """``-spat`` becomes a ``bbox`` request: only the two outfalls east of 117.600°E come back."""
    done = gdal_run("ogrinfo", "-ro", "-al", "-q", "-spat", "117.600", "23.759", "117.610", "23.770",
                    f"OAPIF:{live_server}", "outfalls", "--debug", "on")

    assert re.findall(r"OGRFeature\(outfalls\):(\d+)", done.stdout) == ["1", "2"]
    assert re.search(r"Fetch\(\S+/collections/outfalls/items\?\S*bbox=117\.59", done.stderr), done.stderr


def test_ogr2ogr_to_gauss_kruger_matches_pyproj(live_server: str, served_story: Any, reg: Registry,
                                                tmp_path: Path) -> None:
    """Reprojection to zone 39 by the client (``-t_srs``, any GDAL) and, where the driver can ask for
    a CRS (``-oo CRS``, GDAL >= 3.7), by the server in the CRS's own axis order (Part 2), which GDAL
    must read back as the same easting/northing."""
    expected = gauss_kruger(reg, "outfalls", authority_order=False)
    runs = {"client -t_srs": ["-t_srs", GK_ZONE_39]}
    if "CRS" in oapif_open_options():
        runs["server -oo CRS"] = ["-oo", f"CRS={GK_ZONE_39}"]

    for label, options in runs.items():
        got = ogr2ogr(live_server, "outfalls", tmp_path / f"{label.split()[0]}.geojson", *options)
        assert "4527" in got["crs"]["properties"]["name"], label
        points = {f["id"]: tuple(f["geometry"]["coordinates"]) for f in got["features"]}
        assert_same_points(points, expected)


# --------------------------------------------------------------------------- OWSLib


def test_owslib_lists_the_collections_and_their_crs(live_server: str, served_story: Any) -> None:
    body = Features(live_server).collections()

    collections = {c["id"]: c for c in body["collections"]}
    assert list(collections) == list(LAYERS)
    outfalls = collections["outfalls"]
    assert outfalls["title"] == "入河入海排污口"
    assert f"{EPSG_PREFIX}4527" in outfalls["crs"]
    assert outfalls["storageCrs"] == f"{EPSG_PREFIX}4490"


def test_owslib_items_are_the_database_features(live_server: str, served_story: Any, reg: Registry) -> None:
    api = Features(live_server)
    for layer in STORY_LAYERS:
        body = api.collection_items(layer)
        assert body["numberMatched"] == body["numberReturned"] == served_story.count(layer)
        assert_same_features(client_features(body["features"], layer), database_features(reg, layer))


def test_owslib_pages_with_limit_and_offset(live_server: str, served_story: Any, reg: Registry) -> None:
    api = Features(live_server)
    first = api.collection_items("outfalls", limit=2)
    assert (first["numberMatched"], first["numberReturned"]) == (3, 2)
    assert any(link["rel"] == "next" for link in first["links"])

    second = api.collection_items("outfalls", limit=2, offset=2)
    assert second["numberReturned"] == 1
    assert not any(link["rel"] == "next" for link in second["links"])
    pages = client_features(first["features"] + second["features"], "outfalls")
    assert_same_features(pages, database_features(reg, "outfalls"))


def test_owslib_queryables_name_the_attributes(live_server: str, served_story: Any) -> None:
    queryables = Features(live_server).collection_queryables("outfalls")

    properties = queryables["properties"]
    assert set(public_attributes("outfalls")) <= set(properties)
    assert properties["status"]["enum"] == ["surveyed", "sampled", "traced", "decided", "remediated"]
    assert properties["code"]["title"] == "排污口编码"


def test_owslib_filter_by_queryable(live_server: str, served_story: Any) -> None:
    body = Features(live_server).collection_items("outfalls", status="traced")

    assert [f["properties"]["code"] for f in body["features"]] == ["350623RS0003"]


def test_owslib_crs_request_answers_in_the_authority_axis_order(live_server: str, served_story: Any,
                                                                reg: Registry) -> None:
    """OGC API Features Part 2: ``crs=EPSG/0/4527`` gives northing first, and says so in Content-Crs."""
    api = Features(live_server)
    body = api.collection_items("outfalls", crs=f"{EPSG_PREFIX}4527")

    assert api.response_headers["Content-Crs"] == f"<{EPSG_PREFIX}4527>"
    points = {f["id"]: tuple(f["geometry"]["coordinates"]) for f in body["features"]}
    assert_same_points(points, gauss_kruger(reg, "outfalls", authority_order=True))
    northing, easting = points[1]
    assert 2.6e6 < northing < 2.7e6 and 39.5e6 < easting < 39.6e6  # zone 39's false easting prefix
