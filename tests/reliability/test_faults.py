"""Faults: the database goes away in the middle of ``diff`` / ``inspect`` and of a backfill batch.

Determinism comes from locks, not timing: an admin session takes ACCESS EXCLUSIVE on ``pg_catalog.pg_enum``
(which the PostgreSQL inspector reads in its last catalog query) or row locks on the backfilled table; the test
waits until the schemaguard backend shows up in ``pg_stat_activity`` waiting on that lock — so it is provably in
the middle of its work — and then ``pg_terminate_backend``s it. The command must end with one clean error line,
exit 2, no traceback; a backfill must leave no partial batch and the next run must resume to the exact state of
an uninterrupted run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.runner import RunOptions, run_backfill
from tests.backfills.conftest import build_demo, checksum, ledger_rows
from tests.conftest import ROOT
from tests.helpers import run_cli

CLI = "import sys; from schemaguard.cli.app import main; sys.exit(main(sys.argv[1:]))"
MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"
TABLES = 150


def _start(args: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _waiting_backend(admin: psycopg.Connection, dbname: str, proc: subprocess.Popen[str], timeout: float = 60) -> int:
    """The pid of the backend on ``dbname`` that is blocked on a heavyweight lock (fails if ``proc`` ends first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            (dbname,),
        ).fetchone()
        if row:
            return int(row[0])
        if proc.poll() is not None:
            pytest.fail(f"the command ended before it blocked: {proc.communicate()}")
        time.sleep(0.05)
    pytest.fail("the command never blocked on the lock")


def _many_tables(url: str) -> None:
    stmts = [
        f"CREATE TABLE t{i:03d} (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'x', ref bigint, "
        f"CONSTRAINT t{i:03d}_ck CHECK (id > 0))"
        for i in range(TABLES)
    ]
    stmts += [f"CREATE INDEX t{i:03d}_name_idx ON t{i:03d} (name)" for i in range(TABLES)]
    stmts.append("CREATE TYPE mood AS ENUM ('a', 'b')")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("; ".join(stmts))


@pytest.mark.parametrize("command", ["diff", "inspect"])
def test_backend_terminated_in_the_middle_of_a_read(
    command: str, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _many_tables(pg_url)
    dbname = pg_url.rsplit("/", 1)[1]
    pw_url = pg_url.replace("postgres@", "postgres:fault-secret-77@", 1)
    args = ["diff", "--to", str(MASTER), "--url", pw_url] if command == "diff" else ["inspect", "--url", pw_url]
    with psycopg.connect(pg_url) as admin:
        admin.execute("LOCK TABLE pg_catalog.pg_enum IN ACCESS EXCLUSIVE MODE")  # held until rollback below
        watcher = psycopg.connect(pg_url, autocommit=True)
        proc = _start(args)
        try:
            pid = _waiting_backend(watcher, dbname, proc)
            # It got this far: connected, read tables, columns, constraints, indexes; now waits on pg_enum.
            assert watcher.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            watcher.close()
        admin.rollback()
    assert proc.returncode == 2, err
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert "terminat" in err.lower() or "closed" in err.lower(), err
    assert "fault-secret-77" not in out + err
    # The same command on the intact database works: the failure was the fault, not the data.
    assert run_cli(args, capsys)[0] in (0, 1)


def test_corrupt_sqlite_file_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    before = path.read_bytes()
    for args in (
        ["diff", "--to", str(MASTER), "--url", f"sqlite:///{path}"],
        ["inspect", "--url", f"sqlite:///{path}"],
    ):
        code, out, err = run_cli(args, capsys)
        assert code == 2, err
        assert "Traceback" not in out + err and len(err.strip().splitlines()) == 1, err
    assert path.read_bytes() == before


def _thread_progress(url: str) -> int:
    runs = ledger_rows(url)
    return runs[-1]["counts"].get("thread-numbers.1", 0) if runs else 0


def test_backend_terminated_in_the_middle_of_a_backfill_batch(
    pg_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    demo = {"orgs": 3, "threads_per_org": 30, "seed": 11, "orgs_without_number": 0}
    reference, victim = build_demo(pg_factory(), **demo), build_demo(pg_factory(), **demo)
    expected = run_backfill(BACKFILL, reference, RunOptions(batch_size=5))
    dbname = victim.rsplit("/", 1)[1]
    args = ["backfill", "phase-1-4", "--url", victim, "--yes", "--batch-size", "5", "--lock-timeout", "120"]
    proc = _start(args, SCHEMAGUARD_BACKFILL_BATCH_DELAY="0.3")
    watcher = psycopg.connect(victim, autocommit=True)
    holder = psycopg.connect(victim)
    try:
        deadline = time.monotonic() + 60
        while _thread_progress(victim) < 10:
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        # Lock every thread row (waits for an in-flight batch to commit); the next batch then blocks mid-transaction.
        holder.execute('SELECT 1 FROM "MessageThread" FOR UPDATE')
        before_kill = _thread_progress(victim)
        pid = _waiting_backend(watcher, dbname, proc)
        assert watcher.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        holder.rollback()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        holder.close()
        watcher.close()
    assert proc.returncode == 2, out + err
    assert "Traceback" not in out + err
    assert "error:" in err and "backfill failed" in err, err
    # No partial batch: the ledger's committed count did not move past what it showed before the kill.
    failed = ledger_rows(victim)[-1]
    assert failed["status"] == "failed", failed
    assert failed["counts"]["thread-numbers.1"] == before_kill

    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    assert checksum(victim) == checksum(reference)
    runs = ledger_rows(victim)
    assert [r["status"] for r in runs] == ["failed", "completed"]
    merged = {k: runs[0]["counts"].get(k, 0) + runs[1]["counts"].get(k, 0) for k in expected.counts}
    assert merged == expected.counts  # every row changed exactly once across the failed run and the resume
