"""Uploads on disk: named as the user named them, never outside their folder, and gone after a kill."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gis_app.uploads import PREFIX, remove_stale, safe_name


def test_the_users_file_name_is_kept_without_any_folder():
    assert safe_name("漳浦县排污口调查.csv") == "漳浦县排污口调查.csv"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\李\\survey.zip") == "survey.zip"
    assert safe_name("..") == "upload" and safe_name("") == "upload"
    assert len(safe_name("长" * 300 + ".gpkg").encode()) < 255 and safe_name("长" * 300 + ".gpkg").endswith(".gpkg")


def test_the_folders_of_a_killed_process_are_removed_at_the_next_start():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    left = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{dead}-"))
    (left / "survey.gpkg").write_bytes(b"x" * 1024)
    mine = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    try:
        assert left in remove_stale()
        assert not left.exists() and mine.exists(), "a running process keeps its uploads"
    finally:
        mine.rmdir()


def test_an_import_leaves_no_upload_behind(client, token_for):
    import io

    headers = token_for(("admin",), username="gly", display_name="管理员")
    before = set(Path(tempfile.gettempdir()).glob(f"{PREFIX}*"))
    response = client.post("/collections/outfalls/import", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"code,name\n\x81\x30\xff\xfe,\x80\n"), "漳浦.csv")})
    assert response.status_code == 422 and "漳浦.csv" in response.get_data(as_text=True)
    assert set(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")) == before
