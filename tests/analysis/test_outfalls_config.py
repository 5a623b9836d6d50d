"""Outfall configuration: defaults say what is provisional; a TOML file overrides them or is refused whole."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from analysis.outfalls.config import CONFIG_ENV, PROVISIONAL_CODE_PATTERN, describe, load_config, outfall_config


def test_defaults_are_the_plans_figures_and_every_limit_is_a_placeholder():
    config = outfall_config({})
    assert config.code_pattern == PROVISIONAL_CODE_PATTERN and config.tracing_deadline == date(2024, 12, 31)
    assert (config.inspections.remediated_share, config.inspections.approved_share) == (0.10, 0.30)
    assert config.limits and not any(limit.verified for limit in config.limits)
    assert config.limit("gb3838_v", "do").minimum == Decimal("2") and config.limit("gb3838_v", "do").maximum is None
    described = describe(config)
    assert described["code_pattern_provisional"] is True
    assert [t["year"] for t in described["targets"]] == [2023, 2024, 2025]


def test_a_file_overrides_limits_deadlines_and_shares(tmp_path):
    path = tmp_path / "outfalls.toml"
    path.write_text("""
code_pattern = "^35[0-9]{4}(RH|RS)[0-9]{4}$"
tracing_deadline = 2025-06-30
[[deadlines]]
basin = "九龙江流域"
date = 2024-06-30
[[deadlines]]
area = "350600"
date = "2024-09-30"
[[limits]]
standard = "gb18918_1a"
parameter = "cod"
unit = "mg/L"
max = 50
verified = true
[inspections]
team_size = 3
""", encoding="utf-8")
    config = outfall_config({CONFIG_ENV: str(path)})  # a registry's settings name the file
    assert config.code_pattern.endswith("(RH|RS)[0-9]{4}$") and config.tracing_deadline == date(2025, 6, 30)
    assert [(d.scope, d.on) for d in config.deadlines] == [("九龙江流域", date(2024, 6, 30)),
                                                           ("350600", date(2024, 9, 30))]
    cod = config.limit("gb18918_1a", "cod")
    assert cod.verified and cod.maximum == Decimal("50")
    assert not config.limit("gb18918_1a", "nh3n").verified, "limits the file does not name keep their default"
    assert config.inspections.team_size == 3 and config.inspections.approved_share == 0.30


@pytest.mark.parametrize(("text", "problem"), [
    ('[[limits]]\nstandard = "gb9999"\nparameter = "cod"\nunit = "mg/L"\nmax = 1', "limits[1].standard 'gb9999'"),
    ('[[limits]]\nstandard = "gb8978"\nparameter = "cod"\nunit = "mg/L"', "limits[1] needs min and/or max"),
    ('[[deadlines]]\narea = "440300"\ndate = 2024-01-01', "deadlines[1].area '440300'"),
    ('[[deadlines]]\nbasin = "闽江"\narea = "350600"\ndate = 2024-01-01', "exactly one of basin or area"),
    ('[[deadlines]]\nbasin = "闽江"\ndate = "soon"', "is not a date"),
    ('code_pattern = "(["', "code_pattern"),
    ("[inspections]\nremediated_share = 0", "shares must be in (0, 1]"),
    ("code_pattern = ", "cannot read"),
])
def test_a_bad_file_is_refused_naming_the_entry(tmp_path, text, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        load_config(path)
    assert problem in str(refused.value) and "排污口配置" in str(refused.value)
