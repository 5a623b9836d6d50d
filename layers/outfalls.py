"""River and sea outfalls (入河入海排污口), classified by annex 2 of 闽政办〔2022〕43号."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped

from layers.base import Code, CodeList, Feature, LayerMeta, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code, uscc_problem

DEPARTMENT = "ecology"
"""The role that edits this area's layers (registry.accounts)."""

OUTFALL_CLASSES = CodeList("排污口分类(一级)", [
    ("industrial", "工业排污口", "Industrial outfall"),
    ("municipal_plant", "城镇污水处理厂排污口", "Municipal treatment plant outfall"),
    ("agricultural", "农业排口", "Agricultural outlet"),
    ("other", "其他排口", "Other outlet"),
])

OUTFALL_SUBCLASSES = CodeList("排污口分类(二级)", [
    Code("industrial_enterprise", "工矿企业排污口", "Industrial or mining enterprise outfall", "industrial"),
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

DECISIONS = CodeList("整治类型", [
    ("remove", "取缔", "Remove"),
    ("merge", "清理合并", "Merge"),
    ("regularise", "规范整治", "Regularise"),
    ("keep", "保留", "Keep"),
])


class Outfall(Feature):
    __tablename__ = "outfalls"
    __layer__ = LayerMeta(name="outfalls", title_zh="入河入海排污口", title_en="River and sea outfalls",
                          geometry_type="POINT", label_field="name", style_field="outfall_class",
                          popup_fields=("code", "name", "outfall_class", "subclass", "receiving_water",
                                        "status", "decision"))

    code: Mapped[str] = attr(String(40), zh="排污口编码", en="Outfall code", required=True)
    name: Mapped[str] = attr(String(200), zh="排污口名称", en="Outfall name", required=True)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    receiving_water: Mapped[str | None] = attr(String(120), zh="受纳水体", en="Receiving water")
    receiving_kind: Mapped[str] = code_attr(RECEIVING, zh="入河/入海", en="River or sea", required=True)
    outfall_class: Mapped[str] = code_attr(OUTFALL_CLASSES, zh="一级分类", en="Class", required=True)
    subclass: Mapped[str | None] = code_attr(OUTFALL_SUBCLASSES, zh="二级分类", en="Subclass")
    discharging_unit: Mapped[str | None] = attr(String(200), zh="排污单位", en="Discharging unit", public=False)
    responsible_party: Mapped[str | None] = attr(String(200), zh="责任主体", en="Responsible party", public=False)
    credit_code: Mapped[str | None] = attr(String(18), zh="统一社会信用代码", en="Unified social credit code",
                                           check=uscc_problem, public=False)
    status: Mapped[str] = code_attr(STATUS, zh="工作进度", en="Status", required=True)
    decision: Mapped[str | None] = code_attr(DECISIONS, zh="整治类型", en="Remediation decision")
    geom = geometry_column("POINT")
