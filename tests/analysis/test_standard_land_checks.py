"""Each standard-land check on geometry and figures built to pass and to fail, with the measured figure."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from shapely.geometry import box

from analysis import run_checks
from analysis.standard_land.lifecycle import record_values
from registry import Registry
from tests.stories.standard_land import (
    CENTRE,
    COMMITTED,
    ZHANGPU,
    ZONE,
    ZONE_BOX,
    add_assessment,
    add_plot,
    add_values,
    build_site,
    hectares,
    listed_plot,
    multi,
    rect,
    standard,
)


def found(reg: Registry, check: str) -> pd.DataFrame:
    frame = run_checks(reg, checks=[f"standard_land.{check}"]).findings()
    return frame.sort_values(["fid", "key"]).reset_index(drop=True)


def only(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1, frame[["key", "message_en"]].to_dict("records")
    return frame.iloc[0]


def listed(reg: Registry, code: str = "GL-2023-01", geom=None, *, values: dict[str, str] = COMMITTED,
           on: date = date(2023, 3, 1), **props) -> int:
    """A plot listed as an import would write it: status and date set directly, no write-path checks."""
    plot = add_plot(reg, code, geom, status="listed", listed_on=on, **props)
    add_values(reg, plot.fid, "committed", values)
    return plot.fid


# --------------------------------------------------------------------------- where a plot may be


def test_a_plot_in_a_provincial_zone_passes_one_in_another_zone_is_found(reg: Registry) -> None:
    build_site(reg)
    reg.layer("development_zones").create({"name": "某工业集中区", "level": "other", "county_code": ZHANGPU},
                                          multi(box(117.660, 23.800, 117.700, 23.860)))
    add_plot(reg, "IN")
    straddling = rect(east_m=3000, width_m=400)  # 117.630°E + 3 km straddles the zone's edge at 117.660°E
    add_plot(reg, "HALF", straddling)
    half = only(found(reg, "outside_provincial_zone"))
    assert half["measured"]["plot_code"] == "HALF"
    share = 100 * straddling.difference(ZONE_BOX).area / straddling.area
    assert 20 < share < 80 and half["measured"]["outside_pct"] == pytest.approx(share, abs=0.2)
    assert "某工业集中区(其他)" in half["message_zh"] and f"{ZONE}(省级)" in half["message_zh"]
    assert half["severity"] == "warning"


def test_a_plot_outside_the_urban_development_boundary_is_found_with_the_area_outside(site: Registry) -> None:
    add_plot(site, "IN")
    assert found(site, "outside_urban_boundary").empty
    out = add_plot(site, "OUT", rect(east_m=5000, width_m=200))  # beyond URBAN_BOX's 117.670°E
    row = only(found(site, "outside_urban_boundary"))
    assert row["fid"] == out.fid and row["measured"]["outside_pct"] == 100.0
    assert row["measured"]["outside_ha"] == pytest.approx(hectares(rect(east_m=5000, width_m=200)), abs=1e-4)


def test_overlapping_plots_are_both_found_and_a_disposed_plot_is_not(site: Registry) -> None:
    a = add_plot(site, "A", rect(width_m=200, height_m=100))
    add_plot(site, "NEXT", rect(east_m=-200, width_m=200, height_m=100))  # shares an edge only
    assert found(site, "overlaps_plot").empty
    b = add_plot(site, "B", rect(east_m=150, width_m=200, height_m=100))  # overlaps A by 50 m × 100 m
    rows = found(site, "overlaps_plot")
    pairs = {(r.fid, r.measured["other_code"]) for r in rows.itertuples()}
    assert (a.fid, "B") in pairs and (b.fid, "A") in pairs
    overlap = rows[rows["fid"] == a.fid].iloc[0]["measured"]["overlap_ha"]
    assert overlap == pytest.approx(0.5, abs=0.002)
    site.layer("standard_land_plots").update(a.fid, {"status": "disposed"}, base_version=a.version)
    assert found(site, "overlaps_plot").empty, "its land went back: B may overlap it"


def test_a_plot_taking_permanent_farmland_is_found_a_drinking_water_zone_is_not_this_rule(site: Registry) -> None:
    plot = add_plot(site)
    site.layer("protected_zones").create({"name": "鹿溪饮用水水源保护区", "zone_type": "drinking_water_source",
                                          "county_code": ZHANGPU}, rect(width_m=400, height_m=400))
    assert found(site, "in_protected_zone").empty
    site.layer("protected_zones").create({"name": "古雷永久基本农田", "zone_type": "permanent_farmland",
                                          "county_code": ZHANGPU}, rect(east_m=50, width_m=100, height_m=150))
    row = only(found(site, "in_protected_zone"))
    assert row["fid"] == plot.fid and row["measured"]["overlap_ha"] == pytest.approx(1.5, abs=0.002)
    assert "永久基本农田“古雷永久基本农田”" in row["message_zh"]


# --------------------------------------------------------------------------- before listing


def test_a_listed_plot_that_was_not_net_land_is_found_a_reserved_one_is_not(site: Registry) -> None:
    add_plot(site, "RESERVED", ready_water=False)
    listed(site, "READY")
    assert found(site, "not_net_land").empty
    fid = listed(site, "DRY", rect(east_m=-400), ready_water=None, planned_use=None)
    row = only(found(site, "not_net_land"))
    assert row["fid"] == fid and row["measured"]["missing_zh"] == "通水、规划条件明确(用途、容积率)"


def test_regional_assessments_must_be_done_published_and_cover_the_plot_before_listing(reg: Registry) -> None:
    build_site(reg, kinds=("energy", "water_resources", "mineral_overlay", "geological_hazard"))
    west = box(ZONE_BOX.bounds[0], ZONE_BOX.bounds[1], CENTRE[0], ZONE_BOX.bounds[3])
    add_assessment(reg, "environmental_impact", west, date(2020, 6, 30))       # covers the plot's west half
    add_assessment(reg, "soil_pollution", ZONE_BOX, date(2023, 5, 1))          # done after the listing
    fid = listed(reg, geom=rect(width_m=200))
    rows = found(reg, "regional_assessment_missing")
    assert rows["key"].tolist() == ["environmental_impact", "soil_pollution"] and set(rows["fid"]) == {fid}
    eia, soil = rows.iloc[0]["measured"], rows.iloc[1]["measured"]
    assert 45 < eia["uncovered_pct"] < 55
    assert soil["uncovered_pct"] == 100.0 and soil["completed_on"] == "2023-05-01"
    assert "土壤污染状况调查评估" in rows.iloc[1]["message_zh"]
    add_assessment(reg, "environmental_impact", ZONE_BOX, date(2021, 1, 1), published=False)
    assert found(reg, "regional_assessment_missing")["key"].tolist() == ["environmental_impact", "soil_pollution"]


def test_all_six_assessments_covering_the_plot_pass(site: Registry) -> None:
    listed(site)
    assert found(site, "regional_assessment_missing").empty


def test_a_listed_plot_without_a_standard_in_force_is_found(site: Registry) -> None:
    listed(site, industry_code="34", values={"investment_intensity": "300", "floor_area_ratio": "1.2"})
    listed(site, "GL-OK", rect(east_m=-400))
    rows = found(site, "no_standard")
    assert rows["key"].tolist() == ["floor_area_ratio", "investment_intensity"]
    assert set(rows["measured"].map(lambda m: m["plot_code"])) == {"GL-2023-01"}


def test_every_indicator_the_standard_sets_must_be_committed(site: Registry) -> None:
    listed(site, values={k: v for k, v in COMMITTED.items() if k != "tax_per_mu"})
    row = only(found(site, "indicator_missing"))
    assert row["key"] == "tax_per_mu" and row["measured"]["bound"] == 30
    assert row["message_en"].endswith("(required: 30 10k CNY/mu)")
    add_values(site, 1, "committed", {"tax_per_mu": "31"})
    assert found(site, "indicator_missing").empty


def test_commitments_are_held_to_the_standard_in_force_on_the_listing_date(site: Registry) -> None:
    site.layer("indicator_standards").create(standard("investment_intensity", "500", effective_from=date(2024, 1, 1)))
    listed(site, "BEFORE", values={**COMMITTED, "investment_intensity": "420"}, on=date(2023, 3, 1))
    assert found(site, "commitment_below_standard").empty, "400 was in force in 2023"
    listed(site, "AFTER", rect(east_m=-400), values={**COMMITTED, "investment_intensity": "420"},
           on=date(2024, 3, 1))
    row = only(found(site, "commitment_below_standard"))
    assert row["measured"]["plot_code"] == "AFTER" and row["measured"]["bound"] == 500
    assert row["measured"]["gap_pct"] == 16.0


def test_a_zone_standard_comes_before_the_county_standard(site: Registry) -> None:
    site.layer("indicator_standards").create(standard("tax_per_mu", "50", zone=None))
    listed(site, values=COMMITTED)  # tax 35: meets the zone's 30, not the county's 50
    assert found(site, "commitment_below_standard").empty


def test_a_maximum_indicator_falls_short_by_exceeding_it(site: Registry) -> None:
    site.layer("indicator_standards").create(standard("energy_per_unit", "0.5"))
    listed(site, values={**COMMITTED, "energy_per_unit": "0.6"})
    row = only(found(site, "commitment_below_standard"))
    assert row["key"] == "energy_per_unit" and row["measured"]["gap_pct"] == 20.0


def test_a_commitment_under_the_national_floor_is_found_even_where_the_local_standard_allows_it(
        reg: Registry) -> None:
    build_site(reg)
    reg.layer("indicator_standards").create(standard("floor_area_ratio", "0.8", industry="13", zone=None,
                                                     effective_from=date(2022, 1, 1)))
    listed(reg, industry_code="13", values={"investment_intensity": "300", "floor_area_ratio": "0.8"})
    row = only(found(reg, "commitment_below_standard"))
    assert row["measured"]["standard"] == 0.8 and row["measured"]["floor"] == 1 and row["measured"]["bound"] == 1
    below = only(found(reg, "standard_below_floor"))
    assert below["measured"]["floor_level"] == "national" and "国家规定限值1" in below["message_zh"]


# --------------------------------------------------------------------------- performance


def test_measured_values_short_of_the_commitment_are_found_with_the_shortfall(site: Registry) -> None:
    site.layer("indicator_standards").create(standard("energy_per_unit", "0.5"))
    fid = listed(site, values={**COMMITTED, "energy_per_unit": "0.4"})
    add_values(site, fid, "completion", {"investment_intensity": "460", "floor_area_ratio": "0.9"})
    add_values(site, fid, "production_review", {"output_per_mu": "650", "tax_per_mu": "28",
                                                "energy_per_unit": "0.5"})
    rows = found(site, "performance_shortfall")
    assert {r.key: r.measured["shortfall_pct"] for r in rows.itertuples()} == {
        "floor_area_ratio:completion": 10.0, "tax_per_mu:production_review": 20.0,
        "energy_per_unit:production_review": 25.0}
    tax = rows[rows["key"] == "tax_per_mu:production_review"].iloc[0]
    assert tax["message_zh"] == "地块GL-2023-01达产复核实测值的亩均税收为28万元/亩,承诺35万元/亩,差20%"


def test_completion_and_review_without_measurements_are_found(site: Registry) -> None:
    fid = add_plot(site, status="completed", listed_on=date(2023, 3, 1), enterprise="甲公司",
                   contract_signed_on=date(2023, 4, 1), agreement_signed_on=date(2023, 4, 1),
                   construction_started_on=date(2023, 5, 1), completed_on=date(2024, 5, 1)).fid
    add_values(site, fid, "committed", COMMITTED)
    add_values(site, fid, "completion", {"investment_intensity": "460"})
    row = only(found(site, "measurement_missing"))
    assert row["key"] == "floor_area_ratio:completion" and "2024-05-01竣工验收" in row["message_zh"]


# --------------------------------------------------------------------------- life cycle and units


def test_status_and_dates_that_contradict_each_other_are_found(site: Registry) -> None:
    add_plot(site, "OK", status="sold", listed_on=date(2023, 3, 1), contract_signed_on=date(2023, 4, 1),
             agreement_signed_on=date(2023, 4, 1), enterprise="甲公司")
    assert found(site, "lifecycle_inconsistent").empty
    add_plot(site, "BAD", rect(east_m=-400), status="completed", listed_on=date(2023, 3, 1),
             contract_signed_on=date(2023, 4, 1), agreement_signed_on=date(2023, 4, 20),
             completed_on=date(2023, 2, 1))
    row = only(found(site, "lifecycle_inconsistent"))
    problems = row["measured"]["problems_zh"]
    assert "当前状态应有开工日期" in problems and "出让合同与履约监管协议应同步签订" in problems
    assert row["message_en"].startswith("plot BAD (status: Completed): ")


def test_values_with_a_unit_slip_are_found(site: Registry) -> None:
    fid = add_plot(site, geom=rect(width_m=200, height_m=150)).fid
    add_values(site, fid, "committed", {"investment_intensity": "4500000", "floor_area_ratio": "1.2"})
    hectare_figure = round(hectares(rect(width_m=200, height_m=150)), 2)
    add_values(site, fid, "committed", {"land_scale": str(hectare_figure)})
    rows = found(site, "value_unit_suspect")
    assert rows["key"].tolist() == ["investment_intensity:committed", "land_scale:committed"]
    assert "请核对单位(万元与元、亩与公顷)" in rows.iloc[0]["message_zh"]
    assert "typed in hectares?" in rows.iloc[1]["message_en"]


def test_a_land_scale_in_mu_passes(site: Registry) -> None:
    fid = add_plot(site).fid
    add_values(site, fid, "committed", {"land_scale": str(round(hectares(rect()) * 15, 2))})
    assert found(site, "value_unit_suspect").empty


def test_standards_with_overlapping_periods_or_a_unit_slip_are_found(site: Registry) -> None:
    assert found(site, "standard_periods_overlap").empty
    site.layer("indicator_standards").create(standard("tax_per_mu", "35", effective_from=date(2022, 1, 1),
                                                      effective_to=date(2022, 12, 31)))
    row = only(found(site, "standard_periods_overlap"))
    assert row["measured"]["other_from"] == "2022-01-01" and row["geometry"] is None
    assert row["county_code"] == ZHANGPU
    assert found(site, "standard_unit_suspect").empty
    site.layer("indicator_standards").create(standard("investment_intensity", "4000000", industry="27"))
    assert only(found(site, "standard_unit_suspect"))["measured"]["plausible_max"] == 10000


def test_the_write_path_leaves_nothing_for_the_checks(site: Registry) -> None:
    plot = listed_plot(site)
    record_values(site, plot.fid, "committed", {})  # nothing changes
    run = run_checks(site, layers=["standard_land_plots", "indicator_standards"])
    assert run.finding_count == 0, run.findings()["message_en"].tolist()
