"""The job queue: long jobs stored in PostgreSQL and done by a worker process, not by a web request.

Two tables are queues: ``check_runs`` (a run is its own job, see :mod:`analysis.runs`) and ``jobs``
(the other long jobs: big imports, done here). Both share the mechanics of this module: a worker claims
the oldest queued row with ``FOR UPDATE SKIP LOCKED`` (several workers may share a queue), records the
database backend of a connection it holds for the whole job, and a job whose backend is gone from
``pg_stat_activity`` is failed by :func:`reap` (its transaction died with its connection, so nothing of
it stays). A job's file waits in the spool folder (``FUJIAN_JOB_DIR``), removed when the job ends.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, Table, func, insert, select, text, update

from layers import LAYERS
from layers.system import Job
from registry.api import Registry
from registry.errors import Busy, NotFound, RegistryError

log = logging.getLogger(__name__)

RETRY_AFTER_S = 10
STALE_AFTER = timedelta(hours=2)
"""A job claimed this long ago without a worker's backend recorded is taken for dead."""
WORKER_GONE = ("执行该任务的进程已停止,任务未完成、未写入任何数据;请重新提交 / the process doing this job stopped: "
               "it did not finish and wrote nothing; submit it again")
PROGRESS_EVERY_S = 0.5


# --------------------------------------------------------------------------- shared mechanics


def claim(conn: Connection, table: Table, **running: Any) -> Row[Any] | None:
    """Take the oldest queued row of ``table`` that no other worker holds and mark it running, with
    ``running`` columns set as well; None when the queue is empty."""
    row = conn.execute(select(table).where(table.c.status == "queued").order_by(table.c.id).limit(1)
                       .with_for_update(skip_locked=True)).first()
    if row is not None:
        conn.execute(update(table).where(table.c.id == row.id).values(status="running", started_at=func.now(),
                                                                      **running))
    return row


def reap(conn: Connection, table: Table, error: str, stale: Any, **failed: Any) -> list[int]:
    """Fail the running rows of ``table`` whose worker's backend is gone (or, never given one, that
    started before ``stale``), with ``error`` and ``failed`` columns set; returns their ids."""
    t = table
    gone = t.c.worker_pid.not_in(select(text("pid")).select_from(text("pg_stat_activity"))
                                 .where(text("pid IS NOT NULL")))
    lost = func.coalesce(gone, False) | (t.c.worker_pid.is_(None) & (t.c.started_at < stale))
    stmt = (update(t).where(t.c.status == "running", lost)
            .values(status="failed", error=error, finished_at=func.now(), **failed).returning(t.c.id))
    return list(conn.scalars(stmt))


# --------------------------------------------------------------------------- import jobs


@dataclass
class JobStatus:
    """One job as its author follows it."""

    id: int
    kind: str
    status: str
    author: str
    params: dict[str, Any]
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    done: int
    total: int
    result: dict[str, Any] | None
    error: str | None
    worker_pid: int | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        stamp = {k: (v.isoformat() if v else None) for k, v in
                 (("queued_at", self.queued_at), ("started_at", self.started_at), ("finished_at", self.finished_at))}
        params = {k: v for k, v in self.params.items() if k not in ("path", "scope")}
        return {"id": self.id, "kind": self.kind, "status": self.status, "author": self.author, "params": params,
                **stamp, "progress": {"done": self.done, "total": self.total}, "result": self.result,
                "error": self.error}


def spool_dir(reg: Registry) -> Path:
    """Where queued jobs' files wait: ``FUJIAN_JOB_DIR``, by default a folder of the system's temp folder."""
    return Path(reg.settings.env.get("FUJIAN_JOB_DIR") or Path(tempfile.gettempdir()) / "fujian-gis-jobs")


def queue_import(reg: Registry, layer: str, path: Path, *, author: str, scope: str | None = None,
                 options: Mapping[str, Any] | None = None) -> int:
    """Queue the import of the file at ``path`` (moved into the spool folder) into ``layer`` and return
    the job's id; ``options`` are :meth:`~registry.api.LayerHandle.import_file`'s (crs, dry_run, repair,
    file_layer, source). Refused with :class:`Busy` while the author has an import queued or going."""
    if layer not in LAYERS:
        raise NotFound(f"没有图层 {layer} / no layer {layer}")
    t = Job.__table__
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=_ensure(spool_dir(reg))))
    kept = folder / path.name
    shutil.move(str(path), kept)
    try:
        with reg.engine.begin() as conn:
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"job by {author}"))))
            going = conn.scalar(select(t.c.id).where(t.c.author == author, t.c.kind == "import",
                                                     t.c.status.in_(("queued", "running"))).limit(1))
            if going is not None:
                raise Busy(f"您的导入任务 {going} 尚未结束,请等它完成后再提交 / your import job {going} is still "
                           "going: submit another when it is done", retry_after=RETRY_AFTER_S, job_id=going)
            params = {"layer": layer, "path": str(kept), "file": path.name, "scope": scope, **(options or {})}
            return int(conn.execute(insert(t).values(kind="import", author=author, params=params)
                                    .returning(t.c.id)).scalar_one())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def load_job(reg: Registry, job_id: int) -> JobStatus:
    t = Job.__table__
    with reg.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"没有任务 {job_id} / no job {job_id}")
    return JobStatus(**row._mapping)


def do_next_job(reg: Registry) -> int | None:
    """Claim the oldest queued job and do it; returns its id, or None when the queue was empty.

    The connection holding the claim stays open for the whole job: its backend is the job's
    ``worker_pid``. A refused import is failed with the problem as its result (and the import report
    naming the file's rows); a dry run is done with its report. Interrupted (a signal), the job goes
    back to the queue with its file.
    """
    t = Job.__table__
    with reg.engine.connect() as holder:
        with holder.begin():
            row = claim(holder, t, worker_pid=func.pg_backend_pid())
        if row is None:
            return None
        try:
            result, status, error = _import(reg, row.id, row.author, row.params), "done", None
        except RegistryError as exc:  # refused: the problem, and the report naming the file's rows
            result = {"status": exc.status, "title": exc.title, "detail": exc.detail}
            status, error = "failed", exc.detail
            if exc.extra.get("report") is not None:
                result["report"] = exc.extra["report"].as_dict()
        except Exception as exc:
            log.exception("job %s failed", row.id)
            result, status, error = None, "failed", f"{type(exc).__name__}: {exc}"[:2000]
        except BaseException:
            _set(reg, row.id, status="queued", started_at=None, done=0, worker_pid=None)
            raise
        _set(reg, row.id, status=status, result=result, error=error, finished_at=func.now())
        _remove_file(row.params)
        return int(row.id)


def reap_jobs(reg: Registry) -> list[int]:
    """Fail the jobs of workers that died and remove their files."""
    t = Job.__table__
    with reg.engine.begin() as conn:
        gone = reap(conn, t, WORKER_GONE, func.now() - STALE_AFTER)
        for params in conn.scalars(select(t.c.params).where(t.c.id.in_(gone))):
            _remove_file(params)
    return gone


def _import(reg: Registry, job_id: int, author: str, params: Mapping[str, Any]) -> dict[str, Any]:
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if done == total or time.monotonic() - last[0] >= PROGRESS_EVERY_S:
            last[0] = time.monotonic()
            _set(reg, job_id, done=done, total=total)

    options = {k: params[k] for k in ("crs", "dry_run", "repair", "file_layer", "source") if k in params}
    report = reg.layer(params["layer"]).import_file(params["path"], author=author, scope=params.get("scope"),
                                                    progress=progress, **options)
    _set(reg, job_id, done=report.features, total=report.features)
    return report.as_dict()


def _set(reg: Registry, job_id: int, **values: Any) -> None:
    """Write the job's progress or outcome in its own short transaction, visible at once to whoever polls."""
    t = Job.__table__
    with reg.engine.begin() as conn:
        conn.execute(update(t).where(t.c.id == job_id).values(**values))


def _remove_file(params: Mapping[str, Any]) -> None:
    path = params.get("path")
    if path:
        shutil.rmtree(Path(path).parent, ignore_errors=True)


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    return folder
