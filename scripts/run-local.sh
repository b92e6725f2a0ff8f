#!/usr/bin/env bash
# Install and run the site on a fresh machine: SQLite in instance/, demo data, http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -r requirements.txt
.venv/bin/pybabel -q compile -d movie_lottery/translations
export FLASK_APP=movie_lottery
.venv/bin/flask upgrade-db
.venv/bin/flask seed-demo
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
