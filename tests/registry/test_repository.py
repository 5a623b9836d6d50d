"""CRUD with history, as-of reads and the refusal of stale updates, on the real database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import shapely
import shapely.ops
from pyproj import Geod, Transformer
from shapely.geometry import Point, box
from sqlalchemy import text

from registry.errors import InvalidInput, NotFound, StaleVersion

OUTFALL = {"code": "350623-GL-001", "name": "古雷港口村排口", "county_code": "350623", "receiving_kind": "sea",
           "outfall_class": "industrial", "subclass": "industrial_enterprise", "status": "surveyed"}


def test_create_read_update_delete_keeps_every_version(reg):
    layer = reg.layer("outfalls")
    first = layer.create(OUTFALL, Point(117.60, 23.76))
    assert (first.fid, first.version) == (1, 1)
    assert first.properties["name"] == "古雷港口村排口"
    assert first.geometry.equals(Point(117.60, 23.76))

    second = layer.update(first.fid, {"status": "traced"}, base_version=1, author="张三", source="test patch")
    assert second.version == 2
    assert second.properties["status"] == "traced"
    assert second.properties["name"] == OUTFALL["name"], "a patch keeps the attributes it does not name"

    layer.delete(first.fid, base_version=2, author="李四", source="test delete")
    with pytest.raises(NotFound):
        layer.get(first.fid)
    assert layer.count() == 0

    history = layer.history(first.fid)
    assert [(h.version, h.properties["status"], h.deleted) for h in history] == [
        (1, "surveyed", False), (2, "traced", False), (3, "traced", True)]
    assert [h.author for h in history] == ["tester", "张三", "李四"]
    assert history[1].source == "test patch"


def test_as_of_reads_the_layer_as_it_stood(reg):
    layer = reg.layer("outfalls")
    v1 = layer.create(OUTFALL, Point(117.60, 23.76))
    v2 = layer.update(v1.fid, {"name": "古雷排口(更名)"}, base_version=1)
    before_create = v1.valid_from - timedelta(seconds=1)
    between = v1.valid_from + (v2.valid_from - v1.valid_from) / 2

    assert layer.get(v1.fid, as_of=between).properties["name"] == "古雷港口村排口"
    assert layer.get(v1.fid).properties["name"] == "古雷排口(更名)"
    assert len(layer.to_geodataframe(as_of=before_create)) == 0
    frame = layer.to_geodataframe(as_of=between)
    assert list(frame["name"]) == ["古雷港口村排口"]
    assert frame.crs.to_epsg() == 4490


def test_stale_update_is_refused_and_changes_nothing(reg):
    layer = reg.layer("outfalls")
    created = layer.create(OUTFALL, Point(117.60, 23.76))
    layer.update(created.fid, {"status": "sampled"}, base_version=1)
    with pytest.raises(StaleVersion) as info:
        layer.update(created.fid, {"status": "traced"}, base_version=1)
    assert "version 1" in info.value.detail and "current version is 2" in info.value.detail
    assert info.value.status == 412
    assert layer.get(created.fid).properties["status"] == "sampled"
    assert len(layer.history(created.fid)) == 2


def test_one_current_row_per_feature_is_enforced_by_the_database(reg):
    layer = reg.layer("outfalls")
    created = layer.create(OUTFALL, Point(117.60, 23.76))
    with pytest.raises(Exception, match="ux_outfalls_current_fid"), reg.engine.begin() as conn:
        conn.execute(text("INSERT INTO outfalls (fid, version, code, name, county_code, receiving_kind, "
                          "outfall_class, status, geom, changeset_id) SELECT fid, 2, code, name, county_code, "
                          "receiving_kind, outfall_class, status, geom, changeset_id FROM outfalls WHERE fid = :f"),
                     {"f": created.fid})


def test_invalid_attributes_are_refused_with_field_and_reason(reg):
    layer = reg.layer("outfalls")
    bad = dict(OUTFALL, outfall_class="factory", county_code="440300", credit_code="91350623MA2XXXXX1")
    with pytest.raises(InvalidInput) as info:
        layer.create(bad, Point(117.60, 23.76))
    fields = {i["field"] for i in info.value.extra["issues"]}
    assert fields == {"outfall_class", "county_code", "credit_code"}
    assert "factory" in str(info.value.extra["issues"])
    assert layer.count() == 0


def test_where_and_bbox_filters(reg):
    layer = reg.layer("outfalls")
    layer.create(OUTFALL, Point(117.60, 23.76))
    layer.create(dict(OUTFALL, code="350624-01", county_code="350624", status="traced"), Point(117.16, 23.70))
    assert len(layer.to_geodataframe(where={"status": "traced"})) == 1
    assert list(layer.to_geodataframe(bbox=(117.5, 23.7, 117.7, 23.8))["code"]) == ["350623-GL-001"]


def test_ellipsoidal_area_of_a_known_polygon(reg):
    """PostGIS's spheroidal area (the stored area_ha) agrees with Karney's geodesic area on GRS80."""
    cell = box(117.60, 23.75, 117.61, 23.76)
    layer = reg.layer("protected_zones")
    created = layer.create({"name": "测试区", "zone_type": "nature_reserve"}, cell)
    reference_m2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(cell)[0])
    stored = created.properties["area_ha"]
    assert stored == Decimal(str(round(reference_m2 / 10000, 4)))
    # By hand: 0.01° of latitude ≈ 1107.7 m and 0.01° of longitude ≈ 1019.3 m at 23.755°N on GRS80.
    assert Decimal("112.85") < stored < Decimal("112.95")
    # Web-Mercator area, a common mistake, is about 1/cos²(23.75°) ≈ 1.19 times too large here.
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    mercator = shapely.ops.transform(to_mercator.transform, cell).area
    assert mercator / 10000 > float(stored) * 1.15


def test_a_clash_with_a_unique_index_names_the_fields_not_a_stale_version(reg):
    """Outfall codes are unique among current outfalls (a partial unique index)."""
    layer = reg.layer("outfalls")
    layer.create(OUTFALL, Point(117.60, 23.76))
    with pytest.raises(InvalidInput, match="code"):
        layer.create(OUTFALL, Point(117.61, 23.76))
    other = layer.create(dict(OUTFALL, code="350623-GL-002"), Point(117.62, 23.76))
    with pytest.raises(InvalidInput, match="code"):
        layer.update(other.fid, {"code": OUTFALL["code"]}, base_version=1)
    assert layer.count() == 2


@pytest.mark.parametrize(("field", "value", "message"), [
    ("status", {"a": 1}, "not an object or array"),
    ("status", ["surveyed"], "not an object or array"),
])
def test_structured_values_are_refused_not_stored_as_text(reg, field, value, message):
    with pytest.raises(InvalidInput, match=message):
        reg.layer("outfalls").create(dict(OUTFALL, **{field: value}), Point(117.60, 23.76))


@pytest.mark.parametrize(("value", "message"), [
    ("Infinity", "finite"), ("1e99999", "out of range"), ("2147483648", "out of range"), ("abc", "not a number")])
def test_numbers_out_of_the_columns_range_are_named_problems(reg, value, message):
    facility = {"name": "测试站", "facility_type": "community_station", "county_code": "350623", "beds": value}
    with pytest.raises(InvalidInput, match=message):
        reg.layer("eldercare_facilities").create(facility, Point(117.60, 23.76))


def test_a_layer_whose_geometry_is_required_refuses_none(reg):
    with pytest.raises(InvalidInput, match="need a geometry"):
        reg.layer("outfalls").create(OUTFALL, None)
    created = reg.layer("outfalls").create(OUTFALL, Point(117.60, 23.76))
    with pytest.raises(InvalidInput, match="need a geometry"):
        reg.layer("outfalls").update(created.fid, {}, None, base_version=1, keep_geometry=False)
