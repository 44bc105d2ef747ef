"""Fixtures for backfill tests: databases built from the example master and filled with demo data."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from schemaguard import api
from schemaguard.backfills.demo import seed_demo
from schemaguard.cli.context import STATE
from schemaguard.db import create_engine
from tests.conftest import ROOT

MASTER = ROOT / "schemas" / "master.yaml"


@pytest.fixture(autouse=True)
def _fresh_cli_state() -> Iterator[None]:
    # The CLI caches the loaded configuration on a module-level STATE; each test brings its own.
    STATE._config = None
    yield
    STATE._config = None


def build_demo(url: str, **kwargs: Any) -> str:
    """Create the example master's tables in ``url`` and fill them with demo data (kwargs go to seed_demo)."""
    seed_demo(url, schema=api.load_master(api.load_config(cwd=ROOT), MASTER), **kwargs)
    return url


@pytest.fixture
def demo_factory(db_factory: Callable[[], str]) -> Callable[..., str]:
    """Call with seed_demo kwargs for a new database (of the parametrised dialect) holding demo data."""
    return lambda **kw: build_demo(db_factory(), **kw)


def table_rows(url: str, tables: list[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (or of ``tables``), ordered, values as text; schemaguard's own tables skipped."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = tables or sorted(n for n in sa.inspect(conn).get_table_names() if not n.startswith("schemaguard_"))
            md = sa.MetaData()
            out = {}
            for name in names:
                t = sa.Table(name, md, autoload_with=conn)
                rows = conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
                out[name] = [tuple(str(v) for v in r) for r in rows]
            return out
    finally:
        engine.dispose()


def checksum(url: str) -> str:
    """sha256 over :func:`table_rows` of all tables."""
    return hashlib.sha256(json.dumps(table_rows(url), sort_keys=True).encode()).hexdigest()


def ledger_rows(url: str) -> list[dict[str, Any]]:
    """The ledger's rows (oldest first), counts decoded; [] when it does not exist."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("schemaguard_backfill_runs"):
                return []
            t = sa.Table("schemaguard_backfill_runs", sa.MetaData(), autoload_with=conn)
            rows = [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]
    finally:
        engine.dispose()
    for r in rows:
        r["counts"] = json.loads(r["counts"])
    return rows


CLI = "import sys; from schemaguard.cli.app import main; sys.exit(main(sys.argv[1:]))"


def start_cli(args: list[str], delay: float) -> subprocess.Popen[bytes]:
    """Run the CLI in a subprocess with a sleep after each batch (the runner's test hook)."""
    env = {**os.environ, "SCHEMAGUARD_BACKFILL_BATCH_DELAY": str(delay)}
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll ``predicate`` every 50 ms until true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the subprocess")
        time.sleep(0.05)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL and reap (a zombie would still look alive to the SQLite ledger check)."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
