"""Reading and writing feature files: GeoJSON, GeoPackage, zipped Shapefile, CSV (lon/lat or WKT).

All file I/O lives here (the geopandas habit). Reading never trusts a file: size, feature count and
zip contents are checked before anything is parsed, and a file that cannot be read is refused with
a message that says why.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from registry.config import DEFAULT_LIMITS, Limits
from registry.crs import lonlat_frame
from registry.errors import ImportRejected, InvalidInput, PayloadTooLarge
from registry.validation import Issue

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".zip": "ESRI Shapefile",
           ".shp": "ESRI Shapefile", ".csv": "CSV"}
LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
FIELD_NAMES = "fields.json"
"""Written beside an exported Shapefile: its 10-character field names → the attribute names."""


@dataclass
class RawFeatures:
    """Attributes and geometries as read, before any rule is applied."""

    attributes: pd.DataFrame
    geometries: np.ndarray
    file_crs: Any
    issues: list[Issue] = field(default_factory=list)


def read_features(path: str | Path, *, limits: Limits = DEFAULT_LIMITS, layer: str | None = None) -> RawFeatures:
    """Read a feature file into attributes and geometries; raise ImportRejected if it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(f"不支持的文件类型 {suffix} / unsupported file type; use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise InvalidInput(f"找不到文件 {path.name} / file not found")
    if path.stat().st_size > limits.max_upload_bytes:
        raise PayloadTooLarge(f"文件 {path.name} 超过 {limits.max_upload_bytes // 2**20} MB / file too large")
    # Reading stops one feature past the limit, so an over-long file costs no more than a full one.
    stop = limits.max_features + 1
    if suffix == ".csv":
        raw = _read_csv(path, stop)
    elif suffix == ".zip":
        with tempfile.TemporaryDirectory() as tmp:
            shp = _safe_unzip(path, Path(tmp), limits)
            raw = _read_ogr(shp, layer, stop)
    else:
        raw = _read_ogr(path, layer, stop)
    if len(raw.attributes) > limits.max_features:
        raise PayloadTooLarge(f"文件 {path.name} 的要素超过上限 {limits.max_features:,} 个 / the file has more than "
                              f"{limits.max_features:,} features (FUJIAN_MAX_FEATURES)")
    return raw


def _read_ogr(path: Path, layer: str | None, stop: int) -> RawFeatures:
    try:  # Arrow: 2-3x faster
        frame = gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=True, max_features=stop)
        names = path.with_name(FIELD_NAMES)
        if names.is_file():
            frame = frame.rename(columns=json.loads(names.read_text(encoding="utf-8")))
    except Exception as exc:  # GDAL raises many types for a broken file; all mean "cannot read"
        raise ImportRejected(f"无法读取文件 {path.name}:{_first_line(exc)} / cannot read the file",
                             report=None) from exc
    geoms = frame.geometry.to_numpy() if isinstance(frame, gpd.GeoDataFrame) else np.full(len(frame), None)
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame)
    return RawFeatures(attrs, np.asarray(geoms, dtype=object), frame.crs if hasattr(frame, "crs") else None)


def _csv_encodings(path: Path) -> tuple[str, ...]:
    """The encodings to try: UTF-16 when the file says so with its byte-order mark, else UTF-8 then
    GB18030 (what Excel writes for Chinese; it includes GBK)."""
    with path.open("rb") as head:
        start = head.read(2)
    return ("utf-16",) if start in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")


def _read_csv(path: Path, stop: int) -> RawFeatures:
    encodings = _csv_encodings(path)
    for encoding in encodings:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, nrows=stop)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ImportRejected(f"无法读取CSV {path.name}({encoding}):{_first_line(exc)} / cannot read the CSV",
                                 report=None) from exc
    else:
        raise ImportRejected(f"CSV {path.name} 的编码既不是 UTF-8 也不是 GB18030/GBK,请另存为 UTF-8 / the CSV is "
                             f"neither UTF-8 nor GB18030 (GBK): save it as UTF-8", report=None)
    lower = {c.lower().strip(): c for c in frame.columns}
    issues: list[Issue] = []
    wkt = next((lower[n] for n in WKT_NAMES if n in lower), None)
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    if wkt:
        text = frame.pop(wkt).str.strip().replace("", None)
        geoms = np.full(len(frame), None, dtype=object)
        for i, value in enumerate(text):
            if value is None:
                continue
            try:
                geoms[i] = shapely.from_wkt(value)
            except shapely.errors.GEOSException as exc:
                issues.append(Issue(i + 1, wkt, value[:80], f"WKT无法解析 / unreadable WKT: {_first_line(exc)}"))
    elif lon and lat:
        x = pd.to_numeric(frame.pop(lon).str.strip(), errors="coerce").to_numpy()
        y = pd.to_numeric(frame.pop(lat).str.strip(), errors="coerce").to_numpy()
        bad = np.isnan(x) | np.isnan(y)
        issues += [Issue(int(i) + 1, f"{lon}/{lat}", None, "坐标缺失或不是数字 / coordinate missing or not a number")
                   for i in np.flatnonzero(bad)]
        geoms = shapely.points(np.where(bad, 0, x), np.where(bad, 0, y)).astype(object)
        geoms[bad] = None
    else:
        raise ImportRejected(
            "CSV缺少几何列:需要 lon/lat(经度/纬度)两列或一列 WKT / the CSV has no geometry: "
            "give lon and lat columns or a wkt column", report=None)
    return RawFeatures(frame, geoms, None, issues)


def _safe_unzip(path: Path, target: Path, limits: Limits) -> Path:
    """Extract a zipped Shapefile after checking for path traversal and zip bombs."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportRejected(f"{path.name} 不是有效的zip文件 / not a valid zip archive", report=None) from exc
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > limits.max_unzipped_bytes:
            raise PayloadTooLarge(f"zip解压后 {total // 2**20} MB,超过上限 / archive expands beyond the limit")
        for m in members:
            name = PurePosixPath(m.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in m.filename:
                raise ImportRejected(f"zip中的路径 {m.filename!r} 不安全 / unsafe path in the archive", report=None)
            if m.compress_size and m.file_size / m.compress_size > 1000:
                raise ImportRejected(f"zip成员 {m.filename!r} 压缩比异常 / suspicious compression ratio "
                                     "(zip bomb)", report=None)
        shps = [m for m in members if m.filename.lower().endswith(".shp") and not m.is_dir()]
        if len(shps) != 1:
            raise ImportRejected(f"zip中应恰好有一个 .shp 文件,找到 {len(shps)} 个 / the archive must hold "
                                 "exactly one .shp", report=None)
        written = 0
        for m in (m for m in members if not m.is_dir()):
            destination = target / m.filename
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(m) as source, destination.open("wb") as out:
                    # The header's sizes may lie: count what really comes out.
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > limits.max_unzipped_bytes:
                            raise PayloadTooLarge(f"zip解压后超过 {limits.max_unzipped_bytes // 2**20} MB 上限 / "
                                                  "the archive expands beyond the limit")
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise ImportRejected(f"zip成员 {m.filename!r} 已损坏({exc}) / the archive member is damaged",
                                     report=None) from exc
    return target / shps[0].filename


def write_features(frame: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write a layer's frame in the format its extension names (GeoJSON always in lon/lat, RFC 7946)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS or suffix == ".shp":
        raise InvalidInput(f"不支持导出为 {suffix} / cannot export to {suffix}; use .geojson, .gpkg, .zip or .csv")
    frame = _plain_types(frame)
    if suffix == ".csv":
        out = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        out["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=8)
        out.to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix == ".zip":
        short = _shapefile_names([c for c in frame.columns if c != frame.geometry.name])
        with tempfile.TemporaryDirectory() as tmp:
            shp = Path(tmp) / f"{path.stem}.shp"
            pyogrio.write_dataframe(frame.rename(columns=short), shp, driver="ESRI Shapefile", encoding="UTF-8")
            (Path(tmp) / FIELD_NAMES).write_text(json.dumps({v: k for k, v in short.items()}, ensure_ascii=False),
                                                 encoding="utf-8")
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for part in Path(tmp).iterdir():
                    archive.write(part, part.name)
    elif FORMATS[suffix] == "GeoJSON":
        pyogrio.write_dataframe(lonlat_frame(frame), path, driver="GeoJSON", RFC7946="YES")
    else:
        pyogrio.write_dataframe(frame, path, driver="GPKG", layer=path.stem)
    return path


def _shapefile_names(columns: list[str]) -> dict[str, str]:
    """DBF field names hold 10 characters: shorten them uniquely and ship the mapping beside the .shp."""
    short: dict[str, str] = {}
    for col in columns:
        name = col[:10]
        n = 1
        while name in short.values():
            name = f"{col[:7]}_{n:02d}"
            n += 1
        short[col] = name
    return short


def _plain_types(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Decimals become floats and timestamps ISO text: every driver can store those."""
    frame = frame.copy()
    for col in frame.columns:
        if col == frame.geometry.name:
            continue
        sample = frame[col].dropna()
        if not sample.empty and type(sample.iloc[0]).__name__ == "Decimal":
            frame[col] = frame[col].astype(float)
        elif pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: None if pd.isna(v) else v.isoformat())
        elif not sample.empty and type(sample.iloc[0]).__name__ == "date":
            frame[col] = frame[col].map(lambda v: None if v is None or pd.isna(v) else v.isoformat())
    return frame


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
