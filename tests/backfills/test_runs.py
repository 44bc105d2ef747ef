"""Resuming a SIGKILLed run, refusing a concurrent run, timeouts: real subprocesses on real databases."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.runner import RunOptions, RunResult, run_backfill
from schemaguard.backfills.spec import BackfillError
from schemaguard.cli.app import main
from tests.backfills.conftest import build_demo, checksum, kill, ledger_rows, start_cli, wait_for


def _thread_progress(url: str) -> int:
    runs = ledger_rows(url)
    return runs[-1]["counts"].get("thread-numbers.1", 0) if runs else 0


def test_killed_run_resumes_to_the_state_of_an_uninterrupted_run(
    db_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    demo = {"orgs": 4, "threads_per_org": 40, "seed": 7}
    reference, victim = build_demo(db_factory(), **demo), build_demo(db_factory(), **demo)
    assert checksum(reference) == checksum(victim)
    expected = run_backfill(BACKFILL, reference, RunOptions(batch_size=5))

    proc = start_cli(["backfill", "phase-1-4", "--url", victim, "--yes", "--batch-size", "5"], delay=0.15)
    try:
        wait_for(lambda: _thread_progress(victim) >= 10)
    finally:
        kill(proc)
    killed = ledger_rows(victim)[-1]
    assert killed["status"] == "running" and 0 < killed["counts"]["thread-numbers.1"] < 120

    assert main(["backfill", "phase-1-4", "--url", victim, "--yes", "--batch-size", "5"]) == 1  # org w/o number
    out = capsys.readouterr().out
    assert f"resuming after interrupted run #{killed['id']}" in out
    assert checksum(victim) == checksum(reference)

    runs = ledger_rows(victim)
    assert [r["status"] for r in runs] == ["interrupted", "completed"]
    # Every row was changed exactly once over the two runs: nothing redone, nothing lost.
    merged = {k: runs[0]["counts"].get(k, 0) + runs[1]["counts"].get(k, 0) for k in expected.counts}
    assert merged == expected.counts


def test_a_second_concurrent_run_is_refused(db_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]) -> None:
    url = build_demo(db_factory(), orgs=3, threads_per_org=40)
    proc = start_cli(["backfill", "phase-1-4", "--url", url, "--yes", "--batch-size", "2"], delay=0.2)
    try:
        wait_for(lambda: _thread_progress(url) > 0)
        assert main(["backfill", "phase-1-4", "--url", url, "--yes"]) == 2
        assert "backfill 'phase-1-4' is already running on this database" in capsys.readouterr().err
        runs = ledger_rows(url)
        assert len(runs) == 1 and runs[0]["status"] == "running"
    finally:
        kill(proc)
    assert main(["backfill", "phase-1-4", "--url", url, "--yes"]) == 1  # now it may run (and resumes)
    assert [r["status"] for r in ledger_rows(url)] == ["interrupted", "completed"]


def test_postgresql_lock_timeout_fails_the_batch_cleanly(pg_url: str) -> None:
    url = build_demo(pg_url, orgs=2, threads_per_org=10, orgs_without_number=0)
    holder = psycopg.connect(url)
    try:
        holder.execute('SELECT * FROM "MessageThread" FOR UPDATE')  # row locks held in an open transaction
        with pytest.raises(BackfillError, match="lock timeout"):
            run_backfill(BACKFILL, url, RunOptions(lock_timeout=0.5))
    finally:
        holder.rollback()
        holder.close()
    runs = ledger_rows(url)
    assert runs[-1]["status"] == "failed" and "lock" in runs[-1]["error"]
    done = run_backfill(BACKFILL, url, RunOptions(lock_timeout=0.5))  # resumes after the failure
    assert done.counts["thread-numbers.1"] == 20 and not done.errors


def test_sqlite_busy_timeout_reports_the_write_lock(sqlite_url: str) -> None:
    import sqlite3

    url = build_demo(sqlite_url, orgs=2, threads_per_org=5)
    con = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")  # another writer holds the database write lock
        with pytest.raises(BackfillError, match="SQLite write lock"):
            run_backfill(BACKFILL, url, RunOptions(lock_timeout=0.3))
    finally:
        con.execute("ROLLBACK")
        con.close()
    assert ledger_rows(url) == []  # it never got to claim the ledger


def test_postgresql_batch_that_meets_a_newer_row_version_is_retried(pg_url: str) -> None:
    import threading

    url = build_demo(pg_url, orgs=2, threads_per_org=10, orgs_without_number=0)
    holder = psycopg.connect(url)
    watcher = psycopg.connect(url, autocommit=True)
    outcome: dict[str, object] = {}
    try:
        first = holder.execute('SELECT min(id) FROM "MessageThread"').fetchone()[0]  # type: ignore[index]
        holder.execute('UPDATE "MessageThread" SET status = %s WHERE id = %s', ("held", first))

        def run() -> None:
            outcome["result"] = run_backfill(BACKFILL, url, RunOptions(batch_size=50, lock_timeout=30))

        worker = threading.Thread(target=run)
        worker.start()
        # The batch's snapshot predates the holder's commit: its FOR UPDATE waits, then meets a newer version.
        wait_for(
            lambda: (
                watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO%%'"
                ).fetchone()[0]  # type: ignore[index]
                > 0
            )
        )
        holder.commit()
        worker.join(timeout=60)
    finally:
        holder.close()
        watcher.close()
    result = outcome["result"]
    assert isinstance(result, RunResult) and result.counts["thread-numbers.1"] == 20 and result.retries == 1
    assert ledger_rows(url)[-1]["status"] == "completed"
    with psycopg.connect(url) as conn:
        row = conn.execute('SELECT status, "messageNumberId" FROM "MessageThread" ORDER BY id LIMIT 1').fetchone()
    assert row is not None and row[0] == "held" and row[1] is not None  # the application's write kept, and filled
