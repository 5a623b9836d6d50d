"""Settings from environment variables, with defaults that work on the local machine."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fujian_gis"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as libpq users write them) and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url(env: Mapping[str, str] = os.environ) -> str:
    return normalise_url(env.get("DATABASE_URL", DEFAULT_DATABASE_URL))


@dataclass(frozen=True)
class Extent:
    """Fujian's extent in lon/lat with a margin for its sea areas (DOMAIN.md §1)."""

    west: float = 115.5
    south: float = 23.0
    east: float = 122.0
    north: float = 28.6

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


@dataclass(frozen=True)
class Limits:
    """Upload limits: a file past these is refused before it is read."""

    max_upload_bytes: int = 200 * 1024 * 1024
    max_features: int = 2_000_000
    max_unzipped_bytes: int = 2000 * 1024 * 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Limits:
        """``FUJIAN_MAX_UPLOAD_MB``, ``FUJIAN_MAX_FEATURES``, ``FUJIAN_MAX_UNZIPPED_MB``; defaults above."""
        return cls(max_upload_bytes=int(env.get("FUJIAN_MAX_UPLOAD_MB", "200")) * 1024 * 1024,
                   max_features=int(env.get("FUJIAN_MAX_FEATURES", "2000000")),
                   max_unzipped_bytes=int(env.get("FUJIAN_MAX_UNZIPPED_MB", "2000")) * 1024 * 1024)


FUJIAN = Extent()
DEFAULT_LIMITS = Limits()
"""The documented defaults (constants: the environment is read by :meth:`Settings.from_env`)."""


@dataclass(frozen=True)
class Settings:
    """A registry's settings, read once when it is created (:func:`registry.connect`), never at import."""

    extent: Extent = field(default_factory=Extent)
    limits: Limits = field(default_factory=Limits)
    env: Mapping[str, str] = field(default_factory=dict)
    """The ``FUJIAN_*`` variables as they were then: the business areas read their configuration here."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        return cls(limits=Limits.from_env(env), env={k: v for k, v in env.items() if k.startswith("FUJIAN_")})
