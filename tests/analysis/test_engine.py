"""The check engine and the two initial checks, on geometry built to pass and to fail."""

from __future__ import annotations

import json

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, box, mapping
from sqlalchemy import insert, select

from analysis import all_checks, run_checks, select_checks
from analysis.engine import Check, write_findings
from layers.system import CheckRun, Finding
from registry.errors import InvalidInput, NotFound
from tests.stories.checks import (
    HUIAN,
    HUIAN_CONCENTRATED,
    SOURCE_ZONE,
    STORY_CHECKS,
    ZHANGPU,
    ZHAOAN,
    ZHAOAN_CONCENTRATED,
    ZHAOAN_PLAN,
    add_outfall,
    add_zone_plan,
)

GEOD = Geod(ellps="GRS80")
OUTFALL_CHECK = "outfall.in_protected_zone"
PLAN_CHECK = "expropriation.zone_plan_outside_concentrated"


def findings_of(run, check_id):
    frame = run.findings()
    return frame[frame["check_id"] == check_id].reset_index(drop=True)


def test_checks_are_discovered_from_the_package():
    checks = all_checks()
    assert {OUTFALL_CHECK, PLAN_CHECK} <= set(checks)
    assert checks[OUTFALL_CHECK].layer == "outfalls"
    assert checks[PLAN_CHECK].layer == "land_approvals"
    outfall_checks = select_checks(layers=["outfalls"])
    assert OUTFALL_CHECK in [c.id for c in outfall_checks] and {c.layer for c in outfall_checks} == {"outfalls"}
    assert [c.id for c in select_checks(checks=[PLAN_CHECK])] == [PLAN_CHECK]


def test_every_check_runs_on_an_empty_database(reg):
    run = run_checks(reg)
    assert run.status == "done"
    assert run.finding_count == 0
    assert set(run.params["check_ids"]) == set(all_checks())


def test_outfall_in_a_banned_zone_is_an_error_unless_it_is_to_be_removed(reg, check_story):
    found = findings_of(run_checks(reg, checks=[OUTFALL_CHECK]), OUTFALL_CHECK)

    # Inside and decided "regularise": found. Inside but to be removed, outside, or inside farmland
    # (protected, but not a zone where outfalls are banned): not found.
    assert found["fid"].tolist() == [check_story.inside_fid]
    row = found.iloc[0]
    assert row["severity"] == "error"
    assert row["key"] == str(check_story.zone_fid)
    assert row["county_code"] == ZHANGPU
    assert row.geometry.equals(Point(117.62, 23.76))
    measured = row["measured"]
    assert (measured["zone_name"], measured["zone_type"], measured["decision"]) == (
        "古雷水源保护区", "drinking_water_source", "regularise")
    # The nearest edge is the meridian 117.60 or 117.64, 0.02° of longitude away at 23.76°N.
    _, _, to_edge = GEOD.inv(117.62, 23.76, 117.60, 23.76)
    assert measured["distance_to_edge_m"] == pytest.approx(to_edge, abs=1.0)
    assert row["message_zh"] == ("排污口位于饮用水水源保护区“古雷水源保护区”内"
                                 f"(距边界{measured['distance_to_edge_m']}米),现整治类型:规范整治,应予取缔")
    assert "Drinking-water source protection zone" in row["message_en"]


def test_outfall_without_a_decision_reads_as_missing_in_the_message(reg, check_story):
    fid = add_outfall(reg, "350623-GL-009", "古雷未定排口", Point(117.61, 23.77))
    found = findings_of(run_checks(reg, checks=[OUTFALL_CHECK]), OUTFALL_CHECK)
    row = found[found["fid"] == fid].iloc[0]
    assert row["measured"]["decision"] is None
    assert "现整治类型:—," in row["message_zh"]


def test_zone_plan_partly_outside_the_concentrated_area_is_measured_on_the_ellipsoid(reg, check_story):
    found = findings_of(run_checks(reg, checks=[PLAN_CHECK]), PLAN_CHECK)

    # Hui'an's plan lies inside its concentrated area: no finding. Zhao'an's sticks out.
    assert found["fid"].tolist() == [check_story.zhaoan_plan_fid]
    row = found.iloc[0]
    outside = ZHAOAN_PLAN.difference(ZHAOAN_CONCENTRATED)
    outside_m2 = abs(GEOD.geometry_area_perimeter(outside)[0])
    plan_m2 = abs(GEOD.geometry_area_perimeter(ZHAOAN_PLAN)[0])
    assert row["measured"]["outside_ha"] == pytest.approx(round(outside_m2 / 10000, 4), abs=0.0001)
    assert row["measured"]["outside_share"] == pytest.approx(100 * outside_m2 / plan_m2, abs=0.01)
    assert row["measured"]["doc_number"] == "闽政文〔2022〕356号"
    assert row["county_code"] == ZHAOAN
    assert row.geometry.symmetric_difference(outside).area < 1e-12, "the finding's geometry is the part outside"
    assert row["message_zh"].startswith("成片开发方案闽政文〔2022〕356号有")


def test_a_plan_inside_another_countys_concentrated_area_is_wholly_outside(reg, check_story):
    # A Zhao'an plan drawn inside Hui'an's concentrated area: the rule compares with its own county.
    fid = add_zone_plan(reg, 358, ZHAOAN, box(118.820, 25.020, 118.822, 25.022))
    found = findings_of(run_checks(reg, checks=[PLAN_CHECK]), PLAN_CHECK)
    row = found[found["fid"] == fid].iloc[0]
    assert row["measured"]["outside_share"] == pytest.approx(100.0)


def test_a_plan_that_is_exactly_the_concentrated_area_passes(reg, check_story):
    add_zone_plan(reg, 359, HUIAN, HUIAN_CONCENTRATED)
    found = findings_of(run_checks(reg, checks=[PLAN_CHECK]), PLAN_CHECK)
    assert found["fid"].tolist() == [check_story.zhaoan_plan_fid]


@pytest.mark.parametrize("area, expected", [
    (ZHANGPU, {OUTFALL_CHECK}),
    (ZHAOAN, {PLAN_CHECK}),
    ("350600", {OUTFALL_CHECK, PLAN_CHECK}),  # the city of Zhangzhou holds both counties' findings
    (SOURCE_ZONE.buffer(0.001).wkt, {OUTFALL_CHECK}),
    (json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(ZHAOAN_CONCENTRATED.buffer(0.01))}),
     {PLAN_CHECK}),
])
def test_runs_can_be_limited_to_an_area(reg, check_story, area, expected):
    reg.layer("admin_divisions").create({"code": "350600", "name": "漳州市", "level": "city"},
                                        shapely.MultiPolygon([box(117.0, 23.5, 118.0, 24.4)]))
    run = run_checks(reg, checks=STORY_CHECKS, area=area)
    assert set(run.findings()["check_id"]) == expected
    assert run.params["area"] == area


def test_an_unknown_or_malformed_area_is_refused_before_a_run_is_stored(reg, check_story):
    with pytest.raises(NotFound, match="350699"):
        run_checks(reg, area="350699")
    with pytest.raises(InvalidInput):
        run_checks(reg, area="POLYGON((1 2, 3")
    with pytest.raises(InvalidInput):  # Beijing is not in Fujian
        run_checks(reg, area=box(116.3, 39.8, 116.5, 40.0).wkt)
    with pytest.raises(InvalidInput, match="unknown check"):
        run_checks(reg, checks=["outfall.no_such_rule"])
    with pytest.raises(InvalidInput, match="unknown layer"):
        run_checks(reg, layers=["rivers"])
    with reg.engine.connect() as conn:
        assert conn.scalar(select(CheckRun.__table__.c.id)) is None


def stored_run(reg) -> int:
    with reg.engine.begin() as conn:
        return conn.execute(insert(CheckRun.__table__).values(data_version=0, author="tester")
                            .returning(CheckRun.__table__.c.id)).scalar_one()


def test_engine_fills_the_county_and_stores_measured_columns_as_json(reg, check_story):
    check = Check(id="test.named", layer="outfalls", severity="info", title_zh="按名称", title_en="By name",
                  message_zh="排口{name}", message_en="outfall {name}",
                  sql="SELECT fid, NULL AS key, geom, NULL::text AS county_code, name, 2.5 AS figure "
                      "FROM outfalls WHERE valid_to IS NULL AND name = :name",
                  params={"name": "古雷外海排口"})
    run_id = stored_run(reg)
    with reg.engine.begin() as conn:
        assert write_findings(conn, run_id, check, None) == 1
    t = Finding.__table__
    with reg.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.run_id == run_id)).one()
    assert row.key == ""
    assert row.county_code == ZHANGPU, "a finding without a county gets the county its geometry lies in"
    assert row.measured == {"name": "古雷外海排口", "figure": 2.5}
    assert (row.message_zh, row.message_en) == ("排口古雷外海排口", "outfall 古雷外海排口")


def test_a_check_without_the_required_columns_is_refused(reg):
    check = Check(id="test.bad", layer="outfalls", severity="info", title_zh="坏", title_en="Bad",
                  message_zh="", message_en="", sql="SELECT fid, geom FROM outfalls")
    run_id = stored_run(reg)
    with reg.engine.begin() as conn, pytest.raises(ValueError, match="key, county_code"):
        write_findings(conn, run_id, check, None)
