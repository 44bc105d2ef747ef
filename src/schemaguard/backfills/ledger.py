"""The run ledger ``schemaguard_backfill_runs`` and the one-run-at-a-time rule.

Every real run inserts a ``running`` row and updates it in the same transaction as each batch, so after a
SIGKILL the row holds exactly the work that was committed: the counts and the ``cursor``, per update the last
committed key (``{"after": key}``) or ``"done"``. The next run marks such rows ``interrupted`` and resumes from
that cursor (when the backfill's code is unchanged): done updates are skipped, the one in progress continues after
its last key. The updates' own predicates select only rows still to do, so even a rescan redoes nothing.

Statuses: ``running``, ``completed``, ``failed`` (a database error), ``interrupted`` (Ctrl-C, or found dead by the
next run), ``rolled_back`` (``backfill NAME --rollback`` restored its prior values).

Concurrency: on PostgreSQL a session advisory lock per backfill name (released by the server when the session
dies, so a killed run never blocks the next one). On SQLite, which has no advisory locks, the claim is made in an
exclusive write transaction (``BEGIN IMMEDIATE``): a ``running`` row whose process is still alive on this host (or
whose heartbeat is recent, from another host) refuses the new run.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from schemaguard.backfills.spec import BackfillError

LEDGER_TABLE = "schemaguard_backfill_runs"

STALE_HEARTBEAT = timedelta(minutes=10)
"""A ``running`` row from another host without a heartbeat for this long is considered dead (SQLite only)."""


def ledger_table(metadata: sa.MetaData | None = None) -> sa.Table:
    """The ledger's SQLAlchemy Table (``counts`` and ``problems`` hold JSON text)."""
    md = metadata if metadata is not None else sa.MetaData()
    return sa.Table(
        LEDGER_TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("heartbeat_at", sa.DateTime),
        sa.Column("counts", sa.Text, nullable=False, default="{}"),
        sa.Column("problems", sa.Text, nullable=False, default="{}"),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("batch_size", sa.Integer),
        sa.Column("run_by", sa.String(200)),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("tool_version", sa.String(40)),
        sa.Column("error", sa.Text),
        sa.Column("cursor", sa.Text),
        sa.Column("undo", sa.Boolean),
        sa.Column("undo_columns", sa.Text),
    )


ADDED_COLUMNS = ("cursor", "undo", "undo_columns")
"""Columns added after the first release: a ledger created earlier gets them on the next real run."""


LEDGER = ledger_table()


@dataclass(frozen=True)
class LedgerRow:
    """One recorded run. ``counts`` maps ``step.N`` update keys to rows changed (or that would change)."""

    id: int
    name: str
    status: str
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    checksum: str
    run_by: str | None
    host: str | None
    error: str | None
    cursor: dict[str, Any] | None = None
    undo: bool = False
    undo_columns: dict[str, list[str]] | None = None

    @property
    def total(self) -> int:
        """Rows changed over all updates."""
        return sum(self.counts.values())


def now() -> datetime:
    """UTC now without tzinfo (both dialects store it in a plain timestamp column)."""
    return datetime.now(UTC).replace(tzinfo=None)


def whoami() -> str:
    """The OS user running schemaguard (``unknown`` when it cannot be determined, e.g. in some containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def ledger_exists(conn: sa.Connection) -> bool:
    """True if the ledger table exists in the connection's default schema."""
    return sa.inspect(conn).has_table(LEDGER_TABLE)


def _row(r: Any) -> LedgerRow:
    return LedgerRow(
        r.id,
        r.name,
        r.status,
        bool(r.dry_run),
        r.started_at,
        r.finished_at,
        json.loads(r.counts or "{}"),
        r.checksum,
        r.run_by,
        r.host,
        r.error,
        json.loads(r.cursor) if getattr(r, "cursor", None) else None,
        bool(getattr(r, "undo", False)),
        json.loads(r.undo_columns) if getattr(r, "undo_columns", None) else None,
    )


def history(conn: sa.Connection, name: str | None = None, limit: int = 20) -> list[LedgerRow]:
    """Recorded runs, newest first (all backfills when ``name`` is None); [] without a ledger."""
    if not ledger_exists(conn):
        return []
    q = sa.select(*_columns(conn)).order_by(LEDGER.c.id.desc()).limit(limit)
    if name is not None:
        q = q.where(LEDGER.c.name == name)
    return [_row(r) for r in conn.execute(q)]


def last_runs(conn: sa.Connection) -> dict[str, LedgerRow]:
    """The newest real (not dry) run per backfill name."""
    if not ledger_exists(conn):
        return {}
    out: dict[str, LedgerRow] = {}
    for r in conn.execute(sa.select(*_columns(conn)).where(LEDGER.c.dry_run == sa.false()).order_by(LEDGER.c.id)):
        out[r.name] = _row(r)
    return out


def _columns(conn: sa.Connection) -> list[sa.Column[Any]]:
    """The ledger columns present (a ledger from an earlier release lacks ADDED_COLUMNS until a real run)."""
    have = {c["name"] for c in sa.inspect(conn).get_columns(LEDGER_TABLE)}
    return [c for c in LEDGER.columns if c.name in have]


def run(conn: sa.Connection, run_id: int) -> LedgerRow | None:
    """The ledger row ``run_id``, or None."""
    if not ledger_exists(conn):
        return None
    r = conn.execute(sa.select(*_columns(conn)).where(LEDGER.c.id == run_id)).first()
    return _row(r) if r is not None else None


def mark_rolled_back(conn: sa.Connection, run_ids: list[int]) -> None:
    """Set the status of ``run_ids`` to ``rolled_back`` (inside the rollback's transaction)."""
    conn.execute(sa.update(LEDGER).where(LEDGER.c.id.in_(run_ids)).values(status="rolled_back", heartbeat_at=now()))


def lock_key(name: str) -> int:
    """The signed 64-bit PostgreSQL advisory-lock key of a backfill (stable across processes)."""
    digest = hashlib.sha256(f"schemaguard.backfill:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def run_lock(engine: sa.Engine, name: str) -> Iterator[None]:
    """Hold the PostgreSQL advisory lock of ``name`` for the duration (no-op on SQLite, see :func:`claim`).

    Raises:
        BackfillError: another session holds the lock (the message gives its backend pid).

    Source: https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
    """
    from schemaguard.dialects import get_dialect

    if not get_dialect(engine.dialect.name).advisory_locks:
        yield
        return
    key = lock_key(name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar_one():
            holder = conn.execute(
                sa.text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND classid = :hi AND objid = :lo AND objsubid = 1"
                ),
                {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF},
            ).scalar()
            who = f" (PostgreSQL backend pid {holder})" if holder else ""
            raise BackfillError(
                f"backfill {name!r} is already running on this database{who}; wait for it to finish, or stop it"
                " and run again (it resumes where it stopped)"
            )
        try:
            yield
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))


def _alive(row: Any) -> bool:
    if row.host == socket.gethostname():
        if row.pid == os.getpid():
            return False  # a crashed earlier run of this very process (tests) cannot be running concurrently
        try:
            os.kill(int(row.pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    beat = row.heartbeat_at or row.started_at
    return bool(beat and now() - beat < STALE_HEARTBEAT)


def refuse_if_running(conn: sa.Connection, name: str) -> None:
    """Without advisory locks (SQLite): refuse when a live run of ``name`` is in the ledger (a rollback must not
    interleave with its batches). With them, :func:`run_lock` already excludes it.

    Raises:
        BackfillError: names the run, its host and pid.
    """
    from schemaguard.dialects import get_dialect

    if get_dialect(conn.dialect.name).advisory_locks or not ledger_exists(conn):
        return
    running = conn.execute(sa.select(LEDGER).where(LEDGER.c.name == name, LEDGER.c.status == "running")).all()
    for r in running:
        if _alive(r):
            raise BackfillError(
                f"backfill {name!r} is running on this database (run #{r.id}, pid {r.pid} on {r.host}); wait for "
                "it to finish or stop it, then roll back"
            )


def claim(
    conn: sa.Connection,
    name: str,
    checksum: str,
    batch_size: int,
    dry_run: bool,
    tool_version: str,
    *,
    undo: bool = False,
    undo_columns: dict[str, list[str]] | None = None,
) -> tuple[int, list[LedgerRow], dict[str, Any]]:
    """Create the ledger if needed, mark dead ``running`` rows of ``name`` as ``interrupted`` and insert this
    run's row, in one transaction (on SQLite an exclusive write transaction).

    Returns:
        (the new run's id, the unfinished run this one resumes ([] or one row), the cursor to resume from: the
        unfinished run's cursor when the latest run of ``name`` did not complete and its checksum is
        ``checksum``, else ``{}``).

    Raises:
        BackfillError: on SQLite, a live run of the same backfill (names its host and pid).
    """
    from schemaguard.dialects import get_dialect

    advisory = get_dialect(conn.dialect.name).advisory_locks
    with conn.begin():
        LEDGER.create(conn, checkfirst=True)
        have = {c["name"] for c in sa.inspect(conn).get_columns(LEDGER_TABLE)}
        for col in (LEDGER.c[n] for n in ADDED_COLUMNS if n not in have):
            ddl = sa.schema.CreateColumn(col).compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE {LEDGER_TABLE} ADD COLUMN {ddl}"))
        running = conn.execute(
            sa.select(LEDGER).where(LEDGER.c.name == name, LEDGER.c.status == "running").order_by(LEDGER.c.id)
        ).all()
        for r in running:
            # With advisory locks we hold the lock, so any running row is dead.
            if not advisory and _alive(r):
                raise BackfillError(
                    f"backfill {name!r} is already running on this database (run #{r.id}, pid {r.pid} on "
                    f"{r.host}); wait for it to finish, or stop it and run again (it resumes where it stopped)"
                )
            conn.execute(sa.update(LEDGER).where(LEDGER.c.id == r.id).values(status="interrupted", finished_at=now()))
        latest = conn.execute(
            sa.select(LEDGER).where(LEDGER.c.name == name, LEDGER.c.dry_run == sa.false()).order_by(LEDGER.c.id.desc())
        ).first()
        resumed = [_row(latest)] if latest is not None and latest.status in ("running", "interrupted", "failed") else []
        cursor = dict(resumed[0].cursor or {}) if resumed and resumed[0].checksum == checksum else {}
        run_id = conn.execute(
            sa.insert(LEDGER)
            .values(
                name=name,
                status="running",
                dry_run=dry_run,
                started_at=now(),
                heartbeat_at=now(),
                counts="{}",
                problems="{}",
                checksum=checksum,
                batch_size=batch_size,
                run_by=whoami(),
                host=socket.gethostname(),
                pid=os.getpid(),
                tool_version=tool_version,
                cursor=json.dumps(cursor),
                undo=undo,
                undo_columns=json.dumps(undo_columns) if undo_columns is not None else None,
            )
            .returning(LEDGER.c.id)
        ).scalar_one()
    return int(run_id), resumed, cursor


def record_progress(conn: sa.Connection, run_id: int, counts: dict[str, int], cursor: dict[str, Any]) -> None:
    """Store the counts and cursor so far (call inside the batch's transaction, so they commit with it)."""
    conn.execute(
        sa.update(LEDGER)
        .where(LEDGER.c.id == run_id)
        .values(counts=json.dumps(counts), cursor=json.dumps(cursor), heartbeat_at=now())
    )


def finish(
    conn: sa.Connection,
    run_id: int,
    status: str,
    counts: dict[str, int],
    problems: dict[str, int],
    error: str | None = None,
    cursor: dict[str, Any] | None = None,
) -> None:
    """Close a run: its final status (``completed`` / ``failed`` / ``interrupted``), counts, problem counts,
    error text and resume cursor."""
    extra = {"cursor": json.dumps(cursor)} if cursor is not None else {}
    with conn.begin():
        conn.execute(
            sa.update(LEDGER)
            .where(LEDGER.c.id == run_id)
            .values(
                status=status,
                finished_at=now(),
                heartbeat_at=now(),
                counts=json.dumps(counts),
                problems=json.dumps(problems),
                error=error,
                **extra,
            )
        )
