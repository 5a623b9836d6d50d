"""Import and export in every format; each refusal with its message; all-or-nothing writes."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box
from sqlalchemy import text

from registry.crs import wgs84_to_gcj02
from registry.errors import Forbidden, ImportRejected, InvalidInput, PayloadTooLarge
from registry.files import read_features

BASE = {"county_code": "350623", "receiving_kind": "sea", "outfall_class": "industrial", "status": "surveyed"}


def outfalls(n: int = 3, x0: float = 117.58, y0: float = 23.74) -> gpd.GeoDataFrame:
    rows = [dict(BASE, code=f"350623-{i:03d}", name=f"古雷排口{i}") for i in range(n)]
    return gpd.GeoDataFrame(rows, geometry=[Point(x0 + i * 0.001, y0) for i in range(n)], crs=4490)


def read_features_columns(path) -> list[str]:
    return list(gpd.read_file(path).columns)


def changesets(reg) -> int:
    with reg.engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM changesets"))


def test_geojson_import_writes_every_feature_in_one_changeset(reg, tmp_path):
    path = tmp_path / "outfalls.geojson"
    outfalls(5).to_file(path, driver="GeoJSON")
    report = reg.layer("outfalls").import_file(path)
    assert report.ok and report.written == 5 and report.crs == "EPSG:4490", "the file names its CRS"
    assert reg.layer("outfalls").count() == 5
    assert changesets(reg) == 1
    history = reg.layer("outfalls").history(1)
    assert history[0].source == "import outfalls.geojson" and history[0].author == "tester"


def test_geopackage_in_gauss_kruger_zone_39_is_detected_and_transformed(reg, tmp_path):
    frame = outfalls(2).to_crs(4527)
    assert frame.geometry.x.iloc[0] > 39_000_000, "zone 39 eastings carry the zone prefix"
    path = tmp_path / "survey.gpkg"
    frame.to_file(path, driver="GPKG")
    report = reg.layer("outfalls").import_file(path)
    assert report.crs == "EPSG:4527"
    stored = reg.layer("outfalls").to_geodataframe()
    assert stored.geometry.x.iloc[0] == pytest.approx(117.58, abs=1e-8)
    assert stored.geometry.y.iloc[0] == pytest.approx(23.74, abs=1e-8)


def test_zipped_shapefile_from_another_tool_with_truncated_field_names(reg, tmp_path):
    """GDAL truncates names to 10 characters; an unambiguous truncation still finds its attribute."""
    folder = tmp_path / "shp"
    folder.mkdir()
    outfalls(3).to_file(folder / "outfalls.shp", encoding="UTF-8")
    assert "outfall_cl" in read_features_columns(folder / "outfalls.shp")
    archive = tmp_path / "outfalls.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    report = reg.layer("outfalls").import_file(archive, dry_run=True)
    assert [(i.field, i.problem[:6]) for i in report.issues[:1]] == [("receiving_kind", "缺少必填字段")]
    assert {i.field for i in report.issues} == {"receiving_kind"}, "outfall_cl and county_cod were recognised"
    assert "receiving_ (可能是 / could be receiving_water / receiving_kind)" in report.warnings[0]


def test_csv_with_lon_lat_needs_a_declared_crs(reg, tmp_path):
    frame = pd.DataFrame(outfalls(2).drop(columns="geometry"))
    frame["lon"], frame["lat"] = [117.58, 117.59], [23.74, 23.74]
    path = tmp_path / "outfalls.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InvalidInput, match="declare") as info:
        reg.layer("outfalls").import_file(path)
    assert reg.layer("outfalls").count() == 0, info.value.detail
    report = reg.layer("outfalls").import_file(path, crs="EPSG:4490")
    assert report.written == 2


def test_csv_with_wkt_and_chinese_headers(reg, tmp_path):
    path = tmp_path / "zones.csv"
    pd.DataFrame({"名称": ["漳浦水源保护区"], "类型": ["drinking_water_source"],
                  "wkt": [box(117.60, 24.10, 117.62, 24.12).wkt]}).to_csv(path, index=False)
    report = reg.layer("protected_zones").import_file(path, crs=4490)
    assert report.ok and report.written == 1
    zone = reg.layer("protected_zones").get(1)
    assert zone.properties["name"] == "漳浦水源保护区"
    assert zone.geometry.geom_type == "MultiPolygon", "polygons are stored as multipolygons"


def test_gcj02_is_converted_on_import_and_never_stored(reg, tmp_path):
    wgs = Point(117.60, 23.76)
    gx, gy = wgs84_to_gcj02(np.array([wgs.x]), np.array([wgs.y]))
    frame = pd.DataFrame([dict(BASE, code="GCJ-1", name="高德坐标排口", lon=gx[0], lat=gy[0])])
    path = tmp_path / "amap.csv"
    frame.to_csv(path, index=False)
    shift_m = Transformer.from_crs(4326, 4527, always_xy=True)
    ex0, ny0 = shift_m.transform(wgs.x, wgs.y)
    ex1, ny1 = shift_m.transform(gx[0], gy[0])
    assert 100 < np.hypot(ex1 - ex0, ny1 - ny0) < 1000, "GCJ-02 is offset by hundreds of metres in Fujian"
    reg.layer("outfalls").import_file(path, crs="GCJ02")
    stored = reg.layer("outfalls").get(1).geometry
    assert stored.distance(wgs) < 1e-6, "stored coordinates are CGCS2000, within ~0.1 m of the true point"


@pytest.mark.parametrize(("geometry", "message"), [
    (Point(24.10, 117.60), "swapped"),
    (Point(113.90, 22.50), "outside"),
    (LineString([(117.6, 23.7), (117.7, 23.8)]), "LineString"),
    (Point(), "empty"),
])
def test_each_geometry_refusal_names_the_feature_and_the_rule(reg, tmp_path, geometry, message):
    frame = outfalls(4)
    frame.loc[2, "geometry"] = geometry
    path = tmp_path / "bad.gpkg"
    frame.to_file(path, driver="GPKG")
    with pytest.raises(ImportRejected) as info:
        reg.layer("outfalls").import_file(path)
    report = info.value.extra["report"]
    assert [(i.feature, i.field) for i in report.issues] == [(3, "geometry")]
    assert message in report.issues[0].problem
    assert reg.layer("outfalls").count() == 0


BOWTIE = Polygon([(117.60, 24.10), (117.62, 24.12), (117.62, 24.10), (117.60, 24.12), (117.60, 24.10)])


def test_self_intersection_is_refused_with_its_location_unless_repair_is_asked(reg, tmp_path):
    frame = gpd.GeoDataFrame([{"name": "自相交", "zone_type": "nature_reserve"}], geometry=[BOWTIE], crs=4490)
    path = tmp_path / "bowtie.geojson"
    frame.to_file(path, driver="GeoJSON")
    with pytest.raises(ImportRejected) as info:
        reg.layer("protected_zones").import_file(path)
    problem = info.value.extra["report"].issues[0].problem
    assert "Self-intersection" in problem and "117.61" in problem
    report = reg.layer("protected_zones").import_file(path, repair=True)
    assert report.written == 1 and len(report.repairs) == 1
    stored = reg.layer("protected_zones").get(1).geometry
    assert stored.is_valid and stored.geom_type == "MultiPolygon" and len(stored.geoms) == 2


def test_gauss_kruger_easting_without_zone_prefix_is_refused(reg, tmp_path):
    frame = outfalls(2).to_crs(4548)           # the unprefixed variant of zone 39
    frame = frame.set_crs(4527, allow_override=True)  # ...mislabelled as the prefixed one
    path = tmp_path / "gk.gpkg"
    frame.to_file(path, driver="GPKG")
    with pytest.raises(ImportRejected) as info:
        reg.layer("outfalls").import_file(path)
    assert "EPSG:4548" in info.value.extra["report"].issues[0].problem


def test_one_bad_feature_among_many_leaves_the_table_unchanged(reg, tmp_path):
    reg.layer("outfalls").create(dict(BASE, code="EXISTING", name="已有排口"), Point(117.57, 23.73))
    before = changesets(reg)
    frame = outfalls(200)
    frame.loc[137, "outfall_class"] = "factory"
    path = tmp_path / "many.gpkg"
    frame.to_file(path, driver="GPKG")
    with pytest.raises(ImportRejected) as info:
        reg.layer("outfalls").import_file(path)
    issues = info.value.extra["report"].issues
    assert [(i.feature, i.field, i.value) for i in issues] == [(138, "outfall_class", "factory")]
    assert reg.layer("outfalls").count() == 1
    assert changesets(reg) == before


def test_dry_run_reports_counts_and_problems_without_writing(reg, tmp_path):
    frame = outfalls(10)
    frame.loc[4, "status"] = None
    path = tmp_path / "dry.geojson"
    frame.to_file(path, driver="GeoJSON")
    report = reg.layer("outfalls").import_file(path, dry_run=True)
    assert report.features == 10 and report.written == 0 and not report.ok
    assert [(i.feature, i.field) for i in report.issues] == [(5, "status")]
    assert report.bbox is not None and report.bbox[0] == pytest.approx(117.58)
    assert reg.layer("outfalls").count() == 0


def test_broken_and_hostile_files_are_refused_before_parsing(reg, tmp_path):
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"this is not a geopackage")
    with pytest.raises(ImportRejected, match="cannot read"):
        reg.layer("outfalls").import_file(broken)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../etc/evil.shp", b"x")
    with pytest.raises(ImportRejected, match="unsafe path"):
        reg.layer("outfalls").import_file(evil)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.shp", b"\0" * 50_000_000)
    with pytest.raises(ImportRejected, match="zip bomb"):
        reg.layer("outfalls").import_file(bomb)


def test_oversized_upload_is_refused(tmp_path):
    from registry.config import Limits

    path = tmp_path / "big.geojson"
    outfalls(50).to_file(path, driver="GeoJSON")
    with pytest.raises(PayloadTooLarge):
        read_features(path, limits=Limits(max_upload_bytes=100))
    with pytest.raises(PayloadTooLarge, match="more than 10 features"):
        read_features(path, limits=Limits(max_features=10))


def test_an_over_long_csv_is_refused_without_reading_past_the_limit(tmp_path):
    """Reading stops one row past the limit: a row that cannot be parsed further down is never reached,
    so the refusal is the limit's (with the limit in the message), not a parse error."""
    from registry.config import Limits

    rows = [f"{i},117.6,23.7" for i in range(1, 50)] + ['50,"117.6,23.7']  # an unclosed quote at row 50
    path = tmp_path / "long.csv"
    path.write_text("code,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="cannot read the CSV"):
        read_features(path, limits=Limits(max_features=100))
    with pytest.raises(PayloadTooLarge, match="more than 10 features"):
        read_features(path, limits=Limits(max_features=10))


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".zip", ".csv"])
def test_export_round_trips_through_import(reg, tmp_path, suffix):
    reg.layer("outfalls").import_frame(outfalls(4), source="fixture")
    out = reg.layer("outfalls").export(tmp_path / f"export{suffix}")
    for rec in reg.layer("outfalls").store.records():  # a dry run applies the unique codes: make room
        reg.layer("outfalls").delete(rec.fid, base_version=rec.version)
    report = reg.layer("outfalls").import_file(out, dry_run=True, crs="EPSG:4490" if suffix == ".csv" else None)
    assert report.ok and report.features == 4, report.summary()
    again = read_features(out)
    assert sorted(again.attributes["code"]) == sorted(outfalls(4)["code"])


TRICKY = ["引号\"和'撇号", "制表\t符", "换\n行", "反斜杠\\N", "逗号,分隔", "  两端空格  ", "𝕏 emoji 🌊", "\\."]


def test_binary_copy_keeps_every_value_exactly(reg):
    """Text with separators, quotes, backslashes and line breaks, flags, dates, integers and decimals come
    back from the database exactly as checked (strings stripped, nothing else changed)."""
    frame = outfalls(len(TRICKY))
    frame["name"] = TRICKY
    frame["stormwater"] = ["是", "否", True, False, "true", "0", None, "yes"]
    dates = ["2024-05-01", None, "2023-12-31", "2024-02-29", None, "2022-01-01", None, "2025-06-30"]
    frame["surveyed_on"] = dates
    assert reg.layer("outfalls").import_frame(frame, source="tricky").written == len(TRICKY)
    got = reg.layer("outfalls").to_geodataframe().sort_values("fid")
    assert list(got["name"]) == [t.strip() for t in TRICKY]
    assert [None if pd.isna(v) else bool(v) for v in got["stormwater"]] == [True, False, True, False, True, False,
                                                                            None, True]
    assert [None if pd.isna(v) else str(v) for v in got["surveyed_on"]] == dates
    standards = pd.DataFrame({"county_code": "350623", "industry_code": "13", "indicator": "floor_area_ratio",
                              "value": ["1.2", "0.0001", "1234567890.1234", "7"],
                              "effective_from": "2024-01-01"})
    assert reg.layer("indicator_standards").import_frame(standards, source="values").written == 4
    with reg.engine.connect() as conn:
        values = conn.execute(text("SELECT value::text FROM indicator_standards ORDER BY fid")).scalars().all()
    assert values == ["1.2000", "0.0001", "1234567890.1234", "7.0000"]


def _index_definitions(reg, table: str) -> list[str]:
    with reg.engine.connect() as conn:
        return sorted(conn.execute(text("SELECT indexdef FROM pg_indexes WHERE tablename = :t"), {"t": table})
                      .scalars())


def test_readers_do_not_wait_on_an_import_and_its_indexes_stay(reg):
    """While an import's COPY is under way (its transaction open), a reader of the same layer on another
    connection gets its answer at once: no index is dropped and rebuilt, so nothing locks the table. The
    indexes are the same after a written import and after refused ones."""
    before = _index_definitions(reg, "outfalls")
    assert any("USING gist" in d for d in before)
    waited: list[int] = []

    def read_meanwhile(_done: int, _total: int) -> None:
        with reg.engine.connect() as conn:
            conn.execute(text("SET lock_timeout = '200ms'"))
            waited.append(conn.scalar(text("SELECT count(*) FROM outfalls WHERE valid_to IS NULL")))

    report = reg.layer("outfalls").import_frame(outfalls(20), source="bulk", progress=read_meanwhile)
    assert report.written == 20 and waited == [0]
    assert _index_definitions(reg, "outfalls") == before
    with reg.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(conn.execute(text(
            "EXPLAIN SELECT fid FROM outfalls WHERE valid_to IS NULL AND "
            "geom && ST_MakeEnvelope(117.58, 23.73, 117.5905, 23.75, 4490)")).scalars())
    assert "gx_outfalls_geom_current" in plan, plan
    assert reg.layer("outfalls").count(bbox=(117.58, 23.73, 117.5905, 23.75)) == 11
    elsewhere = outfalls(30, x0=118.1, y0=24.5).assign(code=[f"350206-{i:03d}" for i in range(30)])
    with pytest.raises(Forbidden):
        reg.layer("outfalls").import_frame(elsewhere, source="elsewhere", scope="350623")
    with pytest.raises(InvalidInput, match=r"code.*350623-000"):
        reg.layer("outfalls").import_frame(outfalls(30), source="again")
    assert _index_definitions(reg, "outfalls") == before
    assert reg.layer("outfalls").count() == 20
