"""PostgreSQL comparison hooks: type keys (aliases and defaults folded) and schema adaptation."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

from schemaguard.model import ColumnType, DbObject, NotCompared, ObjectKind, Schema, TypeKind

DEFAULT_TIME_PRECISION = 6
"""timestamp/time without a precision keep microseconds: timestamp == timestamp(6).
Source: https://www.postgresql.org/docs/15/datatype-datetime.html"""


def type_key(ctype: ColumnType) -> Hashable:
    """Comparison key: varchar without length == text is NOT assumed (they differ in the catalog); array
    dimensions collapse to one (PostgreSQL does not enforce declared dimensions); precision 6 of time types
    equals no precision."""
    precision = ctype.precision
    if ctype.kind in (TypeKind.DATETIME, TypeKind.TIME) and precision == DEFAULT_TIME_PRECISION:
        precision = None
    native = ctype.native.lower() if ctype.native else None
    return (
        ctype.kind,
        ctype.length,
        precision,
        ctype.scale if ctype.kind is TypeKind.DECIMAL else None,
        ctype.timezone if ctype.kind in (TypeKind.DATETIME, TypeKind.TIME) else False,
        ctype.binary if ctype.kind is TypeKind.JSON else True,
        ctype.enum_name,
        native,
        ctype.array_dims > 0,
    )


def adapt(schema: Schema) -> Schema:
    """PostgreSQL stores every model feature natively; only normalise time precision 6 to the default and
    drop SQLite's ``strict_autoincrement`` (a sequence never reuses values anyway)."""
    tables = []
    changed = False
    for t in schema.tables:
        if t.name in schema.implicit_m2m:
            from schemaguard.prisma.conventions import implicit_m2m_table

            keyed = implicit_m2m_table(t, "postgresql")  # Prisma's PostgreSQL key (a SQLite-provider master)
            changed = changed or keyed is not t
            t = keyed
        cols = []
        table_changed = False
        for c in t.columns:
            ct = c.type
            if ct.kind in (TypeKind.DATETIME, TypeKind.TIME) and ct.precision == DEFAULT_TIME_PRECISION:
                c = replace(c, type=replace(ct, precision=None))
                table_changed = True
            if c.nullable and t.primary_key is not None and c.name in t.primary_key.columns:
                # PostgreSQL makes every key column NOT NULL (a master read from SQLite may say nullable).
                c = replace(c, nullable=False)
                table_changed = True
            if c.strict_autoincrement:
                # Sequences never hand out a value twice: SQLite's AUTOINCREMENT is what PostgreSQL always does.
                c = replace(c, strict_autoincrement=False)
                table_changed = True
            cols.append(c)
        tables.append(replace(t, columns=tuple(cols)) if table_changed else t)
        changed = changed or table_changed
    if any(o.kind is ObjectKind.TABLE_OPTIONS and _sqlite_only(o) for o in schema.objects):
        # SQLite's STRICT / WITHOUT ROWID (a master shared by both dialects): PostgreSQL has neither.
        kept = [_without_sqlite_options(o) if o.kind is ObjectKind.TABLE_OPTIONS else o for o in schema.objects]
        schema = replace(schema, objects=tuple(o for o in kept if o is not None))
    return replace(schema, tables=tuple(tables)) if changed else schema


SQLITE_TABLE_OPTIONS = frozenset(("strict", "without_rowid"))
"""SQLite's table options (https://www.sqlite.org/stricttables.html, withoutrowid.html): not PostgreSQL storage
parameters, so :func:`adapt` drops them, the renderer skips them and :func:`not_stored` lists them."""


def _sqlite_only(o: DbObject) -> list[str]:
    return [k for k, _ in o.attributes if k in SQLITE_TABLE_OPTIONS]


def _without_sqlite_options(o: DbObject) -> DbObject | None:
    if not _sqlite_only(o):
        return o
    kept = tuple((k, v) for k, v in o.attributes if k not in SQLITE_TABLE_OPTIONS)
    return replace(o, attributes=kept) if kept else None


def not_stored(schema: Schema) -> Schema:
    """``schema`` with a ``not_compared`` entry for each column default PostgreSQL cannot hold: a default on an
    autoincrement (serial or identity) column, whose value comes from its sequence, or on a generated column,
    whose value is its expression. PostgreSQL refuses both ("both default and identity specified", "both default
    and generation expression specified"; https://www.postgresql.org/docs/current/sql-createtable.html), so the
    renderer leaves such a default out and the differ does not compare it: this makes ``render`` and the
    coverage report say so. Also one entry for SQLite's table options a master declares (``strict``,
    ``without_rowid``: :data:`SQLITE_TABLE_OPTIONS`). Names are ``table.column`` / ``table.option``; the same
    schema when there are none."""
    names = tuple(
        sorted(
            f"{t.name}.{c.name}"
            for t in schema.tables
            for c in t.columns
            if c.default is not None and (c.autoincrement or c.generated)
        )
    )
    if names:
        reason = "PostgreSQL holds no default on a serial, identity or generated column: not rendered"
        schema = replace(schema, not_compared=(*schema.not_compared, NotCompared("column default", reason, names)))
    options = tuple(
        sorted(f"{o.name}.{k}" for o in schema.objects if o.kind is ObjectKind.TABLE_OPTIONS for k in _sqlite_only(o))
    )
    if options:
        entry = NotCompared("table option", "SQLite's STRICT / WITHOUT ROWID: PostgreSQL has neither", options)
        schema = replace(schema, not_compared=(*schema.not_compared, entry))
    return schema
