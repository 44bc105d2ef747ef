"""PostgreSQL rendering: model → ordered DDL (enum types, tables, indexes, foreign keys, comments).

Types and statements are compiled by SQLAlchemy's PostgreSQL dialect; this module only holds the data that
maps logical types to PostgreSQL types.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql.named_types import CreateEnumType
from sqlalchemy.types import TypeEngine

from schemaguard.dialects.postgresql.render_objects import partition_by, qualified, render_objects
from schemaguard.dialects.sqla import (
    DialectSpelling,
    NativeType,
    build_foreign_key,
    build_index,
    build_table,
    compile_ddl,
    default_literal,
    qname,
    sql_string,
)
from schemaguard.errors import SchemaError
from schemaguard.model import Check, ColumnType, Enum, Index, Schema, Table, TypeKind
from schemaguard.model.naming import split_key

_SCALARS: dict[TypeKind, Any] = {
    TypeKind.TEXT: sa.Text,
    TypeKind.SMALLINT: sa.SmallInteger,
    TypeKind.INTEGER: sa.Integer,
    TypeKind.BIGINT: sa.BigInteger,
    TypeKind.FLOAT: pg.REAL,
    TypeKind.DOUBLE: pg.DOUBLE_PRECISION,
    TypeKind.BOOLEAN: sa.Boolean,
    TypeKind.DATE: sa.Date,
    TypeKind.INTERVAL: pg.INTERVAL,
    TypeKind.UUID: pg.UUID,
    TypeKind.BYTES: pg.BYTEA,
}
"""Logical kinds with no parameters → PostgreSQL types.
Source: https://www.postgresql.org/docs/15/datatype.html"""


def type_engine(ct: ColumnType) -> TypeEngine[Any]:
    """The SQLAlchemy PostgreSQL type for a logical type (arrays keep their element type)."""
    base: TypeEngine[Any]
    k = ct.kind
    if k in _SCALARS:
        base = _SCALARS[k]()
    elif k is TypeKind.STRING:
        base = sa.String(ct.length)
    elif k is TypeKind.CHAR:
        base = sa.CHAR(ct.length)
    elif k is TypeKind.DECIMAL:
        base = sa.Numeric(ct.precision, ct.scale)
    elif k is TypeKind.DATETIME:
        base = pg.TIMESTAMP(timezone=ct.timezone, precision=ct.precision)
    elif k is TypeKind.TIME:
        base = pg.TIME(timezone=ct.timezone, precision=ct.precision)
    elif k is TypeKind.JSON:
        base = pg.JSONB() if ct.binary else pg.JSON()
    elif k is TypeKind.ENUM:
        base = pg.ENUM(create_type=False, **_enum_name(ct.enum_name or ""))
    elif k is TypeKind.NATIVE:
        base = NativeType(ct.native or "text")
    else:  # pragma: no cover - exhaustive over TypeKind
        raise AssertionError(f"unhandled type kind {k}")
    if ct.is_array:
        if k is TypeKind.NATIVE:
            return NativeType((ct.native or "text") + "[]" * ct.array_dims)
        return pg.ARRAY(base, dimensions=ct.array_dims if ct.array_dims > 1 else None)
    return base


def _pg_array_element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list):  # a sub-array: {{1,2},{3,4}}
        return "{" + ",".join(_pg_array_element(v) for v in value) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: Any, ct: ColumnType) -> str:
    """A DEFAULT literal; arrays use PostgreSQL's ``'{a,b}'`` text form cast to the column type."""
    if ct.is_array and isinstance(value, list):
        body = "{" + ",".join(_pg_array_element(v) for v in value) + "}"
        return sql_string(body)
    if ct.is_array and isinstance(value, str):
        return sql_string(value)
    return default_literal(value, ct)


def index_kwargs(ix: Index, sp: DialectSpelling) -> dict[str, Any]:
    """postgresql_where / postgresql_using for an Index (operator classes are written into the elements by
    ``sqla.build_index``)."""
    kw: dict[str, Any] = {}
    if ix.where:
        kw["postgresql_where"] = sa.text(ix.where.replace(":", r"\:"))
    if ix.method:
        kw["postgresql_using"] = ix.method
    if ix.include:
        kw["postgresql_include"] = [qname(c) for c in ix.include]
    if ix.nulls_not_distinct:
        kw["postgresql_nulls_not_distinct"] = True
    return kw


def default_expression(sql: str) -> str:
    """A DEFAULT expression, parenthesised unless it is a constant, a function call, a cast or already in
    parentheses: DEFAULT takes PostgreSQL's restricted ``b_expr``, which has no ``AT TIME ZONE``, ``AND``,
    ``IS``, ``LIKE``..., so ``DEFAULT CURRENT_TIMESTAMP AT TIME ZONE 'utc'`` is a syntax error.
    Source: https://www.postgresql.org/docs/15/sql-createtable.html (``DEFAULT default_expr``) and gram.y."""
    node = _parsed(sql)
    if node is None or isinstance(node, _B_EXPR_SAFE):
        return sql
    return f"({sql})"


@lru_cache(maxsize=4096)
def _parsed(sql: str) -> Any:
    import sqlglot

    from schemaguard.normalize import SQLGLOT_FAILURES

    try:
        return sqlglot.parse_one(sql, read="postgres")
    except SQLGLOT_FAILURES:
        return None


def _b_expr_safe() -> tuple[type, ...]:
    from sqlglot import exp

    return (
        exp.Paren,
        exp.Literal,
        exp.Func,
        exp.Column,
        exp.Cast,
        exp.Array,
        exp.Boolean,
        exp.Null,
        exp.Var,
        exp.BitString,
        exp.HexString,
    )
    # exp.Func covers function calls and CURRENT_TIMESTAMP-style keywords (sqlglot models them as functions).


_B_EXPR_SAFE = _b_expr_safe()

SPELLING = DialectSpelling(
    name="postgresql",
    type_engine=type_engine,
    expression=lambda sql: sql,
    default_expression=default_expression,
    literal=literal,
    fk_inline=False,
    index_kwargs=index_kwargs,
    qualified_names=True,
)
"""PostgreSQL spelling: expressions are already in PostgreSQL syntax."""


_BUILTIN_NAME = "enum {name!r} has the name of a built-in PostgreSQL type; rename the enum"


def render_enum(name: str, values: tuple[str, ...]) -> str:
    """``CREATE TYPE "Name" AS ENUM ('a', 'b')``.

    Raises:
        SchemaError: the name is that of a built-in type (SQLAlchemy refuses to render it unqualified).
    """
    try:
        return compile_ddl(CreateEnumType(pg.ENUM(*values, **_enum_name(name))), pg.dialect())
    except sa.exc.CompileError:
        raise SchemaError(_BUILTIN_NAME.format(name=name)) from None


def _enum_name(key: str) -> dict[str, Any]:
    """``name``/``schema`` keywords for an enum keyed ``name`` or ``schema.name`` (split at the first dot, as
    every model key outside the default namespace)."""
    ns, bare = split_key(key)
    return {"name": qname(bare), "schema": qname(ns)} if ns is not None else {"name": qname(key)}


def _enum_ddl(e: Enum) -> str:
    try:
        return render_enum(e.name, e.values)
    except SchemaError as err:
        loc = e.loc
        if loc is None:
            raise
        raise SchemaError(err.problem, loc.path, loc.line, loc.column) from None


def _valid_checks_only(t: Table) -> Table:
    """``t`` without its NOT VALID and NO INHERIT checks: CREATE TABLE cannot say NOT VALID, and SQLAlchemy has no
    NO INHERIT, so both are added by ALTER TABLE after the table (:func:`check_suffix`)."""
    if not any(ck.not_valid or ck.no_inherit for ck in t.checks):
        return t
    from dataclasses import replace

    return replace(t, checks=tuple(ck for ck in t.checks if not (ck.not_valid or ck.no_inherit)))


def check_suffix(ck: Check) -> str:
    """What follows ``CHECK (expr)`` in ``ALTER TABLE ... ADD CONSTRAINT``: `` NO INHERIT`` and/or `` NOT VALID``
    (``pg_get_constraintdef``'s order), or empty. Source: https://www.postgresql.org/docs/15/sql-altertable.html"""
    return (" NO INHERIT" if ck.no_inherit else "") + (" NOT VALID" if ck.not_valid else "")


def render_schema(schema: Schema) -> list[str]:
    """Complete DDL for ``schema`` on PostgreSQL, in dependency order: enum types, tables (with primary keys,
    unique constraints and checks), indexes, foreign keys and NOT VALID checks (``ALTER TABLE ... ADD CONSTRAINT
    ... NOT VALID``: https://www.postgresql.org/docs/15/sql-altertable.html), comments. Statements carry no
    trailing semicolon."""
    if schema.implicit_m2m:
        from dataclasses import replace

        from schemaguard.prisma.conventions import implicit_m2m_table

        # Prisma's PostgreSQL key for an implicit many-to-many table (a SQLite-provider master has SQLite's).
        m2m = set(schema.implicit_m2m)
        keyed = tuple(implicit_m2m_table(t, "postgresql") if t.name in m2m else t for t in schema.tables)
        schema = replace(schema, tables=keyed)
    dialect = pg.dialect()
    md = sa.MetaData()
    # Objects beyond tables and enums (views, functions, triggers...): render_objects.py, around the tables.
    objects_before, objects_after = render_objects(schema, [_enum_ddl(e) for e in schema.enums])
    partitioned = partition_by(schema)
    out = objects_before
    # NOT VALID checks are added after CREATE TABLE: only ALTER TABLE ... ADD CONSTRAINT can say NOT VALID.
    tables = {t.name: build_table(_valid_checks_only(t), md, SPELLING, with_fks=False) for t in schema.tables}
    out += [
        compile_ddl(sa.schema.CreateTable(tables[t.name]), dialect)
        + (f" PARTITION BY {partitioned[t.name]}" if t.name in partitioned else "")
        for t in schema.tables
    ]
    for t in schema.tables:
        for ix in t.indexes:
            if ix.constraint and ix.unique and not ix.where and not ix.method and all(p.column for p in ix.parts):
                continue  # rendered as a UNIQUE constraint inside CREATE TABLE
            out.append(compile_ddl(sa.schema.CreateIndex(build_index(ix, tables[t.name], SPELLING)), dialect))
    for t in schema.tables:
        for fk in t.foreign_keys:
            ddl = compile_ddl(sa.schema.AddConstraint(build_foreign_key(fk, md, t.name)), dialect)
            out.append(ddl + (" NOT VALID" if fk.not_valid else ""))
        for ck in t.checks:
            if ck.not_valid or ck.no_inherit:
                constraint = sa.CheckConstraint(
                    sa.text(ck.expression.replace(":", r"\:")), name=qname(ck.name) if ck.name else None
                )
                tables[t.name].append_constraint(constraint)
                out.append(compile_ddl(sa.schema.AddConstraint(constraint), dialect) + check_suffix(ck))
    for t in schema.tables:
        table = tables[t.name]
        if t.comment:
            out.append(compile_ddl(sa.schema.SetTableComment(table), dialect))
        for c in t.columns:
            if c.comment:
                out.append(compile_ddl(sa.schema.SetColumnComment(table.c[c.name]), dialect))
    for e in schema.enums:
        if e.comment:
            # A key in another schema (sales.stage) is two identifiers, as CREATE TYPE names it.
            out.append(f"COMMENT ON TYPE {qualified(e.name)} IS {sql_string(e.comment)}")
    return out + objects_after
