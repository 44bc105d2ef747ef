"""Build SQLAlchemy Core objects (MetaData, Table, Index, constraints) from the model.

Shared machinery for every dialect's ``render.py`` and ``migrate.py``: DDL is compiled by SQLAlchemy's
dialect compilers (identifier quoting, type spelling, constraint syntax), never pasted from strings. What
differs per dialect arrives as data: a type-mapping function and a function that spells SQL expressions for
the dialect (``DialectSpelling``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import quoted_name
from sqlalchemy.types import TypeEngine, UserDefinedType

from schemaguard.errors import SchemaError
from schemaguard.model import Column, ColumnType, Default, DefaultKind, ForeignKey, Index, Schema, Table, TypeKind
from schemaguard.model.naming import split_key


class NativeType(UserDefinedType[Any]):
    """A type rendered verbatim (``tsvector``, a domain, a declared SQLite type the model has no family for)."""

    cache_ok = True

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def get_col_spec(self, **kw: Any) -> str:
        return self.spec


@dataclass(frozen=True)
class DialectSpelling:
    """How a dialect spells what the model holds as data.

    Attributes:
        name: dialect name (``sqlite``/``postgresql``).
        type_engine: ColumnType → SQLAlchemy type.
        expression: SQL expression text written in PostgreSQL syntax → the dialect's spelling.
        default_expression: the same, for a DEFAULT clause (SQLite wants it parenthesised).
        literal: (value, ColumnType) → SQL literal text for a DEFAULT clause.
        fk_inline: foreign keys go inside CREATE TABLE (SQLite) rather than ALTER TABLE afterwards.
        index_kwargs: Index → dialect-specific SQLAlchemy Index keyword arguments (where, using, ops).
        table_kwargs: Table → dialect-specific SQLAlchemy Table keyword arguments (``sqlite_autoincrement``).
    """

    name: str
    type_engine: Callable[[ColumnType], TypeEngine[Any]]
    expression: Callable[[str], str]
    default_expression: Callable[[str], str]
    literal: Callable[[Any, ColumnType], str]
    fk_inline: bool
    index_kwargs: Callable[[Index, DialectSpelling], dict[str, Any]]
    table_kwargs: Callable[[Table], dict[str, Any]] | None = None
    qualified_names: bool = False
    """A table name ``schema.name`` is a table in another schema (PostgreSQL namespaces), not a dotted name."""


def qname(name: str) -> quoted_name:
    """An identifier SQLAlchemy always quotes (names are case-sensitive and may hold any character)."""
    return quoted_name(name, quote=True)


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier (quotes doubled): names may hold any character, so they are always quoted.
    Both dialects use the SQL standard's spelling."""
    return '"' + name.replace('"', '""') + '"'


def sql_string(value: str) -> str:
    """A single-quoted SQL string literal (quotes doubled; backslashes are literal in standard SQL)."""
    return "'" + value.replace("'", "''") + "'"


def default_literal(value: Any, ctype: ColumnType) -> str:
    """Portable literal text for a DEFAULT (booleans as TRUE/FALSE, JSON values as JSON text)."""
    if ctype.kind is TypeKind.JSON and not isinstance(value, str):
        return sql_string(json.dumps(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return sql_string(json.dumps(value))
    return sql_string(str(value))


def server_default(d: Default | None, ctype: ColumnType, sp: DialectSpelling) -> sa.TextClause | None:
    """The DEFAULT clause body for a column, or None."""
    if d is None:
        return None
    if d.kind is DefaultKind.EXPRESSION:
        return sa.text(sp.default_expression(str(d.value)).replace(":", r"\:"))
    return sa.text(sp.literal(d.value, ctype).replace(":", r"\:"))


def build_column(c: Column, in_pk: bool, single_int_pk: bool, sp: DialectSpelling) -> sa.Column[Any]:
    """A SQLAlchemy Column for a model Column (autoincrement → SERIAL/rowid for a lone integer PK, else IDENTITY)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {"autoincrement": bool(c.autoincrement and single_int_pk)}
    if c.generated:
        args.append(sa.Computed(sa.text(sp.expression(c.generated).replace(":", r"\:")), persisted=True))
    elif c.identity and c.autoincrement:
        # GENERATED ALWAYS / BY DEFAULT AS IDENTITY as declared (a serial would lose ALWAYS).
        args.append(sa.Identity(always=c.identity == "always"))
        kwargs.pop("autoincrement")
    elif c.autoincrement and not single_int_pk:
        args.append(sa.Identity(always=False))
        kwargs.pop("autoincrement")  # an Identity column must not also say autoincrement=False
    return sa.Column(
        qname(c.name),
        sp.type_engine(c.type),
        *args,
        nullable=c.nullable,
        server_default=None if c.generated or c.autoincrement else server_default(c.default, c.type, sp),
        comment=c.comment,
        **kwargs,
    )


def build_table(t: Table, md: sa.MetaData, sp: DialectSpelling, with_fks: bool) -> sa.Table:
    """A SQLAlchemy Table with columns, primary key, checks and unique constraints.

    Foreign keys are added here only when ``with_fks`` (they need their target tables in ``md``); indexes are
    built separately by :func:`build_indexes`.
    """
    pk_cols = t.primary_key.columns if t.primary_key else ()
    int_kinds = (TypeKind.SMALLINT, TypeKind.INTEGER, TypeKind.BIGINT)
    cols = []
    seen: set[str] = set()
    for c in t.columns:
        # Guard for loaders that do not validate: SQLAlchemy would raise its own non-schemaguard error here.
        if not c.name or not t.name or c.name in seen:
            problem = f"table {t.name!r}: " + (
                f"column {c.name!r} is defined twice" if c.name in seen else "empty name"
            )
            loc = c.loc or t.loc
            raise SchemaError(
                problem, loc.path if loc else None, loc.line if loc else None, loc.column if loc else None
            )
        seen.add(c.name)
        single_int_pk = pk_cols == (c.name,) and c.type.kind in int_kinds and not c.type.is_array
        cols.append(build_column(c, c.name in pk_cols, single_int_pk, sp))
    items: list[Any] = list(cols)
    if t.primary_key is not None:
        items.append(
            sa.PrimaryKeyConstraint(
                *[qname(n) for n in pk_cols], name=qname(t.primary_key.name) if t.primary_key.name else None
            )
        )
    for ck in t.checks:
        items.append(
            sa.CheckConstraint(
                sa.text(sp.expression(ck.expression).replace(":", r"\:")), name=qname(ck.name) if ck.name else None
            )
        )
    if not sp.fk_inline:
        for ix in t.indexes:
            if ix.constraint and ix.unique and not ix.where and not ix.method and all(p.column for p in ix.parts):
                items.append(
                    sa.UniqueConstraint(
                        *[qname(p.column or "") for p in ix.parts],
                        name=qname(ix.name),
                        deferrable=True if ix.deferrable else None,
                        initially="DEFERRED" if ix.initially_deferred else None,
                        **unique_kwargs(ix),
                    )
                )
    # A table outside the default namespace is keyed "schema.name" in the model (PostgreSQL; model/objects.py);
    # MetaData keys it the same way, so lookups by the model's name still work.
    ns, bare = split_key(t.name)
    name, schema = (qname(bare), qname(ns)) if ns is not None and sp.qualified_names else (qname(t.name), None)
    md.info["qualified_names"] = sp.qualified_names  # for a foreign key to a table md does not hold
    kwargs = sp.table_kwargs(t) if sp.table_kwargs else {}
    table = sa.Table(name, md, *items, schema=schema, comment=t.comment, **kwargs)
    return table


def unique_kwargs(ix: Index, table: sa.Table | None = None) -> dict[str, Any]:
    """SQLAlchemy's PostgreSQL keywords for a unique constraint's ``INCLUDE (...)`` and ``NULLS NOT DISTINCT``
    (empty when it has neither; another dialect's adapt() has dropped both already). With ``table`` the included
    columns are its Column objects (Alembic rebuilds a constraint on a stub table holding only its key columns).
    Source: https://www.postgresql.org/docs/15/sql-createtable.html (``UNIQUE [ NULLS [ NOT ] DISTINCT ]``)."""
    kw: dict[str, Any] = {}
    if ix.include:
        kw["postgresql_include"] = [table.c[c] if table is not None else qname(c) for c in ix.include]
    if ix.nulls_not_distinct:
        kw["postgresql_nulls_not_distinct"] = True
    return kw


def _md_key(md: sa.MetaData, key: str) -> str:
    """The key under which ``md.tables`` holds the table keyed ``key`` in the model: SQLAlchemy joins schema and
    name with a dot (``my.s.t`` for schema "my.s", table t), the model quotes a dotted schema (``"my.s".t``)."""
    ns, bare = split_key(key)
    return f"{ns}.{bare}" if ns is not None and md.info.get("qualified_names") else key


def build_foreign_key(fk: ForeignKey, md: sa.MetaData, table: str) -> sa.ForeignKeyConstraint:
    """A ForeignKeyConstraint attached to ``md.tables[table]``; referenced columns are Column objects, so names
    holding dots or quotes are never parsed."""
    src = md.tables[_md_key(md, table)]
    ref = md.tables.get(_md_key(md, fk.ref_table))
    if ref is None:
        ns, bare = split_key(fk.ref_table)
        # A table of another schema (auth.users from a master of public only) is schema-qualified where the
        # dialect qualifies names (PostgreSQL); on SQLite the key is the whole name.
        qualified = ns is not None and bool(
            md.info.get("qualified_names", src.schema is not None or any(t.schema for t in md.tables.values()))
        )
        name, schema = (qname(bare), qname(ns)) if qualified and ns is not None else (qname(fk.ref_table), None)
        ref = sa.Table(name, md, *[sa.Column(qname(c), sa.Integer) for c in fk.ref_columns], schema=schema)
    refcols = [ref.c[c] for c in fk.ref_columns]
    action = {"NO ACTION": None}
    fkc = sa.ForeignKeyConstraint(
        [src.c[c] for c in fk.columns],
        refcols,
        name=qname(fk.name) if fk.name else None,
        ondelete=action.get(fk.on_delete.value, fk.on_delete.value),
        onupdate=action.get(fk.on_update.value, fk.on_update.value),
        deferrable=True if fk.deferrable else None,
        initially="DEFERRED" if fk.initially_deferred else None,
    )
    src.append_constraint(fkc)
    return fkc


def build_index(ix: Index, table: sa.Table, sp: DialectSpelling) -> sa.Index:
    """A SQLAlchemy Index on ``table`` (expressions as text, DESC, partial predicate, access method)."""
    elements: list[Any] = []
    for p in ix.parts:
        el: Any
        if p.column is not None:
            el = table.c[p.column]
        else:
            # Parenthesised: PostgreSQL needs (expr) for anything but a bare function call.
            el = sa.literal_column("(" + sp.expression(p.expression or "") + ")")
        if p.opclass:
            # "element opclass [DESC]": SQLAlchemy's postgresql_ops would put the class after DESC and cannot
            # name one for an expression element.
            text = quote_ident(p.column) if p.column is not None else str(el)
            el = sa.literal_column(f"{text} {opclass_sql(p.opclass)}")
        if p.descending:
            el = el.desc()
        elements.append(el)
    return sa.Index(qname(ix.name), *elements, unique=ix.unique, _table=table, **sp.index_kwargs(ix, sp))


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?")


def opclass_sql(name: str) -> str:
    """An operator class name for an index element: a plain (optionally schema-qualified) name as written, so
    PostgreSQL folds it as it would folded its own name; anything else quoted part by part (names are data)."""
    if _PLAIN_NAME.fullmatch(name):
        return name
    return ".".join(quote_ident(part) for part in name.split("."))


def build_metadata(schema: Schema, sp: DialectSpelling) -> sa.MetaData:
    """A MetaData with every table of ``schema`` (foreign keys included)."""
    md = sa.MetaData()
    for t in schema.tables:
        build_table(t, md, sp, with_fks=False)
    for t in schema.tables:
        for fk in t.foreign_keys:
            build_foreign_key(fk, md, t.name)
    return md


def compile_ddl(element: Any, dialect: sa.Dialect) -> str:
    """Compile a DDL element for ``dialect`` into one statement without a trailing semicolon.

    DDL carries no bind parameters, so it is compiled for the ``named`` paramstyle: with the drivers'
    ``format``/``pyformat`` styles SQLAlchemy doubles every ``%`` (``LIKE 'admin%'`` → ``'admin%%'``), which is
    only right for text that goes back through the driver's parameter substitution. The statement is the SQL
    itself, as shown by ``diff --sql`` and executed with no parameters."""
    return str(element.compile(dialect=_no_percent_doubling(dialect))).strip().rstrip(";")


def execute_ddl(conn: sa.Connection, statement: str) -> None:
    """Execute one generated DDL statement exactly as written (``LIKE 'admin%'`` stays ``'admin%'``).

    ``Connection.exec_driver_sql`` hands the driver an empty parameter list, so a ``format``/``pyformat`` driver
    (psycopg) reads every ``%`` as a placeholder; for those the ``%`` is escaped, which the driver undoes. Never
    use ``text()`` for DDL: it also reads ``:name`` as a bind parameter."""
    if conn.dialect.paramstyle in ("format", "pyformat"):
        statement = statement.replace("%", "%%")
    conn.exec_driver_sql(statement)


_NAMED: dict[type[Any], sa.Dialect] = {}


def _no_percent_doubling(dialect: sa.Dialect) -> sa.Dialect:
    cls: Any = type(dialect)
    named = _NAMED.get(cls)
    if named is None:
        named = _NAMED[cls] = cls(paramstyle="named")
    return named
