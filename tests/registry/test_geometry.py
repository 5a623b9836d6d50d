"""Geometry rules of imports and edits (registry/geometry.py)."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from registry.config import Extent
from registry.crs import gcj02_to_bd09, wgs84_to_gcj02
from registry.geometry import GeometryIssue, normalise_geometries, swapped_or_outside

P = shapely.Point
# Zhangpu (lon 117.65, lat 24.10) in CGCS2000 GK zone 39 with the zone prefix (EPSG:4527), from PROJ.
ZHANGPU_X, ZHANGPU_Y = 39_566_088.398, 2_666_517.625
BOW_TIE = shapely.Polygon([(118.0, 24.0), (118.1, 24.1), (118.1, 24.0), (118.0, 24.1), (118.0, 24.0)])


def run(geoms: list, crs_id: str = "EPSG:4490", expected: str | None = "MULTIPOLYGON",
        **kw: object) -> tuple[np.ndarray, list[GeometryIssue], list[GeometryIssue]]:
    return normalise_geometries(np.array(geoms, dtype=object), crs_id, expected, **kw)


def only_error(geoms: list, crs_id: str = "EPSG:4490", expected: str | None = "POINT", **kw) -> str:
    """The one error the geometries produce (asserting there is exactly one)."""
    out, errors, _ = run(geoms, crs_id, expected, **kw)
    assert len(errors) == 1, errors
    assert out[errors[0].index] is None, "a geometry with an error is never returned"
    return errors[0].problem


# --------------------------------------------------------------------------- accepted geometries


def test_valid_point_passes_unchanged() -> None:
    out, errors, repairs = run([P(117.6, 24.1)], expected="POINT")
    assert errors == [] and repairs == []
    assert out[0].equals(P(117.6, 24.1))


def test_polygon_promoted_to_multipolygon() -> None:
    box = shapely.box(118.0, 24.0, 118.1, 24.1)
    out, errors, repairs = run([box])
    assert errors == [] and repairs == []
    assert out[0].geom_type == "MultiPolygon"
    assert shapely.get_num_geometries(out[0]) == 1 and out[0].geoms[0].equals(box)


def test_linestring_promoted_to_multilinestring() -> None:
    line = shapely.LineString([(118.0, 24.0), (118.1, 24.1)])
    out, errors, _ = run([line], expected="MULTILINESTRING")
    assert errors == [] and out[0].geom_type == "MultiLineString"


def test_one_part_multipoint_demoted_for_a_point_layer() -> None:
    out, errors, _ = run([shapely.MultiPoint([(118.0, 24.5)])], expected="POINT")
    assert errors == [] and out[0].geom_type == "Point"
    problem = only_error([shapely.MultiPoint([(118.0, 24.5), (118.1, 24.5)])])
    assert problem == "几何类型规则:应为 Point,实为 MultiPoint / geometry type rule: expected Point, found MultiPoint"


def test_z_is_dropped() -> None:
    out, errors, _ = run([P(118.0, 25.0, 30.0)], expected="POINT")
    assert errors == [] and not shapely.has_z(out[0])


def test_output_is_aligned_with_input_and_errors_sorted() -> None:
    geoms = [P(113.9, 22.5), P(118.0, 25.0), None, P(24.1, 117.6), P(119.0, 26.0)]
    out, errors, _ = run(geoms, expected="POINT")
    assert [e.index for e in errors] == [0, 2, 3]
    assert out[0] is None and out[2] is None and out[3] is None
    assert out[1].equals(P(118.0, 25.0)) and out[4].equals(P(119.0, 26.0))


# --------------------------------------------------------------------------- refusals


def test_missing_geometry_refused_unless_allowed() -> None:
    assert only_error([None]) == "空几何规则:缺少几何 / empty geometry rule: the geometry is missing (null)"
    out, errors, _ = run([None], expected="POINT", allow_missing=True)
    assert errors == [] and out[0] is None


def test_empty_geometry_refused_even_when_missing_is_allowed() -> None:
    problem = only_error([shapely.Polygon()], expected="MULTIPOLYGON", allow_missing=True)
    assert problem == "空几何规则:几何为空 / empty geometry rule: the geometry is empty"


def test_wrong_type_names_found_and_expected() -> None:
    problem = only_error([shapely.LineString([(118.0, 24.0), (118.1, 24.1)])], expected="MULTIPOLYGON")
    assert problem == ("几何类型规则:应为 MultiPolygon,实为 LineString / geometry type rule: expected "
                       "MultiPolygon, found LineString")


def test_layer_without_geometry_refuses_any_geometry() -> None:
    out, errors, _ = run([None, P(118.0, 25.0)], expected=None)
    assert errors == [GeometryIssue(1, "几何规则:此图层没有几何 / geometry rule: this layer has no geometry")]
    assert list(out) == [None, None]


def test_swapped_lon_lat_reported() -> None:
    problem = only_error([P(24.1, 117.6)])
    assert problem == "坐标规则:经纬度顺序颠倒 / axis order rule: longitude and latitude swapped"


def test_shenzhen_is_outside_fujian() -> None:
    problem = only_error([P(113.9, 22.5)])
    assert problem.startswith("范围规则:超出福建范围,范围为 113.9–113.9°E, 22.5–22.5°N")
    assert "extent rule: outside Fujian, bounds 113.9–113.9°E, 22.5–22.5°N, expected within " \
           "115.5–122.0°E, 23.0–28.6°N" in problem


def test_polygon_crossing_the_extent_is_outside() -> None:
    # Starts in Fujian, ends in Guangdong: its bounds, not its first point, decide.
    problem = only_error([shapely.box(114.5, 24.0, 116.0, 24.5)], expected="MULTIPOLYGON")
    assert "114.5–116°E" in problem


def test_extent_is_configurable() -> None:
    xiamen_only = Extent(west=117.8, south=24.3, east=118.4, north=24.8)
    problem = only_error([P(119.3, 26.08)], extent=xiamen_only)  # Fuzhou
    assert "117.8–118.4°E, 24.3–24.8°N" in problem


def test_unknown_layer_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown layer geometry type"):
        run([P(118.0, 25.0)], expected="MULTIPOINTZ")


# --------------------------------------------------------------------------- Gauss-Kruger


def test_gauss_kruger_zone_39_point_stored_in_lon_lat() -> None:
    out, errors, _ = run([P(ZHANGPU_X, ZHANGPU_Y)], "EPSG:4527", "POINT")
    assert errors == []
    assert (shapely.get_x(out[0]), shapely.get_y(out[0])) == pytest.approx((117.65, 24.10), abs=1e-8)
    out, errors, _ = run([P(ZHANGPU_X - 39_000_000, ZHANGPU_Y)], "EPSG:4548", "POINT")
    assert errors == [] and shapely.get_x(out[0]) == pytest.approx(117.65, abs=1e-8)


def test_zone_prefix_missing() -> None:
    problem = only_error([P(566_088.398, ZHANGPU_Y)], "EPSG:4527")
    assert problem == ("坐标规则:横坐标 x=566088.398 缺少带号,应声明为 EPSG:4548 / zone prefix rule: easting "
                       "x=566088.398 lacks the zone prefix 39; declare EPSG:4548")


def test_zone_prefix_present_without_declaring_it() -> None:
    problem = only_error([P(ZHANGPU_X, ZHANGPU_Y)], "EPSG:4548")
    assert problem == ("坐标规则:横坐标 x=39566088.398 带有带号 39,应声明为 EPSG:4527 / zone prefix rule: easting "
                       "x=39566088.398 carries the zone prefix 39; declare EPSG:4527")


def test_zone_prefix_contradicting_the_declared_zone() -> None:
    problem = only_error([P(40_399_046.592, 2_766_426.515)], "EPSG:4527")
    assert "带号 40 与声明的第 39 带(EPSG:4527)不符,应声明为 EPSG:4528" in problem
    assert "has zone prefix 40, but EPSG:4527 is zone 39; declare EPSG:4528" in problem


def test_gauss_kruger_northing_and_easting_swapped() -> None:
    problem = only_error([P(ZHANGPU_Y, ZHANGPU_X)], "EPSG:4527")
    assert problem.startswith("坐标规则:纵横坐标顺序颠倒")
    assert "northing and easting swapped" in problem


def test_gauss_kruger_seven_digit_easting_lands_outside() -> None:
    # A 7-digit easting (700 km east of CM 117°E) is neither prefixed nor 500 000-based: ~7° east, outside.
    problem = only_error([P(1_200_000.0, ZHANGPU_Y)], "EPSG:4548")
    assert problem.startswith("范围规则:超出福建范围")


# --------------------------------------------------------------------------- GCJ-02 / BD-09


def test_gcj02_declared_points_are_shifted_back_to_cgcs2000() -> None:
    wgs_lon, wgs_lat = 118.1, 24.48  # Xiamen
    gcj_lon, gcj_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    out, errors, _ = run([P(gcj_lon, gcj_lat)], "GCJ02", "POINT")
    assert errors == []
    assert (shapely.get_x(out[0]), shapely.get_y(out[0])) == pytest.approx((wgs_lon, wgs_lat), abs=1e-7)
    _, _, shift = pyproj.Geod(ellps="GRS80").inv(gcj_lon, gcj_lat, wgs_lon, wgs_lat)
    assert 300 < shift < 700, "the point moved by the GCJ-02 offset"

    bd_lon, bd_lat = gcj02_to_bd09(gcj_lon, gcj_lat)
    out, errors, _ = run([P(bd_lon, bd_lat)], "BD09", "POINT")
    assert errors == [] and shapely.get_x(out[0]) == pytest.approx(wgs_lon, abs=2e-6)


def test_gcj02_swapped_point_reported_as_swapped() -> None:
    assert "longitude and latitude swapped" in only_error([P(24.48, 118.1)], "GCJ02")


# --------------------------------------------------------------------------- validity and repair


def test_bow_tie_refused_with_reason_and_location() -> None:
    problem = only_error([BOW_TIE], expected="MULTIPOLYGON")
    assert problem == "几何无效:自相交 于 (118.05, 24.05) / invalid geometry: Self-intersection[118.05 24.05]"


def test_bow_tie_repaired_into_two_triangles() -> None:
    out, errors, repairs = run([BOW_TIE], repair=True)
    assert errors == []
    assert len(repairs) == 1 and repairs[0].repaired and repairs[0].index == 0
    assert repairs[0].problem == ("几何有效性规则:已修复 自相交 于 (118.05, 24.05),修复后为 2 个面 / validity "
                                  "rule: repaired Self-intersection[118.05 24.05]; now 2 polygon part(s)")
    fixed = out[0]
    assert fixed.geom_type == "MultiPolygon" and fixed.is_valid
    assert shapely.get_num_geometries(fixed) == 2
    assert fixed.area == pytest.approx(2 * 0.1 * 0.05 / 2)  # two triangles of the 0.1° box


def test_bow_tie_on_a_single_polygon_layer_is_not_fixable() -> None:
    # Repair yields two polygons, which a POLYGON layer cannot hold.
    out, errors, repairs = run([BOW_TIE], expected="POLYGON", repair=True)
    assert repairs == [] and out[0] is None
    assert errors[0].problem.startswith("几何有效性规则:无法修复(自相交 于 (118.05, 24.05))")
    assert "validity rule: not fixable (Self-intersection[118.05 24.05]): the repaired geometry is empty " \
           "or not a Polygon" in errors[0].problem


def test_collapsed_polygon_is_not_fixable() -> None:
    # Exactly collinear (binary-exact coordinates): a ring without area.
    flat = shapely.Polygon([(118.0, 24.0), (118.5, 24.5), (119.0, 25.0), (118.0, 24.0)])
    out, errors, repairs = run([flat], repair=True)
    assert repairs == [] and out[0] is None
    assert "无法修复" in errors[0].problem and "not fixable" in errors[0].problem


def test_repair_keeps_only_polygons_and_reports_dropped_parts() -> None:
    # A polygon with a dangling spike: make_valid leaves the square plus a line, the line is dropped.
    spiky = shapely.Polygon([(118.0, 24.0), (118.1, 24.0), (118.1, 24.1), (118.2, 24.2), (118.1, 24.1),
                             (118.0, 24.1), (118.0, 24.0)])
    out, errors, repairs = run([spiky], repair=True)
    assert errors == [] and len(repairs) == 1
    assert out[0].geom_type == "MultiPolygon" and out[0].is_valid
    assert out[0].area == pytest.approx(0.01)
    assert "修复后为 1 个面" in repairs[0].problem


def test_valid_geometries_are_not_reported_as_repaired() -> None:
    out, errors, repairs = run([shapely.box(118.0, 24.0, 118.1, 24.1), BOW_TIE], repair=True)
    assert errors == [] and [r.index for r in repairs] == [1]
    assert out[0].equals(shapely.box(118.0, 24.0, 118.1, 24.1))


# --------------------------------------------------------------------------- helper


def test_swapped_or_outside() -> None:
    swapped, outside = swapped_or_outside([117.6, 24.1, 113.9, np.nan], [24.1, 117.6, 22.5, 25.0])
    assert swapped.tolist() == [False, True, False, False]
    assert outside.tolist() == [False, False, True, True]
