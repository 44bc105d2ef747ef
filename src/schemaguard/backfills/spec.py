"""The public API to declare a backfill.

A backfill is plain data: a name, the tables and columns it needs, ordered steps made of set-based updates,
flags (problems worth reporting), proof checks and rollback statements. Every SQL piece is a function of
:class:`Tables` (the live database's reflected tables), so identifiers are always quoted by SQLAlchemy and
types (a PostgreSQL enum, say) come from the database itself.

```python
from schemaguard.backfills.spec import Backfill, Step, Update, count_equals

BACKFILL = Backfill(
    name="fill-status",
    description="Give every order a status",
    requires={"Order": ("id", "status")},
    steps=(Step("status", "Default the status", updates=(
        Update("Order", where=lambda t: t.Order.c.status.is_(None), values=lambda t: {"status": "open"}),
    )),),
    proofs=(count_equals("Orders without status", lambda t: sa.select(sa.func.count())
            .select_from(t.Order).where(t.Order.c.status.is_(None)), 0),),
)
```

An update must be idempotent by construction: ``where`` selects only the rows that still need it, and after the
update those rows no longer match. The runner relies on that for reruns and for resuming a killed run.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from schemaguard.errors import SchemaGuardError

if TYPE_CHECKING:
    import sqlalchemy as sa

Severity = Literal["error", "warning", "info"]


class BackfillError(SchemaGuardError):
    """A backfill cannot run: unknown name, missing tables/columns, a concurrent run, a lock or statement
    timeout, or a broken backfill definition (exit code 2). The message says what and how to fix it."""


class Tables(Mapping[str, "sa.Table"]):
    """The reflected tables a backfill declared in ``requires``, by name: ``t["MessageThread"]`` or
    ``t.MessageThread``.

    Raises:
        BackfillError: a table that was not declared in ``requires`` (so preconditions stay complete).
    """

    def __init__(self, tables: Mapping[str, sa.Table]):
        self._tables = dict(tables)
        self._derived: dict[str, Any] = {}

    def derived(self, name: str, build: Callable[[], Any]) -> Any:
        """``build()`` once per Tables, then the same object: a derived table (subquery) that an update's
        ``join``, ``where`` and ``values`` all refer to must be one object, or SQL would name it twice."""
        if name not in self._derived:
            self._derived[name] = build()
        return self._derived[name]

    def __getitem__(self, name: str) -> sa.Table:
        try:
            return self._tables[name]
        except KeyError:
            raise BackfillError(f"table {name!r} is used but not declared in the backfill's requires") from None

    def __getattr__(self, name: str) -> sa.Table:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __iter__(self) -> Any:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


TableExpr = Callable[[Tables], Any]
"""A function of the reflected tables returning a SQLAlchemy expression or statement."""


@dataclass(frozen=True)
class Update:
    """One set-based, idempotent UPDATE of one table, run in keyset batches on its single-column primary key.

    Attributes:
        table: the table to update (must be in ``requires`` and have a one-column primary key).
        where: ``Tables -> ColumnElement[bool]``: the rows that still need the update (and can get it).
        values: ``Tables -> dict[column name, value or expression]``: the SET clause; expressions may be
            correlated subqueries on other tables (they are evaluated per row, in the database).
        description: one line for logs and the dry-run report.
        sample_columns: extra columns shown next to the key in dry-run samples.
        join: ``Tables -> (from clause, on clause)``, optional: a derived table joined to ``table`` whose columns
            ``where`` and ``values`` may use: a lookup computed once per batch (set-based) instead of a
            correlated subquery per row. It must match every row of ``table`` exactly once (join on a NOT NULL
            foreign key to a table with one row per key), because the runner may share the pass with another
            update of the table. Build it with :meth:`Tables.derived` so every use is the same object.
    """

    table: str
    where: TableExpr
    values: TableExpr
    description: str = ""
    sample_columns: tuple[str, ...] = ()
    join: TableExpr | None = None


@dataclass(frozen=True)
class Insert:
    """One set-based, idempotent ``INSERT ... SELECT`` into a table, in batches of ``batch_size`` new keys.

    Attributes:
        table: the table to fill (in ``requires``, with a one-column primary key).
        rows: ``Tables -> Select`` whose columns are labelled with the table's column names, the primary key
            among them, selecting only rows that do not exist yet (so a rerun inserts nothing).
        description: one line for logs and the dry-run report.

    The run records each inserted key in the undo table, so the exact rollback deletes exactly those rows.
    """

    table: str
    rows: TableExpr
    description: str = ""


@dataclass(frozen=True)
class Flag:
    """A problem worth reporting before a step runs (also in a dry run).

    Attributes:
        severity: ``"error"`` (the run cannot do its job for these rows; the run exits 1), ``"warning"`` or
            ``"info"``.
        message: one line; ``{count}`` is replaced by the number of flagged rows.
        query: ``Tables -> Select`` whose rows are the flagged items (first column: their key); no rows = no
            flag.
        guidance: what to do about it (manual setup steps), printed under the message.
    """

    severity: Severity
    message: str
    query: TableExpr
    guidance: str = ""


@dataclass(frozen=True)
class Step:
    """An ordered step: after its flags are evaluated, its inserts run (keys ``step.insert.N``), then its
    updates (keys ``step.N``), each in order."""

    name: str
    description: str
    updates: tuple[Update, ...] = ()
    flags: tuple[Flag, ...] = ()
    inserts: tuple[Insert, ...] = ()


@dataclass(frozen=True)
class ProofItem:
    """One line of a proof: ``label: value (expected: ...)``; ``passed`` is None for informational lines."""

    label: str
    value: int
    expected: str | None = None
    passed: bool | None = None


@dataclass(frozen=True)
class ProofResult:
    """The outcome of one proof check.

    Attributes:
        name: the check's title ("Front Desk Numbers Per Org").
        kind: ``"check"`` (pass/fail) or ``"info"`` (a distribution, never fails).
        items: the lines; a check fails when any item failed.
    """

    name: str
    kind: Literal["check", "info"]
    items: tuple[ProofItem, ...]

    @property
    def passed(self) -> bool:
        """True unless an item failed (informational results always pass)."""
        return all(i.passed is not False for i in self.items)


ProofFn = Callable[["sa.Connection", Tables], ProofResult]


@dataclass(frozen=True)
class ProofCheck:
    """A named proof check: ``run(connection, tables) -> ProofResult`` on a read-only connection."""

    name: str
    run: ProofFn


@dataclass(frozen=True)
class Backfill:
    """A registered data migration.

    Attributes:
        name: the CLI name (``phase-1-4``).
        description: one paragraph.
        requires: table name -> the columns that must exist in the live database before anything runs.
        steps: run in order.
        proofs: invariants that must hold after the run (``schemaguard proof``).
        rollback: ``Tables -> list[Executable]``: statements undoing the backfill, rendered per dialect.
        rollback_note: a warning printed above the rollback SQL.
        source: the module that defined it (set by the registry; shown by ``--list``).
    """

    name: str
    description: str
    requires: Mapping[str, Sequence[str]]
    steps: tuple[Step, ...]
    proofs: tuple[ProofCheck, ...] = ()
    rollback: TableExpr | None = None
    rollback_note: str = ""
    source: str = field(default="", compare=False)

    def checksum(self) -> str:
        """sha256 (hex) of the defining module's source, recorded in the ledger so a changed backfill shows."""
        module = sys.modules.get(self.source) if self.source else None
        try:
            text = inspect.getsource(module) if module is not None else repr(self)
        except (OSError, TypeError):
            text = repr(self)
        return hashlib.sha256(text.encode()).hexdigest()


def typed(column: sa.ColumnElement[Any], value: Any) -> sa.ColumnElement[Any]:
    """A bound literal with ``column``'s type, so PostgreSQL compares/assigns enum values without a cast error
    (``CASE types "NumberClass" and character varying cannot be matched``)."""
    import sqlalchemy as sa

    return sa.literal(value, type_=column.type)


def _scalar(conn: sa.Connection, query: Any) -> int:
    return int(conn.execute(query).scalar_one() or 0)


def count_equals(name: str, query: TableExpr, expected: int, label: str | None = None) -> ProofCheck:
    """A check that ``query`` (``Tables -> Select`` of one count) equals ``expected``."""

    def run(conn: sa.Connection, t: Tables) -> ProofResult:
        value = _scalar(conn, query(t))
        return ProofResult(name, "check", (ProofItem(label or name, value, str(expected), value == expected),))

    return ProofCheck(name, run)


def count_at_least(name: str, query: TableExpr, minimum: int) -> ProofCheck:
    """A check that the count of ``query`` is at least ``minimum``."""

    def run(conn: sa.Connection, t: Tables) -> ProofResult:
        value = _scalar(conn, query(t))
        return ProofResult(name, "check", (ProofItem(name, value, f">= {minimum}", value >= minimum),))

    return ProofCheck(name, run)


def count_at_most(name: str, query: TableExpr, bound_label: str, bound: TableExpr) -> ProofCheck:
    """A check that the count of ``query`` is at most the count of ``bound`` (both ``Tables -> Select``); both
    counts are reported (``Sitter Masked Numbers: 3``, ``Active Sitters: 5``)."""

    def run(conn: sa.Connection, t: Tables) -> ProofResult:
        value, limit = _scalar(conn, query(t)), _scalar(conn, bound(t))
        return ProofResult(
            name,
            "check",
            (ProofItem(name, value, f"<= {limit}", value <= limit), ProofItem(bound_label, limit)),
        )

    return ProofCheck(name, run)


def per_group_equals(name: str, query: TableExpr, expected: int, prefix: str = "") -> ProofCheck:
    """A check that every group of ``query`` (``Tables -> Select`` of (label, count) rows) has ``expected``."""

    def run(conn: sa.Connection, t: Tables) -> ProofResult:
        rows = conn.execute(query(t)).all()
        items = tuple(ProofItem(f"{prefix}{r[0]}", int(r[1]), str(expected), int(r[1]) == expected) for r in rows)
        return ProofResult(name, "check", items)

    return ProofCheck(name, run)


def distribution(name: str, query: TableExpr, null_label: str = "(none)") -> ProofCheck:
    """Informational: (label, count) rows of ``query``, NULL labels shown as ``null_label``."""

    def run(conn: sa.Connection, t: Tables) -> ProofResult:
        rows = conn.execute(query(t)).all()
        items = tuple(ProofItem(null_label if r[0] is None else str(r[0]), int(r[1])) for r in rows)
        return ProofResult(name, "info", items)

    return ProofCheck(name, run)
