"""The demo's eldercare story, as civil-affairs staff would meet it: who is beyond 700 m, what the rules find."""

from __future__ import annotations

import pytest

from analysis import run_checks
from analysis.eldercare.coverage import coverage
from analysis.eldercare.siting import propose_sites
from demo import frame_of
from demo.eldercare import facility_rows, residential_area_rows
from registry import Registry

OUTLYING = {"北门新村", "石斋小区", "北郊安置区", "麻沙路小区"}
"""The demo's residential areas placed more than 1.2 km from every facility."""


@pytest.fixture
def demo(reg: Registry) -> Registry:
    for name, rows in (("residential_areas", residential_area_rows()), ("eldercare_facilities", facility_rows())):
        report = reg.layer(name).import_frame(frame_of(name, rows), source="demo data", author="demo")
        assert report.written == len(rows)
    return reg


def test_the_outlying_estates_are_uncovered_and_one_straddles_a_circle(demo: Registry) -> None:
    result = coverage(demo)

    status = dict(zip(result.areas["name"], result.areas["status"], strict=True))
    assert {name for name, s in status.items() if s == "uncovered"} == OUTLYING
    assert [name for name, s in status.items() if s == "partial"] == ["城东花苑"]
    straddling = result.areas.set_index("name").loc["城东花苑"]
    assert 0.4 < straddling["covered_share"] < 0.6
    assert straddling["covered_elderly"] == pytest.approx(300 * straddling["covered_share"])
    assert result.summary()["uncovered_areas"] == 4 and 80 < result.share_pct < 85


def test_the_rules_find_what_the_demo_was_built_to_show(demo: Registry) -> None:
    findings = run_checks(demo, layers=["eldercare_facilities"]).findings()

    keys = set(zip(findings["check_id"], findings["key"], strict=True))
    assert ("eldercare.street_without_demonstration", "350703:潭城街道") in keys
    assert ("eldercare.street_without_demonstration", "350703:童游街道") not in keys
    assert ("eldercare.nursing_bed_share_below_target", "350623") in keys
    assert ("eldercare.nursing_bed_share_below_target", "350703") not in keys
    assert not (findings["check_id"] == "eldercare.nursing_beds_exceed_beds").any()


def test_two_new_stations_reach_the_two_largest_outlying_estates(demo: Registry) -> None:
    proposal = propose_sites(demo, k=2)

    assert {n.removesuffix("(居住区内点)") for n in proposal.sites["name"]} == {"北门新村", "北郊安置区"}
    assert proposal.after.covered_elderly - proposal.before.covered_elderly == pytest.approx(530 + 470)
