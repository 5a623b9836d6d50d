"""Residential areas with their elderly population: eldercare coverage is measured on people."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped

from layers.base import Feature, LayerMeta, area_column, attr, geometry_column
from layers.codes import fujian_admin_code


class ResidentialArea(Feature):
    __tablename__ = "residential_areas"
    __layer__ = LayerMeta(name="residential_areas", title_zh="居住区", title_en="Residential areas",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="name",
                          has_area=True, popup_fields=("name", "community", "street", "elderly_population"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    community: Mapped[str | None] = attr(String(120), zh="社区", en="Community")
    street: Mapped[str | None] = attr(String(120), zh="街道(乡镇)", en="Street or township")
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    population: Mapped[int | None] = attr(Integer, zh="常住人口", en="Residents", minimum=0)
    elderly_population: Mapped[int] = attr(Integer, zh="60岁及以上老年人口", en="Residents aged 60+",
                                           required=True, minimum=0)
    geom = geometry_column("MULTIPOLYGON")
    area_ha: Mapped[Decimal | None] = area_column()
