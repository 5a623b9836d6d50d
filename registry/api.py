"""The analysts' Python API: ``connect(url)`` → a Registry with every layer.

    reg = connect()
    reg.layer("outfalls").to_geodataframe(bbox=(117.5, 23.6, 117.8, 24.0), where={"status": "traced"})
    reg.layer("outfalls").import_file("survey.gpkg", dry_run=True)
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Engine

from layers import LAYERS, get_layer
from layers.base import Feature
from registry.config import Settings, database_url, normalise_url
from registry.crs import from_storage
from registry.db import make_engine
from registry.errors import InvalidInput, NotFound
from registry.files import RawFeatures, write_features
from registry.geometry import normalise_geometries
from registry.imports import ImportReport, Progress, import_file, import_raw
from registry.repository import FeatureRecord, Query, Store, data_version


class LayerHandle:
    """One layer of a registry: read it, write it, import into it, export it."""

    def __init__(self, registry: Registry, model: type[Feature]):
        self.registry = registry
        self.model = model
        self.meta = model.__layer__
        self.store = Store(registry.engine, model)

    def __repr__(self) -> str:
        return f"<layer {self.meta.name} {self.meta.title_zh}>"

    def to_geodataframe(self, bbox: tuple[float, float, float, float] | None = None,
                        where: Mapping[str, Any] | None = None, as_of: datetime | str | None = None,
                        limit: int | None = None, crs: str | int | None = None) -> gpd.GeoDataFrame:
        """The layer (as it stood at ``as_of``, current when None) as a GeoDataFrame, in EPSG:4490 or ``crs``."""
        frame = self.store.to_geodataframe(Query(bbox=bbox, where=where, as_of=moment(as_of), limit=limit))
        if crs is not None and self.meta.geometry_type:
            frame = frame.set_geometry(from_storage(frame.geometry.to_numpy(), str(crs)), crs=str(crs))
        return frame

    def get(self, fid: int, as_of: datetime | str | None = None) -> FeatureRecord:
        return self.store.get(fid, moment(as_of))

    def history(self, fid: int) -> list[FeatureRecord]:
        return self.store.history(fid)

    def count(self, **query: Any) -> int:
        return self.store.count(Query(**query))

    def create(self, properties: Mapping[str, Any], geometry: shapely.Geometry | None = None, *,
               author: str | None = None, source: str = "python", scope: str | None = None) -> FeatureRecord:
        """A new feature; ``scope`` (a division code) refuses it unless it lies in that area."""
        return self.store.create(properties, self._geometry(geometry), author=author or self.registry.user,
                                 source=source, scope=scope)

    def update(self, fid: int, properties: Mapping[str, Any], geometry: shapely.Geometry | None = None, *,
               base_version: int, author: str | None = None, source: str = "python",
               replace: bool = False, keep_geometry: bool = True, scope: str | None = None) -> FeatureRecord:
        """A new version from ``base_version`` (PATCH by default, PUT with ``replace``); see Store.update."""
        return self.store.update(fid, properties, self._geometry(geometry), base_version=base_version,
                                 author=author or self.registry.user, source=source, replace=replace,
                                 keep_geometry=keep_geometry, scope=scope)

    def delete(self, fid: int, *, base_version: int, author: str | None = None, source: str = "python",
               scope: str | None = None) -> None:
        self.store.delete(fid, base_version=base_version, author=author or self.registry.user, source=source,
                          scope=scope)

    def import_file(self, path: str | Path, *, crs: str | int | None = None, dry_run: bool = False,
                    repair: bool = False, author: str | None = None, progress: Progress | None = None,
                    file_layer: str | None = None, source: str | None = None,
                    scope: str | None = None) -> ImportReport:
        """Check the whole file, then write it in one transaction (or not at all); see registry.imports."""
        return import_file(self.registry.engine, self.model, path, crs=crs, dry_run=dry_run, repair=repair,
                           author=author or self.registry.user, progress=progress, file_layer=file_layer,
                           source=source, scope=scope, limits=self.registry.settings.limits)

    def import_frame(self, frame: gpd.GeoDataFrame, *, source: str, dry_run: bool = False, repair: bool = False,
                     author: str | None = None, scope: str | None = None,
                     progress: Progress | None = None) -> ImportReport:
        """Import a GeoDataFrame through the same checks as a file; ``progress`` is told the rows written."""
        attrs = frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame
        geoms = frame.geometry.to_numpy() if isinstance(frame, gpd.GeoDataFrame) else None
        raw = RawFeatures(attrs, geoms, frame.crs if isinstance(frame, gpd.GeoDataFrame) else None)
        return import_raw(self.registry.engine, self.model, raw, crs=None, dry_run=dry_run, repair=repair,
                          author=author or self.registry.user, source=source, scope=scope, progress=progress)

    def export(self, path: str | Path, *, where: Mapping[str, Any] | None = None, as_of: datetime | str | None = None,
               crs: str | int | None = None) -> Path:
        """Write the layer to GeoJSON (lon/lat), GeoPackage, zipped Shapefile or CSV (WKT), by extension."""
        return write_features(self.to_geodataframe(where=where, as_of=as_of, crs=crs), path)

    def _geometry(self, geometry: shapely.Geometry | None) -> shapely.Geometry | None:
        """Geometries given in Python pass the same rules as imported ones (type, extent, validity)."""
        if geometry is None:
            return None
        geoms, errors, _ = normalise_geometries(np.array([geometry], dtype=object), "EPSG:4490",
                                                self.meta.geometry_type, max_vertices=self.meta.max_vertices)
        if errors:
            raise InvalidInput(errors[0].problem)
        return geoms[0]


BEIJING = ZoneInfo("Asia/Shanghai")


def moment(value: datetime | str | None) -> datetime | None:
    """``as_of`` as a time: a datetime, or an ISO 8601 string (a time without zone is Beijing time)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"as_of 应为 ISO 8601 时间,如 2024-01-01T00:00:00+08:00 / as_of must be an ISO 8601 "
                           f"time, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)


class Registry:
    """Every layer of one database."""

    def __init__(self, engine: Engine, user: str, settings: Settings | None = None):
        self.engine = engine
        self.user = user
        self.settings = settings or Settings()

    def layer(self, name: str) -> LayerHandle:
        try:
            return LayerHandle(self, get_layer(name))
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None

    @property
    def layers(self) -> list[str]:
        return list(LAYERS)

    def data_version(self) -> int:
        with self.engine.connect() as conn:
            return data_version(conn)

    def close(self) -> None:
        self.engine.dispose()


def connect(url: str | None = None, *, user: str | None = None, settings: Settings | None = None) -> Registry:
    """Open the registry at ``url`` (default: ``DATABASE_URL`` or the local database); its settings are
    ``settings``, or read from the environment now."""
    return Registry(make_engine(normalise_url(url) if url else database_url()), user or getpass.getuser(),
                    settings or Settings.from_env())
