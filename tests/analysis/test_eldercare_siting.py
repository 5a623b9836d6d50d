"""New stations: k sites that cover the most elderly, the fewest that reach a target; coverage before and after."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from analysis.eldercare.siting import propose_sites, read_candidates
from registry import Registry
from registry.crs import wgs84_to_gcj02
from registry.errors import InvalidInput
from tests.stories.eldercare import SUIAN, add_area, add_station, at, square

NORTH, SOUTH, EAST = at(SUIAN, 1500, 0), at(SUIAN, 1500, 180), at(SUIAN, 1500, 90)


@pytest.fixture
def town(reg: Registry) -> Registry:
    """One station serving 200 elderly; three estates 1.5 km north in a row 500 m apart (240 elderly: only
    a site at the middle one reaches all three), one 1.5 km south (50) and one 1.5 km east (30): 520
    elderly, 200 covered (38.46 %)."""
    add_station(reg, SUIAN)
    add_area(reg, square(at(SUIAN, 200, 45), 80), "城内小区", 200)
    add_area(reg, square(NORTH, 50), "北门新村", 100, community="北门社区")
    add_area(reg, square(at(NORTH, 500, 90), 50), "北门东苑", 80, community="北门社区")
    add_area(reg, square(at(NORTH, 500, 270), 50), "北门西苑", 60, community="北门社区")
    add_area(reg, square(SOUTH, 50), "石斋小区", 50, community="石斋社区")
    add_area(reg, square(EAST, 50), "城东锦苑", 30, community="城东社区")
    return reg


def test_one_site_goes_where_it_covers_the_most(town: Registry) -> None:
    proposal = propose_sites(town, k=1)

    assert proposal.before.covered_elderly == 200 and proposal.before.share_pct == pytest.approx(38.46)
    assert list(proposal.sites["name"]) == ["北门新村(居住区内点)"]
    assert set(proposal.sites["covers"].iloc[0].split("、")) == {"北门新村", "北门东苑", "北门西苑"}
    assert proposal.sites["new_elderly"].tolist() == [240]
    assert proposal.after.covered_elderly == 440
    assert proposal.summary()["new_elderly"] == 240 == proposal.modelled_new_elderly


def test_two_sites_add_the_south_and_are_ranked_by_what_they_add(town: Registry) -> None:
    proposal = propose_sites(town, k=2)

    assert proposal.sites["rank"].tolist() == [1, 2]
    assert proposal.sites["name"].tolist() == ["北门新村(居住区内点)", "石斋小区(居住区内点)"]
    assert proposal.sites["new_elderly"].tolist() == [240, 50]
    assert proposal.after.covered_elderly == 490
    assert proposal.after.share_pct > proposal.before.share_pct


def test_more_sites_than_needed_are_not_proposed(town: Registry) -> None:
    proposal = propose_sites(town, k=10)

    assert len(proposal.sites) == 3 and proposal.after.share_pct == 100.0
    assert proposal.useful_candidates == 5
    assert "3 new site(s) already cover" in proposal.notes[0]


@pytest.mark.parametrize(("target", "sites", "covered"), [(80, 1, 440), (90, 2, 490), (100, 3, 520)])
def test_the_fewest_sites_that_reach_a_target(town: Registry, target: float, sites: int, covered: float) -> None:
    proposal = propose_sites(town, target_pct=target)

    assert len(proposal.sites) == sites
    assert proposal.after.covered_elderly == covered
    assert proposal.target_reached is True and proposal.after.share_pct >= target


def test_a_target_already_met_needs_no_site(town: Registry) -> None:
    proposal = propose_sites(town, target_pct=30)

    assert proposal.sites.empty and proposal.target_reached is True
    assert proposal.after.covered_elderly == proposal.before.covered_elderly == 200


def test_given_candidates_and_an_unreachable_target(town: Registry) -> None:
    """Only a site north and one in the fields are offered: the north one is all that helps, and 100 % is
    out of reach, which the proposal says rather than pretending."""
    candidates = gpd.GeoDataFrame({"name": ["北门菜市场旧址", "田间空地"]},
                                  geometry=[Point(NORTH), Point(at(SUIAN, 5000, 300))], crs="EPSG:4490")

    proposal = propose_sites(town, target_pct=100, candidates=candidates)

    assert proposal.sites["name"].tolist() == ["北门菜市场旧址"]
    assert proposal.candidates == 2 and proposal.useful_candidates == 1
    assert proposal.target_reached is False and proposal.after.covered_elderly == 440
    assert "short of" in proposal.notes[0]


def test_candidates_in_gauss_kruger_are_read_and_outside_fujian_refused(town: Registry) -> None:
    north = gpd.GeoDataFrame({"name": ["北门"]}, geometry=[Point(NORTH)], crs="EPSG:4490").to_crs("EPSG:4527")
    assert propose_sites(town, k=1, candidates=north).after.covered_elderly == 440

    with pytest.raises(InvalidInput, match="candidate"):
        propose_sites(town, k=1, candidates=[Point(121.5, 31.2)])  # Shanghai


@pytest.mark.parametrize("kwargs", [{}, {"k": 1, "target_pct": 90}, {"k": 0}, {"k": 1.5}, {"target_pct": 120},
                                    {"target_pct": "多"}])
def test_bad_requests_are_refused_clearly(reg: Registry, kwargs: dict) -> None:
    with pytest.raises(InvalidInput, match=" / "):
        propose_sites(reg, **kwargs)


def test_candidates_copied_from_amap_are_read_from_gcj02(town: Registry, tmp_path) -> None:
    """A CSV of sites picked on Amap is in GCJ-02 (about 500 m off here): declared, it lands where it should."""
    lon, lat = wgs84_to_gcj02([NORTH[0]], [NORTH[1]])
    path = tmp_path / "sites.csv"
    path.write_text(f"名称,lon,lat\n北门社区活动中心,{lon[0]:.7f},{lat[0]:.7f}\n", encoding="utf-8")

    candidates = read_candidates(path, crs="GCJ02")

    assert candidates["name"].tolist() == ["北门社区活动中心"]
    assert candidates.geometry.iloc[0].distance(Point(NORTH)) < 1e-5
    assert propose_sites(town, k=1, candidates=candidates).after.covered_elderly == 440
    with pytest.raises(InvalidInput, match="CRS"):
        read_candidates(path)  # a CSV has no CRS: it must be declared
