#!/usr/bin/env bash
# Install everything the tests need and run them (SQLite, the local Postgres, real
# qbittorrent-nox, Debian's chromium and redis-server). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -r requirements-dev.txt
.venv/bin/pybabel -q compile -d movie_lottery/translations

export DEBIAN_FRONTEND=noninteractive
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v qbittorrent-nox >/dev/null || missing+=(qbittorrent-nox)
command -v redis-server >/dev/null || missing+=(redis-server)  # tests start their own on a free port
command -v npm >/dev/null || missing+=(npm)  # axe-core (tests/test_e2e_accessibility.py), ical.js (tests/test_nights_ics_parsers.py)
command -v wrk >/dev/null || missing+=(wrk)  # bench/run.py --smoke (tests/test_bench_smoke.py)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  timeout 600 apt-get update -qq && timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Real containers (tests/test_compose.py): podman with runc, debootstrap for the tests' base image.
containers_missing=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || containers_missing+=("$tool"); done
if [ ${#containers_missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  timeout 600 apt-get update -qq && timeout 900 apt-get install -y -qq --no-install-recommends "${containers_missing[@]}" >/dev/null
fi

# axe-core for the accessibility scan of the browser suite (injected into Debian's chromium).
[ -f tests/a11y/node_modules/axe-core/axe.min.js ] || timeout 600 npm ci --prefix tests/a11y --no-audit --no-fund --ignore-scripts --silent
# Mozilla's ical.js, to read the calendar files back as Thunderbird and Nextcloud do (tests/test_nights_ics_parsers.py).
[ -f tests/ical/node_modules/ical.js/package.json ] || timeout 600 npm ci --prefix tests/ical --no-audit --no-fund --ignore-scripts --silent

# The tests create (and drop) their own throwaway database on this server.
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi

# A fresh Debian machine has no PostgreSQL: install Debian's, with a cluster on 127.0.0.1:5432
# that trusts local connections (the tests connect as postgres without a password). A server
# already there keeps its own settings. Not root: say in one line what is missing, then stop.
still_missing=()
for tool in "${missing[@]}"; do command -v "$tool" >/dev/null || still_missing+=("$tool"); done
if [ "$TEST_POSTGRES_URL" = "postgresql://postgres@127.0.0.1:5432/postgres" ] \
    && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && ! command -v pg_createcluster >/dev/null; then
  still_missing+=(postgresql)
fi
if [ ${#still_missing[@]} -gt 0 ] && [ "$(id -u)" != 0 ]; then
  echo "scripts/test.sh: missing ${still_missing[*]}; run it as root to install them with apt (PostgreSQL: or point TEST_POSTGRES_URL at a server)" >&2
  exit 1
fi
if [[ " ${still_missing[*]} " == *" postgresql "* ]]; then
  timeout 600 apt-get update -qq && timeout 900 apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  version="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
  [ -d "/etc/postgresql/$version/main" ] || pg_createcluster "$version" main -p 5432 >/dev/null
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' | cat - "$hba" >"$hba.new"
  mv "$hba.new" "$hba" && chown postgres:postgres "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main restart || pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi

# Format, lint and type check first (pyproject.toml has their settings): any finding fails the run.
.venv/bin/ruff format --check --quiet movie_lottery tests bench gunicorn_config.py wsgi.py
.venv/bin/ruff check movie_lottery
.venv/bin/mypy

status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ "$status" = 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"
