"""Uploaded files on disk while an import reads them: in a folder named after the serving process, so a
process that was killed mid-import leaves nothing behind for long (the next start removes its folders)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.datastructures import FileStorage

PREFIX = "fujian-gis-upload-"


@contextmanager
def saved_upload(upload: FileStorage) -> Iterator[Path]:
    """The upload saved under its own (sanitised) name, removed on every way out of the block."""
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    try:
        path = folder / safe_name(upload.filename or "")
        upload.save(path)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def safe_name(filename: str) -> str:
    """The file's own name (Chinese kept, so messages name the file the user chose), without any folder,
    NUL or name that would leave the upload folder."""
    name = Path(filename.replace("\\", "/").replace("\x00", "")).name
    if name in ("", ".", ".."):
        return "upload"
    suffix = Path(name).suffix[:10]
    return name if len(name.encode()) <= 200 else name[:60] + suffix


def remove_stale(root: Path | None = None) -> list[Path]:
    """Remove the upload folders of processes that no longer run; returns what was removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid = folder.name.removeprefix(PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
