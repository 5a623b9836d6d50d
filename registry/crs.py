"""Coordinate reference systems accepted on import and offered on output (DOMAIN.md §1).

Everything is stored in CGCS2000 lon/lat (EPSG:4490). Files arrive in a handful of CRSs: WGS 84 from
web maps and GeoJSON, the two CGCS2000 3° Gauss-Kruger zones that cover Fujian from surveys (with or
without the zone prefix in the easting), and GCJ-02 / BD-09 from coordinates copied out of Amap,
Tencent or Baidu maps. This module decides which CRS a file is in (:func:`resolve_crs`), refusing
rather than guessing, and converts geometries to and from storage (:func:`to_storage`,
:func:`from_storage`).

GCJ-02 and BD-09 have no EPSG code and PROJ cannot convert them, so they are converted here with the
public formulas; they are accepted only when declared, and never stored or output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from registry.errors import InvalidInput

if TYPE_CHECKING:
    import geopandas as gpd

STORAGE_CRS = "EPSG:4490"
"""CGCS2000 geographic, the storage CRS (``layers.base.SRID``)."""

ACCEPTED: dict[str, str] = {
    "EPSG:4490": "CGCS2000 地理坐标 / CGCS2000 geographic (lon/lat)",
    "EPSG:4326": "WGS 84 地理坐标 / WGS 84 geographic (lon/lat)",
    "EPSG:4527": "CGCS2000 3度带高斯-克吕格 第39带(含带号) / CGCS2000 3° Gauss-Kruger zone 39 (zone prefix)",
    "EPSG:4528": "CGCS2000 3度带高斯-克吕格 第40带(含带号) / CGCS2000 3° Gauss-Kruger zone 40 (zone prefix)",
    "EPSG:4548": "CGCS2000 3度带高斯-克吕格 中央经线117°E(无带号) / CGCS2000 3° Gauss-Kruger CM 117°E (no prefix)",
    "EPSG:4549": "CGCS2000 3度带高斯-克吕格 中央经线120°E(无带号) / CGCS2000 3° Gauss-Kruger CM 120°E (no prefix)",
    "GCJ02": "GCJ-02 火星坐标(高德、腾讯,须声明) / GCJ-02 (Amap, Tencent; declared only)",
    "BD09": "BD-09 百度坐标(须声明) / BD-09 (Baidu; declared only)",
}
"""Canonical id → bilingual label of every CRS a file may be in."""

GEOGRAPHIC = frozenset({"EPSG:4490", "EPSG:4326", "GCJ02", "BD09"})
"""Accepted CRSs whose coordinates are lon/lat degrees (the others are Gauss-Kruger metres)."""

DECLARED_ONLY = frozenset({"GCJ02", "BD09"})
"""Pseudo-CRSs no file can carry: a file in them claims to be WGS 84, so only the user can say so."""


@dataclass(frozen=True)
class GaussKruger:
    """A CGCS2000 3° Gauss-Kruger zone as the import checks need it."""

    zone: int
    central_meridian: float
    prefixed: bool
    """True when the false easting carries the zone number (39 500 000), False for 500 000."""

    @property
    def false_easting(self) -> float:
        return self.zone * 1_000_000 + 500_000.0 if self.prefixed else 500_000.0


GAUSS_KRUGER: dict[str, GaussKruger] = {
    "EPSG:4527": GaussKruger(39, 117.0, True),
    "EPSG:4528": GaussKruger(40, 120.0, True),
    "EPSG:4548": GaussKruger(39, 117.0, False),
    "EPSG:4549": GaussKruger(40, 120.0, False),
}
"""The projected CRSs accepted, by canonical id."""


ZONE_SPLIT_LON = 118.5
"""The meridian halfway between the central meridians of zones 39 (117°E) and 40 (120°E)."""


def gk_zone_srid_sql(lon_sql: str) -> str:
    """SQL for the SRID of the Fujian Gauss-Kruger zone (with prefix: 4527 or 4528) a longitude falls in.

    For planar geometry where it is exact enough and much cheaper than geography: the projection is
    conformal, so within a zone the nearest point in metres is the geodesic nearest point (then measured
    on the spheroid), and a circle drawn with the local scale is the geodesic circle to centimetres.
    """
    return f"(CASE WHEN {lon_sql} < {ZONE_SPLIT_LON} THEN 4527 ELSE 4528 END)"


def gk_crs_id(zone: int, prefixed: bool) -> str | None:
    """The accepted EPSG id of a Fujian GK zone, e.g. ``gk_crs_id(39, False) == "EPSG:4548"``."""
    for crs_id, gk in GAUSS_KRUGER.items():
        if gk.zone == zone and gk.prefixed == prefixed:
            return crs_id
    return None


# --------------------------------------------------------------------------- resolving a CRS

_CRS84 = {"CRS84", "OGC:CRS84", "OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC::CRS84",
          "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84", "HTTPS://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"}
_EPSG_PATTERNS = (
    re.compile(r"(\d{4,6})"),
    re.compile(r"EPSG:{1,2}(\d{4,6})"),
    re.compile(r"URN:OGC:DEF:CRS:EPSG:[\d.]*:(\d{4,6})"),
    re.compile(r"HTTPS?://WWW\.OPENGIS\.NET/DEF/CRS/EPSG/[^/]+/(\d{4,6})"),
)
_PSEUDO = {"GCJ02": "GCJ02", "BD09": "BD09", "BD09LL": "BD09"}

_GRS80_INVERSE_FLATTENING = 298.257222101
"""CGCS2000's ellipsoid differs from GRS80 only beyond the 10th digit of 1/f: the same at any scale here."""
_OLD_DATUM_AXES = {6378245.0: ("北京54", "Beijing 1954"), 6378140.0: ("西安80", "Xian 1980")}
"""Semi-major axes of China's older datums, named in the refusal because surveys still use them."""


def _accepted_list() -> str:
    return ", ".join(ACCEPTED)


def _old_datum(crs: pyproj.CRS | None) -> tuple[str, str] | None:
    """(Chinese, English) name of the older Chinese datum ``crs`` is based on, if it is one."""
    if crs is None or crs.ellipsoid is None:
        return None
    return _OLD_DATUM_AXES.get(crs.ellipsoid.semi_major_metre)


def _not_accepted(name: str, crs: pyproj.CRS | None = None) -> InvalidInput:
    """The refusal of an identified but unaccepted CRS, naming Beijing 1954 / Xian 1980 when it is one
    of them: surveys still arrive in them and they need a 7-parameter conversion first."""
    old = _old_datum(crs)
    zh = f"({old[0]},须先转换为 CGCS2000)" if old else ""
    en = f" ({old[1]}: convert to CGCS2000 first)" if old else ""
    return InvalidInput(
        f"不接受的坐标系 {name}{zh};可接受 {_accepted_list()} / CRS {name} is not accepted{en}; "
        f"accepted: {_accepted_list()}",
        crs=name, hint_zh=zh, hint_en=en, accepted=list(ACCEPTED),
    )


def _from_spelling(value: str | int) -> str | None:
    """The canonical id of a spelled-out CRS (``4490``, ``urn:ogc:def:crs:EPSG::4490``, ``gcj-02``...),
    ``EPSG:<n>`` for an EPSG code whatever it is, or None when the spelling is not one of these forms."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"EPSG:{value}"
    text = re.sub(r"\s+", "", str(value)).upper()
    if text in _CRS84:
        return "EPSG:4326"
    pseudo = _PSEUDO.get(text.replace("-", "").replace("_", ""))
    if pseudo:
        return pseudo
    for pattern in _EPSG_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return f"EPSG:{int(match.group(1))}"
    return None


def _param(op: pyproj.crs.CoordinateOperation, code: str) -> float | None:
    for p in op.params:
        if p.code == code:
            return float(p.value)
    return None


def _identify_by_parameters(crs: pyproj.CRS) -> str | None:
    """Recognise a CGCS2000 CRS that carries no EPSG code, e.g. a ``.prj`` written from a PROJ string.

    In China a GRS80-based 3° Gauss-Kruger zone or lon/lat system is CGCS2000 in practice (the two
    ellipsoids agree to 0.1 mm), so the parameters are matched exactly and the datum is not required
    to be named.
    """
    ell = crs.ellipsoid
    if ell is None or ell.semi_major_metre != 6378137.0 \
            or abs(ell.inverse_flattening - _GRS80_INVERSE_FLATTENING) > 1e-6:
        return None
    datum = (crs.datum.name if crs.datum else "").upper()
    if not (datum.startswith("UNKNOWN") or "2000" in datum or "CGCS" in datum or "CHINA" in datum):
        return None
    if crs.is_geographic and not crs.is_projected:
        return "EPSG:4490" if crs.axis_info and crs.axis_info[0].unit_name == "degree" else None
    op = crs.coordinate_operation
    if not crs.is_projected or op is None or op.method_name != "Transverse Mercator":
        return None
    if any(axis.unit_name != "metre" for axis in crs.axis_info):
        return None
    lat0, lon0, k0 = _param(op, "8801"), _param(op, "8802"), _param(op, "8805")
    fe, fn = _param(op, "8806"), _param(op, "8807")
    if lat0 != 0.0 or k0 != 1.0 or fn != 0.0:
        return None
    for crs_id, gk in GAUSS_KRUGER.items():
        if lon0 == gk.central_meridian and fe == gk.false_easting:
            return crs_id
    return None


def _identify(crs: pyproj.CRS) -> str:
    """The canonical id of a file's CRS, or InvalidInput when it is not an accepted one."""
    authority = crs.to_authority(min_confidence=70)
    if authority == ("OGC", "CRS84"):
        return "EPSG:4326"
    epsg = crs.to_epsg(min_confidence=70)
    if epsg is not None and f"EPSG:{epsg}" in ACCEPTED:
        return f"EPSG:{epsg}"
    by_parameters = _identify_by_parameters(crs)
    if by_parameters:
        return by_parameters
    raise _not_accepted(f"EPSG:{epsg}" if epsg is not None else f"“{crs.name}”", crs)


def canonical_crs(value: str | int | pyproj.CRS) -> str:
    """Canonical id (a key of :data:`ACCEPTED`) of one CRS in any accepted spelling or as a pyproj CRS.

    InvalidInput when it is not accepted, so an export or a check can take the user's spelling as is.
    """
    if isinstance(value, pyproj.CRS):
        return _identify(value)
    spelled = _from_spelling(value)
    if spelled is not None:
        if spelled in ACCEPTED:
            return spelled
        try:
            crs = pyproj.CRS.from_user_input(spelled)
        except pyproj.exceptions.CRSError:
            crs = None
        raise _not_accepted(spelled, crs)
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise InvalidInput(
            f"无法识别的坐标系 “{value}”;可接受 {_accepted_list()} / unrecognised CRS “{value}”; "
            f"accepted: {_accepted_list()}",
            accepted=list(ACCEPTED),
        ) from exc
    return _identify(crs)


def _compatible(declared: str, found: str) -> bool:
    """Whether a declaration and a file's own CRS describe the same coordinates.

    WGS 84 and CGCS2000 are treated as equal (DOMAIN.md §1). A file in GCJ-02 or BD-09 necessarily
    labels itself WGS 84 or CGCS2000 (GeoJSON is always CRS84), so declaring the pseudo-CRS over a
    geographic file CRS is the declaration doing its job, not a contradiction.
    """
    if declared == found:
        return True
    geographic = {"EPSG:4490", "EPSG:4326"}
    if found in geographic:
        return declared in geographic or declared in DECLARED_ONLY
    return False


def resolve_crs(declared: str | int | None, file_crs: pyproj.CRS | str | None) -> str:
    """The canonical id (a key of :data:`ACCEPTED`) of the CRS an import's coordinates are in.

    ``declared`` is what the user said, ``file_crs`` what the file carries (a ``.prj``, a GeoPackage
    SRS, GeoJSON's CRS84). One of them is needed; when both are given they must agree, because a
    mismatch means one of them is wrong and a wrong CRS moves every feature (by ~500 m for GCJ-02,
    by 3° for a wrong zone). The declaration wins only where :func:`_compatible` explains why.
    """
    declared_id = None if declared is None or declared == "" else canonical_crs(declared)
    found_id = None
    if file_crs is not None and file_crs != "":
        try:
            found_id = canonical_crs(file_crs)
        except InvalidInput as exc:
            if declared_id is None:
                raise
            name = exc.extra.get("crs", str(file_crs))
            raise InvalidInput(
                f"声明的坐标系 {declared_id} 与文件的坐标系 {name} 不一致,且文件坐标系不被接受"
                f"{exc.extra.get('hint_zh', '')} / the declared CRS {declared_id} disagrees with the file's CRS "
                f"{name}, which is not accepted{exc.extra.get('hint_en', '')}",
                declared=declared_id, file=name,
            ) from exc
    if declared_id is None and found_id is None:
        raise InvalidInput(
            f"文件没有坐标系信息,请声明坐标系(可接受 {_accepted_list()}) / the file has no CRS: declare one "
            f"(accepted: {_accepted_list()})",
            accepted=list(ACCEPTED),
        )
    if declared_id is None:
        assert found_id is not None
        return found_id
    if found_id is not None and not _compatible(declared_id, found_id):
        raise InvalidInput(
            f"声明的坐标系 {declared_id} 与文件的坐标系 {found_id} 不一致 / the declared CRS {declared_id} "
            f"disagrees with the file's CRS {found_id}",
            declared=declared_id,
            file=found_id,
        )
    return declared_id


# --------------------------------------------------------------------------- GCJ-02 and BD-09

_A = 6378245.0
"""Krassovsky semi-major axis used by the GCJ-02 formula."""
_EE = 0.00669342162296594323
"""Krassovsky first eccentricity squared used by the GCJ-02 formula."""
X_PI = np.pi * 3000.0 / 180.0


def _out_of_china(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Outside China's rough bounding box the maps apply no offset; the public formulas do the same."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj_offset(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """The GCJ-02 shift (dlon, dlat) in degrees at WGS 84 positions."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _as_float(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS 84 (or CGCS2000) lon/lat → GCJ-02, as Amap and Tencent display them. Vectorised."""
    lon, lat = _as_float(lon, lat)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


GCJ_TOLERANCE_DEG = 1e-9
"""Convergence of the GCJ-02 inversion in degrees (~0.1 mm), far below the 1e-7 the registry needs."""


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """GCJ-02 lon/lat → WGS 84, by fixed-point iteration of :func:`wgs84_to_gcj02`.

    The often-copied one-step approximation (subtract the offset taken at the GCJ-02 point) is off by
    up to a few metres; iterating until the forward conversion reproduces the input converges in a
    handful of steps because the offset changes by only ~1e-5 of the position.
    """
    g_lon, g_lat = _as_float(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(50):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        err = np.maximum(np.abs(e_lon), np.abs(e_lat))
        if not np.any(err > GCJ_TOLERANCE_DEG):  # NaNs compare False: they cannot block convergence
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """GCJ-02 lon/lat → BD-09 lon/lat (Baidu's further obfuscation). Vectorised."""
    lon, lat = _as_float(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """BD-09 lon/lat → GCJ-02 lon/lat, the published inverse of :func:`gcj02_to_bd09`. Vectorised."""
    lon, lat = _as_float(lon, lat)
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    return z * np.cos(theta), z * np.sin(theta)


# --------------------------------------------------------------------------- geometries

_Coords = NDArray[np.float64]


@lru_cache(maxsize=32)
def cached_transformer(source: str, target: str) -> pyproj.Transformer:
    """Transformers are costly to build and thread-safe since pyproj 3.1: build each pair once."""
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _apply(geoms: NDArray[np.object_],
           func: Callable[[_Coords, _Coords], tuple[_Coords, _Coords]]) -> NDArray[np.object_]:
    """Apply a vectorised (x, y) → (x, y) function to every coordinate of every geometry at once.

    ``include_z=False`` makes the result 2D, as the storage columns are.
    """
    def on_coords(coords: _Coords) -> _Coords:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, on_coords, include_z=False)


def _pyproj_func(source: str, target: str) -> Callable[[_Coords, _Coords], tuple[_Coords, _Coords]]:
    transformer = cached_transformer(source, target)
    return lambda x, y: transformer.transform(x, y, errcheck=False)


def to_storage(geoms: ArrayLike, crs_id: str) -> NDArray[np.object_]:
    """Geometries in ``crs_id`` → 2D lon/lat in EPSG:4490, ready to store.

    WGS 84 is taken as CGCS2000 (DOMAIN.md §1: equal at metre level); GCJ-02 and BD-09 go to
    WGS 84 by the formulas. ``None`` entries stay ``None``. Coordinates PROJ cannot transform become
    ``inf`` rather than raising, so the caller's extent check can report them per feature.
    """
    crs_id = canonical_crs(crs_id)
    arr = np.asarray(geoms, dtype=object)
    if crs_id in ("EPSG:4490", "EPSG:4326"):
        return _flat(arr)
    if crs_id == "GCJ02":
        return _apply(arr, gcj02_to_wgs84)
    if crs_id == "BD09":
        return _apply(arr, lambda x, y: gcj02_to_wgs84(*bd09_to_gcj02(x, y)))
    return _apply(arr, _pyproj_func(crs_id, STORAGE_CRS))


def from_storage(geoms: ArrayLike, crs_id: str) -> NDArray[np.object_]:
    """Stored EPSG:4490 geometries → ``crs_id`` for export (EPSG:4326, 4490 or a GK zone).

    GCJ-02 and BD-09 are refused: DOMAIN.md §1 says they are never stored, and handing them out
    would put obfuscated coordinates back into circulation.
    """
    crs_id = canonical_crs(crs_id)
    if crs_id in DECLARED_ONLY:
        outputs = ", ".join(c for c in ACCEPTED if c not in DECLARED_ONLY)
        raise InvalidInput(
            f"不输出 {crs_id} 坐标,请选择 {outputs} / {crs_id} is never output: choose one of {outputs}",
            accepted=[c for c in ACCEPTED if c not in DECLARED_ONLY],
        )
    arr = np.asarray(geoms, dtype=object)
    if crs_id in ("EPSG:4490", "EPSG:4326"):
        return _flat(arr)
    return _apply(arr, _pyproj_func(STORAGE_CRS, crs_id))


def _flat(arr: NDArray[np.object_]) -> NDArray[np.object_]:
    """The geometries in 2D; copied only when one has a Z (rebuilding a million 2D ones costs a second)."""
    return shapely.force_2d(arr) if shapely.has_z(arr).any() else arr


def lonlat_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A frame in longitude/latitude for GeoJSON (RFC 7946) and web maps: the one output conversion.

    Stored CGCS2000 (EPSG:4490) is handed out as WGS 84 unchanged, as DOMAIN.md §1 allows (the two agree
    at the metre level); a frame in any other CRS (a Gauss-Kruger zone, say) is converted.
    """
    if frame.crs is None:
        raise ValueError("数据未声明坐标系 / the GeoDataFrame has no CRS: declare EPSG:4490 or EPSG:4326")
    if frame.crs.to_epsg() == 4326:
        return frame
    if frame.crs.to_epsg() == 4490:
        return frame.set_crs(4326, allow_override=True)
    return frame.to_crs(4326)
