"""CRS resolution and conversion (registry/crs.py).

Tolerances, in metres for Fujian (1e-6 degree of latitude ≈ 0.11 m; of longitude at 25°N ≈ 0.10 m):
1e-8 degree ≈ 1 mm, 1e-7 degree ≈ 1 cm, 1e-5 degree ≈ 1 m.
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from registry import crs
from registry.crs import (
    ACCEPTED,
    bd09_to_gcj02,
    canonical_crs,
    from_storage,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    resolve_crs,
    to_storage,
    wgs84_to_gcj02,
)
from registry.errors import InvalidInput

# wgsLat, wgsLng, gcjLat, gcjLng (Shanghai, Shenzhen, Beijing), the eviltransform reference points.
GCJ_REFERENCE = np.array([
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
])
# bdLat, bdLng, wgsLat, wgsLng, the eviltransform BD-09 reference points.
BD_REFERENCE = np.array([
    (29.199786, 120.019809, 29.196131605295484, 120.00877901149691),
    (29.210504, 120.036455, 29.206795749156136, 120.0253853970846),
])


# --------------------------------------------------------------------------- resolve_crs


def test_accepted_ids_are_the_eight_of_domain_md() -> None:
    assert set(ACCEPTED) == {"EPSG:4490", "EPSG:4326", "EPSG:4527", "EPSG:4528", "EPSG:4548", "EPSG:4549",
                             "GCJ02", "BD09"}
    assert all(" / " in label for label in ACCEPTED.values()), "labels are bilingual"


@pytest.mark.parametrize(("spelling", "expected"), [
    (4490, "EPSG:4490"),
    ("4490", "EPSG:4490"),
    ("epsg:4490", "EPSG:4490"),
    ("EPSG:4490", "EPSG:4490"),
    (" EPSG:4527 ", "EPSG:4527"),
    ("http://www.opengis.net/def/crs/EPSG/0/4490", "EPSG:4490"),
    ("urn:ogc:def:crs:EPSG::4490", "EPSG:4490"),
    ("urn:ogc:def:crs:EPSG:9.8.15:4549", "EPSG:4549"),
    ("OGC:CRS84", "EPSG:4326"),
    ("CRS84", "EPSG:4326"),
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "EPSG:4326"),
    ("gcj02", "GCJ02"),
    ("GCJ-02", "GCJ02"),
    ("bd09", "BD09"),
    ("BD-09", "BD09"),
    ("CGCS2000 / 3-degree Gauss-Kruger zone 39", "EPSG:4527"),
])
def test_declared_spellings(spelling: str | int, expected: str) -> None:
    assert resolve_crs(spelling, None) == expected


@pytest.mark.parametrize(("file_crs", "expected"), [
    (pyproj.CRS.from_epsg(4527), "EPSG:4527"),
    (pyproj.CRS("OGC:CRS84"), "EPSG:4326"),
    (pyproj.CRS.from_epsg(4490).to_wkt(), "EPSG:4490"),
    # A shapefile .prj as ArcGIS writes it (ESRI WKT1).
    (pyproj.CRS.from_epsg(4549).to_wkt("WKT1_ESRI"), "EPSG:4549"),
    # CGCS2000 zones written as PROJ strings carry no EPSG code: recognised by their parameters.
    ("+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=40500000 +y_0=0 +ellps=GRS80 +units=m +no_defs", "EPSG:4528"),
    ("+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs", "EPSG:4548"),
    ("+proj=longlat +ellps=GRS80 +no_defs", "EPSG:4490"),
])
def test_file_crs_identified(file_crs: pyproj.CRS | str, expected: str) -> None:
    assert resolve_crs(None, file_crs) == expected


def test_gk_with_other_central_meridian_is_not_taken_for_a_fujian_zone() -> None:
    proj = "+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    with pytest.raises(InvalidInput, match="不接受的坐标系"):
        resolve_crs(None, proj)


def test_declaration_and_file_crs_agreeing() -> None:
    assert resolve_crs("EPSG:4527", pyproj.CRS.from_epsg(4527)) == "EPSG:4527"
    # WGS 84 and CGCS2000 are treated as equal: no conflict, the declaration is kept.
    assert resolve_crs(4490, pyproj.CRS("OGC:CRS84")) == "EPSG:4490"
    # Amap coordinates in a GeoJSON file: the file can only say CRS84, the user says GCJ-02.
    assert resolve_crs("gcj02", pyproj.CRS("OGC:CRS84")) == "GCJ02"
    assert resolve_crs("bd09", "EPSG:4490") == "BD09"


def test_declaration_contradicting_the_file_is_refused_naming_both() -> None:
    with pytest.raises(InvalidInput) as exc:
        resolve_crs("EPSG:4527", pyproj.CRS.from_epsg(4548))
    assert exc.value.detail == ("声明的坐标系 EPSG:4527 与文件的坐标系 EPSG:4548 不一致 / the declared CRS "
                                "EPSG:4527 disagrees with the file's CRS EPSG:4548")
    assert exc.value.status == 422


def test_pseudo_crs_over_a_projected_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"GCJ02 .* EPSG:4549"):
        resolve_crs("GCJ02", pyproj.CRS.from_epsg(4549))


def test_no_crs_at_all_asks_for_a_declaration() -> None:
    with pytest.raises(InvalidInput) as exc:
        resolve_crs(None, None)
    assert "文件没有坐标系信息,请声明坐标系" in exc.value.detail
    assert "the file has no CRS: declare one" in exc.value.detail
    assert all(crs_id in exc.value.detail for crs_id in ACCEPTED)


def test_unaccepted_declaration_lists_the_accepted_ones() -> None:
    with pytest.raises(InvalidInput) as exc:
        resolve_crs(3857, None)
    detail = exc.value.detail
    assert detail.startswith("不接受的坐标系 EPSG:3857")
    assert "CRS EPSG:3857 is not accepted; accepted: EPSG:4490, EPSG:4326, EPSG:4527" in detail
    assert exc.value.extra["accepted"] == list(ACCEPTED)


def test_beijing_1954_file_is_refused_with_a_conversion_hint() -> None:
    with pytest.raises(InvalidInput) as exc:
        resolve_crs(None, pyproj.CRS.from_epsg(2436))  # Beijing 1954 / 3-degree GK CM 117E
    assert "北京54,须先转换为 CGCS2000" in exc.value.detail
    assert "Beijing 1954: convert to CGCS2000 first" in exc.value.detail


def test_unaccepted_file_crs_with_a_declaration_is_a_conflict_naming_both() -> None:
    with pytest.raises(InvalidInput) as exc:
        resolve_crs("EPSG:4527", "EPSG:2436")
    assert "声明的坐标系 EPSG:4527 与文件的坐标系 EPSG:2436 不一致" in exc.value.detail
    assert "disagrees with the file's CRS EPSG:2436, which is not accepted (Beijing 1954" in exc.value.detail


def test_unrecognised_spelling() -> None:
    with pytest.raises(InvalidInput, match=r"无法识别的坐标系 “bd09mc”.* / unrecognised CRS “bd09mc”"):
        resolve_crs("bd09mc", None)


def test_canonical_crs_matches_resolve_for_a_single_value() -> None:
    assert canonical_crs("urn:ogc:def:crs:EPSG::4528") == "EPSG:4528"
    with pytest.raises(InvalidInput):
        canonical_crs("EPSG:4214")  # Beijing 1954 geographic


# --------------------------------------------------------------------------- GCJ-02 / BD-09


def test_wgs84_to_gcj02_reference_points() -> None:
    wgs_lat, wgs_lon, gcj_lat, gcj_lon = GCJ_REFERENCE.T
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    # 1e-8 degree ≈ 1 mm: the formula is deterministic, so it must reproduce the reference to rounding.
    np.testing.assert_allclose(lon, gcj_lon, rtol=0, atol=1e-8)
    np.testing.assert_allclose(lat, gcj_lat, rtol=0, atol=1e-8)


def test_gcj02_to_wgs84_reference_points_exactly_inverted() -> None:
    wgs_lat, wgs_lon, gcj_lat, gcj_lon = GCJ_REFERENCE.T
    lon, lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    # 1e-7 degree ≈ 1 cm. The common one-step inverse misses by up to ~5e-5 degree (~5 m), so this
    # tolerance proves the iteration runs to convergence.
    np.testing.assert_allclose(lon, wgs_lon, rtol=0, atol=1e-7)
    np.testing.assert_allclose(lat, wgs_lat, rtol=0, atol=1e-7)


def test_wgs_gcj_wgs_round_trip_over_fujian() -> None:
    rng = np.random.default_rng(11)
    lon, lat = rng.uniform(115.8, 120.7, 2000), rng.uniform(23.5, 28.3, 2000)
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    # 1e-7 degree ≈ 1 cm, tighter than the 1e-6 degree (~0.1 m) asked of the inversion.
    assert np.abs(back_lon - lon).max() < 1e-7
    assert np.abs(back_lat - lat).max() < 1e-7


def test_gcj02_offset_in_fujian_is_hundreds_of_metres() -> None:
    lon, lat = wgs84_to_gcj02([117.65, 119.3, 118.1], [24.1, 26.08, 24.48])
    _, _, dist = pyproj.Geod(ellps="GRS80").inv([117.65, 119.3, 118.1], [24.1, 26.08, 24.48], lon, lat)
    assert ((dist > 300) & (dist < 700)).all(), dist  # DOMAIN.md §1: roughly 300–700 m in Fujian


def test_outside_china_no_offset() -> None:
    lon, lat = wgs84_to_gcj02([139.7, 2.35], [35.7, 48.86])  # Tokyo, Paris
    np.testing.assert_array_equal(lon, [139.7, 2.35])
    np.testing.assert_array_equal(lat, [35.7, 48.86])


def test_bd09_formulas_match_coordtransform_reference() -> None:
    # Values of the widely used coordtransform library (wandergis), same public formulas.
    np.testing.assert_allclose(bd09_to_gcj02(116.404, 39.915), (116.39762729119315, 39.90865673957631),
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(gcj02_to_bd09(116.404, 39.915), (116.41036949371029, 39.92133699351021),
                               rtol=0, atol=1e-9)


def test_bd09_real_world_pair_beijing_railway_station() -> None:
    # Beijing railway station as read off Amap (GCJ-02) and Baidu (BD-09), 5 decimals each:
    # 1.5e-5 degree ≈ 1.5 m covers the rounding of the published values.
    np.testing.assert_allclose(gcj02_to_bd09(116.42703, 39.90245), (116.43351, 39.90851), rtol=0, atol=1.5e-5)
    np.testing.assert_allclose(bd09_to_gcj02(116.43351, 39.90851), (116.42703, 39.90245), rtol=0, atol=1.5e-5)


def test_bd09_round_trip() -> None:
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(115.8, 120.7, 500), rng.uniform(23.5, 28.3, 500)
    back_lon, back_lat = gcj02_to_wgs84(*bd09_to_gcj02(*gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))))
    # The published BD-09 inverse is itself approximate: 2e-6 degree ≈ 0.2 m bounds its error.
    assert np.abs(back_lon - lon).max() < 2e-6
    assert np.abs(back_lat - lat).max() < 2e-6


def test_eviltransform_bd_pairs_come_from_a_variant_formula(monkeypatch: pytest.MonkeyPatch) -> None:
    """The BD-09 → WGS 84 pairs shipped with eviltransform (BD_REFERENCE) are off by up to 3.6e-4 degree
    (~40 m) from the public formula with x_pi = π·3000/180. They are reproduced to 1e-9 degree by
    eviltransform's own variant, which uses π instead of x_pi and the one-step GCJ-02 inverse; so they
    cannot serve as a check of the real formula (verified above against coordtransform instead)."""
    bd_lat, bd_lon, wgs_lat, wgs_lon = BD_REFERENCE.T
    _, lat = gcj02_to_wgs84(*bd09_to_gcj02(bd_lon, bd_lat))
    assert np.abs(lat - wgs_lat).max() > 1e-4  # ~11 m and more: not a rounding difference

    monkeypatch.setattr(crs, "X_PI", np.pi)
    g_lon, g_lat = bd09_to_gcj02(bd_lon, bd_lat)
    f_lon, f_lat = wgs84_to_gcj02(g_lon, g_lat)
    one_step_lon, one_step_lat = 2 * g_lon - f_lon, 2 * g_lat - f_lat
    np.testing.assert_allclose(one_step_lon, wgs_lon, rtol=0, atol=1e-9)
    np.testing.assert_allclose(one_step_lat, wgs_lat, rtol=0, atol=1e-9)
    # And our exact inverse lies within 1.2e-5 degree (~1.3 m) of eviltransform's one-step inverse.
    exact_lon, exact_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert np.abs(exact_lon - wgs_lon).max() < 1.2e-5
    assert np.abs(exact_lat - wgs_lat).max() < 1.2e-5


def test_conversions_are_vectorised_and_keep_shape() -> None:
    lon = np.full((3, 4), 118.0)
    lat = np.full((3, 4), 25.0)
    for func in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02):
        out_lon, out_lat = func(lon, lat)
        assert out_lon.shape == (3, 4) and out_lat.shape == (3, 4)
        assert not np.allclose(out_lon, lon)


# --------------------------------------------------------------------------- geometries

# (lon, lat) near Zhangpu in zone 39 and near Putian in zone 40, with their GK coordinates from PROJ
# (cross-checked against PROJ's independent +approx Transverse Mercator algorithm to 1e-8 m, and to a
# first-order hand calculation N·cosφ·Δλ ≈ 66 086 m for the Zhangpu easting offset).
ZHANGPU = (117.65, 24.10, 39_566_088.39778529, 2_666_517.6251418497)
PUTIAN = (119.0, 25.0, 40_399_046.591940954, 2_766_426.514559191)


@pytest.mark.parametrize(("point", "prefixed_id", "plain_id", "zone"), [
    (ZHANGPU, "EPSG:4527", "EPSG:4548", 39),
    (PUTIAN, "EPSG:4528", "EPSG:4549", 40),
])
def test_gauss_kruger_to_and_from_storage(point: tuple[float, float, float, float], prefixed_id: str,
                                          plain_id: str, zone: int) -> None:
    lon, lat, x, y = point
    stored = np.array([shapely.Point(lon, lat)], dtype=object)
    for crs_id, easting in ((prefixed_id, x), (plain_id, x - zone * 1_000_000)):
        out = from_storage(stored, crs_id)
        assert shapely.get_x(out[0]) == pytest.approx(easting, abs=0.001)  # 1 mm
        assert shapely.get_y(out[0]) == pytest.approx(y, abs=0.001)
        back = to_storage(np.array([shapely.Point(easting, y)], dtype=object), crs_id)
        assert shapely.get_x(back[0]) == pytest.approx(lon, abs=1e-9)  # ~0.1 mm
        assert shapely.get_y(back[0]) == pytest.approx(lat, abs=1e-9)


def test_to_storage_gcj02_and_bd09_polygons() -> None:
    ring = [(118.08, 24.48), (118.09, 24.48), (118.09, 24.49), (118.08, 24.48)]
    wgs = shapely.Polygon(ring)
    x, y = np.array(ring).T
    gcj = shapely.Polygon(np.column_stack(wgs84_to_gcj02(x, y)))
    bd = shapely.Polygon(np.column_stack(gcj02_to_bd09(*wgs84_to_gcj02(x, y))))
    out = to_storage(np.array([gcj, bd], dtype=object), "GCJ02")
    assert shapely.equals_exact(out[0], wgs, tolerance=1e-7)
    assert not shapely.equals_exact(out[1], wgs, tolerance=1e-3), "BD-09 taken as GCJ-02 stays ~1 km off"
    out = to_storage(np.array([bd], dtype=object), "bd09")
    np.testing.assert_allclose(shapely.get_coordinates(out[0]), ring, rtol=0, atol=2e-6)


def test_to_storage_keeps_none_and_drops_z() -> None:
    geoms = np.array([shapely.Point(39_566_088.4, 2_666_517.6, 12.5), None], dtype=object)
    out = to_storage(geoms, "EPSG:4527")
    assert out[1] is None
    assert not shapely.has_z(out[0])
    assert shapely.get_x(out[0]) == pytest.approx(117.65, abs=1e-7)
    out = to_storage(np.array([shapely.Point(118.0, 25.0, 3.0)], dtype=object), "EPSG:4326")
    assert not shapely.has_z(out[0]) and shapely.get_x(out[0]) == 118.0


def test_from_storage_refuses_gcj02_and_bd09() -> None:
    stored = np.array([shapely.Point(118.0, 25.0)], dtype=object)
    for crs_id in ("GCJ02", "bd-09"):
        with pytest.raises(InvalidInput, match=r"不输出 (GCJ02|BD09) 坐标.* / (GCJ02|BD09) is never output"):
            from_storage(stored, crs_id)


def test_to_storage_refuses_unaccepted_crs() -> None:
    with pytest.raises(InvalidInput, match="EPSG:3857"):
        to_storage(np.array([shapely.Point(0, 0)], dtype=object), "EPSG:3857")


def test_transformers_are_cached() -> None:
    assert crs.cached_transformer("EPSG:4527", "EPSG:4490") is crs.cached_transformer("EPSG:4527", "EPSG:4490")
