"""Category colours are stable and distinct; legends are Chinese and escaped."""

from __future__ import annotations

import re

import folium

from layers.eldercare import FACILITY_TYPES, EldercareFacility
from layers.land import LandParcel
from layers.residential_areas import ResidentialArea
from layers.sewer_coverage import SewerCoverage
from maps.style import PALETTE, UNCLASSIFIED_COLOUR, UNCLASSIFIED_LABEL, Legend, categories, colour_of


def test_colour_follows_the_code_list_not_the_data() -> None:
    alone = categories(EldercareFacility, ["community_station"])
    mixed = categories(EldercareFacility, ["street_centre", "community_station", "day_care"])
    assert alone["community_station"] == mixed["community_station"]
    assert list(mixed) == ["street_centre", "community_station", "day_care"]  # code-list order


def test_every_facility_type_has_its_own_colour() -> None:
    found = categories(EldercareFacility)
    assert len({c.colour for c in found.values()}) == len(FACILITY_TYPES.codes) <= len(PALETTE)
    assert found["community_station"].label == "社区居家养老服务站(点)"
    assert found["community_station"].shape == "point"


def test_missing_and_unknown_codes_are_unclassified() -> None:
    found = categories(EldercareFacility, ["day_care", None, float("nan"), "not_a_code"])
    assert found[""].label == UNCLASSIFIED_LABEL
    assert colour_of(found, "not_a_code") == colour_of(found, None) == UNCLASSIFIED_COLOUR


def test_layers_without_style_field_differ_from_each_other() -> None:
    residential = categories(ResidentialArea, ["x"])
    sewer = categories(SewerCoverage, ["x"])
    assert residential[""].label == "居住区"
    assert residential[""].colour != sewer[""].colour


def test_style_field_without_code_list_uses_the_values() -> None:
    found = categories(LandParcel, ["水浇地", "林地", "水浇地", None])
    assert [c.label for c in found.values()] == ["林地", "水浇地", UNCLASSIFIED_LABEL]


def test_legend_text_is_escaped() -> None:
    m = folium.Map(tiles=None)
    Legend("图例<script>alert(1)</script>", categories(EldercareFacility, ["community_station"]).values()).add_to(m)
    html = m.get_root().render()
    assert "<script>alert(1)" not in re.sub(r"\\u003c", "<", html)
    assert "legend.addTo(" in html
