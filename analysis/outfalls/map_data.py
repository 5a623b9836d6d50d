"""What the outfall map shows: the outfalls (of an area), the banned zones and key basins around them, and
the findings of the latest finished check run that looked at outfalls."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
from sqlalchemy import select

from analysis.engine import parse_area
from analysis.runs import Run, list_runs
from layers.outfalls import Outfall
from layers.protected_zones import OUTFALL_BANNED
from registry import Registry
from registry.repository import Query, Store, visible_at

OUTFALL_LAYERS = ("outfalls", "outfall_samples")
PAD = 0.05
"""Degrees around the outfalls within which zones and basins are drawn (basins reach far beyond)."""


@dataclass
class OutfallMapData:
    outfalls: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    basins: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame | None
    run: Run | None
    """The run whose findings are shown, None when no finished run checked outfalls."""


def latest_outfall_run(reg: Registry) -> Run | None:
    """The newest finished run that ran an outfall check."""
    for run in list_runs(reg, limit=1000):
        if run.status == "done" and any(c.layer in OUTFALL_LAYERS for c in run.checks()):
            return run
    return None


def outfall_map_data(reg: Registry, area: str | None = None) -> OutfallMapData:
    """The map's layers; ``area`` (a division code, WKT or GeoJSON polygon) limits the outfalls, and the zones,
    basins and findings follow them. Zones are the types where outfalls are banned."""
    fids = None
    if area:
        o = Outfall.__table__
        with reg.engine.connect() as conn:
            clause = parse_area(conn, area).clause(o.c.geom, o.c.county_code)
            fids = tuple(conn.scalars(select(o.c.fid).where(visible_at(o, None), clause).order_by(o.c.fid)))
    outfalls = Store(reg.engine, Outfall).to_geodataframe(Query(fids=fids))
    bbox = None
    if fids is not None:
        west, south, east, north = outfalls.total_bounds if len(outfalls) else (0.0, 0.0, 0.0, 0.0)
        bbox = (west - PAD, south - PAD, east + PAD, north + PAD)
    zones = reg.layer("protected_zones").to_geodataframe(bbox=bbox)
    zones = zones[zones["zone_type"].isin(OUTFALL_BANNED)].reset_index(drop=True)
    basins = reg.layer("key_basins").to_geodataframe(bbox=bbox)
    run = latest_outfall_run(reg)
    findings = None
    if run is not None:
        findings = run.findings()
        findings = findings[findings["layer"].isin(OUTFALL_LAYERS)]
        if fids is not None:
            # Outfall and sample findings lie on their outfall: keep those on the outfalls shown.
            findings = findings[findings.geometry.intersects(outfalls.geometry.union_all())]
        findings = findings.reset_index(drop=True)
    return OutfallMapData(outfalls, zones, basins, findings, run)
