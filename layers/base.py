"""The layer framework: what every layer module declares, in one vocabulary.

A layer is a SQLAlchemy model that subclasses :class:`Feature` and carries a
:class:`LayerMeta` in ``__layer__``. Every attribute is declared once with
:func:`attr`, which records its Chinese and English labels, code list and rules
in the column's ``info``; the registry, the API, import/export and the maps read
them from there, so a new layer needs no code anywhere else.

Every table is versioned (one row per version of a feature, see DESIGN.md
"History"): ``fid`` names the feature, ``version`` counts its changes, and the
row is current while ``valid_to`` is null.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

SRID = 4490
"""Storage CRS: CGCS2000 geographic coordinates (DESIGN.md, Decisions)."""

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --------------------------------------------------------------------------- code lists


@dataclass(frozen=True)
class Code:
    """One entry of a code list: a stable English-friendly code and its two labels."""

    code: str
    zh: str
    en: str
    parent: str | None = None


class CodeList:
    """An enumeration with a stable code, a Chinese label and an English label per entry."""

    def __init__(self, name: str, codes: Iterable[Code | tuple[str, str, str]]):
        self.name = name
        self.codes: tuple[Code, ...] = tuple(c if isinstance(c, Code) else Code(*c) for c in codes)
        self._by_code = {c.code: c for c in self.codes}

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.codes)

    def __getitem__(self, code: str) -> Code:
        return self._by_code[code]

    def label(self, code: str | None, lang: str = "zh") -> str:
        entry = self._by_code.get(code or "")
        return getattr(entry, lang) if entry else (code or "")

    def values(self) -> list[str]:
        return [c.code for c in self.codes]


# --------------------------------------------------------------------------- attributes


@dataclass(frozen=True)
class AttrRule:
    """Rules for one attribute, read by the registry's validation and the API schema."""

    zh: str
    en: str
    required: bool = False
    codes: CodeList | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    check: Callable[[Any], str | None] | None = None
    """Returns a problem message (Chinese and English) or None when the value is acceptable."""
    public: bool = True
    """False for personal or enterprise identifiers that the public role must not see."""
    normalise: Callable[[Any], Any] | None = None
    """Brings an accepted spelling to the stored one (e.g. 〔〕 brackets) before the rules run."""

    def problem(self, value: Any) -> str | None:
        """Why ``value`` breaks this rule, or None. ``None`` values are handled by ``required``."""
        if self.codes is not None and value not in self.codes:
            allowed = ", ".join(self.codes.values())
            return f"代码不在“{self.codes.name}”中 / not a code of {self.codes.name} (allowed: {allowed})"
        if self.minimum is not None and value < self.minimum:
            return f"小于最小值 {self.minimum} / below the minimum {self.minimum}"
        if self.maximum is not None and value > self.maximum:
            return f"大于最大值 {self.maximum} / above the maximum {self.maximum}"
        if self.pattern is not None and not re.fullmatch(self.pattern, str(value)):
            return f"格式不符 / does not match the pattern {self.pattern}"
        if self.check is not None:
            return self.check(value)
        return None


def attr(type_: Any, *, zh: str, en: str, required: bool = False, codes: CodeList | None = None,
         minimum: float | None = None, maximum: float | None = None, pattern: str | None = None,
         check: Callable[[Any], str | None] | None = None, public: bool = True,
         normalise: Callable[[Any], Any] | None = None, **column: Any):
    """A mapped column that carries its labels and rules; the one place an attribute is declared."""
    rule = AttrRule(zh=zh, en=en, required=required, codes=codes, minimum=minimum, maximum=maximum,
                    pattern=pattern, check=check, public=public, normalise=normalise)
    return mapped_column(type_, nullable=not required, info={"rule": rule}, **column)


def code_attr(codes: CodeList, *, zh: str, en: str, required: bool = False, **kw: Any):
    """A text column holding a code of ``codes``."""
    return attr(String(40), zh=zh, en=en, required=required, codes=codes, **kw)


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class Reference:
    """An attribute that names a feature of another layer by its fid (a sample's outfall, a parcel's approval).

    Versioned ids are unique only among current rows, so no foreign key can say it: the registry checks in
    the writing transaction that the named feature is current and lies within the writer's jurisdiction,
    and refuses to delete a feature that current records still name.
    """

    field: str
    layer: str


@dataclass(frozen=True)
class LayerMeta:
    """How a layer presents itself: its collection id, titles and its map styling."""

    name: str
    """Stable English collection id used by the API, the CLI and Python (``reg.layer(name)``)."""
    title_zh: str
    title_en: str
    kind: str = "mission"
    """``mission`` (the four registers) or ``reference`` (layers the checks measure against)."""
    geometry_type: str | None = None
    """POINT, MULTIPOLYGON, MULTILINESTRING, or None for a table without geometry."""
    label_field: str | None = None
    """Attribute shown as the feature's name in popups and lists."""
    style_field: str | None = None
    """Attribute (a code list) whose categories colour the map."""
    has_area: bool = False
    description: str = ""
    popup_fields: tuple[str, ...] = field(default_factory=tuple)
    department: str = "admin"
    """The role whose staff edit the layer (``registry.accounts.ROLES``); administrators edit reference layers."""
    service_radius_m: float | None = None
    """Distance within which the layer's service features serve people (eldercare stations: 700 m)."""
    service_features: tuple[str, tuple[str, ...]] | None = None
    """(attribute, codes) of the features that serve ``service_radius_m`` (not every facility does)."""
    references: tuple[Reference, ...] = ()
    """Attributes naming a feature of another layer (:class:`Reference`)."""
    max_vertices: int = 100_000
    """Vertices one feature may have (protected zones and divisions may need more than parcels)."""
    county_from_geometry: bool = False
    """``county_code`` must be the county the geometry lies in (its point on surface; a point at sea takes
    the nearest county): refused otherwise, so a feature counts in its real county's figures."""


class Feature(Base):
    """Abstract base of every layer table: identity, versioning and provenance columns."""

    __abstract__ = True
    __layer__: LayerMeta

    row_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    fid: Mapped[int] = mapped_column(BigInteger, Identity(start=1), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))

    @declared_attr
    def changeset_id(cls) -> Mapped[int]:
        return mapped_column(BigInteger, ForeignKey("changesets.id"), nullable=False)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        name = cls.__tablename__
        args: list[Any] = [
            UniqueConstraint("fid", "version"),
            # One current version per feature: concurrent writers based on the same version
            # cannot both succeed, whatever the application does.
            Index(f"ux_{name}_current_fid", "fid", unique=True, postgresql_where=text("valid_to IS NULL")),
        ]
        if cls.__layer__.geometry_type:
            args.append(Index(f"gx_{name}_geom_current", "geom", postgresql_using="gist",
                              postgresql_where=text("valid_to IS NULL")))
        return tuple(args) + tuple(getattr(cls, "__extra_table_args__", ()))


def geometry_column(geometry_type: str, *, required: bool = True):
    """The ``geom`` column of a layer, in CGCS2000 (EPSG:4490); its GiST index covers current rows."""
    return mapped_column(Geometry(geometry_type, srid=SRID, spatial_index=False), nullable=not required)


def hectares_sql(geom: str) -> str:
    """SQL for the ellipsoidal area of ``geom`` (a column or alias) in hectares to 4 decimals, as the
    gazette prints areas: the one definition every area figure and check uses."""
    return f"round((ST_Area({geom}::geography, true) / 10000.0)::numeric, 4)"


def area_column():
    """Ellipsoidal area in hectares to 4 decimals, computed by PostGIS on the GRS80 spheroid.

    A generated column, so the figure can never disagree with the geometry it belongs to.
    """
    return mapped_column(
        Numeric(14, 4),
        Computed(hectares_sql("geom"), persisted=True),
        info={"rule": AttrRule(zh="面积(公顷)", en="Area (ha)"), "computed": True},
    )


def layer_attributes(model: type[Feature]) -> dict[str, AttrRule]:
    """The user-facing attributes of a layer, in declaration order, with their rules."""
    return {c.key: c.info["rule"] for c in model.__table__.columns if "rule" in c.info}


def private_attributes(model: type[Feature]) -> frozenset[str]:
    """Attributes the public must not see (personal or enterprise identifiers)."""
    return frozenset(name for name, rule in layer_attributes(model).items() if not rule.public)


def editable_attributes(model: type[Feature]) -> dict[str, AttrRule]:
    """Attributes a user may set (computed columns such as the area are excluded)."""
    return {c.key: c.info["rule"] for c in model.__table__.columns
            if "rule" in c.info and not c.info.get("computed")}


class Changeset(Base):
    """One write to the registry: who, when, from which import or request. Every version row names one."""

    __tablename__ = "changesets"
    __table_args__ = (Index("ix_changesets_layer_id", "layer", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    author: Mapped[str] = mapped_column(String(120), nullable=False)
    source: Mapped[str] = mapped_column(String(400), nullable=False)
    """What caused the write, e.g. ``import outfalls.gpkg`` or ``PUT /collections/outfalls/items/7``."""
    layer: Mapped[str | None] = mapped_column(String(80))
    feature_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))


class LayerVersion(Base):
    """Each layer's data version, changed by every commit that writes the layer: tile ETags key on it.

    Set at commit time by a deferred trigger on ``changesets`` (migration 0010), so it follows the order
    writes *commit*: changeset ids follow the order they began, and a long import committing after a later
    edit would leave an id-based version where the edit put it. A changeset spanning layers (``layer`` NULL,
    a gazette approval with its parcels) sets the row ``*``, which is part of every layer's version.
    """

    __tablename__ = "layer_versions"

    layer: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
