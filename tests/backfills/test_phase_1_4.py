"""The phase-1-4 backfill end to end on SQLite and PostgreSQL, through the CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.runner import dry_run, render_rollback, run_backfill
from schemaguard.cli.app import main
from schemaguard.db import create_engine, dialect_name
from tests.backfills.conftest import checksum, ledger_rows, table_rows
from tests.conftest import run_sql

PHASE_COLUMNS = {
    "MessageNumber": ("id", "numberClass", "assignedSitterId", "ownerId"),
    "MessageThread": ("id", "messageNumberId", "numberClass", "isOneTimeClient"),
}


def phase_state(url: str) -> dict[str, list[tuple[str, ...]]]:
    """The phase-1-4 columns of MessageNumber and MessageThread, by id."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for name, cols in PHASE_COLUMNS.items():
                t = sa.Table(name, sa.MetaData(), autoload_with=conn)
                rows = conn.execute(sa.select(*(t.c[c] for c in cols)).order_by(t.c.id))
                out[name] = [tuple(str(v) for v in r) for r in rows]
            return out
    finally:
        engine.dispose()


def test_dry_run_changes_nothing_and_predicts_the_real_run(demo_factory: Callable[..., str]) -> None:
    url = demo_factory(orgs=6, threads_per_org=25)
    before = checksum(url)
    preview = dry_run(BACKFILL, url)
    assert checksum(url) == before
    assert ledger_rows(url) == []  # a dry run never creates the ledger
    assert preview.total > 0 and all(u.samples for u in preview.updates if u.rows)

    real = run_backfill(BACKFILL, url)
    assert real.counts == preview.counts
    assert [(f.message, f.count) for f in real.flags] == [(f.message, f.count) for f in preview.flags]
    assert checksum(url) != before

    # With a ledger in place a dry run still writes nothing at all, not even a ledger row.
    after = checksum(url)
    ledger_before = ledger_rows(url)
    again = dry_run(BACKFILL, url)
    assert checksum(url) == after and again.total == 0
    assert ledger_rows(url) == ledger_before
    assert [(r["status"], r["dry_run"]) for r in ledger_before] == [("completed", False)]


def test_run_makes_every_proof_pass_and_second_run_changes_nothing(
    demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = demo_factory(orgs=5, threads_per_org=30, orgs_without_number=0)
    assert main(["proof", "phase-1-4", "--url", url]) == 1  # before the backfill, threads lack numbers
    capsys.readouterr()

    assert main(["backfill", "phase-1-4", "--url", url, "--yes", "--batch-size", "7"]) == 0
    first = capsys.readouterr().out
    assert "row(s) changed" in first

    assert main(["proof", "phase-1-4", "--url", url]) == 0
    out = capsys.readouterr().out
    for org in ("org_0001", "org_0005"):
        assert f"✓ Org {org}: 1 (expected: 1)" in out
    assert "✓ Threads Missing messageNumberId: 0 (expected: 0)" in out
    assert "Threads By Number Class:" in out and "front_desk:" in out and "sitter:" in out and "pool:" in out
    assert "✅ All checks passed!" in out

    state = checksum(url)
    assert main(["backfill", "phase-1-4", "--url", url, "--yes"]) == 0
    assert "0 rows changed: nothing left to do (last completed run #1)" in capsys.readouterr().out
    assert checksum(url) == state
    runs = ledger_rows(url)
    assert [r["status"] for r in runs] == ["completed", "completed"]
    assert sum(runs[1]["counts"].values()) == 0 and sum(runs[0]["counts"].values()) > 0
    assert runs[0]["checksum"] == BACKFILL.checksum() and runs[0]["run_by"] and runs[0]["host"]


def test_org_without_number_is_an_error_and_fails_the_proof(
    demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = demo_factory(orgs=4, threads_per_org=10, orgs_without_number=1)
    assert main(["backfill", "phase-1-4", "--url", url, "--yes"]) == 1
    out = capsys.readouterr().out
    assert "1 organization(s) have no active MessageNumber" in out and "org_0004" in out
    assert "never invents a number" in out and 'INSERT INTO "MessageNumber"' in out
    assert "10 thread(s) cannot get a messageNumberId" in out
    # Nothing was invented for that org.
    numbers = table_rows(url, ["MessageNumber"])["MessageNumber"]
    assert [r for r in numbers if r[1] == "org_0004" and r[4] in ("True", "1")] == []

    assert main(["proof", "--url", url, "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["passed"] is False
    checks = {c["name"]: c for c in doc["backfills"][0]["checks"]}
    per_org = {i["label"]: (i["value"], i["passed"]) for i in checks["Front Desk Numbers Per Org"]["items"]}
    assert per_org["Org org_0004"] == (0, False) and per_org["Org org_0001"] == (1, True)
    assert checks["Threads Missing messageNumberId"]["items"][0]["value"] == 10
    assert checks["Threads By Number Class"]["passed"] is True

    assert main(["proof", "--url", url, "--format", "junit"]) == 1
    suite = ET.fromstring(capsys.readouterr().out).find("testsuite")
    assert suite is not None and suite.get("failures") == "2"
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["Front Desk Numbers Per Org", "Threads Missing messageNumberId"]


def test_missing_columns_stop_the_run_before_any_change(
    db_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.backfills.conftest import build_demo

    url = build_demo(db_factory(), orgs=3, threads_per_org=5)
    drop = 'ALTER TABLE "MessageThread" DROP COLUMN "isOneTimeClient"'
    run_sql(url, [drop, 'DROP TABLE "SitterMaskedNumber"'])
    before = checksum(url)
    assert main(["backfill", "phase-1-4", "--url", url, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "table SitterMaskedNumber" in err and "column MessageThread.isOneTimeClient" in err
    assert "Nothing was changed" in err
    assert checksum(url) == before and ledger_rows(url) == []
    assert main(["backfill", "phase-1-4", "--url", url, "--dry-run"]) == 2
    assert main(["proof", "--url", url]) == 2


def test_rollback_sql_restores_the_phase_columns(
    demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The seed's blanket rollback resets the columns wholesale: exact only for the state right after the Phase 1.1
    # schema change, where no thread has a number yet (test_rollback.py covers the exact, recorded rollback).
    url = demo_factory(orgs=5, threads_per_org=12, thread_number_share=0.0)
    before = phase_state(url)
    run_backfill(BACKFILL, url)
    assert phase_state(url) != before
    assert main(["backfill", "phase-1-4", "--rollback-sql", "--blanket", "--url", url]) == 0
    script = capsys.readouterr().out
    statements = render_rollback(BACKFILL, dialect_name(url))
    assert all(f"{s};" in script for s in statements) and "WARNING" in script
    run_sql(url, statements)
    assert phase_state(url) == before
    assert table_rows(url, ["SitterMaskedNumber"])["SitterMaskedNumber"] == []  # the seed's rollback deletes them


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_rollback_sql_without_a_database(dialect: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backfill", "phase-1-4", "--rollback-sql", "--blanket", "--dialect", dialect]) == 0
    out = capsys.readouterr().out
    assert f"rollback for {dialect}" in out
    assert 'UPDATE "MessageThread" SET "messageNumberId"=NULL, "numberClass"=NULL;' in out
    assert 'DELETE FROM "SitterMaskedNumber";' in out
    assert '"numberClass"=\'pool\', "assignedSitterId"=NULL, "ownerId"=NULL;' in out


def test_list_shows_steps_and_last_run(demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]) -> None:
    url = demo_factory(orgs=2, threads_per_org=3, orgs_without_number=0)
    assert main(["backfill", "--list", "--url", url]) == 0
    out = capsys.readouterr().out
    assert "phase-1-4" in out and "1. number-classes" in out and "3. client-classification" in out
    assert "last run: never" in out
    run_backfill(BACKFILL, url)
    assert main(["backfill", "--list", "--url", url]) == 0
    assert "last run: #1 completed" in capsys.readouterr().out


def test_unknown_backfill_and_no_confirmation(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backfill", "nope", "--url", sqlite_url, "--yes"]) == 2
    assert "unknown backfill 'nope' (registered: phase-1-4)" in capsys.readouterr().err
    assert main(["backfill", "phase-1-4", "--url", sqlite_url]) == 2  # stdin is not a terminal under pytest
    assert "pass --yes" in capsys.readouterr().err
