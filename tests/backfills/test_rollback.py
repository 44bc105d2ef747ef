"""Issue 15.12: the exact rollback. Every run records the prior values of the rows it changes (undo tables,
written in each batch's transaction); ``--rollback-sql`` prints statements restoring them and ``--rollback``
applies them. The seed's blanket statements stay behind ``--rollback-sql --blanket``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.demo import BASE_TIME
from schemaguard.backfills.runner import RunOptions, apply_rollback, dry_run, rollback_plan, run_backfill
from schemaguard.backfills.spec import Backfill, BackfillError, Insert, Step, Tables, Update
from schemaguard.cli.app import main
from schemaguard.db import create_engine
from tests.backfills.conftest import build_demo, checksum, kill, ledger_rows, start_cli, table_rows, wait_for
from tests.conftest import run_sql


def _threads_with_number(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            q = 'SELECT count(*) FROM "MessageThread" WHERE "messageNumberId" IS NOT NULL'
            return int(conn.exec_driver_sql(q).scalar_one())
    finally:
        engine.dispose()


def test_rollback_restores_every_row_exactly(
    demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The demo's defaults: 100 threads, 44 of which already have a messageNumberId, and a SitterMaskedNumber row.
    url = demo_factory()
    assert _threads_with_number(url) == 44
    assert len(table_rows(url, ["SitterMaskedNumber"])["SitterMaskedNumber"]) >= 1
    before, rows_before = checksum(url), table_rows(url)

    first = run_backfill(BACKFILL, url, RunOptions(batch_size=7))
    assert first.total > 100 and checksum(url) != before
    assert run_backfill(BACKFILL, url).total == 0  # a second run changes nothing and records nothing

    # The printed statements restore every row byte for byte; the blanket ones would not (they clear 44 numbers
    # and delete the SitterMaskedNumber row): the exact script never touches SitterMaskedNumber.
    assert main(["backfill", "phase-1-4", "--rollback-sql", "--url", url]) == 0
    script = capsys.readouterr().out
    assert f"run(s) #{first.run_id}" in script and "SitterMaskedNumber" not in script
    statements = [s for s in script.splitlines() if s and not s.startswith("--")]
    assert all(s.startswith("UPDATE ") and s.endswith(";") for s in statements)
    assert checksum(url) != before  # printing changed nothing
    run_sql(url, [s.rstrip(";") for s in statements])
    assert table_rows(url) == rows_before
    assert checksum(url) == before


def test_rollback_applies_in_one_transaction_and_marks_the_ledger(
    demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = demo_factory(orgs=4, threads_per_org=15, seed=3)
    before = checksum(url)
    run = run_backfill(BACKFILL, url, RunOptions(batch_size=4))
    after = checksum(url)

    # --dry-run prints the same statements as --rollback-sql and changes nothing.
    assert main(["backfill", "phase-1-4", "--rollback", "--run", str(run.run_id), "--dry-run", "--url", url]) == 0
    dry = capsys.readouterr().out
    assert main(["backfill", "phase-1-4", "--rollback-sql", "--run", str(run.run_id), "--url", url]) == 0
    assert capsys.readouterr().out == dry
    assert checksum(url) == after

    assert main(["backfill", "phase-1-4", "--rollback", "--run", str(run.run_id), "--url", url, "--yes"]) == 0
    assert f"ledger: run(s) #{run.run_id} status rolled_back" in capsys.readouterr().out
    assert checksum(url) == before
    assert [r["status"] for r in ledger_rows(url)] == ["rolled_back"]
    # The undo rows went with the rollback: a second one is refused, and a rerun of the backfill works again.
    assert main(["backfill", "phase-1-4", "--rollback", "--run", str(run.run_id), "--url", url, "--yes"]) == 2
    assert "already rolled back" in capsys.readouterr().err
    assert run_backfill(BACKFILL, url, RunOptions(batch_size=4)).counts == run.counts
    assert checksum(url) == after


def test_rollback_of_an_earlier_run_waits_for_the_later_ones(
    demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = demo_factory(orgs=3, threads_per_org=10)
    before = checksum(url)
    first = run_backfill(BACKFILL, url)
    run_sql(url, ['UPDATE "MessageThread" SET "messageNumberId" = NULL, "numberClass" = NULL'])
    second = run_backfill(BACKFILL, url)  # fills them again: a second run with its own undo rows
    assert second.total > 0
    assert main(["backfill", "phase-1-4", "--rollback", "--run", str(first.run_id), "--url", url, "--yes"]) == 2
    assert f"run(s) #{second.run_id} changed rows after run #{first.run_id}" in capsys.readouterr().err
    # Without --run: every run, newest first, back to the state before the first one, except for what the
    # application did in between (clearing the numbers): run 2 restores NULL, run 1 then restores the originals.
    assert main(["backfill", "phase-1-4", "--rollback", "--url", url, "--yes"]) == 0
    assert checksum(url) == before


def test_no_undo_run_has_no_exact_rollback(
    demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = demo_factory(orgs=2, threads_per_org=5, orgs_without_number=0)
    assert main(["backfill", "phase-1-4", "--url", url, "--yes", "--no-undo"]) == 0
    capsys.readouterr()
    assert main(["backfill", "phase-1-4", "--rollback-sql", "--url", url]) == 2
    assert "without an undo record" in capsys.readouterr().err
    with pytest.raises(BackfillError, match="without an undo record"):
        rollback_plan(BACKFILL, url)
    assert main(["backfill", "phase-1-4", "--rollback-sql", "--blanket", "--url", url]) == 0
    assert 'DELETE FROM "SitterMaskedNumber";' in capsys.readouterr().out


def test_exact_rollback_needs_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no configuration, so no default database
    for extra in ([], ["--dialect", "sqlite"]):
        assert main(["backfill", "phase-1-4", "--rollback-sql", *extra]) == 2
        assert "--rollback-sql --blanket" in capsys.readouterr().err


def _archive_numbers() -> Backfill:
    """A backfill that inserts: one inactive archive MessageNumber per org that has none yet."""

    def rows(t: Tables) -> sa.Select[Any]:
        o, mn, acc = t.Organization, t.MessageNumber, t.MessageAccount
        new_id = sa.literal("arch_") + o.c.id
        return (
            sa.select(
                new_id.label("id"),
                o.c.id.label("orgId"),
                acc.c.id.label("accountId"),
                (sa.literal("+0") + o.c.id).label("e164"),
                sa.false().label("isActive"),
                sa.literal(BASE_TIME).label("updatedAt"),
            )
            .select_from(o.join(acc, acc.c.orgId == o.c.id))
            .where(~sa.exists().where(mn.c.id == new_id))
        )

    return Backfill(
        "archive-numbers",
        "one archive number per org",
        {"Organization": ("id",), "MessageAccount": ("id", "orgId"), "MessageNumber": ("id", "orgId")},
        (Step("archive", "archive numbers", inserts=(Insert("MessageNumber", rows, "an archive number per org"),)),),
    )


def test_inserted_rows_are_deleted_by_the_rollback(demo_factory: Callable[..., str]) -> None:
    url = demo_factory(orgs=5, threads_per_org=2)
    before = checksum(url)
    backfill = _archive_numbers()
    assert dry_run(backfill, url).counts == {"archive.insert.1": 5}
    first = run_backfill(backfill, url, RunOptions(batch_size=2))
    assert first.counts == {"archive.insert.1": 5} and {u.batches for u in first.updates} == {3}
    assert run_backfill(backfill, url).total == 0  # idempotent
    assert checksum(url) != before
    plan = rollback_plan(backfill, url)
    assert plan.runs == [first.run_id] and plan.rows == 5
    assert all(s.startswith('DELETE FROM "MessageNumber" WHERE') for s in plan.statements)
    apply_rollback(backfill, url)
    assert checksum(url) == before


def test_rollback_waits_for_a_running_backfill(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = build_demo(sqlite_url, orgs=3, threads_per_org=40, orgs_without_number=0)
    run_backfill(BACKFILL, url)
    run_sql(url, ['UPDATE "MessageThread" SET "isOneTimeClient" = NULL'])
    proc = start_cli(["backfill", "phase-1-4", "--url", url, "--yes", "--batch-size", "2"], delay=0.2)
    try:
        wait_for(lambda: len(ledger_rows(url)) == 2 and sum(ledger_rows(url)[-1]["counts"].values()) > 0)
        assert main(["backfill", "phase-1-4", "--rollback", "--url", url, "--yes"]) == 2
        assert "backfill 'phase-1-4' is running on this database" in capsys.readouterr().err
        assert [r["status"] for r in ledger_rows(url)] == ["completed", "running"]  # nothing rolled back
    finally:
        kill(proc)


def test_rollback_restores_the_columns_the_run_recorded(
    demo_factory: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The backfill's code changes after the run (its update now also writes "status"): the rollback still
    # restores what the run recorded, and leaves "status" alone.
    url = demo_factory(orgs=2, threads_per_org=6, orgs_without_number=0)
    before = checksum(url)
    run = run_backfill(BACKFILL, url)
    step = BACKFILL.steps[2]
    wider = Update(
        "MessageThread",
        step.updates[0].where,
        lambda t: {**step.updates[0].values(t), "status": sa.literal("open")},
    )
    changed = dataclasses.replace(
        BACKFILL,
        steps=(*BACKFILL.steps[:2], dataclasses.replace(step, updates=(wider,))),
        requires={**BACKFILL.requires, "MessageThread": (*BACKFILL.requires["MessageThread"], "status")},
    )
    run_sql(url, ['UPDATE "MessageThread" SET "status" = \'closed\''])
    plan = rollback_plan(changed, url)
    assert plan.runs == [run.run_id] and not any('"status"' in s for s in plan.statements)
    apply_rollback(changed, url)
    run_sql(url, ['UPDATE "MessageThread" SET "status" = \'open\''])
    assert checksum(url) == before
