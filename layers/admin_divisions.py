"""Administrative divisions (GB/T 2260) with their validity period: codes change over time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code

LEVELS = CodeList("行政级别", [
    ("province", "省", "Province"),
    ("city", "设区市", "Prefecture-level city"),
    ("county", "县(市、区)", "County-level unit"),
    ("township", "乡镇(街道)", "Township or street"),
])


class AdminDivision(Feature):
    __tablename__ = "admin_divisions"
    __layer__ = LayerMeta(name="admin_divisions", max_vertices=1_000_000,
                          title_zh="行政区划", title_en="Administrative divisions",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="name",
                          style_field="level", popup_fields=("code", "name", "level", "parent_code"))

    code: Mapped[str] = attr(String(12), zh="行政区划代码", en="Division code", required=True,
                             check=fujian_admin_code)
    name: Mapped[str] = attr(String(80), zh="名称", en="Name", required=True)
    level: Mapped[str] = code_attr(LEVELS, zh="级别", en="Level", required=True)
    parent_code: Mapped[str | None] = attr(String(12), zh="上级代码", en="Parent code")
    valid_since: Mapped[date | None] = attr(Date, zh="启用日期", en="Valid since")
    valid_until: Mapped[date | None] = attr(Date, zh="停用日期", en="Valid until")
    geom = geometry_column("MULTIPOLYGON")
