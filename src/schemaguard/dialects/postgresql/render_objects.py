"""PostgreSQL DDL for the objects beyond tables and enums (:mod:`schemaguard.model.objects`).

:func:`render_objects` splits them around the tables, in the order pg_dump uses: schemas, extensions, domains,
free-standing sequences and the functions and procedures whose signature names no table (an index, check,
default or generated column may call them) before the tables; then the other functions and procedures (after
the tables whose row types they take or return; ``check_function_bodies`` off, as pg_dump does, so a SQL body
may name a view created later), views and materialized views (a view after the views it names), triggers,
rules, row-level security and policies, exclusion constraints, partitions, inheritance, table options, owned
sequences' parameters, comments. Definitions are the server's own words (or the master's), pasted as SQL text
the way check expressions are; every name is quoted.

Source: https://www.postgresql.org/docs/15/app-pgdump.html (object order), the CREATE/ALTER/COMMENT pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from schemaguard.dialects.postgresql.diff import SQLITE_TABLE_OPTIONS
from schemaguard.dialects.sqla import quote_ident, sql_string
from schemaguard.errors import SchemaError
from schemaguard.model import DbObject, ObjectKind, Schema
from schemaguard.model.naming import key_name, key_schemas, split_key
from schemaguard.model.objects import dependency_order

_COMMENT_TARGET = {
    ObjectKind.SCHEMA: "SCHEMA",
    ObjectKind.DOMAIN: "DOMAIN",
    ObjectKind.COMPOSITE_TYPE: "TYPE",
    ObjectKind.SEQUENCE: "SEQUENCE",
    ObjectKind.VIEW: "VIEW",
    ObjectKind.MATERIALIZED_VIEW: "MATERIALIZED VIEW",
    ObjectKind.FUNCTION: "FUNCTION",
    ObjectKind.PROCEDURE: "PROCEDURE",
    ObjectKind.AGGREGATE: "AGGREGATE",
    ObjectKind.PARTITION: "TABLE",
}
_ON_TABLE_COMMENT = {
    ObjectKind.TRIGGER: "TRIGGER",
    ObjectKind.RULE: "RULE",
    ObjectKind.POLICY: "POLICY",
    ObjectKind.EXCLUSION_CONSTRAINT: "CONSTRAINT",
}
_ENABLE = {"disabled": "DISABLE", "replica": "ENABLE REPLICA", "always": "ENABLE ALWAYS"}


def qualified(key: str) -> str:
    """A model key (``name`` or ``schema.name``) as a quoted SQL name: ``"sales"."orders"``.

    A key splits as :func:`schemaguard.model.naming.split_key` says: at its first dot, a schema part holding a dot
    written double-quoted (``"my.s".t``, ``public.audit.log``)."""
    ns, name = split_key(key)
    return f"{quote_ident(ns)}.{quote_ident(name)}" if ns is not None else quote_ident(key)


def routine_name(key: str) -> str:
    """``f(x integer)`` → ``"f"(x integer)`` (schema-qualified as the key is)."""
    name, paren, args = key.partition("(")
    return qualified(name) + (paren + args if paren else "")


def partition_by(schema: Schema) -> dict[str, str]:
    """``{table: "RANGE (at)"}`` for the partitioned tables of ``schema``: the renderer appends
    ``PARTITION BY`` to their CREATE TABLE (a table cannot become partitioned later)."""
    return {
        o.name: o.attribute("partition_by") or ""
        for o in schema.objects
        if o.kind is ObjectKind.PARTITIONING and o.attribute("partition_by")
    }


def render_objects(schema: Schema, enums: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """DDL for ``schema.objects``: ``(before the tables, after the tables)``, statements without ``;``.

    ``enums`` (the enum types' DDL) go after the schemas and extensions and before the domains and composite
    types that may use them."""
    by_kind: dict[ObjectKind, list[DbObject]] = {}
    for o in schema.objects:
        by_kind.setdefault(o.kind, []).append(o)

    def of(kind: ObjectKind) -> list[DbObject]:
        return by_kind.get(kind, [])

    before: list[str] = []
    before += [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(o.name)}" for o in of(ObjectKind.SCHEMA)]
    # Every schema a key names is created too: a master need not declare it (docs/master-format.md), and
    # IF NOT EXISTS leaves the default one (public.audit.log names public) alone.
    # Source: https://www.postgresql.org/docs/15/sql-createschema.html
    keys = [t.name for t in schema.tables] + [e.name for e in schema.enums]
    keys += [o.table or o.name for o in schema.objects if o.kind not in (ObjectKind.SCHEMA, ObjectKind.EXTENSION)]
    declared = {o.name for o in of(ObjectKind.SCHEMA)}
    used = set().union(*key_schemas(keys)) - declared
    before += [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(ns)}" for ns in sorted(used)]
    for o in of(ObjectKind.EXTENSION):
        schema_clause = f" SCHEMA {quote_ident(o.attribute('schema') or '')}" if o.attribute("schema") else ""
        before.append(f"CREATE EXTENSION IF NOT EXISTS {quote_ident(o.name)}{schema_clause}")
    before += enums
    before += [_collation_definition(o) for o in of(ObjectKind.COLLATION_DEFINITION)]
    before += [_domain(o) for o in of(ObjectKind.DOMAIN)]
    before += [f"CREATE TYPE {qualified(o.name)} AS {o.definition}" for o in of(ObjectKind.COMPOSITE_TYPE)]
    before += [_sequence(o, create=True) for o in of(ObjectKind.SEQUENCE) if not o.attribute("owned_by")]
    # Routines whose body is a string literal and whose signature names no table or view go before the tables:
    # an index, check, default or generated column may call them (pg_dump's order; the body is not checked).
    relations = relation_names(schema)
    routines = of(ObjectKind.FUNCTION) + of(ObjectKind.PROCEDURE)
    early = [o for o in routines if o.definition and early_routine(o.definition, relations)]
    if early:
        before.append("SET check_function_bodies = false")
        before += [o.definition for o in early if o.definition]

    # Collations first: a column cannot change type once a view or trigger uses it.
    after: list[str] = _collations(schema, of(ObjectKind.COLLATION))
    routines = [o for o in routines if o not in early]
    if routines:
        after.append("SET check_function_bodies = false")
    # Routines, aggregates and views in one dependency order (model/depends.py): a view after the views and
    # functions it reads, a SQL-standard function body (read at creation) after the views it names.
    readers = routines + of(ObjectKind.AGGREGATE) + of(ObjectKind.VIEW) + of(ObjectKind.MATERIALIZED_VIEW)
    for o in dependency_order(readers):
        if o.kind in (ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW):
            if o.definition:  # a view declared without its body (Prisma's view block) is not created, as Prisma does
                after += _view(o)
        elif o.definition:
            after.append(o.definition)
    for o in of(ObjectKind.PARTITION):
        if o.table and o.definition:
            key = f" PARTITION BY {o.attribute('partition_key')}" if o.attribute("partition_key") else ""
            after.append(f"CREATE TABLE {qualified(o.name)} PARTITION OF {qualified(o.table)} {o.definition}{key}")
            after += partition_indexes(o)
    for o in of(ObjectKind.TRIGGER):
        if o.definition and o.table:
            after.append(o.definition)
            if o.attribute("enabled") in _ENABLE:
                after.append(
                    f"ALTER TABLE {qualified(o.table)} {_ENABLE[o.attribute('enabled') or '']} TRIGGER "
                    f"{quote_ident(o.name)}"
                )
    after += [o.definition for o in of(ObjectKind.RULE) if o.definition]
    for o in of(ObjectKind.ROW_SECURITY):
        if o.attribute("enabled") == "true":
            after.append(f"ALTER TABLE {qualified(o.name)} ENABLE ROW LEVEL SECURITY")
        if o.attribute("forced") == "true":
            after.append(f"ALTER TABLE {qualified(o.name)} FORCE ROW LEVEL SECURITY")
    after += [_policy(o) for o in of(ObjectKind.POLICY) if o.table]
    for o in of(ObjectKind.EXCLUSION_CONSTRAINT):
        if o.table and o.definition:
            after.append(f"ALTER TABLE {qualified(o.table)} ADD CONSTRAINT {quote_ident(o.name)} {o.definition}")
    for o in of(ObjectKind.INHERITANCE):
        for parent in (o.attribute("parents") or "").split(", "):
            if parent:
                after.append(f"ALTER TABLE {qualified(o.name)} INHERIT {qualified(parent)}")
    for o in of(ObjectKind.TABLE_OPTIONS):
        # SQLite's STRICT / WITHOUT ROWID are not storage parameters (diff.py: not_stored lists them).
        options = [(k, v) for k, v in o.attributes if k not in _NOT_STORAGE and k not in SQLITE_TABLE_OPTIONS]
        if options:
            after.append(f"ALTER TABLE {qualified(o.name)} SET ({', '.join(f'{k}={v}' for k, v in options)})")
        if o.attribute("unlogged") == "true":
            after.append(f"ALTER TABLE {qualified(o.name)} SET UNLOGGED")
        if o.attribute("replica_identity"):
            after.append(f"ALTER TABLE {qualified(o.name)} REPLICA IDENTITY {_replica_identity(o)}")
    after += [_sequence(o, create=False) for o in of(ObjectKind.SEQUENCE) if o.attribute("owned_by")]

    after += list(_comments(schema.objects))
    return before, after


# Table options that are not storage parameters (``SET (k=v)``): each has its own ALTER TABLE form.
_NOT_STORAGE = frozenset(("unlogged", "replica_identity", "replica_identity_index"))


def _replica_identity(o: DbObject) -> str:
    """``FULL`` / ``NOTHING`` / ``USING INDEX "i"`` from a table options object (PostgreSQL ALTER TABLE docs)."""
    kind = o.attribute("replica_identity") or "default"
    if kind == "index":
        return f"USING INDEX {quote_ident(o.attribute('replica_identity_index') or '')}"
    return kind.upper()


# Where a routine's body starts when it is a string literal (``AS $$...`` / ``AS '...'``): a SQL-standard body
# (``BEGIN ATOMIC`` / ``RETURN``) is parsed at creation and needs its tables, so it is never created early.
_BODY_LITERAL = re.compile(r"\bAS\s+(?:\$[A-Za-z_0-9]*\$|E?')", re.IGNORECASE)
_WORD = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z_0-9$]*)')


def relation_names(schema: Schema) -> frozenset[str]:
    """Bare names (lower case) of the schema's tables, views, materialized views and partitions: the row types
    a routine's signature may name."""
    kinds = (ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW, ObjectKind.PARTITION)
    names = [t.name for t in schema.tables] + [o.name for o in schema.objects if o.kind in kinds]
    return frozenset(key_name(n).lower() for n in names)


def early_routine(definition: str, relations: frozenset[str]) -> bool:
    """Whether a routine's ``CREATE FUNCTION`` can run before the tables: its body is a string literal (with
    ``check_function_bodies`` off PostgreSQL does not read it) and its signature (everything before the body)
    names none of ``relations`` (bare lower-case names; a row type must exist when the routine is created)."""
    m = _BODY_LITERAL.search(definition)
    if m is None:
        return False
    header = definition[: m.start()]
    words = {(q.replace('""', '"') if q else w.lower()) for q, w in _WORD.findall(header)}
    return not words & relations


def _domain(o: DbObject) -> str:
    parts = [f"CREATE DOMAIN {qualified(o.name)} AS {o.attribute('base_type')}"]
    if o.attribute("collation"):
        parts.append(f"COLLATE {quote_ident(o.attribute('collation') or '')}")
    if o.attribute("default") is not None:
        parts.append(f"DEFAULT {o.attribute('default')}")
    if o.attribute("not_null") == "true":
        parts.append("NOT NULL")
    for check in (o.attribute("checks") or "").split("; "):
        name, sep, definition = check.partition(": ")
        if sep:
            parts.append(f"CONSTRAINT {quote_ident(name)} {definition}")
    return " ".join(parts)


def _collation_definition(o: DbObject) -> str:
    """``CREATE COLLATION name (provider = icu, locale = '...', deterministic = false)``: values are string
    literals (data, never pasted SQL). Source: https://www.postgresql.org/docs/15/sql-createcollation.html"""
    options = []
    for key in ("provider", "locale", "lc_collate", "lc_ctype", "deterministic"):
        value = o.attribute(key)
        if value is not None:
            options.append(f"{key} = {sql_string(value)}")
    return f"CREATE COLLATION {qualified(o.name)} ({', '.join(options)})"


def _sequence(o: DbObject, *, create: bool) -> str:
    cycle = "CYCLE" if o.attribute("cycle") == "true" else "NO CYCLE"
    params = (
        f"AS {o.attribute('data_type') or 'bigint'} INCREMENT BY {o.attribute('increment') or 1} "
        f"MINVALUE {o.attribute('min') or 1} MAXVALUE {o.attribute('max')} START WITH {o.attribute('start') or 1} "
        f"CACHE {o.attribute('cache') or 1} {cycle}"
    )
    if create:
        return f"CREATE SEQUENCE {qualified(o.name)} {params}"
    if o.attribute("identity"):
        # An identity column's sequence belongs to it already, and PostgreSQL refuses OWNED BY on one
        # ("cannot change ownership of identity sequence"): only its parameters are set.
        return f"ALTER SEQUENCE {qualified(o.name)} {params}"
    owner = o.attribute("owned_by") or ""
    table, _, column = owner.rpartition(".")
    return f"ALTER SEQUENCE {qualified(o.name)} {params} OWNED BY {qualified(table)}.{quote_ident(column)}"


def _view(o: DbObject) -> list[str]:
    if o.kind is ObjectKind.MATERIALIZED_VIEW:
        storage = [(k, v) for k, v in o.attributes if k != "indexes"]
        with_clause = f" WITH ({', '.join(f'{k}={v}' for k, v in storage)})" if storage else ""
        out = [f"CREATE MATERIALIZED VIEW {qualified(o.name)}{with_clause} AS {_body(o.definition)}"]
        out += [ix for ix in (o.attribute("indexes") or "").split("; ") if ix]
        return out
    with_clause = ", ".join(f"{k}={v}" for k, v in o.attributes)
    return [
        f"CREATE VIEW {qualified(o.name)}{f' WITH ({with_clause})' if with_clause else ''} AS {_body(o.definition)}"
    ]


def _body(definition: str | None) -> str:
    return (definition or "").strip().rstrip(";")


def _policy(o: DbObject) -> str:
    assert o.table is not None
    permissive = "PERMISSIVE" if o.attribute("permissive") != "false" else "RESTRICTIVE"
    command = (o.attribute("command") or "all").upper()
    roles = ", ".join(
        "PUBLIC" if r == "public" else quote_ident(r) for r in (o.attribute("roles") or "public").split(", ")
    )
    text = f"CREATE POLICY {quote_ident(o.name)} ON {qualified(o.table)} AS {permissive} FOR {command} TO {roles}"
    if o.attribute("using"):
        text += f" USING ({o.attribute('using')})"
    if o.attribute("with_check"):
        text += f" WITH CHECK ({o.attribute('with_check')})"
    return text


def _comments(objects: Iterable[DbObject]) -> Iterable[str]:
    for o in objects:
        if not o.comment:
            continue
        if o.kind in _COMMENT_TARGET:
            target = (
                routine_name(o.name)
                if o.kind in (ObjectKind.FUNCTION, ObjectKind.PROCEDURE, ObjectKind.AGGREGATE)
                else qualified(o.name)
            )
            yield f"COMMENT ON {_COMMENT_TARGET[o.kind]} {target} IS {sql_string(o.comment)}"
        elif o.kind in _ON_TABLE_COMMENT and o.table:
            target = f"{quote_ident(o.name)} ON {qualified(o.table)}"
            yield f"COMMENT ON {_ON_TABLE_COMMENT[o.kind]} {target} IS {sql_string(o.comment)}"
        elif o.kind is ObjectKind.COMMENT and o.table:
            yield f"COMMENT ON {comment_target(o.table, o.name)} IS {sql_string(o.comment)}"


def comment_target(relation: str, name: str) -> str:
    """What ``COMMENT ON`` names for a COMMENT object of ``relation`` (a table or view key) called ``name``:
    ``constraint x`` → ``CONSTRAINT "x" ON "t"``, ``index x`` → ``INDEX "s"."x"`` (an index lives in its
    table's schema), ``column x`` → ``COLUMN "v"."x"``. Source: https://www.postgresql.org/docs/15/sql-comment.html

    Raises:
        SchemaError: ``name`` does not start with ``constraint``, ``index`` or ``column``.
    """
    what, _, bare = name.partition(" ")
    if what == "constraint" and bare:
        return f"CONSTRAINT {quote_ident(bare)} ON {qualified(relation)}"
    if what == "index" and bare:
        schema = split_key(relation)[0]
        return "INDEX " + (f"{quote_ident(schema)}." if schema else "") + quote_ident(bare)
    if what == "column" and bare:
        return f"COLUMN {qualified(relation)}.{quote_ident(bare)}"
    raise SchemaError(f"comments: {relation}: {name!r} must be 'constraint <name>', 'index <name>' or 'column <name>'")


def _collations(schema: Schema, objects: list[DbObject]) -> list[str]:
    """``ALTER COLUMN ... TYPE <its type> COLLATE <collation>`` for columns with a non-default collation."""
    if not objects:
        return []
    from sqlalchemy.dialects import postgresql as pg

    from schemaguard.dialects.postgresql.render import type_engine

    dialect = pg.dialect()
    out = []
    for o in objects:
        table = schema.table(o.name)
        for column, collation in o.attributes:
            c = table.column(column) if table is not None else None
            if c is None:
                continue
            ctype = type_engine(c.type).compile(dialect=dialect)
            coll = qualified(collation) if "." in collation else quote_ident(collation)
            out.append(
                f"ALTER TABLE {qualified(o.name)} ALTER COLUMN {quote_ident(column)} TYPE {ctype} COLLATE {coll}"
            )
    return out


# --- single objects, for the planner (migrate/object_ops.py) ------------------------------------------------------

_DROP = {
    ObjectKind.SCHEMA: "SCHEMA",
    ObjectKind.COLLATION_DEFINITION: "COLLATION",
    ObjectKind.EXTENSION: "EXTENSION",
    ObjectKind.DOMAIN: "DOMAIN",
    ObjectKind.COMPOSITE_TYPE: "TYPE",
    ObjectKind.COMPOSITE_TYPE: "TYPE",
    ObjectKind.SEQUENCE: "SEQUENCE",
    ObjectKind.VIEW: "VIEW",
    ObjectKind.MATERIALIZED_VIEW: "MATERIALIZED VIEW",
    ObjectKind.FUNCTION: "FUNCTION",
    ObjectKind.PROCEDURE: "PROCEDURE",
    ObjectKind.AGGREGATE: "AGGREGATE",
    ObjectKind.PARTITION: "TABLE",
}
_DROP_ON_TABLE = {ObjectKind.TRIGGER: "TRIGGER", ObjectKind.RULE: "RULE", ObjectKind.POLICY: "POLICY"}


def create_sql(o: DbObject, schema: Schema) -> list[str]:
    """Statements creating ``o`` (or setting a table property) in a database that has ``schema``'s tables.

    Returns [] for what cannot be created on its own (a partition key: only CREATE TABLE can set it). A view or
    materialized view comes with the comments ``schema`` has on its columns and indexes (COMMENT objects): DROP
    VIEW took them, and a view is created again whenever what it reads changes."""
    from dataclasses import replace

    own: tuple[DbObject, ...] = ()
    if o.kind in (ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW):
        own = tuple(c for c in schema.objects if c.kind is ObjectKind.COMMENT and c.table == o.name)
    before, after = render_objects(replace(schema, objects=(o, *own)))
    return [s for s in before + after if s != "SET check_function_bodies = false"]


def drop_sql(o: DbObject, schema: Schema) -> list[str]:
    """Statements removing ``o`` (or resetting a table property); [] when it cannot be undone on its own."""
    if o.kind in _DROP:
        name = (
            routine_name(o.name)
            if o.kind in (ObjectKind.FUNCTION, ObjectKind.PROCEDURE, ObjectKind.AGGREGATE)
            else qualified(o.name)
        )
        return [f"DROP {_DROP[o.kind]} {name}"]
    if o.kind in _DROP_ON_TABLE and o.table:
        return [f"DROP {_DROP_ON_TABLE[o.kind]} {quote_ident(o.name)} ON {qualified(o.table)}"]
    table = qualified(o.name)
    if o.kind is ObjectKind.EXCLUSION_CONSTRAINT and o.table:
        return [f"ALTER TABLE {qualified(o.table)} DROP CONSTRAINT {quote_ident(o.name)}"]
    if o.kind is ObjectKind.ROW_SECURITY:
        return [f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY", f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"]
    if o.kind is ObjectKind.INHERITANCE:
        parents = [p for p in (o.attribute("parents") or "").split(", ") if p]
        return [f"ALTER TABLE {table} NO INHERIT {qualified(p)}" for p in parents]
    if o.kind is ObjectKind.TABLE_OPTIONS:
        out = []
        keys = [k for k, _ in o.attributes if k not in _NOT_STORAGE]
        if keys:
            out.append(f"ALTER TABLE {table} RESET ({', '.join(keys)})")
        if o.attribute("unlogged") == "true":
            out.append(f"ALTER TABLE {table} SET LOGGED")
        if o.attribute("replica_identity"):
            out.append(f"ALTER TABLE {table} REPLICA IDENTITY DEFAULT")
        return out
    if o.kind is ObjectKind.COLLATION:
        default = DbObject(o.kind, o.name, None, tuple((c, "default") for c, _ in o.attributes))
        return _collations(schema, [default])
    return []


def comment_sql(o: DbObject) -> list[str]:
    """``COMMENT ON`` for ``o``'s comment (``IS NULL`` when it has none)."""
    from dataclasses import replace

    stmts = list(_comments([replace(o, comment=o.comment or "\0")]))
    return [s.replace(sql_string("\0"), "NULL") for s in stmts]


def table_comment_sql(table: str | None, column: str | None, enum: str | None, text: str | None) -> list[str]:
    """``COMMENT ON TABLE / COLUMN / TYPE`` setting ``text`` (``IS NULL`` for None)."""
    value = sql_string(text) if text else "NULL"
    if enum is not None:
        return [f"COMMENT ON TYPE {qualified(enum)} IS {value}"]
    if table is None:
        return []
    if column is None:
        return [f"COMMENT ON TABLE {qualified(table)} IS {value}"]
    return [f"COMMENT ON COLUMN {qualified(table)}.{quote_ident(column)} IS {value}"]


def partition_indexes(o: DbObject) -> list[str]:
    """The ``CREATE INDEX`` statements of a PARTITION object's own indexes (attribute ``indexes``, ``; ``-joined
    ``pg_get_indexdef`` texts): those made on this partition alone, not by an index of its parent."""
    return [ix for ix in (o.attribute("indexes") or "").split("; ") if ix]


_INDEX_NAME = re.compile(
    r'\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s', re.I
)


def _drop_index(partition: str, definition: str) -> str:
    """``DROP INDEX "s"."name"`` for a ``CREATE INDEX name ON ...`` text of an index of ``partition`` (an index
    lives in its table's schema; https://www.postgresql.org/docs/15/sql-dropindex.html).

    Raises:
        SchemaError: the text does not start ``CREATE [UNIQUE] INDEX <name>``.
    """
    m = _INDEX_NAME.match(definition)
    if m is None:
        raise SchemaError(f"partitions: {partition}: index {definition[:60]!r} does not start CREATE INDEX <name>")
    raw = m.group(1)
    name = raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()
    schema = split_key(partition)[0]
    return "DROP INDEX " + (f"{quote_ident(schema)}." if schema else "") + quote_ident(name)


def alter_sql(d: DbObject, a: DbObject) -> list[str] | None:
    """Statements turning ``a`` into ``d`` in place, for objects that other objects use (a domain is used by
    columns, an extension by everything it provides) and for a partition whose own indexes alone differ
    (:func:`partition_indexes`: DROP INDEX / CREATE INDEX, the rows stay); None where dropping and creating again
    is the way."""
    if d.kind is ObjectKind.PARTITION:
        rest_d = [(k, v) for k, v in d.attributes if k != "indexes"]
        rest_a = [(k, v) for k, v in a.attributes if k != "indexes"]
        if rest_d != rest_a or d.table != a.table or d.definition != a.definition:
            return None
        want, have = partition_indexes(d), partition_indexes(a)
        out = [_drop_index(a.name, ix) for ix in have if ix not in want]
        out += [ix for ix in want if ix not in have]
        if d.comment != a.comment:
            out += comment_sql(d)
        return out
    if d.kind is ObjectKind.EXTENSION:
        if d.attribute("schema") != a.attribute("schema") and d.attribute("schema"):
            return [f"ALTER EXTENSION {quote_ident(d.name)} SET SCHEMA {quote_ident(d.attribute('schema') or '')}"]
        return []
    if d.kind in (ObjectKind.FUNCTION, ObjectKind.PROCEDURE) and d.definition:
        # CREATE OR REPLACE keeps the triggers and views that use it, when the result type stays.
        same_result = d.attribute("returns") == a.attribute("returns")
        if same_result and d.definition.lstrip().upper().startswith("CREATE OR REPLACE"):
            return [d.definition, *comment_sql(d)] if d.comment != a.comment else [d.definition]
        return None
    if d.kind is not ObjectKind.DOMAIN or d.attribute("base_type") != a.attribute("base_type"):
        return None
    name = qualified(d.name)
    out = []
    if d.attribute("default") != a.attribute("default"):
        default = d.attribute("default")
        out.append(f"ALTER DOMAIN {name} " + (f"SET DEFAULT {default}" if default is not None else "DROP DEFAULT"))
    if d.attribute("not_null") != a.attribute("not_null"):
        out.append(f"ALTER DOMAIN {name} {'SET' if d.attribute('not_null') == 'true' else 'DROP'} NOT NULL")
    checks_d = _domain_checks(d)
    checks_a = _domain_checks(a)
    for check, definition in checks_a.items():
        if checks_d.get(check) != definition:
            out.append(f"ALTER DOMAIN {name} DROP CONSTRAINT {quote_ident(check)}")
    for check, definition in checks_d.items():
        if checks_a.get(check) != definition:
            out.append(f"ALTER DOMAIN {name} ADD CONSTRAINT {quote_ident(check)} {definition}")
    if d.attribute("collation") != a.attribute("collation"):
        return None
    return out


def _domain_checks(o: DbObject) -> dict[str, str]:
    out = {}
    for check in (o.attribute("checks") or "").split("; "):
        name, sep, definition = check.partition(": ")
        if sep:
            out[name] = definition
    return out
