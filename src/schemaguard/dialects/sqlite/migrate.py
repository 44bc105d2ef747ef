"""SQLite planning: Changes → ordered DDL statements.

SQLite's ALTER TABLE can add or drop a plain column and rename things, nothing else. Every other change
(column type, nullability, default, primary key, foreign keys, checks, unique constraints) rebuilds the table
with the procedure SQLite documents: create the new table under a temporary name, copy the rows of the
columns both versions share, drop the old table, rename the new one, recreate its indexes — with foreign key
enforcement switched off around it so the DROP does not cascade.
Source: https://www.sqlite.org/lang_altertable.html#otheralter
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from schemaguard.dialects.alembic_sql import offline_operations
from schemaguard.dialects.sqla import build_foreign_key, build_index, build_table, compile_ddl, qname, quote_ident
from schemaguard.dialects.sqlite.diff import adapt
from schemaguard.dialects.sqlite.render import SPELLING
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.model import Column, DefaultKind, Schema, Table

REBUILD_PREFIX = "_sg_new_"
"""Temporary name prefix of a table being rebuilt."""

_ALWAYS_REBUILD = {
    ChangeKind.COLUMN_TYPE,
    ChangeKind.COLUMN_NULLABLE,
    ChangeKind.COLUMN_DEFAULT,
    ChangeKind.PRIMARY_KEY,
    ChangeKind.FOREIGN_KEY_MISSING,
    ChangeKind.FOREIGN_KEY_EXTRA,
    ChangeKind.FOREIGN_KEY_CHANGED,
    ChangeKind.CHECK_MISSING,
    ChangeKind.CHECK_EXTRA,
}


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
    # ALTER TABLE DROP COLUMN fails for PK, UNIQUE, FK, CHECK and generated-column references.
    if t.primary_key is not None and name in t.primary_key.columns:
        return False
    if any(name in fk.columns for fk in t.foreign_keys):
        return False
    if any(name in ck.expression for ck in t.checks):
        return False
    if any(c.generated and name in c.generated for c in t.columns):
        return False
    return not any(ix.constraint and name in ix.columns for ix in t.indexes)


def _table_ddl(t: Table, name: str | None = None) -> str:
    md = sa.MetaData()
    target = replace(t, name=name) if name else t
    table = build_table(target, md, SPELLING, with_fks=False)
    for fk in target.foreign_keys:
        build_foreign_key(fk, md, target.name)
    return compile_ddl(sa.schema.CreateTable(table), sqlite.dialect())


def _index_ddl(t: Table) -> list[str]:
    md = sa.MetaData()
    table = build_table(t, md, SPELLING, with_fks=False)
    dialect = sqlite.dialect()
    return [compile_ddl(sa.schema.CreateIndex(build_index(ix, table, SPELLING)), dialect) for ix in t.indexes]


def plan_changes(changes: Sequence[Change], desired: Schema, actual: Schema) -> list[str]:
    """DDL statements (no trailing ``;``) that turn ``actual`` into ``desired`` on SQLite.

    Tables needing a rebuild are rebuilt once however many of their aspects changed. When any table is
    rebuilt, the plan is wrapped in ``PRAGMA foreign_keys=OFF`` / ``ON`` (which SQLite ignores inside a
    transaction: run the plan outside one, as ``sqlite3`` does by default).
    """
    d = adapt(desired)
    a = adapt(actual)
    rebuild: set[str] = set()
    for ch in changes:
        if ch.table is None:
            continue
        dt, at = d.table(ch.table), a.table(ch.table)
        if (
            ch.kind in _ALWAYS_REBUILD
            or (ch.kind is ChangeKind.COLUMN_MISSING and dt is not None and not _can_add_column(ch.desired, dt))
            or (ch.kind is ChangeKind.COLUMN_EXTRA and at is not None and not _can_drop_column(ch.actual.name, at))
        ):
            rebuild.add(ch.table)
        elif (
            ch.kind in (ChangeKind.INDEX_EXTRA, ChangeKind.INDEX_CHANGED)
            and ch.actual is not None
            and ch.actual.constraint
        ):
            rebuild.add(ch.table)  # an inline UNIQUE constraint can only go with a rebuild
    rebuild = {n for n in rebuild if d.table(n) is not None and a.table(n) is not None}

    create: list[str] = []
    drop_indexes: list[str] = []
    add_cols: list[str] = []
    drop_cols: list[str] = []
    rebuilds: list[str] = []
    drop_tables: list[str] = []
    add_indexes: list[str] = []
    for ch in changes:
        k = ch.kind
        if ch.table in rebuild:
            continue
        if k is ChangeKind.TABLE_MISSING:
            create.append(_table_ddl(ch.desired))
            add_indexes += _index_ddl(ch.desired)
        elif k is ChangeKind.TABLE_EXTRA:
            drop_tables.append(f"DROP TABLE {quote_ident(ch.actual.name)}")
        elif k is ChangeKind.COLUMN_MISSING:
            dt = d.table(ch.table or "")
            assert dt is not None
            op, out = offline_operations("sqlite")
            md = sa.MetaData()
            table = build_table(dt, md, SPELLING, with_fks=False)
            op.add_column(qname(dt.name), table.c[ch.desired.name]._copy())
            add_cols += out.statements
        elif k is ChangeKind.COLUMN_EXTRA:
            drop_cols.append(f"ALTER TABLE {quote_ident(ch.table or '')} DROP COLUMN {quote_ident(ch.actual.name)}")
        elif k in (ChangeKind.INDEX_MISSING, ChangeKind.INDEX_CHANGED, ChangeKind.INDEX_EXTRA):
            if ch.actual is not None:
                drop_indexes.append(f"DROP INDEX {quote_ident(ch.actual.name)}")
            if ch.desired is not None:
                dt = d.table(ch.table or "")
                assert dt is not None
                add_indexes += _index_ddl(replace(dt, indexes=(ch.desired,)))
        # enum changes do not exist after adaptation (enums are TEXT + CHECK, compared as checks)
    for name in sorted(rebuild):
        dt = d.table(name)
        at = a.table(name)
        assert dt is not None and at is not None
        tmp = REBUILD_PREFIX + name
        shared = [c.name for c in dt.columns if at.column(c.name) is not None and not c.generated]
        cols = ", ".join(quote_ident(c) for c in shared)
        rebuilds += [
            _table_ddl(dt, tmp),
            f"INSERT INTO {quote_ident(tmp)} ({cols}) SELECT {cols} FROM {quote_ident(name)}",
            f"DROP TABLE {quote_ident(name)}",
            f"ALTER TABLE {quote_ident(tmp)} RENAME TO {quote_ident(name)}",
            *_index_ddl(dt),
        ]
    body = create + drop_indexes + add_cols + drop_cols + rebuilds + drop_tables + add_indexes
    if rebuild:
        return ["PRAGMA foreign_keys=OFF", *body, "PRAGMA foreign_keys=ON"]
    return body
