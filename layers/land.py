"""Land expropriation (土地征收): provincial approvals (批复) and their parcels by village and land class.

Two kinds of approval (DOMAIN.md §3): a conversion-and-expropriation batch, and a zone development
plan (成片开发方案). Parcels carry the declared area of the approval text; their geometry may arrive
later, and their ellipsoidal area is computed by PostGIS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, ForeignKeyConstraint, Index, Integer, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import Base, CodeList, Feature, LayerMeta, Reference, area_column, attr, code_attr, geometry_column
from layers.codes import fujian_admin_code, normalise_doc_number

APPROVAL_KINDS = CodeList("批复类型", [
    ("conversion_batch", "农用地转用和土地征收", "Farmland conversion and expropriation batch"),
    ("zone_plan", "土地征收成片开发方案", "Zone development plan for expropriation"),
])

AUTHORITIES = CodeList("审批机关层级", [
    ("state_council", "国务院", "State Council"),
    ("province", "省人民政府", "Provincial government"),
    ("city_delegated", "设区市人民政府(受托)", "City government under delegation"),
])

OWNERSHIP = CodeList("土地权属", [
    ("collective", "集体所有(征收)", "Collective land, expropriated"),
    ("state", "国有(使用)", "State-owned land, used"),
])

LAND_GROUPS = CodeList("三大类", [
    ("agricultural", "农用地", "Agricultural land"),
    ("construction", "建设用地", "Construction land"),
    ("unused", "未利用地", "Unused land"),
])


@dataclass(frozen=True)
class LandClass:
    scheme: str
    code: str
    name: str
    group: str
    cultivated: bool = False
    legacy: bool = False


LAND_CLASSES: tuple[LandClass, ...] = (
    # GB/T 21010-2017 (耕地 01 and its second-level classes count as cultivated land)
    LandClass("gbt21010_2017", "01", "耕地", "agricultural", cultivated=True),
    LandClass("gbt21010_2017", "0101", "水田", "agricultural", cultivated=True),
    LandClass("gbt21010_2017", "0102", "水浇地", "agricultural", cultivated=True),
    LandClass("gbt21010_2017", "0103", "旱地", "agricultural", cultivated=True),
    LandClass("gbt21010_2017", "02", "园地", "agricultural"),
    LandClass("gbt21010_2017", "03", "林地", "agricultural"),
    LandClass("gbt21010_2017", "04", "草地", "agricultural"),
    LandClass("gbt21010_2017", "0404", "其他草地", "unused"),
    LandClass("gbt21010_2017", "12", "其他土地", "unused"),
    # Survey working classes and the planning scheme used by approvals
    LandClass("survey_working", "20", "城镇村及工矿用地", "construction"),
    LandClass("planning", "1K", "其他农用地", "agricultural"),
    LandClass("planning", "2", "建设用地", "construction"),
    LandClass("planning", "3", "未利用地", "unused"),
    # Names of older approvals
    LandClass("legacy", "20", "居民点及独立工矿用地", "construction", legacy=True),
    LandClass("legacy", "12", "其他未利用地", "unused", legacy=True),
    LandClass("legacy", "11", "水域", "unused", legacy=True),
    LandClass("legacy", "10", "交通运输用地", "construction", legacy=True),
    LandClass("legacy", "11", "水利设施用地", "construction", legacy=True),
)
LAND_CLASS_BY_NAME = {c.name: c for c in LAND_CLASSES}


def land_class_problem(value: object) -> str | None:
    if value not in LAND_CLASS_BY_NAME:
        return (f"未知地类“{value}” / unknown land class; known: {', '.join(LAND_CLASS_BY_NAME)}")
    return None


class LandClassRow(Base):
    """The land-class catalogue as a table, so set-based checks can join parcels to their group."""

    __tablename__ = "land_classes"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(40), nullable=False)
    code: Mapped[str] = mapped_column(String(10), nullable=False)
    land_group: Mapped[str] = mapped_column(String(20), nullable=False)
    cultivated: Mapped[bool] = mapped_column(Boolean, nullable=False)
    legacy: Mapped[bool] = mapped_column(Boolean, nullable=False)


HA = Numeric(14, 4)


class LandApproval(Feature):
    __tablename__ = "land_approvals"
    __layer__ = LayerMeta(name="land_approvals", department="natural_resources",
                          title_zh="用地批复", title_en="Land approvals",
                          geometry_type="MULTIPOLYGON", label_field="doc_number", style_field="approval_kind",
                          popup_fields=("doc_number", "approval_kind", "applicant", "approved_on",
                                        "declared_total_ha", "plan_area_ha"))

    doc_number: Mapped[str] = attr(String(60), zh="批复文号", en="Document number", required=True,
                                   pattern=r"\S+〔\d{4}〕\d+号", normalise=normalise_doc_number)
    title: Mapped[str | None] = attr(String(300), zh="标题", en="Title")
    approval_kind: Mapped[str] = code_attr(APPROVAL_KINDS, zh="批复类型", en="Approval kind", required=True)
    approved_on: Mapped[date] = attr(Date, zh="批复日期", en="Approved on", required=True)
    authority: Mapped[str] = code_attr(AUTHORITIES, zh="审批机关层级", en="Approving level", required=True)
    authority_name: Mapped[str | None] = attr(String(120), zh="审批机关", en="Approving authority")
    applicant: Mapped[str | None] = attr(String(120), zh="申请机关", en="Applicant")
    request_number: Mapped[str | None] = attr(String(60), zh="请示文号", en="Request number",
                                              normalise=normalise_doc_number)
    county_code: Mapped[str] = attr(String(12), zh="县区代码", en="County code", required=True,
                                    check=fujian_admin_code)
    year: Mapped[int | None] = attr(Integer, zh="年度", en="Year", minimum=1999, maximum=2100)
    batch_no: Mapped[int | None] = attr(Integer, zh="批次", en="Batch number", minimum=1)
    declared_farmland_ha: Mapped[Decimal | None] = attr(HA, zh="转用农用地(公顷)", en="Converted farmland (ha)",
                                                        minimum=0)
    declared_cultivated_ha: Mapped[Decimal | None] = attr(HA, zh="其中耕地(公顷)", en="Of which cultivated (ha)",
                                                          minimum=0)
    declared_unused_ha: Mapped[Decimal | None] = attr(HA, zh="转用未利用地(公顷)", en="Converted unused land (ha)",
                                                      minimum=0)
    declared_total_ha: Mapped[Decimal | None] = attr(HA, zh="合计征收(公顷)", en="Total expropriated (ha)",
                                                     minimum=0)
    plan_area_ha: Mapped[Decimal | None] = attr(HA, zh="成片开发总面积(公顷)", en="Zone plan area (ha)", minimum=0)
    geom = geometry_column("MULTIPOLYGON", required=False)
    area_ha: Mapped[Decimal | None] = area_column()


class LandParcel(Feature):
    __tablename__ = "land_parcels"
    __layer__ = LayerMeta(name="land_parcels", references=(Reference("approval_fid", "land_approvals"),),
                          department="natural_resources",
                          title_zh="征收地块", title_en="Expropriation parcels",
                          geometry_type="MULTIPOLYGON", label_field="village", style_field="land_class",
                          has_area=True, popup_fields=("township", "village", "land_class", "ownership",
                                                       "declared_ha", "area_ha"))
    __extra_table_args__ = (
        # The catalogue is the parcels' code list in the database too, so a class the checks cannot
        # group (农用地/建设用地/未利用地) can never be stored, whatever writes the row.
        ForeignKeyConstraint(["land_class"], ["land_classes.name"]),
        # Checks and the gazette import read an approval's current parcels; without this every
        # approval scans the whole parcel table.
        Index("ix_land_parcels_approval_fid_current", "approval_fid", postgresql_where=text("valid_to IS NULL")),
    )

    approval_fid: Mapped[int] = attr(BigInteger, zh="所属批复", en="Approval (fid)", required=True)
    township: Mapped[str | None] = attr(String(80), zh="乡镇", en="Township")
    village: Mapped[str | None] = attr(String(80), zh="村", en="Village")
    land_class: Mapped[str] = attr(String(40), zh="地类", en="Land class", required=True,
                                   check=land_class_problem)
    ownership: Mapped[str] = code_attr(OWNERSHIP, zh="权属", en="Ownership", required=True)
    declared_ha: Mapped[Decimal] = attr(HA, zh="批复面积(公顷)", en="Declared area (ha)", required=True, minimum=0)
    geom = geometry_column("MULTIPOLYGON", required=False)
    area_ha: Mapped[Decimal | None] = area_column()
