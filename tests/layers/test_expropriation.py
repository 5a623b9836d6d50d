"""The land expropriation model: the land-class catalogue (and its table), approvals of both kinds, parcels
that may exist before their geometry, and the database refusing a class the checks could not group."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from shapely.geometry import MultiPolygon, box
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from layers.base import layer_attributes
from layers.land import LAND_CLASS_BY_NAME, LAND_CLASSES, LAND_GROUPS, LandClassRow, LandParcel
from registry import Registry
from registry.errors import InvalidInput
from registry.repository import new_changeset
from tests.stories.land import hectares

CULTIVATED = {"耕地", "水田", "水浇地", "旱地"}


def test_the_catalogue_groups_every_class_and_knows_the_cultivated_ones():
    assert {c.group for c in LAND_CLASSES} <= set(LAND_GROUPS.values())
    assert {c.name for c in LAND_CLASSES if c.cultivated} == CULTIVATED
    assert all(LAND_CLASS_BY_NAME[name].group == "agricultural" for name in CULTIVATED)
    assert (LAND_CLASS_BY_NAME["其他草地"].code, LAND_CLASS_BY_NAME["其他草地"].group) == ("0404", "unused")
    assert LAND_CLASS_BY_NAME["其他农用地"].group == "agricultural"
    assert LAND_CLASS_BY_NAME["城镇村及工矿用地"].group == "construction"
    for old in ("居民点及独立工矿用地", "其他未利用地", "水域"):
        assert LAND_CLASS_BY_NAME[old].legacy, f"{old} is an older name, still accepted"


def test_the_land_classes_table_holds_the_catalogue(reg: Registry):
    t = LandClassRow.__table__
    with reg.engine.connect() as conn:
        rows = {r.name: (r.scheme, r.code, r.land_group, r.cultivated, r.legacy) for r in conn.execute(select(t))}
    assert rows == {c.name: (c.scheme, c.code, c.group, c.cultivated, c.legacy) for c in LAND_CLASSES}


def parcel(approval_fid: int, **overrides) -> dict:
    return {"approval_fid": approval_fid, "township": "古雷镇", "village": "下堀村", "land_class": "水浇地",
            "ownership": "collective", "declared_ha": "16.0173", **overrides}


@pytest.fixture
def batch(reg: Registry) -> int:
    return reg.layer("land_approvals").create({
        "doc_number": "闽政文[2022]354号", "approval_kind": "conversion_batch", "approved_on": date(2022, 8, 8),
        "authority": "province", "applicant": "漳浦县人民政府", "request_number": "浦政地（2022）72号",
        "county_code": "350623", "year": 2022, "batch_no": 57, "declared_farmland_ha": "33.2441",
        "declared_cultivated_ha": "23.3520", "declared_unused_ha": "0.0013", "declared_total_ha": "33.3333"}).fid


def test_an_approval_keeps_its_figures_and_normalised_numbers(reg: Registry, batch: int):
    stored = reg.layer("land_approvals").get(batch).properties
    assert (stored["doc_number"], stored["request_number"]) == ("闽政文〔2022〕354号", "浦政地〔2022〕72号")
    assert stored["declared_cultivated_ha"] == Decimal("23.3520") and stored["area_ha"] is None
    plan = reg.layer("land_approvals").create({
        "doc_number": "闽政文〔2022〕355号", "approval_kind": "zone_plan", "approved_on": date(2022, 8, 8),
        "authority": "city_delegated", "county_code": "350521", "plan_area_ha": "4.0424"})
    assert plan.properties["plan_area_ha"] == Decimal("4.0424")


def test_a_parcel_exists_before_its_geometry_and_gets_its_ellipsoidal_area_with_it(reg: Registry, batch: int):
    parcels = reg.layer("land_parcels")
    first = parcels.create(parcel(batch))
    assert first.geometry is None and first.properties["area_ha"] is None
    shape = MultiPolygon([box(117.60, 23.78, 117.601, 23.781)])
    drawn = parcels.update(first.fid, {}, shape, base_version=1)
    assert drawn.properties["area_ha"] == hectares(shape) == Decimal("1.1289"), "GRS80, as PostGIS computes it"
    state = parcels.create(parcel(batch, village=None, ownership="state", land_class="其他草地"))
    assert state.properties["ownership"] == "state"


def test_an_unknown_class_is_refused_with_the_known_ones(reg: Registry, batch: int):
    with pytest.raises(InvalidInput) as refused:
        reg.layer("land_parcels").create(parcel(batch, land_class="菜地"))
    assert "未知地类“菜地” / unknown land class" in refused.value.detail and "水浇地" in refused.value.detail
    rule = layer_attributes(LandParcel)["ownership"]
    assert rule.problem("leased") is not None


def test_the_database_itself_refuses_a_class_outside_the_catalogue(reg: Registry, batch: int):
    t = LandParcel.__table__
    with pytest.raises(IntegrityError, match="fk_land_parcels_land_class_land_classes"), reg.engine.begin() as conn:
        changeset = new_changeset(conn, author="tester", source="raw SQL", layer="land_parcels", count=1)
        conn.execute(insert(t).values(approval_fid=batch, land_class="菜地", ownership="collective",
                                      declared_ha=Decimal("1.0000"), changeset_id=changeset))


def test_current_parcels_are_indexed_by_their_approval(reg: Registry):
    with reg.engine.connect() as conn:
        indexdef = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                               {"n": "ix_land_parcels_approval_fid_current"})
    assert "(approval_fid)" in indexdef and "valid_to IS NULL" in indexdef
