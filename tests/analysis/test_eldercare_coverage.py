"""Coverage of the elderly within 700 m of a community station, against figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon
from sqlalchemy import text

from analysis.eldercare.coverage import FLAT_TOLERANCE, MAX_RADIUS_M, STATION_RADIUS_M, coverage, metres_per_degree_sql
from registry import Registry
from registry.errors import InvalidInput
from tests.stories.eldercare import GEOD, JIANYANG, SUIAN, ZHANGPU, add_area, add_station, at, rect, square


def _row(result, name: str):
    rows = result.areas[result.areas["name"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0]


@pytest.mark.parametrize("azimuth", [0, 90, 225])
def test_699_m_is_covered_and_701_m_is_not_in_any_direction(reg: Registry, azimuth: float) -> None:
    """Geodesic metres: a degree-based distance would treat north and east differently at 24°N."""
    add_station(reg, SUIAN)
    add_area(reg, square(at(SUIAN, 699, azimuth)), "699米", 30)
    add_area(reg, square(at(SUIAN, 701, azimuth)), "701米", 20)

    result = coverage(reg)

    near, far = _row(result, "699米"), _row(result, "701米")
    assert (near.status, near.covered_share, near.covered_elderly) == ("covered", 1.0, 30)
    assert (far.status, far.covered_share, far.covered_elderly) == ("uncovered", 0.0, 0)
    assert (result.elderly, result.covered_elderly, result.share_pct) == (50, 30, 60.0)
    assert list(result.gaps["name"]) == ["701米"]
    assert result.gaps.geometry.iloc[0].equals_exact(far.geometry, 1e-12)


def test_the_radius_is_a_parameter(reg: Registry) -> None:
    add_station(reg, SUIAN)
    add_area(reg, square(at(SUIAN, 499, 45)), "499米", 10)
    add_area(reg, square(at(SUIAN, 699, 45)), "699米", 10)

    assert coverage(reg, radius_m=500).covered_elderly == 10
    assert coverage(reg, radius_m=700).covered_elderly == 20
    with pytest.raises(InvalidInput, match="radius"):
        coverage(reg, radius_m=-1)
    with pytest.raises(InvalidInput, match="radius"):
        coverage(reg, radius_m="七百")


def test_only_current_community_stations_count(reg: Registry) -> None:
    """An institution next door does not serve the 700 m rule; a deleted station no longer serves."""
    add_station(reg, at(SUIAN, 100, 0), name="漳浦县社会福利中心", facility_type="institution", beds=100)
    station = add_station(reg, SUIAN)
    add_area(reg, square(at(SUIAN, 300, 0)), "府前花园", 40)
    assert coverage(reg).covered_elderly == 40
    assert coverage(reg, station_types=["institution", "community_station"]).covered_elderly == 40

    reg.layer("eldercare_facilities").delete(station.fid, base_version=station.version)
    assert coverage(reg).covered_elderly == 0
    assert coverage(reg, station_types=["institution"]).covered_elderly == 40
    with pytest.raises(InvalidInput, match="station type"):
        coverage(reg, station_types=["canteen"])


def _share_by_hand(station: tuple[float, float], area: shapely.Geometry, radius_m: float) -> float:
    """The covered share in an azimuthal equidistant projection centred on the station, where the
    distance from the centre is true: the 700 m circle is a plain circle there."""
    to_local = Transformer.from_crs("EPSG:4490", f"+proj=aeqd +lat_0={station[1]} +lon_0={station[0]} +ellps=GRS80",
                                    always_xy=True)
    local = shapely.ops.transform(to_local.transform, shapely.segmentize(area, 1e-6))
    return local.intersection(Point(0, 0).buffer(radius_m, quad_segs=4096)).area / local.area


def test_a_partly_covered_area_counts_its_elderly_pro_rata(reg: Registry) -> None:
    """Residents are taken as evenly spread: the share of the area within 700 m is the share of its elderly.

    Placed at 118.45°E, 1.45° from the zone's central meridian, where an uncorrected Gauss-Krüger circle
    would be 0.18 m too small: the 40 m deep strip across the circle notices a fifth of that.
    """
    station = (118.45, 24.95)
    strip = rect(at(station, 700, 90), 40, 60)
    add_station(reg, station, county_code="350583", street="溪美街道")
    add_area(reg, strip, "跨圈小区", 200, county="350583", street="溪美街道")

    row = _row(coverage(reg), "跨圈小区")

    expected = _share_by_hand(station, strip, 700)
    assert 0.4 < expected < 0.6
    assert row.status == "partial"
    assert row.covered_share == pytest.approx(expected, abs=0.001)  # 4 cm of radius
    assert row.covered_elderly == pytest.approx(200 * row.covered_share)
    assert row.uncovered_elderly == pytest.approx(200 * (1 - row.covered_share))


def test_the_gap_is_the_area_outside_every_disc(reg: Registry) -> None:
    """Two stations each reach part of one estate: the gap is what neither reaches, computed in PostGIS."""
    west, east = at(SUIAN, 600, 270), at(SUIAN, 600, 90)
    add_station(reg, west, name="西站")
    add_station(reg, east, name="东站")
    estate = rect(SUIAN, 400, 1600)
    add_area(reg, estate, "长条小区", 1000)

    result = coverage(reg)

    row = _row(result, "长条小区")
    gap = result.gaps.geometry.iloc[0]
    assert row.status == "partial" and row.stations_near == 2
    assert 0 < row.covered_share < 1
    distances = [min(_metres(west, v), _metres(east, v)) for v in shapely.get_coordinates(gap)]
    assert min(distances) > 699.9  # no vertex of the gap is within reach of a station
    assert shapely.area(gap) / shapely.area(estate) == pytest.approx(1 - row.covered_share, abs=0.001)
    assert estate.covers(gap)


def _metres(a: tuple[float, float], b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def test_an_area_covered_by_two_stations_together_is_covered_whole(reg: Registry) -> None:
    add_station(reg, at(SUIAN, 500, 270))
    add_station(reg, at(SUIAN, 500, 90))
    add_area(reg, rect(SUIAN, 600, 100), "两站之间", 80)

    row = _row(coverage(reg), "两站之间")

    assert (row.status, row.covered_elderly, row.stations_near) == ("covered", 80, 2)


def test_figures_per_community_street_county_and_city(reg: Registry) -> None:
    add_station(reg, SUIAN)
    add_area(reg, square(at(SUIAN, 200, 0), 50), "城内小区", 100, community="城内社区")
    add_area(reg, square(at(SUIAN, 900, 0), 50), "北门新村", 60, community="北门社区")
    add_area(reg, square(at(SUIAN, 300, 180), 50), "南门里", 40, community="南门社区", street="旧镇镇")
    jianyang = (118.1200, 27.3320)
    add_area(reg, square(jianyang, 50), "考亭花园", 50, community="考亭社区", street="潭城街道", county=JIANYANG)

    result = coverage(reg)

    county = result.by("county").set_index("county_code")
    assert county.loc[ZHANGPU, ["elderly", "covered_elderly", "share_pct"]].tolist() == [200, 140, 70.0]
    assert county.loc[JIANYANG, ["elderly", "covered_elderly", "share_pct"]].tolist() == [50, 0, 0.0]
    city = result.by("city").set_index("city_code")
    assert city.loc["350600", "share_pct"] == 70.0 and city.loc["350700", "uncovered_elderly"] == 50
    street = result.by("street").set_index(["county_code", "street"])
    assert street.loc[(ZHANGPU, "绥安镇"), ["elderly", "covered_elderly", "uncovered_areas"]].tolist() == [160, 100, 1]
    assert street.loc[(ZHANGPU, "旧镇镇"), "share_pct"] == 100.0
    community = result.by("community").set_index("community")
    assert community.loc["北门社区", "share_pct"] == 0.0 and community.loc["城内社区", "share_pct"] == 100.0
    assert result.summary()["uncovered_areas"] == 2 and result.summary()["share_pct"] == pytest.approx(56.0)
    with pytest.raises(InvalidInput, match="level"):
        result.by("province")


def test_a_proposed_station_enters_the_same_measure(reg: Registry) -> None:
    add_station(reg, SUIAN)
    add_area(reg, square(at(SUIAN, 1500, 0), 50), "北郊安置区", 70)

    assert coverage(reg).covered_elderly == 0
    assert coverage(reg, extra_stations=[Point(at(SUIAN, 1500, 0))]).covered_elderly == 70


def test_an_area_limits_the_residential_areas_not_the_stations(reg: Registry) -> None:
    """The station outside the drawn area still serves the estate inside it."""
    add_station(reg, SUIAN)
    inside = at(SUIAN, 600, 90)
    add_area(reg, square(inside, 20), "圈内小区", 25)
    add_area(reg, square(at(SUIAN, 600, 270), 20), "圈外小区", 35)
    window = shapely.box(inside[0] - 0.001, inside[1] - 0.001, inside[0] + 0.001, inside[1] + 0.001)

    result = coverage(reg, area=window.wkt)

    assert list(result.areas["name"]) == ["圈内小区"]
    assert result.covered_elderly == 25 and result.area_label.startswith("自定义范围")


@pytest.mark.parametrize("radius_m", [STATION_RADIUS_M, MAX_RADIUS_M])
def test_the_flat_measure_is_well_inside_its_tolerance_at_fujian_latitudes(reg: Registry, radius_m: float) -> None:
    """Pairs are decided flat, in metres per degree at the station's latitude as PostgreSQL computes them, unless
    they lie within FLAT_TOLERANCE of the radius: the flat measure must stay well inside it (Karney's geodesics)."""
    rng = np.random.default_rng(20221110)
    lon, lat = rng.uniform(115.8, 120.7, 2000), rng.uniform(23.5, 28.4, 2000)
    lon2, lat2, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360, 2000), np.full(2000, radius_m))
    lon_m, lat_m = metres_per_degree_sql("sy")
    with reg.engine.connect() as conn:
        scale = conn.execute(text(f"SELECT {lon_m}, {lat_m} FROM unnest(CAST(:lat AS float8[])) AS sy"),
                             {"lat": lat.tolist()}).all()
    per_degree = np.array(scale)
    flat = np.hypot((lon2 - lon) * per_degree[:, 0], (lat2 - lat) * per_degree[:, 1])
    assert np.abs(flat / radius_m - 1).max() < FLAT_TOLERANCE / 10


def _rotated_square(centre: tuple[float, float], side_m: float, turn_deg: float) -> MultiPolygon:
    """A square turned off the meridians, so it does not fill its bounding box."""
    corners = [at(centre, side_m / math.sqrt(2), turn_deg + 45 + 90 * k) for k in range(4)]
    return MultiPolygon([shapely.orient_polygons(Polygon(corners))])


def test_areas_at_the_radius_are_decided_as_the_spheroid_decides_them(reg: Registry) -> None:
    """Squares, turned squares and a long strip within a few metres of two stations' 700 m circles: the fast
    flat decisions and the spheroid must agree on every one. Stations within reach are counted as PostGIS's
    geodesic ``ST_DWithin`` counts them; an area is covered whole when every vertex is within 700 m of one
    station (Karney's geodesics), and not reached at all when no station counts."""
    east = at(SUIAN, 1300, 90)
    add_station(reg, SUIAN, name="城内站")
    add_station(reg, east, name="东门站")
    rng = np.random.default_rng(700)
    for k in range(60):
        station = (SUIAN, east)[k % 2]
        centre = at(station, 700 + rng.uniform(-12, 12), rng.uniform(0, 360))
        shape = square(centre, 10) if k % 3 else _rotated_square(centre, 10, rng.uniform(5, 40))
        add_area(reg, shape, f"边界{k}", 10)
    add_area(reg, rect(at(SUIAN, 650, 90), 1400, 30), "长条", 10)  # wider than the grid's small areas

    result = coverage(reg)

    areas = result.areas.set_index("fid")
    with reg.engine.connect() as conn:
        measured = conn.execute(text(
            "SELECT r.fid, count(*) FILTER (WHERE ST_DWithin(f.geom::geography, r.geom::geography, 700)), "
            "min(ST_Distance(f.geom::geography, r.geom::geography)) FROM residential_areas r "
            "CROSS JOIN eldercare_facilities f WHERE r.valid_to IS NULL AND f.valid_to IS NULL GROUP BY r.fid")).all()
    counted = {fid: n for fid, n, _ in measured}
    nearest = {fid: d for fid, _, d in measured}
    assert areas["stations_near"].to_dict() == counted
    for fid, row in areas.iterrows():
        vertices = shapely.get_coordinates(row.geometry)
        farthest = min(max(_metres(s, v) for v in vertices) for s in (SUIAN, east))
        if farthest <= 700:
            assert row.covered_share == 1.0, row["name"]
        elif counted[fid] == 0:
            assert row.covered_share == 0.0 and row.status == "uncovered", row["name"]
        elif nearest[fid] < 700 - 0.05:  # the discs are drawn to 4 cm of the circle
            assert row.covered_share > 0, row["name"]
        if counted[fid] == 1 and farthest > 702:  # a corner 2 m out leaves more than the 1 m² of drawing noise
            assert row.covered_share < 1, row["name"]
    assert {"covered", "partial", "uncovered"} <= set(areas["status"])
    assert 0 < sum(n == 0 for n in counted.values()) < len(counted)


def test_areas_are_listed_by_county_street_and_community_and_an_empty_window_has_none(reg: Registry) -> None:
    add_station(reg, SUIAN)
    add_area(reg, square(at(SUIAN, 100, 0)), "旧镇甲", 5, street="旧镇镇", community="东社区")
    add_area(reg, square(at(SUIAN, 200, 0)), "绥安乙", 5, community="西社区")
    add_area(reg, square(at(SUIAN, 300, 0)), "绥安甲", 5, community="东社区")
    add_area(reg, square((118.1200, 27.3320)), "建阳甲", 5, street="潭城街道", county=JIANYANG)

    result = coverage(reg)

    assert list(result.areas["name"]) == ["旧镇甲", "绥安甲", "绥安乙", "建阳甲"]
    empty = coverage(reg, area=shapely.box(119.0, 26.0, 119.01, 26.01).wkt)
    assert empty.areas.empty and empty.gaps.empty and empty.summary()["share_pct"] == 0.0
