"""Industrial parks: outfalls of enterprises inside a park go to the park's treatment plant."""

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped

from layers.base import Feature, LayerMeta, attr, geometry_column


class IndustrialPark(Feature):
    __tablename__ = "industrial_parks"
    __layer__ = LayerMeta(name="industrial_parks", title_zh="工业园区", title_en="Industrial parks",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="name",
                          popup_fields=("name", "plant_name", "has_central_plant"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    has_central_plant: Mapped[bool | None] = attr(Boolean, zh="有集中污水处理设施", en="Has central plant")
    plant_name: Mapped[str | None] = attr(String(200), zh="园区污水处理厂", en="Park treatment plant")
    geom = geometry_column("MULTIPOLYGON")
