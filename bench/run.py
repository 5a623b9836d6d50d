"""The benchmark of issue 10: one run, one dataset, every figure beside its baseline.

    .venv/bin/python bench/run.py [--scale 0.1]        # make bench runs it at full scale

Into a dedicated database (``<DATABASE_URL database>_bench``, dropped and re-created by every run) it
imports the synthetic data of ``bench/generate.py`` through the registry, then times, on the same data:
bulk import (vs ``GeoDataFrame.to_postgis``), the protected-zone check (vs geopandas ``sjoin`` and DuckDB
spatial), the 700 m coverage of residents (vs ``sjoin_nearest`` and DuckDB), parcel overlap detection
(vs geopandas), OGC API item pages and vector tiles over gunicorn (vs the raw ``ST_AsMVT`` query).
Answers are compared before times are: engines that disagree are reported, not ranked. Every figure is
printed as a table and written to ``bench/results/<timestamp>.json`` and ``bench/results/latest.json``
with the machine, the versions, the scale and the issue's targets marked pass or miss.

Engines are timed on data at rest in their own store (PostGIS tables, GeoDataFrames in memory, DuckDB
tables); loading each store is timed separately and reported beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

# Upload limits are read when the registry is imported: the 1,000,000-square file is near the default 200 MB.
os.environ.setdefault("FUJIAN_MAX_UPLOAD_MB", "2000")

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import requests
import shapely
from generate import DATA_DIR, ORDER, SEED, Dataset, generate
from pyproj import Geod
from sqlalchemy import make_url, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError

import layers
from layers.base import SRID
from layers.protected_zones import OUTFALL_BANNED
from registry import Registry, connect
from registry.config import database_url
from registry.db import drop_database, ensure_database, migrate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

RADIUS_M = 700.0
"""专栏1: a community station serves residents within 700 m."""
PREFILTER_DEG = RADIUS_M / 95_000.0
"""Bounding-box margin in degrees: fewer than 95 km per degree anywhere in Fujian, so the box holds the radius."""
EARTH_R = 6_364_000.0
"""Gauss-Krüger point scale k = 1 + (E - E0)² / 2R², R = √(MN) on GRS80 at Fujian's latitudes (±0.1 %)."""
GK_ZONES = ((4527, 39_500_000.0), (4528, 40_500_000.0))
"""CGCS2000 3° zones 39 (117°E) and 40 (120°E) with their false eastings; split at 118.5°E."""
BOUNDARY_TOLERANCE_M = 0.01
TARGET_IMPORT_RATE = 100_000.0
TARGET_TILE_RATIO = 1.5
TARGET_ITEMS_P95_MS = 100.0
TARGET_DURING_IMPORT_P95_MS = 250.0
"""Issue 17 §10: readers never wait on an import."""
TARGET_DUCKDB_RATIO = 2.0
RECOMMENDED = {"jit": "off", "max_parallel_workers_per_gather": "2", "work_mem": "64MB",
               "maintenance_work_mem": "1GB", "effective_cache_size": "16GB", "random_page_cost": "1.1"}
"""docs/performance.md's per-database settings for this 2-core, 24 GB machine; applied to the bench database
unless ``--server-settings``."""

PAIRS_SQL = """
    SELECT o.fid AS outfall_fid, z.fid AS zone_fid
    FROM (SELECT fid, geom FROM protected_zones WHERE valid_to IS NULL AND zone_type = ANY(:banned) OFFSET 0) z
    JOIN outfalls o ON o.valid_to IS NULL AND o.decision IS DISTINCT FROM 'remove' AND ST_Intersects(o.geom, z.geom)
"""
"""The protected-zone check's join alone, shaped as the check's (no distance to the edge, nothing stored)."""

STATIONS = "s.valid_to IS NULL AND s.facility_type = 'community_station' AND (s.opened_on IS NULL OR " \
           "s.opened_on <= current_date)"

COVERAGE_EXISTS_SQL = f"""
    SELECT r.fid FROM residential_areas r
    WHERE r.valid_to IS NULL AND EXISTS (
        SELECT 1 FROM eldercare_facilities s
        WHERE {STATIONS}
          AND s.geom && ST_Expand(ST_Centroid(r.geom), :deg)
          AND ST_DWithin(s.geom::geography, ST_Centroid(r.geom)::geography, :radius))
"""
"""Resident by resident: is a station within 700 m geodesic (GRS80 spheroid)? The stations' GiST index is
probed once per resident through the degree box."""

COVERAGE_JOIN_SQL = f"""
    SELECT DISTINCT r.fid
    FROM eldercare_facilities s
    JOIN residential_areas r
      ON r.valid_to IS NULL AND r.geom && ST_Expand(s.geom, :deg)
     AND ST_DWithin(s.geom::geography, ST_Centroid(r.geom)::geography, :radius)
    WHERE {STATIONS}
"""
"""The same answer station by station: the residents' GiST index is probed once per station (20,000
probes instead of 1,000,000), then each candidate pair is measured on the spheroid."""

JOIN_TIMEOUT_S = 180
"""The station-driven join evaluates every (station, resident) pair in reach: it wins on sparse data and
loses badly on dense towns, so it gets one attempt with this statement timeout."""

METRIC_INDEXES = [f"CREATE INDEX IF NOT EXISTS bench_gx_stations_{epsg} ON eldercare_facilities USING gist "
                  f"(ST_Transform(geom, {epsg})) WHERE valid_to IS NULL" for epsg, _ in GK_ZONES]
"""Expression GiST indexes on the stations in each Gauss-Krüger zone (bench tables only)."""

COVERAGE_METRIC_SQL = "\nUNION ALL\n".join(f"""
    SELECT r.fid FROM (SELECT fid, ST_Centroid(geom) AS c FROM residential_areas WHERE valid_to IS NULL) r
    WHERE ST_X(r.c) {op} 118.5 AND EXISTS (
        SELECT 1 FROM eldercare_facilities s
        WHERE {STATIONS}
          AND ST_DWithin(ST_Transform(s.geom, {epsg}), ST_Transform(r.c, {epsg}),
                         :radius * (1 + (ST_X(ST_Transform(r.c, {epsg})) - {e0}) ^ 2 / (2 * :r2))))"""
    for (epsg, e0), op in zip(GK_ZONES, ("<", ">="), strict=True))
"""The same question planar, in each resident's Gauss-Krüger zone: the radius is scaled by the zone's point
scale at the resident (GK is conformal), which keeps the answer within millimetres of the geodesic one."""

# --------------------------------------------------------------------------- small tools


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def clock() -> Iterator[dict[str, float]]:
    """``with clock() as t: ...`` then ``t["s"]`` holds the wall seconds."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["s"] = time.perf_counter() - start


def percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"n": len(a), "p50_ms": round(float(np.percentile(a, 50)), 2),
            "p95_ms": round(float(np.percentile(a, 95)), 2),
            "max_ms": round(float(a.max()), 2), "mean_ms": round(float(a.mean()), 2)}


def rounded(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def baseline_engines() -> dict[str, str]:
    """Which baseline engines are installed (the ``bench`` extra: ``make bench`` installs it)."""
    return {module: "present" if importlib.util.find_spec(module) else "missing: pip install -e '.[bench]'"
            for module in ("duckdb", "duckdb_ext")}


def gx_indexes(plan: Any) -> dict[str, Any]:
    """The index scans of an EXPLAIN (FORMAT JSON) plan, and whether GiST (gx_*) indexes are among them."""
    nodes: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    scans = sorted({f"{n['Node Type']} using {n['Index Name']} on {n.get('Relation Name', '?')}"
                    for n in nodes if "Index Name" in n})
    gist = sorted({n["Index Name"] for n in nodes if "gx_" in n.get("Index Name", "")})
    workers = max((n.get("Workers Planned", 0) for n in nodes), default=0)
    return {"gist_used": bool(gist), "gist_indexes": gist, "index_scans": scans, "workers_planned": workers,
            "node_types": sorted({n["Node Type"] for n in nodes})}


def explain(reg: Registry, sql: str, params: dict[str, Any]) -> dict[str, Any]:
    with reg.engine.connect() as conn:
        plan = conn.execute(text("EXPLAIN (FORMAT JSON) " + sql).bindparams(**params)).scalar_one()
    return {**gx_indexes(plan), "plan": plan}


def fetch(reg: Registry, sql: str, params: dict[str, Any], timeout_s: int | None = None) -> list[tuple] | None:
    """All rows of ``sql``; None when it ran past ``timeout_s`` (cancelled by the server)."""
    with reg.engine.connect() as conn, conn.begin():
        if timeout_s:
            conn.execute(text(f"SET LOCAL statement_timeout = '{int(timeout_s)}s'"))
        try:
            return [tuple(r) for r in conn.execute(text(sql).bindparams(**params))]
        except OperationalError as exc:
            if isinstance(exc.orig, psycopg.errors.QueryCanceled):
                return None
            raise


RETRIES: list[str] = []
"""Sections repeated because the PostgreSQL server restarted under the run (other people's fault tests do)."""


def resilient(reg: Registry, label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a section; if the server went away, wait for it, drop the pool and run the section again."""
    for attempt in range(3):
        try:
            return fn(*args, **kwargs)
        except (OperationalError, psycopg.OperationalError) as exc:
            cancelled = isinstance(getattr(exc, "orig", exc), psycopg.errors.QueryCanceled)
            if attempt == 2 or cancelled:
                raise
            RETRIES.append(f"{label}: {str(exc).splitlines()[0][:160]}")
            log(f"{label}: the server went away; waiting for it, then repeating the section")
            reg.engine.dispose()
            deadline = time.monotonic() + 300
            while True:
                try:
                    with reg.engine.connect() as conn:
                        conn.execute(text("SELECT 1"))
                    break
                except OperationalError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(2)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- machine


def machine(reg: Registry) -> dict[str, Any]:
    """Where the figures were measured: cores, memory, load, versions of everything that ran."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    with reg.engine.connect() as conn:
        pg = conn.scalar(text("SELECT version()"))
        postgis = conn.scalar(text("SELECT postgis_full_version()"))
        settings = dict(conn.execute(text(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY(:n)"), {"n": [
                "max_parallel_workers_per_gather", "max_parallel_workers", "max_worker_processes", "work_mem",
                "maintenance_work_mem", "effective_cache_size", "shared_buffers", "jit", "random_page_cost",
                "max_wal_size", "synchronous_commit"]}).all())
    packages = {}
    for name in ("numpy", "pandas", "shapely", "geopandas", "pyogrio", "pyproj", "SQLAlchemy", "GeoAlchemy2",
                 "psycopg", "Flask", "gunicorn", "duckdb", "duckdb-ext-spatial", "requests"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            packages[name] = importlib.metadata.version(name)
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True)
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 2**20, 1),
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()], "python": platform.python_version(),
            "platform": platform.platform(), "postgresql": pg, "postgis": postgis, "postgresql_settings": settings,
            "packages": packages, "git": {"head": git.stdout.strip(), "changed_files": len(dirty.stdout.splitlines())}}


# --------------------------------------------------------------------------- import


def bench_import(reg: Registry, data: Dataset) -> dict[str, Any]:
    """Every layer through ``import_file`` (all-or-nothing, checked, versioned), then the same frames with
    ``to_postgis`` into scratch tables."""
    out: dict[str, Any] = {"registry": {}, "to_postgis": {}}
    for name in ORDER:
        with clock() as t:
            report = resilient(reg, f"import {name}", reg.layer(name).import_file, data.files[name], author="bench")
        if report.written != data.counts[name]:
            raise AssertionError(f"{name}: wrote {report.written} of {data.counts[name]}")
        out["registry"][name] = {"features": report.written, "s": rounded(t["s"]),
                                 "features_per_s": round(report.written / t["s"])}
        log(f"import {name}: {report.written} in {t['s']:.1f} s")
        if name == "land_approvals":
            _check_approval_fids(reg, data)
    total_n = sum(v["features"] for v in out["registry"].values())
    total_s = sum(v["s"] for v in out["registry"].values())
    out["registry_total"] = {"features": total_n, "s": rounded(total_s), "features_per_s": round(total_n / total_s)}
    for name in ORDER:
        with clock() as read:
            frame = gpd.read_file(data.files[name], engine="pyogrio")
        with clock() as write:
            resilient(reg, f"to_postgis {name}", frame.to_postgis, f"bench_to_postgis_{name}", reg.engine,
                      if_exists="replace", index=False)
        n = len(frame)
        out["to_postgis"][name] = {"features": n, "read_s": rounded(read["s"]), "write_s": rounded(write["s"]),
                                   "features_per_s": round(n / (read["s"] + write["s"])),
                                   "registry_over_to_postgis": rounded(
                                       out["registry"][name]["s"] / (read["s"] + write["s"]), 2)}
        log(f"to_postgis {name}: {n} in {read['s'] + write['s']:.1f} s")
    tp_s = sum(v["read_s"] + v["write_s"] for v in out["to_postgis"].values())
    out["to_postgis_total"] = {"features": total_n, "s": rounded(tp_s), "features_per_s": round(total_n / tp_s)}
    out["registry_time_over_to_postgis"] = rounded(total_s / tp_s, 2)
    with reg.engine.begin() as conn:
        for name in ORDER:
            conn.execute(text(f"DROP TABLE bench_to_postgis_{name}"))
    return out


def _check_approval_fids(reg: Registry, data: Dataset) -> None:
    """Parcels name their approval by fid; the generator assumed approval i gets fid i in an empty database."""
    frame = reg.layer("land_approvals").to_geodataframe()
    expected = gpd.read_file(data.files["land_approvals"], engine="pyogrio", columns=["doc_number"])
    got = dict(zip(frame["doc_number"], frame["fid"], strict=True))
    if any(got.get(doc) != i for i, doc in enumerate(expected["doc_number"], 1)):
        raise AssertionError("land_approvals did not get fids 1..n in file order; parcels would name wrong approvals")


def profile_import(reg: Registry, data: Dataset, name: str, rows_limit: int) -> dict[str, Any]:
    """Where an import's time goes, stage by stage, on the registry's own functions (issue 10 §5: say why).

    The stages of ``registry.imports.import_raw`` on the first ``rows_limit`` features: read the file,
    check the attributes (``check_frame``), check the geometries, then the binary COPY into the layer emptied
    (as a first import: secondary indexes built after) in a transaction rolled back, so the layer stays.
    """
    from registry.crs import resolve_crs
    from registry.files import read_features
    from registry.geometry import normalise_geometries
    from registry.imports import _map_columns
    from registry.repository import Store
    from registry.validation import check_frame

    model = layers.LAYERS[name]
    out: dict[str, Any] = {"layer": name}
    with clock() as t:
        raw = read_features(data.files[name])
    n_all = len(raw.attributes)
    n = min(n_all, rows_limit)
    out["rows"] = n
    out["read_features_s_all_rows"] = rounded(t["s"])
    out["read_features_s"] = rounded(t["s"] * n / n_all)
    frame = raw.attributes.iloc[:n]
    with clock() as t:
        mapping, _ = _map_columns(model, list(frame.columns))
        columns, issues = check_frame(model, frame[list(mapping)].rename(columns=mapping))
    if issues:
        raise AssertionError(f"{name}: {len(issues)} attribute problems in bench data")
    out["check_frame_s"] = rounded(t["s"])
    out["check_frame_us_per_feature"] = rounded(t["s"] / n * 1e6, 2)
    with clock() as t:
        geoms, errors, _ = normalise_geometries(raw.geometries[:n], resolve_crs(None, raw.file_crs),
                                                model.__layer__.geometry_type,
                                                allow_missing=model.__table__.c.geom.nullable)
    out["normalise_geometries_s"] = rounded(t["s"])
    if errors:
        raise AssertionError(f"{name}: {len(errors)} geometry errors in bench data")
    with reg.engine.connect() as conn:
        conn.execute(text(f"TRUNCATE {model.__table__.name}"))
        with clock() as t:
            Store(reg.engine, model).bulk_insert(conn, columns, geoms, changeset_id=1)
        conn.rollback()
    out["copy_s"] = rounded(t["s"])
    out["total_s"] = rounded(out["read_features_s"] + out["check_frame_s"] + out["normalise_geometries_s"]
                             + out["copy_s"])
    out["features_per_s"] = round(n / out["total_s"])
    return out


# --------------------------------------------------------------------------- duckdb


def duckdb_connection() -> tuple[Any, str | None]:
    """A DuckDB connection with the spatial extension loaded from its PyPI package (no network), or the reason
    it is unavailable."""
    try:
        import duckdb
    except ImportError as exc:
        return None, f"duckdb not importable: {exc}"
    spec = importlib.util.find_spec("duckdb_ext")
    found = sorted(Path(p).glob(f"extensions/v{duckdb.__version__}/*/spatial.duckdb_extension")
                   for p in (spec.submodule_search_locations or [])) if spec else []
    paths = [p for group in found for p in group]
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    try:
        con.execute(f"LOAD '{paths[0]}'" if paths else "LOAD spatial")
    except Exception as exc:  # duckdb raises its own IOException/HTTPException types
        return None, f"spatial extension cannot load offline: {str(exc).splitlines()[0][:300]}"
    return con, None


def to_duckdb(con: Any, name: str, frame: gpd.GeoDataFrame, columns: list[str], geometry: str = "geom") -> None:
    """A GeoDataFrame as a DuckDB table (WKB in, native GEOMETRY out)."""
    df = pd.DataFrame({c: frame[c].to_numpy() for c in columns})
    df["wkb"] = shapely.to_wkb(frame.geometry.to_numpy())
    con.register("incoming", df)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {', '.join(columns)}, ST_GeomFromWKB(wkb) AS {geometry} "
                "FROM incoming")
    con.unregister("incoming")


def duck_plan_uses_spatial_join(con: Any, sql: str) -> bool:
    return "SPATIAL_JOIN" in "".join(str(r[1]) for r in con.execute("EXPLAIN " + sql).fetchall())


# --------------------------------------------------------------------------- protected zones


def bench_protected(reg: Registry, frames: dict[str, gpd.GeoDataFrame], duck: Any, repeat: int) -> dict[str, Any]:
    from analysis.engine import all_checks
    from analysis.runs import run_checks

    check = all_checks()["outfall.in_protected_zone"]
    banned = list(check.params.get("banned") or OUTFALL_BANNED)
    out: dict[str, Any] = {"check_id": check.id, "banned": banned}
    product_s, run = [], None
    for _ in range(repeat):
        with clock() as t:
            run = run_checks(reg, checks=[check.id], author="bench")
        product_s.append(t["s"])
    findings = run.findings()
    product = set(zip(findings["fid"].astype(int), findings["key"].astype(int), strict=True))
    out["postgis_run_checks_s"] = rounded(min(product_s))
    out["postgis_run_checks_samples_s"] = [rounded(s) for s in product_s]
    with clock() as t:
        fetch(reg, check.sql, dict(check.params))
    out["postgis_check_sql_s"] = rounded(t["s"])
    pair_s = []
    for _ in range(repeat):
        with clock() as t:
            pairs = set(fetch(reg, PAIRS_SQL, {"banned": banned}))
        pair_s.append(t["s"])
    out["postgis_pairs_sql_s"] = rounded(min(pair_s))
    out["explain_check"] = explain(reg, check.sql, dict(check.params))
    out["explain_pairs"] = explain(reg, PAIRS_SQL, {"banned": banned})

    o, z = frames["outfalls"], frames["protected_zones"]
    gp_s = []
    for _ in range(repeat):
        with clock() as t:
            left = o.loc[o["decision"].ne("remove") | o["decision"].isna(), ["fid", "geometry"]]
            right = z.loc[z["zone_type"].isin(banned), ["fid", "geometry"]]
            joined = gpd.sjoin(left, right, predicate="intersects", how="inner")
            gp = set(zip(joined["fid_left"].astype(int), joined["fid_right"].astype(int), strict=True))
        gp_s.append(t["s"])
    out["geopandas_s"] = rounded(min(gp_s))
    answers = {"postgis_run_checks": product, "postgis_pairs_sql": pairs, "geopandas_sjoin": gp}
    gd_s = []
    for _ in range(repeat):
        with clock() as t:
            distances = geopandas_edge_distances(left, right, joined)
        gd_s.append(t["s"])
    out["geopandas_with_distance_s"] = rounded(min(gd_s))
    stored = dict(zip(zip(findings["fid"].astype(int), findings["key"].astype(int), strict=True),
                      (float(m["distance_to_edge_m"]) for m in findings["measured"]), strict=True))
    gaps = np.array([abs(stored[k] - d) for k, d in distances.items()])
    out["distance_to_edge"] = {"pairs_compared": len(gaps), "max_abs_difference_m": rounded(gaps.max(), 3),
                               "over_0_1_m": int((gaps > 0.1).sum()),
                               "note": "run_checks rounds to 0.1 m; geopandas measures planar distance to the "
                                       "edge in the outfall's Gauss-Kruger zone, divided by the point scale k"}

    if duck is not None:
        with clock() as t:
            to_duckdb(duck, "outfalls", o, ["fid", "decision"])
            to_duckdb(duck, "zones", z, ["fid", "zone_type"])
        out["duckdb_load_s"] = rounded(t["s"])
        banned_list = ", ".join(f"'{b}'" for b in banned)
        sql = (f"SELECT o.fid, z.fid FROM outfalls o JOIN zones z ON ST_Intersects(o.geom, z.geom) "
               f"WHERE (o.decision IS NULL OR o.decision <> 'remove') AND z.zone_type IN ({banned_list})")
        out["duckdb_spatial_join_operator"] = duck_plan_uses_spatial_join(duck, sql)
        dk_s = []
        for _ in range(repeat):
            with clock() as t:
                dk = {(int(a), int(b)) for a, b in duck.execute(sql).fetchall()}
            dk_s.append(t["s"])
        out["duckdb_s"] = rounded(min(dk_s))
        answers["duckdb_spatial"] = dk
    out["findings"] = len(product)
    out["agreement"] = agreement(answers, "postgis_run_checks")
    return out


def geopandas_edge_distances(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame,
                             joined: gpd.GeoDataFrame) -> dict[tuple[int, int], float]:
    """What an analyst adds to the sjoin for the check's message: each outfall's distance to its zone's edge in
    metres, planar in the outfall's Gauss-Kruger zone (edges projected once per zone), corrected by the point
    scale k (the projection is conformal, so short distances scale by k)."""
    points = left.set_index("fid").geometry
    edges = right.set_index("fid").geometry.boundary
    out: dict[tuple[int, int], float] = {}
    x = shapely.get_x(points.loc[joined["fid_left"]].to_numpy())
    for (epsg, e0), west in zip(GK_ZONES, (True, False), strict=True):
        sel = joined[(x < 118.5) if west else (x >= 118.5)]
        pts = points.loc[sel["fid_left"]].to_crs(epsg).to_numpy()
        projected = edges.loc[sel["fid_right"].unique()].to_crs(epsg)
        lines = projected.loc[sel["fid_right"]].to_numpy()
        k = 1 + (shapely.get_x(pts) - e0) ** 2 / (2 * EARTH_R**2)
        d = shapely.distance(pts, lines) / k
        out.update(zip(zip(sel["fid_left"].astype(int), sel["fid_right"].astype(int), strict=True), d, strict=True))
    return out


def agreement(answers: dict[str, set], reference: str) -> dict[str, Any]:
    ref = answers[reference]
    result = {"reference": reference, "count": len(ref), "all_equal": True, "differences": {}}
    for name, got in answers.items():
        if name == reference:
            continue
        missing, extra = ref - got, got - ref
        if missing or extra:
            result["all_equal"] = False
        result["differences"][name] = {"count": len(got), "missing": len(missing), "extra": len(extra),
                                       "examples": [list(map(int, np.atleast_1d(x))) for x in
                                                    sorted(missing | extra, key=str)[:5]]}
    return result


# --------------------------------------------------------------------------- coverage


def bench_coverage(reg: Registry, frames: dict[str, gpd.GeoDataFrame], duck: Any, repeat: int,
                   product_coverage: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"radius_m": RADIUS_M,
                           "residents": "one 20 m square per resident point in residential_areas (MULTIPOLYGON, "
                                        "as the layer is); coverage measured on the squares' centroids",
                           "metric_crs": "CGCS2000 3-degree Gauss-Krüger by the resident's zone: EPSG:4527 west of "
                                         "118.5°E, EPSG:4528 east; planar radius scaled by the point scale k"}
    res, st = frames["residential_areas"], frames["eldercare_facilities"]
    elderly = dict(zip(res["fid"].astype(int), res["elderly_population"].astype(int), strict=True))
    geo_params = {"deg": PREFILTER_DEG, "radius": RADIUS_M}
    metric_params = {"radius": RADIUS_M, "r2": EARTH_R**2}
    with reg.engine.begin() as conn, clock() as t:
        for ddl in METRIC_INDEXES:
            conn.execute(text(ddl))
        conn.execute(text("ANALYZE eldercare_facilities"))
    out["metric_index_build_s"] = rounded(t["s"])
    answers: dict[str, set] = {}
    variants = {"postgis_geography_exists": (COVERAGE_EXISTS_SQL, geo_params, repeat, None),
                "postgis_metric_exists": (COVERAGE_METRIC_SQL, metric_params, repeat, None),
                "postgis_geography_join": (COVERAGE_JOIN_SQL, geo_params, 1, JOIN_TIMEOUT_S)}
    for name, (sql, params, runs, timeout) in variants.items():
        out[f"explain_{name}"] = explain(reg, sql, params)
        times = []
        for _ in range(runs):
            with clock() as t:
                rows = fetch(reg, sql, params, timeout)
            if rows is None:
                out[f"{name}_s"] = None
                out[f"{name}_note"] = f"cancelled after {timeout} s (statement_timeout)"
                break
            answers[name] = {int(r[0]) for r in rows}
            times.append(t["s"])
        if times:
            out[f"{name}_s"] = rounded(min(times))
            out[f"{name}_samples_s"] = [rounded(x) for x in times]
        log(f"coverage {name}: {out[f'{name}_s']} s")
    timed = [k for k in variants if out.get(f"{k}_s") is not None]
    best = min(timed, key=lambda k: out[f"{k}_s"])
    out["postgis_best"] = best
    out["postgis_best_s"] = out[f"{best}_s"]
    geography = answers["postgis_geography_exists"]

    times = []
    for _ in range(repeat):
        with clock() as t:
            nearest = geopandas_nearest(res, st, RADIUS_M)
        times.append(t["s"])
    out["geopandas_s"] = rounded(min(times))
    gp_exact = set(nearest.loc[nearest["d"] <= RADIUS_M * nearest["k"], "fid"].astype(int))
    gp_plain = set(nearest.loc[nearest["d"] <= RADIUS_M, "fid"].astype(int))
    log(f"coverage geopandas: {min(times):.1f} s")
    answers["geopandas_sjoin_nearest_scaled"] = gp_exact
    if duck is not None:
        with clock() as t:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                to_duckdb(duck, "res", res.assign(geometry=res.geometry.centroid), ["fid"], geometry="pt")
            to_duckdb(duck, "st", st, ["fid"])
        out["duckdb_load_s"] = rounded(t["s"])
        sql = f"""WITH cand AS MATERIALIZED (
                    SELECT r.fid, r.pt, s.geom FROM res r JOIN st s
                    ON ST_Intersects(r.pt, ST_MakeEnvelope(
                        ST_X(s.geom) - {PREFILTER_DEG}, ST_Y(s.geom) - {PREFILTER_DEG},
                        ST_X(s.geom) + {PREFILTER_DEG}, ST_Y(s.geom) + {PREFILTER_DEG})))
                  SELECT DISTINCT fid FROM cand
                  WHERE ST_Distance_Spheroid(ST_FlipCoordinates(pt)::POINT_2D, ST_FlipCoordinates(geom)::POINT_2D)
                        <= {RADIUS_M}"""
        out["duckdb_spatial_join_operator"] = duck_plan_uses_spatial_join(duck, sql)
        out["duckdb_note"] = ("ST_DWithin does not get DuckDB's SPATIAL_JOIN operator (1.4); a degree box with "
                              "ST_Intersects does, in a materialised CTE, then ST_Distance_Spheroid (WGS84, "
                              "lat/lon order)")
        times = []
        for _ in range(repeat):
            with clock() as t:
                dk = {int(r[0]) for r in duck.execute(sql).fetchall()}
            times.append(t["s"])
        out["duckdb_s"] = rounded(min(times))
        answers["duckdb_spheroid"] = dk
        log(f"coverage DuckDB: {min(times):.1f} s")

    out["boundary"] = boundary_report(res, st, nearest, answers, "postgis_geography_exists")
    out["agreement"] = out["boundary"].pop("agreement")
    out["plain_analyst_gk_700"] = {"covered": len(gp_plain), "differs_from_geodesic": len(gp_plain ^ geography),
                                   "note": "sjoin_nearest(max_distance=700) in EPSG:4527/4528 without the point "
                                           "scale: what a plain analyst script answers"}
    covered_elderly = sum(elderly[f] for f in geography)
    total = sum(elderly.values())
    out["answer"] = {"residents": len(res), "covered_residents": len(geography), "elderly": total,
                     "covered_elderly": covered_elderly, "share_pct": round(100 * covered_elderly / total, 2)}
    if product_coverage:
        out["product_coverage"] = bench_product_coverage(reg, geography, repeat)
        log(f"coverage() of the product: {out['product_coverage']['s']} s")
    return out


def bench_product_coverage(reg: Registry, reached: set[int], repeat: int) -> dict[str, Any]:
    """``analysis.eldercare.coverage.coverage()`` on every residential area of the province, as the product runs it
    (per area: stations within reach, share of its area inside their discs, its gap; a GeoDataFrame of 1,000,000
    polygons). It answers per square, the baselines per centroid, so they agree when every square it covers whole
    has its centroid within reach (``reached``, the set every engine agreed on), none it leaves uncovered does,
    and only squares it covers in part (crossing a circle) may go either way."""
    from analysis.eldercare.coverage import coverage

    times, result = [], None
    for _ in range(repeat):
        with clock() as t:
            result = coverage(reg)
        times.append(t["s"])
    status = dict(zip(result.areas["fid"].astype(int), result.areas["status"], strict=True))
    by_status = {name: {f for f, s in status.items() if s == name} for name in ("covered", "partial", "uncovered")}
    wrong = (by_status["covered"] - reached) | (by_status["uncovered"] & reached)
    return {"s": rounded(min(times)), "samples_s": [rounded(x) for x in times], "residential_areas": len(status),
            **{f"{name}_areas": len(fids) for name, fids in by_status.items()},
            "partial_with_centroid_reached": len(by_status["partial"] & reached),
            "disagreements": len(wrong), "examples": sorted(wrong)[:5], "agrees": not wrong,
            "covered_elderly": round(result.covered_elderly, 1), "share_pct": result.share_pct,
            "note": "analysis.eldercare.coverage.coverage() on the whole province: per square the share within the "
                    "stations' discs (elderly counted pro rata), compared with the centroid answer on the squares "
                    "it covers whole or not at all"}


def geopandas_nearest(res: gpd.GeoDataFrame, st: gpd.GeoDataFrame, radius: float) -> pd.DataFrame:
    """Nearest station within reach per resident, in the resident's Gauss-Krüger zone; ``k`` is the zone's
    point scale at the resident, so ``d <= radius * k`` is the geodesic rule to a few millimetres."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        points = res.geometry.centroid.to_numpy()
    x = shapely.get_x(points)
    parts = []
    for (epsg, e0), west in zip(GK_ZONES, (True, False), strict=True):
        sel = (x < 118.5) if west else (x >= 118.5)
        left = gpd.GeoDataFrame({"fid": res["fid"].to_numpy()[sel]}, geometry=points[sel], crs=SRID).to_crs(epsg)
        k = 1 + (left.geometry.x.to_numpy() - e0) ** 2 / (2 * EARTH_R**2)
        left["k"] = k
        right = st[["fid", "geometry"]].rename(columns={"fid": "station"}).to_crs(epsg)
        joined = gpd.sjoin_nearest(left, right, max_distance=radius * float(k.max()), distance_col="d")
        parts.append(pd.DataFrame(joined[["fid", "station", "d", "k"]]).drop_duplicates("fid"))
    return pd.concat(parts, ignore_index=True)


def boundary_report(res: gpd.GeoDataFrame, st: gpd.GeoDataFrame, nearest: pd.DataFrame,
                    answers: dict[str, set], reference: str) -> dict[str, Any]:
    """How many residents lie within 1 cm of the 700 m circle (geodesic, GRS80), and whether every
    disagreement between engines is one of them."""
    geod = Geod(ellps="GRS80")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        centroid = dict(zip(res["fid"].astype(int), res.geometry.centroid, strict=True))
    station = dict(zip(st["fid"].astype(int), st.geometry, strict=True))
    band = nearest[(nearest["d"] - RADIUS_M * nearest["k"]).abs() < 1.0]
    pts = [centroid[f] for f in band["fid"]]
    sts = [station[s] for s in band["station"]]
    _, _, dist = geod.inv([p.x for p in sts], [p.y for p in sts], [p.x for p in pts], [p.y for p in pts])
    geodesic = dict(zip(band["fid"].astype(int), dist, strict=True))
    near_boundary = {f for f, d in geodesic.items() if abs(d - RADIUS_M) < BOUNDARY_TOLERANCE_M}
    result = agreement(answers, reference)
    unexplained = 0
    for diff_name, diff in result["differences"].items():
        got = answers[diff_name]
        delta = answers[reference] ^ got
        outside = delta - near_boundary
        diff["within_1cm_of_boundary"] = len(delta & near_boundary)
        diff["beyond_tolerance"] = len(outside)
        diff["examples_beyond_tolerance"] = [
            {"fid": f, "geodesic_m": rounded(geodesic[f], 4) if f in geodesic else None} for f in sorted(outside)[:5]]
        unexplained += len(outside)
    result["agree_within_tolerance"] = unexplained == 0
    return {"residents_within_1cm_of_700m": len(near_boundary), "residents_within_1m_checked": len(band),
            "agreement": result}


# --------------------------------------------------------------------------- parcel overlaps


def bench_overlaps(reg: Registry, frames: dict[str, gpd.GeoDataFrame], repeat: int) -> dict[str, Any]:
    """The double-expropriation check against what an analyst writes in geopandas for the same finding set."""
    from analysis.engine import all_checks
    from analysis.runs import run_checks

    check = all_checks()["expropriation.double_expropriation"]
    min_m2 = float(check.params["min_overlap_m2"])
    out: dict[str, Any] = {"check_id": check.id, "min_overlap_m2": min_m2}
    times, run = [], None
    for _ in range(repeat):
        with clock() as t:
            run = run_checks(reg, checks=[check.id], author="bench")
        times.append(t["s"])
    findings = run.findings()
    product = set(zip(findings["fid"].astype(int), findings["key"].astype(int), strict=True))
    out["postgis_run_checks_s"] = rounded(min(times))
    with clock() as t:
        fetch(reg, check.sql, dict(check.params))
    out["postgis_check_sql_s"] = rounded(t["s"])
    out["explain_check"] = explain(reg, check.sql, dict(check.params))

    times = []
    for _ in range(repeat):
        with clock() as t:
            pairs = geopandas_overlaps(frames["land_parcels"])
            expected = double_expropriations(pairs, frames["land_parcels"], frames["land_approvals"], min_m2)
        times.append(t["s"])
    out["geopandas_s"] = rounded(min(times))
    near = {p for p, area in pairs.items() if abs(area - min_m2) < 0.01}
    out["agreement"] = agreement({"run_checks": product, "geopandas": set(expected)}, "run_checks")
    out["agreement"]["pairs_within_0.01_m2_of_threshold"] = len(near)
    measured = dict(zip(zip(findings["fid"].astype(int), findings["key"].astype(int), strict=True),
                        (float(m["overlap_ha"]) * 1e4 for m in findings["measured"]), strict=True))
    gaps = [abs(measured[k] - expected[k]) for k in product & set(expected)]
    out["overlap_area_max_difference_m2"] = rounded(max(gaps, default=0.0), 3)
    out["pairs"] = len(pairs)
    out["findings"] = len(product)
    return out


def double_expropriations(pairs: dict[tuple[int, int], float], parcels: gpd.GeoDataFrame,
                          approvals: gpd.GeoDataFrame, min_m2: float) -> dict[tuple[int, int], float]:
    """The check's finding set from the overlapping pairs: both parcels collective, at least ``min_m2``,
    reported as (later approval's parcel, earlier one's) by approval date then fid."""
    frame = pd.DataFrame([(a, b, area) for (a, b), area in pairs.items()], columns=["a", "b", "area"])
    meta = parcels.set_index("fid")[["approval_fid", "ownership"]].join(
        approvals.set_index("fid")["approved_on"], on="approval_fid")
    a, b = meta.loc[frame["a"]].reset_index(drop=True), meta.loc[frame["b"]].reset_index(drop=True)
    keep = (frame["area"] >= min_m2) & (a["ownership"] == "collective") & (b["ownership"] == "collective")
    a_later = (a["approved_on"] > b["approved_on"]) | ((a["approved_on"] == b["approved_on"])
                                                       & (a["approval_fid"] > b["approval_fid"]))
    later = np.where(a_later, frame["a"], frame["b"])[keep]
    earlier = np.where(a_later, frame["b"], frame["a"])[keep]
    return dict(zip(zip(later.astype(int), earlier.astype(int), strict=True), frame["area"][keep], strict=True))


def geopandas_overlaps(parcels: gpd.GeoDataFrame) -> dict[tuple[int, int], float]:
    """What an analyst writes: self-sjoin, keep pairs of different approvals, intersect, measure in the
    Gauss-Krüger zone of the first parcel, keep area > 0."""
    frame = parcels[["fid", "approval_fid", "geometry"]]
    joined = gpd.sjoin(frame, frame, predicate="intersects")
    keep = (joined["fid_left"] < joined["fid_right"]) & (joined["approval_fid_left"] != joined["approval_fid_right"])
    joined = joined[keep]
    geoms = frame.geometry.to_numpy()
    left, right = geoms[joined.index.to_numpy()], geoms[joined["index_right"].to_numpy()]
    inter = shapely.intersection(left, right)
    area = np.zeros(len(inter))
    west = shapely.get_x(shapely.centroid(left)) < 118.5
    for (epsg, _), sel in zip(GK_ZONES, (west, ~west), strict=True):
        if sel.any():
            area[sel] = gpd.GeoSeries(inter[sel], crs=SRID).to_crs(epsg).area.to_numpy()
    positive = area > 0
    return dict(zip(zip(joined["fid_left"].to_numpy()[positive].astype(int),
                        joined["fid_right"].to_numpy()[positive].astype(int), strict=True),
                    area[positive], strict=True))


# --------------------------------------------------------------------------- HTTP: items and tiles


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER = ("import sys; from gis_app.server import run_server; "
          "run_server(host='127.0.0.1', port=int(sys.argv[1]), workers=2, threads=4)")


@contextlib.contextmanager
def server(url: str, log_path: Path) -> Iterator[str]:
    """The Flask app on 127.0.0.1 under the production server (gunicorn, :mod:`gis_app.server`), in its own
    processes (so the client does not share their GIL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdout=sink, stderr=subprocess.STDOUT,
                                cwd=str(ROOT), env={**os.environ, "DATABASE_URL": url})
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(requests.ConnectionError):
                    if requests.get(f"{base}/conformance", timeout=5).status_code == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start; see {log_path}")
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def bench_items(base: str, count: int, requests_n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, max(1, count - 100), requests_n)
    ms = []
    with requests.Session() as http:
        for offset in offsets[:10]:  # warm-up: connection pool, first-request imports
            http.get(f"{base}/collections/outfalls/items", params={"limit": 100, "offset": int(offset)}, timeout=60)
        for offset in offsets:
            start = time.perf_counter()
            r = http.get(f"{base}/collections/outfalls/items", params={"limit": 100, "offset": int(offset)},
                         timeout=60)
            ms.append((time.perf_counter() - start) * 1000)
            body = r.json()
            if r.status_code != 200 or body["numberReturned"] != 100:
                raise AssertionError(f"items page at offset {offset}: {r.status_code} {str(body)[:200]}")
    return {"requests": requests_n, "limit": 100, "offsets": "uniform over the layer", **percentiles(ms)}


def bench_items_during_import(reg: Registry, base: str, data: Dataset, seed: int) -> dict[str, Any]:
    """Item pages of the residential areas, read back to back while the layer's whole file (1,000,000
    features at full scale) is imported into it again, and the same reads without the import beside them.
    Each read is a page by key (``after``, as the API's next links give it) from a random fid over the
    whole layer. The import is a dry run, which writes everything in its transaction (COPY, indexes,
    rules) and rolls it back, so the later sections see the same data."""
    name = "residential_areas"
    rng = np.random.default_rng(seed)
    with reg.engine.connect() as conn:
        low, high = conn.execute(text(f"SELECT min(fid), max(fid) FROM {name} WHERE valid_to IS NULL")).one()
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def run_import() -> None:
        try:
            with clock() as t:
                outcome["report"] = reg.layer(name).import_file(data.files[name], author="bench", dry_run=True)
            outcome["s"] = t["s"]
        except Exception as exc:  # re-raised in the reading thread
            outcome["error"] = exc
        finally:
            finished.set()

    def read(http: requests.Session) -> float:
        after = int(rng.integers(low - 1, max(low, high - 100)))
        start = time.perf_counter()
        r = http.get(f"{base}/collections/{name}/items", params={"limit": 100, "after": after}, timeout=120)
        if r.status_code != 200:
            raise AssertionError(f"items page of {name}: {r.status_code} {r.text[:200]}")
        return (time.perf_counter() - start) * 1000

    ms: list[float] = []
    worker = threading.Thread(target=run_import, name="bench-import")
    with requests.Session() as http:
        for _ in range(10):  # warm-up
            read(http)
        alone = [read(http) for _ in range(60)]  # the same reads without the import, to compare with
        worker.start()
        while not finished.is_set():
            ms.append(read(http))
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    report = outcome["report"]
    if not report.ok or report.features != data.counts[name]:
        raise AssertionError(f"the import during the reads failed: {report.summary()[:300]}")
    return {"layer": name, "pages": "by key from random fids", "import_features": report.features,
            "import_s": rounded(outcome["s"]),
            "reads_over_1s": sum(m > 1000 for m in ms), **percentiles(ms), "without_import": percentiles(alone)}


def profile_items(url: str, count: int, seed: int, n: int = 40) -> dict[str, Any]:
    """The item page inside the process (Flask test client, no HTTP): its time, and where it goes (cProfile,
    cumulative per request, the project's own functions)."""
    import cProfile
    import pstats

    from gis_app import create_app

    app = create_app({"DATABASE_URL": url, "TESTING": True})
    client = app.test_client()
    offsets = np.random.default_rng(seed + 1).integers(0, max(1, count - 100), n)
    for offset in offsets[:5]:
        client.get(f"/collections/outfalls/items?limit=100&offset={offset}")
    ms = []
    for offset in offsets:
        start = time.perf_counter()
        client.get(f"/collections/outfalls/items?limit=100&offset={offset}")
        ms.append((time.perf_counter() - start) * 1000)
    profiler = cProfile.Profile()
    profiler.enable()
    for offset in offsets:
        client.get(f"/collections/outfalls/items?limit=100&offset={offset}")
    profiler.disable()
    app.extensions["registry"].close()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows, own = [], []
    for (filename, line, func), (_, ncalls, tottime, cumtime, _) in stats.items():
        entry = {"function": f"{Path(filename).name}:{line} {func}",
                 "calls_per_request": round(ncalls / n, 1),
                 "ms_per_request": rounded(cumtime / n * 1000, 2),
                 "self_ms_per_request": rounded(tottime / n * 1000, 2)}
        own.append(entry)
        if filename.startswith(str(ROOT)) and "/.venv/" not in filename and "/bench/" not in filename:
            rows.append(entry)
    rows.sort(key=lambda r: -r["ms_per_request"])
    own.sort(key=lambda r: -r["self_ms_per_request"])
    return {"in_process": percentiles(ms), "profile_top": rows[:15], "self_time_top": own[:15],
            "note": "cProfile inflates Python-heavy functions; read the shares, not the absolute figures"}


def tile_of(lon: np.ndarray, lat: np.ndarray, z: int) -> np.ndarray:
    n = 2**z
    x = np.floor((lon + 180) / 360 * n).astype(int)
    phi = np.radians(lat)
    y = np.floor((1 - np.log(np.tan(phi) + 1 / np.cos(phi)) / np.pi) / 2 * n).astype(int)
    return np.column_stack([x, y])


def pick_tiles(outfalls: gpd.GeoDataFrame, seed: int, per_zoom: int) -> list[tuple[int, int, int]]:
    """A fixed set of tiles with data at z 8, 11 and 14, chosen where outfalls are (seeded)."""
    rng = np.random.default_rng(seed)
    sample = outfalls.geometry.to_numpy()[rng.choice(len(outfalls), min(len(outfalls), 5000), replace=False)]
    lon, lat = shapely.get_x(sample), shapely.get_y(sample)
    tiles = []
    for z in (8, 11, 14):
        unique = np.unique(tile_of(lon, lat, z), axis=0)
        chosen = unique[rng.permutation(len(unique))[:per_zoom]]
        tiles += [(z, int(x), int(y)) for x, y in sorted(map(tuple, chosen))]
    return tiles


def tile_text(z: int, x: int, y: int) -> str:
    """The raw ``ST_AsMVT`` statement of an outfalls tile as plain SQL text."""
    from registry.tiles import tile_query

    return str(tile_query("outfalls", z, x, y).compile(dialect=postgresql.dialect(),
                                                       compile_kwargs={"literal_binds": True}))


def lean_get(base: str, paths: list[str]) -> list[float]:
    """Milliseconds per GET with ``http.client`` on one kept-alive connection: the least a Python client adds
    (``requests`` adds about half a millisecond per request on this machine)."""
    import http.client

    conn = http.client.HTTPConnection(*base.removeprefix("http://").split(":"), timeout=120)
    ms = []
    try:
        for path in paths:
            start = time.perf_counter()
            conn.request("GET", path)
            conn.getresponse().read()
            ms.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return ms


def http_floor(base: str, n: int = 200) -> dict[str, Any]:
    """The cheapest route of the app (``/conformance``: a constant, no database) over both clients: what any
    request costs before a tile is drawn."""
    ms = []
    with requests.Session() as http:
        for i in range(n + 20):
            start = time.perf_counter()
            http.get(f"{base}/conformance", timeout=30)
            if i >= 20:
                ms.append((time.perf_counter() - start) * 1000)
    return {"requests": percentiles(ms), "http_client": percentiles(lean_get(base, ["/conformance"] * (n + 20))[20:])}


def bench_tiles(reg: Registry, base: str | None, tiles: list[tuple[int, int, int]]) -> dict[str, Any]:
    """Each tile over HTTP three times (first, again, and revalidated with its ETag: 304), the route's
    ``registry.tiles.tile`` in-process, and the raw ``ST_AsMVT`` statement on one warm psycopg connection, no
    SQLAlchemy: the floor (``raw``) is ``registry.tiles.tile_sql`` prepared on the server as the route's statement
    is; ``raw_text`` is ``tile_query`` sent as plain SQL, planned per call with the tile's own values."""
    from registry.tiles import layer_version, tile, tile_sql

    out: dict[str, Any] = {"tiles": len(tiles)}
    texts = {t: tile_text(*t) for t in tiles}
    out["sql_z14_example"] = texts[tiles[-1]]
    prepared, constants = tile_sql("outfalls")

    def raw_pass(text_sql: bool) -> dict[tuple, tuple[float, int]]:
        timings = {}
        with reg.engine.connect() as conn:
            driver = conn.connection.driver_connection
            for key in tiles:
                start = time.perf_counter()
                if text_sql:
                    data = driver.execute(texts[key]).fetchone()[0] or b""
                else:
                    params = dict(constants, z=key[0], x=key[1], y=key[2])
                    data = driver.execute(prepared, params, prepare=True).fetchone()[0] or b""
                timings[key] = ((time.perf_counter() - start) * 1000, len(data))
        return timings

    raw_pass(False)  # warm the buffers, as the HTTP pass will find them
    raw, raw_text = raw_pass(False), raw_pass(True)
    lv = []
    for _ in range(30):
        start = time.perf_counter()
        layer_version(reg, "outfalls")
        lv.append((time.perf_counter() - start) * 1000)
    inproc = {}
    for z, x, y in tiles:  # the function the route calls: connection checkout (with pre-ping) included
        start = time.perf_counter()
        tile(reg, "outfalls", z, x, y)
        inproc[(z, x, y)] = (time.perf_counter() - start) * 1000
    out["layer_version"] = percentiles(lv)
    out["tile_function_cold"] = percentiles(list(inproc.values()))
    with reg.engine.connect() as conn:
        plan = conn.execute(text("EXPLAIN (FORMAT JSON) " + texts[tiles[-1]])).scalar_one()
    out["explain_z14"] = gx_indexes(plan)
    if base is None:
        return out
    out["http_floor"] = http_floor(base)
    cold, warm, revalidated = {}, {}, {}
    etags: dict[tuple, str] = {}
    with requests.Session() as http:
        for timings in (cold, warm, revalidated):
            for z, x, y in tiles:
                url = f"{base}/tiles/outfalls/{z}/{x}/{y}.mvt"
                headers = {"If-None-Match": etags[(z, x, y)]} if timings is revalidated else {}
                start = time.perf_counter()
                r = http.get(url, headers=headers, timeout=120)
                timings[(z, x, y)] = (time.perf_counter() - start) * 1000
                expected = 304 if timings is revalidated else 200
                if r.status_code != expected:
                    out["http_error"] = f"{r.status_code} (expected {expected}) for {z}/{x}/{y}: {r.text[:200]}"
                    return out
                if timings is cold:
                    etags[(z, x, y)] = r.headers.get("ETag", "")
                    if len(r.content) != raw[(z, x, y)][1]:
                        out.setdefault("size_mismatch", []).append([z, x, y, len(r.content), raw[(z, x, y)][1]])
    lean = dict(zip(tiles, lean_get(base, [f"/tiles/outfalls/{z}/{x}/{y}.mvt" for z, x, y in tiles]), strict=True))
    for z in (8, 11, 14):
        keys = [t for t in tiles if t[0] == z]
        out[f"z{z}"] = {"tiles": len(keys), "bytes_mean": round(float(np.mean([raw[k][1] for k in keys]))),
                        "raw": percentiles([raw[k][0] for k in keys]),
                        "raw_text": percentiles([raw_text[k][0] for k in keys]),
                        "http_cold": percentiles([cold[k] for k in keys]),
                        "http_again": percentiles([warm[k] for k in keys]),
                        "http_304": percentiles([revalidated[k] for k in keys]),
                        "http_client_again": percentiles([lean[k] for k in keys])}
        out[f"z{z}"]["p95_ratio_cold_over_raw"] = rounded(out[f"z{z}"]["http_cold"]["p95_ms"] /
                                                          out[f"z{z}"]["raw"]["p95_ms"], 2)
    out["all"] = {"raw": percentiles([v[0] for v in raw.values()]),
                  "raw_text": percentiles([v[0] for v in raw_text.values()]),
                  "http_cold": percentiles(list(cold.values())), "http_again": percentiles(list(warm.values())),
                  "http_304": percentiles(list(revalidated.values()))}
    out["all"]["p95_ratio_cold_over_raw"] = rounded(out["all"]["http_cold"]["p95_ms"] / out["all"]["raw"]["p95_ms"], 2)
    out["per_tile_overhead_ms_median"] = rounded(float(np.median([cold[k] - raw[k][0] for k in tiles])), 2)
    return out


# --------------------------------------------------------------------------- map pages in a browser


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [  # as tests/gis_app/test_browser.py launches it: nothing may leave the machine
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAP_LAYERS = ("residential_areas", "outfalls")
"""The 1,000,000-square layer the issue names, and the 100,000 outfalls (points, drawn at every zoom)."""
FOCUS_ZOOM = 15
MAP_TIMEOUT_MS = 600_000
DRAWN_JS = """() => {
    const found = {canvases: 0, drawn_canvases: 0, drawn_pixels: 0};
    for (const c of document.querySelectorAll('.leaflet-pane canvas')) {
        if (!c.width || !c.height) continue;
        found.canvases += 1;
        const alpha = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < alpha.length; i += 4) if (alpha[i]) n += 1;
        if (n) found.drawn_canvases += 1;
        found.drawn_pixels += n;
    }
    const map = Object.values(window).find(v => window.L && v instanceof L.Map);
    found.zoom = map ? map.getZoom() : null;
    return found;
}"""
LOAD_JS = """() => { const n = performance.getEntriesByType('navigation')[0];
    return {dom_content_loaded_ms: n.domContentLoadedEventEnd, load_event_ms: n.loadEventEnd}; }"""


def bench_map_pages(reg: Registry, base: str) -> dict[str, Any]:
    """Each big layer's map page (``/map/{layer}``) in Debian's headless Chromium through Playwright, as the
    tests run it, with every request off the loopback aborted: the page's size (the features must come as
    vector tiles, not in the HTML), the time to its load event, the tile requests, whether anything was drawn,
    and the console errors; at the opening view (all Fujian) and zoomed in on the layer's first feature."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return {"unavailable": f"playwright is not importable: {exc}"}
    if not CHROMIUM.exists():
        return {"unavailable": f"{CHROMIUM} is missing (apt-get install chromium)"}
    out: dict[str, Any] = {"browser": str(CHROMIUM), "focus_zoom": FOCUS_ZOOM}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            out["browser_version"] = browser.version
            try:
                for name in MAP_LAYERS:
                    log(f"map page {name}")
                    try:
                        out[name] = open_map_page(reg, browser, base, name)
                    except PlaywrightError as exc:
                        out[name] = {"error": str(exc).splitlines()[0]}
            finally:
                browser.close()
    except PlaywrightError as exc:
        out["unavailable"] = f"chromium did not start: {str(exc).splitlines()[0]}"
    return out


def open_map_page(reg: Registry, browser: Any, base: str, name: str) -> dict[str, Any]:
    url = f"{base}/map/{name}"
    with clock() as t:
        html = requests.get(url, timeout=MAP_TIMEOUT_MS / 1000)
    out: dict[str, Any] = {"features": reg.layer(name).count(), "html_status": html.status_code,
                           "html_bytes": len(html.content), "html_get_ms": rounded(t["s"] * 1000, 1),
                           "features_in_html": '"FeatureCollection"' in html.text,
                           "tiles_in_html": f"/tiles/{name}/" in html.text}
    context = browser.new_context(viewport={"width": 1280, "height": 860}, service_workers="block")
    try:
        page = context.new_page()
        traffic = watch_page(page)
        start = time.perf_counter()
        page.goto(url, wait_until="load", timeout=MAP_TIMEOUT_MS)
        out["load"] = page.evaluate(LOAD_JS)
        out["opening_view"] = settled_view(page, traffic, start)
        first = reg.layer(name).to_geodataframe(limit=1).geometry.iloc[0].representative_point()
        start = time.perf_counter()
        page.evaluate(f"() => Object.values(window).find(v => v instanceof L.Map)"
                      f".setView([{first.y}, {first.x}], {FOCUS_ZOOM}, {{animate: false}})")
        out["zoomed_view"] = settled_view(page, traffic, start)
    finally:
        context.close()
    out["blocked_requests"] = traffic["blocked"]
    out["console_errors"] = traffic["errors"]
    return out


def watch_page(page: Any) -> dict[str, Any]:
    """Abort every request that would leave the loopback; follow the tile requests (in flight, done, when,
    status, size) and note console errors."""
    from urllib.parse import urlsplit

    traffic: dict[str, Any] = {"tiles": [], "blocked": [], "errors": [], "in_flight": 0,
                               "last_event": time.perf_counter()}

    def route(route: Any, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            traffic["blocked"].append(request.url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def tile_event(request: Any, done: bool) -> None:
        if "/tiles/" not in request.url:
            return
        traffic["in_flight"] += -1 if done else 1
        traffic["last_event"] = time.perf_counter()
        if done:
            response = request.response() if request.failure is None else None
            traffic["tiles"].append((traffic["last_event"], response.status if response else "failed",
                                     int(response.headers.get("content-length") or 0) if response else 0))

    page.route("**/*", route)
    page.on("request", lambda request: tile_event(request, False))
    page.on("requestfinished", lambda request: tile_event(request, True))
    page.on("requestfailed", lambda request: (traffic["errors"].append(f"{request.failure} {request.url}"),
                                              tile_event(request, True)))
    page.on("pageerror", lambda error: traffic["errors"].append(str(error)))
    page.on("console", lambda msg: traffic["errors"].append(msg.text) if msg.type == "error" else None)
    return traffic


def settled_view(page: Any, traffic: dict[str, Any], start: float, quiet_s: float = 1.0) -> dict[str, Any]:
    """The view once no tile has been in flight for ``quiet_s``: the tiles asked for since ``start`` and
    what the canvases show."""
    from collections import Counter

    deadline = start + MAP_TIMEOUT_MS / 1000
    while time.perf_counter() < deadline and (
            traffic["in_flight"] or time.perf_counter() - max(traffic["last_event"], start) < quiet_s):
        page.wait_for_timeout(100)
    tiles = [t for t in traffic["tiles"] if t[0] >= start]
    return {"tile_requests": len(tiles), "tile_status": dict(Counter(str(s) for _, s, _ in tiles)),
            "tile_bytes": sum(b for _, _, b in tiles),
            "tiles_done_ms": rounded((max(t for t, _, _ in tiles) - start) * 1000, 1) if tiles else None,
            "settled": traffic["in_flight"] == 0, **page.evaluate(DRAWN_JS)}


# --------------------------------------------------------------------------- PostgreSQL settings


def apply_settings(url: str, settings: dict[str, str]) -> None:
    """Database-level settings (``ALTER DATABASE … SET``): every new connection to the bench database gets them."""
    db = make_url(url).database
    admin = connect(url).engine.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for key, value in settings.items():
            conn.execute(text(f'ALTER DATABASE "{db}" SET {key} = \'{value}\''))
    admin.dispose()


def bench_settings(reg: Registry, banned: list[str], server: dict[str, str]) -> dict[str, Any]:
    """The main queries under the settings docs/performance.md discusses, one transaction each (SET LOCAL)."""
    from analysis.engine import all_checks

    overlap = all_checks()["expropriation.double_expropriation"]
    as_server = {k: server[k] for k in RECOMMENDED if k in server}
    combos = {"as documented": {},
              "server as configured": as_server,
              "documented, workers 0": {"max_parallel_workers_per_gather": "0"},
              "documented, workers 1": {"max_parallel_workers_per_gather": "1"},
              "documented, jit on": {"jit": "on"}}
    queries = {"protected_pairs": (PAIRS_SQL, {"banned": banned}),
               "coverage_exists": (COVERAGE_EXISTS_SQL, {"deg": PREFILTER_DEG, "radius": RADIUS_M}),
               "double_expropriation": (overlap.sql, dict(overlap.params))}
    out: dict[str, Any] = {"combos": combos, "seconds": {}}
    for label, settings in combos.items():
        out["seconds"][label] = {}
        for qname, (sql, params) in queries.items():
            with reg.engine.connect() as conn, conn.begin():
                for key, value in settings.items():
                    conn.execute(text(f"SET LOCAL {key} = '{value}'"))
                with clock() as t:
                    conn.execute(text(sql).bindparams(**params)).fetchall()
            out["seconds"][label][qname] = rounded(t["s"])
        log(f"settings {label}: {out['seconds'][label]}")
    return out


# --------------------------------------------------------------------------- targets and report


def targets(fig: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []

    def add(name: str, value: float | None, goal: str, ok: bool | None, note: str = "") -> None:
        rows.append({"target": name, "value": value, "goal": goal,
                     "result": "n/a" if ok is None else "pass" if ok else "miss", "note": note})

    imp = fig["import"]["registry_total"]["features_per_s"]
    add("import rate (registry, all layers)", imp, f">= {TARGET_IMPORT_RATE:,.0f} features/s",
        imp >= TARGET_IMPORT_RATE)
    for name, v in fig["import"]["registry"].items():
        add(f"import rate {name}", v["features_per_s"], f">= {TARGET_IMPORT_RATE:,.0f} features/s",
            v["features_per_s"] >= TARGET_IMPORT_RATE)
    p = fig["protected"]
    same = p["agreement"]["all_equal"] and p["distance_to_edge"]["over_0_1_m"] == 0
    add("protected-zone check (run_checks, findings stored) vs geopandas sjoin + distance to edge",
        rounded(p["postgis_run_checks_s"] / p["geopandas_with_distance_s"], 2), "ratio < 1 (faster)",
        p["postgis_run_checks_s"] < p["geopandas_with_distance_s"] and same,
        f"{p['postgis_run_checks_s']} s vs {p['geopandas_with_distance_s']} s")
    add("protected-zone join (pairs SQL) vs geopandas sjoin", rounded(p["postgis_pairs_sql_s"] / p["geopandas_s"], 2),
        "ratio < 1 (faster)", p["postgis_pairs_sql_s"] < p["geopandas_s"] and same,
        f"{p['postgis_pairs_sql_s']} s vs {p['geopandas_s']} s")
    if "duckdb_s" in p:
        for name, key in (("run_checks", "postgis_run_checks_s"), ("pairs SQL", "postgis_pairs_sql_s")):
            add(f"protected-zone {name} vs DuckDB join", rounded(p[key] / p["duckdb_s"], 2),
                f"ratio <= {TARGET_DUCKDB_RATIO}", p[key] <= TARGET_DUCKDB_RATIO * p["duckdb_s"] and same,
                f"{p[key]} s vs {p['duckdb_s']} s")
    else:
        add("protected-zone check vs DuckDB", None, f"ratio <= {TARGET_DUCKDB_RATIO}", None, fig.get("duckdb", ""))
    c = fig["coverage"]
    ok = c["agreement"]["agree_within_tolerance"]
    for engine, label in (("geopandas", "geopandas sjoin_nearest"), ("duckdb", "DuckDB")):
        if f"{engine}_s" not in c:
            add(f"700 m coverage vs {label}", None, "", None, fig.get("duckdb", ""))
            continue
        limit = 1.0 if engine == "geopandas" else TARGET_DUCKDB_RATIO
        for variant in dict.fromkeys(("postgis_best", "postgis_geography_exists")
                                     if c["postgis_best"] != "postgis_geography_exists" else ("postgis_best",)):
            ratio = rounded(c[f"{variant}_s"] / c[f"{engine}_s"], 2)
            name = c["postgis_best"] if variant == "postgis_best" else variant
            add(f"700 m coverage ({name}) vs {label}", ratio, "ratio < 1 (faster)" if limit == 1.0 else
                f"ratio <= {limit}", (ratio < limit if limit == 1.0 else ratio <= limit) and ok,
                f"{c[f'{variant}_s']} s vs {c[f'{engine}_s']} s")
    product = c.get("product_coverage")
    for engine, label in (("geopandas", "geopandas sjoin_nearest"), ("duckdb", "DuckDB")):
        if product and f"{engine}_s" in c:
            limit = 1.0 if engine == "geopandas" else TARGET_DUCKDB_RATIO
            ratio = rounded(product["s"] / c[f"{engine}_s"], 2)
            add(f"700 m coverage, product coverage() over {product['residential_areas']:,} areas vs {label}", ratio,
                "ratio < 1 (faster)" if limit == 1.0 else f"ratio <= {limit}",
                (ratio < limit if limit == 1.0 else ratio <= limit) and ok and product["agrees"],
                f"{product['s']} s vs {c[f'{engine}_s']} s")
    t = fig.get("tiles", {})
    if "all" in t:
        for key in ("z8", "z11", "z14", "all"):
            add(f"tile p95 HTTP (cold) / raw ST_AsMVT, {key}", t[key]["p95_ratio_cold_over_raw"],
                f"<= {TARGET_TILE_RATIO}", t[key]["p95_ratio_cold_over_raw"] <= TARGET_TILE_RATIO,
                f"{t[key]['http_cold']['p95_ms']} ms vs {t[key]['raw']['p95_ms']} ms")
    else:
        add("tile p95 within 1.5x of raw ST_AsMVT", None, f"<= {TARGET_TILE_RATIO}", None,
            t.get("unavailable") or t.get("http_error", "not measured"))
    page = fig.get("map_page", {}).get("residential_areas")
    if page and "error" not in page:
        opened = (page["html_status"] == 200 and not page["features_in_html"] and page["tiles_in_html"]
                  and page["load"]["load_event_ms"] > 0 and not page["console_errors"] and not page["blocked_requests"])
        add(f"map page of {page['features']:,} residential areas opens in Chromium, features as tiles",
            page["html_bytes"], "HTML without the features; load event; no errors", opened,
            f"load {page['load']['load_event_ms']:.0f} ms; drawn at z{page['zoomed_view']['zoom']}: "
            f"{page['zoomed_view']['drawn_pixels']:,} px, at z{page['opening_view']['zoom']}: "
            f"{page['opening_view']['drawn_pixels']:,} px")
    else:
        add("map page opens in Chromium", None, "HTML without the features", None,
            (page or {}).get("error") or fig.get("map_page", {}).get("unavailable", "not measured"))
    items = fig.get("items")
    if items:
        add("item pages p95 (limit 100)", items["p95_ms"], f"< {TARGET_ITEMS_P95_MS:g} ms",
            items["p95_ms"] < TARGET_ITEMS_P95_MS)
    during = fig.get("items_during_import")
    if during:
        add(f"item pages p95 during a {during['import_features']:,}-feature import", during["p95_ms"],
            f"< {TARGET_DURING_IMPORT_P95_MS:g} ms, no read > 1 s",
            during["p95_ms"] < TARGET_DURING_IMPORT_P95_MS and during["reads_over_1s"] == 0,
            f"{during['n']} reads over {during['import_s']} s; max {during['max_ms']} ms; the same reads without "
            f"the import: p95 {during['without_import']['p95_ms']} ms")
    return rows


def table(fig: dict[str, Any], goals: list[dict[str, Any]]) -> str:
    imp, p, c, o = fig["import"], fig["protected"], fig["coverage"], fig["overlaps"]
    lines = [("figure", "value", "baseline / ratio")]
    lines.append(("import, registry (all layers)", f"{imp['registry_total']['features_per_s']:,} feat/s "
                  f"({imp['registry_total']['s']} s)", f"to_postgis {imp['to_postgis_total']['features_per_s']:,} "
                  f"feat/s; time ratio {imp['registry_time_over_to_postgis']}"))
    for name, v in imp["registry"].items():
        tp = imp["to_postgis"][name]
        lines.append((f"  import {name} ({v['features']:,})", f"{v['features_per_s']:,} feat/s ({v['s']} s)",
                      f"to_postgis {tp['features_per_s']:,} feat/s; ratio {tp['registry_over_to_postgis']}"))
    for prof in fig.get("import_profile", []):
        lines.append((f"  profile {prof['layer']} ({prof['rows']:,} rows)",
                      f"read {prof['read_features_s']} s, check_frame {prof['check_frame_s']} s, geometry "
                      f"{prof['normalise_geometries_s']} s",
                      f"COPY {prof['copy_s']} s "
                      f"({prof['features_per_s']:,} feat/s)"))
    lines.append(("protected zones: run_checks", f"{p['postgis_run_checks_s']} s ({p['findings']:,} findings)",
                  f"geopandas sjoin + distance {p['geopandas_with_distance_s']} s; sets equal: "
                  f"{p['agreement']['all_equal']}; distances differ by at most "
                  f"{p['distance_to_edge']['max_abs_difference_m']} m"))
    lines.append(("  protected zones: join only", f"pairs SQL {p['postgis_pairs_sql_s']} s",
                  f"geopandas sjoin {p['geopandas_s']} s; DuckDB {p.get('duckdb_s', 'n/a')} s"))
    lines.append(end_to_end("  protected zones, geopandas from the registry", p["postgis_run_checks_s"],
                            p["geopandas_with_distance_s"], fig, ("outfalls", "protected_zones")))
    lines.append(("700 m coverage: PostGIS", f"exists {c['postgis_geography_exists_s']} s / metric "
                  f"{c['postgis_metric_exists_s']} s / join {c['postgis_geography_join_s']} s",
                  f"geopandas {c['geopandas_s']} s; DuckDB {c.get('duckdb_s', 'n/a')} s; "
                  f"agree: {c['agreement']['agree_within_tolerance']}"))
    lines.append(("  covered elderly", f"{c['answer']['covered_elderly']:,} of {c['answer']['elderly']:,} "
                  f"({c['answer']['share_pct']} %)", f"{c['boundary']['residents_within_1cm_of_700m']} residents "
                  "within 1 cm of 700 m"))
    if "product_coverage" in c:
        pc = c["product_coverage"]
        lines.append(("  product coverage() (per area)", f"{pc['s']} s; {pc['covered_elderly']:,.0f} elderly "
                      f"({pc['share_pct']} %)", f"geopandas ratio {rounded(pc['s'] / c['geopandas_s'], 2)}; DuckDB "
                      f"ratio {rounded(pc['s'] / c['duckdb_s'], 2) if 'duckdb_s' in c else 'n/a'}; "
                      f"{pc['partial_areas']:,} partial; agrees: {pc['agrees']}"))
    lines.append(end_to_end("  coverage, geopandas from the registry", c["postgis_geography_exists_s"],
                            c["geopandas_s"], fig, ("residential_areas", "eldercare_facilities")))
    lines.append(("parcel overlaps: run_checks", f"{o['postgis_run_checks_s']} s ({o['findings']:,} findings)",
                  f"geopandas sjoin + intersection {o['geopandas_s']} s ({o['pairs']:,} pairs); check SQL "
                  f"{o['postgis_check_sql_s']} s; equal: {o['agreement']['all_equal']}"))
    if "items" in fig:
        i = fig["items"]
        lines.append(("item pages (limit 100)", f"p50 {i['p50_ms']} ms, p95 {i['p95_ms']} ms",
                      f"{i['requests']} requests"))
    t = fig.get("tiles", {})
    for key in ("z8", "z11", "z14"):
        if key in t:
            lines.append((f"tiles {key} ({t[key]['tiles']}, {t[key]['bytes_mean']:,} B)",
                          f"HTTP p50 {t[key]['http_cold']['p50_ms']} / p95 {t[key]['http_cold']['p95_ms']} ms",
                          f"raw p50 {t[key]['raw']['p50_ms']} / p95 {t[key]['raw']['p95_ms']} ms "
                          f"(as text {t[key]['raw_text']['p50_ms']} / {t[key]['raw_text']['p95_ms']}); "
                          f"ratio {t[key]['p95_ratio_cold_over_raw']}"))
    if "all" in t:
        floor = t["http_floor"]
        lines.append(("  tile overheads", f"tile() in-process p50 {t['tile_function_cold']['p50_ms']} ms",
                      f"layer_version p50 {t['layer_version']['p50_ms']} ms; HTTP 304 p50 "
                      f"{t['all']['http_304']['p50_ms']} ms; HTTP floor (/conformance) p50 "
                      f"{floor['requests']['p50_ms']} ms (http.client {floor['http_client']['p50_ms']} ms)"))
        for key in ("z11", "z14"):
            lines.append((f"  tiles {key} over http.client", f"p50 {t[key]['http_client_again']['p50_ms']} / p95 "
                          f"{t[key]['http_client_again']['p95_ms']} ms", "the same tiles again, leanest Python client"))
    lines += map_page_lines(fig.get("map_page", {}))
    if "items_profile" in fig:
        ip = fig["items_profile"]
        top = ", ".join(f"{r['function'].split(' ')[-1]} {r['ms_per_request']}" for r in ip["profile_top"][:4])
        lines.append(("  item page in-process", f"p50 {ip['in_process']['p50_ms']} ms", f"profile (ms/req): {top}"))
    widths = [max(len(str(r[i])) for r in lines) for i in range(3)]
    text_lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in lines]
    text_lines.append("")
    text_lines.append("targets (issue 10 §5):")
    text_lines += [f"  [{g['result']:>4}] {g['target']}: {g['value']} (goal {g['goal']}) {g['note']}" for g in goals]
    return "\n".join(text_lines)


def end_to_end(label: str, postgis_s: float, geopandas_s: float, fig: dict[str, Any],
               layers: tuple[str, ...]) -> tuple[str, str, str]:
    """The baseline as an analyst meets it: the layers read from the registry (the data lives in PostGIS) and then
    the computation. Shown beside the at-rest ratio the targets use, never instead of it."""
    read_s = sum(fig["registry_to_geodataframe_s"][name] for name in layers)
    total = rounded(read_s + geopandas_s)
    return (label, f"read {rounded(read_s)} s + compute {geopandas_s} s = {total} s",
            f"PostGIS {postgis_s} s; ratio {rounded(postgis_s / total, 2)}")


def map_page_lines(m: dict[str, Any]) -> list[tuple[str, str, str]]:
    """One table line per map page opened in the browser (or why none was)."""
    if "unavailable" in m:
        return [("map page in Chromium", "not measured", m["unavailable"])]
    lines = []
    for name in MAP_LAYERS:
        page = m.get(name)
        if not page:
            continue
        if "error" in page:
            lines.append((f"map page /map/{name}", "failed", page["error"]))
            continue
        views = [f"z{v['zoom']} {v['tile_requests']} tiles {v['tile_status']} {v['tile_bytes']:,} B, drawn "
                 f"{v['drawn_pixels']:,} px" for v in (page["opening_view"], page["zoomed_view"])]
        lines.append((f"map page /map/{name} ({page['features']:,})",
                      f"HTML {page['html_bytes']:,} B, load {page['load']['load_event_ms']:.0f} ms",
                      f"{'; '.join(views)}; features in HTML: {page['features_in_html']}; "
                      f"errors {len(page['console_errors'])}, blocked {len(page['blocked_requests'])}"))
    return lines


# --------------------------------------------------------------------------- main


def analyze(reg: Registry) -> None:
    """Fresh statistics after the bulk load (autovacuum would get there later; the plans need them now)."""
    with reg.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def bench_http(reg: Registry, url: str, tiles: list[tuple[int, int, int]], count: int,
               args: argparse.Namespace, data: Dataset) -> dict[str, Any]:
    with server(url, DATA_DIR / f"server_{make_url(url).database}.log") as base:  # one per bench database
        return {"items": bench_items(base, count, args.requests, args.seed), "tiles": bench_tiles(reg, base, tiles),
                "map_page": bench_map_pages(reg, base),
                "items_during_import": bench_items_during_import(reg, base, data, args.seed)}


def table_sizes(reg: Registry) -> dict[str, Any]:
    """On-disk size of each benchmarked layer (heap, indexes), for docs/scaling.md's arithmetic."""
    with reg.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c "
            "WHERE c.relname = ANY(:names) AND c.relkind = 'r'"), {"names": list(ORDER)}).all()
    return {name: {"table_mb": round(t / 2**20, 1), "indexes_mb": round(i / 2**20, 1)} for name, t, i in rows}


def bench_url() -> str:
    base = make_url(database_url())
    return base.set(database=f"{base.database}_bench").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the province-scale counts (0.1: quick)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=2, help="runs per engine timing; the best is kept")
    parser.add_argument("--requests", type=int, default=300, help="item-page requests")
    parser.add_argument("--tiles-per-zoom", type=int, default=40)
    parser.add_argument("--profile-rows", type=int, default=200_000, help="rows per layer in the import profile")
    parser.add_argument("--no-settings", action="store_true", help="skip the PostgreSQL settings comparison")
    parser.add_argument("--server-settings", action="store_true",
                        help="run with the server's settings instead of docs/performance.md's")
    parser.add_argument("--no-product-coverage", action="store_true",
                        help="skip analysis.eldercare.coverage.coverage() on the province's polygons")
    args = parser.parse_args()
    started = time.perf_counter()
    installs = baseline_engines()

    log(f"data at scale {args.scale}")
    with clock() as t:
        data = generate(args.scale, args.seed)
    log(f"data ready in {t['s']:.1f} s: {data.directory}")
    url = bench_url()
    drop_database(url)
    ensure_database(url)
    migrate(url)
    probe = connect(url, user="bench")
    host = machine(probe)  # the server's own settings, before the database gets the documented ones
    probe.close()
    applied = {} if args.server_settings else RECOMMENDED
    apply_settings(url, applied)
    reg = connect(url, user="bench")
    results: dict[str, Any] = {"started_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                               "scale": args.scale, "seed": args.seed, "repeat": args.repeat,
                               "database": make_url(url).database, "machine": host,
                               "database_settings_applied": applied, "bench_packages": installs,
                               "data": {"directory": str(data.directory.relative_to(ROOT)), "counts": data.counts,
                                        "vertices": data.manifest.get("vertices"),
                                        "residents": data.manifest.get("residents"),
                                        "generated_in_s": data.manifest.get("build_s")}}
    fig: dict[str, Any] = {}
    try:
        fig["import"] = bench_import(reg, data)
        with clock() as t:
            resilient(reg, "analyze", analyze, reg)
        fig["analyze_s"] = rounded(t["s"])
        fig["table_sizes"] = table_sizes(reg)
        fig["import_profile"] = []
        for name in ("outfalls", "residential_areas"):
            log(f"import profile {name}")
            fig["import_profile"].append(resilient(reg, f"profile {name}", profile_import, reg, data, name,
                                                   args.profile_rows))

        frames, loads = {}, {}
        for name in ("outfalls", "protected_zones", "residential_areas", "eldercare_facilities", "land_parcels",
                     "land_approvals"):
            with clock() as t:
                frames[name] = resilient(reg, f"load {name}", reg.layer(name).to_geodataframe)
            loads[name] = rounded(t["s"])
        fig["registry_to_geodataframe_s"] = loads
        log(f"frames loaded: {loads}")

        duck, reason = duckdb_connection()
        if duck is None:
            fig["duckdb"] = f"unavailable: {reason}"
        log("protected zones")
        fig["protected"] = resilient(reg, "protected zones", bench_protected, reg, frames, duck, args.repeat)
        log("coverage")
        fig["coverage"] = resilient(reg, "coverage", bench_coverage, reg, frames, duck, args.repeat,
                                    not args.no_product_coverage)
        log("parcel overlaps")
        fig["overlaps"] = resilient(reg, "overlaps", bench_overlaps, reg, frames, args.repeat)

        tiles = pick_tiles(frames["outfalls"], args.seed, args.tiles_per_zoom)
        RESULTS.mkdir(parents=True, exist_ok=True)
        log("HTTP: item pages and tiles")
        fig.update(resilient(reg, "http", bench_http, reg, url, tiles, len(frames["outfalls"]), args, data))
        fig["items_profile"] = resilient(reg, "items profile", profile_items, url, len(frames["outfalls"]), args.seed)
        if not args.no_settings:
            fig["settings"] = resilient(reg, "settings", bench_settings, reg, fig["protected"]["banned"],
                                        host["postgresql_settings"])
    finally:
        results["figures"] = fig
        results["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
        results["total_s"] = rounded(time.perf_counter() - started, 1)
        results["sections_repeated_after_server_restart"] = RETRIES
        reg.close()
    results["targets"] = targets(fig)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(results, ensure_ascii=False, indent=1, default=str)
    (RESULTS / f"{stamp}.json").write_text(payload, encoding="utf-8")
    (RESULTS / "latest.json").write_text(payload, encoding="utf-8")
    print(table(fig, results["targets"]))
    print(f"\nwritten: bench/results/{stamp}.json (and latest.json); {results['total_s']} s in all")


if __name__ == "__main__":
    main()
