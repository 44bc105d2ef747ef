"""SQLite comparison hooks: type families by affinity, and adaptation of a master to what SQLite can store.

Source for affinity: https://www.sqlite.org/datatype3.html#determination_of_column_affinity
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Hashable
from dataclasses import replace
from functools import lru_cache

from schemaguard.model import (
    Check,
    Column,
    ColumnType,
    DbObject,
    Default,
    DefaultKind,
    Index,
    IndexPart,
    NotCompared,
    ObjectKind,
    Schema,
    Table,
    TypeKind,
)
from schemaguard.model.naming import check_name
from schemaguard.model.objects import make_object
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

_probe_lock = threading.Lock()
_probe: tuple[int, sqlite3.Connection] | None = None


@lru_cache(maxsize=4096)
def _evaluates(sql: str) -> bool:
    global _probe
    with _probe_lock:
        if _probe is None or _probe[0] != os.getpid():  # a connection never crosses a fork (parallel workers)
            _probe = (os.getpid(), sqlite3.connect(":memory:", check_same_thread=False))
        cur = _probe[1].cursor()
        try:
            # One statement per execute() (sqlite3 refuses more), in a private in-memory database: the text is
            # only ever a column default there, and the table is dropped at once.
            cur.execute(f"CREATE TEMP TABLE _probe (x DEFAULT ({sql}))")
            try:
                cur.execute("INSERT INTO _probe DEFAULT VALUES")
            finally:
                cur.execute("DROP TABLE _probe")
        except (sqlite3.Error, sqlite3.Warning, ValueError, OverflowError):
            return False
        return True


def sqlite_evaluates(sql: str) -> bool:
    """True when SQLite can evaluate ``sql`` as a column default (``DEFAULT (sql)``), read either as written or
    transpiled from PostgreSQL syntax.

    SQLite accepts any constant expression in parentheses as a default, function calls included
    (https://www.sqlite.org/lang_createtable.html, "DEFAULT (expr)"): ``datetime('now')``, ``strftime('%s',
    'now')``, ``abs(-3)``. It is tried in a throwaway in-memory database (unknown functions such as
    ``gen_random_uuid()`` or ``nextval(...)`` fail on the first insert). Results are cached.
    """
    from schemaguard.dialects.sqlite.render import expression

    text = sql.strip()
    if not text:
        return False
    return _evaluates(text) or _evaluates(expression(text))


def _sqlite_default(default: Default | None) -> bool:
    return (
        default is None
        or default.kind is not DefaultKind.EXPRESSION
        or str(default.value).upper() in _PORTABLE_EXPRESSIONS
        or sqlite_evaluates(str(default.value))
    )


BUILTIN_COLLATIONS = frozenset(("BINARY", "NOCASE", "RTRIM"))
"""The collating sequences every SQLite has; others are registered by an application at run time
(``sqlite3_create_collation``), and a CREATE TABLE naming an unknown one fails. ``BINARY`` is the default.
Source: https://www.sqlite.org/datatype3.html#collating_sequences"""


def _collations(o: DbObject) -> tuple[DbObject | None, list[str]]:
    """A COLLATION object as SQLite stores it: names upper-cased (SQLite matches them without regard to case),
    ``BINARY`` (the default) left out, names SQLite does not have built in (PostgreSQL's ``"C"``, ``en_US``, an
    application's own) left out and returned as ``table.column`` for the coverage report. None when none is left."""
    kept: dict[str, str] = {}
    dropped: list[str] = []
    for column, name in o.attributes:
        upper = name.upper()
        if upper not in BUILTIN_COLLATIONS:
            dropped.append(f"{o.name}.{column}")
        elif upper != "BINARY":
            kept[column] = upper
    if tuple(sorted(kept.items())) == o.attributes:
        return o, dropped
    return (make_object(ObjectKind.COLLATION, o.name, None, kept, comment=o.comment) if kept else None), dropped


def not_stored(schema: Schema) -> Schema:
    """``schema`` with a ``not_compared`` entry for each column default :func:`adapt` drops (an expression SQLite
    cannot evaluate, such as PostgreSQL's ``gen_random_uuid()``) and each column collation it drops (one SQLite
    has not built in), each PostgreSQL table option (``fillfactor``, ``unlogged``...: not in :data:`TABLE_OPTIONS`)
    and each default on a rowid or generated column, so a report says it was not compared.
    Names are ``table.column`` / ``table.option``; the same schema when nothing is dropped."""
    collations = sorted(name for o in schema.objects if o.kind is ObjectKind.COLLATION for name in _collations(o)[1])
    if collations:
        entry = NotCompared("column collation", "not built into SQLite (BINARY, NOCASE, RTRIM)", tuple(collations))
        schema = replace(schema, not_compared=(*schema.not_compared, entry))
    options = sorted(
        f"{o.name}.{k}" for o in schema.objects if o.kind is ObjectKind.TABLE_OPTIONS for k in _foreign_options(o)
    )
    if options:
        entry = NotCompared("table option", "a PostgreSQL storage option: SQLite has none", tuple(options))
        schema = replace(schema, not_compared=(*schema.not_compared, entry))
    names = sorted(
        f"{t.name}.{c.name}"
        for t in schema.tables
        for c in t.columns
        if not _sqlite_default(c.default)
        or (c.type.is_array and c.default is not None and c.default.kind is DefaultKind.EXPRESSION)
    )
    if names:
        entry = NotCompared("column default", "SQLite cannot evaluate it: dropped on SQLite", tuple(names))
        schema = replace(schema, not_compared=(*schema.not_compared, entry))
    return _not_held_defaults(schema, set(names))


def _not_held_defaults(schema: Schema, listed: set[str]) -> Schema:
    """A ``not_compared`` entry for each default :func:`adapt` or the DDL leaves out because of the column's
    role: the rowid alias (``INTEGER PRIMARY KEY``: the rowid supplies the value) or a generated column
    (https://www.sqlite.org/gencol.html: a generated column may not have a default). Only when such a
    suspect column exists is the schema adapted, so a master without one costs one pass over its columns."""
    suspects = {
        f"{t.name}.{c.name}"
        for t in schema.tables
        for c in t.columns
        if c.default is not None and (c.generated or (t.primary_key is not None and t.primary_key.columns == (c.name,)))
    } - listed
    if not suspects:
        return schema
    held = {f"{t.name}.{c.name}": c for t in adapt(schema).tables for c in t.columns}
    names = tuple(
        sorted(
            n
            for n in suspects
            if (c := held.get(n)) is not None and (c.default is None or c.generated or c.autoincrement)
        )
    )
    if not names:
        return schema
    entry = NotCompared("column default", "SQLite holds no default on a rowid or generated column: not rendered", names)
    return replace(schema, not_compared=(*schema.not_compared, entry))


def _adapt_column(t: Table, c: Column, schema: Schema, checks: list[Check]) -> Column:
    if c.identity is not None:
        c = replace(c, identity=None)  # PostgreSQL identity: SQLite's rowid has no ALWAYS/BY DEFAULT
    ct = c.type
    default = c.default
    if ct.is_array:
        # Arrays are stored as JSON text (what Prisma does for lists on SQLite: a String holding JSON).
        return replace(c, type=ColumnType(TypeKind.TEXT), default=_array_default(default), autoincrement=False)
    if not _sqlite_default(default):
        # PostgreSQL functions (gen_random_uuid(), nextval...) SQLite cannot evaluate: the app supplies values.
        # Expressions SQLite evaluates (datetime('now'), abs(-3)) are native defaults there and stay.
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
    - expression defaults SQLite cannot evaluate (PostgreSQL functions such as ``gen_random_uuid()``) are
      dropped (:func:`not_stored` lists them for the coverage report); those it evaluates stay;
    - index access methods and operator classes (GIN, GiST, ``gin_trgm_ops``) are dropped: a plain index stays;
      so is ``DEFERRABLE`` on a unique constraint (SQLite checks uniqueness per statement; only foreign keys
      can be deferred there), and PostgreSQL's ``INCLUDE (...)`` and ``NULLS NOT DISTINCT`` (SQLite has neither:
      https://www.sqlite.org/lang_createindex.html; NULLs are always distinct in a unique index there);
    - a PostgreSQL identity column's ``GENERATED ALWAYS``/``BY DEFAULT`` is dropped (it stays autoincrement);
    - an autoincrement single-column integer primary key becomes ``INTEGER`` (the rowid alias), and every
      ``INTEGER`` single-column primary key that is NOT NULL is autoincrement, as SQLite makes it (a nullable
      one, SQLite's legacy ``INT PRIMARY KEY`` without NOT NULL, is no rowid alias and is declared ``INT``);
      ``strict_autoincrement`` (the ``AUTOINCREMENT`` keyword) stays only on such a column that asked for autoincrement. With
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
        # NO INHERIT (PostgreSQL's inheritance) means nothing without inheritance: a plain check here.
        checks: list[Check] = [replace(ck, no_inherit=False) if ck.no_inherit else ck for ck in t.checks]
        cols = [_adapt_column(t, c, schema, checks) for c in t.columns]
        pk = t.primary_key
        for i, c in enumerate(cols):
            single_pk = pk is not None and pk.columns == (c.name,)
            integer = c.type.kind in (TypeKind.SMALLINT, TypeKind.INTEGER, TypeKind.BIGINT) and not c.type.is_array
            wide = c.type.kind is not TypeKind.INTEGER
            if single_pk and integer and c.autoincrement and wide and not schema.wide_rowid:
                # Prisma: BigInt @id @default(autoincrement()) is a plain BIGINT PRIMARY KEY, NOT NULL.
                cols[i] = replace(c, autoincrement=False, strict_autoincrement=False, nullable=False, default=None)
            elif single_pk and integer and c.nullable and not c.autoincrement:
                # A key that may hold NULL is not a rowid alias (one never is NULL): declared INT, not INTEGER,
                # so SQLite does not make it one (lang_createtable.html#rowid: only the exact type INTEGER).
                if c.type.kind is TypeKind.INTEGER:
                    cols[i] = replace(c, type=ColumnType(TypeKind.NATIVE, native="INT"))
            elif single_pk and integer and (c.autoincrement or c.type.kind is TypeKind.INTEGER):
                # AUTOINCREMENT is only what the column asked for: a bare INTEGER PRIMARY KEY is a rowid alias
                # that may reuse rowids.
                strict = c.strict_autoincrement and c.autoincrement
                if not schema.wide_rowid and c.type.kind is TypeKind.INTEGER and c.default is None:
                    # Prisma's SQLite DDL: every single-column Int id is INTEGER PRIMARY KEY AUTOINCREMENT, with or
                    # without @default(autoincrement()) (schema engine 7.10; tests/prisma/fixtures/h9/).
                    strict = True
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
                include=(),
                nulls_not_distinct=False,
            )
            if (ix.method or ix.deferrable or ix.include or ix.nulls_not_distinct or any(p.opclass for p in ix.parts))
            else ix
            for ix in t.indexes
        ]
        new_cols, new_checks, new_indexes = tuple(cols), tuple(checks), tuple(_dedupe(indexes, t.indexes))
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
    objects = schema.objects
    if any(o.kind is ObjectKind.COLLATION for o in objects):
        adapted = [_collations(o)[0] if o.kind is ObjectKind.COLLATION else o for o in objects]
        objects = tuple(o for o in adapted if o is not None)
    if any(o.kind is ObjectKind.TABLE_OPTIONS and _foreign_options(o) for o in objects):
        # PostgreSQL storage options (fillfactor, unlogged, replica identity...): SQLite has none.
        kept = [_sqlite_options(o) if o.kind is ObjectKind.TABLE_OPTIONS else o for o in objects]
        objects = tuple(o for o in kept if o is not None)
    return replace(schema, tables=tuple(tables), enums=(), objects=objects)


TABLE_OPTIONS = frozenset(("strict", "without_rowid"))
"""The table options SQLite has (https://www.sqlite.org/stricttables.html, withoutrowid.html); a master's other
options are PostgreSQL's storage options, dropped here and listed by :func:`not_stored`."""


CONFLICT_PREFIX = "on_conflict."
"""Table-option keys of the constraints' conflict clauses (``on_conflict.primary_key``,
``on_conflict.not_null.<column>``, ``on_conflict.unique.<col>,<col>``: https://www.sqlite.org/lang_conflict.html),
SQLite's own as well; read by ``inspect.scan_conflicts``, rendered in CREATE TABLE by ``render.py``."""


def is_sqlite_option(key: str) -> bool:
    """True for a table-option key SQLite has: :data:`TABLE_OPTIONS` or a conflict clause (:data:`CONFLICT_PREFIX`)."""
    return key in TABLE_OPTIONS or key.startswith(CONFLICT_PREFIX)


def _foreign_options(o: DbObject) -> list[str]:
    return [k for k, _ in o.attributes if not is_sqlite_option(k)]


def _sqlite_options(o: DbObject) -> DbObject | None:
    if not _foreign_options(o):
        return o
    kept = tuple((k, v) for k, v in o.attributes if is_sqlite_option(k))
    return replace(o, attributes=kept) if kept else None


def _dedupe(indexes: list[Index], original: tuple[Index, ...]) -> list[Index]:
    """``indexes`` (adapted, in the order of ``original``) less those that became a copy of another only because
    adapting dropped what told them apart (a GIN and a btree on one column): of those the first is kept.

    Indexes that were already alike in the master stay, each under its name: SQLite keeps two named indexes on
    the same columns as two objects (``DROP INDEX name``, ``INDEXED BY name``:
    https://www.sqlite.org/lang_createindex.html, https://www.sqlite.org/lang_indexedby.html), so dropping one
    would render a lossy schema and hide a missing index from the diff.
    """
    seen: set[tuple[tuple[IndexPart, ...], bool, str | None]] = {
        (ix.parts, ix.unique, ix.where) for ix, orig in zip(indexes, original, strict=True) if ix is orig
    }
    out = []
    for ix, orig in zip(indexes, original, strict=True):
        key = (ix.parts, ix.unique, ix.where)
        if ix is not orig:
            if key in seen:
                continue
            seen.add(key)
        out.append(ix)
    return out
