"""Industrial standard land (标准地): plots sold with "2+X" control indicators (闽政办〔2022〕45号).

The life-cycle, indicator standards and checks are filled in by the standard-land issue; here the
plot and its core attributes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Numeric, String
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, area_column, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code

DEPARTMENT = "natural_resources"
"""The role that edits this area's layers (registry.accounts)."""

PLOT_STATUS = CodeList("标准地状态", [
    ("reserved", "储备", "Reserved"),
    ("listed", "挂牌", "Listed"),
    ("sold", "已出让", "Sold"),
    ("under_construction", "在建", "Under construction"),
    ("completed", "竣工验收", "Completed"),
    ("production_reviewed", "达产复核", "Production reviewed"),
    ("in_breach", "违约", "In breach"),
    ("disposed", "已处置", "Disposed"),
])


class StandardLandPlot(Feature):
    __tablename__ = "standard_land_plots"
    __layer__ = LayerMeta(name="standard_land_plots", title_zh="工业标准地", title_en="Standard land plots",
                          geometry_type="MULTIPOLYGON", label_field="name", style_field="status", has_area=True,
                          popup_fields=("plot_code", "name", "status", "industry_code",
                                        "investment_intensity", "floor_area_ratio", "area_ha"))

    plot_code: Mapped[str] = attr(String(60), zh="地块编号", en="Plot code", required=True)
    name: Mapped[str] = attr(String(200), zh="地块名称", en="Plot name", required=True)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    development_zone: Mapped[str | None] = attr(String(200), zh="所在开发区", en="Development zone")
    industry_code: Mapped[str | None] = attr(String(2), zh="行业代码(两位)", en="Industry code (2-digit)",
                                             pattern=r"\d{2}")
    planned_use: Mapped[str | None] = attr(String(80), zh="规划用途", en="Planned use")
    status: Mapped[str] = code_attr(PLOT_STATUS, zh="状态", en="Status", required=True)
    listed_on: Mapped[date | None] = attr(Date, zh="挂牌日期", en="Listed on")
    enterprise: Mapped[str | None] = attr(String(200), zh="竞得企业", en="Enterprise", public=False)
    investment_intensity: Mapped[Decimal | None] = attr(
        Numeric(12, 2), zh="固定资产投资强度(万元/亩)", en="Investment intensity (10k CNY/mu)", minimum=0)
    floor_area_ratio: Mapped[Decimal | None] = attr(Numeric(6, 2), zh="容积率", en="Floor-area ratio",
                                                    minimum=0, maximum=20)
    geom = geometry_column("MULTIPOLYGON")
    area_ha: Mapped[Decimal | None] = area_column()
