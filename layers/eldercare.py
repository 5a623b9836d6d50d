"""Eldercare facilities (居家社区养老服务设施); community stations serve a radius under 700 m."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code

DEPARTMENT = "civil_affairs"
"""The role that edits this area's layers (registry.accounts)."""

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


class EldercareFacility(Feature):
    __tablename__ = "eldercare_facilities"
    __layer__ = LayerMeta(name="eldercare_facilities", title_zh="养老服务设施", title_en="Eldercare facilities",
                          geometry_type="POINT", label_field="name", style_field="facility_type",
                          popup_fields=("name", "facility_type", "operator_type", "street", "beds"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    facility_type: Mapped[str] = code_attr(FACILITY_TYPES, zh="设施类型", en="Facility type", required=True)
    operator_type: Mapped[str | None] = code_attr(OPERATORS, zh="运营主体", en="Operator type")
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    street: Mapped[str | None] = attr(String(120), zh="街道(乡镇)", en="Street or township")
    community: Mapped[str | None] = attr(String(120), zh="社区", en="Community")
    services: Mapped[str | None] = attr(String(300), zh="服务内容", en="Services")
    beds: Mapped[int | None] = attr(Integer, zh="床位数", en="Beds", minimum=0)
    nursing_beds: Mapped[int | None] = attr(Integer, zh="护理型床位数", en="Nursing-type beds", minimum=0)
    opened_on: Mapped[date | None] = attr(Date, zh="开业日期", en="Opened on")
    geom = geometry_column("POINT")
