"""The per-zone summary (area-weighted per-mu figures) and each plot's compliance from the latest run."""

from __future__ import annotations

from decimal import Decimal

import pytest

from analysis import run_checks
from analysis.standard_land.summary import SUMMARY_COLUMNS, plot_compliance, zone_summary
from registry import Registry
from tests.stories.standard_land import ZONE, add_plot, add_values, build_site, rect


def test_a_zone_sums_its_plots_and_weights_per_mu_figures_by_area(reg: Registry) -> None:
    build_site(reg)
    a = add_plot(reg, "A", rect(width_m=200, height_m=150)).fid
    b = add_plot(reg, "B", rect(east_m=-300, width_m=100, height_m=150)).fid
    outside = add_plot(reg, "C", rect(east_m=5000)).fid
    gone = add_plot(reg, "D", rect(north_m=400), status="disposed").fid
    add_values(reg, a, "committed", {"investment_intensity": "450", "output_per_mu": "650", "tax_per_mu": "35"})
    add_values(reg, a, "completion", {"investment_intensity": "470"})
    add_values(reg, a, "production_review", {"output_per_mu": "600", "tax_per_mu": "40"})
    add_values(reg, b, "committed", {"investment_intensity": "300"})
    add_values(reg, outside, "committed", {"investment_intensity": "200"})
    add_values(reg, gone, "committed", {"investment_intensity": "900"})

    frame = zone_summary(reg)
    assert list(frame.columns) == list(SUMMARY_COLUMNS)
    zone = frame[frame["zone"] == ZONE].iloc[0]
    area = reg.layer("standard_land_plots").to_geodataframe().set_index("plot_code")["area_ha"]
    assert zone["plots"] == 2 and zone["level"] == "省级" and zone["plots_measured"] == 1
    assert zone["area_ha"] == area["A"] + area["B"] and zone["area_mu"] == (area["A"] + area["B"]) * 15
    weighted = (450 * area["A"] + 300 * area["B"]) / (area["A"] + area["B"])
    assert float(zone["committed_investment_intensity"]) == pytest.approx(float(weighted), abs=0.005)
    assert float(weighted) == pytest.approx(400, abs=0.1), "A is twice B's area"
    assert zone["achieved_investment_intensity"] == Decimal("470.00")
    assert (zone["committed_output_per_mu"], zone["achieved_output_per_mu"]) == (Decimal("650.00"), Decimal("600.00"))
    assert (zone["committed_tax_per_mu"], zone["achieved_tax_per_mu"]) == (Decimal("35.00"), Decimal("40.00"))
    rest = frame[frame["zone"] == "开发区外"].iloc[0]
    assert rest["plots"] == 1 and rest["committed_investment_intensity"] == Decimal("200.00")
    assert zone_summary(reg, "en")["zone"].tolist()[-1] == "Outside any development zone"


def test_compliance_comes_from_the_latest_run_and_a_later_change_is_unchecked(reg: Registry) -> None:
    build_site(reg)
    good = add_plot(reg, "GOOD").fid
    bad = add_plot(reg, "BAD", rect(east_m=5000)).fid  # outside the zone and the urban boundary
    assert set(plot_compliance(reg)["compliance"]) == {"unchecked"}, "no run yet"

    run_checks(reg, layers=["standard_land_plots"])
    plots = plot_compliance(reg).set_index("fid")
    assert plots.loc[good, "compliance"] == "ok" and plots.loc[good, "findings_zh"] == ""
    assert plots.loc[bad, "compliance"] == "error"
    assert "城镇开发边界之外" in plots.loc[bad, "findings_zh"] and "outside the urban" in plots.loc[bad, "findings_en"]

    record = reg.layer("standard_land_plots").get(good)
    reg.layer("standard_land_plots").update(good, {"name": "改名"}, base_version=record.version)
    assert plot_compliance(reg).set_index("fid").loc[good, "compliance"] == "unchecked"
