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
from schemaguard.backfills import ledger, undo
from schemaguard.backfills.spec import Backfill, BackfillError, Flag, Insert, ProofResult, Step, Tables, Update
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
        undo: record the prior values of every changed row (``schemaguard_undo_<table>``) so the run can be
            rolled back exactly; without it only the backfill's blanket rollback SQL is available.
    """

    batch_size: int = 1000
    lock_timeout: float = 5.0
    statement_timeout: float = 300.0
    namespace: str | None = None
    undo: bool = True

    def check(self) -> None:
        """Raises BackfillError (exit 2) for a batch size below 1 or a negative timeout."""
        if self.batch_size < 1:
            raise BackfillError("--batch-size must be at least 1")
        for flag, value in (("--lock-timeout", self.lock_timeout), ("--statement-timeout", self.statement_timeout)):
            if value < 0:
                raise BackfillError(f"{flag} must be 0 or more seconds (got {value:g})")


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
    as dicts ``{key, column: current value, "column -> ": new value}``. A real run also counts its ``batches``
    and the keys it ``scanned``; ``skipped`` means a resumed run found the update done, ``resumed_after`` is the
    key it continued after."""

    key: str
    step: str
    table: str
    description: str
    rows: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)
    batches: int = 0
    scanned: int = 0
    skipped: bool = False
    resumed_after: Any = None


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
        undo_seconds: of which spent writing the undo record (its INSERT ... SELECT statements).
        retries: batches rolled back and run again after a serialization failure or deadlock.
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
    undo_seconds: float = 0.0
    retries: int = 0

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

    def run_started(self, result: RunResult) -> None:
        """The ledger row is claimed (``result.run_id``, ``result.resumed`` are set); no batch ran yet."""

    def update_started(self, result: UpdateResult, total_rows: int) -> None:
        """An update's keyset scan starts over ``total_rows`` rows of its table."""

    def batch_done(self, scanned: int, changed: int) -> None:
        """A batch committed: ``scanned`` keys covered, ``changed`` rows updated."""

    def update_finished(self, result: UpdateResult) -> None:
        """The update is done."""


class _Silent:
    def run_started(self, result: RunResult) -> None:
        pass

    def update_started(self, result: UpdateResult, total_rows: int) -> None:
        pass

    def batch_done(self, scanned: int, changed: int) -> None:
        pass

    def update_finished(self, result: UpdateResult) -> None:
        pass


def update_keys(backfill: Backfill) -> list[tuple[str, Step, Update]]:
    """``(key, step, update)`` in execution order; keys are ``step-name.N`` (N from 1)."""
    return [(f"{s.name}.{i}", s, u) for s in backfill.steps for i, u in enumerate(s.updates, 1)]


def insert_keys(backfill: Backfill) -> list[tuple[str, Step, Insert]]:
    """``(key, step, insert)`` in execution order; keys are ``step-name.insert.N`` (N from 1)."""
    return [(f"{s.name}.insert.{i}", s, x) for s in backfill.steps for i, x in enumerate(s.inserts, 1)]


def execution_order(backfill: Backfill) -> list[str]:
    """Every insert and update key in the order a run executes them (per step: inserts, then updates)."""
    out: list[str] = []
    for step in backfill.steps:
        out += [k for k, s, _ in insert_keys(backfill) if s is step]
        out += [k for k, s, _ in update_keys(backfill) if s is step]
    return out


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


def _joins(updates: list[Update], tables: Tables) -> list[tuple[Any, sa.ColumnElement[bool]]]:
    """The distinct ``(derived table, on clause)`` joins of ``updates``."""
    out: list[tuple[Any, sa.ColumnElement[bool]]] = []
    for u in updates:
        if u.join is not None:
            j, on = u.join(tables)
            if all(j is not other for other, _ in out):
                out.append((j, on))
    return out


def _source(table: sa.Table, updates: list[Update], tables: Tables) -> sa.FromClause:
    """``table`` joined with the updates' lookups (each matches every row once, so no row is lost)."""
    src: sa.FromClause = table
    for j, on in _joins(updates, tables):
        src = src.join(j, on)
    return src


def preview_update(conn: sa.Connection, key: str, step: Step, update: Update, tables: Tables) -> UpdateResult:
    """Dry run of one update: the rows its predicate selects and, for a sample, current and new values."""
    table = tables[update.table]
    pk = next(iter(table.primary_key.columns))
    where = update.where(tables)
    values: dict[str, Any] = update.values(tables)
    src = _source(table, [update], tables)
    rows = int(conn.execute(sa.select(sa.func.count()).select_from(src).where(where)).scalar_one())
    result = UpdateResult(key, step.name, update.table, update.description, rows)
    cols: list[sa.ColumnElement[Any]] = [
        pk,
        *(table.c[c] for c in update.sample_columns if c not in values and c != pk.name),
    ]
    for name, expr in values.items():
        cols.append(table.c[name])
        cols.append((expr if isinstance(expr, sa.ColumnElement) else sa.literal(expr)).label(f"{name} -> "))
    for r in conn.execute(sa.select(*cols).select_from(src).where(where).order_by(pk).limit(SAMPLE_ROWS)):
        result.samples.append(dict(r._mapping))
    return result


def preview_insert(conn: sa.Connection, key: str, step: Step, insert: Insert, tables: Tables) -> UpdateResult:
    """Dry run of one insert: how many rows its source would insert, and the first of them."""
    pk = next(iter(tables[insert.table].primary_key.columns))
    src = insert.rows(tables).subquery()
    rows = int(conn.execute(sa.select(sa.func.count()).select_from(src)).scalar_one())
    result = UpdateResult(key, step.name, insert.table, insert.description, rows)
    for r in conn.execute(sa.select(src).order_by(src.c[pk.name]).limit(SAMPLE_ROWS)):
        result.samples.append({f"{name} -> ": value for name, value in r._mapping.items()})
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
    opts.check()
    started = time.monotonic()
    result = RunResult(backfill.name, mask_url(url), dialect_name(url), dry_run=True)
    with _database_errors(url), connect(url, read_only=True) as conn:
        tables = reflect_tables(conn, backfill, opts.namespace)
        _set_timeouts(conn, opts)
        result.previous = ledger.last_runs(conn).get(backfill.name)
        for step in backfill.steps:
            result.flags += evaluate_flags(conn, step, tables)
            for key, s, x in insert_keys(backfill):
                if s is step:
                    result.updates.append(preview_insert(conn, key, step, x, tables))
            for key, s, u in update_keys(backfill):
                if s is step:
                    result.updates.append(preview_update(conn, key, step, u, tables))
    result.seconds = time.monotonic() - started
    return result


class BackfillInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a real run between or during batches.

    Attributes:
        result: what the committed batches changed (``result.run_id`` is the ledger row).
        ledger_status: the run's ledger status now: ``interrupted``, or ``running`` when the database could not
            be told (the next run marks it interrupted and resumes it all the same).
        cursor: update key -> the last committed key (``None`` = not started), for the updates not done.
    """

    def __init__(self, result: RunResult, ledger_status: str, cursor: dict[str, Any]):
        super().__init__("backfill interrupted")
        self.result = result
        self.ledger_status = ledger_status
        self.cursor = cursor


def run_backfill(
    backfill: Backfill, url: str, options: RunOptions | None = None, observer: Observer | None = None
) -> RunResult:
    """Run a backfill for real: preconditions, lock, ledger claim, then every step's flags and batched updates.

    A run that follows an interrupted or failed one of the same backfill (same code checksum) resumes from the
    ledger's cursor: updates already done are skipped and the one in progress continues after its last committed
    key. With ``options.undo`` every changed row's prior values are recorded for ``backfill NAME --rollback``.

    Returns:
        RunResult; ``errors`` lists the rows it could not handle (the run still completes the rest).

    Raises:
        BackfillError: missing tables/columns (before any change), a concurrent run, a lock or statement timeout
            or another database error during a batch (the ledger row is marked ``failed``; rerunning resumes).
        BackfillInterrupted: Ctrl-C (the ledger row is marked ``interrupted``; rerunning resumes).
        ConnectionFailed: the database cannot be reached.
    """
    opts = options or RunOptions()
    opts.check()
    obs: Observer = observer or _Silent()
    started = time.monotonic()
    result = RunResult(backfill.name, mask_url(url), dialect_name(url), dry_run=False)
    engine = write_engine(url, opts)
    try:
        with _database_errors(url), ledger.run_lock(engine, backfill.name), engine.connect() as conn:
            with conn.begin():
                tables = reflect_tables(conn, backfill, opts.namespace)
                result.previous = ledger.last_runs(conn).get(backfill.name)
                undo_tables = undo.ensure_undo_tables(conn, backfill, tables) if opts.undo else {}
            run_id, result.resumed, cursor = ledger.claim(
                conn,
                backfill.name,
                backfill.checksum(),
                opts.batch_size,
                False,
                __version__,
                undo=opts.undo,
                undo_columns=undo.recorded_columns(backfill, tables) if opts.undo else None,
            )
            result.run_id = run_id
            obs.run_started(result)
            state = _RunState(result, cursor, undo_tables, opts, obs)
            try:
                _execute(conn, backfill, tables, state)
            except KeyboardInterrupt:
                status = _close_interrupted(conn, run_id, state)
                result.seconds = time.monotonic() - started
                raise BackfillInterrupted(result, status, state.open_cursor()) from None
            except BaseException as exc:
                if conn.in_transaction():
                    conn.rollback()
                ledger.finish(
                    conn, run_id, "failed", result.counts, _problem_counts(result), _describe(exc), state.cursor
                )
                raise
            ledger.finish(conn, run_id, "completed", result.counts, _problem_counts(result), cursor=state.cursor)
    finally:
        engine.dispose()
    result.seconds = time.monotonic() - started
    return result


def _close_interrupted(conn: sa.Connection, run_id: int, state: _RunState) -> str:
    """Mark the run ``interrupted`` after Ctrl-C; a second Ctrl-C or a broken connection leaves it ``running``."""
    try:
        if conn.in_transaction():
            conn.rollback()
        ledger.finish(
            conn,
            run_id,
            "interrupted",
            state.result.counts,
            _problem_counts(state.result),
            "interrupted (Ctrl-C)",
            state.cursor,
        )
        return "interrupted"
    except (KeyboardInterrupt, sa.exc.SQLAlchemyError):
        return "running"


@dataclass
class _RunState:
    """A real run in progress: its result, the resume cursor (update key -> ``{"after": key}`` or ``"done"``),
    the undo tables and the options."""

    result: RunResult
    cursor: dict[str, Any]
    undo_tables: dict[str, sa.Table]
    opts: RunOptions
    obs: Observer
    delay: float = field(default_factory=lambda: float(os.environ.get(BATCH_DELAY_ENV) or 0))

    def open_cursor(self) -> dict[str, Any]:
        """Update key -> last committed key (None = not started) for every update that is not done."""
        keys = [u.key for u in self.result.updates]
        return {k: (v or {}).get("after") for k, v in self.cursor.items() if v != "done" and k in keys}


def fusable(backfill: Backfill, tables: Tables) -> list[list[tuple[str, Step, Update]]]:
    """The updates in execution order, grouped into passes: consecutive updates of one table share a pass when
    their order cannot matter. That holds when neither reads (directly or through an alias) a column the other
    writes, they write different columns, and the flags of the later one's step read nothing the earlier writes
    (they are evaluated before the shared pass instead of between the two updates)."""
    groups: list[list[tuple[str, Step, Update]]] = []
    for item in update_keys(backfill):
        _, step, update = item
        last = groups[-1] if groups else None
        if last is not None and last[-1][2].table == update.table:
            writes_before = {c for _, _, u in last for c in u.values(tables)}
            reads_before = set().union(*(_reads(tables, u.table, _exprs(u, tables)) for _, _, u in last))
            writes = set(update.values(tables))
            reads = _reads(tables, update.table, _exprs(update, tables))
            if step is not last[-1][1]:
                reads |= _reads(tables, update.table, [f.query(tables) for f in step.flags])
            # A step's inserts run before its updates, so an update of a step with inserts starts a new pass.
            own_pass = step is not last[-1][1] and bool(step.inserts)
            if not (own_pass or writes_before & reads or writes & reads_before or writes & writes_before):
                last.append(item)
                continue
        groups.append([item])
    return groups


def _exprs(update: Update, tables: Tables) -> list[Any]:
    joins = [part for pair in _joins([update], tables) for part in pair]
    values = [v for v in update.values(tables).values() if isinstance(v, sa.ClauseElement)]
    return [update.where(tables), *values, *joins]


def _reads(tables: Tables, name: str, exprs: list[Any]) -> set[str]:
    """Columns of table ``name`` that ``exprs`` read, through aliases too."""
    out: set[str] = set()
    for expr in exprs:
        for el in sa.sql.visitors.iterate(expr):
            table = getattr(el, "table", None)
            if not isinstance(el, sa.sql.expression.ColumnClause) or table is None:
                continue
            while not isinstance(table, sa.Table) and hasattr(table, "element"):
                table = table.element
            if isinstance(table, sa.Table) and table.name == name:
                out.add(el.name)
    return out


def _execute(conn: sa.Connection, backfill: Backfill, tables: Tables, state: _RunState) -> None:
    groups = fusable(backfill, tables) if state.opts.undo else [[item] for item in update_keys(backfill)]
    flagged: set[str] = set()

    def flags_up_to(index: int) -> None:
        for step in backfill.steps[: index + 1]:
            if step.name not in flagged:
                with conn.begin():
                    _set_timeouts(conn, state.opts)
                    state.result.flags += evaluate_flags(conn, step, tables)
                flagged.add(step.name)

    for index, step in enumerate(backfill.steps):
        flags_up_to(index)
        for key, s, insert in insert_keys(backfill):
            if s is step:
                _run_insert(conn, key, step, insert, tables, state)
        while groups and groups[0][0][1] is step:
            group = groups.pop(0)
            # A fused pass runs the later steps' updates now: their flags are evaluated before it.
            flags_up_to(max(backfill.steps.index(s) for _, s, _ in group))
            _run_group(conn, group, tables, state)


def _run_insert(conn: sa.Connection, key: str, step: Step, insert: Insert, tables: Tables, state: _RunState) -> None:
    """Insert the source's rows in batches of ``batch_size`` keys, each batch recording its keys in the undo
    table first (same snapshot: the source selects the same rows for both statements)."""
    result, opts, obs = state.result, state.opts, state.obs
    upd = UpdateResult(key, step.name, insert.table, insert.description)
    result.updates.append(upd)
    if state.cursor.get(key) == "done":
        upd.skipped = True
        obs.update_finished(upd)
        return
    table = tables[insert.table]
    pk = next(iter(table.primary_key.columns))
    undo_table = state.undo_tables.get(insert.table)
    with conn.begin():
        _set_timeouts(conn, opts)
        total = int(conn.execute(sa.select(sa.func.count()).select_from(insert.rows(tables).subquery())).scalar_one())
    obs.update_started(upd, total)
    while total:
        with conn.begin():
            _set_timeouts(conn, opts, snapshot=True)
            src = insert.rows(tables).subquery()
            batch = sa.select(src).order_by(src.c[pk.name]).limit(opts.batch_size)
            if undo_table is not None:
                keys = batch.subquery()
                marks = sa.select(
                    sa.literal(result.run_id or 0), sa.literal(key), sa.literal("insert"), keys.c[pk.name]
                )
                conn.execute(sa.insert(undo_table).from_select(["_sg_run", "_sg_key", "_sg_op", pk.name], marks))
            stmt = sa.insert(table).from_select([c.name for c in src.c], batch)
            n = max(conn.execute(stmt.execution_options(preserve_rowcount=True)).rowcount, 0)
            upd.rows += n
            cursor = {**state.cursor, key: "done" if n < opts.batch_size else {"after": None}}
            ledger.record_progress(conn, result.run_id or 0, result.counts, cursor)
        state.cursor = cursor
        upd.batches += 1
        upd.scanned += n
        obs.batch_done(n, n)
        if n < opts.batch_size:
            break
    state.cursor[key] = "done"
    obs.update_finished(upd)


def _run_group(conn: sa.Connection, group: list[tuple[str, Step, Update]], tables: Tables, state: _RunState) -> None:
    """One keyset pass over a table for one update or a fused group; resumes from the group's cursor."""
    result, opts, obs = state.result, state.opts, state.obs
    upds = [UpdateResult(key, step.name, u.table, u.description) for key, step, u in group]
    result.updates += upds
    keys = [key for key, _, _ in group]
    marks = [state.cursor.get(k) for k in keys]
    if all(m == "done" for m in marks):
        for upd in upds:
            upd.skipped = True
            obs.update_finished(upd)
        return
    resume = next((m["after"] for m in marks if isinstance(m, dict) and m.get("after") is not None), None)
    table = tables[group[0][2].table]
    pk = next(iter(table.primary_key.columns))
    last: Any = resume
    with conn.begin():
        _set_timeouts(conn, opts)
        pending_where = sa.or_(*(u.where(tables) for _, _, u in group))
        if last is not None:
            pending_where = sa.and_(pk > last, pending_where)
        src = _source(table, [u for _, _, u in group], tables)
        exists = sa.select(sa.literal(1)).select_from(src).where(pending_where).exists()
        pending = conn.execute(sa.select(exists)).scalar()
        total = 0
        if pending:
            count = sa.select(sa.func.count()).select_from(table)
            total = int(conn.execute(count.where(pk > last) if last is not None else count).scalar_one())
    for upd in upds:
        upd.resumed_after = last
    # One progress bar per pass: a fused pass shows the keys of all its updates.
    shown = upds[0] if len(upds) == 1 else UpdateResult(" + ".join(keys), upds[0].step, table.name, "")
    obs.update_started(shown, total)
    scanned = 0
    while pending:
        held = time.monotonic()
        hi, changed = _committed_batch(conn, group, upds, tables, table, last, state)
        step_scanned = opts.batch_size if hi is not None else max(total - scanned, 0)
        scanned += step_scanned
        for upd in upds:
            upd.batches += 1
            upd.scanned += step_scanned
        obs.batch_done(step_scanned, changed)
        if hi is None:
            break
        last = hi
        _yield_write_lock(conn, time.monotonic() - held)
        if state.delay:
            time.sleep(state.delay)
    for key in keys:
        state.cursor[key] = "done"
    shown.rows = sum(u.rows for u in upds)
    obs.update_finished(shown)


SERIALIZATION_RETRIES = 5
"""Times a batch is retried after a serialization failure or deadlock (SQLSTATE 40001 / 40P01)."""


def _committed_batch(
    conn: sa.Connection,
    group: list[tuple[str, Step, Update]],
    upds: list[UpdateResult],
    tables: Tables,
    table: sa.Table,
    last: Any,
    state: _RunState,
) -> tuple[Any, int]:
    """Run and commit the batch after key ``last`` with the ledger's progress; returns (its last key or None
    for the final batch, rows changed). A batch that lost a race with a concurrent writer (its snapshot is
    stale, see :func:`_set_timeouts`) is rolled back and retried."""
    pk = next(iter(table.primary_key.columns))
    keys = [key for key, _, _ in group]
    for attempt in range(SERIALIZATION_RETRIES + 1):
        rows_before = [u.rows for u in upds]
        try:
            with conn.begin():
                _set_timeouts(conn, state.opts, snapshot=True)
                boundary = sa.select(pk).order_by(pk).offset(state.opts.batch_size - 1).limit(1)
                if last is not None:
                    boundary = boundary.where(pk > last)
                hi = conn.execute(boundary).scalar()
                rng = [pk > last] if last is not None else []
                if hi is not None:
                    rng.append(pk <= hi)
                undo_table = state.undo_tables.get(table.name)
                changed, undo_seconds = _batch(
                    conn, group, upds, tables, table, rng, undo_table, state.result.run_id or 0
                )
                cursor = dict(state.cursor)
                for key in keys:
                    cursor[key] = "done" if hi is None else {"after": _json_key(hi)}
                ledger.record_progress(conn, state.result.run_id or 0, state.result.counts, cursor)
            state.cursor = cursor
            state.result.undo_seconds += undo_seconds
            return hi, changed
        except sa.exc.DBAPIError as exc:
            for upd, rows in zip(upds, rows_before, strict=True):
                upd.rows = rows
            if getattr(exc.orig, "sqlstate", None) not in ("40001", "40P01") or attempt == SERIALIZATION_RETRIES:
                raise
            state.result.retries += 1
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _batch(
    conn: sa.Connection,
    group: list[tuple[str, Step, Update]],
    upds: list[UpdateResult],
    tables: Tables,
    table: sa.Table,
    rng: list[sa.ColumnElement[bool]],
    undo_table: sa.Table | None,
    run_id: int,
) -> tuple[int, float]:
    """One batch of a group, inside the caller's transaction; returns the rows changed and the seconds spent
    writing the undo record.

    With an undo table, first per update ``INSERT INTO undo SELECT <key, prior values> FROM table [JOIN lookup]
    WHERE <range> AND <still needs it> FOR UPDATE`` (its row count is the update's count). Then one ``UPDATE ...
    [FROM lookup] WHERE <range> AND <still needs it>``; a fused group sets each update's columns under ``CASE WHEN
    <that update's predicate>``. Both statements read one snapshot (REPEATABLE READ on PostgreSQL, the write
    lock on SQLite), so the UPDATE changes exactly the rows recorded.
    """
    pk = next(iter(table.primary_key.columns))
    started = time.perf_counter()
    if undo_table is not None:
        for (key, _, update), upd in zip(group, upds, strict=True):
            cols = [c for c in update.values(tables) if c != pk.name]
            prior = (
                sa.select(sa.literal(run_id), sa.literal(key), sa.literal("update"), pk, *(table.c[c] for c in cols))
                .select_from(_source(table, [update], tables))
                .where(*rng, update.where(tables))
            )
            insert = (
                sa.insert(undo_table)
                .from_select(["_sg_run", "_sg_key", "_sg_op", pk.name, *cols], prior.with_for_update(of=table))
                .execution_options(preserve_rowcount=True)  # SQLAlchemy keeps an INSERT's rowcount on request only
            )
            upd.rows += max(conn.execute(insert).rowcount, 0)
    undo_seconds = time.perf_counter() - started
    ons = [on for _, on in _joins([u for _, _, u in group], tables)]
    if len(group) == 1:
        update = group[0][2]
        stmt = sa.update(table).where(*ons, *rng, update.where(tables)).values(update.values(tables))
    else:
        values: dict[str, Any] = {}
        wheres = []
        for _, _, update in group:
            where = update.where(tables)
            wheres.append(where)
            for col, value in update.values(tables).items():
                values[col] = sa.case((where, value), else_=table.c[col])
        stmt = sa.update(table).where(*ons, *rng, sa.or_(*wheres)).values(values)
    changed = max(conn.execute(stmt).rowcount, 0)
    if undo_table is None:
        upds[0].rows += changed
    return changed, undo_seconds


def _json_key(value: Any) -> Any:
    """A primary-key value as stored in the ledger's cursor (JSON): strings and integers; None for other
    types (a resumed run then rescans that update from its first key, which its predicate makes safe)."""
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


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


def _set_timeouts(conn: sa.Connection, opts: RunOptions, snapshot: bool = False) -> None:
    """PostgreSQL, first thing in a transaction: ``SET LOCAL`` lock and statement timeouts (bound values) and
    ``jit = off``: a batch is a short statement whose JIT compilation (triggered by the estimated cost of its
    per-row subqueries) took 3 to 4 s per 10,000-row batch here, 20 times the statement itself. With
    ``snapshot``, the transaction is REPEATABLE READ: a batch's undo INSERT and its UPDATE then see the same rows
    (a row a concurrent writer changed after the snapshot fails the batch, which is retried). SQLite needs none
    of it: a batch holds the database write lock (``BEGIN IMMEDIATE``).

    Source: https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT,
    https://www.postgresql.org/docs/current/jit-decision.html,
    https://www.postgresql.org/docs/current/transaction-iso.html#XACT-REPEATABLE-READ
    """
    if not _dialect_of(conn).session_timeouts:
        return
    if snapshot:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    settings = {
        "lock_timeout": f"{int(opts.lock_timeout * 1000)}ms",
        "statement_timeout": f"{int(opts.statement_timeout * 1000)}ms",
        "jit": "off",
    }
    conn.execute(sa.select(*(sa.func.set_config(name, value, True) for name, value in settings.items())))


def write_engine(url: str, opts: RunOptions) -> sa.Engine:
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


@dataclass
class RollbackPlan:
    """The exact rollback of one or more runs, read from their undo records.

    Attributes:
        name, target (masked URL).
        runs: the runs it restores, newest first.
        groups: per run and update (newest first): what it restores and the SQL statements (``;``-less, values
            inlined), in execution order.
        applied: True once executed (``--rollback`` without ``--dry-run``).
    """

    name: str
    target: str
    runs: list[int] = field(default_factory=list)
    groups: list[tuple[undo.UndoGroup, list[str]]] = field(default_factory=list)
    applied: bool = False

    @property
    def rows(self) -> int:
        """Rows restored (or deleted, for rows the runs inserted)."""
        return sum(g.rows for g, _ in self.groups)

    @property
    def statements(self) -> list[str]:
        """Every statement, in execution order."""
        return [s for _, stmts in self.groups for s in stmts]


def _rollback_runs(conn: sa.Connection, backfill: Backfill, tables: Tables, run_id: int | None) -> list[int]:
    """The runs to restore, newest first: ``run_id`` alone, or every run of the backfill not rolled back yet.

    Raises:
        BackfillError: an unknown run or one of another backfill, one already rolled back or recorded without
            undo, or (with ``run_id``) a later run whose changes are not rolled back yet.
    """
    runs = [r for r in ledger.history(conn, backfill.name, limit=1_000_000) if not r.dry_run]
    recorded = undo.runs_with_undo(conn, backfill, tables)
    live = [r for r in runs if r.status != "rolled_back"]
    if run_id is None:
        blind = [r.id for r in live if not r.undo and r.total]
        if blind:
            raise BackfillError(
                f"run(s) #{', #'.join(map(str, blind))} of {backfill.name!r} changed rows without an undo record "
                "(--no-undo, or an earlier schemaguard): no exact rollback exists; see --rollback-sql --blanket"
            )
        return [r.id for r in live if r.id in recorded]
    row = next((r for r in runs if r.id == run_id), None)
    if row is None:
        raise BackfillError(f"run #{run_id} is not a real run of backfill {backfill.name!r} (see the ledger)")
    if row.status == "rolled_back":
        raise BackfillError(f"run #{run_id} of {backfill.name!r} is already rolled back")
    if not row.undo and row.total:
        raise BackfillError(
            f"run #{run_id} changed rows without an undo record (--no-undo, or an earlier schemaguard): no exact "
            "rollback exists; see --rollback-sql --blanket"
        )
    later = [r.id for r in live if r.id > run_id and r.id in recorded]
    if later:
        raise BackfillError(
            f"run(s) #{', #'.join(map(str, sorted(later)))} changed rows after run #{run_id}: roll them back first "
            f"(or omit --run to roll back every run)"
        )
    return [run_id] if run_id in recorded else []


def _plan(
    conn: sa.Connection, backfill: Backfill, url: str, tables: Tables, run_id: int | None
) -> tuple[RollbackPlan, list[sa.sql.dml.UpdateBase]]:
    plan = RollbackPlan(backfill.name, mask_url(url))
    plan.runs = _rollback_runs(conn, backfill, tables, run_id)
    executables: list[sa.sql.dml.UpdateBase] = []
    recorded = {r.id: r.undo_columns for r in ledger.history(conn, backfill.name, limit=1_000_000)}
    for group, stmts in undo.rollback_statements(conn, backfill, tables, plan.runs, recorded):
        text = [str(s.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})) for s in stmts]
        plan.groups.append((group, text))
        executables += stmts
    return plan, executables


def rollback_plan(
    backfill: Backfill, url: str, run_id: int | None = None, namespace: str | None = None
) -> RollbackPlan:
    """The exact rollback of run ``run_id`` (default: every run not rolled back yet), on a read-only
    connection: the statements restoring each changed row's prior values (and deleting rows a run inserted).

    Raises:
        BackfillError: see :func:`_rollback_runs`; missing tables. ConnectionFailed: unreachable database.
    """
    with connect(url, read_only=True) as conn:
        tables = reflect_tables(conn, backfill, namespace)
        return _plan(conn, backfill, url, tables, run_id)[0]


def apply_rollback(
    backfill: Backfill, url: str, run_id: int | None = None, options: RunOptions | None = None
) -> RollbackPlan:
    """Execute the exact rollback (the statements of :func:`rollback_plan`) in one transaction, holding the
    backfill's run lock; the undo rows of the restored runs are deleted and the runs marked ``rolled_back``
    in the same transaction.

    Raises:
        BackfillError: as :func:`rollback_plan`, a concurrent run, a lock timeout or another database error
            (nothing is changed then).
    """
    opts = options or RunOptions()
    opts.check()
    engine = write_engine(url, opts)
    try:
        with _database_errors(url), ledger.run_lock(engine, backfill.name), engine.connect() as conn:
            with conn.begin():
                _set_timeouts(conn, opts)
                ledger.refuse_if_running(conn, backfill.name)
                tables = reflect_tables(conn, backfill, opts.namespace)
                plan, executables = _plan(conn, backfill, url, tables, run_id)
                for stmt in executables:
                    conn.execute(stmt)
                if plan.runs:
                    undo.forget_runs(conn, backfill, tables, plan.runs)
                    ledger.mark_rolled_back(conn, plan.runs)
            plan.applied = True
            return plan
    finally:
        engine.dispose()


def render_rollback(backfill: Backfill, dialect: str) -> list[str]:
    """The backfill's blanket rollback statements (``--rollback-sql --blanket``) compiled for ``dialect`` (``"sqlite"`` / ``"postgresql"``), values inlined, without
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
