"""Every land expropriation check, on geometry built to pass and to fail, with the measured figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from shapely.geometry import box
from sqlalchemy import text

from analysis.land.checks import PARCEL_AREA_MISMATCH, tolerance_ha
from registry import Registry
from registry.repository import new_changeset
from tests.stories.land import (
    BORDER_LON,
    GULEI,
    ZHANGPU,
    ZHAOAN,
    add_approval,
    add_counties,
    add_parcel,
    east,
    findings,
    hectares,
    multi,
    square,
)

D = Decimal


def close(measured: float, expected: Decimal, digits: str = "0.0001") -> bool:
    """A measured hectare figure (read back from JSON) equals ``expected`` to its last digit."""
    return abs(D(str(measured)) - expected) <= D(digits)


@pytest.fixture
def counties(reg: Registry) -> None:
    add_counties(reg)


# --------------------------------------------------------------------------- totals


def test_totals_hold_when_the_parcels_add_up_to_every_declared_figure(reg):
    batch = add_approval(reg, 354, declared_farmland_ha="8.0000", declared_cultivated_ha="5.0000",
                         declared_unused_ha="0.5000", declared_total_ha="9.0000")
    for land_class, ha in (("水田", "2.0000"), ("旱地", "3.0000"), ("林地", "3.0000"), ("其他草地", "0.5000"),
                           ("城镇村及工矿用地", "0.5000")):
        add_parcel(reg, batch, None, land_class=land_class, declared_ha=ha)
    add_parcel(reg, batch, None, land_class="水浇地", ownership="state", declared_ha="0.0000")
    assert findings(reg, "expropriation.totals_inconsistent").empty


def test_totals_name_the_failing_relation_and_by_how_much(reg):
    batch = add_approval(reg, 354, declared_farmland_ha="8.0000", declared_cultivated_ha="5.0000",
                         declared_total_ha="8.5000")
    add_parcel(reg, batch, None, land_class="水浇地", declared_ha="5.0010")
    add_parcel(reg, batch, None, land_class="林地", declared_ha="2.9990")
    add_parcel(reg, batch, None, land_class="其他土地", declared_ha="0.5000")
    # state land used, not expropriated: converted (so counted as farmland) but outside the total
    add_parcel(reg, batch, None, land_class="草地", ownership="state", declared_ha="0.0000")
    found = findings(reg, "expropriation.totals_inconsistent").set_index("key")
    assert sorted(found.index) == ["cultivated", "unused"]
    cultivated = found.loc["cultivated", "measured"]
    assert (cultivated["declared_ha"], cultivated["parcels_ha"], cultivated["difference_ha"]) == (5.0, 5.001, 0.001)
    assert "其中耕地 = Σ水田、水浇地、旱地不成立" in found.loc["cultivated", "message_zh"]
    assert "of which cultivated = Σ paddy, irrigated and dry land fails" in found.loc["cultivated", "message_en"]
    unused = found.loc["unused", "measured"]
    assert (unused["declared_ha"], unused["parcels_ha"]) == (None, 0.5), "an undeclared figure counts as 0"
    assert "批复—公顷" in found.loc["unused", "message_zh"]


def test_declared_figures_without_parcels_do_not_add_up_and_zone_plans_have_no_relations(reg):
    add_approval(reg, 354, declared_total_ha="33.3333")
    add_approval(reg, 355, kind="zone_plan", plan_area_ha="4.0424")
    [finding] = findings(reg, "expropriation.totals_inconsistent").to_dict("records")
    assert finding["key"] == "total" and finding["measured"]["parcels_ha"] == 0


# --------------------------------------------------------------------------- parcel area


def test_parcel_area_matches_its_declared_area_within_the_tolerance(reg):
    batch = add_approval(reg, 354)
    exact = square(GULEI, 200)
    add_parcel(reg, batch, exact)
    add_parcel(reg, batch, square(east(GULEI, 500), 200), declared_ha=hectares(square(east(GULEI, 500), 200))
               + D("0.0001"))
    assert findings(reg, "expropriation.parcel_area_mismatch").empty


def test_parcel_area_mismatch_reports_both_figures(reg):
    batch = add_approval(reg, 354)
    shape = square(GULEI, 300, 200)
    area = hectares(shape)
    fid = add_parcel(reg, batch, shape, declared_ha=area + D("0.0500"))
    [finding] = findings(reg, "expropriation.parcel_area_mismatch").to_dict("records")
    assert finding["fid"] == fid
    assert D(str(finding["measured"]["area_ha"])) == area
    assert D(str(finding["measured"]["declared_ha"])) == area + D("0.0500")
    assert finding["measured"]["difference_ha"] == -0.05
    assert f"椭球面积{area}公顷" in finding["message_zh"] and "容差0.0001公顷" in finding["message_zh"]
    assert finding["county_code"] == ZHANGPU


def test_the_area_tolerance_is_configuration(reg):
    """Read from the registry's settings when the check runs: set per case, no module reloaded."""
    env = {"FUJIAN_PARCEL_AREA_TOLERANCE_HA": "0.1"}
    assert tolerance_ha(env) == D("0.1")
    batch = add_approval(reg, 354)
    shape = square(GULEI, 300, 200)
    add_parcel(reg, batch, shape, declared_ha=hectares(shape) + D("0.0500"))
    with reg.engine.connect() as conn:
        rows = conn.execute(text(PARCEL_AREA_MISMATCH.sql).bindparams(**PARCEL_AREA_MISMATCH.bound(env))).all()
        assert rows == []
        assert len(conn.execute(text(PARCEL_AREA_MISMATCH.sql).bindparams(**PARCEL_AREA_MISMATCH.bound({}))).all()) == 1
    with pytest.raises(ValueError, match="FUJIAN_PARCEL_AREA_TOLERANCE_HA"):
        tolerance_ha({"FUJIAN_PARCEL_AREA_TOLERANCE_HA": "a lot"})


def test_a_parcel_of_no_current_approval_is_reported(reg):
    """Writes now refuse such parcels (registry.repository: references); the check still finds them in
    data registered before the rule, written here past the registry's write rules."""
    batch = add_approval(reg, 354)
    add_parcel(reg, batch, None, declared_ha="1.0000")
    assert findings(reg, "expropriation.parcel_without_approval").empty
    parcels = reg.layer("land_parcels").store
    with reg.engine.begin() as conn:
        cs = new_changeset(conn, author="legacy", source="before references were enforced", layer="land_parcels",
                           count=1)
        orphan = parcels.insert(conn, {"approval_fid": 999, "township": "古雷镇", "village": "港口村",
                                       "land_class": "水浇地", "ownership": "collective", "declared_ha": "1.0000"},
                                None, cs)
        conn.execute(text("UPDATE land_approvals SET valid_to = now() WHERE fid = :fid"), {"fid": batch})
    found = findings(reg, "expropriation.parcel_without_approval")
    assert len(found) == 2 and orphan in set(found["fid"])
    assert "古雷镇港口村水浇地" in found.set_index("fid").loc[orphan, "message_zh"]


# --------------------------------------------------------------------------- inside the approving county


def test_parcels_and_plans_inside_their_county_pass(reg, counties):
    batch = add_approval(reg, 354, geom=square(GULEI, 2000))  # its boundary is not checked: its parcels are
    add_parcel(reg, batch, square(GULEI, 200))
    add_approval(reg, 356, kind="zone_plan", county=ZHAOAN, geom=square((117.20, 23.70), 300))
    assert findings(reg, "expropriation.parcel_outside_county").empty
    assert findings(reg, "expropriation.approval_outside_county").empty


def test_a_parcel_across_the_county_border_reports_the_part_outside(reg, counties):
    batch = add_approval(reg, 354)
    straddling = square((BORDER_LON, 23.70), 400)  # half in Zhao'an
    fid = add_parcel(reg, batch, straddling)
    [finding] = findings(reg, "expropriation.parcel_outside_county").to_dict("records")
    outside = hectares(straddling.intersection(box(117.0, 23.0, BORDER_LON, 24.0)))
    assert finding["fid"] == fid
    assert close(finding["measured"]["outside_ha"], outside)
    assert finding["measured"]["outside_share"] == pytest.approx(50, abs=0.1)
    assert finding["measured"]["county_name"] == "漳浦县"
    assert finding["geometry"].bounds[2] == pytest.approx(BORDER_LON), "the finding is the part outside"


def test_a_plan_outside_its_county_and_a_county_without_boundary(reg, counties):
    plan = add_approval(reg, 356, kind="zone_plan", county=ZHAOAN, geom=square((117.40, 23.70), 300))
    unknown = add_approval(reg, 357, kind="zone_plan", county="350703", geom=square((118.15, 27.32), 300))
    found = findings(reg, "expropriation.approval_outside_county").set_index("fid")
    assert set(found.index) == {plan, unknown}
    assert found.loc[plan, "measured"]["outside_share"] == 100.0
    assert found.loc[unknown, "measured"]["county_name"] is None, "no boundary in force: all of it is outside"
    assert "审批县(区)—(350703)之外" in found.loc[unknown, "message_zh"]


# --------------------------------------------------------------------------- protected zones


def add_zone(reg: Registry, name: str, zone_type: str, geom) -> int:
    return reg.layer("protected_zones").create({"name": name, "zone_type": zone_type, "county_code": ZHANGPU},
                                               multi(geom)).fid


def test_overlaps_with_farmland_red_line_and_protected_areas_are_reported_per_zone(reg):
    batch = add_approval(reg, 354)
    parcel = square(GULEI, 400)
    fid = add_parcel(reg, batch, parcel)
    west, south, east_, north = parcel.bounds
    middle = (west + east_) / 2
    farmland = add_zone(reg, "下堀片永久基本农田", "permanent_farmland",
                        box(west - 0.01, south - 0.01, middle, north + 0.01))
    red_line = add_zone(reg, "古雷生态保护红线", "ecological_red_line", box(middle, south - 0.01, east_ + 0.01, north))
    reserve = add_zone(reg, "古雷自然保护地", "nature_reserve",
                       box(west - 0.01, north - 0.0001, east_ + 0.01, north + 0.01))
    add_zone(reg, "古雷水源保护区", "drinking_water_source", parcel.buffer(0.001))  # not a land review zone
    found = findings(reg, "expropriation.parcel_in_protected_zone").set_index("key")
    assert set(found["fid"]) == {fid}
    assert sorted(found.index) == sorted(str(z) for z in (farmland, red_line, reserve))
    half = hectares(box(west, south, middle, north))
    assert close(found.loc[str(farmland), "measured"]["overlap_ha"], half)
    assert found.loc[str(farmland), "measured"]["zone_type"] == "permanent_farmland"
    assert "与永久基本农田“下堀片永久基本农田”重叠" in found.loc[str(farmland), "message_zh"]
    assert close(found.loc[str(reserve), "measured"]["overlap_ha"], hectares(box(west, north - 0.0001, east_, north)))


def test_touching_a_zone_is_no_overlap(reg):
    batch = add_approval(reg, 354)
    parcel = square(GULEI, 400)
    add_parcel(reg, batch, parcel)
    west, south, _, north = parcel.bounds
    add_zone(reg, "相邻永久基本农田", "permanent_farmland", box(west - 0.01, south, west, north))
    assert findings(reg, "expropriation.parcel_in_protected_zone").empty


def test_a_zone_plan_overlapping_the_red_line_is_reported_on_the_approval(reg):
    plan = add_approval(reg, 356, kind="zone_plan", county=ZHAOAN, geom=square((117.20, 23.70), 300))
    add_zone(reg, "诏安湾生态保护红线", "ecological_red_line", square((117.2015, 23.70), 300))
    [finding] = findings(reg, "expropriation.approval_in_protected_zone").to_dict("records")
    assert finding["fid"] == plan and "批复闽政文〔2022〕356号的用地范围与生态保护红线" in finding["message_zh"]
    assert findings(reg, "expropriation.parcel_in_protected_zone").empty


# --------------------------------------------------------------------------- double expropriation


def test_collective_land_expropriated_twice_is_reported_on_the_later_approval(reg):
    earlier = add_approval(reg, 100, approved_on=date(2021, 3, 1))
    later = add_approval(reg, 354, approved_on=date(2022, 8, 8))
    first = add_parcel(reg, earlier, square(GULEI, 200))
    again = add_parcel(reg, later, square(east(GULEI, 100), 200))
    [finding] = findings(reg, "expropriation.double_expropriation").to_dict("records")
    assert (finding["fid"], finding["key"]) == (again, str(first))
    assert finding["measured"]["other_doc_number"] == "闽政文〔2022〕100号"
    assert close(finding["measured"]["overlap_ha"], hectares(square(GULEI, 200).intersection(
        square(east(GULEI, 100), 200))))


def test_neighbours_and_state_land_used_again_are_not_double_expropriation(reg):
    earlier = add_approval(reg, 100, approved_on=date(2021, 3, 1))
    later = add_approval(reg, 354, approved_on=date(2022, 8, 8))
    add_parcel(reg, earlier, square(GULEI, 200))
    add_parcel(reg, later, square(east(GULEI, 100), 200), ownership="state")  # state land now: used, not taken
    neighbour = square(GULEI, 200).bounds
    add_parcel(reg, later, box(neighbour[2], neighbour[1], neighbour[2] + 0.002, neighbour[3]))
    assert findings(reg, "expropriation.double_expropriation").empty


# --------------------------------------------------------------------------- approval level


def test_permanent_farmland_needs_the_state_council(reg):
    batch = add_approval(reg, 354)
    parcel = square(GULEI, 400)
    add_parcel(reg, batch, parcel)
    add_zone(reg, "下堀片永久基本农田", "permanent_farmland", square(east(GULEI, 150), 400))
    [finding] = findings(reg, "expropriation.approval_level").to_dict("records")
    overlap = hectares(parcel.intersection(square(east(GULEI, 150), 400)))
    assert finding["fid"] == batch and close(finding["measured"]["farmland_ha"], overlap)
    assert finding["message_zh"].startswith("批复闽政文〔2022〕354号由省人民政府批准,但涉及永久基本农田")
    assert "应报国务院批准" in finding["message_zh"]
    state = add_approval(reg, 355, authority="state_council")
    add_parcel(reg, state, square(east(GULEI, 300), 400), village="港口村")
    assert set(findings(reg, "expropriation.approval_level")["fid"]) == {batch}, "the State Council may approve it"


@pytest.mark.parametrize("cultivated, other, expected", [
    ("35.0000", "70.0000", None),
    ("35.0001", "0.0000", "征收耕地35.0001公顷,超过35公顷"),
    ("10.0000", "70.0001", "征收耕地以外的土地70.0001公顷,超过70公顷"),
])
def test_cultivated_over_35_or_other_land_over_70_ha_needs_the_state_council(reg, cultivated, other, expected):
    batch = add_approval(reg, 354, authority="city_delegated")
    add_parcel(reg, batch, None, land_class="水田", declared_ha=cultivated)
    add_parcel(reg, batch, None, land_class="林地", declared_ha=other)
    add_parcel(reg, batch, None, land_class="旱地", ownership="state", declared_ha="50.0000")  # used, not taken
    found = findings(reg, "expropriation.approval_level")
    if expected is None:
        assert found.empty
    else:
        [message] = found["message_zh"]
        assert expected in message and "设区市人民政府(受托)批准" in message


def test_without_parcels_the_declared_figures_decide_the_level_and_zone_plans_are_not_judged(reg):
    batch = add_approval(reg, 354, declared_cultivated_ha="40.0000", declared_total_ha="45.0000")
    add_approval(reg, 355, kind="zone_plan", plan_area_ha="400.0000", declared_total_ha="400.0000")
    [finding] = findings(reg, "expropriation.approval_level").to_dict("records")
    assert finding["fid"] == batch
    assert (finding["measured"]["cultivated_ha"], finding["measured"]["other_ha"]) == (40.0, 5.0)


# --------------------------------------------------------------------------- zone plans and development zones


def add_boundary(reg: Registry, zone_kind: str, geom, county: str = ZHAOAN) -> None:
    reg.layer("urban_boundaries").create({"name": f"诏安县{zone_kind}", "zone_kind": zone_kind, "county_code": county},
                                         multi(geom))


def test_a_zone_plan_outside_the_concentrated_area_reports_area_and_share(reg):
    add_boundary(reg, "concentrated", box(117.19, 23.69, 117.2015, 23.72))
    inside = add_approval(reg, 355, kind="zone_plan", county=ZHAOAN, geom=box(117.192, 23.70, 117.195, 23.703))
    half = add_approval(reg, 356, kind="zone_plan", county=ZHAOAN, geom=box(117.200, 23.700, 117.203, 23.7027))
    found = findings(reg, "expropriation.zone_plan_outside_concentrated")
    assert list(found["fid"]) == [half] and inside != half
    assert found["measured"][0]["outside_share"] == pytest.approx(50, abs=0.5)


def add_development_zone(reg: Registry, name: str, level: str, geom) -> None:
    reg.layer("development_zones").create({"name": name, "level": level, "county_code": ZHAOAN}, multi(geom))


def test_inside_a_provincial_zone_and_the_boundary_no_zone_plan_is_needed(reg):
    add_boundary(reg, "boundary", box(117.15, 23.69, 117.215, 23.765))
    add_development_zone(reg, "诏安金都工业集中区", "provincial", box(117.18, 23.70, 117.21, 23.73))
    plan = add_approval(reg, 356, kind="zone_plan", county=ZHAOAN, geom=square((117.20, 23.71), 300))
    batch = add_approval(reg, 354, county=ZHAOAN)
    add_parcel(reg, batch, square((117.19, 23.72), 200))
    found = findings(reg, "expropriation.zone_plan_exempt").set_index("fid")
    assert set(found.index) == {plan, batch}
    assert (found["severity"] == "info").all()
    assert found.loc[plan, "message_zh"].startswith(
        "土地征收成片开发方案闽政文〔2022〕356号位于省级开发区“诏安金都工业集中区”四至范围内,且在城镇开发边界内")
    assert "可不编制土地征收成片开发方案" in found.loc[batch, "message_zh"]


def test_a_lower_level_zone_or_land_outside_the_boundary_gets_no_exemption(reg):
    add_boundary(reg, "boundary", box(117.15, 23.69, 117.2005, 23.765))
    add_development_zone(reg, "诏安金都工业集中区", "provincial", box(117.18, 23.70, 117.21, 23.73))
    add_development_zone(reg, "诏安县某镇工业小区", "other", box(117.16, 23.74, 117.17, 23.75))
    add_approval(reg, 356, kind="zone_plan", county=ZHAOAN, geom=square((117.20, 23.71), 300))  # crosses the boundary
    add_approval(reg, 357, kind="zone_plan", county=ZHAOAN, geom=square((117.165, 23.745), 300))  # zone too low
    assert findings(reg, "expropriation.zone_plan_exempt").empty


def test_a_registry_runs_the_check_with_the_tolerance_it_was_created_with(reg, db_url):
    from analysis import run_checks
    from registry import connect
    from registry.config import Settings

    batch = add_approval(reg, 354)
    shape = square(GULEI, 300, 200)
    add_parcel(reg, batch, shape, declared_ha=hectares(shape) + D("0.0500"))
    lenient = connect(db_url, settings=Settings(env={"FUJIAN_PARCEL_AREA_TOLERANCE_HA": "0.1"}))
    try:
        assert run_checks(lenient, checks=[PARCEL_AREA_MISMATCH.id]).finding_count == 0
    finally:
        lenient.close()
    assert run_checks(reg, checks=[PARCEL_AREA_MISMATCH.id]).finding_count == 1
