"""The planner's vocabulary: phases, the steps operations lower to, the dialect hooks, the planning context and
the :class:`Op` base class. :mod:`schemaguard.migrate.planner` re-exports all of it (import from there)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from importlib import import_module
from typing import Any, ClassVar

import sqlalchemy as sa
from alembic.operations import ops

from schemaguard.dialects.base import Dialect
from schemaguard.dialects.sqla import DialectSpelling, build_table, compile_ddl, quote_ident
from schemaguard.diff.changes import Change
from schemaguard.model import Column, Enum, Index, Schema, Table
from schemaguard.model.naming import split_key


class Phase(IntEnum):
    """Execution order of operations: drops of dependants first, creates of dependencies first."""

    SESSION = 0  # SET lock_timeout
    CREATE_SCHEMAS = 5  # before the enum types, tables and objects created in them
    CREATE_TYPES = 10  # enum types created, values added
    CREATE_OBJECTS_EARLY = 12  # schemas, extensions, domains, free-standing sequences (migrate/object_ops.py)
    CREATE_ROUTINES_EARLY = 13  # new functions an index, check, default or generated column may call (pg_dump)
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
    DROP_TABLES_EARLY = 55  # a leaving table using an enum the plan rebuilds: before the old type is dropped
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
    DROP_ROUTINES_LATE = 119  # functions dropped for good: after the indexes, checks and tables that call them
    DROP_TYPES = 120
    DROP_OBJECTS_LATE = 121  # domains, free-standing sequences, extensions
    DROP_SCHEMAS = 122  # after everything that lived in them


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
        statements: steps 1 (checked), 4-8 and 10 as SQL: the new table created under a temporary name, the
            shared columns copied, the old table dropped, the new one renamed, its indexes and triggers created
            again, ``PRAGMA foreign_key_check`` (see ``dialects/sqlite/migrate.py: rebuild``).
    Source: https://www.sqlite.org/lang_altertable.html#otheralter
    """

    table: str
    statements: tuple[str, ...]


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
        rebuild_steps: ``(ctx, before, after) -> steps``: a table recreated by ordinary statements (PostgreSQL: a
            table whose partitioning changes, which only ``CREATE TABLE`` can set); used instead of ``rebuild``
            when set.
        create_table: ``(ctx, table) -> op or None``: the operation creating a new table whose properties only
            CREATE TABLE can set (SQLite: ``STRICT``, ``WITHOUT ROWID``, column ``COLLATE``), used instead of
            ``CreateTable``; None when the table needs nothing beyond ``CreateTable``. The planner then skips the
            property changes of that table (``needs_rebuild`` says which).
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
    rebuild_steps: Callable[[PlanContext, Table, Table], list[Step]] | None = None
    create_table: Callable[[PlanContext, Table], Op | None] | None = None


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

    def split(self, key: str) -> tuple[str | None, str]:
        """``(schema, name)`` of a model key: ``"sales.orders"`` → ``("sales", "orders")`` where the dialect
        qualifies names (PostgreSQL), else ``(None, key)``."""
        ns, bare = split_key(key)
        return (ns, bare) if ns is not None and self.sp.qualified_names else (None, key)

    def name(self, key: str, member: str | None = None) -> str:
        """A model key as quoted SQL: ``"sales"."orders"``; with ``member`` an index or type of that schema
        (``"sales"."orders_idx"``)."""
        schema, bare = self.split(key)
        last = quote_ident(member if member is not None else bare)
        return f"{quote_ident(schema)}.{last}" if schema else last

    def sa_table(self, t: Table) -> sa.Table:
        """A SQLAlchemy Table (no foreign keys) in a MetaData of its own."""
        return build_table(t, sa.MetaData(), self.sp, with_fks=False)

    def compile(self, element: Any) -> str:
        """Compile a SQLAlchemy DDL element for the dialect."""
        return compile_ddl(element, self.dialect.sa_dialect())

    def is_constraint_index(self, ix: Index) -> bool:
        """Rendered as a UNIQUE constraint (PostgreSQL), not as an index: same rule as ``build_table``; a
        DEFERRABLE unique is always a constraint (an index cannot be deferred)."""
        return (
            not self.sp.fk_inline
            and (ix.constraint or ix.deferrable)
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
