"""Table 2 targets against the registry: province-wide figures, a chosen year, a run's own moment, a chart."""

from __future__ import annotations

import pytest

from analysis import run_checks
from analysis.eldercare.targets import target_status, targets_chart, targets_for_run
from registry import Registry
from registry.errors import InvalidInput
from tests.stories.eldercare import add_facility


def test_registry_figures_against_the_targets_of_a_chosen_year(county: Registry) -> None:
    """128 nursing beds of 220 institutional beds (58.18 %) meet 2023's 58 % but not 2025's 60 %;
    2 of 4 townships and streets have a comprehensive institution (50 %), under 2022's 54 %."""
    final = target_status(county, 2025).set_index("key")
    assert final.loc["nursing_bed_share", ["registered", "target", "met"]].tolist() == [58.18, 60, False]
    assert final.loc["comprehensive_coverage", ["registered", "target", "met"]].tolist() == [50.0, 60, False]
    assert final.loc["meal_points", ["registered", "target"]].tolist() == [3, 1150]
    assert final.loc["county_nursing_homes", ["registered", "target"]].tolist() == [1, 25]
    assert final.loc["eldercare_beds", ["registered", "target", "unit"]].tolist() == [0.022, 30, "万张"]
    assert final.loc["meal_points", "scope"] == "全省合计(仅计登记在册设施)"
    assert final.loc["nursing_bed_share", "scope"] == "比例"

    assert target_status(county, 2023).set_index("key").loc["nursing_bed_share", "met"]
    assert target_status(county, 2022).set_index("key").loc["comprehensive_coverage", "target"] == 54


def test_only_the_plan_years_have_targets(reg: Registry) -> None:
    with pytest.raises(InvalidInput, match="target year"):
        target_status(reg, 2021)


def test_a_run_keeps_the_figures_of_its_moment(county: Registry) -> None:
    run = run_checks(county, layers=["eldercare_facilities"])
    add_facility(county, "城东长者食堂", "meal_point", "绥安镇", "城东社区")

    assert target_status(county).set_index("key").loc["meal_points", "registered"] == 4
    then = targets_for_run(run).set_index("key")
    assert then.loc["meal_points", "registered"] == 3
    assert then["year"].iloc[0] == min(max(run.started_at.year, 2022), 2025)


def test_the_chart_shows_every_indicator_against_its_target(county: Registry) -> None:
    status = target_status(county, 2024)

    fig = targets_chart(status)

    ax = fig.axes[0]
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sum("全省合计" in label for label in labels) == 3
    assert "2024年" in ax.get_title()
    assert {"58.18 / 59 %", "0.022 / 29 万张", "3 / 1000 个"} <= {t.get_text() for t in ax.texts}
