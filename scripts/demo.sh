#!/usr/bin/env bash
# One command: set up schemaguard in .venv and show real drift on the embedded SQLite demo database.
#
# The demo database is built the way the seeds' teams built theirs: the older schema version
# (examples/demo/master_v1.yaml) rendered and applied, then changes pushed by hand without a migration
# (examples/demo/pushed.sql). `schemaguard diff` then compares it with the master (schemas/master.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e . >/dev/null

rm -rf .demo && mkdir -p .demo
.venv/bin/schemaguard render --master examples/demo/master_v1.yaml --dialect sqlite --out .demo/master_v1.sqlite.sql
.venv/bin/python - <<'PY'
import sqlite3
con = sqlite3.connect(".demo/dev.db")
con.executescript(open(".demo/master_v1.sqlite.sql", encoding="utf-8").read())
con.executescript(open("examples/demo/pushed.sql", encoding="utf-8").read())
con.close()
print("built .demo/dev.db: master_v1 + changes pushed without a migration (examples/demo/pushed.sql)")
PY

echo
echo "\$ schemaguard diff --target dev"
set +e
.venv/bin/schemaguard diff --target dev
code=$?
set -e
echo
echo "schemaguard diff exited with $code (0 = no drift, 1 = drift, 2 = error)."
echo "Next: .venv/bin/schemaguard diff --target dev --sql      # the SQL that repairs the drift"
echo "      .venv/bin/schemaguard diff --target dev --format json"
[ "$code" -eq 1 ]
