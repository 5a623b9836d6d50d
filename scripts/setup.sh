#!/usr/bin/env bash
# Set-up shared by `make run` and `make test`: Python environment, PostgreSQL with PostGIS,
# system tools the tests drive (GDAL, Chromium, CJK fonts), front-end assets, database and schema.
# Idempotent: every step checks before it acts. DATABASE_URL overrides the local database.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-run}            # run | test | bench (test plus the benchmark's baseline engines)
VENV=.venv
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {             # install the Debian packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- PostgreSQL and PostGIS -------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "starting the local PostgreSQL server"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  major=$(psql -h 127.0.0.1 -U postgres -d postgres -Atc "SHOW server_version_num" | cut -c1-2)
  has_postgis=$(psql -h 127.0.0.1 -U postgres -d postgres -Atc \
    "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
  if [ "$has_postgis" = 0 ]; then apt_install "postgresql-${major}-postgis-3"; fi
fi

# --- system tools: GDAL's ogr tools (QGIS's OGC API client), Chromium (browser tests),
#     CJK fonts and poppler (PDF reports and their checks), Node.js for the front-end assets -------
apt_install gdal-bin fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
if [ "$purpose" != run ]; then apt_install chromium; fi
command -v npm >/dev/null || apt_install npm

# --- Python environment -----------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating the virtual environment $VENV"
  python3 -m venv "$VENV"
fi
extras=dev; [ "$purpose" = bench ] && extras=dev,bench
stamp="$VENV/.installed-$extras-$(cat pyproject.toml | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  log "installing the project and its dependencies ($extras)"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q --config-settings editable_mode=compat -e ".[$extras]"
  rm -f "$VENV"/.installed-*; touch "$stamp"
fi

# --- front-end assets (Leaflet and friends), served by the app itself ---------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing front-end assets from the npm registry"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- database ---------------------------------------------------------------------------------
if [ "$purpose" = run ]; then
  "$VENV/bin/fujian-gis" db upgrade
fi
log "set-up done"
