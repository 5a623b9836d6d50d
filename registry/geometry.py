"""Geometry rules applied to every import and edit before anything is stored.

A geometry reaches storage only as a valid, non-empty geometry of the layer's type, in CGCS2000 lon/lat,
inside Fujian. Each rule names itself in its message so the person fixing a file knows what to change.
The coordinate rules run *before* the transformation because a missing zone prefix or swapped axes are
easier to recognise (and explain) in the coordinates the user sent than in what PROJ makes of them.

All checks run on whole arrays with shapely 2's vectorised functions; Python loops run only over the
features that have a problem, to word their messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from registry.config import FUJIAN, Extent
from registry.crs import GAUSS_KRUGER, GEOGRAPHIC, canonical_crs, gk_crs_id, to_storage


@dataclass(frozen=True)
class GeometryIssue:
    """One problem (or one repair) of the geometry at ``index`` (0-based position in the input)."""

    index: int
    problem: str
    """Bilingual "中文 / English" message naming the rule."""
    repaired: bool = False


@dataclass(frozen=True)
class _Kind:
    """What a layer's geometry type accepts: its type, its one-part or multi-part alternative."""

    name: str
    type_id: int
    single_id: int
    multi_id: int
    promote: bool
    """True for Multi* layers (a single part is promoted); False for single layers (a one-part Multi*
    is demoted)."""


_T = shapely.GeometryType
_KINDS = {
    "POINT": _Kind("Point", _T.POINT, _T.POINT, _T.MULTIPOINT, False),
    "LINESTRING": _Kind("LineString", _T.LINESTRING, _T.LINESTRING, _T.MULTILINESTRING, False),
    "POLYGON": _Kind("Polygon", _T.POLYGON, _T.POLYGON, _T.MULTIPOLYGON, False),
    "MULTILINESTRING": _Kind("MultiLineString", _T.MULTILINESTRING, _T.LINESTRING, _T.MULTILINESTRING, True),
    "MULTIPOLYGON": _Kind("MultiPolygon", _T.MULTIPOLYGON, _T.POLYGON, _T.MULTIPOLYGON, True),
}
_TYPE_NAMES = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                        "MultiPolygon", "GeometryCollection"], dtype=object)
_PART_NAMES = {_T.POINT: ("个点", "point"), _T.LINESTRING: ("条线", "line"), _T.POLYGON: ("个面", "polygon")}

_REASONS_ZH = {
    "Self-intersection": "自相交",
    "Ring Self-intersection": "环自相交",
    "Too few points in geometry component": "点数过少",
    "Hole lies outside shell": "内环位于外环之外",
    "Nested holes": "内环嵌套",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "外环嵌套",
    "Duplicate Rings": "重复的环",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
}
_REASON = re.compile(r"^(?P<reason>[^\[]*?)\s*(?:\[(?P<x>\S+) (?P<y>\S+)\])?$")

_PREFIX_MIN, _PREFIX_MAX = 10_000_000.0, 100_000_000.0
"""An easting of 8 digits carries a zone number (39 500 000)."""
_UNPREFIXED_MAX = 1_000_000.0
"""An easting under 1 000 000 (6 digits, 500 000-based) carries none."""


# --------------------------------------------------------------------------- helpers


def swapped_or_outside(lon: ArrayLike, lat: ArrayLike, extent: Extent = FUJIAN,
                       ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Classify lon/lat positions against ``extent``: ``(swapped, outside)``, never both True.

    ``swapped`` means the pair is outside but (lat, lon) is inside: in China a "latitude" of 117 is
    a swapped pair, not a place (DOMAIN.md §1). ``outside`` is every other position outside, NaN and
    infinities included.
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    inside = _inside(lon, lat, extent)
    swapped = ~inside & _inside(lat, lon, extent)
    return swapped, ~inside & ~swapped


def _inside(x: NDArray[np.float64], y: NDArray[np.float64], extent: Extent) -> NDArray[np.bool_]:
    return (x >= extent.west) & (x <= extent.east) & (y >= extent.south) & (y <= extent.north)


def _box_position(x0: NDArray[np.float64], y0: NDArray[np.float64], x1: NDArray[np.float64],
                  y1: NDArray[np.float64], extent: Extent) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """``(swapped, outside)`` of boxes given by two opposite corners in lon/lat."""
    sw0, out0 = swapped_or_outside(x0, y0, extent)
    sw1, out1 = swapped_or_outside(x1, y1, extent)
    swapped = sw0 & sw1
    return swapped, (sw0 | sw1 | out0 | out1) & ~swapped


def _fmt(v: float, digits: int = 6) -> str:
    """Degrees to 6 decimals (~0.1 m), metres to 3; trailing zeros dropped."""
    return f"{v:.{digits}f}".rstrip("0").rstrip(".") if np.isfinite(v) else str(v)


def _extent_text(extent: Extent) -> str:
    return f"{extent.west}–{extent.east}°E, {extent.south}–{extent.north}°N"


def _prefix_mask(bounds: NDArray[np.float64], crs_id: str) -> NDArray[np.bool_]:
    """Gauss-Kruger boxes whose eastings break the zone-prefix rule (worded by :func:`_prefix_problem`)."""
    gk = GAUSS_KRUGER[crs_id]
    xmin, xmax = bounds[:, 0], bounds[:, 2]
    prefixed = (xmin >= _PREFIX_MIN) & (xmax < _PREFIX_MAX)
    if not gk.prefixed:
        return prefixed
    unprefixed = (xmin >= 0) & (xmax < _UNPREFIXED_MAX)
    wrong_zone = (np.floor(xmin / 1_000_000) != gk.zone) | (np.floor(xmax / 1_000_000) != gk.zone)
    return unprefixed | (prefixed & wrong_zone)


def _prefix_problem(xmin: float, xmax: float, crs_id: str) -> str | None:
    """The zone-prefix rule for one Gauss-Kruger geometry (DOMAIN.md §1: never guess the zone)."""
    gk = GAUSS_KRUGER[crs_id]
    x = _fmt(xmin, 3)
    if gk.prefixed and xmin >= 0 and xmax < _UNPREFIXED_MAX:
        return (f"坐标规则:横坐标 x={x} 缺少带号,应声明为 {gk_crs_id(gk.zone, False)} / zone prefix rule: "
                f"easting x={x} lacks the zone prefix {gk.zone}; declare {gk_crs_id(gk.zone, False)}")
    if not (xmin >= _PREFIX_MIN and xmax < _PREFIX_MAX):
        return None
    zones = {int(xmin // 1_000_000), int(xmax // 1_000_000)}
    found = min(zones)
    suggestion = gk_crs_id(found, True) if len(zones) == 1 else None
    hint_zh = f",应声明为 {suggestion}" if suggestion else ",不是福建的投影带(39、40)"
    hint_en = f"; declare {suggestion}" if suggestion else "; not a Fujian zone (39, 40)"
    if not gk.prefixed:
        return (f"坐标规则:横坐标 x={x} 带有带号 {found}{hint_zh} / zone prefix rule: easting x={x} "
                f"carries the zone prefix {found}{hint_en}")
    if zones != {gk.zone}:
        return (f"坐标规则:横坐标 x={x} 的带号 {found} 与声明的第 {gk.zone} 带({crs_id})不符{hint_zh} / "
                f"zone prefix rule: easting x={x} has zone prefix {found}, but {crs_id} is zone "
                f"{gk.zone}{hint_en}")
    return None


def _gk_swapped(bounds: NDArray[np.float64], crs_id: str, extent: Extent) -> NDArray[np.bool_]:
    """Gauss-Kruger boxes that land in Fujian only with easting and northing exchanged."""
    xmin, ymin, xmax, ymax = bounds.T

    def lands_inside(x0: NDArray[np.float64], y0: NDArray[np.float64], x1: NDArray[np.float64],
                     y1: NDArray[np.float64]) -> NDArray[np.bool_]:
        corners = to_storage(shapely.points(np.concatenate([x0, x1]), np.concatenate([y0, y1])), crs_id)
        inside = _inside(shapely.get_x(corners), shapely.get_y(corners), extent)
        return inside[: len(x0)] & inside[len(x0):]

    return ~lands_inside(xmin, ymin, xmax, ymax) & lands_inside(ymin, xmin, ymax, xmax)


def _invalid_text(reason: str) -> tuple[str, str]:
    """The validity problem in Chinese and in GEOS's words, e.g. ("自相交 于 (118.1, 24.2)",
    "Self-intersection[118.1 24.2]"), so messages can say where the geometry breaks."""
    match = _REASON.match(reason)
    name = match.group("reason") if match else reason
    zh = _REASONS_ZH.get(name, name)
    if match and match.group("x") is not None:
        zh += f" 于 ({match.group('x')}, {match.group('y')})"
    return zh, reason


def _flatten(geoms: NDArray[np.object_]) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """All single parts of ``geoms`` (collections nested at any depth), with the index they came from."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while True:
        nested = shapely.get_type_id(parts) >= _T.MULTIPOINT
        if not nested.any():
            return parts, owner
        sub, sub_owner = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][sub_owner]])


def _make_valid(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """``make_valid`` with the "structure" method where shapely and GEOS offer it.

    "structure" rebuilds polygons from their rings (a bow-tie becomes two triangles, an overlapping
    hole is cut out) instead of keeping every linework fragment, which is what a surveyed parcel means.
    """
    try:
        return shapely.make_valid(geoms, method="structure", keep_collapsed=False)
    except (TypeError, ValueError, shapely.errors.UnsupportedGEOSVersionError):
        return shapely.make_valid(geoms)


def _repair(geoms: NDArray[np.object_], kind: _Kind) -> tuple[NDArray[np.object_], NDArray[np.intp],
                                                              NDArray[np.intp]]:
    """Repaired geometries of ``kind`` (None where nothing usable is left), parts kept and dropped."""
    n = len(geoms)
    fixed = _make_valid(geoms)
    parts, owner = _flatten(fixed)
    keep = (shapely.get_type_id(parts) == kind.single_id) & ~shapely.is_empty(parts)
    kept = np.bincount(owner[keep], minlength=n)
    dropped = np.bincount(owner[~keep], minlength=n)
    out = np.full(n, None, dtype=object)
    order = np.argsort(owner[keep], kind="stable")
    parts, owner = parts[keep][order], owner[keep][order]
    if kind.promote:
        if len(parts):
            owners, compact = np.unique(owner, return_inverse=True)
            build = shapely.multipolygons if kind.single_id == _T.POLYGON else shapely.multilinestrings
            out[owners] = build(parts, indices=compact)
    else:
        single = kept[owner] == 1
        out[owner[single]] = parts[single]
    return out, kept, dropped


# --------------------------------------------------------------------------- the rules


def normalise_geometries(
    geoms: ArrayLike,
    crs_id: str,
    expected_type: str | None,
    *,
    repair: bool = False,
    allow_missing: bool = False,
    extent: Extent = FUJIAN,
    max_vertices: int | None = None,
) -> tuple[NDArray[np.object_], list[GeometryIssue], list[GeometryIssue]]:
    """Check and convert an import's or an edit's geometries; returns ``(geometries, errors, repairs)``.

    ``geometries`` are 2D EPSG:4490 lon/lat geometries of the layer's type, aligned with the input;
    an entry with an error is None, so a caller cannot store it by mistake. Each geometry gets at most
    one error: the first rule it breaks, in this order: empty or missing (None is accepted when
    ``allow_missing``, for layers whose geometry may come later), type (a Polygon is promoted to
    MultiPolygon, a LineString to MultiLineString, a one-part Multi* demoted for single-type layers),
    size (more than ``max_vertices`` vertices: one huge shape would make every map page heavy for
    everyone), Gauss-Kruger zone prefix, swapped axes, extent of Fujian, validity. Invalid geometries are
    repaired with ``make_valid`` when ``repair`` is True and each repair is reported; what cannot be
    repaired into the layer's type is an error. ``expected_type`` None means the layer has no
    geometry: then every geometry given is an error.
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    n = len(arr)
    out = np.full(n, None, dtype=object)
    errors: list[GeometryIssue] = []
    repairs: list[GeometryIssue] = []
    missing = shapely.is_missing(arr)

    if expected_type is None:
        errors += [GeometryIssue(int(i), "几何规则:此图层没有几何 / geometry rule: this layer has no geometry")
                   for i in np.flatnonzero(~missing)]
        return out, errors, repairs
    kind = _KINDS.get(expected_type.upper())
    if kind is None:
        raise ValueError(f"unknown layer geometry type {expected_type!r}; expected one of {sorted(_KINDS)}")
    crs_id = canonical_crs(crs_id)

    def fail(ok: NDArray[np.bool_], mask: NDArray[np.bool_],
             message: str | Callable[[int], str]) -> NDArray[np.bool_]:
        """Record an error for each index still ``ok`` and in ``mask``; return ``ok`` without them."""
        for i in np.flatnonzero(ok & mask):
            errors.append(GeometryIssue(int(i), message if isinstance(message, str) else message(int(i))))
        return ok & ~mask

    # Rule 1: missing or empty.
    empty = ~missing & shapely.is_empty(arr)
    ok = ~missing
    if not allow_missing:
        fail(missing, missing, "空几何规则:缺少几何 / empty geometry rule: the geometry is missing (null)")
    ok = fail(ok, empty, "空几何规则:几何为空 / empty geometry rule: the geometry is empty")

    # Rule 2: type, with promotion to Multi* (or demotion of a one-part Multi*).
    type_id = shapely.get_type_id(arr)
    work = arr.copy()
    if kind.promote:
        to_promote = ok & (type_id == kind.single_id)
        if to_promote.any():
            build = shapely.multipolygons if kind.single_id == _T.POLYGON else shapely.multilinestrings
            work[to_promote] = build(arr[to_promote].reshape(-1, 1))
    else:
        to_demote = ok & (type_id == kind.multi_id) & (shapely.get_num_geometries(arr) == 1)
        if to_demote.any():
            work[to_demote] = shapely.get_geometry(arr[to_demote], 0)
    found = shapely.get_type_id(work)
    found_names = _TYPE_NAMES[np.clip(type_id, 0, len(_TYPE_NAMES) - 1)]
    ok = fail(ok, found != kind.type_id, lambda i: (
        f"几何类型规则:应为 {kind.name},实为 {found_names[i]} / geometry type rule: expected {kind.name}, "
        f"found {found_names[i]}"))

    # Rule 2b: size.
    if max_vertices is not None:
        vertices = shapely.get_num_coordinates(work)
        ok = fail(ok, vertices > max_vertices, lambda i: (
            f"几何规模规则:{vertices[i]} 个顶点,超过本图层上限 {max_vertices} / geometry size rule: {vertices[i]} "
            f"vertices, more than this layer's limit of {max_vertices}"))

    # Rules 3 and 4, on the coordinates as given: Gauss-Kruger zone prefix, swapped axes.
    bounds = shapely.bounds(work)
    if crs_id in GAUSS_KRUGER:
        ok = fail(ok, _prefix_mask(bounds, crs_id),
                  lambda i: _prefix_problem(bounds[i, 0], bounds[i, 2], crs_id) or "")
        swapped = np.zeros(n, dtype=bool)
        if ok.any():
            swapped[ok] = _gk_swapped(bounds[ok], crs_id, extent)
        ok = fail(ok, swapped, "坐标规则:纵横坐标顺序颠倒(x 应为东坐标,y 应为北坐标) / axis order rule: "
                           "northing and easting swapped (x must be the easting, y the northing)")
    elif crs_id in GEOGRAPHIC:
        swapped, _ = _box_position(*bounds.T, extent)
        ok = fail(ok, swapped, "坐标规则:经纬度顺序颠倒 / axis order rule: longitude and latitude swapped")

    # Rule 5: inside Fujian, after transformation.
    stored = np.full(n, None, dtype=object)
    if ok.any():
        stored[ok] = to_storage(work[ok], crs_id)
    lonlat = shapely.bounds(stored)
    xmin, ymin, xmax, ymax = lonlat.T
    outside = ok & ~(_inside(xmin, ymin, extent) & _inside(xmax, ymax, extent))

    def outside_text(i: int) -> str:
        if not np.isfinite(lonlat[i]).all():
            raw = ", ".join(_fmt(v, 3) for v in bounds[i])
            return (f"范围规则:坐标无法换算到 CGCS2000(原始范围 {raw}) / extent rule: the coordinates cannot be "
                    f"transformed from {crs_id} (bounds as given {raw})")
        found_text = f"{_fmt(xmin[i])}–{_fmt(xmax[i])}°E, {_fmt(ymin[i])}–{_fmt(ymax[i])}°N"
        return (f"范围规则:超出福建范围,范围为 {found_text},应在 {_extent_text(extent)} 内 / extent rule: "
                f"outside Fujian, bounds {found_text}, expected within {_extent_text(extent)}")

    ok = fail(ok, outside, outside_text)

    # Rule 6: validity, with optional repair.
    reasons = np.full(n, None, dtype=object)
    if ok.any():
        reasons[ok] = shapely.is_valid_reason(stored[ok])
    invalid = ok & (reasons != "Valid Geometry")
    if invalid.any() and repair:
        idx = np.flatnonzero(invalid)
        fixed, kept, dropped = _repair(stored[idx], kind)
        zh_part, en_part = _PART_NAMES[kind.single_id]
        for j, i in enumerate(idx):
            if fixed[j] is None:
                continue
            stored[i] = fixed[j]
            invalid[i] = False
            zh, en = _invalid_text(reasons[i])
            zh += f",修复后为 {kept[j]} {zh_part}"
            en += f"; now {kept[j]} {en_part} part(s)"
            if dropped[j]:
                zh += f",舍弃 {dropped[j]} 个其他维度的部分"
                en += f", {dropped[j]} part(s) of another dimension dropped"
            repairs.append(GeometryIssue(int(i), f"几何有效性规则:已修复 {zh} / validity rule: repaired {en}",
                                         repaired=True))

        def not_fixable(i: int) -> str:
            zh, en = _invalid_text(reasons[i])
            return (f"几何有效性规则:无法修复({zh}),修复后为空或不是 {kind.name} / validity rule: not fixable "
                    f"({en}): the repaired geometry is empty or not a {kind.name}")

        ok = fail(ok, invalid, not_fixable)
    else:
        ok = fail(ok, invalid, lambda i: "几何无效:{} / invalid geometry: {}".format(*_invalid_text(reasons[i])))

    out[ok] = stored[ok]
    errors.sort(key=lambda issue: issue.index)
    return out, errors, repairs
