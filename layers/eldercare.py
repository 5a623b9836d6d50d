"""Eldercare facilities (居家社区养老服务设施); community stations serve a radius under 700 m.

What the rules of the 14th five-year eldercare plan (专栏1, 表2) read from a facility is declared
here once: its type, its services as codes (a demonstration institution must offer full-time care,
day care, home visits and regional coordination), its beds and nursing-type beds, its capacity and
its opening date (cumulative targets count facilities open by a year's end).
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code

FACILITY_TYPES = CodeList("养老服务设施类型", [
    ("street_centre", "街道居家社区养老服务照料中心", "Street care centre"),
    ("community_station", "社区居家养老服务站(点)", "Community station or point"),
    ("demonstration", "嵌入式示范养老机构", "Demonstration institution"),
    ("township_centre", "乡镇区域性养老服务中心", "Township regional centre"),
    ("institution", "养老机构", "Institution with beds"),
    ("day_care", "日间照料设施", "Day-care facility"),
    ("meal_point", "老年助餐点(长者食堂)", "Meal point or elders' canteen"),
    ("happiness_house", "农村幸福院", "Rural happiness house"),
    ("county_nursing_home", "县级失能照护机构", "County nursing home"),
    ("medical_care", "医养结合机构", "Combined medical-care institution"),
])

OPERATORS = CodeList("运营主体", [
    ("public", "公办公营", "Publicly run"),
    ("public_private", "公建民营", "Publicly built, privately run"),
    ("private", "民办", "Private"),
])

SERVICES = CodeList("养老服务项目", [
    ("full_time_care", "全日托养", "Full-time residential care"),
    ("day_care", "日间照料", "Day care"),
    ("home_visit", "上门服务", "Home visits"),
    ("regional_coordination", "区域协调指导", "Regional coordination and guidance"),
    ("meal", "助餐", "Meals"),
    ("bathing", "助浴", "Bathing"),
    ("cleaning", "助洁", "Cleaning"),
    ("mobility", "助行", "Mobility help"),
    ("medical", "助医", "Medical help"),
    ("emergency", "紧急救援", "Emergency help"),
    ("companionship", "精神慰藉", "Emotional support"),
    ("caring_visit", "探访关爱", "Caring visits"),
    ("disability_care", "失能照护", "Care of disabled elders"),
    ("rehabilitation", "康复护理", "Rehabilitation nursing"),
    ("health_advice", "健康咨询", "Health advice"),
    ("recreation", "文体活动", "Recreation"),
])
"""Services named by the plan (专栏1 and §(三)1–2: 助餐、助浴、助急、助医、助行、助洁, 紧急救援, 精神慰藉 …)."""

SERVICE_ALIASES = {
    "全托": "full_time_care", "全日托": "full_time_care", "日托": "day_care", "上门": "home_visit",
    "区域统筹": "regional_coordination", "区域协调": "regional_coordination", "老年助餐": "meal",
    "长者食堂": "meal", "助急": "emergency", "探访": "caring_visit", "生活照料": "day_care",
}
"""Other spellings the plan and county registers use for a service, read as its code."""

COMPREHENSIVE_SERVICES = ("full_time_care", "day_care", "home_visit", "regional_coordination")
"""The "综合功能" of 专栏1 and §(五)3: 全托(全日托养)、日托(日间照料)、上门服务、区域协调指导."""

STATION_TYPES = ("community_station",)
"""Facilities that serve the 700 m radius of 专栏1 (居家养老服务站(点))."""

INSTITUTION_TYPES = ("street_centre", "demonstration", "township_centre", "institution", "county_nursing_home",
                     "medical_care")
"""Facilities whose beds count as 养老机构 beds in table 2's nursing-bed share (护理型床位/养老机构总床位)."""

_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


def normalise_services(value: object) -> str:
    """Services as codes, in code-list order, comma-separated; Chinese labels and aliases are read as codes.

    Unknown words are kept, so :func:`services_problem` can name them instead of dropping them.
    """
    labels = {c.zh: c.code for c in SERVICES} | SERVICE_ALIASES
    found: list[str] = []
    for word in _SEPARATORS.split(str(value).strip()):
        if word:
            code = word.lower() if word.lower() in SERVICES else labels.get(word, word)
            if code not in found:
                found.append(code)
    order = {code: i for i, code in enumerate(SERVICES.values())}
    return ",".join(sorted(found, key=lambda c: order.get(c, len(order))))


def services_problem(value: object) -> str | None:
    unknown = [word for word in str(value).split(",") if word not in SERVICES]
    if unknown:
        allowed = "、".join(f"{c.code}({c.zh})" for c in SERVICES)
        return f"未知服务项目 {'、'.join(unknown)} / unknown service(s) {', '.join(unknown)}; allowed: {allowed}"
    return None


def service_codes(value: str | None) -> list[str]:
    """The codes of a stored ``services`` value."""
    return [code for code in (value or "").split(",") if code]


class EldercareFacility(Feature):
    __tablename__ = "eldercare_facilities"
    __layer__ = LayerMeta(name="eldercare_facilities", county_from_geometry=True,
                          department="civil_affairs",
                          service_radius_m=700.0, service_features=("facility_type", STATION_TYPES),
                          title_zh="养老服务设施", title_en="Eldercare facilities",
                          geometry_type="POINT", label_field="name", style_field="facility_type",
                          popup_fields=("name", "facility_type", "operator_type", "street", "beds",
                                        "is_demonstration"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    facility_type: Mapped[str] = code_attr(FACILITY_TYPES, zh="设施类型", en="Facility type", required=True)
    operator_type: Mapped[str | None] = code_attr(OPERATORS, zh="运营主体", en="Operator type")
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    street: Mapped[str | None] = attr(String(120), zh="街道(乡镇)", en="Street or township")
    community: Mapped[str | None] = attr(String(120), zh="社区", en="Community")
    services: Mapped[str | None] = attr(String(300), zh="服务项目(代码)", en="Services (codes)",
                                        normalise=normalise_services, check=services_problem)
    beds: Mapped[int | None] = attr(Integer, zh="床位数", en="Beds", minimum=0)
    nursing_beds: Mapped[int | None] = attr(Integer, zh="护理型床位数", en="Nursing-type beds", minimum=0)
    capacity: Mapped[int | None] = attr(Integer, zh="服务容量(人/日)", en="Capacity (persons a day)", minimum=0)
    is_demonstration: Mapped[bool | None] = attr(Boolean, zh="示范性居家社区养老服务机构",
                                                 en="Demonstration institution")
    opened_on: Mapped[date | None] = attr(Date, zh="开业日期", en="Opened on")
    geom = geometry_column("POINT")
