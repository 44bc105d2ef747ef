#!/usr/bin/env bash
# One command: set up everything in .venv and run the whole test suite (lint, types, tests).
# PostgreSQL is taken from SCHEMAGUARD_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
# and started with pg_ctlcluster when it is down. Under CI=true a PostgreSQL that cannot be reached fails.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e '.[dev]' >/dev/null

export SCHEMAGUARD_TEST_PG_URL="${SCHEMAGUARD_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! .venv/bin/python -c "import psycopg,os; psycopg.connect(os.environ['SCHEMAGUARD_TEST_PG_URL'], connect_timeout=3).close()" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is down: starting it with pg_ctlcluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do
      .venv/bin/python -c "import psycopg,os; psycopg.connect(os.environ['SCHEMAGUARD_TEST_PG_URL'], connect_timeout=3).close()" 2>/dev/null && break
      sleep 1
    done
  fi
fi

.venv/bin/ruff check src tests $( [ -d bench ] && echo bench )
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
