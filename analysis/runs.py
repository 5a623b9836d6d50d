"""Stored check runs: run the checks, keep what was found, read it back, compare two runs.

A run is reproducible because it is stored with its parameters and the data version it saw, and
its findings never change afterwards. All checks of one run read one snapshot of the database
(a REPEATABLE READ transaction), so a run never mixes data from before and after a concurrent import,
and its findings are written in that transaction: a failed run leaves none behind. Progress is
written on a second connection, so whoever polls the run sees it move.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, case, func, insert, select, text, update

from analysis.engine import SEVERITIES, Area, Check, all_checks, parse_area, select_checks, write_findings
from layers import LAYERS
from layers.base import SRID
from layers.system import CheckRun, Finding
from registry import Registry, jobs
from registry.errors import Busy, InvalidInput, NotFound, RegistryError
from registry.files import write_features
from registry.repository import data_version

log = logging.getLogger(__name__)

STALE_AFTER = jobs.STALE_AFTER
"""A run queued or claimed this long ago without progress no longer blocks its author (no worker runs)."""
PRUNE_EVERY_S = 3600
RETRY_AFTER_S = 10

Progress = Callable[[Check, int, int], None]
"""Called after each check with the check, the number of checks done and the total."""

EXPORT_SUFFIXES = (".csv", ".geojson", ".gpkg")


class RunFailed(RegistryError):
    """A check broke off the run; the run is stored as failed with this error and has no findings."""

    status = 500
    title = "检查运行失败 / Check run failed"


class RunNotFinished(RegistryError):
    """The run is still going (or failed), so it has no report yet."""

    status = 409
    title = "检查尚未完成 / Run not finished"


@dataclass
class Run:
    """One stored run as an analyst handles it: its figures, its findings, and how it compares."""

    registry: Registry = field(repr=False)
    id: int
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    status: str
    params: dict[str, Any]
    data_version: int
    author: str
    checks_total: int
    checks_done: int
    finding_count: int
    error: str | None
    worker_pid: int | None = None
    kept_for: list[str] = field(default_factory=list)
    stored_summary: dict[str, int] | None = None
    pruned_at: datetime | None = None

    @property
    def area_label(self) -> str:
        return self.params.get("area_label") or "全省(未限定范围) / whole province"

    def checks(self) -> list[Check]:
        """The checks this run ran that are still declared (a run keeps its findings if a check is retired)."""
        known = all_checks()
        return [known[i] for i in self.params.get("check_ids", []) if i in known]

    def findings(self, *, layers: Iterable[str] | None = None, area: Area | None = None,
                 limit: int | None = None) -> gpd.GeoDataFrame:
        """The run's findings in EPSG:4490, most serious first, then by rule and feature; only those on
        ``layers`` and in ``area`` when given, and the first ``limit`` (a map's budget)."""
        self._require_findings()
        t = Finding.__table__
        rank = case({s: i for i, s in enumerate(SEVERITIES)}, value=t.c.severity, else_=len(SEVERITIES))
        stmt = (select(t.c.check_id, t.c.layer, t.c.fid, t.c.key, t.c.severity, t.c.message_zh, t.c.message_en,
                       t.c.measured, t.c.county_code, func.ST_AsBinary(t.c.geom).label("wkb"))
                .where(*self._finding_filters(layers, area)).order_by(rank, t.c.check_id, t.c.fid, t.c.key)
                .limit(limit))
        with self.registry.engine.connect() as conn:
            frame = pd.read_sql(stmt, conn)
        geoms = shapely.from_wkb(frame.pop("wkb").map(lambda b: None if b is None else bytes(b)))
        known = all_checks()
        frame.insert(1, "title_zh", [known[c].title_zh if c in known else c for c in frame["check_id"]])
        frame["fid"] = frame["fid"].astype("Int64")
        return gpd.GeoDataFrame(frame, geometry=geoms, crs=SRID)

    def finding_count_of(self, *, layers: Iterable[str] | None = None, area: Area | None = None) -> int:
        """How many findings :meth:`findings` would give without a limit."""
        stmt = select(func.count()).select_from(Finding.__table__).where(*self._finding_filters(layers, area))
        with self.registry.engine.connect() as conn:
            return int(conn.scalar(stmt) or 0)

    def _finding_filters(self, layers: Iterable[str] | None, area: Area | None) -> list[Any]:
        t = Finding.__table__
        where = [t.c.run_id == self.id]
        if layers is not None:
            where.append(t.c.layer.in_(list(layers)))
        if area is not None:
            where.append(area.clause(t.c.geom, t.c.county_code))
        return where

    def _require_findings(self) -> None:
        if self.pruned_at is not None:
            raise _pruned(self.id, self.pruned_at)

    def summary(self) -> pd.DataFrame:
        """Findings per check, every check of the run listed, those that found nothing with 0 (from the
        kept summary once retention dropped the findings)."""
        t = Finding.__table__
        stmt = select(t.c.check_id, func.count()).where(t.c.run_id == self.id).group_by(t.c.check_id)
        if self.stored_summary is not None:
            counts = self.stored_summary
        else:
            with self.registry.engine.connect() as conn:
                counts = {check_id: count for check_id, count in conn.execute(stmt)}
        rows = [{"check_id": c.id, "title_zh": c.title_zh, "title_en": c.title_en, "layer": c.layer,
                 "severity": c.severity, "count": counts.get(c.id, 0)} for c in self.checks()]
        return pd.DataFrame(rows, columns=["check_id", "title_zh", "title_en", "layer", "severity", "count"])

    def compare(self, other: Run) -> Comparison:
        """What changed between this run and ``other``; the earlier of the two is the baseline."""
        before, after = sorted((self, other), key=lambda r: (r.started_at, r.id))
        keep_run(self.registry, before.id, f"comparison with run {after.id}")
        keep_run(self.registry, after.id, f"comparison with run {before.id}")
        return Comparison.of(before, after)

    def export(self, path: str | Path) -> Path:
        """Write the findings to .csv (geometry as WKT), .geojson (lon/lat) or .gpkg, by extension.

        ``fid`` is written as ``feature_fid``: findings of two layers may name the same fid, and a
        GeoPackage would take a ``fid`` column for its own unique row id. An exported run is kept.
        """
        keep_run(self.registry, self.id, "export")
        return export_findings(self.findings(), path)

    def refresh(self) -> Run:
        """The run as stored now (for whoever waits on a run another thread is doing)."""
        return load_run(self.registry, self.id)

    def require_done(self) -> None:
        if self.status != "done":
            raise RunNotFinished(f"检查运行 {self.id} 状态为 {self.status},没有报告 / run {self.id} is "
                                 f"{self.status}: reports exist for finished runs only")

    def as_dict(self) -> dict[str, Any]:
        """The run's status as the API reports it (the job status of an asynchronous run)."""
        return {"id": self.id, "status": self.status, "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "duration_s": self.duration_s, "author": self.author, "params": self.params,
                "data_version": self.data_version,
                "progress": {"checks_done": self.checks_done, "checks_total": self.checks_total},
                "finding_count": self.finding_count, "error": self.error, "kept_for": self.kept_for,
                "pruned_at": self.pruned_at.isoformat() if self.pruned_at else None}


@dataclass(frozen=True)
class Comparison:
    """Two runs side by side: findings that appeared, that went away, that stayed.

    Only checks both runs ran are compared: a check that one run did not run would otherwise show
    all its findings as new or resolved. ``notes`` says what makes the comparison partial.
    """

    before: Run
    after: Run
    new: gpd.GeoDataFrame
    resolved: gpd.GeoDataFrame
    unchanged: gpd.GeoDataFrame
    check_ids: list[str]
    notes: list[str]

    @classmethod
    def of(cls, before: Run, after: Run) -> Comparison:
        ids_before, ids_after = before.params.get("check_ids", []), after.params.get("check_ids", [])
        common = [i for i in ids_after if i in ids_before]
        notes = [f"只有运行 {run.id} 检查了 / only run {run.id} ran: {', '.join(only)}"
                 for run, only in ((before, [i for i in ids_before if i not in common]),
                                   (after, [i for i in ids_after if i not in common])) if only]
        if any(before.params.get(k) != after.params.get(k) for k in ("area", "fids")):
            notes.append(f"两次运行的范围不同 / the runs cover different areas: {before.area_label}; "
                         f"{after.area_label}")
        old, now = (_only_checks(run.findings(), common) for run in (before, after))
        in_old, in_now = _keys(now).isin(set(_keys(old))), _keys(old).isin(set(_keys(now)))
        return cls(before=before, after=after, new=now[~in_old.to_numpy()].reset_index(drop=True),
                   resolved=old[~in_now.to_numpy()].reset_index(drop=True),
                   unchanged=now[in_old.to_numpy()].reset_index(drop=True), check_ids=common, notes=notes)

    def summary(self) -> pd.DataFrame:
        """New, resolved and unchanged findings per compared check."""
        known = all_checks()
        rows = [{"check_id": i, "title_zh": known[i].title_zh if i in known else i,
                 **{part: int((getattr(self, part)["check_id"] == i).sum())
                    for part in ("new", "resolved", "unchanged")}} for i in self.check_ids]
        return pd.DataFrame(rows, columns=["check_id", "title_zh", "new", "resolved", "unchanged"])


def export_findings(findings: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write a run's findings frame (:meth:`Run.findings`) to .csv, .geojson or .gpkg, by extension."""
    path = Path(path)
    if path.suffix.lower() not in EXPORT_SUFFIXES:
        raise InvalidInput(f"不支持导出为 {path.suffix} / cannot export findings to {path.suffix}; "
                           f"use {', '.join(EXPORT_SUFFIXES)}")
    frame = findings.rename(columns={"fid": "feature_fid"})
    frame["measured"] = frame["measured"].map(lambda m: json.dumps(m, ensure_ascii=False))
    return write_features(frame, path)


def _only_checks(frame: gpd.GeoDataFrame, ids: list[str]) -> gpd.GeoDataFrame:
    return frame[frame["check_id"].isin(ids)].reset_index(drop=True)


def _keys(frame: pd.DataFrame) -> pd.Series:
    """One hashable key per finding; a finding without a feature id matches another without one."""
    fids = frame["fid"].astype("Int64").astype(str)
    return pd.Series(list(zip(frame["check_id"], frame["layer"], fids, frame["key"], strict=True)), dtype=object)


# --------------------------------------------------------------------------- running


Features = Mapping[str, Iterable[int]]
"""Layer name → feature ids: a run restricted to these features of those layers (other layers unrestricted)."""


@dataclass(frozen=True)
class _Plan:
    checks: list[Check]
    area: Area | None
    fids: dict[str, list[int]] | None = None

    def fids_of(self, check: Check) -> list[int] | None:
        return None if self.fids is None else self.fids.get(check.layer)


def run_checks(reg: Registry, *, layers: Iterable[str] | None = None, checks: Iterable[str] | None = None,
               area: str | None = None, author: str | None = None, progress: Progress | None = None,
               fids: Features | None = None) -> Run:
    """Run the checks of ``layers`` and/or the ``checks`` named (all when neither) within ``area``
    (an administrative code, or a WKT or GeoJSON polygon) in this process, store the run and return it.
    ``fids`` (layer → feature ids) keeps the findings of those layers' checks on those features only.

    A failing check marks the run failed with its error and keeps none of its findings; the caller
    gets :class:`RunFailed` naming the run.
    """
    run_id, plan = _prepare(reg, layers, checks, area, author, fids, status="running")
    _execute(reg, run_id, plan, progress)
    return load_run(reg, run_id)


def queue_run(reg: Registry, *, layers: Iterable[str] | None = None, checks: Iterable[str] | None = None,
              area: str | None = None, author: str | None = None, fids: Features | None = None) -> int:
    """Validate the request and store the run as ``queued`` for a worker (:func:`work`) to do.

    The returned run id is the job id: the stored run is the job's status and progress, and it
    outlives the web server that queued it. Bad input is refused here, before any job exists; so is
    a second run of an author whose run is still queued or going (:class:`~registry.errors.Busy`),
    which bounds what one account can make the server do.
    """
    return _prepare(reg, layers, checks, area, author, fids, status="queued")[0]


def work(reg: Registry, *, once: bool = False, poll_s: float = 1.0, stop: threading.Event | None = None,
         after_run: Callable[[Run], None] | None = None) -> int:
    """The worker: do queued check runs and other jobs (:mod:`registry.jobs`: big imports) oldest first,
    one at a time, until ``stop`` is set (or, with ``once``, until both queues are empty); returns how many
    it did. ``after_run`` is given each run that finished (the web app builds its report there, so no
    reader waits for it).

    Several workers may share the queues (rows are claimed with ``FOR UPDATE SKIP LOCKED``). Between
    jobs the worker fails the jobs of workers that died (:func:`reap`) and applies the retention rule
    (:func:`prune_runs`). Stopped by a signal mid-job, it puts the job back in its queue: the job's
    transaction is rolled back, so nothing of it stays.
    """
    stop = stop or threading.Event()
    done, pruned_at = 0, 0.0
    while not stop.is_set():
        reap(reg)
        jobs.reap_jobs(reg)
        if time.monotonic() - pruned_at > PRUNE_EVERY_S:
            prune_runs(reg, retention(reg))
            pruned_at = time.monotonic()
        claimed = _claim(reg)
        if claimed is None:
            if jobs.do_next_job(reg) is not None:
                done += 1
                continue
            if once:
                break
            stop.wait(poll_s)
            continue
        run_id, plan = claimed
        try:
            _execute(reg, run_id, plan)
        except RunFailed:
            log.exception("check run %s failed", run_id)
        except BaseException:
            _record(reg, run_id, status="queued", checks_done=0, finding_count=0, error=None, finished_at=None,
                    duration_s=None, worker_pid=None)
            raise
        else:
            if after_run is not None:
                try:
                    after_run(load_run(reg, run_id))
                except Exception:  # the report is built again on its first request
                    log.exception("after check run %s", run_id)
        done += 1
    return done


def reap(reg: Registry) -> list[int]:
    """Mark failed the running runs whose database connection is gone (a killed worker or CLI: the
    database rolled their transaction back, so they have no findings), and runs claimed but never
    begun within :data:`STALE_AFTER`; returns their ids."""
    with reg.engine.begin() as conn:
        return jobs.reap(conn, CheckRun.__table__, WORKER_GONE, func.now() - STALE_AFTER, finding_count=0)


WORKER_GONE = ("执行该运行的进程已停止,运行未完成、无结果;请重新运行 / the process doing this run stopped: the run "
               "did not finish and has no findings; run it again")


def _claim(reg: Registry) -> tuple[int, _Plan] | None:
    """Take the oldest queued run that no other worker holds and mark it running."""
    t = CheckRun.__table__
    with reg.engine.begin() as conn:
        row = jobs.claim(conn, t)
        if row is None:
            return None
        try:
            return row.id, _plan_of(conn, row.params)
        except RegistryError as exc:  # e.g. its division was retired while it waited
            conn.execute(update(t).where(t.c.id == row.id).values(status="failed", error=exc.detail,
                                                                  finished_at=func.now()))
            return None


def _plan_of(conn: Connection, params: Mapping[str, Any]) -> _Plan:
    """The plan of a queued run, rebuilt from its stored parameters."""
    known = all_checks()
    missing = [i for i in params["check_ids"] if i not in known]
    if missing:
        raise NotFound(f"检查已不存在 / checks no longer declared: {', '.join(missing)}")
    area = parse_area(conn, params["area"]) if params.get("area") else None
    return _Plan([known[i] for i in params["check_ids"]], area, params.get("fids"))


# --------------------------------------------------------------------------- retention


class RunPruned(RegistryError):
    """The run's findings were dropped by the retention rule; its summary remains."""

    status = 410
    title = "检查结果已按保留期限清理 / Findings pruned"


DEFAULT_RETENTION_DAYS = 180
"""Interpretation: six months, as long as the audit log must keep its rows; ``FUJIAN_RUN_RETENTION_DAYS``
overrides, ``0`` keeps every run's findings for ever."""


def retention(reg: Registry) -> timedelta | None:
    """How long the findings of a run nothing refers to are kept (None: for ever)."""
    raw = reg.settings.env.get("FUJIAN_RUN_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))
    try:
        days = int(raw)
    except ValueError:
        raise InvalidInput(f"FUJIAN_RUN_RETENTION_DAYS 应为天数 / should be a number of days, not {raw!r}") from None
    return timedelta(days=days) if days > 0 else None


def keep_run(reg: Registry, run_id: int, reason: str) -> None:
    """Record that ``reason`` (a report, an export, a comparison) refers to the run, so retention never
    prunes it; refused with :class:`RunPruned` when its findings are already gone."""
    with reg.engine.begin() as conn:
        pruned = conn.execute(_KEEP, {"id": run_id, "reason": reason}).first()
    if pruned is not None and pruned.pruned_at is not None:
        raise _pruned(run_id, pruned.pruned_at)


def _pruned(run_id: int, at: datetime) -> RunPruned:
    return RunPruned(f"检查运行 {run_id} 的结果已于 {at:%Y-%m-%d} 按保留期限清理,只保留了汇总;请重新运行 / "
                     f"the findings of run {run_id} were pruned on {at:%Y-%m-%d} (only its summary is kept): "
                     "run the checks again",
                     run_id=run_id)


_KEEP = text("""
    UPDATE check_runs SET kept_for = CASE WHEN :reason = ANY(kept_for) OR pruned_at IS NOT NULL THEN kept_for
                                          ELSE array_append(kept_for, CAST(:reason AS varchar)) END
    WHERE id = :id RETURNING pruned_at
""")


def prune_runs(reg: Registry, older_than: timedelta | None) -> list[int]:
    """Drop the findings of finished runs older than ``older_than`` that nothing refers to, keeping
    each one's counts per check as its summary; returns the pruned runs' ids. One statement, so a
    run is pruned whole or not at all, and a run being kept at that moment is skipped."""
    if older_than is None:
        return []
    with reg.engine.begin() as conn:
        return sorted(conn.scalars(_PRUNE, {"age": older_than}))


_PRUNE = text("""
    WITH old AS (
        SELECT id FROM check_runs
        WHERE status IN ('done', 'failed') AND pruned_at IS NULL AND cardinality(kept_for) = 0
          AND finished_at < now() - CAST(:age AS interval)
        FOR UPDATE SKIP LOCKED),
    counts AS (
        SELECT run_id, jsonb_object_agg(check_id, n) AS summary
        FROM (SELECT run_id, check_id, count(*) AS n FROM findings WHERE run_id IN (SELECT id FROM old)
              GROUP BY run_id, check_id) AS per_check
        GROUP BY run_id),
    gone AS (DELETE FROM findings WHERE run_id IN (SELECT id FROM old))
    UPDATE check_runs AS r SET pruned_at = now(), summary = coalesce(c.summary, '{}'::jsonb)
    FROM old LEFT JOIN counts AS c ON c.run_id = old.id
    WHERE r.id = old.id
    RETURNING r.id
""")


def load_run(reg: Registry, run_id: int) -> Run:
    rows = _read_runs(reg, CheckRun.__table__.c.id == run_id)
    if not rows:
        raise NotFound(f"没有检查运行 {run_id} / no check run {run_id}")
    return rows[0]


def list_runs(reg: Registry, limit: int = 100) -> list[Run]:
    """The latest runs, newest first."""
    return _read_runs(reg, limit=limit)


def _read_runs(reg: Registry, *where: Any, limit: int | None = None) -> list[Run]:
    t = CheckRun.__table__
    stmt = select(t).where(*where).order_by(t.c.id.desc()).limit(limit)
    with reg.engine.connect() as conn:
        return [Run(registry=reg, **{("stored_summary" if k == "summary" else k): v for k, v in row._mapping.items()})
                for row in conn.execute(stmt)]


def _prepare(reg: Registry, layers: Iterable[str] | None, checks: Iterable[str] | None, area: str | None,
             author: str | None, fids: Features | None, status: str) -> tuple[int, _Plan]:
    """Check the request and store the run with ``status``; nothing is stored for a bad request. A
    queued run is refused with :class:`Busy` while the author has a run queued or going."""
    layers, checks = list(layers or ()), list(checks or ())
    chosen = select_checks(layers, checks)
    features = _features(fids)
    t = CheckRun.__table__
    with reg.engine.begin() as conn:
        if status == "queued":
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"check run by {author}"))))
            going = conn.scalar(select(t.c.id).where(t.c.author == (author or reg.user),
                                                     t.c.status.in_(("queued", "running")),
                                                     t.c.started_at > func.now() - STALE_AFTER).limit(1))
            if going is not None:
                raise Busy(f"您的检查运行 {going} 尚未结束,请等它完成后再开始新的运行 / your check run {going} "
                           f"is still going: start another when it is done", retry_after=RETRY_AFTER_S, run_id=going)
        where = parse_area(conn, area) if area else None
        label = where.label if where else None
        if features is not None and label is None:
            label = "选定要素 / selected features: " + "; ".join(f"{k} {len(v)}" for k, v in features.items())
        params = {"layers": layers, "checks": checks, "area": where.spec if where else None, "fids": features,
                  "area_label": label, "check_ids": [c.id for c in chosen]}
        run_id = conn.execute(insert(t).values(params=params, data_version=data_version(conn),
                                               author=author or reg.user, checks_total=len(chosen),
                                               status=status)
                              .returning(t.c.id)).scalar_one()
    return run_id, _Plan(chosen, where, features)


def _features(fids: Features | None) -> dict[str, list[int]] | None:
    """``fids`` as stored in the run's parameters (JSON), after checking that its layers exist."""
    if fids is None:
        return None
    unknown = [name for name in fids if name not in LAYERS]
    if unknown:
        raise InvalidInput(f"未知图层 / unknown layer(s) in fids: {', '.join(unknown)}")
    return {name: sorted({int(fid) for fid in ids}) for name, ids in fids.items()}


def _execute(reg: Registry, run_id: int, plan: _Plan, progress: Progress | None = None) -> None:
    started = time.monotonic()
    total, found = len(plan.checks), 0
    try:
        with reg.engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            _record(reg, run_id, worker_pid=conn.scalar(select(func.pg_backend_pid())))
            conn.rollback()  # the pid query began a transaction; the run's snapshot starts below
            with conn.begin():
                version = data_version(conn)  # the first statement fixes the snapshot every check reads
                for done, check in enumerate(plan.checks, 1):
                    found += write_findings(conn, run_id, check, plan.area, plan.fids_of(check), reg.settings.env)
                    _record(reg, run_id, checks_done=done, finding_count=found)
                    if progress is not None:
                        progress(check, done, total)
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        _record(reg, run_id, status="failed", error=error, finding_count=0, finished_at=func.now(),
                duration_s=time.monotonic() - started)
        if not isinstance(exc, Exception):  # interrupted: the caller decides what becomes of the run
            raise
        raise RunFailed(f"检查运行 {run_id} 失败 / check run {run_id} failed: {error}", run_id=run_id) from exc
    _record(reg, run_id, status="done", data_version=version, finished_at=func.now(),
            duration_s=time.monotonic() - started)


def _record(reg: Registry, run_id: int, **values: Any) -> None:
    """Write the run's progress or outcome in its own short transaction, visible at once to pollers."""
    t = CheckRun.__table__
    with reg.engine.begin() as conn:
        conn.execute(update(t).where(t.c.id == run_id).values(**values))
