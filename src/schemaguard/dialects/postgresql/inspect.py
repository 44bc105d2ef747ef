"""PostgreSQL introspection: the user schemas (namespaces) of a live database → :class:`~schemaguard.model.Schema`.

The selected namespaces are read with a fixed number of bulk ``pg_catalog`` queries (namespaces, tables,
columns, constraints, index parts, enums, then one per other object type in :mod:`.inspect_objects`) whatever
the number of tables, and the rows are assembled in Python keyed by table oid. Only SELECTs are issued, so a READ ONLY session is enough; nothing is created, not even temp objects.

Source: https://www.postgresql.org/docs/15/catalogs.html and
https://www.postgresql.org/docs/15/functions-info.html (``format_type``, ``pg_get_expr``, ``pg_get_indexdef``,
``pg_get_constraintdef``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from schemaguard.db import mask
from schemaguard.errors import InspectError
from schemaguard.model import (
    Check,
    Column,
    ColumnType,
    DbObject,
    Default,
    Enum,
    ForeignKey,
    Index,
    IndexPart,
    NotCompared,
    ObjectKind,
    PrimaryKey,
    ReferentialAction,
    Schema,
    Table,
    TypeKind,
    make_object,
)
from schemaguard.model.naming import qualify, split_key

# --- catalog queries -----------------------------------------------------------------------------------------
# Every query takes the inspected namespaces' oids as :nsoids and returns rows for all of them at once.

# Every schema but the system ones (pg_*, information_schema), with its comment and whether an extension owns it.
# Source: https://www.postgresql.org/docs/15/catalog-pg-namespace.html
ALL_NAMESPACES_SQL = """
SELECT n.oid, n.nspname, d.description AS comment,
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
               WHERE e.classid = 'pg_catalog.pg_namespace'::regclass AND e.objid = n.oid AND e.deptype = 'e')
         AS extension_owned
FROM pg_catalog.pg_namespace n
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::regclass
WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
ORDER BY n.nspname
"""

# Tables (ordinary and partitioned parents; partitions are reported as partition objects) of the namespaces with
# their comment; tables an extension creates (PostGIS's spatial_ref_sys) belong to the extension.
TABLES_SQL = """
SELECT c.oid, c.relname, d.description AS comment, n.nspname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY(CAST(:nsoids AS oid[])) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
"""

# Live columns of those tables: names, flags, type oid + typmod (resolved once per distinct pair by TYPES_SQL),
# default, serial ownership, comment. pg_get_expr(adbin, 0) deparses without a relation context, three times
# faster; only generated columns can hold column references (a DEFAULT cannot), so only they pass their table.
# Source: https://www.postgresql.org/docs/15/functions-info.html ("if no Vars are expected, zero is sufficient").
COLUMNS_SQL = """
SELECT a.attrelid AS table_oid, a.attnum, a.attname, a.attnotnull, a.attidentity, a.attgenerated,
       a.atttypid, a.atttypmod, x.default_sql,
       -- the dependency walk only for nextval() defaults (a third of the query's time otherwise)
       CASE WHEN x.default_sql LIKE 'nextval(%' THEN EXISTS (
         SELECT 1
         FROM pg_catalog.pg_depend dd
         JOIN pg_catalog.pg_class s ON s.oid = dd.refobjid AND s.relkind = 'S'
         JOIN pg_catalog.pg_depend od
           ON od.classid = 'pg_catalog.pg_class'::regclass AND od.objid = s.oid AND od.deptype IN ('a', 'i')
          AND od.refclassid = 'pg_catalog.pg_class'::regclass AND od.refobjid = a.attrelid
          AND od.refobjsubid = a.attnum
         WHERE dd.classid = 'pg_catalog.pg_attrdef'::regclass AND dd.objid = ad.oid
           AND dd.refclassid = 'pg_catalog.pg_class'::regclass
       ) ELSE false END AS default_uses_owned_sequence,
       d.description AS comment, a.attcollation,
       -- a nextval() default's sequence: named as a serial of this column would be, and used by no other
       -- default? (a sequence several columns share, or named otherwise, is no column's serial: each keeps its
       -- nextval() default and the sequence is an object of its own)
       CASE WHEN x.default_sql LIKE 'nextval(%' THEN (
         SELECT s.relname = c.relname || '_' || a.attname || '_seq'
                AND (SELECT count(*) FROM pg_catalog.pg_depend users
                     -- classid cast to bigint: not an index key, so the planner takes the reference index
                     -- (on classid it scanned every attrdef dependency once per column)
                     WHERE users.refclassid = 'pg_catalog.pg_class'::regclass AND users.refobjid = s.oid
                       AND users.refobjsubid = 0
                       AND users.classid::bigint = 'pg_catalog.pg_attrdef'::regclass::oid::bigint) = 1
         FROM pg_catalog.pg_depend dd
         JOIN pg_catalog.pg_class s ON s.oid = dd.refobjid AND s.relkind = 'S'
         WHERE dd.classid = 'pg_catalog.pg_attrdef'::regclass AND dd.objid = ad.oid
           AND dd.refclassid = 'pg_catalog.pg_class'::regclass
         LIMIT 1
       ) END AS default_sequence_serial_like
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN LATERAL (
  SELECT CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0)
              ELSE pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default_sql
) x ON true
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
WHERE c.relnamespace = ANY(CAST(:nsoids AS oid[])) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

# Each distinct (type oid, typmod) of those columns with its type facts (element type for arrays): a dozen rows
# where COLUMNS_SQL has thousands, so the pg_type joins and format_type run a dozen times.
TYPES_SQL = """
SELECT u.atttypid, u.atttypmod, (et.oid IS NOT NULL) AS is_array,
       bt.typname AS base_typname, bt.typtype AS base_typtype, btn.nspname AS base_nspname,
       pg_catalog.format_type(bt.oid, u.atttypmod) AS base_format, t.typcollation
FROM (SELECT DISTINCT a.atttypid, a.atttypmod
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = ANY(CAST(:nsoids AS oid[])) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND a.attnum > 0 AND NOT a.attisdropped) u
JOIN pg_catalog.pg_type t ON t.oid = u.atttypid
LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND et.typarray = t.oid
JOIN pg_catalog.pg_type bt ON bt.oid = COALESCE(et.oid, t.oid)
JOIN pg_catalog.pg_namespace btn ON btn.oid = bt.typnamespace
"""

# PK, FK and check constraints; UNIQUE comes with the indexes, and the per-partition clones of an FK to a
# partitioned table (conparentid <> 0) are left out. Key columns come as attnums (named from COLUMNS_SQL's rows);
# referenced columns are named here only when the referenced table is outside the inspected set (another schema,
# a partitioned parent). pg_get_constraintdef only for checks: the rest is read from the columns above.
CONSTRAINTS_SQL = """
SELECT con.conrelid AS table_oid, con.conname, con.contype, con.conkey, con.confrelid, con.confkey,
       CASE WHEN con.contype = 'f'
                 AND (NOT rc.relnamespace = ANY(CAST(:nsoids AS oid[])) OR rc.relkind NOT IN ('r', 'p') OR rc.relispartition
                      OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                                 WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = rc.oid
                                   AND e.deptype = 'e'))
            THEN ARRAY(SELECT a.attname::text
                       FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                       ORDER BY k.ord) END AS outside_ref_columns,
       rc.relname AS ref_table, rn.nspname AS ref_nspname,
       con.confdeltype, con.confupdtype, con.condeferrable, con.condeferred, con.convalidated, con.connoinherit,
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_constraintdef(con.oid) END AS definition
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE c.relnamespace = ANY(CAST(:nsoids AS oid[])) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND con.contype IN ('p', 'f', 'c') AND con.conparentid = 0
ORDER BY con.conrelid, con.conname
"""

# One row per element of every index, with the constraint that owns the index: key elements (ord <= indnkeyatts)
# then the INCLUDE columns (up to indnatts). pg_get_indexdef only for expression elements (attnum 0): plain
# columns are named by the attribute join. {nnd}: pg_index.indnullsnotdistinct on PostgreSQL 15+, else false.
# Source: https://www.postgresql.org/docs/15/catalog-pg-index.html
INDEX_PARTS_SQL_TEMPLATE = """
SELECT i.indrelid AS table_oid, i.indexrelid, ic.relname AS index_name, i.indisunique, i.indisprimary,
       k.ord > i.indnkeyatts AS included, {nnd} AS nulls_not_distinct,
       am.amname, pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS predicate,
       owner.contype AS owner_contype, owner.conname AS owner_conname,
       owner.condeferrable AS owner_deferrable, owner.condeferred AS owner_deferred,
       k.ord, k.attnum, a.attname,
       CASE WHEN k.attnum = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true) END AS element,
       (i.indoption[k.ord - 1] & 1) = 1 AS descending,
       opc.opcname, opc.opcdefault
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = i.indclass[k.ord - 1]
LEFT JOIN pg_catalog.pg_constraint owner
  ON owner.conindid = i.indexrelid AND owner.conrelid = i.indrelid AND owner.contype IN ('p', 'u', 'x')
WHERE c.relnamespace = ANY(CAST(:nsoids AS oid[])) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY i.indrelid, ic.relname, k.ord
"""
INDEX_PARTS_SQL = INDEX_PARTS_SQL_TEMPLATE.format(nnd="i.indnullsnotdistinct")
"""The index query for PostgreSQL 15 and later."""
INDEX_PARTS_SQL_PRE15 = INDEX_PARTS_SQL_TEMPLATE.format(nnd="false")
"""The index query before PostgreSQL 15 (no ``NULLS NOT DISTINCT``)."""

# Enum types of the namespace with their labels in sort order and their comment.
ENUMS_SQL = """
SELECT t.typname,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
       d.description AS comment, n.nspname
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::regclass
WHERE t.typnamespace = ANY(CAST(:nsoids AS oid[])) AND t.typtype = 'e'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')
ORDER BY t.typname
"""

# Schemas other than the system ones (pg_catalog, information_schema, TOAST and temp schemas).
NAMESPACES_SQL = """
SELECT n.nspname FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY n.nspname
"""

# --- type mapping ---------------------------------------------------------------------------------------------

BUILTIN_TYPES: Mapping[str, ColumnType] = {
    "varchar": ColumnType(TypeKind.STRING),
    "bpchar": ColumnType(TypeKind.CHAR),
    "text": ColumnType(TypeKind.TEXT),
    "int2": ColumnType(TypeKind.SMALLINT),
    "int4": ColumnType(TypeKind.INTEGER),
    "int8": ColumnType(TypeKind.BIGINT),
    "float4": ColumnType(TypeKind.FLOAT),
    "float8": ColumnType(TypeKind.DOUBLE),
    "numeric": ColumnType(TypeKind.DECIMAL),
    "bool": ColumnType(TypeKind.BOOLEAN),
    "date": ColumnType(TypeKind.DATE),
    "time": ColumnType(TypeKind.TIME),
    "timetz": ColumnType(TypeKind.TIME, timezone=True),
    "timestamp": ColumnType(TypeKind.DATETIME),
    "timestamptz": ColumnType(TypeKind.DATETIME, timezone=True),
    "interval": ColumnType(TypeKind.INTERVAL),
    "json": ColumnType(TypeKind.JSON, binary=False),
    "jsonb": ColumnType(TypeKind.JSON, binary=True),
    "uuid": ColumnType(TypeKind.UUID),
    "bytea": ColumnType(TypeKind.BYTES),
}
"""``pg_catalog`` type names (``pg_type.typname``) with a model family; parameters come from ``format_type``.
Every other type (tsvector, inet, citext, domains...) becomes NATIVE.
Source: https://www.postgresql.org/docs/15/datatype.html#DATATYPE-TABLE"""

REFERENTIAL_ACTIONS: Mapping[str, ReferentialAction] = {
    "a": ReferentialAction.NO_ACTION,
    "r": ReferentialAction.RESTRICT,
    "c": ReferentialAction.CASCADE,
    "n": ReferentialAction.SET_NULL,
    "d": ReferentialAction.SET_DEFAULT,
}
"""``pg_constraint.confdeltype`` / ``confupdtype`` codes.
Source: https://www.postgresql.org/docs/15/catalog-pg-constraint.html"""

_KEPT_NATIVE = re.compile(r"interval\s*[(a-z]|bpchar$")
"""``format_type`` texts of built-in types the model's families cannot hold, kept verbatim as NATIVE types:
an interval with fields or a precision (``interval year``, ``interval(0)``, ``interval day to second(3)``: they
store other values than a plain ``interval``, '1 year 3 months' is '1 year' in an ``interval year``) and
``bpchar`` without a length (blank-padded, unbounded; ``char`` alone is ``char(1)``).
Source: https://www.postgresql.org/docs/15/datatype-datetime.html#DATATYPE-INTERVAL-INPUT and
https://www.postgresql.org/docs/15/datatype-character.html"""

_PARAMS_RE = re.compile(r"\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)")
_CHECK_SUFFIXES = (" NOT VALID", " NO INHERIT")


def map_type(
    typname: str,
    typtype: str,
    nspname: str,
    format_text: str,
    *,
    namespace: str,
    is_array: bool = False,
) -> ColumnType:
    """Map one column's PostgreSQL type to a ColumnType.

    Args:
        typname: ``pg_type.typname`` of the (element) type, e.g. ``varchar``, ``timestamptz``, ``mood``.
        typtype: ``pg_type.typtype`` of the (element) type: ``b`` base, ``e`` enum, ``d`` domain...
        nspname: the namespace the (element) type lives in.
        format_text: ``format_type(element oid, atttypmod)``, e.g. ``character varying(20)``,
            ``timestamp(3) with time zone``, ``numeric(10,2)``.
        namespace: the inspected namespace (types there are named unqualified).
        is_array: the column is an array of that type (PostgreSQL keeps no dimension count, so 1).

    Returns:
        The ColumnType: a model family with its parameters, ENUM for an enum type, NATIVE (``format_text``)
        for anything else.
    """
    dims = 1 if is_array else 0
    if typtype == "e":
        name = _qualified(typname, nspname, namespace)
        return ColumnType(TypeKind.ENUM, enum_name=name, array_dims=dims)
    base = BUILTIN_TYPES.get(typname) if nspname == "pg_catalog" else None
    if base is None or _KEPT_NATIVE.match(format_text):
        return ColumnType(TypeKind.NATIVE, native=_unqualify(format_text, namespace), array_dims=dims)
    m = _PARAMS_RE.search(format_text)
    first = int(m.group(1)) if m else None
    kind = base.kind
    if kind in (TypeKind.STRING, TypeKind.CHAR):
        return ColumnType(kind, length=first, array_dims=dims)
    if kind is TypeKind.DECIMAL:
        scale = int(m.group(2)) if m and m.group(2) is not None else None
        return ColumnType(kind, precision=first, scale=scale, array_dims=dims)
    if kind in (TypeKind.TIME, TypeKind.DATETIME):
        return ColumnType(kind, precision=first, timezone=base.timezone, array_dims=dims)
    return ColumnType(kind, binary=base.binary, array_dims=dims)


def _unqualify(format_text: str, namespace: str) -> str:
    # format_type qualifies types outside the search_path; one in the inspected namespace is named bare.
    for prefix in (f"{namespace}.", '"' + namespace.replace('"', '""') + '".'):
        if format_text.startswith(prefix):
            return format_text[len(prefix) :]
    return format_text


def check_expression(definition: str) -> str:
    """The boolean expression of a CHECK constraint from ``pg_get_constraintdef`` text.

    Args:
        definition: e.g. ``CHECK ((price > (0)::numeric))`` or ``CHECK ((qty > 0)) NOT VALID``.

    Returns:
        The expression without ``CHECK``, trailing ``NOT VALID``/``NO INHERIT`` and enclosing parentheses:
        ``price > (0)::numeric``. Inner parentheses that do not enclose the whole text stay
        (``(a > 0) AND (b > 0)``).
    """
    text = definition.strip()
    if text[:5].upper() == "CHECK":
        text = text[5:].strip()
    stripped = True
    while stripped:
        stripped = False
        for suffix in _CHECK_SUFFIXES:
            if text.upper().endswith(suffix):
                text = text[: -len(suffix)].rstrip()
                stripped = True
    while text.startswith("(") and _closing_paren(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing_paren(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start`` (quotes respected), or -1."""
    depth = 0
    quote: str | None = None
    i = start
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == quote:
                # A doubled quote is an escaped quote inside the literal/identifier.
                if i + 1 < len(text) and text[i + 1] == quote:
                    i += 1
                else:
                    quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


# --- assembly ---------------------------------------------------------------------------------------------------


@dataclass
class _TableParts:
    """Everything collected for one table (by oid) before it becomes a frozen Table."""

    name: str
    comment: str | None
    columns: list[Column] = field(default_factory=list)
    primary_key: PrimaryKey | None = None
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def freeze(self) -> Table:
        return Table(
            name=self.name,
            columns=tuple(self.columns),
            primary_key=self.primary_key,
            indexes=tuple(sorted(self.indexes, key=lambda i: i.name)),
            foreign_keys=tuple(sorted(self.foreign_keys, key=lambda f: f.name or "")),
            checks=tuple(sorted(self.checks, key=lambda c: c.name or "")),
            comment=self.comment,
        )


def inspect_schema(
    conn: sa.Connection,
    namespace: str | None = "public",
    *,
    schemas: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    privileges: bool = False,
) -> Schema:
    """Read PostgreSQL schemas (namespaces) of a live database into the model.

    A fixed number of catalog queries is run whatever the number of objects (the ``*_SQL`` constants here and in
    :mod:`.inspect_objects`, one per object type); only SELECTs, so the connection may be READ ONLY.

    Which schemas: :func:`select_namespaces` (``namespace=None``: every user schema). Objects in the default
    namespace (``public``, or the single schema selected) are named bare, every other one ``schema.name``.

    Args:
        conn: an open SQLAlchemy connection to PostgreSQL (e.g. from :func:`schemaguard.db.connect`).
        namespace: one schema (``public``: the historical default for direct calls), a comma-separated list of
            schema names or glob patterns (``sales,hr_*``; ``!pattern`` excludes), or None for every user schema.
        schemas: patterns selecting the schemas instead (the configuration's ``schemas = [...]``).
        exclude: patterns of schemas to leave out (the configuration's ``exclude_schemas``).
        privileges: also read owners and grants (``--compare privileges``); otherwise objects with grants are
            listed as not compared.

    Returns:
        ``Schema(tables, enums, objects, not_compared)``: tables (ordinary and partitioned parents; partitions
        are objects of their parent) sorted by name, columns in ``attnum`` order, indexes/foreign keys/checks
        sorted by name; enums and objects sorted by key; ``not_compared`` lists what is present but outside the
        selection or without a model (see :func:`.inspect_objects.not_compared`).

    Raises:
        InspectError: a schema named literally does not exist, or a catalog query failed.
    """
    label = namespace or "*"
    # Two settings for this transaction only (set_config(..., true), like SET LOCAL), in one statement:
    # - no JIT compilation: the planner's cost estimate of the columns query passes jit_above_cost (100000) at
    #   about 1,000 tables, and compiling it took longer than running it (0.24 s of LLVM for a 0.1 s query);
    # - search_path pinned to a default session's (public; pg_catalog is always searched first): pg_get_expr,
    #   pg_get_viewdef, pg_get_indexdef, pg_get_constraintdef and format_type leave a name unqualified when its
    #   schema is on the path, so a database or role `SET search_path` (Supabase sets "$user", public,
    #   extensions) made identical databases deparse differently. pg_dump pins its own path the same way.
    # Sources: https://www.postgresql.org/docs/15/jit-decision.html,
    # https://www.postgresql.org/docs/15/ddl-schemas.html#DDL-SCHEMAS-PATH,
    # https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADMIN-SET
    _query(
        conn,
        "SELECT pg_catalog.set_config('jit', 'off', true), pg_catalog.set_config('search_path', 'public', true)",
        {},
        label,
    )
    spaces = list(_query(conn, ALL_NAMESPACES_SQL, {}, label))
    default_ns, selected = select_namespaces(
        [(r.nspname, bool(r.extension_owned)) for r in spaces], namespace, schemas, exclude
    )
    oids = {r.nspname: r.oid for r in spaces}
    nsoids = [oids[n] for n in selected]
    bind = {"nsoids": nsoids}

    def qualify(nspname: str, name: str) -> str:
        return _qualified(name, nspname, default_ns)

    # Each result is consumed row by row and dropped before the next query: at 5,000 tables, holding every
    # query's rows as lists at once doubled the memory introspection needs.
    tables: dict[int, _TableParts] = {
        oid: _TableParts(qualify(nspname, relname), comment)
        for oid, relname, comment, nspname in _query(conn, TABLES_SQL, bind, label)
    }
    type_rows = list(_query(conn, TYPES_SQL, bind, label))
    type_collation = {(r.atttypid, r.atttypmod): r.typcollation for r in type_rows}
    types = {
        (r.atttypid, r.atttypmod): map_type(
            r.base_typname,
            r.base_typtype,
            r.base_nspname,
            r.base_format,
            namespace=default_ns,
            is_array=bool(r.is_array),
        )
        for r in type_rows
    }
    column_rows = _query(conn, COLUMNS_SQL, bind, label)
    # Imported only now: normalize loads sqlglot (about 0.1 s), which a diff imports while the queries run.
    from schemaguard.normalize import parse_default

    attnames: dict[int, dict[int, str]] = defaultdict(dict)
    collated: dict[int, list[tuple[str, int]]] = defaultdict(list)  # columns not in their type's collation
    for row in column_rows:
        part = tables.get(row[0])
        if part is not None:
            attnames[row[0]][row[1]] = row[2]
            part.columns.append(_column(row, types, parse_default))
            if row[11] and row[11] != type_collation[(row[6], row[7])]:
                collated[row[0]].append((row[2], row[11]))
    del column_rows
    _add_constraints(tables, _query(conn, CONSTRAINTS_SQL, bind, label), attnames, default_ns)
    version = conn.dialect.server_version_info or (15,)
    index_sql = INDEX_PARTS_SQL if version >= (15,) else INDEX_PARTS_SQL_PRE15
    _add_indexes(tables, _query(conn, index_sql, bind, label).mappings())
    enum_rows = _query(conn, ENUMS_SQL, bind, label).mappings()
    enums = tuple(
        Enum(name=qualify(r["nspname"], r["typname"]), values=tuple(r["labels"]), comment=r["comment"])
        for r in enum_rows
    )
    from schemaguard.dialects.postgresql import inspect_objects as io

    def run(sql: str, params: Mapping[str, Any]) -> Iterable[Any]:
        return _query(conn, sql, params, label)

    objects = [
        make_object(ObjectKind.SCHEMA, r.nspname, None, (), comment=r.comment)
        for r in spaces
        if r.nspname in selected and r.nspname != default_ns
    ]
    objects += io.inspect_objects(run, nsoids, qualify)
    not_compared = io.not_compared(run, nsoids, privileges=privileges)
    # Collations made by CREATE COLLATION in the selected schemas (the coverage query lists them): read, used or
    # not, by the collation query, which runs anyway when a column has a collation of its own.
    user_collations = any(e.what == "collation" and not e.reason.startswith("schema ") for e in not_compared)
    collated_names = {tables[oid].name: cols for oid, cols in collated.items()}
    objects += io.collations(run, collated_names, qualify, nsoids if user_collations else ())
    if privileges:
        objects += io.privileges(run, nsoids, qualify)
    return Schema(
        tables=tuple(sorted((p.freeze() for p in tables.values()), key=lambda t: t.name)),
        enums=tuple(sorted(enums, key=lambda e: e.name)),
        source=None,
        objects=tuple(sorted(objects, key=lambda o: o.key)),
        not_compared=_without_compared_collations(not_compared, objects, default_ns),
    )


def _without_compared_collations(
    entries: Sequence[NotCompared], objects: Sequence[DbObject], default_ns: str
) -> tuple[NotCompared, ...]:
    """The coverage entries less the collations inspected as COLLATION_DEFINITION objects (those columns use):
    they are compared, so they are not listed as "no model for this object type"."""
    # Coverage names them schema.name, unquoted (the not-compared query's words); keys split by split_key.
    compared = {
        f"{ns or default_ns}.{name}"
        for ns, name in (split_key(o.name) for o in objects if o.kind is ObjectKind.COLLATION_DEFINITION)
    }
    if not compared:
        return tuple(entries)
    out = []
    for e in entries:
        if e.what == "collation":
            names = tuple(n for n in e.names if n not in compared)
            if not names:
                continue
            e = NotCompared(e.what, e.reason, names)
        out.append(e)
    return tuple(out)


_GLOB_CHARS = frozenset("*?[")


def select_namespaces(
    available: Sequence[tuple[str, bool]],
    namespace: str | None,
    schemas: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> tuple[str, list[str]]:
    """Which schemas to inspect and which one's objects are named bare.

    Args:
        available: every non-system schema as ``(name, extension_owned)``.
        namespace: None (every user schema), one name, or a comma-separated list of names / glob patterns
            (``fnmatch``; a ``!`` prefix excludes).
        schemas: patterns that select instead of ``namespace`` when given.
        exclude: patterns to leave out.

    Returns:
        ``(default namespace, selected names sorted)``: the default is the single literal schema selected, else
        ``public``. Extension-owned schemas are never selected (the extension is compared).

    Raises:
        InspectError: a schema named without a glob character does not exist.
    """
    import fnmatch

    names = [n for n, ext in available if not ext]
    patterns: list[str] = list(schemas) if schemas else []
    if not patterns and namespace:
        patterns = [p.strip() for p in namespace.split(",") if p.strip()]
    include = [p for p in patterns if not p.startswith("!")]
    excluded = [p[1:] for p in patterns if p.startswith("!")] + list(exclude)
    for p in include:
        if not (_GLOB_CHARS & set(p)) and p not in names:
            raise InspectError(f"PostgreSQL schema {p!r} does not exist in this database")
    chosen = [
        n
        for n in names
        if (not include or any(fnmatch.fnmatchcase(n, p) for p in include))
        and not any(fnmatch.fnmatchcase(n, p) for p in excluded)
    ]
    literal = [p for p in include if not (_GLOB_CHARS & set(p))]
    default = literal[0] if len(include) == 1 and literal else "public"
    return default, sorted(chosen)


_INTEGER_KINDS = frozenset((TypeKind.SMALLINT, TypeKind.INTEGER, TypeKind.BIGINT))


def _column(
    row: Sequence[Any],
    types: Mapping[tuple[int, int], ColumnType],
    parse_default: Callable[[str | None, str | None], Default | None],
) -> Column:
    # Unpacked by position: one call per column of the schema, the hot loop of a large introspection.
    (_oid, _attnum, attname, attnotnull, attidentity, attgenerated, typid, typmod, default_sql, owned_seq, comment) = (
        row[:11]
    )
    ctype = types[(typid, typmod)]
    # serial semantics: nextval() of a sequence on an integer column, owned or not (pg_dump output such as
    # pagila's creates the sequence separately) when it is named as the column's serial sequence would be
    # ({table}_{column}_seq) and no other column uses it. A sequence several columns share, or one named otherwise,
    # is nobody's serial: each column keeps its nextval() default (rendering it as SERIAL would give it a sequence
    # of its own). Source: https://www.postgresql.org/docs/15/datatype-numeric.html#DATATYPE-SERIAL
    autoincrement = attidentity in ("a", "d") or (
        default_sql is not None
        and default_sql.startswith("nextval(")
        and (bool(owned_seq) or (ctype.kind in _INTEGER_KINDS and not ctype.is_array and bool(row[12])))
    )
    # 's' stored; PostgreSQL 18 adds 'v' virtual, which must not pass for a default either.
    generated = default_sql if attgenerated in ("s", "v") else None
    default = None if autoincrement or generated is not None else parse_default(default_sql, "postgresql")
    return Column(
        name=attname,
        type=ctype,
        nullable=not attnotnull,
        default=default,
        autoincrement=autoincrement,
        generated=generated,
        comment=comment,
        identity=_IDENTITY.get(attidentity),
    )


_IDENTITY = {"a": "always", "d": "by default"}
"""``pg_attribute.attidentity``: ``a`` GENERATED ALWAYS, ``d`` BY DEFAULT, empty for no identity.
Source: https://www.postgresql.org/docs/15/catalog-pg-attribute.html"""


def _query(
    conn: sa.Connection, sql: str, params: Mapping[str, Any], namespace: str
) -> sa.CursorResult[*tuple[Any, ...]]:
    """Run one catalog query; a driver error becomes an InspectError naming the namespace (password-masked)."""
    try:
        return conn.execute(sa.text(sql), params)
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
        raise InspectError(
            f"inspecting PostgreSQL schema {namespace!r} failed: {mask(reason[0] if reason else repr(exc))}"
        ) from None


def _qualified(name: str, nspname: str, namespace: str) -> str:
    """The model key of ``nspname.name``: ``name`` in the default namespace, else ``schema.name``, built by
    :func:`schemaguard.model.naming.qualify`: keys split at the first dot, so a name holding a dot (``"audit.log"``)
    is always keyed with its schema (``public.audit.log``), never read as table ``log`` of schema ``audit``, and a
    schema holding a dot is double-quoted (``"my.s".t``)."""
    return qualify(nspname, name, namespace)


def _names(attnames: Mapping[int, Mapping[int, str]], table_oid: int, attnums: Sequence[int]) -> tuple[str, ...]:
    """Column names of ``attnums`` in table ``table_oid``, from the columns query's rows."""
    columns = attnames.get(table_oid, {})
    try:
        return tuple(columns[n] for n in attnums)
    except KeyError:
        # Only possible when the catalog changed between two queries (the session is REPEATABLE READ, but
        # a caller may hand in a connection of its own).
        raise InspectError(
            "the catalog changed while it was being read (a concurrent ALTER TABLE?); run again"
        ) from None


def _add_constraints(
    tables: dict[int, _TableParts],
    rows: Iterable[sa.Row[Any]],
    attnames: Mapping[int, Mapping[int, str]],
    namespace: str,
) -> None:
    # Unique constraints arrive with the index rows: they need the index's parts.
    for r in rows:
        part = tables.get(r.table_oid)
        if part is None:
            continue
        contype = r.contype
        if contype == "p":
            part.primary_key = PrimaryKey(columns=_names(attnames, r.table_oid, r.conkey), name=r.conname)
        elif contype == "f":
            ref_columns = (
                tuple(r.outside_ref_columns)
                if r.outside_ref_columns is not None
                else _names(attnames, r.confrelid, r.confkey)
            )
            part.foreign_keys.append(
                ForeignKey(
                    name=r.conname,
                    columns=_names(attnames, r.table_oid, r.conkey),
                    ref_table=_qualified(r.ref_table, r.ref_nspname, namespace),
                    ref_columns=ref_columns,
                    on_delete=REFERENTIAL_ACTIONS[r.confdeltype],
                    on_update=REFERENTIAL_ACTIONS[r.confupdtype],
                    deferrable=bool(r.condeferrable),
                    initially_deferred=bool(r.condeferred),
                    not_valid=not r.convalidated,
                )
            )
        elif contype == "c":
            part.checks.append(
                Check(
                    name=r.conname,
                    expression=check_expression(r.definition),
                    not_valid=not r.convalidated,
                    no_inherit=bool(r.connoinherit),
                )
            )


def _add_indexes(tables: dict[int, _TableParts], rows: Iterable[sa.RowMapping]) -> None:
    by_index: dict[int, list[sa.RowMapping]] = defaultdict(list)
    for r in rows:
        by_index[r["indexrelid"]].append(r)
    for parts_rows in by_index.values():
        head = parts_rows[0]
        part = tables.get(head["table_oid"])
        # The primary key is modelled as PrimaryKey; exclusion constraints have no model object.
        if part is None or head["indisprimary"] or head["owner_contype"] in ("p", "x"):
            continue
        is_constraint = head["owner_contype"] == "u"
        key_rows = [r for r in parts_rows if not r["included"]]
        include = tuple(r["attname"] for r in sorted(parts_rows, key=lambda r: r["ord"]) if r["included"])
        index_parts = tuple(
            IndexPart(
                column=r["attname"] if r["attnum"] != 0 else None,
                expression=r["element"] if r["attnum"] == 0 else None,
                descending=bool(r["descending"]),
                opclass=r["opcname"] if r["opcname"] is not None and not r["opcdefault"] else None,
                # The default class's name too: a master that names it (ops: ArrayOps) means this index.
                default_opclass=r["opcname"] if r["opcdefault"] else None,
            )
            for r in sorted(key_rows, key=lambda r: r["ord"])
        )
        part.indexes.append(
            Index(
                name=head["owner_conname"] if is_constraint else head["index_name"],
                parts=index_parts,
                unique=True if is_constraint else bool(head["indisunique"]),
                where=head["predicate"],
                method=None if head["amname"] == "btree" else head["amname"],
                constraint=is_constraint,
                deferrable=is_constraint and bool(head["owner_deferrable"]),
                initially_deferred=is_constraint and bool(head["owner_deferred"]),
                include=include,
                nulls_not_distinct=bool(head["nulls_not_distinct"]),
            )
        )


def list_namespaces(conn: sa.Connection) -> list[str]:
    """Names of the non-system schemas of the connected database, sorted.

    Args:
        conn: an open SQLAlchemy connection to PostgreSQL.

    Returns:
        e.g. ``["public", "sales"]`` — without ``pg_catalog``, ``information_schema``, TOAST and temp schemas.

    Raises:
        InspectError: the catalog query failed.
    """
    try:
        return [str(n) for n in conn.execute(sa.text(NAMESPACES_SQL)).scalars()]
    except sa.exc.DBAPIError as exc:
        raise InspectError(f"listing PostgreSQL schemas failed: {mask(str(exc.orig or exc).strip())}") from None
