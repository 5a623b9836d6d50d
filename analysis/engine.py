"""The check engine: checks declared as data, run set-based in PostGIS, findings written by one
``INSERT … SELECT`` per check.

A check is one SQL ``SELECT`` over current rows returning ``fid``, ``key``, ``geom`` (the geometry of
the problem, EPSG:4490), ``county_code`` and any measured columns. The engine never loops over features:
it wraps the check's SQL, applies the area filter in SQL and stores the measured columns as JSON, so
a new rule is one more :class:`Check` in an area's ``analysis/<area>/checks.py`` and no engine change.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import json
import pkgutil
import re
import string
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import shapely
from sqlalchemy import Connection, String, case, cast, column, func, insert, literal, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from layers import LAYERS
from layers.admin_divisions import AdminDivision
from layers.base import SRID, CodeList
from layers.codes import column_within
from layers.system import Finding
from registry.errors import InvalidInput, NotFound
from registry.geometry import normalise_geometries
from registry.repository import any_of


class Severity(NamedTuple):
    zh: str
    en: str
    colour: str


SEVERITIES: dict[str, Severity] = {
    "error": Severity("错误", "Error", "#C0392B"),
    "warning": Severity("警告", "Warning", "#E67E22"),
    "info": Severity("提示", "Information", "#2E86C1"),
}
"""Severity code → labels and the colour reports and pages draw it in, most serious first."""

FINDING_COLOUR = "#E31A1C"
"""Findings are red on every map and chart, whatever their severity."""

REQUIRED_COLUMNS = ("fid", "key", "geom", "county_code")
"""Columns every check's SQL returns; all other columns are the measured figures."""

NUMERIC_OID = 1700
"""PostgreSQL's type oid of ``numeric``."""

MISSING = "—"
"""How a measured value that is NULL reads in a message."""


@dataclass(frozen=True)
class Check:
    """One rule, declared once: what it checks, how serious a breach is, how to say it, how to find it."""

    id: str
    """Stable identifier ``<layer-area>.<rule>``: runs are compared on it, so never reuse one."""
    layer: str
    severity: str
    title_zh: str
    title_en: str
    message_zh: str
    """``str.format`` template over the measured columns, e.g. ``排污口位于{zone_name}内``."""
    message_en: str
    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)
    """Bound parameters of ``sql`` (tolerances, code lists): tuned here, never spliced into the text."""
    codes: Mapping[str, CodeList] = field(default_factory=dict)
    """Measured columns that hold codes: messages show their label in each language, the JSON keeps the code."""
    configured: Callable[[Mapping[str, str]], Mapping[str, Any]] | None = None
    """Parameters that are configuration, computed from the registry's settings when the check runs
    (``Registry.settings.env``), so a setting is read when the registry is created, never at import."""

    def bound(self, env: Mapping[str, str]) -> dict[str, Any]:
        """Every bound parameter of ``sql`` under the settings ``env``."""
        return {**self.params, **(self.configured(env) if self.configured else {})}

    def message(self, measured: Mapping[str, Any], lang: str) -> str:
        """The finding's message in ``lang`` ("zh" or "en") from its measured figures, for a refusal that
        applies the rule in Python; stored findings get the same text from :func:`_message_sql`."""
        template = self.message_zh if lang == "zh" else self.message_en
        values = {k: MISSING if v is None else self.codes[k].label(v, lang) if k in self.codes else
                  format(v.normalize(), "f") if isinstance(v, Decimal) else v for k, v in measured.items()}
        return template.format_map(values)

    def describe(self) -> dict[str, Any]:
        """The check as the API and ``check list`` show it."""
        zh, en, _ = SEVERITIES[self.severity]
        return {"id": self.id, "layer": self.layer, "severity": self.severity, "severity_zh": zh,
                "severity_en": en, "title_zh": self.title_zh, "title_en": self.title_en}


# --------------------------------------------------------------------------- discovery


@cache
def all_checks() -> dict[str, Check]:
    """Every declared check by id, ordered by layer then id; discovered in each area's ``checks`` module."""
    found: list[Check] = []
    for area in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if area.ispkg and importlib.util.find_spec(f"analysis.{area.name}.checks"):
            found.extend(importlib.import_module(f"analysis.{area.name}.checks").CHECKS)
    checks: dict[str, Check] = {}
    for check in sorted(found, key=lambda c: (c.layer, c.id)):
        problem = _declaration_problem(check, checks)
        if problem:
            raise ValueError(f"check {check.id!r}: {problem}")
        checks[check.id] = check
    return checks


def _declaration_problem(check: Check, seen: Mapping[str, Check]) -> str | None:
    """Why a declaration is unusable: caught at start-up rather than in the middle of a run."""
    if check.id in seen:
        return "declared twice"
    if check.layer not in LAYERS:
        return f"unknown layer {check.layer!r}"
    if check.severity not in SEVERITIES:
        return f"severity must be one of {', '.join(SEVERITIES)}"
    return None


def select_checks(layers: Iterable[str] | None = None, checks: Iterable[str] | None = None) -> list[Check]:
    """The checks of ``layers`` plus the checks named in ``checks``; all of them when both are empty."""
    known = all_checks()
    layers, ids = list(layers or ()), list(checks or ())
    unknown_layers = [name for name in layers if name not in LAYERS]
    if unknown_layers:
        raise InvalidInput(f"未知图层 / unknown layer(s): {', '.join(unknown_layers)}; "
                           f"known: {', '.join(LAYERS)}")
    unknown_checks = [i for i in ids if i not in known]
    if unknown_checks:
        raise InvalidInput(f"未知检查 / unknown check(s): {', '.join(unknown_checks)}; known: {', '.join(known)}")
    if not layers and not ids:
        return list(known.values())
    chosen = [c for c in known.values() if c.layer in layers or c.id in ids]
    if not chosen:
        raise InvalidInput(f"所选图层没有检查 / no check is declared for layer(s) {', '.join(layers)}")
    return chosen


# --------------------------------------------------------------------------- areas

_ADMIN_CODE = re.compile(r"35\d{4}")


@dataclass(frozen=True)
class Area:
    """Where a run looks: an administrative division (by code) or a polygon given by the user."""

    spec: str
    """As the user gave it, stored in the run's parameters."""
    label: str
    """What a report calls it: the division's name, or 自定义范围 (custom area)."""
    code: str | None = None
    polygon: shapely.Geometry | None = None

    def geometry(self) -> ColumnElement[Any]:
        """The area's geometry as a SQL expression (a division's current polygon is read in the query)."""
        if self.polygon is not None:
            return func.ST_GeomFromWKB(literal(shapely.to_wkb(self.polygon)), SRID)
        a = AdminDivision.__table__
        return select(func.ST_Union(a.c.geom)).where(_in_force(a), a.c.code == self.code).scalar_subquery()

    def clause(self, geom: ColumnElement[Any], county_code: ColumnElement[Any] | None = None) -> ColumnElement[bool]:
        """Rows whose ``geom`` meets the area; for a division, rows without geometry count by their county code."""
        meets = func.ST_Intersects(geom, self.geometry())
        if self.code is None or county_code is None:
            return meets
        return or_(meets, geom.is_(None) & column_within(county_code, self.code))


def _in_force(a: Any) -> ColumnElement[bool]:
    """Current rows of divisions whose code is still in use (codes are retired when counties merge)."""
    return a.c.valid_to.is_(None) & or_(a.c.valid_until.is_(None), a.c.valid_until > func.current_date())



def parse_area(conn: Connection, spec: str) -> Area:
    """An area from an administrative code, a WKT polygon or a GeoJSON polygon (lon/lat, EPSG:4490)."""
    spec = spec.strip()
    if _ADMIN_CODE.fullmatch(spec):
        a = AdminDivision.__table__
        name = conn.scalar(select(a.c.name).where(_in_force(a), a.c.code == spec).limit(1))
        if name is None:
            raise NotFound(f"没有现行行政区划代码 {spec} / no current administrative division with code {spec}")
        return Area(spec=spec, label=f"{name}({spec})", code=spec)
    try:
        geom = _read_polygon(spec)
    except (shapely.errors.GEOSException, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput("范围应为6位行政区划代码、WKT或GeoJSON面 / the area must be a six-digit division code, "
                           f"a WKT or a GeoJSON polygon ({exc})") from None
    geoms, errors, _ = normalise_geometries(np.array([geom], dtype=object), "EPSG:4490", "MULTIPOLYGON")
    if errors:
        raise InvalidInput(f"范围无效 / invalid area: {errors[0].problem}")
    return Area(spec=spec, label="自定义范围 / custom area", polygon=geoms[0])


def _read_polygon(spec: str) -> shapely.Geometry:
    """A geometry from WKT, a GeoJSON geometry or a GeoJSON Feature (a drawn polygon is often a Feature)."""
    if not spec.startswith("{"):
        return shapely.from_wkt(spec)
    data = json.loads(spec)
    if data.get("type") == "Feature":
        data = data["geometry"]
    return shapely.from_geojson(json.dumps(data))


# --------------------------------------------------------------------------- running one check


def write_findings(conn: Connection, run_id: int, check: Check, area: Area | None,
                   fids: Collection[int] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run ``check`` and store its findings for run ``run_id`` in one statement; returns their count.

    A finding whose check gives no county code gets the county its geometry lies in, so reports
    can count findings per county without every check joining the divisions itself. ``fids`` keeps
    the findings on those features of the check's layer only (e.g. one approval and its parcels).
    """
    params = check.bound(env or {})
    columns = _result_columns(conn, check, params)
    names = list(columns)
    numeric = {name for name, oid in columns.items() if oid == NUMERIC_OID}
    f = text(check.sql).bindparams(**params).columns(*(column(n) for n in names)).subquery("f")
    measured = func.jsonb_build_object(*itertools.chain.from_iterable(
        (literal(n, String), f.c[n]) for n in names if n not in REQUIRED_COLUMNS))
    a = AdminDivision.__table__
    county_of = (select(a.c.code)
                 .where(_in_force(a), a.c.level == "county",
                        func.ST_Intersects(a.c.geom, func.ST_PointOnSurface(f.c.geom)))
                 .order_by(a.c.code).limit(1).scalar_subquery())
    rows = select(literal(run_id), literal(check.id, String), literal(check.layer, String), f.c.fid,
                  func.coalesce(cast(f.c.key, String), ""), literal(check.severity, String),
                  _message_sql(check, "zh", f, numeric), _message_sql(check, "en", f, numeric), measured,
                  func.coalesce(cast(f.c.county_code, String), county_of), f.c.geom)
    if area is not None:
        rows = rows.where(area.clause(f.c.geom, f.c.county_code))
    if fids is not None:
        rows = rows.where(any_of(f.c.fid, fids))
    t = Finding.__table__
    targets = ["run_id", "check_id", "layer", "fid", "key", "severity", "message_zh", "message_en", "measured",
               "county_code", "geom"]
    return len(conn.execute(insert(t).from_select(targets, rows).returning(t.c.id)).all())


def _message_sql(check: Check, lang: str, f: Any, numeric: Collection[str]) -> ColumnElement[str]:
    """The check's message template as SQL over its result ``f``: messages are written with the findings
    in the same statement (rendering them in Python and updating each row cost 10.5 of 15 s in the bench).
    Codes read as their label in ``lang``; NULL reads as :data:`MISSING`; decimals without trailing zeros
    (``numeric`` names those columns); other values as PostgreSQL prints them."""
    template = check.message_zh if lang == "zh" else check.message_en
    parts: list[ColumnElement[Any]] = []
    for text_part, name, spec, conversion in string.Formatter().parse(template):
        if text_part:
            parts.append(literal(text_part, String))
        if name is None:
            continue
        if spec or conversion or name not in f.c:
            raise ValueError(f"check {check.id!r}: message field {{{name}}} must name a result column, "
                             "without a format")
        value = cast(func.trim_scale(f.c[name]) if name in numeric else f.c[name], String)
        if name in check.codes:
            labels = {c.code: getattr(c, lang) for c in check.codes[name]}
            value = case(labels, value=value, else_=value)
        parts.append(func.coalesce(value, literal(MISSING, String)))
    return func.concat(*parts) if parts else literal("", String)


def _result_columns(conn: Connection, check: Check, params: Mapping[str, Any]) -> dict[str, int]:
    """The columns the check's SQL returns and their type oids (planned, not run), so the measured ones
    can be named and the messages can print decimals as the measured JSON holds them."""
    result = conn.execute(text(f"SELECT * FROM ({check.sql}) AS f LIMIT 0").bindparams(**params))
    columns = {d.name: d.type_code for d in result.cursor.description}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"check {check.id!r} must return the columns {', '.join(missing)}")
    return columns
