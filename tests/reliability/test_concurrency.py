"""A backfill running while an application writes to the same tables loses no application write.

The built-in ``phase-1-4`` backfill runs with a small batch size (hundreds of batches) in this process while a
second process plays the application for the whole run: it inserts MessageThreads (with and without a number,
each with its first MessageEvent), updates existing threads' ``status``/``lastMessageAt``, adds messages and
MessageNumbers, and logs every write once its transaction has committed. Afterwards:

* every logged write is in the database with its values, and no application-owned value changed otherwise;
* the backfill's own columns are consistent for every thread, and ``schemaguard proof phase-1-4`` passes, after
  one more backfill run: a run is a snapshot (threads inserted behind its keyset scan are not seen), and reruns are
  idempotent, so the second run picks up exactly the rows still to do and a third changes nothing.

SQLite allows one writer at a time: the application uses ``busy_timeout`` plus retries of whole transactions. On
PostgreSQL the application runs with no lock timeout and no retries at all: any error fails the test, so the
backfill's ``lock_timeout`` (its own sessions only) can never make the application fail.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.runner import RunOptions, dry_run, run_backfill
from schemaguard.cli.app import main
from schemaguard.db import create_engine
from tests.backfills.conftest import build_demo, ledger_rows
from tests.conftest import ROOT
from tests.reliability._support import deadline

BATCH_SIZE = 5
DEMO = {"orgs": 8, "threads_per_org": 100, "orgs_without_number": 0, "seed": 11}
APP_MAX_SECONDS = 90.0
"""The application stops on its own after this long, even if the test never tells it to."""
THINK_MAX = 0.004
"""The application pauses up to this long (uniformly random) between transactions: requests arrive, they do not
queue back to back. A writer that never pauses starves any other SQLite writer, the backfill included."""
MAX_APP_WAIT = 1.0
"""Longest an application transaction may take while the backfill runs (its busy_timeout is twice that)."""
TEST_DEADLINE = 240.0
STATUSES = ("open", "pending", "snoozed", "closed")
THREAD_COLUMNS = ("orgId", "accountId", "clientId", "status", "lastMessageAt", "messageNumberId")
"""Columns the application owns; the backfill may only fill ``messageNumberId`` where it is NULL."""


# -- the application (runs in its own process) ---------------------------------------------------------------


class _Sqlite:
    """One application connection to a SQLite file: busy_timeout, FK enforcement, whole-transaction retries."""

    def __init__(self, path: str, busy_ms: int = 2000) -> None:
        self.con = sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None)
        self.con.execute(f"PRAGMA busy_timeout = {busy_ms:d}")
        self.con.execute("PRAGMA foreign_keys = ON")
        self.retries = 0

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql.replace("%s", "?")).fetchall()

    def transaction(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Run the statements in one write transaction, retrying the whole of it while the database is locked
        (SQLite may refuse a lock without waiting, e.g. to avoid a deadlock; the application must retry)."""
        for attempt in range(200):
            try:
                self.con.execute("BEGIN IMMEDIATE")
                for sql, params in statements:
                    self.con.execute(sql.replace("%s", "?"), params)
                self.con.execute("COMMIT")
                return
            except sqlite3.OperationalError as exc:
                if self.con.in_transaction:
                    self.con.execute("ROLLBACK")
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                self.retries += 1
                time.sleep(min(0.001 * 2**attempt, 0.05))
        raise RuntimeError("the SQLite write lock stayed busy through 200 attempts")

    def value(self, v: datetime | bool) -> Any:
        return _ts(v) if isinstance(v, datetime) else v


class _Postgres:
    """One application connection to PostgreSQL: default settings (no lock_timeout), no retries."""

    def __init__(self, url: str) -> None:
        self.con = psycopg.connect(url)
        self.retries = 0

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.con.transaction():
            return self.con.execute(sql).fetchall()

    def transaction(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self.con.transaction():
            for sql, params in statements:
                self.con.execute(sql, params)
            time.sleep(random.random() * 0.003)  # hold the row locks a moment, as real request handlers do

    def value(self, v: datetime | bool) -> Any:
        return v


def _ts(v: datetime) -> str:
    """The text form both dialects' values are compared in (millisecond precision, as ``datetime(3)``)."""
    return v.isoformat(sep=" ", timespec="milliseconds")


def app_main(url: str, stop_file: str, log_file: str, seed: str) -> None:
    """The application process: write until ``stop_file`` exists (or APP_MAX_SECONDS pass), logging each committed
    write as one JSON line in ``log_file``; a final line ``{"op": "done", ...}`` carries the retry count."""
    rng = random.Random(int(seed))
    db: _Sqlite | _Postgres = _Sqlite(url.split(":///", 1)[1]) if url.startswith("sqlite") else _Postgres(url)
    clients: dict[str, list[str]] = {}
    numbers: dict[str, list[str]] = {}
    for org, cid in db.query('SELECT "orgId", id FROM "Client" ORDER BY id'):
        clients.setdefault(org, []).append(cid)
    for org, nid in db.query('SELECT "orgId", id FROM "MessageNumber" WHERE "isActive" = true ORDER BY id'):
        numbers.setdefault(org, []).append(nid)
    thread_org = dict(db.query('SELECT id, "orgId" FROM "MessageThread" ORDER BY id'))
    threads = sorted(thread_org)
    orgs = sorted(numbers)
    clock = datetime(2026, 11, 1)
    seq = 0
    started = txn_started = time.monotonic()

    def tick() -> datetime:
        # Strictly increasing timestamps: every update of a thread leaves a distinct lastMessageAt.
        nonlocal clock
        clock = max(clock + timedelta(milliseconds=1), datetime.now().replace(microsecond=0))
        return clock

    def message(thread: str, org: str, now: datetime) -> tuple[dict[str, Any], tuple[str, tuple[Any, ...]]]:
        row = {
            "id": f"evt_app_{seq:06d}",
            "orgId": org,
            "threadId": thread,
            "direction": rng.choice(("inbound", "outbound")),
            "actorType": "client",
            "body": f"message {seq}",
            "updatedAt": now,
        }
        return row, _insert("MessageEvent", row, db)

    with open(log_file, "a", encoding="utf-8") as log:

        def record(entry: dict[str, Any]) -> None:
            entry["t"] = time.time()
            entry["wait"] = time.monotonic() - txn_started  # how long the transaction took, lock waits included
            log.write(json.dumps(entry, default=_ts) + "\n")
            log.flush()

        while not os.path.exists(stop_file) and time.monotonic() - started < APP_MAX_SECONDS:
            seq += 1
            now = tick()
            txn_started = time.monotonic()
            kind = rng.choices(("thread", "update", "message", "number"), weights=(3, 4, 3, 1))[0]
            if kind == "thread":
                org = rng.choice(orgs)
                row: dict[str, Any] = {
                    "id": f"thr_app_{seq:06d}",  # sorts before the demo's thr_org_...: behind a running scan
                    "orgId": org,
                    "accountId": f"acc_{org}",
                    "clientId": rng.choice(clients[org]) if rng.random() < 0.8 else None,
                    "status": "open",
                    "lastMessageAt": now,
                    "messageNumberId": rng.choice(numbers[org]) if rng.random() < 0.5 else None,
                    "createdAt": now,
                    "updatedAt": now,
                }
                first, insert_first = message(row["id"], org, now)
                db.transaction([_insert("MessageThread", row, db), insert_first])
                threads.append(row["id"])
                thread_org[row["id"]] = org
                record({"op": "thread", "row": row})
                record({"op": "message", "row": first})
            elif kind == "update":
                thread = rng.choice(threads)
                status = rng.choice(STATUSES)
                db.transaction(
                    [
                        (
                            'UPDATE "MessageThread" SET status = %s, "lastMessageAt" = %s, "updatedAt" = %s '
                            "WHERE id = %s",
                            (status, db.value(now), db.value(now), thread),
                        )
                    ]
                )
                record({"op": "update", "id": thread, "set": {"status": status, "lastMessageAt": now}})
            elif kind == "message":
                thread = rng.choice(threads)
                row, insert = message(thread, thread_org[thread], now)
                bump = ('UPDATE "MessageThread" SET "lastMessageAt" = %s WHERE id = %s', (db.value(now), thread))
                db.transaction([insert, bump])
                record({"op": "message", "row": row})
                record({"op": "update", "id": thread, "set": {"lastMessageAt": now}})
            else:
                org = rng.choice(orgs)
                number: dict[str, Any] = {
                    "id": f"num_app_{seq:06d}",
                    "orgId": org,
                    "accountId": f"acc_{org}",
                    "e164": f"+1999{seq:07d}",
                    "isActive": True,
                    "createdAt": now,
                    "updatedAt": now,
                }
                db.transaction([_insert("MessageNumber", number, db)])
                numbers[org].append(number["id"])
                record({"op": "number", "row": number})
            time.sleep(rng.uniform(0, THINK_MAX))
        record({"op": "done", "retries": db.retries})


def _insert(table: str, row: dict[str, Any], db: _Sqlite | _Postgres) -> tuple[str, tuple[Any, ...]]:
    cols = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("%s" for _ in row)
    return f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', tuple(db.value(v) for v in row.values())


# -- the test --------------------------------------------------------------------------------------------------


@contextmanager
def application(url: str, tmp_path: Path) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Start the application process; yields a reader of its log. On exit: stop it and wait (bounded)."""
    stop, log = tmp_path / "stop", tmp_path / "app.jsonl"
    code = "import sys; from tests.reliability.test_concurrency import app_main; app_main(*sys.argv[1:])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, url, str(stop), str(log), "7"], cwd=ROOT, stderr=subprocess.PIPE, text=True
    )

    def read() -> list[dict[str, Any]]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.endswith("}")]

    try:
        yield read
    finally:
        stop.touch()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        assert proc.returncode == 0, f"the application failed:\n{err}"


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.02)


def _fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def _norm(v: Any) -> Any:
    if isinstance(v, datetime):
        return _ts(v)
    if isinstance(v, str) and len(v) == 26 and v[10] == " " and v[19] == ".":
        return v[:23]  # SQLAlchemy's SQLite text form has microseconds; compare at the column's precision
    return v


def _threads(url: str) -> dict[str, dict[str, Any]]:
    cols = ", ".join(f'"{c}"' for c in THREAD_COLUMNS)
    return {
        r[0]: {c: _norm(v) for c, v in zip(THREAD_COLUMNS, r[1:], strict=True)}
        for r in _fetch(url, f'SELECT id, {cols} FROM "MessageThread"')
    }


def _app_rows(url: str, table: str, columns: list[str]) -> dict[str, dict[str, Any]]:
    """The rows of ``table`` the application inserted (ids ``*_app_*``), by id, values normalised."""
    cols = ", ".join(f'"{c}"' for c in columns)
    return {
        r[0]: {c: _norm(v) for c, v in zip(columns, r[1:], strict=True)}
        for r in _fetch(url, f'SELECT id, {cols} FROM "{table}"')
        if "_app_" in r[0]
    }


def _inconsistent_threads(url: str) -> list[tuple[Any, ...]]:
    """Threads whose backfilled columns disagree with the data: no number, a class other than their number's, or
    isOneTimeClient other than NOT Client.isRecurring (no client or no flag: one-time)."""
    return _fetch(
        url,
        'SELECT t.id FROM "MessageThread" t LEFT JOIN "MessageNumber" n ON n.id = t."messageNumberId" '
        'LEFT JOIN "Client" c ON c.id = t."clientId" '
        'WHERE n.id IS NULL OR t."numberClass" IS NULL OR t."numberClass" <> n."numberClass" '
        'OR t."isOneTimeClient" IS NULL '
        'OR t."isOneTimeClient" <> (CASE WHEN c."isRecurring" = true THEN false ELSE true END) ORDER BY t.id',
    )


def _front_desks(url: str) -> dict[str, str]:
    rows = _fetch(
        url, 'SELECT "orgId", id FROM "MessageNumber" WHERE "isActive" = true AND "numberClass" = \'front_desk\''
    )
    assert len({org for org, _ in rows}) == len(rows), "an org has several front-desk numbers"
    return dict(rows)


def test_backfill_under_concurrent_application_writes_loses_nothing(
    db_factory: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = build_demo(db_factory(), **DEMO)
    before = _threads(url)
    opts = RunOptions(batch_size=BATCH_SIZE)
    with deadline(TEST_DEADLINE, "the concurrency test"):
        with application(url, tmp_path) as app_log:
            _wait(lambda: len(app_log()) >= 20, "the application's first writes")
            began = time.time()
            first = run_backfill(BACKFILL, url, opts)
            ended = time.time()
            # Keep the application going until it has inserted threads the finished run cannot have seen.
            _wait(lambda: any(e["op"] == "thread" and e["t"] > ended for e in app_log()), "a late thread insert")
        log = app_log()

    # The two really overlapped, across many batches, and the application got its writes in all along.
    assert log[-1]["op"] == "done"
    assert {e["op"] for e in log} == {"thread", "update", "message", "number", "done"}
    during = [e for e in log if began < e["t"] < ended]
    assert sum(first.counts.values()) >= 2 * DEMO["orgs"] * DEMO["threads_per_org"]
    assert first.counts["thread-numbers.1"] >= 50 * BATCH_SIZE and not first.errors
    assert len(during) >= 50, f"only {len(during)} application writes during the backfill"
    # No application transaction was held up for long: neither by a lock timeout (PostgreSQL) nor by the run
    # taking the SQLite write lock back the moment it commits (before the fix, the app waited the whole run).
    slowest = max(e["wait"] for e in log if "wait" in e)
    assert slowest < MAX_APP_WAIT, f"an application transaction waited {slowest:.2f}s"
    assert ledger_rows(url)[-1]["status"] == "completed"
    with capsys.disabled():
        print(
            f"\n{url.split(':')[0]}: {len(during)} application writes during a {ended - began:.1f}s backfill "
            f"of {sum(first.counts.values())} rows, {len(log) - 1} in all, slowest {slowest * 1000:.0f} ms, "
            f"{log[-1]['retries']} lock retries"
        )

    # A run is a snapshot: what the application inserted behind its scan is left for the next run, which must
    # pick up exactly that (the dry run counts with the real run's predicates), and a third run does nothing.
    pending = dry_run(BACKFILL, url, opts).counts
    assert pending["thread-numbers.1"] + pending["client-classification.1"] > 0
    second = run_backfill(BACKFILL, url, opts)
    assert second.counts == pending and not second.errors
    assert run_backfill(BACKFILL, url, opts).total == 0
    capsys.readouterr()
    assert main(["proof", "phase-1-4", "--url", url]) == 0, capsys.readouterr().out

    # No lost application write: replay the log over the state before the run and compare every thread.
    expected = {k: dict(v) for k, v in before.items()}
    inserted: dict[str, dict[str, dict[str, Any]]] = {"MessageEvent": {}, "MessageNumber": {}}
    for e in log:
        if e["op"] == "thread":
            expected[e["row"]["id"]] = {c: e["row"][c] for c in THREAD_COLUMNS}
        elif e["op"] == "update":
            expected[e["id"]].update(e["set"])
        elif e["op"] in ("message", "number"):
            table = "MessageEvent" if e["op"] == "message" else "MessageNumber"
            inserted[table][e["row"]["id"]] = {k: v for k, v in e["row"].items() if k not in ("updatedAt", "createdAt")}
    desks = _front_desks(url)
    for row in expected.values():
        if row["messageNumberId"] is None:  # the one column the backfill fills: with the org's front desk
            row["messageNumberId"] = desks[row["orgId"]]
    actual = _threads(url)
    assert actual.keys() == expected.keys()
    lost = {k: (expected[k], actual[k]) for k in expected if expected[k] != actual[k]}
    assert not lost, f"{len(lost)} thread(s) differ from the committed writes, e.g. {next(iter(lost.items()))}"
    for table, rows in inserted.items():
        columns = sorted({c for r in rows.values() for c in r} - {"id"})
        stored = _app_rows(url, table, columns)
        want = {k: {c: (bool(v) if c == "isActive" else v) for c, v in r.items() if c != "id"} for k, r in rows.items()}
        got = {k: {c: (bool(v) if c == "isActive" else v) for c, v in r.items()} for k, r in stored.items()}
        assert got == want, f"{table}: {len(want)} committed, {len(got)} stored"
    assert _inconsistent_threads(url) == []
