"""A slow reference introspection built on SQLAlchemy's per-table ``Inspector`` (several queries per table),
and a canonical form both it and the bulk-query inspectors are compared in.

The reference maps SQLAlchemy's reflected types and constraints to the model. Where the two spell the same
thing differently (``NUMERIC(10, 2)`` vs ``numeric(10,2)``, ``'x'::text`` vs a literal), :func:`canonical`
compares through the dialect's ``type_key`` and :func:`schemaguard.normalize.default_key` /
``canonical_expression``, as the differ does.

Fields the reference cannot see, left out of the canonical form:

- index operator classes on SQLite (none exist) — on PostgreSQL SQLAlchemy reflects only non-default ones as
  ``postgresql_ops``, which is what the model keeps too, so they are compared;
- SQLite: the ``autoincrement`` flag and NOT NULL of a rowid alias are derived from the declared type and the
  primary key with the same rule the inspector uses (SQLAlchemy does not report rowid aliasing);
- SQLite index sort order: SQLAlchemy reads ``PRAGMA index_info``, which has none; the reference adds it from
  ``PRAGMA index_xinfo`` (still one query per index);
- SQLite unique constraints: SQLAlchemy names them as written (often None); the model names them by the
  ``{table}_{cols}_key`` convention, so they are compared by columns only.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from schemaguard.dialects.base import Dialect
from schemaguard.model import (
    Check,
    Column,
    ColumnType,
    Enum,
    ForeignKey,
    Index,
    IndexPart,
    PrimaryKey,
    ReferentialAction,
    Schema,
    Table,
    TypeKind,
)
from schemaguard.model.naming import unique_name
from schemaguard.normalize import canonical_expression, default_key, parse_default


def _sa_type(t: Any, dialect_name: str) -> ColumnType:
    """Map a reflected SQLAlchemy type to a ColumnType."""
    if isinstance(t, sa.ARRAY):
        return _replace_dims(_sa_type(t.item_type, dialect_name), 1)
    if isinstance(t, pg.ENUM) and dialect_name == "postgresql":
        return ColumnType(TypeKind.ENUM, enum_name=t.name)
    if isinstance(t, pg.JSONB):
        return ColumnType(TypeKind.JSON, binary=True)
    if isinstance(t, sa.JSON):
        return ColumnType(TypeKind.JSON, binary=False)
    if isinstance(t, pg.UUID | sa.Uuid):
        return ColumnType(TypeKind.UUID)
    if isinstance(t, pg.INTERVAL | sa.Interval):
        return ColumnType(TypeKind.INTERVAL)
    if isinstance(t, sa.CHAR | sa.NCHAR):
        return ColumnType(TypeKind.CHAR, length=t.length)
    if isinstance(t, sa.Text) and not isinstance(t, sa.VARCHAR):
        return ColumnType(TypeKind.TEXT)
    if isinstance(t, sa.String):
        return ColumnType(TypeKind.STRING, length=t.length)
    if isinstance(t, sa.SmallInteger):
        return ColumnType(TypeKind.SMALLINT)
    if isinstance(t, sa.BigInteger):
        return ColumnType(TypeKind.BIGINT)
    if isinstance(t, sa.Integer):
        return ColumnType(TypeKind.INTEGER)
    if isinstance(t, pg.DOUBLE_PRECISION | sa.Double):
        return ColumnType(TypeKind.DOUBLE)
    if isinstance(t, sa.REAL):
        return ColumnType(TypeKind.FLOAT)
    if isinstance(t, sa.Float):
        return ColumnType(TypeKind.DOUBLE)
    if isinstance(t, sa.Numeric):
        return ColumnType(TypeKind.DECIMAL, precision=t.precision, scale=t.scale)
    if isinstance(t, sa.Boolean):
        return ColumnType(TypeKind.BOOLEAN)
    if isinstance(t, sa.DateTime):
        return ColumnType(TypeKind.DATETIME, precision=getattr(t, "precision", None), timezone=bool(t.timezone))
    if isinstance(t, sa.Date):
        return ColumnType(TypeKind.DATE)
    if isinstance(t, sa.Time):
        return ColumnType(TypeKind.TIME, precision=getattr(t, "precision", None), timezone=bool(t.timezone))
    if isinstance(t, sa.LargeBinary):
        return ColumnType(TypeKind.BYTES)
    return ColumnType(TypeKind.NATIVE, native=str(t).lower())


def _replace_dims(ct: ColumnType, dims: int) -> ColumnType:
    from dataclasses import replace

    return replace(ct, array_dims=dims)


def _sqlite_desc(conn: sa.Connection, index: str) -> dict[str, tuple[str, ...]]:
    # SQLAlchemy's SQLite get_indexes reads PRAGMA index_info, which has no sort order; index_xinfo has it.
    quoted = '"' + index.replace('"', '""') + '"'
    rows = conn.exec_driver_sql(f"PRAGMA index_xinfo({quoted})").fetchall()
    return {r[2]: ("desc",) for r in rows if r[5] and r[3] and r[2] is not None}


def _action(value: str | None) -> ReferentialAction:
    return ReferentialAction(value.upper()) if value else ReferentialAction.NO_ACTION


def reference_inspect(conn: sa.Connection, dialect_name: str, namespace: str | None = None) -> Schema:
    """Introspect with SQLAlchemy's Inspector, table by table.

    Args:
        conn: an open connection.
        dialect_name: ``postgresql`` or ``sqlite``.
        namespace: PostgreSQL schema (default ``public``); None for SQLite.

    Returns:
        The Schema as the reference sees it (see the module docstring for what it cannot see).
    """
    insp = sa.inspect(conn)
    ns = namespace or ("public" if dialect_name == "postgresql" else None)
    tables = []
    for name in sorted(insp.get_table_names(schema=ns)):
        if dialect_name == "sqlite" and name.startswith("sqlite_"):
            continue
        pk_info = insp.get_pk_constraint(name, schema=ns)
        pk_cols = tuple(pk_info.get("constrained_columns") or ())
        columns = []
        for c in insp.get_columns(name, schema=ns):
            ctype = _sa_type(c["type"], dialect_name)
            default_sql = c.get("default")
            generated = c["computed"]["sqltext"] if c.get("computed") else None
            if dialect_name == "postgresql":
                auto = bool(c.get("identity")) or bool(default_sql and str(default_sql).startswith("nextval("))
            else:
                declared = str(c["type"]).upper()
                auto = pk_cols == (c["name"],) and declared == "INTEGER"
            default = None if auto or generated else parse_default(default_sql, dialect_name)
            columns.append(
                Column(
                    name=c["name"],
                    type=ctype,
                    nullable=bool(c["nullable"]) and not (auto and dialect_name == "sqlite"),
                    default=default,
                    autoincrement=auto,
                    generated=str(generated) if generated else None,
                    comment=c.get("comment"),
                )
            )
        pk = PrimaryKey(pk_cols, pk_info.get("name") if dialect_name == "postgresql" else None) if pk_cols else None
        indexes = []
        for ix in insp.get_indexes(name, schema=ns):
            opts = ix.get("dialect_options", {})
            sorting = ix.get("column_sorting", {}) or (
                _sqlite_desc(conn, str(ix["name"])) if dialect_name == "sqlite" else {}
            )
            ops = opts.get("postgresql_ops", {}) or {}
            exprs = ix.get("expressions") or []
            parts = []
            for k, col in enumerate(ix["column_names"]):
                key = col if col is not None else exprs[k]
                desc = "desc" in sorting.get(key, ())
                if col is not None:
                    parts.append(IndexPart(column=col, descending=desc, opclass=ops.get(col)))
                else:
                    parts.append(IndexPart(expression=exprs[k], descending=desc))
            method = opts.get("postgresql_using")
            indexes.append(
                Index(
                    name=str(ix["name"]),
                    parts=tuple(parts),
                    unique=bool(ix["unique"]),
                    where=opts.get("postgresql_where") or opts.get("sqlite_where"),
                    method=None if method in (None, "btree") else method,
                    constraint="duplicates_constraint" in ix,
                )
            )
        if dialect_name == "sqlite":
            for uq in insp.get_unique_constraints(name, schema=ns):
                cols = tuple(uq["column_names"])
                indexes.append(
                    Index(unique_name(name, cols), tuple(IndexPart(column=c) for c in cols), True, constraint=True)
                )
        fks = [
            ForeignKey(
                name=fk.get("name") if dialect_name == "postgresql" else None,
                columns=tuple(fk["constrained_columns"]),
                ref_table=fk["referred_table"],
                ref_columns=tuple(fk["referred_columns"]),
                on_delete=_action(fk.get("options", {}).get("ondelete")),
                on_update=_action(fk.get("options", {}).get("onupdate")),
            )
            for fk in insp.get_foreign_keys(name, schema=ns)
        ]
        checks = [Check(ck.get("name"), ck["sqltext"]) for ck in insp.get_check_constraints(name, schema=ns)]
        comment = insp.get_table_comment(name, schema=ns).get("text") if dialect_name == "postgresql" else None
        tables.append(Table(name, tuple(columns), pk, tuple(indexes), tuple(fks), tuple(checks), comment))
    enums: list[Enum] = []
    if dialect_name == "postgresql":
        enums = [Enum(e["name"], tuple(e["labels"])) for e in insp.get_enums(schema=ns) if e["visible"]]  # type: ignore[attr-defined]
    return Schema(tuple(tables), tuple(sorted(enums, key=lambda e: e.name)))


def canonical(schema: Schema, dialect: Dialect) -> dict[str, Hashable]:
    """A comparable form of ``schema`` as read back from a ``dialect`` database (spellings folded)."""
    sql = dialect.name
    named = dialect.named_constraints

    def expr(text: str | None) -> str | None:
        return canonical_expression(text, sql) if text else None

    out: dict[str, Hashable] = {"enums": tuple((e.name, e.values) for e in schema.enums)}
    for t in schema.tables:
        cols = tuple(
            (
                c.name,
                dialect.type_key(c.type),
                c.nullable,
                default_key(c.default, c.type, sql),
                c.autoincrement,
                expr(c.generated),
                c.comment,
            )
            for c in t.columns
        )
        pk = (t.primary_key.columns, t.primary_key.name if named else None) if t.primary_key else None
        ixs = frozenset(
            (
                ix.name if named or not ix.constraint else None,
                tuple((p.column, expr(p.expression), p.descending, p.opclass) for p in ix.parts),
                ix.unique,
                expr(ix.where),
                ix.method,
                ix.constraint,
            )
            for ix in t.indexes
        )
        fks = frozenset(
            (fk.name if named else None, fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete, fk.on_update)
            for fk in t.foreign_keys
        )
        checks = frozenset((ck.name, expr(ck.expression)) for ck in t.checks)
        out[t.name] = (cols, pk, ixs, fks, checks, t.comment)
    return out
