"""The web app's and the command line's settings, read from the environment when they are created."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from registry.config import Limits, database_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def asset_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where the front-end assets installed from npm are (``FUJIAN_ASSET_DIR``, else the project's ``node_modules``)."""
    return Path(env.get("FUJIAN_ASSET_DIR") or PROJECT_ROOT / "node_modules")


def app_config(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Flask settings from ``FUJIAN_*`` variables, with defaults that work on the local machine."""
    return {
        "DATABASE_URL": database_url(env),
        # Without a configured key each process makes its own: sessions then end when it restarts.
        "SECRET_KEY": env.get("FUJIAN_SECRET_KEY") or secrets.token_hex(32),
        "BASEMAP_URL": env.get("FUJIAN_BASEMAP_URL", ""),
        "BASEMAP_ATTRIBUTION": env.get("FUJIAN_BASEMAP_ATTRIBUTION", ""),
        "TIANDITU_KEY": env.get("FUJIAN_TIANDITU_KEY", ""),
        "MAX_CONTENT_LENGTH": Limits.from_env(env).max_upload_bytes,
        "TILE_THRESHOLD": int(env.get("FUJIAN_TILE_THRESHOLD", "5000")),
        "IMPORT_QUEUE_MB": float(env.get("FUJIAN_IMPORT_QUEUE_MB", "20")),
        "MAP_EMBED_BYTES": int(float(env.get("FUJIAN_MAP_EMBED_MB", "2")) * 2**20),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("FUJIAN_SECURE_COOKIES", "") == "1",
        "ASSET_DIR": str(asset_dir(env)),
        "TRUSTED_PROXIES": int(env.get("FUJIAN_TRUSTED_PROXIES", "0")),
    }
