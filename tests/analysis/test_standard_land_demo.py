"""The demo's standard-land story, loaded through the ordinary imports and checked: exactly the problems
the demo was built to show, and a zone summary that adds up."""

from __future__ import annotations

from collections import Counter

import pytest

from analysis import run_checks
from analysis.land.gazette import parse_gazette
from analysis.standard_land.summary import zone_summary
from demo import gazette_text, load_demo
from registry import Registry


def test_the_demo_story_is_found_and_nothing_else(reg: Registry) -> None:
    load_demo(reg, parse_gazette(gazette_text()))
    plots = reg.layer("standard_land_plots").to_geodataframe().set_index("fid")["plot_code"]
    assert reg.layer("standard_land_values").count() == 23, "values linked to their plots by plot code"

    findings = run_checks(reg, layers=["standard_land_plots", "indicator_standards"]).findings()
    on_plots = findings[findings["layer"] == "standard_land_plots"]
    got = Counter((check.removeprefix("standard_land."), plots[fid]) for check, fid in zip(
        on_plots["check_id"], on_plots["fid"], strict=True))
    assert got == Counter({("regional_assessment_missing", "ZA-2023-01"): 6,
                           ("commitment_below_standard", "ZA-2023-01"): 1, ("not_net_land", "ZA-2023-01"): 1,
                           ("outside_urban_boundary", "ZA-2023-01"): 1, ("outside_provincial_zone", "ZA-2023-01"): 1,
                           ("regional_assessment_missing", "HA-2022-02"): 1,
                           ("regional_assessment_missing", "JY-2021-05"): 1,
                           ("performance_shortfall", "GL-2021-03"): 1})
    shortfall = on_plots[on_plots["check_id"] == "standard_land.performance_shortfall"].iloc[0]
    assert shortfall["measured"]["shortfall_pct"] == 6.15
    partial = on_plots[(on_plots["check_id"] == "standard_land.regional_assessment_missing")
                       & (on_plots["fid"] == plots[plots == "JY-2021-05"].index[0])].iloc[0]
    assert 20 < partial["measured"]["uncovered_pct"] < 50
    (lax,) = findings[findings["layer"] == "indicator_standards"].itertuples()
    assert lax.check_id == "standard_land.standard_below_floor"
    assert lax.message_zh.startswith("诏安县行业13的用地容积率标准0.8低于国家规定限值1")


def test_the_demo_zone_summary_adds_up(reg: Registry) -> None:
    load_demo(reg, parse_gazette(gazette_text()))
    frame = zone_summary(reg).set_index("zone")
    assert frame["plots"].sum() == 6, "no demo plot is disposed"
    gulei = frame.loc["古雷港经济开发区"]
    assert gulei["level"] == "国家级" and gulei["plots"] == 2 and gulei["plots_measured"] == 1
    assert float(gulei["achieved_output_per_mu"]) == 610
    assert 430 < float(gulei["committed_investment_intensity"]) < 520
    assert float(gulei["area_mu"]) == pytest.approx(float(gulei["area_ha"]) * 15)
