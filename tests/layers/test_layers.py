"""The layer framework: discovery, labels, code lists, attribute rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

import layers
from layers.base import editable_attributes, layer_attributes
from layers.codes import normalise_doc_number, uscc_problem
from layers.outfalls import OUTFALL_CLASSES, OUTFALL_SUBCLASSES


def test_every_module_layer_is_discovered_with_bilingual_titles():
    assert {"outfalls", "land_approvals", "land_parcels", "standard_land_plots", "eldercare_facilities",
            "admin_divisions", "protected_zones", "urban_boundaries", "development_zones", "key_basins",
            "sewer_coverage", "industrial_parks", "residential_areas"} <= set(layers.LAYERS)
    for name, model in layers.LAYERS.items():
        meta = model.__layer__
        assert meta.name == name and meta.title_zh and meta.title_en
        assert meta.kind in ("mission", "reference")
        for field in meta.popup_fields + tuple(f for f in (meta.label_field, meta.style_field) if f):
            assert field in layer_attributes(model), f"{name}.{field} is not an attribute"


def test_reference_layers_come_first_in_a_stable_order():
    kinds = [m.__layer__.kind for m in layers.LAYERS.values()]
    assert kinds == sorted(kinds, key=lambda k: k != "reference")


def test_every_code_has_chinese_and_english_labels():
    for model in layers.LAYERS.values():
        for rule in layer_attributes(model).values():
            assert rule.zh and rule.en
            if rule.codes is not None:
                assert all(c.code.isascii() and c.zh and c.en for c in rule.codes)


def test_subclasses_name_an_existing_parent_class():
    assert {c.parent for c in OUTFALL_SUBCLASSES} <= set(OUTFALL_CLASSES.values())


def test_computed_area_is_not_editable():
    model = layers.get_layer("land_parcels")
    assert "area_ha" in layer_attributes(model) and "area_ha" not in editable_attributes(model)


@pytest.mark.parametrize("code", ["9144030071526726XG", "914403001922038216", "91330100716105852F"])
def test_real_unified_social_credit_codes_pass(code):
    assert uscc_problem(code) is None


@pytest.mark.parametrize(("code", "message"), [
    ("91350200612003221G", "expected F"), ("9135020061200322", "18 characters"), ("91350200612003221I", "18")])
def test_bad_credit_codes_say_why(code, message):
    assert message in uscc_problem(code)


@pytest.mark.parametrize("raw", ["闽政文〔2022〕356号", "闽政文[2022]356号", "闽政文(2022)356号",
                                 "闽政文（2022） 356号"])
def test_document_number_brackets_are_normalised(raw):
    assert normalise_doc_number(raw) == "闽政文〔2022〕356号"


def test_attribute_rules_name_the_problem():
    rule = layer_attributes(layers.get_layer("land_parcels"))["declared_ha"]
    assert rule.problem(Decimal("-1")) and "minimum" in rule.problem(Decimal("-1"))
    assert layer_attributes(layers.get_layer("land_parcels"))["land_class"].problem("菜地").startswith("未知地类")
    with pytest.raises(KeyError, match="known layers"):
        layers.get_layer("rivers")
