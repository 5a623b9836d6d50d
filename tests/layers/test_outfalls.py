"""The outfall layers: derived approval mode, normalised and unique codes, credit codes, annex 2's standards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from shapely.geometry import Point
from sqlalchemy.exc import IntegrityError

from layers.base import editable_attributes, layer_attributes, private_attributes
from layers.outfalls import (
    OUTFALL_SUBCLASSES,
    STANDARD_RULES,
    STANDARDS,
    Outfall,
    OutfallInspector,
    OutfallSample,
    standard_rule,
)
from registry.errors import InvalidInput

GULEI = Point(117.62, 23.76)
OUTFALL = {"code": "350623RH0001", "name": "鹿溪某企业排污口", "county_code": "350623", "receiving_kind": "river",
           "outfall_class": "industrial", "subclass": "industrial_enterprise", "status": "surveyed"}


@pytest.mark.parametrize(("kind", "outfall_class", "subclass", "mode"), [
    ("river", "industrial", "industrial_enterprise", "review"),
    ("river", "industrial", "park_plant", "review"),
    ("river", "municipal_plant", "municipal_plant", "review"),
    ("river", "agricultural", "livestock_large", "none"),
    ("river", "other", "port", "none"),
    ("sea", "other", "port", "filing"),
    ("sea", "industrial", "industrial_enterprise", "filing"),
])
def test_approval_mode_is_derived_by_the_database(reg, kind, outfall_class, subclass, mode):
    record = reg.layer("outfalls").create(dict(OUTFALL, receiving_kind=kind, outfall_class=outfall_class,
                                               subclass=subclass), GULEI)
    assert record.properties["approval_mode"] == mode


def test_approval_mode_follows_an_edit_and_cannot_be_set(reg):
    layer = reg.layer("outfalls")
    record = layer.create(OUTFALL, GULEI)
    assert record.properties["approval_mode"] == "review"
    assert layer.update(record.fid, {"receiving_kind": "sea"}, base_version=1).properties["approval_mode"] == "filing"
    with pytest.raises(InvalidInput, match="approval_mode"):
        layer.update(record.fid, {"approval_mode": "none"}, base_version=2)
    assert "approval_mode" in layer_attributes(Outfall) and "approval_mode" not in editable_attributes(Outfall)


def test_codes_are_normalised_and_unique_among_current_outfalls(reg):
    layer = reg.layer("outfalls")
    first = layer.create(dict(OUTFALL, code=" 350623ｒｈ 0001 "), GULEI)
    assert first.properties["code"] == "350623RH0001", "full-width, spaces and lower case are one spelling"
    # Refused by the database's unique index on current codes (the registry does not yet turn that into a 422).
    with pytest.raises((IntegrityError, InvalidInput), match="code"):
        layer.create(dict(OUTFALL, code="350623rh0001", name="另一排口"), Point(117.63, 23.77))
    assert layer.count() == 1
    # A deleted outfall's code may be given to a new outfall; its history keeps the old one.
    layer.delete(first.fid, base_version=1)
    second = layer.create(dict(OUTFALL, name="新排口"), Point(117.63, 23.77))
    assert second.properties["code"] == "350623RH0001" and second.fid != first.fid
    assert layer.history(first.fid)[0].properties["code"] == "350623RH0001"


def test_credit_codes_are_checked_with_their_check_character(reg):
    layer = reg.layer("outfalls")
    good = layer.create(dict(OUTFALL, unit_credit_code="9144030071526726xg", credit_code="91330100716105852F"), GULEI)
    assert good.properties["unit_credit_code"] == "9144030071526726XG"
    with pytest.raises(InvalidInput) as refused:
        layer.create(dict(OUTFALL, code="350623RH0002", unit_credit_code="91350200612003221G"), GULEI)
    assert refused.value.extra["issues"][0]["field"] == "unit_credit_code"
    assert "expected F" in refused.value.detail and "校验码错误" in refused.value.detail


def test_identities_of_units_and_people_are_not_public():
    assert {"discharging_unit", "unit_credit_code", "responsible_party", "credit_code"} <= private_attributes(Outfall)
    assert private_attributes(OutfallInspector) == {"badge_number"}
    assert "city_bureau_informed_on" not in private_attributes(Outfall)


def test_samples_and_inspectors_are_layers_without_geometry(reg):
    outfall = reg.layer("outfalls").create(OUTFALL, GULEI)
    sample = reg.layer("outfall_samples").create({"outfall_fid": outfall.fid, "county_code": "350623",
                                                  "sampled_on": "2024-05-06", "parameter": "cod", "value": "86.5",
                                                  "unit": "mg/L"})
    assert sample.geometry is None and sample.properties["value"] == Decimal("86.5000")
    assert sample.properties["sampled_on"] == date(2024, 5, 6)
    with pytest.raises(InvalidInput, match="parameter"):
        reg.layer("outfall_samples").create({"outfall_fid": outfall.fid, "county_code": "350623",
                                             "sampled_on": "2024-05-06", "parameter": "colour", "value": 1,
                                             "unit": "mg/L"})
    assert OutfallSample.__layer__.geometry_type is None and OutfallInspector.__layer__.geometry_type is None


def test_every_subclass_has_annex_2_standards_or_none_on_purpose():
    without = {c.code for c in OUTFALL_SUBCLASSES if standard_rule(c.code) is None}
    assert without == {"irrigation", "urban_domestic", "rural_domestic"}
    for rule in STANDARD_RULES.values():
        assert set(rule.options) <= set(STANDARDS.values()) and rule.fallback in rule.options


def test_industry_standards_keep_annex_2s_precedence():
    assert standard_rule("industrial_enterprise").options == ("eia_approval", "local", "national_industry", "gb8978")
    assert standard_rule("industrial_enterprise", stormwater=True).options[:2] == ("eia_approval", "gb8978")
    assert standard_rule("aquaculture_large", receiving_kind="sea").fallback == "sct9103"
    assert standard_rule("aquaculture_small", receiving_kind="river").fallback == "aquaculture_national"
    assert standard_rule("municipal_plant").fallback == "gb18918_1a"
