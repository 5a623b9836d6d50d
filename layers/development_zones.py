"""Development zones (开发区) with their level and four-boundary extent (四至范围)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, area_column, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code

ZONE_LEVELS = CodeList("开发区级别", [
    ("national", "国家级", "National"),
    ("provincial", "省级", "Provincial"),
    ("other", "其他", "Other"),
])


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
