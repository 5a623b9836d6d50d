"""The generic repository: create, read, update, delete and history for any layer.

Versioning (DESIGN.md "History"): a change closes the current row (sets ``valid_to``) and inserts the
next version; a delete inserts a tombstone. The close is conditional on the version the change was
based on, and a unique index allows one current row per feature, so a stale change is refused by the
database itself, not only by this code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import repeat
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from geoalchemy2.shape import from_shape
from numpy.typing import NDArray
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Select,
    String,
    and_,
    any_,
    bindparam,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from layers import LAYERS, get_layer
from layers.admin_divisions import AdminDivision
from layers.base import SRID, Changeset, Feature, LayerVersion, editable_attributes
from layers.codes import column_within
from registry.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotFound, RegistryError, StaleVersion
from registry.validation import Issue, check_properties

TERRITORIAL_SEA_M = 22_224.0
"""12 nautical miles: the sea a coastal county's point (an outfall, a platform) may lie in."""

SYSTEM_COLUMNS = ("fid", "version", "valid_from", "valid_to", "deleted", "changeset_id")


@dataclass
class FeatureRecord:
    """One version of one feature, as the API and Python users see it."""

    fid: int
    version: int
    properties: dict[str, Any]
    geometry: shapely.Geometry | None
    valid_from: datetime
    valid_to: datetime | None = None
    deleted: bool = False
    changeset_id: int | None = None
    author: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    """What to read: a window, equality filters, a point in time, a page."""

    bbox: tuple[float, float, float, float] | None = None
    where: Mapping[str, Any] | None = None
    as_of: datetime | None = None
    limit: int | None = None
    offset: int = 0
    after: int | None = None
    """Keyset paging: only features whose fid is greater (the next page after the one ending at ``after``)."""
    before: int | None = None
    """Keyset paging backwards: the ``limit`` features just before this fid."""
    fids: tuple[int, ...] | None = None
    clauses: tuple[Any, ...] = ()
    """Further SQL conditions on the layer's table (an area, say), so no caller lists ids it selected."""


def any_of(column: Any, values: Iterable[int]) -> Any:
    """``column = ANY(:ids)``: one array parameter however many ids, where ``IN`` would bind one each (and
    fail past PostgreSQL's 65,535 parameters)."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(BigInteger)))


def _sql_key(clause: Any) -> str:
    """A condition as text with its bound values, to key kept answers on."""
    compiled = clause.compile()
    return f"{compiled} {sorted(compiled.params.items(), key=lambda kv: kv[0])!r}"


def visible_at(table: Any, as_of: datetime | None):
    """Rows of the layer as it stood at ``as_of`` (now when None)."""
    if as_of is None:
        return table.c.valid_to.is_(None)
    return and_(table.c.valid_from <= as_of,
                or_(table.c.valid_to.is_(None), table.c.valid_to > as_of),
                table.c.deleted.is_(False))


_COUNTS: dict[tuple[Any, ...], tuple[Any, ...]] = {}
"""``Store.count`` answers by (database, layer, filters, layer version); emptied when it holds COUNTS_KEPT."""
COUNTS_KEPT = 1024


@cache
def _attribute_names(table: Any) -> tuple[str, ...]:
    """A layer's attribute columns (those with a rule), found once per table rather than per row read."""
    return tuple(c.key for c in table.columns if "rule" in c.info)


class Store:
    """Reads and writes one layer."""

    def __init__(self, engine: Engine, model: type[Feature]):
        self.engine = engine
        self.model = model
        self.table = model.__table__
        self.meta = model.__layer__
        self.attributes = list(editable_attributes(model))
        self.has_geometry = self.meta.geometry_type is not None

    # ------------------------------------------------------------------ reads

    def _columns(self) -> list[Any]:
        t = self.table
        cols = [t.c[name] for name in SYSTEM_COLUMNS]
        cols += [c for c in t.columns if "rule" in c.info]
        if self.has_geometry:
            cols.append(func.ST_AsBinary(t.c.geom).label("geom"))
        return cols

    def _where(self, query: Query) -> list[Any]:
        t = self.table
        clauses = [visible_at(t, query.as_of)]
        if query.bbox is not None:
            if not self.has_geometry:
                raise BadRequest(f"图层 {self.meta.name} 没有几何,不能按范围查询 / layer has no geometry")
            w, s, e, n = query.bbox
            clauses.append(t.c.geom.intersects(func.ST_MakeEnvelope(w, s, e, n, SRID)))
        if query.where:
            clean, issues = check_properties(self.model, dict(query.where), partial=True)
            if issues:
                raise BadRequest("; ".join(f"{i.field}: {i.problem}" for i in issues),
                                   issues=[i.as_dict() for i in issues])
            clauses += [t.c[k].is_(None) if v is None else t.c[k] == v for k, v in clean.items()]
        if query.fids is not None:
            clauses.append(any_of(t.c.fid, query.fids))
        if query.after is not None:
            clauses.append(t.c.fid > query.after)
        if query.before is not None:
            clauses.append(t.c.fid < query.before)
        return [*clauses, *query.clauses]

    def select(self, query: Query = Query()) -> Any:
        """The rows of ``query`` in fid order. Keyset pages (``after``, ``before``) start in the fid index,
        so any page costs what the first does. An ``OFFSET`` page is a deferred join: the page's fids are
        found first (for the current layer by an index-only scan of the current-fid index), so the rows
        ``OFFSET`` skips are never read or converted, then only that page's rows are fetched; it still
        walks the skipped index entries, which is why the API's links page by key."""
        t = self.table
        if not query.offset and query.before is None:
            stmt = select(*self._columns()).where(*self._where(query)).order_by(t.c.fid)
            return stmt if query.limit is None else stmt.limit(query.limit)
        order = t.c.fid.desc() if query.before is not None else t.c.fid
        page = select(t.c.fid).where(*self._where(query)).order_by(order).offset(query.offset or None)
        if query.limit is not None:
            page = page.limit(query.limit)
        return (select(*self._columns()).where(visible_at(t, query.as_of), t.c.fid.in_(page.scalar_subquery()))
                .order_by(t.c.fid))

    def count(self, query: Query = Query()) -> int:
        """How many rows match. ``count(*)`` of a big layer costs tens of milliseconds and item pages and
        maps ask for it again and again, yet it only changes when the layer does: answers are kept per
        filters and layer version (:func:`version_query`, changed by every commit that writes the layer), so
        a repeated question costs one small round trip."""
        return self._kept(query, func.count())[0]

    def weight(self, query: Query = Query()) -> tuple[int, int]:
        """How many rows match and how many vertices they hold: what drawing them would embed in a page
        (kept like :meth:`count`)."""
        vertices = func.coalesce(func.sum(func.ST_NPoints(self.table.c.geom)), 0) if self.has_geometry else literal(0)
        features, points = self._kept(query, func.count(), vertices)
        return int(features), int(points)

    def _kept(self, query: Query, *aggregates: Any) -> tuple[Any, ...]:
        where = self._where(query)
        filters = repr((query.bbox, sorted((query.where or {}).items()), query.as_of, query.fids, query.after,
                        query.before,
                        [str(a) for a in aggregates], [_sql_key(c) for c in query.clauses]))
        key = (self.engine.url, self.table.name, filters)
        version = version_query(self.meta.name).scalar_subquery()
        with self.engine.connect() as conn:
            known = _COUNTS.get((*key, conn.scalar(select(version))))
            if known is not None:
                return known
            seen, *values = conn.execute(select(version, *aggregates).select_from(self.table).where(*where)).one()
        if len(_COUNTS) >= COUNTS_KEPT:
            _COUNTS.clear()
        _COUNTS[(*key, seen)] = tuple(values)
        return tuple(values)

    def extent(self, query: Query | None = None) -> tuple[float, float, float, float] | None:
        """Bounding box of the features of ``query`` (the current layer when None) in lon/lat, or None when
        there are none."""
        box = func.ST_Extent(self.table.c.geom)
        stmt = select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)).where(
            *self._where(query or Query()))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).one()
        return None if row[0] is None else tuple(float(v) for v in row)  # type: ignore[return-value]

    def records(self, query: Query = Query()) -> list[FeatureRecord]:
        with self.engine.connect() as conn:
            return [self._record(row._mapping) for row in conn.execute(self.select(query))]

    def to_geodataframe(self, query: Query = Query()) -> gpd.GeoDataFrame:
        with self.engine.connect() as conn:
            frame = pd.read_sql(self.select(query), conn)
        if self.has_geometry:
            geoms = shapely.from_wkb(frame.pop("geom").map(lambda b: None if b is None else bytes(b)))
            return gpd.GeoDataFrame(frame, geometry=geoms, crs=SRID)
        return gpd.GeoDataFrame(frame)

    def get(self, fid: int, as_of: datetime | None = None) -> FeatureRecord:
        records = self.records(Query(fids=(fid,), as_of=as_of))
        if not records:
            when = f"于 {as_of.isoformat()} " if as_of else ""
            raise NotFound(f"{self.meta.title_zh} 中{when}没有要素 {fid} / no feature {fid} in {self.meta.name}")
        return records[0]

    def history(self, fid: int) -> list[FeatureRecord]:
        """Every version of a feature, oldest first, with who changed it and from where."""
        c = Changeset.__table__
        stmt = (select(*self._columns(), c.c.author, c.c.source)
                .join(c, c.c.id == self.table.c.changeset_id)
                .where(self.table.c.fid == fid).order_by(self.table.c.version))
        with self.engine.connect() as conn:
            rows = [row._mapping for row in conn.execute(stmt)]
        if not rows:
            raise NotFound(f"{self.meta.title_zh} 中没有要素 {fid} / no feature {fid} in {self.meta.name}")
        return [self._record(r) for r in rows]

    def _record(self, row: Mapping[str, Any]) -> FeatureRecord:
        geom = row.get("geom")
        return FeatureRecord(
            fid=row["fid"], version=row["version"],
            properties={k: row[k] for k in _attribute_names(self.table)},
            geometry=None if geom is None else shapely.from_wkb(bytes(geom)),
            valid_from=row["valid_from"], valid_to=row["valid_to"], deleted=row["deleted"],
            changeset_id=row["changeset_id"], author=row.get("author"), source=row.get("source"))

    # ------------------------------------------------------------------ writes

    def create(self, properties: Mapping[str, Any], geometry: shapely.Geometry | None, *, author: str,
               source: str, scope: str | None = None) -> FeatureRecord:
        """Insert version 1 of a new feature. ``scope`` (a division code) confines the write to that area."""
        with self.engine.begin() as conn:
            cs = new_changeset(conn, author=author, source=source, layer=self.meta.name, count=1)
            fid = self.insert(conn, properties, geometry, cs)
            self.enforce(conn, scope, self.table.c.changeset_id == cs)
        return self.get(fid)

    def insert(self, conn: Connection, properties: Mapping[str, Any], geometry: shapely.Geometry | None,
               changeset_id: int) -> int:
        """Validate and insert version 1 of a new feature inside the caller's transaction and changeset;
        returns its fid. For writes that must succeed or fail together across features or layers (an
        approval and its parcels): a refused feature raises and the caller's transaction rolls back."""
        clean = self._clean(properties, partial=False)
        try:
            return conn.execute(insert(self.table).values(**clean, **self._geom_value(geometry),
                                                          changeset_id=changeset_id)
                                .returning(self.table.c.fid)).scalar_one()
        except IntegrityError as exc:
            raise self._conflict(exc, None) from exc

    def update(self, fid: int, properties: Mapping[str, Any], geometry: shapely.Geometry | None = None, *,
               base_version: int, author: str, source: str, replace: bool = False,
               keep_geometry: bool = True, scope: str | None = None) -> FeatureRecord:
        """Make a new version from ``base_version``. ``replace`` (PUT) sets every attribute; otherwise
        (PATCH) only those given. The geometry is kept unless one is given or ``keep_geometry`` is False.
        With ``scope``, both the old and the new version must lie in that area."""
        clean = self._clean(properties, partial=not replace)
        with self.engine.begin() as conn:
            old = self._close(conn, fid, base_version)
            self.require_scope(conn, scope, self.table.c.row_id == old["row_id"])
            values = {k: old[k] for k in self.attributes if not replace}
            values.update(clean)
            geom = {"geom": old["geom"]} if self.has_geometry and keep_geometry and geometry is None else \
                self._geom_value(geometry)
            cs = new_changeset(conn, author=author, source=source, layer=self.meta.name, count=1)
            self._insert_version(conn, fid, base_version + 1, {**values, **geom}, cs)
            self.enforce(conn, scope, self.table.c.changeset_id == cs)
        return self.get(fid)

    def delete(self, fid: int, *, base_version: int, author: str, source: str, scope: str | None = None) -> None:
        with self.engine.begin() as conn:
            old = self._close(conn, fid, base_version)
            self.require_scope(conn, scope, self.table.c.row_id == old["row_id"])
            values = {k: old[k] for k in self.attributes}
            if self.has_geometry:
                values["geom"] = old["geom"]
            cs = new_changeset(conn, author=author, source=source, layer=self.meta.name, count=1)
            self._insert_version(conn, fid, base_version + 1, values, cs, deleted=True)
            self.refuse_if_referenced(conn, fid)

    def enforce(self, conn: Connection, scope: str | None, rows: Any) -> None:
        """Every rule a write must meet beyond its own attributes, for the rows ``rows`` just written, inside
        the writing transaction: the county code agrees with the geometry, named features are current, and
        the rows and the features they name lie in the writer's jurisdiction ``scope``. Every write path
        (forms, API, imports, the gazette, the CLI) ends with this call."""
        self.require_scope(conn, scope, rows)
        self.require_references(conn, scope, rows)
        self.require_county(conn, rows)

    def prepare_statistics(self, conn: Connection, analyze_self: bool) -> None:
        """ANALYZE the tables ``enforce`` reads that have never had statistics (the divisions and the layers
        this one names, when they were just loaded), and this layer itself when ``analyze_self`` (a bulk
        write changed much of it). Without statistics the planner takes a table for a few rows and picks
        plans that test every county polygon per row: a 100,000-outfall import spent 10 s on the county rule
        instead of 0.9 s, and 16 s on the parcels' references instead of 0.04 s."""
        read = {AdminDivision.__table__.name, self.table.name,
                *(get_layer(ref.layer).__table__.name for ref in self.meta.references)}
        bare = set(conn.scalars(text("SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(:names) "
                                     "AND last_analyze IS NULL AND last_autoanalyze IS NULL"),
                                {"names": sorted(read)}))
        for name in sorted(bare | ({self.table.name} if analyze_self else set())):
            conn.execute(text(f"ANALYZE {name}"))

    def require_county(self, conn: Connection, rows: Any) -> None:
        """Refuse rows whose ``county_code`` is not the county their geometry lies in (the layer declares
        ``county_from_geometry``). A point at sea or outside every county takes the nearest county within
        the territorial sea; beyond it no county is known to claim the point (the divisions loaded are
        incomplete, since Fujian's extent is checked on every write), so the code is not judged."""
        if not self.meta.county_from_geometry:
            return
        t, d = self.table, AdminDivision.__table__
        counties = and_(d.c.valid_to.is_(None), d.c.level == "county")
        placed = select(t.c.fid, t.c.county_code, func.ST_PointOnSurface(t.c.geom).label("spot")) \
            .where(rows, t.c.geom.is_not(None)).cte("placed")
        inside = (select(func.array_agg(d.c.code)).where(counties, func.ST_Intersects(d.c.geom, placed.c.spot))
                  .scalar_subquery())
        judged = select(placed, func.coalesce(inside, literal([], ARRAY(String))).label("inside")).cte("judged")
        nearest = (select(d.c.code, d.c.name,
                          func.ST_Distance(func.Geography(d.c.geom), func.Geography(judged.c.spot)).label("metres"))
                   .where(counties, func.cardinality(judged.c.inside) == 0)
                   .order_by(d.c.geom.op("<->")(judged.c.spot)).limit(1).lateral("nearest"))
        # Only the rows that are wrong come back (and the nearest county is looked up only for rows in none).
        found = (select(judged.c.fid, judged.c.county_code, judged.c.inside, nearest.c.code, nearest.c.name,
                        nearest.c.metres)
                 .select_from(judged.outerjoin(nearest, true()))
                 .where(not_(judged.c.county_code == func.any(judged.c.inside)),
                        or_(func.cardinality(judged.c.inside) > 0,
                            and_(nearest.c.code != judged.c.county_code, nearest.c.metres <= TERRITORIAL_SEA_M)))
                 .order_by(judged.c.fid))
        wrong, violations = [], []
        for row in conn.execute(found.limit(1000)):
            inside = row.inside
            if inside:
                wrong.append(f"要素 {row.fid} 的县区代码 {row.county_code} 与其位置所在县区 {'、'.join(inside)} 不符 / "
                             f"feature {row.fid} says county {row.county_code} but lies in {', '.join(inside)}")
            else:
                wrong.append(f"要素 {row.fid} 位于各县区之外,最近的县区为 {row.name}({row.code},相距 "
                             f"{row.metres / 1000:.1f} 千米),县区代码却为 {row.county_code} / feature {row.fid} lies "
                             f"outside every county; the nearest is {row.code}, {row.metres / 1000:.1f} km away, "
                             f"not {row.county_code}")
            violations.append((row.fid, "county_code", wrong[-1].replace(f"要素 {row.fid} ", "", 1)
                               .replace(f"feature {row.fid} ", "", 1)))
        if wrong:
            raise InvalidInput("; ".join(wrong[:5]), field="county_code", violations=violations)

    def require_references(self, conn: Connection, scope: str | None, rows: Any) -> None:
        """Refuse rows naming a feature that is not current in its layer, or (with ``scope``) one outside the
        writer's jurisdiction. The named features are locked (``FOR SHARE``) until the write commits, so a
        concurrent delete of one waits and then sees the new reference."""
        t = self.table
        for ref in self.meta.references:
            target = get_layer(ref.layer)
            tt, named, meta = target.__table__, t.c[ref.field], target.__layer__
            locked = (select(tt.c.fid).where(tt.c.valid_to.is_(None), tt.c.fid.in_(select(named).where(rows)))
                      .with_for_update(read=True).cte(f"locked_{ref.field}"))
            # NOT EXISTS, an anti-join: NOT IN becomes a row-by-row subplan when the planner lacks statistics
            found = select(locked.c.fid).where(locked.c.fid == named).exists()
            missing = conn.execute(select(t.c.fid, named).where(rows, named.is_not(None), ~found)
                                   .order_by(t.c.fid).limit(1000)).all()
            if missing:
                shown = ", ".join(sorted({str(value) for _, value in missing})[:10])
                raise InvalidInput(f"{ref.field}: {meta.title_zh}中没有现行要素 {shown} / {ref.field}: no current "
                                   f"feature {shown} in {meta.name}", field=ref.field, value=missing[0][1],
                                   violations=[(fid, ref.field, f"{meta.title_zh}中没有现行要素 {value} / no current "
                                                                f"feature {value} in {meta.name}")
                                               for fid, value in missing])
            if scope is None:
                continue
            outside = select(tt.c.fid).where(tt.c.valid_to.is_(None), not_(Store(self.engine, target).inside(scope)))
            elsewhere = conn.execute(select(t.c.fid, named).where(rows, named.in_(outside)).order_by(t.c.fid)
                                     .limit(1000)).all()
            if elsewhere:
                shown = ", ".join(sorted({str(value) for _, value in elsewhere})[:10])
                what = (f"所引用的{meta.title_zh} {{}} 不在您的管辖范围({scope})内 / the {meta.name} {{}} it names "
                        f"lies outside your jurisdiction {scope}")
                raise Forbidden(f"{self.meta.title_zh}{what.format(shown, shown)}", violations=[
                    (fid, ref.field, what.format(value, value)) for fid, value in elsewhere])

    def refuse_if_referenced(self, conn: Connection, fid: int) -> None:
        """Refuse deleting feature ``fid`` while current records of any layer name it."""
        for model in LAYERS.values():
            for ref in model.__layer__.references:
                if ref.layer != self.meta.name:
                    continue
                t = model.__table__
                n = conn.scalar(select(func.count()).where(t.c[ref.field] == fid, t.c.valid_to.is_(None)))
                if n:
                    meta = model.__layer__
                    raise Conflict(f"{self.meta.title_zh} {fid} 仍被 {n} 条现行{meta.title_zh}引用,"
                                   f"请先删除或改指这些记录 / {self.meta.name} {fid} is still named by {n} current "
                                   f"{meta.name} record(s): delete or re-point them first", layer=meta.name, count=n)

    def inside(self, scope: str) -> Any:
        """SQL: a row of this layer lies in division ``scope``. Decided by PostGIS: the geometry must be
        covered by the division's current boundary; a row without geometry is judged by its ``county_code``;
        a row with neither by the features it names (a parcel by its approval, in require_references); a
        layer with none of the three cannot be changed from an area."""
        t, d = self.table, AdminDivision.__table__
        in_code = column_within(t.c.county_code, scope) if "county_code" in t.c else \
            (true() if self.meta.references else false())
        region = select(d.c.geom).where(d.c.code == scope, d.c.valid_to.is_(None)).scalar_subquery()
        inside = or_(func.ST_Covers(region, t.c.geom), and_(t.c.geom.is_(None), in_code)) \
            if self.has_geometry else in_code
        return func.coalesce(inside, false())

    def require_scope(self, conn: Connection, scope: str | None, rows: Any) -> None:
        """Refuse (and so roll back) unless every row matching ``rows`` lies in division ``scope``."""
        if scope is None:
            return
        t = self.table
        outside = conn.execute(select(t.c.fid).where(rows, not_(self.inside(scope))).order_by(t.c.fid)
                               .limit(1000)).scalars().all()
        if outside:
            shown = ", ".join(map(str, outside[:10]))
            raise Forbidden(f"要素 {shown} 不在您的管辖范围({scope})内 / feature(s) {shown} lie outside your "
                            f"jurisdiction {scope}", violations=[
                                (fid, "geometry", f"不在您的管辖范围({scope})内 / outside your jurisdiction {scope}")
                                for fid in outside])

    def _close(self, conn: Connection, fid: int, base_version: int) -> Mapping[str, Any]:
        t = self.table
        closed = conn.execute(
            update(t).where(t.c.fid == fid, t.c.version == base_version, t.c.valid_to.is_(None))
            .values(valid_to=func.now()).returning(*t.columns)).first()
        if closed is not None:
            return closed._mapping
        current = conn.scalar(select(t.c.version).where(t.c.fid == fid, t.c.valid_to.is_(None)))
        if current is None:
            raise NotFound(f"{self.meta.title_zh} 中没有现行要素 {fid} / no current feature {fid} in {self.meta.name}")
        raise StaleVersion(
            f"要素 {fid} 已被他人修改:您基于第 {base_version} 版,现行为第 {current} 版,请重新读取后再改 / "
            f"feature {fid} changed meanwhile: your change is based on version {base_version}, "
            f"the current version is {current}; reload and apply your change again",
            current_version=current)

    def _insert_version(self, conn: Connection, fid: int, version: int, values: dict[str, Any], cs: int,
                        deleted: bool = False) -> None:
        t = self.table
        row = dict(values, fid=fid, version=version, changeset_id=cs, deleted=deleted)
        if deleted:
            row["valid_from"] = func.now()
            row["valid_to"] = func.now()
        try:
            conn.execute(insert(t).values(**row))
        except IntegrityError as exc:
            raise self._conflict(exc, fid) from exc

    def _conflict(self, exc: IntegrityError | psycopg.IntegrityError, fid: int | None) -> RegistryError:
        """A constraint said no: on the version indexes another writer came first (412); on any other
        unique index the values clash with another feature's (422, naming the fields and the value)."""
        diag = getattr(getattr(exc, "orig", exc), "diag", None)
        name = getattr(diag, "constraint_name", None) or ""
        detail = getattr(diag, "message_detail", None) or ""
        table = self.table.name
        if fid is not None and name in (f"uq_{table}_fid_version", f"ux_{table}_current_fid"):
            return StaleVersion(f"要素 {fid} 已被他人修改 / feature {fid} changed meanwhile")
        index = next((i for i in self.table.indexes if i.name == name), None)
        fields = ", ".join(c.name for c in index.columns) if index is not None else name
        return InvalidInput(f"与现有要素重复或冲突:{fields} / the value of {fields} clashes with another "
                            f"feature's (constraint {name}) {detail}".rstrip(), fields=fields)

    def _clean(self, properties: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        clean, issues = check_properties(self.model, dict(properties), partial=partial)
        if issues:
            raise InvalidInput(format_issues(issues), issues=[i.as_dict() for i in issues])
        return clean

    def _geom_value(self, geometry: shapely.Geometry | None) -> dict[str, Any]:
        if not self.has_geometry:
            if geometry is not None:
                raise InvalidInput(f"图层 {self.meta.name} 没有几何 / layer {self.meta.name} has no geometry")
            return {}
        if geometry is None and not self.table.c.geom.nullable:
            raise InvalidInput(f"{self.meta.title_zh}须有几何 / features of {self.meta.name} need a geometry")
        return {"geom": None if geometry is None else from_shape(geometry, srid=SRID)}

    # ------------------------------------------------------------------ bulk

    def bulk_insert(self, conn: Connection, columns: Mapping[str, NDArray[np.object_]], geometries: NDArray[np.object_],
                    changeset_id: int, progress: Callable[[int, int], None] | None = None, chunk: int = 50_000,
                    fids: NDArray[np.int64] | None = None) -> int:
        """Insert many new features with a binary COPY inside the caller's transaction; returns the count.
        ``progress`` is told (rows written so far, rows in all) after each chunk.

        ``fids`` gives the features their ids instead of the layer's sequence (a dry run's trial insert,
        rolled back, gives -1, -2, … so that it does not use up real ids).

        The indexes are maintained as rows arrive, never dropped and rebuilt: dropping one locks the table
        against readers for the whole import (7 s for 300,000 squares), and building once saved only ~7 %.

        ``columns`` holds clean values per attribute (as ``check_frame`` returns them), ``geometries`` the
        normalised geometries, aligned. Values travel in PostgreSQL's binary forms, geometries as WKB made
        by one vectorised call per chunk, so neither side formats or parses text. An attribute the caller
        does not give gets its column default.
        """
        n = len(geometries)
        names = [name for name in self.attributes if name in columns]
        target = (["fid"] if fids is not None else []) + [*names, "changeset_id"] + (["geom"] if self.has_geometry
                                                                                  else [])
        oids = dict(conn.execute(text(
            "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0"),
            {"t": self.table.name}).all())
        cursor = conn.connection.driver_connection.cursor()
        if self.has_geometry:
            cursor.adapters.register_dumper(None, _ewkb_dumper(oids["geom"]))
        copy_sql = f'COPY {self.table.name} ({", ".join(target)}) FROM STDIN (FORMAT binary)'
        try:
            with cursor.copy(copy_sql) as copy:
                copy.set_types([oids[name] for name in target])
                for start in range(0, n, chunk):
                    stop = min(start + chunk, n)
                    parts = ([fids[start:stop].tolist()] if fids is not None else []) + \
                        [columns[name][start:stop] for name in names] + [repeat(changeset_id, stop - start)]
                    if self.has_geometry:  # plain WKB: the column's type gives it SRID 4490
                        parts.append(shapely.to_wkb(geometries[start:stop]))
                    for row in zip(*parts, strict=True):
                        copy.write_row(row)
                    if progress:
                        progress(stop, n)
        except psycopg.errors.UniqueViolation as exc:
            raise self._conflict(exc, None) from exc
        return n


@cache
def _ewkb_dumper(oid: int) -> type[Dumper]:
    """A binary COPY dumper for the database's geometry type (its oid varies): (E)WKB is PostGIS's binary form."""

    class EWKB(Dumper):
        format = Format.BINARY

        def dump(self, obj: bytes) -> bytes:
            return obj

    EWKB.oid = oid
    return EWKB


def new_changeset(conn: Connection, *, author: str, source: str, layer: str | None, count: int) -> int:
    c = Changeset.__table__
    return conn.execute(insert(c).values(author=author, source=source[:400], layer=layer, feature_count=count)
                        .returning(c.c.id)).scalar_one()


def version_query(layer: str) -> Select[Any]:
    """The layer's data version, as text: its own row of ``layer_versions`` and the row of changesets spanning
    layers (``*``), each changed by every commit that writes them (see :class:`layers.base.LayerVersion`).
    Tile ETags and kept counts are keyed on it."""
    v = LayerVersion.__table__
    own, spanning = (select(v.c.version).where(v.c.layer == key).scalar_subquery() for key in (layer, "*"))
    return select(func.concat(func.coalesce(own, 0), ".", func.coalesce(spanning, 0)).label("version"))


def data_version(conn: Connection) -> int:
    """The latest changeset id: any write anywhere changes it (for caching and for stored check runs)."""
    return int(conn.scalar(select(func.coalesce(func.max(Changeset.__table__.c.id), literal(0)))))


def describe(issue: Issue) -> str:
    where = f"第{issue.feature}个要素 / feature {issue.feature}: " if issue.feature is not None else ""
    return where + (f"{issue.field}: " if issue.field else "") + issue.problem


def format_issues(issues: list[Issue], limit: int = 10) -> str:
    shown = [describe(i) for i in issues[:limit]]
    more = f" (另有 {len(issues) - limit} 个问题 / and {len(issues) - limit} more)" if len(issues) > limit else ""
    return "; ".join(shown) + more


