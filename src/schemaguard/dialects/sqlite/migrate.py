"""SQLite migration hooks for the one planner (``schemaguard.migrate.planner``): which changes rebuild a table,
and the rebuild itself.

SQLite's ALTER TABLE can add or drop a plain column and rename things, nothing else. Every other change
(column type, nullability, default, primary key, foreign keys, checks, unique constraints) rebuilds the table
with the procedure SQLite documents ("12 steps"): foreign keys off (1), one transaction (2), the table's
triggers and the views saved (3), the new table created under a temporary name (4), the rows of the columns
both versions share copied (5), the old table dropped (6), the new one renamed (7), its indexes, triggers and
views created again (8, 9), ``PRAGMA foreign_key_check`` (10), commit (11), foreign keys back on (12).
Source: https://www.sqlite.org/lang_altertable.html#otheralter

The new table and its indexes are rendered by ``render.render_schema`` from the desired table, so a rebuilt
table is exactly what a fresh database built from the master holds: index order (``DESC``), partial and
expression indexes, foreign key actions, checks, defaults, generated columns and whatever else the renderer
spells: column collations, ``VIRTUAL``/``STORED`` generated columns, ``AUTOINCREMENT``, ``STRICT`` and
``WITHOUT ROWID``. Those CREATE TABLE-only properties also make a new table be created whole
(:class:`CreateTableWhole`) rather than by Alembic's ``create_table``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from schemaguard.dialects.sqla import quote_ident, sql_string
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.errors import UnsupportedChange
from schemaguard.migrate.planner import DropTable, MigrateHooks, Op, Phase, PlanContext, Rebuild, Sql, Step
from schemaguard.model import Column, DefaultKind, Enum, ObjectKind, Schema, Table

REBUILD_PREFIX = "_sg_new_"
"""Temporary name prefix of a table being rebuilt (``migrate lint`` recognises it: SG101)."""

_ALWAYS_REBUILD = frozenset(
    {
        ChangeKind.COLUMN_TYPE,
        ChangeKind.COLUMN_NULLABLE,
        ChangeKind.COLUMN_DEFAULT,
        ChangeKind.PRIMARY_KEY,
        ChangeKind.FOREIGN_KEY_MISSING,
        ChangeKind.FOREIGN_KEY_EXTRA,
        ChangeKind.FOREIGN_KEY_CHANGED,
        ChangeKind.CHECK_MISSING,
        ChangeKind.CHECK_EXTRA,
        ChangeKind.CHECK_CHANGED,
    }
)
"""Changes SQLite's ALTER TABLE cannot make in place. Source: https://www.sqlite.org/lang_altertable.html"""


def _can_add_column(c: Column, t: Table) -> bool:
    # ALTER TABLE ADD COLUMN restrictions: https://www.sqlite.org/lang_altertable.html#altertabaddcol
    if t.primary_key is not None and c.name in t.primary_key.columns:
        return False
    if c.generated:
        return False
    if c.default is not None and c.default.kind is DefaultKind.EXPRESSION:
        return False
    return c.nullable or c.default is not None


def _can_drop_column(name: str, t: Table) -> bool:
    # ALTER TABLE DROP COLUMN fails for PK, UNIQUE, FK, CHECK and generated-column references, and for an
    # indexed column. Source: https://www.sqlite.org/lang_altertable.html#altertabdropcol
    if t.primary_key is not None and name in t.primary_key.columns:
        return False
    if any(name in fk.columns for fk in t.foreign_keys):
        return False
    if any(name in ck.expression for ck in t.checks):
        return False
    if any(c.generated and name in c.generated for c in t.columns):
        return False
    return not any(ix.constraint and name in ix.columns for ix in t.indexes)


_GUARD = 'temp."_sg_rebuild_guard"'
GUARD_TABLE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {_GUARD.split('.', 1)[1]} ("
    'foreign_keys INTEGER CONSTRAINT "foreign keys must be off while a table is rebuilt" CHECK (foreign_keys = 0), '
    'violations INTEGER CONSTRAINT "PRAGMA foreign_key_check found violations" CHECK (violations = 0))'
)
"""Steps 1 and 10 as SQL that fails loudly: a rebuild inside a revision's transaction cannot switch foreign keys
off (the pragma is a no-op there), and with them on, DROP TABLE would fire the ON DELETE actions of the rows
that point at the table; and ``PRAGMA foreign_key_check`` only lists violations, so its count goes through a
CHECK constraint. Both rows land in a temporary table dropped at the end of the rebuild."""


def needs_rebuild(ch: Change, desired: Table | None, actual: Table | None) -> bool:
    """True when ``ch`` (on a table present on both sides) can only be made by rebuilding the table."""
    if desired is None or actual is None:
        return False
    if ch.kind in _ALWAYS_REBUILD:
        return True
    if ch.kind is ChangeKind.COLUMN_MISSING:
        return not _can_add_column(ch.desired, desired)
    if ch.kind is ChangeKind.COLUMN_EXTRA:
        return not _can_drop_column(ch.actual.name, actual)
    if ch.kind in (ChangeKind.TABLE_OPTIONS_CHANGED, ChangeKind.COLLATION_CHANGED):
        return True  # STRICT / WITHOUT ROWID and column COLLATE clauses are part of CREATE TABLE
    # An inline UNIQUE constraint can only go with a rebuild.
    return ch.kind in (ChangeKind.INDEX_EXTRA, ChangeKind.INDEX_CHANGED) and bool(ch.actual and ch.actual.constraint)


def rebuild(ctx: PlanContext, before: Table, after: Table) -> Rebuild:
    """Steps 1 (checked), 4-8 and 10 of the 12-step procedure for ``before`` → ``after`` (both as SQLite stores
    them).

    The copy takes the columns both versions have (generated columns excluded: SQLite computes them). The
    rename runs with ``legacy_alter_table`` on: SQLite 3.26+ re-parses every view on RENAME and fails on a view
    that names the table just dropped; views keep naming the table, which exists again after the rename.
    Source: https://www.sqlite.org/pragma.html#pragma_legacy_alter_table

    When the new table is ``AUTOINCREMENT``, the old table's ``sqlite_sequence`` counter is carried over
    (:func:`_carry_sequence`): otherwise ROWIDs of rows deleted before the rebuild would be handed out again.
    """
    tmp = REBUILD_PREFIX + after.name
    new_table = [s for s in _render(ctx, after, tmp) if s.startswith("CREATE TABLE")]
    others = [s for s in _render(ctx, after) if not s.startswith("CREATE TABLE")]
    old_cols = {c.name for c in before.columns if not c.generated}
    shared = ", ".join(quote_ident(c.name) for c in after.columns if c.name in old_cols and not c.generated)
    name, qtmp = quote_ident(after.name), quote_ident(tmp)
    statements = [
        GUARD_TABLE,
        f"INSERT INTO {_GUARD} (foreign_keys) SELECT foreign_keys FROM pragma_foreign_keys",
        *new_table,
        f"INSERT INTO {qtmp} ({shared}) SELECT {shared} FROM {name}",
        *(_carry_sequence(before.name, tmp) if any(c.strict_autoincrement for c in after.columns) else ()),
        f"DROP TABLE {name}",
        "PRAGMA legacy_alter_table=ON",
        f"ALTER TABLE {qtmp} RENAME TO {name}",
        "PRAGMA legacy_alter_table=OFF",
        *others,
        f"INSERT INTO {_GUARD} (violations) SELECT count(*) FROM pragma_foreign_key_check",
        f"DROP TABLE {_GUARD}",
    ]
    return Rebuild(after.name, tuple(statements))


def _carry_sequence(old: str, tmp: str) -> list[str]:
    """Statements giving the rebuilt table ``tmp`` the ``sqlite_sequence`` counter of table ``old`` (run after the
    copy, before ``old`` is dropped: DROP TABLE deletes its row, RENAME TO renames the row of ``tmp``).

    The copy leaves ``tmp``'s counter at the largest ROWID copied (no row when nothing was copied), while ``old``
    may have handed out larger ones since deleted: the counter becomes the larger of the two (a row is added when
    ``tmp`` has none). ``old`` is looked up ignoring ASCII case, as SQLite compares names. Only for a table made
    ``AUTOINCREMENT`` (then ``sqlite_sequence`` exists). ``sqlite_sequence`` may be changed by ordinary
    UPDATE/INSERT. Source: https://www.sqlite.org/autoinc.html ("prevent the reuse of ROWIDs from previously
    deleted rows"; "The SQLITE_SEQUENCE table")
    """
    o, t = sql_string(old), sql_string(tmp)
    old_seq = f"SELECT seq FROM sqlite_sequence WHERE name = {o} COLLATE NOCASE"
    return [
        f"UPDATE sqlite_sequence SET seq = max(seq, coalesce(({old_seq}), 0)) WHERE name = {t}",
        f"INSERT INTO sqlite_sequence (name, seq) SELECT {t}, seq FROM sqlite_sequence WHERE name = {o} COLLATE NOCASE"
        f" AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = {t})",
    ]


_IN_CREATE_TABLE = frozenset((ObjectKind.TABLE_OPTIONS, ObjectKind.COLLATION))
"""Table properties SQLite spells only inside CREATE TABLE (keyed by the table): a change rebuilds the table."""


def _render(ctx: PlanContext, t: Table, name: str | None = None, *, triggers: bool = True) -> list[str]:
    """The master's DDL for table ``t`` alone: CREATE TABLE (with its options: STRICT, WITHOUT ROWID, and its
    columns' collations), its indexes and (with ``triggers``) its triggers; under ``name`` (then without indexes
    and triggers) for the new table of step 4."""
    objects = tuple(
        o
        for o in ctx.d.objects
        if (o.kind in _IN_CREATE_TABLE and o.name == t.name)
        or (o.kind is ObjectKind.TRIGGER and o.table == t.name and name is None and triggers)
    )
    if name is not None:
        t = replace(t, name=name, indexes=())
        objects = tuple(replace(o, name=name) for o in objects)
    return ctx.dialect.render(Schema(tables=(t,), objects=objects, enum_checks=ctx.d.enum_checks))


@dataclass(frozen=True)
class CreateTableWhole(Op):
    """A new table created by the master's own DDL (CREATE TABLE with its ``STRICT`` / ``WITHOUT ROWID`` options
    and column ``COLLATE`` clauses, then its indexes), for a table with properties SQLite sets only in CREATE
    TABLE; its triggers are planned as their own changes. Reverse: the table dropped.
    Source: https://www.sqlite.org/lang_createtable.html"""

    table: Table
    PHASE: ClassVar[Phase] = Phase.CREATE_TABLES

    def reverse(self) -> Op:
        return DropTable(self.table)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return [Sql(s) for s in _render(ctx, self.table, triggers=False)]

    def describe(self) -> str:
        return f"CreateTableWhole {self.table.name}"


def create_table(ctx: PlanContext, t: Table) -> Op | None:
    """:class:`CreateTableWhole` for a new table with table options or column collations in the master, else None
    (the planner's ordinary ``CreateTable``)."""
    if any(o.kind in _IN_CREATE_TABLE and o.name == t.name for o in ctx.d.objects):
        return CreateTableWhole(t)
    return None


def _unsupported(what: str) -> UnsupportedChange:
    return UnsupportedChange(f"{what} does not exist on SQLite (tables are rebuilt instead)", dialect="sqlite")


def _alter_column(ctx: PlanContext, table: Table, before: Column, after: Column, change: Change) -> list[Step]:
    raise _unsupported("ALTER COLUMN")  # pragma: no cover - needs_rebuild sends every column change to rebuild


def _enum_values(ctx: PlanContext, before: Enum, after: Enum) -> tuple[Phase, list[Step]]:
    raise _unsupported("an enum type")  # pragma: no cover - adaptation turns enums into TEXT + CHECK


def _enum_ddl(e: Enum) -> list[str]:
    raise _unsupported("an enum type")  # pragma: no cover - adaptation turns enums into TEXT + CHECK


HOOKS = MigrateHooks(
    needs_rebuild=needs_rebuild,
    alter_column=_alter_column,
    enum_values=_enum_values,
    create_enum=_enum_ddl,
    drop_enum=_enum_ddl,
    rebuild=rebuild,
    create_table=create_table,
    # Steps 1-2 and 11-12 for a script: PRAGMA foreign_keys is ignored inside a transaction, so it comes first.
    rename_index=False,  # no ALTER INDEX in SQLite: https://www.sqlite.org/lang.html
    script_prologue=("PRAGMA foreign_keys=OFF", "BEGIN"),
    script_epilogue=("COMMIT", "PRAGMA foreign_keys=ON"),
)
"""SQLite's answers to the planner."""
