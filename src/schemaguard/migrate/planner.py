"""The one planner: Changes → typed, ordered, reversible operations → SQL or an Alembic revision.

Alembic's shape (compare → ops → render/execute): the differ (:func:`schemaguard.diff.diff_schemas`) says *what*
differs; :func:`plan` turns each :class:`~schemaguard.diff.changes.Change` into typed operations (:class:`Op`:
``CreateTable``, ``AddColumn``, ``CreateIndex``, ``AddForeignKey``, ``RebuildTable``...), each knowing its
``reverse()`` and its phase; ordering is by phase, so drops of dependants come before what they depend on
(foreign keys → checks → indexes and unique constraints → primary keys) and creates come in the reverse order.
Each operation *lowers* to steps: Alembic ``MigrateOperation`` objects where Alembic has one (so a revision is
ordinary Alembic code), :class:`Sql` where it has none, :class:`Autocommit` blocks for statements PostgreSQL
refuses inside a transaction, and a SQLite :class:`Rebuild`. The same steps are then either executed in
Alembic's offline mode (:meth:`Plan.statements`: ``diff --sql`` and ``Dialect.plan``) or rendered as Python
(``schemaguard.migrate.ops.render_items``: ``migrate generate``).

The vocabulary (phases, steps, :class:`MigrateHooks`, :class:`PlanContext`, :class:`Op`) lives in
``migrate/steps.py`` and the table operations in ``migrate/table_ops.py``; this module re-exports both.

Dialect differences are data and narrow hooks in ``dialects/<name>/migrate.py`` (:class:`MigrateHooks`): which
changes need a table rebuild, how a column type or default is altered, how enum values change, whether lock-safe
("online") DDL exists.

Adding a change kind (views, functions, triggers, sequences...): write a frozen ``Op`` subclass with a ``phase``
(a :class:`Phase` member; add one if none fits the dependency order), ``reverse()`` and ``lower(ctx)`` returning
steps (``Sql`` is enough for most catalog objects), then add **one entry** mapping the new ``ChangeKind`` to a
function ``(change, ctx) -> list[Op]``: in :data:`PLANNERS` for tables and their parts, in
``migrate/object_ops.py: OBJECT_PLANNERS`` for the other objects (imported on first use). :func:`plan` raises
``UnsupportedChange`` for a kind without an entry, so a new kind is never dropped silently
(``tests/migrate/test_planner.py`` checks every ``ChangeKind`` has one). Objects that read tables are dropped in
a phase before ``DROP_FOREIGN_KEYS`` and created after ``ADD_FOREIGN_KEYS``. A change whose ``table`` SQLite
rebuilds is skipped by the dispatch: the rebuild recreates the table's indexes, triggers and options from the
desired model. Online plans are regrouped by :meth:`Plan.steps`: an ``Autocommit`` step and whatever follows it
in its operation's lowering move to the revision's autocommit tail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from schemaguard.dialects.base import Dialect
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.errors import UnsupportedChange
from schemaguard.migrate.steps import (
    Autocommit,
    Comment,
    MigrateHooks,
    Op,
    Phase,
    PlanContext,
    Rebuild,
    Sql,
    Step,
    hooks_for,
    spelling_for,
)
from schemaguard.migrate.table_ops import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddPrimaryKey,
    AlterColumn,
    AlterEnum,
    CreateEnum,
    CreateIndex,
    CreateTable,
    DropCheck,
    DropColumn,
    DropEnum,
    DropForeignKey,
    DropIndex,
    DropPrimaryKey,
    DropTable,
    RebuildTable,
    RenameColumn,
    RenameIndex,
    SetLockTimeout,
    partition_moves,
)
from schemaguard.model import Check, Column, ObjectKind, Schema, Table, TypeKind

__all__ = [
    "PLANNERS",
    "AddCheck",
    "AddColumn",
    "AddForeignKey",
    "AddPrimaryKey",
    "AlterColumn",
    "AlterEnum",
    "Autocommit",
    "Comment",
    "CreateEnum",
    "CreateIndex",
    "CreateTable",
    "DropCheck",
    "DropColumn",
    "DropEnum",
    "DropForeignKey",
    "DropIndex",
    "DropPrimaryKey",
    "DropTable",
    "MigrateHooks",
    "Op",
    "Phase",
    "Plan",
    "PlanContext",
    "Rebuild",
    "RebuildTable",
    "RenameColumn",
    "RenameIndex",
    "SetLockTimeout",
    "Sql",
    "Step",
    "hooks_for",
    "ordered",
    "plan",
    "plan_statements",
    "spelling_for",
]


# --- changes → operations: one entry per change kind --------------------------------------------------------------


def _tables(ch: Change, ctx: PlanContext) -> tuple[Table, Table]:
    dt = ctx.d.table(ch.table or "")
    at = ctx.a.table(ch.table or "")
    if dt is None or at is None:  # pragma: no cover - the differ reports these only for tables on both sides
        raise UnsupportedChange(f"{ch.kind} on {ch.table}: the table is missing on one side", ch, ctx.dialect.name)
    return dt, at


def _table_missing(ch: Change, ctx: PlanContext) -> list[Op]:
    t = ctx.d.table(ch.desired.name) or ch.desired
    whole = ctx.hooks.create_table(ctx, t) if ctx.hooks.create_table is not None else None
    out: list[Op] = [whole or CreateTable(t)]
    if not ctx.sp.fk_inline:
        out += [AddForeignKey(t, fk, new_table=True) for fk in t.foreign_keys]
    return out


def _table_extra(ch: Change, ctx: PlanContext) -> list[Op]:
    t = ctx.a.table(ch.actual.name) or ch.actual
    out: list[Op] = []
    if not ctx.sp.fk_inline:  # dropped first so tables dropped together never block each other
        out += [DropForeignKey(t, fk) for fk in t.foreign_keys if fk.name]
    return [*out, DropTable(t)]


def _column_missing(ch: Change, ctx: PlanContext) -> list[Op]:
    return [AddColumn(_tables(ch, ctx)[0], ch.desired)]


def _column_extra(ch: Change, ctx: PlanContext) -> list[Op]:
    return [DropColumn(_tables(ch, ctx)[1], ch.actual)]


def _column_changed(ch: Change, ctx: PlanContext) -> list[Op]:
    dt, at = _tables(ch, ctx)
    if ch.kind is ChangeKind.COLUMN_DEFAULT and "generated" in ch.aspects:
        # A generation expression cannot be altered in place (PostgreSQL 15): drop the column, add it again.
        return [DropColumn(at, ch.actual, late=True), AddColumn(dt, ch.desired, late=True)]
    return [AlterColumn(dt, ch.actual, ch.desired, ch)]


def _primary_key(ch: Change, ctx: PlanContext) -> list[Op]:
    dt, at = _tables(ch, ctx)
    out: list[Op] = []
    if ch.actual is not None:
        out.append(DropPrimaryKey(at, ch.actual))
    if ch.desired is not None:
        out.append(AddPrimaryKey(dt, ch.desired))
    return out


def _index(ch: Change, ctx: PlanContext) -> list[Op]:
    dt, at = _tables(ch, ctx)
    if ch.kind is ChangeKind.INDEX_CHANGED and ch.aspects == ("name",):
        return [RenameIndex(dt, ch.actual, ch.desired)]
    out: list[Op] = []
    if ch.actual is not None:
        out.append(DropIndex(at, ch.actual))
    if ch.desired is not None:
        out.append(CreateIndex(dt, ch.desired))
    return out


def _foreign_key(ch: Change, ctx: PlanContext) -> list[Op]:
    dt, at = _tables(ch, ctx)
    out: list[Op] = []
    if ch.actual is not None:
        out.append(DropForeignKey(at, ch.actual))
    if ch.desired is not None:
        out.append(AddForeignKey(dt, ch.desired))
    return out


def _check(ch: Change, ctx: PlanContext) -> list[Op]:
    dt, at = _tables(ch, ctx)
    if ch.actual is not None and ch.desired is not None:
        # check_changed (NO INHERIT differs): PostgreSQL has no ALTER for it, the check is dropped and added.
        # Source: https://www.postgresql.org/docs/15/sql-altertable.html (ALTER CONSTRAINT: foreign keys only)
        drop = [] if _inherited(at.name, ch.actual, ctx.a) else [DropCheck(at, ch.actual)]
        return [*drop, *([] if _inherited(dt.name, ch.desired, ctx.d, ctx.a) else [AddCheck(dt, ch.desired)])]
    if ch.actual is not None:
        # A check the table inherits is dropped (or added) with its parent's: PostgreSQL refuses "cannot drop
        # inherited constraint" on the child, and ADD on the parent recurses to its children.
        # Source: https://www.postgresql.org/docs/15/ddl-inherit.html
        return [] if _inherited(at.name, ch.actual, ctx.a) else [DropCheck(at, ch.actual)]
    return [] if _inherited(dt.name, ch.desired, ctx.d, ctx.a) else [AddCheck(dt, ch.desired)]


def _inherited(table: str, check: Check, schema: Schema, actual: Schema | None = None) -> bool:
    """``check`` on ``table`` is one of its inheritance parents' in ``schema`` (same name, inheritable); with
    ``actual`` (a check to add), only when that parent's check is added too (not already in ``actual``)."""
    for o in schema.objects:
        if o.kind is not ObjectKind.INHERITANCE or o.name != table or not check.name:
            continue
        for parent in (o.attribute("parents") or "").split(", "):
            pt = schema.table(parent)
            if pt is None or not any(ck.name == check.name and not ck.no_inherit for ck in pt.checks):
                continue
            before = actual.table(parent) if actual is not None else None
            if before is None or not any(ck.name == check.name and not ck.no_inherit for ck in before.checks):
                return True
    return False


PLANNERS: dict[ChangeKind, Callable[[Change, PlanContext], list[Op]]] = {
    ChangeKind.ENUM_MISSING: lambda ch, ctx: [CreateEnum(ch.desired)],
    ChangeKind.ENUM_EXTRA: lambda ch, ctx: [DropEnum(ch.actual)],
    ChangeKind.ENUM_VALUES: lambda ch, ctx: [AlterEnum(ch.actual, ch.desired)],
    ChangeKind.TABLE_MISSING: _table_missing,
    ChangeKind.TABLE_EXTRA: _table_extra,
    ChangeKind.COLUMN_MISSING: _column_missing,
    ChangeKind.COLUMN_EXTRA: _column_extra,
    ChangeKind.COLUMN_TYPE: _column_changed,
    ChangeKind.COLUMN_NULLABLE: _column_changed,
    ChangeKind.COLUMN_DEFAULT: _column_changed,
    ChangeKind.PRIMARY_KEY: _primary_key,
    ChangeKind.INDEX_MISSING: _index,
    ChangeKind.INDEX_EXTRA: _index,
    ChangeKind.INDEX_CHANGED: _index,
    ChangeKind.FOREIGN_KEY_MISSING: _foreign_key,
    ChangeKind.FOREIGN_KEY_EXTRA: _foreign_key,
    ChangeKind.FOREIGN_KEY_CHANGED: _foreign_key,
    ChangeKind.CHECK_MISSING: _check,
    ChangeKind.CHECK_EXTRA: _check,
    ChangeKind.CHECK_CHANGED: _check,
}
"""Change kind → operations. One entry per kind: the only dispatch over change kinds in the package."""


def _object_planners() -> dict[ChangeKind, Callable[[Change, PlanContext], list[Op]]]:
    """The entries for views, functions, triggers... (migrate/object_ops.py, which subclasses :class:`Op`, so it
    is imported on first use)."""
    from schemaguard.migrate.object_ops import OBJECT_PLANNERS

    return OBJECT_PLANNERS


# --- dependencies ---------------------------------------------------------------------------------------------


def _key_dependants(planned: list[Op], ctx: PlanContext) -> list[Op]:
    """Foreign keys of kept tables that reference a primary key or unique constraint being dropped (or a table
    being dropped) but are not themselves changed: PostgreSQL refuses the drop while they exist ("other objects
    depend on it"), so they are dropped before and added again after (when the master keeps them)."""
    dropped_keys: set[tuple[str, frozenset[str]]] = set()
    dropped_tables: set[str] = set()
    for op in planned:
        if isinstance(op, DropPrimaryKey):
            dropped_keys.add((op.table.name, frozenset(op.key.columns)))
        elif isinstance(op, DropIndex) and op.index.unique:
            dropped_keys.add((op.table.name, frozenset(op.index.columns)))
        elif isinstance(op, DropTable):
            dropped_tables.add(op.table.name)
    if not dropped_keys and not dropped_tables:
        return []
    handled = {(op.table.name, op.fk) for op in planned if isinstance(op, DropForeignKey)}
    out: list[Op] = []
    for t in ctx.a.tables:
        if t.name in dropped_tables:
            continue
        kept = ctx.d.table(t.name)
        for fk in t.foreign_keys:
            if (t.name, fk) in handled or not fk.name:
                continue
            if (fk.ref_table, frozenset(fk.ref_columns)) in dropped_keys or fk.ref_table in dropped_tables:
                out.append(DropForeignKey(t, fk))
                if kept is not None and fk in kept.foreign_keys and fk.ref_table not in dropped_tables:
                    out.append(AddForeignKey(kept, fk))
    return out


def _table_readers(planned: list[Op], ctx: PlanContext) -> list[Op]:
    """Views and routines that read a table being dropped, a column being dropped or changing type, or a column
    of an enum being rebuilt, and that no change plans already: PostgreSQL refuses the table change while they
    exist ("view q depends on table data"), so they are dropped before and created again after (their desired
    version, when the master keeps them). Found by name in their definitions (``object_ops``); for a column dropped
    or retyped, only the views that may read that column (PostgreSQL records view dependencies per column). For a
    column whose
    type changes in place (``ALTER COLUMN ... TYPE``, an enum rebuild), the policies, triggers and rules on its
    table that name it go around the change too (``object_ops.column_users_on``)."""
    if not ctx.a.objects:
        return []
    whole: set[str] = set()  # tables dropped or created again: every reader goes
    tables: dict[str, set[str]] = {}  # table → columns dropped or retyped: the readers that may read them go
    retyped_columns: dict[str, set[str]] = {}  # table → columns whose type changes in place
    for op in planned:
        retyped = isinstance(op, AlterColumn) and op.change.kind is ChangeKind.COLUMN_TYPE
        if isinstance(op, DropTable):
            whole.add(op.table.name)
            tables.setdefault(op.table.name, set())
        elif isinstance(op, DropColumn):
            tables.setdefault(op.table.name, set()).add(op.column.name)
        elif isinstance(op, AlterColumn) and retyped:
            tables.setdefault(op.table.name, set()).add(op.before.name)
            retyped_columns.setdefault(op.table.name, set()).add(op.before.name)
        elif isinstance(op, RebuildTable) and ctx.hooks.rebuild_steps is not None:  # dropped and created again
            whole.add(op.after.name)
            tables.setdefault(op.after.name, set())
        elif isinstance(op, AlterEnum) and op.phase is not Phase.CREATE_TYPES:  # rebuilt, not only added to
            for t in ctx.a.tables:
                users = {c.name for c in t.columns if c.type.enum_name == op.after.name}
                if users:
                    tables.setdefault(t.name, set()).update(users)
                    retyped_columns.setdefault(t.name, set()).update(users)
    if not tables:
        return []
    from schemaguard.migrate import object_ops
    from schemaguard.model import DbObject, ObjectKind

    out: list[Op] = []
    for name, cols in tables.items():
        out += object_ops.readers_of(DbObject(ObjectKind.TABLE_OPTIONS, name), ctx, None if name in whole else cols)
    for name, columns in retyped_columns.items():
        out += object_ops.column_users_on(name, columns, ctx)
    return out


@dataclass(frozen=True)
class DropTableBeforeEnumRebuild(DropTable):
    """A leaving table with a column of an enum type the plan rebuilds (a value removed or the order changed):
    dropped before the rebuild, whose last statement drops the renamed old type, which PostgreSQL refuses while a
    column still uses it ("cannot drop type ... because other objects depend on it",
    https://www.postgresql.org/docs/15/sql-droptype.html). Its foreign keys and readers are dropped earlier still
    (phases ``DROP_FOREIGN_KEYS``, ``DROP_VIEWS``). Reversed, the table is created as usual."""

    PHASE: ClassVar[Phase] = Phase.DROP_TABLES_EARLY

    def reverse(self) -> Op:
        return CreateTableUsingRebuiltEnum(self.table)


@dataclass(frozen=True)
class CreateTableUsingRebuiltEnum(CreateTable):
    """A new table with a column of an enum type the reverse plan rebuilds: created as usual, and its reverse (an
    Alembic downgrade) drops it before that rebuild (:class:`DropTableBeforeEnumRebuild`)."""

    def reverse(self) -> Op:
        return DropTableBeforeEnumRebuild(self.table)


def _around_enum_rebuilds(planned: list[Op]) -> list[Op]:
    """``planned`` with the tables created or dropped that use an enum rebuilt in either direction (this plan or
    its reverse) replaced by the variants that drop them before the rebuild."""
    rebuilt = {
        op.after.name
        for op in planned
        # Values only added keep the type (ALTER TYPE ... ADD VALUE); their reverse removes them: a rebuild.
        if isinstance(op, AlterEnum) and (op.phase, op.reverse().phase) != (Phase.CREATE_TYPES, Phase.CREATE_TYPES)
    }
    if not rebuilt:
        return planned

    def uses(t: Table) -> bool:
        return any(c.type.kind is TypeKind.ENUM and c.type.enum_name in rebuilt for c in t.columns)

    def column_uses(c: Column) -> bool:
        return c.type.kind is TypeKind.ENUM and c.type.enum_name in rebuilt

    out: list[Op] = []
    for op in planned:
        if type(op) is DropTable and uses(op.table):
            op = DropTableBeforeEnumRebuild(op.table)
        elif type(op) is CreateTable and uses(op.table):
            op = CreateTableUsingRebuiltEnum(op.table)
        elif type(op) is DropColumn and column_uses(op.column):
            op = DropColumnBeforeEnumRebuild(op.table, op.column, op.late)
        elif type(op) is AddColumn and column_uses(op.column):
            op = AddColumnUsingRebuiltEnum(op.table, op.column, op.late)
        out.append(op)
    return out


@dataclass(frozen=True)
class DropColumnBeforeEnumRebuild(DropColumn):
    """A leaving column of an enum type the plan rebuilds: dropped before the rebuild, as
    :class:`DropTableBeforeEnumRebuild` (the rebuild's DROP TYPE of the renamed old type is refused while the column
    still uses it). The usual case: the downgrade of a revision that added an enum value and a column using it."""

    @property
    def phase(self) -> Phase:
        return Phase.DROP_TABLES_EARLY

    def reverse(self) -> Op:
        return AddColumnUsingRebuiltEnum(self.table, self.column, self.late)


@dataclass(frozen=True)
class AddColumnUsingRebuiltEnum(AddColumn):
    """A new column of an enum type the reverse plan rebuilds: added as usual; its reverse drops it before that
    rebuild (:class:`DropColumnBeforeEnumRebuild`)."""

    def reverse(self) -> Op:
        return DropColumnBeforeEnumRebuild(self.table, self.column, self.late)


# --- the plan ---------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """Ordered operations that turn one schema into another.

    Attributes:
        ops: the operations, in execution order (by phase, then in the order the changes came).
        ctx: the context they lower in.
    """

    ops: list[Op]
    ctx: PlanContext

    def steps(self) -> list[Step]:
        """Every operation lowered, in order.

        Online, the steps are regrouped so that a revision holds one transaction: a head of statements that must
        precede it outside a transaction (enum values the plan uses), the transactional body, and one autocommit
        tail (concurrent index builds, validations, and what follows them in their operation; a foreign key
        that references a unique constraint built in the tail goes there too). A failure in the body rolls the
        whole revision back; the tail's statements each commit on their own.
        """
        if not self.ctx.online:
            return [s for op in self.ops for s in op.lower(self.ctx)]
        head: list[Step] = []
        body: list[Step] = []
        tail: list[Step] = []
        late_keys = {
            (op.table.name, frozenset(op.index.columns))
            for op in self.ops
            if isinstance(op, CreateIndex) and op.index.unique and not op.new_table
        }
        for op in self.ops:
            lowered = op.lower(self.ctx)
            if isinstance(op, AddForeignKey) and (op.fk.ref_table, frozenset(op.fk.ref_columns)) in late_keys:
                tail += _flatten(lowered)
                continue
            first = next((i for i, s in enumerate(lowered) if isinstance(s, Autocommit)), len(lowered))
            if isinstance(op, SetLockTimeout) or (first == 0 and op.phase <= Phase.CREATE_TYPES):
                head += lowered
                continue
            body += lowered[:first]
            tail += _flatten(lowered[first:])
        return [*head, *body, *([Autocommit(tuple(tail))] if tail else [])]

    def reverse(self) -> Plan:
        """The plan that undoes this one: each operation reversed, re-ordered by phase (a drop of what this plan
        created comes before the drop of what it depends on). Lowered against the swapped schemas."""
        ctx = PlanContext(self.ctx.dialect, self.ctx.actual, self.ctx.desired, self.ctx.online)
        return Plan(ordered([op.reverse() for op in reversed(self.ops)]), ctx)

    def statements(self) -> list[str]:
        """The plan as SQL statements (no trailing ``;``), executed through Alembic's offline mode; a script
        that rebuilds SQLite tables is wrapped in the dialect's prologue/epilogue (foreign keys off, one
        transaction, ``PRAGMA foreign_key_check``)."""
        from schemaguard.dialects.alembic_sql import offline_operations

        operations, out = offline_operations(self.ctx.dialect.name)
        rebuilt = False

        def run(step: Step) -> None:
            nonlocal rebuilt
            if isinstance(step, Sql):
                out.statements.append(step.text)
            elif isinstance(step, Comment):
                return
            elif isinstance(step, Autocommit):
                for inner in step.steps:
                    run(inner)
                if not self.ctx.online:
                    # A script: what must not run in the transaction that uses it (enum values the plan uses,
                    # https://www.postgresql.org/docs/15/sql-altertype.html) is committed before the rest, when
                    # the script runs in one transaction (psql -1); statement by statement it is a no-op.
                    out.statements.append("COMMIT")
            elif isinstance(step, Rebuild):
                rebuilt = True
                out.statements.extend(step.statements)
            else:
                operations.invoke(step)

        for step in self.steps():
            run(step)
        if rebuilt:
            return [*self.ctx.hooks.script_prologue, *out.statements, *self.ctx.hooks.script_epilogue]
        return out.statements


def _flatten(steps: Sequence[Step]) -> list[Step]:
    out: list[Step] = []
    for s in steps:
        out += _flatten(s.steps) if isinstance(s, Autocommit) else [s]
    return out


def _table_of(ch: Change) -> str | None:
    """The table a change is on: its ``table``, or for a table property (``table_options_changed``,
    ``collation_changed``) its key."""
    if ch.table is None and ch.kind in (
        ChangeKind.TABLE_OPTIONS_CHANGED,
        ChangeKind.COLLATION_CHANGED,
        ChangeKind.PARTITIONING_CHANGED,
    ):
        return ch.object
    return ch.table


def ordered(planned: Sequence[Op]) -> list[Op]:
    """``planned`` sorted by phase; stable, so operations of one phase keep the order their changes came in."""
    return sorted(planned, key=lambda op: op.phase)  # stable: the changes' order within a phase


def plan(changes: Sequence[Change], desired: Schema, actual: Schema, dialect: Dialect, *, online: bool = False) -> Plan:
    """Plan the operations that turn ``actual`` into ``desired``.

    Args:
        changes: ``diff_schemas(desired, actual, dialect)``.
        desired: the schema to reach.
        actual: the schema the database has.
        dialect: the dialect to plan for.
        online: lock-safe DDL where the dialect has it (PostgreSQL: ``CONCURRENTLY``, ``NOT VALID`` +
            ``VALIDATE``, ``SET NOT NULL`` through a validated check, ``lock_timeout``); such plans need
            autocommit blocks, so they are meant for revisions, not for a script run in one transaction.

    Returns:
        Plan: enum types first, then renames, drops of foreign keys, checks, indexes and keys, table creation,
        column additions and alterations, table rebuilds, column and table drops, then new keys, indexes,
        checks, foreign keys, and last enum drops.

    Raises:
        UnsupportedChange: a change kind without a planner entry, or a change the dialect cannot express.
    """
    ctx = PlanContext(dialect, desired, actual, online)
    moved, changes = partition_moves(changes, ctx)  # attach / detach / re-bound partitions (table_ops)
    rebuild: dict[str, None] = {}
    for ch in changes:
        name = _table_of(ch)
        if name is None or name in rebuild:
            continue
        if ctx.hooks.needs_rebuild(ch, ctx.d.table(name), ctx.a.table(name)):
            rebuild[name] = None
    planned: list[Op] = []
    if ctx.online and ctx.hooks.lock_timeout and (changes or moved):
        planned.append(SetLockTimeout(ctx.hooks.lock_timeout))
    planned += moved
    for name in rebuild:
        at, dt = ctx.a.table(name), ctx.d.table(name)
        assert at is not None and dt is not None
        planned.append(RebuildTable(at, dt))
    # Tables created whole (hooks.create_table) or dropped: their CREATE TABLE makes, and DROP TABLE removes, the
    # properties only CREATE TABLE sets (SQLite's STRICT, COLLATE...; needs_rebuild says which).
    whole = {
        ch.object: ctx.d.table(ch.object or "")
        for ch in changes
        if ch.kind is ChangeKind.TABLE_MISSING and ctx.hooks.create_table is not None
    }
    whole.update((ch.object, ctx.a.table(ch.object or "")) for ch in changes if ch.kind is ChangeKind.TABLE_EXTRA)
    from schemaguard.migrate.object_ops import enum_type_users

    planned += enum_type_users(changes, ctx)  # routines typed with an enum rebuilt either way, around the rebuild
    for ch in changes:
        if _table_of(ch) in rebuild:
            continue  # the rebuild makes every change of its table (its triggers and options included)
        made = whole.get(_table_of(ch)) if ch.kind not in (ChangeKind.TABLE_MISSING, ChangeKind.TABLE_EXTRA) else None
        if made is not None and ctx.hooks.needs_rebuild(ch, made, made):
            continue  # a property only CREATE TABLE sets: made by the table's creation, gone with its drop
        planner = PLANNERS.get(ch.kind) or _object_planners().get(ch.kind)
        if planner is None:
            raise UnsupportedChange(f"no plan for {ch.kind.value} changes on {dialect.name}", ch, dialect.name)
        planned += planner(ch, ctx)
    planned += _key_dependants(planned, ctx)
    planned += _table_readers(planned, ctx)
    planned = _around_enum_rebuilds(planned)
    return Plan(ordered(planned), ctx)


def plan_statements(changes: Sequence[Change], desired: Schema, actual: Schema, dialect: Dialect) -> list[str]:
    """:func:`plan` rendered as SQL statements (``Dialect.plan``, ``diff --sql``): not online (one script)."""
    return plan(changes, desired, actual, dialect).statements()
