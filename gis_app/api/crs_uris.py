"""CRS identifiers of OGC API Features Part 2 and the axis order they imply.

CRS84 is longitude/latitude (RFC 7946); an EPSG URI means the authority's axis order, which for
EPSG:4490 and 4326 is latitude first and for the Gauss-Kruger zones northing first. GDAL and QGIS rely
on this, so coordinates are swapped on the way out and in.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyproj
import shapely

from registry.crs import canonical_crs, from_storage, to_storage
from registry.errors import BadRequest, InvalidInput

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_PREFIX = "http://www.opengis.net/def/crs/EPSG/0/"
OUTPUT_CRS = ("CRS84", "EPSG:4490", "EPSG:4326", "EPSG:4527", "EPSG:4528", "EPSG:4548", "EPSG:4549")


def crs_uri(crs: str) -> str:
    return CRS84 if crs in ("CRS84", CRS84) else EPSG_PREFIX + crs.split(":")[1]


def crs_from_uri(uri: str) -> str:
    """``CRS84`` or a canonical ``EPSG:n`` id offered by this service; InvalidInput otherwise."""
    if uri in (CRS84, "CRS84", "OGC:CRS84"):
        return "CRS84"
    if uri.startswith(EPSG_PREFIX):
        try:
            crs = canonical_crs(uri)
        except InvalidInput:
            crs = None
        if crs in OUTPUT_CRS:
            return crs
    offered = ", ".join(crs_uri(c) for c in OUTPUT_CRS)
    raise BadRequest(f"不支持的坐标系 {uri} / unsupported CRS; offered: {offered}")


@cache
def north_first(crs: str) -> bool:
    return crs != "CRS84" and pyproj.CRS(crs).axis_info[0].direction in ("north", "south")


def _swap(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: xy[:, ::-1])


def to_output(geoms: np.ndarray, crs: str) -> np.ndarray:
    """Stored geometries → coordinates in ``crs`` in its axis order."""
    out = from_storage(geoms, "EPSG:4326" if crs == "CRS84" else crs)
    return _swap(out) if north_first(crs) else out


def to_storage_axes(geoms: np.ndarray, crs: str) -> np.ndarray:
    """Coordinates given in ``crs`` (its axis order) → storage lon/lat."""
    if north_first(crs):
        geoms = _swap(geoms)
    return to_storage(geoms, "EPSG:4326" if crs == "CRS84" else crs)
