"""养老服务设施 (eldercare): web routes and CLI commands of this business area; no SQL, no rules here.

    GET  /eldercare/coverage?radius=700&area=350623&level=county     coverage figures and gaps (JSON)
    GET  /eldercare/sites?k=2 | ?target=90 [&radius&area]            proposed stations (JSON)
    POST /eldercare/sites {"k"|"target", "candidates": FeatureCollection, "crs"}
    GET  /eldercare/targets?year=2025                                table 2 against the registry (JSON)
    GET  /eldercare/map?radius=700&area=…[&k=2|&target=90]           the coverage map page

    fujian-gis eldercare coverage [--radius 700] [--area 350623] [--level county] [--gaps gaps.geojson]
    fujian-gis eldercare sites (--k 2 | --target 90) [--candidates sites.csv --crs GCJ02] [--out sites.geojson]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

import click
import geopandas as gpd
from flask import Blueprint, Response, current_app, jsonify, request

from analysis.eldercare_coverage import LEVELS, STATION_RADIUS_M, Coverage, coverage, facilities_near
from analysis.eldercare_siting import SiteProposal, propose_sites, read_candidates
from analysis.eldercare_targets import target_status
from gis_app.checks import feature_collection
from gis_app.mapviews import ASSET_URL, base_map, html
from layers.eldercare import STATION_TYPES
from maps.eldercare import coverage_map
from registry import Registry, connect
from registry.config import database_url
from registry.errors import InvalidInput, RegistryError
from registry.files import write_features

bp = Blueprint("eldercare", __name__, url_prefix="/eldercare")


def registry() -> Registry:
    return current_app.extensions["registry"]


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
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为 JSON 对象 / the body must be a JSON object {k|target, candidates, radius, area}")
    candidates = body.get("candidates")
    frame = _collection(candidates) if candidates is not None else None
    crs = body.get("crs") or ("EPSG:4326" if frame is not None else None)
    return jsonify(_proposal_json(_propose(body, frame, crs)))


@bp.get("/targets")
def targets_json() -> Response:
    year = _integer(request.args, "year") or 2025
    return jsonify(year=year, indicators=target_status(registry(), year).to_dict("records"))


@bp.get("/map")
def coverage_page() -> Response:
    """Stations and their circles, residential areas by coverage, gaps; proposed sites with ``k`` or ``target``."""
    args = request.args
    proposal = _propose(args) if "k" in args or "target" in args else None
    result = proposal.before if proposal is not None else _coverage(args)
    sites = proposal.sites if proposal is not None else None
    m = coverage_map(facilities_near(registry(), result), result.areas, result.gaps, base_map(), sites=sites,
                     radius_m=result.radius_m, title=_title(result, proposal), asset_url=ASSET_URL)
    return html(m)


def _coverage(args: Mapping[str, Any]) -> Coverage:
    return coverage(registry(), radius_m=args.get("radius", STATION_RADIUS_M), area=args.get("area") or None,
                    station_types=_types(args))


def _propose(args: Mapping[str, Any], candidates: gpd.GeoDataFrame | None = None,
             crs: str | None = None) -> SiteProposal:
    target = args.get("target")
    return propose_sites(registry(), k=_integer(args, "k"), target_pct=target, candidates=candidates,
                         candidates_crs=crs, radius_m=args.get("radius", STATION_RADIUS_M),
                         area=args.get("area") or None, station_types=_types(args))


def _proposal_json(proposal: SiteProposal) -> dict[str, Any]:
    return {"summary": proposal.summary(), "sites": feature_collection(proposal.sites),
            "gaps_after": feature_collection(proposal.after.gaps)}


def _types(args: Mapping[str, Any]) -> list[str]:
    raw = args.get("types") or ",".join(STATION_TYPES)
    return raw if isinstance(raw, list) else [t.strip() for t in str(raw).split(",") if t.strip()]


def _integer(args: Mapping[str, Any], name: str) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    try:
        return int(str(raw))
    except ValueError:
        raise InvalidInput(f"{name} 应为整数 / {name} must be a whole number, got {raw!r}") from None


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


# --------------------------------------------------------------------------- command line


@click.group("eldercare", help="养老服务设施 / eldercare")
def cli() -> None:
    pass


@cli.command("coverage", help="社区养老服务站服务半径内的老年人口 / elderly within the stations' radius")
@click.option("--radius", default=STATION_RADIUS_M, type=float, show_default=True, help="服务半径(米) / metres")
@click.option("--area", help="范围:行政区划代码、WKT或GeoJSON面 / division code, WKT or GeoJSON polygon")
@click.option("--level", type=click.Choice(list(LEVELS)), default="county", show_default=True,
              help="统计层级 / level of the table")
@click.option("--gaps", "gaps_path", type=click.Path(dir_okay=False),
              help="把服务盲区写入文件 / write the gaps to a file (.geojson .gpkg .zip .csv)")
def coverage_cmd(radius: float, area: str | None, level: str, gaps_path: str | None) -> None:
    try:
        result = coverage(connect(database_url()), radius_m=radius, area=area)
        _echo_coverage(result)
        for row in result.by(level).itertuples(index=False):
            unit = " ".join(str(getattr(row, k)) for k in LEVELS[level])
            click.echo(f"  {unit:32} {row.elderly:>8} {row.covered_elderly:>10.1f} {row.share_pct:>7.2f}%  "
                       f"未覆盖居住区 {row.uncovered_areas}")
        if gaps_path:
            click.echo(f"已写出服务盲区 / wrote the gaps to {write_features(result.gaps, gaps_path)}")
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


@cli.command("sites", help="建议新建社区养老服务站 / propose new community stations")
@click.option("--k", type=int, help="新站点数 / number of new stations")
@click.option("--target", type=float, help="目标覆盖率(%) / target share of elderly covered")
@click.option("--radius", default=STATION_RADIUS_M, type=float, show_default=True, help="服务半径(米) / metres")
@click.option("--area", help="范围:行政区划代码、WKT或GeoJSON面 / division code, WKT or GeoJSON polygon")
@click.option("--candidates", "candidates_path", type=click.Path(exists=True, dir_okay=False),
              help="候选点文件;缺省为未覆盖居住区内的点 / candidate sites file; default: points in uncovered areas")
@click.option("--crs", help="候选点坐标系,如 EPSG:4490、GCJ02 / CRS of the candidates file when it has none")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="把建议站点写入文件 / write the proposed sites to a file")
def sites_cmd(k: int | None, target: float | None, radius: float, area: str | None, candidates_path: str | None,
              crs: str | None, out_path: str | None) -> None:
    try:
        candidates = read_candidates(candidates_path, crs=crs) if candidates_path else None
        proposal = propose_sites(connect(database_url()), k=k, target_pct=target, candidates=candidates,
                                 radius_m=radius, area=area)
        click.echo("现状 / before:")
        _echo_coverage(proposal.before)
        for site in proposal.sites.itertuples():
            click.echo(f"  {site.rank:>3}. {site.name}  ({site.lon:.6f}, {site.lat:.6f})  新增覆盖老年人口 "
                       f"{site.new_elderly:.1f}  覆盖 {site.covers}")
        click.echo("建成后 / after:")
        _echo_coverage(proposal.after)
        for note in proposal.notes:
            click.echo(f"  注 / note: {note}")
        if out_path:
            click.echo(f"已写出 / wrote {write_features(proposal.sites.drop(columns=['lon', 'lat']), out_path)}")
    except RegistryError as exc:
        click.echo(exc.detail, err=True)
        sys.exit(1)


def _echo_coverage(result: Coverage) -> None:
    s = result.summary()
    click.echo(f"  半径 / radius {s['radius_m']:g} m  范围 / area: {s['area'] or '全部 / all'}  "
               f"老年人口 / elderly {s['elderly']}  覆盖 / covered {s['covered_elderly']:.1f} ({s['share_pct']}%)  "
               f"居住区 / areas: {s['covered_areas']} 全部覆盖, {s['partial_areas']} 部分, "
               f"{s['uncovered_areas']} 未覆盖")
