"""The standard-land write path: a plot walked through its whole life, and every way a step is refused."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from analysis import run_checks
from analysis.standard_land.lifecycle import advance_plot, plot_life, publish_standard, record_values
from analysis.standard_land.rules import floor_problems, implausible, load_config
from registry import Registry
from registry.errors import InvalidInput, StaleVersion
from tests.stories.standard_land import (
    COMMITTED,
    add_plot,
    build_site,
    hectares,
    listed_plot,
    rect,
    standard,
    walk,
)


def test_a_plot_walks_its_whole_life_and_its_history_keeps_every_step(site: Registry) -> None:
    reg = site
    plot = add_plot(reg)
    record_values(reg, plot.fid, "committed", COMMITTED)
    plot = walk(reg, plot, ("list", date(2023, 3, 1), {}),
                ("sign", date(2023, 4, 10), {"enterprise": "漳州古雷新材料有限公司"}),
                ("start", date(2023, 6, 1), {}))
    record_values(reg, plot.fid, "completion", {"investment_intensity": "470", "floor_area_ratio": "1.1"},
                  measured_on=date(2024, 5, 20))
    plot = walk(reg, plot, ("complete", date(2024, 5, 20), {}))
    record_values(reg, plot.fid, "production_review", {"output_per_mu": "600", "tax_per_mu": "40"})
    plot = walk(reg, plot, ("review", date(2025, 5, 30), {}),
                ("breach", date(2025, 6, 15), {"reason": "亩均产值未达约定"}),
                ("dispose", date(2025, 12, 1), {}))

    props = plot.properties
    assert props["status"] == "disposed" and plot.version == 8
    assert props["contract_signed_on"] == props["agreement_signed_on"] == date(2023, 4, 10)
    assert [h.properties["status"] for h in reg.layer("standard_land_plots").history(plot.fid)] == [
        "reserved", "listed", "sold", "under_construction", "completed", "production_reviewed", "in_breach",
        "disposed"]
    life = plot_life(reg, plot.fid)
    assert [step["event"] for step in life.timeline] == ["list", "sign", "start", "complete", "review", "breach",
                                                         "dispose"]
    assert life.problems == [] and life.next_events == []
    output = next(i for i in life.indicators if i["indicator"] == "output_per_mu")
    assert output["standard"] == Decimal("600") and output["committed"] == Decimal("650")
    assert output["shortfall_pct"]["production_review"] == Decimal("7.69")
    assert life.area_mu == pytest.approx(Decimal(str(hectares(rect()))) * 15, abs=Decimal("0.002"))
    run = run_checks(reg, layers=["standard_land_plots"])
    assert run.finding_count == 0, run.findings()[["check_id", "message_en"]].to_dict("records")


def test_a_rectified_breach_returns_to_the_stage_reached(site: Registry) -> None:
    plot = walk(site, listed_plot(site), ("sign", date(2023, 4, 10), {"enterprise": "甲公司"}),
                ("start", date(2023, 6, 1), {}), ("breach", date(2024, 1, 5), {"reason": "停工超过一年"}),
                ("rectify", date(2024, 3, 1), {}))
    assert plot.properties["status"] == "under_construction"
    assert plot.properties["breach_found_on"] is None and plot.properties["breach_reason"] is None


@pytest.mark.parametrize(("steps", "event", "message"), [
    ([], "review", "allowed from completed"),
    ([("sign", date(2023, 4, 10), {"enterprise": "甲公司"})], "complete", "allowed from under_construction"),
    ([], "dispose", "allowed from in_breach"),
    ([], "list", "allowed from reserved"),
])
def test_a_step_out_of_order_is_refused_naming_the_plot_and_the_status(site, steps, event, message) -> None:
    plot = walk(site, listed_plot(site), *steps)
    with pytest.raises(InvalidInput, match=message) as refused:
        advance_plot(site, plot.fid, event, date(2024, 1, 1), base_version=plot.version)
    assert "GL-2023-01" in refused.value.detail and "不能" in refused.value.detail
    assert site.layer("standard_land_plots").get(plot.fid).version == plot.version, "nothing written"


def test_dates_must_follow_each_other_and_not_lie_ahead(site: Registry) -> None:
    plot = walk(site, listed_plot(site), ("sign", date(2023, 4, 10), {"enterprise": "甲公司"}))
    with pytest.raises(InvalidInput, match="开工日期早于出让合同签订日期"):
        advance_plot(site, plot.fid, "start", date(2023, 4, 1), base_version=plot.version)
    with pytest.raises(InvalidInput, match="a date lies in the future"):
        advance_plot(site, plot.fid, "start", date.today() + timedelta(days=3), base_version=plot.version)


def test_signing_needs_the_enterprise_and_a_breach_its_reason(site: Registry) -> None:
    plot = listed_plot(site)
    with pytest.raises(InvalidInput, match="enterprise"):
        advance_plot(site, plot.fid, "sign", date(2023, 4, 10), base_version=plot.version)
    plot = walk(site, plot, ("sign", date(2023, 4, 10), {"enterprise": "甲公司"}))
    with pytest.raises(InvalidInput, match="违约情形"):
        advance_plot(site, plot.fid, "breach", date(2023, 9, 1), base_version=plot.version)


def test_listing_is_refused_unless_net_land(site: Registry) -> None:
    plot = add_plot(site, ready_road=False, planning_far_min=None)
    record_values(site, plot.fid, "committed", COMMITTED)
    with pytest.raises(InvalidInput) as refused:
        advance_plot(site, plot.fid, "list", date(2023, 3, 1), base_version=plot.version)
    assert "通路" in refused.value.detail and "规划条件明确" in refused.value.detail
    assert "Road access" in refused.value.detail


def test_listing_is_refused_without_the_indicators_or_below_the_standard(site: Registry) -> None:
    plot = add_plot(site)
    record_values(site, plot.fid, "committed", {"investment_intensity": "380", "floor_area_ratio": "1.0",
                                                "output_per_mu": "650"})
    with pytest.raises(InvalidInput) as refused:
        advance_plot(site, plot.fid, "list", date(2023, 3, 1), base_version=plot.version)
    detail = refused.value.detail
    assert "没有亩均税收承诺值(要求:30万元/亩)" in detail
    assert "固定资产投资强度承诺值380万元/亩未达到挂牌日(2023-03-01)的要求400万元/亩" in detail
    assert "相差5%" in detail


def test_a_lax_local_standard_does_not_excuse_a_plot_below_the_national_floor(reg: Registry) -> None:
    build_site(reg)
    reg.layer("indicator_standards").create(standard("floor_area_ratio", "0.8", industry="13", zone=None,
                                                     effective_from=date(2022, 1, 1)))
    plot = add_plot(reg, industry_code="13")
    record_values(reg, plot.fid, "committed", {"investment_intensity": "300", "floor_area_ratio": "0.8"})
    with pytest.raises(InvalidInput, match=r"的要求1\(地方标准0\.8,国家或省级限值1\),相差20%") as refused:
        advance_plot(reg, plot.fid, "list", date(2023, 3, 1), base_version=plot.version)
    assert "committed Floor-area ratio 0.8, short of the 1 required" in refused.value.detail


def test_listing_is_refused_where_no_standard_is_in_force(site: Registry) -> None:
    plot = add_plot(site, industry_code="34")
    record_values(site, plot.fid, "committed", COMMITTED)
    with pytest.raises(InvalidInput, match="没有施行中的固定资产投资强度标准"):
        advance_plot(site, plot.fid, "list", date(2023, 3, 1), base_version=plot.version)


def test_completion_and_review_need_their_measurements(site: Registry) -> None:
    plot = walk(site, listed_plot(site), ("sign", date(2023, 4, 10), {"enterprise": "甲公司"}),
                ("start", date(2023, 6, 1), {}))
    with pytest.raises(InvalidInput, match="须先录入竣工验收实测值:固定资产投资强度"):
        advance_plot(site, plot.fid, "complete", date(2024, 5, 20), base_version=plot.version)
    record_values(site, plot.fid, "completion", {"investment_intensity": "460", "floor_area_ratio": "1.0"})
    plot = walk(site, plot, ("complete", date(2024, 5, 20), {}))
    with pytest.raises(InvalidInput, match="亩均产值"):
        advance_plot(site, plot.fid, "review", date(2025, 5, 20), base_version=plot.version)


def test_commitments_are_fixed_once_signed_and_measurements_wait_for_construction(site: Registry) -> None:
    plot = listed_plot(site)
    with pytest.raises(InvalidInput, match="allowed while under_construction"):
        record_values(site, plot.fid, "completion", {"investment_intensity": "460"})
    plot = walk(site, plot, ("sign", date(2023, 4, 10), {"enterprise": "甲公司"}))
    with pytest.raises(InvalidInput, match="the plot is sold; allowed while reserved, listed"):
        record_values(site, plot.fid, "committed", {"investment_intensity": "300"})


def test_values_are_upserted_removed_and_checked_for_their_unit(site: Registry) -> None:
    plot = add_plot(site)
    record_values(site, plot.fid, "committed", {"investment_intensity": "450", "land_scale": "45"})
    values = record_values(site, plot.fid, "committed", {"investment_intensity": "460", "land_scale": None})
    assert {(v.properties["indicator"], v.properties["value"], v.version) for v in values} == {
        ("investment_intensity", Decimal("460"), 2)}
    with pytest.raises(InvalidInput, match="请核对单位") as refused:
        record_values(site, plot.fid, "committed", {"investment_intensity": "4500000", "floor_area_ratio": "1.2"})
    assert "10k CNY or CNY" in refused.value.detail
    with pytest.raises(InvalidInput, match="unknown indicator"):
        record_values(site, plot.fid, "committed", {"investment": "450"})
    with pytest.raises(InvalidInput, match="below the minimum"):
        record_values(site, plot.fid, "committed", {"floor_area_ratio": "-1"})
    current = site.layer("standard_land_values").to_geodataframe(where={"plot_fid": plot.fid})
    assert current["value"].tolist() == [Decimal("460")], "a refused write leaves the values as they were"


def test_a_step_based_on_an_old_version_is_stale(site: Registry) -> None:
    plot = listed_plot(site)
    with pytest.raises(StaleVersion):
        advance_plot(site, plot.fid, "sign", date(2023, 4, 10), base_version=plot.version - 1, enterprise="甲公司")


# --------------------------------------------------------------------------- standards


def test_a_standard_laxer_than_the_national_floor_is_refused(reg: Registry) -> None:
    with pytest.raises(InvalidInput) as refused:
        publish_standard(reg, standard("floor_area_ratio", "0.8", industry="13", zone=None))
    assert "用地容积率 0.8 低于国家规定限值 1.0" in refused.value.detail
    assert reg.layer("indicator_standards").count() == 0
    assert publish_standard(reg, standard("floor_area_ratio", "1.0", industry="13", zone=None)).fid == 1
    assert publish_standard(reg, standard("floor_area_ratio", "0.6", industry="26")).fid == 2


def test_a_new_version_ends_the_open_ended_one_and_overlaps_are_refused(reg: Registry) -> None:
    first = publish_standard(reg, standard("investment_intensity", "400"))
    second = publish_standard(reg, standard("investment_intensity", "450", effective_from=date(2023, 1, 1)))
    assert reg.layer("indicator_standards").get(first.fid).properties["effective_to"] == date(2022, 12, 31)
    assert second.properties["effective_to"] is None
    with pytest.raises(InvalidInput, match="overlaps standard"):
        publish_standard(reg, standard("investment_intensity", "420", effective_from=date(2022, 6, 1),
                                       effective_to=date(2022, 12, 31)))
    other_zone = publish_standard(reg, standard("investment_intensity", "300", zone=None))
    assert other_zone.properties["development_zone"] is None, "the county's standard is another series"


def test_a_standard_in_yuan_instead_of_10k_yuan_is_refused(reg: Registry) -> None:
    with pytest.raises(InvalidInput, match="plausible maximum 10000"):
        publish_standard(reg, standard("investment_intensity", "4000000"))


def test_floors_and_plausible_maxima_come_from_configuration(tmp_path) -> None:
    path = tmp_path / "standard_land.json"
    path.write_text('{"floors": [{"level": "provincial", "industry_code": "13", "indicator": "investment_intensity",'
                    ' "value": 300, "source": "示例", "verified": false}], "plausible_max": {"tax_per_mu": 500}}',
                    encoding="utf-8")
    config = load_config(path)
    problems = floor_problems("13", "investment_intensity", Decimal("250"), config)
    assert len(problems) == 1 and "省级规定限值 300" in problems[0] and "未经核实" in problems[0]
    assert floor_problems("13", "floor_area_ratio", Decimal("0.9"), config), "the national floors stay"
    assert implausible("tax_per_mu", Decimal("600"), config) and not implausible("tax_per_mu", Decimal("600"))
    path.write_text('{"floors": [{"level": "county", "industry_code": "13", "indicator": "x", "value": 1}]}')
    with pytest.raises(ValueError, match="invalid standard-land configuration"):
        load_config(path)


def test_a_plot_outside_an_editors_jurisdiction_is_refused(site: Registry) -> None:
    # Jurisdiction is the registry's rule (Store.require_scope); the write path passes it on, and a
    # plot's values belong to the plot's jurisdiction.
    from registry.errors import Forbidden

    plot = add_plot(site)
    record_values(site, plot.fid, "committed", COMMITTED)
    with pytest.raises(Forbidden):
        advance_plot(site, plot.fid, "list", date(2023, 3, 1), base_version=plot.version, scope="350624")
    with pytest.raises(Forbidden, match="350624"):
        record_values(site, plot.fid, "committed", {"tax_per_mu": "40"}, scope="350624")
    assert site.layer("standard_land_plots").get(plot.fid).properties["status"] == "reserved"
    taxes = site.layer("standard_land_values").to_geodataframe(where={"indicator": "tax_per_mu"})
    assert taxes["value"].tolist() == [Decimal("35")], "the committed tax is unchanged"
