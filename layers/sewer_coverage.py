"""Areas served by the sewer network: domestic outfalls inside them must connect (清理合并)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped

from layers.base import Feature, LayerMeta, attr, geometry_column


class SewerCoverage(Feature):
    __tablename__ = "sewer_coverage"
    __layer__ = LayerMeta(name="sewer_coverage", title_zh="污水管网覆盖范围", title_en="Sewer network coverage",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="name",
                          popup_fields=("name", "plant_name"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    plant_name: Mapped[str | None] = attr(String(200), zh="污水处理厂", en="Treatment plant")
    geom = geometry_column("MULTIPOLYGON")
