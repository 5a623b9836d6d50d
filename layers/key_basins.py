"""Key basins, bays and model bays of the outfall plan (闽政办〔2022〕43号 annex 1)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, attr, code_attr, geometry_column

BASIN_KINDS = CodeList("重点流域海域类型", [
    ("basin", "重点流域", "Key river basin"),
    ("bay", "重点海湾", "Key bay"),
    ("model_bay", "美丽海湾", "Model bay"),
])


class KeyBasin(Feature):
    __tablename__ = "key_basins"
    __layer__ = LayerMeta(name="key_basins", title_zh="重点流域与海湾", title_en="Key basins and bays",
                          kind="reference", geometry_type="MULTIPOLYGON", label_field="name",
                          style_field="kind", popup_fields=("name", "kind"))

    name: Mapped[str] = attr(String(200), zh="名称", en="Name", required=True)
    kind: Mapped[str] = code_attr(BASIN_KINDS, zh="类型", en="Kind", required=True)
    geom = geometry_column("MULTIPOLYGON")
