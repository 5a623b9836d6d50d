"""Land checks for one approval, a county or the province (the engine's ``fids`` option), the run a land
map shows, and the demo's story as the checks tell it."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import MultiPolygon, box

from analysis import run_checks
from analysis.land.gazette import parse_gazette
from analysis.land.runs import land_map_data, land_scope, latest_land_run, run_land_checks
from registry import Registry
from registry.errors import InvalidInput, NotFound
from tests.stories.land import (
    BORDER_LON,
    GULEI,
    ZHAOAN,
    add_approval,
    add_counties,
    add_parcel,
    hectares,
    square,
)


@pytest.fixture
def two_counties(reg: Registry) -> dict[str, int]:
    """A Zhangpu batch with one parcel across the county border, and a Zhao'an batch whose figures
    do not add up: each approval has one finding of its own."""
    add_counties(reg)
    shapes = [square((BORDER_LON, 23.70), 400), square(GULEI, 200)]
    total = sum(hectares(s) for s in shapes)
    zhangpu = add_approval(reg, 354, declared_farmland_ha=total, declared_cultivated_ha=total, declared_total_ha=total)
    straddling = add_parcel(reg, zhangpu, shapes[0])
    inside = add_parcel(reg, zhangpu, shapes[1], village="港口村")
    zhaoan = add_approval(reg, 360, county=ZHAOAN, declared_farmland_ha="8.0000", declared_cultivated_ha="8.0000",
                          declared_total_ha="9.0000", approved_on=date(2022, 9, 1))
    add_parcel(reg, zhaoan, None, declared_ha="8.0000", village="南诏村")
    return {"zhangpu": zhangpu, "zhaoan": zhaoan, "straddling": straddling, "inside": inside}


def found(run) -> set[tuple[str, str, int]]:
    frame = run.findings()
    return set(zip(frame["check_id"], frame["layer"], frame["fid"], strict=True))


STRADDLING = ("expropriation.parcel_outside_county", "land_parcels")
UNBALANCED = ("expropriation.totals_inconsistent", "land_approvals")


def test_one_approval_gets_the_findings_of_that_approval_and_its_parcels_only(reg, two_counties):
    run = run_land_checks(reg, approval=two_counties["zhangpu"], author="漳浦县自然资源局")
    assert found(run) == {(*STRADDLING, two_counties["straddling"])}
    assert run.params["fids"] == {"land_approvals": [two_counties["zhangpu"]],
                                  "land_parcels": sorted([two_counties["straddling"], two_counties["inside"]])}
    assert set(run.params["layers"]) == {"land_approvals", "land_parcels"}
    assert run.author == "漳浦县自然资源局"


def test_a_county_run_covers_its_approvals_wherever_their_parcels_stray(reg, two_counties):
    zhangpu = run_land_checks(reg, county="350623")
    assert found(zhangpu) == {(*STRADDLING, two_counties["straddling"])}, "the part in Zhao'an is Zhangpu's"
    assert found(run_land_checks(reg, county=ZHAOAN)) == {(*UNBALANCED, two_counties["zhaoan"])}
    reg.layer("admin_divisions").create({"code": "350600", "name": "漳州市", "level": "city"},
                                        MultiPolygon([box(117.0, 23.5, 118.0, 24.5)]))
    assert found(run_land_checks(reg, county="350600")) == found(run_land_checks(reg)), "a city's counties"
    assert found(run_land_checks(reg)) == {(*STRADDLING, two_counties["straddling"]),
                                           (*UNBALANCED, two_counties["zhaoan"])}


def test_bad_scopes_are_refused_before_a_run_is_stored(reg, two_counties):
    with pytest.raises(NotFound):
        run_land_checks(reg, approval=999)
    with pytest.raises(InvalidInput):
        run_land_checks(reg, approval=two_counties["zhangpu"], county=ZHAOAN)
    with pytest.raises(InvalidInput, match="35xxxx"):
        run_land_checks(reg, county="110101")
    with pytest.raises(NotFound):
        run_land_checks(reg, county="350699")
    with pytest.raises(InvalidInput, match="rivers"):
        run_checks(reg, layers=["land_parcels"], fids={"rivers": [1]})
    assert latest_land_run(reg) is None


def test_fids_restrict_only_the_layers_they_name(reg, two_counties):
    run = run_checks(reg, layers=["land_approvals", "land_parcels"], fids={"land_approvals": []})
    assert found(run) == {(*STRADDLING, two_counties["straddling"])}
    assert run.area_label.startswith("选定要素")


def test_comparing_runs_of_different_scopes_says_so(reg, two_counties):
    one = run_land_checks(reg, approval=two_counties["zhangpu"])
    everything = run_land_checks(reg)
    comparison = everything.compare(one)
    assert any("范围不同" in note for note in comparison.notes)
    assert land_scope(reg).fids() is None


def test_a_land_map_shows_the_latest_run_that_covers_its_approvals(reg, two_counties):
    province = run_land_checks(reg)
    zhangpu_only = run_land_checks(reg, approval=two_counties["zhangpu"])
    assert latest_land_run(reg).id == province.id, "a province map needs a province-wide run"
    zhaoan = land_map_data(reg, county=ZHAOAN)
    assert zhaoan.run.id == province.id and list(zhaoan.findings["fid"]) == [two_counties["zhaoan"]]
    zhangpu = land_map_data(reg, approval=two_counties["zhangpu"])
    assert zhangpu.run.id == zhangpu_only.id
    assert list(zhangpu.approvals["fid"]) == [two_counties["zhangpu"]] and len(zhangpu.parcels) == 2
    assert "批复 闽政文〔2022〕354号" in zhangpu.title and f"检查运行 {zhangpu_only.id}" in zhangpu.title
    assert [model.__layer__.name for model, _ in zhangpu.references] == ["protected_zones", "urban_boundaries",
                                                                         "development_zones"]
    assert land_map_data(reg).references == [], "province-wide, no whole reference layers in one page"


def test_the_demo_tells_its_story_through_the_land_checks(reg):
    from demo import gazette_text, load_demo

    load_demo(reg, parse_gazette(gazette_text()))
    run = run_land_checks(reg)
    frame = run.findings()
    assert sorted(frame["check_id"]) == ["expropriation.approval_level", "expropriation.parcel_in_protected_zone",
                                         "expropriation.zone_plan_exempt",
                                         "expropriation.zone_plan_outside_concentrated"]
    by_check = frame.set_index("check_id")
    assert by_check.loc["expropriation.parcel_in_protected_zone", "measured"]["overlap_ha"] == 0.4065
    assert "古雷镇下堀村" in by_check.loc["expropriation.parcel_in_protected_zone", "message_zh"]
    assert "涉及永久基本农田0.4065公顷" in by_check.loc["expropriation.approval_level", "message_zh"]
    assert "闽政文〔2022〕357号" in by_check.loc["expropriation.zone_plan_outside_concentrated", "message_zh"]
    assert "古雷港经济开发区" in by_check.loc["expropriation.zone_plan_exempt", "message_zh"]
