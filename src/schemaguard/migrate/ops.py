"""Changes → Alembic operation objects, ordered so every statement's dependencies exist.

The differ (:func:`schemaguard.diff.diff_schemas`) says *what* differs between the state the revisions produce
and the master; this module says *how*, as Alembic ``MigrateOperation`` objects (``AddColumnOp``,
``AlterColumnOp``, ``CreateIndexOp``, ``CreateForeignKeyOp``...), so the revision file is ordinary Alembic code.
Where Alembic has no operation for a change (PostgreSQL enum values, a column type change that needs
``USING``, a primary-key change, an index rename) the dialect's own planner supplies the SQL, wrapped in
``op.execute``. On SQLite, tables whose change needs a rebuild go into one ``op.batch_alter_table`` block
(Alembic's "move and copy" batch mode). Source: https://alembic.sqlalchemy.org/en/latest/batch.html

Downgrades are not derived with ``reverse()``: they are computed the same way in the other direction
(master → previous state), which needs no knowledge an op object lacks (the dropped table's columns, the old
enum values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from schemaguard.dialects.base import Dialect
from schemaguard.dialects.sqla import (
    DialectSpelling,
    NativeType,
    build_foreign_key,
    build_index,
    build_table,
    qname,
    server_default,
)
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.migrate.errors import MigrationError
from schemaguard.model import Column, ForeignKey, Index, Schema, Table

FK_CONVENTION = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"
"""Batch-mode naming convention that gives SQLite's unnamed foreign keys a name so they can be dropped.
Source: https://alembic.sqlalchemy.org/en/latest/batch.html#dropping-unnamed-or-named-foreign-key-constraints"""

_PHASES = (
    "enum_create",
    "renames",
    "drop_constraints",
    "create_tables",
    "add_columns",
    "alter_columns",
    "rebuilds",
    "drop_columns",
    "drop_tables",
    "add_constraints",
    "add_fks",
    "drop_enums",
)

_SQLITE_REBUILD = {
    ChangeKind.COLUMN_TYPE,
    ChangeKind.COLUMN_NULLABLE,
    ChangeKind.COLUMN_DEFAULT,
    ChangeKind.FOREIGN_KEY_MISSING,
    ChangeKind.FOREIGN_KEY_EXTRA,
    ChangeKind.FOREIGN_KEY_CHANGED,
    ChangeKind.CHECK_MISSING,
    ChangeKind.CHECK_EXTRA,
}
"""Changes SQLite's ALTER TABLE cannot make in place. Source: https://www.sqlite.org/lang_altertable.html"""


@dataclass(frozen=True)
class Rename:
    """A column rename asked for with ``--rename [table.]old:new``; ``table`` None means "the one table where
    it fits"."""

    table: str | None
    old: str
    new: str

    @classmethod
    def parse(cls, text: str) -> Rename:
        """Parse ``table.old:new`` or ``old:new``.

        Raises:
            MigrationError: malformed text.
        """
        left, sep, new = text.partition(":")
        if not sep or not left or not new:
            raise MigrationError(f"--rename {text!r}: expected [table.]old:new")
        table, dot, old = left.rpartition(".")
        return cls(table if dot else None, old, new.strip())

    def reverse(self) -> Rename:
        return Rename(self.table, self.new, self.old)


@dataclass
class Batch:
    """A SQLite table rebuilt through ``op.batch_alter_table(table)`` holding ``ops`` (rendered on ``batch_op``)."""

    table: str
    ops: list[ops.MigrateOperation] = field(default_factory=list)
    naming_convention: bool = False


Item = ops.MigrateOperation | Batch
"""One entry of a plan: an Alembic operation, or a batch block of operations."""


@dataclass
class OpsPlan:
    """The ordered operations of one direction of a revision.

    Attributes:
        items: operations and batch blocks, in execution order.
        changes: the changes they implement (after renames were applied).
        renames: the renames applied first.
    """

    items: list[Item]
    changes: list[Change]
    renames: list[Rename]


def spelling_for(dialect: Dialect) -> DialectSpelling:
    """The dialect's :class:`DialectSpelling` (``schemaguard.dialects.<name>.render.SPELLING``)."""
    module = import_module(f"schemaguard.dialects.{dialect.name}.render")
    sp: DialectSpelling = module.SPELLING
    return sp


def resolve_renames(renames: Sequence[Rename], before: Schema, after: Schema) -> list[Rename]:
    """Fill in the table of each rename and check it fits: ``old`` exists in ``before``, ``new`` in ``after``.

    Raises:
        MigrationError: no table (or more than one) fits a rename.
    """
    out: list[Rename] = []
    for r in renames:
        candidates = [
            t.name
            for t in before.tables
            if (r.table is None or t.name == r.table)
            and t.column(r.old) is not None
            and t.column(r.new) is None
            and (a := after.table(t.name)) is not None
            and a.column(r.new) is not None
            and a.column(r.old) is None
        ]
        if len(candidates) != 1:
            where = f"table {r.table}" if r.table else "any table"
            found = "no" if not candidates else "more than one"
            raise MigrationError(
                f"--rename {r.old}:{r.new}: {found} match in {where} (the old column must exist only in the current "
                f"state and the new one only in the master); name the table: --rename TABLE.{r.old}:{r.new}"
            )
        out.append(Rename(candidates[0], r.old, r.new))
    return out


def apply_renames(schema: Schema, renames: Sequence[Rename]) -> Schema:
    """``schema`` with each column renamed, including in its table's key, indexes and foreign keys (the database
    renames those references itself)."""
    tables = []
    for t in schema.tables:
        mapping = {r.old: r.new for r in renames if r.table == t.name}
        if not mapping:
            tables.append(t)
            continue

        def m(name: str, mapping: dict[str, str] = mapping) -> str:
            return mapping.get(name, name)

        pk = replace(t.primary_key, columns=tuple(m(c) for c in t.primary_key.columns)) if t.primary_key else None
        indexes = tuple(
            replace(ix, parts=tuple(replace(p, column=m(p.column)) if p.column else p for p in ix.parts))
            for ix in t.indexes
        )
        fks = tuple(replace(fk, columns=tuple(m(c) for c in fk.columns)) for fk in t.foreign_keys)
        cols = tuple(replace(c, name=m(c.name)) for c in t.columns)
        tables.append(replace(t, columns=cols, primary_key=pk, indexes=indexes, foreign_keys=fks))
    # Foreign keys of other tables that point at a renamed column follow it too.
    out = []
    for t in tables:
        moved: list[ForeignKey] = []
        for fk in t.foreign_keys:
            refmap = {r.old: r.new for r in renames if r.table == fk.ref_table}
            moved.append(replace(fk, ref_columns=tuple(refmap.get(c, c) for c in fk.ref_columns)) if refmap else fk)
        out.append(replace(t, foreign_keys=tuple(moved)))
    return replace(schema, tables=tuple(out))


def rename_candidates(changes: Sequence[Change], dialect: Dialect) -> list[tuple[str, str, str]]:
    """Dropped and added columns of one table with the same stored type: possible renames, never applied.

    Returns:
        ``(table, old, new)`` triples.
    """
    out = []
    by_table: dict[str, tuple[list[Column], list[Column]]] = {}
    for ch in changes:
        if ch.kind is ChangeKind.COLUMN_EXTRA:
            by_table.setdefault(ch.table or "", ([], []))[0].append(ch.actual)
        elif ch.kind is ChangeKind.COLUMN_MISSING:
            by_table.setdefault(ch.table or "", ([], []))[1].append(ch.desired)
    for table, (dropped, added) in sorted(by_table.items()):
        for old in dropped:
            for new in added:
                if dialect.type_key(old.type) == dialect.type_key(new.type):
                    out.append((table, old.name, new.name))
    return out


class _Builder:
    def __init__(self, dialect: Dialect, desired: Schema, actual: Schema) -> None:
        self.dialect = dialect
        self.sp = spelling_for(dialect)
        self.raw_desired = desired
        self.raw_actual = actual
        self.d = dialect.adapt(desired)
        self.a = dialect.adapt(actual)
        self.phases: dict[str, list[Item]] = {p: [] for p in _PHASES}
        self.batches: dict[str, Batch] = {}

    # --- SQLAlchemy objects ---------------------------------------------------------------------------------
    def sa_table(self, t: Table, *, with_fks: bool = False) -> sa.Table:
        md = sa.MetaData()
        table = build_table(t, md, self.sp, with_fks=False)
        if with_fks:
            for fk in t.foreign_keys:
                build_foreign_key(fk, md, t.name)
        return table

    def sa_column(self, t: Table, name: str) -> sa.Column[Any]:
        return self.sa_table(t).c[name]._copy()

    def emit(self, phase: str, *items: Item) -> None:
        self.phases[phase].extend(items)

    def execute(self, phase: str, statements: Sequence[str]) -> None:
        self.emit(phase, *[ops.ExecuteSQLOp(s) for s in statements])

    def planned(self, changes: Sequence[Change]) -> list[str]:
        """The dialect planner's SQL for changes Alembic has no operation for."""
        return self.dialect.plan(list(changes), self.raw_desired, self.raw_actual)

    # --- shared pieces --------------------------------------------------------------------------------------
    def create_table(self, t: Table) -> None:
        inline_fks = self.sp.fk_inline
        table = self.sa_table(t, with_fks=inline_fks)
        self.emit("create_tables", ops.CreateTableOp.from_table(table))
        for ix in t.indexes:
            if not self._inline_unique(ix):
                self.emit("add_constraints", ops.CreateIndexOp.from_index(build_index(ix, table, self.sp)))
        if not inline_fks:
            for fk in t.foreign_keys:
                self.add_fk(t, fk)

    def _inline_unique(self, ix: Index) -> bool:
        # Same rule as build_table: a plain-column UNIQUE constraint is rendered inside CREATE TABLE.
        return (
            not self.sp.fk_inline
            and ix.constraint
            and ix.unique
            and not ix.where
            and not ix.method
            and all(p.column for p in ix.parts)
        )

    def add_fk(self, t: Table, fk: ForeignKey) -> None:
        md = sa.MetaData()
        build_table(t, md, self.sp, with_fks=False)
        target = self.d.table(fk.ref_table) or self.a.table(fk.ref_table)
        if target is not None and target.name != t.name:
            build_table(target, md, self.sp, with_fks=False)
        self.emit("add_fks", ops.CreateForeignKeyOp.from_constraint(build_foreign_key(fk, md, t.name)))

    def drop_fk(self, t: Table, fk: ForeignKey) -> None:
        if not fk.name:
            raise MigrationError(f"cannot drop the unnamed foreign key {fk.columns} of {t.name} on {self.dialect.name}")
        self.emit("drop_constraints", ops.DropConstraintOp(fk.name, t.name, type_="foreignkey"))

    def add_index(self, t: Table, ix: Index) -> None:
        table = self.sa_table(t)
        if self._inline_unique(ix):
            uc = sa.UniqueConstraint(*[table.c[p.column or ""] for p in ix.parts], name=qname(ix.name))
            table.append_constraint(uc)
            self.emit("add_constraints", ops.CreateUniqueConstraintOp.from_constraint(uc))
        else:
            self.emit("add_constraints", ops.CreateIndexOp.from_index(build_index(ix, table, self.sp)))

    def drop_index(self, t: Table, ix: Index) -> None:
        if ix.constraint and not self.sp.fk_inline:
            self.emit("drop_constraints", ops.DropConstraintOp(ix.name, t.name, type_="unique"))
        else:
            self.emit("drop_constraints", ops.DropIndexOp(ix.name, table_name=t.name))

    def alter_op(self, ch: Change, table: str) -> ops.AlterColumnOp:
        c1: Column = ch.desired
        c2: Column = ch.actual
        t1 = self.d.table(table)
        t2 = self.a.table(table)
        assert t1 is not None and t2 is not None
        existing_default = server_default(c2.default, c2.type, self.sp)
        kw: dict[str, Any] = {
            "existing_type": self.sp.type_engine(c2.type),
            "existing_nullable": c2.nullable,
            "existing_server_default": False if existing_default is None else existing_default,
        }
        if ch.kind is ChangeKind.COLUMN_TYPE:
            kw["modify_type"] = self.sp.type_engine(c1.type)
        elif ch.kind is ChangeKind.COLUMN_NULLABLE:
            kw["modify_nullable"] = c1.nullable
        else:
            kw["modify_server_default"] = server_default(c1.default, c1.type, self.sp)
        return ops.AlterColumnOp(table, c1.name, **kw)


def _in_place_pg(b: _Builder, changes: Sequence[Change]) -> None:
    """Dialects that ALTER in place (PostgreSQL)."""
    for ch in changes:
        k = ch.kind
        dt = b.d.table(ch.table) if ch.table else None
        at = b.a.table(ch.table) if ch.table else None
        match k:
            case ChangeKind.ENUM_MISSING:
                b.execute("enum_create", b.planned([ch]))
            case ChangeKind.ENUM_EXTRA:
                b.execute("drop_enums", b.planned([ch]))
            case ChangeKind.ENUM_VALUES:
                sql = b.planned([ch])
                only_added = all(s.startswith("ALTER TYPE") and " ADD VALUE " in s for s in sql)
                b.execute("enum_create" if only_added else "alter_columns", sql)
            case ChangeKind.TABLE_MISSING:
                b.create_table(ch.desired)
            case ChangeKind.TABLE_EXTRA:
                t: Table = ch.actual
                for fk in t.foreign_keys:
                    if fk.name:  # dropped first so tables dropped together never block each other
                        b.drop_fk(t, fk)
                b.emit("drop_tables", ops.DropTableOp.from_table(b.sa_table(t)))
            case ChangeKind.COLUMN_MISSING:
                assert dt is not None
                b.emit(
                    "add_columns",
                    ops.AddColumnOp.from_column_and_tablename(None, dt.name, b.sa_column(dt, ch.desired.name)),
                )
            case ChangeKind.COLUMN_EXTRA:
                assert at is not None
                b.emit(
                    "drop_columns",
                    ops.DropColumnOp.from_column_and_tablename(None, at.name, b.sa_column(at, ch.actual.name)),
                )
            case ChangeKind.COLUMN_NULLABLE:
                b.emit("alter_columns", b.alter_op(ch, ch.table or ""))
            case ChangeKind.COLUMN_DEFAULT if ch.aspects == ("default",):
                b.emit("alter_columns", b.alter_op(ch, ch.table or ""))
            case ChangeKind.COLUMN_TYPE | ChangeKind.COLUMN_DEFAULT | ChangeKind.PRIMARY_KEY:
                # ALTER ... TYPE needs USING; identity/generation and keys have no Alembic operation.
                statements = b.planned([ch])
                b.execute("add_constraints" if k is ChangeKind.PRIMARY_KEY else "alter_columns", statements)
            case ChangeKind.INDEX_MISSING:
                assert dt is not None
                b.add_index(dt, ch.desired)
            case ChangeKind.INDEX_EXTRA:
                assert at is not None
                b.drop_index(at, ch.actual)
            case ChangeKind.INDEX_CHANGED:
                assert dt is not None and at is not None
                if ch.aspects == ("name",):
                    b.execute("add_constraints", b.planned([ch]))
                else:
                    b.drop_index(at, ch.actual)
                    b.add_index(dt, ch.desired)
            case ChangeKind.FOREIGN_KEY_MISSING:
                assert dt is not None
                b.add_fk(dt, ch.desired)
            case ChangeKind.FOREIGN_KEY_EXTRA:
                assert at is not None
                b.drop_fk(at, ch.actual)
            case ChangeKind.FOREIGN_KEY_CHANGED:
                assert dt is not None and at is not None
                b.drop_fk(at, ch.actual)
                b.add_fk(dt, ch.desired)
            case ChangeKind.CHECK_MISSING:
                assert dt is not None
                b.emit("add_constraints", ops.CreateCheckConstraintOp(ch.desired.name, dt.name, ch.desired.expression))
            case ChangeKind.CHECK_EXTRA:
                if not ch.actual.name:
                    raise MigrationError(f"cannot drop an unnamed check on {ch.table}: name it in the database first")
                b.emit("drop_constraints", ops.DropConstraintOp(ch.actual.name, ch.table or "", type_="check"))
            case _:  # pragma: no cover - exhaustive over ChangeKind
                raise MigrationError(f"unsupported change {k} on {b.dialect.name}")


def _sqlite_rebuilds(b: _Builder, changes: Sequence[Change]) -> set[str]:
    from schemaguard.dialects.sqlite.migrate import _can_add_column, _can_drop_column

    rebuild: set[str] = set()
    for ch in changes:
        if ch.table is None:
            continue
        dt, at = b.d.table(ch.table), b.a.table(ch.table)
        if dt is None or at is None:
            continue
        if (
            ch.kind in _SQLITE_REBUILD
            or ch.kind is ChangeKind.PRIMARY_KEY
            or (ch.kind is ChangeKind.COLUMN_MISSING and not _can_add_column(ch.desired, dt))
            or (ch.kind is ChangeKind.COLUMN_EXTRA and not _can_drop_column(ch.actual.name, at))
            or (
                ch.kind in (ChangeKind.INDEX_EXTRA, ChangeKind.INDEX_CHANGED)
                and ch.actual is not None
                and ch.actual.constraint
            )
        ):
            rebuild.add(ch.table)
    return rebuild


def _needs_planner(changes: Sequence[Change]) -> bool:
    # Batch mode cannot change a primary key, identity or generation expression, or drop an inline UNIQUE.
    for ch in changes:
        if ch.kind is ChangeKind.PRIMARY_KEY:
            return True
        if ch.kind is ChangeKind.COLUMN_DEFAULT and set(ch.aspects) & {"autoincrement", "generated"}:
            return True
        if (
            ch.kind in (ChangeKind.INDEX_EXTRA, ChangeKind.INDEX_CHANGED)
            and ch.actual is not None
            and ch.actual.constraint
        ):
            return True
    return False


def _rebuild_sensitive(ix: Index) -> bool:
    # Expression and partial indexes are not reflected by SQLAlchemy's SQLite dialect, so a batch rebuild
    # would lose them: they are dropped before the batch and created again after it.
    return bool(ix.where) or any(p.expression for p in ix.parts)


def _sqlite(b: _Builder, changes: Sequence[Change]) -> None:
    rebuild = _sqlite_rebuilds(b, changes)
    for name in sorted(rebuild):
        table_changes = [ch for ch in changes if ch.table == name]
        at, dt = b.a.table(name), b.d.table(name)
        assert at is not None and dt is not None
        if _needs_planner(table_changes):
            b.execute("rebuilds", b.planned(table_changes))
            continue
        batch = Batch(name)
        for ix in at.indexes:
            if _rebuild_sensitive(ix) and not any(ch.actual is ix for ch in table_changes):
                b.emit("drop_constraints", ops.DropIndexOp(ix.name, table_name=name))
                b.emit("add_constraints", ops.CreateIndexOp.from_index(build_index(ix, b.sa_table(dt), b.sp)))
        for ch in sorted(
            table_changes, key=lambda c: c.kind in (ChangeKind.CHECK_MISSING, ChangeKind.FOREIGN_KEY_MISSING)
        ):
            k = ch.kind
            if k is ChangeKind.COLUMN_MISSING:
                batch.ops.append(
                    ops.AddColumnOp.from_column_and_tablename(None, name, b.sa_column(dt, ch.desired.name))
                )
            elif k is ChangeKind.COLUMN_EXTRA:
                batch.ops.append(
                    ops.DropColumnOp.from_column_and_tablename(None, name, b.sa_column(at, ch.actual.name))
                )
            elif k in (ChangeKind.COLUMN_TYPE, ChangeKind.COLUMN_NULLABLE, ChangeKind.COLUMN_DEFAULT):
                batch.ops.append(b.alter_op(ch, name))
            elif k in (ChangeKind.FOREIGN_KEY_EXTRA, ChangeKind.FOREIGN_KEY_CHANGED):
                fk: ForeignKey = ch.actual
                batch.naming_convention = True
                conv = FK_CONVENTION % {
                    "table_name": name,
                    "column_0_name": fk.columns[0],
                    "referred_table_name": fk.ref_table,
                }
                batch.ops.append(ops.DropConstraintOp(conv, name, type_="foreignkey"))
                if k is ChangeKind.FOREIGN_KEY_CHANGED:
                    batch.ops.append(_fk_op(ch.desired, name))
            elif k is ChangeKind.FOREIGN_KEY_MISSING:
                batch.ops.append(_fk_op(ch.desired, name))
            elif k is ChangeKind.CHECK_EXTRA:
                if not ch.actual.name:
                    raise MigrationError(f"cannot drop an unnamed check on {name}: batch mode only sees named checks")
                batch.ops.append(ops.DropConstraintOp(ch.actual.name, name, type_="check"))
            elif k is ChangeKind.CHECK_MISSING:
                expr = b.sp.expression(ch.desired.expression)
                batch.ops.append(ops.CreateCheckConstraintOp(ch.desired.name, name, expr))
            elif k in (ChangeKind.INDEX_MISSING, ChangeKind.INDEX_EXTRA, ChangeKind.INDEX_CHANGED):
                _sqlite_index(b, ch, dt, at)
        b.emit("rebuilds", batch)
    for ch in changes:
        if ch.table in rebuild:
            continue
        k = ch.kind
        dt = b.d.table(ch.table) if ch.table else None
        at = b.a.table(ch.table) if ch.table else None
        if k is ChangeKind.TABLE_MISSING:
            b.create_table(ch.desired)
        elif k is ChangeKind.TABLE_EXTRA:
            b.emit("drop_tables", ops.DropTableOp.from_table(b.sa_table(ch.actual)))
        elif k is ChangeKind.COLUMN_MISSING:
            assert dt is not None
            b.emit(
                "add_columns",
                ops.AddColumnOp.from_column_and_tablename(None, dt.name, b.sa_column(dt, ch.desired.name)),
            )
        elif k is ChangeKind.COLUMN_EXTRA:
            assert at is not None
            b.emit(
                "drop_columns",
                ops.DropColumnOp.from_column_and_tablename(None, at.name, b.sa_column(at, ch.actual.name)),
            )
        elif k in (ChangeKind.INDEX_MISSING, ChangeKind.INDEX_EXTRA, ChangeKind.INDEX_CHANGED):
            assert dt is not None and at is not None
            _sqlite_index(b, ch, dt, at)
        # enums do not exist on SQLite after adaptation (TEXT + CHECK, compared as checks)


def _sqlite_index(b: _Builder, ch: Change, dt: Table, at: Table) -> None:
    if ch.actual is not None:
        b.emit("drop_constraints", ops.DropIndexOp(ch.actual.name, table_name=at.name))
    if ch.desired is not None:
        b.emit("add_constraints", ops.CreateIndexOp.from_index(build_index(ch.desired, b.sa_table(dt), b.sp)))


def _fk_op(fk: ForeignKey, table: str) -> ops.CreateForeignKeyOp:
    action = {"NO ACTION": None}
    # Batch mode needs a name; SQLite does not keep foreign key names, so the convention's name is harmless.
    name = fk.name or FK_CONVENTION % {
        "table_name": table,
        "column_0_name": fk.columns[0],
        "referred_table_name": fk.ref_table,
    }
    return ops.CreateForeignKeyOp(
        name,
        table,
        fk.ref_table,
        list(fk.columns),
        list(fk.ref_columns),
        ondelete=action.get(fk.on_delete.value, fk.on_delete.value),
        onupdate=action.get(fk.on_update.value, fk.on_update.value),
    )


def build_plan(dialect: Dialect, desired: Schema, actual: Schema, renames: Sequence[Rename] = ()) -> OpsPlan:
    """The Alembic operations that turn ``actual`` into ``desired``.

    Args:
        dialect: the dialect the revision is for.
        desired: the schema to reach (the master, or for a downgrade the previous state).
        actual: the schema the database has before (the replayed state, or for a downgrade the master).
        renames: columns of ``actual`` to rename first (tables resolved by :func:`resolve_renames`).

    Returns:
        The OpsPlan: enum types first, then renames, constraint drops, table creation, column additions and
        alterations, SQLite rebuilds, column and table drops, new indexes and constraints, foreign keys, enum drops.

    Raises:
        MigrationError: a change that cannot be expressed (an unnamed constraint to drop).
        UnsupportedChange: from the dialect planner.
    """
    from schemaguard.diff.differ import diff_schemas

    renames = list(renames)
    renamed = apply_renames(actual, renames)
    b = _Builder(dialect, desired, renamed)
    for r in renames:
        t = b.a.table(r.table or "")
        col = t.column(r.new) if t is not None else None
        assert t is not None and col is not None
        op = ops.AlterColumnOp(t.name, r.old, modify_name=r.new, existing_type=b.sp.type_engine(col.type))
        if b.sp.fk_inline:
            b.emit("renames", Batch(t.name, [op]))  # SQLite: RENAME COLUMN through batch (in place since 3.25)
        else:
            b.emit("renames", op)
    changes = diff_schemas(desired, renamed, dialect)
    if b.sp.fk_inline:
        _sqlite(b, changes)
    else:
        _in_place_pg(b, changes)
    items: list[Item] = []
    for phase in _PHASES:
        items += b.phases[phase]
    return OpsPlan(items, changes, renames)


# --- rendering -----------------------------------------------------------------------------------------------

NATIVE_HELPER = '''

class NativeType(sa.types.UserDefinedType):
    """A column type written verbatim (a type SQLAlchemy has no class for)."""

    cache_ok = True

    def __init__(self, spec):
        self.spec = spec

    def get_col_spec(self, **kw):
        return self.spec
'''


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, NativeType):
        return f"NativeType({obj.spec!r})"
    return False


@dataclass
class Rendered:
    """Python source of one direction of a revision: the body (indented 4 spaces) and the imports it needs."""

    body: str
    imports: set[str]
    needs_native: bool


def render_items(items: Sequence[Item], dialect_name: str) -> Rendered:
    """Render operations as the body of ``upgrade()``/``downgrade()`` with Alembic's autogenerate renderer.

    Args:
        items: the plan's items.
        dialect_name: ``sqlite`` or ``postgresql`` (types are rendered for it).

    Returns:
        Rendered: ``body`` is ``pass`` when there is nothing to do.
    """
    from io import StringIO

    from alembic.autogenerate.api import AutogenContext
    from alembic.autogenerate.render import _indent, render_op
    from alembic.migration import MigrationContext
    from mako.pygen import PythonPrinter

    mc = MigrationContext.configure(dialect_name=dialect_name)
    ctx = AutogenContext(
        mc,
        opts={"sqlalchemy_module_prefix": "sa.", "alembic_module_prefix": "op.", "render_item": _render_item},
    )
    buf = StringIO()
    printer = PythonPrinter(buf)
    if not items:
        printer.writeline("pass")
    for item in items:
        if isinstance(item, Batch):
            with ctx._within_batch():
                extra = f", naming_convention={{'fk': {FK_CONVENTION!r}}}" if item.naming_convention else ""
                printer.writeline(f"with op.batch_alter_table({item.table!r}{extra}) as batch_op:")
                for op in item.ops:
                    for line in render_op(ctx, op):
                        printer.writeline(line)
                printer.writeline("")
        else:
            for line in render_op(ctx, item):
                printer.writeline(line)
    text = _indent(buf.getvalue())
    return Rendered(text, set(ctx.imports), "NativeType(" in text)
