"""Reproducible synthetic province-scale data for the benchmark, inside Fujian's real counties.

Why synthetic: the registers are not public at this size, and a benchmark must run again on the same
data. Every number comes from one numpy ``Generator`` with a fixed seed, and every point is sampled
(vectorised, ``shapely.contains_xy`` on candidate arrays) inside the real county polygons of
``demo.fujian_counties()``, so the coastline, the county codes and the two Gauss-Krüger zones
are Fujian's own. People cluster: residents, stations and most outfalls are drawn around settlement
centres, so the 700 m question has a realistic mix of covered towns and uncovered villages.

The data goes through stable interfaces only: attribute names are checked against
``layers.base.editable_attributes`` (an attribute this generator does not know is left empty when
optional and filled from its rule when required, so other areas can add attributes meanwhile), every
layer's first row is validated with ``registry.validation.check_properties`` before anything is written,
and the files are GeoPackages, which the registry's importer reads as any user's file.

Residents are a ``residential_areas`` layer (MULTIPOLYGON): each synthetic resident point is stored as a
20 m square around it, and coverage is measured on the squares' centroids (the points themselves).

    .venv/bin/python bench/generate.py --scale 0.1      # 10 % of every count; reused when present
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric

import layers
from layers.base import SRID, editable_attributes
from registry.validation import check_properties

SEED = 20221110
DATA_DIR = Path(__file__).resolve().parent / "data"

FULL = {"residential_areas": 1_000_000, "eldercare_facilities": 20_000, "outfalls": 100_000,
        "protected_zones": 10_000, "land_parcels": 100_000}
"""Issue 10 §1: the province-scale counts at ``--scale 1``."""

PARCELS_PER_APPROVAL = 50
SETTLEMENTS = 1_500
"""Settlement centres (Fujian has about 1,100 townships and streets); residents cluster around them."""
RESIDENT_SQUARE_M = 20.0
ZONE_RADIUS_M = (200.0, 3_000.0)
ZONE_VERTICES = (200, 600)
OVERLAPPING_APPROVALS = 0.05
"""Share of approvals laid over an earlier approval's footprint, so parcel overlap detection has work."""

ORDER = ("admin_divisions", "protected_zones", "residential_areas", "eldercare_facilities", "land_approvals",
         "land_parcels", "outfalls")
"""Import order: approvals before the parcels that name them."""

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQ = 111_320.0


@dataclass(frozen=True)
class Dataset:
    """The generated files and what they hold."""

    directory: Path
    seed: int
    scale: float
    files: dict[str, Path]
    counts: dict[str, int]
    manifest: dict[str, Any]


# --------------------------------------------------------------------------- geometry helpers


class Land:
    """Fujian's counties, for sampling points on land and naming the county a point lies in."""

    def __init__(self) -> None:
        from demo import fujian_counties

        self.counties = fujian_counties()
        self.codes = self.counties["code"].to_numpy()
        self.geoms = self.counties.geometry.to_numpy()
        for g in self.geoms:
            shapely.prepare(g)
        self.bounds = shapely.bounds(self.geoms)
        self.total = self.counties.total_bounds

    def county_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The county code of each point ('' at sea or outside Fujian)."""
        out = np.full(len(x), "", dtype=object)
        for code, geom, (x0, y0, x1, y1) in zip(self.codes, self.geoms, self.bounds, strict=True):
            box = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1) & (out == ""))
            if len(box):
                out[box[shapely.contains_xy(geom, x[box], y[box])]] = code
        return out

    def sample(self, n: int, draw: Callable[[int], tuple[np.ndarray, np.ndarray]],
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n`` points on land from ``draw`` (a candidate generator), with their county codes."""
        xs, ys, cs = [], [], []
        found = 0
        while found < n:
            x, y = draw(max(2 * (n - found), 256))
            code = self.county_of(x, y)
            keep = code != ""
            xs.append(x[keep])
            ys.append(y[keep])
            cs.append(code[keep])
            found += int(keep.sum())
        return np.concatenate(xs)[:n], np.concatenate(ys)[:n], np.concatenate(cs)[:n]

    def uniform(self, rng: np.random.Generator) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
        x0, y0, x1, y1 = self.total
        return lambda k: (rng.uniform(x0, x1, k), rng.uniform(y0, y1, k))


def offset(x: np.ndarray, y: np.ndarray, east_m: np.ndarray, north_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move lon/lat points by metres (local scale; the data is synthetic, the offsets need not be geodesic)."""
    return (x + east_m / (M_PER_DEG_LON_EQ * np.cos(np.radians(y))), y + north_m / M_PER_DEG_LAT)


def around(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, weights: np.ndarray, sigma_m: np.ndarray,
           ) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    """Candidates scattered (normal) around centres chosen by ``weights``, each with its own spread."""
    p = weights / weights.sum()

    def draw(k: int) -> tuple[np.ndarray, np.ndarray]:
        i = rng.choice(len(cx), size=k, p=p)
        return offset(cx[i], cy[i], rng.normal(0, 1, k) * sigma_m[i], rng.normal(0, 1, k) * sigma_m[i])

    return draw


def squares(x: np.ndarray, y: np.ndarray, side_m: float) -> np.ndarray:
    half_x = side_m / 2 / (M_PER_DEG_LON_EQ * np.cos(np.radians(y)))
    half_y = side_m / 2 / M_PER_DEG_LAT
    return shapely.box(x - half_x, y - half_y, x + half_x, y + half_y)


def stars(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """Perturbed star-shaped rings: realistic complexity (hundreds of vertices), always valid.

    Angles strictly increase around the centre and every radius is positive, so the ring is simple.
    The radius is a mean radius times a smooth wobble (harmonics 2–7) and a little vertex noise.
    """
    n = len(cx)
    lo, hi = ZONE_RADIUS_M
    radius = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    vertices = rng.integers(ZONE_VERTICES[0], ZONE_VERTICES[1] + 1, n)
    ring = np.repeat(np.arange(n), vertices)
    step = np.arange(len(ring)) - np.repeat(np.cumsum(vertices) - vertices, vertices)
    theta = 2 * np.pi * (step + rng.uniform(-0.3, 0.3, len(ring))) / vertices[ring]
    harmonics = np.arange(2, 8)
    amplitude = rng.uniform(0, 0.16, (n, len(harmonics))) / harmonics * 2
    phase = rng.uniform(0, 2 * np.pi, (n, len(harmonics)))
    wobble = (amplitude[ring] * np.cos(harmonics * theta[:, None] + phase[ring])).sum(axis=1)
    r = radius[ring] * np.clip(1 + wobble + rng.normal(0, 0.02, len(ring)), 0.3, None)
    x, y = offset(cx[ring], cy[ring], r * np.cos(theta), r * np.sin(theta))
    rings = shapely.linearrings(np.column_stack([x, y]), indices=ring)
    polygons = shapely.polygons(rings)
    if not shapely.is_valid(polygons).all():
        raise AssertionError("a generated protected zone is invalid")
    return polygons


def rectangles(cx: np.ndarray, cy: np.ndarray, w: np.ndarray, h: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotated rectangles of ``w`` × ``h`` metres centred on the points."""
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
    ex = corners[None, :, 0] * w[:, None]
    ny = corners[None, :, 1] * h[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x, y = offset(np.repeat(cx[:, None], 4, 1), np.repeat(cy[:, None], 4, 1), ex * cos - ny * sin, ex * sin + ny * cos)
    return shapely.polygons(np.stack([x, y], axis=-1))


# --------------------------------------------------------------------------- layers


def _choice(rng: np.random.Generator, values: list[Any], n: int, p: list[float] | None = None) -> np.ndarray:
    return np.array(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def _dates(rng: np.random.Generator, n: int, start: date, days: int) -> np.ndarray:
    base = np.datetime64(start.isoformat())
    return (base + rng.integers(0, days, n).astype("timedelta64[D]")).astype(str).astype(object)


def build(scale: float, seed: int) -> dict[str, gpd.GeoDataFrame]:
    """Every layer's frame (EPSG:4490), attribute names as the layers declare them."""
    from layers.land import LAND_CLASSES

    rng = np.random.default_rng(seed)
    counts = {name: max(1, round(n * scale)) for name, n in FULL.items()}
    land = Land()
    frames: dict[str, gpd.GeoDataFrame] = {}

    c = land.counties
    frames["admin_divisions"] = _frame("admin_divisions", {
        "code": c["code"].to_numpy(), "name": c["name"].to_numpy(), "level": np.full(len(c), "county"),
        "parent_code": c["city_code"].to_numpy()}, c.geometry.to_numpy())

    # Settlements: centres on land, sizes log-normal, spreads 300 m (villages) to 1.5 km (towns).
    sx, sy, _ = land.sample(SETTLEMENTS, land.uniform(rng))
    size = rng.lognormal(0, 1.0, SETTLEMENTS)
    spread = 300 + 1_200 * np.clip(size / size.max() * 4, 0, 1)

    n = counts["residential_areas"]
    x, y, county = land.sample(n, around(rng, sx, sy, size, spread))
    elderly = 1 + rng.poisson(6, n)
    frames["residential_areas"] = _frame("residential_areas", {
        "name": np.char.add("居住点", np.arange(1, n + 1).astype(str)).astype(object), "county_code": county,
        "population": elderly * rng.integers(3, 9, n), "elderly_population": elderly},
        squares(x, y, RESIDENT_SQUARE_M))

    n = counts["eldercare_facilities"]
    x, y, county = land.sample(n, around(rng, sx, sy, size, spread * 1.3))
    frames["eldercare_facilities"] = _frame("eldercare_facilities", {
        "name": np.char.add("社区居家养老服务站", np.arange(1, n + 1).astype(str)).astype(object),
        "facility_type": np.full(n, "community_station", dtype=object), "county_code": county},
        shapely.points(x, y))

    n = counts["outfalls"]
    near = round(0.7 * n)
    x1, y1, c1 = land.sample(near, around(rng, sx, sy, size, np.full(SETTLEMENTS, 3_000.0)))
    x2, y2, c2 = land.sample(n - near, land.uniform(rng))
    x, y, county = np.concatenate([x1, x2]), np.concatenate([y1, y2]), np.concatenate([c1, c2])
    kind = _choice(rng, ["river", "sea"], n, [0.8, 0.2])
    status = _choice(rng, ["surveyed", "sampled", "traced", "decided", "remediated"], n, [0.3, 0.2, 0.2, 0.2, 0.1])
    decided = np.isin(status, ["decided", "remediated"])
    decision = np.where(decided, _choice(rng, ["remove", "merge", "regularise", "keep"], n, [0.3, 0.2, 0.3, 0.2]),
                        None)
    serial = np.char.zfill(np.arange(1, n + 1).astype(str), 7)
    frames["outfalls"] = _frame("outfalls", {
        "code": (county.astype(str) + np.where(kind == "sea", "RS", "RH") + serial).astype(object),
        "name": np.char.add("排污口", np.arange(1, n + 1).astype(str)).astype(object),
        "county_code": county, "receiving_kind": kind,
        "outfall_class": _choice(rng, ["industrial", "municipal_plant", "agricultural", "other"], n,
                                 [0.3, 0.1, 0.2, 0.4]),
        "status": status, "decision": decision}, shapely.points(x, y))

    n = counts["protected_zones"]
    x, y, county = land.sample(n, land.uniform(rng))
    types = ["drinking_water_source", "nature_reserve", "special_marine", "aquatic_germplasm", "salt_field",
             "bathing_beach", "coastal_scenic", "fishery_water", "ecological_red_line", "permanent_farmland"]
    frames["protected_zones"] = _frame("protected_zones", {
        "name": np.char.add("保护区", np.arange(1, n + 1).astype(str)).astype(object),
        "zone_type": _choice(rng, types, n, [0.2, 0.15, 0.05, 0.05, 0.02, 0.03, 0.05, 0.05, 0.2, 0.2]),
        "county_code": county}, stars(rng, x, y))

    frames["land_approvals"], frames["land_parcels"] = _expropriation(rng, land, counts["land_parcels"],
                                                                      [c.name for c in LAND_CLASSES if not c.legacy])
    return {name: frames[name] for name in ORDER}


def _expropriation(rng: np.random.Generator, land: Land, parcels: int, classes: list[str],
                   ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Approvals of 50 parcels on a 100 m grid each; 5 % laid over an earlier approval's footprint."""
    approvals = math.ceil(parcels / PARCELS_PER_APPROVAL)
    ax, ay, county = land.sample(approvals, land.uniform(rng))
    over = np.flatnonzero(rng.random(approvals) < OVERLAPPING_APPROVALS)
    over = over[over > 0]
    earlier = (rng.random(len(over)) * over).astype(int)
    ax[over], ay[over] = offset(ax[earlier], ay[earlier], rng.uniform(-250, 250, len(over)),
                                rng.uniform(-250, 250, len(over)))
    county[over] = county[earlier]
    side = math.ceil(math.sqrt(PARCELS_PER_APPROVAL))
    cell = np.arange(parcels) % PARCELS_PER_APPROVAL
    owner = np.arange(parcels) // PARCELS_PER_APPROVAL
    east = (cell % side - (side - 1) / 2) * 100.0 + rng.uniform(-8, 8, parcels)
    north = (cell // side - (side - 1) / 2) * 100.0 + rng.uniform(-8, 8, parcels)
    px, py = offset(ax[owner], ay[owner], east, north)
    w, h = rng.uniform(40, 75, parcels), rng.uniform(40, 75, parcels)
    geoms = rectangles(px, py, w, h, np.radians(rng.uniform(-10, 10, parcels)))
    half = side * 50.0 + 10
    footprints = shapely.box(*offset(ax, ay, -half, -half), *offset(ax, ay, half, half))
    years = rng.integers(2012, 2025, approvals)
    approval_frame = _frame("land_approvals", {
        "doc_number": np.array([f"闽政地〔{y}〕{i}号" for i, y in enumerate(years, 1)], dtype=object),
        "approval_kind": np.full(approvals, "conversion_batch", dtype=object),
        "approved_on": np.array([f"{y}-{m:02d}-{d:02d}" for y, m, d in zip(
            years, rng.integers(1, 13, approvals), rng.integers(1, 29, approvals), strict=True)], dtype=object),
        "authority": np.full(approvals, "province", dtype=object), "county_code": county, "year": years},
        footprints)
    parcel_frame = _frame("land_parcels", {
        # Approvals are imported first into an empty database, so approval i gets fid i (run.py checks it).
        "approval_fid": owner + 1,
        "village": np.char.add("村", (owner % 997).astype(str)).astype(object),
        "land_class": _choice(rng, classes, parcels),
        "ownership": _choice(rng, ["collective", "state"], parcels, [0.9, 0.1]),
        "declared_ha": np.round(w * h / 10_000, 4)}, geoms)
    return approval_frame, parcel_frame


def _frame(name: str, columns: dict[str, Any], geometry: np.ndarray) -> gpd.GeoDataFrame:
    """The layer's frame: known attributes only, required ones this generator does not know filled from
    their rule, and the first row validated by the registry's own rules before any file is written."""
    model = layers.LAYERS[name]
    attrs = editable_attributes(model)
    n = len(geometry)
    data = {k: v for k, v in columns.items() if k in attrs}
    for key, rule in attrs.items():
        if key not in data and rule.required:
            data[key] = np.full(n, _filler(model.__table__.c[key].type, rule), dtype=object)
    frame = gpd.GeoDataFrame(pd.DataFrame(data), geometry=geometry, crs=f"EPSG:{SRID}")
    first = {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else
                 v.item() if hasattr(v, "item") else v) for k, v in frame.drop(columns="geometry").iloc[0].items()}
    _, issues = check_properties(model, first, feature=1)
    if issues:
        raise ValueError(f"bench data for {name} breaks the layer's rules: {issues}; teach bench/generate.py "
                         "the new attribute")
    return frame


def _filler(column_type: Any, rule: Any) -> Any:
    """A valid value for a required attribute the generator does not know (added by another area)."""
    if rule.codes is not None:
        return rule.codes.values()[0]
    if isinstance(column_type, Boolean):
        return False
    if isinstance(column_type, Integer | BigInteger | Numeric):
        return max(rule.minimum or 0, 0) if rule.maximum is None else min(max(rule.minimum or 0, 0), rule.maximum)
    if isinstance(column_type, DateTime):
        return datetime(2024, 1, 1).isoformat()
    if isinstance(column_type, Date):
        return "2024-01-01"
    return "bench"


# --------------------------------------------------------------------------- files


def _fingerprint(scale: float, seed: int) -> dict[str, Any]:
    """What the files depend on: the same fingerprint means the files can be reused."""
    source = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    required = {name: sorted(k for k, r in editable_attributes(layers.LAYERS[name]).items() if r.required)
                for name in ORDER}
    return {"seed": seed, "scale": scale, "generator": source, "required": required}


def generate(scale: float = 1.0, seed: int = SEED, directory: Path = DATA_DIR, force: bool = False) -> Dataset:
    """The dataset for ``scale`` and ``seed``: read from ``directory`` when it was built with the same
    fingerprint, otherwise generated and written there (one GeoPackage per layer)."""
    target = directory / f"s{scale:g}_seed{seed}"
    manifest_path = target / "manifest.json"
    fingerprint = _fingerprint(scale, seed)
    if not force and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = {name: target / f for name, f in manifest["files"].items()}
        if all(manifest.get(k) == v for k, v in fingerprint.items()) and all(p.is_file() for p in files.values()):
            return Dataset(target, seed, scale, files, manifest["counts"], manifest)
    target.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text("*\n", encoding="utf-8")  # generated data is never committed
    started = time.perf_counter()
    frames = build(scale, seed)
    built = time.perf_counter() - started
    files: dict[str, Path] = {}
    for name, frame in frames.items():
        path = target / f"{name}.gpkg"
        path.unlink(missing_ok=True)
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", SPATIAL_INDEX="NO")
        files[name] = path
    manifest = {**fingerprint, "files": {k: p.name for k, p in files.items()},
                "counts": {k: len(f) for k, f in frames.items()},
                "vertices": {k: int(shapely.get_num_coordinates(f.geometry.to_numpy()).sum())
                             for k, f in frames.items()},
                "build_s": round(built, 2), "write_s": round(time.perf_counter() - started - built, 2),
                "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                "residents": f"residential_areas holds one {RESIDENT_SQUARE_M:g} m square per synthetic resident "
                             "point; coverage is measured on the squares' centroids"}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return Dataset(target, seed, scale, files, manifest["counts"], manifest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the province-scale counts (default 1)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="generate even if the files exist")
    args = parser.parse_args()
    data = generate(args.scale, args.seed, force=args.force)
    print(json.dumps({"directory": str(data.directory), "counts": data.counts,
                      "build_s": data.manifest.get("build_s"), "write_s": data.manifest.get("write_s")},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
