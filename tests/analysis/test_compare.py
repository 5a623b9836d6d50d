"""Comparing two runs: a month of remediation at Gulei seen as new, resolved and unchanged findings."""

from __future__ import annotations

from shapely.geometry import Point

from analysis import run_checks
from tests.stories.checks import STORY_CHECKS, add_outfall

OUTFALL_CHECK = "outfall.in_protected_zone"
PLAN_CHECK = "expropriation.zone_plan_outside_concentrated"


def test_new_resolved_and_unchanged_findings_between_two_months(reg, check_story):
    last_month = run_checks(reg, checks=STORY_CHECKS)
    # This month: the regularised outfall is now to be removed (resolved), a newly surveyed outfall
    # turns up inside the source zone (new), and the Zhao'an plan is still outside (unchanged).
    reg.layer("outfalls").update(check_story.inside_fid, {"decision": "remove"}, base_version=1)
    newcomer = add_outfall(reg, "350623-GL-010", "古雷新发现排口", Point(117.615, 23.745))
    this_month = run_checks(reg, checks=STORY_CHECKS)

    comparison = this_month.compare(last_month)
    assert comparison.before.id == last_month.id and comparison.after.id == this_month.id
    assert comparison.new["fid"].tolist() == [newcomer]
    assert comparison.resolved["fid"].tolist() == [check_story.inside_fid]
    assert comparison.unchanged["fid"].tolist() == [check_story.zhaoan_plan_fid]
    assert comparison.notes == []

    summary = comparison.summary().set_index("check_id")
    assert summary.loc[OUTFALL_CHECK, ["new", "resolved", "unchanged"]].tolist() == [1, 1, 0]
    assert summary.loc[PLAN_CHECK, ["new", "resolved", "unchanged"]].tolist() == [0, 0, 1]

    # The earlier run is the baseline whichever way round the two are compared.
    reverse = last_month.compare(this_month)
    assert reverse.new["fid"].tolist() == [newcomer]
    assert reverse.resolved["fid"].tolist() == [check_story.inside_fid]


def test_a_finding_on_another_zone_of_the_same_outfall_is_a_different_finding(reg, check_story):
    before = run_checks(reg, checks=[OUTFALL_CHECK])
    zone = reg.layer("protected_zones").get(check_story.zone_fid)
    reg.layer("protected_zones").delete(check_story.zone_fid, base_version=zone.version)
    moved = reg.layer("protected_zones").create(
        {"name": "古雷水源保护区(调整)", "zone_type": "drinking_water_source", "county_code": "350623"}, zone.geometry)
    after = run_checks(reg, checks=[OUTFALL_CHECK])

    comparison = after.compare(before)
    assert comparison.new[["fid", "key"]].values.tolist() == [[check_story.inside_fid, str(moved.fid)]]
    assert comparison.resolved[["fid", "key"]].values.tolist() == [[check_story.inside_fid, str(check_story.zone_fid)]]


def test_only_checks_both_runs_ran_are_compared(reg, check_story):
    everything = run_checks(reg, checks=STORY_CHECKS)
    outfalls_only = run_checks(reg, checks=[OUTFALL_CHECK], area="350623")

    comparison = everything.compare(outfalls_only)
    assert comparison.check_ids == [OUTFALL_CHECK]
    assert comparison.resolved.empty, "the zone plan was not checked the second time, so it is not resolved"
    assert comparison.unchanged["fid"].tolist() == [check_story.inside_fid]
    assert any(PLAN_CHECK in note for note in comparison.notes)
    assert any("different areas" in note for note in comparison.notes)
