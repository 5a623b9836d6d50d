"""Where new community stations would cover the most elderly residents (专栏1's 700 m radius).

The demand is what :mod:`analysis.eldercare.coverage` leaves uncovered: each residential area's gap,
weighted by the elderly counted in it. A candidate site covers a gap when every vertex of the gap lies
within the radius (geodesic metres, one set-based PostGIS query for the candidate × gap distance matrix,
pairs beyond the radius never leave the database). That is the strict reading: the model never counts a
gap a site would only half reach, so the coverage measured after adding the proposed sites is at least
what the model promised, and a target the model reaches is reached.

The optimisation is PySAL's ``spopt`` solved by PuLP's bundled CBC (no network, no licence):

* **k sites**: the maximal covering location problem (``MCLP``) with ``p = k``;
* **a target share**: the smallest ``p`` whose MCLP optimum reaches the target. The MCLP optimum does not
  fall as ``p`` grows, so a bisection over ``p`` finds the exact minimum in ``log2(candidates)`` solves.
  When the target is out of reach, the location set covering problem (``LSCP``) gives the fewest sites
  that cover every gap any candidate can cover.

Coverage before and after is measured by the coverage query itself, with the proposed sites added as
stations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import shapely
from spopt.locate import LSCP, MCLP
from sqlalchemy import text

from analysis.eldercare.coverage import (
    METRES_PER_DEGREE_MIN,
    STATION_RADIUS_M,
    Coverage,
    check_radius,
    check_station_types,
    coverage,
)
from layers.base import SRID
from layers.eldercare import STATION_TYPES
from registry import Registry
from registry.config import DEFAULT_LIMITS, Limits
from registry.crs import resolve_crs
from registry.errors import InvalidInput
from registry.files import read_features
from registry.geometry import normalise_geometries

MAX_SITES = 500
SOLVER_TIME_LIMIT_S = 60

DISTANCE_SQL = """
    WITH demand AS (
        SELECT i - 1 AS i, ST_SetSRID(ST_GeomFromWKB(w), 4490) AS gap
        FROM unnest(CAST(:gaps AS bytea[])) WITH ORDINALITY AS d(w, i)
    ), candidates AS (
        SELECT j - 1 AS j, ST_SetSRID(ST_GeomFromWKB(w), 4490) AS geom
        FROM unnest(CAST(:candidates AS bytea[])) WITH ORDINALITY AS c(w, j)
    )
    SELECT d.i, c.j,
           (SELECT max(ST_Distance(c.geom::geography, v.geom::geography)) FROM ST_DumpPoints(d.gap) v) AS farthest_m
    FROM demand d
    JOIN candidates c ON c.geom && ST_Expand(d.gap, :prefilter_deg)
                     AND ST_DWithin(c.geom::geography, d.gap::geography, :radius)
"""
"""Farthest geodesic distance from each candidate to each gap it comes within the radius of."""


@dataclass(frozen=True)
class SiteProposal:
    """Proposed stations and what they change."""

    radius_m: float
    k: int | None
    target_pct: float | None
    sites: gpd.GeoDataFrame
    """One row per proposed site, in the order a greedy build-up would open them: ``rank``, ``name``,
    ``covers`` (residential areas whose gap it covers), ``new_elderly`` (modelled, net of earlier sites)."""
    before: Coverage
    after: Coverage
    candidates: int
    useful_candidates: int
    modelled_new_elderly: float
    notes: list[str] = field(default_factory=list)

    @property
    def target_reached(self) -> bool | None:
        return None if self.target_pct is None else self.after.share_pct >= self.target_pct

    def summary(self) -> dict[str, Any]:
        return {"radius_m": self.radius_m, "k": self.k, "target_pct": self.target_pct,
                "sites": len(self.sites), "candidates": self.candidates, "useful_candidates": self.useful_candidates,
                "before": self.before.summary(), "after": self.after.summary(),
                "new_elderly": round(self.after.covered_elderly - self.before.covered_elderly, 1),
                "modelled_new_elderly": round(self.modelled_new_elderly, 1), "target_reached": self.target_reached,
                "notes": self.notes}


def propose_sites(reg: Registry, *, k: int | None = None, target_pct: float | None = None,
                  candidates: gpd.GeoDataFrame | Sequence[shapely.Point] | None = None,
                  candidates_crs: str | None = None, radius_m: float = STATION_RADIUS_M, area: str | None = None,
                  station_types: Sequence[str] = STATION_TYPES) -> SiteProposal:
    """``k`` new stations that cover the most uncovered elderly residents, or the fewest that bring the
    share covered in ``area`` to ``target_pct``; exactly one of the two.

    ``candidates`` are points (a GeoDataFrame in its own CRS and naming them in a ``name`` column, or
    points in ``candidates_crs``, EPSG:4490 by default); by default a point inside each residential area
    not wholly covered (its point on surface).
    """
    if (k is None) == (target_pct is None):
        raise InvalidInput("请给出新站点数 k 或覆盖率目标之一 / give either k (number of sites) or a target share")
    k = _check_k(k) if k is not None else None
    target = _check_target(target_pct) if target_pct is not None else None
    radius = check_radius(radius_m)
    types = check_station_types(station_types)
    before = coverage(reg, radius_m=radius, area=area, station_types=types)
    names, points = _candidates(candidates, before, candidates_crs)
    cost, weights = _distance_matrix(reg, before, points, radius)
    useful = np.flatnonzero((cost <= radius).any(axis=0))
    notes: list[str] = []
    if target is not None:
        needed = target / 100.0 * before.elderly - before.covered_elderly
        chosen = _fewest_for(cost[:, useful], weights, radius, needed, notes) if needed > 1e-9 else []
        if needed <= 1e-9:
            notes.append(f"现状覆盖率 {before.share_pct}% 已达到目标 / already at {before.share_pct} %, "
                         f"no site needed for {target} %")
    else:
        chosen = _best_k(cost[:, useful], weights, radius, min(k, len(useful))) if len(useful) else []
        if len(chosen) < k:
            notes.append(f"{len(chosen)} 个新站点已覆盖候选点所能覆盖的全部老年人 / {len(chosen)} new site(s) already "
                         f"cover every uncovered elderly resident the candidate sites can reach")
    picked = [int(useful[j]) for j in chosen]
    sites = _sites(picked, names, points, cost, weights, radius, before)
    after = coverage(reg, radius_m=radius, area=area, station_types=types, extra_stations=list(sites.geometry))
    return SiteProposal(radius_m=radius, k=k, target_pct=target, sites=sites, before=before, after=after,
                        candidates=len(points), useful_candidates=len(useful),
                        modelled_new_elderly=float(sites["new_elderly"].sum()), notes=notes)


# --------------------------------------------------------------------------- inputs


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= MAX_SITES:
        raise InvalidInput(f"新站点数 k 应为 1 到 {MAX_SITES} 的整数 / k must be a whole number from 1 to {MAX_SITES}, "
                           f"got {k!r}")
    return int(k)


def _check_target(target: Any) -> float:
    try:
        value = float(target)
    except (TypeError, ValueError):
        raise InvalidInput(f"覆盖率目标应为百分数 / the target must be a percentage, got {target!r}") from None
    if not 0 < value <= 100:
        raise InvalidInput(f"覆盖率目标应在 0 到 100 之间 / the target must be above 0 and at most 100 %, "
                           f"got {value:g}")
    return value


def read_candidates(path: str | Path, *, crs: str | None = None, layer: str | None = None,
                    limits: Limits = DEFAULT_LIMITS) -> gpd.GeoDataFrame:
    """Candidate sites from a file (GeoJSON, GeoPackage, zipped Shapefile, CSV with lon/lat), in EPSG:4490.

    The file's CRS or the declared one (GCJ-02 and BD-09 when declared, converted as on import); a
    ``name`` (or 名称) column names the sites.
    """
    raw = read_features(path, layer=layer, limits=limits)
    frame = gpd.GeoDataFrame(raw.attributes, geometry=list(raw.geometries))
    names, points = _candidates(frame, None, resolve_crs(crs, raw.file_crs))
    return gpd.GeoDataFrame({"name": names}, geometry=points, crs=SRID)


def _candidates(candidates: gpd.GeoDataFrame | Sequence[shapely.Point] | None, before: Coverage | None,
                crs: str | None = None) -> tuple[list[str], list[shapely.Point]]:
    """Candidate names and points in EPSG:4490; given points pass the registry's geometry rules (in Fujian,
    not swapped …) after conversion from ``crs`` (a GeoDataFrame's own CRS when not declared)."""
    if candidates is None:
        assert before is not None
        open_areas = before.areas[before.areas["status"] != "covered"]
        return ([f"{name}(居住区内点)" for name in open_areas["name"]],
                list(open_areas.geometry.representative_point()))
    if isinstance(candidates, gpd.GeoDataFrame):
        crs_id = resolve_crs(crs, candidates.crs)
        geoms = candidates.geometry.to_numpy()
        column = next((c for c in ("name", "名称") if c in candidates), None)
        names = [str(n) for n in candidates[column]] if column else []
    else:
        crs_id = resolve_crs(crs or f"EPSG:{SRID}", None)
        geoms, names = np.asarray(list(candidates), dtype=object), []
    if len(geoms) == 0:
        raise InvalidInput("没有候选点 / no candidate sites were given")
    points, errors, _ = normalise_geometries(geoms, crs_id, "POINT")
    if errors:
        listed = "; ".join(f"#{e.index + 1}: {e.problem}" for e in errors[:10])
        raise InvalidInput(f"候选点无效 / invalid candidate site(s): {listed}")
    return names or [f"候选点{i + 1}" for i in range(len(points))], list(points)


def _distance_matrix(reg: Registry, before: Coverage, points: list[shapely.Point],
                     radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaps × candidates farthest distances (inf beyond the radius) and the gaps' elderly weights."""
    demand = before.gaps[before.gaps["uncovered_elderly"] > 0]
    cost = np.full((len(demand), len(points)), np.inf)
    if len(demand) and points:
        params = {"gaps": [shapely.to_wkb(g) for g in demand.geometry],
                  "candidates": [shapely.to_wkb(p) for p in points],
                  "radius": radius, "prefilter_deg": radius / METRES_PER_DEGREE_MIN}
        with reg.engine.connect() as conn:
            pairs = pd.read_sql(text(DISTANCE_SQL), conn, params=params)
        cost[pairs["i"].to_numpy(int), pairs["j"].to_numpy(int)] = pairs["farthest_m"].to_numpy(float)
    return cost, demand["uncovered_elderly"].to_numpy(float)


# --------------------------------------------------------------------------- models


def _solver() -> pulp.LpSolver:
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=SOLVER_TIME_LIMIT_S)


def _mclp(cost: np.ndarray, weights: np.ndarray, radius: float, p: int) -> tuple[list[int], float]:
    """The ``p`` candidates (column indices) covering the most weight, and that weight."""
    model = MCLP.from_cost_matrix(cost, weights, service_radius=radius, p_facilities=p).solve(_solver(), results=False)
    chosen = [j for j, var in enumerate(model.fac_vars) if var.value() > 0.5]
    return chosen, _covered(cost, weights, radius, chosen)


def _covered(cost: np.ndarray, weights: np.ndarray, radius: float, chosen: Sequence[int]) -> float:
    return float(weights[(cost[:, list(chosen)] <= radius).any(axis=1)].sum()) if len(chosen) else 0.0


def _best_k(cost: np.ndarray, weights: np.ndarray, radius: float, p: int) -> list[int]:
    """MCLP with ``p`` sites, less any site the others make redundant (when fewer suffice)."""
    chosen, best = _mclp(cost, weights, radius, p)
    for j in sorted(chosen, key=lambda j: weights[cost[:, j] <= radius].sum()):
        rest = [c for c in chosen if c != j]
        if _covered(cost, weights, radius, rest) >= best - 1e-9:
            chosen = rest
    return chosen


def _fewest_for(cost: np.ndarray, weights: np.ndarray, radius: float, needed: float, notes: list[str]) -> list[int]:
    """The fewest candidates whose coverage reaches ``needed`` elderly; LSCP when it cannot be reached."""
    n = cost.shape[1]
    reachable = _covered(cost, weights, radius, range(n))
    if reachable < needed - 1e-9:
        notes.append(f"全部候选点最多新覆盖 {reachable:.1f} 名老年人,达不到目标所需的 {needed:.1f} 名 / "
                     f"all candidates together cover at most {reachable:.1f} more elderly, short of the "
                     f"{needed:.1f} the target needs: proposing the fewest sites that cover all they can")
        coverable = (cost <= radius).any(axis=1)
        if not coverable.any():
            return []
        model = LSCP.from_cost_matrix(cost[coverable], service_radius=radius).solve(_solver(), results=False)
        return [j for j, var in enumerate(model.fac_vars) if var.value() > 0.5]
    low, high, best = 1, n, list(range(n))
    while low <= high:
        p = (low + high) // 2
        chosen, covered = _mclp(cost, weights, radius, p)
        if covered >= needed - 1e-9:
            best, high = chosen, p - 1
        else:
            low = p + 1
    return best


def _sites(picked: list[int], names: list[str], points: list[shapely.Point], cost: np.ndarray,
           weights: np.ndarray, radius: float, before: Coverage) -> gpd.GeoDataFrame:
    """The chosen sites ranked greedily: each next site is the one adding the most still-uncovered elderly."""
    demand_names = before.gaps.loc[before.gaps["uncovered_elderly"] > 0, "name"].to_numpy()
    reach = cost <= radius
    taken = np.zeros(len(weights), dtype=bool)
    rows, left = [], list(picked)
    while left:
        j = max(left, key=lambda c: (weights[reach[:, c] & ~taken].sum(), -c))
        left.remove(j)
        new = reach[:, j] & ~taken
        rows.append({"rank": len(rows) + 1, "name": names[j], "covers": "、".join(demand_names[reach[:, j]]),
                     "new_elderly": round(float(weights[new].sum()), 1),
                     "lon": round(points[j].x, 7), "lat": round(points[j].y, 7), "geometry": points[j]})
        taken |= reach[:, j]
    columns = ["rank", "name", "covers", "new_elderly", "lon", "lat", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs=SRID)
