"""Property tests (hypothesis) of the rules every write passes: CRS round trips, swapped-axis detection,
polygon validity and repair, attribute coercion. Each property holds for every input hypothesis draws,
not only for the hand-picked ones of test_crs.py and test_geometry.py.

Tolerances: 1e-9 degree ≈ 0.1 mm, 1e-7 degree ≈ 1 cm in Fujian.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String

from layers import LAYERS
from layers.base import Feature, editable_attributes
from registry import Registry
from registry.config import FUJIAN
from registry.crs import GAUSS_KRUGER, from_storage, gcj02_to_wgs84, to_storage, wgs84_to_gcj02
from registry.errors import InvalidInput
from registry.geometry import normalise_geometries
from registry.validation import check_frame, check_properties

EXTENT = FUJIAN
PROPERTY = settings(max_examples=200, deadline=None)

lons = st.floats(EXTENT.west, EXTENT.east, allow_nan=False)
lats = st.floats(EXTENT.south, EXTENT.north, allow_nan=False)
points = st.tuples(lons, lats)
"""Any lon/lat inside Fujian's extent (land and sea)."""
point_lists = st.lists(points, min_size=1, max_size=20)


def _xy(geoms: Any) -> np.ndarray:
    return shapely.get_coordinates(np.asarray(geoms, dtype=object))


MARGIN = 1e-6
"""Kept from the extent's edges where a round trip's last bits could carry a point across (~0.1 m)."""


def _in_zone_band(crs_id: str) -> st.SearchStrategy[tuple[float, float]]:
    """Points of Fujian within a zone's own 3° band (central meridian ± 1.5°), where surveys use it."""
    cm = GAUSS_KRUGER[crs_id].central_meridian
    west, east = max(EXTENT.west, cm - 1.5) + MARGIN, min(EXTENT.east, cm + 1.5) - MARGIN
    return st.tuples(st.floats(west, east), st.floats(EXTENT.south + MARGIN, EXTENT.north - MARGIN))


# --------------------------------------------------------------------------- CRS round trips


@pytest.mark.parametrize("crs_id", sorted(GAUSS_KRUGER))
@PROPERTY
@given(lonlat=point_lists)
def test_gauss_kruger_round_trip(crs_id: str, lonlat: list[tuple[float, float]]) -> None:
    """4490 → zone → 4490 loses nothing measurable anywhere in Fujian's extent, even 5° off the meridian."""
    stored = shapely.points(np.array(lonlat))
    projected = from_storage(stored, crs_id)
    assert np.isfinite(_xy(projected)).all()
    back = to_storage(projected, crs_id)
    np.testing.assert_allclose(_xy(back), np.array(lonlat), rtol=0, atol=1e-9)


@pytest.mark.parametrize("crs_id", sorted(GAUSS_KRUGER))
@PROPERTY
@given(data=st.data())
def test_gauss_kruger_import_lands_where_it_was(crs_id: str, data: st.DataObject) -> None:
    """A point surveyed in its zone passes the import rules and is stored where it was (zone prefix kept)."""
    lon, lat = data.draw(_in_zone_band(crs_id))
    projected = from_storage(np.array([Point(lon, lat)], dtype=object), crs_id)
    stored, errors, _ = normalise_geometries(projected, crs_id, "POINT")
    assert not errors
    assert abs(stored[0].x - lon) <= 1e-9 and abs(stored[0].y - lat) <= 1e-9


@PROPERTY
@given(lonlat=point_lists)
def test_gcj02_forward_then_inverse(lonlat: list[tuple[float, float]]) -> None:
    lon, lat = np.array(lonlat).T
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert np.max(np.hypot(g_lon - lon, g_lat - lat)) > 1e-4  # the ~500 m shift is really applied
    w_lon, w_lat = gcj02_to_wgs84(g_lon, g_lat)
    np.testing.assert_allclose(w_lon, lon, rtol=0, atol=1e-7)
    np.testing.assert_allclose(w_lat, lat, rtol=0, atol=1e-7)


@PROPERTY
@given(lonlat=point_lists)
def test_gcj02_inverse_then_forward(lonlat: list[tuple[float, float]]) -> None:
    """Coordinates copied from Amap, converted for storage, show up at the same place on Amap again."""
    lon, lat = np.array(lonlat).T
    f_lon, f_lat = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    np.testing.assert_allclose(f_lon, lon, rtol=0, atol=1e-7)
    np.testing.assert_allclose(f_lat, lat, rtol=0, atol=1e-7)


# --------------------------------------------------------------------------- swapped axes

SWAPPED = re.compile(r"swapped")


@PROPERTY
@given(lonlat=points, crs_id=st.sampled_from(["EPSG:4490", "EPSG:4326"]))
def test_swapped_lon_lat_is_reported_and_never_returned(lonlat: tuple[float, float], crs_id: str) -> None:
    lon, lat = lonlat
    stored, errors, _ = normalise_geometries(np.array([Point(lat, lon)], dtype=object), crs_id, "POINT")
    assert stored[0] is None
    assert len(errors) == 1 and SWAPPED.search(errors[0].problem), errors


@pytest.mark.parametrize("crs_id", sorted(GAUSS_KRUGER))
@PROPERTY
@given(data=st.data())
def test_swapped_easting_northing_is_reported(crs_id: str, data: st.DataObject) -> None:
    lon, lat = data.draw(_in_zone_band(crs_id))
    (x, y), = _xy(from_storage(np.array([Point(lon, lat)], dtype=object), crs_id))
    stored, errors, _ = normalise_geometries(np.array([Point(y, x)], dtype=object), crs_id, "POINT")
    assert stored[0] is None
    assert len(errors) == 1 and SWAPPED.search(errors[0].problem), errors


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lonlat=points)
def test_swapped_point_is_never_stored(reg: Registry, lonlat: tuple[float, float]) -> None:
    """Through the registry's own write path: refused with the reason, and the layer stays empty."""
    lon, lat = lonlat
    props = {"code": "SWAP-1", "name": "颠倒的排口", "county_code": "350623", "receiving_kind": "sea",
             "outfall_class": "other", "status": "surveyed"}
    with pytest.raises(InvalidInput, match="swapped"):
        reg.layer("outfalls").create(props, Point(lat, lon))
    assert reg.layer("outfalls").count() == 0


# --------------------------------------------------------------------------- polygon validity


@st.composite
def star_polygons(draw: st.DrawFn) -> Polygon:
    """A simple polygon: vertices at increasing angles around a centre in Fujian, random radii. Every
    angular gap stays under 180°, so the centre sees every edge (star-shaped) and no edge can cross another."""
    lon, lat = draw(st.tuples(st.floats(116.0, 121.5), st.floats(23.5, 28.0)))
    n = draw(st.integers(4, 12))
    steps = draw(st.lists(st.floats(0.5, 1.0), min_size=n, max_size=n))
    radii = draw(st.lists(st.floats(1e-4, 0.05), min_size=n, max_size=n))
    angles = np.cumsum(steps) / np.sum(steps) * 2 * math.pi
    ring = [(lon + r * math.cos(a), lat + r * math.sin(a)) for a, r in zip(angles, radii, strict=True)]
    return Polygon(ring)


@st.composite
def bow_ties(draw: st.DrawFn) -> Polygon:
    """A convex quadrilateral ABCD (corners on an ellipse) drawn in the order A, C, B, D: it crosses itself."""
    lon, lat = draw(st.tuples(st.floats(116.0, 121.5), st.floats(23.5, 28.0)))
    rx, ry = draw(st.floats(1e-3, 0.05)), draw(st.floats(1e-3, 0.05))
    steps = draw(st.lists(st.floats(0.3, 1.0), min_size=4, max_size=4))
    angles = np.cumsum(steps) / np.sum(steps) * 2 * math.pi
    a, b, c, d = [(lon + rx * math.cos(t), lat + ry * math.sin(t)) for t in angles]
    return Polygon([a, c, b, d])


@PROPERTY
@given(polygon=star_polygons())
def test_valid_polygons_pass_unchanged(polygon: Polygon) -> None:
    assert polygon.is_valid
    geoms = np.array([polygon], dtype=object)
    single, errors, repairs = normalise_geometries(geoms, "EPSG:4490", "POLYGON")
    assert not errors and not repairs
    assert shapely.equals_exact(single[0], polygon, tolerance=0)
    multi, errors, repairs = normalise_geometries(geoms, "EPSG:4490", "MULTIPOLYGON", repair=True)
    assert not errors and not repairs
    assert len(multi[0].geoms) == 1 and shapely.equals_exact(multi[0].geoms[0], polygon, tolerance=0)


@PROPERTY
@given(polygon=bow_ties())
def test_bow_ties_are_refused_then_repaired(polygon: Polygon) -> None:
    assert not polygon.is_valid
    geoms = np.array([polygon], dtype=object)
    refused, errors, _ = normalise_geometries(geoms, "EPSG:4490", "MULTIPOLYGON")
    assert refused[0] is None
    assert len(errors) == 1 and "自相交" in errors[0].problem and "Self-intersection" in errors[0].problem
    repaired, errors, repairs = normalise_geometries(geoms, "EPSG:4490", "MULTIPOLYGON", repair=True)
    assert not errors and len(repairs) == 1 and repairs[0].repaired
    fixed = repaired[0]
    assert fixed.geom_type == "MultiPolygon" and fixed.is_valid and len(fixed.geoms) == 2
    # The two triangles of the bow-tie: nothing of the surveyed outline is lost.
    assert fixed.boundary.length == pytest.approx(polygon.exterior.length, rel=1e-9)


# --------------------------------------------------------------------------- attribute coercion

TYPED = (Integer, BigInteger, Numeric, Date, DateTime, Boolean)
TYPED_FIELDS = sorted((name, field) for name, model in LAYERS.items() for field in editable_attributes(model)
                      if isinstance(model.__table__.c[field].type, TYPED))
"""(layer, attribute) of every attribute that is not text, in every layer: discovered, never listed."""

number_like = st.from_regex(r"\s?[+-]?(\d{1,25}(\.\d{0,12})?|\.\d{1,6}|inf|Infinity|nan|sNaN)([eE][+-]?\d{1,4})?\s?",
                            fullmatch=True)
raw_values = st.one_of(st.text(max_size=40), number_like, st.integers().map(str), st.floats().map(str),
                       st.decimals().map(str), st.dates().map(str))
INT_RANGE = {Integer: 2 ** 31, BigInteger: 2 ** 63}
INTERNALS = re.compile(r"<class|Traceback|decimal\.|Exceeds the limit")


def _fits(column_type: Any, value: Any) -> bool:
    """Whether PostgreSQL will store ``value`` in a column of ``column_type`` (instead of failing the write)."""
    if value is None:
        return True
    for kind, bound in INT_RANGE.items():
        if type(column_type) is kind:
            return isinstance(value, int) and -bound <= value < bound
    if isinstance(column_type, Numeric):
        if not isinstance(value, Decimal) or not value.is_finite():
            return False
        digits = column_type.precision - (column_type.scale or 0)
        return abs(value) < Decimal(10) ** digits
    if isinstance(column_type, DateTime):
        return isinstance(value, datetime)
    if isinstance(column_type, Date):
        return isinstance(value, date)
    return isinstance(value, bool)


@settings(max_examples=500, deadline=None)
@given(target=st.sampled_from(TYPED_FIELDS), raw=raw_values)
@example(target=("eldercare_facilities", "beds"), raw="Infinity")
@example(target=("eldercare_facilities", "beds"), raw="十张")
@example(target=("eldercare_facilities", "beds"), raw="1e99999")
@example(target=("eldercare_facilities", "beds"), raw="3000000000")
@example(target=("land_parcels", "declared_ha"), raw="1e999999")
@example(target=("land_parcels", "declared_ha"), raw="123456789012")
def test_typed_fields_give_a_clear_problem_never_an_exception(target: tuple[str, str], raw: str) -> None:
    """Any text sent for a number, date or flag is either stored as a value the column can hold or
    refused with a bilingual problem naming the field; it never raises and never reaches the database
    as a value PostgreSQL would refuse (a 500 instead of a 422)."""
    name, field = target
    model: type[Feature] = LAYERS[name]
    clean, issues = check_properties(model, {field: raw}, partial=True)
    column_type = model.__table__.c[field].type
    if field in clean:
        assert not issues
        assert _fits(column_type, clean[field]), f"{name}.{field} accepted {raw!r}, which the column cannot hold"
    else:
        assert [i.field for i in issues] == [field]
        problem = issues[0].problem
        assert " / " in problem and re.search(r"[\u4e00-\u9fff]", problem), problem
        assert not INTERNALS.search(problem), problem


SCALAR_FIELDS = sorted((name, field) for name, model in LAYERS.items() for field in editable_attributes(model)
                       if isinstance(model.__table__.c[field].type, (String, *TYPED)))
"""Every attribute held in a scalar column (an ARRAY or JSON attribute would take lists and objects)."""
json_containers = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
                               lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                               max_leaves=6).filter(lambda v: isinstance(v, list | dict))


@settings(max_examples=300, deadline=None)
@given(target=st.sampled_from(SCALAR_FIELDS), raw=json_containers)
def test_json_objects_and_arrays_are_refused_not_stored_as_text(target: tuple[str, str], raw: Any) -> None:
    """A JSON object or array sent for a scalar attribute is a problem, never stored as its Python
    spelling ("{}", "[None, None]")."""
    name, field = target
    clean, issues = check_properties(LAYERS[name], {field: raw}, partial=True)
    assert field not in clean, f"{name}.{field} stored {raw!r} as {clean.get(field)!r}"
    assert [i.field for i in issues] == [field]


mixed_values = st.one_of(raw_values, st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True),
                         st.sampled_from(["", " ", "1", "1.0", "true", "是", "2024-05-01"]),
                         st.lists(st.integers(), max_size=2))
"""What a file or a JSON body may hold in one column, types mixed (1, 1.0, True and "1" must stay apart)."""


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(LAYERS)), data=st.data())
def test_checking_a_whole_file_equals_checking_each_feature(name: str, data: st.DataObject) -> None:
    """check_frame checks each distinct value once; it must give exactly what check_properties gives row
    by row: the same clean values (and types) and the same problems, numbered by row."""
    model: type[Feature] = LAYERS[name]
    fields = sorted(editable_attributes(model))
    rows = data.draw(st.integers(1, 6))
    column = st.lists(st.one_of(mixed_values, st.sampled_from(["a", "1", "2024-01-02"])), min_size=rows,
                      max_size=rows)
    frame = pd.DataFrame({f: data.draw(column, label=f) for f in fields}, dtype=object)
    clean, issues = check_frame(model, frame)
    expected = []
    for i, record in enumerate(frame.to_dict("records"), start=1):
        row_clean, row_issues = check_properties(model, record, feature=i)
        expected += row_issues
        for field in fields:
            got = clean[field][i - 1]
            if field in row_clean:
                assert got == row_clean[field] and type(got) is type(row_clean[field]), (field, record[field])
            else:
                assert got is None, (field, record[field], got)
    key = lambda i: (i.feature, i.field, i.problem)  # noqa: E731
    assert sorted(issues, key=key) == sorted(expected, key=key)


def test_a_required_column_missing_from_a_file_is_one_problem() -> None:
    clean, issues = check_frame(LAYERS["outfalls"], pd.DataFrame({"name": ["甲"] * 1000}))
    required = [f for f, rule in editable_attributes(LAYERS["outfalls"]).items() if rule.required and f != "name"]
    assert sorted(i.field for i in issues) == sorted(required)
    assert all(i.feature is None and "没有此列" in i.problem for i in issues)
    assert list(clean["name"]) == ["甲"] * 1000
