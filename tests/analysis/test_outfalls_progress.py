"""Progress per key basin, bay, model bay and city against the 2023–2025 targets, on counted data."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import MultiPolygon, Point, box

from analysis.outfalls.progress import progress_chart, progress_png, progress_records, progress_table
from registry import Registry

ZHANGPU, HUIAN = "350623", "350521"
BAY = box(117.40, 23.60, 117.80, 23.95)            # 东山湾
MODEL_BAY = box(117.60, 23.70, 117.70, 23.80)      # inside the bay
BASIN = box(117.00, 24.00, 117.50, 24.40)          # 九龙江流域
EMPTY_BASIN = box(118.00, 26.00, 118.50, 26.50)    # 闽江流域, nothing registered there


def add(reg: Registry, n: int, at: Point, status: str, county: str = ZHANGPU) -> None:
    decision = "regularise" if status in ("decided", "remediated") else None
    for _ in range(n):
        i = reg.layer("outfalls").count() + 1
        reg.layer("outfalls").create({"code": f"{county}RS{i:04d}", "name": f"排口{i}", "county_code": county,
                                      "receiving_kind": "sea", "outfall_class": "other", "subclass": "ditch",
                                      "status": status, "decision": decision}, at)


@pytest.fixture
def counted(reg: Registry) -> Registry:
    """Bay: 10 outfalls, 8 traced or further (4 remediated): 80 % / 40 %. Its model bay holds 2 remediated.
    Basin: 4 outfalls, one per stage up to remediated: 75 % sampled, 50 % traced, 25 % remediated.
    Hui'an: 2 surveyed outfalls outside every basin, in a city the divisions do not name."""
    for name, kind, geom in (("东山湾", "bay", BAY), ("古雷海域", "model_bay", MODEL_BAY),
                             ("九龙江流域", "basin", BASIN), ("闽江流域", "basin", EMPTY_BASIN)):
        reg.layer("key_basins").create({"name": name, "kind": kind}, MultiPolygon([geom]))
    reg.layer("admin_divisions").create({"code": "350600", "name": "漳州市", "level": "city"},
                                        MultiPolygon([box(116.9, 23.5, 118.0, 24.5)]))
    reg.layer("admin_divisions").create({"code": HUIAN, "name": "惠安县", "level": "county", "parent_code": "350500"},
                                        MultiPolygon([box(118.7, 24.9, 118.95, 25.15)]))
    add(reg, 2, Point(117.65, 23.75), "remediated")     # model bay, so bay too
    add(reg, 2, Point(117.45, 23.65), "remediated")
    add(reg, 2, Point(117.45, 23.66), "decided")
    add(reg, 2, Point(117.45, 23.67), "traced")
    add(reg, 2, Point(117.45, 23.68), "sampled")
    for status in ("surveyed", "sampled", "traced", "remediated"):
        add(reg, 1, Point(117.2, 24.2), status)
    add(reg, 2, Point(118.8, 25.0), "surveyed", county=HUIAN)
    return reg


def test_shares_per_basin_bay_model_bay_and_city(counted):
    table = progress_table(counted, on=date(2026, 1, 1)).set_index("name")
    columns = ["group", "total", "sampled", "traced", "remediated", "sampled_pct", "traced_pct", "remediated_pct"]
    assert table.loc["全部排污口", columns].tolist() == ["total", 16, 13, 10, 5, 81.2, 62.5, 31.2]
    assert table.loc["东山湾", columns].tolist() == ["bay", 10, 10, 8, 4, 100.0, 80.0, 40.0]
    assert table.loc["古雷海域", columns].tolist() == ["model_bay", 2, 2, 2, 2, 100.0, 100.0, 100.0]
    assert table.loc["九龙江流域", columns].tolist() == ["basin", 4, 3, 2, 1, 75.0, 50.0, 25.0]
    assert table.loc["闽江流域", ["total", "traced_pct"]].tolist() == [0, None]
    assert table.loc["漳州市", ["group", "code", "total", "remediated"]].tolist() == ["city", "350600", 14, 5]
    assert table.loc["350500", ["group", "total"]].tolist() == ["city", 2], "an unnamed city shows its code"
    assert list(table["group"]) == ["total", "basin", "basin", "bay", "model_bay", "city", "city"]


def test_targets_are_met_behind_or_pending_by_the_day_they_are_judged_on(counted):
    late = progress_table(counted, on=date(2026, 1, 1)).set_index("name")
    # The bay reached 80 % / 40 %: the 2023 target (80 / 35) is met, 2024 (100 / 70) and 2025 are behind.
    assert late.loc["东山湾", ["target_2023", "target_2024", "target_2025"]].tolist() == ["met", "behind", "behind"]
    assert late.loc["古雷海域", ["target_2023", "target_2024", "target_2025"]].tolist() == ["met"] * 3
    assert late.loc["闽江流域", "target_2023"] == "no_data"
    early = progress_table(counted, on=date(2023, 6, 30)).set_index("name")
    assert early.loc["九龙江流域", ["target_2023", "target_2024"]].tolist() == ["pending", "pending"]
    assert progress_table(counted, on=date(2024, 1, 1)).set_index("name").loc["九龙江流域", "target_2023"] == "behind"
    record = next(r for r in progress_records(late.reset_index()) if r["name"] == "东山湾")
    assert (record["target_2024"], record["target_2024_zh"]) == ("behind", "未达到(已过期限)")


def test_progress_is_limited_to_an_area_and_read_as_of_a_time(counted):
    assert progress_table(counted, area=HUIAN, groups=("total", "city"))["total"].tolist() == [2, 2]
    before = progress_table(counted, groups=("total",))
    built = counted.layer("outfalls").get(16).valid_from  # when the last outfall was written
    counted.layer("outfalls").update(15, {"status": "traced"}, base_version=1)
    assert progress_table(counted, groups=("total",)).loc[0, "traced"] == before.loc[0, "traced"] + 1
    assert progress_table(counted, groups=("total",), as_of=built).loc[0, "traced"] == before.loc[0, "traced"]


def test_unknown_groups_are_refused(reg):
    with pytest.raises(ValueError, match="no known group"):
        progress_table(reg, groups=("river",))


def test_chart_draws_a_pair_of_bars_per_area_with_outfalls(counted):
    table = progress_table(counted, on=date(2026, 1, 1))
    fig = progress_chart(table)
    ax = fig.axes[0]
    shown = int((table["total"] > 0).sum())
    assert len(ax.patches) == 2 * shown, "the basin without outfalls has no bars"
    assert [t.get_text() for t in ax.get_xticklabels()] == table[table["total"] > 0]["name"].tolist()
    assert len(ax.lines) == 6, "three targets, each a traced and a remediated line"
    assert progress_png(table).startswith(b"\x89PNG")
