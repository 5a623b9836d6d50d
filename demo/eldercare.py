"""Residential areas and eldercare facilities around two county seats, placed so that some residents
are beyond 700 m of every station."""

from __future__ import annotations

from datetime import date

from shapely.geometry import Point

from demo.geodesy import at, rect
from demo.places import JIANYANG, ZHANGPU, LonLat, Row
from layers.eldercare import normalise_services

_SEATS: dict[str, LonLat] = {ZHANGPU: (117.6120, 24.1180), JIANYANG: (118.1200, 27.3320)}
"""County seats: 漳浦县绥安镇 and 建阳区潭城街道."""

_RESIDENTIAL: dict[str, list[tuple[str, str, str, float, float, int, int]]] = {
    ZHANGPU: [
        ("城内小区", "城内社区", "绥安镇", 0, 0, 3200, 720),
        ("府前花园", "城内社区", "绥安镇", 250, 200, 2600, 480),
        ("西湖苑", "西湖社区", "绥安镇", -300, 150, 2100, 390),
        ("南门里", "南门社区", "绥安镇", 100, -300, 2800, 610),
        ("鹿溪花园", "鹿溪社区", "绥安镇", -250, -300, 3500, 540),
        ("城东锦苑", "城东社区", "绥安镇", 1500, 100, 2400, 350),
        ("金浦新城", "金浦社区", "绥安镇", 1700, -250, 4100, 460),
        ("马坪安置区", "马坪社区", "绥安镇", -1500, 500, 1900, 420),
        ("西郊新村", "马坪社区", "绥安镇", -1700, 150, 1500, 310),
        ("北门新村", "北门社区", "绥安镇", 200, 1650, 2200, 530),
        ("石斋小区", "石斋社区", "绥安镇", -300, -1700, 1700, 380),
        ("城东花苑", "城东社区", "绥安镇", 2300, -50, 1800, 300),
    ],
    JIANYANG: [
        ("考亭花园", "考亭社区", "潭城街道", 0, 0, 3000, 650),
        ("朱子广场小区", "考亭社区", "潭城街道", 280, -150, 2500, 470),
        ("西门新村", "西门社区", "潭城街道", -320, 120, 2300, 560),
        ("东门小区", "东门社区", "潭城街道", 200, 280, 2700, 500),
        ("崇阳溪畔", "北门社区", "潭城街道", -200, 350, 1800, 330),
        ("建溪苑", "水南社区", "童游街道", 1400, -1100, 3300, 410),
        ("童游新城", "水南社区", "童游街道", 1650, -800, 3900, 380),
        ("紫霞新村", "紫霞社区", "潭城街道", -1500, 900, 1600, 440),
        ("南林小区", "紫霞社区", "潭城街道", -1350, 1250, 1400, 290),
        ("北郊安置区", "北门社区", "潭城街道", 300, 1800, 2000, 470),
        ("麻沙路小区", "西门社区", "潭城街道", -1800, -700, 1700, 360),
    ],
}
"""Residential areas: name, community, street, offset east and north of the seat (m), residents, aged 60+.
城东花苑 straddles the 700 m circle of the 城东 station: about half of its elderly count as covered."""

_FACILITIES: dict[str, list[Row]] = {
    ZHANGPU: [
        {"name": "绥安镇居家社区养老服务照料中心", "facility_type": "street_centre", "operator_type": "public_private",
         "community": "城内社区", "services": "日间照料、助餐、上门服务、区域统筹", "beds": 20, "nursing_beds": 8,
         "capacity": 60, "opened_on": date(2021, 9, 1), "offset": (150, 120)},
        {"name": "城内社区居家养老服务站", "facility_type": "community_station", "operator_type": "public_private",
         "community": "城内社区", "services": "助餐、文体活动、健康咨询", "capacity": 40,
         "opened_on": date(2020, 6, 18), "offset": (30, -20)},
        {"name": "城东社区居家养老服务站", "facility_type": "community_station", "operator_type": "private",
         "community": "城东社区", "services": "助餐、上门服务", "opened_on": date(2022, 3, 1), "offset": (1600, -50)},
        {"name": "马坪社区居家养老服务点", "facility_type": "community_station", "operator_type": "public",
         "community": "马坪社区", "services": "文体活动、探访关爱", "opened_on": date(2022, 10, 9),
         "offset": (-1550, 300)},
        {"name": "鹿溪长者食堂", "facility_type": "meal_point", "operator_type": "private", "community": "鹿溪社区",
         "services": "老年助餐", "capacity": 120, "opened_on": date(2023, 1, 16), "offset": (-200, -250)},
        {"name": "漳浦县社会福利中心", "facility_type": "institution", "operator_type": "public",
         "community": "金浦社区", "services": "全日托养、失能照护", "beds": 260, "nursing_beds": 150,
         "opened_on": date(2016, 5, 20), "offset": (1000, -1500)},
    ],
    JIANYANG: [
        {"name": "潭城街道居家社区养老服务照料中心", "facility_type": "street_centre",
         "operator_type": "public_private", "community": "考亭社区", "services": "日间照料、助餐、上门服务、区域统筹",
         "beds": 24, "nursing_beds": 10,
         "opened_on": date(2021, 12, 8), "offset": (100, 80)},
        {"name": "考亭社区居家养老服务站", "facility_type": "community_station", "operator_type": "public_private",
         "community": "考亭社区", "services": "助餐、文体活动", "opened_on": date(2020, 10, 1), "offset": (50, -60)},
        {"name": "水南社区居家养老服务站", "facility_type": "community_station", "operator_type": "private",
         "street": "童游街道", "community": "水南社区", "services": "助餐、上门服务", "opened_on": date(2022, 5, 12),
         "offset": (1500, -950)},
        {"name": "紫霞社区居家养老服务站", "facility_type": "community_station", "operator_type": "public",
         "community": "紫霞社区", "services": "探访关爱、健康咨询", "opened_on": date(2023, 3, 3),
         "offset": (-1400, 1050)},
        {"name": "童游街道嵌入式示范养老院", "facility_type": "demonstration", "operator_type": "public_private",
         "street": "童游街道", "community": "水南社区", "services": "全托、日托、上门、区域统筹", "beds": 60,
         "nursing_beds": 40, "capacity": 30, "is_demonstration": True, "opened_on": date(2022, 12, 20),
         "offset": (1750, -1150)},
        {"name": "建阳区失能特困人员集中照护中心", "facility_type": "county_nursing_home", "operator_type": "public",
         "services": "失能照护", "beds": 120, "nursing_beds": 100, "opened_on": date(2023, 6, 30),
         "offset": (2600, 2200)},
    ],
}
"""Eldercare facilities around the two seats, by offset (m) from the seat; the outlying residential areas
(北门新村, 石斋小区, 北郊安置区, 麻沙路小区) are beyond 700 m of all of them. Services are written as the
registers write them (Chinese labels) and stored as codes. 童游街道 has its comprehensive demonstration
institution, 潭城街道 has none (its care centre offers no full-time care), and 漳浦's beds fall short of
the 60 % nursing-bed share: what the eldercare checks find."""


def residential_area_rows() -> list[Row]:
    """Estates as small rectangles of varied size around the seats, so coverage is an area share, not a point test."""
    rows = []
    for county, areas in _RESIDENTIAL.items():
        for i, (name, community, street, east, north, residents, elderly) in enumerate(areas):
            centre = at(_SEATS[county], east, north)
            rows.append({"name": name, "community": community, "street": street, "county_code": county,
                         "population": residents, "elderly_population": elderly,
                         "geometry": rect(centre, 140 + 15 * (i % 4), 120 + 20 * (i % 3))})
    return rows


def facility_rows() -> list[Row]:
    """Facilities as points; a facility's street defaults to its seat's, and its services become codes."""
    streets = {ZHANGPU: "绥安镇", JIANYANG: "潭城街道"}
    rows = []
    for county, facilities in _FACILITIES.items():
        for facility in facilities:
            attributes = {k: v for k, v in facility.items() if k != "offset"}
            attributes["services"] = normalise_services(attributes["services"])  # stored as codes
            rows.append({"street": streets[county], **attributes, "county_code": county,
                         "geometry": Point(at(_SEATS[county], *facility["offset"]))})
    return rows
