"""Every outfall rule of 闽政办〔2022〕43号 on data built to break it and data built to keep it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import insert, select

from analysis import run_checks
from analysis.engine import Check, write_findings
from analysis.outfalls.checks import configured_checks
from analysis.outfalls.config import Deadline, Limit, OutfallConfig
from layers.protected_zones import OUTFALL_BANNED
from layers.system import CheckRun, Finding
from registry import Registry
from registry.repository import new_changeset

ZHANGPU, ZHAOAN = "350623", "350624"
UNIT_A, UNIT_B = "9144030071526726XG", "91330100716105852F"
BASE = {"county_code": ZHANGPU, "receiving_kind": "river", "outfall_class": "industrial",
        "subclass": "industrial_enterprise", "status": "surveyed"}
ZONE = box(117.60, 23.74, 117.64, 23.78)
INSIDE, OUTSIDE = Point(117.62, 23.76), Point(117.70, 23.90)
_serial = iter(range(1, 10_000))


def outfall(reg: Registry, at: Point = OUTSIDE, **props: Any) -> int:
    """An outfall with a fresh, well-formed code; ``props`` override the defaults."""
    county = props.get("county_code", ZHANGPU)
    return reg.layer("outfalls").create({**BASE, "code": f"{county}RH{next(_serial):04d}", "name": "测试排口",
                                         **props}, at).fid


def polygon(reg: Registry, layer: str, geom, **props: Any) -> int:
    return reg.layer(layer).create(props, MultiPolygon([geom])).fid


def found(reg: Registry, check: str | Check) -> list[dict[str, Any]]:
    """The findings of one check: a declared one through a stored run, a configured one directly."""
    if isinstance(check, str):
        frame = run_checks(reg, checks=[check]).findings()
        return frame.drop(columns="geometry").to_dict("records")
    t = Finding.__table__
    with reg.engine.begin() as conn:
        run_id = conn.execute(insert(CheckRun.__table__).values(data_version=0, author="tester")
                              .returning(CheckRun.__table__.c.id)).scalar_one()
        write_findings(conn, run_id, check, None)
        rows = conn.execute(select(t).where(t.c.run_id == run_id).order_by(t.c.fid, t.c.key)).mappings().all()
    return [dict(r) for r in rows]


def configured(config: OutfallConfig, check_id: str) -> Check:
    return next(c for c in configured_checks(config) if c.id == check_id)


def fids(rows: list[dict[str, Any]]) -> list[int]:
    return sorted(int(r["fid"]) for r in rows)


# --------------------------------------------------------------------------- location rules


def test_every_banned_zone_type_requires_removal_and_other_zones_do_not(reg):
    inside = {}
    for i, zone_type in enumerate((*OUTFALL_BANNED, "ecological_red_line", "permanent_farmland")):
        west = 117.0 + 0.1 * i
        polygon(reg, "protected_zones", box(west, 24.0, west + 0.05, 24.05), name=f"保护区{i}", zone_type=zone_type)
        inside[zone_type] = outfall(reg, Point(west + 0.02, 24.02), decision="regularise", status="decided")
    removed = outfall(reg, Point(117.02, 24.03), decision="remove", status="decided")

    rows = found(reg, "outfall.in_protected_zone")
    assert fids(rows) == sorted(inside[z] for z in OUTFALL_BANNED)
    assert removed not in fids(rows)
    assert all(r["severity"] == "error" and r["message_zh"].endswith("应予取缔") for r in rows)


@pytest.mark.parametrize("west", [117.6, 118.3, 118.7], ids=["zone 39", "zone 39 near 118.5°E", "zone 40"])
def test_distance_to_the_edge_is_geodesic_to_the_edge_as_drawn(reg, west):
    """A zone 0.5° wide: its north edge runs along the parallel as stored (straight in lon/lat), while the
    great circle between its corners bows 24 m north. An outfall 1 km south of that edge is 1 km from it,
    to 0.1 m (pyproj on the edge densified to 1 m, GRS80), in either Gauss-Kruger zone."""
    zone = box(west, 25.5, west + 0.5, 26.0)
    polygon(reg, "protected_zones", zone, name="长边保护区", zone_type="drinking_water_source")
    geod = Geod(ellps="GRS80")
    lon = west + 0.25
    lon2, lat2, _ = geod.fwd(lon, 26.0, 180, 1000.0)
    outfall(reg, Point(lon2, lat2), decision="regularise", status="decided")
    [row] = found(reg, "outfall.in_protected_zone")
    edge = shapely.get_coordinates(shapely.segmentize(zone.boundary, 1e-5))
    _, _, d = geod.inv(np.full(len(edge), lon2), np.full(len(edge), lat2), edge[:, 0], edge[:, 1])
    assert d.min() == pytest.approx(1000.0, abs=0.01)
    assert row["measured"]["distance_to_edge_m"] == pytest.approx(d.min(), abs=0.05)
    assert "距边界1000米" in row["message_zh"]


def test_domestic_outlet_inside_sewer_coverage_is_to_be_merged(reg):
    coverage = polygon(reg, "sewer_coverage", ZONE, name="绥安城区管网", plant_name="漳浦县城区污水处理厂")
    kept = outfall(reg, INSIDE, outfall_class="other", subclass="urban_domestic", decision="keep", status="decided")
    undecided = outfall(reg, Point(117.61, 23.75), outfall_class="other", subclass="rural_domestic")
    outfall(reg, Point(117.63, 23.77), outfall_class="other", subclass="urban_domestic", decision="merge",
            status="decided")
    outfall(reg, Point(117.615, 23.765), outfall_class="other", subclass="rural_domestic", decision="remove",
            status="decided")
    outfall(reg, OUTSIDE, outfall_class="other", subclass="urban_domestic")
    outfall(reg, Point(117.625, 23.755))  # an industrial outfall is not a domestic outlet

    rows = found(reg, "outfall.domestic_in_sewer_coverage")
    assert fids(rows) == sorted([kept, undecided])
    first = next(r for r in rows if r["fid"] == kept)
    assert first["key"] == str(coverage) and first["severity"] == "warning"
    assert first["message_zh"].startswith("城镇生活污水散排口位于污水管网覆盖范围“绥安城区管网”内,现整治类型:保留")


def test_enterprise_outfall_inside_an_industrial_park_goes_to_the_park_plant(reg):
    polygon(reg, "industrial_parks", ZONE, name="古雷石化园区", has_central_plant=True, plant_name="古雷园区污水厂")
    polygon(reg, "industrial_parks", box(117.80, 23.80, 117.84, 23.84), name="无集中处理设施园区",
            has_central_plant=False)
    regularised = outfall(reg, INSIDE, decision="regularise", status="decided")
    outfall(reg, Point(117.61, 23.75), decision="merge", status="decided")
    outfall(reg, Point(117.63, 23.75), decision="keep", status="decided", approval_number="漳环审〔2023〕12号")
    outfall(reg, Point(117.63, 23.77), subclass="park_plant", decision="keep", status="decided")
    outfall(reg, Point(117.82, 23.82))  # the park has no plant to send it to
    outfall(reg, OUTSIDE)

    rows = found(reg, "outfall.industrial_in_park")
    assert fids(rows) == [regularised]
    assert "古雷园区污水厂" in rows[0]["message_zh"] and "park plant (古雷园区污水厂)" in rows[0]["message_en"]


# --------------------------------------------------------------------------- who answers for an outfall


def test_a_unit_keeping_several_outfalls_must_have_told_the_city_bureau(reg):
    told = outfall(reg, unit_credit_code=UNIT_A, discharging_unit="甲公司", city_bureau_informed_on="2023-03-01")
    untold = outfall(reg, unit_credit_code=UNIT_A, discharging_unit="甲公司", decision="regularise",
                     status="decided")
    # Unit B: its second outfall is being merged away, so B keeps one.
    outfall(reg, unit_credit_code=UNIT_B, discharging_unit="乙公司")
    outfall(reg, unit_credit_code=UNIT_B, discharging_unit="乙公司", decision="merge", status="decided")

    rows = found(reg, "outfall.unit_several_outfalls")
    assert fids(rows) == [untold]
    assert rows[0]["measured"]["outfall_count"] == 2
    codes = reg.layer("outfalls").get(told).properties["code"], reg.layer("outfalls").get(untold).properties["code"]
    assert rows[0]["measured"]["codes"] == "、".join(sorted(codes))
    assert "甲公司" not in rows[0]["message_zh"], "unit names are not public"


def test_one_credit_code_must_name_one_organisation(reg):
    first = outfall(reg, unit_credit_code=UNIT_A, discharging_unit="甲公司")
    second = outfall(reg, unit_credit_code=UNIT_A, discharging_unit="甲化工公司")
    # A unit answering for its own outfall is both unit and responsible party under one name: consistent.
    outfall(reg, unit_credit_code=UNIT_B, discharging_unit="乙公司", credit_code=UNIT_B, responsible_party="乙公司")
    outfall(reg, unit_credit_code=UNIT_B, discharging_unit="乙公司")
    assert fids(found(reg, "outfall.credit_code_names")) == sorted([first, second])

    party = outfall(reg, credit_code=UNIT_A, responsible_party="某镇人民政府")
    rows = found(reg, "outfall.credit_code_names")
    assert sorted((r["fid"], r["key"]) for r in rows) == sorted(
        [(first, "discharging_unit"), (second, "discharging_unit"), (party, "responsible_party")])
    assert "甲" not in "".join(r["message_zh"] for r in rows), "names are not public"


# --------------------------------------------------------------------------- progress of the work


def test_untraced_outfalls_are_flagged_once_the_default_deadline_has_passed(reg):
    late = outfall(reg, status="sampled")
    outfall(reg, status="traced")
    outfall(reg, status="remediated", decision="remove")

    rows = found(reg, "outfall.untraced_after_deadline")
    assert fids(rows) == [late]
    measured = rows[0]["measured"]
    assert measured["deadline"] == "2024-12-31" and measured["deadline_scope"] == "全省默认期限 / provincial default"
    assert measured["days_overdue"] == (date.today() - date(2024, 12, 31)).days
    assert rows[0]["message_zh"].startswith("排污口尚未溯源(工作进度:已监测),溯源期限2024-12-31")


def test_deadlines_are_configured_per_basin_or_area_and_the_earliest_applies(reg):
    polygon(reg, "key_basins", box(117.5, 23.5, 118.0, 24.0), name="东山湾", kind="bay")
    in_bay = outfall(reg, Point(117.7, 23.8))
    zhaoan = outfall(reg, Point(117.2, 23.7), county_code=ZHAOAN)
    elsewhere = outfall(reg, Point(117.2, 24.5))
    future = date.today() + timedelta(days=400)
    config = replace(OutfallConfig(), tracing_deadline=future, deadlines=(
        Deadline("东山湾", None, date(2023, 6, 30)), Deadline(None, "350600", date(2024, 3, 31)),
        Deadline(None, ZHAOAN, future)))

    rows = {r["fid"]: r["measured"] for r in found(reg, configured(config, "outfall.untraced_after_deadline"))}
    # In the bay (and in the city of Zhangzhou) the bay's earlier deadline wins; Zhao'an is in the city too,
    # so the city's deadline beats its own later one; the outfall in neither has the future default.
    assert rows[in_bay]["deadline"] == "2023-06-30" and rows[in_bay]["deadline_scope"] == "东山湾"
    assert rows[zhaoan]["deadline"] == "2024-03-31" and rows[zhaoan]["deadline_scope"] == "350600"
    assert elsewhere in rows, "Zhangpu is in the city of Zhangzhou too"
    only_own = replace(config, deadlines=(Deadline(None, ZHAOAN, future),))
    assert found(reg, configured(only_own, "outfall.untraced_after_deadline")) == []


def test_status_dates_and_decision_must_follow_the_stages(reg):
    good = outfall(reg, status="remediated", decision="regularise", surveyed_on="2023-01-05",
                   sampled_on="2023-02-01", traced_on="2023-03-01", decided_on="2023-04-01",
                   remediated_on="2023-09-30")
    ahead = outfall(reg, status="traced", traced_on="2023-03-01", remediated_on="2023-09-30")
    backwards = outfall(reg, status="traced", surveyed_on="2023-05-01", traced_on="2023-03-01")
    future = outfall(reg, status="surveyed", surveyed_on=(date.today() + timedelta(days=10)).isoformat())
    undecided = outfall(reg, status="decided")
    early = outfall(reg, status="traced", decision="merge")

    rows = found(reg, "outfall.status_progression")
    problems = {(r["fid"], r["measured"]["problem"], r["measured"]["stage"]) for r in rows}
    assert problems == {(ahead, "date_beyond_status", "remediated"), (backwards, "date_order", "traced"),
                        (future, "future_date", "surveyed"), (undecided, "decision_missing", None),
                        (early, "decision_early", None)}
    assert good not in fids(rows)
    row = next(r for r in rows if r["fid"] == backwards)
    assert row["message_zh"] == "工作进度记录有误:日期早于前一环节(环节:已溯源,日期:2023-03-01);现工作进度:已溯源"


def test_subclass_must_belong_to_its_class(reg):
    wrong = outfall(reg, outfall_class="industrial", subclass="port")
    outfall(reg, outfall_class="other", subclass="port")
    outfall(reg, outfall_class="industrial", subclass="park_plant")

    rows = found(reg, "outfall.subclass_of_other_class")
    assert fids(rows) == [wrong]
    assert rows[0]["message_zh"] == "二级分类“港口码头排污口”属于其他排口,与一级分类“工业排污口”不符"


# --------------------------------------------------------------------------- remediation and approval


def test_remediated_outfalls_carry_the_regularisation_items_their_kind_requires(reg):
    done = {"status": "remediated", "decision": "regularise", "sign_board": True, "sampling_facility": "sampling_well"}
    large = outfall(reg, large_scale=True, online_monitoring=True, **done)
    small = outfall(reg, large_scale=False, **done)
    plant = outfall(reg, outfall_class="municipal_plant", subclass="municipal_plant", status="remediated",
                    decision="keep", video=True)
    outfall(reg, status="remediated", decision="remove")
    outfall(reg, status="decided", decision="regularise")

    rows = found(reg, "outfall.regularisation_items")
    items = {(r["fid"], r["key"]) for r in rows}
    assert items == {(large, "video"), (plant, "sign_board"), (plant, "sampling_facility"),
                     (plant, "online_monitoring")}
    assert small not in fids(rows)
    assert next(r for r in rows if r["fid"] == large)["message_zh"] == "排污口已整治(规范整治),但缺少视频监控(树杆子)"


def test_retained_outfalls_need_their_approval_or_filing(reg):
    river = outfall(reg, status="remediated", decision="keep")
    sea = outfall(reg, receiving_kind="sea", outfall_class="agricultural", subclass="aquaculture_large",
                  status="remediated", decision="regularise")
    outfall(reg, status="remediated", decision="keep", approval_number="漳环审〔2023〕7号", approved_on="2023-05-01")
    outfall(reg, outfall_class="agricultural", subclass="livestock_large", status="remediated", decision="keep")
    outfall(reg, status="remediated", decision="remove")

    rows = found(reg, "outfall.approval_missing")
    assert fids(rows) == sorted([river, sea])
    modes = {r["fid"]: r["measured"]["approval_mode"] for r in rows}
    assert modes == {river: "review", sea: "filing"}
    assert "其设置实行备案制" in next(r for r in rows if r["fid"] == sea)["message_zh"]


def test_standard_must_be_one_annex_2_sets_for_the_kind_of_outfall(reg):
    plant = outfall(reg, outfall_class="municipal_plant", subclass="municipal_plant", standard="gb8978")
    storm = outfall(reg, stormwater=True, standard="local")
    outfall(reg, standard="local")  # an enterprise's sewage outfall may follow a local standard
    outfall(reg, outfall_class="municipal_plant", subclass="municipal_plant", standard="gb18918_1a")
    outfall(reg, outfall_class="other", subclass="urban_domestic", standard="gb8978")  # annex 2 sets none

    rows = found(reg, "outfall.standard_not_applicable")
    assert fids(rows) == sorted([plant, storm])
    plant_row = next(r for r in rows if r["fid"] == plant)
    assert plant_row["message_zh"] == (
        "城镇污水处理厂排污口的执行标准为《污水综合排放标准》(GB 8978),附件2规定的标准为:"
        "GB 18918-2002 一级A标准、地方排放标准、因地制宜确定的排放标准(非水环境敏感地区)")


# --------------------------------------------------------------------------- codes


def test_codes_follow_the_provisional_pattern_and_begin_with_their_county(reg):
    outfall(reg)  # 350623RHnnnn
    wrong_county = reg.layer("outfalls").create({**BASE, "code": "350624RH0001", "name": "错县"}, OUTSIDE).fid
    malformed = reg.layer("outfalls").create({**BASE, "code": "GL-排口1", "name": "乱码"}, OUTSIDE).fid

    rows = found(reg, "outfall.code_format")
    assert sorted((r["fid"], r["key"]) for r in rows) == [(wrong_county, "county_prefix"), (malformed, "county_prefix"),
                                                         (malformed, "pattern")]
    assert "待按HJ 1235-2021核定" in rows[0]["message_zh"]

    relaxed = replace(OutfallConfig(), code_pattern=r"^[-A-Z0-9]+$", code_county_prefix=False)
    assert fids(found(reg, configured(relaxed, "outfall.code_format"))) == [malformed]


# --------------------------------------------------------------------------- monitoring samples


def sample(reg: Registry, outfall_fid: int, parameter: str, value: str, unit: str = "mg/L", **props: Any) -> int:
    return reg.layer("outfall_samples").create({"outfall_fid": outfall_fid, "county_code": ZHANGPU,
                                                "sampled_on": "2024-04-10", "parameter": parameter, "value": value,
                                                "unit": unit, **props}).fid


def test_a_sample_beyond_its_standards_limit_is_a_finding(reg):
    plant = outfall(reg, outfall_class="municipal_plant", subclass="municipal_plant")  # falls back to class 1-A
    enterprise = outfall(reg, standard="eia_approval")  # an EIA limit is known only from the approval
    high = sample(reg, plant, "cod", "62.5")
    sample(reg, plant, "cod", "48")
    acid = sample(reg, plant, "ph", "5.4", unit="pH")
    sample(reg, plant, "ph", "7.1", unit="pH")
    permit = sample(reg, enterprise, "cod", "95", limit_value="80")
    sample(reg, enterprise, "cod", "500")  # no limit known for an EIA standard without the approval's figure

    rows = found(reg, "outfall.sample_exceeds_limit")
    assert fids(rows) == sorted([high, acid, permit])
    by_fid = {r["fid"]: r for r in rows}
    assert by_fid[high]["measured"]["maximum"] == 50 and by_fid[high]["measured"]["limit_source"] == "placeholder"
    assert by_fid[acid]["measured"]["minimum"] == 6
    assert by_fid[permit]["measured"]["limit_source"] == "permit"
    assert by_fid[high]["message_zh"] == (
        f"排污口{reg.layer('outfalls').get(plant).properties['code']}于2024-04-10采样的化学需氧量(COD)为62.5(毫克/升),"
        "超出GB 18918-2002 一级A标准限值(下限—,上限50;配置限值(占位值,待核实))")
    assert all(r["layer"] == "outfall_samples" and r["county_code"] == ZHANGPU for r in rows)


def test_verified_limits_from_the_configuration_replace_the_placeholders(reg):
    plant = outfall(reg, outfall_class="municipal_plant", subclass="municipal_plant")
    within = sample(reg, plant, "cod", "55")
    config = replace(OutfallConfig(), limits=(Limit("gb18918_1a", "cod", "mg/L", None, 60, verified=True),))
    exceeds = configured(config, "outfall.sample_exceeds_limit")
    assert found(reg, exceeds) == []
    reg.layer("outfall_samples").update(within, {"value": "61"}, base_version=1)
    rows = found(reg, exceeds)
    assert [r["measured"]["limit_source"] for r in rows] == ["verified"]


def test_samples_that_cannot_be_assessed_say_why(reg):
    """A sample of no current outfall is refused on write now (registry.repository: references); the check
    still finds one registered before the rule, written here past the registry's write rules."""
    plant = outfall(reg, outfall_class="municipal_plant", subclass="municipal_plant")
    with reg.engine.begin() as conn:
        cs = new_changeset(conn, author="legacy", source="before references were enforced", layer="outfall_samples",
                           count=1)
        orphan = reg.layer("outfall_samples").store.insert(
            conn, {"outfall_fid": 9999, "county_code": ZHANGPU, "sampled_on": "2024-04-10", "parameter": "cod",
                   "value": "10", "unit": "mg/L"}, None, cs)
    elsewhere = sample(reg, plant, "cod", "10", county_code=ZHAOAN)
    micrograms = sample(reg, plant, "tp", "300", unit="ug/L")
    sample(reg, plant, "tp", "0.3")

    rows = found(reg, "outfall.sample_not_assessable")
    assert {(r["fid"], r["key"]) for r in rows} == {(orphan, "outfall_missing"), (elsewhere, "county_mismatch"),
                                                    (micrograms, "unit_mismatch")}
    assert fids(found(reg, "outfall.sample_exceeds_limit")) == [], "300 µg/L is not compared with 0.5 mg/L"
