"""Development zones (开发区) with their level and four-boundary extent (四至范围), and the regional
assessments (区域评估) done for a zone as a whole or for part of it.

闽政办〔2022〕45号 §二(一): for zones of provincial level and above, the county or the zone's
administration completes six assessments "对省级以上开发区整体或分区域" and publishes them; standard
land is only sold where they are done. An assessment therefore has its own extent: it covers a plot
only where its polygon does.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, area_column, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code

ZONE_LEVELS = CodeList("开发区级别", [
    ("national", "国家级", "National"),
    ("provincial", "省级", "Provincial"),
    ("other", "其他", "Other"),
])

PROVINCIAL_OR_HIGHER = ("national", "provincial")
"""Levels that count as "省级以上(含省级)" in 闽政办〔2022〕45号."""

ASSESSMENT_KINDS = CodeList("区域评估事项", [
    ("environmental_impact", "环境影响评价", "Environmental impact assessment"),
    ("energy", "节能评估", "Energy-saving assessment"),
    ("water_resources", "水资源论证", "Water-resources assessment"),
    ("mineral_overlay", "压覆重要矿产资源评估", "Assessment of overlying important mineral resources"),
    ("geological_hazard", "地质灾害危险性评估", "Geological-hazard risk assessment"),
    ("soil_pollution", "土壤污染状况调查评估", "Soil-pollution survey and assessment"),
])
"""The six assessments of 闽政办〔2022〕45号 §二(一), in its order."""


class DevelopmentZone(Feature):
    __tablename__ = "development_zones"
    __layer__ = LayerMeta(name="development_zones", title_zh="开发区", title_en="Development zones",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="name",
                          style_field="level", has_area=True, popup_fields=("name", "level", "area_ha"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    level: Mapped[str] = code_attr(ZONE_LEVELS, zh="级别", en="Level", required=True)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    geom = geometry_column("MULTIPOLYGON")
    area_ha: Mapped[Decimal | None] = area_column()


class RegionalAssessment(Feature):
    __tablename__ = "regional_assessments"
    __layer__ = LayerMeta(name="regional_assessments", title_zh="开发区区域评估", title_en="Regional assessments",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="title",
                          style_field="assessment_kind", has_area=True,
                          popup_fields=("development_zone", "assessment_kind", "title", "completed_on",
                                        "published", "area_ha"))

    development_zone: Mapped[str] = attr(String(200), zh="开发区", en="Development zone", required=True)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    assessment_kind: Mapped[str] = code_attr(ASSESSMENT_KINDS, zh="评估事项", en="Assessment", required=True)
    title: Mapped[str | None] = attr(String(300), zh="成果名称", en="Title")
    completed_on: Mapped[date | None] = attr(Date, zh="完成日期", en="Completed on")
    published: Mapped[bool | None] = attr(Boolean, zh="已向社会公开", en="Published")
    geom = geometry_column("MULTIPOLYGON")
    """The area assessed: the whole zone or the part of it the assessment covers."""
    area_ha: Mapped[Decimal | None] = area_column()
