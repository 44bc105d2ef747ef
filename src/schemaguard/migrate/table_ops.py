"""Operations on tables and their parts (and enums): each a frozen :class:`~schemaguard.migrate.steps.Op` with its
phase, ``reverse()`` and ``lower(ctx)``. The dispatch from change kinds is in :mod:`schemaguard.migrate.planner`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import sqlalchemy as sa
from alembic.operations import ops

from schemaguard.dialects.sqla import build_foreign_key, build_index, build_table, qname, quote_ident, unique_kwargs
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.errors import UnsupportedChange
from schemaguard.migrate.steps import Autocommit, Comment, Op, Phase, PlanContext, Sql, Step
from schemaguard.model import Check, Column, DbObject, Enum, ForeignKey, Index, ObjectKind, PrimaryKey, Schema, Table
from schemaguard.model.naming import key_name


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
        # A NO INHERIT check is added right after CREATE TABLE (SQLAlchemy cannot say NO INHERIT inline).
        later = [ck for ck in self.table.checks if ck.no_inherit]
        inline = replace(self.table, checks=tuple(ck for ck in self.table.checks if not ck.no_inherit))
        table = build_table(inline if later else self.table, md, ctx.sp, with_fks=False)
        key = partition_key(ctx.d, self.table.name) or partition_key(ctx.desired, self.table.name)
        if key:
            # Only CREATE TABLE sets a partition key: https://www.postgresql.org/docs/15/sql-createtable.html
            table.dialect_kwargs["postgresql_partition_by"] = key
        if ctx.sp.fk_inline:
            for fk in self.table.foreign_keys:
                _fk_target(ctx, md, fk, self.table.name)
                build_foreign_key(fk, md, self.table.name)
        steps: list[Step] = [ops.CreateTableOp.from_table(table)]
        steps += [Sql(_add_check_sql(ctx, self.table, ck)) for ck in later]
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
        steps: list[Step] = [ops.AddColumnOp.from_column_and_tablename(*_sa_names(ctx, self.table.name), col)]
        if self.column.comment and ctx.dialect.sa_dialect().supports_comments:
            # Alembic's add_column leaves the comment out (create_table does not).
            text = self.column.comment.replace("'", "''")
            steps.append(
                Sql(f"COMMENT ON COLUMN {ctx.name(self.table.name)}.{quote_ident(self.column.name)} IS '{text}'")
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
        if _kept_by_a_child(ctx, self.table.name, self.column.name):
            # PostgreSQL drops an inherited column from the children too; ONLY keeps theirs, made local (ALTER
            # TABLE docs, DROP COLUMN): migra's inherit2, where the child keeps the column its parent loses.
            only = f"ALTER TABLE ONLY {ctx.name(self.table.name)} DROP COLUMN {quote_ident(self.column.name)}"
            return [note, Sql(only)]
        return [note, ops.DropColumnOp.from_column_and_tablename(*_sa_names(ctx, self.table.name), col)]


def _kept_by_a_child(ctx: PlanContext, parent: str, column: str) -> bool:
    """Whether a table inheriting from ``parent`` in the actual schema still has ``column`` in the desired one."""
    for o in ctx.actual.objects:
        if o.kind is ObjectKind.INHERITANCE and parent in (o.attribute("parents") or "").split(", "):
            child = ctx.desired.table(o.name)
            if child is not None and any(c.name == column for c in child.columns):
                return True
    return False


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
            Sql(f"ALTER TABLE {ctx.name(self.table)} RENAME COLUMN {quote_ident(self.old)} TO {quote_ident(self.new)}")
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
        return [Sql(f"ALTER TABLE {ctx.name(self.table.name)} ADD {name}PRIMARY KEY ({cols})")]


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
        return [_drop_constraint(ctx, self.key.name, self.table.name, "primary")]


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
                uc = sa.UniqueConstraint(
                    *[table.c[p.column or ""] for p in ix.parts],
                    name=qname(ix.name),
                    deferrable=True if ix.deferrable else None,
                    initially="DEFERRED" if ix.initially_deferred else None,
                    **unique_kwargs(ix, table),
                )
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
                **unique_kwargs(ix, table),
            )
            build = ops.CreateIndexOp.from_index(unique)
            deferral = (" DEFERRABLE" if ix.deferrable else "") + (
                " INITIALLY DEFERRED" if ix.initially_deferred else ""
            )
            attach = Sql(
                f"ALTER TABLE {ctx.name(self.table.name)} ADD CONSTRAINT {quote_ident(ix.name)} "
                f"UNIQUE USING INDEX {quote_ident(ix.name)}{deferral}"
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
            return [_drop_constraint(ctx, ix.name, self.table.name, "unique")]
        if ctx.online:
            # IF EXISTS: online, the drop runs after the transactional body, which may have dropped its column.
            return [Autocommit((Sql(f"DROP INDEX CONCURRENTLY IF EXISTS {ctx.name(self.table.name, ix.name)}"),))]
        schema, table = ctx.split(self.table.name)
        return [ops.DropIndexOp(qname(ix.name), table_name=qname(table), schema=qname(schema) if schema else None)]


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
        old, new = ctx.name(self.table.name, self.before.name), quote_ident(self.after.name)
        if self.before.constraint and not ctx.sp.fk_inline:
            return [
                Sql(
                    f"ALTER TABLE {ctx.name(self.table.name)} RENAME CONSTRAINT {quote_ident(self.before.name)} TO {new}"
                )
            ]
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
            return [Sql(text), Autocommit((_validate(ctx, self.table.name, self.fk.name),))]
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
        return [_drop_constraint(ctx, self.fk.name, self.table.name, "foreignkey")]


@dataclass(frozen=True)
class AddCheck(Op):
    table: Table
    check: Check
    PHASE: ClassVar[Phase] = Phase.ADD_CHECKS

    def reverse(self) -> Op:
        return DropCheck(self.table, self.check)

    def lower(self, ctx: PlanContext) -> list[Step]:
        text = _add_check_sql(ctx, self.table, self.check)
        if ctx.online and self.check.name:
            return [Sql(text + " NOT VALID"), Autocommit((_validate(ctx, self.table.name, self.check.name),))]
        return [Sql(text)]


def _add_check_sql(ctx: PlanContext, table: Table, check: Check) -> str:
    """``ALTER TABLE t ADD [CONSTRAINT name] CHECK (expr) [NO INHERIT]`` (NO INHERIT: PostgreSQL; SQLite's adapt()
    has cleared the flag). Source: https://www.postgresql.org/docs/15/sql-altertable.html"""
    name = f"CONSTRAINT {quote_ident(check.name)} " if check.name else ""
    inherit = " NO INHERIT" if check.no_inherit else ""
    return f"ALTER TABLE {ctx.name(table.name)} ADD {name}CHECK ({ctx.sp.expression(check.expression)}){inherit}"


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
        return [_drop_constraint(ctx, self.check.name, self.table.name, "check")]


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
        if ctx.hooks.rebuild_steps is not None:
            return [*notes, *ctx.hooks.rebuild_steps(ctx, self.before, self.after)]
        return [*notes, ctx.hooks.rebuild(ctx, self.before, self.after)]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _drop_constraint(ctx: PlanContext, name: str, table: str, type_: str) -> ops.DropConstraintOp:
    schema, bare = ctx.split(table)
    return ops.DropConstraintOp(qname(name), qname(bare), type_=type_, schema=qname(schema) if schema else None)


def _validate(ctx: PlanContext, table: str, constraint: str) -> Sql:
    return Sql(f"ALTER TABLE {ctx.name(table)} VALIDATE CONSTRAINT {quote_ident(constraint)}")


def _fk_target(ctx: PlanContext, md: sa.MetaData, fk: ForeignKey, table: str) -> None:
    target = ctx.d.table(fk.ref_table) or ctx.a.table(fk.ref_table)
    if target is not None and target.name != table and qname(target.name) not in md.tables:
        build_table(target, md, ctx.sp, with_fks=False)


# --- declarative partitioning (PostgreSQL) ---------------------------------------------------------------------


def partition_key(schema: Schema, table: str) -> str | None:
    """The ``PARTITION BY`` clause (``"RANGE (logdate)"``) of ``table`` in ``schema``, or None when it is not a
    partitioned table (its ``partitioning`` object, :class:`~schemaguard.model.ObjectKind` ``PARTITIONING``)."""
    for o in schema.objects:
        if o.kind is ObjectKind.PARTITIONING and o.name == table:
            return o.attribute("partition_by") or None
    return None


@dataclass(frozen=True)
class AttachPartition(Op):
    """``ALTER TABLE parent ATTACH PARTITION partition FOR VALUES ...``: an existing table becomes a partition.

    Attributes:
        parent: the partitioned table's key.
        partition: the attached table's key.
        bound: the partition bound as the catalog words it (``FOR VALUES FROM ('2006-02-01') TO (...)``,
            ``DEFAULT``), pasted as SQL text the way ``CREATE TABLE ... PARTITION OF`` is rendered.

    Runs after every column change (the table must then have exactly the parent's columns and its NOT NULL and
    CHECK constraints); PostgreSQL scans it to check the bound. Source:
    https://www.postgresql.org/docs/15/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE and
    https://www.postgresql.org/docs/15/sql-altertable.html (ATTACH PARTITION)."""

    parent: str
    partition: str
    bound: str
    clones: tuple[str, ...] = ()
    """Statements that remove what the attach makes on the table (the parent's indexes and keys PostgreSQL
    creates on it when it has no matching one): run after the detach that reverses it."""
    PHASE: ClassVar[Phase] = Phase.CREATE_OBJECTS

    def reverse(self) -> Op:
        return DetachPartition(self.parent, self.partition, self.bound, self.clones)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return [Sql(f"ALTER TABLE {ctx.name(self.parent)} ATTACH PARTITION {ctx.name(self.partition)} {self.bound}")]

    def describe(self) -> str:
        return f"attach partition {self.partition} to {self.parent}"


@dataclass(frozen=True)
class DetachPartition(Op):
    """``ALTER TABLE parent DETACH PARTITION partition``: the partition becomes an ordinary table with its rows
    (before any column change, so the parent's new columns are not added to it). Attributes as
    :class:`AttachPartition`. Source: https://www.postgresql.org/docs/15/sql-altertable.html (DETACH PARTITION)."""

    parent: str
    partition: str
    bound: str
    clones: tuple[str, ...] = ()
    PHASE: ClassVar[Phase] = Phase.DROP_OBJECTS

    def reverse(self) -> Op:
        return AttachPartition(self.parent, self.partition, self.bound, self.clones)

    def lower(self, ctx: PlanContext) -> list[Step]:
        detach = Sql(f"ALTER TABLE {ctx.name(self.parent)} DETACH PARTITION {ctx.name(self.partition)}")
        return [detach, *(Sql(s) for s in self.clones)]

    def describe(self) -> str:
        return f"detach partition {self.partition} from {self.parent}"


def _sa_names(ctx: PlanContext, key: str) -> tuple[str | None, str]:
    """``(schema, table)`` of ``key`` as names SQLAlchemy/Alembic quote whole: Alembic splits a plain schema
    string at its dots (``my.s`` would be database my, schema s) and leaves lower-case parts unquoted."""
    schema, table = ctx.split(key)
    return (qname(schema) if schema else None), qname(table)


def _clone_name(partition: str, parts: Sequence[str], label: str) -> str:
    """The name PostgreSQL gives a partition's clone of its parent's index: ``<partition>_<columns>_<label>``
    (``expr`` for an expression; label ``pkey``, ``key`` for a unique constraint, else ``idx``), as
    ``ChooseIndexName`` does before any truncation or collision suffix (src/backend/commands/indexcmds.c)."""
    return "_".join([key_name(partition), *parts, label])


def _shape(t: Table, name: str, clones: bool = False) -> Table:
    """``t``'s columns and checks under ``name``: what a partition of ``t`` has of its parent. With ``clones`` (a
    partition being detached) also the keys and indexes PostgreSQL cloned onto it, under the names it gave them
    (:func:`_clone_name`): the primary key ``<partition>_pkey``, the foreign keys under the parent's names, each
    index ``<partition>_<columns>_idx`` (``_key`` for a unique constraint; left out past 63 characters, where the
    server truncates)."""
    if not clones:
        return Table(name, t.columns, checks=t.checks)
    pk = replace(t.primary_key, name=_clone_name(name, (), "pkey")) if t.primary_key is not None else None
    indexes = []
    for ix in t.indexes:
        clone = _clone_name(name, [p.column or "expr" for p in ix.parts], "key" if ix.constraint else "idx")
        if len(clone) <= 63:
            indexes.append(replace(ix, name=clone))
    return Table(name, t.columns, pk, tuple(indexes), t.foreign_keys, t.checks)


def _clones(ctx: PlanContext, parent: Table, table: Table) -> tuple[str, ...]:
    """Statements that remove, once ``table`` is detached again, the indexes and primary key ATTACH PARTITION
    creates on it for ``parent``'s (those it has no index of that name for; ``IF EXISTS``: PostgreSQL attaches an
    existing matching index instead of creating one). Names as :func:`_clone_name` predicts them."""
    out = []
    if parent.primary_key is not None and table.primary_key is None:
        pk = quote_ident(_clone_name(table.name, (), "pkey"))
        out.append(f"ALTER TABLE {ctx.name(table.name)} DROP CONSTRAINT IF EXISTS {pk}")
    mine = {ix.name for ix in table.indexes}
    for ix in parent.indexes:
        clone = _clone_name(table.name, [p.column or "expr" for p in ix.parts], "key" if ix.constraint else "idx")
        if clone in mine or len(clone) > 63:
            continue
        if ix.constraint:
            out.append(f"ALTER TABLE {ctx.name(table.name)} DROP CONSTRAINT IF EXISTS {quote_ident(clone)}")
        else:
            out.append(f"DROP INDEX IF EXISTS {ctx.name(table.name, clone)}")
    return tuple(out)


def _reshape(ctx: PlanContext, desired: Table, actual: Table) -> list[Op]:
    """The column, check and key operations that turn ``actual`` into ``desired`` (two shapes of one table,
    one of them a partition's), planned through :data:`schemaguard.migrate.planner.PLANNERS`."""
    from schemaguard.diff import diff_schemas
    from schemaguard.migrate.planner import PLANNERS

    d, a = Schema(tables=(desired,)), Schema(tables=(actual,))
    sub = PlanContext(ctx.dialect, d, a, ctx.online)
    out: list[Op] = []
    for ch in diff_schemas(d, a, ctx.dialect):
        planner = PLANNERS.get(ch.kind)
        if planner is None:  # pragma: no cover - a table's own change kinds all have an entry
            raise UnsupportedChange(f"no plan for {ch.kind.value} of {desired.name}", ch, ctx.dialect.name)
        out += planner(ch, sub)
    return out


def partition_moves(changes: Sequence[Change], ctx: PlanContext) -> tuple[list[Op], list[Change]]:
    """Partitions attached, detached and re-bound, found in ``changes``: ``(operations, the other changes)``.

    * a table that becomes a partition (``table_extra`` + ``partition_missing`` of one name): its columns and
      checks made the parent's, then :class:`AttachPartition` (its rows are kept);
    * a partition that becomes a table (``partition_extra`` + ``table_missing``): :class:`DetachPartition`, then
      its columns and checks made the desired table's;
    * a partition whose bound (or parent) changes (``partition_changed``): detached and attached again with the
      new bound (unless its parent is created again: the parent's rebuild creates its partitions). A partition
      whose own partition key changes is refused (:class:`UnsupportedChange`): only ``CREATE TABLE`` sets a key,
      and its rows would have to move.

    The reverse of each is the other (a downgrade detaches what an upgrade attached). PostgreSQL 15 semantics:
    https://www.postgresql.org/docs/15/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE
    """
    by: dict[tuple[ChangeKind, str], Change] = {}
    for ch in changes:
        if ch.kind in (ChangeKind.TABLE_MISSING, ChangeKind.TABLE_EXTRA):
            by[(ch.kind, ch.table or "")] = ch
        elif ch.kind in (ChangeKind.PARTITION_MISSING, ChangeKind.PARTITION_EXTRA):
            o = ch.desired if ch.kind is ChangeKind.PARTITION_MISSING else ch.actual
            if isinstance(o, DbObject):
                by[(ch.kind, o.name)] = ch
    # Partitions of a table created again (its partitioning changes) are created again with it.
    rebuilt = {
        ch.object
        for ch in changes
        if ch.kind is ChangeKind.PARTITIONING_CHANGED
        and ctx.hooks.needs_rebuild(ch, ctx.d.table(ch.object or ""), ctx.a.table(ch.object or ""))
    }
    used: set[int] = set()
    ops_: list[Op] = []
    for ch in changes:
        if ch.kind is ChangeKind.PARTITION_MISSING and isinstance(ch.desired, DbObject):
            d = ch.desired
            gone = by.get((ChangeKind.TABLE_EXTRA, d.name))
            parent = ctx.d.table(d.table or "")
            table = ctx.a.table(d.name)
            if gone is None or parent is None or table is None or not d.definition or d.attribute("partition_key"):
                continue
            used |= {id(ch), id(gone)}
            ops_ += _reshape(ctx, _shape(parent, d.name), _shape(table, d.name))
            ops_.append(AttachPartition(parent.name, d.name, d.definition, _clones(ctx, parent, table)))
        elif ch.kind is ChangeKind.PARTITION_EXTRA and isinstance(ch.actual, DbObject):
            a = ch.actual
            new = by.get((ChangeKind.TABLE_MISSING, a.name))
            parent = ctx.a.table(a.table or "")
            table = ctx.d.table(a.name)
            if new is None or parent is None or table is None or not a.definition or a.attribute("partition_key"):
                continue
            used |= {id(ch), id(new)}
            ops_.append(DetachPartition(parent.name, a.name, a.definition))
            ops_ += _reshape(ctx, table, _shape(parent, a.name, clones=True))
        elif ch.kind is ChangeKind.PARTITION_CHANGED and isinstance(ch.desired, DbObject):
            d, a = ch.desired, ch.actual
            assert isinstance(a, DbObject)
            if d.table in rebuilt or a.table in rebuilt:
                continue
            if d.attribute("partition_key") != a.attribute("partition_key"):
                raise UnsupportedChange(
                    f"partition {d.name}: its partition key changes ({a.attribute('partition_key') or 'none'} → "
                    f"{d.attribute('partition_key') or 'none'}); only CREATE TABLE sets one and its rows would "
                    "have to move: create the new partition and move the rows in SQL of your own",
                    ch,
                    ctx.dialect.name,
                )
            if (d.definition == a.definition and d.table == a.table) or not d.definition or not a.definition:
                continue  # a comment only: the object planner's
            used.add(id(ch))
            ops_ += [
                DetachPartition(a.table or "", a.name, a.definition),
                AttachPartition(d.table or "", d.name, d.definition),
            ]
    return ops_, [ch for ch in changes if id(ch) not in used]
