"""Shapes drawn in metres and measured on the GRS80 ellipsoid, so the areas the story depends on are exact."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal

import shapely
from pyproj import Geod
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from demo.boundaries import Inside
from demo.places import LonLat

GEOD = Geod(ellps="GRS80")
"""Land surveys compute areas on the CGCS2000 (GRS80) ellipsoid (DOMAIN.md §1)."""


def area_ha(geom: BaseGeometry) -> float:
    """Ellipsoidal area in hectares, as China's land surveys and PostGIS geography compute it."""
    return GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0] / 10_000


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    """The non-empty polygons of ``geom`` at any depth of nesting."""
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    return [p for part in getattr(geom, "geoms", ()) for p in _polygons(part)]


def multi(geom: BaseGeometry) -> MultiPolygon:
    """The polygons of ``geom`` (clipping and unions return any type) as one counter-clockwise MultiPolygon."""
    return shapely.orient_polygons(MultiPolygon(_polygons(geom)))


def at(origin: LonLat, east_m: float, north_m: float) -> LonLat:
    """The point ``east_m`` and ``north_m`` metres from ``origin``, measured on the ellipsoid."""
    azimuth = math.degrees(math.atan2(east_m, north_m))
    lon, lat, _ = GEOD.fwd(*origin, azimuth, math.hypot(east_m, north_m))
    return lon, lat


def shape(origin: LonLat, offsets_m: Iterable[tuple[float, float]]) -> Polygon:
    """A counter-clockwise polygon through the points ``offsets_m`` (east, north) metres from ``origin``."""
    return shapely.orient_polygons(Polygon([at(origin, e, n) for e, n in offsets_m]))


def rect(centre: LonLat, width_m: float, height_m: float) -> Polygon:
    """A rectangle of ``width_m`` by ``height_m`` metres around ``centre``: a plot or an estate."""
    w, h = width_m / 2, height_m / 2
    return shape(centre, [(-w, -h), (w, -h), (w, h), (-w, h)])


def fit(polygon: Polygon, hectares: Decimal | float) -> Polygon:
    """``polygon`` scaled about its centroid until its ellipsoidal area is ``hectares``.

    Approvals state areas to 4 decimals of a hectare (1 m²) and the checks compare geometry with
    the declared figure, so a demo parcel must round to exactly the figure it declares; area grows
    with the square of the scale, so a few steps bring the error under 10 mm².
    """
    target = float(hectares)
    for _ in range(10):
        area = area_ha(polygon)
        if abs(area - target) < 1e-9:
            return polygon
        factor = math.sqrt(target / area)
        polygon = affinity.scale(polygon, factor, factor, origin="centroid")
    raise ValueError(f"could not fit a polygon to {hectares} ha")


def east_cut(polygon: BaseGeometry, share_outside: float) -> float:
    """The longitude that leaves ``share_outside`` of ``polygon``'s area east of it (bisection)."""
    west, south, east, north = polygon.bounds
    low, high = west, east
    for _ in range(50):
        middle = (low + high) / 2
        outside = shapely.clip_by_rect(polygon, middle, south, east, north).area / polygon.area
        low, high = (middle, high) if outside > share_outside else (low, middle)
    return (low + high) / 2


def boxes(county: str, inside: Inside, *extents: tuple[float, float, float, float]) -> BaseGeometry:
    """The union of longitude/latitude boxes, clipped to lie inside ``county``: a reference zone."""
    return inside.clip(county, shapely.union_all([box(*e) for e in extents]))
