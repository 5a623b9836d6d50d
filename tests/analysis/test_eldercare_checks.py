"""The eldercare rules of 专栏1 and table 2, run through the check engine on a small county register."""

from __future__ import annotations

from analysis import run_checks
from analysis.eldercare.checks import TARGET_YEAR
from analysis.eldercare.targets import INDICATORS, TABLE2
from registry import Registry
from tests.stories.eldercare import ZHANGPU, add_facility


def _by_check(reg: Registry, **kwargs) -> dict[str, list]:
    findings = run_checks(reg, layers=["eldercare_facilities"], **kwargs).findings()
    return {check: group.to_dict("records") for check, group in findings.groupby("check_id")}


def test_streets_without_a_comprehensive_demonstration_institution(county: Registry) -> None:
    found = _by_check(county)["eldercare.street_without_demonstration"]

    assert [f["key"] for f in found] == [f"{ZHANGPU}:绥安街道"]  # not 旧镇街道 (has one), not 绥安镇 (a town)
    assert found[0]["measured"]["incomplete"] == "绥安街道照料中心"
    assert "绥安街道尚无具备全托、日托、上门服务、区域协调指导" in found[0]["message_zh"]
    assert found[0]["geometry"] is not None and found[0]["county_code"] == ZHANGPU


def test_the_demonstration_finding_goes_when_the_centre_offers_full_time_care(county: Registry) -> None:
    layer = county.layer("eldercare_facilities")
    centre = layer.to_geodataframe(where={"name": "绥安街道照料中心"}).iloc[0]
    assert centre["services"] == "day_care,home_visit,regional_coordination,meal"  # stored as codes
    layer.update(int(centre["fid"]), {"services": "全托," + centre["services"]}, base_version=int(centre["version"]))

    assert "eldercare.street_without_demonstration" not in _by_check(county)


def test_community_day_care_coverage_under_90_percent(county: Registry) -> None:
    found = _by_check(county)["eldercare.community_day_care_coverage"]

    assert [f["key"] for f in found] == [ZHANGPU]  # 建阳's one community has day care
    measured = found[0]["measured"]
    assert (measured["units"], measured["served_units"], measured["share_pct"]) == (4, 2, 50.0)
    assert measured["missing"] == "北门社区、西湖社区"  # the day-care centre opening in 2099 does not count
    assert found[0]["message_zh"].startswith("漳浦县社区日间照料机构覆盖率50")


def test_comprehensive_coverage_and_nursing_share_against_table_2(county: Registry) -> None:
    found = _by_check(county)
    coverage = found["eldercare.comprehensive_coverage_below_target"]
    assert [f["key"] for f in coverage] == [ZHANGPU]
    assert coverage[0]["measured"] | {"missing": None} == {
        "county": "漳浦县", "units": 3, "served_units": 1, "share_pct": 33.33, "target_pct": 60,
        "year": TARGET_YEAR, "missing": None}
    assert coverage[0]["measured"]["missing"] == "绥安街道、绥安镇"
    nursing = found["eldercare.nursing_bed_share_below_target"]
    assert [f["key"] for f in nursing] == [ZHANGPU]  # 建阳 has 70 %
    assert nursing[0]["measured"]["share_pct"] == 48.33
    assert "低于表2第4项2025年目标60%" in nursing[0]["message_zh"]


def test_more_nursing_beds_than_beds_is_an_error(county: Registry) -> None:
    wrong = add_facility(county, "马坪敬老院", "institution", "绥安镇", "马坪社区", beds=10, nursing_beds=12)

    found = _by_check(county)["eldercare.nursing_beds_exceed_beds"]

    assert [(f["fid"], f["severity"]) for f in found] == [(wrong.fid, "error")]


def test_provincial_totals_are_labelled_as_such(county: Registry) -> None:
    found = _by_check(county)

    meals = found["eldercare.meal_points_below_target"][0]
    # the canteen, and the station and the care centre that serve meals
    assert (meals["measured"]["registered"], meals["measured"]["target"]) == (3, 1150)
    assert meals["severity"] == "info" and meals["message_zh"].startswith("全省合计")
    homes = found["eldercare.county_nursing_homes_below_target"][0]["measured"]
    assert (homes["registered"], homes["target"]) == (1, 25)
    beds = found["eldercare.beds_total_below_target"][0]["measured"]
    assert (beds["registered"], beds["target"]) == (0.022, 30)


def test_a_county_run_keeps_its_own_findings_and_leaves_provincial_totals_out(county: Registry) -> None:
    found = _by_check(county, area=ZHANGPU)

    assert "eldercare.meal_points_below_target" not in found
    assert {f["county_code"] for group in found.values() for f in group} == {ZHANGPU}


def test_table_2_is_quoted_from_the_seed() -> None:
    """表2 rows 3, 4, 5, 8 and 10 as the gazette prints them."""
    assert [(i.no, i.zh, i.unit) for i in TABLE2] == [
        (3, "养老服务床位总量", "万张"), (4, "养老机构护理型床位占比", "%"), (5, "累计建设县级老年养护院数量", "所"),
        (8, "乡镇(街道)范围具备综合功能的养老服务机构覆盖率", "%"), (10, "累计建设老年人助餐点数量", "个")]
    assert [INDICATORS["eldercare_beds"].values[y] for y in range(2020, 2026)] == [24.75, 26, 27, 28, 29, 30]
    assert [INDICATORS["meal_points"].values[y] for y in range(2022, 2026)] == [700, 850, 1000, 1150]
    assert [INDICATORS["county_nursing_homes"].values[y] for y in range(2022, 2026)] == [7, 14, 20, 25]
    assert [INDICATORS["comprehensive_coverage"].values[y] for y in range(2021, 2026)] == [52, 54, 56, 58, 60]
    assert [INDICATORS["nursing_bed_share"].values[y] for y in range(2022, 2026)] == [57, 58, 59, 60]


def test_an_empty_register_is_not_compared_with_the_provincial_totals(reg: Registry) -> None:
    assert _by_check(reg) == {}
    add_facility(reg, "鹿溪长者食堂", "meal_point", "绥安镇", "鹿溪社区")

    found = _by_check(reg)

    assert found["eldercare.meal_points_below_target"][0]["measured"]["registered"] == 1
    assert found["eldercare.county_nursing_homes_below_target"][0]["measured"]["registered"] == 0
