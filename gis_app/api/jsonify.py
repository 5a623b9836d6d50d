"""JSON for people and GIS clients (numbers stay numbers, dates ISO 8601, Chinese readable), and ids in URLs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import geopandas as gpd
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from registry.crs import lonlat_frame


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: ids are PostgreSQL bigints, so a larger number is simply not found
    (404) instead of reaching the database as an out-of-range value."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def feature_collection(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """A frame as a GeoJSON FeatureCollection in lon/lat (RFC 7946), with its counts."""
    collection = lonlat_frame(frame).to_geo_dict(na="null", drop_id=True)
    collection["numberMatched"] = collection["numberReturned"] = len(frame)
    return collection
