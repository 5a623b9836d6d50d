"""The yearly random inspections: minimum shares, teams from the roster, reproducible from the seed, final."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import func, select

from analysis.outfalls.config import InspectionRules
from analysis.outfalls.inspections import (
    DrawExists,
    DrawInputs,
    draw_inspections,
    draw_sample,
    list_draws,
    load_draw,
    minimum,
    verify_draw,
)
from layers.outfalls import InspectionDraw
from registry import Registry
from registry.errors import InvalidInput

ZHANGPU, ZHAOAN = "350623", "350624"


def outfall(reg: Registry, i: int, county: str = ZHANGPU, **props: Any) -> int:
    at = Point(117.40 + 0.01 * i, 23.90) if county == ZHANGPU else Point(117.05 + 0.005 * (i - 40), 23.70)
    return reg.layer("outfalls").create({"code": f"{county}RH{i:04d}", "name": f"排口{i}", "county_code": county,
                                         "receiving_kind": "river", "outfall_class": "industrial",
                                         "subclass": "industrial_enterprise", "status": "surveyed", **props}, at).fid


def inspector(reg: Registry, name: str, county: str, **props: Any) -> int:
    return reg.layer("outfall_inspectors").create({"name": name, "organisation": "漳州市漳浦生态环境局",
                                                   "county_code": county, **props}).fid


@pytest.fixture
def zhangpu(reg: Registry) -> dict[str, Any]:
    """30 outfalls in Zhangpu: 12 remediated, 7 approved or filed in 2024 (3 of them also remediated),
    2 approved in 2023; four active inspectors cover Zhangpu (one of them city-wide), two do not."""
    for code, name, geom in ((ZHANGPU, "漳浦县", box(117.35, 23.60, 117.95, 24.30)),
                             (ZHAOAN, "诏安县", box(117.00, 23.55, 117.35, 23.85))):
        reg.layer("admin_divisions").create({"code": code, "name": name, "level": "county", "parent_code": "350600"},
                                            MultiPolygon([geom]))
    remediated, approved = [], []
    for i in range(1, 31):
        props: dict[str, Any] = {}
        if i <= 12:
            props.update(status="remediated", decision="regularise")
        if 10 <= i <= 16:
            props.update(approval_number=f"漳环审〔2024〕{i}号", approved_on=date(2024, 3, i))
        elif i in (20, 21):
            props.update(approval_number=f"漳环审〔2023〕{i}号", approved_on=date(2023, 5, 1))
        fid = outfall(reg, i, **props)
        if i <= 12:
            remediated.append(fid)
        if 10 <= i <= 16:
            approved.append(fid)
    team = [inspector(reg, n, ZHANGPU) for n in ("张明", "李华", "王芳")] + [inspector(reg, "陈强", "350600")]
    inspector(reg, "赵磊", ZHANGPU, active=False)
    inspector(reg, "孙丽", ZHAOAN)
    return {"remediated": set(remediated), "approved": set(approved), "team": set(team)}


def test_minimum_shares_round_up_without_float_noise():
    assert [minimum(0.3, 10), minimum(0.3, 7), minimum(0.1, 30), minimum(0.1, 31), minimum(0.1, 0)] == [3, 3, 3, 4, 0]


def test_a_draw_meets_both_minimum_shares_and_sends_teams_from_the_roster(reg, zhangpu):
    draw = draw_inspections(reg, year=2024, area=ZHANGPU, seed=20240601, author="漳浦县生态环境局")
    figures = draw.figures
    # 10 % of the 30 existing outfalls (3), drawn from the 12 remediated; 30 % of the 7 approved in 2024 (3).
    assert (figures["existing"], figures["remediated_total"], figures["approved_total"]) == (30, 12, 7)
    assert (figures["remediated_minimum"], figures["approved_minimum"]) == (3, 3)
    assert figures["remediated_drawn"] >= 3 and figures["remediated_drawn"] >= minimum(0.1, 12)
    assert figures["approved_drawn"] >= 3 and figures["remediated_shortfall"] == 0
    by_pool = {pool: {item["outfall_fid"] for item in draw.items if pool in item["pools"]}
               for pool in ("remediated", "approved")}
    assert by_pool["remediated"] <= zhangpu["remediated"] and len(by_pool["remediated"]) == figures["remediated_drawn"]
    assert by_pool["approved"] <= zhangpu["approved"] and len(by_pool["approved"]) == figures["approved_drawn"]
    assert len(draw.items) == figures["inspections"] <= 6
    for item in draw.items:
        team = [person["fid"] for person in item["inspectors"]]
        assert len(set(team)) == 2 and set(team) <= zhangpu["team"], "two active inspectors who cover Zhangpu"
    assert draw.author == "漳浦县生态环境局" and draw.area_label == "漳浦县(350623)" and draw.seed == 20240601


def test_the_same_seed_and_data_give_the_same_draw_and_a_stored_draw_replays(reg, zhangpu):
    draw = draw_inspections(reg, year=2024, area=ZHANGPU, seed=7)
    inputs = DrawInputs.from_json(draw.inputs)
    first, second = draw_sample(inputs, 7), draw_sample(inputs, 7)
    assert first == second
    assert [item.outfall_fid for item in first[0]] == [item["outfall_fid"] for item in draw.items]
    assert verify_draw(reg, draw.id)
    outcomes = {tuple(d.outfall_fid for d in draw_sample(inputs, seed)[0]) for seed in range(20)}
    assert len(outcomes) > 1, "the seed decides the outcome"
    # The same seed over the same data in another stored draw (another year's record) picks the same outfalls
    # for the remediated pool, which does not depend on the year.
    again = draw_inspections(reg, year=2025, area=ZHANGPU, seed=7)
    assert ({i["outfall_fid"] for i in again.items if "remediated" in i["pools"]}
            == {i["outfall_fid"] for i in draw.items if "remediated" in i["pools"]})


def test_a_tampered_draw_no_longer_verifies(reg, zhangpu):
    draw = draw_inspections(reg, year=2024, area=ZHANGPU, seed=11)
    t = InspectionDraw.__table__
    with reg.engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == draw.id).values(seed=12))
    assert not verify_draw(reg, draw.id)


def test_a_draw_is_final_for_its_year_and_area(reg, zhangpu):
    draw_inspections(reg, year=2024, area=ZHANGPU, seed=1)
    with pytest.raises(DrawExists) as refused:
        draw_inspections(reg, year=2024, area=ZHANGPU, seed=2)
    assert refused.value.status == 409 and "不可重抽" in refused.value.detail
    assert [d.year for d in list_draws(reg)] == [2024]


def test_too_few_remediated_outfalls_are_all_drawn_and_the_shortfall_recorded(reg, zhangpu):
    for i in range(41, 52):
        outfall(reg, i, county=ZHAOAN)
    outfall(reg, 52, county=ZHAOAN, status="remediated", decision="keep")
    inspector(reg, "周杰", ZHAOAN)
    # 12 outfalls in Zhao'an call for 2 inspections of remediated ones; only 1 is remediated.
    draw = draw_inspections(reg, year=2024, area=ZHAOAN, seed=3)
    assert draw.figures["remediated_minimum"] == 2 and draw.figures["remediated_drawn"] == 1
    assert draw.figures["remediated_shortfall"] == 1
    # Both counties (a drawn polygon): 42 outfalls call for 5, and 13 are remediated.
    both = draw_inspections(reg, year=2024, area=box(117.0, 23.55, 117.95, 24.30).wkt, seed=3)
    assert (both.figures["existing"], both.figures["remediated_minimum"]) == (42, 5)
    assert both.figures["remediated_drawn"] == 5 and both.figures["remediated_shortfall"] == 0


def test_a_roster_too_small_for_a_team_stores_nothing(reg, zhangpu):
    fid = outfall(reg, 50, county=ZHAOAN, status="remediated", decision="keep")
    # Zhao'an is covered by its own inspector and the city-wide one: two, not three.
    with pytest.raises(InvalidInput, match=f"outfall {fid} was drawn, but only 2 active inspectors"):
        draw_inspections(reg, year=2024, area=ZHAOAN, seed=5, rules=InspectionRules(team_size=3))
    with reg.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(InspectionDraw.__table__)) == 0


def test_bigger_teams_and_shares_come_from_the_rules(reg, zhangpu):
    rules = InspectionRules(remediated_share=0.5, approved_share=1.0, team_size=3)
    draw = draw_inspections(reg, year=2024, area=ZHANGPU, seed=9, rules=rules)
    assert draw.figures["remediated_drawn"] == 12 and draw.figures["approved_drawn"] == 7
    assert all(len(item["inspectors"]) == 3 for item in draw.items)


def test_the_published_list_names_outfalls_pools_and_inspectors(reg, zhangpu):
    draw = load_draw(reg, draw_inspections(reg, year=2024, area=ZHANGPU, seed=20240601).id)
    table = draw.table()
    assert list(table.columns) == ["序号", "排污口编码", "排污口名称", "县区代码", "抽查类别", "执法检查人员"]
    assert len(table) == len(draw.items) and table["县区代码"].eq(ZHANGPU).all()
    assert table["抽查类别"].str.contains("已完成排查整治|当年设置审批或备案").all()
    published = draw.as_dict()
    assert published["seed"] == "20240601" and published["items"][0]["code"].startswith(ZHANGPU)
