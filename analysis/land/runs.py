"""Land checks for one approval, a county or the whole province, and what a land map shows.

An approval's findings sit on the approval and on its parcels, so a run for one approval (or for the
approvals of a county) is restricted to those features (``fids``) rather than to an area: a parcel
that strays out of its county must still be reported for that county's approvals.

    from registry import connect
    from analysis.land.runs import run_land_checks
    run = run_land_checks(connect(), approval=1)     # or county="350623", or neither for the province
    run.findings()
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
from sqlalchemy import select, text

from analysis.engine import parse_area, select_checks
from analysis.runs import Progress, Run, load_run, queue_run, run_checks
from layers import LAYERS
from layers.base import Feature
from layers.codes import column_within, fujian_admin_code
from layers.land import LandApproval, LandParcel
from registry import Registry
from registry.errors import InvalidInput, NotFound
from registry.repository import Query, any_of

LAND_LAYERS = ("land_approvals", "land_parcels")
"""The layers whose checks a land run runs."""

REFERENCE_LAYERS = ("protected_zones", "urban_boundaries", "development_zones")
"""What the land checks measure against, drawn under the approvals on a land map."""

REFERENCE_MARGIN_DEG = 0.01
"""How far (about 1 km) around the approvals a land map shows reference features (clipped there)."""


@dataclass(frozen=True)
class LandScope:
    """Which approvals (and their parcels) a run or a map covers; ``None`` fids means the province."""

    label: str
    approvals: tuple[int, ...] | None = None
    parcels: tuple[int, ...] | None = None

    def fids(self) -> dict[str, list[int]] | None:
        if self.approvals is None or self.parcels is None:
            return None
        return {"land_approvals": list(self.approvals), "land_parcels": list(self.parcels)}


def land_scope(reg: Registry, *, approval: int | None = None, county: str | None = None) -> LandScope:
    """One approval, the approvals of a county (or city), or the province when neither is given."""
    if approval is not None and county is not None:
        raise InvalidInput("只能指定一个批复或一个县(区),不能同时指定 / give an approval or a county, not both")
    if approval is None and county is None:
        return LandScope("全省 / whole province")
    a, p = LandApproval.__table__, LandParcel.__table__
    with reg.engine.connect() as conn:
        if approval is not None:
            where = a.c.fid == approval
            doc = conn.scalar(select(a.c.doc_number).where(a.c.valid_to.is_(None), where))
            if doc is None:
                raise NotFound(f"没有现行批复 {approval} / no current approval {approval}")
            label = f"批复 {doc}"
        else:
            if problem := fujian_admin_code(county):
                raise InvalidInput(f"县(区)代码 {county}: {problem}")
            label = f"{parse_area(conn, county).label} 的批复 / approvals"
            where = column_within(a.c.county_code, county)
        approvals = tuple(conn.scalars(select(a.c.fid).where(a.c.valid_to.is_(None), where).order_by(a.c.fid)))
        parcels = tuple(conn.scalars(select(p.c.fid).where(p.c.valid_to.is_(None), any_of(p.c.approval_fid, approvals))
                                     .order_by(p.c.fid)))
    return LandScope(label, approvals, parcels)


def run_land_checks(reg: Registry, *, approval: int | None = None, county: str | None = None,
                    author: str | None = None, progress: Progress | None = None) -> Run:
    """Run every land check for one approval, a county's approvals or the province; the run is stored."""
    scope = land_scope(reg, approval=approval, county=county)
    return run_checks(reg, layers=LAND_LAYERS, fids=scope.fids(), author=author, progress=progress)


def start_land_checks(reg: Registry, *, approval: int | None = None, county: str | None = None,
                      author: str | None = None) -> int:
    """:func:`run_land_checks` as a background job; returns the run id to poll."""
    scope = land_scope(reg, approval=approval, county=county)
    return queue_run(reg, layers=LAND_LAYERS, fids=scope.fids(), author=author)


def latest_land_run(reg: Registry, scope: LandScope | None = None) -> Run | None:
    """The latest finished run of the land checks that covers ``scope``: a province-wide run, or for a
    scope of approvals also a run restricted to any of them. None when there is no such run."""
    approvals = None if scope is None or scope.approvals is None else list(scope.approvals)
    with reg.engine.connect() as conn:
        run_id = conn.scalar(_LATEST_RUN, {"checks": [c.id for c in select_checks(LAND_LAYERS)],
                                           "approvals": approvals})
    return None if run_id is None else load_run(reg, run_id)


_LATEST_RUN = text("""
    SELECT id FROM check_runs
    WHERE status = 'done' AND params -> 'check_ids' ?| CAST(:checks AS text[])
      AND (coalesce(jsonb_typeof(params -> 'fids'), 'null') = 'null'
           OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(params -> 'fids' -> 'land_approvals') AS e(fid)
                      WHERE e.fid::bigint = ANY(CAST(:approvals AS bigint[]))))
    ORDER BY id DESC
    LIMIT 1
""")


# --------------------------------------------------------------------------- map data


@dataclass
class LandMapData:
    """Everything a land map draws, read from the registry: the map builder never queries."""

    title: str
    approvals: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    references: list[tuple[type[Feature], gpd.GeoDataFrame]]
    findings: gpd.GeoDataFrame | None
    run: Run | None


def land_map_data(reg: Registry, *, approval: int | None = None, county: str | None = None,
                  run_id: int | None = None) -> LandMapData:
    """Approvals and parcels of the scope, the reference zones around them, and the findings of run
    ``run_id`` (the latest land run when None) on those approvals and parcels."""
    scope = land_scope(reg, approval=approval, county=county)
    approvals = _read(reg, "land_approvals", scope.approvals)
    parcels = _read(reg, "land_parcels", scope.parcels)
    run = load_run(reg, run_id) if run_id is not None else latest_land_run(reg, scope)
    findings = None
    if run is not None:
        found = run.findings()
        fids = scope.fids()
        keep = [layer in LAND_LAYERS and (fids is None or fid in fids[layer])
                for layer, fid in zip(found["layer"], found["fid"], strict=True)]
        findings = found[keep].reset_index(drop=True)
    title = f"土地征收批复与地块 · {scope.label}" + (f" · 检查运行 {run.id}" if run is not None else "")
    # Province-wide, the reference layers would be whole layers in one page: offered for a scope only.
    references = [] if scope.approvals is None else _references(reg, approvals, parcels)
    return LandMapData(title, approvals, parcels, references, findings, run)


def _read(reg: Registry, layer: str, fids: tuple[int, ...] | None) -> gpd.GeoDataFrame:
    return reg.layer(layer).store.to_geodataframe(Query(fids=fids))


def _references(reg: Registry, *frames: gpd.GeoDataFrame) -> list[tuple[type[Feature], gpd.GeoDataFrame]]:
    drawn = [f[f.geometry.notna()] for f in frames]
    boxes = [f.total_bounds for f in drawn if len(f)]
    if not boxes:
        return []
    m = REFERENCE_MARGIN_DEG
    bbox = (min(b[0] for b in boxes) - m, min(b[1] for b in boxes) - m,
            max(b[2] for b in boxes) + m, max(b[3] for b in boxes) + m)
    # Clipped to the window: a county's whole boundary would otherwise pull the map's view away.
    return [(LAYERS[name], reg.layer(name).to_geodataframe(bbox=bbox).clip(bbox)) for name in REFERENCE_LAYERS]
