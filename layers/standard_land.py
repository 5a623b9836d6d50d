"""Industrial standard land (工业用地“标准地”, 闽政办〔2022〕45号): plots, their "2+X" indicators, the
indicator standards they are held to, and the plot's life from listing to production review.

"事前定标准、事中作承诺、事后强监管": a county or development zone publishes standards per industry
(``indicator_standards``, versioned by effective dates); a plot is listed as net land (净地) with its
control indicators (committed values in ``standard_land_values``); the land contract and the
performance-supervision agreement (履约监管协议) are signed together; completion acceptance and the
production review (达产复核) measure the indicators again. The life-cycle rules are declared here as
data (:data:`EVENTS`, :data:`MAIN_STAGES`); ``analysis.standard_land.rules`` turns them into the SQL
that both the write path and the checks apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, Index, Numeric, String, text
from sqlalchemy.orm import Mapped

from layers.base import CodeList, Feature, LayerMeta, Reference, area_column, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code

MU_PER_HA = 15
"""1 ha = 15 mu (DOMAIN.md §1). Areas are stored once, in hectares; mu are always derived."""

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

INDICATORS = CodeList("标准地控制性指标", [
    ("investment_intensity", "固定资产投资强度", "Fixed-asset investment intensity"),
    ("floor_area_ratio", "用地容积率", "Floor-area ratio"),
    ("land_scale", "用地规模", "Land scale"),
    ("energy_per_unit", "单位能耗", "Energy use per unit of output"),
    ("total_emissions", "排放总量", "Total emissions"),
    ("output_per_mu", "亩均产值", "Output per mu"),
    ("tax_per_mu", "亩均税收", "Tax per mu"),
    ("rd_input", "科研投入", "R&D input"),
])
"""The "2+X" of 闽政办〔2022〕45号 §二(二): the 2 trunk indicators first, then the X."""

STAGES = CodeList("指标值阶段", [
    ("committed", "承诺值(出让公告与履约监管协议)", "Committed (listing notice and supervision agreement)"),
    ("completion", "竣工验收实测值", "Measured at completion acceptance"),
    ("production_review", "达产复核实测值", "Measured at the production review"),
])


@dataclass(frozen=True)
class IndicatorSpec:
    """How one indicator is read: its unit, which way is better, and when it is measured.

    The seed names the indicators but not their units or directions; these are the usual ones of
    the standard-land practice (a minimum for investment, density and yield, a maximum for energy,
    emissions and land take) and are kept here, in one place, so a check and a page never disagree.
    """

    unit_zh: str
    unit_en: str
    direction: str
    """``min``: the value must reach the standard; ``max``: it must not exceed it."""
    mandatory: bool
    """One of the 2 trunk indicators every standard-land plot carries."""
    measured_at: str
    """The stage whose measurement shows whether the commitment was kept."""


INDICATOR_SPECS: dict[str, IndicatorSpec] = {
    "investment_intensity": IndicatorSpec("万元/亩", "10k CNY/mu", "min", True, "completion"),
    "floor_area_ratio": IndicatorSpec("", "", "min", True, "completion"),
    "land_scale": IndicatorSpec("亩", "mu", "max", False, "completion"),
    "energy_per_unit": IndicatorSpec("吨标准煤/万元", "t coal equivalent per 10k CNY", "max", False,
                                     "production_review"),
    "total_emissions": IndicatorSpec("吨/年", "t/year", "max", False, "production_review"),
    "output_per_mu": IndicatorSpec("万元/亩", "10k CNY/mu", "min", False, "production_review"),
    "tax_per_mu": IndicatorSpec("万元/亩", "10k CNY/mu", "min", False, "production_review"),
    "rd_input": IndicatorSpec("%(占营业收入)", "% of revenue", "min", False, "production_review"),
}

VALUE_MAX = 9_999_999_999
"""What a value column (14 digits, 4 of them decimals) can hold."""

# --------------------------------------------------------------------------- the life cycle as data

MAIN_STAGES: tuple[tuple[str, str], ...] = (
    ("listed", "listed_on"),
    ("sold", "contract_signed_on"),
    ("under_construction", "construction_started_on"),
    ("completed", "completed_on"),
    ("production_reviewed", "production_reviewed_on"),
)
"""The statuses a plot passes in order, each with the date that starts it."""

SIGNED_TOGETHER = ("contract_signed_on", "agreement_signed_on")
"""The land contract and the performance-supervision agreement are signed on one day (§二(四))."""

BREACH_DATE, DISPOSAL_DATE = "breach_found_on", "disposed_on"
BREACH_STATUSES = ("in_breach", "disposed")


@dataclass(frozen=True)
class Event:
    """One step of a plot's life: from which statuses, to which, and the dates it sets."""

    zh: str
    en: str
    from_statuses: tuple[str, ...]
    to_status: str | None
    """None for rectification: the plot returns to the stage it had reached."""
    dates: tuple[str, ...]


EVENTS: dict[str, Event] = {
    "list": Event("挂牌出让", "List the plot", ("reserved",), "listed", ("listed_on",)),
    "sign": Event("同步签订出让合同和履约监管协议", "Sign the land contract and the supervision agreement",
                  ("listed",), "sold", SIGNED_TOGETHER),
    "start": Event("开工建设", "Start construction", ("sold",), "under_construction", ("construction_started_on",)),
    "complete": Event("竣工验收", "Completion acceptance", ("under_construction",), "completed", ("completed_on",)),
    "review": Event("达产复核", "Production review", ("completed",), "production_reviewed",
                    ("production_reviewed_on",)),
    "breach": Event("认定违约", "Find a breach", ("sold", "under_construction", "completed", "production_reviewed"),
                    "in_breach", (BREACH_DATE,)),
    "rectify": Event("整改到位", "Breach rectified", ("in_breach",), None, ()),
    "dispose": Event("依约处置", "Dispose under the agreement", ("in_breach",), "disposed", (DISPOSAL_DATE,)),
}

READINESS_FLAGS = ("ready_title", "ready_compensation", "ready_no_dispute", "ready_water", "ready_power",
                   "ready_road", "ready_levelling")
"""Net-land (净地) conditions of §二(三) recorded as yes/no by the office."""

PLANNING_CONDITIONS = ("planned_use", "planning_far_min")
"""Attributes whose presence makes the planning conditions "defined" (位置、使用性质、容积率): the
location is the geometry, so use and floor-area ratio remain; derived, never ticked separately."""


class StandardLandPlot(Feature):
    __tablename__ = "standard_land_plots"
    __layer__ = LayerMeta(name="standard_land_plots", county_from_geometry=True,
                          department="natural_resources",
                          title_zh="工业标准地", title_en="Standard land plots",
                          geometry_type="MULTIPOLYGON", label_field="name", style_field="status", has_area=True,
                          popup_fields=("plot_code", "name", "status", "development_zone", "industry_code",
                                        "planned_use", "listed_on", "area_ha"))

    plot_code: Mapped[str] = attr(String(60), zh="地块编号", en="Plot code", required=True)
    name: Mapped[str] = attr(String(200), zh="地块名称", en="Plot name", required=True)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    development_zone: Mapped[str | None] = attr(String(200), zh="所在开发区", en="Development zone")
    industry_code: Mapped[str | None] = attr(String(2), zh="行业代码(两位)", en="Industry code (2-digit)",
                                             pattern=r"\d{2}")
    planned_use: Mapped[str | None] = attr(String(80), zh="规划用途", en="Planned use")
    planning_far_min: Mapped[Decimal | None] = attr(Numeric(6, 2), zh="规划容积率下限", en="Planned FAR minimum",
                                                    minimum=0, maximum=20)
    planning_far_max: Mapped[Decimal | None] = attr(Numeric(6, 2), zh="规划容积率上限", en="Planned FAR maximum",
                                                    minimum=0, maximum=20)
    ready_title: Mapped[bool | None] = attr(Boolean, zh="土地权利清晰", en="Clear title")
    ready_compensation: Mapped[bool | None] = attr(Boolean, zh="安置补偿落实到位", en="Compensation settled")
    ready_no_dispute: Mapped[bool | None] = attr(Boolean, zh="无法律经济纠纷", en="No legal or economic dispute")
    ready_water: Mapped[bool | None] = attr(Boolean, zh="通水", en="Water connected")
    ready_power: Mapped[bool | None] = attr(Boolean, zh="通电", en="Power connected")
    ready_road: Mapped[bool | None] = attr(Boolean, zh="通路", en="Road access")
    ready_levelling: Mapped[bool | None] = attr(Boolean, zh="场地平整", en="Site levelled")
    status: Mapped[str] = code_attr(PLOT_STATUS, zh="状态", en="Status", required=True)
    listed_on: Mapped[date | None] = attr(Date, zh="挂牌日期", en="Listed on")
    enterprise: Mapped[str | None] = attr(String(200), zh="竞得企业", en="Enterprise", public=False)
    contract_signed_on: Mapped[date | None] = attr(Date, zh="出让合同签订日期", en="Land contract signed on")
    agreement_signed_on: Mapped[date | None] = attr(Date, zh="履约监管协议签订日期",
                                                    en="Supervision agreement signed on")
    construction_started_on: Mapped[date | None] = attr(Date, zh="开工日期", en="Construction started on")
    completed_on: Mapped[date | None] = attr(Date, zh="竣工验收日期", en="Completion accepted on")
    production_reviewed_on: Mapped[date | None] = attr(Date, zh="达产复核日期", en="Production reviewed on")
    breach_found_on: Mapped[date | None] = attr(Date, zh="违约认定日期", en="Breach found on")
    breach_reason: Mapped[str | None] = attr(String(300), zh="违约情形", en="Breach")
    disposed_on: Mapped[date | None] = attr(Date, zh="处置日期", en="Disposed on")
    geom = geometry_column("MULTIPOLYGON")
    area_ha: Mapped[Decimal | None] = area_column()


class IndicatorStandard(Feature):
    """One published value of one indicator, for one industry, in one county or development zone, for a period.

    A zone's standard applies before its county's; a later version takes over from its
    ``effective_from`` (§二(二): set "不低于国家和省相关规定" and "根据实际动态调整").
    """

    __tablename__ = "indicator_standards"
    __layer__ = LayerMeta(name="indicator_standards", department="natural_resources",
                          title_zh="标准地控制性指标标准",
                          title_en="Standard-land indicator standards", label_field="indicator",
                          popup_fields=("county_code", "development_zone", "industry_code", "indicator", "value",
                                        "effective_from", "effective_to"))

    county_code: Mapped[str] = attr(String(12), zh="发布县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    development_zone: Mapped[str | None] = attr(String(200), zh="开发区(空为全县)",
                                                en="Development zone (empty: whole county)")
    industry_code: Mapped[str] = attr(String(2), zh="行业代码(两位)", en="Industry code (2-digit)", required=True,
                                      pattern=r"\d{2}")
    indicator: Mapped[str] = code_attr(INDICATORS, zh="指标", en="Indicator", required=True)
    value: Mapped[Decimal] = attr(Numeric(14, 4), zh="标准值", en="Standard value", required=True, minimum=0,
                                  maximum=VALUE_MAX)
    effective_from: Mapped[date] = attr(Date, zh="施行日期", en="Effective from", required=True)
    effective_to: Mapped[date | None] = attr(Date, zh="失效日期(含)", en="Effective to (inclusive)")
    doc_number: Mapped[str | None] = attr(String(120), zh="发布文件", en="Published in")


class StandardLandValue(Feature):
    """A plot's value of one indicator at one stage: committed, or measured at completion or review."""

    __tablename__ = "standard_land_values"
    __layer__ = LayerMeta(name="standard_land_values", references=(Reference("plot_fid", "standard_land_plots"),),
                          department="natural_resources",
                          title_zh="标准地指标值",
                          title_en="Standard-land indicator values", label_field="indicator",
                          popup_fields=("plot_fid", "indicator", "stage", "value"))
    __extra_table_args__ = (
        # One current value per plot, indicator and stage, held by the database itself.
        Index("ux_standard_land_values_current_key", "plot_fid", "indicator", "stage", unique=True,
              postgresql_where=text("valid_to IS NULL")),
    )

    plot_fid: Mapped[int] = attr(BigInteger, zh="地块(fid)", en="Plot (fid)", required=True, minimum=1,
                                 maximum=2**63 - 1)
    indicator: Mapped[str] = code_attr(INDICATORS, zh="指标", en="Indicator", required=True)
    stage: Mapped[str] = code_attr(STAGES, zh="阶段", en="Stage", required=True)
    value: Mapped[Decimal] = attr(Numeric(14, 4), zh="数值", en="Value", required=True, minimum=0,
                                  maximum=VALUE_MAX)
    measured_on: Mapped[date | None] = attr(Date, zh="测定日期", en="Measured on")
    note: Mapped[str | None] = attr(String(300), zh="备注", en="Note")
