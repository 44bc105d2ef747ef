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
from dataclasses import dataclass, field, replace
from enum import IntEnum
from importlib import import_module
from typing import Any, ClassVar

import sqlalchemy as sa
from alembic.operations import ops

from schemaguard.dialects.base import Dialect
from schemaguard.dialects.sqla import (
    DialectSpelling,
    build_foreign_key,
    build_index,
    build_table,
    compile_ddl,
    qname,
    quote_ident,
)
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.errors import UnsupportedChange
from schemaguard.model import Check, Column, Enum, ForeignKey, Index, PrimaryKey, Schema, Table


class Phase(IntEnum):
    """Execution order of operations: drops of dependants first, creates of dependencies first."""

    SESSION = 0  # SET lock_timeout
    CREATE_TYPES = 10  # enum types created, values added
    CREATE_OBJECTS_EARLY = 12  # schemas, extensions, domains, free-standing sequences (migrate/object_ops.py)
    RENAME_COLUMNS = 20
    DROP_OBJECTS = 24  # triggers, rules, policies... before the tables and columns they read
    DROP_VIEWS = 25
    DROP_ROUTINES = 26
    DROP_FOREIGN_KEYS = 30  # before the keys and tables they reference
    DROP_CHECKS = 31
    DROP_INDEXES = 32  # unique constraints and indexes, before their columns
    DROP_PRIMARY_KEYS = 33  # after the foreign keys that reference them
    CREATE_TABLES = 40
    ADD_COLUMNS = 50
    ALTER_COLUMNS = 60
    ALTER_NULLABILITY = 61  # after identity/default changes (DROP NOT NULL is refused on an identity column)
    REBUILD_TABLES = 70
    DROP_COLUMNS = 80
    DROP_TABLES = 90
    ADD_COLUMNS_LATE = 95  # a column dropped and added again (a changed generation expression)
    ADD_PRIMARY_KEYS = 100
    CREATE_INDEXES = 101
    ADD_CHECKS = 102
    ADD_FOREIGN_KEYS = 110  # after the keys they reference
    CREATE_ROUTINES = 111  # functions, procedures, aggregates, after every table change
    CREATE_VIEWS = 112  # after the functions they call
    CREATE_OBJECTS = 113  # triggers, rules, policies, table properties, comments
    DROP_TYPES = 120
    DROP_OBJECTS_LATE = 121  # domains, free-standing sequences, extensions, schemas


# --- steps: what operations lower to ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sql:
    """One SQL statement (no trailing ``;``) for which Alembic has no operation; rendered as ``op.execute``."""

    text: str


@dataclass(frozen=True)
class Comment:
    """A comment line in a revision (why a step is there, or what a reviewer must know); no SQL."""

    text: str


@dataclass(frozen=True)
class Autocommit:
    """Steps that must run outside a transaction block (``CREATE INDEX CONCURRENTLY``, ``VALIDATE``...), rendered
    as ``with op.get_context().autocommit_block():``. Source:
    https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block
    """

    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Rebuild:
    """A SQLite table rebuilt by the documented 12-step procedure.

    Attributes:
        table: the table's name.
        statements: steps 4-8 (create the new table under a temporary name, copy the shared columns, drop the
            old table, rename, recreate its indexes) as SQL.
        dependents: DDL of views and triggers known from the model, dropped before and recreated after.
    Source: https://www.sqlite.org/lang_altertable.html#otheralter
    """

    table: str
    statements: tuple[str, ...]
    dependents: tuple[tuple[str, str, str], ...] = ()


Step = ops.MigrateOperation | Sql | Comment | Autocommit | Rebuild
"""What an operation lowers to: an Alembic operation or one of the step types above."""


# --- context and dialect hooks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MigrateHooks:
    """A dialect's migration behaviour (``dialects/<name>/migrate.py: HOOKS``).

    Attributes:
        needs_rebuild: ``(change, desired_table, actual_table) -> bool``: the change cannot be made in place
            (SQLite: anything but adding/dropping a plain column or an index).
        alter_column: ``(ctx, table, before, after, change) -> steps``: a column type, default, identity or
            nullability change.
        enum_values: ``(ctx, before, after) -> (phase, steps)``: values of an enum changed.
        create_enum / drop_enum: ``(enum) -> statements`` (its comment included).
        rebuild: ``(ctx, before, after) -> Rebuild``.
        script_prologue / script_epilogue: statements around a SQL script that rebuilds tables.
        online: lock-safe DDL exists (``CONCURRENTLY``, ``NOT VALID`` + ``VALIDATE``): used by revisions unless
            ``--no-online``.
        lock_timeout: ``SET lock_timeout`` value at the start of an online revision, or None.
        rename_index: ``ALTER INDEX ... RENAME TO`` exists; otherwise a renamed index is dropped and created.
    """

    needs_rebuild: Callable[[Change, Table | None, Table | None], bool]
    alter_column: Callable[[PlanContext, Table, Column, Column, Change], list[Step]]
    enum_values: Callable[[PlanContext, Enum, Enum], tuple[Phase, list[Step]]]
    create_enum: Callable[[Enum], list[str]]
    drop_enum: Callable[[Enum], list[str]]
    rebuild: Callable[[PlanContext, Table, Table], Rebuild]
    script_prologue: tuple[str, ...] = ()
    script_epilogue: tuple[str, ...] = ()
    online: bool = False
    lock_timeout: str | None = None
    rename_index: bool = True


def hooks_for(dialect: Dialect) -> MigrateHooks:
    """``dialects/<name>/migrate.py: HOOKS``."""
    module = import_module(f"schemaguard.dialects.{dialect.name}.migrate")
    hooks: MigrateHooks = module.HOOKS
    return hooks


def spelling_for(dialect: Dialect) -> DialectSpelling:
    """The dialect's :class:`DialectSpelling` (``schemaguard.dialects.<name>.render.SPELLING``)."""
    module = import_module(f"schemaguard.dialects.{dialect.name}.render")
    sp: DialectSpelling = module.SPELLING
    return sp


@dataclass
class PlanContext:
    """What lowering needs: the dialect, its spelling and hooks, both schemas (raw and adapted), ``online``."""

    dialect: Dialect
    desired: Schema
    actual: Schema
    online: bool = False
    sp: DialectSpelling = field(init=False)
    hooks: MigrateHooks = field(init=False)
    d: Schema = field(init=False)
    a: Schema = field(init=False)

    def __post_init__(self) -> None:
        self.sp = spelling_for(self.dialect)
        self.hooks = hooks_for(self.dialect)
        self.d = self.dialect.adapt(self.desired)
        self.a = self.dialect.adapt(self.actual)
        self.online = self.online and self.hooks.online

    def sa_table(self, t: Table) -> sa.Table:
        """A SQLAlchemy Table (no foreign keys) in a MetaData of its own."""
        return build_table(t, sa.MetaData(), self.sp, with_fks=False)

    def compile(self, element: Any) -> str:
        """Compile a SQLAlchemy DDL element for the dialect."""
        return compile_ddl(element, self.dialect.sa_dialect())

    def is_constraint_index(self, ix: Index) -> bool:
        """Rendered as a UNIQUE constraint (PostgreSQL), not as an index: same rule as ``build_table``."""
        return (
            not self.sp.fk_inline
            and ix.constraint
            and ix.unique
            and not ix.where
            and not ix.method
            and all(p.column for p in ix.parts)
        )


# --- operations ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """A typed, reversible migration operation. Subclasses set ``PHASE`` (or override :attr:`phase`)."""

    PHASE: ClassVar[Phase]

    @property
    def phase(self) -> Phase:
        """When it runs (see :class:`Phase`)."""
        return self.PHASE

    def reverse(self) -> Op:
        """The operation that undoes this one."""
        raise NotImplementedError  # pragma: no cover - every subclass implements it

    def lower(self, ctx: PlanContext) -> list[Step]:
        """The steps that perform it on ``ctx.dialect``."""
        raise NotImplementedError  # pragma: no cover - every subclass implements it

    def describe(self) -> str:
        """One human line (class name and object)."""
        return type(self).__name__


@dataclass(frozen=True)
class SetLockTimeout(Op):
    """``SET lock_timeout`` for the session: a statement waiting longer for a lock fails instead of queueing
    every other query behind it. Source: https://www.postgresql.org/docs/15/runtime-config-client.html"""

    value: str
    PHASE: ClassVar[Phase] = Phase.SESSION

    def reverse(self) -> Op:
        return self

    def lower(self, ctx: PlanContext) -> list[Step]:
        return [Sql(f"SET lock_timeout = {_literal(self.value)}")]


@dataclass(frozen=True)
class CreateEnum(Op):
    enum: Enum
    PHASE: ClassVar[Phase] = Phase.CREATE_TYPES

    def reverse(self) -> Op:
        return DropEnum(self.enum)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return [Sql(s) for s in ctx.hooks.create_enum(self.enum)]


@dataclass(frozen=True)
class DropEnum(Op):
    enum: Enum
    PHASE: ClassVar[Phase] = Phase.DROP_TYPES

    def reverse(self) -> Op:
        return CreateEnum(self.enum)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return [Sql(s) for s in ctx.hooks.drop_enum(self.enum)]


@dataclass(frozen=True)
class AlterEnum(Op):
    """Values of an enum added, removed or reordered (``before`` → ``after``)."""

    before: Enum
    after: Enum

    @property
    def phase(self) -> Phase:
        added_only = [v for v in self.after.values if v in self.before.values] == list(self.before.values)
        return Phase.CREATE_TYPES if added_only else Phase.ALTER_COLUMNS

    def reverse(self) -> Op:
        return AlterEnum(self.after, self.before)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return ctx.hooks.enum_values(ctx, self.before, self.after)[1]


@dataclass(frozen=True)
class CreateTable(Op):
    """A table created with its columns, primary key, checks and indexes (and, where foreign keys are inline,
    those); other foreign keys are separate operations, added once every table exists."""

    table: Table
    PHASE: ClassVar[Phase] = Phase.CREATE_TABLES

    def reverse(self) -> Op:
        return DropTable(self.table)

    def lower(self, ctx: PlanContext) -> list[Step]:
        md = sa.MetaData()
        table = build_table(self.table, md, ctx.sp, with_fks=False)
        if ctx.sp.fk_inline:
            for fk in self.table.foreign_keys:
                _fk_target(ctx, md, fk, self.table.name)
                build_foreign_key(fk, md, self.table.name)
        steps: list[Step] = [ops.CreateTableOp.from_table(table)]
        for ix in self.table.indexes:
            if not ctx.is_constraint_index(ix):
                steps += CreateIndex(self.table, ix, new_table=True).lower(ctx)
        return steps


@dataclass(frozen=True)
class DropTable(Op):
    table: Table
    PHASE: ClassVar[Phase] = Phase.DROP_TABLES

    def reverse(self) -> Op:
        return CreateTable(self.table)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return [
            Comment(f"destructive: table {self.table.name} is dropped with its rows (not in the master)"),
            ops.DropTableOp.from_table(ctx.sa_table(self.table)),
        ]


@dataclass(frozen=True)
class AddColumn(Op):
    table: Table
    column: Column
    late: bool = False

    @property
    def phase(self) -> Phase:
        return Phase.ADD_COLUMNS_LATE if self.late else Phase.ADD_COLUMNS

    def reverse(self) -> Op:
        return DropColumn(self.table, self.column, self.late)

    def lower(self, ctx: PlanContext) -> list[Step]:
        col = ctx.sa_table(self.table).c[self.column.name]._copy()
        steps: list[Step] = [ops.AddColumnOp.from_column_and_tablename(None, self.table.name, col)]
        if self.column.comment and ctx.dialect.sa_dialect().supports_comments:
            # Alembic's add_column leaves the comment out (create_table does not).
            text = self.column.comment.replace("'", "''")
            steps.append(
                Sql(f"COMMENT ON COLUMN {quote_ident(self.table.name)}.{quote_ident(self.column.name)} IS '{text}'")
            )
        return steps


@dataclass(frozen=True)
class DropColumn(Op):
    table: Table
    column: Column
    late: bool = False
    PHASE: ClassVar[Phase] = Phase.DROP_COLUMNS

    def reverse(self) -> Op:
        return AddColumn(self.table, self.column, self.late)

    def lower(self, ctx: PlanContext) -> list[Step]:
        col = ctx.sa_table(self.table).c[self.column.name]._copy()
        note = Comment(f"destructive: column {self.table.name}.{self.column.name} is dropped with its data")
        return [note, ops.DropColumnOp.from_column_and_tablename(None, self.table.name, col)]


@dataclass(frozen=True)
class AlterColumn(Op):
    """A column's type, nullability, default, identity changed (``before`` → ``after``, on ``table``)."""

    table: Table
    before: Column
    after: Column
    change: Change

    @property
    def phase(self) -> Phase:
        return Phase.ALTER_NULLABILITY if self.change.kind is ChangeKind.COLUMN_NULLABLE else Phase.ALTER_COLUMNS

    def reverse(self) -> Op:
        flipped = replace(self.change, desired=self.change.actual, actual=self.change.desired)
        return AlterColumn(self.table, self.after, self.before, flipped)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return ctx.hooks.alter_column(ctx, self.table, self.before, self.after, self.change)


@dataclass(frozen=True)
class RenameColumn(Op):
    table: str
    old: str
    new: str
    PHASE: ClassVar[Phase] = Phase.RENAME_COLUMNS

    def reverse(self) -> Op:
        return RenameColumn(self.table, self.new, self.old)

    def lower(self, ctx: PlanContext) -> list[Step]:
        # RENAME COLUMN is in place on both dialects (SQLite since 3.25).
        return [
            Sql(
                f"ALTER TABLE {quote_ident(self.table)} RENAME COLUMN {quote_ident(self.old)} TO {quote_ident(self.new)}"
            )
        ]


@dataclass(frozen=True)
class AddPrimaryKey(Op):
    table: Table
    key: PrimaryKey
    PHASE: ClassVar[Phase] = Phase.ADD_PRIMARY_KEYS

    def reverse(self) -> Op:
        return DropPrimaryKey(self.table, self.key)

    def lower(self, ctx: PlanContext) -> list[Step]:
        cols = ", ".join(quote_ident(c) for c in self.key.columns)
        name = f"CONSTRAINT {quote_ident(self.key.name)} " if self.key.name else ""
        return [Sql(f"ALTER TABLE {quote_ident(self.table.name)} ADD {name}PRIMARY KEY ({cols})")]


@dataclass(frozen=True)
class DropPrimaryKey(Op):
    table: Table
    key: PrimaryKey
    PHASE: ClassVar[Phase] = Phase.DROP_PRIMARY_KEYS

    def reverse(self) -> Op:
        return AddPrimaryKey(self.table, self.key)

    def lower(self, ctx: PlanContext) -> list[Step]:
        if not self.key.name:
            raise UnsupportedChange(
                f"cannot drop the unnamed primary key of {self.table.name}", dialect=ctx.dialect.name
            )
        return [ops.DropConstraintOp(qname(self.key.name), qname(self.table.name), type_="primary")]


@dataclass(frozen=True)
class CreateIndex(Op):
    """An index or unique constraint; ``new_table`` when its table is created by the same plan (nobody can be
    writing to it, so no lock-safe form is needed)."""

    table: Table
    index: Index
    new_table: bool = False
    PHASE: ClassVar[Phase] = Phase.CREATE_INDEXES

    def reverse(self) -> Op:
        return DropIndex(self.table, self.index)

    def lower(self, ctx: PlanContext) -> list[Step]:
        table = ctx.sa_table(self.table)
        ix = self.index
        online = ctx.online and not self.new_table
        if ctx.is_constraint_index(ix):
            if not online:
                uc = sa.UniqueConstraint(*[table.c[p.column or ""] for p in ix.parts], name=qname(ix.name))
                table.append_constraint(uc)
                return [ops.CreateUniqueConstraintOp.from_constraint(uc)]
            # Lock-safe: build the unique index concurrently, then attach it as the constraint (brief lock).
            # Source: https://www.postgresql.org/docs/15/sql-altertable.html (ADD table_constraint_using_index)
            unique = sa.Index(
                qname(ix.name),
                *[table.c[p.column or ""] for p in ix.parts],
                unique=True,
                _table=table,
                postgresql_concurrently=True,
            )
            build = ops.CreateIndexOp.from_index(unique)
            attach = Sql(
                f"ALTER TABLE {quote_ident(self.table.name)} ADD CONSTRAINT {quote_ident(ix.name)} "
                f"UNIQUE USING INDEX {quote_ident(ix.name)}"
            )
            return [Autocommit((build,)), attach]
        index = build_index(ix, table, ctx.sp)
        if online:
            index.dialect_kwargs["postgresql_concurrently"] = True
            return [Autocommit((ops.CreateIndexOp.from_index(index),))]
        return [ops.CreateIndexOp.from_index(index)]


@dataclass(frozen=True)
class DropIndex(Op):
    table: Table
    index: Index
    PHASE: ClassVar[Phase] = Phase.DROP_INDEXES

    def reverse(self) -> Op:
        return CreateIndex(self.table, self.index)

    def lower(self, ctx: PlanContext) -> list[Step]:
        ix = self.index
        if ix.constraint and not ctx.sp.fk_inline:
            return [ops.DropConstraintOp(qname(ix.name), qname(self.table.name), type_="unique")]
        if ctx.online:
            # IF EXISTS: online, the drop runs after the transactional body, which may have dropped its column.
            return [Autocommit((Sql(f"DROP INDEX CONCURRENTLY IF EXISTS {quote_ident(ix.name)}"),))]
        return [ops.DropIndexOp(qname(ix.name), table_name=qname(self.table.name))]


@dataclass(frozen=True)
class RenameIndex(Op):
    table: Table
    before: Index
    after: Index
    PHASE: ClassVar[Phase] = Phase.CREATE_INDEXES

    def reverse(self) -> Op:
        return RenameIndex(self.table, self.after, self.before)

    def lower(self, ctx: PlanContext) -> list[Step]:
        if not ctx.hooks.rename_index:
            return [*DropIndex(self.table, self.before).lower(ctx), *CreateIndex(self.table, self.after).lower(ctx)]
        old, new = quote_ident(self.before.name), quote_ident(self.after.name)
        if self.before.constraint and not ctx.sp.fk_inline:
            return [Sql(f"ALTER TABLE {quote_ident(self.table.name)} RENAME CONSTRAINT {old} TO {new}")]
        return [Sql(f"ALTER INDEX {old} RENAME TO {new}")]


@dataclass(frozen=True)
class AddForeignKey(Op):
    table: Table
    fk: ForeignKey
    new_table: bool = False
    PHASE: ClassVar[Phase] = Phase.ADD_FOREIGN_KEYS

    def reverse(self) -> Op:
        return DropForeignKey(self.table, self.fk)

    def lower(self, ctx: PlanContext) -> list[Step]:
        md = sa.MetaData()
        build_table(self.table, md, ctx.sp, with_fks=False)
        _fk_target(ctx, md, self.fk, self.table.name)
        constraint = build_foreign_key(self.fk, md, self.table.name)
        if ctx.online and not self.new_table and self.fk.name:
            # NOT VALID takes a brief lock on both tables; VALIDATE then scans under SHARE UPDATE EXCLUSIVE, which
            # lets writes through, in a transaction of its own. Source: https://www.postgresql.org/docs/15/sql-altertable.html
            text = ctx.compile(sa.schema.AddConstraint(constraint)) + " NOT VALID"
            return [Sql(text), Autocommit((_validate(self.table.name, self.fk.name),))]
        return [ops.CreateForeignKeyOp.from_constraint(constraint)]


@dataclass(frozen=True)
class DropForeignKey(Op):
    table: Table
    fk: ForeignKey
    PHASE: ClassVar[Phase] = Phase.DROP_FOREIGN_KEYS

    def reverse(self) -> Op:
        return AddForeignKey(self.table, self.fk)

    def lower(self, ctx: PlanContext) -> list[Step]:
        if not self.fk.name:
            raise UnsupportedChange(
                f"cannot drop the unnamed foreign key {self.fk.columns} of {self.table.name}", dialect=ctx.dialect.name
            )
        return [ops.DropConstraintOp(qname(self.fk.name), qname(self.table.name), type_="foreignkey")]


@dataclass(frozen=True)
class AddCheck(Op):
    table: Table
    check: Check
    PHASE: ClassVar[Phase] = Phase.ADD_CHECKS

    def reverse(self) -> Op:
        return DropCheck(self.table, self.check)

    def lower(self, ctx: PlanContext) -> list[Step]:
        name = f"CONSTRAINT {quote_ident(self.check.name)} " if self.check.name else ""
        text = (
            f"ALTER TABLE {quote_ident(self.table.name)} ADD {name}CHECK ({ctx.sp.expression(self.check.expression)})"
        )
        if ctx.online and self.check.name:
            return [Sql(text + " NOT VALID"), Autocommit((_validate(self.table.name, self.check.name),))]
        return [Sql(text)]


@dataclass(frozen=True)
class DropCheck(Op):
    table: Table
    check: Check
    PHASE: ClassVar[Phase] = Phase.DROP_CHECKS

    def reverse(self) -> Op:
        return AddCheck(self.table, self.check)

    def lower(self, ctx: PlanContext) -> list[Step]:
        if not self.check.name:
            raise UnsupportedChange(f"cannot drop an unnamed check on {self.table.name}", dialect=ctx.dialect.name)
        return [ops.DropConstraintOp(qname(self.check.name), qname(self.table.name), type_="check")]


@dataclass(frozen=True)
class RebuildTable(Op):
    """A table recreated in its new form with its rows (SQLite, where ALTER TABLE cannot make the change)."""

    before: Table
    after: Table
    PHASE: ClassVar[Phase] = Phase.REBUILD_TABLES

    def reverse(self) -> Op:
        return RebuildTable(self.after, self.before)

    def lower(self, ctx: PlanContext) -> list[Step]:
        lost = [c.name for c in self.before.columns if self.after.column(c.name) is None]
        notes: list[Step] = [
            Comment(f"destructive: column {self.after.name}.{c} is dropped with its data (not in the master)")
            for c in lost
        ]
        return [*notes, ctx.hooks.rebuild(ctx, self.before, self.after)]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _validate(table: str, constraint: str) -> Sql:
    return Sql(f"ALTER TABLE {quote_ident(table)} VALIDATE CONSTRAINT {quote_ident(constraint)}")


def _fk_target(ctx: PlanContext, md: sa.MetaData, fk: ForeignKey, table: str) -> None:
    target = ctx.d.table(fk.ref_table) or ctx.a.table(fk.ref_table)
    if target is not None and target.name != table and qname(target.name) not in md.tables:
        build_table(target, md, ctx.sp, with_fks=False)


# --- changes → operations: one entry per change kind --------------------------------------------------------------


def _tables(ch: Change, ctx: PlanContext) -> tuple[Table, Table]:
    dt = ctx.d.table(ch.table or "")
    at = ctx.a.table(ch.table or "")
    if dt is None or at is None:  # pragma: no cover - the differ reports these only for tables on both sides
        raise UnsupportedChange(f"{ch.kind} on {ch.table}: the table is missing on one side", ch, ctx.dialect.name)
    return dt, at


def _table_missing(ch: Change, ctx: PlanContext) -> list[Op]:
    t = ctx.d.table(ch.desired.name) or ch.desired
    out: list[Op] = [CreateTable(t)]
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
    return [DropCheck(at, ch.actual)] if ch.actual is not None else [AddCheck(dt, ch.desired)]


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
    version, when the master keeps them). Found by name in their definitions (``object_ops``)."""
    if not ctx.a.objects:
        return []
    tables: dict[str, None] = {}
    for op in planned:
        retyped = isinstance(op, AlterColumn) and op.change.kind is ChangeKind.COLUMN_TYPE
        if isinstance(op, DropTable | DropColumn | AlterColumn) and (retyped or not isinstance(op, AlterColumn)):
            tables[op.table.name] = None
        elif isinstance(op, AlterEnum) and op.phase is not Phase.CREATE_TYPES:  # rebuilt, not only added to
            for t in ctx.a.tables:
                if any(c.type.enum_name == op.after.name for c in t.columns):
                    tables[t.name] = None
    if not tables:
        return []
    from schemaguard.migrate import object_ops
    from schemaguard.model import DbObject, ObjectKind

    out: list[Op] = []
    for name in tables:
        out += object_ops.readers_of(DbObject(ObjectKind.TABLE_OPTIONS, name), ctx)
    return out


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
            elif isinstance(step, Rebuild):
                rebuilt = True
                out.statements.extend(s for _, _, s in step.dependents if s.startswith("DROP"))
                out.statements.extend(step.statements)
                out.statements.extend(s for _, _, s in step.dependents if not s.startswith("DROP"))
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
    """The table a change is on: its ``table``, or for a table property (``table_options_changed``) its key."""
    if ch.table is None and ch.kind is ChangeKind.TABLE_OPTIONS_CHANGED:
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
    rebuild: dict[str, None] = {}
    for ch in changes:
        name = _table_of(ch)
        if name is None or name in rebuild:
            continue
        if ctx.hooks.needs_rebuild(ch, ctx.d.table(name), ctx.a.table(name)):
            rebuild[name] = None
    planned: list[Op] = []
    if ctx.online and ctx.hooks.lock_timeout and changes:
        planned.append(SetLockTimeout(ctx.hooks.lock_timeout))
    for name in rebuild:
        at, dt = ctx.a.table(name), ctx.d.table(name)
        assert at is not None and dt is not None
        planned.append(RebuildTable(at, dt))
    for ch in changes:
        if _table_of(ch) in rebuild:
            continue  # the rebuild makes every change of its table (its triggers and options included)
        planner = PLANNERS.get(ch.kind) or _object_planners().get(ch.kind)
        if planner is None:
            raise UnsupportedChange(f"no plan for {ch.kind.value} changes on {dialect.name}", ch, dialect.name)
        planned += planner(ch, ctx)
    planned += _key_dependants(planned, ctx)
    planned += _table_readers(planned, ctx)
    return Plan(ordered(planned), ctx)


def plan_statements(changes: Sequence[Change], desired: Schema, actual: Schema, dialect: Dialect) -> list[str]:
    """:func:`plan` rendered as SQL statements (``Dialect.plan``, ``diff --sql``): not online (one script)."""
    return plan(changes, desired, actual, dialect).statements()
