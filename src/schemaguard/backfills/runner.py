"""Running a backfill: preconditions, flags, keyset batches, the ledger, dry runs.

Each update runs in batches over its table's primary key: a batch is the key range ``(last, hi]`` where ``hi`` is
the ``batch_size``-th key after ``last``; ``UPDATE ... WHERE key > last AND key <= hi AND <still needs it>`` runs in
its own transaction together with the ledger's progress row. A killed run therefore loses at most the batch in
flight, which the next run redoes because its rows still match the predicate.

A dry run opens a read-only connection and, per update, counts and samples the rows matching the same predicate
with the values the update would write. It is exact as long as each backfill writes its predicates against the
effective state (see :mod:`schemaguard.backfills.builtin.phase_1_4`), which the real run needs for idempotence
anyway.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

from schemaguard import __version__
from schemaguard.backfills import ledger
from schemaguard.backfills.spec import Backfill, BackfillError, Flag, ProofResult, Step, Tables, Update
from schemaguard.db import connect, create_engine, dialect_name, mask, mask_url

if TYPE_CHECKING:
    from schemaguard.dialects.base import Dialect

BATCH_DELAY_ENV = "SCHEMAGUARD_BACKFILL_BATCH_DELAY"
"""Seconds to sleep after each committed batch: a test hook to kill a run between (or during) batches."""

SAMPLE_ROWS = 5


@dataclass(frozen=True)
class RunOptions:
    """Tunables of a run.

    Attributes:
        batch_size: rows per batch (keyset range), >= 1.
        lock_timeout: seconds a statement may wait for a row/table lock (PostgreSQL ``lock_timeout``; SQLite
            ``busy_timeout`` for the database write lock).
        statement_timeout: seconds one statement may run (PostgreSQL ``statement_timeout``; SQLite has none).
        namespace: PostgreSQL schema of the tables (default: the search path's first, ``public``).
    """

    batch_size: int = 1000
    lock_timeout: float = 5.0
    statement_timeout: float = 300.0
    namespace: str | None = None


@dataclass(frozen=True)
class FlagResult:
    """A flag that matched: its severity, message (count filled in), guidance, count and sample rows."""

    step: str
    severity: str
    message: str
    guidance: str
    count: int
    samples: tuple[tuple[Any, ...], ...]


@dataclass
class UpdateResult:
    """What one update changed (real run) or would change (dry run): ``rows`` and, for dry runs, sample rows
    as dicts ``{key, column: current value, "column -> ": new value}``."""

    key: str
    step: str
    table: str
    description: str
    rows: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunResult:
    """The outcome of :func:`run_backfill`.

    Attributes:
        name, target (masked URL), dialect, dry_run.
        run_id: the ledger row (None for a dry run without a ledger).
        updates: per update, in execution order.
        flags: the flags that matched, in step order.
        resumed: interrupted runs this one picked up from.
        previous: the last completed real run before this one, if any.
        seconds: wall time of the run.
    """

    name: str
    target: str
    dialect: str
    dry_run: bool
    run_id: int | None = None
    updates: list[UpdateResult] = field(default_factory=list)
    flags: list[FlagResult] = field(default_factory=list)
    resumed: list[ledger.LedgerRow] = field(default_factory=list)
    previous: ledger.LedgerRow | None = None
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Rows changed (or that would change) over all updates."""
        return sum(u.rows for u in self.updates)

    @property
    def errors(self) -> list[FlagResult]:
        """Error-severity flags: rows the backfill could not handle (exit code 1)."""
        return [f for f in self.flags if f.severity == "error"]

    @property
    def counts(self) -> dict[str, int]:
        """Update key -> rows."""
        return {u.key: u.rows for u in self.updates}


class Observer(Protocol):
    """Receives progress events (the CLI draws a rich progress bar from them)."""

    def update_started(self, result: UpdateResult, total_rows: int) -> None:
        """An update's keyset scan starts over ``total_rows`` rows of its table."""

    def batch_done(self, scanned: int, changed: int) -> None:
        """A batch committed: ``scanned`` keys covered, ``changed`` rows updated."""

    def update_finished(self, result: UpdateResult) -> None:
        """The update is done."""


class _Silent:
    def update_started(self, result: UpdateResult, total_rows: int) -> None:
        pass

    def batch_done(self, scanned: int, changed: int) -> None:
        pass

    def update_finished(self, result: UpdateResult) -> None:
        pass


def update_keys(backfill: Backfill) -> list[tuple[str, Step, Update]]:
    """``(key, step, update)`` in execution order; keys are ``step-name.N`` (N from 1)."""
    return [(f"{s.name}.{i}", s, u) for s in backfill.steps for i, u in enumerate(s.updates, 1)]


def reflect_tables(conn: sa.Connection, backfill: Backfill, namespace: str | None = None) -> Tables:
    """Reflect the tables in ``backfill.requires`` and check that every required column exists.

    Raises:
        BackfillError: missing tables or columns, all named at once, with the fix (apply the schema first).
    """
    insp = sa.inspect(conn)
    existing = set(insp.get_table_names(schema=namespace))
    missing: list[str] = []
    present = [name for name in backfill.requires if name in existing]
    missing += [f"table {name}" for name in backfill.requires if name not in existing]
    md = sa.MetaData(schema=namespace)
    tables: dict[str, sa.Table] = {}
    for name in present:
        table = sa.Table(name, md, autoload_with=conn)
        tables[name] = table
        missing += [f"column {name}.{c}" for c in backfill.requires[name] if c not in table.c]
    if missing:
        raise BackfillError(
            f"backfill {backfill.name!r} cannot run: the database lacks {', '.join(missing)}. The schema is not "
            "applied: bring the database to the master first (`schemaguard diff --sql`, or your migrations), "
            "then run the backfill again. Nothing was changed."
        )
    for name, table in tables.items():
        if len(table.primary_key.columns) != 1 and any(u.table == name for _, _, u in update_keys(backfill)):
            raise BackfillError(f"table {name} needs a single-column primary key for keyset batches")
    return Tables(tables)


def evaluate_flags(conn: sa.Connection, step: Step, tables: Tables) -> list[FlagResult]:
    """Run a step's flag queries; returns the ones with rows (count + up to SAMPLE_ROWS samples)."""
    out: list[FlagResult] = []
    for flag in step.flags:
        out.extend(_evaluate_flag(conn, step, flag, tables))
    return out


def _evaluate_flag(conn: sa.Connection, step: Step, flag: Flag, tables: Tables) -> list[FlagResult]:
    query = flag.query(tables)
    count = int(conn.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one())
    if count == 0:
        return []
    samples = tuple(tuple(r) for r in conn.execute(query.limit(SAMPLE_ROWS)))
    return [FlagResult(step.name, flag.severity, flag.message.format(count=count), flag.guidance, count, samples)]


def preview_update(conn: sa.Connection, key: str, step: Step, update: Update, tables: Tables) -> UpdateResult:
    """Dry run of one update: the rows its predicate selects and, for a sample, current and new values."""
    table = tables[update.table]
    pk = next(iter(table.primary_key.columns))
    where = update.where(tables)
    values: dict[str, Any] = update.values(tables)
    rows = int(conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one())
    result = UpdateResult(key, step.name, update.table, update.description, rows)
    cols: list[sa.ColumnElement[Any]] = [
        pk,
        *(table.c[c] for c in update.sample_columns if c not in values and c != pk.name),
    ]
    for name, expr in values.items():
        cols.append(table.c[name])
        cols.append((expr if isinstance(expr, sa.ColumnElement) else sa.literal(expr)).label(f"{name} -> "))
    for r in conn.execute(sa.select(*cols).where(where).order_by(pk).limit(SAMPLE_ROWS)):
        result.samples.append(dict(r._mapping))
    return result


def dry_run(backfill: Backfill, url: str, options: RunOptions | None = None) -> RunResult:
    """Compute what a real run would change, on a read-only connection; nothing is written, not even the
    ledger (read-only means read-only: the dry run is reported, not recorded).

    Returns:
        RunResult with ``dry_run=True``, rows per update, samples and flags.

    Raises:
        BackfillError: missing tables/columns. ConnectionFailed: the database cannot be reached.
    """
    opts = options or RunOptions()
    started = time.monotonic()
    result = RunResult(backfill.name, mask_url(url), dialect_name(url), dry_run=True)
    with connect(url, read_only=True) as conn:
        tables = reflect_tables(conn, backfill, opts.namespace)
        _set_timeouts(conn, opts)
        result.previous = ledger.last_runs(conn).get(backfill.name)
        for step in backfill.steps:
            result.flags += evaluate_flags(conn, step, tables)
            for key, s, u in update_keys(backfill):
                if s is step:
                    result.updates.append(preview_update(conn, key, step, u, tables))
    result.seconds = time.monotonic() - started
    return result


def run_backfill(
    backfill: Backfill, url: str, options: RunOptions | None = None, observer: Observer | None = None
) -> RunResult:
    """Run a backfill for real: preconditions, lock, ledger claim, then every step's flags and batched updates.

    Returns:
        RunResult; ``errors`` lists the rows it could not handle (the run still completes the rest).

    Raises:
        BackfillError: missing tables/columns (before any change), a concurrent run, a lock or statement timeout
            or another database error during a batch (the ledger row is marked ``failed``; rerunning resumes).
        ConnectionFailed: the database cannot be reached.
    """
    opts = options or RunOptions()
    if opts.batch_size < 1:
        raise BackfillError("--batch-size must be at least 1")
    obs: Observer = observer or _Silent()
    started = time.monotonic()
    result = RunResult(backfill.name, mask_url(url), dialect_name(url), dry_run=False)
    engine = _write_engine(url, opts)
    try:
        with _database_errors(url), ledger.run_lock(engine, backfill.name), engine.connect() as conn:
            with conn.begin():
                tables = reflect_tables(conn, backfill, opts.namespace)
                result.previous = ledger.last_runs(conn).get(backfill.name)
            run_id, result.resumed = ledger.claim(
                conn, backfill.name, backfill.checksum(), opts.batch_size, False, __version__
            )
            result.run_id = run_id
            try:
                _execute(conn, backfill, tables, opts, obs, result)
            except BaseException as exc:
                if conn.in_transaction():
                    conn.rollback()
                ledger.finish(conn, run_id, "failed", result.counts, _problem_counts(result), _describe(exc))
                raise
            ledger.finish(conn, run_id, "completed", result.counts, _problem_counts(result))
    finally:
        engine.dispose()
    result.seconds = time.monotonic() - started
    return result


def _execute(
    conn: sa.Connection, backfill: Backfill, tables: Tables, opts: RunOptions, obs: Observer, result: RunResult
) -> None:
    delay = float(os.environ.get(BATCH_DELAY_ENV) or 0)
    keys = update_keys(backfill)
    for step in backfill.steps:
        with conn.begin():
            _set_timeouts(conn, opts)
            result.flags += evaluate_flags(conn, step, tables)
        for key, s, update in keys:
            if s is not step:
                continue
            upd = UpdateResult(key, step.name, update.table, update.description)
            result.updates.append(upd)
            _run_update(conn, update, upd, tables, opts, obs, result, delay)


def _run_update(
    conn: sa.Connection,
    update: Update,
    upd: UpdateResult,
    tables: Tables,
    opts: RunOptions,
    obs: Observer,
    result: RunResult,
    delay: float,
) -> None:
    table = tables[update.table]
    pk = next(iter(table.primary_key.columns))
    with conn.begin():
        _set_timeouts(conn, opts)
        pending = conn.execute(sa.select(sa.exists().where(update.where(tables)))).scalar()
        total = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()) if pending else 0
    obs.update_started(upd, total)
    last: Any = None
    scanned = 0
    while pending:
        held = time.monotonic()
        with conn.begin():
            _set_timeouts(conn, opts)
            boundary = sa.select(pk).order_by(pk).offset(opts.batch_size - 1).limit(1)
            conds = [update.where(tables)]
            if last is not None:
                boundary = boundary.where(pk > last)
                conds.append(pk > last)
            hi = conn.execute(boundary).scalar()
            if hi is not None:
                conds.append(pk <= hi)
            changed = conn.execute(sa.update(table).where(*conds).values(update.values(tables))).rowcount
            upd.rows += max(changed, 0)
            ledger.record_progress(conn, result.run_id or 0, result.counts)
        step_scanned = opts.batch_size if hi is not None else max(total - scanned, 0)
        scanned += step_scanned
        obs.batch_done(step_scanned, max(changed, 0))
        if hi is None:
            break
        last = hi
        _yield_write_lock(conn, time.monotonic() - held)
        if delay:
            time.sleep(delay)
    obs.update_finished(upd)


SQLITE_YIELD_MAX = 1.0
"""Upper bound (seconds) of the pause after a SQLite batch; see :func:`_yield_write_lock`."""


def _yield_write_lock(conn: sa.Connection, held: float) -> None:
    """SQLite: after a batch, stay off the write lock as long as the batch held it (at most SQLITE_YIELD_MAX).

    SQLite has no queue for its single write lock: a waiting writer sleeps in its busy handler and retries at
    intervals growing to 100 ms, so a run that starts its next batch the moment it commits wins almost every
    time and starves the application until its busy_timeout expires. Pausing as long as the lock was held
    gives every retry of a waiting writer an even chance (the run takes at most twice as long). PostgreSQL
    queues lock waiters and needs no pause.

    Source: https://www.sqlite.org/c3ref/busy_handler.html, https://www.sqlite.org/lockingv3.html
    """
    if not _dialect_of(conn).fair_lock_queue:
        time.sleep(min(held, SQLITE_YIELD_MAX))


def _set_timeouts(conn: sa.Connection, opts: RunOptions) -> None:
    """PostgreSQL: ``SET LOCAL`` lock and statement timeouts for the current transaction (bound values).

    Source: https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
    """
    if not _dialect_of(conn).session_timeouts:
        return
    for setting, seconds in (("lock_timeout", opts.lock_timeout), ("statement_timeout", opts.statement_timeout)):
        conn.execute(sa.select(sa.func.set_config(setting, f"{int(seconds * 1000)}ms", True)))


def _write_engine(url: str, opts: RunOptions) -> sa.Engine:
    """An engine for real runs. SQLite: ``busy_timeout`` from ``lock_timeout`` and every transaction opened with
    ``BEGIN IMMEDIATE`` so a batch takes the write lock up front instead of failing half-way on an upgrade.

    Source: https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl
    """
    engine = create_engine(url)
    if not _dialect_of(engine).session_timeouts:
        busy_ms = int(opts.lock_timeout * 1000)

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute(f"PRAGMA busy_timeout = {busy_ms:d}")

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def _database_errors(url: str) -> Iterator[None]:
    """Turn driver errors into BackfillError with a masked, actionable message."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise BackfillError(f"backfill failed on {mask_url(url)}: {_describe(exc)}") from None


def _describe(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    reason = mask(text[0]) if text else type(exc).__name__
    code = getattr(orig, "sqlstate", None)
    if code == "55P03" or "lock timeout" in reason:
        return f"{reason} (lock timeout: raise it with --lock-timeout; rerunning resumes where this stopped)"
    if code == "57014":
        return f"{reason} (statement timeout: raise it with --statement-timeout or lower --batch-size)"
    if "database is locked" in reason:
        return f"{reason} (another connection holds the SQLite write lock; raise --lock-timeout or retry)"
    return reason


def _problem_counts(result: RunResult) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in result.flags:
        out[f.severity] = out.get(f.severity, 0) + f.count
    return out


def run_proofs(backfill: Backfill, url: str, namespace: str | None = None) -> list[ProofResult]:
    """Run the proof checks of ``backfill`` on a read-only connection.

    Raises:
        BackfillError: missing tables/columns. ConnectionFailed: the database cannot be reached.
    """
    with connect(url, read_only=True) as conn:
        tables = reflect_tables(conn, backfill, namespace)
        return [check.run(conn, tables) for check in backfill.proofs]


def render_rollback(backfill: Backfill, dialect: str) -> list[str]:
    """The rollback statements compiled for ``dialect`` (``"sqlite"`` / ``"postgresql"``), values inlined, without
    a trailing ``;``. Tables are built from ``requires`` (no database needed).

    Raises:
        BackfillError: the backfill declares no rollback.
    """
    if backfill.rollback is None:
        raise BackfillError(f"backfill {backfill.name!r} declares no rollback SQL")
    md = sa.MetaData()
    # Typed as text so literal values render; the statements only name columns, never read their types.
    tables = {n: sa.Table(n, md, *(sa.Column(c, sa.String) for c in cols)) for n, cols in backfill.requires.items()}
    stmts = backfill.rollback(Tables(tables))
    sa_dialect = _sa_dialect(dialect)
    return [str(s.compile(dialect=sa_dialect, compile_kwargs={"literal_binds": True})) for s in stmts]


def _sa_dialect(name: str) -> sa.Dialect:
    from schemaguard.dialects import get_dialect

    return get_dialect(name).sa_dialect()  # validates the name and resolves aliases ("postgres")


def _dialect_of(bind: sa.Connection | sa.Engine) -> Dialect:
    from schemaguard.dialects import get_dialect

    return get_dialect(bind.dialect.name)
