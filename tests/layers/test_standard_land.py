"""The standard-land layers: indicators with unit and direction, the life cycle as data, areas stored
once, and the migration that moves the plots' two indicator columns into committed values."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Date, create_engine, inspect, make_url, text

import layers
from layers.base import layer_attributes
from layers.development_zones import ASSESSMENT_KINDS
from layers.standard_land import (
    EVENTS,
    INDICATOR_SPECS,
    INDICATORS,
    MAIN_STAGES,
    MU_PER_HA,
    PLANNING_CONDITIONS,
    PLOT_STATUS,
    READINESS_FLAGS,
    STAGES,
    StandardLandPlot,
)
from registry.db import downgrade, drop_database, ensure_database, migrate


def test_every_indicator_has_a_unit_a_direction_and_a_stage_it_is_measured_at() -> None:
    assert list(INDICATOR_SPECS) == INDICATORS.values()
    assert [c for c, s in INDICATOR_SPECS.items() if s.mandatory] == ["investment_intensity", "floor_area_ratio"]
    assert {s.direction for s in INDICATOR_SPECS.values()} == {"min", "max"}
    assert {s.measured_at for s in INDICATOR_SPECS.values()} <= set(STAGES.values()) - {"committed"}
    assert INDICATOR_SPECS["investment_intensity"].unit_zh == "万元/亩"
    assert len(ASSESSMENT_KINDS.values()) == 6


def test_the_life_cycle_names_real_statuses_and_date_attributes() -> None:
    attributes = layer_attributes(StandardLandPlot)
    columns = StandardLandPlot.__table__.columns
    for event in EVENTS.values():
        assert set(event.from_statuses) <= set(PLOT_STATUS.values())
        assert event.to_status is None or event.to_status in PLOT_STATUS
        assert all(isinstance(columns[d].type, Date) for d in event.dates)
    assert [s for s, _ in MAIN_STAGES] == PLOT_STATUS.values()[1:6], "the main stages in code-list order"
    assert set(READINESS_FLAGS) | set(PLANNING_CONDITIONS) <= set(attributes)
    assert EVENTS["sign"].dates == ("contract_signed_on", "agreement_signed_on"), "signed together"


def test_areas_are_stored_once_in_hectares_and_mu_are_derived() -> None:
    columns = set(StandardLandPlot.__table__.columns.keys())
    assert "area_ha" in columns and not {c for c in columns if "mu" in c.split("_")}
    assert MU_PER_HA == 15
    assert not {"investment_intensity", "floor_area_ratio"} & columns, "indicator figures live in values"


def test_the_migration_moves_current_figures_to_committed_values_and_back(db_url: str) -> None:
    url = make_url(db_url).set(database=make_url(db_url).database + "_sl").render_as_string(hide_password=False)
    drop_database(url)
    ensure_database(url)
    engine = create_engine(url)
    try:
        migrate(url, "0002")
        with engine.begin() as conn:
            cs = conn.scalar(text("INSERT INTO changesets (author, source) VALUES ('demo', 'demo data') RETURNING id"))
            conn.execute(text("""
                INSERT INTO standard_land_plots (fid, version, plot_code, name, county_code, status, geom,
                                                 investment_intensity, floor_area_ratio, valid_to, changeset_id)
                VALUES (1, 1, 'ZA-2023-01', '金都地块', '350624', 'reserved',
                        ST_Multi(ST_MakeEnvelope(117.13, 23.74, 117.134, 23.744, 4490)), 250.00, 0.70, now(), :cs),
                       (1, 2, 'ZA-2023-01', '金都地块', '350624', 'listed',
                        ST_Multi(ST_MakeEnvelope(117.13, 23.74, 117.134, 23.744, 4490)), 260.00, 0.80, NULL, :cs),
                       (2, 1, 'JY-2024-01', '储备地块', '350703', 'reserved',
                        ST_Multi(ST_MakeEnvelope(118.10, 27.29, 118.104, 27.294, 4490)), NULL, 1.20, NULL, :cs)
            """), {"cs": cs})
        migrate(url, "0004_standard_land")
        with engine.connect() as conn:
            moved = conn.execute(text("""SELECT v.plot_fid, v.indicator, v.stage, v.value, c.source
                                         FROM standard_land_values v JOIN changesets c ON c.id = v.changeset_id
                                         ORDER BY v.plot_fid, v.indicator""")).all()
            assert [tuple(r) for r in moved] == [
                (1, "floor_area_ratio", "committed", Decimal("0.8000"), "migration 0004_standard_land"),
                (1, "investment_intensity", "committed", Decimal("260.0000"), "migration 0004_standard_land"),
                (2, "floor_area_ratio", "committed", Decimal("1.2000"), "migration 0004_standard_land")]
            assert "investment_intensity" not in {c["name"] for c in inspect(conn).get_columns("standard_land_plots")}
        downgrade(url, "0002")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT fid, investment_intensity, floor_area_ratio FROM standard_land_plots "
                                     "WHERE valid_to IS NULL ORDER BY fid")).all()
            assert [tuple(r) for r in back] == [(1, Decimal("260.00"), Decimal("0.80")), (2, None, Decimal("1.20"))]
            assert "standard_land_values" not in inspect(conn).get_table_names()
    finally:
        engine.dispose()
        drop_database(url)


def test_the_new_layers_are_discovered_and_tables_without_geometry_have_none() -> None:
    for name in ("indicator_standards", "standard_land_values"):
        assert layers.LAYERS[name].__layer__.geometry_type is None
    assert layers.LAYERS["regional_assessments"].__layer__.kind == "reference"
