"""Eldercare facility attributes: services as codes (read from the plan's Chinese words), capacity, demonstration."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from layers.eldercare import (
    COMPREHENSIVE_SERVICES,
    SERVICES,
    EldercareFacility,
    normalise_services,
    service_codes,
    services_problem,
)
from registry import Registry
from registry.errors import ImportRejected, InvalidInput
from registry.validation import check_properties

BASE = {"name": "童游街道嵌入式示范养老院", "facility_type": "demonstration", "county_code": "350703"}


@pytest.mark.parametrize(("written", "stored"), [
    ("全托、日托、上门、区域统筹", "full_time_care,day_care,home_visit,regional_coordination"),
    ("助餐,日间照料;;助餐", "day_care,meal"),
    ("meal day_care", "day_care,meal"),
    ("HOME_VISIT/长者食堂", "home_visit,meal"),
    ("紧急救援 | 精神慰藉", "emergency,companionship"),
])
def test_services_are_stored_as_codes_in_code_list_order(written: str, stored: str) -> None:
    assert normalise_services(written) == stored
    assert services_problem(stored) is None
    assert service_codes(stored) == stored.split(",")


def test_an_unknown_service_is_named_not_dropped() -> None:
    stored = normalise_services("助餐、打麻将")
    assert stored == "meal,打麻将"
    problem = services_problem(stored)
    assert "打麻将" in problem and " / unknown service(s)" in problem and "meal(助餐)" in problem


def test_the_comprehensive_functions_are_service_codes() -> None:
    assert set(COMPREHENSIVE_SERVICES) <= set(SERVICES.values())
    assert service_codes(None) == [] and service_codes("") == []


def test_facility_attributes_are_checked_on_write() -> None:
    clean, issues = check_properties(EldercareFacility, {**BASE, "services": "全托、日托", "capacity": "30",
                                                         "is_demonstration": "是"})
    assert issues == []
    assert clean["services"] == "full_time_care,day_care"
    assert (clean["capacity"], clean["is_demonstration"]) == (30, True)

    _, issues = check_properties(EldercareFacility, {**BASE, "capacity": -1, "services": "助浴、洗脚"})
    assert {i.field for i in issues} == {"capacity", "services"}


def test_written_through_the_registry_and_imported_from_a_file(reg: Registry, tmp_path) -> None:
    layer = reg.layer("eldercare_facilities")
    record = layer.create({**BASE, "services": "全托、日托、上门服务、区域协调指导", "is_demonstration": True,
                           "capacity": 30, "beds": 60, "nursing_beds": 40}, Point(118.139, 27.322))
    assert record.properties["services"] == ",".join(COMPREHENSIVE_SERVICES)
    assert record.properties["is_demonstration"] is True
    with pytest.raises(InvalidInput, match="unknown service"):
        layer.update(record.fid, {"services": "麻将"}, base_version=record.version)

    path = tmp_path / "facilities.csv"
    path.write_text("name,facility_type,county_code,services,capacity,lon,lat\n"
                    "水南社区居家养老服务站,community_station,350703,助餐、上门服务,40,118.136,27.318\n"
                    "紫霞社区居家养老服务站,community_station,350703,助餐、洗衣,x,118.105,27.341\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        layer.import_file(path, crs="EPSG:4490")
    problems = {(i["feature"], i["field"]) for i in refused.value.extra["report"].as_dict()["issues"]}
    assert problems == {(2, "services"), (2, "capacity")}
