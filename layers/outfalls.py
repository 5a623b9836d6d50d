"""River and sea outfalls (入河入海排污口), classified by annex 2 of 闽政办〔2022〕43号, with their monitoring
samples, the roster of inspectors and the stored random inspection draws (双随机).

What the plan fixes is data here, in one place: the classes and subclasses of annex 2, the discharge
standards annex 2 lets each kind of outfall apply (with the industry's order of precedence), the approval
mode of §7 (review for river outfalls of industry and plants, filing for every sea outfall) as a column
the database derives, and the regularisation items of annex 2's 总体要求. Limit values and deadlines are
configuration (analysis/outfalls/config.py): the seed does not print them.

Discharging units: an outfall records one discharging unit (its name and credit code), a flag when
several units share it, and the date the city bureau was told that the unit keeps more than one outfall.
The plan's rules work on that: "one unit, one outfall unless the city bureau is told" groups outfalls by
the unit's credit code; "one outfall, one unit" is the aim (推动一个排污口只对应一个排污单位), and where
sharing remains the responsibilities are written in each unit's discharge permit, not in this registry.
A child layer of units would duplicate the permit register for the exception, so the flag is enough.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import AttrRule, Base, Code, CodeList, Feature, LayerMeta, Reference, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code, uscc_problem

OUTFALL_CLASSES = CodeList("排污口分类(一级)", [
    ("industrial", "工业排污口", "Industrial outfall"),
    ("municipal_plant", "城镇污水处理厂排污口", "Municipal treatment plant outfall"),
    ("agricultural", "农业排口", "Agricultural outlet"),
    ("other", "其他排口", "Other outlet"),
])

OUTFALL_SUBCLASSES = CodeList("排污口分类(二级)", [
    Code("industrial_enterprise", "工矿企业排污口", "Industrial or mining enterprise outfall", "industrial"),
    # §7 of the plan names the outfalls of park treatment plants beside those of enterprises; annex 2's
    # table lists only 工矿企业排污口 under 工业排污口, so the park plants are the industrial class's second entry.
    Code("park_plant", "工业及其他各类园区污水处理厂排污口", "Industrial park treatment plant outfall", "industrial"),
    Code("municipal_plant", "城镇污水处理厂排污口", "Municipal treatment plant outfall", "municipal_plant"),
    Code("livestock_large", "规模化畜禽养殖排污口", "Large-scale livestock farm outlet", "agricultural"),
    Code("aquaculture_large", "规模化水产养殖排污口", "Large-scale aquaculture outlet", "agricultural"),
    Code("irrigation", "大中型灌区排口", "Large or medium irrigation district outlet", "other"),
    Code("port", "港口码头排污口", "Port or wharf outfall", "other"),
    Code("livestock_small", "规模以下畜禽养殖排污口", "Small livestock farm outlet", "other"),
    Code("aquaculture_small", "规模以下水产养殖排污口", "Small aquaculture outlet", "other"),
    Code("urban_domestic", "城镇生活污水散排口", "Scattered urban domestic sewage outlet", "other"),
    Code("rural_plant", "农村污水处理设施排污口", "Rural sewage treatment facility outfall", "other"),
    Code("rural_domestic", "农村生活污水散排口", "Scattered rural domestic sewage outlet", "other"),
    Code("ditch", "入河入海沟渠", "Ditch or channel into a river or the sea", "other"),
])

DOMESTIC_SUBCLASSES = ("urban_domestic", "rural_domestic")
"""Scattered domestic outlets: inside sewer coverage they are merged into the network (清理合并)."""

RECEIVING = CodeList("排入水体类型", [
    ("river", "入河", "Into a river or lake"),
    ("sea", "入海", "Into the sea"),
])

STATUS = CodeList("排污口工作进度", [
    ("surveyed", "已排查", "Surveyed"),
    ("sampled", "已监测", "Sampled"),
    ("traced", "已溯源", "Traced"),
    ("decided", "已定整治类型", "Remediation decided"),
    ("remediated", "已整治", "Remediated"),
])
"""The stages in the order the plan runs them: 排查 → 监测 → 溯源 → 确定整治类型 → 整治."""

STATUS_DATES: dict[str, str] = {"surveyed": "surveyed_on", "sampled": "sampled_on", "traced": "traced_on",
                                "decided": "decided_on", "remediated": "remediated_on"}
"""Each stage and the attribute holding the day it was reached, in stage order."""

TRACED_OR_LATER = ("traced", "decided", "remediated")

DECISIONS = CodeList("整治类型", [
    ("remove", "取缔", "Remove"),
    ("merge", "清理合并", "Merge"),
    ("regularise", "规范整治", "Regularise"),
    ("keep", "保留", "Keep"),
])

RETAINED = ("regularise", "keep")
"""Decisions under which the outfall stays and must meet annex 2's 开口子、立牌子、树杆子."""

APPROVAL_MODES = CodeList("设置审批方式", [
    ("review", "审核制", "Review (approval)"),
    ("filing", "备案制", "Filing"),
    ("none", "本方案未要求审核或备案", "Neither (not required by the plan)"),
])

APPROVAL_MODE_SQL = ("CASE WHEN receiving_kind = 'sea' THEN 'filing' "
                     "WHEN outfall_class IN ('industrial', 'municipal_plant') THEN 'review' ELSE 'none' END")
"""§7: 工矿企业、工业园区污水处理厂、城镇污水处理厂入河排污口实行审核制;所有入海排污口实行备案制.
Derived by the database from the receiving water and the class, so it can never disagree with them."""

SAMPLING_FACILITIES = CodeList("采样设施", [
    ("sampling_well", "取样井", "Sampling well"),
    ("open_channel", "明渠段", "Open channel section"),
])

REGULARISATION_ITEMS = CodeList("规范化建设内容", [
    ("sign_board", "标志牌(立牌子)", "Sign board"),
    ("sampling_facility", "取样井或明渠段(开口子)", "Sampling well or open channel"),
    ("online_monitoring", "在线计量监测(树杆子)", "Online metering and monitoring"),
    ("video", "视频监控(树杆子)", "Video surveillance"),
])
"""Annex 2, 总体要求 3: every retained outfall gets the first two; large industrial and municipal-plant
outfalls the last two as well."""

# --------------------------------------------------------------------------- discharge standards (annex 2)

STANDARDS = CodeList("执行标准", [
    ("eia_approval", "环评及其批复确定的标准", "Standard set by the EIA and its approval"),
    ("local", "地方排放标准", "Local discharge standard"),
    ("national_industry", "国家行业排放标准", "National industry discharge standard"),
    ("gb8978", "《污水综合排放标准》(GB 8978)", "Integrated wastewater discharge standard (GB 8978)"),
    ("gb18918_1a", "GB 18918-2002 一级A标准", "GB 18918-2002 class 1-A"),
    ("locally_determined", "因地制宜确定的排放标准(非水环境敏感地区)",
     "Standard determined locally (outside water-sensitive areas)"),
    ("gb18596", "《畜禽养殖业污染物排放标准》(GB 18596-2001)", "Livestock discharge standard (GB 18596-2001)"),
    ("gb5084_2005", "《农田灌溉水质标准》(GB 5084-2005)", "Irrigation water quality (GB 5084-2005)"),
    ("gb5084_2021", "《农田灌溉水质标准》(GB 5084-2021)", "Irrigation water quality (GB 5084-2021)"),
    ("aquaculture_national", "水产养殖国家相关标准", "National aquaculture standard"),
    ("sct9103", "《海水养殖水排放要求》(SC/T 9103-2007)", "Mariculture discharge (SC/T 9103-2007)"),
    ("db35_1869", "《农村生活污水处理设施水污染物排放标准》(DB35/1869-2019)",
     "Fujian rural sewage facility standard (DB35/1869-2019)"),
    ("water_function_zone", "环境功能区划对应标准", "Standard of the water's environmental function zone"),
    ("gb3838_v", "《地表水环境质量标准》(GB 3838-2002) V类", "Surface water quality class V (GB 3838-2002)"),
])


@dataclass(frozen=True)
class StandardRule:
    """The discharge standards annex 2 lets one kind of outfall apply."""

    options: tuple[str, ...]
    """In annex 2's order of precedence where it sets one (industry: EIA approval, local, national industry,
    GB 8978), otherwise the alternatives it names."""
    fallback: str
    """The standard the checks measure a sample against when the outfall records none: the last resort
    of the precedence (GB 8978), or the standard annex 2 names for the usual case."""


STANDARD_RULES: dict[str, StandardRule] = {
    # 工业排污口: 优先环评批复; 无环评批复的依次为地方、国家行业、国家综合排放标准.
    "industrial": StandardRule(("eia_approval", "local", "national_industry", "gb8978"), "gb8978"),
    # 雨洪排口: 优先环评批复; 无的执行 GB 8978 (其它行业标准有要求的除外).
    "industrial_stormwater": StandardRule(("eia_approval", "gb8978", "national_industry"), "gb8978"),
    # 城镇污水处理厂: 水环境敏感地区不低于一级A; 其他地区因地制宜. Fujian's key basins and coast are treated
    # as sensitive unless the outfall records otherwise.
    "municipal_plant": StandardRule(("gb18918_1a", "local", "locally_determined"), "gb18918_1a"),
    # 畜禽养殖: 环评批复, 地方标准, GB 18596-2001; 用于农田灌溉执行 GB 5084-2005.
    "livestock": StandardRule(("eia_approval", "local", "gb18596", "gb5084_2005"), "gb18596"),
    # 水产养殖: 国家相关标准; 海水养殖 SC/T 9103-2007; 有地方标准的执行地方标准.
    "aquaculture_sea": StandardRule(("local", "sct9103"), "sct9103"),
    "aquaculture_river": StandardRule(("local", "aquaculture_national"), "aquaculture_national"),
    # 港口码头: 环评批复; 无的执行 GB 8978.
    "port": StandardRule(("eia_approval", "gb8978", "national_industry"), "gb8978"),
    # 农村污水处理设施: 排放外环境执行 DB35/1869-2019; 用于农田灌溉执行 GB 5084-2021.
    "rural_plant": StandardRule(("db35_1869", "gb5084_2021"), "db35_1869"),
    # 入河入海沟渠: 有环境功能区划的执行对应标准; 无的执行 GB 3838-2002 V类.
    "ditch": StandardRule(("water_function_zone", "gb3838_v"), "gb3838_v"),
}
"""Annex 2's 排污口执行标准, per kind of outfall. Irrigation outlets and scattered domestic outlets have none:
annex 2 asks for interception works and merging, not a discharge standard."""


def standard_rule(subclass: str | None, *, stormwater: bool = False, receiving_kind: str = "river") -> (
        StandardRule | None):
    """The annex 2 standards of an outfall of ``subclass``; None where annex 2 sets no discharge standard."""
    if subclass in ("industrial_enterprise", "park_plant"):
        return STANDARD_RULES["industrial_stormwater" if stormwater else "industrial"]
    if subclass in ("livestock_large", "livestock_small"):
        return STANDARD_RULES["livestock"]
    if subclass in ("aquaculture_large", "aquaculture_small"):
        return STANDARD_RULES["aquaculture_sea" if receiving_kind == "sea" else "aquaculture_river"]
    return STANDARD_RULES.get(subclass or "")


# --------------------------------------------------------------------------- monitoring

PARAMETERS = CodeList("监测指标", [
    ("ph", "pH值", "pH"),
    ("cod", "化学需氧量(COD)", "Chemical oxygen demand (COD)"),
    ("codmn", "高锰酸盐指数", "Permanganate index"),
    ("bod5", "五日生化需氧量(BOD5)", "Five-day biochemical oxygen demand (BOD5)"),
    ("ss", "悬浮物(SS)", "Suspended solids"),
    ("nh3n", "氨氮(NH3-N)", "Ammonia nitrogen"),
    ("tn", "总氮(以N计)", "Total nitrogen"),
    ("tp", "总磷(以P计)", "Total phosphorus"),
    ("inorganic_n", "无机氮", "Inorganic nitrogen"),
    ("phosphate", "活性磷酸盐", "Reactive phosphate"),
    ("petroleum", "石油类", "Petroleum"),
    ("do", "溶解氧", "Dissolved oxygen"),
    ("fecal_coliform", "粪大肠菌群数", "Faecal coliforms"),
])

UNITS = CodeList("计量单位", [
    ("mg/L", "毫克/升", "mg/L"),
    ("ug/L", "微克/升", "µg/L"),
    ("pH", "无量纲", "dimensionless"),
    ("count/L", "个/升", "count/L"),
])


def normalise_outfall_code(value: object) -> str:
    """Codes are copied from sign boards and spreadsheets: full-width characters, spaces and lower case
    would otherwise make two spellings of one code look like two outfalls."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()


# --------------------------------------------------------------------------- layers


class Outfall(Feature):
    __tablename__ = "outfalls"
    __layer__ = LayerMeta(name="outfalls", county_from_geometry=True,
                          department="ecology",
                          title_zh="入河入海排污口", title_en="River and sea outfalls",
                          geometry_type="POINT", label_field="name", style_field="outfall_class",
                          popup_fields=("code", "name", "outfall_class", "subclass", "receiving_water",
                                        "status", "decision", "approval_mode"))
    __extra_table_args__ = (
        # One current outfall per code (HJ 1235-2021 codes identify an outfall); a removed or deleted
        # outfall's old versions keep theirs.
        Index("ux_outfalls_current_code", "code", unique=True, postgresql_where=text("valid_to IS NULL")),
    )

    code: Mapped[str] = attr(String(40), zh="排污口编码", en="Outfall code", required=True,
                             normalise=normalise_outfall_code)
    name: Mapped[str] = attr(String(200), zh="排污口名称", en="Outfall name", required=True)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    receiving_water: Mapped[str | None] = attr(String(120), zh="受纳水体", en="Receiving water")
    receiving_kind: Mapped[str] = code_attr(RECEIVING, zh="入河/入海", en="River or sea", required=True)
    outfall_class: Mapped[str] = code_attr(OUTFALL_CLASSES, zh="一级分类", en="Class", required=True)
    subclass: Mapped[str | None] = code_attr(OUTFALL_SUBCLASSES, zh="二级分类", en="Subclass")
    stormwater: Mapped[bool | None] = attr(Boolean, zh="雨洪排口", en="Stormwater outlet")
    large_scale: Mapped[bool | None] = attr(Boolean, zh="规模以上", en="Above designated size")
    discharging_unit: Mapped[str | None] = attr(String(200), zh="排污单位", en="Discharging unit", public=False)
    unit_credit_code: Mapped[str | None] = attr(String(18), zh="排污单位统一社会信用代码",
                                                en="Discharging unit's credit code", check=uscc_problem,
                                                public=False, normalise=lambda v: str(v).strip().upper())
    shared_by_units: Mapped[bool | None] = attr(Boolean, zh="多个排污单位共用", en="Shared by several units")
    city_bureau_informed_on: Mapped[date | None] = attr(Date, zh="告知设区市生态环境部门日期",
                                                        en="City bureau informed on")
    responsible_party: Mapped[str | None] = attr(String(200), zh="责任主体", en="Responsible party", public=False)
    credit_code: Mapped[str | None] = attr(String(18), zh="责任主体统一社会信用代码",
                                           en="Responsible party's credit code", check=uscc_problem,
                                           public=False, normalise=lambda v: str(v).strip().upper())
    status: Mapped[str] = code_attr(STATUS, zh="工作进度", en="Status", required=True)
    surveyed_on: Mapped[date | None] = attr(Date, zh="排查日期", en="Surveyed on")
    sampled_on: Mapped[date | None] = attr(Date, zh="监测日期", en="Sampled on")
    traced_on: Mapped[date | None] = attr(Date, zh="溯源日期", en="Traced on")
    decided_on: Mapped[date | None] = attr(Date, zh="确定整治类型日期", en="Decided on")
    remediated_on: Mapped[date | None] = attr(Date, zh="整治完成日期", en="Remediated on")
    decision: Mapped[str | None] = code_attr(DECISIONS, zh="整治类型", en="Remediation decision")
    standard: Mapped[str | None] = code_attr(STANDARDS, zh="执行标准", en="Discharge standard")
    standard_note: Mapped[str | None] = attr(String(200), zh="标准依据", en="Standard reference")
    approval_number: Mapped[str | None] = attr(String(80), zh="设置审核/备案文号", en="Approval or filing number")
    approved_on: Mapped[date | None] = attr(Date, zh="设置审核/备案日期", en="Approved or filed on")
    approval_mode: Mapped[str | None] = mapped_column(
        String(40), Computed(APPROVAL_MODE_SQL, persisted=True),
        info={"rule": AttrRule(zh="设置审批方式", en="Approval mode", codes=APPROVAL_MODES), "computed": True})
    sign_board: Mapped[bool | None] = attr(Boolean, zh="已设标志牌", en="Sign board in place")
    sampling_facility: Mapped[str | None] = code_attr(SAMPLING_FACILITIES, zh="采样设施", en="Sampling facility")
    online_monitoring: Mapped[bool | None] = attr(Boolean, zh="已装在线计量监测", en="Online monitoring in place")
    video: Mapped[bool | None] = attr(Boolean, zh="已装视频监控", en="Video surveillance in place")
    geom = geometry_column("POINT")


class OutfallSample(Feature):
    """One measured value of one parameter in one sample of one outfall (对所有存在排水的排污口污水均要采样监测)."""

    __tablename__ = "outfall_samples"
    __layer__ = LayerMeta(name="outfall_samples", references=(Reference("outfall_fid", "outfalls"),),
                          department="ecology",
                          title_zh="排污口监测数据", title_en="Outfall monitoring samples",
                          label_field="parameter",
                          popup_fields=("outfall_fid", "sampled_on", "parameter", "value", "unit", "limit_value"))
    __extra_table_args__ = (
        Index("ix_outfall_samples_current_outfall", "outfall_fid", postgresql_where=text("valid_to IS NULL")),
    )

    outfall_fid: Mapped[int] = attr(BigInteger, zh="排污口(fid)", en="Outfall (fid)", required=True, minimum=1)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    sampled_on: Mapped[date] = attr(Date, zh="采样日期", en="Sampled on", required=True)
    parameter: Mapped[str] = code_attr(PARAMETERS, zh="监测指标", en="Parameter", required=True)
    value: Mapped[Decimal] = attr(Numeric(16, 4), zh="监测值", en="Value", required=True)
    unit: Mapped[str] = code_attr(UNITS, zh="单位", en="Unit", required=True)
    limit_value: Mapped[Decimal | None] = attr(Numeric(16, 4), zh="许可或批复限值", en="Permit or approval limit",
                                               minimum=0)
    """The limit written in the outfall's discharge permit or EIA approval; it replaces the configured
    limit of the outfall's standard (an EIA-approved limit is known only from the approval)."""
    lab: Mapped[str | None] = attr(String(200), zh="监测机构", en="Laboratory")
    note: Mapped[str | None] = attr(String(300), zh="备注", en="Note")


class OutfallInspector(Feature):
    """The roster the random inspections draw their inspectors from (随机选派执法检查人员)."""

    __tablename__ = "outfall_inspectors"
    __layer__ = LayerMeta(name="outfall_inspectors", department="ecology",
                          title_zh="排污口执法检查人员名录",
                          title_en="Outfall inspectors", label_field="name",
                          popup_fields=("name", "organisation", "county_code", "active"))

    name: Mapped[str] = attr(String(80), zh="姓名", en="Name", required=True)
    organisation: Mapped[str | None] = attr(String(200), zh="执法机构", en="Organisation")
    badge_number: Mapped[str | None] = attr(String(40), zh="执法证号", en="Badge number", public=False)
    county_code: Mapped[str] = attr(String(12), zh="执法范围代码", en="Area of competence (division code)",
                                    required=True, check=fujian_admin_code)
    """A county, city (xxxx00) or the province (350000): the inspector may be sent to outfalls there."""
    active: Mapped[bool | None] = attr(Boolean, zh="在岗", en="Active")
    """Empty counts as active; false takes the inspector out of future draws."""


# --------------------------------------------------------------------------- stored draws (not layers)


class InspectionDraw(Base):
    """One random inspection draw, final once stored: its inputs and seed are kept so anyone can replay it."""

    __tablename__ = "outfall_inspection_draws"
    __table_args__ = (UniqueConstraint("year", "area"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    area: Mapped[str] = mapped_column(Text, nullable=False)
    """The area as given: a division code, or a WKT/GeoJSON polygon."""
    area_label: Mapped[str] = mapped_column(String(200), nullable=False)
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    author: Mapped[str] = mapped_column(String(120), nullable=False)
    data_version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    """Candidates, roster, shares and team size, exactly as the draw used them."""
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    """Pool sizes, minimum counts and the counts drawn."""


class InspectionItem(Base):
    """One outfall drawn, why (which pool) and the inspectors sent."""

    __tablename__ = "outfall_inspection_items"
    __table_args__ = (UniqueConstraint("draw_id", "outfall_fid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    draw_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("outfall_inspection_draws.id", ondelete="CASCADE"),
                                         nullable=False)
    outfall_fid: Mapped[int] = mapped_column(BigInteger, nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    county_code: Mapped[str] = mapped_column(String(12), nullable=False)
    pools: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    """``remediated`` and/or ``approved``: the shares this inspection counts towards."""
    inspectors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    """[{fid, name, organisation}] as the roster stood at the draw."""
