"""Urban development boundary (城镇开发边界) and its zones; zone plans must lie in the 集中建设区."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, area_column, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code

ZONE_KINDS = CodeList("城镇开发边界分区", [
    ("boundary", "城镇开发边界", "Urban development boundary"),
    ("concentrated", "城镇集中建设区", "Concentrated construction area"),
    ("flexible", "城镇弹性发展区", "Flexible development area"),
    ("special", "特别用途区", "Special-use area"),
])


class UrbanBoundary(Feature):
    __tablename__ = "urban_boundaries"
    __layer__ = LayerMeta(name="urban_boundaries", title_zh="城镇开发边界", title_en="Urban development boundary",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="name",
                          style_field="zone_kind", has_area=True, popup_fields=("name", "zone_kind", "area_ha"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    zone_kind: Mapped[str] = code_attr(ZONE_KINDS, zh="分区", en="Zone kind", required=True)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    geom = geometry_column("MULTIPOLYGON")
    area_ha: Mapped[Decimal | None] = area_column()
