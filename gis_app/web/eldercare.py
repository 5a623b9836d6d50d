"""养老服务设施 (eldercare): the web routes of this business area; no SQL, no rules here.

    GET  /eldercare/coverage?radius=700&area=350623&level=county     coverage figures and gaps (JSON)
    GET  /eldercare/sites?k=2 | ?target=90 [&radius&area]            proposed stations (JSON)
    POST /eldercare/sites {"k"|"target", "candidates": FeatureCollection, "crs"}
    GET  /eldercare/targets?year=2025                                table 2 against the registry (JSON)
    GET  /eldercare/map?radius=700&area=…[&k=2|&target=90]           the coverage map page

Its command line is :mod:`gis_app.cli.eldercare`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
from flask import Blueprint, Response, jsonify, request

from analysis.eldercare.coverage import LEVELS, STATION_RADIUS_M, Coverage, coverage, facilities_near
from analysis.eldercare.siting import SiteProposal, propose_sites
from analysis.eldercare.targets import target_status
from gis_app.api.jsonify import feature_collection
from gis_app.context import registry
from gis_app.params import integer, json_body
from gis_app.web.maps import base_map, html
from layers.eldercare import STATION_TYPES
from maps.eldercare import coverage_map
from registry.errors import InvalidInput

bp = Blueprint("eldercare", __name__, url_prefix="/eldercare")



# --------------------------------------------------------------------------- web


@bp.get("/coverage")
def coverage_json() -> Response:
    """Figures per level (all levels, or ``level``), every residential area and the gaps, in lon/lat."""
    args = request.args
    result = _coverage(args)
    level = args.get("level")
    levels = [level] if level else list(LEVELS)
    return jsonify(summary=result.summary(), by={name: result.by(name).to_dict("records") for name in levels},
                   areas=feature_collection(result.areas), gaps=feature_collection(result.gaps))


@bp.get("/sites")
def sites_get() -> Response:
    return jsonify(_proposal_json(_propose(request.args)))


@bp.post("/sites")
def sites_post() -> Response:
    """The same, with the body a JSON object; ``candidates`` is a GeoJSON FeatureCollection of points
    (RFC 7946 lon/lat unless ``crs`` says otherwise, e.g. GCJ02 for points picked on Amap)."""
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为 JSON 对象 / the body must be a JSON object {k|target, candidates, radius, area}")
    candidates = body.get("candidates")
    frame = _collection(candidates) if candidates is not None else None
    crs = body.get("crs") or ("EPSG:4326" if frame is not None else None)
    return jsonify(_proposal_json(_propose(body, frame, crs)))


@bp.get("/targets")
def targets_json() -> Response:
    year = integer(request.args, "year") or 2025
    return jsonify(year=year, indicators=target_status(registry(), year).to_dict("records"))


@bp.get("/map")
def coverage_page() -> Response:
    """Stations and their circles, residential areas by coverage, gaps; proposed sites with ``k`` or ``target``."""
    args = request.args
    proposal = _propose(args) if "k" in args or "target" in args else None
    result = proposal.before if proposal is not None else _coverage(args)
    sites = proposal.sites if proposal is not None else None
    m = coverage_map(facilities_near(registry(), result), result.areas, result.gaps, base_map(), sites=sites,
                     radius_m=result.radius_m, title=_title(result, proposal))
    return html(m)


def _coverage(args: Mapping[str, Any]) -> Coverage:
    return coverage(registry(), radius_m=args.get("radius", STATION_RADIUS_M), area=args.get("area") or None,
                    station_types=_types(args))


def _propose(args: Mapping[str, Any], candidates: gpd.GeoDataFrame | None = None,
             crs: str | None = None) -> SiteProposal:
    target = args.get("target")
    return propose_sites(registry(), k=integer(args, "k"), target_pct=target, candidates=candidates,
                         candidates_crs=crs, radius_m=args.get("radius", STATION_RADIUS_M),
                         area=args.get("area") or None, station_types=_types(args))


def _proposal_json(proposal: SiteProposal) -> dict[str, Any]:
    return {"summary": proposal.summary(), "sites": feature_collection(proposal.sites),
            "gaps_after": feature_collection(proposal.after.gaps)}


def _types(args: Mapping[str, Any]) -> list[str]:
    raw = args.get("types") or ",".join(STATION_TYPES)
    return raw if isinstance(raw, list) else [t.strip() for t in str(raw).split(",") if t.strip()]



def _collection(data: Any) -> gpd.GeoDataFrame:
    """A GeoJSON FeatureCollection as a frame without a CRS (the caller declares it)."""
    try:
        features = data["features"] if isinstance(data, dict) else json.loads(data)["features"]
        return gpd.GeoDataFrame.from_features(features)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"candidates 应为 GeoJSON FeatureCollection / candidates must be a GeoJSON "
                           f"FeatureCollection ({exc})") from None


def _title(result: Coverage, proposal: SiteProposal | None) -> str:
    where = f"{result.area_label} " if result.area_label else ""
    text = f"{where}社区养老服务站{result.radius_m:g}米服务半径覆盖:老年人口覆盖率 {result.share_pct}%"
    if proposal is not None:
        text += f";新建 {len(proposal.sites)} 处后 {proposal.after.share_pct}%"
    return text


