"""The README's "add a layer" steps, followed as a developer would, on a copy of the project: one module in
``layers/``, ``fujian-gis db revision``, ``fujian-gis db upgrade``; then the registry, the OGC API and the
export serve the new layer with no other change."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from registry.db import drop_database, ensure_database

ROOT = Path(__file__).resolve().parent.parent

WELLS = '''"""Monitoring wells: the layer a newcomer adds by following the README."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped

from layers.base import Feature, LayerMeta, attr, geometry_column


class MonitoringWell(Feature):
    __tablename__ = "monitoring_wells"
    __layer__ = LayerMeta(name="monitoring_wells", title_zh="监测井", title_en="Monitoring wells",
                          kind="reference", geometry_type="POINT", label_field="name")

    name: Mapped[str] = attr(String(80), zh="名称", en="Name", required=True)
    geom = geometry_column("POINT")
'''

SERVE = '''
from shapely.geometry import Point
from gis_app import create_app
from registry import connect

reg = connect(user="newcomer")
reg.layer("monitoring_wells").create({"name": "古雷1号井"}, Point(117.62, 23.77))
client = create_app({"TESTING": True}).test_client()
items = client.get("/collections/monitoring_wells/items").get_json()
print(items["numberMatched"], items["features"][0]["properties"]["name"])
print(client.get("/collections/monitoring_wells/queryables").status_code)
reg.layer("monitoring_wells").export("wells.gpkg")
'''


def fujian_gis(project: Path, env: dict[str, str], *args: str, code: str | None = None) -> str:
    command = [sys.executable, "-c", code or "from gis_app.cli import main; main()", *args]
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_new_layer_module_is_served_after_a_revision_and_an_upgrade(db_url, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".venv", "node_modules", ".git", "bench",
                                                                 "__pycache__", "*.egg-info", "tests"))
    url = make_url(db_url).set(database=f"{make_url(db_url).database}_newlayer").render_as_string(
        hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(project)}
    drop_database(url)
    ensure_database(url)
    try:
        fujian_gis(project, env, "db", "upgrade")
        (project / "layers" / "monitoring_wells.py").write_text(WELLS, encoding="utf-8")
        fujian_gis(project, env, "db", "revision", "-m", "add monitoring wells")
        [revision] = [p for p in (project / "registry" / "migrations" / "versions").glob("*.py")
                      if "add_monitoring_wells" in p.name]
        assert "op.create_geospatial_table('monitoring_wells'" in revision.read_text(encoding="utf-8")
        fujian_gis(project, env, "db", "upgrade")
        served = fujian_gis(project, env, code=SERVE).split()
        assert served == ["1", "古雷1号井", "200"]
        assert (project / "wells.gpkg").stat().st_size > 0
    finally:
        drop_database(url)
