"""What the outfall map shows: the outfalls (of an area), the banned zones and key basins around them, and
the findings of the latest finished check run that looked at outfalls.

Each layer is embedded while it stays within the page's budget and comes as vector tiles beyond it
(:func:`registry.tiles.drawing`); the findings are the most serious ones the budget embeds, with the total
so the page can say what it left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from analysis.engine import parse_area
from analysis.runs import Run, list_runs
from layers.outfalls import Outfall
from layers.protected_zones import OUTFALL_BANNED
from registry import Registry
from registry.repository import Query, Store
from registry.tiles import Drawing, EmbedBudget, drawing

OUTFALL_LAYERS = ("outfalls", "outfall_samples")
PAD = 0.05
"""Degrees around the outfalls within which zones and basins are drawn (basins reach far beyond)."""


@dataclass
class OutfallMapData:
    outfalls: Drawing
    zones: Drawing
    basins: Drawing
    findings: gpd.GeoDataFrame | None
    run: Run | None
    """The run whose findings are shown, None when no finished run checked outfalls."""
    bounds: tuple[float, float, float, float] | None = None
    """The outfalls' extent (lon/lat), None when there are none."""
    findings_total: int = 0
    """How many findings the run has on the outfalls shown (``findings`` may hold fewer)."""


def latest_outfall_run(reg: Registry) -> Run | None:
    """The newest finished run that ran an outfall check."""
    for run in list_runs(reg, limit=1000):
        if run.status == "done" and any(c.layer in OUTFALL_LAYERS for c in run.checks()):
            return run
    return None


def outfall_map_data(reg: Registry, area: str | None = None, budget: EmbedBudget | None = None) -> OutfallMapData:
    """The map's layers; ``area`` (a division code, WKT or GeoJSON polygon) limits the outfalls, and the zones,
    basins and findings follow them. Zones are the types where outfalls are banned. ``budget`` bounds what is
    embedded (None: everything, for a map written to a file)."""
    o = Outfall.__table__
    store = Store(reg.engine, Outfall)
    where = None
    query = Query()
    if area:
        with reg.engine.connect() as conn:
            where = parse_area(conn, area)
        query = Query(clauses=(where.clause(o.c.geom, o.c.county_code),))
    bounds = store.extent(query)
    outfalls = drawing(store, query, budget)
    bbox = None
    if area:
        west, south, east, north = bounds or (0.0, 0.0, 0.0, 0.0)
        bbox = (west - PAD, south - PAD, east + PAD, north + PAD)
    zones = drawing(reg.layer("protected_zones").store, Query(bbox=bbox, where=None, clauses=(
        reg.layer("protected_zones").store.table.c.zone_type.in_(OUTFALL_BANNED),)), budget)
    basins = drawing(reg.layer("key_basins").store, Query(bbox=bbox), budget)
    run = latest_outfall_run(reg)
    findings, total = None, 0
    if run is not None:
        limit = None if budget is None else budget.rows()
        findings = run.findings(layers=OUTFALL_LAYERS, area=where, limit=limit)
        total = len(findings) if limit is None or len(findings) < limit else \
            run.finding_count_of(layers=OUTFALL_LAYERS, area=where)
    return OutfallMapData(outfalls, zones, basins, findings, run, bounds, total)
