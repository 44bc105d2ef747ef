"""The README's first command (the SQLite demo) works, and the CLI answers --help and --version quickly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_demo_script_shows_real_drift() -> None:
    env = {**os.environ, "PYTHON": sys.executable}
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "built .demo/dev.db" in out
    assert "schemaguard diff exited with 1" in out
    for needle in ("table_missing", "column_missing", "column_extra", "index_missing", "drift: "):
        assert needle in out, needle


def test_help_and_version() -> None:
    exe = Path(sys.executable).with_name("schemaguard")
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    for command in ("render", "inspect", "diff", "validate", "migrate", "backfill", "proof", "gate", "changelog"):
        assert command in proc.stdout
    # Start-up must not import the heavy libraries (measured separately; see bench/RESULTS.md).
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, schemaguard.cli.app; print(sorted(m for m in ('sqlalchemy', 'sqlglot', 'alembic', 'psycopg', 'pydantic') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]", probe.stdout
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0 and version.stdout.startswith("schemaguard ")
