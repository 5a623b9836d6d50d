"""Protected zones: the areas where outfalls are banned and land approvals must be reviewed."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, area_column, attr, code_attr, geometry_column

ZONE_TYPES = CodeList("保护区类型", [
    ("drinking_water_source", "饮用水水源保护区", "Drinking-water source protection zone"),
    ("nature_reserve", "自然保护地", "Nature reserve or other protected area"),
    ("special_marine", "海洋特别保护区", "Special marine protection area"),
    ("aquatic_germplasm", "水产种质资源保护区", "Aquatic germplasm reserve"),
    ("salt_field", "盐场保护区", "Salt-field protection area"),
    ("bathing_beach", "海水浴场", "Bathing beach"),
    ("coastal_scenic", "重要滨海风景名胜区", "Coastal scenic area"),
    ("fishery_water", "重要渔业水域", "Important fishery water"),
    ("ecological_red_line", "生态保护红线", "Ecological protection red line"),
    ("permanent_farmland", "永久基本农田", "Permanent basic farmland"),
])

OUTFALL_BANNED = ("drinking_water_source", "nature_reserve", "special_marine", "aquatic_germplasm",
                  "salt_field", "bathing_beach", "coastal_scenic", "fishery_water")
"""Zone types where an outfall must be removed (闽政办〔2022〕43号)."""


class ProtectedZone(Feature):
    __tablename__ = "protected_zones"
    __layer__ = LayerMeta(name="protected_zones", max_vertices=1_000_000,
                          title_zh="保护区与管控线", title_en="Protected zones",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="name",
                          style_field="zone_type", has_area=True, popup_fields=("name", "zone_type", "area_ha"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    zone_type: Mapped[str] = code_attr(ZONE_TYPES, zh="类型", en="Zone type", required=True)
    county_code: Mapped[str | None] = attr(String(12), zh="所在县区代码", en="County code")
    geom = geometry_column("MULTIPOLYGON")
    area_ha: Mapped[Decimal | None] = area_column()
