"""The import pipeline: check every feature first, then write all of them in one transaction.

Either every feature goes in, or none does and the user gets a per-feature report (feature number,
field, value, problem). A dry run gives the same report and counts and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, select

from layers.base import Feature, editable_attributes, layer_attributes
from registry.config import Limits
from registry.crs import resolve_crs
from registry.errors import ImportRejected, InvalidInput, RegistryError
from registry.files import RawFeatures, read_features
from registry.geometry import normalise_geometries
from registry.repository import SYSTEM_COLUMNS, Store, format_issues, new_changeset
from registry.validation import Issue, check_frame

Progress = Callable[[int, int], None]
"""Told (features written so far, features in the file) as the import writes."""
ANALYZE_ROWS = 50_000
"""After an import of this many features the layer's planner statistics are refreshed at once (autovacuum
would get there later, and plans made meanwhile would assume an empty table)."""


@dataclass
class ImportReport:
    """What an import found and did; shown to the user before and after it is committed."""

    layer: str
    source: str
    crs: str | None = None
    features: int = 0
    written: int = 0
    dry_run: bool = False
    issues: list[Issue] = field(default_factory=list)
    repairs: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changeset_id: int | None = None
    bbox: tuple[float, float, float, float] | None = None

    @property
    def ok(self) -> bool:
        return not self.issues

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    def summary(self) -> str:
        state = ("试运行,未写入 / dry run, nothing written" if self.dry_run else
                 f"已写入 {self.written} 个要素 / wrote {self.written} features" if self.ok else
                 "已拒绝,未写入任何要素 / refused, nothing written")
        lines = [f"{self.layer} ← {self.source}: {self.features} 个要素 / features, CRS {self.crs}; {state}"]
        lines += [f"  修复 / repaired: {format_issues([r], 1)}" for r in self.repairs]
        lines += [f"  注意 / warning: {w}" for w in self.warnings]
        lines += [f"  错误 / error: {format_issues([i], 1)}" for i in self.issues]
        return "\n".join(lines)


def import_file(engine: Engine, model: type[Feature], path: str | Path, *, crs: str | int | None = None,
                dry_run: bool = False, repair: bool = False, author: str, progress: Progress | None = None,
                file_layer: str | None = None, source: str | None = None, scope: str | None = None,
                limits: Limits) -> ImportReport:
    """Import a feature file into ``model``'s layer (see module docstring), refused past ``limits``."""
    raw = read_features(path, limits=limits, layer=file_layer)
    return import_raw(engine, model, raw, crs=crs, dry_run=dry_run, repair=repair, author=author,
                      source=source or f"import {Path(path).name}", progress=progress, scope=scope)


def import_raw(engine: Engine, model: type[Feature], raw: RawFeatures, *, crs: str | int | None, dry_run: bool,
               repair: bool, author: str, source: str, progress: Progress | None = None,
               scope: str | None = None) -> ImportReport:
    meta = model.__layer__
    report = ImportReport(layer=meta.name, source=source, features=len(raw.attributes), dry_run=dry_run)
    report.issues += raw.issues
    columns = _check_attributes(model, raw.attributes, report)
    geoms = np.full(report.features, None, dtype=object)
    if meta.geometry_type:
        report.crs = resolve_crs(crs, raw.file_crs)
        bad_rows = {i.feature for i in raw.issues}
        geoms, errors, repairs = normalise_geometries(
            raw.geometries, report.crs, meta.geometry_type, repair=repair,
            allow_missing=model.__table__.c.geom.nullable, max_vertices=meta.max_vertices)
        report.issues += [Issue(g.index + 1, "geometry", None, g.problem) for g in errors
                          if g.index + 1 not in bad_rows]
        report.repairs += [Issue(g.index + 1, "geometry", None, g.problem, "repaired") for g in repairs]
        present = [g for g in geoms if g is not None]
        if present:
            report.bbox = tuple(float(v) for v in shapely.total_bounds(np.array(present, dtype=object)))
    report.issues.sort(key=lambda i: (i.feature or 0, i.field or ""))
    if not report.ok:
        if dry_run:
            return report
        raise ImportRejected(f"{len(report.issues)} 个问题,未写入任何要素 / {len(report.issues)} problems, "
                             f"nothing written: {format_issues(report.issues, 5)}", report=report)
    store = Store(engine, model)
    with engine.connect() as conn, conn.begin() as transaction:
        # A dry run writes too, then rolls back: it applies every rule the import applies, jurisdiction and
        # references included, and reports their problems by the file's row number.
        changeset = new_changeset(conn, author=author, source=source, layer=meta.name, count=report.features)
        try:
            trial = -np.arange(1, report.features + 1, dtype=np.int64) if dry_run else None
            written = store.bulk_insert(conn, columns, geoms, changeset, progress=progress, fids=trial)
        except InvalidInput as exc:  # a value clashes with a current feature's (a unique index)
            if not dry_run:
                raise
            transaction.rollback()
            report.issues.append(Issue(None, exc.extra.get("fields"), None, exc.detail))
            return report
        store.prepare_statistics(conn, analyze_self=written >= ANALYZE_ROWS)
        try:
            store.enforce(conn, scope, store.table.c.changeset_id == changeset)
        except RegistryError as exc:
            if "violations" not in exc.extra:
                raise
            rows = _row_numbers(conn, store, changeset)
            report.issues += [Issue(rows[fid], field, None, problem) for fid, field, problem in exc.extra["violations"]]
            transaction.rollback()
            if dry_run:
                return report
            raise type(exc)(f"{len(report.issues)} 个问题,未写入任何要素 / {len(report.issues)} problems, nothing "
                            f"written: {format_issues(report.issues, 5)}", report=report) from None
        if dry_run:
            transaction.rollback()
            return report
        report.changeset_id, report.written = changeset, written
    return report


def _row_numbers(conn: Connection, store: Store, changeset: int) -> dict[int, int]:
    """The file's 1-based row of each feature the import wrote (COPY writes the rows in the file's order)."""
    t = store.table
    fids = conn.execute(select(t.c.fid).where(t.c.changeset_id == changeset).order_by(t.c.row_id)).scalars()
    return {fid: row for row, fid in enumerate(fids, 1)}


def _check_attributes(model: type[Feature], frame: pd.DataFrame,
                      report: ImportReport) -> dict[str, NDArray[np.object_]]:
    """Map the file's columns to attributes, then check every value against the rules."""
    mapping, ignored = _map_columns(model, list(frame.columns))
    if ignored:
        report.warnings.append(f"已忽略的列 / ignored columns: {', '.join(ignored)}")
    columns, issues = check_frame(model, frame[list(mapping)].rename(columns=mapping))
    report.issues += issues
    return columns


def _map_columns(model: type[Feature], columns: list[Any]) -> tuple[dict[Any, str], list[str]]:
    """File column → attribute: by name, by Chinese label, or by a Shapefile's 10-character truncation.

    Returns the mapping and warnings about columns that were ignored (unknown or ambiguous).
    """
    attrs = editable_attributes(model)
    by_label = {rule.zh: name for name, rule in attrs.items()}
    computed = set(layer_attributes(model)) - set(attrs)
    mapping: dict[Any, str] = {}
    ignored: list[str] = []
    for col in columns:
        key = str(col).strip()
        prefixed = [a for a in attrs if len(key) == 10 and a.startswith(key)] if key not in attrs else []
        target = key if key in attrs else by_label.get(key) or (prefixed[0] if len(prefixed) == 1 else None)
        if target and target not in mapping.values():
            mapping[col] = target
        elif len(prefixed) > 1:
            ignored.append(f"{key} (可能是 / could be {' / '.join(prefixed)})")
        elif key not in SYSTEM_COLUMNS and key not in computed:
            ignored.append(key)
    return mapping, ignored
