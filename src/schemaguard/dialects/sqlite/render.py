"""SQLite rendering: model → ordered DDL (tables with inline foreign keys, then indexes).

The schema is first adapted (``diff.adapt``: enums → TEXT + CHECK, arrays → JSON text, PostgreSQL-only
features dropped); expressions written in PostgreSQL syntax are transpiled with sqlglot.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeEngine

from schemaguard.dialects.sqla import (
    DialectSpelling,
    NativeType,
    build_foreign_key,
    build_index,
    build_table,
    compile_ddl,
    default_literal,
)
from schemaguard.dialects.sqlite.diff import BUILTIN_COLLATIONS, CONFLICT_PREFIX, adapt
from schemaguard.dialects.sqlite.render_objects import render_objects, table_suffixes
from schemaguard.model import ColumnType, Index, ObjectKind, Schema, Table, TypeKind
from schemaguard.normalize import SQLGLOT_FAILURES

_DECLARED: dict[TypeKind, str] = {
    TypeKind.TEXT: "TEXT",
    TypeKind.UUID: "TEXT",
    TypeKind.INTERVAL: "TEXT",
    TypeKind.ENUM: "TEXT",
    TypeKind.SMALLINT: "SMALLINT",
    TypeKind.INTEGER: "INTEGER",
    TypeKind.BIGINT: "BIGINT",
    TypeKind.FLOAT: "REAL",
    TypeKind.DOUBLE: "DOUBLE",
    TypeKind.BOOLEAN: "BOOLEAN",
    TypeKind.DATE: "DATE",
    TypeKind.TIME: "TIME",
    TypeKind.DATETIME: "DATETIME",
    TypeKind.JSON: "JSON",
    TypeKind.BYTES: "BLOB",
}
"""Declared SQLite type names per logical kind (the names Prisma's SQLite connector uses where it has one).
Declared names matter: they set the column affinity and ORMs read them back.
Source: https://www.sqlite.org/datatype3.html"""


def type_engine(ct: ColumnType) -> TypeEngine[Any]:
    """The declared SQLite type for a logical type (after adaptation there are no arrays or enums)."""
    if ct.is_array:
        return NativeType("TEXT")
    k = ct.kind
    if k is TypeKind.STRING:
        return NativeType(f"VARCHAR({ct.length})" if ct.length is not None else "TEXT")
    if k is TypeKind.CHAR:
        return NativeType(f"CHAR({ct.length})" if ct.length is not None else "CHAR")
    if k is TypeKind.DECIMAL:
        if ct.precision is None:
            return NativeType("NUMERIC")
        return NativeType(f"NUMERIC({ct.precision}, {ct.scale or 0})")
    if k is TypeKind.NATIVE:
        return NativeType(ct.native or "")
    if k is TypeKind.INTEGER:
        # SQLAlchemy's own INTEGER: only an Integer-typed key gets "PRIMARY KEY AUTOINCREMENT" from it.
        return sa.INTEGER()
    return NativeType(_DECLARED[k])


@lru_cache(maxsize=4096)
def expression(sql: str) -> str:
    """Transpile a PostgreSQL-syntax expression to SQLite (``'x'::text`` → ``CAST('x' AS TEXT)``...);
    text sqlglot cannot parse is kept as written."""
    try:
        out = sqlglot.transpile(sql, read="postgres", write="sqlite")
    except SQLGLOT_FAILURES:
        return sql
    return out[0] if len(out) == 1 else sql


def literal(value: Any, ct: ColumnType) -> str:
    """A DEFAULT literal (booleans as TRUE/FALSE, which SQLite stores as 1/0)."""
    return default_literal(value, ct)


def _expression_default(sql: str) -> str:
    # SQLite accepts only literals, CURRENT_* keywords or a parenthesised expression as DEFAULT.
    text = expression(sql)
    return text if text.upper() in ("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME") else f"({text})"


def index_kwargs(ix: Index, sp: DialectSpelling) -> dict[str, Any]:
    """sqlite_where for a partial index."""
    return {"sqlite_where": sa.text(expression(ix.where).replace(":", r"\:"))} if ix.where else {}


def table_kwargs(t: Table) -> dict[str, Any]:
    """``sqlite_autoincrement`` (``INTEGER PRIMARY KEY AUTOINCREMENT``) for a rowid alias that asks for it."""
    return {"sqlite_autoincrement": True} if any(c.strict_autoincrement for c in t.columns) else {}


SPELLING = DialectSpelling(
    name="sqlite",
    type_engine=type_engine,
    expression=expression,
    default_expression=_expression_default,
    literal=literal,
    fk_inline=True,
    index_kwargs=index_kwargs,
    table_kwargs=table_kwargs,
)


def column_collations(schema: Schema) -> dict[str, dict[str, str]]:
    """``{table: {column: collation}}`` from the (adapted) schema's COLLATION objects: SQLite built-in names only
    (``adapt`` leaves out the others), so they are written as bare keywords."""
    return {o.name: dict(o.attributes) for o in schema.objects if o.kind is ObjectKind.COLLATION}


def _collate(table: sa.Table, collations: dict[str, str], dialect: sa.Dialect) -> None:
    """Give the columns of ``table`` named in ``collations`` their ``COLLATE`` clause, a column constraint SQLite
    only takes inside CREATE TABLE (it cannot be added later). Source: https://www.sqlite.org/lang_createtable.html
    (column-constraint ``COLLATE collation-name``), https://www.sqlite.org/datatype3.html#collation"""
    for column, name in collations.items():
        if column in table.c and name in BUILTIN_COLLATIONS:
            col = table.c[column]
            col.type = NativeType(f"{col.type.compile(dialect=dialect)} COLLATE {name}".strip())


def _conflict_clauses(schema: Schema) -> dict[str, dict[str, str]]:
    """``{table: {"primary_key" | "not_null.<col>" | "unique.<col>,<col>": "REPLACE"}}`` from the table options."""
    out: dict[str, dict[str, str]] = {}
    for o in schema.objects:
        if o.kind is ObjectKind.TABLE_OPTIONS:
            for k, v in o.attributes:
                if k.startswith(CONFLICT_PREFIX) and isinstance(v, str):
                    out.setdefault(o.name, {})[k[len(CONFLICT_PREFIX) :]] = v.upper()
    return out


def _conflict_unique(t: Table, key: str) -> Index | None:
    """The unique constraint/index of ``t`` on exactly the columns of ``unique.<col>,<col>`` (SQLite names
    columns case-insensitively)."""
    cols = [c.lower() for c in key.split(",")]
    for ix in t.indexes:
        if ix.unique and ix.where is None and [p.column.lower() if p.column else None for p in ix.parts] == cols:
            return ix
    return None


def _add_conflicts(table: sa.Table, t: Table, clauses: dict[str, str]) -> set[str]:
    """Give ``table`` its constraints' ``ON CONFLICT`` clauses, which SQLite takes only in CREATE TABLE: NOT NULL
    and PRIMARY KEY ones on their constraint, a UNIQUE one as an inline ``UNIQUE (...) ON CONFLICT ...`` (a
    CREATE UNIQUE INDEX cannot carry one). Returns the names of the indexes now inline (not to be created again).
    Source: https://www.sqlite.org/lang_conflict.html, https://www.sqlite.org/lang_createtable.html"""
    inline: set[str] = set()
    for key, action in sorted(clauses.items()):
        if key == "primary_key":
            table.primary_key.dialect_options["sqlite"]["on_conflict"] = action
            for col in table.primary_key.columns:  # the inline form SQLAlchemy uses with AUTOINCREMENT
                col.dialect_options["sqlite"]["on_conflict_primary_key"] = action
        elif key.startswith("not_null.") and key[len("not_null.") :] in table.c:
            table.c[key[len("not_null.") :]].dialect_options["sqlite"]["on_conflict_not_null"] = action
        elif key.startswith("unique."):
            cols = key[len("unique.") :]
            ix = _conflict_unique(t, cols)
            names = [p.column for p in ix.parts if p.column] if ix is not None else cols.split(",")
            if all(n in table.c for n in names):
                table.append_constraint(sa.UniqueConstraint(*names, sqlite_on_conflict=action))
                if ix is not None:
                    inline.add(ix.name)
    return inline


def render_schema(schema: Schema) -> list[str]:
    """Complete DDL for ``schema`` on SQLite: tables (primary keys, checks and foreign keys inline — SQLite
    cannot add constraints later), then indexes (unique constraints as named unique indexes, so their names
    survive). Statements carry no trailing semicolon."""
    schema = adapt(schema)
    dialect = sqlite.dialect()
    md = sa.MetaData()
    tables = {t.name: build_table(t, md, SPELLING, with_fks=False) for t in schema.tables}
    for t in schema.tables:
        for c in t.columns:
            computed = tables[t.name].c[c.name].computed if c.generated_virtual else None
            if computed is not None:
                # ``GENERATED ALWAYS AS (...) VIRTUAL``: computed on read (https://www.sqlite.org/gencol.html).
                computed.persisted = False
    for name, collations in column_collations(schema).items():
        if name in tables:
            _collate(tables[name], collations, dialect)
    inline: set[tuple[str, str]] = set()
    for name, clauses in _conflict_clauses(schema).items():
        table = next((t for t in schema.tables if t.name == name), None)
        if table is not None:
            inline |= {(name, ix) for ix in _add_conflicts(tables[name], table, clauses)}
    for t in schema.tables:
        for fk in t.foreign_keys:
            build_foreign_key(fk, md, t.name)
    # Views, triggers and STRICT / WITHOUT ROWID: render_objects.py.
    suffixes = table_suffixes(schema)
    out = [
        compile_ddl(sa.schema.CreateTable(tables[t.name]), dialect) + suffixes.get(t.name, "") for t in schema.tables
    ]
    for t in schema.tables:
        for ix in t.indexes:
            if (t.name, ix.name) in inline:
                continue  # UNIQUE (...) ON CONFLICT ... inside CREATE TABLE
            out.append(compile_ddl(sa.schema.CreateIndex(build_index(ix, tables[t.name], SPELLING)), dialect))
    return out + render_objects(schema)
