"""The command line, driven as a user would: import with a report, export, layer counts."""

from __future__ import annotations

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from gis_app.cli import main

ROW = {"county_code": "350623", "receiving_kind": "sea", "outfall_class": "industrial", "status": "surveyed"}


@pytest.fixture
def runner(db_url, reg, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    return CliRunner()


def test_import_dry_run_then_import_then_export(runner, reg, tmp_path):
    frame = gpd.GeoDataFrame([dict(ROW, code=f"C{i}", name=f"排口{i}") for i in range(3)],
                             geometry=[Point(117.6 + i / 100, 23.76) for i in range(3)], crs=4490)
    path = tmp_path / "in.gpkg"
    frame.to_file(path, driver="GPKG")
    dry = runner.invoke(main, ["import", "outfalls", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "dry run" in dry.output and reg.layer("outfalls").count() == 0
    real = runner.invoke(main, ["import", "outfalls", str(path)])
    assert real.exit_code == 0 and "wrote 3 features" in real.output
    out = tmp_path / "out.geojson"
    exported = runner.invoke(main, ["export", "outfalls", str(out)])
    assert exported.exit_code == 0 and len(gpd.read_file(out)) == 3
    listing = runner.invoke(main, ["layers"])
    assert any(line.startswith("outfalls") and line.split()[1] == "3" for line in listing.output.splitlines())


def test_refused_import_exits_non_zero_with_the_report(runner, reg, tmp_path):
    frame = gpd.GeoDataFrame([dict(ROW, code="X", name="错位")], geometry=[Point(23.76, 117.6)], crs=4490)
    path = tmp_path / "bad.geojson"
    frame.to_file(path, driver="GeoJSON")
    result = runner.invoke(main, ["import", "outfalls", str(path)])
    assert result.exit_code == 1
    assert "feature 1" in result.output and "swapped" in result.output
    assert reg.layer("outfalls").count() == 0


def test_accounts_and_tokens_from_the_command_line(runner, reg, client):
    created = runner.invoke(main, ["accounts", "create", "hb", "--name", "漳浦县生态环境局", "--role", "ecology",
                                   "--scope", "350623"])
    assert created.exit_code == 0 and "350623" in created.output
    token = runner.invoke(main, ["accounts", "token", "hb", "--label", "巡查脚本"]).output.strip()
    assert token.startswith("fj_")
    bad = runner.invoke(main, ["accounts", "create", "x", "--name", "x", "--role", "mayor"])
    assert bad.exit_code == 1 and "unknown roles" in bad.output
    response = client.get("/collections/outfalls/items/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404, "the token is accepted (404: no such feature), not refused"
