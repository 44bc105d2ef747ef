"""PostgreSQL comparison hooks: type keys (aliases and defaults folded) and schema adaptation."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

from schemaguard.model import ColumnType, NotCompared, Schema, TypeKind

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
    return replace(schema, tables=tuple(tables)) if changed else schema


def not_stored(schema: Schema) -> Schema:
    """``schema`` with a ``not_compared`` entry for each column default PostgreSQL cannot hold: a default on an
    autoincrement (serial or identity) column, whose value comes from its sequence, or on a generated column,
    whose value is its expression. PostgreSQL refuses both ("both default and identity specified", "both default
    and generation expression specified"; https://www.postgresql.org/docs/current/sql-createtable.html), so the
    renderer leaves such a default out and the differ does not compare it: this makes ``render`` and the
    coverage report say so. Names are ``table.column``; the same schema when there are none."""
    names = tuple(
        sorted(
            f"{t.name}.{c.name}"
            for t in schema.tables
            for c in t.columns
            if c.default is not None and (c.autoincrement or c.generated)
        )
    )
    if not names:
        return schema
    reason = "PostgreSQL holds no default on a serial, identity or generated column: not rendered"
    return replace(schema, not_compared=(*schema.not_compared, NotCompared("column default", reason, names)))
