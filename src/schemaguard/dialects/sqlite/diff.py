"""SQLite comparison hooks: type families by affinity, and adaptation of a master to what SQLite can store.

Source for affinity: https://www.sqlite.org/datatype3.html#determination_of_column_affinity
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import replace

from schemaguard.model import Check, Column, ColumnType, Default, DefaultKind, Index, IndexPart, Schema, Table, TypeKind
from schemaguard.model.naming import check_name
from schemaguard.normalize import _pg_array_literal

_FAMILY: dict[TypeKind, str] = {
    TypeKind.STRING: "TEXT",
    TypeKind.CHAR: "TEXT",
    TypeKind.TEXT: "TEXT",
    TypeKind.UUID: "TEXT",
    TypeKind.ENUM: "TEXT",
    TypeKind.INTERVAL: "TEXT",
    TypeKind.SMALLINT: "INTEGER",
    TypeKind.INTEGER: "INTEGER",
    TypeKind.BIGINT: "INTEGER",
    TypeKind.FLOAT: "REAL",
    TypeKind.DOUBLE: "REAL",
    TypeKind.DECIMAL: "NUMERIC",
    TypeKind.BOOLEAN: "BOOLEAN",
    TypeKind.DATE: "DATE",
    TypeKind.TIME: "TIME",
    TypeKind.DATETIME: "DATETIME",
    TypeKind.JSON: "JSON",
    TypeKind.BYTES: "BLOB",
}
"""Logical kinds SQLite cannot tell apart share a family: lengths and integer widths are not enforced, and
uuid/enum values are stored as TEXT. Boolean/date/time/json keep their own family because applications (and
ORMs such as Prisma) read the declared type."""


def affinity(declared: str) -> str:
    """SQLite's affinity rules (datatype3.html §3.1) applied to a declared type name."""
    d = declared.upper()
    if "INT" in d:
        return "INTEGER"
    if "CHAR" in d or "CLOB" in d or "TEXT" in d:
        return "TEXT"
    if "BLOB" in d or not d:
        return "BLOB"
    if "REAL" in d or "FLOA" in d or "DOUB" in d:
        return "REAL"
    return "NUMERIC"


def type_key(ctype: ColumnType) -> Hashable:
    """The storage family of a type on SQLite (arrays are JSON text)."""
    if ctype.is_array:
        return "TEXT"
    if ctype.kind is TypeKind.NATIVE:
        return affinity(ctype.native or "")
    return _FAMILY[ctype.kind]


def _array_default(d: Default | None) -> Default | None:
    if d is None or d.kind is not DefaultKind.LITERAL:
        return None if d is not None and d.kind is DefaultKind.EXPRESSION else d
    value = d.value
    if isinstance(value, str):
        parsed = _pg_array_literal(value)
        value = parsed if parsed is not None else value
    # Compact JSON, as Prisma writes a list kept as JSON text (and as our Prisma variant's @default): one spelling.
    return Default.literal(json.dumps(value, separators=(",", ":")) if isinstance(value, list) else value)


_PORTABLE_EXPRESSIONS = {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"}


def _adapt_column(t: Table, c: Column, schema: Schema, checks: list[Check]) -> Column:
    ct = c.type
    default = c.default
    if ct.is_array:
        # Arrays are stored as JSON text (what Prisma does for lists on SQLite: a String holding JSON).
        return replace(c, type=ColumnType(TypeKind.TEXT), default=_array_default(default), autoincrement=False)
    if (
        default is not None
        and default.kind is DefaultKind.EXPRESSION
        and str(default.value).upper() not in (_PORTABLE_EXPRESSIONS)
    ):
        # PostgreSQL functions (gen_random_uuid(), nextval...) have no SQLite equivalent: the app supplies values.
        default = None
    if ct.kind is TypeKind.ENUM:
        enum = schema.enum(ct.enum_name or "")
        if enum is not None and schema.enum_checks:
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in enum.values)
            quoted = '"' + c.name.replace('"', '""') + '"'
            checks.append(Check(check_name(t.name, [c.name]), f"{quoted} IN ({values})", loc=c.loc))
        return replace(c, type=ColumnType(TypeKind.TEXT), default=default)
    return c if default is c.default else replace(c, default=default)


def adapt(schema: Schema) -> Schema:
    """The master as SQLite stores it.

    - enums become TEXT plus a CHECK ``col IN (...)`` named ``{table}_{col}_check`` (no CHECK when
      ``schema.enum_checks`` is False, as Prisma does); the enum types go away;
    - arrays become TEXT holding JSON (array defaults become JSON text);
    - PostgreSQL-only defaults (function calls other than CURRENT_TIMESTAMP/DATE/TIME) are dropped;
    - index access methods and operator classes (GIN, GiST, ``gin_trgm_ops``) are dropped: a plain index stays;
      so is ``DEFERRABLE`` on a unique constraint (SQLite checks uniqueness per statement; only foreign keys
      can be deferred there);
    - an autoincrement single-column integer primary key becomes ``INTEGER`` (the rowid alias), and every
      ``INTEGER`` single-column primary key is autoincrement, as SQLite makes it; ``strict_autoincrement``
      (the ``AUTOINCREMENT`` keyword) stays only on such a column that asked for autoincrement. With
      ``schema.wide_rowid`` False (Prisma masters) a BIGINT/SMALLINT autoincrement key stays as declared,
      NOT NULL and without autoincrement, as Prisma renders it.
      Source: https://www.sqlite.org/lang_createtable.html#rowid, https://www.sqlite.org/autoinc.html
    """
    tables = []
    rowid_type = ColumnType(TypeKind.INTEGER)
    for t in schema.tables:
        if t.name in schema.implicit_m2m:
            from schemaguard.prisma.conventions import implicit_m2m_table

            t = implicit_m2m_table(t, "sqlite")  # Prisma's SQLite key for an implicit many-to-many table
        checks: list[Check] = list(t.checks)
        cols = [_adapt_column(t, c, schema, checks) for c in t.columns]
        pk = t.primary_key
        for i, c in enumerate(cols):
            single_pk = pk is not None and pk.columns == (c.name,)
            integer = c.type.kind in (TypeKind.SMALLINT, TypeKind.INTEGER, TypeKind.BIGINT) and not c.type.is_array
            wide = c.type.kind is not TypeKind.INTEGER
            if single_pk and integer and c.autoincrement and wide and not schema.wide_rowid:
                # Prisma: BigInt @id @default(autoincrement()) is a plain BIGINT PRIMARY KEY, NOT NULL.
                cols[i] = replace(c, autoincrement=False, strict_autoincrement=False, nullable=False, default=None)
            elif single_pk and integer and (c.autoincrement or c.type.kind is TypeKind.INTEGER):
                # AUTOINCREMENT is only what the column asked for: a bare INTEGER PRIMARY KEY is a rowid alias
                # that may reuse rowids.
                strict = c.strict_autoincrement and c.autoincrement
                if (
                    c.type != rowid_type
                    or not c.autoincrement
                    or c.default is not None
                    or c.strict_autoincrement != strict
                ):
                    cols[i] = replace(c, type=rowid_type, autoincrement=True, default=None, strict_autoincrement=strict)
            elif c.autoincrement or c.strict_autoincrement:
                cols[i] = replace(c, autoincrement=False, strict_autoincrement=False)
        indexes = [
            replace(
                ix,
                method=None,
                parts=tuple(replace(p, opclass=None) for p in ix.parts),
                deferrable=False,
                initially_deferred=False,
            )
            if (ix.method or ix.deferrable or any(p.opclass for p in ix.parts))
            else ix
            for ix in t.indexes
        ]
        new_cols, new_checks, new_indexes = tuple(cols), tuple(checks), tuple(_dedupe(indexes))
        new_pk = replace(pk, name=None) if pk is not None and pk.name is not None else pk
        new_fks = tuple(replace(fk, name=None) if fk.name is not None else fk for fk in t.foreign_keys)
        unchanged = (
            new_pk is pk
            and new_cols == t.columns
            and new_checks == t.checks
            and new_indexes == t.indexes
            and new_fks == t.foreign_keys
        )
        # An introspected SQLite table is mostly stored as is already: keep the object (the differ then can
        # skip equal tables at once).
        tables.append(
            t
            if unchanged
            else replace(
                t,
                columns=new_cols,
                checks=new_checks,
                indexes=new_indexes,
                primary_key=new_pk,
                foreign_keys=new_fks,
            )
        )
    return replace(schema, tables=tuple(tables), enums=())


def _dedupe(indexes: list[Index]) -> list[Index]:
    # Dropping a method can make two indexes identical (a GIN and a btree on one column): keep the first.
    seen: set[tuple[tuple[IndexPart, ...], bool, str | None]] = set()
    out = []
    for ix in indexes:
        key = (ix.parts, ix.unique, ix.where)
        if key in seen:
            continue
        seen.add(key)
        out.append(ix)
    return out
