"""The demo data: every layer passes its own rules, lies where it claims to, and tells the seeds' story.

No database: the demo is checked as built, so a broken demo fails here rather than at set-up.
"""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_UP, Decimal

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

import layers
from analysis.land.gazette import parse_gazette
from demo import PARCEL_LINK, build_demo, demo_columns, gazette_text
from layers.base import editable_attributes
from layers.outfalls import OUTFALL_SUBCLASSES

GEOD = Geod(ellps="GRS80")
ZHANGPU, JIANYANG = "350623", "350703"
ZONE_PLANS = {"闽政文〔2022〕355号": Decimal("4.0424"), "闽政文〔2022〕356号": Decimal("8.2161"),
              "闽政文〔2022〕357号": Decimal("11.4120")}
GEOMETRY_TYPES = {"MULTIPOLYGON": "MultiPolygon", "POINT": "Point"}


def hectares(geom: BaseGeometry) -> Decimal:
    """Ellipsoidal area to 4 decimals, rounded half up, as the gazette states areas."""
    area = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0] / 10_000
    return Decimal(repr(area)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    return build_demo(parse_gazette(gazette_text()))


@pytest.fixture(scope="module")
def counties(demo: dict[str, gpd.GeoDataFrame]) -> dict[str, BaseGeometry]:
    divisions = demo["admin_divisions"]
    county_rows = divisions[divisions["level"] == "county"]
    return dict(zip(county_rows["code"], county_rows.geometry, strict=True))


def _rows(frame: gpd.GeoDataFrame, **equal: object) -> gpd.GeoDataFrame:
    mask = frame.index == frame.index
    for column, value in equal.items():
        mask &= frame[column] == value
    return frame[mask]


def _local(frame: gpd.GeoDataFrame, centre: BaseGeometry) -> gpd.GeoSeries:
    """Geometries in metres around ``centre``: an equidistant projection, exact enough within a town."""
    crs = f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +ellps=GRS80 +units=m"
    return frame.geometry.to_crs(crs)


def test_every_layer_has_features_in_loading_order(demo: dict[str, gpd.GeoDataFrame]) -> None:
    assert sorted(demo) == sorted(layers.LAYERS)
    kinds = [layers.LAYERS[name].__layer__.kind for name in demo]
    assert kinds == sorted(kinds, key=lambda kind: kind != "reference")
    assert list(demo).index("land_approvals") < list(demo).index("land_parcels")
    assert all(len(frame) > 0 for frame in demo.values())


def test_frames_carry_the_layer_attributes_in_cgcs2000(demo: dict[str, gpd.GeoDataFrame]) -> None:
    for name, frame in demo.items():
        assert frame.crs.to_epsg() == 4490, name
        assert frame.geometry.name == "geometry"
        assert list(frame.columns) == [*demo_columns(name), "geometry"]
    assert "approval_fid" not in demo["land_parcels"].columns
    assert "area_ha" not in demo["land_parcels"].columns


@pytest.mark.parametrize("name", list(layers.LAYERS))
def test_every_value_passes_its_rule(demo: dict[str, gpd.GeoDataFrame], name: str) -> None:
    frame = demo[name]
    for attribute, rule in editable_attributes(layers.LAYERS[name]).items():
        if attribute not in frame.columns:
            continue  # approval_fid: filled in by the loader from approval_doc_number
        for value in frame[attribute]:
            if value is None:
                assert not rule.required, f"{name}.{attribute} is required"
                continue
            assert rule.problem(value) is None, f"{name}.{attribute}={value!r}: {rule.problem(value)}"
            if rule.normalise is not None:
                assert rule.normalise(value) == value, f"{name}.{attribute}={value!r} is not normalised"


def test_parcels_name_a_demo_approval(demo: dict[str, gpd.GeoDataFrame]) -> None:
    assert set(demo["land_parcels"][PARCEL_LINK]) <= set(demo["land_approvals"]["doc_number"])


def test_geometries_have_the_layer_type_and_are_valid(demo: dict[str, gpd.GeoDataFrame]) -> None:
    for name, frame in demo.items():
        if layers.LAYERS[name].__layer__.geometry_type is None:
            assert frame.geometry.isna().all(), f"{name} is a table without geometry"
            continue
        expected = GEOMETRY_TYPES[layers.LAYERS[name].__layer__.geometry_type]
        assert set(frame.geom_type) == {expected}, name
        assert frame.is_valid.all() and not frame.is_empty.any(), name


def test_administrative_divisions_nest(demo: dict[str, gpd.GeoDataFrame]) -> None:
    divisions = demo["admin_divisions"]
    assert divisions["level"].value_counts().to_dict() == {"province": 1, "city": 9, "county": 84}
    assert divisions["code"].is_unique
    cities = set(_rows(divisions, level="city")["code"])
    assert set(_rows(divisions, level="city")["parent_code"]) == {"350000"}
    assert set(_rows(divisions, level="county")["parent_code"]) == cities
    assert {"350623", "350624", "350521", "350703"} <= set(divisions["code"])


def test_county_scoped_features_lie_in_their_county(demo: dict[str, gpd.GeoDataFrame],
                                                     counties: dict[str, BaseGeometry]) -> None:
    for name, frame in demo.items():
        if name == "admin_divisions" or "county_code" not in frame.columns or frame.geometry.isna().all():
            continue
        for row in frame.itertuples():
            if row.county_code is not None:
                assert counties[row.county_code].contains(row.geometry), f"{name}: {row}"


def test_zhangpu_parcels_have_their_declared_areas(demo: dict[str, gpd.GeoDataFrame],
                                                   counties: dict[str, BaseGeometry]) -> None:
    parcels = demo["land_parcels"]
    assert len(parcels) == 11
    assert set(parcels[PARCEL_LINK]) == {"闽政文〔2022〕354号"}
    assert set(parcels["village"]) == {"港口村", "下堀村"}
    for parcel in parcels.itertuples():
        assert hectares(parcel.geometry) == parcel.declared_ha, parcel
        assert counties[ZHANGPU].contains(parcel.geometry)
    assert sum(hectares(g) for g in parcels.geometry) == Decimal("33.3333")
    assert sum(parcels["declared_ha"]) == Decimal("33.3333")
    batch = _rows(demo["land_approvals"], doc_number="闽政文〔2022〕354号").iloc[0]
    assert hectares(batch.geometry) == batch.declared_total_ha == Decimal("33.3333")
    for a, b in itertools.combinations(parcels.geometry, 2):
        assert not a.intersects(b)


def test_zone_plans_have_their_approved_areas(demo: dict[str, gpd.GeoDataFrame]) -> None:
    plans = _rows(demo["land_approvals"], approval_kind="zone_plan")
    assert {p.doc_number: hectares(p.geometry) for p in plans.itertuples()} == ZONE_PLANS


def test_only_jianyang_plan_leaves_its_concentrated_area(demo: dict[str, gpd.GeoDataFrame]) -> None:
    zones = demo["urban_boundaries"]
    for plan in _rows(demo["land_approvals"], approval_kind="zone_plan").itertuples():
        boundary = _rows(zones, county_code=plan.county_code, zone_kind="boundary").geometry.union_all()
        concentrated = _rows(zones, county_code=plan.county_code, zone_kind="concentrated").geometry.union_all()
        assert boundary.contains(plan.geometry)
        outside = plan.geometry.difference(concentrated).area / plan.geometry.area
        if plan.county_code == JIANYANG:
            assert 0.02 < outside < 0.10
        else:
            assert outside == 0


def test_permanent_farmland_overlaps_one_parcel(demo: dict[str, gpd.GeoDataFrame]) -> None:
    farmland = _rows(demo["protected_zones"], zone_type="permanent_farmland").geometry.union_all()
    overlaps = [hectares(p.intersection(farmland)) for p in demo["land_parcels"].geometry]
    touched = [o for o in overlaps if o > 0]
    assert len(touched) == 1 and touched[0] < Decimal("1")


def test_outfalls_in_the_drinking_water_zone_await_removal_or_regularisation(
        demo: dict[str, gpd.GeoDataFrame]) -> None:
    zone = _rows(demo["protected_zones"], zone_type="drinking_water_source").geometry.union_all()
    outfalls = demo["outfalls"]
    assert sorted(outfalls[outfalls.within(zone)]["decision"]) == ["regularise", "remove"]


def test_outfall_subclasses_belong_to_their_class(demo: dict[str, gpd.GeoDataFrame]) -> None:
    for outfall in demo["outfalls"].itertuples():
        assert OUTFALL_SUBCLASSES[outfall.subclass].parent == outfall.outfall_class, outfall.code
    assert demo["outfalls"]["code"].is_unique


def test_bays_hold_outfalls(demo: dict[str, gpd.GeoDataFrame]) -> None:
    outfalls = demo["outfalls"]
    for bay in demo["key_basins"].itertuples():
        if bay.kind != "basin":
            assert outfalls.within(bay.geometry).any(), bay.name


def test_plots_lie_in_their_development_zone(demo: dict[str, gpd.GeoDataFrame]) -> None:
    zones = dict(zip(demo["development_zones"]["name"], demo["development_zones"].geometry, strict=True))
    for plot in demo["standard_land_plots"].itertuples():
        assert zones[plot.development_zone].contains(plot.geometry), plot.plot_code
    assert demo["standard_land_plots"]["status"].nunique() >= 5


def test_eldercare_leaves_some_residents_beyond_700_m(demo: dict[str, gpd.GeoDataFrame]) -> None:
    areas, facilities = demo["residential_areas"], demo["eldercare_facilities"]
    for county in (ZHANGPU, JIANYANG):
        here_areas, here_facilities = _rows(areas, county_code=county), _rows(facilities, county_code=county)
        centre = here_areas.geometry.iloc[0].centroid
        area_geoms, facility_points = _local(here_areas, centre), _local(here_facilities, centre)
        distances = [[area.distance(point) for point in facility_points] for area in area_geoms]
        uncovered = [name for name, row in zip(here_areas["name"], distances, strict=True) if min(row) > 700]
        assert len(uncovered) >= 2, county
        stations = [i for i, kind in enumerate(here_facilities["facility_type"]) if kind == "community_station"]
        for i in stations:
            assert sum(row[i] < 700 for row in distances) >= 2, here_facilities["name"].iloc[i]


def test_build_is_deterministic(demo: dict[str, gpd.GeoDataFrame]) -> None:
    again = build_demo(parse_gazette(gazette_text()))
    for name, frame in demo.items():
        assert frame.drop(columns="geometry").equals(again[name].drop(columns="geometry")), name
        assert list(frame.geometry.to_wkb()) == list(again[name].geometry.to_wkb()), name
